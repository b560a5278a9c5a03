"""The ACPO (2009) serial-perpetrator rule, exactly as the data contract, section 2.

The embedded engine's implementation. The joins that find qualifying events
are vectorised (pandas, integer-coded ids); the rolling window then runs per
candidate perpetrator, and only people with at least K distinct
intimate-partner victims of violence are candidates, so the cost grows with
the data, not with pairs of perpetrators.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Mapping
from functools import cache

import networkx as nx
import numpy as np
import pandas as pd

from perp_graph.dataset import Dataset
from perp_graph.model import (
    INTIMATE_PARTNER_TYPES,
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

    Columns: suspect_id, victim_id, incident_id, occurred_on (datetime64),
    offence_category, risk_level.
    """
    as_of = np.datetime64(parameters.as_of, "s")
    incidents = dataset.incidents.loc[
        dataset.incidents["occurred_on"] <= as_of,
        ["incident_id", "occurred_on", "offence_category", "risk_level"],
    ]
    involvements = dataset.involvements[
        dataset.involvements["incident_id"].isin(incidents["incident_id"])
    ]
    suspects = involvements.loc[
        involvements["role"] == "suspect", ["incident_id", "person_id"]
    ].rename(columns={"person_id": "suspect_id"})
    victims = involvements.loc[
        involvements["role"] == "victim", ["incident_id", "person_id", "relationship_to_suspect"]
    ].rename(columns={"person_id": "victim_id"})
    pairs = suspects.merge(victims, on="incident_id")
    pairs = pairs[pairs["suspect_id"] != pairs["victim_id"]]

    # Intimate partners: from involvements (any category, dated <= as_of) or from
    # relationships.csv (dates do not matter), in either direction.
    ip_from_incidents = pairs.loc[
        pairs["relationship_to_suspect"].isin(INTIMATE_PARTNER_TYPES), ["suspect_id", "victim_id"]
    ]
    rels = dataset.relationships
    ip_rels = rels.loc[rels["relationship_type"].isin(INTIMATE_PARTNER_TYPES)]
    ip_pairs = pd.concat(
        [
            ip_from_incidents,
            ip_rels.rename(columns={"person_id_a": "suspect_id", "person_id_b": "victim_id"}),
            ip_rels.rename(columns={"person_id_b": "suspect_id", "person_id_a": "victim_id"}),
        ],
        ignore_index=True,
    )[["suspect_id", "victim_id"]]

    violent = pairs.merge(incidents, on="incident_id")
    violent = violent[violent["offence_category"].isin(parameters.violent_categories)]
    key = _pair_codes(violent, ip_pairs)
    events = violent[key]
    return events[
        ["suspect_id", "victim_id", "incident_id", "occurred_on", "offence_category", "risk_level"]
    ].reset_index(drop=True)


def _pair_codes(events: pd.DataFrame, ip_pairs: pd.DataFrame) -> np.ndarray:
    """Mask of events whose (suspect, victim) is an intimate-partner pair."""
    ids = pd.concat(
        [events["suspect_id"], events["victim_id"], ip_pairs["suspect_id"], ip_pairs["victim_id"]],
        ignore_index=True,
    )
    codes, uniques = pd.factorize(ids)
    n = np.int64(len(uniques) + 1)
    m = len(events)
    p = len(ip_pairs)
    event_keys = codes[:m].astype(np.int64) * n + codes[m : 2 * m]
    ip_keys = codes[2 * m : 2 * m + p].astype(np.int64) * n + codes[2 * m + p :]
    return np.isin(event_keys, ip_keys)


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
    events = events[events["suspect_id"].isin(candidates)]
    if events.empty:
        return ScanResult(parameters, ())

    events = events.assign(day=_days(events["occurred_on"])).sort_values(
        ["suspect_id", "day", "incident_id", "victim_id"], kind="stable"
    )
    connected = _connections(dataset, parameters, events["victim_id"])
    people = dataset.people.set_index("person_id")

    start_of = _window_starts(parameters.window_years)

    findings: list[Finding] = []
    with progress.stage("checking rolling windows", total=len(candidates)) as advance:
        for suspect_id, group in events.groupby("suspect_id", sort=True):
            advance(1)
            finding = _check_candidate(
                str(suspect_id), group, parameters, connected, start_of, people
            )
            if finding is not None:
                findings.append(finding)
    return ScanResult(parameters, tuple(findings))


