#!/usr/bin/env python3
"""Writes a benchmark CSV as an Arrow IPC stream with pyarrow, each column typed as the table Stevedore
made of the same CSV: the frame a pandas or Polars pipeline would hand over.

usage: .run/venv/bin/python Benchmarks/csv_to_arrow.py CSV ARROWS name=pgtype,...

pgtype is PostgreSQL's format_type (bigint, numeric, text, timestamp without time zone, ...); an
unconstrained numeric becomes decimal128 with the digits the column's values need.
"""

from __future__ import annotations

import sys

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

SIMPLE: dict[str, pa.DataType] = {
    "smallint": pa.int16(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "double precision": pa.float64(),
    "real": pa.float32(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp without time zone": pa.timestamp("us"),
    "timestamp with time zone": pa.timestamp("us", tz="UTC"),
    "text": pa.string(),
}


def decimal_for(column: pa.ChunkedArray) -> pa.DataType:
    """The narrowest decimal128 holding every value of a column of decimal strings."""
    integer_digits, scale = 1, 0
    for value in column.to_pylist():
        if value is None:
            continue
        whole, _, fraction = value.lstrip("-").partition(".")
        integer_digits = max(integer_digits, len(whole.lstrip("0")) or 1)
        scale = max(scale, len(fraction))
    return pa.decimal128(integer_digits + scale, scale)


def arrow_type(pg_type: str, column: pa.ChunkedArray) -> pa.DataType:
    """The Arrow type of a column of `pg_type`."""
    if pg_type in SIMPLE:
        return SIMPLE[pg_type]
    if pg_type.startswith("numeric(") and "," in pg_type:
        precision, scale = pg_type[len("numeric(") : -1].split(",")
        return pa.decimal128(int(precision), int(scale))
    if pg_type.startswith("numeric"):
        return decimal_for(column)
    raise SystemExit(f"csv_to_arrow: no Arrow type for {pg_type}")


def main(csv_path: str, arrow_path: str, types: str) -> None:
    wanted = dict(pair.split("=", 1) for pair in types.split(","))
    strings = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in wanted}, strings_can_be_null=True, quoted_strings_can_be_null=False
    )
    table = pacsv.read_csv(csv_path, convert_options=strings)
    columns = []
    for name in table.column_names:
        column = table[name]
        target = arrow_type(wanted[name], column)
        if target != pa.string():
            column = pc.cast(column, target)
        columns.append(column)
    typed = pa.table(columns, names=table.column_names)
    with pa.OSFile(arrow_path, "wb") as sink, pa.ipc.new_stream(sink, typed.schema) as writer:
        for batch in typed.to_batches(max_chunksize=65_536):
            writer.write_batch(batch)
    print(f"csv_to_arrow: {typed.num_rows} rows, {typed.schema.types}", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:4])
