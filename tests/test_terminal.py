"""Issue 16, clause 6 (Terminal): tables that fit 80 columns without cutting an id or a
date; 20 rows a section by default with a count of the rest, --limit for every section
and --all; the packs' ranking in the table and the CSV. Clause 5 in the CLI: one date
format and counts with their noun."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from rich.console import Console
from typer.testing import CliRunner

from perp_graph import api
from perp_graph.cli import app
from perp_graph.render.terminal import Column, fitted_columns, print_fitted
from perp_graph.settings import Settings
from tests.records import Records

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("embedded_store_only")

AS_OF = "2024-06-30"
#: 13 characters, as long as a force's person ids run.
SERIAL = [f"S{n:012d}" for n in range(25)]
WARNED = [f"E{n:012d}" for n in range(22)]
PAIRS = [(f"C{n:012d}", f"D{n:012d}") for n in range(22)]
ID = re.compile(r"\b[SEVWNCD]\d{12}\b")
ANY_ID_START = re.compile(r"\b[SEVWNCD]\d{3,}")
DATE = re.compile(r"\b\d{2} [A-Z][a-z]{2} \d{4}\b")


def crowded() -> Records:
    """25 serial perpetrators (each escalating, each in custody until days after the
    as-of date), 22 early warnings and 22 counter-allegation pairs: more than 20 in every
    section."""
    r = Records()
    for n, person in enumerate(SERIAL):
        r.person(
            person,
            surname=f"Featherstonehaugh{n}",
            forenames="Bartholomew Aloysius",
            home_neighbourhood="Abbey Wood Vale",
        )
        first, second = f"V{n:012d}", f"W{n:012d}"
        r.abuse(f"IS{n}a", "2024-01-10", person, first, neighbourhood="Abbey Wood Vale")
        r.abuse(f"IS{n}b", "2024-03-10", person, second, neighbourhood="Abbey Wood Vale")
        r.abuse(f"IS{n}c", "2024-05-10", person, first, neighbourhood="Abbey Wood Vale")
        r.order(person, "custody", "2024-05-20", f"2024-07-{1 + n % 28:02d}")
    for n, person in enumerate(WARNED):
        r.person(person, surname=f"Warned{n}", forenames="Nathaniel")
        r.abuse(f"IE{n}", "2024-02-01", person, f"X{n:012d}")
        r.relate(person, f"N{n:012d}", "intimate_partner", start="2024-03-01")
    for n, (a, b) in enumerate(PAIRS):
        r.abuse(f"IC{n}a", "2024-04-01", a, b)
        r.abuse(f"IC{n}b", "2024-04-02", b, a)
    return r


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("terminal")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PERP_GRAPH_NEO4J_URI", raising=False)
        data = crowded().write(folder / "data")
        loaded = runner.invoke(
            app, ["load", str(data), "--workspace", str(folder / "ws"), "-q", "--no-resolve"]
        )
    assert loaded.exit_code == 0, loaded.output
    return str(folder / "ws")


def run(workspace: str, *args: str, columns: int = 80) -> str:
    result = runner.invoke(
        app,
        [*args, "--workspace", workspace, "--as-of", AS_OF, "-q"],
        env={"COLUMNS": str(columns)},
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def assert_fits_with_whole_ids(output: str, columns: int) -> None:
    assert max(len(line) for line in output.splitlines()) <= columns
    assert "…" not in output
    # Every id that starts on a line ends there whole: none cut or folded.
    starts = ANY_ID_START.findall(output)
    assert starts and len(starts) == len(ID.findall(output))


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize(
    "command",
    [["scan"], ["scan", "--rank"], ["watch"], ["scan", "--since", "2023-12-31"]],
    ids=" ".join,
)
def test_clause6_ids_are_never_cut_and_tables_fit(workspace, command, columns):
    output = run(workspace, *command, columns=columns)
    assert_fits_with_whole_ids(output, columns)
    # Dates whole and in the one format (clause 5).
    assert DATE.search(output) and not re.search(r"\d{4}-\d{2}-\d{2}", output.split("\n", 1)[1])


def test_clause6_scan_table_has_priority_and_drops_descriptive_columns_at_80(workspace):
    narrow = run(workspace, "scan")
    assert "Priority" in narrow and re.search(r"\d+(\.\d)? (high|medium|standard)", narrow)
    assert "Left out at this width: Neighbourhood, Why" in narrow
    wide = run(workspace, "scan", columns=250)
    assert "Abbey Wood Vale" in wide and "2 intimate-partner victims between 10 Jan 2024" in wide


def test_clause6_twenty_rows_a_section_with_a_count_of_the_rest(workspace):
    output = run(workspace, "scan", "--rank", "--since", "2023-12-31")
    more = re.findall(r"and ([\d,]+) more \(--all to list them, --limit N\)", output)
    # serial, ranking, early warnings, escalations, counter-allegations, newly qualified
    # (the 10 largest score rises are all shown)
    assert more == ["5", "71", "2", "5", "2", "5"]
    serial = output.split("Priority ranking")[0]
    assert len(set(re.findall(r"\bS\d{12}\b", serial))) == 20
    watch = run(workspace, "watch")
    assert "and 5 more (--all to list them, --limit N)" in watch
    assert len(set(re.findall(r"\bS\d{12}\b", watch))) == 20


def test_clause6_limit_applies_to_every_section(workspace):
    output = run(workspace, "scan", "--rank", "--since", "2023-12-31", "--limit", "3")
    more = re.findall(r"and ([\d,]+) more", output)
    # ... and the score rises: 3 of the 10 largest
    assert more == ["22", "88", "19", "22", "19", "22", "7"]
    newly = re.search(r"Newly qualified \(25\): (.*?); and 22 more", output, re.S)
    assert newly and len(ID.findall(newly.group(1))) == 3
    watch = run(workspace, "watch", "--limit", "3")
    assert "and 22 more" in watch


def test_clause6_all_lists_every_row(workspace):
    output = run(workspace, "scan", "--all", columns=200)
    assert " more (--all" not in output
    assert set(re.findall(r"\bS\d{12}\b", output)) == set(SERIAL)
    assert set(re.findall(r"\bE\d{12}\b", output)) == set(WARNED)
    assert "more (--all" not in run(workspace, "watch", "--all")


def test_clause6_table_and_csv_rank_as_the_packs(workspace):
    table = run(workspace, "scan", "--all", columns=200)
    as_csv = run(workspace, "scan", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    in_table = [m for m in re.findall(r"\bS\d{12}\b", table.split("Early warning")[0])]
    assert [r["person_id"] for r in rows] == in_table
    # The packs' order: current first, then the highest priority score.
    body = json.loads(run(workspace, "scan", "--format", "json"))
    scores = {p["person_id"]: p["priority"]["score"] for p in body["perpetrators"]}
    assert [scores[p] for p in in_table] == sorted(scores.values(), reverse=True)
    # The JSON keeps the contract's order: by person_id.
    assert [p["person_id"] for p in body["perpetrators"]] == sorted(SERIAL)


def test_clause6_ids_longer_than_the_columns_allow_go_one_row_a_line(tmp_path):
    long_id = "WESTMIDS-NICHE-PERSON-000000000000012345-A"
    r = Records()
    r.abuse("I1", "2024-01-01", long_id, "WESTMIDS-NICHE-PERSON-000000000000099999-V")
    r.abuse("I2", "2024-02-01", long_id, "WESTMIDS-NICHE-PERSON-000000000000099999-W")
    ws = str(tmp_path / "ws")
    load = ["load", str(r.write(tmp_path / "data")), "--workspace", ws, "-q", "--no-resolve"]
    assert runner.invoke(app, load).exit_code == 0
    output = run(ws, "scan")
    assert max(len(line) for line in output.splitlines()) <= 80
    assert f"Person: {long_id}" in output


def test_clause6_fitting_drops_the_highest_level_first_and_never_an_id():
    columns = (Column("Person", keep=True), Column("Why", drop=2), Column("Name", drop=1))
    # Name (level 1) goes first, then Why (level 2); the id never.
    rows = [("P" * 30, "a long reason " * 5, "SMITH, Jane")]
    assert fitted_columns(columns, rows, 80) == [0, 1, 2]
    assert fitted_columns(columns, rows, 50) == [0, 1]
    assert fitted_columns(columns, rows, 34) == [0]
    assert fitted_columns(columns, rows, 20) is None
    console = Console(file=io.StringIO(), width=20)
    print_fitted(console, "t", columns, rows, total=3)
    text = console.file.getvalue()
    assert "P" * 30 in text.replace("\n", "") and "and 2 more" in text


def test_clause5_review_dates_of_birth_in_the_one_format_at_120(tmp_path):
    from tests.test_identity_rules import add, crowd

    r = Records()
    crowd(r)
    add(r, "WESTMIDS-NICHE-PERSON-000000000000012345-A", "Wilhelmina", "Zqxsentinel", "1982-12-10")
    add(r, "WESTMIDS-NICHE-PERSON-000000000000012345-B", "Wilhelmina", "Zqxsentinel")
    ws = ["--workspace", str(tmp_path / "ws")]
    assert runner.invoke(app, ["load", str(r.write(tmp_path / "data")), *ws, "-q"]).exit_code == 0
    for columns in (80, 120):
        review = runner.invoke(app, ["identities", "review", *ws], env={"COLUMNS": str(columns)})
        assert review.exit_code == 0, review.output
        assert max(len(line) for line in review.stdout.splitlines()) <= columns
        assert "WESTMIDS-NICHE-PERSON-000000000000012345-A" in review.stdout
        assert "10 Dec 1982" in review.stdout and "1982-12-10" not in review.stdout


def test_clause6_limit_and_all_are_documented_for_scan_and_watch():
    for command in ("scan", "watch"):
        usage = runner.invoke(app, [command, "--help"], terminal_width=200).output
        assert "--limit" in usage and "--all" in usage


def test_clause6_one_line_a_row_never_breaks_a_date_or_an_id():
    from perp_graph.render.terminal import print_parts

    console = Console(file=io.StringIO(), width=30)
    parts = ["P000000000001", "born 01 Jan 1980", "PNC 80/0001111A", "postcode SA99 9ZZ"]
    print_parts(console, parts)
    lines = console.file.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 30
    for part in parts:
        assert any(part in line for line in lines), part


def test_clause6_identities_review_lists_20_then_says_how_many_more(tmp_path, monkeypatch):
    """Issue 16 clause 6: 20 rows by default with a count of the rest and --all."""
    import pandas as pd

    monkeypatch.delenv("PERP_GRAPH_NEO4J_URI", raising=False)  # the embedded store here
    from perp_graph.identity.pairs import save_pairs

    settings = Settings(workspace=tmp_path / "ws", resolve=False)
    records = Records()
    for n in range(30):
        records.person(f"A{n:02d}", surname="Smith", forenames="Ann", date_of_birth="1980-01-01")
        records.person(f"B{n:02d}", surname="Smith", forenames="Ann", date_of_birth="1980-01-01")
    records.abuse("I1", "2024-01-01", "A00", "B00")
    api.load(records.write(tmp_path / "data"), settings)
    pairs = pd.DataFrame(
        {
            "record_l": [f"A{n:02d}" for n in range(30)],
            "record_r": [f"B{n:02d}" for n in range(30)],
            "match_probability": [0.4] * 30,
            "outcome": ["possible"] * 30,
            "reason": ["names agree"] * 30,
            "merged": [False] * 30,
        }
    )
    save_pairs(settings.workspace, pairs)
    ws = ["--workspace", str(tmp_path / "ws")]
    shown = CliRunner().invoke(app, ["identities", "review", *ws], env={"COLUMNS": "80"})
    assert shown.exit_code == 0, shown.output
    assert "30 possible pairs (the first 20)" in shown.output
    assert "and 10 more (--all to list them, --limit N)" in shown.output
    every = CliRunner().invoke(app, ["identities", "review", "--all", *ws], env={"COLUMNS": "80"})
    assert "30. p 0.40" in every.output and "more (--all" not in every.output
