"""The action register's items (issue 17): what packs and profiles ask of them (`select`,
`closing_change`), and what a user may change and how (`check_change`, `applied`,
`check_sync_date`), the same way on both stores. The sync rule and the items themselves
are in `analytics.register`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import replace

from perp_graph.analytics.register import Change, Item, ItemChange
from perp_graph.errors import ConfigError

# --- what packs and profiles ask ----------------------------------------------------------------


def select(
    items: Iterable[Item],
    *,
    person_ids: Collection[str] | None = None,
    neighbourhood: str | None = None,
    owner: str | None = None,
    statuses: Collection[str] | None = None,
    kinds: Collection[str] | None = None,
    overdue_on: dt.date | None = None,
    raised_from: dt.date | None = None,
    raised_to: dt.date | None = None,
    closed_from: dt.date | None = None,
    closed_to: dt.date | None = None,
) -> list[Item]:
    """The items matching every filter given, by due date then id.

    Args:
        person_ids: only these identities' items.
        neighbourhood: only items of this neighbourhood (ignoring case).
        owner: only this owner's (ignoring case); "" for items nobody owns.
        statuses: only these statuses (STATUSES); "open" also matches nothing else.
        kinds: only these kinds (KINDS).
        overdue_on: only items open and past their due date on this day.
        raised_from, raised_to: only items raised in these days (inclusive).
        closed_from, closed_to: only items done, declined or superseded in these days
            (inclusive, UTC; `Item.closed_on`): with statuses={"done"}, what was done in a
            month.
    """
    wanted_people = set(person_ids) if person_ids is not None else None
    out = []
    for item in items:
        if wanted_people is not None and item.person_id not in wanted_people:
            continue
        if neighbourhood is not None and (item.neighbourhood or "").casefold() != (
            neighbourhood.casefold()
        ):
            continue
        if owner is not None and (item.owner or "").casefold() != owner.casefold():
            continue
        if statuses is not None and item.status not in statuses:
            continue
        if kinds is not None and item.kind not in kinds:
            continue
        if overdue_on is not None and not item.overdue(overdue_on):
            continue
        if raised_from is not None and item.raised_on < raised_from:
            continue
        if raised_to is not None and item.raised_on > raised_to:
            continue
        if closed_from is not None or closed_to is not None:
            closed = item.closed_on
            if closed is None:
                continue
            if closed_from is not None and closed < closed_from:
                continue
            if closed_to is not None and closed > closed_to:
                continue
        out.append(item)
    return sorted(out, key=lambda i: (i.due_by, i.id))


def closing_change(item: Item) -> Change | None:
    """The history entry that gave a closed item its status: the first of the last run of
    entries with it (a later note from the sync, "reason gone", does not close it again);
    None for an open item or one without a history."""
    if item.is_open:
        return None
    found = None
    for entry in item.history:
        if entry.status != item.status:
            found = None
        elif found is None:
            found = entry
    return found


def applied(item: Item, change: ItemChange, at: dt.datetime, user: str) -> Item:
    """`item` after `change` by `user` at `at`: the stores' rule for every change (a status
    or owner of None keeps the current one; the change joins the history)."""
    status = change.status or item.status
    owner = change.owner if change.owner is not None else item.owner
    entry = Change(at=at, user=user, status=status, owner=owner, note=change.note)
    return replace(
        item,
        status=status,
        owner=owner,
        note=change.note,
        changed_by=user,
        changed_at=at,
        lapsed_on=change.lapsed_on or item.lapsed_on,
        history=(*item.history, entry),
    )


# --- what may change -----------------------------------------------------------------------------


class UnknownAction(ConfigError):
    """No item of the register has this id (exit code 2)."""


class ActionRefused(ConfigError):
    """The change does not apply to the item as it stands (exit code 2)."""


def check_change(item: Item, change: ItemChange) -> None:
    """Refuse a user's change that does not apply: a superseded item is history (its
    reason went; a new item is raised if it returns), and only an open item is assigned.

    Raises:
        ActionRefused: with what to do instead.
    """
    if item.status == "superseded":
        raise ActionRefused(
            f"{item.id} was superseded ({item.note}); it cannot change. See the open items "
            f"with perp-graph actions list --person {item.person_id}"
        )
    if change.status is None and not item.is_open:
        raise ActionRefused(
            f"{item.id} is {item.status}; only open items are assigned. See its history with "
            f"perp-graph actions show {item.id}"
        )


def check_sync_date(last_sync: dt.date | None, as_of: dt.date) -> None:
    """The register moves forward in time: refuse a sync as of a day before the last one
    (it would supersede what later scans raised).

    Raises:
        ConfigError: `as_of` is before `last_sync`.
    """
    if last_sync is not None and as_of < last_sync:
        raise ConfigError(
            f"the action register was last synced as of {last_sync.isoformat()}; a sync as of "
            f"{as_of.isoformat()} would undo later changes. Sync as of {last_sync.isoformat()} "
            "or later (or leave out --as-of for today)"
        )
