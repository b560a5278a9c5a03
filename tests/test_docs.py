"""Keep the docs honest: every command has help and is documented in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from perp_graph.cli import app

README = (Path(__file__).parents[1] / "README.md").read_text()
COMMANDS = sorted(typer.main.get_command(app).commands)


def test_readme_starts_with_the_two_quick_start_commands():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make demo" in quick
    assert "make test" in quick
    assert "make test" in (Path(__file__).parents[1] / ".ci" / "run").read_text()


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command):
    assert f"### `perp-graph {command}`" in README


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert len(result.output) > 200


@pytest.mark.parametrize("option", ["--workspace", "--config", "--quiet"])
def test_store_commands_share_options(option):
    for command in ("load", "scan"):
        assert option in CliRunner().invoke(app, [command, "--help"]).output
