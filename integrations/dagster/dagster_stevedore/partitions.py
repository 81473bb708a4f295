"""How a Dagster asset's partitions become `stevedore --partition` arguments."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from dagster import (
    MultiPartitionKey,
    MultiPartitionsDefinition,
    PartitionsDefinition,
    TimeWindowPartitionsDefinition,
)

_PLAIN_COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
_QUOTED_COLUMN = re.compile(r'^"((?:[^"]|"")+)"$')


@dataclass(frozen=True)
class PartitionDimension:
    """One dimension of the rows a load replaces: a column (or SQL expression) and either a set
    of values or a half-open time window."""

    name: str
    expression: str | None = None
    values: tuple[str, ...] = ()
    window: tuple[datetime, datetime] | None = None

    @property
    def label(self) -> str:
        """The dimension as Stevedore labels it: `region={eu,us}`, `day=[start,end)`."""
        if self.window is not None:
            start, end = self.window
            return f"{self.name}=[{start.isoformat()},{end.isoformat()})"
        if len(self.values) == 1:
            return f"{self.name}={self.values[0]}"
        return f"{self.name}={{{','.join(self.values)}}}"

    def arguments(self) -> list[str]:
        """The `--partition` (and `--partition-expr`) flags of this dimension."""
        arguments: list[str] = []
        if self.window is not None:
            arguments += ["--partition", self.label]
        else:
            for value in self.values:
                arguments += ["--partition", f"{self.name}={value}"]
        if self.expression is not None:
            arguments += ["--partition-expr", f"{self.name}={self.expression}"]
        return arguments


def partition_dimensions(
    partitions_def: PartitionsDefinition,
    partition_keys: Sequence[str],
    partition_expr: str | Mapping[str, str] | None,
    asset: str,
) -> list[PartitionDimension]:
    """The dimensions that select `partition_keys` of an asset partitioned by `partitions_def`,
    each on the column or SQL expression `partition_expr` names (a mapping per dimension of a
    multi-partitioned asset)."""
    if partition_expr is None:
        raise ValueError(
            f"asset {asset} is partitioned but has no 'partition_expr' metadata, so the column its "
            'partitions are on is unknown; add e.g. metadata={"partition_expr": "sale_date"}'
        )
    if not partition_keys:
        raise ValueError(f"asset {asset}: no partition keys to load")
    if isinstance(partitions_def, MultiPartitionsDefinition):
        names = [dimension.name for dimension in partitions_def.partitions_defs]
        if not isinstance(partition_expr, Mapping):
            example = ", ".join(f'"{name}": "<column>"' for name in names)
            raise ValueError(
                f"asset {asset} is multi-partitioned: 'partition_expr' must map each dimension to "
                f"its column or expression, e.g. {{{example}}}"
            )
        keys = [
            key if isinstance(key, MultiPartitionKey) else partitions_def.get_partition_key_from_str(key)
            for key in partition_keys
        ]
        dimensions = []
        for dimension in partitions_def.partitions_defs:
            expression = partition_expr.get(dimension.name)
            if expression is None:
                raise ValueError(
                    f"asset {asset}: 'partition_expr' names no column for the dimension '{dimension.name}'"
                )
            own_keys = _unique(key.keys_by_dimension[dimension.name] for key in keys)
            dimensions.append(_dimension(dimension.partitions_def, own_keys, expression, dimension.name, asset))
        return dimensions
    if not isinstance(partition_expr, str):
        raise ValueError(f"asset {asset}: 'partition_expr' must be a column name or an SQL expression")
    return [_dimension(partitions_def, _unique(partition_keys), partition_expr, "partition", asset)]


def _dimension(
    partitions_def: PartitionsDefinition,
    keys: list[str],
    partition_expr: str,
    sql_name: str,
    asset: str,
) -> PartitionDimension:
    column = _column(partition_expr)
    name = column if column is not None else sql_name
    expression = None if column is not None else partition_expr
    if "=" in name:
        raise ValueError(f"asset {asset}: the partition column {name!r} holds '=', which --partition cannot name")
    if isinstance(partitions_def, TimeWindowPartitionsDefinition):
        windows = [partitions_def.time_window_for_partition_key(key) for key in keys]
        start = min(window.start for window in windows)
        end = max(window.end for window in windows)
        return PartitionDimension(name, expression, window=(start, end))
    for key in keys:
        if ".." in key or (key.startswith("[") and key.endswith(")")):
            raise ValueError(
                f"asset {asset}: the partition key {key!r} reads as a range or window to stevedore's --partition"
            )
    return PartitionDimension(name, expression, values=tuple(keys))


def _column(partition_expr: str) -> str | None:
    """The column `partition_expr` names, or None when it is an SQL expression."""
    text = partition_expr.strip()
    if _PLAIN_COLUMN.match(text):
        return text
    quoted = _QUOTED_COLUMN.match(text)
    if quoted:
        return quoted.group(1).replace('""', '"')
    return None


def _unique(keys: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(str(key) for key in keys))
