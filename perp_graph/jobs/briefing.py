"""Briefing jobs: the sergeants' packs with their network pages, and a network page of
one person or one neighbourhood. Each runs in one reading `Session` (shared lock)."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from perp_graph.analytics.acpo import scan as acpo_scan
from perp_graph.analytics.assess import Assessment
from perp_graph.analytics.changes import Snapshot, compare, snapshot_from_file
from perp_graph.analytics.dossier import Dossier, build_dossiers
from perp_graph.analytics.network import NetworkGraph, build_network
from perp_graph.analytics.priority import Priority
from perp_graph.analytics.routing import route, route_warnings, warning_views
from perp_graph.audit import file_digest
from perp_graph.dataset import Dataset
from perp_graph.errors import ConfigError
from perp_graph.identity.resolve import records_of
from perp_graph.jobs.scanning import (
    assess_identities,
    check_unmask,
    scan_parameters,
)
from perp_graph.model import ScanParameters, ScanResult
from perp_graph.output import check_free, publish, write_text
from perp_graph.progress import Progress
from perp_graph.render.briefing import BriefingContext, Pack, render_index, render_pack, slugs
from perp_graph.render.network import render_network
from perp_graph.render.pdf import print_pdfs
from perp_graph.session import Session
from perp_graph.settings import Settings
from perp_graph.store.protocol import GraphStore
from perp_graph.wording import day

#: People and incidents a person's network page may hold before --depth stops growing.
MAX_NETWORK_PEOPLE = 5_000


#: The sub-folder of a briefings folder holding the network pages.
NETWORKS = "networks"


#: Browsers printing at once: the machines this runs on have two cores.
PDF_WORKERS = 2

#: A score this many points above the last pack's earns the SCORE UP badge (the recency
#: part alone moves a few points a week, down; a rise this size means new offending).
SCORE_UP_POINTS = 5.0


@dataclass
class BriefingOutputs:
    """What `brief` wrote: the folder, its index page, the packs, every file, and the
    scan behind them."""

    folder: Path
    index: Path
    packs: list[Pack]
    files: list[Path]
    result: ScanResult


def brief(
    settings: Settings,
    out_dir: Path,
    *,
    neighbourhoods: Sequence[str] = (),
    as_of: dt.date | None = None,
    unmask: bool = False,
    purpose: str | None = None,
    overwrite: bool = False,
    pdf: bool = True,
    progress: Progress | None = None,
) -> BriefingOutputs:
    """Scan, then write a briefing pack per neighbourhood (HTML, and PDF when `pdf`), a
    network page per pack (networks/) and an index page, all into `out_dir`; audited as a
    disclosure before any file is moved into place.

    Args:
        neighbourhoods: only these (matched ignoring case); default all.
        unmask: victims' full names (needs `purpose`).
        overwrite: replace packs already there.

    Raises:
        ConfigError: an unknown neighbourhood (with the closest names), or --unmask
            without a purpose.
        OutputError: a file exists and `overwrite` is False.
        NoWorkspace, StoreError, AuditError, WorkspaceBusy.
    """
    purpose = check_unmask(unmask, purpose or settings.purpose)
    parameters = scan_parameters(settings, as_of)
    with Session(settings, "brief", progress=progress) as session:
        progress = session.progress
        assessment = assess_identities(session, parameters)
        result = assessment.result
        known = session.store.neighbourhoods()
        latest = session.records.incidents["occurred_on"].max()
        extract = Extract(
            extracted_on=extracted_on(session.workspace.last_load_report),
            latest_record_on=None if pd.isna(latest) else pd.Timestamp(latest).date(),
        )
        with progress.stage("reading the perpetrators' records", total=1) as advance:
            people = [f.person_id for f in result.perpetrators]
            people += [w.person_id for w in assessment.early_warnings]
            records = records_about_identities(session.store, people, session.identity_of)
            advance(1)
        store_name = session.store.name
        session.close_store()
        return _write_packs(
            session,
            out_dir,
            assessment,
            records,
            known,
            neighbourhoods=neighbourhoods,
            parameters=parameters,
            store_name=store_name,
            unmask=unmask,
            purpose=purpose,
            overwrite=overwrite,
            pdf=pdf,
            extract=extract,
        )


@dataclass(frozen=True)
class Extract:
    """Where the records come from, printed on every page: the day they were extracted
    (loaded) and the latest incident they hold."""

    extracted_on: dt.date | None = None
    latest_record_on: dt.date | None = None


def extracted_on(last_load_report: Path) -> dt.date | None:
    """The day of the last load (its report's finished_at), taken as the extraction date;
    None when there is no readable report."""
    try:
        report = json.loads(Path(last_load_report).read_text(encoding="utf-8"))
        return dt.datetime.fromisoformat(report["finished_at"]).date()
    except (OSError, ValueError, KeyError, TypeError):
        return None


def badges_since(
    last_brief: Path, assessment: Assessment, dossiers: Sequence[Dossier]
) -> tuple[dict[str, tuple[str, ...]], str | None]:
    """Badges against the last brief (NEW: current now and not then; RELEASED: in custody
    then and not now, or released in the last days; SCORE UP: SCORE_UP_POINTS or more
    above), and the label of the brief compared with (None when there was none)."""
    try:
        before: Snapshot | None = snapshot_from_file(last_brief)
        saved = json.loads(Path(last_brief).read_text(encoding="utf-8"))
        held_then = set(saved.get("in_custody", []))
    except ConfigError:
        before, held_then = None, set()
    badges: dict[str, list[str]] = {d.person_id: [] for d in dossiers}
    held_now = {d.person_id for d in dossiers if any(c.is_custody for c in d.constraints)}
    if before is not None:
        changes = compare(before, assessment.snapshot("now"), top=len(assessment.priorities))
        for person in changes.newly_qualified:
            badges.setdefault(person, []).append("NEW")
        for person in held_then - held_now:
            badges.setdefault(person, []).append("RELEASED")
        for rise in changes.score_rises:
            if rise.rise >= SCORE_UP_POINTS and rise.person_id in badges:
                badges[rise.person_id].append("SCORE UP")
    for d in dossiers:
        if d.released and "RELEASED" not in badges[d.person_id]:
            badges[d.person_id].append("RELEASED")
    label = None
    if before is not None:
        label = f"as of {day(dt.date.fromisoformat(saved['as_of']))}"
    return {p: tuple(b) for p, b in badges.items() if b}, label


def brief_snapshot(assessment: Assessment, dossiers: Sequence[Dossier]) -> str:
    """What the next brief compares with, as a scan JSON (contract section 3's statuses,
    each perpetrator's priority score) plus who is in custody: ids only, no names."""
    scores = {p: s.score for p, s in assessment.priorities.items()}
    return json.dumps(
        {
            "as_of": assessment.parameters.as_of.isoformat(),
            "perpetrators": [
                {
                    "person_id": f.person_id,
                    "status": f.status,
                    "priority": {"score": scores[f.person_id]} if f.person_id in scores else None,
                }
                for f in assessment.perpetrators
            ],
            "in_custody": sorted(
                d.person_id for d in dossiers if any(c.is_custody for c in d.constraints)
            ),
        },
        indent=1,
    )


def _write_packs(
    session: Session,
    out_dir: Path,
    assessment: Assessment,
    records: Dataset,
    known: Sequence[str],
    *,
    neighbourhoods: Sequence[str],
    parameters: ScanParameters,
    store_name: str,
    unmask: bool,
    purpose: str | None,
    overwrite: bool,
    pdf: bool,
    extract: Extract | None = None,
) -> BriefingOutputs:
    """Render the packs, their network pages and the index in a private folder, record
    the disclosure, then move every file into place (none over a file made meanwhile,
    unless `overwrite`); then keep the brief's snapshot for the next one's badges."""
    result = assessment.result
    progress = session.progress
    extract = extract or Extract()
    dossiers = build_dossiers(result.perpetrators, records, parameters, assessment)
    badges, compared_with = badges_since(session.workspace.last_brief, assessment, dossiers)
    routed = route(dossiers)
    warned = route_warnings(warning_views(assessment, records))
    names = sorted(set(known) | set(routed) | set(warned), key=str.casefold)
    chosen = choose_neighbourhoods(names, neighbourhoods)
    slug = slugs(names)
    packs = [
        Pack(
            name,
            slug[name],
            tuple(routed.get(name, ())),
            tuple(warned.get(name, ())),
            badges={
                d.person_id: badges[d.person_id]
                for d in routed.get(name, ())
                if d.person_id in badges
            },
        )
        for name in chosen
    ]
    out_dir = Path(out_dir)
    index = out_dir / "index.html"
    targets = [index] + [out_dir / p.html_name for p in packs]
    targets += [out_dir / NETWORKS / p.html_name for p in packs]
    if pdf:
        targets += [out_dir / p.pdf_name for p in packs]
    check_free(targets, overwrite=overwrite)

    context = BriefingContext(
        parameters=parameters,
        generated_at=dt.datetime.now(dt.UTC),
        store=store_name,
        unmask=unmask,
        purpose=purpose,
        extracted_on=extract.extracted_on,
        latest_record_on=extract.latest_record_on,
        contacts=session.settings.contacts,
        compared_with=compared_with,
        priority_settings=assessment.priority_settings,
    )
    with progress.stage("rendering briefing packs and network pages", total=len(packs)) as advance:
        pages, network_pages = [], []
        for pack in packs:
            people = [d.person_id for d in pack.dossiers]
            links = {p: f"{NETWORKS}/{pack.html_name}#{p}" for p in people}
            pages.append(render_pack(pack, context, network_href=links))
            graph = neighbourhood_network(people, result, records, parameters, unmask=unmask)
            network_pages.append(
                render_network(
                    graph,
                    title=f"{pack.neighbourhood}: serial perpetrators' networks",
                    store=store_name,
                    unmask=unmask,
                    purpose=purpose,
                    generated_at=context.generated_at,
                    back_href=f"../{pack.html_name}",
                )
            )
            advance(1)
    # Everything is made in a private folder first and moved into place at the end, so a
    # failure (no browser, a full disk) leaves no half-written set of packs.
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".perp-graph-brief-", dir=out_dir))
    try:
        staged = []
        for pack, page, network_page in zip(packs, pages, network_pages, strict=True):
            staged.append(write_text(staging / pack.html_name, page))
            staged.append(write_text(staging / NETWORKS / pack.html_name, network_page))
        staged.append(write_text(staging / index.name, render_index(packs, context, pdf)))
        if pdf:
            jobs = [(staging / p.html_name, staging / p.pdf_name) for p in packs]
            with progress.stage("printing PDFs", total=len(jobs)) as advance:
                print_pdfs(jobs, workers=PDF_WORKERS, on_done=lambda: advance(1))
            staged += [pdf_file for _html, pdf_file in jobs]
        # The audit record comes before anything is moved into place: no record, no output.
        session.audit(
            "disclosure",
            {
                "as_of": parameters.as_of,
                "neighbourhoods": chosen,
                "unmask": unmask,
                "pdf": pdf,
                "out": str(out_dir),
            },
            person_ids=set(records.people["person_id"]),
            files={out_dir / p.relative_to(staging): file_digest(p) for p in staged},
            purpose=purpose,
        )
        files = []
        (out_dir / NETWORKS).mkdir(exist_ok=True)
        for path in staged:
            target = out_dir / path.relative_to(staging)
            os.chmod(path, 0o600)
            publish(path, target, overwrite=overwrite)
            files.append(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    # The next brief's badges compare with this one (ids and scores only, no names).
    session.workspace.last_brief.parent.mkdir(parents=True, exist_ok=True)
    write_text(session.workspace.last_brief, brief_snapshot(assessment, dossiers), overwrite=True)
    return BriefingOutputs(out_dir, index, packs, files, result)


def choose_neighbourhoods(names: Sequence[str], wanted: Sequence[str]) -> list[str]:
    """The neighbourhoods asked for (matched ignoring case), or all of them.

    Raises:
        ConfigError: a name the store does not know, with the closest it does.
    """
    if not wanted:
        return list(names)
    by_key = {name.casefold(): name for name in names}
    chosen = []
    for name in wanted:
        key = name.strip().casefold()
        if key not in by_key:
            close = difflib.get_close_matches(key, list(by_key), n=3, cutoff=0.6)
            hint = (
                "did you mean " + ", ".join(repr(by_key[c]) for c in close) + "?"
                if close
                else f"the store knows {len(names)} neighbourhoods; run perp-graph brief "
                "without --neighbourhood to see them all in the index page"
            )
            raise ConfigError(f"no neighbourhood called {name!r} in the store; {hint}")
        if by_key[key] not in chosen:
            chosen.append(by_key[key])
    return chosen


@dataclass
class NetworkOutput:
    """The network page written and the graph on it."""

    path: Path
    network: NetworkGraph


def network(
    settings: Settings,
    out_file: Path,
    *,
    person_id: str | None = None,
    neighbourhood: str | None = None,
    depth: int = 1,
    since: dt.date | None = None,
    as_of: dt.date | None = None,
    unmask: bool = False,
    purpose: str | None = None,
    overwrite: bool = False,
    max_nodes: int = MAX_NETWORK_PEOPLE,
    progress: Progress | None = None,
) -> NetworkOutput:
    """Write the network page of one person (any of their record ids; `depth` steps out,
    stopping before `max_nodes`), or of a neighbourhood's serial perpetrators, to
    `out_file`; audited as a disclosure before it is written.

    Raises:
        ConfigError: both or neither of `person_id` and `neighbourhood`, an unknown id or
            neighbourhood, `depth` below 1, --unmask without a purpose.
        OutputError: `out_file` exists and `overwrite` is False.
        NoWorkspace, StoreError, AuditError, WorkspaceBusy.
    """
    purpose = check_unmask(unmask, purpose or settings.purpose)
    if (person_id is None) == (neighbourhood is None):
        raise ConfigError("give either a PERSON_ID or --neighbourhood NAME (not both)")
    if depth < 1:
        raise ConfigError("--depth must be 1 or more")
    out_file = Path(out_file)
    check_free([out_file], overwrite=overwrite)
    parameters = scan_parameters(settings, as_of)
    with Session(settings, "network", progress=progress) as session:
        store = session.store
        store_name = store.name
        if person_id is not None:
            graph = _person_network(store, person_id, depth, parameters, since, unmask, max_nodes)
            title = f"Network of {person_id}"
        else:
            identity_of = session.identity_of
            assessment = assess_identities(session, parameters)
            result = assessment.result
            records = records_about_identities(
                store, [f.person_id for f in result.perpetrators], identity_of
            )
            routed = route(build_dossiers(result.perpetrators, records, parameters))
            names = sorted(set(store.neighbourhoods()) | set(routed))
            (chosen,) = choose_neighbourhoods(names, [neighbourhood or ""])
            perpetrators = [d.person_id for d in routed.get(chosen, [])]
            graph = neighbourhood_network(
                perpetrators,
                result,
                records,
                parameters,
                since,
                unmask,
                priorities=assessment.priorities,
            )
            title = f"{chosen}: serial perpetrators' networks"
        session.close_store()
        page = render_network(graph, title=title, store=store_name, unmask=unmask, purpose=purpose)
        people = {
            str(node).removeprefix("person:")
            for node in graph.graph.nodes
            if str(node).startswith("person:")
        }
        session.publish(
            "disclosure",
            {
                "person_id": person_id,
                "neighbourhood": neighbourhood,
                "depth": depth,
                "since": since,
                "as_of": parameters.as_of,
                "unmask": unmask,
            },
            {out_file: page},
            overwrite=overwrite,
            person_ids=people,
            purpose=purpose,
        )
    return NetworkOutput(out_file, graph)


def records_about_identities(
    store: GraphStore, identity_ids: Sequence[str], identity_of: Mapping[str, str]
) -> Dataset:
    """`records_about` for identities: the records of every record of each identity,
    with every person id replaced by its identity's id (`identity_of` as the store holds
    it: store.identities())."""
    if not identity_of:
        return store.records_about(identity_ids)
    by_identity = records_of(identity_of)
    seeds = {r for i in identity_ids for r in by_identity.get(i, [i])}
    records = store.records_about(seeds)
    # Someone in view may be known here only by a record that is not their identity's
    # own: fetch the identity's record too, so that they are named as in the scan.
    present = set(records.people["person_id"])
    missing = {identity_of[p] for p in present if p in identity_of} - present
    if missing:
        extra = store.records_about(missing).people
        records = Dataset(
            people=pd.concat([records.people, extra[extra["person_id"].isin(missing)]]),
            incidents=records.incidents,
            involvements=records.involvements,
            relationships=records.relationships,
            orders=records.orders,
        )
    return records.resolved(identity_of)


def _person_network(
    store: GraphStore,
    person_id: str,
    depth: int,
    parameters: ScanParameters,
    since: dt.date | None,
    unmask: bool,
    max_nodes: int,
) -> NetworkGraph:
    """Depth 1: the person's incidents, everyone in them and their relationships; each
    further step does the same for everyone found. People are identities: any record id
    of a person shows the person (all their records)."""
    identity_of = store.identities()
    identity = identity_of.get(person_id, person_id)
    seeds = {identity}
    records = records_about_identities(store, sorted(seeds), identity_of)
    if identity not in set(records.people["person_id"]):
        raise ConfigError(f"no person {person_id!r} in the store; check the id")
    notes = []
    for level in range(2, depth + 1):
        found = set(records.people["person_id"])
        wider = records_about_identities(store, sorted(found), identity_of)
        if len(wider.people) + len(wider.incidents) > max_nodes:
            notes.append(
                f"Shown to depth {level - 1}, not {depth}: depth {level} has "
                f"{len(wider.people):,} people and {len(wider.incidents):,} incidents, more "
                f"than the limit of {max_nodes:,} (raise it with --max-nodes)."
            )
            break
        seeds, records = found, wider
    # The records about the seeds hold everything the rule needs for each seed (their
    # incidents, those incidents' people, and relationships among them), so the scan of
    # this slice gives each seed the same finding as a scan of the whole store.
    findings = {
        f.person_id: f for f in acpo_scan(records, parameters).perpetrators if f.person_id in seeds
    }
    focus = [identity, *sorted(p for p in findings if p != identity)]
    return build_network(
        records,
        findings,
        focus,
        as_of=parameters.as_of,
        window_years=parameters.window_years,
        since=since,
        unmask=unmask,
        notes=notes,
        records_of=records_of(identity_of),
    )


def neighbourhood_network(
    perpetrators: Sequence[str],
    result: ScanResult,
    records: Dataset,
    parameters: ScanParameters,
    since: dt.date | None = None,
    unmask: bool = False,
    *,
    priorities: Mapping[str, Priority] | None = None,
) -> NetworkGraph:
    """Serial perpetrators (a neighbourhood's, in briefing order), each with their network;
    `records` holds at least the records about them. With `priorities` (the assessment's
    scores) the page's clusters and list go by priority score, highest first; without,
    in the order given."""
    findings = {f.person_id: f for f in result.perpetrators}
    about = records.about(perpetrators)
    in_view = set(about.people["person_id"])
    return build_network(
        about,
        {p: f for p, f in findings.items() if p in in_view},
        perpetrators,
        as_of=parameters.as_of,
        window_years=parameters.window_years,
        since=since,
        unmask=unmask,
        priorities=priorities,
    )
