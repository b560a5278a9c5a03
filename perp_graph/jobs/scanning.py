"""Scan jobs: the ACPO scan with its priority scores and alerts, and the release watch.
Each runs in one reading `Session` (shared lock)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path

from perp_graph.analytics.assess import Assessment, assess, scored
from perp_graph.analytics.changes import compare, snapshot_from_file
from perp_graph.analytics.dossier_order import briefing_sequence
from perp_graph.analytics.dossier_parts import ENDING_SOON_DAYS
from perp_graph.analytics.offending import could_qualify, offending
from perp_graph.analytics.watch import WatchEntry, release_watch
from perp_graph.errors import ConfigError
from perp_graph.identity.annotate import annotate
from perp_graph.identity.pairs import load_pairs
from perp_graph.model import ScanParameters, ScanResult
from perp_graph.progress import Progress
from perp_graph.render.files import to_json
from perp_graph.session import Session
from perp_graph.settings import Settings


def scan_parameters(settings: Settings, as_of: dt.date | None) -> ScanParameters:
    """The ACPO rule's parameters (data contract 2) from the settings, as of `as_of`
    (default today).

    Raises:
        ConfigError: a parameter out of range (window_years < 1, min_victims < 2).
    """
    try:
        return ScanParameters(
            as_of=as_of or dt.date.today(),
            window_years=settings.window_years,
            min_victims=settings.min_victims,
            violent_categories=settings.violent_categories,
            connection_types=settings.connection_types,
        )
    except ValueError as exc:
        raise ConfigError(
            f"{exc}: check --window-years / --min-victims or [scan] in the config"
        ) from None


def check_unmask(unmask: bool, purpose: str | None) -> str | None:
    """The purpose, stripped (None when blank).

    Raises:
        ConfigError: `unmask` without a purpose (full names need a stated reason).
    """
    purpose = (purpose or "").strip() or None
    if unmask and not purpose:
        raise ConfigError(
            "--unmask shows victims' full names; say why with --purpose TEXT "
            '(for example --purpose "MARAC case preparation, ref 1234")'
        )
    return purpose


def people_in(assessment: Assessment) -> set[str]:
    """Every person id a scan's output names (findings, victims, records behind them,
    early warnings, escalations, counter-allegations, and the ranking when ranked)."""
    ids: set[str] = set()
    for f in assessment.perpetrators:
        ids |= {f.person_id, *f.victim_ids, *f.record_ids}
        ids |= {r for _v, records in f.victim_record_ids for r in records}
    for w in assessment.early_warnings:
        ids |= {w.person_id, *w.victim_ids, *w.new_partner_ids}
    ids |= set(assessment.escalations)
    for c in assessment.counter_allegations:
        ids |= set(c.person_ids)
    if assessment.rank:
        ids |= set(assessment.priorities)
    return ids


def scan_identities(
    session: Session,
    parameters: ScanParameters,
    progress: Progress | None = None,
    suspects: Collection[str] | None = None,
) -> ScanResult:
    """The store's ACPO scan (contract, section 2) on identities, with the records behind
    each finding and the possible pairs a finding depends on (identity.annotate).
    `progress` defaults to the session's; `suspects` as GraphStore.acpo_scan's."""
    result = session.store.acpo_scan(parameters, progress or session.progress, suspects)
    pairs = load_pairs(session.settings.workspace)
    if pairs is None:  # identities were never resolved for this workspace
        return result
    possible = pairs[pairs["outcome"] == "possible"]
    return annotate(result, session.identity_of, possible)


def assess_identities(
    session: Session, parameters: ScanParameters, *, rank: bool = False
) -> Assessment:
    """`scan_identities` with its priority scores and alerts (analytics.assess).

    On a store that reads on a server (`reads_side_by_side`: Neo4j) the server first
    selects what the scores read (three views side by side, on both cores), then runs
    the scan while this process works out the scores that do not need its answer
    (`scored`), so the server's single-threaded scan and the scoring share the cores.
    The scan is given the suspects who could qualify, worked out from those records
    (offending.could_qualify): it applies the rule to them alone. At 300k incidents a
    scan took 12.1 s with the scan and the views side by side and the scoring after
    them, 10.8 s in this order (benchmarks/bench_neo4j_scale.py, the scan again,
    synthetic data, seed 42); docs/performance.md has the figures since. The embedded
    store works in this process: it scans, then scores.
    """
    settings = session.settings.priority
    if not session.store.reads_side_by_side:
        result = scan_identities(session, parameters)
        with session.progress.stage("scoring and alerts", total=1) as advance:
            records = session.offending_records(parameters)
            assessment = assess(result, records, settings, rank=rank)
            advance(1)
        return assessment
    # This reads the store and the identities before the scan's thread does.
    with session.progress.stage("reading suspects' records", total=1) as advance:
        records = session.offending_records(parameters)
        advance(1)
    # The scan reports no stage of its own from its thread: one live bar at a time.
    with session.progress.stage("ACPO scan and scores", total=2) as advance:
        table = offending(records, parameters.as_of, parameters.violent_categories)
        suspects = could_qualify(table, parameters.min_victims)
        with session.alongside(scan_identities, session, parameters, Progress(), suspects) as scan:
            ready = scored(records, parameters, settings, table)
            advance(1)
        result = scan.result()
        assessment = assess(result, records, settings, rank=rank, ready=ready)
        advance(1)
    return assessment


def in_briefing_order(
    session: Session, assessment: Assessment, parameters: ScanParameters
) -> Assessment:
    """The assessment with its serial perpetrators in the packs' order (`order`), so the
    terminal table and the CSV rank them as the briefings do (analytics.dossier's one
    ordering, `briefing_sequence`). It reads only what the order depends on: the scores
    and the orders binding the perpetrators, both already read for the scores
    (`Session.offending_records`), never the records about them or the force's."""
    if not assessment.perpetrators:
        return assessment
    orders = session.offending_records(parameters).orders
    order = briefing_sequence(
        assessment.perpetrators, assessment.priorities, orders, parameters.as_of
    )
    return replace(assessment, order=order)


