"""StevedoreIOManager under real Dagster, against PostgreSQL and the S3 test server: each test
materializes assets and checks the table's rows and types in PostgreSQL."""

import datetime as dt

import pandas as pd
import polars as pl
import pyarrow as pa
from dagster import (
    AssetExecutionContext,
    AssetIn,
    BackfillPolicy,
    Config,
    DailyPartitionsDefinition,
    HourlyPartitionsDefinition,
    MultiPartitionKey,
    MultiPartitionsDefinition,
    StaticPartitionsDefinition,
    TimeWindowPartitionMapping,
    asset,
    materialize,
)

from conftest import ROOT, Warehouse
from dagster_stevedore import StevedoreIOManager

SALES = ROOT / "docs" / "examples" / "sales"
DAYS = DailyPartitionsDefinition(start_date="2024-03-01", end_date="2024-03-06")


def read_sales(day: str) -> pd.DataFrame:
    """A day of the sample sales as pandas reads the CSV: its own dtypes, NaN for empty fields."""
    frame = pd.read_csv(SALES / f"{day}.csv", parse_dates=["sold_at"])
    frame["sale_date"] = pd.to_datetime(frame["sale_date"]).dt.date
    return frame


class SalesConfig(Config):
    region: str | None = None
    extra_day: str | None = None


@asset(partitions_def=DAYS, metadata={"partition_expr": "sale_date"})
def sales(context: AssetExecutionContext, config: SalesConfig) -> pd.DataFrame:
    frame = read_sales(context.partition_key)
    if config.region:
        frame = frame[frame["region"] == config.region]
    if config.extra_day:
        frame = pd.concat([frame, read_sales(config.extra_day).head(1)])
    return frame


def day_counts(warehouse: Warehouse, table: str = "sales") -> dict[str, int]:
    rows = warehouse.rows(f'SELECT sale_date::text, count(*) FROM "{warehouse.schema}"."{table}" GROUP BY 1 ORDER BY 1')
    return dict(rows)


def test_daily_pandas_partitions_replace_one_day(warehouse: Warehouse, io_manager: StevedoreIOManager) -> None:
    for day in ["2024-03-01", "2024-03-02", "2024-03-03"]:
        result = materialize([sales], partition_key=day, resources={"io_manager": io_manager})
        assert result.success
    assert day_counts(warehouse) == {"2024-03-01": 800, "2024-03-02": 800, "2024-03-03": 800}
    assert warehouse.column_types("sales") == {
        "order_id": "bigint",
        "sale_date": "date",
        "sold_at": "timestamp with time zone",
        "region": "text",
        "product": "text",
        "quantity": "bigint",
        "unit_price": "double precision",
        "customer_zip": "bigint",
        "gift_note": "text",
    }

    replaced = materialize(
        [sales],
        partition_key="2024-03-02",
        resources={"io_manager": io_manager},
        run_config={"ops": {"sales": {"config": {"region": "eu-west"}}}},
    )
    assert replaced.success
    eu_west = int((read_sales("2024-03-02")["region"] == "eu-west").sum())
    assert day_counts(warehouse) == {"2024-03-01": 800, "2024-03-02": eu_west, "2024-03-03": 800}
    # Values as pandas had them: NaN gift notes are NULL, text with quotes and line breaks whole.
    frame = read_sales("2024-03-01")
    stored = warehouse.rows(
        f'SELECT order_id, sold_at, unit_price, gift_note FROM "{warehouse.schema}".sales '
        "WHERE sale_date = '2024-03-01' ORDER BY order_id"
    )
    assert [row[0] for row in stored] == frame["order_id"].tolist()
    assert [row[1] for row in stored] == [ts.to_pydatetime() for ts in frame["sold_at"]]
    assert [row[2] for row in stored] == frame["unit_price"].tolist()
    assert [row[3] for row in stored] == [None if pd.isna(note) else note for note in frame["gift_note"]]

    metadata = replaced.asset_materializations_for_node("sales")[0].metadata
    assert metadata["dagster/row_count"].value == eu_west
    assert metadata["partition"].value == "sale_date=[2024-03-02T00:00:00+00:00,2024-03-03T00:00:00+00:00)"
    assert metadata["table"].value == f"{warehouse.schema}.sales"
    assert metadata["bytes_staged"].value > 0 and metadata["parts"].value == 1
    assert metadata["stage_prefix"].value.startswith("s3://")
    columns = {column.name: column.type for column in metadata["dagster/column_schema"].value.columns}
    assert columns["sold_at"] == "timestamptz" and columns["sale_date"] == "date"
    assert warehouse.ledger("sales")[-1] == (metadata["partition"].value, eu_west)


BERLIN_HOURS = HourlyPartitionsDefinition(start_date="2024-03-30-22:00", timezone="Europe/Berlin")


def ten_minute_readings(context: AssetExecutionContext) -> pd.DataFrame:
    """A reading every ten minutes of the partition's window, in its time zone."""
    window = context.partition_time_window
    times = pd.date_range(window.start, window.end, freq="10min", inclusive="left")
    return pd.DataFrame({"measured_at": times, "watts": [float(i) * 1.5 for i in range(len(times))]})


