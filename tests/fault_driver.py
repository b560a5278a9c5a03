"""Run a load that kills its own process (SIGKILL, no clean-up) at the k-th batch write.

Used by tests/test_faults.py in a child process:
    python -m tests.fault_driver embedded|neo4j DATA_DIR WORKSPACE K [NEO4J_URI]

The store code is not changed for this: the test wraps one store method from outside,
so the kill lands exactly where a crash or a lost machine would.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from perp_graph.pipeline.load import load_folder
from perp_graph.settings import Settings


def main() -> None:
    kind, data, workspace, k = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
    writes = 0

    def count_and_maybe_die() -> None:
        nonlocal writes
        writes += 1
        if writes == k:
            os.kill(os.getpid(), signal.SIGKILL)

    if kind == "embedded":
        import pandas as pd

        from perp_graph.store.embedded import EmbeddedStore

        original = pd.DataFrame.to_parquet

        def to_parquet(frame, *args, **kwargs):
            count_and_maybe_die()
            return original(frame, *args, **kwargs)

        pd.DataFrame.to_parquet = to_parquet  # the embedded store writes a table per call
        store = EmbeddedStore(workspace)
    else:
        from perp_graph.store.neo4j import Neo4jStore

        store = Neo4jStore(sys.argv[5], batch_rows=100, allow_insecure=True)
        original_run = store.run

        def run(name, **params):
            if name.startswith("load/") and "rows" in params:
                count_and_maybe_die()
            return original_run(name, **params)

        store.run = run
    load_folder(data, store, Settings(workspace=workspace, resolve=False))
    print("finished without being killed", flush=True)


if __name__ == "__main__":
    main()
