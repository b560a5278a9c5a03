"""Briefing jobs: the sergeants' packs with their network pages, and a network page of
one person or one neighbourhood. Each runs in one reading `Session` (shared lock)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from perp_graph.analytics.assess import Assessment
from perp_graph.analytics.changes import Snapshot, compare, snapshot_from_file
from perp_graph.analytics.dossier import Dossier, build_dossiers
from perp_graph.analytics.routing import route, route_warnings, warning_views
from perp_graph.audit import file_digest
from perp_graph.dataset import Dataset
from perp_graph.errors import ConfigError
from perp_graph.jobs.network import (
    choose_neighbourhoods,
    neighbourhood_network,
    records_about_identities,
)
from perp_graph.jobs.scanning import (
    assess_identities,
    check_unmask,
    scan_parameters,
)
from perp_graph.model import ScanParameters, ScanResult
from perp_graph.output import check_free, publish_staged, write_text
from perp_graph.progress import Progress
from perp_graph.render.briefing import (
    BriefingContext,
    Pack,
    RegisterState,
    register_actions,
    render_index,
    render_pack,
    slugs,
)
from perp_graph.render.network import render_network
from perp_graph.render.pdf import print_pdfs
from perp_graph.render.timeline import timeline_figure
from perp_graph.session import Session
from perp_graph.settings import Settings
from perp_graph.wording import day

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
        extract = extract_of(session)
        with progress.stage("reading the perpetrators' records", total=1) as advance:
            people = [f.person_id for f in result.perpetrators]
            people += [w.person_id for w in assessment.early_warnings]
            records = records_about_identities(session.store, people, session.identity_of)
            advance(1)
        register = read_register(session, people)
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
            register=register,
        )


def read_register(session: Session, people: Sequence[str]) -> RegisterState:
    """The action register's items about `people` (every status, with their history) and
    its last sync, read in the job's session (register reads are safe under the shared
    lock). A brief only reads: `actions sync` is the writer (jobs/actions.py says why)."""
    register = session.store.register()
    return RegisterState(tuple(register.items(person_ids=set(people))), register.last_sync())


@dataclass(frozen=True)
class Extract:
    """Where the records come from, printed on every page: the day they were extracted
    (loaded) and the latest incident they hold."""

    extracted_on: dt.date | None = None
    latest_record_on: dt.date | None = None


def extract_of(session: Session) -> Extract:
    """The extract behind a session's store: the last load's day and the latest incident
    (one indexed read, not the force's records)."""
    return Extract(
        extracted_on=extracted_on(session.workspace.last_load_report),
        latest_record_on=session.store.latest_incident_on(),
    )


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
    register: RegisterState | None = None,
) -> BriefingOutputs:
    """Render the packs, their network pages and the index in a private folder, record
    the disclosure, then move every file into place (none over a file made meanwhile,
    unless `overwrite`); then keep the brief's snapshot for the next one's badges. Each
    dossier shows its actions from the register (`register`, default none synced)."""
    result = assessment.result
    progress = session.progress
    extract = extract or Extract()
    dossiers = build_dossiers(result.perpetrators, records, parameters, assessment)
    register = register or RegisterState()
    actions = register_actions(dossiers, register, parameters.as_of, unmask=unmask)
    badges, compared_with = badges_since(session.workspace.last_brief, assessment, dossiers)
    routed = route(dossiers)
    warned = route_warnings(warning_views(assessment, records))
    names = sorted(set(known) | set(routed) | set(warned), key=str.casefold)
    chosen = choose_neighbourhoods(names, neighbourhoods)
    slug = slugs(names)
    shown = {d.person_id: d for name in chosen for d in routed.get(name, ()) if d.full}
    with progress.stage("drawing timelines", total=len(shown)) as advance:
        timelines = {}
        for person_id, dossier in shown.items():
            timelines[person_id] = timeline_image(dossier, unmask=unmask)
            advance(1)
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
            timelines={
                d.person_id: timelines[d.person_id]
                for d in routed.get(name, ())
                if d.person_id in timelines
            },
            actions={d.person_id: actions[d.person_id] for d in routed.get(name, ())},
            register_synced=register.last_sync,
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
            graph = neighbourhood_network(
                people,
                result,
                records,
                parameters,
                unmask=unmask,
                priorities=assessment.priorities,
            )
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
            counts={"register_items": len(register.items)},
            purpose=purpose,
        )
        files = publish_staged(staged, staging, out_dir, overwrite=overwrite)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    # The next brief's badges compare with this one (ids and scores only, no names).
    session.workspace.last_brief.parent.mkdir(parents=True, exist_ok=True)
    write_text(session.workspace.last_brief, brief_snapshot(assessment, dossiers), overwrite=True)
    return BriefingOutputs(out_dir, index, packs, files, result)


def timeline_image(dossier: Dossier, *, unmask: bool) -> Markup:
    """A dossier's timeline (render.timeline.timeline_figure) as an <img> of its SVG with
    its alt text, sized for a phone and scaled down to fit (issue 16 clause 2)."""
    figure = timeline_figure(dossier, unmask=unmask)
    return Markup('<img class="timeline-image" src="{}" alt="{}" width="{}" height="{}">').format(
        figure.data_uri, figure.alt, figure.width, figure.height
    )
