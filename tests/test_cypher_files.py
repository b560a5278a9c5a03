"""Every statement in cypher/: a parseable header, parameters that match it, used by the
code, and compiled by the real Neo4j server (EXPLAIN) without warnings."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from perp_graph.store import cypher
from tests.conftest import neo4j_uri

ROOT = Path(__file__).parents[1]
NAMES = cypher.names()
CODE = "\n".join(p.read_text() for p in (ROOT / "perp_graph").rglob("*.py"))

# A value of the right type for every parameter a statement may declare.
SAMPLE_PARAMS = {
    "rows": [],
    "state": "complete",
    "at": "2024-01-01T00:00:00+00:00",
    "limit": 1,
    "timeout_seconds": 10,
    "as_of": dt.date(2024, 1, 1),
    "window_years": 3,
    "min_victims": 2,
    "violent_categories": ["threats"],
    "connection_types": ["family"],
    "intimate_partner_types": ["intimate_partner"],
    "person_ids": ["P1"],
    "incident_ids": ["I1"],
    "ids": ["P1"],
    "keys": ["k"],
    "after": "",
    "page": 10,
    "types": ["intimate_partner"],
    "suspects": ["P1"],
    "merged": ["P1"],
}


def test_every_folder_of_the_guide_is_there():
    assert {name.split("/")[0] for name in NAMES} >= {"schema", "load", "analytics", "views"}


@pytest.mark.parametrize("name", NAMES)
def test_header_parses_and_names_the_file(name):
    query = cypher.query(name)
    assert query.name == name
    assert query.returns


@pytest.mark.parametrize("name", NAMES)
def test_parameters_match_the_header(name):
    query = cypher.query(name)
    assert query.used_params() == query.params


@pytest.mark.parametrize("name", NAMES)
def test_statement_is_used_by_the_code(name):
    folder = name.split("/")[0]
    used_by_folder = f'cypher.names("{folder}")' in CODE
    assert f'"{name}"' in CODE or f'"{folder}/{{' in CODE or used_by_folder, name


@pytest.mark.parametrize("name", NAMES)
def test_one_statement_per_file_and_no_values_in_the_text(name):
    body = "\n".join(
        line for line in cypher.query(name).text.splitlines() if not line.startswith("//")
    )
    assert ";" not in body
    # Values come as $parameters: no date or number literals smuggled into the text.
    assert not re.search(r"date\(['\"]\d", body)


def test_a_missing_statement_raises():
    with pytest.raises(Exception, match="no Cypher statement named"):
        cypher.query("analytics/nothing_here")


@pytest.mark.neo4j
@pytest.mark.parametrize("name", NAMES)
def test_explain_compiles_on_the_real_server_without_warnings(name):
    driver = GraphDatabase.driver(neo4j_uri(), auth=None)
    try:
        query = cypher.query(name)
        params = {key: SAMPLE_PARAMS[key] for key in query.params}
        _records, summary, _keys = driver.execute_query("EXPLAIN " + query.text, params)
        warnings = [
            n.status_description
            for n in summary.gql_status_objects
            if n.is_notification
            and str(n.severity).endswith("WARNING")
            # "label does not exist" depends on the data present, not on the statement
            and not str(n.classification).endswith("UNRECOGNIZED")
        ]
        assert warnings == [], warnings
    finally:
        driver.close()
