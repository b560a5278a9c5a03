"""Shared fixtures. Store tests run on every store (see `store_kind`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from perp_graph.model import DEFAULT_CONNECTION_TYPES, DEFAULT_VIOLENT_CATEGORIES, ScanParameters
from perp_graph.pipeline.load import load_folder
from perp_graph.settings import Settings
from perp_graph.store.embedded import EmbeddedStore
from perp_graph.store.protocol import GraphStore
from tests.records import Records

STORE_KINDS = ["embedded"]


def make_store(kind: str, workspace: Path) -> GraphStore:
    if kind == "embedded":
        return EmbeddedStore(workspace)
    raise ValueError(kind)


@pytest.fixture(params=STORE_KINDS)
def store_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def store(store_kind: str, tmp_path: Path) -> Iterator[GraphStore]:
    s = make_store(store_kind, tmp_path / "workspace")
    yield s
    s.close()


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
        result = store.acpo_scan(
            ScanParameters(
                as_of=dt.date.fromisoformat(as_of),
                window_years=window_years,
                min_victims=min_victims,
                violent_categories=violent_categories,
                connection_types=connection_types,
            )
        )
        return {f.person_id: f for f in result.perpetrators}

    return run
