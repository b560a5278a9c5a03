"""The problem profile's oversight of the action register (issue 17, clause 5; seed
recommendations 2 and 14): for each of the profile's quarters, what the register raised and
how its items ended, by kind and by neighbourhood, so that chief officers see whether the
actions the packs recommend are carried out, and in time.

Per quarter [start, end] (the last one ends on the profile's as-of day T), an item counts as:
- **raised**: raised on a day in the quarter;
- **done on time**: done, on a day in the quarter, on or before its due date;
- **done late**: done, on a day in the quarter, after its due date;
- **declined**: declined on a day in the quarter (a decision, not a failure);
- **missed**: superseded on a day in the quarter after its due date (its reason went while
  it was still open and overdue: a re-contact not made before a release);
- **overdue at the quarter's end**: raised by the quarter's last day, still open (open or in
  progress) at the end of that day, and due before it.
The day an item was done, declined or superseded is the first history entry of its last run
with that status (`analytics.register_items.closing_change`: a later note from the sync does not
move it); dates are UTC days. An item superseded on or before its due date (its reason went
in time) is in none of the closing figures.

Quarters before the register's first day (its earliest item's raised day, or its first
sync's day when it raised nothing) have no figures (None): no zeros pretending to be data.
A register never synced gives no oversight at all (`Oversight.synced` False).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from perp_graph import wording
from perp_graph.analytics.profile import NOT_RECORDED
from perp_graph.analytics.register import KIND_LABELS, KINDS, Item
from perp_graph.analytics.register_items import closing_change

if TYPE_CHECKING:
    from perp_graph.analytics.profile import Profile, Quarter

#: The figures per quarter, as named in profile.json, and in words.
FIGURES: dict[str, str] = {
    "raised": "raised",
    "done_on_time": "done on time",
    "done_late": "done late",
    "declined": "declined",
    "missed": "missed (superseded while overdue)",
    "overdue_at_end": "overdue and open at the quarter's end",
}


@dataclass
class ActionFigures:
    """One set of items' figures, one value per profile quarter (oldest first); None for a
    quarter before the register's first day."""

    raised: list[int | None] = field(default_factory=list)
    done_on_time: list[int | None] = field(default_factory=list)
    done_late: list[int | None] = field(default_factory=list)
    declined: list[int | None] = field(default_factory=list)
    missed: list[int | None] = field(default_factory=list)
    overdue_at_end: list[int | None] = field(default_factory=list)

    def series(self, name: str) -> list[int | None]:
        """One figure's values (a key of FIGURES)."""
        values: list[int | None] = getattr(self, name)
        return values

    def at(self, q: int) -> dict[str, int | None]:
        """Every figure in quarter `q`."""
        return {name: self.series(name)[q] for name in FIGURES}

    def as_json(self) -> dict[str, list[int | None]]:
        """The figures as plain JSON (null before the register's first day)."""
        return {name: list(self.series(name)) for name in FIGURES}


@dataclass
class Oversight:
    """One area's oversight of the action register.

    `synced`: the register was ever synced (False: no figures at all). `started`: the
    register's first day (None when never synced); `first`: the first quarter with figures
    (len(quarters) when the register started after the profile's last day). `total`: every
    item of the area; `by_kind`: per kind, kinds with an item only (KINDS order);
    `by_neighbourhood`: per item neighbourhood (the force's page only). `findings`: the
    oversight in words, one line per kind, for the latest quarter.
    """

    synced: bool
    started: dt.date | None = None
    last_sync: dt.date | None = None
    first: int = 0
    total: ActionFigures = field(default_factory=ActionFigures)
    by_kind: dict[str, ActionFigures] = field(default_factory=dict)
    by_neighbourhood: dict[str, ActionFigures] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)

    def as_json(self, periods: Sequence[Quarter]) -> dict[str, Any]:
        """The oversight as plain JSON, with how each figure is counted."""
        if not self.synced:
            return {"synced": False, "note": NEVER_SYNCED}
        return {
            "synced": True,
            "started": None if self.started is None else self.started.isoformat(),
            "last_sync": None if self.last_sync is None else self.last_sync.isoformat(),
            "first_quarter": periods[self.first].label if self.first < len(periods) else None,
            "figures": {name: words for name, words in FIGURES.items()},
            "findings": self.findings,
            "total": self.total.as_json(),
            "by_kind": {kind: f.as_json() for kind, f in self.by_kind.items()},
            "by_neighbourhood": {name: f.as_json() for name, f in self.by_neighbourhood.items()},
        }


NEVER_SYNCED = (
    "The action register has never been synced, so there are no figures on actions: run "
    "perp-graph actions sync after a scan to start it."
)


def closed_day(item: Item) -> dt.date | None:
    """The UTC day an item was done, declined or superseded (None while it is open)."""
    if item.is_open:
        return None
    closing = closing_change(item)
    if closing is not None:
        return closing.at.astimezone(dt.UTC).date() if closing.at.tzinfo else closing.at.date()
    return item.closed_on


