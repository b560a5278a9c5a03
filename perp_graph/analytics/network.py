"""A perpetrator's network as a graph: people, incidents, and how they connect.

Built from the records about the perpetrators (`GraphStore.records_about`), so
it is the same on every store. Nodes are people and incidents; edges are
involvements (person to incident, by role) and known relationships (person to
person, by type). Every node and edge carries a `kind` that the renderer turns
into shape, colour and line style, and plain-text labels and tooltips: ids,
dates, offence categories, and names only where a briefing would show them
(serial perpetrators; everyone else masked unless unmasked). Free-text
summaries never enter the graph.

Node ids are "person:<id>" and "incident:<id>", so a person and an incident
with the same id stay two nodes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx
import pandas as pd

from perp_graph.analytics.dossier_parts import display_name, initials
from perp_graph.analytics.priority import Priority
from perp_graph.dataset import Dataset
from perp_graph.model import Finding
from perp_graph.wording import count
from perp_graph.wording import day as day_text

PERSON_KINDS = ("perpetrator", "victim", "suspect", "person")
INCIDENT_KINDS = ("qualifying_incident", "incident")
ROLE_KINDS = {
    "suspect": "suspect_in",
    "victim": "victim_in",
    "witness": "other_in",
    "other": "other_in",
}
RELATIONSHIP_KINDS = ("intimate_partner", "ex_intimate_partner", "family", "household", "associate")


@dataclass(frozen=True)
class NetworkGraph:
    """The graph, whom it is about, and what was left out."""

    graph: nx.MultiDiGraph
    #: person ids of the people the page is about: a person page's person first; a
    #: neighbourhood page's perpetrators by priority when scores were given
    focus: tuple[str, ...]
    as_of: dt.date
    window_years: int
    since: dt.date | None
    notes: tuple[str, ...] = ()
    #: the assessment's priority scores of the focus people who have one
    priorities: Mapping[str, Priority] = field(default_factory=dict)

    def kinds(self) -> set[str]:
        """Every kind of node and edge the graph holds (the page's legend shows only these)."""
        return {data["kind"] for _n, data in self.graph.nodes(data=True)} | {
            data["kind"] for _a, _b, data in self.graph.edges(data=True)
        }


def person_node(person_id: str) -> str:
    """The graph's node id of a person."""
    return f"person:{person_id}"


def incident_node(incident_id: str) -> str:
    """The graph's node id of an incident."""
    return f"incident:{incident_id}"


def build_network(
    records: Dataset,
    findings: Mapping[str, Finding],
    focus: Sequence[str],
    *,
    as_of: dt.date,
    window_years: int,
    since: dt.date | None = None,
    unmask: bool = False,
    notes: Iterable[str] = (),
    records_of: Mapping[str, Sequence[str]] | None = None,
    priorities: Mapping[str, Priority] | None = None,
) -> NetworkGraph:
    """The network of the `focus` people in `records`, as of a date.

    `findings` are the serial perpetrators among the people in view (their
    qualifying incidents are marked, their names shown). Incidents after
    `as_of`, or before `since`, are left out; people stay when they are in an
    incident kept, are a focus person, or are related to one of those. With
    `priorities` (the assessment's scores), the focus is put in priority order
    (`by_priority`), which orders the page's clusters and its list.
    """
    scores = {p: priorities[p] for p in focus if p in priorities} if priorities else {}
    if priorities is not None:
        focus = by_priority(focus, scores)
    graph = nx.MultiDiGraph()
    incidents = records.incidents
    dates = incidents["occurred_on"].dt.date
    keep = dates <= as_of
    if since is not None:
        keep &= dates >= since
    incidents = incidents[keep.fillna(False)]
    qualifying = {i for f in findings.values() for i in f.qualifying_incident_ids}
    for row in incidents.itertuples(index=False):
        day = row.occurred_on.date()
        is_qualifying = row.incident_id in qualifying
        category = row.offence_category.replace("_", " ")
        parts = [row.incident_id, day_text(day), category]
        if not pd.isna(row.risk_level):
            parts.append(f"DASH risk {row.risk_level}")
        if not pd.isna(row.neighbourhood):
            parts.append(row.neighbourhood)
        if is_qualifying:
            parts.append("qualifying incident")
        graph.add_node(
            incident_node(row.incident_id),
            kind="qualifying_incident" if is_qualifying else "incident",
            label=day_text(day),
            title="\n".join(parts),
            date=day.isoformat(),
            neighbourhood=None if pd.isna(row.neighbourhood) else row.neighbourhood,
        )
    kept = set(incidents["incident_id"])
    involvements = records.involvements[records.involvements["incident_id"].isin(kept)]
    roles: dict[str, set[str]] = {}
    for row in involvements.itertuples(index=False):
        roles.setdefault(row.person_id, set()).add(row.role)
    # People in the incidents kept, the focus, and anyone the records relate to one of them
    # (a new partner with no incident yet is exactly who a Clare's Law disclosure is for).
    relationships = records.relationships
    involved = set(roles) | set(focus)
    touching = relationships["person_id_a"].isin(involved) | relationships["person_id_b"].isin(
        involved
    )
    people_in_view = (
        involved
        | set(relationships.loc[touching, "person_id_a"])
        | set(relationships.loc[touching, "person_id_b"])
    )
    related = relationships[
        relationships["person_id_a"].isin(people_in_view)
        & relationships["person_id_b"].isin(people_in_view)
    ]
    people = records.people.set_index("person_id")
    for person_id in sorted(people_in_view):
        graph.add_node(
            person_node(person_id),
            **_person_attributes(person_id, people, roles.get(person_id, set()), findings, unmask),
        )
        records = (records_of or {}).get(person_id, ())
        if len(records) > 1:
            node = graph.nodes[person_node(person_id)]
            node["title"] += f"\none person in {len(records)} records: " + ", ".join(records)
    for row in involvements.itertuples(index=False):
        incident = incident_node(row.incident_id)
        day = graph.nodes[incident]["date"]
        person = person_node(row.person_id)
        kind = ROLE_KINDS.get(row.role, "other_in")
        title = f"{row.role} in {row.incident_id} on {day_text(dt.date.fromisoformat(day))}"
        if not pd.isna(row.relationship_to_suspect):
            title += f"; relationship to suspect: {row.relationship_to_suspect.replace('_', ' ')}"
        # Suspects point at the incident, the incident points at its victims.
        source, target = (incident, person) if row.role == "victim" else (person, incident)
        graph.add_edge(source, target, kind=kind, title=title, date=day)
    for row in related.itertuples(index=False):
        span = _span(row.start_date, row.end_date)
        graph.add_edge(
            person_node(row.person_id_a),
            person_node(row.person_id_b),
            kind=row.relationship_type,
            title=row.relationship_type.replace("_", " ") + span,
            date=None,
        )
    for person_id in focus:
        if person_id in findings:
            graph.nodes[person_node(person_id)]["focus"] = True
    return NetworkGraph(
        graph=graph,
        focus=tuple(focus),
        as_of=as_of,
        window_years=window_years,
        since=since,
        notes=tuple(notes),
        priorities=scores,
    )


def by_priority(people: Sequence[str], priorities: Mapping[str, Priority]) -> tuple[str, ...]:
    """`people` highest priority score first (ties: the most recent incident first, as in
    `priority.ranked`); those with no score after them, all ties kept in the order given."""
    position = {p: i for i, p in enumerate(people)}

    def key(person_id: str) -> tuple[int, float, int, int]:
        priority = priorities.get(person_id)
        if priority is None:
            return (1, 0.0, 0, position[person_id])
        return (0, -priority.score, priority.days_since_latest, position[person_id])

    return tuple(sorted(dict.fromkeys(people), key=key))


def _person_attributes(
    person_id: str,
    people: pd.DataFrame,
    roles: set[str],
    findings: Mapping[str, Finding],
    unmask: bool,
) -> dict:
    record = people.loc[person_id] if person_id in people.index else None
    surname = None if record is None or pd.isna(record["surname"]) else str(record["surname"])
    forenames = None if record is None or pd.isna(record["forenames"]) else str(record["forenames"])
    if person_id in findings:
        kind = "perpetrator"
    elif "victim" in roles:
        kind = "victim"
    elif "suspect" in roles:
        kind = "suspect"
    else:
        kind = "person"
    if kind == "perpetrator" or unmask:
        label = f"{display_name(surname, forenames)} ({person_id})"
    else:
        label = f"{initials(forenames, surname)} (ref {person_id})"
    lines = [label]
    if person_id in findings:
        finding = findings[person_id]
        lines.append(
            f"serial perpetrator ({finding.status}): "
            f"{count(len(finding.victim_ids), 'intimate-partner victim')}, "
            f"first qualified {day_text(finding.first_qualified_on)}"
        )
    if roles:
        lines.append("roles: " + ", ".join(sorted(roles)))
    home = (
        None
        if record is None or pd.isna(record["home_neighbourhood"])
        else record["home_neighbourhood"]
    )
    if home:
        lines.append(f"home neighbourhood: {home}")
    attributes = {"kind": kind, "label": label, "title": "\n".join(lines), "person_id": person_id}
    if person_id in findings:
        attributes["status"] = findings[person_id].status
        attributes["victims"] = len(findings[person_id].victim_ids)
    return attributes


def _span(start: pd.Timestamp, end: pd.Timestamp) -> str:
    if pd.isna(start) and pd.isna(end):
        return ""
    left = "" if pd.isna(start) else f" from {day_text(start.date())}"
    right = "" if pd.isna(end) else f" to {day_text(end.date())}"
    return left + right


# --- layout ---------------------------------------------------------------------------------


def clusters(network: NetworkGraph) -> dict[str, str]:
    """Each node's cluster: the focus perpetrator it is nearest to (ties to the earlier
    one in `focus`), so that each perpetrator's network is drawn as one group."""
    graph = network.graph.to_undirected(as_view=True)
    owner: dict[str, str] = {}
    queue: deque[tuple[str, str]] = deque()
    for person_id in network.focus:
        node = person_node(person_id)
        if node in graph and node not in owner:
            owner[node] = person_id
            queue.append((node, person_id))
    while queue:  # one breadth-first search from all focus nodes at once
        node, cluster = queue.popleft()
        for neighbour in graph.neighbors(node):
            if neighbour not in owner:
                owner[neighbour] = cluster
                queue.append((neighbour, cluster))
    for node in graph:
        owner.setdefault(node, "")
    return owner


@dataclass(frozen=True)
class Cluster:
    """One focus person's part of the drawing: whom it is about, its place on the page
    (1 first: the page's order, by priority where scores were given) and its size."""

    person_id: str
    rank: int
    label: str  # the person's node label, as the drawing shows it
    kind: str  # "perpetrator", or what the person is on a person page
    status: str | None  # "current" or "historic" for a serial perpetrator
    victims: int  # intimate-partner victims of a serial perpetrator (0 for others)
    priority: Priority | None
    size: int  # nodes in the cluster


def ranked_clusters(network: NetworkGraph, owner: Mapping[str, str] | None = None) -> list[Cluster]:
    """The clusters of the focus people in the page's order (`owner` from `clusters`)."""
    owner = clusters(network) if owner is None else owner
    sizes: dict[str, int] = {}
    for cluster in owner.values():
        sizes[cluster] = sizes.get(cluster, 0) + 1
    out = []
    for person_id in dict.fromkeys(network.focus):
        node = person_node(person_id)
        if node not in network.graph:
            continue
        data = network.graph.nodes[node]
        out.append(
            Cluster(
                person_id=person_id,
                rank=len(out) + 1,
                label=data["label"],
                kind=data["kind"],
                status=data.get("status"),
                victims=data.get("victims", 0),
                priority=network.priorities.get(person_id),
                size=sizes.get(person_id, 0),
            )
        )
    return out


def layout(
    network: NetworkGraph, spacing: float = 90.0, owner: Mapping[str, str] | None = None
) -> dict[str, tuple[float, float]]:
    """Positions: each cluster laid out on its own (seeded spring layout), clusters on a
    grid in the page's order (left to right, then down: the highest priority top left),
    so that the drawing is stable and the same every time. `owner` from `clusters`."""
    owner = clusters(network) if owner is None else owner
    members: dict[str, list[str]] = {}
    for node, cluster in owner.items():
        members.setdefault(cluster, []).append(node)
    order = {p: i for i, p in enumerate(dict.fromkeys(network.focus))}
    graph = network.graph.to_undirected(as_view=True)
    laid: list[tuple[dict[str, tuple[float, float]], float]] = []
    for cluster in sorted(members, key=lambda c: (order.get(c, len(order)), c)):
        nodes = sorted(members[cluster])
        radius = spacing * math.sqrt(len(nodes))
        if len(nodes) == 1:
            positions = {nodes[0]: (0.0, 0.0)}
        else:
            # Nodes and edges in a sorted order: the layout then depends on the data only,
            # never on the order sets happened to iterate in (which varies per process).
            sub = nx.Graph()
            sub.add_nodes_from(nodes)
            sub.add_edges_from(sorted(tuple(sorted(e)) for e in graph.subgraph(nodes).edges()))
            raw = nx.spring_layout(sub, seed=7, iterations=60)
            positions = {n: (float(x) * radius, float(y) * radius) for n, (x, y) in raw.items()}
        laid.append((positions, radius))
    columns = max(1, math.ceil(math.sqrt(len(laid))))
    cell = 2.4 * max((radius for _p, radius in laid), default=spacing)
    out: dict[str, tuple[float, float]] = {}
    for index, (positions, _radius) in enumerate(laid):
        row, column = divmod(index, columns)
        for node, (x, y) in positions.items():
            out[node] = (x + column * cell, y + row * cell)
    return out
