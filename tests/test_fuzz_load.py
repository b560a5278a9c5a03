"""Hostile and broken input: a bounded fuzz of the CSV loader (hypothesis), and every
input that ever broke it kept as a regression case (tests/fuzz_corpus/).

The loader must, for any bytes in any of the five files: stop with a PerpGraphError that
names the file (a bad file), or load with every record either loaded or quarantined: per
file, read = loaded + quarantined, and read = the records the file holds, counted
independently of the loader (from the rows the fuzzer wrote; for the corpus, by Python's
csv module). Never a traceback, never a value that changes a query.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perp_graph.contract import CONTRACT_COLUMNS
from perp_graph.errors import PerpGraphError
from perp_graph.pipeline.load import load_folder
from perp_graph.settings import Settings
from perp_graph.store.embedded import EmbeddedStore
from tests.hypothesis_profiles import examples

CORPUS = Path(__file__).parent / "fuzz_corpus"
FILES = ("people", "incidents", "involvements", "relationships", "orders")

#: Cells an attacker or a broken export would send.
HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\tTAB",
    "\rCR",
    "'; MATCH (n) DETACH DELETE n //",
    "` backtick `",
    '"quoted, with comma"',
    "<script>alert(1)</script>",
    "Robert'); DROP TABLE people;--",
    "\u202eRTL override",
    "\x00NUL",
    "x" * 70_000,  # a huge field
    "2024-02-30",
    "31/12/2023",
    "9999-99-99",
    "",
    " ",
    "victim",
    "suspect",
    "intimate_partner",
    "P1",
    "P2",
    "I1",
    "violence_with_injury",
    "true",
    "2023-01-01",
    "2023-06-01T10:00:00",
]


def cells() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30))


@st.composite
def csv_file(draw, name: str) -> tuple[bytes, int | None]:
    """A file's bytes, and how many records it holds, counted from the rows written (None
    when a mangling leaves no count to know: random bytes, a Latin-1 line)."""
    columns = list(CONTRACT_COLUMNS[name])
    header = draw(
        st.lists(st.sampled_from([*columns, "extra", "Extra ", "=cmd"]), min_size=1, max_size=8)
    )
    if draw(st.booleans()):
        header = columns[: draw(st.integers(1, len(columns)))]
    rows = draw(st.lists(st.lists(cells(), min_size=0, max_size=len(header) + 2), max_size=6))

    def quote(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n\r') else cell

    lines = [",".join(quote(c) for c in row) for row in [header, *rows]]
    # An empty line is not a record (a row of no cells, or of one empty cell, writes one).
    records: int | None = sum(1 for line in lines[1:] if line)
    mangle = draw(
        st.sampled_from(
            ["none", "none", "bom", "latin1", "binary", "semicolons", "crlf", "trailing", "nul"]
        )
    )
    if mangle == "trailing":  # a trailing delimiter on every line (the header's too, or not)
        first = 0 if draw(st.booleans()) else 1
        lines = lines[:first] + [line + "," for line in lines[first:]]
        records = sum(1 for line in lines[1:] if line)
    elif mangle == "nul" and len(lines) > 1:  # a NUL byte in one row, wherever it is
        at = draw(st.integers(1, len(lines) - 1))
        # (not just before a quote: a quote after a NUL no longer opens a value, and the
        # line is other records than those written; the NUL's record is still quarantined)
        spots = [i for i in range(len(lines[at]) + 1) if lines[at][i : i + 1] != '"']
        where = draw(st.sampled_from(spots))
        lines[at] = lines[at][:where] + "\x00" + lines[at][where:]
        records = sum(1 for line in lines[1:] if line)
    newline = "\r\n" if mangle == "crlf" else "\n"
    data = (newline.join(lines) + newline).encode("utf-8")
    if mangle == "bom":
        data = b"\xef\xbb\xbf" + data
    elif mangle == "latin1":
        data = data + "caf\u00e9\n".encode("latin-1")
        records = None
    elif mangle == "binary":
        data = draw(st.binary(max_size=200))
        records = None
    elif mangle == "semicolons":
        data = data.replace(b",", b";")
    return data, records


def check(
    folder: Path,
    workspace: Path,
    records: dict[str, int | None] | None = None,
    *,
    refused: bool | None = None,
) -> None:
    """The loader's contract on one folder of files: a bad file is refused naming it, or
    every record of every file is loaded or quarantined. `records` is each file's record
    count known from how it was written; a file it does not name is counted with Python's
    csv module, independently of the loader (for files that module reads as the contract
    does). `refused`: whether the load must refuse the folder (None: either may happen)."""
    try:
        report = load_folder(folder, EmbeddedStore(workspace), Settings(workspace=workspace))
    except PerpGraphError as exc:
        message = str(exc)
        assert "Traceback" not in message
        assert any(f"{name}.csv" in message for name in FILES) or "folder" in message, message
        assert refused is not False, message
        return
    assert refused is not True, "the load should have refused this folder"
    for f in report.files:
        assert f.read == f.loaded + f.quarantined, f
        name = f.file.removesuffix(".csv")
        known = records or {}
        expected = known[name] if name in known else count_records(folder / f.file)
        if expected is not None:
            assert f.read == expected, (f, expected)


def count_records(path: Path) -> int | None:
    """Records in a well-formed CSV file (blank lines are not records), by Python's csv
    module; None when that module cannot read it (not UTF-8, or quotes it reads otherwise)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
        return sum(1 for row in csv.reader(io.StringIO(text, newline="")) if row) - 1
    except (UnicodeDecodeError, csv.Error):
        return None


