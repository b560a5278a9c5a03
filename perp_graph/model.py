"""The domain: vocabularies from the data contract, the parameters of the scan and of the
priority score, and the scan's findings.

Findings are plain data with their evidence attached, so every store and every
renderer agree on one meaning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

# --- vocabularies (data contract, section 1) ---------------------------------

OFFENCE_CATEGORIES: tuple[str, ...] = (
    "homicide",
    "violence_with_injury",
    "violence_without_injury",
    "strangulation",
    "sexual_offence",
    "threats_to_kill",
    "threats",
    "harassment_fear_of_violence",
    "stalking_fear_of_violence",
    "harassment",
    "stalking",
    "coercive_control",
    "criminal_damage",
    "breach_of_order",
    "non_crime_incident",
    "other",
)

#: Categories that count as "used or threatened violence" by default (contract 1.5).
DEFAULT_VIOLENT_CATEGORIES: frozenset[str] = frozenset(OFFENCE_CATEGORIES[:9])

ROLES: tuple[str, ...] = ("victim", "suspect", "witness", "other")
RELATIONSHIPS_TO_SUSPECT: tuple[str, ...] = (
    "intimate_partner",
    "ex_intimate_partner",
    "family",
    "other",
)
RELATIONSHIP_TYPES: tuple[str, ...] = (
    "intimate_partner",
    "ex_intimate_partner",
    "family",
    "household",
    "associate",
)
#: Relationship types that make two people "are or have been intimate partners".
INTIMATE_PARTNER_TYPES: frozenset[str] = frozenset({"intimate_partner", "ex_intimate_partner"})
#: Relationship types that make two victims "connected" by default (contract 2).
DEFAULT_CONNECTION_TYPES: frozenset[str] = frozenset(
    {"family", "household", "intimate_partner", "ex_intimate_partner"}
)
ORDER_TYPES: tuple[str, ...] = (
    "bail_conditions",
    "dvpn",
    "dvpo",
    "dapo",
    "restraining_order",
    "non_molestation_order",
    "custody",
    "licence",
)
#: The kinds of action the action register keeps (analytics.actions recommends them;
#: analytics.register keeps them; [actions] due_days in the config is keyed by them).
ACTION_KINDS: tuple[str, ...] = (
    "settle_duplicate",
    "review_counter_allegation",
    "recontact_victims_before_release",
    "recontact_victims_after_release",
    "find_release_date",
    "clares_law_disclosure",
    "matac_referral",
    "marac_referral",
    "firearms_licensing_review",
    "childrens_safeguarding",
    "protective_order",
)
GENDERS: tuple[str, ...] = ("F", "M", "X", "U")
RISK_LEVELS: tuple[str, ...] = ("standard", "medium", "high")

Status = Literal["current", "historic"]


# --- scan parameters and findings (data contract, sections 2 and 3) ----------


@dataclass(frozen=True)
class ScanParameters:
    """Everything the ACPO rule depends on besides the data."""

    as_of: dt.date
    window_years: int = 3
    min_victims: int = 2
    violent_categories: frozenset[str] = DEFAULT_VIOLENT_CATEGORIES
    connection_types: frozenset[str] = DEFAULT_CONNECTION_TYPES

    def __post_init__(self) -> None:
        if self.window_years < 1:
            raise ValueError("window_years must be at least 1")
        if self.min_victims < 2:
            raise ValueError("min_victims must be at least 2")

    def as_json(self) -> dict[str, Any]:
        """The parameters as the scan JSON's `parameters` (sets as sorted lists; as_of is
        separate)."""
        return {
            "window_years": self.window_years,
            "min_victims": self.min_victims,
            "violent_categories": sorted(self.violent_categories),
            "connection_types": sorted(self.connection_types),
        }


# --- the priority score's parameters (analytics/priority.py has the formula) --------

#: Harm per offence category, in days of imprisonment (the Cambridge Crime Harm Index's
#: unit: the sentencing guideline's starting point for a first offender). Each contract
#: category groups several offences, so each value is an approximation for a typical
#: offence of the group, in the CCHI's spirit; it is not copied from the published CCHI
#: spreadsheet. Forces should set their own under [priority.harm_days] in the config.
DEFAULT_HARM_DAYS: Mapping[str, float] = MappingProxyType(
    {
        "homicide": 5475,  # murder: 15 years
        "sexual_offence": 1825,  # rape: 5 years
        "strangulation": 365,  # non-fatal strangulation (CCHI update 2023, no guideline yet)
        "violence_with_injury": 180,  # assault occasioning actual bodily harm
        "threats_to_kill": 180,
        "stalking_fear_of_violence": 180,
        "harassment_fear_of_violence": 120,
        "coercive_control": 120,
        "breach_of_order": 30,
        "stalking": 20,
        "violence_without_injury": 10,  # common assault
        "threats": 10,
        "harassment": 10,
        "criminal_damage": 2,
        "other": 1,
        "non_crime_incident": 0,
    }
)

#: Gravity reaches its full 25 points at this much harm (five years).
GRAVITY_FULL_AT_DAYS = 1825
RECENCY_HALF_LIFE_DAYS = 182.5
PARTS = ("recency", "frequency", "gravity", "victims")


@dataclass(frozen=True)
class PrioritySettings:
    """The score's weights, harm table and bands (config section [priority])."""

    weights: Mapping[str, float] = field(default_factory=lambda: dict.fromkeys(PARTS, 1.0))
    harm_days: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_HARM_DAYS))
    #: Calibrated on the demo's force (issue 16 clause 4): with 60 / 35, 304 of its 405
    #: current serial perpetrators were "high"; at 80 / 60, 99 are high (the top quarter),
    #: 205 medium and 101 standard. Forces should check the split on their own data
    #: (docs/analyst/brief-and-network.md) and set [priority] high_at / medium_at.
    high_at: float = 80.0
    medium_at: float = 60.0

    def harm(self, category: str) -> float:
        """A category's harm; a category missing from the table has none."""
        return float(self.harm_days.get(category, 0.0))

    def band(self, score: float) -> str:
        """The band of a score: high at or above `high_at`, medium at or above `medium_at`,
        otherwise standard."""
        if score >= self.high_at:
            return "high"
        if score >= self.medium_at:
            return "medium"
        return "standard"

    def as_json(self) -> dict[str, Any]:
        """The settings as plain JSON, with the harm of every contract category and the
        formula's constants (so a reader can recompute a score)."""
        return {
            "weights": dict(self.weights),
            "harm_days": {c: self.harm(c) for c in OFFENCE_CATEGORIES},
            "high_at": self.high_at,
            "medium_at": self.medium_at,
            "recency_half_life_days": RECENCY_HALF_LIFE_DAYS,
            "gravity_full_at_days": GRAVITY_FULL_AT_DAYS,
        }


