"""Shared fixtures. Store tests run on every store (see `store_kind`).

Markers are given here, not test by test (`pytest_collection_modifyitems`): `neo4j` on every
test that uses the Neo4j server (the `neo4j_store` fixture, the neo4j side of `store_kind`),
`browser` on tests/test_browser_*.py. A test that reaches the server or the browser some
other way must carry the marker itself; `neo4j_uri()` and `browser_path()` fail it if not.
`slow` is given by hand, to tests measured at 2 s or more each on larger data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from perp_graph.analytics.offending import could_qualify, offending
from perp_graph.model import DEFAULT_CONNECTION_TYPES, DEFAULT_VIOLENT_CATEGORIES, ScanParameters
from perp_graph.pipeline.load import load_folder
from perp_graph.render.files import to_json
from perp_graph.settings import Settings
from perp_graph.store.embedded import EmbeddedStore
from perp_graph.store.neo4j import Neo4jStore
from perp_graph.store.protocol import GraphStore
from tests import hypothesis_profiles  # noqa: F401  (loads the Hypothesis profile)
from tests.records import Records

STORE_KINDS = ["embedded", "neo4j"]
NEO4J_URI = os.environ.get("PERP_GRAPH_NEO4J_URI")
IN_CI = os.environ.get("CI", "").lower() == "true"
# The test server (scripts/neo4j-local) is a development server on loopback without TLS:
# say so explicitly, as a user of one must (the commands refuse plain connections).
os.environ["PERP_GRAPH_NEO4J_INSECURE"] = "1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by what they use, so that new tests are marked too."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if (
            "neo4j_store" in getattr(item, "fixturenames", ())
            or params.get("store_kind") == "neo4j"
        ):
            item.add_marker(pytest.mark.neo4j)
        if item.path.name.startswith("test_browser_"):
            item.add_marker(pytest.mark.browser)


#: the test being set up or run (for `require_marker`)
_current: list[pytest.Item] = []


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _current[:] = [item]
    if "load_once" not in item.fixturenames:
        _neo4j_holds.clear()  # this test may change the graph: load_once cannot trust it


#: {"key", "workspace", "counts"} while the session's Neo4j holds what `load_once` loaded
_neo4j_holds: dict = {}


def require_marker(name: str) -> None:
    """Fail the running test unless it carries the marker `name` (so `-m "not name"`
    really leaves out everything that needs the server or the browser)."""
    if _current and _current[0].get_closest_marker(name) is None:
        pytest.fail(
            f"{_current[0].nodeid} uses {name} but is not marked: add @pytest.mark.{name} "
            "(tests using neo4j_store and tests/test_browser_*.py are marked already)"
        )


def neo4j_uri() -> str:
    """The test Neo4j's URI; a skip where there is none, a failure under CI."""
    require_marker("neo4j")
    if NEO4J_URI:
        return NEO4J_URI
    reason = (
        "no Neo4j: PERP_GRAPH_NEO4J_URI is not set (make test starts one with "
        "scripts/neo4j-local when Java and Maven are installed)"
    )
    if IN_CI:
        pytest.fail(f"CI must test Neo4j, but there is {reason}")
    pytest.skip(reason)


