"""Load and scan speed of the embedded engine, against a plain pandas self-join.

Usage:  python benchmarks/bench_embedded.py [--sizes 100000 1000000 4500000] [--out DIR]

For each size it generates synthetic data once (seeded), then runs each phase
in a fresh Python process so that peak memory (ru_maxrss) is that phase's own:
- load: CSV -> validated -> embedded store (Parquet)
- scan: the ACPO scan (perp_graph.analytics.acpo)
- self-join: the obvious alternative for K=2, every pair of one suspect's
  qualifying events joined in pandas, checked for the same answer.
It prints wall time, rows per second, peak memory and the scan / self-join
ratio (the ratio is what to compare across runs: these machines are noisy).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

AS_OF = dt.date(2026, 6, 30)


def phase_generate(n: int, data: Path) -> dict:
    from perp_graph.synth import SynthConfig, generate

    counts = generate(data, SynthConfig(seed=42, incidents=n, end_date=AS_OF), overwrite=True)
    return {"rows": counts}


def phase_load(data: Path, workspace: Path) -> dict:
    from perp_graph.pipeline.load import load_folder
    from perp_graph.settings import Settings
    from perp_graph.store.embedded import EmbeddedStore

    report = load_folder(data, EmbeddedStore(workspace), Settings(workspace=workspace))
    return {
        "rows_read": sum(f.read for f in report.files),
        "involvement_rows": next(f.read for f in report.files if f.file == "involvements.csv"),
        "quarantined": report.quarantined,
    }


def phase_scan(workspace: Path) -> dict:
    from perp_graph.model import ScanParameters
    from perp_graph.store.embedded import EmbeddedStore

    result = EmbeddedStore(workspace).acpo_scan(ScanParameters(as_of=AS_OF))
    return {"answer": _answer(result.perpetrators)}


def phase_neo4j_load(data: Path, workspace: Path) -> dict:
    import os

    from perp_graph.pipeline.load import load_folder
    from perp_graph.settings import Settings
    from perp_graph.store.neo4j import Neo4jStore

    store = Neo4jStore(os.environ["PERP_GRAPH_NEO4J_URI"], allow_insecure=True)
    store.ensure_schema()
    store.clear()
    report = load_folder(data, store, Settings(workspace=workspace))
    return {
        "rows_read": sum(f.read for f in report.files),
        "involvement_rows": next(f.read for f in report.files if f.file == "involvements.csv"),
    }


def phase_neo4j_scan() -> dict:
    import os

    from perp_graph.model import ScanParameters
    from perp_graph.store.neo4j import Neo4jStore

    result = Neo4jStore(os.environ["PERP_GRAPH_NEO4J_URI"], allow_insecure=True).acpo_scan(
        ScanParameters(as_of=AS_OF)
    )
    return {"answer": _answer(result.perpetrators)}


def phase_selfjoin(workspace: Path) -> dict:
    """K=2 by brute force: join every suspect's qualifying events with each other."""
    import numpy as np

    from perp_graph.analytics.acpo import qualifying_events, window_start
    from perp_graph.model import DEFAULT_CONNECTION_TYPES, ScanParameters
    from perp_graph.store.embedded import EmbeddedStore

    dataset = EmbeddedStore(workspace).dataset()
    params = ScanParameters(as_of=AS_OF)
    events = qualifying_events(dataset, params)[["suspect_id", "victim_id", "occurred_on"]]
    pairs = events.merge(events, on="suspect_id", suffixes=("_1", "_2"))
    pairs = pairs[
        (pairs["victim_id_1"] != pairs["victim_id_2"])
        & (pairs["occurred_on_1"] <= pairs["occurred_on_2"])
    ]
    starts = pairs["occurred_on_2"].dt.date.map(lambda d: window_start(d, 3))
    pairs = pairs[pairs["occurred_on_1"].dt.date >= starts]
    rels = dataset.relationships
    rels = rels[rels["relationship_type"].isin(DEFAULT_CONNECTION_TYPES)]
    connected = set(zip(rels["person_id_a"], rels["person_id_b"], strict=True))
    keep = [
        (a, b) not in connected and (b, a) not in connected
        for a, b in zip(pairs["victim_id_1"], pairs["victim_id_2"], strict=True)
    ]
    pairs = pairs[np.asarray(keep, dtype=bool)]
    first = pairs.groupby("suspect_id")["occurred_on_2"].min()
    current_start = np.datetime64(window_start(AS_OF, 3))
    now = pairs[pairs["occurred_on_1"] >= current_start].groupby("suspect_id").size()
    answer = sorted(
        (pid, "current" if pid in now.index else "historic", str(day.date()))
        for pid, day in first.items()
    )
    return {"answer": answer, "pairs": len(pairs)}


