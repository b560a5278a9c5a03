"""Identity resolution: quality against the generator's truth, time and memory.

Usage:  python benchmarks/bench_identities.py [--people 100000 1000000] [--rate 0.1]

For each size it generates force data with `rate` of the people recorded twice
(seeded), loads it into an embedded store, then, each phase in a fresh Python
process so that peak memory (ru_maxrss) is that phase's own:
- resolve: Splink scoring, hard rules, clustering (perp_graph.identity);
- scan with and without resolution.
It prints pairwise merge precision and recall, the scan's serial-perpetrator
precision and recall against truth.json with and without resolution, and the
resolver's time and peak memory beside the load's (the obvious cost to compare
with: resolution should not cost more than loading the same people).
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
PEOPLE_PER_INCIDENT = 1.85  # measured on the generator: 55k people for 30k incidents


def phase_generate(incidents: int, rate: float, data: Path) -> dict:
    from perp_graph.synth import SynthConfig, generate

    config = SynthConfig(seed=42, incidents=incidents, end_date=AS_OF, duplicates=rate)
    return {"rows": generate(data, config, overwrite=True)}


def phase_load(data: Path, workspace: Path) -> dict:
    from perp_graph.pipeline.load import load_folder
    from perp_graph.settings import Settings
    from perp_graph.store.embedded import EmbeddedStore

    report = load_folder(data, EmbeddedStore(workspace), Settings(workspace=workspace))
    return {"people": next(f.loaded for f in report.files if f.file == "people.csv")}


def phase_resolve(data: Path, workspace: Path) -> dict:
    from perp_graph import api
    from perp_graph.settings import Settings
    from perp_graph.store.embedded import EmbeddedStore

    identities = api.resolve_identities(EmbeddedStore(workspace), Settings(workspace=workspace))
    truth = json.loads((data / "truth.json").read_text())["duplicates"]["pairs"]
    expected = {tuple(sorted(p)) for p in truth}
    pairs = identities.pairs
    merged = {
        (a, b)
        for a, b in zip(pairs["record_l"], pairs["record_r"], strict=True)
        if identities.of(a) == identities.of(b)
    }
    hit = len(merged & expected)
    return {
        "merge_precision": hit / max(1, len(merged)),
        "merge_recall": hit / max(1, len(expected)),
        "possible_pairs": int((pairs["outcome"] == "possible").sum()),
        "pairs_scored": len(pairs),
    }


def phase_scan(data: Path, workspace: Path, resolved: bool) -> dict:
    from perp_graph import api
    from perp_graph.settings import Settings
    from perp_graph.store.embedded import EmbeddedStore

    settings = Settings(workspace=workspace)
    if not resolved:
        # Every record for itself (the scored pairs stay, for looking into afterwards).
        EmbeddedStore(workspace).set_identities({})
    found = {f.person_id for f in api.scan(settings, AS_OF).perpetrators}
    expected = {s["person_id"] for s in json.loads((data / "truth.json").read_text())["serial"]}
    hit = len(found & expected)
    return {
        "serial_precision": hit / max(1, len(found)),
        "serial_recall": hit / max(1, len(expected)),
        "found": len(found),
        "expected": len(expected),
    }


PHASES = {"generate": phase_generate, "load": phase_load, "resolve": phase_resolve}


def child(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    if args.phase == "generate":
        out = phase_generate(args.incidents, args.rate, Path(args.data))
    elif args.phase == "load":
        out = phase_load(Path(args.data), Path(args.workspace))
    elif args.phase == "resolve":
        out = phase_resolve(Path(args.data), Path(args.workspace))
    else:
        out = phase_scan(Path(args.data), Path(args.workspace), args.phase == "scan-resolved")
    out["seconds"] = time.perf_counter() - started
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def run(phase: str, **options: object) -> dict:
    command = [sys.executable, __file__, "--phase", phase]
    for key, value in options.items():
        command += [f"--{key}", str(value)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--rate", type=float, default=0.1)
    parser.add_argument("--out", default="benchmarks/out/identities")
    parser.add_argument("--phase")
    parser.add_argument("--incidents", type=int)
    parser.add_argument("--data")
    parser.add_argument("--workspace")
    args = parser.parse_args()
    if args.phase:
        child(args)
        return
    for people in args.people:
        incidents = round(people / PEOPLE_PER_INCIDENT)
        root = Path(args.out) / f"{people}"
        data, ws = root / "data", root / "ws"
        generated = run("generate", incidents=incidents, rate=args.rate, data=data)
        loaded = run("load", data=data, workspace=ws)
        resolved = run("resolve", data=data, workspace=ws)
        with_resolution = run("scan-resolved", data=data, workspace=ws)
        without = run("scan-raw", data=data, workspace=ws)
        print(
            f"{loaded['people']:>9,} people ({incidents:,} incidents, {args.rate:.0%} recorded "
            f"twice; generated in {generated['seconds']:.0f} s)\n"
            f"  load      {loaded['seconds']:7.1f} s  peak {loaded['peak_mb']:7,.0f} MB\n"
            f"  resolve   {resolved['seconds']:7.1f} s  peak {resolved['peak_mb']:7,.0f} MB  "
            f"(resolve / load time {resolved['seconds'] / loaded['seconds']:.2f})  "
            f"{resolved['pairs_scored']:,} pairs kept, {resolved['possible_pairs']:,} possible\n"
            f"  merges    precision {resolved['merge_precision']:.4f}  "
            f"recall {resolved['merge_recall']:.4f}\n"
            f"  scan, resolved    precision {with_resolution['serial_precision']:.4f}  "
            f"recall {with_resolution['serial_recall']:.4f}  "
            f"({with_resolution['found']} found, {with_resolution['expected']} planted)\n"
            f"  scan, unresolved  precision {without['serial_precision']:.4f}  "
            f"recall {without['serial_recall']:.4f}  ({without['found']} found)",
            flush=True,
        )


if __name__ == "__main__":
    main()
