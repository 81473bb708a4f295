#!/usr/bin/env python3
"""Loads a benchmark CSV into PostgreSQL the way an Arrow user would without Stevedore: pyarrow's CSV
reader, then the ADBC PostgreSQL driver's bulk ingest (a binary COPY), committed once.

usage: .run/bench-venv/bin/python Benchmarks/adbc_ingest.py CSV TABLE name=pgtype,... [--mode create|append]

CSV has a header line. TABLE is schema.table (or a table on the search path). The types are PostgreSQL's
format_type of each column of the table Stevedore made of the same CSV (scripts/bench passes them as
Benchmarks/csv_to_arrow.py gets them): the reader parses each column straight into that type's Arrow
type, so the binary COPY matches the table's columns. An unquoted empty field is NULL and a quoted ""
the empty string, as in psql's \\copy (FORMAT csv); quoted fields may hold newlines.
--mode append (the default) loads into the existing, empty table; --mode create has the driver create
the table from the Arrow schema. The server is the one the PG* variables name (PGHOST, PGPORT, PGUSER,
PGPASSWORD, PGDATABASE); the password is never printed.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import urllib.parse

import adbc_driver_postgresql.dbapi
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from csv_to_arrow import arrow_type


def decimal_for(column: pa.ChunkedArray) -> pa.DataType:
    """The narrowest decimal128 holding every value of a column of decimal strings: what
    csv_to_arrow.decimal_for finds, computed by pyarrow instead of value by value in Python."""
    whole = pc.replace_substring_regex(column, r"^-?0*([0-9]*).*$", r"\1")
    fraction = pc.replace_substring_regex(column, r"^[^.]*\.?", "")
    integer_digits = max(pc.max(pc.utf8_length(whole)).as_py() or 0, 1)
    scale = pc.max(pc.utf8_length(fraction)).as_py() or 0
    return pa.decimal128(integer_digits + scale, scale)


def read(csv_path: str, types: str) -> pa.Table:
    """The CSV as an Arrow table of the given types."""
    # name=type pairs, split at the commas outside a type's parentheses (numeric(10,2)).
    wanted = dict(pair.split("=", 1) for pair in re.split(r",(?![^()]*\))", types))
    column_types = {}
    for name, pg_type in wanted.items():
        if pg_type == "numeric":
            # An unconstrained numeric: its decimal's digits are known once its values are read.
            column_types[name] = pa.string()
        else:
            column_types[name] = arrow_type(pg_type, None)
    table = pacsv.read_csv(
        csv_path,
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        # strings_can_be_null: an empty text field is NULL, as for every other type, but only when
        # unquoted (quoted_strings_can_be_null=False): a quoted "" stays the empty string.
        convert_options=pacsv.ConvertOptions(
            column_types=column_types, strings_can_be_null=True, quoted_strings_can_be_null=False
        ),
    )
    for index, name in enumerate(table.column_names):
        if wanted[name] == "numeric":
            table = table.set_column(index, name, table[name].cast(decimal_for(table[name])))
    return table


def uri_from_environment() -> str:
    """A postgresql:// URI of the PG* variables (libpq's defaults for those unset)."""

    def quote(value: str) -> str:
        return urllib.parse.quote(value, safe="")

    user = quote(os.environ.get("PGUSER", ""))
    password = os.environ.get("PGPASSWORD")
    credentials = f"{user}:{quote(password)}@" if password else (f"{user}@" if user else "")
    host = os.environ.get("PGHOST", "")
    host = f"[{host}]" if ":" in host else quote(host)
    port = f":{os.environ['PGPORT']}" if os.environ.get("PGPORT") else ""
    return f"postgresql://{credentials}{host}{port}/{quote(os.environ.get('PGDATABASE', ''))}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv")
    parser.add_argument("table")
    parser.add_argument("types", help="name=pgtype,... (format_type of each column)")
    parser.add_argument("--mode", choices=["create", "append"], default="append")
    args = parser.parse_args()
    schema, _, table_name = args.table.rpartition(".")

    data = read(args.csv, args.types)
    password = os.environ.get("PGPASSWORD")
    try:
        with adbc_driver_postgresql.dbapi.connect(uri_from_environment()) as connection:
            with connection.cursor() as cursor:
                rows = cursor.adbc_ingest(table_name, data, mode=args.mode, db_schema_name=schema or None)
            connection.commit()
    except Exception as error:  # the driver's message may quote the URI: never print the password
        message = str(error)
        if password:
            message = message.replace(password, "***").replace(urllib.parse.quote(password, safe=""), "***")
        raise SystemExit(f"adbc_ingest: {type(error).__name__}: {message}") from None
    print(f"adbc_ingest: {rows} rows into {args.table} ({args.mode})", file=sys.stderr)


if __name__ == "__main__":
    main()
