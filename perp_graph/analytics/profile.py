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

Year-on-year change compares the last complete quarter (the latest one, or the one before
it when the latest is partial) with the same quarter a year before, and only when both have
the history the measure needs; otherwise the change is not given. Rates per neighbourhood:
the export has no population, so the denominator is incidents recorded in the neighbourhood
(current serial perpetrators per 1,000 incidents in the 12 months to the quarter's end;
repeat victims per 1,000 incidents in the quarter).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from perp_graph import wording
from perp_graph.analytics.acpo import window_start
from perp_graph.dataset import Dataset
from perp_graph.model import RISK_LEVELS, ScanParameters, ScanResult

FORCE = "Whole force"
NOT_RECORDED = "not recorded"
PROTECTIVE_ORDERS = ("dvpn", "dvpo", "dapo", "restraining_order", "non_molestation_order")


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


# Year-on-year measures: the series compared, as named in profile.json and in words.
MEASURES = {
    "serial_current": "current serial perpetrators",
    "repeat_victims": "repeat victims",
    "incidents": "incidents",
}
# The highest rate is named only among neighbourhoods with at least this many incidents in
# the 12 months (a handful of incidents makes a rate that means nothing).
MIN_INCIDENTS_FOR_RATE = 50


@dataclass(frozen=True)
class YearOnYear:
    """One measure in the comparison quarter and in the same quarter a year before.
    `year_ago` is None when the two cannot be compared (`reason` says why)."""

    measure: str  # a key of MEASURES
    quarter: str
    value: int
    year_ago_quarter: str
    year_ago: int | None
    reason: str = ""

    @property
    def change(self) -> float | None:
        """The change in per cent (None: not comparable, or nothing a year ago)."""
        if self.year_ago is None or self.year_ago == 0:
            return None
        return (self.value - self.year_ago) / self.year_ago * 100

    def words(self) -> str:
        """ "up 12% on a year ago (362)", "unchanged on a year ago (362)", or why not."""
        if self.year_ago is None:
            return f"no year-on-year change ({self.reason})"
        before = f"{self.year_ago:,}"
        if self.value == self.year_ago:
            return f"unchanged on a year ago ({before})"
        direction = "up" if self.value > self.year_ago else "down"
        change = self.change
        if change is None:
            return f"{direction} from {before} a year ago"
        size = "under 1" if abs(change) < 0.5 else f"{abs(change):.0f}"
        return f"{direction} {size}% on a year ago ({before})"

    def as_json(self) -> dict[str, Any]:
        """The comparison as plain JSON (change in per cent, one decimal, or null)."""
        change = self.change
        return {
            "quarter": self.quarter,
            "value": self.value,
            "year_ago_quarter": self.year_ago_quarter,
            "year_ago": self.year_ago,
            "change_percent": None if change is None else round(change, 1),
            "comparable": self.year_ago is not None,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Rates:
    """An area's rates in the comparison quarter, per 1,000 incidents recorded in the area
    (the export has no population): current serial perpetrators at the quarter's end per
    1,000 incidents in the 12 months to that day, and repeat victims in the quarter per
    1,000 incidents in the quarter. None where there were no incidents. `complete`: the
    records cover the 12 months and the ACPO window before the quarter's end."""

    quarter: str
    to: dt.date
    incidents_12_months: int
    serial_current: int
    serial_per_1000: float | None
    incidents_quarter: int
    repeat_victims: int
    repeat_per_1000: float | None
    complete: bool

    def as_json(self) -> dict[str, Any]:
        """The rates as plain JSON (one decimal), with their denominators."""
        return {
            "quarter": self.quarter,
            "to": self.to.isoformat(),
            "denominator": "incidents recorded in the area",
            "incidents_12_months": self.incidents_12_months,
            "serial_current": self.serial_current,
            "serial_current_per_1000_incidents_12_months": _one_place(self.serial_per_1000),
            "incidents_quarter": self.incidents_quarter,
            "repeat_victims": self.repeat_victims,
            "repeat_victims_per_1000_incidents_quarter": _one_place(self.repeat_per_1000),
            "complete": self.complete,
        }


def _one_place(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


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

    def as_json(self) -> dict[str, Any]:
        """The area's series as plain JSON (one value per quarter, oldest first), with its
        findings in words, year-on-year comparisons and rates."""
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
            "force": self.force.as_json(),
            "neighbourhoods": [n.as_json() for n in self.neighbourhoods],
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


def build_profile(
    records: Dataset,
    parameters: ScanParameters,
    years: int,
    scan_as_of: Callable[[dt.date], ScanResult],
) -> Profile:
    """The profile from the force records (on identities); `scan_as_of(day)` runs the
    store's ACPO scan as of that day with the same parameters."""
    as_of = parameters.as_of
    periods = quarters(as_of, years)
    incidents = records.incidents[records.incidents["occurred_on"] <= np.datetime64(as_of, "s")]
    incidents = incidents.assign(
        quarter=_quarter_index(incidents["occurred_on"], periods),
        area=incidents["neighbourhood"].fillna(NOT_RECORDED),
        violent=incidents["offence_category"].isin(list(parameters.violent_categories)),
        risk=incidents["risk_level"].where(
            incidents["risk_level"].isin(list(RISK_LEVELS)), NOT_RECORDED
        ),
        outcome=[_outcome(extra) for extra in incidents["extra"]],
    )
    outcome_recorded = bool((incidents["outcome"] != NOT_RECORDED).any())
    shown = incidents[incidents["quarter"] >= 0]
    areas = sorted(set(shown["area"]) | _homes(records), key=str.casefold)

    force = AreaProfile(FORCE)
    by_area = {name: AreaProfile(name) for name in areas}
    everywhere = (force, *by_area.values())
    n = len(periods)

    # Every incident counts for its area and for the whole force.
    both = pd.concat([shown, shown.assign(area=FORCE)], ignore_index=True)

    def counts(frame: pd.DataFrame, column: str | None = None) -> dict[Any, int]:
        keys = ["area", "quarter"] if column is None else ["area", column, "quarter"]
        return frame.groupby(keys).size().to_dict()

    totals = counts(both)
    violent = counts(both[both["violent"]])
    risk = counts(both, "risk")
    outcome = counts(both, "outcome")
    repeat = _repeat_victims(records, incidents, n)
    orders = _protective_orders(records, periods)
    for profile in everywhere:
        name = profile.name
        profile.incidents = [totals.get((name, q), 0) for q in range(n)]
        profile.violent_incidents = [violent.get((name, q), 0) for q in range(n)]
        profile.risk = {
            level: [risk.get((name, level, q), 0) for q in range(n)]
            for level in (*RISK_LEVELS, NOT_RECORDED)
        }
        labels = sorted({k[1] for k in outcome if k[0] == name})
        profile.outcomes = {
            label: [outcome.get((name, label, q), 0) for q in range(n)] for label in labels
        }
        profile.repeat_victims = [len(repeat.get((name, q), ())) for q in range(n)]
        profile.protective_orders = [orders.get((name, q), 0) for q in range(n)]
        profile.serial_current, profile.serial_historic = [0] * n, [0] * n

    incident_area = dict(zip(incidents["incident_id"], incidents["area"], strict=True))
    homes = _home_of(records)
    for q, period in enumerate(periods):
        result = scan_as_of(period.end)
        for finding in result.perpetrators:
            places = {homes.get(finding.person_id)} | {
                incident_area.get(i) for i in finding.qualifying_incident_ids
            }
            places.discard(None)
            for profile in [force, *(by_area[p] for p in places if p in by_area)]:
                if finding.status == "current":
                    profile.serial_current[q] += 1
                else:
                    profile.serial_historic[q] += 1
    starts = incidents["occurred_on"].dropna()
    records_start = None if starts.empty else starts.min().date()
    hist = history(periods, records_start, parameters.window_years)
    c = comparison_quarter(periods)
    for profile in everywhere:
        profile.year_on_year = _year_on_year(profile, periods, hist, c)
        profile.rates = _rates(profile, periods, hist, c)
    _write_findings(force, list(by_area.values()), periods, hist, c)
    return Profile(as_of, periods, force, tuple(by_area.values()), outcome_recorded, hist, c)


def _year_on_year(
    area: AreaProfile, periods: Sequence[Quarter], hist: History, c: int | None
) -> dict[str, YearOnYear]:
    """Each measure in quarter `c` against the same quarter a year before, where both have
    the history the measure needs."""
    if c is None:
        return {}
    flags = {
        "serial_current": hist.serial,
        "repeat_victims": hist.repeat,
        "incidents": hist.records,
    }
    lacks = {
        "serial_current": f"under {hist.window_years} years of records before its end",
        "repeat_victims": "under 12 months of records before it",
        "incidents": "records for only part of it",
    }
    now = periods[c]
    out = {}
    for measure in MEASURES:
        series: list[int] = getattr(area, measure)
        a = c - 4
        if a < 0:
            out[measure] = YearOnYear(
                measure, now.label, series[c], "", None, "the profile has no quarter a year before"
            )
            continue
        before = periods[a]
        reason = ""
        if not flags[measure][c]:
            reason = f"{now.label} has {lacks[measure]}"
        elif not flags[measure][a]:
            reason = f"{before.label} has {lacks[measure]}"
        out[measure] = YearOnYear(
            measure, now.label, series[c], before.label, None if reason else series[a], reason
        )
    return out


def _per_1000(n: int, incidents: int) -> float | None:
    return None if incidents == 0 else n / incidents * 1000


def _rates(
    area: AreaProfile, periods: Sequence[Quarter], hist: History, c: int | None
) -> Rates | None:
    """The area's rates in quarter `c` per 1,000 incidents recorded there."""
    if c is None:
        return None
    first = max(0, c - 3)
    in_year = sum(area.incidents[first : c + 1])
    return Rates(
        quarter=periods[c].label,
        to=periods[c].end,
        incidents_12_months=in_year,
        serial_current=area.serial_current[c],
        serial_per_1000=_per_1000(area.serial_current[c], in_year),
        incidents_quarter=area.incidents[c],
        repeat_victims=area.repeat_victims[c],
        repeat_per_1000=_per_1000(area.repeat_victims[c], area.incidents[c]),
        complete=c >= 3 and hist.serial[c] and hist.repeat[c] and all(hist.records[first : c + 1]),
    )


def ranked(neighbourhoods: Sequence[AreaProfile]) -> list[AreaProfile]:
    """Neighbourhoods by current serial perpetrators per 1,000 incidents, highest first:
    those with a recorded neighbourhood and at least MIN_INCIDENTS_FOR_RATE incidents in
    the 12 months (ties by name)."""
    rated = [
        a
        for a in neighbourhoods
        if a.name != NOT_RECORDED
        and a.rates is not None
        and a.rates.serial_per_1000 is not None
        and a.rates.incidents_12_months >= MIN_INCIDENTS_FOR_RATE
    ]
    return sorted(rated, key=lambda a: (-(a.rates.serial_per_1000 or 0), a.name.casefold()))


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _rate_words(rates: Rates) -> str:
    text = (
        f"{rates.serial_per_1000:.1f} current serial perpetrators per 1,000 incidents "
        f"recorded in the 12 months to {wording.day(rates.to)}"
    )
    if not rates.complete:
        text += " (undercounts: the records do not reach back far enough)"
    return text


def _rate_findings(
    area: AreaProfile, force: AreaProfile, order: Sequence[AreaProfile]
) -> list[str]:
    """The rate finding: for the force, the neighbourhood with the highest rate; for a
    neighbourhood, its rate and rank. Compared with the median neighbourhood, not the force:
    a perpetrator counts in every neighbourhood he lives or offends in."""
    rates = [a.rates.serial_per_1000 for a in order if a.rates and a.rates.serial_per_1000]
    median = f"median neighbourhood {float(np.median(rates)):.1f}" if rates else ""
    if area is force:
        if not order or order[0].rates is None:
            return []
        top = order[0]
        return [
            f"Highest rate: {top.name}, {_rate_words(top.rates)} ({median}; among "
            f"{wording.count(len(order), 'neighbourhood')} with at least "
            f"{wording.count(MIN_INCIDENTS_FOR_RATE, 'incident')} in the 12 months)."
        ]
    if area.rates is None or area.rates.serial_per_1000 is None:
        return []
    names = [a.name for a in order]
    if area.name in names:
        where = f"{_ordinal(names.index(area.name) + 1)} highest of {len(order)} neighbourhoods"
    elif area.name == NOT_RECORDED:
        where = "not ranked: no neighbourhood recorded"
    else:
        least = wording.count(MIN_INCIDENTS_FOR_RATE, "incident")
        where = f"not ranked: under {least} in the 12 months"
    return [f"Rate: {_rate_words(area.rates)} ({median}); {where}."]


def _write_findings(
    force: AreaProfile,
    areas: Sequence[AreaProfile],
    periods: Sequence[Quarter],
    hist: History,
    c: int | None,
) -> None:
    """Key findings in words, the force's first then each neighbourhood's."""
    order = ranked(areas)
    for area in (force, *areas):
        lines: list[str] = []
        if c is not None:
            now = periods[c]
            yoy = area.year_on_year
            lines += [
                f"Serial perpetrators (current, on {wording.day(now.end)}): "
                f"{area.serial_current[c]:,}, {yoy['serial_current'].words()}.",
                f"Repeat victims in {now.label}: {area.repeat_victims[c]:,}, "
                f"{yoy['repeat_victims'].words()}.",
                f"Incidents in {now.label}: {area.incidents[c]:,}, {yoy['incidents'].words()}.",
            ]
            lines += _rate_findings(area, force, order)
        latest = periods[-1] if periods else None
        if latest is not None and latest.partial:
            n = len(periods) - 1
            lines.append(
                f"{latest.label} so far ({latest.partial_note()}): "
                f"{wording.count(area.incidents[n], 'incident')}, "
                f"{area.serial_current[n]:,} current serial perpetrators "
                f"on {wording.day(latest.end)}."
            )
        if hist.records_start is not None and not hist.serial[-1 if c is None else c]:
            lines.append(
                "Serial counts undercount throughout: the records start "
                f"{wording.day(hist.records_start)}, under {hist.window_years} years before."
            )
        area.findings = lines


def _quarter_index(days: pd.Series, periods: Sequence[Quarter]) -> np.ndarray:
    """Each date's quarter number, -1 before the first."""
    starts = np.array([np.datetime64(p.start, "s") for p in periods])
    index = np.searchsorted(starts, days.to_numpy(), side="right") - 1
    return index


def _outcome(extra: Any) -> str:
    if extra is None or pd.isna(extra):
        return NOT_RECORDED
    try:
        values = json.loads(extra)
    except ValueError:
        return NOT_RECORDED
    for key, value in values.items():
        if key.strip().casefold() == "outcome" and isinstance(value, str) and value.strip():
            return value.strip().replace("_", " ")
    return NOT_RECORDED


def _homes(records: Dataset) -> set[str]:
    return set(records.people["home_neighbourhood"].dropna())


def _home_of(records: Dataset) -> dict[str, str]:
    people = records.people.dropna(subset=["home_neighbourhood"])
    return dict(zip(people["person_id"], people["home_neighbourhood"], strict=True))


def _repeat_victims(
    records: Dataset, incidents: pd.DataFrame, n: int
) -> dict[tuple[str, int], set[str]]:
    """(area, quarter) -> victims of an incident there who were victims of another incident
    in the 12 months before it."""
    involvements = records.involvements[records.involvements["role"] == "victim"]
    rows = involvements.merge(
        incidents[["incident_id", "occurred_on", "quarter", "area"]], on="incident_id"
    ).sort_values(["person_id", "occurred_on", "incident_id"], kind="stable")
    out: dict[tuple[str, int], set[str]] = defaultdict(set)
    previous: dict[str, list[pd.Timestamp]] = defaultdict(list)
    for victim, day, quarter, area in zip(
        rows["person_id"], rows["occurred_on"], rows["quarter"], rows["area"], strict=True
    ):
        earlier = previous[victim]
        year_ago = pd.Timestamp(window_start(day.date(), 1))
        if quarter >= 0 and any(year_ago <= e for e in earlier):
            out[(area, int(quarter))].add(victim)
            out[(FORCE, int(quarter))].add(victim)
        earlier.append(day)
    return out


def _protective_orders(records: Dataset, periods: Sequence[Quarter]) -> Counter:
    """(area, quarter) -> protective orders started, by the bound person's home."""
    orders = records.orders[
        records.orders["order_type"].isin(list(PROTECTIVE_ORDERS))
        & records.orders["start_date"].notna()
    ]
    orders = orders[orders["start_date"] <= np.datetime64(periods[-1].end, "s")]
    quarter = _quarter_index(orders["start_date"], periods)
    homes = _home_of(records)
    counts: Counter = Counter()
    for person, q in zip(orders["person_id"], quarter, strict=True):
        if q < 0:
            continue
        counts[(FORCE, int(q))] += 1
        counts[(homes.get(person, NOT_RECORDED), int(q))] += 1
    return counts
