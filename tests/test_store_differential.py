"""Both stores give byte-identical scan JSON on random data sets (K > 2, custom windows)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perp_graph.analytics.acpo import scan as acpo_scan
from perp_graph.analytics.offending import could_qualify, offending
from perp_graph.model import ScanParameters
from perp_graph.render.files import to_json
from perp_graph.store.embedded import EmbeddedStore
from tests.hypothesis_profiles import examples
from tests.records import records_dataset
from tests.strategies import record_sets, scan_settings


@settings(
    max_examples=examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(records=record_sets(), options=scan_settings)
def test_embedded_and_neo4j_give_identical_json(neo4j_store, records, options):
    parameters = ScanParameters(**options)
    dataset = records_dataset(records)
    neo4j_store.clear()
    neo4j_store.load(dataset)
    with tempfile.TemporaryDirectory() as folder:
        embedded = EmbeddedStore(Path(folder))
        embedded.load(dataset)
        expected = to_json(embedded.acpo_scan(parameters))
    assert to_json(neo4j_store.acpo_scan(parameters)) == expected
    # given the suspects who could qualify, as a scan on Neo4j is (jobs.scanning)
    records = neo4j_store.offending_records(parameters)
    table = offending(records, parameters.as_of, parameters.violent_categories)
    suspects = could_qualify(table, parameters.min_victims)
    assert to_json(neo4j_store.acpo_scan(parameters, None, suspects)) == expected


@settings(
    max_examples=examples(50),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(records=record_sets(), options=scan_settings, data=st.data())
def test_the_rule_on_the_force_records_gives_the_stores_own_answer(
    neo4j_store, records, options, data
):
    """The problem profile scans each quarter on the force records it has read, on
    identities (the rule's Python form), instead of asking the store again: the same JSON
    as Neo4j's Cypher scan, with some records merged into one identity."""
    parameters = ScanParameters(**options)
    dataset = records_dataset(records)
    neo4j_store.clear()
    neo4j_store.load(dataset)
    ids = sorted(set(dataset.people["person_id"]))
    merged = data.draw(st.lists(st.sampled_from(ids), max_size=4, unique=True)) if ids else []
    identity_of = {record: min(merged) for record in merged if record != min(merged)}
    neo4j_store.set_identities(identity_of)
    on_records = acpo_scan(neo4j_store.force_records().resolved(identity_of), parameters)
    assert to_json(on_records) == to_json(neo4j_store.acpo_scan(parameters))
