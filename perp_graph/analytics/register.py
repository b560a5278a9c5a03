"""The action register's rules, as pure functions (issue 17): what a scan recommends
becomes an item; a later scan neither duplicates nor forgets it.

HMIC (2014) found safety actions recommended and never checked. A briefing recommends
actions for each serial perpetrator (analytics.actions); the register keeps each one as
an *item* with an owner, a due date and a status, and a history of every change. The
stores keep the items (`perp_graph.store.protocol.ActionRegister`); this module decides
what a sync changes, and `analytics.register_items` answers the questions packs and
profiles ask and says what a user may change, the same way on both stores.

The sync rule (`plan_sync`), per person, kind and reason key:
- recommended, and no item yet: a new item is raised;
- recommended, and an open (or in-progress) item exists: nothing (no duplicate);
- recommended, the last item done or declined, and its reason went away since: a new
  item is raised (the old one and its history stay); done and still recommended (the
  reason never went away): nothing, it stays done;
- recommended, the last item superseded: a new item is raised (the reason returned);
- not recommended, an open item exists: it is superseded, with a note saying why
  (released, order ended, no longer qualifies, "identity merged into <id>" when the
  person's records now belong to another identity ...) and, when it was still open after
  its due date, saying so (a re-contact missed before a release stays visible);
- not recommended, the last item done or declined: its history notes that the reason
  went away (`lapsed_on`), so that its return raises a new item.

Retention: erasing a person's records erases their items and histories too (the stores'
`erase`, called by jobs.loading inside the erasure's audit records).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from perp_graph.analytics.dossier import Dossier
from perp_graph.model import ACTION_KINDS

#: Every kind of item, from what analytics.actions recommends.
KINDS = ACTION_KINDS

#: How tables and packs name each kind, in a few words.
KIND_LABELS: dict[str, str] = {
    "settle_duplicate": "Settle duplicate victim",
    "review_counter_allegation": "Review counter-allegation",
    "recontact_victims_before_release": "Re-contact victims",
    "recontact_victims_after_release": "Re-contact after release",
    "find_release_date": "Find release date",
    "clares_law_disclosure": "Clare's Law disclosure",
    "matac_referral": "MATAC referral",
    "marac_referral": "MARAC referral",
    "firearms_licensing_review": "Firearms licensing",
    "childrens_safeguarding": "Children's safeguarding",
    "protective_order": "Protective orders",
}

#: An item's statuses; the first two are open (on someone's to-do list).
STATUSES = ("open", "in_progress", "done", "declined", "superseded")
OPEN_STATUSES = frozenset({"open", "in_progress"})
CLOSED_BY_USERS = frozenset({"done", "declined"})

#: Days from raising to the due date, per kind ([actions] due_days in the config). A kind
#: whose records set a deadline (re-contact before the release or the order's end) is due
#: the day before that date when that is sooner.
DEFAULT_DUE_DAYS: dict[str, int] = {
    "settle_duplicate": 7,
    "review_counter_allegation": 7,
    "recontact_victims_before_release": 28,
    # Released already: the victims are told at once (HMIC 2014 found they were not).
    "recontact_victims_after_release": 1,
    "find_release_date": 3,
    # Home Office DVDS statutory guidance (2023): a disclosure decision within 35 days.
    "clares_law_disclosure": 35,
    # MATAC meets four-weekly.
    "matac_referral": 28,
    "marac_referral": 7,
    "firearms_licensing_review": 14,
    "childrens_safeguarding": 2,
    "protective_order": 14,
}

#: Who the history names for changes the sync makes.
SYNC_USER = "perp-graph actions sync"

#: Why an open item's reason is gone, per kind, when the person still qualifies.
_GONE = {
    "settle_duplicate": "the finding no longer depends on a possible duplicate victim",
    "review_counter_allegation": "the counter-allegations with {key} are no longer recorded",
    "find_release_date": "the custody record now has a release date, or has ended",
    "recontact_victims_after_release": "the release {key} is more than 7 days past",
    "clares_law_disclosure": "{key} is no longer the current or most recent partner",
    "matac_referral": "no longer escalating",
    "marac_referral": "the latest incident is no longer the high-risk incident {key}",
    "firearms_licensing_review": "no firearms or shotgun certificate is recorded now",
    "childrens_safeguarding": "no incident with children present is recorded now",
    "protective_order": "every qualifying victim is now protected by an order, or the finding "
    "is historic",
}


@dataclass(frozen=True)
class Recommendation:
    """One action a scan recommends for one identity, as the register keeps it.

    `key` tells two recommendations of one kind for one person apart (analytics.actions);
    `evidence_ids` are incident ids (or "order:<type>:<date>" for an order); `due_by` is
    the last day to act (a date, inclusive).
    """

    person_id: str
    neighbourhood: str | None
    kind: str
    key: str
    text: str
    reason: str
    evidence_ids: tuple[str, ...]
    raised_on: dt.date
    due_by: dt.date
    urgent: bool = False


@dataclass(frozen=True)
class Change:
    """One entry of an item's history: who set what, when (UTC), and their note."""

    at: dt.datetime
    user: str
    status: str
    owner: str | None
    note: str

    def as_json(self) -> dict[str, Any]:
        """The change as JSON-ready values (times ISO 8601)."""
        return {
            "at": self.at.isoformat(),
            "user": self.user,
            "status": self.status,
            "owner": self.owner,
            "note": self.note,
        }


