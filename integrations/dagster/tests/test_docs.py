"""docs/dagster.md as a reader follows it: its example project is the file it shows, and every
command it shows runs (and exits as it says)."""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT, Warehouse, stage_url, stevedore_executable

DOC = ROOT / "docs" / "dagster.md"
EXAMPLE = ROOT / "docs" / "examples" / "dagster" / "sales_assets.py"


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", DOC.read_text(), flags=re.M | re.S)


def test_the_project_shown_is_the_example_file() -> None:
    shown = blocks("python")[0]
    # The file adds only its module docstring.
    assert EXAMPLE.read_text().endswith(shown)


def test_every_command_runs_as_written() -> None:
    commands = [line for block in blocks("sh") for line in block.splitlines() if line.strip()]
    assert len(commands) >= 5
    environment = dict(os.environ)
    environment["PATH"] = os.pathsep.join(
        [str(Path(stevedore_executable()).parent), str(Path(sys.executable).parent), environment.get("PATH", "")]
    )
    environment["STEVEDORE_STAGE"] = stage_url() + "-docs"
    with tempfile.TemporaryDirectory() as home:
        (Path(home) / "dagster.yaml").write_text("")
        environment["DAGSTER_HOME"] = home
        for command in commands:
            expected = int(match.group(1)) if (match := re.search(r"# exit (\d+)", command)) else 0
            result = subprocess.run(
                ["bash", "-o", "pipefail", "-c", command], cwd=ROOT, env=environment, capture_output=True, text=True
            )
            assert result.returncode == expected, f"`{command}` exited {result.returncode}: {result.stderr[-2000:]}"
    totals = Warehouse("analytics").rows(
        "SELECT region, orders FROM analytics.region_totals WHERE sale_date = '2024-03-02' ORDER BY region"
    )
    assert totals == [("ap-south", 158), ("eu-north", 167), ("eu-west", 183), ("us-east", 145), ("us-west", 147)]
    types = Warehouse("analytics").column_types("daily_sales")
    assert types["sold_at"] == "timestamp with time zone" and types["sale_date"] == "date"


def test_the_redshift_configuration_builds_its_command() -> None:
    sys.path.insert(0, str(EXAMPLE.parent))
    try:
        import sales_assets
    finally:
        sys.path.pop(0)
    namespace = {"daily_sales": sales_assets.daily_sales, "region_totals": sales_assets.region_totals}
    exec(
        "from dagster import Definitions\nfrom dagster_stevedore import StevedoreIOManager\n" + blocks("python")[1],
        namespace,
    )
    manager = namespace["defs"].resources["io_manager"]
    assert manager._command().common_arguments == (
        "--warehouse",
        "redshift://loader@analytics.abc123.eu-west-1.redshift.amazonaws.com:5439/dev",
        "--stage",
        "s3://acme-stevedore-stage/dagster",
        "--iam-role",
        "arn:aws:iam::123456789012:role/redshift-stage-reader",
    )


@pytest.fixture(autouse=True)
def _services() -> None:
    stage_url()
