#!/usr/bin/env python3
"""Writes the all-types frame as Arrow IPC streams (.arrows) and files (.arrow, .feather) with pyarrow,
Polars and pandas, each beside NAME.expected.json (canonical.py's texts of what a load must hold).

usage: .run/venv/bin/python scripts/arrow/write_fixtures.py OUTDIR [--small]
  --small  the few small files committed in Tests/Fixtures/arrow (each under 4 KiB)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather
import pyarrow.ipc as ipc

sys.path.insert(0, str(Path(__file__).resolve().parent))
import frame  # noqa: E402
from arrow_values import Document, arrow_kind, canonical_document  # noqa: E402

ARROW_MAGIC = b"ARROW1"

# Columns each writer cannot express as the frame defines them (its own form is written instead, or
# nothing). Polars 2.1: one string type (written as Utf8View) and one binary type (BinaryView);
# Decimal256 panics ("does not support primitive Int256", writing and reading: hence Decimal256 is in
# files of its own); Date64 becomes Datetime(ms); no second
# unit for Datetime or Duration (becomes ms); Time is nanoseconds only. Polars also writes List as
# LargeList, the struct's and map's strings as Utf8View and a Categorical as dictionary<uint32, Utf8View>:
# those columns are kept, with the types Polars writes.
POLARS_SKIPPED = {
    "utf8", "large_utf8", "binary", "large_binary", "date64",
    "ts_s", "ts_s_utc", "ts_s_berlin", "time32_s", "time32_ms", "time64_us", "dur_s",
}
# pandas 3.1 (its own dtypes: nullable Int/UInt/Float/boolean, str, category, datetime64[unit, tz],
# timedelta64[unit], objects of Decimal/date/time/bytes/list/dict): no LargeUtf8 or view types (its
# str writes large_string), no Float16 NaN (a NumPy float16 NaN is written as NULL: pandas' missing
# value), no Decimal256, no Date64, Time32 or Time64(ns) (datetime.time is microseconds), no
# LargeBinary, no Map (a dict becomes a Struct). Decimal precision, the struct's `a` (int64) and the
# categorical's index width (int8) are what pyarrow infers from the pandas frame.
PANDAS_SKIPPED = {
    "large_utf8", "utf8_view", "large_binary", "binary_view", "date64",
    "time32_s", "time32_ms", "time64_ns", "map",
}


# ---------------------------------------------------------------- expected files


def is_file_format(path: Path) -> bool:
    """True when the bytes start with the Arrow file magic `ARROW1`."""
    with path.open("rb") as handle:
        return handle.read(6) == ARROW_MAGIC


def written_schema(path: Path) -> pa.Schema:
    """The schema a writer put in a stream or file (read back without its values)."""
    if is_file_format(path):
        return ipc.open_file(path).schema
    with ipc.open_stream(path) as reader:
        return reader.schema


def expected_document(source: pa.Table, path: Path, writer: str) -> Document:
    """The expected texts of `source` as loaded from `path`: kinds follow the types the writer wrote."""
    schema = written_schema(path)
    kinds = [arrow_kind(field.type) for field in schema]
    document = canonical_document(source.select(schema.names), kinds)
    document["columns"] = [{"name": field.name, "type": str(field.type)} for field in schema]
    return {"writer": writer, **document}


def save_expected(path: Path, document: Document) -> None:
    """Writes NAME.expected.json beside `path` (NAME: its name without the extension)."""
    target = path.with_name(path.stem + ".expected.json")
    target.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def record(path: Path, source: pa.Table, writer: str) -> Path:
    """Writes the expected file of a written fixture and returns the fixture's path."""
    save_expected(path, expected_document(source, path, writer))
    return path


# ---------------------------------------------------------------- pyarrow


def pyarrow_name() -> str:
    """`pyarrow X.Y.Z`."""
    return f"pyarrow {pa.__version__}"


def write_stream(path: Path, table: pa.Table, options: ipc.IpcWriteOptions | None = None,
                 max_chunksize: int | None = None) -> Path:
    """An IPC stream of `table` written by pa.ipc.new_stream."""
    with ipc.new_stream(path, table.schema, options=options) as writer:
        writer.write_table(table, max_chunksize=max_chunksize)
    return path


