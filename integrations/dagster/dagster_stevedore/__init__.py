"""Stevedore as the I/O manager of Dagster assets: frames travel to the `stevedore` command as
Arrow streams and load atomically, a partition at a time."""

from dagster_stevedore.command import StevedoreCommandError
from dagster_stevedore.io_manager import StevedoreIOManager
from dagster_stevedore.partitions import PartitionDimension

__all__ = ["PartitionDimension", "StevedoreCommandError", "StevedoreIOManager"]
