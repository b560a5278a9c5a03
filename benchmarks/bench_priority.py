"""Speed and memory of the priority score and alerts (issue 7) on the embedded store.

Usage:  python benchmarks/bench_priority.py [--sizes 100000 1000000] [--out DIR]

For each size it generates synthetic data once (seeded) and loads it, then runs each
phase in a fresh Python process so that peak memory (ru_maxrss) is that phase's own:
- scan: the ACPO scan alone (for scale);
- assess: the force records, the suspects' table, priority scores, escalation, early
  warnings and counter-allegations (perp_graph.analytics.assess);
- plain loop: the obvious alternative for the score, a spreadsheet-like loop over each
  perpetrator's incidents in plain Python, checked to give the same scores.
It prints wall time, peak memory and the ratios (compare ratios across runs: these
machines are noisy).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

AS_OF = dt.date(2026, 6, 30)


def phase_prepare(n: int, data: Path, workspace: Path) -> dict:
    from perp_graph.pipeline.load import load_folder
    from perp_graph.settings import Settings
    from perp_graph.store.embedded import EmbeddedStore
    from perp_graph.synth import SynthConfig, generate

    generate(data, SynthConfig(seed=42, incidents=n, end_date=AS_OF), overwrite=True)
    load_folder(data, EmbeddedStore(workspace), Settings(workspace=workspace))
    return {}


def phase_scan(workspace: Path) -> dict:
    from perp_graph.model import ScanParameters
    from perp_graph.store.embedded import EmbeddedStore

    started = time.perf_counter()
    result = EmbeddedStore(workspace).acpo_scan(ScanParameters(as_of=AS_OF))
    return {"scan_s": time.perf_counter() - started, "serial": len(result.perpetrators)}


def phase_assess(workspace: Path) -> dict:
    from perp_graph.analytics.assess import assess
    from perp_graph.analytics.priority import PrioritySettings
    from perp_graph.model import ScanParameters
    from perp_graph.store.embedded import EmbeddedStore

    store = EmbeddedStore(workspace)
    result = store.acpo_scan(ScanParameters(as_of=AS_OF))
    started = time.perf_counter()
    a = assess(result, store.force_records().resolved(store.identities()), PrioritySettings())
    return {
        "assess_s": time.perf_counter() - started,
        "scored": len(a.priorities),
        "early_warnings": len(a.early_warnings),
        "escalating": len(a.escalations),
        "counter_allegation_pairs": len(a.counter_allegations),
        "scores": {p: s.score for p, s in a.priorities.items()},
    }


def phase_plain_loop(workspace: Path) -> dict:
    """The score the obvious way: every perpetrator's incidents, one loop each."""
    from collections import defaultdict

    from perp_graph.analytics.acpo import window_start
    from perp_graph.analytics.priority import (
        PrioritySettings,
        frequency_points,
        gravity_points,
        recency_points,
        victims_points,
    )
    from perp_graph.store.embedded import EmbeddedStore

    data = EmbeddedStore(workspace).dataset()
    started = time.perf_counter()
    settings = PrioritySettings()
    start, year = window_start(AS_OF, 3), window_start(AS_OF, 1)
    day = {
        i: d.date()
        for i, d in zip(data.incidents["incident_id"], data.incidents["occurred_on"], strict=True)
    }
    category = dict(
        zip(data.incidents["incident_id"], data.incidents["offence_category"], strict=True)
    )
    suspects, victims = defaultdict(set), defaultdict(list)
    for i, p, role, rts in zip(
        data.involvements["incident_id"],
        data.involvements["person_id"],
        data.involvements["role"],
        data.involvements["relationship_to_suspect"],
        strict=True,
    ):
        if role == "suspect":
            suspects[i].add(p)
        elif role == "victim":
            victims[i].append((p, rts))
    partners = set()
    for a, b, kind in zip(
        data.relationships["person_id_a"],
        data.relationships["person_id_b"],
        data.relationships["relationship_type"],
        strict=True,
    ):
        if kind in ("intimate_partner", "ex_intimate_partner"):
            partners |= {(a, b), (b, a)}
    for i, vs in victims.items():
        if day[i] <= AS_OF:
            for v, rts in vs:
                if rts in ("intimate_partner", "ex_intimate_partner"):
                    partners |= {(p, v) for p in suspects[i]}
    incidents_of = defaultdict(list)
    for i, ps in suspects.items():
        if start <= day[i] <= AS_OF:
            for p in ps:
                incidents_of[p].append(i)
    scores = {}
    for p, incidents in incidents_of.items():
        latest = max(day[i] for i in incidents)
        n12 = sum(day[i] > year for i in incidents)
        harm = sum(settings.harm(category[i]) for i in incidents)
        ip = {v for i in incidents for v, _ in victims[i] if v != p and (p, v) in partners}
        parts = (
            round(recency_points((AS_OF - latest).days), 1),
            round(frequency_points(n12, len(incidents)), 1),
            round(gravity_points(harm), 1),
            round(victims_points(len(ip)), 1),
        )
        scores[p] = round(sum(parts), 1)
    return {"loop_s": time.perf_counter() - started, "scores": scores}


PHASES = {"prepare": phase_prepare, "scan": phase_scan, "assess": phase_assess}
PHASES["plain_loop"] = phase_plain_loop


def run_phase(name: str, *args: str) -> dict:
    """Run one phase in a fresh process; return its result, wall time and peak MB."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--phase", name, *args],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/priority"))
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.phase:
        args = [int(a) if a.isdigit() else Path(a) for a in options.args]
        result = PHASES[options.phase](*args)
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    print(
        "| incidents | scan s | assess s | assess peak MB | plain loop s "
        "| assess / plain loop | assess / scan | same scores | scored | early warnings "
        "| escalating | counter pairs |"
    )
    print("|" + "---:|" * 12)
    for n in options.sizes:
        data, workspace = options.out / f"data-{n}", options.out / f"ws-{n}"
        run_phase("prepare", str(n), str(data), str(workspace))
        scan = run_phase("scan", str(workspace))
        assess = run_phase("assess", str(workspace))
        loop = run_phase("plain_loop", str(workspace))
        same = assess["scores"].keys() == loop["scores"].keys() and all(
            math.isclose(assess["scores"][p], loop["scores"][p], abs_tol=0.05)
            for p in loop["scores"]
        )
        print(
            f"| {n:,} | {scan['scan_s']:.1f} | {assess['assess_s']:.1f} | "
            f"{assess['peak_mb']:,.0f} | {loop['loop_s']:.1f} | "
            f"{assess['assess_s'] / loop['loop_s']:.2f} | "
            f"{assess['assess_s'] / scan['scan_s']:.2f} | {'yes' if same else 'NO'} | "
            f"{assess['scored']:,} | {assess['early_warnings']:,} | {assess['escalating']:,} | "
            f"{assess['counter_allegation_pairs']:,} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