@asset(partitions_def=BERLIN_HOURS, metadata={"partition_expr": "measured_at"})
def readings(context: AssetExecutionContext) -> pd.DataFrame:
    return ten_minute_readings(context)


def test_hourly_berlin_partitions_across_the_spring_forward(
    warehouse: Warehouse, io_manager: StevedoreIOManager
) -> None:
    # 2024-03-31: Berlin's clocks jump from 02:00 to 03:00, so the partition "01:00" ends at 03:00.
    keys = ["2024-03-31-00:00", "2024-03-31-01:00", "2024-03-31-03:00"]
    for key in keys + ["2024-03-31-01:00"]:
        assert materialize([readings], partition_key=key, resources={"io_manager": io_manager}).success
    rows = warehouse.rows(
        f"SELECT to_char(measured_at AT TIME ZONE 'UTC', 'HH24:MI'), watts FROM \"{warehouse.schema}\".readings "
        "ORDER BY measured_at"
    )
    assert [row[0] for row in rows] == [f"{h:02}:{m:02}" for h in (23, 0, 1) for m in range(0, 60, 10)]
    assert warehouse.column_types("readings")["measured_at"] == "timestamp with time zone"
    assert [partition for partition, _ in warehouse.ledger("readings")] == [
        "measured_at=[2024-03-31T00:00:00+01:00,2024-03-31T01:00:00+01:00)",
        "measured_at=[2024-03-31T01:00:00+01:00,2024-03-31T03:00:00+02:00)",
        "measured_at=[2024-03-31T03:00:00+02:00,2024-03-31T04:00:00+02:00)",
        "measured_at=[2024-03-31T01:00:00+01:00,2024-03-31T03:00:00+02:00)",
    ]


AUTUMN_HOURS = HourlyPartitionsDefinition(start_date="2024-10-27-00:00", timezone="Europe/Berlin")


@asset(partitions_def=AUTUMN_HOURS, metadata={"partition_expr": "measured_at"}, name="readings")
def autumn_readings(context: AssetExecutionContext) -> pd.DataFrame:
    return ten_minute_readings(context)


def test_hourly_berlin_partitions_across_the_fall_back(warehouse: Warehouse, io_manager: StevedoreIOManager) -> None:
    # 2024-10-27: Berlin's 02:00-03:00 comes twice; Dagster names the second "02:00+0100".
    keys = ["2024-10-27-01:00", "2024-10-27-02:00", "2024-10-27-02:00+0100", "2024-10-27-03:00"]
    for key in keys + ["2024-10-27-02:00"]:
        assert materialize([autumn_readings], partition_key=key, resources={"io_manager": io_manager}).success
    hours = warehouse.rows(
        f"SELECT to_char(measured_at AT TIME ZONE 'UTC', 'MM-DD HH24'), count(*) FROM \"{warehouse.schema}\".readings "
        "GROUP BY 1 ORDER BY 1"
    )
    assert hours == [("10-26 23", 6), ("10-27 00", 6), ("10-27 01", 6), ("10-27 02", 6)]
    assert [partition for partition, _ in warehouse.ledger("readings")][1:3] == [
        "measured_at=[2024-10-27T02:00:00+02:00,2024-10-27T02:00:00+01:00)",
        "measured_at=[2024-10-27T02:00:00+01:00,2024-10-27T03:00:00+01:00)",
    ]


REGIONS = StaticPartitionsDefinition(["eu-west", "us-east", "ap-south"])


@asset(partitions_def=REGIONS, metadata={"partition_expr": "region"})
def regional(context: AssetExecutionContext) -> pl.DataFrame:
    frame = pl.read_csv(SALES / "2024-03-01.csv", try_parse_dates=True)
    return frame.filter(pl.col("region") == context.partition_key).with_columns(
        pl.col("product").str.split(" ").alias("words")
    )


def test_static_polars_partitions(warehouse: Warehouse, io_manager: StevedoreIOManager) -> None:
    for key in REGIONS.get_partition_keys():
        assert materialize([regional], partition_key=key, resources={"io_manager": io_manager}).success
    assert materialize([regional], partition_key="us-east", resources={"io_manager": io_manager}).success
    frame = pl.read_csv(SALES / "2024-03-01.csv")
    expected = {key: frame.filter(pl.col("region") == key).height for key in REGIONS.get_partition_keys()}
    counts = dict(warehouse.rows(f'SELECT region, count(*) FROM "{warehouse.schema}".regional GROUP BY 1'))
    assert counts == expected
    types = warehouse.column_types("regional")
    assert types["sold_at"] == "timestamp with time zone"
    assert types["sale_date"] == "date"
    assert types["unit_price"] == "double precision"
    assert types["words"] == "jsonb"
    assert warehouse.rows(
        f"SELECT words FROM \"{warehouse.schema}\".regional WHERE product = 'filter papers' LIMIT 1"
    ) == [(["filter", "papers"],)]


DAYS_BY_REGION = MultiPartitionsDefinition({"date": DAYS, "region": REGIONS})


