"""Scores and alerts on every store: the generator's planted cases are found, the answers
match an independent reading of the CSV files, and both stores give the same JSON."""

from __future__ import annotations

import csv
import datetime as dt
import json
import threading
from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from perp_graph import api
from perp_graph.analytics.acpo import window_start
from perp_graph.analytics.assess import assess
from perp_graph.analytics.dossier import build_dossiers
from perp_graph.analytics.offending import could_qualify, offending
from perp_graph.cli import app
from perp_graph.errors import StoreError
from perp_graph.jobs.scanning import assess_identities, in_briefing_order, scan_parameters
from perp_graph.pipeline.load import load_folder
from perp_graph.render.files import to_json
from perp_graph.session import Session
from perp_graph.synth import SynthConfig, generate

END = dt.date(2025, 3, 31)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, SynthConfig(seed=11, incidents=6_000, years=5, end_date=END))
    return out


@pytest.fixture
def loaded(generated, store, store_settings, load_once):
    load_once(generated, store, store_settings)
    return store_settings


def rows(folder: Path, name: str) -> list[dict]:
    with (folder / f"{name}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def independent_early_warnings(folder: Path, current: set[str]) -> dict[str, set[str]]:
    """The early-warning rule read straight off the CSV files, one loop at a time (the
    generated data has no connected victims among one person's partners)."""
    day = {
        r["incident_id"]: dt.date.fromisoformat(r["occurred_on"][:10])
        for r in rows(folder, "incidents")
    }
    category = {r["incident_id"]: r["offence_category"] for r in rows(folder, "incidents")}
    involvements = rows(folder, "involvements")
    suspects = defaultdict(set)
    for r in involvements:
        if r["role"] == "suspect":
            suspects[r["incident_id"]].add(r["person_id"])
    partners = set()
    for r in rows(folder, "relationships"):
        if r["relationship_type"] in ("intimate_partner", "ex_intimate_partner"):
            partners |= {(r["person_id_a"], r["person_id_b"]), (r["person_id_b"], r["person_id_a"])}
    victims = [r for r in involvements if r["role"] == "victim" and day[r["incident_id"]] <= END]
    for r in victims:
        if r["relationship_to_suspect"] in ("intimate_partner", "ex_intimate_partner"):
            partners |= {(p, r["person_id"]) for p in suspects[r["incident_id"]]}
    start = window_start(END, 3)
    violent = {
        "homicide", "violence_with_injury", "violence_without_injury", "strangulation",
        "sexual_offence", "threats_to_kill", "threats", "harassment_fear_of_violence",
        "stalking_fear_of_violence",
    }  # fmt: skip
    first = {}
    hurt = defaultdict(set)
    for r in victims:
        i, v = r["incident_id"], r["person_id"]
        if start <= day[i] and category[i] in violent:
            for p in suspects[i]:
                if p != v and (p, v) in partners and p not in current:
                    hurt[p].add(v)
                    first[p] = min(first.get(p, day[i]), day[i])
    found = defaultdict(set)
    for r in rows(folder, "relationships"):
        for p, n in ((r["person_id_a"], r["person_id_b"]), (r["person_id_b"], r["person_id_a"])):
            if (
                r["relationship_type"] != "intimate_partner"
                or p not in first
                or not r["start_date"]
            ):
                continue
            began = dt.date.fromisoformat(r["start_date"])
            ended = dt.date.fromisoformat(r["end_date"]) if r["end_date"] else None
            if first[p] <= began <= END and (ended is None or ended >= END) and n not in hurt[p]:
                found[p].add(n)
    for r in victims:
        i, n = r["incident_id"], r["person_id"]
        if r["relationship_to_suspect"] in ("intimate_partner", "ex_intimate_partner"):
            for p in suspects[i]:
                if p in first and first[p] <= day[i] and n not in hurt[p] and n != p:
                    found[p].add(n)
    return {p: partners_ for p, partners_ in found.items() if partners_}


def test_every_planted_early_warning_is_found_and_the_rule_matches_the_csv(generated, loaded):
    result = api.scan(loaded, END)
    truth = json.loads((generated / "truth.json").read_text())["alerts"]["early_warning"]
    assert truth
    found = {w.person_id: set(w.new_partner_ids) for w in result.early_warnings}
    for planted in truth:
        assert set(planted["new_partner_ids"]) <= found.get(planted["person_id"], set())
    current = {f.person_id for f in result.perpetrators if f.status == "current"}
    assert found == independent_early_warnings(generated, current)


def test_every_planted_escalation_is_flagged(generated, loaded):
    result = api.scan(loaded, END)
    truth = json.loads((generated / "truth.json").read_text())["alerts"]["escalation"]
    assert truth
    for person in truth:
        e = result.escalations[person]
        assert e.more_frequent and e.more_serious


def test_counter_allegations_are_exactly_the_planted_pairs(generated, loaded):
    result = api.scan(loaded, END)
    truth = json.loads((generated / "truth.json").read_text())["alerts"]["counter_allegations"]
    assert truth
    assert sorted(list(c.person_ids) for c in result.counter_allegations) == truth


def test_release_watch_lists_every_planted_serial_whose_custody_or_order_ends(generated, loaded):
    _assessment, entries = api.watch(loaded, 28, END)
    truth = json.loads((generated / "truth.json").read_text())["alerts"]["release_watch_28_days"]
    assert truth
    listed = {e.person_id: e for e in entries}
    for person in truth:
        assert 0 <= listed[person].days_left <= 28
        assert listed[person].victims_to_recontact


# --- the CLI ------------------------------------------------------------------------------------


def test_cli_scan_rank_shows_the_parts_and_alerts(loaded):
    runner = CliRunner()
    args = ["scan", "--workspace", str(loaded.workspace), "--as-of", END.isoformat(), "-q"]
    if loaded.neo4j_uri:
        args += ["--neo4j-uri", loaded.neo4j_uri]
    table = runner.invoke(app, [*args, "--rank", "--limit", "5"])
    assert table.exit_code == 0, table.output
    assert "Priority ranking as of 31 Mar 2025" in table.output
    assert "Early warning:" in table.output and "Clare's Law" in table.output
    as_json = runner.invoke(app, [*args, "--rank", "--format", "json"])
    body = json.loads(as_json.output)
    top = body["ranking"][0]
    assert set(top["priority"]) >= {"score", "recency", "frequency", "gravity", "victims"}
    assert body["priority_settings"]["harm_days"]["homicide"] == 5475
    as_csv = runner.invoke(app, [*args, "--rank", "--format", "csv"])
    assert as_csv.output.splitlines()[0].startswith("rank,person_id,surname")
    since = runner.invoke(app, [*args, "--since", "2024-12-31"])
    assert "What changed since 31 Dec 2024" in since.output


def test_cli_scan_against_the_last_saved_scan(loaded, tmp_path):
    runner = CliRunner()
    args = ["scan", "--workspace", str(loaded.workspace), "-q"]
    if loaded.neo4j_uri:
        args += ["--neo4j-uri", loaded.neo4j_uri]
    saved = tmp_path / "earlier.json"
    first = runner.invoke(
        app,
        [
            *args,
            "--as-of",
            "2024-12-31",
            "--rank",
            "--format",
            "json",
            "-o",
            str(saved),
            "--purpose",
            "weekly comparison",
        ],
    )
    assert first.exit_code == 0, first.output
    later = runner.invoke(
        app, [*args, "--as-of", END.isoformat(), "--against", str(saved), "--format", "json"]
    )
    changes = json.loads(later.output)["changes"]
    assert changes["since"] == "earlier.json (as of 2024-12-31)"
    expected = api.scan(loaded, END, since=dt.date(2024, 12, 31)).changes
    assert changes["newly_qualified"] == list(expected.newly_qualified)
    assert changes["dropped_to_historic"] == list(expected.dropped_to_historic)


def test_cli_watch_table_json_and_csv(loaded):
    runner = CliRunner()
    args = [
        "watch",
        "--days",
        "28",
        "--workspace",
        str(loaded.workspace),
        "--as-of",
        END.isoformat(),
        "-q",
    ]
    if loaded.neo4j_uri:
        args += ["--neo4j-uri", loaded.neo4j_uri]
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    assert "Release watch as of 31 Mar 2025" in table.output
    body = json.loads(runner.invoke(app, [*args, "--format", "json"]).output)
    assert body["days"] == 28 and body["watch"]
    assert runner.invoke(app, [*args, "--format", "csv"]).output.startswith("person_id,surname")


# Last: it empties the shared Neo4j graph that load_once keeps for the tests above.
@pytest.mark.neo4j
def test_both_stores_give_the_same_ranked_json(generated, tmp_path, request):
    """The whole scan JSON with --rank and --since: findings, scores, alerts, changes."""
    from perp_graph.settings import Settings
    from tests.conftest import NEO4J_URI, make_store, neo4j_uri

    neo4j_uri()
    outputs = []
    for kind in ("embedded", "neo4j"):
        workspace = tmp_path / kind
        store = make_store(kind, workspace, request)
        settings = Settings(
            workspace=workspace,
            neo4j_uri=NEO4J_URI if kind == "neo4j" else None,
            neo4j_insecure=True,
        )
        load_folder(generated, store, settings)
        result = api.scan(settings, END, rank=True, since=dt.date(2024, 9, 30))
        outputs.append(to_json(result))
    assert outputs[0] == outputs[1]
    body = json.loads(outputs[0])
    assert body["ranking"] and body["changes"]["newly_qualified"] is not None


# --- issue 18: on a server's store, the scan runs on the server while the scores are worked
# out here


def test_scoring_while_the_server_scans_gives_the_assessment_of_one_step_after_the_other(
    loaded, store, monkeypatch
):
    parameters = scan_parameters(loaded, END)
    threads: set[str] = set()
    scan = type(store).acpo_scan

    def noting(self, *args, **kwargs):
        threads.add(threading.current_thread().name)
        return scan(self, *args, **kwargs)

    monkeypatch.setattr(type(store), "acpo_scan", noting)
    with Session(loaded, "scan") as session:
        together = assess_identities(session, parameters, rank=True)
        records = session.offending_records(parameters)
        result = session.store.acpo_scan(parameters)
        apart = assess(result, records, session.settings.priority, rank=True)
    assert together.perpetrators and together.early_warnings and together.priorities
    assert json.dumps(together.as_json(), sort_keys=True) == json.dumps(
        apart.as_json(), sort_keys=True
    )
    assert together.names == apart.names
    # only a server's store scans in a second thread
    assert any(t.startswith("alongside") for t in threads) == (store.name == "neo4j")


def test_a_failed_scan_alongside_the_scoring_is_raised(loaded, store, monkeypatch):
    def fails(self, parameters, progress=None, suspects=None):
        raise StoreError("Neo4j failed running analytics/acpo_scan: Neo.Test")

    monkeypatch.setattr(type(store), "acpo_scan", fails)
    parameters = scan_parameters(loaded, END)
    with Session(loaded, "scan") as session, pytest.raises(StoreError, match="acpo_scan"):
        assess_identities(session, parameters)


def test_a_scan_on_a_server_is_given_the_suspects_who_could_qualify(loaded, store, monkeypatch):
    """On Neo4j (`reads_side_by_side`) the scan is given offending.could_qualify's suspects,
    worked out from the records the scores read; the embedded store scans everyone."""
    given = []
    scan = type(store).acpo_scan

    def spy(self, parameters, progress=None, suspects=None):
        given.append(suspects)
        return scan(self, parameters, progress, suspects)

    monkeypatch.setattr(type(store), "acpo_scan", spy)
    parameters = scan_parameters(loaded, END)
    with Session(loaded, "scan") as session:
        assessment = assess_identities(session, parameters)
        records = session.offending_records(parameters)
    (suspects,) = given
    if store.reads_side_by_side:
        table = offending(records, parameters.as_of, parameters.violent_categories)
        assert suspects == could_qualify(table, parameters.min_victims)
        assert {f.person_id for f in assessment.result.perpetrators} <= set(suspects)
    else:
        assert suspects is None


def test_when_the_block_fails_its_error_is_raised_at_once_not_the_call_alongside(loaded):
    """A failed step (or Ctrl-C) is raised at once: the call alongside is abandoned, not
    awaited, and its own failure dropped; its thread never keeps the process alive."""
    release = threading.Event()

    def waits():
        release.wait(60)
        raise StoreError("dropped")

    running = set(threading.enumerate())
    try:
        with (
            Session(loaded, "scan") as session,
            pytest.raises(KeyboardInterrupt),
            session.alongside(waits) as pending,
        ):
            (thread,) = [t for t in set(threading.enumerate()) - running if t.name == "alongside"]
            raise KeyboardInterrupt
        assert not pending.done()  # raised while the call alongside still waited
        assert thread.daemon
    finally:
        release.set()


def test_an_ended_session_never_opens_its_store_again(loaded):
    """What a call abandoned in a second thread may still ask of the session."""
    with Session(loaded, "scan") as session:
        assert session.store is not None
    with pytest.raises(StoreError, match="scan session has ended"):
        session.store  # noqa: B018


def test_a_call_alongside_is_awaited_and_its_failure_raised_when_the_block_is_done(loaded):
    done = threading.Event()

    def fails():
        done.wait(5)
        raise StoreError("Neo4j failed running analytics/acpo_scan: Neo.Test")

    with Session(loaded, "scan") as session:
        with pytest.raises(StoreError, match="acpo_scan"), session.alongside(fails):
            done.set()
        with session.alongside(lambda: 42) as pending:
            pass
        assert pending.result() == 42


def test_scan_orders_its_perpetrators_as_from_the_force_records(loaded):
    """The table and CSV order comes from the records about the perpetrators (as the
    packs read them); it is the order the force's records gave before issue 18."""
    parameters = scan_parameters(loaded, END)
    with Session(loaded, "scan") as session:
        assessment = assess_identities(session, parameters)
        ordered = in_briefing_order(session, assessment, parameters)
        people = [f.person_id for f in assessment.perpetrators]
        from_force = build_dossiers(
            assessment.perpetrators, session.records.about(people), parameters, assessment
        )
    assert len(ordered.order) == len(people) > 10
    assert ordered.order == tuple(d.person_id for d in from_force)
