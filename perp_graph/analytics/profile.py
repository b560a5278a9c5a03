"""The problem profile: the force's and each neighbourhood's domestic abuse picture over time,
for chief officers' oversight (HMIC 2014: the response was scrutinised only as part of
violent crime).

Per calendar quarter (the last one up to the as-of date T), for the force and for each
neighbourhood (the incident's neighbourhood; serial perpetrators routed as the briefings
route them):
- incidents recorded, and those that count as violence;
- repeat victims: victims of an incident in the quarter who were also the victim of another
  incident in the 12 months before it;
- serial perpetrators current and historic at the quarter's end (the ACPO scan as of that
  day, run by the store);
- risk mix: incidents by DASH risk level (or not recorded);
- outcomes: incidents by the `outcome` column of incidents.csv when the export carries one
  (an extra column; "not recorded" otherwise), and protective orders started in the quarter.

Which quarters can be trusted (issue 16, clause 8). The records start on the earliest
incident's day, so a count that looks back undercounts until the records reach far enough:
- serial perpetrators need the whole ACPO window (3 years) before the quarter's end
  (`history_complete`);
- repeat victims need 12 months before the quarter's start (`repeat_history_complete`);
- every count needs the records to cover the quarter itself (`records_complete`).
The last quarter is partial when T is not a quarter's end (`Quarter.partial`, with its days).

Year-on-year change, rates and the findings in words: perp_graph.analytics.profile_findings.
Counting the series from the records: perp_graph.analytics.profile_build.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from perp_graph import wording
from perp_graph.analytics.acpo import window_start

if TYPE_CHECKING:
    from perp_graph.analytics.profile_actions import Oversight
    from perp_graph.analytics.profile_findings import Rates, YearOnYear

FORCE = "Whole force"
NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class Quarter:
    """One calendar quarter of the profile, [start, end] both inclusive."""

    label: str  # "2024 Q3"
    start: dt.date
    end: dt.date  # the quarter's last day, or T for the last quarter
    calendar_end: dt.date  # the quarter's last day in the calendar

    @property
    def days(self) -> int:
        """Days of the quarter counted (to T for the last quarter)."""
        return (self.end - self.start).days + 1

    @property
    def calendar_days(self) -> int:
        """Days in the calendar quarter (90 to 92)."""
        return (self.calendar_end - self.start).days + 1

    @property
    def partial(self) -> bool:
        """The quarter ends on T before its calendar end."""
        return self.end < self.calendar_end

    def partial_note(self) -> str:
        """ "to 30 Nov 2026, 61 of 92 days" for a partial quarter, "" otherwise."""
        if not self.partial:
            return ""
        return f"to {wording.day(self.end)}, {self.days} of {self.calendar_days} days"


@dataclass
class AreaProfile:
    """One area's series, one value per quarter."""

    name: str
    incidents: list[int] = field(default_factory=list)
    violent_incidents: list[int] = field(default_factory=list)
    repeat_victims: list[int] = field(default_factory=list)
    serial_current: list[int] = field(default_factory=list)
    serial_historic: list[int] = field(default_factory=list)
    risk: dict[str, list[int]] = field(default_factory=dict)
    outcomes: dict[str, list[int]] = field(default_factory=dict)
    protective_orders: list[int] = field(default_factory=list)
    year_on_year: dict[str, YearOnYear] = field(default_factory=dict)
    rates: Rates | None = None
    findings: list[str] = field(default_factory=list)
    #: the action register's figures (profile_actions); None: not read for this profile
    actions: Oversight | None = None

    def as_json(self, periods: Sequence[Quarter] = ()) -> dict[str, Any]:
        """The area's series as plain JSON (one value per quarter, oldest first), with its
        findings in words, year-on-year comparisons, rates and the action register's
        figures (`periods`: the profile's quarters, to name the register's first)."""
        return {
            "name": self.name,
            "findings": self.findings,
            "year_on_year": {k: v.as_json() for k, v in self.year_on_year.items()},
            "rates": None if self.rates is None else self.rates.as_json(),
            "incidents": self.incidents,
            "violent_incidents": self.violent_incidents,
            "repeat_victims": self.repeat_victims,
            "serial_current": self.serial_current,
            "serial_historic": self.serial_historic,
            "risk": self.risk,
            "outcomes": self.outcomes,
            "protective_orders": self.protective_orders,
            "actions": None if self.actions is None else self.actions.as_json(periods),
        }