@pytest.fixture
def embedded_store_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands in this test select the embedded store, whatever the environment says."""
    monkeypatch.delenv("PERP_GRAPH_NEO4J_URI", raising=False)


@pytest.fixture(scope="session")
def neo4j_store() -> Iterator[Neo4jStore]:
    """One connection for the session; each test that uses it starts from an empty graph."""
    # A query that runs away fails the test instead of hanging the suite.
    store = Neo4jStore(neo4j_uri(), query_timeout=120, allow_insecure=True)
    store.ensure_schema()
    yield store
    store.close()


def make_store(kind: str, workspace: Path, request: pytest.FixtureRequest) -> GraphStore:
    if kind == "embedded":
        return EmbeddedStore(workspace)
    store = request.getfixturevalue("neo4j_store")
    if "load_once" not in request.fixturenames:  # load_once empties it when it must
        store.clear()
    return store


@pytest.fixture(params=STORE_KINDS)
def store_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def store(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> GraphStore:
    return make_store(store_kind, tmp_path / "workspace", request)


ScanFn = Callable[..., dict]


@pytest.fixture
def scan(store: GraphStore, tmp_path: Path) -> ScanFn:
    """Load Records through the real pipeline into the store, scan, return findings by id."""

    def run(
        records: Records,
        as_of: str,
        *,
        window_years: int = 3,
        min_victims: int = 2,
        violent_categories: frozenset[str] = DEFAULT_VIOLENT_CATEGORIES,
        connection_types: frozenset[str] = DEFAULT_CONNECTION_TYPES,
    ) -> dict:
        data = records.write(tmp_path / f"data-{as_of}-{window_years}-{min_victims}")
        settings = Settings(workspace=tmp_path / "workspace")
        report = load_folder(data, store, settings)
        assert report.quarantined == 0, report
        parameters = ScanParameters(
            as_of=dt.date.fromisoformat(as_of),
            window_years=window_years,
            min_victims=min_victims,
            violent_categories=violent_categories,
            connection_types=connection_types,
        )
        result = store.acpo_scan(parameters)
        # Every clause holds as well when the scan is given the suspects who could
        # qualify, worked out from the offending records (as jobs.scanning does).
        identity_of = store.identities()
        records = store.offending_records(parameters, identity_of).resolved(identity_of)
        table = offending(records, parameters.as_of, parameters.violent_categories)
        given = store.acpo_scan(parameters, None, could_qualify(table, min_victims))
        assert to_json(given) == to_json(result)
        return {f.person_id: f for f in result.perpetrators}

    return run


@pytest.fixture
def store_settings(
    store: GraphStore, store_kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """Settings that select the same (emptied) store as `store`, for the library's entry
    points, which open their own store. On the embedded store, the environment's Neo4j
    URI is removed too, so that commands run through the CLI select it as well."""
    if store_kind == "embedded":
        monkeypatch.delenv("PERP_GRAPH_NEO4J_URI", raising=False)
    return Settings(
        workspace=tmp_path / "workspace",
        neo4j_uri=NEO4J_URI if store_kind == "neo4j" else None,
        neo4j_insecure=True,
    )


LoadFn = Callable[[Path, GraphStore, Settings], None]


@pytest.fixture(scope="session")
def load_once(tmp_path_factory: pytest.TempPathFactory) -> LoadFn:
    """`load_once(data, store, settings)`: `load_folder(data, store, settings)`, where an
    embedded store gets a copy of a workspace loaded once per session from the same files
    (by content) with the same settings: copying a loaded workspace is cheaper than loading
    it again. The copy is the test's own, to change as it likes. On Neo4j, the graph is
    kept from the previous test when that test loaded the same through load_once (and no
    test touched the server since); otherwise it is emptied and loaded. So: only for
    fixtures of tests that read the graph, never change it, and are not about the load."""
    loaded: dict[str, Path] = {}

    def load(data: Path, store: GraphStore, settings: Settings) -> None:
        digest = hashlib.sha256(repr(dataclasses.replace(settings, workspace=Path())).encode())
        for path in sorted(data.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(data)).encode() + b"\0" + path.read_bytes())
        key = digest.hexdigest()
        if not isinstance(store, EmbeddedStore):
            if _neo4j_holds.get("key") == key and store.counts() == _neo4j_holds["counts"]:
                shutil.copytree(_neo4j_holds["workspace"], settings.workspace, dirs_exist_ok=True)
                return
            _neo4j_holds.clear()
            store.clear()
            load_folder(data, store, settings)
            workspace = tmp_path_factory.mktemp("neo4j-loaded") / "workspace"
            shutil.copytree(settings.workspace, workspace)
            _neo4j_holds.update(key=key, workspace=workspace, counts=store.counts())
            return
        template = loaded.get(key)
        if template is None:
            template = tmp_path_factory.mktemp("loaded") / "workspace"
            load_folder(
                data, EmbeddedStore(template), dataclasses.replace(settings, workspace=template)
            )
            loaded[key] = template
        assert store.root.parent == settings.workspace, "store and settings name one workspace"
        shutil.copytree(template, settings.workspace, dirs_exist_ok=True)

    return load