@dataclass(frozen=True)
class Contact:
    """Someone a sergeant can call about a perpetrator or their victims (config [contacts]):
    the MARAC coordinator, the IDVA service, the public protection unit."""

    role: str
    name: str = ""
    phone: str = ""
    note: str = ""


@dataclass(frozen=True, order=True)
class QualifyingEvent:
    """(P, V, i, d): suspect P used or threatened violence against partner V in incident i."""

    occurred_on: dt.date
    incident_id: str
    victim_id: str
    offence_category: str
    risk_level: str | None = None


@dataclass(frozen=True)
class Window:
    """A rolling window [start, end], both ends inclusive, and what it holds."""

    start: dt.date
    end: dt.date
    victim_ids: tuple[str, ...]
    incident_ids: tuple[str, ...]

    @classmethod
    def covering(cls, events: tuple[QualifyingEvent, ...], start: dt.date, end: dt.date) -> Window:
        """The window [start, end] with the victims and incidents of the events inside it."""
        inside = [e for e in events if start <= e.occurred_on <= end]
        return cls(
            start=start,
            end=end,
            victim_ids=tuple(sorted({e.victim_id for e in inside})),
            incident_ids=tuple(sorted({e.incident_id for e in inside})),
        )

    def as_json(self) -> dict[str, Any]:
        """The window as plain JSON (dates ISO 8601, ids sorted)."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "victim_ids": list(self.victim_ids),
            "incident_ids": list(self.incident_ids),
        }


@dataclass(frozen=True)
class Finding:
    """One serial perpetrator and the evidence that makes them one."""

    person_id: str
    status: Status
    first_qualified_on: dt.date
    victim_ids: tuple[str, ...]
    qualifying_incident_ids: tuple[str, ...]
    events: tuple[QualifyingEvent, ...]
    first_window: Window
    current_window: Window | None
    surname: str = ""
    forenames: str = ""
    home_neighbourhood: str | None = None
    #: identity resolution (data contract, section 3): the records behind the perpetrator
    #: and behind each victim; empty when identities were not resolved
    record_ids: tuple[str, ...] = ()
    victim_record_ids: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: pairs of records an analyst should look at: "possible" merges touching this finding
    possible_merges: tuple[tuple[str, str], ...] = ()
    #: True when a possible merge joins two of the victims: confirmed, they would be one
    depends_on_possible_merge: bool = False

    @property
    def latest_event_on(self) -> dt.date:
        """The date of the finding's latest qualifying event."""
        return max(event.occurred_on for event in self.events)

    @property
    def urgency_key(self) -> tuple[Any, ...]:
        """Most urgent first: current before historic, more victims in the current
        window, then the most recent violence."""
        in_window = len(self.current_window.victim_ids) if self.current_window else 0
        return (
            0 if self.status == "current" else 1,
            -in_window,
            -len(self.victim_ids),
            -self.latest_event_on.toordinal(),
            self.person_id,
        )

    def as_json(self) -> dict[str, Any]:
        """The finding as the scan JSON's entry (contract, section 3, and the added fields)."""
        return {
            "person_id": self.person_id,
            "status": self.status,
            "first_qualified_on": self.first_qualified_on.isoformat(),
            "victim_ids": list(self.victim_ids),
            "qualifying_incident_ids": list(self.qualifying_incident_ids),
            "surname": self.surname,
            "forenames": self.forenames,
            "home_neighbourhood": self.home_neighbourhood,
            "latest_event_on": self.latest_event_on.isoformat(),
            "first_window": self.first_window.as_json(),
            "current_window": self.current_window.as_json() if self.current_window else None,
            "events": [
                {
                    "incident_id": e.incident_id,
                    "occurred_on": e.occurred_on.isoformat(),
                    "victim_id": e.victim_id,
                    "offence_category": e.offence_category,
                    "risk_level": e.risk_level,
                }
                for e in self.events
            ],
            **self._identity_json(),
        }

    def _identity_json(self) -> dict[str, Any]:
        if not self.record_ids:
            return {}
        return {
            "record_ids": list(self.record_ids),
            "victim_record_ids": {v: list(records) for v, records in self.victim_record_ids},
            "possible_merges": [list(pair) for pair in self.possible_merges],
            "depends_on_possible_merge": self.depends_on_possible_merge,
        }


@dataclass(frozen=True)
class ScanResult:
    """The scan's answer: parameters used and the findings, sorted by person_id."""

    parameters: ScanParameters
    perpetrators: tuple[Finding, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        """The scan JSON (contract, section 3): as_of, parameters and perpetrators by person id."""
        return {
            "as_of": self.parameters.as_of.isoformat(),
            "parameters": self.parameters.as_json(),
            "perpetrators": [f.as_json() for f in self.perpetrators],
        }

    def by_urgency(self) -> list[Finding]:
        """The perpetrators most urgent first (see `Finding.urgency_key`)."""
        return sorted(self.perpetrators, key=lambda f: f.urgency_key)
