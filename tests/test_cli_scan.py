"""`perp-graph scan`: output formats, files, flags, and store errors."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from perp_graph.cli import app
from tests.records import Records

runner = CliRunner()

# The CLI on the default store; the CLI on Neo4j is tested in test_neo4j_store.py.
pytestmark = pytest.mark.usefixtures("embedded_store_only")


def serial_records() -> Records:
    r = Records()
    r.person(
        "P",
        surname='=HYPERLINK("http://x")',
        forenames="[bold]Dan[/bold]",
        home_neighbourhood="Northgate",
    )
    r.abuse("I1", "2022-01-10", "P", "V1")
    r.abuse("I2", "2023-05-01", "P", "V2", category="threats")
    r.abuse("I3", "2023-06-01", "P", "V3")
    r.abuse("I4", "2015-01-01", "Q", "W1")
    r.abuse("I5", "2016-01-02", "Q", "W2")  # a year and a day after I4
    return r


def scan(*args: str, env: dict | None = None):
    return runner.invoke(app, ["scan", *args], env=env)


_loaded_once: dict[str, Path] = {}


@pytest.fixture(autouse=True, scope="module")
def _module_folder(tmp_path_factory):
    _loaded_once["folder"] = tmp_path_factory.mktemp("cli-scan")


def loaded(tmp_path) -> str:
    """A workspace at tmp_path/ws holding serial_records(), loaded by the CLI (identities
    resolved): a copy of one loaded once per module, which is cheaper than loading again."""
    template = _loaded_once["folder"] / "ws"
    if not template.exists():
        data = serial_records().write(_loaded_once["folder"] / "data")
        result = runner.invoke(app, ["load", str(data), "--workspace", str(template), "--quiet"])
        assert result.exit_code == 0, result.output
    ws = tmp_path / "ws"
    shutil.copytree(template, ws)
    return str(ws)


def test_json_output_follows_the_contract_and_is_alone_on_stdout(tmp_path):
    ws = loaded(tmp_path)
    # Progress bars are on (no --quiet) and go to stderr only.
    result = scan("--workspace", ws, "--as-of", "2024-01-01", "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["as_of"] == "2024-01-01"
    assert body["parameters"]["window_years"] == 3
    assert body["parameters"]["min_victims"] == 2
    assert [p["person_id"] for p in body["perpetrators"]] == ["P", "Q"]
    p = body["perpetrators"][0]
    assert {
        k: p[k] for k in ("status", "first_qualified_on", "victim_ids", "qualifying_incident_ids")
    } == {
        "status": "current",
        "first_qualified_on": "2023-05-01",
        "victim_ids": ["V1", "V2", "V3"],
        "qualifying_incident_ids": ["I1", "I2", "I3"],
    }
    assert p["first_window"] == {
        "start": "2020-05-01",
        "end": "2023-05-01",
        "victim_ids": ["V1", "V2"],
        "incident_ids": ["I1", "I2"],
    }
    assert [e["incident_id"] for e in p["events"]] == ["I1", "I2", "I3"]
    assert body["perpetrators"][1]["status"] == "historic"


def test_table_is_most_urgent_first_and_shows_names_as_text(tmp_path):
    ws = loaded(tmp_path)
    result = scan("--workspace", ws, "--as-of", "2024-01-01", "--quiet", env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert result.stdout.index("current") < result.stdout.index("historic")
    assert "[bold]Dan[/bold]" in result.stdout  # markup in a name is shown, not obeyed


def test_csv_output_neutralises_formulas(tmp_path):
    ws = loaded(tmp_path)
    result = scan("--workspace", ws, "--as-of", "2024-01-01", "--format", "csv", "--quiet")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["person_id"] for r in rows] == ["P", "Q"]
    assert rows[0]["surname"].startswith("'=HYPERLINK")
    assert rows[0]["victim_ids"] == "V1;V2;V3"
    assert rows[0]["victims_in_current_window"] == "3"


def test_output_file_is_not_overwritten_without_flag(tmp_path):
    ws = loaded(tmp_path)
    target = tmp_path / "out" / "scan.json"
    args = ["--workspace", ws, "--as-of", "2024-01-01", "--format", "json", "--quiet"]
    args += ["--purpose", "test export"]
    assert scan(*args, "--output", str(target)).exit_code == 0
    assert json.loads(target.read_text())["as_of"] == "2024-01-01"
    again = scan(*args, "--output", str(target))
    assert again.exit_code == 2
    assert "exists; pass --overwrite" in again.output
    assert scan(*args, "--output", str(target), "--overwrite").exit_code == 0
    assert oct(target.stat().st_mode & 0o777) == "0o600"


def test_table_to_a_file(tmp_path):
    ws = loaded(tmp_path)
    target = tmp_path / "scan.txt"
    assert (
        scan(
            "--workspace",
            ws,
            "--as-of",
            "2024-01-01",
            "-o",
            str(target),
            "--quiet",
            "--purpose",
            "test export",
        ).exit_code
        == 0
    )
    assert "Serial perpetrators as of 01 Jan 2024" in target.read_text()


def test_data_option_loads_and_scans_in_one_step(tmp_path):
    data = serial_records().write(tmp_path / "data")
    result = scan(
        "--data",
        str(data),
        "--workspace",
        str(tmp_path / "ws"),
        "--as-of",
        "2024-01-01",
        "--format",
        "json",
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["perpetrators"]) == 2


def test_window_and_k_flags(tmp_path):
    ws = loaded(tmp_path)
    base = ["--workspace", ws, "--as-of", "2024-01-01", "--format", "json", "--quiet"]
    k3 = json.loads(scan(*base, "--min-victims", "3").stdout)["perpetrators"]
    assert [p["person_id"] for p in k3] == ["P"]
    w1 = json.loads(scan(*base, "--window-years", "1").stdout)["perpetrators"]
    assert [p["person_id"] for p in w1] == ["P"]
    assert w1[0]["first_qualified_on"] == "2023-06-01"
    bad = scan(*base, "--min-victims", "1")
    assert bad.exit_code == 2


def test_workspace_from_environment(tmp_path):
    ws = loaded(tmp_path)
    result = scan(
        "--as-of", "2024-01-01", "--format", "json", "--quiet", env={"PERP_GRAPH_WORKSPACE": ws}
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["perpetrators"]) == 2


def test_scan_without_data_says_to_load_first(tmp_path):
    result = scan("--workspace", str(tmp_path / "empty"), "--quiet")
    assert result.exit_code == 2
    assert "no workspace at" in result.output
    assert "perp-graph load DATA_DIR" in result.output
    assert not (tmp_path / "empty").exists()  # a read never creates a workspace


def test_scan_refuses_an_incomplete_store(tmp_path):
    ws = loaded(tmp_path)
    state = tmp_path / "ws" / "embedded" / "state.json"
    state.write_text('{"state": "loading"}')
    result = scan("--workspace", ws, "--quiet")
    assert result.exit_code == 3
    assert "incomplete: a load did not finish" in result.output


def test_bad_as_of_is_a_usage_error(tmp_path):
    result = scan("--as-of", "01/01/2024")
    assert result.exit_code == 2


def test_the_scan_table_fits_80_columns_with_whole_ids(tmp_path, embedded_store_only):
    r = Records()
    r.person("P000000123456", surname="Featherstonehaugh-Cholmondeley", forenames="Bartholomew")
    r.abuse("I1", "2023-01-01", "P000000123456", "V1", neighbourhood="Abbey Wood Vale")
    r.abuse("I2", "2024-01-01", "P000000123456", "V2", neighbourhood="Abbey Wood Vale")
    data = r.write(tmp_path / "data")
    ws = ["--workspace", str(tmp_path / "ws")]
    assert runner.invoke(app, ["load", str(data), *ws]).exit_code == 0
    narrow = runner.invoke(app, ["scan", "--as-of", "2024-06-30", *ws], env={"COLUMNS": "80"})
    assert narrow.exit_code == 0, narrow.output
    assert max(len(line) for line in narrow.output.splitlines()) <= 80
    assert "P000000123456" in narrow.output
    assert "Left out at this width: Neighbourhood, Why" in narrow.output
    wide = runner.invoke(app, ["scan", "--as-of", "2024-06-30", *ws], env={"COLUMNS": "160"})
    assert "2 intimate-partner victims between" in wide.output
