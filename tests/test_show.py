"""Issue 16, clause 6: `perp-graph show PERSON_ID_OR_NAME`, one person's dossier at the
terminal, masked as the packs are; a name lists the suspects it matches, with their ids;
bad input is one line and exit 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from perp_graph import api
from perp_graph.cli import app
from perp_graph.errors import ConfigError
from perp_graph.settings import Settings
from tests.records import Records

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("embedded_store_only")

AS_OF = "2024-06-30"
PERP = "WM0000000000001"


def records() -> Records:
    r = Records()
    r.person(PERP, surname="Hollowmere", forenames="Daniel", date_of_birth="1985-04-04")
    r.person("WM0000000000002", surname="Quillfeather", forenames="Vera")
    r.person("WM0000000000003", surname="Quartzwood", forenames="Wendy")
    r.person("WM0000000000004", surname="Hollowmere", forenames="Simon")  # another suspect
    r.abuse("I0000001", "2024-01-10", PERP, "WM0000000000002", neighbourhood="Northgate")
    r.abuse("I0000002", "2024-03-10", PERP, "WM0000000000003", category="threats_to_kill")
    r.abuse("I0000003", "2022-03-10", "WM0000000000004", "WM0000000000009")
    r.order(PERP, "custody", "2024-04-01", "2024-07-04")
    return r


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("show")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PERP_GRAPH_NEO4J_URI", raising=False)
        data = records().write(folder / "data")
        loaded = runner.invoke(
            app, ["load", str(data), "--workspace", str(folder / "ws"), "-q", "--no-resolve"]
        )
    assert loaded.exit_code == 0, loaded.output
    return str(folder / "ws")


def show(workspace: str, *args: str, columns: int = 80):
    return runner.invoke(
        app,
        ["show", *args, "--workspace", workspace, "--as-of", AS_OF, "-q"],
        env={"COLUMNS": str(columns)},
    )


def test_clause6_show_prints_the_dossier_with_victims_masked(workspace):
    result = show(workspace, PERP)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "HOLLOWMERE, Daniel" in out and PERP in out and "born 04 Apr 1985" in out
    assert "Serial perpetrator (current) as of 30 Jun 2024" in out
    assert "Priority " in out and "recency" in out and "gravity" in out
    # victims by initials and reference, never by name
    assert "WM0000000000002" in out and "V.Q." in out
    assert "Quillfeather" not in out and "Vera" not in out and "Quartzwood" not in out
    # the qualifying incidents, the custody and its end, the actions
    assert "I0000001" in out and "I0000002" in out and "threats to kill" in out
    assert "04 Jul 2024" in out and "in 4 days" in out and "In custody" in out
    assert "Actions" in out and "1. " in out


def test_clause6_show_unmasks_only_with_a_purpose(workspace):
    refused = show(workspace, PERP, "--unmask")
    assert refused.exit_code == 2
    assert "--purpose" in refused.output and "Traceback" not in refused.output
    unmasked = show(workspace, PERP, "--unmask", "--purpose", "MARAC case preparation")
    assert unmasked.exit_code == 0, unmasked.output
    assert "Vera QUILLFEATHER" in unmasked.stdout


def test_clause6_a_name_lists_the_suspects_it_matches_with_their_ids(workspace):
    result = show(workspace, "hollowmere")
    assert result.exit_code == 0, result.output
    assert "2 suspects match that name: run perp-graph show again" in result.stdout
    assert PERP in result.stdout and "WM0000000000004" in result.stdout
    # the serial perpetrator first, as the scan orders them
    assert result.stdout.index(PERP) < result.stdout.index("WM0000000000004")
    one = show(workspace, "Daniel HOLLOWMERE")
    assert "1 suspect matches that name" in one.stdout and "WM0000000000004" not in one.stdout


def test_clause6_a_victims_name_finds_nobody_and_is_not_repeated(workspace):
    result = show(workspace, "Vera Quillfeather")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert "no suspect with that name" in result.output
    assert "Vera" not in result.output and "Quillfeather" not in result.output


def test_clause6_an_unknown_id_is_one_line_with_the_fix(workspace):
    result = show(workspace, "WM9999999999999")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Error: no person with the id 'WM9999999999999' in the store; check the id "
        "(perp-graph scan lists them) or search by name"
    )


def test_clause6_a_victim_shown_by_id_is_masked(workspace):
    result = show(workspace, "WM0000000000002")
    assert result.exit_code == 0, result.output
    assert "V.Q.  WM0000000000002" in result.stdout
    assert "Quillfeather" not in result.stdout and "Vera" not in result.stdout
    assert "Not a serial perpetrator" in result.stdout


def test_clause6_show_is_audited_as_a_consultation_without_the_name_searched(workspace):
    settings = Settings(workspace=workspace)
    found = api.show(settings, PERP, as_of=None)
    assert found.dossier is not None and found.person_id == PERP
    api.show(settings, "hollowmere")
    log = runner.invoke(app, ["audit", "show", "--workspace", workspace, "--format", "json"])
    records = [json.loads(line) for line in log.stdout.splitlines()]
    shown = [r for r in records if r["command"] == "show"]
    assert {r["operation"] for r in shown} == {"consultation"}
    assert PERP in shown[-2]["person_ids"] and "WM0000000000002" in shown[-2]["person_ids"]
    assert set(shown[-1]["person_ids"]) == {PERP, "WM0000000000004"}
    assert "hollowmere" not in log.stdout.casefold()


def test_clause6_show_refuses_a_blank_search(workspace):
    with pytest.raises(ConfigError):
        api.show(Settings(workspace=workspace), "  ")


@pytest.mark.neo4j
def test_show_on_neo4j_says_what_it_says_on_the_embedded_store(workspace, neo4j_store, tmp_path):
    """Issue 18: `show` reads the records about the person (or, for a name, the rows the
    scores read), never the force's; on Neo4j it prints what the embedded store gives."""
    from tests.conftest import neo4j_uri

    neo4j_store.clear()
    data = records().write(tmp_path / "data")
    args = ["--neo4j-uri", neo4j_uri(), "--workspace", str(tmp_path / "ws")]
    loaded = runner.invoke(app, ["load", str(data), *args, "-q", "--no-resolve"])
    assert loaded.exit_code == 0, loaded.output
    for query in (PERP, "hollowmere", "WM0000000000002"):
        embedded = show(workspace, query)
        on_neo4j = runner.invoke(
            app,
            ["show", query, *args, "--as-of", AS_OF, "-q"],
            env={"COLUMNS": "80"},
        )
        assert on_neo4j.exit_code == embedded.exit_code == 0, on_neo4j.output
        assert on_neo4j.stdout == embedded.stdout
