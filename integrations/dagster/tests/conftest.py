"""Fixtures for tests against the real services: the built `stevedore`, PostgreSQL (libpq's PG*
variables) and the S3 test server (AWS_* variables), as `scripts/services env` sets them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from dagster_stevedore import StevedoreIOManager

ROOT = Path(__file__).resolve().parents[3]


def stevedore_executable() -> str:
    """STEVEDORE_BIN, else the debug build of this checkout."""
    path = os.environ.get("STEVEDORE_BIN") or str(ROOT / ".build" / "debug" / "stevedore")
    if not Path(path).is_file():
        pytest.fail(f"no stevedore at {path}: run `swift build` or set STEVEDORE_BIN")
    return path


def stage_url() -> str:
    bucket = os.environ.get("STEVEDORE_TEST_BUCKET")
    if not bucket or not os.environ.get("PGHOST"):
        pytest.fail('the test services\' variables are not set: eval "$(scripts/services env)"')
    return f"s3://{bucket}/dagster-tests"


class Warehouse:
    """Queries against the test PostgreSQL server, for assertions."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    def connect(self) -> psycopg.Connection:
        return psycopg.connect("", autocommit=True)

    def rows(self, sql: str, *parameters: object) -> list[tuple]:
        with self.connect() as connection:
            return connection.execute(sql, parameters or None).fetchall()

    def column_types(self, table: str) -> dict[str, str]:
        """`column -> type` as format_type prints it (`bigint`, `timestamp with time zone`, …)."""
        return dict(
            self.rows(
                "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                f'"{self.schema}"."{table}"',
            )
        )

    def ledger(self, table: str) -> list[tuple[str, int]]:
        """(partition, rows) of each committed load of `table`, oldest first."""
        return self.rows(
            "SELECT partition_key, row_count FROM stevedore.load_history "
            "WHERE table_schema = %s AND table_name = %s ORDER BY committed_at, load_id",
            self.schema,
            table,
        )


@pytest.fixture
def warehouse() -> Iterator[Warehouse]:
    stage_url()
    schema = f"dagster_{uuid.uuid4().hex[:10]}"
    yield Warehouse(schema)
    with psycopg.connect("", autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def io_manager(warehouse: Warehouse) -> StevedoreIOManager:
    """The I/O manager as a pipeline configures it: the stage and schema; the warehouse from PG*."""
    return StevedoreIOManager(stage=stage_url(), schema=warehouse.schema, executable=stevedore_executable())
