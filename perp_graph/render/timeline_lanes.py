"""The timeline's content (perp_graph.render.timeline draws it): the lanes built from a
dossier (victims' incidents as marks, orders and custody as bars) and the alternative text
that says the same in words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from perp_graph.analytics.dossier_parts import Constraint, PersonRef
from perp_graph.wording import count, day, days_from

if TYPE_CHECKING:
    from perp_graph.analytics.dossier import Dossier

#: At most this many order or custody lanes; more fold into one "+N more orders" lane.
MAX_ORDER_LANES = 3

#: Short names for the lanes' labels (the pack's list gives the full names).
SHORT_ORDER_NAMES = {
    "bail_conditions": "Bail",
    "dvpn": "DVPN",
    "dvpo": "DVPO",
    "dapo": "DAPO",
    "restraining_order": "Restraining order",
    "non_molestation_order": "Non-molestation order",
    "custody": "Custody",
    "licence": "Licence",
}


@dataclass(frozen=True)
class Mark:
    """One incident on a lane: its day and kind of mark."""

    on: dt.date
    kind: str  # a key of MARKS (perp_graph.render.timeline)


@dataclass(frozen=True)
class Lane:
    """One lane of the timeline: a label above a track of marks (a victim's incidents) or bars
    (orders or custody)."""

    gid: str  # the SVG group id of the lane's marks or bars
    label: str
    marks: tuple[Mark, ...] = ()
    bars: tuple[Constraint, ...] = ()


# --- lanes -----------------------------------------------------------------------------


def _kinds(dossier: Dossier) -> dict[tuple[str, str], str]:
    """(incident id, victim id) of each qualifying event -> "qualifying" when inside the
    pattern window, else "outside"; any other incident against a victim is "other"."""
    start, end = dossier.pattern_window
    return {
        (e.incident_id, e.victim_id): "qualifying" if start <= e.occurred_on <= end else "outside"
        for e in dossier.finding.events
    }


def victim_lanes(
    dossier: Dossier, unmask: bool, room: int
) -> tuple[list[Lane], tuple[PersonRef, ...]]:
    """Lanes of the victims that fit in `room` lanes, and the victims folded into the last."""
    marks: dict[str, list[Mark]] = {v.person.person_id: [] for v in dossier.victims}
    kinds = _kinds(dossier)
    for entry in dossier.timeline:
        if entry.role != "suspect":
            continue
        for person in entry.victims:
            marks.setdefault(person.person_id, []).append(
                Mark(entry.occurred_on, kinds.get((entry.incident_id, person.person_id), "other"))
            )
    shown = list(dossier.victims)
    folded: list[PersonRef] = []
    if len(shown) > room:
        shown, rest = shown[: room - 1], shown[room - 1 :]
        folded = [v.person for v in rest]
    lanes = [
        Lane(
            gid=f"victim-{n}",
            label=f"{v.person.label(unmask)} · {count(v.incidents, 'incident')}",
            marks=tuple(marks[v.person.person_id]),
        )
        for n, v in enumerate(shown, start=1)
    ]
    if folded:
        rest_marks = tuple(m for p in folded for m in marks[p.person_id])
        incidents = sum(v.incidents for v in dossier.victims if v.person in folded)
        lanes.append(
            Lane(
                gid="victim-more",
                label=f"+{count(len(folded), 'more victim')} · {count(incidents, 'incident')}",
                marks=rest_marks,
            )
        )
    return lanes, tuple(folded)


def other_lane(dossier: Dossier) -> Lane | None:
    """Incidents where the perpetrator is not the suspect against a recorded victim."""
    marks = tuple(
        Mark(e.occurred_on, "other" if e.role == "suspect" else "involved")
        for e in dossier.timeline
        if e.role != "suspect" or not e.victims
    )
    if not marks:
        return None
    return Lane("other", f"Other involvement · {count(len(marks), 'incident')}", marks)


def order_lanes(constraints: Sequence[Constraint], as_of: dt.date) -> list[Lane]:
    """A lane per order or custody (in the dossier's order: custody first, then the
    soonest to end), the ones beyond MAX_ORDER_LANES folded into one."""
    shown = list(constraints)
    rest: list[Constraint] = []
    if len(shown) > MAX_ORDER_LANES:
        shown, rest = shown[: MAX_ORDER_LANES - 1], shown[MAX_ORDER_LANES - 1 :]
    lanes = [Lane(f"order-{c.order_type}", _order_label(c, as_of), bars=(c,)) for c in shown]
    if rest:
        lanes.append(Lane("order-more", f"+{count(len(rest), 'more order')}", bars=tuple(rest)))
    return lanes


def _short_name(constraint: Constraint) -> str:
    return SHORT_ORDER_NAMES.get(constraint.order_type, constraint.name)


def _ends(constraint: Constraint, as_of: dt.date) -> str:
    """ "release due 04 Dec 2026 (in 4 days)", "ends 01 Mar 2027 (in 91 days)", or "no
    end recorded"."""
    if constraint.end_date is None:
        return "no end recorded"
    verb = "release due" if constraint.is_custody else "ends"
    return f"{verb} {day(constraint.end_date)} ({days_from(as_of, constraint.end_date)})"


def _order_label(constraint: Constraint, as_of: dt.date) -> str:
    return f"{_short_name(constraint)} · {_ends(constraint, as_of)}"


# --- words -----------------------------------------------------------------------------


def _months(first: dt.date, last: dt.date) -> int:
    return max(1, (last.year - first.year) * 12 + last.month - first.month)


def _marks_said(marks: Sequence[Mark]) -> str:
    """ "4 incidents (3 qualifying in window, 1 outside it), 14 Sep 2024 to 18 Nov 2026"."""
    incidents = count(len(marks), "incident")
    parts = []
    inside = sum(m.kind == "qualifying" for m in marks)
    outside = sum(m.kind == "outside" for m in marks)
    if inside:
        parts.append(f"{inside} qualifying in window")
    if outside:
        parts.append(f"{outside} qualifying outside it")
    said = f"{incidents} ({', '.join(parts)})" if parts else incidents
    if marks:
        first, last = min(m.on for m in marks), max(m.on for m in marks)
        said += f", {day(first)}" if first == last else f", {day(first)} to {day(last)}"
    return said


def alt_text(
    dossier: Dossier,
    victim_lanes: Sequence[Lane],
    folded: Sequence[PersonRef],
    other: Lane | None,
    unmask: bool,
) -> str:
    """The image in words: what it covers, each lane, and each order with its end."""
    as_of = dossier.parameters.as_of
    start, end = dossier.pattern_window
    against = [m for lane in victim_lanes for m in lane.marks]
    sentences = [f"Timeline as of {day(as_of)}."]
    victims = count(len(dossier.victims), "victim")
    if against:
        first, last = min(m.on for m in against), max(m.on for m in against)
        sentences.append(
            f"{victims} over {count(_months(first, last), 'month')} ({day(first)} to {day(last)})."
        )
    else:
        sentences.append(f"{victims}.")
    sentences.append(f"ACPO window {day(start)} to {day(end)}.")
    for lane in victim_lanes:
        if lane.gid == "victim-more":
            sentences.append(
                f"{count(len(folded), 'more victim')} in one lane: {_marks_said(lane.marks)}."
            )
        else:
            name = lane.label.rsplit(" · ", 1)[0]
            sentences.append(f"{name}: {_marks_said(lane.marks)}.")
    if other:
        roles = sorted({e.role for e in dossier.timeline if e.role != "suspect"})
        how = f" (as {' or '.join(roles)})" if roles else ""
        sentences.append(f"Other involvement{how}: {_marks_said(other.marks)}.")
    for constraint in dossier.constraints:
        protects = (
            f" protecting {constraint.protected.label(unmask)}" if constraint.protected else ""
        )
        since = f"from {day(constraint.start_date)}, " if constraint.start_date else ""
        sentences.append(f"{constraint.name}{protects}: {since}{_ends(constraint, as_of)}.")
    if not dossier.constraints:
        sentences.append("No order or custody in force.")
    return " ".join(sentences)
