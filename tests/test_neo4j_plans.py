"""Issue 18, clause 3: the query plans do not depend on the statistics of yesterday's
smaller graph. Every view and analytics statement (cypher/views, cypher/analytics) is
planned here afresh (query caches cleared) on an empty graph, the statistics most unlike
a force's, and no plan may scan a label, a relationship type or an index once per row,
nor seek a range bounded by parameters alone once per row (a
scan under an Apply is repeated for every row on its left: the plan that walked the
whole graph for every person). The plan tree's operators are checked; a subquery the
planner folds into an expression is not among them. Lookups carry USING INDEX SEEK
hints, so the hinted lookups are index seeks. The plans are also made on graphs
whose labels hold thousands of nodes while the indexes are sampled as (nearly) empty: the
statistics right after a load into new or emptied indexes, before Neo4j's background
sampling catches up (such a plan stays cached until the next write: the 45 s scans)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from perp_graph.store import cypher

pytestmark = pytest.mark.neo4j

AS_OF = dt.date(2024, 1, 1)
IDS = ["P1", "P2"]
#: Parameters for EXPLAIN (values only matter for their types).
PARAMETERS: dict[str, Any] = {
    "as_of": AS_OF,
    "window_years": 3,
    "min_victims": 2,
    "violent_categories": ["assault"],
    "connection_types": ["family"],
    "intimate_partner_types": ["intimate_partner"],
    "types": ["intimate_partner"],
    "suspects": ["P1"],
    "merged": ["P1"],
    "after": "",
    "page": 1000,
    "person_ids": IDS,
    "incident_ids": ["I1"],
}
#: Operators that read a whole label, relationship type or index have "Scan" in their
#: names (NodeByLabelScan, AllNodesScan, NodeIndexScan, UndirectedRelationshipTypeScan,
#: ...); lookups are "Seek"s.
SCAN = "Scan"
#: A range seek bounded by a parameter only ("occurred_on <= $as_of") reads the same
#: stretch of an index for every row: a scan in all but name.
RANGE = "SeekByRange"


#: Read statements whose scan under an Apply runs once, and why.
ONCE = {"views/is_empty": "NOT EXISTS { MATCH (n) } on one row: stops at the first node"}


def _read_statements() -> list[str]:
    return [n for n in cypher.names() if n.startswith(("views/", "analytics/")) and n not in ONCE]


#: Operators that make nothing but the one row they are given (a left side made of these
#: alone, as `WITH $x AS y WHERE ...` before a `CALL () {...}`, has at most one row).
ONE_ROW = {"Argument", "Projection", "Filter"}


def _operator(plan: Any) -> str:
    return plan["operatorType"].split("@")[0]


def _one_row(plan: Any) -> bool:
    """Whether `plan` yields at most one row: it starts from no leaf that reads anything."""
    children = plan.get("children", [])
    return _operator(plan) in ONE_ROW and all(_one_row(child) for child in children)


def _scans_per_row(plan: Any, under_apply: bool = False) -> list[str]:
    """The full scans, and range seeks bounded by parameters only, in `plan` that run once
    per row of an Apply's left side (not when that side is one row: then they run once)."""
    found = []
    operator = _operator(plan)
    details = str(plan.get("args", {}).get("Details", ""))
    if under_apply and (SCAN in operator or (RANGE in operator and "$" in details)):
        found.append(f"{operator} {details}")
    children = plan.get("children", [])
    for n, child in enumerate(children):
        # an Apply's right-hand child (the second) runs for each row of its left
        right = operator.endswith("Apply") and n == 1 and not _one_row(children[0])
        found += _scans_per_row(child, under_apply or right)
    return found


@pytest.mark.parametrize("name", _read_statements())
def test_clause3_no_plan_made_on_a_tiny_graph_scans_the_graph_once_per_row(neo4j_store, name):
    neo4j_store.clear()
    neo4j_store.ensure_schema()
    query = cypher.query(name)
    with neo4j_store.driver.session(database=neo4j_store.database) as session:
        session.run("CALL db.clearQueryCaches()").consume()
        summary = session.run("EXPLAIN " + query.text, PARAMETERS).consume()
    assert summary.plan is not None
    assert _scans_per_row(summary.plan) == [], name


