"""The parts of a dossier (perp_graph.analytics.dossier): how a briefing names people other
than the perpetrator, and the incidents, victims, orders and partner it lists about them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: Orders and custody that end within this many days call for re-contacting the victims
#: (HMIC 2014: victims were not told when perpetrators were released).
ENDING_SOON_DAYS = 28

#: The shift sheet's first horizon: released in the last this many days, or custody or an
#: order ending within them (issue 16, clause 1).
SHIFT_DAYS = 7

#: What a briefing calls each order_type (custody and licence included).
ORDER_NAMES = {
    "bail_conditions": "Bail conditions",
    "dvpn": "Domestic Violence Protection Notice (DVPN)",
    "dvpo": "Domestic Violence Protection Order (DVPO)",
    "dapo": "Domestic Abuse Protection Order (DAPO)",
    "restraining_order": "Restraining order",
    "non_molestation_order": "Non-molestation order",
    "custody": "In custody",
    "licence": "On licence",
}


# --- people other than the perpetrator ---------------------------------------------------


@dataclass(frozen=True)
class PersonRef:
    """Someone a briefing names besides the perpetrator: masked unless asked otherwise.

    The masked form is initials and the records-system id, which is enough to
    find the person in the force's systems and no more.
    """

    person_id: str
    initials: str
    full_name: str

    def label(self, unmask: bool = False) -> str:
        """How a page names the person: initials and id, or with `unmask` the full name and id."""
        if unmask:
            return f"{self.full_name} ({self.person_id})"
        return f"{self.initials} (ref {self.person_id})"


def display_name(surname: str | None, forenames: str | None) -> str:
    """How every page and table names a person: 'SMITH, Jane Ann'. A blank name is
    unknown (contract 1.6), and says so: 'SMITH (forenames unknown)', '(surname
    unknown), Jane', '(name unknown)'."""
    surname = (surname or "").strip()
    forenames = (forenames or "").strip()
    if surname and forenames:
        return f"{surname.upper()}, {forenames}"
    if surname:
        return f"{surname.upper()} (forenames unknown)"
    if forenames:
        return f"(surname unknown), {forenames}"
    return "(name unknown)"


def initials(forenames: str | None, surname: str | None) -> str:
    """'J.S.' from 'Jane Ann', 'Smith': first letter of the first forename and the surname."""
    letters = []
    for name in (forenames, surname):
        first = next((c for c in (name or "") if c.isalnum()), "?")
        letters.append(first.upper() + ".")
    return "".join(letters)


# --- the parts of a dossier ------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    """One incident the perpetrator was involved in, in any role."""

    incident_id: str
    occurred_on: dt.date
    offence_category: str
    risk_level: str | None
    neighbourhood: str | None
    #: the officer responsible (contract 1.2), for the sergeant to ask
    officer_in_case: str | None
    role: str
    children_present: bool
    qualifying: bool
    victims: tuple[PersonRef, ...]
    suspects: tuple[PersonRef, ...]  # other suspects; when the perpetrator is the victim,
    # the suspects against them


@dataclass(frozen=True)
class Victim:
    """Someone the perpetrator is a suspect against: a person to safeguard."""

    person: PersonRef
    relationship: str | None
    qualifying: bool
    incidents: int
    first_on: dt.date
    last_on: dt.date
    highest_risk: str | None
    protected_by: tuple[str, ...]  # orders in force that bind the perpetrator and protect them
    #: also recorded as a suspect against the perpetrator: a counter-allegation to review
    counter_allegation: bool = False


@dataclass(frozen=True)
class Constraint:
    """An order or custody binding the perpetrator on the as-of date."""

    order_type: str
    start_date: dt.date | None
    end_date: dt.date | None
    protected: PersonRef | None
    days_left: int | None  # None when the end date is not recorded

    @property
    def name(self) -> str:
        """The order's name as a briefing prints it (its order_type when not a known one)."""
        return ORDER_NAMES.get(self.order_type, self.order_type)

    @property
    def ending_soon(self) -> bool:
        """Ends within ENDING_SOON_DAYS of the as-of date (False when no end date is recorded)."""
        return self.days_left is not None and self.days_left <= ENDING_SOON_DAYS

    @property
    def is_custody(self) -> bool:
        """The perpetrator is in custody (the end date is the expected release, contract 1.4b)."""
        return self.order_type == "custody"

    @property
    def ends_within_shift(self) -> bool:
        """Ends within SHIFT_DAYS of the as-of date (the shift sheet's first list)."""
        return self.days_left is not None and 0 <= self.days_left <= SHIFT_DAYS

    @property
    def what_ends(self) -> str:
        """What the end date means, in words: "released" for custody, else "ends"."""
        return "released" if self.is_custody else "ends"


@dataclass(frozen=True)
class Partner:
    """The current or most recent intimate partner, and how the records show it."""

    person: PersonRef
    current: bool
    seen_on: dt.date | None
    evidence: str
    is_victim: bool
