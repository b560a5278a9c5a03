"""The ACPO (2009) serial-perpetrator rule, exactly as the data contract, section 2.

The embedded engine's implementation. The joins that find qualifying events
are vectorised (pandas, integer-coded ids); the rolling window then runs per
candidate perpetrator, and only people with at least K distinct
intimate-partner victims of violence are candidates, so the cost grows with
the data, not with pairs of perpetrators.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Hashable, Iterable, Mapping
from functools import cache

import networkx as nx
import numpy as np
import pandas as pd

from perp_graph.analytics.partners import suspect_victim_pairs
from perp_graph.dataset import Dataset
from perp_graph.frames import group_bounds, isin
from perp_graph.model import (
    Finding,
    QualifyingEvent,
    ScanParameters,
    ScanResult,
    Window,
)
from perp_graph.progress import Progress

_EPOCH = dt.date(1970, 1, 1)


def window_start(end: dt.date, years: int) -> dt.date:
    """E - W calendar years, keeping month and day; 29 February becomes 28 February."""
    try:
        return end.replace(year=end.year - years)
    except ValueError:  # 29 February in a year that has none
        return end.replace(year=end.year - years, day=28)


def has_k_unconnected(
    victims: Iterable[Hashable], k: int, connected: Mapping[Hashable, set[Hashable]]
) -> bool:
    """Do `victims` hold at least k that are pairwise unconnected?

    Distinct ids are distinct people; two victims are connected when the
    adjacency says so. This is an independent-set question on the victims'
    connection graph, tiny in practice (one perpetrator's victims in one
    window), answered exactly.
    """
    victims = set(victims)
    n = len(victims)
    if n < k:
        return False
    edges = {(a, b) for a in victims for b in connected.get(a, ()) if b in victims and a < b}
    if not edges:
        return True
    if k == 2:
        return len(edges) < n * (n - 1) // 2
    # An independent set in G is a clique in G's complement.
    graph = nx.Graph()
    graph.add_nodes_from(victims)
    graph.add_edges_from(edges)
    _clique, size = nx.max_weight_clique(nx.complement(graph), weight=None)
    return size >= k


def qualifying_events(dataset: Dataset, parameters: ScanParameters) -> pd.DataFrame:
    """Every qualifying event (P, V, i, d) up to as_of, with category and risk level.

    Args:
        dataset: the records (on identities, when duplicates are resolved).
        parameters: as_of and the violent categories are read here.

    Returns:
        One row per (suspect, victim, incident) (contract, section 2; the join is
        `partners.suspect_victim_pairs`), with columns suspect_id, victim_id,
        incident_id, occurred_on (datetime64[s]), offence_category, risk_level.
    """
    incidents = dataset.incidents
    person_id = dataset.involvements["person_id"].to_numpy()
    events = suspect_victim_pairs(dataset, parameters.as_of, parameters.violent_categories).events()
    rows = events["incident"].to_numpy()
    return pd.DataFrame(
        {
            "suspect_id": person_id[events["suspect_row"].to_numpy()],
            "victim_id": person_id[events["victim_row"].to_numpy()],
            "incident_id": incidents["incident_id"].to_numpy()[rows],
            "occurred_on": incidents["occurred_on"].to_numpy()[rows],
            "offence_category": incidents["offence_category"].to_numpy()[rows],
            "risk_level": incidents["risk_level"].to_numpy()[rows],
        }
    )


def scan(
    dataset: Dataset, parameters: ScanParameters, progress: Progress | None = None
) -> ScanResult:
    """Find every serial perpetrator under the ACPO rule as of parameters.as_of."""
    progress = progress or Progress()
    with progress.stage("finding qualifying events", total=1) as advance:
        events = qualifying_events(dataset, parameters)
        advance(1)
    k = parameters.min_victims
    distinct = events.groupby("suspect_id")["victim_id"].nunique()
    candidates = distinct.index[distinct >= k]
    events = events[isin(events["suspect_id"], candidates)]
    if events.empty:
        return ScanResult(parameters, ())

    events = events.assign(day=_days(events["occurred_on"])).sort_values(
        ["suspect_id", "day", "incident_id", "victim_id"], kind="stable"
    )
    table = _Events(events)
    connected = connections(dataset, parameters, events["victim_id"])
    people = people_names(dataset.people, candidates)
    start_of = _window_starts(parameters.window_years)
    bounds = group_bounds(events["suspect_id"].to_numpy())

    findings: list[Finding] = []
    with progress.stage("checking rolling windows", total=len(bounds) - 1) as advance:
        for lo, hi in itertools.pairwise(bounds.tolist()):
            finding = _check_candidate(table, lo, hi, parameters, connected, start_of, people)
            if finding is not None:
                findings.append(finding)
            advance(1)
    return ScanResult(parameters, tuple(findings))


class _Events:
    """Sorted qualifying events as plain Python lists, sliced per candidate."""

    def __init__(self, events: pd.DataFrame) -> None:
        self.suspect = events["suspect_id"].tolist()
        self.day = events["day"].to_numpy()
        self.incident = events["incident_id"].tolist()
        self.victim = events["victim_id"].tolist()
        self.category = events["offence_category"].tolist()
        self.risk = [None if pd.isna(r) else r for r in events["risk_level"].tolist()]


def _check_candidate(
    table: _Events,
    lo: int,
    hi: int,
    parameters: ScanParameters,
    connected: Mapping[Hashable, set[Hashable]],
    start_of: Callable[[int], int],
    people: Mapping[str, tuple[str, str, str | None]],
) -> Finding | None:
    """Apply the rolling window to one candidate's qualifying events (sorted by day)."""
    k = parameters.min_victims
    days = table.day[lo:hi]
    victims = table.victim[lo:hi]
    first_day = _first_qualifying_day(days, victims, k, connected, start_of)
    if first_day is None:
        return None
    as_of_day = (parameters.as_of - _EPOCH).days
    current_start = start_of(as_of_day)
    is_current = has_k_unconnected(
        (victims[j] for j in range(hi - lo) if days[j] >= current_start), k, connected
    )
    first_start = start_of(first_day)
    suspect_id = table.suspect[lo]
    surname, forenames, neighbourhood = people.get(suspect_id, ("", "", None))
    events = tuple(
        QualifyingEvent(
            occurred_on=_date(table.day[i]),
            incident_id=table.incident[i],
            victim_id=table.victim[i],
            offence_category=table.category[i],
            risk_level=table.risk[i],
        )
        for i in range(lo, hi)
    )
    return Finding(
        person_id=suspect_id,
        status="current" if is_current else "historic",
        first_qualified_on=_date(first_day),
        victim_ids=tuple(sorted(set(victims))),
        qualifying_incident_ids=tuple(sorted(set(table.incident[lo:hi]))),
        events=events,
        first_window=Window.covering(events, _date(first_start), _date(first_day)),
        current_window=(
            Window.covering(events, _date(current_start), parameters.as_of) if is_current else None
        ),
        surname=surname,
        forenames=forenames,
        home_neighbourhood=neighbourhood,
    )


