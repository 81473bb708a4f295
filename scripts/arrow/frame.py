"""The one all-types frame: every Arrow type of issue 20, ten rows, a NULL in every column.

Each writer's files are derived from `all_types_table()` (write_fixtures.py). Column names say the
type. Temporal values are whole microseconds here; sub-microsecond timestamps live in
`sub_microsecond_table()`, and Decimal256 in `decimal256_table()` (precision 38) and
`wide_decimal_table()` (precision 50), because Polars 2.1 cannot read a file holding a Decimal256.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa

ROWS = 10
UTC = dt.timezone.utc

# Text that CSV and COPY get wrong: "" apart from NULL, quotes, commas, CR/LF, tabs, backslashes,
# non-ASCII (2-, 3- and 4-byte UTF-8), short (≤ 12 bytes: inline in a view) and long values.
TEXTS: list[Any] = [
    "plain", "", None, 'quote " and \'single\'', "comma, and; semicolon", "line\nfeed\r\nCRLF",
    "tab\there", "back\\slash \\N NULL", "Grüße, 東京 🚀 — a long non-ASCII value", "exactly12byt",
]
BYTES: list[Any] = [b"\x00\xff", b"", None, b"abc", b"\\x00", bytes(range(20)), b"\n\t\"',", b"x" * 13, b"\x80", b"12bytes-long"]

INTS: dict[str, list[Any]] = {
    "i8": [0, -128, 127, None, -1, 1, 42, -42, 100, 7],
    "i16": [0, -32768, 32767, None, -1, 1, 4242, -4242, 1000, 7],
    "i32": [0, -2**31, 2**31 - 1, None, -1, 1, 424242, -424242, 10**9, 7],
    "i64": [0, -2**63, 2**63 - 1, None, -1, 1, 2**53 + 1, -(2**53 + 1), 10**18, 7],
    "u8": [0, 255, 128, None, 1, 2, 42, 127, 200, 7],
    "u16": [0, 65535, 32768, None, 1, 2, 4242, 32767, 60000, 7],
    "u32": [0, 2**32 - 1, 2**31, None, 1, 2, 424242, 2**31 - 1, 4 * 10**9, 7],
    "u64": [0, 2**64 - 1, 2**63, None, 1, 2, 2**53 + 1, 2**63 - 1, 10**19, 7],
}
INT_TYPES = {
    "i8": pa.int8(), "i16": pa.int16(), "i32": pa.int32(), "i64": pa.int64(),
    "u8": pa.uint8(), "u16": pa.uint16(), "u32": pa.uint32(), "u64": pa.uint64(),
}
NAN, INF = float("nan"), float("inf")
FLOATS: dict[str, list[Any]] = {
    # float16: 0.1 is 0.0999755859375; 65504 the largest; 6e-08 a subnormal (2^-24).
    "f16": [0.1, NAN, INF, -INF, -0.0, 65504.0, 2.0**-24, None, 1.5, -2.0],
    # float32: 16777217 is 16777216 there; 1e-45 the smallest subnormal.
    "f32": [0.1, NAN, INF, -INF, -0.0, 3.4028234663852886e38, 1e-45, None, 1.5, 16777217.0],
    "f64": [0.1, NAN, INF, -INF, -0.0, 1e300, 5e-324, None, 1.5, -123456.789],
}
FLOAT_TYPES = {"f16": pa.float16(), "f32": pa.float32(), "f64": pa.float64()}
DECIMALS: dict[str, tuple[pa.DataType, list[Any]]] = {
    "dec128_10_2": (pa.decimal128(10, 2), ["0.00", "-1.50", "12345678.90", None, "-99999999.99",
                                           "99999999.99", "0.01", "-0.01", "1.00", "42.42"]),
    "dec128_38_10": (pa.decimal128(38, 10), ["0", "-1.5", "9" * 28 + "." + "9" * 10, None,
                                             "-" + "9" * 28 + "." + "9" * 10, "0.0000000001",
                                             "-0.0000000001", "123456789012345678.0123456789", "1", "-42"]),
}
DATES = [dt.date(1970, 1, 1), dt.date(1969, 12, 31), dt.date(2000, 2, 29), None, dt.date(1, 1, 1),
         dt.date(9999, 12, 31), dt.date(2024, 3, 31), dt.date(2024, 10, 27), dt.date(1900, 1, 1), dt.date(2038, 1, 19)]
# Wall times (UTC for the zoned columns); 2024-03-31/10-27 are Berlin's DST switches.
MOMENTS = [dt.datetime(1970, 1, 1), dt.datetime(1969, 12, 31, 23, 59, 59, 999999), dt.datetime(2024, 3, 31, 1, 0, 0),
           None, dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
           dt.datetime(2024, 10, 27, 0, 59, 59, 123456), dt.datetime(2024, 1, 2, 3, 4, 5, 120000),
           dt.datetime(1900, 1, 1, 12), dt.datetime(2038, 1, 19, 3, 14, 8, 1)]
# Nanosecond timestamps reach only 1677-09-21 … 2262-04-11.
NS_LIMITS = (dt.datetime(1677, 9, 22), dt.datetime(2262, 4, 10, 23, 59, 59, 999999))
TIMES = [dt.time(0), dt.time(23, 59, 59, 999999), dt.time(12, 34, 56, 789000), None, dt.time(0, 0, 0, 1),
         dt.time(1, 2, 3), dt.time(13, 0, 0, 500000), dt.time(6, 30), dt.time(23, 59, 59), dt.time(0, 0, 1, 10)]
DURATIONS = [dt.timedelta(0), dt.timedelta(seconds=1.5), dt.timedelta(seconds=-2), None,
             dt.timedelta(seconds=100000), dt.timedelta(microseconds=-1), dt.timedelta(days=400),
             dt.timedelta(seconds=-100000, microseconds=-1), dt.timedelta(milliseconds=1), dt.timedelta(hours=-1)]
UNITS = ["s", "ms", "us", "ns"]
ZONES = {"": None, "_utc": "UTC", "_berlin": "Europe/Berlin"}


def truncate(value: Any, unit: str) -> Any:
    """A datetime, time or timedelta cut to what `unit` holds (s: whole seconds, ms: milliseconds)."""
    if value is None or unit in ("us", "ns"):
        return value
    keep = 0 if unit == "s" else 1000
    if isinstance(value, dt.timedelta):
        micros = value // dt.timedelta(microseconds=1)
        step = 1_000_000 if unit == "s" else 1000
        return dt.timedelta(microseconds=micros - micros % step)
    return value.replace(microsecond=value.microsecond // 1000 * keep if keep else 0)


def moments_for(unit: str, zoned: bool) -> list[Any]:
    """MOMENTS cut to `unit`, clamped into the nanosecond range for ns, aware (UTC) when zoned."""
    values = [truncate(m, unit) for m in MOMENTS]
    if unit == "ns":
        values = [None if m is None else min(max(m, NS_LIMITS[0]), NS_LIMITS[1]) for m in values]
    return [m.replace(tzinfo=UTC) if (zoned and m is not None) else m for m in values]


def nested_columns() -> dict[str, pa.Array]:
    """List<int64>, List<utf8>, Struct{a: int32, b: utf8} and Map<utf8, int64>."""
    struct_type = pa.struct([("a", pa.int32()), ("b", pa.string())])
    return {
        "list_i64": pa.array([[1, 2], [], None, [None], [-2**63, 2**63 - 1], [0], [1, 2, 3, 4, 5], [7, None, 7],
                              [-1], [42]], type=pa.list_(pa.int64())),
        "list_utf8": pa.array([["a", "b"], [], None, [None, ""], ['quote "', "line\nfeed", "tab\t", "back\\slash"],
                               ["Grüße 東京"], ["x"], [","], ["", ""], ["{}"]], type=pa.list_(pa.string())),
        "struct": pa.array([{"a": 1, "b": "x"}, {"a": None, "b": None}, None, {"a": -1, "b": 'q"\n\\'},
                            {"a": 2**31 - 1, "b": ""}, {"a": 0, "b": "é"}, {"a": 3, "b": None}, {"a": None, "b": "y"},
                            {"a": -2**31, "b": "z"}, {"a": 7, "b": "{}"}], type=struct_type),
        "map": pa.array([[("a", 1), ("b", 2)], [], None, [("z", None), ("é", 3)], [("", 0)], [("key, \"q\"", -1)],
                         [("bb", 1), ("a", 2), ("ccc", 3)], [("x", 2**63 - 1)], [("line\n", 5)], [("k", 7)]],
                        type=pa.map_(pa.string(), pa.int64())),
    }


def scalar_columns() -> dict[str, pa.Array]:
    """Integers, floats, bool, decimals, text, dictionary, binary and null."""
    columns: dict[str, pa.Array] = {n: pa.array(v, type=INT_TYPES[n]) for n, v in INTS.items()}
    columns["f16"] = pa.array([None if v is None else np.float16(v) for v in FLOATS["f16"]], type=pa.float16())
    columns["f32"] = pa.array(FLOATS["f32"], type=pa.float32())
    columns["f64"] = pa.array(FLOATS["f64"], type=pa.float64())
    columns["bool"] = pa.array([True, False, None, True, False, True, True, False, False, True], type=pa.bool_())
    for name, (decimal_type, texts) in DECIMALS.items():
        columns[name] = pa.array([None if t is None else Decimal(t) for t in texts], type=decimal_type)
    columns["utf8"] = pa.array(TEXTS, type=pa.string())
    columns["large_utf8"] = pa.array(TEXTS, type=pa.large_string())
    columns["utf8_view"] = pa.array(TEXTS, type=pa.string_view())
    words = ["red", "green", None, "red", "", "blue", "green", "Grüße", "red", "blue"]
    columns["dict_str"] = pa.array(words, type=pa.string()).dictionary_encode().cast(
        pa.dictionary(pa.int32(), pa.string()))
    columns["binary"] = pa.array(BYTES, type=pa.binary())
    columns["large_binary"] = pa.array(BYTES, type=pa.large_binary())
    columns["binary_view"] = pa.array(BYTES, type=pa.binary_view())
    columns["null"] = pa.nulls(ROWS)
    return columns


def temporal_columns() -> dict[str, pa.Array]:
    """Date32/64, Timestamp in every unit and zone, Time32/64, Duration in every unit."""
    columns: dict[str, pa.Array] = {
        "date32": pa.array(DATES, type=pa.date32()), "date64": pa.array(DATES, type=pa.date64()),
    }
    for unit in UNITS:
        for suffix, zone in ZONES.items():
            columns[f"ts_{unit}{suffix}"] = pa.array(moments_for(unit, zone is not None),
                                                     type=pa.timestamp(unit, tz=zone))
    columns["time32_s"] = pa.array([truncate(t, "s") for t in TIMES], type=pa.time32("s"))
    columns["time32_ms"] = pa.array([truncate(t, "ms") for t in TIMES], type=pa.time32("ms"))
    columns["time64_us"] = pa.array(TIMES, type=pa.time64("us"))
    columns["time64_ns"] = pa.array(TIMES, type=pa.time64("ns"))
    for unit in UNITS:
        columns[f"dur_{unit}"] = pa.array([truncate(d, unit) for d in DURATIONS], type=pa.duration(unit))
    return columns


def all_types_table() -> pa.Table:
    """The all-types frame as a pyarrow table, one chunk."""
    columns = {**scalar_columns(), **temporal_columns(), **nested_columns()}
    return pa.table(columns)


def sub_microsecond_table() -> pa.Table:
    """Nanosecond timestamps that are not whole microseconds (the loader must refuse them)."""
    nanos = [1, None, 1_700_000_000_123_456_789, -1, 999]
    return pa.table({
        "ts_ns": pa.array(nanos, type=pa.int64()).cast(pa.timestamp("ns")),
        "ts_ns_utc": pa.array(nanos, type=pa.int64()).cast(pa.timestamp("ns", tz="UTC")),
    })


def decimal256_table() -> pa.Table:
    """Decimal256 of precision 38 (numeric(38,4)); apart from the frame, since Polars 2.1 cannot read it."""
    texts = ["0", "-1.5", "9" * 34 + ".9999", None, "-" + "9" * 34 + ".9999", "0.0001", "-0.0001", "3.1416"]
    values = [None if t is None else Decimal(t) for t in texts]
    return pa.table({"dec256_38_4": pa.array(values, type=pa.decimal256(38, 4))})


def wide_decimal_table() -> pa.Table:
    """A Decimal256 of precision 50 (> 38: numeric on PostgreSQL, refused on Redshift)."""
    texts = ["0", "-1.5", "9" * 45 + ".99999", None, "-" + "9" * 45 + ".99999", "0.00001"]
    values = [None if t is None else Decimal(t) for t in texts]
    return pa.table({"dec256_50_5": pa.array(values, type=pa.decimal256(50, 5))})


