"""pyarrow columns to canonical text (canonical.py's rules): the kinds of Arrow types and their values."""

from __future__ import annotations

from typing import Any, Optional

import pyarrow as pa
import pyarrow.types as pat

from canonical import NS_PER_DAY, Kind, canonical_text

UNIT_NS = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
Document = dict[str, Any]


def arrow_kind(arrow_type: pa.DataType) -> Kind:
    """The PostgreSQL column kind Stevedore makes of an Arrow type (issue 20's table)."""
    if pat.is_dictionary(arrow_type):
        return arrow_kind(arrow_type.value_type)
    checks = [
        (pat.is_integer, "integer"), (pat.is_float16, "real"), (pat.is_float32, "real"),
        (pat.is_float64, "double"), (pat.is_boolean, "boolean"), (pat.is_string, "text"),
        (pat.is_large_string, "text"), (pat.is_string_view, "text"), (pat.is_binary, "bytea"),
        (pat.is_large_binary, "bytea"), (pat.is_binary_view, "bytea"), (pat.is_fixed_size_binary, "bytea"),
        (pat.is_date, "date"), (pat.is_time, "time"), (pat.is_duration, "interval"), (pat.is_null, "null"),
        (pat.is_nested, "jsonb"),
    ]
    if pat.is_decimal(arrow_type):
        return Kind("numeric", arrow_type.scale)
    if pat.is_timestamp(arrow_type):
        return Kind("timestamptz" if arrow_type.tz else "timestamp")
    for check, tag in checks:
        if check(arrow_type):
            return Kind(tag)
    raise ValueError(f"no canonical text for Arrow type {arrow_type}")


def _temporal_nanos(chunk: pa.Array) -> list[Optional[int]]:
    """Date, timestamp, time and duration values as integer nanoseconds (exact, any unit)."""
    arrow_type = chunk.type
    if pat.is_date32(arrow_type):
        return [None if d is None else d * NS_PER_DAY for d in chunk.cast(pa.int32()).to_pylist()]
    if pat.is_date64(arrow_type):
        return [None if m is None else m * 1_000_000 for m in chunk.cast(pa.int64()).to_pylist()]
    width = pa.int32() if pat.is_time32(arrow_type) else pa.int64()
    factor = UNIT_NS[arrow_type.unit]
    return [None if n is None else n * factor for n in chunk.cast(width).to_pylist()]


def _is_temporal(arrow_type: pa.DataType) -> bool:
    """Dates, timestamps, times and durations: the types read as integer nanoseconds."""
    return pat.is_temporal(arrow_type) and not pat.is_interval(arrow_type)


def chunk_values(chunk: pa.Array) -> list[Any]:
    """The values of one array as canonical_text takes them."""
    if pat.is_dictionary(chunk.type):  # by hand: pyarrow 26 cannot `take` from a string_view dictionary
        words = chunk_values(chunk.dictionary)
        return [None if index is None else words[index] for index in chunk.indices.to_pylist()]
    if _is_temporal(chunk.type):
        return _temporal_nanos(chunk)
    if pat.is_map(chunk.type):
        return [None if entries is None else dict(entries) for entries in chunk.to_pylist()]
    return chunk.to_pylist()


def column_texts(column: pa.ChunkedArray | pa.Array, kind: Kind) -> list[Optional[str]]:
    """Canonical texts of every value of a column, batch after batch."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    return [canonical_text(value, kind) for chunk in chunks for value in chunk_values(chunk)]


def canonical_document(table: pa.Table, kinds: Optional[list[Kind]] = None) -> Document:
    """`{columns: [{name, type}], rows: [[text…]…]}` of a table; `kinds` overrides each column's kind."""
    kinds = kinds or [arrow_kind(field.type) for field in table.schema]
    columns = [column_texts(table.column(i), kinds[i]) for i in range(table.num_columns)]
    return {
        "columns": [{"name": field.name, "type": str(field.type)} for field in table.schema],
        "rows": [list(row) for row in zip(*columns)] if columns else [],
    }
