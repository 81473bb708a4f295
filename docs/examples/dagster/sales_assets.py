"""The example project of docs/dagster.md: a day of sales from a CSV export into a table, and each
day's totals per region computed from it, both stored by Stevedore."""

from pathlib import Path

import pandas as pd
import polars as pl
from dagster import AssetExecutionContext, BackfillPolicy, DailyPartitionsDefinition, Definitions, asset

from dagster_stevedore import StevedoreIOManager

EXPORTS = Path(__file__).resolve().parent.parent / "sales"
days = DailyPartitionsDefinition(start_date="2024-03-01", end_date="2024-03-06")


@asset(
    key_prefix="analytics",
    partitions_def=days,
    metadata={"partition_expr": "sale_date"},
    backfill_policy=BackfillPolicy.single_run(),
)
def daily_sales(context: AssetExecutionContext) -> pd.DataFrame:
    """The shop's export of each day, as pandas reads it."""
    frames = []
    for day in context.partition_keys:
        frame = pd.read_csv(EXPORTS / f"{day}.csv", parse_dates=["sold_at"])
        frame["sale_date"] = pd.to_datetime(frame["sale_date"]).dt.date
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@asset(key_prefix="analytics", partitions_def=days, metadata={"partition_expr": "sale_date"})
def region_totals(daily_sales: pl.DataFrame) -> pl.DataFrame:
    """Orders and revenue per region and day, from the stored sales."""
    return (
        daily_sales.group_by("sale_date", "region")
        .agg(orders=pl.len(), revenue=(pl.col("quantity") * pl.col("unit_price")).sum().round(2))
        .sort("sale_date", "region")
    )


defs = Definitions(
    assets=[daily_sales, region_totals],
    resources={"io_manager": StevedoreIOManager()},
)
