"""Fault injection: a load killed part-way (the process killed at batch k) leaves the store
marked incomplete, scans and briefings refuse it and say why, and re-running the load
ends with exactly what an uninterrupted load gives. On both stores."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from perp_graph import api
from perp_graph.audit import AuditLog
from perp_graph.errors import StoreError
from perp_graph.model import ScanParameters
from perp_graph.pipeline.load import load_folder
from perp_graph.settings import Settings
from perp_graph.store.embedded import EmbeddedStore
from perp_graph.synth import SynthConfig, generate
from tests.conftest import NEO4J_URI, neo4j_uri

ROOT = Path(__file__).parents[1]
END = dt.date(2025, 3, 31)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, SynthConfig(seed=4, incidents=800, years=4, end_date=END))
    return out


def killed_load(kind: str, data: Path, workspace: Path, k: int) -> None:
    args = [sys.executable, "-m", "tests.fault_driver", kind, str(data), str(workspace), str(k)]
    if kind == "neo4j":
        args.append(NEO4J_URI)
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == -signal.SIGKILL, done.stdout + done.stderr


def frames(store: EmbeddedStore) -> dict[str, pd.DataFrame]:
    records = store.dataset()
    return {name: getattr(records.sorted(), name) for name in records.names()}


@pytest.mark.parametrize("k", [1, 3, 5])
def test_embedded_load_killed_at_batch_k_is_incomplete_and_a_rerun_matches(data, tmp_path, k):
    killed = tmp_path / "killed"
    killed_load("embedded", data, killed, k)
    store = EmbeddedStore(killed)
    assert store.state() == "loading"
    with pytest.raises(StoreError, match="incomplete: a load did not finish"):
        store.acpo_scan(ScanParameters(as_of=END))
    settings = Settings(workspace=killed, resolve=False)
    with pytest.raises(StoreError, match="Re-run the same perp-graph load"):
        api.brief(settings, tmp_path / "b", as_of=END, pdf=False)
    assert not (tmp_path / "b" / "index.html").exists()
    load_folder(data, store, settings)
    clean = EmbeddedStore(tmp_path / "clean")
    load_folder(data, clean, Settings(workspace=tmp_path / "clean", resolve=False))
    for name, frame in frames(clean).items():
        pd.testing.assert_frame_equal(frames(store)[name], frame, check_dtype=True)
    assert store.acpo_scan(ScanParameters(as_of=END)) == clean.acpo_scan(ScanParameters(as_of=END))


@pytest.mark.neo4j
@pytest.mark.parametrize("k", [1, 7, 20])
def test_neo4j_load_killed_at_batch_k_is_incomplete_and_a_rerun_matches(
    data, tmp_path, neo4j_store, k
):
    neo4j_uri()
    neo4j_store.clear()
    load_folder(data, neo4j_store, Settings(workspace=tmp_path / "a", resolve=False))
    expected = neo4j_store.snapshot()
    expected_scan = neo4j_store.acpo_scan(ScanParameters(as_of=END))
    neo4j_store.clear()
    killed_load("neo4j", data, tmp_path / "killed", k)
    assert neo4j_store.state() == "loading"
    with pytest.raises(StoreError, match="incomplete"):
        neo4j_store.acpo_scan(ScanParameters(as_of=END))
    settings = Settings(
        workspace=tmp_path / "killed", resolve=False, neo4j_uri=NEO4J_URI, neo4j_insecure=True
    )
    # The workspace exists as `perp-graph load` leaves it when killed: its audit log is
    # written before the store is touched (the driver loads through the pipeline alone).
    AuditLog(settings.workspace).check_writable()
    with pytest.raises(StoreError, match="incomplete"):
        api.brief(settings, tmp_path / "b", as_of=END, pdf=False)
    load_folder(data, neo4j_store, settings)
    assert neo4j_store.state() == "complete"
    assert neo4j_store.snapshot() == expected
    assert neo4j_store.acpo_scan(ScanParameters(as_of=END)) == expected_scan


def test_the_driver_really_kills_the_process(data, tmp_path):
    """The fault is a real SIGKILL: nothing after it runs (no 'finished' line)."""
    args = [sys.executable, "-m", "tests.fault_driver", "embedded", str(data), str(tmp_path), "2"]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == -signal.SIGKILL
    assert "finished" not in done.stdout
    assert os.path.exists(tmp_path / "embedded" / "state.json")
