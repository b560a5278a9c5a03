"""Counting the problem profile (perp_graph.analytics.profile) from the force records:
each area's quarterly series, then its year-on-year change, rates and findings in words
(perp_graph.analytics.profile_findings).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from perp_graph.analytics.acpo import window_start
from perp_graph.analytics.profile import (
    FORCE,
    NOT_RECORDED,
    AreaProfile,
    Profile,
    Quarter,
    comparison_quarter,
    history,
    quarters,
)
from perp_graph.analytics.profile_findings import rates, write_findings, year_on_year
from perp_graph.dataset import Dataset
from perp_graph.model import RISK_LEVELS, ScanParameters, ScanResult

PROTECTIVE_ORDERS = ("dvpn", "dvpo", "dapo", "restraining_order", "non_molestation_order")


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
        profile.year_on_year = year_on_year(profile, periods, hist, c)
        profile.rates = rates(profile, periods, hist, c)
    write_findings(force, list(by_area.values()), periods, hist, c)
    return Profile(as_of, periods, force, tuple(by_area.values()), outcome_recorded, hist, c)


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
