#!/usr/bin/env python3
"""Writes hostile Arrow streams and files: a good pyarrow stream of three frame columns (i32, utf8,
dict_str; five rows), cut or patched in one place each. Also, with --valid, the same stream with
its utf8 offsets starting at 5 instead of 0: unusual but valid (writers always rebase to 0).

usage: .run/venv/bin/python scripts/arrow/write_hostile.py OUTDIR [--valid DIR] [--check]
  --check  also reads each file with pyarrow (in a child process) and prints what it says
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.ipc as ipc

sys.path.insert(0, str(Path(__file__).resolve().parent))
import frame  # noqa: E402
import ipc_bytes as ib  # noqa: E402
from write_fixtures import record  # noqa: E402

ROWS = [0, 8, 3, 2, 4]  # utf8: "plain", "Grüße…", quotes, NULL, "comma…"
I32_VALIDITY, I32_DATA, UTF8_VALIDITY, UTF8_OFFSETS, UTF8_DATA = range(5)


def base_table() -> pa.Table:
    """The good table every hostile file starts from."""
    return frame.all_types_table().select(["i32", "utf8", "dict_str"]).take(ROWS)


def stream_bytes(table: pa.Table) -> bytes:
    """The table as an uncompressed pyarrow stream: Schema, DictionaryBatch, RecordBatch, end."""
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def file_bytes(table: pa.Table) -> bytes:
    """The table as an uncompressed pyarrow file (ARROW1 … ARROW1)."""
    sink = pa.BufferOutputStream()
    with ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def record_batch(data: bytes | bytearray) -> ib.Message:
    """The stream's (first) record batch message."""
    return next(m for m in ib.messages(data) if m.header_type == ib.RECORD_BATCH)


def buffer_at(data: bytes | bytearray, index: int) -> tuple[int, int, int]:
    """(struct position, absolute start, length) of buffer `index` of the record batch."""
    message = record_batch(data)
    position = ib.buffer_positions(data, message.header)[index]
    return position, message.body_start + ib.i64(data, position), ib.i64(data, position + 8)


# ---------------------------------------------------------------- the defects (each: good bytes → bad bytes)


