"""What a pipeline meets beyond the happy path: failed loads that leave the table as it was, a
column that appears later, other write modes and output types, a job, a concurrent reader."""

import threading
import time

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from dagster import (
    AssetExecutionContext,
    Config,
    DailyPartitionsDefinition,
    Definitions,
    Failure,
    asset,
    define_asset_job,
    materialize,
)

from conftest import Warehouse
from dagster_stevedore import StevedoreIOManager
from test_io_manager import DAYS, day_counts, read_sales, sales


class BadRows(Config):
    outside: bool = False
    mixed_types: bool = False


@asset(partitions_def=DAYS, metadata={"partition_expr": "sale_date"}, name="sales")
def bad_sales(context: AssetExecutionContext, config: BadRows) -> pd.DataFrame:
    frame = read_sales(context.partition_key)
    if config.outside:
        frame = pd.concat([frame, read_sales("2024-03-05").head(1)])
    if config.mixed_types:
        frame["quantity"] = frame["quantity"].astype(object)
        frame.loc[frame.index[-1], "quantity"] = "three"
    return frame


def table_snapshot(warehouse: Warehouse, table: str) -> list[tuple]:
    return warehouse.rows(f'SELECT md5(t::text) FROM "{warehouse.schema}"."{table}" t ORDER BY 1')


def failure_of(result) -> Failure | None:
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            return event.event_specific_data.error
    return None


def test_rows_outside_the_partition_fail_the_run_and_leave_the_table(
    warehouse: Warehouse, io_manager: StevedoreIOManager
) -> None:
    for day in ["2024-03-03", "2024-03-04"]:
        assert materialize([sales], partition_key=day, resources={"io_manager": io_manager}).success
    before = table_snapshot(warehouse, "sales")
    ledger = warehouse.ledger("sales")

    result = materialize(
        [bad_sales],
        partition_key="2024-03-04",
        resources={"io_manager": io_manager},
        run_config={"ops": {"sales": {"config": {"outside": True}}}},
        raise_on_error=False,
    )
    assert not result.success
    error = failure_of(result)
    assert error is not None
    message = error.message
    assert "stevedore load failed: stevedore: encode failed for" in message
    assert "sale_date is '2024-03-05', which is not in partition" in message
    assert "exit 65, input:" in message
    assert table_snapshot(warehouse, "sales") == before
    assert warehouse.ledger("sales") == ledger


def test_a_frame_that_cannot_convert_to_arrow_loads_nothing(
    warehouse: Warehouse, io_manager: StevedoreIOManager
) -> None:
    assert materialize([sales], partition_key="2024-03-04", resources={"io_manager": io_manager}).success
    before = table_snapshot(warehouse, "sales")
    result = materialize(
        [bad_sales],
        partition_key="2024-03-04",
        resources={"io_manager": io_manager},
        run_config={"ops": {"sales": {"config": {"mixed_types": True}}}},
        raise_on_error=False,
    )
    assert not result.success
    error = failure_of(result)
    assert error is not None and "three" in error.to_string()
    assert table_snapshot(warehouse, "sales") == before
    assert len(warehouse.ledger("sales")) == 1


class SourceFailure(Exception):
    pass


@asset(partitions_def=DAYS, metadata={"partition_expr": "sale_date"}, name="sales")
def sales_from_a_failing_reader(context: AssetExecutionContext) -> pa.RecordBatchReader:
    table = pa.Table.from_pandas(pd.concat([read_sales(context.partition_key)] * 50), preserve_index=False)

    def batches():
        yield from table.to_batches(max_chunksize=10_000)
        raise SourceFailure("the source went away after 40,000 rows")

    return pa.RecordBatchReader.from_batches(table.schema, batches())


def test_a_stream_that_fails_midway_loads_nothing(warehouse: Warehouse, io_manager: StevedoreIOManager) -> None:
    assert materialize([sales], partition_key="2024-03-04", resources={"io_manager": io_manager}).success
    before = table_snapshot(warehouse, "sales")
    result = materialize(
        [sales_from_a_failing_reader],
        partition_key="2024-03-04",
        resources={"io_manager": io_manager},
        raise_on_error=False,
    )
    assert not result.success
    error = failure_of(result)
    assert error is not None and "the source went away" in error.to_string()
    assert table_snapshot(warehouse, "sales") == before
    assert len(warehouse.ledger("sales")) == 1


WIDENING_DAYS = DailyPartitionsDefinition(start_date="2024-03-01", end_date="2024-03-06")


@asset(partitions_def=WIDENING_DAYS, metadata={"partition_expr": "sale_date"})
def priced(context: AssetExecutionContext) -> pl.DataFrame:
    frame = pl.from_pandas(read_sales(context.partition_key)).select("order_id", "sale_date", "unit_price")
    if context.partition_key >= "2024-03-03":
        # A discount column arrives on the third day; the first rows of it are all null.
        frame = frame.with_columns(
            pl.when(pl.col("order_id") % 7 == 0).then(pl.col("unit_price") * 0.1).otherwise(None).alias("discount")
        )
    return frame


def test_a_new_column_in_a_later_partition_is_added(warehouse: Warehouse, io_manager: StevedoreIOManager) -> None:
    for day in ["2024-03-01", "2024-03-02", "2024-03-03"]:
        assert materialize([priced], partition_key=day, resources={"io_manager": io_manager}).success
    assert warehouse.column_types("priced") == {
        "order_id": "bigint",
        "sale_date": "date",
        "unit_price": "double precision",
        "discount": "double precision",
    }
    counts = warehouse.rows(
        f'SELECT sale_date::text, count(discount) FROM "{warehouse.schema}".priced GROUP BY 1 ORDER BY 1'
    )
    third = read_sales("2024-03-03")
    assert counts == [("2024-03-01", 0), ("2024-03-02", 0), ("2024-03-03", int((third["order_id"] % 7 == 0).sum()))]