@dataclass(frozen=True)
class Item:
    """One item of the register: a recommended action, who owns it, when it is due, its
    status and its history (oldest change first)."""

    id: str
    person_id: str
    neighbourhood: str | None
    kind: str
    key: str
    text: str
    reason: str
    evidence_ids: tuple[str, ...]
    raised_on: dt.date
    due_by: dt.date
    status: str = "open"
    owner: str | None = None
    note: str = ""
    changed_by: str = ""
    changed_at: dt.datetime | None = None
    #: the day a sync found the reason of a done or declined item gone
    lapsed_on: dt.date | None = None
    history: tuple[Change, ...] = field(default=(), compare=False)

    @property
    def is_open(self) -> bool:
        """On someone's to-do list: open or in progress."""
        return self.status in OPEN_STATUSES

    def overdue(self, on: dt.date) -> bool:
        """Open and past its due date on `on` (due on the day itself is not overdue)."""
        return self.is_open and self.due_by < on

    @property
    def closed_on(self) -> dt.date | None:
        """The day it was done, declined or superseded (UTC), else None."""
        if self.is_open or self.changed_at is None:
            return None
        return self.changed_at.date()

    def as_json(self) -> dict[str, Any]:
        """The item as JSON-ready values (dates ISO 8601), with its history."""
        return {
            "id": self.id,
            "person_id": self.person_id,
            "neighbourhood": self.neighbourhood,
            "kind": self.kind,
            "key": self.key,
            "text": self.text,
            "reason": self.reason,
            "evidence_ids": list(self.evidence_ids),
            "raised_on": self.raised_on.isoformat(),
            "due_by": self.due_by.isoformat(),
            "status": self.status,
            "owner": self.owner,
            "note": self.note,
            "changed_by": self.changed_by,
            "changed_at": self.changed_at.isoformat() if self.changed_at else None,
            "lapsed_on": self.lapsed_on.isoformat() if self.lapsed_on else None,
            "history": [c.as_json() for c in self.history],
        }


@dataclass(frozen=True)
class ItemChange:
    """A change the sync or a user makes to an existing item: a new status and/or owner
    (None keeps the current one), a note, and for a lapse the day the reason went."""

    item_id: str
    note: str
    status: str | None = None
    owner: str | None = None
    lapsed_on: dt.date | None = None


