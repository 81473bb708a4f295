"""Runs the `stevedore` command: a load fed an Arrow stream on stdin, an unload read as an Arrow
stream from stdout, and its failures as errors that carry the exit code's meaning."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

import pyarrow as pa

# What each of stevedore's exit codes means (docs/cli.md).
EXIT_MEANINGS = {
    64: "usage: Stevedore refused a flag or value",
    65: "input: the frame does not fit (malformed, outside its partition, or types the table cannot take)",
    69: "warehouse: the warehouse refused or could not be reached",
    74: "stage: the object store refused or could not be reached",
}


class StevedoreCommandError(Exception):
    """`stevedore` ended with a non-zero exit code; `message` is its one-line error."""

    def __init__(self, verb: str, exit_code: int, stderr: str) -> None:
        self.verb = verb
        self.exit_code = exit_code
        self.stderr = stderr.strip()
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith(("stevedore:", "Error:"))]
        self.message = (errors or lines or [f"stevedore {verb} exited with {exit_code}"])[0]
        self.meaning = EXIT_MEANINGS.get(exit_code, "stevedore failed")
        super().__init__(f"{self.message} (exit {exit_code}, {self.meaning})")


@dataclass(frozen=True)
class StevedoreCommand:
    """The `stevedore` executable and the flags every command gets (warehouse, stage, ...)."""

    executable: str
    common_arguments: tuple[str, ...] = ()

    def load(self, arguments: Sequence[str], schema: pa.Schema, batches: Iterator[pa.RecordBatch]) -> dict[str, Any]:
        """Runs `stevedore load - --format arrow --json <arguments>`, streaming `batches` to its
        stdin, and returns the load report. If producing a batch fails, stevedore is stopped
        before its input ends, so nothing is loaded, and the error is raised."""
        command = [self.executable, "load", "-", "--format", "arrow", "--json", *arguments, *self.common_arguments]
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        stdout = _Drain(process.stdout)
        stderr = _Drain(process.stderr)
        try:
            # Not a `with` block: closing the writer ends the stream, which must happen only
            # after every batch was written.
            writer = pa.ipc.new_stream(process.stdin, schema)
            for batch in batches:
                writer.write_batch(batch)
            writer.close()
        except BaseException as error:
            # A pipe that broke because stevedore ended is its failure, told on stderr; any other
            # error is the frame's, and stevedore must not see its input end.
            if not (isinstance(error, OSError) and _ended(process)):
                _stop(process)
                raise
        try:
            process.stdin.close()
        except OSError:
            pass  # stevedore ended first; its exit code says why
        code = process.wait()
        if code != 0:
            raise StevedoreCommandError("load", code, stderr.text())
        return json.loads(stdout.text())

    def unload(self, arguments: Sequence[str]) -> pa.Table:
        """Runs `stevedore unload --format arrow --to - <arguments>` and reads its stream."""
        command = [self.executable, "unload", "--format", "arrow", "--to", "-", *arguments, *self.common_arguments]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert process.stdout is not None and process.stderr is not None
        stderr = _Drain(process.stderr)
        table: pa.Table | None = None
        try:
            table = pa.ipc.open_stream(process.stdout).read_all()
        except (pa.ArrowInvalid, OSError):
            table = None  # stevedore failed before or while writing; its exit code says why
        finally:
            process.stdout.close()
        code = process.wait()
        if code != 0 or table is None:
            raise StevedoreCommandError("unload", code, stderr.text())
        return table


class _Drain:
    """Reads a pipe to its end on a thread of its own, so that neither side blocks."""

    def __init__(self, pipe: IO[bytes]) -> None:
        self._chunks: list[bytes] = []
        self._thread = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self._thread.start()

    def _read(self, pipe: IO[bytes]) -> None:
        with pipe:
            for chunk in iter(lambda: pipe.read(65_536), b""):
                self._chunks.append(chunk)

    def text(self) -> str:
        self._thread.join()
        return b"".join(self._chunks).decode("utf-8", errors="replace")


def _ended(process: subprocess.Popen[bytes]) -> bool:
    """True when stevedore exits within a few seconds (it closed its input because it failed)."""
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        return False
    return True


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ends a load whose input failed: SIGTERM makes stevedore roll back and remove its stage;
    its input is closed only after it exited, so it never sees a complete stream."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdin is not None:
        try:
            process.stdin.close()
        except OSError:
            pass