def figures(items: Iterable[Item], periods: Sequence[Quarter], first: int) -> ActionFigures:
    """The figures of `items` for each quarter (see the module's docstring); None before
    quarter `first`."""
    n = len(periods)
    out = ActionFigures(*([None if q < first else 0 for q in range(n)] for _ in FIGURES))
    if first >= n:
        return out
    starts = [p.start for p in periods]
    ends = [p.end for p in periods]

    def quarter_of(day: dt.date) -> int | None:
        for q in range(first, n):
            if starts[q] <= day <= ends[q]:
                return q
        return None

    def add(series: list[int | None], q: int | None) -> None:
        if q is not None:
            series[q] = (series[q] or 0) + 1

    for item in items:
        add(out.raised, quarter_of(item.raised_on))
        closed = closed_day(item)
        if closed is not None:
            q = quarter_of(closed)
            late = closed > item.due_by
            if item.status == "done":
                add(out.done_late if late else out.done_on_time, q)
            elif item.status == "declined":
                add(out.declined, q)
            elif item.status == "superseded" and late:
                add(out.missed, q)
        for q in range(first, n):
            end = ends[q]
            if item.raised_on <= end and item.due_by < end and (closed is None or closed > end):
                add(out.overdue_at_end, q)
    return out


def register_start(items: Sequence[Item], last_sync: dt.date | None) -> dt.date | None:
    """The register's first day: its earliest item's raised day, else its last sync's."""
    days = [i.raised_on for i in items]
    if last_sync is not None:
        days.append(last_sync)
    return min(days) if days else None


def oversight(
    items: Sequence[Item],
    periods: Sequence[Quarter],
    last_sync: dt.date | None,
    *,
    started: dt.date | None = None,
    by_neighbourhood: bool = False,
) -> Oversight:
    """One area's oversight from its items (the register's, already chosen for the area).

    Args:
        last_sync: the register's last sync (None, with no items: never synced).
        started: the register's first day (default: from `items` and `last_sync`; give
            the whole register's for a neighbourhood, which may have no items).
        by_neighbourhood: figures per item neighbourhood too (the force's page).
    """
    if last_sync is None and not items:
        return Oversight(synced=False)
    if started is None:
        started = register_start(items, last_sync)
    first = next(
        (q for q, p in enumerate(periods) if started is not None and p.end >= started),
        len(periods),
    )
    kinds = {i.kind for i in items}
    order = [k for k in KINDS if k in kinds] + sorted(kinds - set(KINDS))
    result = Oversight(
        synced=True,
        started=started,
        last_sync=last_sync,
        first=first,
        total=figures(items, periods, first),
        by_kind={k: figures([i for i in items if i.kind == k], periods, first) for k in order},
    )
    if by_neighbourhood:
        names = sorted(
            {_area_of(i) for i in items}, key=lambda a: (a == NOT_RECORDED, a.casefold())
        )
        result.by_neighbourhood = {
            name: figures([i for i in items if _area_of(i) == name], periods, first)
            for name in names
        }
    result.findings = findings_lines(result, periods)
    return result


def _area_of(item: Item) -> str:
    return item.neighbourhood or NOT_RECORDED


def on_time_words(label: str, f: dict[str, int | None], quarter: Quarter) -> str:
    """ "Re-contact victims: 14 of 20 done on time in 2026 Q3 (70%)", with the missed, late
    and overdue; the 20 are the items done or missed in the quarter (declined ones are a
    decision, not counted)."""
    on_time = f["done_on_time"] or 0
    ended = on_time + (f["done_late"] or 0) + (f["missed"] or 0)
    when = quarter.label + (f" so far ({quarter.partial_note()})" if quarter.partial else "")
    overdue = f["overdue_at_end"] or 0
    tail = f"{overdue:,} overdue and open on {wording.day(quarter.end)}"
    if ended == 0:
        return f"{label}: none done or missed in {when}; {tail}."
    share = on_time / ended * 100
    parts = []
    if f["done_late"]:
        parts.append(f"{f['done_late']:,} late")
    if f["missed"]:
        parts.append(f"{f['missed']:,} missed")
    rest = f"; {', '.join(parts)}" if parts else ""
    return f"{label}: {on_time:,} of {ended:,} done on time in {when} ({share:.0f}%){rest}; {tail}."


def findings_lines(result: Oversight, periods: Sequence[Quarter]) -> list[str]:
    """The oversight in words for the latest quarter: all actions, then each kind with an
    item done, missed or overdue then."""
    if not periods or result.first >= len(periods):
        if result.started is not None and periods:
            return [
                f"The action register started on {wording.day(result.started)}, after "
                f"{wording.day(periods[-1].end)}: no figures for these quarters."
            ]
        return []
    q = len(periods) - 1
    quarter = periods[q]
    lines = [on_time_words("All actions", result.total.at(q), quarter)]
    for kind, f in result.by_kind.items():
        values = f.at(q)
        if (
            values["done_on_time"]
            or values["done_late"]
            or values["missed"]
            or values["overdue_at_end"]
        ):
            lines.append(on_time_words(KIND_LABELS.get(kind, kind), values, quarter))
    return lines


def add_oversight(profile: Profile, items: Sequence[Item], last_sync: dt.date | None) -> None:
    """Give the force and each neighbourhood of `profile` their oversight of the register:
    the force every item, a neighbourhood the items whose neighbourhood is its name
    (ignoring case; "not recorded" for items without one). The pages show each area's
    first line (all actions) among its key findings (render.profile)."""
    periods = profile.quarters
    force = profile.force
    force.actions = oversight(items, periods, last_sync, by_neighbourhood=True)
    for area in profile.neighbourhoods:
        mine = [i for i in items if _area_of(i).casefold() == area.name.casefold()]
        if force.actions.synced:
            area.actions = oversight(
                mine, periods, last_sync or force.actions.started, started=force.actions.started
            )
        else:
            area.actions = Oversight(synced=False)
