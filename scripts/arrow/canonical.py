"""Canonical text of Arrow values: what PostgreSQL 15 prints for `SELECT col::text` after a load.

One place for the rules, shared by write_fixtures.py (expected files) and read_canonical.py (what a
library reads back). Every value becomes a string, or None for SQL NULL. Rules, checked with psql 15
(SET TimeZone = 'UTC', IntervalStyle = postgres, extra_float_digits = 1, the defaults):

- integers: decimal digits (UInt64 too: numeric(20,0)).
- real (Float16, Float32) and double precision (Float64): the shortest text that reads back to the
  same float32 / float64, in fixed notation when the decimal exponent e of d.ddd×10^e is in
  [-4, 5] (real) or [-4, 14] (double), else d.ddde±XX (at least two exponent digits);
  `NaN`, `Infinity`, `-Infinity`, `-0`. Float16 values are widened to float32 first.
- boolean: `true` / `false`; numeric(p,s): exactly s digits after the point.
- text: as is; bytea: `\\x` and lowercase hex.
- date `YYYY-MM-DD`; timestamp `YYYY-MM-DD HH:MM:SS[.ffffff]` (trailing zeros trimmed), timestamptz the
  same in UTC followed by `+00`; time `HH:MM:SS[.ffffff]`; interval (from Duration) `[-]H…H:MM:SS[.ffffff]`.
  Digits below a microsecond, which PostgreSQL cannot hold, are printed too (up to 9 fraction digits):
  such a file must be refused by the loader, and its expected text shows why.
- List, Struct, Map: jsonb text: `", "` and `": "` separators, object keys ordered as jsonb orders them
  (shorter UTF-8 first, then bytewise; a repeated Map key keeps its last value), strings escaped as
  jsonb escapes them. Nested scalars: integers and decimals as JSON numbers, floats as to_jsonb(float8)
  prints them (plain digits; NaN and ±Infinity as strings), bytes as their bytea text in a string,
  anything else (a nested date or timestamp) as its str() in a string.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional

import numpy as np

NS_PER_US = 1_000
NS_PER_SECOND = 1_000_000_000
NS_PER_DAY = 86_400 * NS_PER_SECOND
EPOCH = dt.datetime(1970, 1, 1)


@dataclass(frozen=True)
class Kind:
    """The PostgreSQL column a loaded Arrow column becomes, as far as its text depends on it."""

    tag: str  # integer real double boolean numeric text bytea date timestamp timestamptz time interval jsonb null
    scale: int = 0  # numeric only


# ---------------------------------------------------------------- floats


_EXACT = decimal.Context(prec=1200)


def _neighbours(value: float, bits: int) -> tuple[decimal.Decimal, decimal.Decimal]:
    """The next smaller and next larger float32 (bits=32) or float64 of a positive finite value."""
    if bits == 32:
        single = np.float32(value)
        with np.errstate(over="ignore"):
            down, up = float(np.nextafter(single, np.float32(0))), float(np.nextafter(single, np.float32(np.inf)))
    else:
        down, up = math.nextafter(value, 0.0), math.nextafter(value, math.inf)
    exact, below = decimal.Decimal(value), decimal.Decimal(down)
    if math.isinf(up):  # the largest finite float: its upper gap is as wide as its lower one
        return below, exact + (exact - below)
    return below, decimal.Decimal(up)


def _round_to_digits(exact: decimal.Decimal, digits: int, rounding: str) -> decimal.Decimal:
    """`exact` rounded to `digits` significant digits in the given direction."""
    step = decimal.Decimal(1).scaleb(exact.adjusted() - digits + 1)
    return exact.quantize(step, rounding=rounding, context=_EXACT)


def _shortest_decimal(value: float, bits: int) -> decimal.Decimal:
    """The shortest decimal strictly nearer to this float than to either neighbour (PostgreSQL's Ryu).

    Strictly: a decimal exactly halfway to a neighbour is not taken, unlike Python's repr and numpy,
    so e.g. float32 116853984 prints as 1.16853984e+08, not 1.1685398e+08. The closest of the
    shortest wins, halves to even.
    """
    exact = decimal.Decimal(float(np.float32(value)) if bits == 32 else value)
    down, up = _neighbours(float(exact), bits)
    low, high = _EXACT.divide(exact + down, 2), _EXACT.divide(exact + up, 2)
    for digits in range(1, 20):
        nearest = _round_to_digits(exact, digits, decimal.ROUND_HALF_EVEN)
        candidates = [nearest, _round_to_digits(exact, digits, decimal.ROUND_FLOOR),
                      _round_to_digits(exact, digits, decimal.ROUND_CEILING)]
        inside = [c for c in candidates if low < c < high]
        if inside:
            return inside[0].normalize(_EXACT)
    raise ValueError(f"no shortest decimal for {value!r}")


def _exponent_form(shortest: decimal.Decimal) -> str:
    """`d.ddde±XX` of a positive normalized decimal, as PostgreSQL's float output writes it."""
    sign, digits, exponent = shortest.as_tuple()
    text = "".join(str(d) for d in digits)
    power = len(digits) - 1 + int(exponent)
    mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
    return f"{mantissa}e{'-' if power < 0 else '+'}{abs(power):02d}"


def pg_float_text(value: float, bits: int) -> str:
    """PostgreSQL's text of a real (bits=32) or double precision (bits=64) value."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    shortest = _shortest_decimal(abs(value), bits)
    power = shortest.adjusted()
    highest = 5 if bits == 32 else 14
    body = format(shortest, "f") if -4 <= power <= highest else _exponent_form(shortest)
    return ("-" if value < 0 else "") + body


# ---------------------------------------------------------------- temporal (integer nanoseconds)


def _fraction(nanos: int) -> str:
    """`.ffffff` (or up to nine digits below a microsecond) with trailing zeros trimmed, or ''."""
    if nanos == 0:
        return ""
    digits = f"{nanos:09d}" if nanos % NS_PER_US else f"{nanos // NS_PER_US:06d}"
    return "." + digits.rstrip("0")


def date_text(nanos: int) -> str:
    """`YYYY-MM-DD` of a date given as nanoseconds since 1970-01-01."""
    day = dt.date(1970, 1, 1) + dt.timedelta(days=nanos // NS_PER_DAY)
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def timestamp_text(nanos: int) -> str:
    """`YYYY-MM-DD HH:MM:SS[.ffffff]` of nanoseconds since the epoch (UTC for timestamptz)."""
    seconds, below = divmod(nanos, NS_PER_SECOND)
    moment = EPOCH + dt.timedelta(seconds=seconds)
    return f"{date_text(seconds * NS_PER_SECOND)} {moment:%H:%M:%S}{_fraction(below)}"


def time_text(nanos: int) -> str:
    """`HH:MM:SS[.ffffff]` of nanoseconds since midnight."""
    seconds, below = divmod(nanos, NS_PER_SECOND)
    hours, rest = divmod(seconds, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}{_fraction(below)}"


def interval_text(nanos: int) -> str:
    """PostgreSQL's `IntervalStyle=postgres` text of a duration held in hours, minutes, seconds."""
    return ("-" if nanos < 0 else "") + time_text(abs(nanos))


# ---------------------------------------------------------------- jsonb

_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def json_string(text: str) -> str:
    """A JSON string literal escaped the way jsonb output escapes it."""
    out = []
    for char in text:
        if char in _JSON_ESCAPES:
            out.append(_JSON_ESCAPES[char])
        elif ord(char) < 0x20:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _jsonb_key_order(key: str) -> tuple[int, bytes]:
    """jsonb's order of object keys: shorter (in UTF-8 bytes) first, then bytewise."""
    encoded = key.encode("utf-8")
    return (len(encoded), encoded)


def json_object(pairs: Iterable[tuple[Any, Any]]) -> str:
    """A jsonb object text of key/value pairs; a repeated key keeps its last value."""
    merged: dict[str, Any] = {}
    for key, item in pairs:
        merged[str(key)] = item
    ordered = sorted(merged, key=_jsonb_key_order)
    return "{" + ", ".join(f"{json_string(k)}: {json_text(merged[k])}" for k in ordered) + "}"


def _json_float(value: float) -> str:
    """A float nested in jsonb, as to_jsonb(float8) prints it."""
    if math.isnan(value) or math.isinf(value):
        return json_string(pg_float_text(value, 64))
    return format(decimal.Decimal(repr(float(value))), "f")


def _is_map_entries(value: list[Any]) -> bool:
    """True for pyarrow's form of one Map value: a list of (key, value) tuples."""
    return bool(value) and all(isinstance(item, tuple) and len(item) == 2 for item in value)


def json_text(value: Any) -> str:
    """The jsonb text of a nested Python value from pyarrow's or Polars' to_list."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return _json_float(float(value))
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, str):
        return json_string(value)
    if isinstance(value, bytes):
        return json_string(bytea_text(value))
    if isinstance(value, dict):
        return json_object(value.items())
    if isinstance(value, list) and _is_map_entries(value):
        return json_object(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(json_text(item) for item in value) + "]"
    return json_string(str(value))


# ---------------------------------------------------------------- scalars


def bytea_text(value: bytes) -> str:
    """bytea's hex output: `\\x` then lowercase hex digits."""
    return "\\x" + bytes(value).hex()


def numeric_text(value: decimal.Decimal, scale: int) -> str:
    """numeric(p, scale) output: exactly `scale` digits after the point, no negative zero."""
    quantum = decimal.Decimal(1).scaleb(-scale)
    fixed = decimal.Decimal(value).quantize(quantum, context=decimal.Context(prec=100))
    return format(abs(fixed) if fixed == 0 else fixed, "f")


def canonical_text(value: Any, kind: Kind) -> Optional[str]:
    """The text PostgreSQL prints for one value of a column of `kind`; None for NULL.

    Temporal values (date, timestamp, timestamptz, time, interval) come as integer nanoseconds.
    """
    if value is None:
        return None
    tag = kind.tag
    if tag == "jsonb":
        return json_text(value)
    return _SCALAR_TEXT[tag](value, kind)


_SCALAR_TEXT: dict[str, Callable[[Any, Kind], Optional[str]]] = {
    "integer": lambda v, k: str(int(v)),
    "real": lambda v, k: pg_float_text(float(v), 32),
    "double": lambda v, k: pg_float_text(float(v), 64),
    "boolean": lambda v, k: "true" if v else "false",
    "numeric": lambda v, k: numeric_text(v, k.scale),
    "text": lambda v, k: str(v),
    "bytea": lambda v, k: bytea_text(v),
    "date": lambda v, k: date_text(int(v)),
    "timestamp": lambda v, k: timestamp_text(int(v)),
    "timestamptz": lambda v, k: timestamp_text(int(v)) + "+00",
    "time": lambda v, k: time_text(int(v)),
    "interval": lambda v, k: interval_text(int(v)),
    "null": lambda v, k: None,
}