def truncated_body(good: bytes) -> bytes:
    """Ends halfway through the record batch's body."""
    message = record_batch(good)
    return good[: message.body_start + message.body_length // 2]


def truncated_metadata(good: bytes) -> bytes:
    """Ends halfway through the record batch's flatbuffer metadata."""
    message = record_batch(good)
    return good[: message.metadata_start + message.metadata_length // 2]


def buffer_past_body(good: bytes) -> bytes:
    """The utf8 data buffer's length reaches 4 KiB past the end of the body."""
    data = bytearray(good)
    position, _, _ = buffer_at(data, UTF8_DATA)
    ib.put_i64(data, position + 8, record_batch(data).body_length + 4096)
    return bytes(data)


def offsets_past_data(good: bytes) -> bytes:
    """The utf8 column's last offset is 1000 bytes past its data buffer."""
    data = bytearray(good)
    _, start, _ = buffer_at(data, UTF8_OFFSETS)
    _, _, data_length = buffer_at(data, UTF8_DATA)
    ib.put_i32(data, start + 4 * len(ROWS), data_length + 1000)
    return bytes(data)


def offsets_decreasing(good: bytes) -> bytes:
    """The utf8 column's third offset (end of row 1) is below the second: row 1 has a negative length."""
    data = bytearray(good)
    _, start, _ = buffer_at(data, UTF8_OFFSETS)
    ib.put_i32(data, start + 8, ib.i32(data, start + 4) - 3)
    return bytes(data)


def dictionary_never_sent(good: bytes) -> bytes:
    """The DictionaryBatch message is cut out: the record batch uses dictionary id 0, never sent."""
    message = next(m for m in ib.messages(good) if m.header_type == ib.DICTIONARY_BATCH)
    return good[: message.start] + good[message.end:]


def billion_rows(good: bytes) -> bytes:
    """The record batch and each of its field nodes declare 10^9 rows; the buffers hold five."""
    data = bytearray(good)
    batch = record_batch(data).header
    ib.put_i64(data, ib.length_position(data, batch), 10**9)
    for node in ib.node_positions(data, batch):
        ib.put_i64(data, node, 10**9)
    return bytes(data)


def metadata_length_max(good: bytes) -> bytes:
    """The first message (the schema) says its metadata is 2^31-1 bytes long."""
    data = bytearray(good)
    ib.put_i32(data, 4, 2**31 - 1)
    return bytes(data)


def vtable_outside(good: bytes) -> bytes:
    """The schema message's root table points its vtable 64 KiB past the end of the message."""
    data = bytearray(good)
    message = ib.messages(data)[0]
    root = ib.referenced(data, message.metadata_start)
    ib.put_i32(data, root, root - (message.body_start + 65536))
    return bytes(data)


def bad_magic_tail(good_file: bytes) -> bytes:
    """A file whose trailing magic reads ARROW! (the leading ARROW1 is intact)."""
    return good_file[:-1] + b"!"


def bad_magic_head(good_file: bytes) -> bytes:
    """A file whose leading magic reads ARROW! (the trailing ARROW1 is intact)."""
    return good_file[:5] + b"!" + good_file[6:]


STREAM_DEFECTS: dict[str, Callable[[bytes], bytes]] = {
    "truncated_body.arrows": truncated_body,
    "truncated_metadata.arrows": truncated_metadata,
    "buffer_past_body.arrows": buffer_past_body,
    "offsets_past_data.arrows": offsets_past_data,
    "offsets_decreasing.arrows": offsets_decreasing,
    "dictionary_never_sent.arrows": dictionary_never_sent,
    "billion_rows.arrows": billion_rows,
    "metadata_length_max.arrows": metadata_length_max,
    "vtable_outside.arrows": vtable_outside,
}
FILE_DEFECTS: dict[str, Callable[[bytes], bytes]] = {
    "bad_magic_tail.arrow": bad_magic_tail,
    "bad_magic_head.arrow": bad_magic_head,
}


# ---------------------------------------------------------------- valid but unusual


def offsets_not_from_zero(good: bytes) -> bytes:
    """The utf8 column moved to the end of its padded data buffer, its offsets starting there (valid)."""
    data = bytearray(good)
    _, offsets_start, _ = buffer_at(data, UTF8_OFFSETS)
    data_position, data_start, data_length = buffer_at(data, UTF8_DATA)
    _, next_start, _ = buffer_at(data, UTF8_DATA + 1)
    shift = next_start - data_start - data_length
    if shift <= 0:
        raise RuntimeError("the utf8 data buffer has no padding to move into; choose other rows")
    data[data_start + shift: data_start + shift + data_length] = good[data_start: data_start + data_length]
    data[data_start: data_start + shift] = b"\xee" * shift  # bytes before the first offset: never read
    for row in range(len(ROWS) + 1):
        ib.put_i32(data, offsets_start + 4 * row, ib.i32(data, offsets_start + 4 * row) + shift)
    ib.put_i64(data, data_position + 8, data_length + shift)
    return bytes(data)


def write_valid(directory: Path) -> Path:
    """offsets_not_from_zero.arrows and its expected file (the base table's texts)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "offsets_not_from_zero.arrows"
    path.write_bytes(offsets_not_from_zero(stream_bytes(base_table())))
    return record(path, base_table(), f"pyarrow {pa.__version__}, patched by write_hostile.py")


# ---------------------------------------------------------------- main


def write_hostile(outdir: Path) -> list[Path]:
    """Every hostile file into `outdir`."""
    outdir.mkdir(parents=True, exist_ok=True)
    good_stream, good_file = stream_bytes(base_table()), file_bytes(base_table())
    written = []
    for defects, good in ((STREAM_DEFECTS, good_stream), (FILE_DEFECTS, good_file)):
        for name, defect in defects.items():
            path = outdir / name
            path.write_bytes(defect(good))
            written.append(path)
    return written


PYARROW_CHECK = """
import sys, pyarrow as pa, pyarrow.ipc as ipc
data = open(sys.argv[1], "rb").read()
reader = ipc.open_file(pa.BufferReader(data)) if data[:6] == b"ARROW1" else ipc.open_stream(data)
table = reader.read_all()
table.validate(full=True)
print(f"read {table.num_rows} rows")
"""


def pyarrow_verdict(path: Path) -> str:
    """What pyarrow says reading and fully validating the file, in a child process (it may crash)."""
    done = subprocess.run([sys.executable, "-c", PYARROW_CHECK, str(path)], capture_output=True, text=True)
    if done.returncode == 0:
        return done.stdout.strip()
    lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
    return f"exit {done.returncode}: {lines[-1] if lines else ''}"


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """OUTDIR, --valid DIR and --check."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--valid", type=Path, help="also write offsets_not_from_zero.arrows there")
    parser.add_argument("--check", action="store_true", help="print pyarrow's verdict on each file")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """Writes the files and prints their paths (with pyarrow's verdict under --check)."""
    arguments = parse_arguments(argv)
    written = write_hostile(arguments.outdir)
    if arguments.valid:
        written.append(write_valid(arguments.valid))
    for path in written:
        print(f"{path}: {pyarrow_verdict(path)}" if arguments.check else path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