@dataclass(frozen=True)
class Profile:
    """The problem profile: the force's and each neighbourhood's quarterly series up to
    `as_of`. `outcome_recorded`: some incident records an outcome (an `outcome` extra
    column of incidents.csv). `history` says which quarters the records reach back far
    enough for; `comparison` is the quarter compared year on year (None: no complete
    quarter)."""

    as_of: dt.date
    quarters: tuple[Quarter, ...]
    force: AreaProfile
    neighbourhoods: tuple[AreaProfile, ...]
    outcome_recorded: bool
    history: History
    comparison: int | None

    @property
    def latest(self) -> Quarter:
        """The last quarter (partial when T is not a quarter's end)."""
        return self.quarters[-1]

    def comparison_note(self) -> str:
        """Which quarters year-on-year change compares, in words."""
        if self.comparison is None:
            return "No year-on-year change: there is no complete quarter."
        now = self.quarters[self.comparison]
        note = (
            "Year on year compares the last complete quarter, "
            f"{now.label} (to {wording.day(now.end)}), with the same quarter a year before"
        )
        if self.latest.partial:
            note += (
                f"; {self.latest.label} is partial ({self.latest.partial_note()}) "
                "and is not compared"
            )
        return note + "."

    def as_json(self) -> dict[str, Any]:
        """The profile as plain JSON (profile.json; dates ISO 8601)."""
        h = self.history
        return {
            "as_of": self.as_of.isoformat(),
            "records_start": None if h.records_start is None else h.records_start.isoformat(),
            "window_years": h.window_years,
            "quarters": [
                {
                    "label": q.label,
                    "start": q.start.isoformat(),
                    "end": q.end.isoformat(),
                    "days": q.days,
                    "calendar_days": q.calendar_days,
                    "partial": q.partial,
                    "history_complete": h.serial[n],
                    "repeat_history_complete": h.repeat[n],
                    "records_complete": h.records[n],
                }
                for n, q in enumerate(self.quarters)
            ],
            "comparison": None
            if self.comparison is None
            else {
                "quarter": self.quarters[self.comparison].label,
                "year_ago_quarter": self.quarters[self.comparison - 4].label
                if self.comparison >= 4
                else None,
                "rule": self.comparison_note(),
            },
            "rate_denominator": "incidents recorded in the area (the export has no population)",
            "force": self.force.as_json(self.quarters),
            "neighbourhoods": [n.as_json(self.quarters) for n in self.neighbourhoods],
            "outcome_recorded": self.outcome_recorded,
        }


@dataclass(frozen=True)
class History:
    """How far back the records reach for each quarter (one flag per quarter, oldest
    first): `serial`, the whole ACPO window before the quarter's end; `repeat`, 12 months
    before its start; `records`, the quarter itself. `records_start`: the earliest
    incident's day (None: no incidents)."""

    records_start: dt.date | None
    window_years: int
    serial: tuple[bool, ...]
    repeat: tuple[bool, ...]
    records: tuple[bool, ...]

    def first_complete(self, flags: Sequence[bool], periods: Sequence[Quarter]) -> str:
        """The label of the first quarter from which `flags` hold to the end ("" if none)."""
        n = len(flags)
        while n > 0 and flags[n - 1]:
            n -= 1
        return periods[n].label if n < len(periods) else ""


def history(
    periods: Sequence[Quarter], records_start: dt.date | None, window_years: int
) -> History:
    """Which quarters the records reach back far enough for: a serial count on a quarter's
    last day needs records from the start of the ACPO window before it; a repeat victim
    needs 12 months before the quarter's start; any count needs the quarter itself."""
    if records_start is None:
        every = tuple(True for _ in periods)
        return History(None, window_years, every, every, every)
    return History(
        records_start,
        window_years,
        tuple(records_start <= window_start(q.end, window_years) for q in periods),
        tuple(records_start <= window_start(q.start, 1) for q in periods),
        tuple(records_start <= q.start for q in periods),
    )


def comparison_quarter(periods: Sequence[Quarter]) -> int | None:
    """The quarter compared year on year: the latest, or the one before it when the latest
    is partial (None when there is none)."""
    if not periods:
        return None
    n = len(periods) - 1 - periods[-1].partial
    return n if n >= 0 else None


def quarters(as_of: dt.date, years: int) -> tuple[Quarter, ...]:
    """Calendar quarters covering the `years` before T, the last ending on T."""
    first = window_start(as_of, years) + dt.timedelta(days=1)
    out = []
    year, q = first.year, (first.month - 1) // 3
    while True:
        start = dt.date(year, 3 * q + 1, 1)
        if start > as_of:
            break
        nxt = dt.date(year + (q == 3), 3 * ((q + 1) % 4) + 1, 1)
        end = min(nxt - dt.timedelta(days=1), as_of)
        out.append(Quarter(f"{year} Q{q + 1}", start, end, nxt - dt.timedelta(days=1)))
        year, q = (year + 1, 0) if q == 3 else (year, q + 1)
    return tuple(out)