def write_file(path: Path, table: pa.Table) -> Path:
    """An IPC file of `table` written by pa.ipc.new_file."""
    with ipc.new_file(path, table.schema) as writer:
        writer.write_table(table)
    return path


def write_batches(path: Path, schema: pa.Schema, batches: list[pa.RecordBatch],
                  options: ipc.IpcWriteOptions | None = None) -> Path:
    """An IPC stream of the given batches, possibly none."""
    with ipc.new_stream(path, schema, options=options) as writer:
        for batch in batches:
            writer.write_batch(batch)
    return path


def write_pyarrow(table: pa.Table, outdir: Path) -> list[Path]:
    """The frame by pyarrow: a stream, a file and a Feather v2 file, uncompressed."""
    name = pyarrow_name()
    feather_path = outdir / "pyarrow_feather.feather"
    feather.write_feather(table, feather_path, compression="uncompressed")
    return [
        record(write_stream(outdir / "pyarrow_stream.arrows", table), table, name),
        record(write_file(outdir / "pyarrow_file.arrow", table), table, name),
        record(feather_path, table, name),
    ]


def empty_batch(schema: pa.Schema) -> pa.RecordBatch:
    """A record batch of `schema` with no rows."""
    return pa.record_batch([pa.array([], type=field.type) for field in schema], schema=schema)


def dictionary_batches(steps: list[tuple[list[str], list[int | None]]]) -> list[pa.RecordBatch]:
    """Batches of one dictionary<int32, utf8> column `dict_str` (and a row number), one per step."""
    schema = pa.schema([("row", pa.int32()), ("dict_str", pa.dictionary(pa.int32(), pa.string()))])
    batches, row = [], 0
    for words, indices in steps:
        column = pa.DictionaryArray.from_arrays(pa.array(indices, type=pa.int32()), pa.array(words))
        rows = pa.array(range(row, row + len(indices)), type=pa.int32())
        batches.append(pa.record_batch([rows, column], schema=schema))
        row += len(indices)
    return batches


def write_delta_stream(outdir: Path) -> Path:
    """dict_delta.arrows: a dictionary that grows by delta batches (emit_dictionary_deltas)."""
    growing = dictionary_batches([(["red", ""], [0, 1, None]), (["red", "", "green"], [2, 0]),
                                  (["red", "", "green", "Grüße"], [3, None, 1])])
    deltas = ipc.IpcWriteOptions(emit_dictionary_deltas=True)
    path = write_batches(outdir / "dict_delta.arrows", growing[0].schema, growing, deltas)
    check_dictionary_stats(path, "num_dictionary_deltas", 2)
    return record(path, pa.Table.from_batches(growing), pyarrow_name())


def write_replace_stream(outdir: Path) -> Path:
    """dict_replace.arrows: a dictionary replaced by an unrelated one in the second batch."""
    replaced = dictionary_batches([(["red", "green"], [0, 1, None]), (["blue", "Grüße"], [1, 0])])
    path = write_batches(outdir / "dict_replace.arrows", replaced[0].schema, replaced)
    check_dictionary_stats(path, "num_replaced_dictionaries", 1)
    return record(path, pa.Table.from_batches(replaced), pyarrow_name())


def check_dictionary_stats(path: Path, statistic: str, least: int) -> None:
    """Fails unless pyarrow's reader counts at least `least` of `statistic` (deltas, replacements)."""
    with ipc.open_stream(path) as reader:
        reader.read_all()
        if getattr(reader.stats, statistic) < least:
            raise RuntimeError(f"{path}: expected {least} {statistic}, read {reader.stats}")


def write_file_batches(path: Path, schema: pa.Schema, batches: list[pa.RecordBatch]) -> Path:
    """An IPC file of the given batches, possibly none."""
    with ipc.new_file(path, schema) as writer:
        for batch in batches:
            writer.write_batch(batch)
    return path