@asset(partitions_def=DAYS_BY_REGION, metadata={"partition_expr": {"date": "sale_date", "region": "region"}})
def sales_by_region(context: AssetExecutionContext) -> pa.Table:
    key = context.partition_key
    assert isinstance(key, MultiPartitionKey)
    frame = read_sales(key.keys_by_dimension["date"])
    return pa.Table.from_pandas(frame[frame["region"] == key.keys_by_dimension["region"]], preserve_index=False)


def test_multi_partitions_date_by_region(warehouse: Warehouse, io_manager: StevedoreIOManager) -> None:
    keys = [("2024-03-01", "eu-west"), ("2024-03-01", "us-east"), ("2024-03-02", "eu-west"), ("2024-03-01", "eu-west")]
    for day, region in keys:
        key = MultiPartitionKey({"date": day, "region": region})
        assert materialize([sales_by_region], partition_key=key, resources={"io_manager": io_manager}).success
    rows = warehouse.rows(
        f'SELECT sale_date::text, region, count(*) FROM "{warehouse.schema}".sales_by_region '
        "GROUP BY 1, 2 ORDER BY 1, 2"
    )
    expected = []
    for day, region in sorted(set(keys)):
        frame = read_sales(day)
        expected.append((day, region, int((frame["region"] == region).sum())))
    assert rows == expected
    assert warehouse.ledger("sales_by_region")[-1][0] == (
        "sale_date=[2024-03-01T00:00:00+00:00,2024-03-02T00:00:00+00:00)/region=eu-west"
    )


@asset(
    partitions_def=DAYS,
    metadata={"partition_expr": "sale_date"},
    backfill_policy=BackfillPolicy.single_run(),
)
def sales_backfilled(context: AssetExecutionContext) -> pl.LazyFrame:
    days = context.partition_keys
    return pl.concat([pl.from_pandas(read_sales(day)) for day in days]).lazy()


def test_single_run_backfill_replaces_the_range_in_one_load(
    warehouse: Warehouse, io_manager: StevedoreIOManager
) -> None:
    assert materialize([sales_backfilled], partition_key="2024-03-05", resources={"io_manager": io_manager}).success
    result = materialize(
        [sales_backfilled],
        resources={"io_manager": io_manager},
        tags={"dagster/asset_partition_range_start": "2024-03-01", "dagster/asset_partition_range_end": "2024-03-03"},
    )
    assert result.success
    assert day_counts(warehouse, "sales_backfilled") == {
        "2024-03-01": 800,
        "2024-03-02": 800,
        "2024-03-03": 800,
        "2024-03-05": 800,
    }
    assert warehouse.ledger("sales_backfilled")[-1] == (
        "sale_date=[2024-03-01T00:00:00+00:00,2024-03-04T00:00:00+00:00)",
        2400,
    )


@asset(partitions_def=DAYS, metadata={"partition_expr": "sale_date"})
def day_summary(context: AssetExecutionContext, sales: pl.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sale_date": [dt.date.fromisoformat(context.partition_key)],
            "rows": [sales.height],
            "days": [sales["sale_date"].n_unique()],
            "columns": [sales.width],
        }
    )


@asset(
    partitions_def=DAYS,
    metadata={"partition_expr": "sale_date"},
    ins={
        "sales": AssetIn(
            partition_mapping=TimeWindowPartitionMapping(start_offset=-2),
            metadata={"columns": ["order_id", "sale_date"]},
        )
    },
)
def three_day_summary(context: AssetExecutionContext, sales: pa.Table) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sale_date": [dt.date.fromisoformat(context.partition_key)],
            "rows": [sales.num_rows],
            "columns": [",".join(sales.column_names)],
        }
    )


@asset(ins={"sales": AssetIn(metadata={"columns": "sale_date"})})
def all_sales_summary(sales) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rows": [len(sales)],
            "days": [sales["sale_date"].nunique()],
            "kind": [type(sales).__name__],
            "columns": [",".join(sales.columns)],
        }
    )


def test_downstream_assets_load_one_a_range_and_all_partitions(
    warehouse: Warehouse, io_manager: StevedoreIOManager
) -> None:
    for day in ["2024-03-01", "2024-03-02", "2024-03-03"]:
        assert materialize([sales], partition_key=day, resources={"io_manager": io_manager}).success
    resources = {"io_manager": io_manager}
    assert materialize([sales.to_source_asset(), day_summary], partition_key="2024-03-02", resources=resources).success
    assert materialize(
        [sales.to_source_asset(), three_day_summary], partition_key="2024-03-03", resources=resources
    ).success
    assert materialize([sales.to_source_asset(), all_sales_summary], resources=resources).success
    schema = warehouse.schema
    assert warehouse.rows(f'SELECT sale_date::text, rows, days, columns FROM "{schema}".day_summary') == [
        ("2024-03-02", 800, 1, 9)
    ]
    assert warehouse.rows(f'SELECT sale_date::text, rows, columns FROM "{schema}".three_day_summary') == [
        ("2024-03-03", 2400, "order_id,sale_date")
    ]
    assert warehouse.rows(f'SELECT rows, days, kind, columns FROM "{schema}".all_sales_summary') == [
        (2400, 3, "DataFrame", "sale_date")
    ]
