"""Frames to Arrow record batches for `stevedore load`, and Arrow tables back into the frame
type an input asks for. pandas and Polars are imported only when a frame of theirs is seen."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

# Rows per record batch sent: one batch of a pandas or Polars frame is converted at a time, so
# the Arrow copy of a frame never exists whole beside the frame itself.
BATCH_ROWS = 65_536


def _library(value: object) -> str:
    module = value.__module__ if isinstance(value, type) else type(value).__module__
    return module.split(".")[0]


def record_batches(frame: object) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    """The schema and batches of a pandas or Polars frame, a Polars LazyFrame, a pyarrow Table,
    RecordBatch or RecordBatchReader."""
    if isinstance(frame, pa.Table):
        return frame.schema, iter(frame.to_batches(max_chunksize=BATCH_ROWS))
    if isinstance(frame, pa.RecordBatch):
        return frame.schema, iter([frame])
    if isinstance(frame, pa.RecordBatchReader):
        return frame.schema, iter(frame)
    library = _library(frame)
    kind = type(frame).__name__
    if library == "pandas" and kind == "DataFrame":
        return _pandas_batches(frame)
    if library == "polars" and kind == "LazyFrame":
        return _polars_batches(frame.collect())  # type: ignore[attr-defined]
    if library == "polars" and kind == "DataFrame":
        return _polars_batches(frame)
    raise TypeError(
        f"StevedoreIOManager stores pandas and Polars DataFrames, Polars LazyFrames and pyarrow "
        f"Tables or RecordBatchReaders, not {type(frame).__module__}.{kind}"
    )


def _pandas_batches(frame: Any) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    schema = pa.Schema.from_pandas(frame, preserve_index=False)

    def batches() -> Iterator[pa.RecordBatch]:
        for start in range(0, len(frame), BATCH_ROWS):
            piece = frame.iloc[start : start + BATCH_ROWS]
            # A Table, not a RecordBatch: pyarrow-backed columns may arrive in several chunks.
            yield from pa.Table.from_pandas(piece, schema=schema, preserve_index=False).to_batches()

    return schema, batches()


def _polars_batches(frame: Any) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    schema = frame.head(0).to_arrow().schema

    def batches() -> Iterator[pa.RecordBatch]:
        for piece in frame.iter_slices(BATCH_ROWS):
            yield from piece.to_arrow().cast(schema).to_batches()

    return schema, batches()


def from_arrow(table: pa.Table, wanted: object) -> object:
    """`table` as the type an input is annotated with: pyarrow, Polars (eager or lazy) or pandas
    (also for an input without annotation)."""
    name = getattr(wanted, "__name__", "")
    library = _library(wanted) if isinstance(wanted, type) else ""
    if library == "pyarrow" and name == "Table":
        return table
    if library == "pyarrow" and name == "RecordBatchReader":
        return table.to_reader()
    if library == "polars" and name in ("DataFrame", "LazyFrame"):
        import polars

        frame = polars.DataFrame(table)
        return frame.lazy() if name == "LazyFrame" else frame
    return table.to_pandas()
