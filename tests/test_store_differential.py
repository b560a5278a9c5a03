"""Both stores give byte-identical scan JSON on random data sets (K > 2, custom windows)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

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
