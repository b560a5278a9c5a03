"""The meeting pack (issue 17 clause 4): the MATAC/MARAC agenda for a four-weekly cycle.

`meeting` scans, picks the top current serial perpetrators by priority (of the force, or
of the neighbourhoods given, routed as the packs route them), and writes:

- `agenda.html` (and `.pdf`): the agenda in priority order with each person's open actions
  from the register (overdue first, with owner and due date) and what changed since the
  last meeting: who is new on the agenda or off it, who newly qualified, dropped to
  historic or rose in score (analytics.changes.compare), and the register's items raised
  and closed since;
- `subjects/<person id>.html` (and `.pdf`): a one-person subject profile per person on
  the agenda, the packs' dossier (templates/dossier.html) on a page of its own.

"The last meeting" is the previous meeting pack of the same scope, whose statuses, scores
and agenda are kept in the workspace (`Workspace.meetings_dir`, ids and scores only, no
names); `since` (a day) compares with a scan as of that day instead, and serves when there
was no earlier meeting. The register's changes count from that day (inclusive).

It runs in one reading `Session` (the shared lock) and only reads the register (`actions
sync` is the writer: jobs/actions.py says why). Audited as a disclosure: every file is
made in a private folder, the audit record written with each file's digest, and only then
are the files moved into place (as `brief` does).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from perp_graph.analytics.changes import Snapshot, compare, snapshot_from_file
from perp_graph.analytics.dossier import Dossier, build_dossiers
from perp_graph.analytics.register import Item
from perp_graph.analytics.register_items import select
from perp_graph.analytics.routing import route
from perp_graph.audit import file_digest
from perp_graph.errors import ConfigError
from perp_graph.jobs.briefing import (
    PDF_WORKERS,
    extract_of,
    timeline_image,
)
from perp_graph.jobs.network import choose_neighbourhoods, records_about_identities
from perp_graph.jobs.scanning import assess_identities, check_unmask, scan_parameters
from perp_graph.output import check_free, publish_staged, write_text
from perp_graph.progress import Progress
from perp_graph.render.briefing import BriefingContext, RegisterState, register_actions
from perp_graph.render.meeting import (
    SUBJECTS,
    Meeting,
    MeetingChanges,
    closed_at,
    render_agenda,
    render_subject,
)
from perp_graph.render.pdf import print_pdfs
from perp_graph.session import Session
from perp_graph.settings import Settings
from perp_graph.workspace import Workspace

#: How many perpetrators the agenda lists by default.
MEETING_TOP = 10

#: The agenda's file name (HTML; the PDF is agenda.pdf).
AGENDA = "agenda.html"


@dataclass
class MeetingOutputs:
    """What `meeting` wrote: the folder, the agenda page, each subject profile's page by
    person id, every file, the agenda's people in order and the day compared with."""

    folder: Path
    agenda: Path
    subjects: dict[str, Path]
    files: list[Path]
    people: list[str]
    since: dt.date | None


@dataclass(frozen=True)
class PreviousMeeting:
    """What the last meeting pack of one scope kept: its day, its scan (statuses and
    scores) and its agenda."""

    as_of: dt.date
    snapshot: Snapshot
    agenda: tuple[str, ...]
    #: when it was made, and the register's items it saw (None: not recorded)
    generated_at: dt.datetime | None = None
    register_ids: frozenset[str] | None = None