def write_pyarrow_shapes(table: pa.Table, outdir: Path) -> list[Path]:
    """Empty, zero-batch, several-batch, sliced and compressed streams, and the refusal cases."""
    name = pyarrow_name()
    schema, empty, sliced = table.schema, table.slice(0, 0), table.slice(3, 5)
    written = [
        record(write_batches(outdir / "empty_table.arrows", schema, [empty_batch(schema)]), empty, name),
        record(write_file_batches(outdir / "empty_table.arrow", schema, [empty_batch(schema)]), empty, name),
        record(write_batches(outdir / "zero_batches.arrows", schema, []), empty, name),
        record(write_file_batches(outdir / "zero_batches.arrow", schema, []), empty, name),
        record(write_stream(outdir / "batches.arrows", table, max_chunksize=4), table, name),
        record(write_stream(outdir / "sliced.arrows", sliced), sliced, name),
        record(write_file(outdir / "sliced.arrow", sliced), sliced, name),
    ]
    for codec in ("lz4", "zstd"):
        path = write_stream(outdir / f"{codec}.arrows", table, ipc.IpcWriteOptions(compression=codec))
        written.append(record(path, table, name))
    for stem, special in (("sub_microsecond", frame.sub_microsecond_table()),
                          ("decimal256", frame.decimal256_table()), ("decimal256_wide", frame.wide_decimal_table())):
        written.append(record(write_stream(outdir / f"{stem}.arrows", special), special, name))
    return written


# ---------------------------------------------------------------- Polars


def polars_source(table: pa.Table) -> pa.Table:
    """The frame's columns Polars can write, plus `enum_str`: `dict_str` again, as a Polars Enum."""
    kept = table.select([name for name in table.column_names if name not in POLARS_SKIPPED])
    return kept.append_column("enum_str", table.column("dict_str"))


def polars_frame(source: pa.Table) -> pl.DataFrame:
    """A Polars frame of the source columns (Categorical for `dict_str`, Enum for `enum_str`)."""
    categories = [w for w in dict.fromkeys(source.column("enum_str").to_pylist()) if w is not None]
    frame_ = pl.from_arrow(source)
    return frame_.with_columns(pl.col("enum_str").cast(pl.String).cast(pl.Enum(categories)))


def write_polars(table: pa.Table, outdir: Path) -> list[Path]:
    """The frame by Polars: write_ipc (file) and write_ipc_stream, uncompressed, view types kept."""
    source = polars_source(table)
    data = polars_frame(source)
    name = f"polars {pl.__version__}"
    file_path, stream_path = outdir / "polars_file.arrow", outdir / "polars_stream.arrows"
    data.write_ipc(file_path, compression="uncompressed")
    data.write_ipc_stream(stream_path, compression="uncompressed")
    return [record(file_path, source, name), record(stream_path, source, name)]


# ---------------------------------------------------------------- pandas


def pandas_source(table: pa.Table) -> pa.Table:
    """The frame's columns pandas can write; its float16 NaN becomes NULL (pandas' missing value)."""
    kept = table.select([name for name in table.column_names if name not in PANDAS_SKIPPED])
    f16 = kept.column("f16")
    without_nan = pc.if_else(pc.is_nan(f16.cast(pa.float32())), pa.scalar(None, pa.float16()), f16)
    return kept.set_column(kept.schema.get_field_index("f16"), "f16", without_nan)


def pandas_series(column: pa.ChunkedArray) -> Any:
    """A pandas column in the dtype a pandas user would have for this Arrow type."""
    arrow_type = column.type
    if pa.types.is_timestamp(arrow_type) or pa.types.is_duration(arrow_type):
        return column.to_pandas()
    values = column.to_pylist()
    if pa.types.is_integer(arrow_type):
        return pd.array(values, dtype=f"{'UInt' if pa.types.is_unsigned_integer(arrow_type) else 'Int'}"
                                      f"{arrow_type.bit_width}")
    if pa.types.is_float16(arrow_type):
        return np.array([np.nan if v is None else v for v in values], dtype=np.float16)
    if pa.types.is_floating(arrow_type):
        dtype = np.float32 if pa.types.is_float32(arrow_type) else np.float64
        data = np.array([0.0 if v is None else v for v in values], dtype=dtype)
        return pd.arrays.FloatingArray(data, np.array([v is None for v in values]))
    if pa.types.is_boolean(arrow_type):
        return pd.array(values, dtype="boolean")
    if pa.types.is_string(arrow_type):
        return pd.Series(values, dtype="str")
    if pa.types.is_dictionary(arrow_type):
        return pd.Categorical(values)
    return pd.Series(values, dtype=object)


