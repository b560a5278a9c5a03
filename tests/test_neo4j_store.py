"""The Neo4j store against a real Neo4j: idempotent loads, interrupted loads, URIs, CLI."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import pytest
from typer.testing import CliRunner

from perp_graph.audit import AuditLog
from perp_graph.cli import app
from perp_graph.dataset import Dataset
from perp_graph.errors import StoreError
from perp_graph.model import ScanParameters
from perp_graph.pipeline.load import load_folder
from perp_graph.render.files import to_json
from perp_graph.settings import Settings
from perp_graph.store.neo4j import Neo4jStore
from perp_graph.synth import SynthConfig, generate
from tests.conftest import neo4j_uri
from tests.records import Records, records_dataset
from tests.tcp_proxy import CuttingProxy

AS_OF = dt.date(2025, 3, 31)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("neo4j-data")
    generate(folder, SynthConfig(seed=4, incidents=1_500, years=5, end_date=AS_OF))
    return folder


def load(store, data: Path, tmp_path: Path):
    return load_folder(data, store, Settings(workspace=tmp_path / "ws"))


def test_loading_twice_leaves_identical_counts_and_graph(neo4j_store, data, tmp_path):
    neo4j_store.clear()
    first = load(neo4j_store, data, tmp_path).store_counts
    snapshot = neo4j_store.snapshot()
    second = load(neo4j_store, data, tmp_path).store_counts
    assert first == second
    assert first["incidents"] == 1_500
    assert neo4j_store.snapshot() == snapshot


def test_an_interrupted_load_is_incomplete_and_a_rerun_ends_identical(neo4j_store, data, tmp_path):
    neo4j_store.clear()
    load(neo4j_store, data, tmp_path)
    expected = neo4j_store.snapshot()
    expected_scan = to_json(neo4j_store.acpo_scan(ScanParameters(as_of=AS_OF)))

    target = urlparse(neo4j_uri())
    # How many bytes does a whole load send? Then cut a fresh load half-way through.
    neo4j_store.clear()
    meter = CuttingProxy(target.hostname, target.port)
    metered = Neo4jStore(meter.uri, batch_rows=200, allow_insecure=True)
    load(metered, data, tmp_path)
    metered.close()
    meter.close()

    neo4j_store.clear()
    proxy = CuttingProxy(target.hostname, target.port, cut_after=meter.sent // 2)
    cut = Neo4jStore(proxy.uri, batch_rows=200, retry_seconds=1, allow_insecure=True)
    with pytest.raises(StoreError, match="store is marked incomplete"):
        load(cut, data, tmp_path)
    cut.close()
    assert neo4j_store.state() == "loading"
    partial = neo4j_store.snapshot()
    assert 0 < len(partial[1]) < len(expected[1])
    with pytest.raises(StoreError, match="incomplete: a load did not finish"):
        neo4j_store.acpo_scan(ScanParameters(as_of=AS_OF))

    load(neo4j_store, data, tmp_path)
    assert neo4j_store.state() == "complete"
    assert neo4j_store.snapshot() == expected
    assert to_json(neo4j_store.acpo_scan(ScanParameters(as_of=AS_OF))) == expected_scan


def test_routing_uri_works_on_a_single_server(neo4j_store, data, tmp_path):
    neo4j_store.clear()
    load(neo4j_store, data, tmp_path)
    routed = Neo4jStore(neo4j_uri().replace("bolt://", "neo4j://"), allow_insecure=True)
    try:
        assert routed.counts() == neo4j_store.counts()
    finally:
        routed.close()


def test_an_unreachable_server_is_a_clear_error_without_the_password():
    store = Neo4jStore(
        "bolt://127.0.0.1:1",
        user="neo4j",
        password="s3cret-pw",
        retry_seconds=1,
        allow_insecure=True,
    )
    with pytest.raises(StoreError) as caught:
        store.counts()
    assert "cannot reach Neo4j at bolt://127.0.0.1:1" in str(caught.value)
    assert "s3cret-pw" not in str(caught.value)
    store.close()


def test_a_bad_uri_is_a_clear_error():
    with pytest.raises(StoreError, match="is not valid"):
        Neo4jStore("http://127.0.0.1:7474")


def test_cli_on_neo4j_gives_the_same_output_as_embedded(neo4j_store, data, tmp_path, monkeypatch):
    neo4j_store.clear()
    runner = CliRunner()
    monkeypatch.delenv("PERP_GRAPH_NEO4J_URI", raising=False)
    args = ["--as-of", AS_OF.isoformat(), "--format", "json", "--quiet"]
    embedded = runner.invoke(
        app, ["scan", "--data", str(data), "--workspace", str(tmp_path / "e"), *args]
    )
    assert embedded.exit_code == 0, embedded.output
    loaded = runner.invoke(
        app,
        [
            "load",
            str(data),
            "--neo4j-uri",
            neo4j_uri(),
            "--workspace",
            str(tmp_path / "n"),
            "--quiet",
        ],
    )
    assert loaded.exit_code == 0, loaded.output
    on_neo4j = runner.invoke(
        app,
        ["scan", *args, "--workspace", str(tmp_path / "n")],
        env={"PERP_GRAPH_NEO4J_URI": neo4j_uri()},
    )
    assert on_neo4j.exit_code == 0, on_neo4j.output
    assert on_neo4j.stdout == embedded.stdout
    assert len(json.loads(on_neo4j.stdout)["perpetrators"]) > 0


def test_scan_on_an_empty_neo4j_says_to_load_first(neo4j_store, tmp_path):
    neo4j_store.clear()
    neo4j_store.run("admin/clear_batch", limit=10)  # also removes the load state
    AuditLog(tmp_path / "ws").check_writable()  # a workspace (reads never make one)
    result = CliRunner().invoke(
        app, ["scan", "--neo4j-uri", neo4j_uri(), "--workspace", str(tmp_path / "ws"), "-q"]
    )
    assert result.exit_code == 3
    assert "load exports first" in result.output


def test_the_wheel_ships_the_cypher_files_templates_and_vendored_scripts(tmp_path):
    root = Path(__file__).parents[1]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(root),
        ],
        check=True,
    )
    wheel = next(tmp_path.glob("perp_graph-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {n for n in names if n.startswith("perp_graph/cypher/") and n.endswith(".cypher")}
    in_repo = {
        f"perp_graph/cypher/{p.relative_to(root / 'cypher')}"
        for p in (root / "cypher").rglob("*.cypher")
    }
    assert shipped == in_repo
    render = root / "perp_graph" / "render"
    for folder in ("templates", "static"):
        for path in (render / folder).rglob("*"):
            if path.is_file():
                assert f"perp_graph/render/{path.relative_to(render)}" in names, path


# --- nothing dropped without a word: a row naming a record the graph does not hold -------


def _world() -> Records:
    r = Records()
    r.abuse("I1", "2023-01-05", "P", "V1")
    r.relate("P", "V1", "intimate_partner")
    r.order("P", "dvpo", "2023-02-01", "2023-03-01", protected="V1")
    return r


def test_a_first_load_naming_someone_absent_writes_nothing_and_says_which(neo4j_store):
    dataset = records_dataset(_world())
    dataset.involvements.loc[0, "person_id"] = "P404"
    dataset.orders.loc[0, "protected_person_id"] = "V404"
    neo4j_store.clear()
    with pytest.raises(StoreError) as caught:
        neo4j_store.load(dataset)
    message = str(caught.value)
    assert "nothing was loaded" in message and "P404" in message and "V404" in message
    assert "1 involvements name a person_id" in message and "quarantines" in message
    assert neo4j_store.state() == "empty"


def test_a_reload_may_name_records_the_store_already_holds(neo4j_store):
    neo4j_store.clear()
    neo4j_store.load(records_dataset(_world()))
    later = Records()
    later.abuse("I2", "2023-06-01", "P", "V1")
    dataset = records_dataset(later)
    # only the new incident and its involvements: P and V1 are in the store already
    dataset = Dataset(
        people=dataset.people.iloc[:0],
        incidents=dataset.incidents,
        involvements=dataset.involvements,
        relationships=dataset.relationships.iloc[:0],
        orders=dataset.orders.iloc[:0],
    )
    counts = neo4j_store.load(dataset)
    assert counts["incidents"] == 2 and counts["involvements"] == 4
    dataset.involvements.loc[0, "person_id"] = "P404"
    before = neo4j_store.snapshot()
    with pytest.raises(StoreError, match="P404"):
        neo4j_store.load(dataset)
    assert neo4j_store.snapshot() == before


def test_clearing_a_graph_with_a_dense_node_leaves_it_empty(neo4j_store):
    """A neighbourhood holds a relationship from everyone living in it: at 1M incidents,
    deleting a batch of nodes with their relationships ran the server's heap out, so
    `clear` deletes relationships first, a batch at a time (here 25,000 on one node)."""
    neo4j_store.clear()
    neo4j_store.driver.execute_query(
        "CREATE (n:Neighbourhood {name: 'Dense'}) WITH n "
        "UNWIND range(1, 25000) AS k CREATE (:Person {person_id: 'P' + k})-[:LIVES_IN]->(n)",
        database_=neo4j_store.database,
    )
    neo4j_store.clear()
    records, _summary, _keys = neo4j_store.driver.execute_query(
        "RETURN COUNT { (n) } AS nodes, COUNT { ()-[]->() } AS relationships",
        database_=neo4j_store.database,
    )
    assert (records[0]["nodes"], records[0]["relationships"]) == (0, 0)