@dataclass(frozen=True)
class SyncPlan:
    """What a sync changes: items to raise, changes to existing items, and the open items
    left as they are (still recommended)."""

    raised: tuple[Item, ...] = ()
    changes: tuple[ItemChange, ...] = ()
    kept: tuple[str, ...] = ()

    @property
    def superseded(self) -> tuple[ItemChange, ...]:
        """The changes that supersede an open item."""
        return tuple(c for c in self.changes if c.status == "superseded")

    def counts(self) -> dict[str, int]:
        """raised, superseded, lapsed and kept, for the audit record and the summary."""
        return {
            "raised": len(self.raised),
            "superseded": len(self.superseded),
            "lapsed": len(self.changes) - len(self.superseded),
            "kept": len(self.kept),
        }


# --- from dossiers to recommendations -----------------------------------------------------------


def due_date(
    kind: str, raised_on: dt.date, by: dt.date | None, due_days: Mapping[str, int]
) -> dt.date:
    """The last day to act on an item of `kind` raised on `raised_on`: `due_days[kind]`
    days on (DEFAULT_DUE_DAYS when the kind is not configured); when the records set a
    deadline `by` (a release or an order's end), the day before it if that is sooner (the
    victims must be re-contacted before the perpetrator is out, not on the day)."""
    days = due_days.get(kind, DEFAULT_DUE_DAYS.get(kind, 28))
    due = raised_on + dt.timedelta(days=days)
    if by is not None:
        due = min(due, by - dt.timedelta(days=1))
    return due


def recommendations(
    dossiers: Iterable[Dossier], as_of: dt.date, due_days: Mapping[str, int]
) -> list[Recommendation]:
    """Every action the dossiers recommend (Dossier.actions), as the register keeps them,
    raised on `as_of`; one per person, kind and key (the first when the dossier repeats
    one)."""
    out: dict[tuple[str, str, str], Recommendation] = {}
    for d in dossiers:
        neighbourhood = d.home_neighbourhood or (d.neighbourhoods[0] if d.neighbourhoods else None)
        for action in d.actions:
            if not action.kind:
                continue
            triple = (d.person_id, action.kind, action.key)
            if triple in out:
                continue
            out[triple] = Recommendation(
                person_id=d.person_id,
                neighbourhood=neighbourhood,
                kind=action.kind,
                key=action.key,
                text=action.text,
                reason=action.reason,
                evidence_ids=_evidence(d, action.kind, action.key),
                raised_on=as_of,
                due_by=due_date(action.kind, as_of, action.by, due_days),
                urgent=action.urgent,
            )
    return list(out.values())


def _evidence(d: Dossier, kind: str, key: str) -> tuple[str, ...]:
    """The incident (or order) ids behind one recommendation."""
    as_suspect = [t for t in d.timeline if t.role == "suspect"]
    if kind in ("settle_duplicate", "protective_order"):
        return tuple(d.finding.qualifying_incident_ids)
    if kind == "review_counter_allegation":
        return tuple(
            sorted(
                {
                    t.incident_id
                    for t in d.timeline
                    if key in {p.person_id for p in (*t.victims, *t.suspects)}
                }
            )
        )
    if kind in (
        "recontact_victims_before_release",
        "recontact_victims_after_release",
        "find_release_date",
    ):
        order_type, _, day = key.partition("|")
        return (f"order:{order_type}:{day}",)
    if kind == "clares_law_disclosure":
        return tuple(
            sorted({t.incident_id for t in as_suspect if key in {v.person_id for v in t.victims}})
        )
    if kind == "marac_referral":
        return (key,)
    if kind == "childrens_safeguarding":
        return tuple(sorted({t.incident_id for t in as_suspect if t.children_present}))
    if kind == "matac_referral":  # the escalation's last 12 months (analytics.alerts)
        since = d.parameters.as_of - dt.timedelta(days=365)
        return tuple(sorted({t.incident_id for t in as_suspect if t.occurred_on > since}))
    return ()


# --- the sync rule --------------------------------------------------------------------------------


