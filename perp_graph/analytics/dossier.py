"""What a briefing says about one serial perpetrator, as plain data.

A dossier gathers, from the records about a perpetrator (`GraphStore.records_about`)
and their scan finding: who they are, why they qualify, every incident they
were in, the victims to safeguard, what constrains them now, flags, their
current or most recent partner, and the actions that follow. Renderers only
lay it out; every judgement (what counts as "in force", "ending soon", "the
most recent partner") is made here, once, and tested here.

Everything is as of the scan's date T: incidents after T are not shown, an
order is in force on T when it started on or before T (or has no start) and
ends on or after T (or has no end).

The parts a dossier is made of (people named besides the perpetrator, timeline entries,
victims, constraints, the partner) are in perp_graph.analytics.dossier_parts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from perp_graph.analytics.actions import Action, recommend_actions
from perp_graph.analytics.alerts import Escalation
from perp_graph.analytics.assess import Assessment
from perp_graph.analytics.dossier_order import (
    order_key,
)
from perp_graph.analytics.dossier_parts import (
    ENDING_SOON_DAYS,
    ORDER_NAMES,
    SHIFT_DAYS,
    Constraint,
    Partner,
    PersonRef,
    TimelineEntry,
    Victim,
    display_name,
    initials,
)
from perp_graph.analytics.dossier_records import (
    RecordIndex,
    _constraints,
    _listed,
    _partner,
    _released,
    _timeline,
    _victims,
)
from perp_graph.analytics.priority import Priority
from perp_graph.dataset import Dataset
from perp_graph.model import Finding, ScanParameters

#: Public names; the parts of a dossier (perp_graph.analytics.dossier_parts) stay importable
#: from here.
__all__ = [
    "ENDING_SOON_DAYS",
    "HARM_CHIPS",
    "ORDER_NAMES",
    "SHIFT_DAYS",
    "UNKNOWN_NEIGHBOURHOOD",
    "Constraint",
    "Dossier",
    "Partner",
    "PersonRef",
    "RecordIndex",
    "TimelineEntry",
    "Victim",
    "briefing_order",
    "build_dossiers",
    "display_name",
    "initials",
    "with_force_rank",
    "worst_harm",
]

#: The gravest harms, gravest first, shown as a chip beside a perpetrator's name (issue 16,
#: clause 4): the first of these among their incidents as a suspect.
HARM_CHIPS: tuple[tuple[str, str], ...] = (
    ("homicide", "homicide"),
    ("sexual_offence", "sexual offence"),
    ("strangulation", "strangulation"),
    ("threats_to_kill", "threats to kill"),
)

#: Shown where a perpetrator's home and qualifying incidents have no neighbourhood.
UNKNOWN_NEIGHBOURHOOD = "Neighbourhood not recorded"


@dataclass(frozen=True)
class Dossier:
    """Everything a briefing shows about one serial perpetrator, as of the scan's date.

    Names of people other than the perpetrator are `PersonRef`s (masked unless asked);
    dates are as recorded; `victims` lists everyone the perpetrator is a suspect against.
    """

    finding: Finding
    parameters: ScanParameters
    person_id: str
    surname: str
    forenames: str
    date_of_birth: dt.date | None
    aliases: tuple[str, ...]
    pnc_id: str | None
    home_neighbourhood: str | None
    #: last known home postcode (contract 1.1 home_postcode); the records hold no date for
    #: it, so a pack dates it by the extract it came from
    home_postcode: str | None
    firearms_certificate: bool | None
    #: warning markers for officers (weapons, violence to police, ...; contract 1.1)
    warning_markers: tuple[str, ...]
    neighbourhoods: tuple[str, ...]
    timeline: tuple[TimelineEntry, ...]
    victims: tuple[Victim, ...]
    constraints: tuple[Constraint, ...]
    children_present_incidents: int
    latest_risk: TimelineEntry | None
    partner: Partner | None
    actions: tuple[Action, ...] = field(default=())
    #: from the assessment (issue 7); None / empty without one
    priority: Priority | None = None
    escalation: Escalation | None = None
    counter_parties: tuple[PersonRef, ...] = ()
    #: custody that ended in the SHIFT_DAYS before the as-of date (days_left negative)
    released: tuple[Constraint, ...] = ()
    #: the gravest harm among their incidents as a suspect (HARM_CHIPS), in words
    worst_harm: str | None = None
    #: (rank, of how many) by priority score among the force's current serial perpetrators
    force_rank: tuple[int, int] | None = None

    @property
    def status(self) -> str:
        """The finding's status: current or historic (contract, section 2)."""
        return self.finding.status

    @property
    def pattern_window(self) -> tuple[dt.date, dt.date]:
        """The window that shows the pattern: the current one, else the first."""
        window = self.finding.current_window or self.finding.first_window
        return window.start, window.end

    @property
    def pattern_victims(self) -> int:
        """How many victims the pattern window holds."""
        window = self.finding.current_window or self.finding.first_window
        return len(window.victim_ids)

    @property
    def pattern_span(self) -> tuple[dt.date, dt.date]:
        """First and last qualifying event inside the pattern window."""
        start, end = self.pattern_window
        days = [e.occurred_on for e in self.finding.events if start <= e.occurred_on <= end]
        return min(days), max(days)

    def victim_ref(self, person_id: str) -> PersonRef:
        """The reference of one of the perpetrator's victims."""
        for victim in self.victims:
            if victim.person.person_id == person_id:
                return victim.person
        raise KeyError(person_id)

    @property
    def ending_soon(self) -> tuple[Constraint, ...]:
        """The constraints that end within ENDING_SOON_DAYS of the as-of date."""
        return tuple(c for c in self.constraints if c.ending_soon)

    @property
    def release_days(self) -> int | None:
        """Days from the as-of date to the soonest release or end within ENDING_SOON_DAYS
        (negative: released that many days ago, within SHIFT_DAYS); None when neither."""
        days = [c.days_left for c in (*self.released, *self.ending_soon)]
        return min(days, key=abs) if days else None  # type: ignore[arg-type]

    @property
    def next_release(self) -> Constraint | None:
        """The release or end that `release_days` counts to (None when neither)."""
        days = self.release_days
        if days is None:
            return None
        return next(c for c in (*self.released, *self.ending_soon) if c.days_left == days)

    @property
    def full(self) -> bool:
        """Gets a full dossier in a pack: current, or high priority (the rest get a row in a
        compact table, issue 16 clause 2)."""
        return self.status == "current" or (
            self.priority is not None and self.priority.band == "high"
        )

    @property
    def other_incidents(self) -> tuple[TimelineEntry, ...]:
        """The incidents not in the qualifying table (any role), so no incident is listed
        twice."""
        return tuple(t for t in self.timeline if not t.qualifying)

    def incident(self, incident_id: str) -> TimelineEntry | None:
        """The perpetrator's timeline entry for one incident (as a suspect first)."""
        entries = [t for t in self.timeline if t.incident_id == incident_id]
        return min(entries, key=lambda t: t.role != "suspect", default=None)


