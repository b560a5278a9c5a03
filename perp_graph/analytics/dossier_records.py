"""What a dossier reads of the records about its perpetrators (`RecordIndex`), and the parts
built from them: orders in force and releases, the timeline, the victims, the partner, the
relationship between two people. `analytics.dossier` assembles a dossier from these.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import pandas as pd

from perp_graph.analytics.dossier_parts import (
    SHIFT_DAYS,
    Constraint,
    Partner,
    PersonRef,
    TimelineEntry,
    Victim,
    initials,
)
from perp_graph.dataset import Dataset
from perp_graph.model import INTIMATE_PARTNER_TYPES, RISK_LEVELS, Finding
from perp_graph.wording import day


class RecordIndex:
    """The records about the perpetrators, keyed for per-person lookups: people and
    incidents by id (incidents after `as_of` left out), involvements by incident and by
    person, relationships by either person, orders by person; rows as dicts."""

    def __init__(self, records: Dataset, as_of: dt.date) -> None:
        self.as_of = as_of
        self.people = {r["person_id"]: r for r in _records(records.people)}
        self.incidents = {
            r["incident_id"]: r
            for r in _records(records.incidents)
            if r["occurred_on"] is not None and r["occurred_on"] <= as_of
        }
        self.by_incident: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.by_person: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in _records(records.involvements):
            if row["incident_id"] in self.incidents:
                self.by_incident[row["incident_id"]].append(row)
                self.by_person[row["person_id"]].append(row)
        self.relationships: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in _records(records.relationships):
            self.relationships[row["person_id_a"]].append(row)
            self.relationships[row["person_id_b"]].append(row)
        self.orders: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in _records(records.orders):
            self.orders[row["person_id"]].append(row)

    def ref(self, person_id: str) -> PersonRef:
        """A person as packs name them: initials, and the full name for unmasked packs."""
        person = self.people.get(person_id, {})
        forenames, surname = person.get("forenames"), person.get("surname")
        full = " ".join(part for part in (forenames, (surname or "").upper()) if part)
        return PersonRef(person_id, initials(forenames, surname), full or person_id)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with None for missing values and datetime.date for dates."""
    out = frame.astype(object).where(frame.notna(), None)
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            out[column] = [None if pd.isna(v) else v.date() for v in frame[column]]
    return out.to_dict("records")


def _released(pid: str, index: RecordIndex, as_of: dt.date) -> tuple[Constraint, ...]:
    """Custody that ended in the SHIFT_DAYS before `as_of`: released, victims to re-contact."""
    released = []
    for order in index.orders.get(pid, []):
        end = order["end_date"]
        if order["order_type"] != "custody" or end is None:
            continue
        if as_of - dt.timedelta(days=SHIFT_DAYS) <= end < as_of:
            protected = order["protected_person_id"]
            released.append(
                Constraint(
                    order_type="custody",
                    start_date=order["start_date"],
                    end_date=end,
                    protected=index.ref(protected) if protected else None,
                    days_left=(end - as_of).days,
                )
            )
    return tuple(sorted(released, key=lambda c: -(c.days_left or 0)))


def _listed(cell: str | None) -> tuple[str, ...]:
    """A `;`-separated cell (aliases, warning markers) as its non-blank parts."""
    return tuple(part.strip() for part in (cell or "").split(";") if part.strip())


def _timeline(pid: str, index: RecordIndex, qualifying: set[str]) -> tuple[TimelineEntry, ...]:
    entries = []
    for involvement in index.by_person.get(pid, []):
        incident = index.incidents[involvement["incident_id"]]
        others = [o for o in index.by_incident[incident["incident_id"]] if o["person_id"] != pid]
        entries.append(
            TimelineEntry(
                incident_id=incident["incident_id"],
                occurred_on=incident["occurred_on"],
                offence_category=incident["offence_category"],
                risk_level=incident["risk_level"],
                neighbourhood=incident["neighbourhood"],
                officer_in_case=incident.get("officer_in_case"),
                role=involvement["role"],
                children_present=bool(incident["children_present"]),
                qualifying=incident["incident_id"] in qualifying
                and involvement["role"] == "suspect",
                victims=tuple(
                    index.ref(o["person_id"])
                    for o in sorted(others, key=lambda o: o["person_id"])
                    if o["role"] == "victim"
                ),
                suspects=tuple(
                    index.ref(o["person_id"])
                    for o in sorted(others, key=lambda o: o["person_id"])
                    if o["role"] == "suspect"
                ),
            )
        )
    entries.sort(key=lambda t: (t.occurred_on, t.incident_id, t.role))
    return tuple(entries)