class Batch(Config):
    first: int = 1
    count: int = 3


@asset(metadata={"write_mode": "merge", "merge_key": "id", "column_types": {"id": "integer", "note": "text"}})
def customers(config: Batch) -> pa.RecordBatchReader:
    ids = list(range(config.first, config.first + config.count))
    table = pa.table({"id": pa.array(ids, pa.int64()), "note": [f"v{config.first}" for _ in ids]})
    return table.to_reader()


@asset(metadata={"write_mode": "append"})
def events(config: Batch) -> pl.LazyFrame:
    return pl.LazyFrame({"n": list(range(config.first, config.first + config.count))})


def test_merge_and_append_and_other_output_types(warehouse: Warehouse, io_manager: StevedoreIOManager) -> None:
    resources = {"io_manager": io_manager}
    assert materialize([customers, events], resources=resources).success
    second = {"ops": {"customers": {"config": {"first": 3, "count": 2}}, "events": {"config": {"first": 10}}}}
    assert materialize([customers, events], resources=resources, run_config=second).success
    schema = warehouse.schema
    assert warehouse.rows(f'SELECT id, note FROM "{schema}".customers ORDER BY id') == [
        (1, "v1"),
        (2, "v1"),
        (3, "v3"),
        (4, "v3"),
    ]
    assert warehouse.column_types("customers") == {"id": "integer", "note": "text"}
    assert [n for (n,) in warehouse.rows(f'SELECT n FROM "{schema}".events ORDER BY n')] == [1, 2, 3, 10, 11, 12]


def test_a_partitioned_job_from_definitions(warehouse: Warehouse, io_manager: StevedoreIOManager) -> None:
    job = define_asset_job("daily_sales", selection=[sales])
    defs = Definitions(assets=[sales], jobs=[job], resources={"io_manager": io_manager})
    for day in ["2024-03-04", "2024-03-05"]:
        assert defs.resolve_job_def("daily_sales").execute_in_process(partition_key=day).success
    assert day_counts(warehouse) == {"2024-03-04": 800, "2024-03-05": 800}


class Size(Config):
    rows: int


@asset(partitions_def=DAYS, metadata={"partition_expr": "sale_date"}, name="busy")
def busy(context: AssetExecutionContext, config: Size) -> pd.DataFrame:
    frame = read_sales(context.partition_key)
    return pd.concat([frame] * (config.rows // len(frame)), ignore_index=True)


def test_a_concurrent_reader_never_sees_the_partition_empty(
    warehouse: Warehouse, io_manager: StevedoreIOManager
) -> None:
    resources = {"io_manager": io_manager}
    sizes = [24_000, 40_000]
    run_config = {"ops": {"busy": {"config": {"rows": sizes[0]}}}}
    assert materialize([busy], partition_key="2024-03-01", resources=resources, run_config=run_config).success
    seen: list[int] = []
    done = threading.Event()

    def read() -> None:
        with warehouse.connect() as connection:
            while not done.is_set():
                (count,) = connection.execute(
                    f"SELECT count(*) FROM \"{warehouse.schema}\".busy WHERE sale_date = '2024-03-01'"
                ).fetchone()
                seen.append(count)
                time.sleep(0.002)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for round in range(4):
            rows = sizes[(round + 1) % 2]
            config = {"ops": {"busy": {"config": {"rows": rows}}}}
            assert materialize([busy], partition_key="2024-03-01", resources=resources, run_config=config).success
    finally:
        done.set()
        reader.join()
    assert len(seen) > 20
    assert set(seen) == set(sizes), f"the reader saw {sorted(set(seen))}"
    assert len(warehouse.ledger("busy")) == 5


@pytest.fixture
def missing_table_manager(io_manager: StevedoreIOManager) -> StevedoreIOManager:
    return io_manager


@asset(partitions_def=DAYS, metadata={"partition_expr": "sale_date"})
def reads_missing(context: AssetExecutionContext, sales: pd.DataFrame) -> None:
    raise AssertionError("never reached: loading the input fails")


def test_loading_a_table_that_does_not_exist_fails_clearly(
    warehouse: Warehouse, io_manager: StevedoreIOManager
) -> None:
    result = materialize(
        [sales.to_source_asset(), reads_missing],
        partition_key="2024-03-01",
        resources={"io_manager": io_manager},
        raise_on_error=False,
    )
    assert not result.success
    events = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = events[0].event_specific_data.error.message
    assert "stevedore unload failed" in message and f"{warehouse.schema}.sales" in message
    # Nothing was created on the way: neither the missing upstream table nor the downstream one.
    for table in ("sales", "reads_missing"):
        assert warehouse.rows("SELECT to_regclass(%s)::text", f'"{warehouse.schema}".{table}') == [(None,)]


def test_a_missing_stevedore_command_is_named(warehouse: Warehouse, io_manager: StevedoreIOManager) -> None:
    missing = StevedoreIOManager(stage=io_manager.stage, schema=warehouse.schema, executable="/nonexistent/stevedore")
    result = materialize([sales], partition_key="2024-03-01", resources={"io_manager": missing}, raise_on_error=False)
    assert not result.success
    error = failure_of(result)
    assert error is not None and "no stevedore command at '/nonexistent/stevedore'" in error.message
    assert warehouse.rows("SELECT to_regclass(%s)::text", f'"{warehouse.schema}".sales') == [(None,)]
