#!/usr/bin/env python3
"""scripts/bench's Dagster cases: one frame of the benchmark CSV, as pandas or Polars reads it,
stored as a Dagster asset three ways, each timed from the frame in memory to the committed table
(reading the CSV is not timed). Prints the seconds on its last line.

usage: .run/venv/bin/python Benchmarks/dagster_bench.py io-manager pandas|polars CSV TABLE STAGE STEVEDORE
       .run/venv/bin/python Benchmarks/dagster_bench.py original CSV TABLE BUCKET
       .run/venv/bin/python Benchmarks/dagster_bench.py arrow-stream CSV ARROWS
       .run/venv/bin/python Benchmarks/dagster_bench.py create-original CSV TABLE

io-manager materializes an asset returning the frame through StevedoreIOManager (replace mode),
after a first materialization of a tiny asset: Dagster's once-per-process start (0.3-0.4 s here) is
Dagster's, not the I/O manager's.
original is the pattern of the hand-written Redshift I/O manager, into PostgreSQL: pandas to_csv
with gzip into memory, one put_object to S3, then DELETE and COPY FROM STDIN of the object streamed
back from S3 and gunzipped, in one transaction (on Redshift the cluster would read S3 itself).
arrow-stream writes the Arrow stream the I/O manager sends for the pandas frame, for `stevedore
load` of the same bytes. create-original creates the original pattern's table from pandas' dtypes,
as that pattern's DDL does.
"""

from __future__ import annotations

import gzip
import io
import sys
import time

import pandas as pd
import pyarrow as pa


def read_frame(library: str, csv: str):
    if library == "polars":
        import polars

        return polars.read_csv(csv)
    return pd.read_csv(csv)


def io_manager(library: str, csv: str, table: str, stage: str, executable: str) -> float:
    from dagster import DagsterInstance, InMemoryIOManager, asset, materialize

    from dagster_stevedore import StevedoreIOManager

    frame = read_frame(library, csv)
    schema, name = table.split(".")

    @asset
    def warm_up() -> int:
        return 1

    materialize([warm_up], resources={"io_manager": InMemoryIOManager()}, instance=DagsterInstance.ephemeral())

    @asset(name=name, key_prefix=schema)
    def bench_frame():
        return frame

    manager = StevedoreIOManager(stage=stage, executable=executable)
    started = time.perf_counter()
    result = materialize([bench_frame], resources={"io_manager": manager}, instance=DagsterInstance.ephemeral())
    seconds = time.perf_counter() - started
    if not result.success:
        raise SystemExit("the materialization failed")
    return seconds


def original(csv: str, table: str, bucket: str) -> float:
    import boto3
    import psycopg

    frame = read_frame("pandas", csv)
    key = f"bench/dagster-original/{table}.csv.gz"
    s3 = boto3.client("s3")
    started = time.perf_counter()
    buffer = io.BytesIO()
    frame.to_csv(buffer, index=False, compression="gzip")
    s3.put_object(Bucket=bucket, Key=key, Body=buffer.getvalue())
    del buffer
    schema, name = table.split(".")
    with psycopg.connect("") as connection:
        with connection.cursor() as cursor:
            cursor.execute(f'DELETE FROM "{schema}"."{name}"')
            body = s3.get_object(Bucket=bucket, Key=key)["Body"]
            with cursor.copy(f'COPY "{schema}"."{name}" FROM STDIN (FORMAT csv, HEADER true)') as copy:
                with gzip.GzipFile(fileobj=body) as rows:
                    while chunk := rows.read(1 << 20):
                        copy.write(chunk)
        connection.commit()
    return time.perf_counter() - started


def create_original(csv: str, table: str) -> None:
    import psycopg

    frame = read_frame("pandas", csv)
    types = {"i": "bigint", "u": "bigint", "f": "double precision", "b": "boolean", "M": "timestamp"}
    columns = ", ".join(f'"{column}" {types.get(dtype.kind, "text")}' for column, dtype in frame.dtypes.items())
    schema, name = table.split(".")
    with psycopg.connect("", autocommit=True) as connection:
        connection.execute(f'DROP TABLE IF EXISTS "{schema}"."{name}"')
        connection.execute(f'CREATE TABLE "{schema}"."{name}" ({columns}) WITH (autovacuum_enabled = off)')


def arrow_stream(csv: str, path: str) -> None:
    from dagster_stevedore.frames import record_batches

    schema, batches = record_batches(read_frame("pandas", csv))
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_stream(sink, schema) as writer:
        for batch in batches:
            writer.write_batch(batch)


def main(arguments: list[str]) -> None:
    match arguments:
        case ["io-manager", library, csv, table, stage, executable]:
            print(f"{io_manager(library, csv, table, stage, executable):.6f}")
        case ["original", csv, table, bucket]:
            print(f"{original(csv, table, bucket):.6f}")
        case ["create-original", csv, table]:
            create_original(csv, table)
        case ["arrow-stream", csv, path]:
            arrow_stream(csv, path)
        case _:
            raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