def _victims(
    pid: str,
    index: RecordIndex,
    finding: Finding,
    as_suspect: Sequence[TimelineEntry],
    constraints: Sequence[Constraint],
    counter: set[str],
) -> tuple[Victim, ...]:
    seen: dict[str, list[TimelineEntry]] = defaultdict(list)
    for entry in as_suspect:
        for victim in entry.victims:
            seen[victim.person_id].append(entry)
    qualifying = set(finding.victim_ids)
    victims = []
    for victim_id, entries in seen.items():
        risks = [e.risk_level for e in entries if e.risk_level in RISK_LEVELS]
        victims.append(
            Victim(
                person=index.ref(victim_id),
                relationship=_relationship(pid, victim_id, index),
                qualifying=victim_id in qualifying,
                incidents=len(entries),
                first_on=min(e.occurred_on for e in entries),
                last_on=max(e.occurred_on for e in entries),
                highest_risk=max(risks, key=RISK_LEVELS.index) if risks else None,
                protected_by=tuple(
                    c.name
                    for c in constraints
                    if c.protected and c.protected.person_id == victim_id
                ),
                counter_allegation=victim_id in counter,
            )
        )
    victims.sort(key=lambda v: (not v.qualifying, -v.last_on.toordinal(), v.person.person_id))
    return tuple(victims)


def _relationship(pid: str, other: str, index: RecordIndex) -> str | None:
    """How `other` relates to the perpetrator: the latest incident's record of it, else a
    relationship record."""
    latest: tuple[dt.date, str] | None = None
    for involvement in index.by_person.get(other, []):
        rts = involvement["relationship_to_suspect"]
        if involvement["role"] != "victim" or not rts:
            continue
        suspects = {
            o["person_id"]
            for o in index.by_incident[involvement["incident_id"]]
            if o["role"] == "suspect"
        }
        if pid in suspects:
            day = index.incidents[involvement["incident_id"]]["occurred_on"]
            if latest is None or day >= latest[0]:
                latest = (day, rts)
    if latest:
        return latest[1]
    for row in index.relationships.get(pid, []):
        if other in (row["person_id_a"], row["person_id_b"]):
            return row["relationship_type"]
    return None


def _constraints(pid: str, index: RecordIndex, as_of: dt.date) -> tuple[Constraint, ...]:
    constraints = []
    for order in index.orders.get(pid, []):
        start, end = order["start_date"], order["end_date"]
        if (start is not None and start > as_of) or (end is not None and end < as_of):
            continue
        protected = order["protected_person_id"]
        constraints.append(
            Constraint(
                order_type=order["order_type"],
                start_date=start,
                end_date=end,
                protected=index.ref(protected) if protected else None,
                days_left=(end - as_of).days if end is not None else None,
            )
        )
    constraints.sort(
        key=lambda c: (
            not c.is_custody,
            c.days_left if c.days_left is not None else math.inf,
            c.order_type,
        )
    )
    return tuple(constraints)


def _partner(pid: str, index: RecordIndex, victims: set[str]) -> Partner | None:
    """The current partner (an ongoing intimate-partner relationship record), else the most
    recent one seen in relationship records or incidents."""
    as_of = index.as_of
    candidates: list[tuple[bool, dt.date, str, str]] = []
    for row in index.relationships.get(pid, []):
        if row["relationship_type"] not in INTIMATE_PARTNER_TYPES:
            continue
        other = row["person_id_b"] if row["person_id_a"] == pid else row["person_id_a"]
        start, end = row["start_date"], row["end_date"]
        if start is not None and start > as_of:
            continue
        ongoing = row["relationship_type"] == "intimate_partner" and (end is None or end >= as_of)
        seen = as_of if ongoing else (min(end, as_of) if end else start) or dt.date.min
        kind = "intimate partner" if ongoing else "former intimate partner"
        since = f" since {day(start)}" if start else ""
        candidates.append((ongoing, seen, other, f"relationship record: {kind}{since}"))
    for involvement in index.by_person.get(pid, []):
        if involvement["role"] != "suspect":
            continue
        incident = index.incidents[involvement["incident_id"]]
        for other in index.by_incident[incident["incident_id"]]:
            if other["role"] == "victim" and other["relationship_to_suspect"] in (
                INTIMATE_PARTNER_TYPES
            ):
                candidates.append(
                    (
                        False,
                        incident["occurred_on"],
                        other["person_id"],
                        f"victim in incident {incident['incident_id']}, recorded as "
                        + other["relationship_to_suspect"].replace("_", " "),
                    )
                )
    if not candidates:
        return None
    ongoing, seen, other, evidence = max(candidates, key=lambda c: (c[0], c[1], c[2]))
    return Partner(
        person=index.ref(other),
        current=ongoing,
        seen_on=None if seen == dt.date.min else seen,
        evidence=evidence,
        is_victim=other in victims,
    )