# --- building dossiers -------------------------------------------------------------------------


def build_dossiers(
    findings: Iterable[Finding],
    records: Dataset,
    parameters: ScanParameters,
    assessment: Assessment | None = None,
) -> list[Dossier]:
    """One dossier per finding, in briefing order; `records` holds the records about them.

    Briefing order: current before historic; within each, the highest priority score
    first; on equal scores, those whose custody or an order ends within ENDING_SOON_DAYS
    (their victims need re-contacting now), then the scan's urgency (more victims in the
    window, then the most recent violence).
    """
    index = RecordIndex(records, parameters.as_of)
    dossiers = [_dossier(f, index, parameters, assessment) for f in findings]
    return sorted(with_force_rank(dossiers), key=briefing_order)


def briefing_order(dossier: Dossier) -> tuple[Any, ...]:
    """The sort key of dossiers in a pack: the finding's urgency group, then the priority
    score (highest first), then those with an order or custody ending soon, then urgency."""
    score = dossier.priority.score if dossier.priority else 0.0
    return order_key(dossier.finding, score, bool(dossier.ending_soon))


def _dossier(
    finding: Finding, index: RecordIndex, parameters: ScanParameters, assessment: Assessment | None
) -> Dossier:
    as_of = parameters.as_of
    pid = finding.person_id
    person = index.people.get(pid, {})
    qualifying_incidents = set(finding.qualifying_incident_ids)
    timeline = _timeline(pid, index, qualifying_incidents)
    as_suspect = [t for t in timeline if t.role == "suspect"]
    constraints = _constraints(pid, index, as_of)
    counter = (
        sorted(c.other(pid) for c in assessment.counter_of(pid)) if assessment is not None else []
    )
    victims = _victims(pid, index, finding, as_suspect, constraints, set(counter))
    with_risk = [t for t in as_suspect if t.risk_level]
    latest_risk = max(with_risk, key=lambda t: (t.occurred_on, t.incident_id), default=None)
    neighbourhoods = {person.get("home_neighbourhood")} | {
        index.incidents[i]["neighbourhood"] for i in qualifying_incidents if i in index.incidents
    }
    neighbourhoods.discard(None)
    dossier = Dossier(
        finding=finding,
        parameters=parameters,
        person_id=pid,
        surname=person.get("surname") or finding.surname,
        forenames=person.get("forenames") or finding.forenames,
        date_of_birth=person.get("date_of_birth"),
        aliases=_listed(person.get("aliases")),
        pnc_id=person.get("pnc_id"),
        home_neighbourhood=person.get("home_neighbourhood"),
        home_postcode=person.get("home_postcode"),
        firearms_certificate=person.get("firearms_certificate"),
        warning_markers=_listed(person.get("warning_markers")),
        neighbourhoods=tuple(sorted(neighbourhoods)) or (UNKNOWN_NEIGHBOURHOOD,),
        timeline=timeline,
        victims=victims,
        constraints=constraints,
        children_present_incidents=sum(t.children_present for t in as_suspect),
        latest_risk=latest_risk,
        partner=_partner(pid, index, {v.person.person_id for v in victims}),
        priority=assessment.priorities.get(pid) if assessment else None,
        escalation=assessment.escalations.get(pid) if assessment else None,
        counter_parties=tuple(index.ref(other) for other in counter),
        released=_released(pid, index, as_of),
        worst_harm=worst_harm(t.offence_category for t in as_suspect),
    )
    return replace(dossier, actions=recommend_actions(dossier))


def worst_harm(categories: Iterable[str]) -> str | None:
    """The gravest of HARM_CHIPS among offence categories, in words; None when none is."""
    seen = set(categories)
    return next((words for category, words in HARM_CHIPS if category in seen), None)


def with_force_rank(dossiers: Sequence[Dossier]) -> list[Dossier]:
    """The dossiers with `force_rank` set: the position by priority score (highest first,
    ties by the briefing order) among the current ones, "3 of 405"; historic ones get None."""
    current = sorted((d for d in dossiers if d.status == "current"), key=briefing_order)
    ranks = {d.person_id: (n, len(current)) for n, d in enumerate(current, start=1)}
    return [replace(d, force_rank=ranks.get(d.person_id)) for d in dossiers]
