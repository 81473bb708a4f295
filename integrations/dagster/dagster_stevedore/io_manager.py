"""`StevedoreIOManager`: stores asset outputs with `stevedore load` and loads inputs with
`stevedore unload`, both as Arrow streams, a partition (or a range of them) at a time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dagster import (
    ConfigurableIOManager,
    Failure,
    InputContext,
    MetadataValue,
    OutputContext,
    TableColumn,
    TableSchema,
)
from pydantic import Field

from dagster_stevedore import frames
from dagster_stevedore.command import StevedoreCommand, StevedoreCommandError
from dagster_stevedore.partitions import PartitionDimension, partition_dimensions

WRITE_MODES = ("replace", "append", "merge")


class StevedoreIOManager(ConfigurableIOManager):
    """Stores pandas, Polars and PyArrow outputs in PostgreSQL or Redshift tables through the
    `stevedore` command, replacing a partition atomically, and loads them back.

    Every field is optional: what is left out comes from the environment (`PG*`, `AWS_*`,
    `STEVEDORE_WAREHOUSE`, `STEVEDORE_STAGE`) and `stevedore.yml`, exactly as for the CLI.
    """

    warehouse: str | None = Field(
        default=None, description="postgres://…, redshift://…, a libpq string, or a name from stevedore.yml."
    )
    stage: str | None = Field(
        default=None, description="s3://bucket/prefix, file:///dir, or a name from stevedore.yml."
    )
    config_file: str | None = Field(
        default=None, description="A stevedore.yml (default: ./stevedore.yml when present)."
    )
    schema_: str | None = Field(
        default=None, alias="schema", description="The schema of tables whose asset key has no prefix."
    )
    iam_role: str | None = Field(default=None, description="The IAM role Redshift reads the stage with.")
    executable: str = Field(default="stevedore", description="The stevedore command (default: on PATH).")

    def _command(self) -> StevedoreCommand:
        common: list[str] = []
        for flag, value in (
            ("--warehouse", self.warehouse),
            ("--stage", self.stage),
            ("--config", self.config_file),
            ("--iam-role", self.iam_role),
        ):
            if value:
                common += [flag, value]
        return StevedoreCommand(self.executable, tuple(common))

    def handle_output(self, context: OutputContext, obj: object) -> None:
        if obj is None:
            context.log.info("the asset returned None: nothing to store")
            return
        metadata = context.definition_metadata or {}
        table = self._table(context, metadata)
        dimensions = self._dimensions(context, metadata)
        arguments = ["--table", table, *_mode_arguments(metadata, partitioned=bool(dimensions))]
        for column, sql_type in (metadata.get("column_types") or {}).items():
            arguments += ["--type", f"{column}={sql_type}"]
        for dimension in dimensions:
            arguments += dimension.arguments()
        schema, batches = frames.record_batches(obj)
        try:
            report = self._command().load(arguments, schema, batches)
        except StevedoreCommandError as error:
            raise _failure(error, table, dimensions) from error
        except FileNotFoundError as error:
            raise self._missing_executable() from error
        context.add_output_metadata(_output_metadata(report))

    def load_input(self, context: InputContext) -> object:
        upstream = context.upstream_output
        metadata = (upstream.definition_metadata if upstream is not None else None) or {}
        table = self._table(context, metadata)
        arguments = ["--table", table]
        dimensions = self._dimensions(context, metadata)
        for dimension in dimensions:
            arguments += dimension.arguments()
        columns = (context.definition_metadata or {}).get("columns")
        if isinstance(columns, str):
            columns = [columns]
        if columns:
            arguments += ["--columns", ",".join(columns)]
        try:
            arrow = self._command().unload(arguments)
        except StevedoreCommandError as error:
            raise _failure(error, table, dimensions) from error
        except FileNotFoundError as error:
            raise self._missing_executable() from error
        return frames.from_arrow(arrow, context.dagster_type.typing_type)

    def _missing_executable(self) -> Failure:
        return Failure(
            description=f"no stevedore command at {self.executable!r}: put stevedore on PATH, "
            "or name it with the I/O manager's executable"
        )

    def _table(self, context: OutputContext | InputContext, metadata: Mapping[str, Any]) -> str:
        """`schema.table` from the asset key, as Dagster's database I/O managers name it: the last
        element is the table; the schema is the `schema` metadata, else this manager's `schema`,
        else the key's prefix, else `public`."""
        path = context.asset_key.path
        if metadata.get("schema"):
            schema = str(metadata["schema"])
        elif self.schema_:
            schema = self.schema_
        elif len(path) > 1:
            schema = path[-2]
        else:
            schema = "public"
        return f"{schema}.{path[-1]}"

    @staticmethod
    def _dimensions(context: OutputContext | InputContext, metadata: Mapping[str, Any]) -> list[PartitionDimension]:
        if not context.has_asset_partitions:
            return []
        try:
            return partition_dimensions(
                context.asset_partitions_def,
                context.asset_partition_keys,
                metadata.get("partition_expr"),
                context.asset_key.to_user_string(),
            )
        except ValueError as error:
            raise Failure(description=str(error)) from error


def _mode_arguments(metadata: Mapping[str, Any], partitioned: bool) -> list[str]:
    mode = metadata.get("write_mode", "replace")
    if mode not in WRITE_MODES:
        raise Failure(description=f"write_mode {mode!r} is none of {', '.join(WRITE_MODES)}")
    if mode == "replace":
        return ["--mode", "partition" if partitioned else "replace"]
    if mode == "append":
        return ["--mode", "append"]
    keys = metadata.get("merge_key")
    if isinstance(keys, str):
        keys = [keys]
    if not keys:
        raise Failure(description="write_mode 'merge' needs 'merge_key' metadata: a column or a list of them")
    arguments = ["--mode", "merge"]
    for key in keys:
        arguments += ["--key", key]
    return arguments


def _output_metadata(report: Mapping[str, Any]) -> dict[str, Any]:
    columns = [TableColumn(name=column["name"], type=column["type"]) for column in report.get("columns", [])]
    metadata: dict[str, Any] = {
        "dagster/row_count": MetadataValue.int(report["rows"]),
        "dagster/table_name": report["table"],
        "dagster/column_schema": MetadataValue.table_schema(TableSchema(columns=columns)),
        "table": report["table"],
        "rows": MetadataValue.int(report["rows"]),
        "bytes_staged": MetadataValue.int(report["compressedBytes"]),
        "parts": MetadataValue.int(report["parts"]),
        "load_id": report["loadID"],
        "stage_prefix": report["stagePrefix"],
        "write_mode": report["mode"],
        "seconds": MetadataValue.float(sum(phase["seconds"] for phase in report.get("phases", []))),
    }
    if report.get("partition"):
        metadata["partition"] = report["partition"]
    return metadata


def _failure(error: StevedoreCommandError, table: str, dimensions: Sequence[PartitionDimension]) -> Failure:
    metadata: dict[str, Any] = {"table": table, "exit_code": error.exit_code, "meaning": error.meaning}
    if dimensions:
        metadata["partition"] = "/".join(dimension.label for dimension in dimensions)
    if error.stderr != error.message:
        metadata["stderr"] = MetadataValue.md(f"```\n{error.stderr}\n```")
    return Failure(description=f"stevedore {error.verb} failed: {error}", metadata=metadata)