def test_clause3_a_scan_under_an_apply_is_what_the_check_catches(neo4j_store):
    """The check itself: a lookup without its index, as a plan on a tiny graph may do."""
    neo4j_store.clear()
    text = "UNWIND $ids AS id CALL (id) { MATCH (p:Person) WHERE p.surname = id RETURN p } RETURN p"
    with neo4j_store.driver.session(database=neo4j_store.database) as session:
        summary = session.run("EXPLAIN " + text, {"ids": IDS}).consume()
    assert any("NodeByLabelScan" in s for s in _scans_per_row(summary.plan))


def test_clause3_a_scan_under_an_apply_of_one_row_runs_once_and_passes(neo4j_store):
    """The check itself: a subquery after a `WITH` of parameters alone runs its scan once
    (as analytics/acpo_scan's every-suspect branch), the same after an UNWIND once per
    element."""
    neo4j_store.clear()
    inner = "CALL (given) { MATCH (p:Person) WHERE p.surname = given RETURN count(p) AS n }"
    once = f"WITH $ids[0] AS given WHERE given IS NOT NULL {inner} RETURN n"
    per_row = f"UNWIND $ids AS given {inner} RETURN n"
    with neo4j_store.driver.session(database=neo4j_store.database) as session:
        passed = session.run("EXPLAIN " + once, {"ids": IDS}).consume()
        caught = session.run("EXPLAIN " + per_row, {"ids": IDS}).consume()
    assert _scans_per_row(passed.plan) == []
    assert any("NodeByLabelScan" in s for s in _scans_per_row(caught.plan))


def test_clause3_a_parameter_range_seek_under_an_apply_is_what_the_check_catches(neo4j_store):
    """The check itself: the same stretch of the occurred_on index read for every row (what
    the 45 s plans would have been as a seek), while a per-row seek on the row's own value
    passes."""
    neo4j_store.clear()
    neo4j_store.ensure_schema()
    per_row = (
        "UNWIND $ids AS id CALL (id) { MATCH (i:Incident) USING INDEX SEEK i:Incident(occurred_on)"
        " WHERE i.occurred_on <= $as_of RETURN count(i) AS n } RETURN id, n"
    )
    own_value = (
        "UNWIND $ids AS id CALL (id) { MATCH (p:Person) USING INDEX SEEK p:Person(person_id)"
        " WHERE p.person_id = id RETURN count(p) AS n } RETURN id, n"
    )
    with neo4j_store.driver.session(database=neo4j_store.database) as session:
        caught = session.run("EXPLAIN " + per_row, {"ids": IDS, "as_of": AS_OF}).consume()
        passed = session.run("EXPLAIN " + own_value, {"ids": IDS}).consume()
    assert any("SeekByRange" in s for s in _scans_per_row(caught.plan))
    assert _scans_per_row(passed.plan) == []


#: Graphs whose index statistics say (nearly) nothing while the labels hold thousands of
#: nodes, as right after a load into new or emptied indexes: the samples are taken in the
#: background, later, and the plan made meanwhile is kept until a transaction commits.
#: "unsampled": no indexed property at all (every index sampled empty); "undated":
#: people and incidents with their ids, no incident with a date (Incident(occurred_on)
#: empty), the plans the 45 s scans had.
SKEWED = {
    "unsampled": "",
    "undated": "SET p.person_id = 'P' + k, p.identity_id = 'P' + k, "
    "v.person_id = 'V' + k, v.identity_id = 'V' + k, i.incident_id = 'I' + k",
}


@pytest.mark.parametrize("graph", sorted(SKEWED))
def test_clause3_no_plan_made_on_index_statistics_behind_the_labels_scans_per_row(
    neo4j_store, graph
):
    neo4j_store.clear()
    neo4j_store.ensure_schema()
    build = (
        "UNWIND range(1, 2000) AS k "
        "CREATE (p:Person)-[:INVOLVED_IN {role: 'suspect'}]->(i:Incident)"
        "<-[:INVOLVED_IN {role: 'victim'}]-(v:Person), "
        "(p)-[:RELATED_TO {relationship_type: 'intimate_partner'}]->(v) " + SKEWED[graph]
    )
    found = {}
    with neo4j_store.driver.session(database=neo4j_store.database) as session:
        session.run(build).consume()
        # samples the indexes as they are (here: as empty as after a fresh load's first
        # seconds) and clears the query caches
        session.run("CALL db.prepareForReplanning()").consume()
        for name in _read_statements():
            summary = session.run("EXPLAIN " + cypher.query(name).text, PARAMETERS).consume()
            assert summary.plan is not None
            if scans := _scans_per_row(summary.plan):
                found[name] = scans
    neo4j_store.clear()
    assert found == {}