@settings(
    max_examples=examples(200),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=False,
)
@given(data=st.data())
def test_fuzzed_exports_are_loaded_quarantined_or_refused_never_a_crash(data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    records: dict[str, int | None] = {}
    for name in FILES:
        if name in ("relationships", "orders") and data.draw(st.booleans()):
            continue  # optional files
        written, records[name] = data.draw(csv_file(name))
        (folder / f"{name}.csv").write_bytes(written)
    try:
        check(folder, folder / "ws", records)
    except BaseException:
        keep = CORPUS / f"case-{len(list(CORPUS.glob('case-*'))) + 1:03d}"
        shutil.copytree(folder, keep, ignore=shutil.ignore_patterns("ws"))
        raise


@pytest.mark.parametrize("case", sorted(CORPUS.glob("*")), ids=lambda p: p.name)
def test_regression_corpus(case, tmp_path):
    """Each case replays; a case's expect.json may say how many records each file holds
    (where Python's csv module would count otherwise, e.g. an unclosed quote) and whether
    the load must refuse it."""
    folder = tmp_path / "data"
    shutil.copytree(case, folder, ignore=shutil.ignore_patterns("expect.json"))
    expect = (
        json.loads((case / "expect.json").read_text()) if (case / "expect.json").exists() else {}
    )
    check(folder, tmp_path / "ws", expect.get("records"), refused=expect.get("refused"))


def test_a_formula_cell_loads_as_text_and_leaves_the_query_alone(tmp_path):
    """A value never changes a query: a Cypher-looking name is data, loaded as is."""
    from tests.records import Records

    r = Records()
    r.person("P", surname="'; MATCH (n) DETACH DELETE n //", forenames="=1+1")
    r.abuse("I1", "2023-01-01", "P", "V1")
    r.abuse("I2", "2023-06-01", "P", "V2")
    store = EmbeddedStore(tmp_path / "ws")
    load_folder(r.write(tmp_path / "data"), store, Settings(workspace=tmp_path / "ws"))
    people = store.dataset().people.set_index("person_id")
    assert people.loc["P", "surname"] == "'; MATCH (n) DETACH DELETE n //"
    assert store.counts()["incidents"] == 2