def meeting(
    settings: Settings,
    out_dir: Path,
    *,
    neighbourhoods: Sequence[str] = (),
    since: dt.date | None = None,
    as_of: dt.date | None = None,
    top: int = MEETING_TOP,
    unmask: bool = False,
    purpose: str | None = None,
    overwrite: bool = False,
    pdf: bool = True,
    progress: Progress | None = None,
) -> MeetingOutputs:
    """Write the meeting pack into `out_dir`: agenda.html and a subject profile per person
    on it (subjects/), each also as PDF when `pdf`; audited as a disclosure before any file
    is moved into place; then keep this meeting's statuses, scores and agenda for the next.

    Args:
        neighbourhoods: only the perpetrators routed to these (matched ignoring case);
            default the force.
        since: compare with a scan as of this day (default: the last meeting of the same
            scope; without one, nothing is compared).
        top: how many perpetrators the agenda lists (the current ones of highest priority).
        unmask: victims' full names (needs `purpose`).

    Raises:
        ConfigError: an unknown neighbourhood, `since` not before the meeting's day, `top`
            below 1, or --unmask without a purpose.
        OutputError: a file exists and `overwrite` is False.
        NoWorkspace, StoreError, AuditError, WorkspaceBusy.
    """
    purpose = check_unmask(unmask, purpose or settings.purpose)
    parameters = scan_parameters(settings, as_of)
    if since is not None and since >= parameters.as_of:
        raise ConfigError(
            f"--since {since.isoformat()} must be before the meeting's date "
            f"{parameters.as_of.isoformat()}"
        )
    if top < 1:
        raise ConfigError(f"--top must be 1 or more, not {top}")
    generated_at = dt.datetime.now(dt.UTC)
    with Session(settings, "meeting", progress=progress) as session:
        progress = session.progress
        assessment = assess_identities(session, parameters)
        result = assessment.result
        known = session.store.neighbourhoods()
        extract = extract_of(session)
        with progress.stage("reading the perpetrators' records", total=1) as advance:
            people = [f.person_id for f in result.perpetrators]
            records = records_about_identities(session.store, people, session.identity_of)
            advance(1)
        dossiers = build_dossiers(result.perpetrators, records, parameters, assessment)
        routed = route(dossiers)
        names = sorted(set(known) | set(routed), key=str.casefold)
        chosen = choose_neighbourhoods(names, neighbourhoods) if neighbourhoods else []
        previous_file = last_meeting_file(session.workspace, chosen)
        previous = read_previous(previous_file)
        before: Snapshot | None = None
        since_day: dt.date | None = None
        if since is not None:
            earlier = assess_identities(session, replace(parameters, as_of=since))
            before, since_day = earlier.snapshot(f"as of {since.isoformat()}"), since
        elif previous is not None:
            before, since_day = previous.snapshot, previous.as_of
        reader = session.store.register()
        every = reader.items()
        register = RegisterState(tuple(select(every, person_ids=set(people))), reader.last_sync())
        raised, closed = changed_since(every, since_day, None if since else previous)
        store_name = session.store.name
        session.close_store()

        if chosen:
            scope_people = {d.person_id for name in chosen for d in routed.get(name, ())}
            in_scope = [d for d in dossiers if d.person_id in scope_people]
        else:
            in_scope = list(dossiers)
        agenda = [d for d in in_scope if d.status == "current"][:top]
        scope_ids = {d.person_id for d in in_scope}
        changes = None
        if before is not None:
            changes = compare(before, assessment.snapshot("now"), top=len(assessment.priorities))
        register_state = RegisterState(
            tuple(i for i in register.items if i.person_id in scope_ids), register.last_sync
        )
        meeting_changes = MeetingChanges.make(
            changes,
            since_day,
            previous.agenda if previous is not None else None,
            [d.person_id for d in agenda],
            {d.person_id: d for d in dossiers},
            scope_ids if chosen else None,
            raised,
            closed,
            unmask=unmask,
        )
        files = _write(
            session,
            Path(out_dir),
            agenda,
            meeting_changes,
            register_state,
            chosen=chosen,
            context=BriefingContext(
                parameters=parameters,
                generated_at=generated_at,
                store=store_name,
                unmask=unmask,
                purpose=purpose,
                extracted_on=extract.extracted_on,
                latest_record_on=extract.latest_record_on,
                contacts=settings.contacts,
                compared_with=meeting_changes.label,
                priority_settings=assessment.priority_settings,
            ),
            person_ids=set(records.people["person_id"]),
            since=since,
            overwrite=overwrite,
            pdf=pdf,
        )
        # The next meeting of this scope compares with this one (ids and scores only).
        previous_file.parent.mkdir(parents=True, exist_ok=True)
        write_text(
            previous_file,
            meeting_snapshot(
                parameters.as_of,
                assessment.snapshot("now"),
                agenda,
                chosen,
                generated_at=generated_at,
                register_ids=[i.id for i in every],
            ),
            overwrite=True,
        )
    out = Path(out_dir)
    return MeetingOutputs(
        folder=out,
        agenda=out / AGENDA,
        subjects={d.person_id: out / SUBJECTS / subject_name(d.person_id) for d in agenda},
        files=files,
        people=[d.person_id for d in agenda],
        since=since_day,
    )


def _write(
    session: Session,
    out_dir: Path,
    agenda: list[Dossier],
    changes: MeetingChanges,
    register: RegisterState,
    *,
    chosen: list[str],
    context: BriefingContext,
    person_ids: set[str],
    since: dt.date | None,
    overwrite: bool,
    pdf: bool,
) -> list[Path]:
    """Render the agenda and the subject profiles in a private folder, record the
    disclosure, then move every file into place; returns the files written."""
    progress = session.progress
    as_of = context.parameters.as_of
    actions = register_actions(agenda, register, as_of, unmask=context.unmask)
    with progress.stage("drawing timelines", total=len(agenda)) as advance:
        timelines = {}
        for d in agenda:
            timelines[d.person_id] = timeline_image(d, unmask=context.unmask)
            advance(1)
    names = {d.person_id: subject_name(d.person_id) for d in agenda}
    pack = Meeting(
        scope=tuple(chosen),
        agenda=tuple(agenda),
        actions=actions,
        changes=changes,
        subject_files=names,
        timelines=timelines,
        register_synced=register.last_sync,
        pdf=pdf,
    )
    pages = {out_dir / AGENDA: render_agenda(pack, context)}
    with progress.stage("rendering subject profiles", total=len(agenda)) as advance:
        for d in agenda:
            pages[out_dir / SUBJECTS / names[d.person_id]] = render_subject(pack, d, context)
            advance(1)
    targets = list(pages)
    if pdf:
        targets += [p.with_suffix(".pdf") for p in pages]
    check_free(targets, overwrite=overwrite)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".perp-graph-meeting-", dir=out_dir))
    try:
        staged = [write_text(staging / p.relative_to(out_dir), text) for p, text in pages.items()]
        if pdf:
            jobs = [(p, p.with_suffix(".pdf")) for p in list(staged)]
            with progress.stage("printing PDFs", total=len(jobs)) as advance:
                print_pdfs(jobs, workers=PDF_WORKERS, on_done=lambda: advance(1))
            staged += [pdf_file for _html, pdf_file in jobs]
        # The audit record comes before anything is moved into place: no record, no output.
        session.audit(
            "disclosure",
            {
                "as_of": as_of,
                "neighbourhoods": chosen or None,
                "since": changes.since,
                "since_given": since,
                "agenda": [d.person_id for d in agenda],
                "unmask": context.unmask,
                "pdf": pdf,
                "out": str(out_dir),
            },
            person_ids=person_ids,
            files={out_dir / p.relative_to(staging): file_digest(p) for p in staged},
            counts={"agenda": len(agenda), "register_items": len(register.items)},
            purpose=context.purpose,
        )
        files = publish_staged(staged, staging, out_dir, overwrite=overwrite)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return files