def scan(
    settings: Settings,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    *,
    rank: bool = False,
    since: dt.date | None = None,
    against: Path | None = None,
) -> Assessment:
    """Run the ACPO scan over the configured store, score and alert, and keep a copy in
    reports/last-scan.json (audited as a consultation).

    Args:
        as_of: the scan's day (default today).
        rank: rank every perpetrator, serial or not, by priority.
        since: also say what changed since this day (scanned again as of it).
        against: also say what changed since a scan saved before (its JSON).

    Raises:
        ConfigError: both `since` and `against`, `since` not before `as_of`, a bad saved
            scan, or a parameter out of range.
        NoWorkspace, StoreError, AuditError, WorkspaceBusy.
    """
    if since is not None and against is not None:
        raise ConfigError("give --since DATE or --against FILE, not both")
    parameters = scan_parameters(settings, as_of)
    if since is not None and since >= parameters.as_of:
        raise ConfigError(
            f"--since {since.isoformat()} must be before the scan's date "
            f"{parameters.as_of.isoformat()}"
        )
    # Read the saved scan before this scan replaces reports/last-scan.json.
    before = snapshot_from_file(against) if against is not None else None
    with Session(settings, "scan", progress=progress) as session:
        assessment = assess_identities(session, parameters, rank=rank)
        assessment = in_briefing_order(session, assessment, parameters)
        if since is not None:
            earlier = assess_identities(session, replace(parameters, as_of=since))
            before = earlier.snapshot(since.isoformat())
        session.close_store()
        if before is not None:
            now = assessment.snapshot(parameters.as_of.isoformat())
            assessment = replace(assessment, changes=compare(before, now))
        session.publish(
            "consultation",
            {
                "as_of": parameters.as_of,
                **parameters.as_json(),
                "rank": rank,
                "since": since,
                "against": str(against) if against else None,
            },
            {session.workspace.last_scan: to_json(assessment)},
            overwrite=True,
            person_ids=people_in(assessment),
            counts={"serial": len(assessment.perpetrators)},
        )
    return assessment


def watch(
    settings: Settings,
    days: int = ENDING_SOON_DAYS,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
) -> tuple[Assessment, list[WatchEntry]]:
    """Release watch: serial and high-priority perpetrators whose custody, bail or order
    ends within `days` of `as_of`, with the victims to re-contact (HMIC 2014). Audited
    as a consultation.

    Raises:
        ConfigError: `days` below 0.
        NoWorkspace, StoreError, AuditError, WorkspaceBusy.
    """
    if days < 0:
        raise ConfigError("--days must be 0 or more")
    parameters = scan_parameters(settings, as_of)
    with Session(settings, "watch", progress=progress) as session:
        assessment = assess_identities(session, parameters)
        records = session.offending_records(parameters)
        session.close_store()
        entries = release_watch(
            records.orders,
            assessment.offending,
            {f.person_id: f.status for f in assessment.perpetrators},
            assessment.priorities,
            {f.person_id: f.victim_ids for f in assessment.perpetrators},
            days,
            parameters.window_years,
        )
        session.audit(
            "consultation",
            {"as_of": parameters.as_of, "days": days},
            person_ids={e.person_id for e in entries}
            | {v for e in entries for v in e.victims_to_recontact},
            counts={"listed": len(entries)},
        )
    return assessment, entries
