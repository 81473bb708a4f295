"""Dagster partitions to `--partition` flags, without a warehouse."""

from __future__ import annotations

import pytest
from dagster import (
    DailyPartitionsDefinition,
    HourlyPartitionsDefinition,
    MonthlyPartitionsDefinition,
    MultiPartitionKey,
    MultiPartitionsDefinition,
    StaticPartitionsDefinition,
    WeeklyPartitionsDefinition,
)

from dagster_stevedore.partitions import partition_dimensions


def flags(partitions_def, keys, expr):
    return [arg for d in partition_dimensions(partitions_def, keys, expr, "sales") for arg in d.arguments()]


def test_a_day_is_its_half_open_window_with_the_offset():
    daily = DailyPartitionsDefinition(start_date="2024-03-01")
    assert flags(daily, ["2024-03-02"], "sale_date") == [
        "--partition",
        "sale_date=[2024-03-02T00:00:00+00:00,2024-03-03T00:00:00+00:00)",
    ]


def test_a_key_range_is_one_window_from_its_first_start_to_its_last_end():
    daily = DailyPartitionsDefinition(start_date="2024-03-01", timezone="America/New_York")
    assert flags(daily, ["2024-03-09", "2024-03-10", "2024-03-11"], "sale_date") == [
        "--partition",
        # New York moves to summer time on 2024-03-10: the range's end has the summer offset.
        "sale_date=[2024-03-09T00:00:00-05:00,2024-03-12T00:00:00-04:00)",
    ]


def test_hours_across_a_daylight_saving_change_keep_their_own_offsets():
    hourly = HourlyPartitionsDefinition(start_date="2024-03-30-00:00", timezone="Europe/Berlin")
    keys = hourly.get_partition_keys_between_indexes(25, 27)
    assert keys == ["2024-03-31-01:00", "2024-03-31-03:00"]
    assert flags(hourly, keys[:1], "at") == ["--partition", "at=[2024-03-31T01:00:00+01:00,2024-03-31T03:00:00+02:00)"]
    assert flags(hourly, keys[1:], "at") == ["--partition", "at=[2024-03-31T03:00:00+02:00,2024-03-31T04:00:00+02:00)"]


def test_weeks_and_months_are_windows_too():
    weekly = WeeklyPartitionsDefinition(start_date="2024-03-03")
    monthly = MonthlyPartitionsDefinition(start_date="2024-01-01")
    assert flags(weekly, ["2024-03-03"], "d")[1] == "d=[2024-03-03T00:00:00+00:00,2024-03-10T00:00:00+00:00)"
    assert flags(monthly, ["2024-02-01"], "d")[1] == "d=[2024-02-01T00:00:00+00:00,2024-03-01T00:00:00+00:00)"


def test_static_keys_are_values_and_several_are_a_set():
    regions = StaticPartitionsDefinition(["eu", "us", "ap"])
    assert flags(regions, ["us"], "region") == ["--partition", "region=us"]
    assert flags(regions, ["eu", "us"], '"Region"') == ["--partition", "Region=eu", "--partition", "Region=us"]


def test_an_sql_expression_gets_a_dimension_of_its_own():
    monthly = MonthlyPartitionsDefinition(start_date="2024-01-01")
    assert flags(monthly, ["2024-02-01"], "date_trunc('month', sold_at)") == [
        "--partition",
        "partition=[2024-02-01T00:00:00+00:00,2024-03-01T00:00:00+00:00)",
        "--partition-expr",
        "partition=date_trunc('month', sold_at)",
    ]


def test_multi_partitions_map_each_dimension_to_its_column():
    multi = MultiPartitionsDefinition(
        {"date": DailyPartitionsDefinition(start_date="2024-03-01"), "region": StaticPartitionsDefinition(["eu", "us"])}
    )
    keys = [
        MultiPartitionKey({"date": "2024-03-01", "region": "eu"}),
        MultiPartitionKey({"date": "2024-03-02", "region": "eu"}),
        MultiPartitionKey({"date": "2024-03-02", "region": "us"}),
    ]
    assert flags(multi, keys, {"date": "sale_date", "region": "region"}) == [
        "--partition",
        "sale_date=[2024-03-01T00:00:00+00:00,2024-03-03T00:00:00+00:00)",
        "--partition",
        "region=eu",
        "--partition",
        "region=us",
    ]
    # Keys as strings, as a run's tags carry them.
    assert flags(multi, ["2024-03-01|eu"], {"date": "sale_date", "region": "region"}) == [
        "--partition",
        "sale_date=[2024-03-01T00:00:00+00:00,2024-03-02T00:00:00+00:00)",
        "--partition",
        "region=eu",
    ]


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        (None, "no 'partition_expr' metadata"),
        ({"date": "sale_date"}, "'partition_expr' must be a column name or an SQL expression"),
    ],
)
def test_a_missing_or_wrong_partition_expr_is_named(expr, message):
    with pytest.raises(ValueError, match=message):
        partition_dimensions(DailyPartitionsDefinition(start_date="2024-03-01"), ["2024-03-01"], expr, "sales")


def test_multi_partitions_need_a_mapping_with_every_dimension():
    multi = MultiPartitionsDefinition(
        {"date": DailyPartitionsDefinition(start_date="2024-03-01"), "region": StaticPartitionsDefinition(["eu"])}
    )
    with pytest.raises(ValueError, match='must map each dimension to its column or expression, e.g. {"date"'):
        partition_dimensions(multi, ["2024-03-01|eu"], "sale_date", "sales")
    with pytest.raises(ValueError, match="names no column for the dimension 'region'"):
        partition_dimensions(multi, ["2024-03-01|eu"], {"date": "sale_date"}, "sales")


def test_a_static_key_that_reads_as_a_range_is_refused():
    with pytest.raises(ValueError, match="reads as a range or window"):
        partition_dimensions(StaticPartitionsDefinition(["a..b"]), ["a..b"], "k", "sales")