def _check_candidate(
    suspect_id: str,
    group: pd.DataFrame,
    parameters: ScanParameters,
    connected: Mapping[Hashable, set[Hashable]],
    start_of: Callable[[int], int],
    people: pd.DataFrame,
) -> Finding | None:
    """Apply the rolling window to one candidate's qualifying events (sorted by day)."""
    k = parameters.min_victims
    as_of_day = (parameters.as_of - _EPOCH).days
    current_start = start_of(as_of_day)
    days = group["day"].to_numpy()
    victims = group["victim_id"].to_numpy()
    first_day = _first_qualifying_day(days, victims, k, connected, start_of)
    if first_day is None:
        return None
    in_current = days >= current_start
    is_current = has_k_unconnected(victims[in_current], k, connected)
    first_mask = (days >= start_of(first_day)) & (days <= first_day)
    return _finding(
        suspect_id,
        group,
        first_day,
        first_mask,
        (current_start, as_of_day, in_current) if is_current else None,
        start_of,
        people,
    )


def _first_qualifying_day(
    days: np.ndarray,
    victims: np.ndarray,
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


def _finding(
    suspect_id: str,
    group: pd.DataFrame,
    first_day: int,
    first_mask: np.ndarray,
    current: tuple[int, int, np.ndarray] | None,
    start_of: Callable[[int], int],
    people: pd.DataFrame,
) -> Finding:
    qualifying = tuple(
        QualifyingEvent(
            occurred_on=_date(day),
            incident_id=str(incident),
            victim_id=str(victim),
            offence_category=str(category),
            risk_level=None if pd.isna(risk) else str(risk),
        )
        for day, incident, victim, category, risk in zip(
            group["day"],
            group["incident_id"],
            group["victim_id"],
            group["offence_category"],
            group["risk_level"],
            strict=True,
        )
    )
    person = people.loc[suspect_id] if suspect_id in people.index else None
    current_window = None
    if current is not None:
        start, end, mask = current
        current_window = _window(group[mask], start, end)
    return Finding(
        person_id=suspect_id,
        status="current" if current_window else "historic",
        first_qualified_on=_date(first_day),
        victim_ids=tuple(sorted(set(group["victim_id"]))),
        qualifying_incident_ids=tuple(sorted(set(group["incident_id"]))),
        events=qualifying,
        first_window=_window(group[first_mask], start_of(first_day), first_day),
        current_window=current_window,
        surname=_text(person, "surname") or "",
        forenames=_text(person, "forenames") or "",
        home_neighbourhood=_text(person, "home_neighbourhood"),
    )


def _window(events: pd.DataFrame, start: int, end: int) -> Window:
    return Window(
        start=_date(start),
        end=_date(end),
        victim_ids=tuple(sorted(set(events["victim_id"]))),
        incident_ids=tuple(sorted(set(events["incident_id"]))),
    )


def _connections(
    dataset: Dataset, parameters: ScanParameters, victim_ids: pd.Series
) -> dict[str, set[str]]:
    """Adjacency of connections (relationships of a connection type) among these victims."""
    rels = dataset.relationships
    wanted = set(victim_ids)
    rels = rels[
        rels["relationship_type"].isin(parameters.connection_types)
        & rels["person_id_a"].isin(wanted)
        & rels["person_id_b"].isin(wanted)
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


def _text(person: pd.Series | None, column: str) -> str | None:
    if person is None:
        return None
    value = person[column]
    return None if pd.isna(value) else str(value)