def _answer(findings) -> list:
    return sorted((f.person_id, f.status, f.first_qualified_on.isoformat()) for f in findings)


def run_phase(name: str, *args: str) -> dict:
    """Run one phase in a fresh interpreter; return its figures."""
    cmd = [sys.executable, __file__, "--phase", name, *args]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def child(name: str, args: list[str]) -> None:
    start = time.perf_counter()
    if name == "generate":
        figures = phase_generate(int(args[0]), Path(args[1]))
    elif name == "load":
        figures = phase_load(Path(args[0]), Path(args[1]))
    elif name == "scan":
        figures = phase_scan(Path(args[0]))
    elif name == "neo4j-load":
        figures = phase_neo4j_load(Path(args[0]), Path(args[1]))
    elif name == "neo4j-scan":
        figures = phase_neo4j_scan()
    else:
        figures = phase_selfjoin(Path(args[0]))
    figures["seconds"] = time.perf_counter() - start
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures, default=str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 4_500_000])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    parser.add_argument("--no-selfjoin", action="store_true", help="skip the baseline")
    parser.add_argument(
        "--neo4j",
        action="store_true",
        help="also load and scan in the Neo4j at $PERP_GRAPH_NEO4J_URI (it is emptied first)",
    )
    parser.add_argument(
        "--reuse-data", action="store_true", help="keep generated data from an earlier run"
    )
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.phase:
        child(opts.phase, opts.args)
        return

    print(f"{'incidents':>10} {'phase':<10} {'seconds':>8} {'rows/s':>10} {'peak MB':>8}  notes")
    for n in opts.sizes:
        data = opts.out / f"data-{n}"
        ws = opts.out / f"ws-{n}"
        subprocess.run(["rm", "-rf", str(ws)], check=True)
        if opts.reuse_data and (data / "truth.json").exists():
            print(f"{n:>10} {'generate':<10} (reused {data})")
        else:
            gen = run_phase("generate", str(n), str(data))
            print(
                f"{n:>10} {'generate':<10} {gen['seconds']:>8.1f} {n / gen['seconds']:>10,.0f} "
                f"{gen['peak_mb']:>8.0f}  incidents/s"
            )
        load = run_phase("load", str(data), str(ws))
        print(
            f"{n:>10} {'load':<10} {load['seconds']:>8.1f} "
            f"{load['rows_read'] / load['seconds']:>10,.0f} {load['peak_mb']:>8.0f}  "
            f"all CSV rows/s; involvements {load['involvement_rows'] / load['seconds']:,.0f}/s"
        )
        scan = run_phase("scan", str(ws))
        print(
            f"{n:>10} {'scan':<10} {scan['seconds']:>8.1f} {n / scan['seconds']:>10,.0f} "
            f"{scan['peak_mb']:>8.0f}  incidents/s; {len(scan['answer'])} serial perpetrators"
        )
        total = load["seconds"] + scan["seconds"]
        print(f"{n:>10} {'load+scan':<10} {total:>8.1f}")
        if not opts.no_selfjoin:
            join = run_phase("selfjoin", str(ws))
            same = join["answer"] == scan["answer"]
            print(
                f"{n:>10} {'self-join':<10} {join['seconds']:>8.1f} {n / join['seconds']:>10,.0f} "
                f"{join['peak_mb']:>8.0f}  scan/self-join time ratio "
                f"{scan['seconds'] / join['seconds']:.2f}; same answer: {same}"
            )

        if opts.neo4j:
            nload = run_phase("neo4j-load", str(data), str(ws) + "-neo4j")
            print(
                f"{n:>10} {'neo4j load':<10} {nload['seconds']:>8.1f} "
                f"{nload['rows_read'] / nload['seconds']:>10,.0f} {'':>8}  all CSV rows/s; "
                f"involvements {nload['involvement_rows'] / nload['seconds']:,.0f}/s; "
                f"embedded/neo4j load time ratio {load['seconds'] / nload['seconds']:.2f}"
            )
            nscan = run_phase("neo4j-scan")
            print(
                f"{n:>10} {'neo4j scan':<10} {nscan['seconds']:>8.1f} "
                f"{n / nscan['seconds']:>10,.0f} {'':>8}  incidents/s; same answer as embedded: "
                f"{nscan['answer'] == scan['answer']}; embedded/neo4j scan time ratio "
                f"{scan['seconds'] / nscan['seconds']:.2f}"
            )


if __name__ == "__main__":
    main()
