#!/usr/bin/env python3
"""Compares two canonical documents (write_fixtures.py's NAME.expected.json, read_canonical.py's output)
and names the first difference: a column's name or type, the row count, or a cell.

usage: .run/venv/bin/python scripts/arrow/compare.py EXPECTED.json ACTUAL.json [--ignore-types] [--skip-columns A,B]
exit 0 when equal, 1 on a difference, 2 when a file cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Optional

Document = dict[str, Any]


def load(path: Path) -> Document:
    """A canonical document from a JSON file."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document.get("columns"), list) or not isinstance(document.get("rows"), list):
        raise ValueError(f"{path}: not a canonical document (no columns/rows)")
    return document


def show(value: Any) -> str:
    """A value as JSON, so NULL (null) and text ("…") are told apart."""
    return json.dumps(value, ensure_ascii=False)


def column_difference(expected: Document, actual: Document, ignore_types: bool) -> Optional[str]:
    """The first difference in the columns' number, names or types, if any."""
    left, right = expected["columns"], actual["columns"]
    for index, (want, got) in enumerate(zip(left, right)):
        if want["name"] != got["name"]:
            return f"column #{index + 1}: expected name {show(want['name'])}, actual {show(got['name'])}"
        if not ignore_types and want["type"] != got["type"]:
            return f"column {show(want['name'])} (#{index + 1}): expected type {want['type']}, actual {got['type']}"
    if len(left) != len(right):
        names = [c["name"] for c in (left if len(left) > len(right) else right)[min(len(left), len(right)):]]
        return f"expected {len(left)} columns, actual {len(right)}; unmatched: {', '.join(names)}"
    return None


def cell_difference(expected: Document, actual: Document) -> Optional[str]:
    """The first differing cell (row by row, column by column), or a different row count."""
    names = [c["name"] for c in expected["columns"]]
    for row, (want, got) in enumerate(zip(expected["rows"], actual["rows"])):
        for index, (left, right) in enumerate(zip(want, got)):
            if left != right:
                return (f"column {show(names[index])} (#{index + 1}), row {row} (0-based): "
                        f"expected {show(left)}, actual {show(right)}")
    if len(expected["rows"]) != len(actual["rows"]):
        return f"expected {len(expected['rows'])} rows, actual {len(actual['rows'])}"
    return None


def without_columns(document: Document, skipped: set[str]) -> Document:
    """The document without the named columns."""
    keep = [i for i, column in enumerate(document["columns"]) if column["name"] not in skipped]
    return {"columns": [document["columns"][i] for i in keep],
            "rows": [[row[i] for i in keep] for row in document["rows"]]}


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """EXPECTED, ACTUAL and --ignore-types."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("expected", type=Path)
    parser.add_argument("actual", type=Path)
    parser.add_argument("--ignore-types", action="store_true",
                        help="compare names and values only (a Polars read reports Polars dtypes)")
    parser.add_argument("--skip-columns", default="", metavar="A,B",
                        help="leave these columns out of both (e.g. date64, which Polars reads as a timestamp)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """Prints the first difference and exits 1, or one line saying they are equal."""
    arguments = parse_arguments(argv)
    try:
        expected, actual = load(arguments.expected), load(arguments.actual)
        skipped = {name for name in arguments.skip_columns.split(",") if name}
        expected, actual = without_columns(expected, skipped), without_columns(actual, skipped)
    except (OSError, ValueError) as error:
        print(f"compare: {error}", file=sys.stderr)
        return 2
    difference = (column_difference(expected, actual, arguments.ignore_types)
                  or cell_difference(expected, actual))
    if difference:
        print(f"compare: {arguments.actual} differs from {arguments.expected}: {difference}")
        return 1
    print(f"compare: equal ({len(expected['columns'])} columns, {len(expected['rows'])} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
