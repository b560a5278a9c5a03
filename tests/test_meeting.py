"""`perp-graph meeting` (issue 17 clause 4): the MATAC/MARAC agenda in priority order with
each person's open actions, what changed since the last meeting, a subject profile per
person, masked as the packs are, and audited before any file appears. On both stores
where the register matters."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from perp_graph import api
from perp_graph.audit import AuditLog
from perp_graph.cli import app
from perp_graph.errors import AuditError, ConfigError
from perp_graph.jobs.meeting import subject_name
from perp_graph.session import open_store
from perp_graph.settings import Settings
from tests.pages import parse, visible_text
from tests.records import Records
from tests.test_actions_in_packs import elements

D = dt.date.fromisoformat
SENTINEL = "Zqxsentinel"


def world(later: bool = False) -> Records:
    """S1 (Northside): two partners in 2024, in custody until 15 Jun 2024. S2 (Southside):
    three partners, the latest in May 2024, with strangulation. S3 (Northside): serial in
    2015 only (historic, never on the agenda). S4 (Southside): one partner, and with
    `later` a second on 20 Jun 2024 (newly qualified). Every victim carries the sentinel
    name."""
    r = Records()
    for v in ("V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9"):
        r.person(v, surname=SENTINEL, forenames="Wilhelmina")
    r.person("S1", surname="One", forenames="Sam", home_neighbourhood="Northside")
    r.person("S2", surname="Two", forenames="Sid", home_neighbourhood="Southside")
    r.person("S3", surname="Three", forenames="Stan", home_neighbourhood="Northside")
    r.person("S4", surname="Four", forenames="Saul", home_neighbourhood="Southside")
    r.abuse("I1", "2024-01-10", "S1", "V1", neighbourhood="Northside")
    r.abuse("I2", "2024-03-01", "S1", "V2", neighbourhood="Northside")
    r.order("S1", "custody", "2024-04-01", "2024-06-15")
    r.abuse("I3", "2023-11-01", "S2", "V3", neighbourhood="Southside")
    r.abuse("I4", "2024-02-01", "S2", "V4", neighbourhood="Southside")
    r.abuse("I5", "2024-05-20", "S2", "V5", "strangulation", neighbourhood="Southside")
    r.abuse("I6", "2024-05-28", "S2", "V5", neighbourhood="Southside")
    r.abuse("I7", "2015-01-01", "S3", "V6", neighbourhood="Northside")
    r.abuse("I8", "2015-06-01", "S3", "V7", neighbourhood="Northside")
    r.abuse("I9", "2024-04-01", "S4", "V8", neighbourhood="Southside")
    if later:
        r.abuse("I10", "2024-06-20", "S4", "V9", neighbourhood="Southside")
    return r


def load(settings: Settings, records: Records, folder: Path) -> None:
    api.load(records.write(folder), replace(settings, resolve=False))


def agenda(folder: Path) -> list[tuple[str, float]]:
    page = parse((folder / "agenda.html").read_text())
    return [(t["data-agenda"], float(t["data-score"])) for t in page.tags_with("data-agenda")]


def test_the_meeting_pack_agenda_changes_and_subject_profiles(
    store_settings: Settings, tmp_path: Path
):
    settings = replace(store_settings, user="j.smith")
    load(settings, world(), tmp_path / "d1")
    api.sync_actions(settings, as_of=D("2024-06-01"))
    first = api.meeting(settings, tmp_path / "m1", as_of=D("2024-06-01"), pdf=False)

    # the agenda: current perpetrators of the force, highest priority first
    order = agenda(first.folder)
    assert [p for p, _ in order] == first.people
    assert set(first.people) == {"S1", "S2"}  # S3 is historic, S4 not yet serial
    assert [s for _, s in order] == sorted((s for _, s in order), reverse=True)
    text = visible_text((first.folder / "agenda.html").read_text())
    assert "No earlier meeting to compare with" in text
    # each with their open actions from the register, with id, owner and due date
    store = open_store(settings)
    try:
        items = {(i.person_id, i.kind): i for i in store.register().items()}
    finally:
        store.close()
    clare = items[("S1", "clares_law_disclosure")]
    lines = {a["data-action"]: t for a, t in elements(first.agenda.read_text(), "data-action")}
    assert clare.id in lines and "no owner yet; due 06 Jul 2024 (in 35 days)" in lines[clare.id]
    # a subject profile per person: the packs' dossier, on a page of its own, masked
    assert sorted(first.subjects) == ["S1", "S2"]
    for person, page in first.subjects.items():
        html = page.read_text()
        (article,) = parse(html).articles
        assert article["data-person-id"] == person
        assert "Why they qualify" in article["text"] and "What to do" in article["text"]
        assert "on the agenda" in visible_text(html)
    for path in first.files:
        assert SENTINEL.casefold() not in path.read_text().casefold(), path
    assert "W.Z. (ref V1)" in visible_text(first.subjects["S1"].read_text())
    assert sorted(str(p.relative_to(first.folder)) for p in first.files) == [
        "agenda.html",
        "subjects/S1.html",
        "subjects/S2.html",
    ]

    # Four weeks on: S4 offends again (newly qualified), S1 was released; an action done.
    api.close_action(settings, clare.id, "done", "disclosure made to V2")
    load(settings, world(later=True), tmp_path / "d2")
    api.sync_actions(settings, as_of=D("2024-06-29"))
    second = api.meeting(settings, tmp_path / "m2", as_of=D("2024-06-29"), pdf=False)
    assert second.since == D("2024-06-01")
    html = second.agenda.read_text()
    text = visible_text(html)
    assert "Since the last meeting (the meeting of 01 Jun 2024)" in text
    changes = {a["data-changes"]: t for a, t in elements(html, "data-changes")}
    assert changes["new-on-agenda"] == "FOUR, Saul (S4)"
    assert changes["newly-qualified"] == "FOUR, Saul (S4)"
    raised = {a["data-raised"] for a, _ in elements(html, "data-raised")}
    assert raised and all(i.startswith("A-") for i in raised)
    assert not raised & {i.id for i in items.values()}  # the last meeting saw those
    closed = {a["data-closed"]: (a, t) for a, t in elements(html, "data-closed")}
    assert (
        f"Clare's Law disclosure made {dt.datetime.now(dt.UTC):%d %b %Y} by j.smith"
        in (closed[clare.id][1])
    )
    recontact = items[("S1", "recontact_victims_before_release")]
    assert closed[recontact.id][0]["data-status"] == "superseded"
    assert "released on 15 Jun 2024" in closed[recontact.id][1]
    assert "disclosure made to V2" not in text  # a user's note: only on unmasked pages
    assert "S4" in second.people

    # --since compares with a scan as of that day instead
    third = api.meeting(
        settings,
        tmp_path / "m3",
        as_of=D("2024-06-29"),
        since=D("2024-06-10"),
        neighbourhoods=["southside"],
        pdf=False,
    )
    assert third.since == D("2024-06-10")
    assert third.people == ["S2", "S4"] or third.people == ["S4", "S2"]
    text = visible_text(third.agenda.read_text())
    assert "Since the last meeting (as of 2024-06-10)" in text
    assert "ONE, Sam" not in text  # Northside's S1 is not in Southside's meeting


def test_unmasked_subject_profiles_show_names_and_the_purpose(
    store_settings: Settings, tmp_path: Path
):
    load(store_settings, world(), tmp_path / "d1")
    out = api.meeting(
        store_settings,
        tmp_path / "m",
        as_of=D("2024-06-01"),
        unmask=True,
        purpose="MATAC meeting 3 June",
        pdf=False,
    )
    text = visible_text(out.subjects["S1"].read_text())
    assert f"Wilhelmina {SENTINEL.upper()} (V1)" in text
    assert "Purpose recorded: MATAC meeting 3 June" in text
    with pytest.raises(ConfigError, match="--purpose"):
        api.meeting(store_settings, tmp_path / "x", unmask=True, purpose=" ", pdf=False)


def test_the_audit_record_is_written_before_any_file_appears(
    tmp_path: Path, embedded_store_only, monkeypatch: pytest.MonkeyPatch
):
    settings = Settings(workspace=tmp_path / "ws")
    load(settings, world(), tmp_path / "d1")
    append = AuditLog.append
    seen: list[tuple[str, list[Path]]] = []

    def spy(self, **record):
        folder = tmp_path / "m"  # its staging sub-folder aside
        published = [*folder.glob("agenda.*"), *folder.glob("subjects/*")]
        seen.append((record["command"], published))
        return append(self, **record)

    monkeypatch.setattr(AuditLog, "append", spy)
    out = api.meeting(settings, tmp_path / "m", as_of=D("2024-06-01"), pdf=False)
    assert seen == [("meeting", [])]
    record = json.loads((tmp_path / "ws" / "audit" / "audit.jsonl").read_text().splitlines()[-1])
    assert record["operation"] == "disclosure" and record["command"] == "meeting"
    assert {str(p) for p in out.files} == {f["path"] for f in record["files"]}

    def fail(self, **_record):
        raise AuditError("cannot write the audit log (disk full)")

    monkeypatch.setattr(AuditLog, "append", fail)
    with pytest.raises(AuditError):
        api.meeting(settings, tmp_path / "n", as_of=D("2024-06-29"), pdf=False)
    assert [p for p in (tmp_path / "n").rglob("*") if p.is_file()] == []
    # nor is this meeting kept as the last one
    saved = json.loads((tmp_path / "ws" / "reports" / "meetings" / "force.json").read_text())
    assert saved["as_of"] == "2024-06-01" and saved["agenda"] == out.people


def test_the_meeting_command(tmp_path: Path, embedded_store_only):
    data = world().write(tmp_path / "data")
    ws = ["--workspace", str(tmp_path / "ws")]
    runner = CliRunner()
    assert runner.invoke(app, ["load", str(data), *ws, "-q"]).exit_code == 0
    args = ["meeting", "--out", str(tmp_path / "m"), "--as-of", "2024-06-01", "--no-pdf"]
    result = runner.invoke(app, [*args, "--top", "1", *ws, "-q"])
    assert result.exit_code == 0, result.output
    assert "Wrote the meeting pack (1 perpetrator)" in result.output
    assert len(agenda(tmp_path / "m")) == 1
    result = runner.invoke(app, [*args, "-n", "Nowhere", *ws, "-q"])
    assert result.exit_code == 2


def test_subject_file_names_keep_the_id_or_are_made_safe():
    assert subject_name("P0001234") == "P0001234.html"
    odd = subject_name("../etc/passwd")
    assert "/" not in odd and odd.endswith(".html") and odd != subject_name("..-etc-passwd")
