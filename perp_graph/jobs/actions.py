"""Action register jobs (issue 17): sync the register with what a scan recommends, list
and show its items, assign them, mark them done or declined.

Locking: each runs in a *reading* `Session` (the workspace's shared lock). The
workspace's exclusive lock guards the loaded records against a half-done load; the
register guards itself, with one store transaction per change (SQLite `BEGIN IMMEDIATE`
on the embedded store, a write transaction holding the register's node on Neo4j), so
two users changing one item, or two syncs, run one after the other and lose nothing.
An officer marking an action done therefore never waits for a long briefing to finish,
and a sync can run beside scans and briefings. A sync never moves the register back in
time: one as of a day before the last sync is refused.

Why `actions sync` is its own command and `scan` does not sync: a scan is a consultation
that anyone may run as of any day (`--as-of`, `--since` look at the past); a register
synced from a past view would supersede what later scans raised, and every consultation
would become an alteration in the audit log. So the writer is explicit, run after each
load (by hand or by the job that runs the nightly load); `api.sync_actions` is the one
call a later `scan --sync` or `load` would make.

Every change is recorded in the item's history and in the audit log (s.62, an
"alteration", with the user); a note is kept in the history only, the audit record
holds its SHA-256 (a note may name someone).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Collection
from dataclasses import dataclass

from perp_graph.analytics.dossier import build_dossiers
from perp_graph.analytics.register import (
    STATUSES,
    SYNC_USER,
    Item,
    ItemChange,
    SyncPlan,
    recommendations,
)
from perp_graph.analytics.register_items import UnknownAction
from perp_graph.audit import current_user, text_digest
from perp_graph.errors import ConfigError
from perp_graph.jobs.briefing import records_about_identities
from perp_graph.jobs.scanning import assess_identities, scan_parameters
from perp_graph.progress import Progress
from perp_graph.session import Session
from perp_graph.settings import Settings


@dataclass(frozen=True)
class SyncOutcome:
    """What `sync_actions` did: the as-of day, the plan applied and the register's open
    items after it."""

    as_of: dt.date
    plan: SyncPlan
    open_items: int


def sync_actions(
    settings: Settings, as_of: dt.date | None = None, progress: Progress | None = None
) -> SyncOutcome:
    """Scan as of `as_of` (default today), build each serial perpetrator's dossier and
    bring the action register up to date with the actions they recommend
    (analytics.register.plan_sync): new items raised, open items whose reason is gone
    superseded, nothing duplicated. Audited as an alteration.

    Raises:
        ConfigError: `as_of` before the register's last sync, or a scan parameter out of
            range.
        NoWorkspace, StoreError, AuditError, WorkspaceBusy.
    """
    parameters = scan_parameters(settings, as_of)
    with Session(settings, "actions sync", progress=progress) as session:
        assessment = assess_identities(session, parameters)
        findings = assessment.result.perpetrators
        with session.progress.stage("building the perpetrators' actions", total=1) as advance:
            people = [f.person_id for f in findings]
            records = records_about_identities(session.store, people, session.identity_of)
            dossiers = build_dossiers(findings, records, parameters, assessment)
            recommended = recommendations(dossiers, parameters.as_of, settings.action_due_days)
            advance(1)
        register = session.store.register()
        plan = register.sync(
            recommended,
            set(people),
            parameters.as_of,
            user=f"{current_user(settings.user)} ({SYNC_USER})",
        )
        still_open = len(register.items(statuses={"open", "in_progress"}))
        touched = {i.person_id for i in plan.raised}
        touched |= {i.person_id for i in register.items() if i.id in _changed_ids(plan)}
        session.audit(
            "alteration",
            {"as_of": parameters.as_of, "register": "actions"},
            person_ids=touched,
            counts={**plan.counts(), "open": still_open},
        )
    return SyncOutcome(parameters.as_of, plan, still_open)


def _changed_ids(plan: SyncPlan) -> set[str]:
    return {c.item_id for c in plan.changes}


def list_actions(
    settings: Settings,
    *,
    neighbourhood: str | None = None,
    owner: str | None = None,
    statuses: Collection[str] | None = None,
    person_ids: Collection[str] | None = None,
    overdue: bool = False,
    as_of: dt.date | None = None,
) -> list[Item]:
    """The register's items matching every filter given, by due date (ActionRegister.items);
    `overdue` keeps the open items past their due date on `as_of` (default today).
    Audited as a consultation.

    Raises:
        ConfigError: an unknown status.
        NoWorkspace, StoreError, AuditError, WorkspaceBusy.
    """
    if statuses is not None:
        unknown = sorted(set(statuses) - set(STATUSES))
        if unknown:
            raise ConfigError(
                f"unknown status {', '.join(unknown)}; use one of {', '.join(STATUSES)}"
            )
    day = as_of or dt.date.today()
    with Session(settings, "actions list") as session:
        items = session.store.register().items(
            person_ids=person_ids,
            neighbourhood=neighbourhood,
            owner=owner,
            statuses=statuses,
            overdue_on=day if overdue else None,
        )
        session.audit(
            "consultation",
            {
                "neighbourhood": neighbourhood,
                "owner": owner,
                "statuses": sorted(statuses) if statuses is not None else None,
                "overdue": overdue,
                "as_of": day,
            },
            person_ids={i.person_id for i in items},
            counts={"listed": len(items)},
        )
    return items


def show_action(settings: Settings, item_id: str) -> Item:
    """One item with its history. Audited as a consultation.

    Raises:
        UnknownAction: no item has that id (the message names the closest ids).
        NoWorkspace, StoreError, AuditError, WorkspaceBusy.
    """
    item_id = normal_id(item_id)
    with Session(settings, "actions show") as session:
        register = session.store.register()
        item = register.item(item_id)
        if item is None:
            raise _unknown(item_id, [i.id for i in register.items()])
        session.audit(
            "consultation", {"action": item.id}, person_ids=[item.person_id], counts={"listed": 1}
        )
    return item


def assign_action(settings: Settings, item_id: str, owner: str, note: str = "") -> Item:
    """Give an open item an owner (it is then in progress). Audited as an alteration.

    Raises:
        ConfigError: a blank owner.
        UnknownAction, ActionRefused (the item is not open), NoWorkspace, StoreError,
        AuditError, WorkspaceBusy.
    """
    owner = owner.strip()
    if not owner:
        raise ConfigError("--owner must name someone (a name, collar number or team)")
    return _change(
        settings,
        "actions assign",
        item_id,
        lambda item: ItemChange(
            item.id,
            note.strip() or f"assigned to {owner}",
            status="in_progress" if item.status == "open" else None,
            owner=owner,
        ),
    )


def close_action(settings: Settings, item_id: str, status: str, note: str) -> Item:
    """Mark an item done or declined, with a note saying what was done or why not.
    Audited as an alteration.

    Raises:
        ConfigError: a status other than done or declined, or a blank note.
        UnknownAction, ActionRefused (a superseded item), NoWorkspace, StoreError,
        AuditError, WorkspaceBusy.
    """
    if status not in ("done", "declined"):
        raise ConfigError(f"an action is closed as done or declined, not {status}")
    if not note.strip():
        raise ConfigError(
            f"--note must say {'what was done' if status == 'done' else 'why it was declined'} "
            '(for example --note "disclosure made by DC 1234")'
        )
    return _change(
        settings,
        f"actions {'done' if status == 'done' else 'decline'}",
        item_id,
        lambda item: ItemChange(item.id, note.strip(), status=status),
    )


def _change(
    settings: Settings, command: str, item_id: str, make: Callable[[Item], ItemChange]
) -> Item:
    item_id = normal_id(item_id)
    with Session(settings, command) as session:
        register = session.store.register()
        item = register.item(item_id)
        if item is None:
            raise _unknown(item_id, [i.id for i in register.items()])
        change: ItemChange = make(item)
        user = current_user(settings.user)
        after = register.change(change, user=user)
        session.audit(
            "alteration",
            {
                "action": after.id,
                "kind": after.kind,
                "status": after.status,
                "owner": after.owner,
                "note_sha256": text_digest(change.note),
            },
            person_ids=[after.person_id],
            counts={"history": len(after.history)},
        )
    return after


def normal_id(item_id: str) -> str:
    """An item id as the register writes it ("a-3f..." -> "A-3F...", blanks stripped)."""
    return item_id.strip().upper()


def _unknown(item_id: str, known: list[str]) -> UnknownAction:
    close = difflib.get_close_matches(item_id, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}? " if close else ""
    return UnknownAction(
        f"no action {item_id} in the register; {hint}ids look like A-1B2C3D4E5F: list them "
        "with perp-graph actions list"
    )