def _first_qualifying_day(
    days: np.ndarray,
    victims: list[str],
    k: int,
    connected: Mapping[Hashable, set[Hashable]],
    start_of: Callable[[int], int],
) -> int | None:
    """Earliest event day E whose window [E - W, E] holds k pairwise unconnected victims.

    Qualification can only begin on a day an event enters a window, so only
    event days need checking; `days` is sorted.
    """
    left = 0
    n = len(days)
    i = 0
    while i < n:
        end = days[i]
        while i + 1 < n and days[i + 1] == end:
            i += 1
        start = start_of(end)
        while days[left] < start:
            left += 1
        if has_k_unconnected(victims[left : i + 1], k, connected):
            return int(end)
        i += 1
    return None


def people_names(
    people: pd.DataFrame, ids: Iterable[str]
) -> dict[str, tuple[str, str, str | None]]:
    """Surname, forenames and home neighbourhood (None when not recorded) of these people
    only; the scan's findings and the tables of scores and alerts name people by it."""
    people = people[isin(people["person_id"], sorted(set(ids)))]
    homes = people["home_neighbourhood"].astype(object)
    homes = homes.where(homes.notna(), None)
    return dict(
        zip(
            people["person_id"],
            zip(
                people["surname"].fillna("").tolist(),
                people["forenames"].fillna("").tolist(),
                homes.tolist(),
                strict=True,
            ),
            strict=True,
        )
    )


def connections(
    dataset: Dataset, parameters: ScanParameters, victim_ids: pd.Series
) -> dict[str, set[str]]:
    """Adjacency of connections (relationships of a connection type) among these victims."""
    rels = dataset.relationships
    wanted = victim_ids.unique()
    rels = rels[
        isin(rels["relationship_type"], parameters.connection_types)
        & isin(rels["person_id_a"], wanted)
        & isin(rels["person_id_b"], wanted)
    ]
    adjacency: dict[str, set[str]] = {}
    for a, b in zip(rels["person_id_a"], rels["person_id_b"], strict=True):
        adjacency.setdefault(a, set()).add(b)
        adjacency.setdefault(b, set()).add(a)
    return adjacency


def _window_starts(years: int) -> Callable[[int], int]:
    @cache
    def start_of(day: int) -> int:
        return (window_start(_date(day), years) - _EPOCH).days

    return start_of


def _days(values: pd.Series) -> np.ndarray:
    return values.to_numpy().astype("datetime64[D]").astype(np.int64)


def _date(day: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(day))