def write_pandas(table: pa.Table, outdir: Path) -> list[Path]:
    """The frame by pandas: DataFrame.to_feather (uncompressed) and pa.Table.from_pandas as a stream."""
    source = pandas_source(table)
    data = pd.DataFrame({name: pandas_series(table.column(name)) for name in source.column_names})
    name = f"pandas {pd.__version__} (pyarrow {pa.__version__})"
    feather_path = outdir / "pandas_feather.feather"
    data.to_feather(feather_path, compression="uncompressed")
    stream_path = write_stream(outdir / "pandas_stream.arrows", pa.Table.from_pandas(data))
    return [record(feather_path, source, name), record(stream_path, source, name)]


# ---------------------------------------------------------------- the committed small set

PRIMITIVES = [
    "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f16", "f32", "f64", "bool", "dec128_38_10",
    "date32", "date64", "ts_s", "ts_ms_utc", "ts_ns_berlin", "time32_s", "time64_ns", "dur_ms", "dur_ns",
]
SMALL = ["i32", "utf8", "bool", "list_i64"]


def write_small(table: pa.Table, outdir: Path) -> list[Path]:
    """The small fixtures committed in Tests/Fixtures/arrow."""
    name = pyarrow_name()
    primitives = table.select(PRIMITIVES).slice(0, 8)
    small = table.select(SMALL)
    small_empty = small.slice(0, 0)
    written = [
        record(write_stream(outdir / "primitives_pyarrow.arrows", primitives), primitives, name),
        record(write_stream(outdir / "sliced.arrows", small.slice(3, 5)), small.slice(3, 5), name),
        record(write_stream(outdir / "lz4.arrows", small, ipc.IpcWriteOptions(compression="lz4")), small, name),
        record(write_batches(outdir / "empty_table.arrows", small.schema, [empty_batch(small.schema)]),
               small_empty, name),
        record(write_batches(outdir / "zero_batches.arrows", small.schema, []), small_empty, name),
    ]
    return written + [write_delta_stream(outdir)] + write_small_polars(table, outdir) + write_small_pandas(table, outdir)


def write_small_polars(table: pa.Table, outdir: Path) -> list[Path]:
    """A Polars file with its view types: strings, binary and a Categorical."""
    source = polars_source(table).select(["utf8_view", "binary_view", "dict_str"])
    path = outdir / "polars_views.arrow"
    pl.from_arrow(source).write_ipc(path, compression="uncompressed")
    return [record(path, source, f"polars {pl.__version__}")]


def write_small_pandas(table: pa.Table, outdir: Path) -> list[Path]:
    """A pandas Feather file with a categorical, a str and a nullable Int64 column."""
    source = table.select(["dict_str", "utf8", "i64"])
    data = pd.DataFrame({name: pandas_series(source.column(name)) for name in source.column_names})
    path = outdir / "pandas_categorical.feather"
    data.to_feather(path, compression="uncompressed")
    return [record(path, source, f"pandas {pd.__version__} (pyarrow {pa.__version__})")]


# ---------------------------------------------------------------- main


def write_all(outdir: Path) -> list[Path]:
    """Every fixture of the full set."""
    table = frame.all_types_table()
    return (write_pyarrow(table, outdir) + write_pyarrow_shapes(table, outdir)
            + [write_delta_stream(outdir), write_replace_stream(outdir)]
            + write_polars(table, outdir) + write_pandas(table, outdir))


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """OUTDIR and --small."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--small", action="store_true", help="only the small committed fixtures")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """Writes the fixtures and prints their paths, one a line."""
    arguments = parse_arguments(argv)
    arguments.outdir.mkdir(parents=True, exist_ok=True)
    writer: Callable[[Path], list[Path]] = (
        (lambda out: write_small(frame.all_types_table(), out)) if arguments.small else write_all)
    for path in writer(arguments.outdir):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
