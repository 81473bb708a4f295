#!/usr/bin/env python3
"""Reads an Arrow IPC stream or file (told apart by the `ARROW1` magic) with pyarrow or Polars and
prints `{"columns": [{"name", "type"}], "rows": [[text or null, …], …]}` in canonical.py's texts.

usage: .run/venv/bin/python scripts/arrow/read_canonical.py FILE|- [--with pyarrow|polars]

`type` is the Arrow type (str(field.type)) with pyarrow and the Polars dtype with Polars; compare.py
--ignore-types compares only names and values. Polars reads Date64 as Datetime(ms) (its text is then
a timestamp's) and cannot read Decimal256 (an error, exit 1).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from canonical import NS_PER_DAY, Kind, canonical_text  # noqa: E402

ARROW_MAGIC = b"ARROW1"
UNIT_NS = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
Document = dict[str, Any]


def read_input(name: str) -> bytes:
    """The bytes of a file, or of standard input for `-`."""
    return sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()


def with_pyarrow(data: bytes) -> Document:
    """The canonical document of a stream or file as pyarrow reads it."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    from arrow_values import canonical_document

    source = pa.BufferReader(data)
    reader = ipc.open_file(source) if data.startswith(ARROW_MAGIC) else ipc.open_stream(source)
    return canonical_document(reader.read_all())


def polars_kind(dtype: Any) -> Kind:
    """The PostgreSQL column kind of a Polars dtype (the same table as arrow_values.arrow_kind)."""
    import polars as pl

    base = dtype.base_type()
    tags = {pl.Float16: "real", pl.Float32: "real", pl.Float64: "double", pl.Boolean: "boolean",
            pl.String: "text", pl.Categorical: "text", pl.Enum: "text", pl.Binary: "bytea", pl.Date: "date",
            pl.Time: "time", pl.Duration: "interval", pl.Null: "null"}
    if dtype.is_integer():
        return Kind("integer")
    if base == pl.Decimal:
        return Kind("numeric", dtype.scale)
    if base == pl.Datetime:
        return Kind("timestamptz" if dtype.time_zone else "timestamp")
    if base in tags:
        return Kind(tags[base])
    if dtype.is_nested():
        return Kind("jsonb")
    raise ValueError(f"no canonical text for Polars dtype {dtype}")


def polars_values(series: Any) -> list[Any]:
    """The values of a Polars series as canonical_text takes them (temporal: integer nanoseconds)."""
    import polars as pl

    base = series.dtype.base_type()
    if base in (pl.Categorical, pl.Enum):
        return series.cast(pl.String).to_list()
    if base == pl.Date:
        factor = NS_PER_DAY
    elif base in (pl.Datetime, pl.Duration):
        factor = UNIT_NS[series.dtype.time_unit]
    elif base == pl.Time:
        factor = 1
    else:
        return series.to_list()
    return [None if n is None else n * factor for n in series.to_physical().to_list()]


def with_polars(data: bytes) -> Document:
    """The canonical document of a stream or file as Polars reads it."""
    import polars as pl

    source = io.BytesIO(data)
    frame = pl.read_ipc(source) if data.startswith(ARROW_MAGIC) else pl.read_ipc_stream(source)
    columns = [[canonical_text(v, polars_kind(s.dtype)) for v in polars_values(s)] for s in frame.get_columns()]
    return {
        "columns": [{"name": s.name, "type": str(s.dtype)} for s in frame.get_columns()],
        "rows": [list(row) for row in zip(*columns)] if columns else [],
    }


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """FILE|- and --with."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="an Arrow stream or file, or - for standard input")
    parser.add_argument("--with", dest="library", choices=["pyarrow", "polars"], default="pyarrow")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """Prints the document; a file the library cannot read is one line on stderr and exit 1."""
    arguments = parse_arguments(argv)
    data = read_input(arguments.input)
    reader = with_polars if arguments.library == "polars" else with_pyarrow
    try:
        document = reader(data)
    except BaseException as error:  # Polars raises PanicException, a BaseException, on some input
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        first = (str(error).strip().splitlines() or [""])[0]
        print(f"read_canonical: {arguments.library} cannot read {arguments.input}: {type(error).__name__}: {first}",
              file=sys.stderr)
        return 1
    json.dump(document, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