def item_id(person_id: str, kind: str, key: str, generation: int) -> str:
    """An item's id: "A-" and 10 hex digits of a hash of the person, kind, reason key and
    how many items that triple had before (so an item raised again gets a new id). The
    same on every store and every run."""
    text = f"{person_id}|{kind}|{key}|{generation}"
    return "A-" + hashlib.sha256(text.encode()).hexdigest()[:10].upper()


def plan_sync(
    recommended: Sequence[Recommendation],
    items: Sequence[Item],
    as_of: dt.date,
    assessed: Collection[str],
    merged_into: Mapping[str, str] | None = None,
) -> SyncPlan:
    """What a sync as of `as_of` changes in a register holding `items`, given what the
    scan recommends and the identities it assessed as serial perpetrators (`assessed`:
    an open item of anyone else is superseded because the person no longer qualifies).
    `merged_into`: the store's identities (record id -> identity id); an item whose person
    id is now a record of another identity is superseded as "identity merged into <id>"
    (the new identity's items are raised under its id). See the module's docstring."""
    merged = merged_into or {}
    by_triple: dict[tuple[str, str, str], list[Item]] = defaultdict(list)
    for item in sorted(items, key=lambda i: (i.raised_on, i.id)):
        by_triple[(item.person_id, item.kind, item.key)].append(item)
    wanted = {(r.person_id, r.kind, r.key): r for r in recommended}
    raised: list[Item] = []
    changes: list[ItemChange] = []
    kept: list[str] = []
    for triple, rec in sorted(wanted.items()):
        history = by_triple.get(triple, [])
        open_items = [i for i in history if i.is_open]
        if open_items:
            kept += [i.id for i in open_items]
            continue
        last = history[-1] if history else None
        if last is None or last.status == "superseded" or last.lapsed_on is not None:
            raised.append(_new_item(rec, item_id(*triple, len(history))))
    for triple, history in sorted(by_triple.items()):
        if triple in wanted:
            continue
        person_id, kind, key = triple
        now = merged.get(person_id, person_id)
        if now != person_id:
            why = f"identity merged into {now} as of {as_of:%d %b %Y}"
        else:
            why = _gone(person_id, kind, key, as_of, person_id in assessed)
        for item in history:
            if item.is_open:
                late = (
                    f" (still open after its due date, {item.due_by:%d %b %Y})"
                    if item.overdue(as_of)
                    else ""
                )
                note = f"superseded: {why}{late}"
                changes.append(ItemChange(item.id, note, status="superseded"))
        last = history[-1]
        if last.status in CLOSED_BY_USERS and last.lapsed_on is None:
            changes.append(ItemChange(last.id, f"reason gone: {why}", lapsed_on=as_of))
    return SyncPlan(tuple(raised), tuple(changes), tuple(kept))


def _new_item(rec: Recommendation, new_id: str) -> Item:
    return Item(
        id=new_id,
        person_id=rec.person_id,
        neighbourhood=rec.neighbourhood,
        kind=rec.kind,
        key=rec.key,
        text=rec.text,
        reason=rec.reason,
        evidence_ids=rec.evidence_ids,
        raised_on=rec.raised_on,
        due_by=rec.due_by,
    )


def _gone(person_id: str, kind: str, key: str, as_of: dt.date, qualifies: bool) -> str:
    """Why a reason is gone as of `as_of`, in words (ids only, never names)."""
    day = f"{as_of:%d %b %Y}"
    if not qualifies:
        return f"{person_id} no longer qualifies as a serial perpetrator as of {day}"
    if kind == "recontact_victims_before_release":
        order_type, _, end = key.partition("|")
        what = "released" if order_type == "custody" else f"{order_type} ended"
        try:
            end_day = dt.date.fromisoformat(end)
        except ValueError:
            return f"{order_type} is no longer ending soon as of {day}"
        if end_day < as_of:
            return f"{what} on {end_day:%d %b %Y}"
        return (
            f"{order_type} is no longer recorded as ending on {end_day:%d %b %Y} as of {day} "
            "(ended early or its end date changed)"
        )
    return _GONE.get(kind, "no longer recommended").format(key=key) + f" as of {day}"
