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

    def as_json(self) -> dict[str, Any]:
        """The area's series as plain JSON (one value per quarter, oldest first)."""
        return {
            "name": self.name,
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
    column of incidents.csv)."""

    as_of: dt.date
    quarters: tuple[Quarter, ...]
    force: AreaProfile
    neighbourhoods: tuple[AreaProfile, ...]
    outcome_recorded: bool

    def as_json(self) -> dict[str, Any]:
        """The profile as plain JSON (profile.json; dates ISO 8601)."""
        return {
            "as_of": self.as_of.isoformat(),
            "quarters": [
                {"label": q.label, "start": q.start.isoformat(), "end": q.end.isoformat()}
                for q in self.quarters
            ],
            "force": self.force.as_json(),
            "neighbourhoods": [n.as_json() for n in self.neighbourhoods],
            "outcome_recorded": self.outcome_recorded,
        }


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
        out.append(Quarter(f"{year} Q{q + 1}", start, end))
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
    return Profile(as_of, periods, force, tuple(by_area.values()), outcome_recorded)


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