def subject_name(person_id: str) -> str:
    """A subject profile's file name: the person id itself when it is file-name safe
    (letters, digits, dot, dash, underscore), else a safe form with a digest of the id (so
    an id can never lead a path out of the folder, and two ids never share a file)."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", person_id):
        return f"{person_id}.html"
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", person_id).strip("-")[:60] or "person"
    return f"{safe}-{hashlib.sha256(person_id.encode()).hexdigest()[:12]}.html"


def last_meeting_file(workspace: Workspace, chosen: Sequence[str]) -> Path:
    """Where the last meeting of a scope is kept: force.json for the force, else a name
    made from the neighbourhoods (in any order, ignoring case) and their digest."""
    if not chosen:
        return workspace.meetings_dir / "force.json"
    key = "\n".join(sorted(n.casefold() for n in chosen))
    readable = re.sub(r"[^a-z0-9]+", "-", key).strip("-")[:40] or "neighbourhoods"
    return (
        workspace.meetings_dir / f"{readable}-{hashlib.sha256(key.encode()).hexdigest()[:8]}.json"
    )


def read_previous(path: Path) -> PreviousMeeting | None:
    """The last meeting kept at `path`, or None when there was none (or it is unreadable:
    the agenda then says nothing was compared)."""
    if not Path(path).exists():
        return None
    try:
        snapshot = snapshot_from_file(path)
        saved = json.loads(Path(path).read_text(encoding="utf-8"))
        when = dt.date.fromisoformat(saved["as_of"])
        agenda = tuple(str(p) for p in saved.get("agenda", []))
        made = saved.get("generated_at")
        generated_at = dt.datetime.fromisoformat(made) if made else None
        ids = saved.get("register_ids")
        register_ids = frozenset(str(i) for i in ids) if ids is not None else None
    except (ConfigError, ValueError, KeyError, TypeError):
        return None
    label = f"the meeting of {when:%d %b %Y}"
    return PreviousMeeting(when, replace(snapshot, label=label), agenda, generated_at, register_ids)


def changed_since(
    items: Sequence[Item], since: dt.date | None, previous: PreviousMeeting | None
) -> tuple[list[Item], list[Item]]:
    """The register's items raised, and those closed (done, declined, superseded), since
    `since` (inclusive; the register's raised/closed filters, analytics.register_items.select).
    Since the last meeting (`previous`): only the items that meeting did not see, and
    those closed after it was made, so nothing is reported twice."""
    if since is None:
        return [], []
    raised = select(items, raised_from=since)
    closed = [i for i in select(items, closed_from=since) if closed_at(i).date() >= since]
    if previous is not None and previous.register_ids is not None:
        raised = [i for i in raised if i.id not in previous.register_ids]
    if previous is not None and previous.generated_at is not None:
        made = previous.generated_at
        closed = [i for i in closed if closed_at(i) > made]
    return raised, closed


def meeting_snapshot(
    as_of: dt.date,
    snapshot: Snapshot,
    agenda: Sequence[Dossier],
    chosen: Sequence[str],
    *,
    generated_at: dt.datetime,
    register_ids: Sequence[str],
) -> str:
    """What the next meeting of this scope compares with, as a scan JSON (statuses and
    priority scores) with the agenda, the scope, when it was made and the register's item
    ids it saw: ids only, no names."""
    return json.dumps(
        {
            "as_of": as_of.isoformat(),
            "generated_at": generated_at.isoformat(),
            "register_ids": sorted(register_ids),
            "neighbourhoods": list(chosen),
            "perpetrators": [
                {
                    "person_id": p,
                    "status": s,
                    "priority": {"score": snapshot.scores[p]} if p in snapshot.scores else None,
                }
                for p, s in sorted(snapshot.statuses.items())
            ],
            "agenda": [d.person_id for d in agenda],
        },
        indent=1,
    )
