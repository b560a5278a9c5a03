"""Every command on both stores at the size of a large force: Neo4j against embedded.

Usage:
    PERP_GRAPH_NEO4J_URI=bolt://127.0.0.1:17687 \\
        python benchmarks/bench_neo4j_scale.py [--sizes 300000 1000000] [--out DIR] \\
        [--profile-years 5] [--import-command "scripts/neo4j-local import" [--also-create]]

For each size it generates synthetic data once (seeded, three years of records ending on
AS_OF, no duplicate records), then on each store in turn runs, through the library's
entry points (perp_graph.api, what the CLI calls) and without identity resolution
(Settings.resolve=False):

- load: a first full load (the Neo4j database emptied first, so it takes the bulk path:
  CREATE in batches, or neo4j-admin import through `--import-command`, perp-graph's
  `[neo4j] import_command`, e.g. `scripts/neo4j-local import` with the server's
  NEO4J_LOCAL_* settings in the environment); with `--also-create` as well, a CREATE load
  is timed first on Neo4j ("load (CREATE)"), then the database is emptied again;
- scan, then the same scan again (the first command after a load warms the store: on
  Neo4j after an import the server's page cache is cold), scan --rank, watch;
- brief -n ONE: the packs of the neighbourhood with the most serial perpetrators (no PDF);
- network PERSON: the network page of the first serial perpetrator (depth 1);
- profile: the problem profile over --profile-years years of quarters.

It prints one table per size with each store's wall time and the Neo4j / embedded ratio
(compare ratios across runs: the machines are shared and noisy), rows per second for the
load, and the answer check: the scan and scan --rank JSON must be identical on both stores.
Exit status 1 when they are not.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

AS_OF = dt.date(2026, 6, 30)
COMMANDS = (
    "load",
    "scan",
    "scan again",
    "scan --rank",
    "watch",
    "brief -n ONE",
    "network PERSON",
    "profile",
)
#: the CREATE path's first load, timed too when the import path is measured (--also-create)
CREATE_LOAD = "load (CREATE)"


def generate(size: int, folder: Path) -> dict[str, int]:
    """The synthetic exports of `size` incidents (kept between runs: same seed, same data)."""
    from perp_graph.synth import SynthConfig, generate

    marker = folder / "counts.json"
    if marker.exists():
        return json.loads(marker.read_text())
    config = SynthConfig(seed=42, incidents=size, years=3, end_date=AS_OF)
    counts = generate(folder, config, overwrite=True)
    marker.write_text(json.dumps(counts))
    return counts


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    """Wall seconds of one call, and what it returned."""
    start = time.perf_counter()
    value = run()
    return time.perf_counter() - start, value


def empty_neo4j(uri: str) -> float:
    """Empty the Neo4j database (so that a load takes the first-load path); seconds taken."""
    from perp_graph.store.neo4j import Neo4jStore

    store = Neo4jStore(uri, allow_insecure=True)
    try:
        seconds, _ = timed(store.clear)
    finally:
        store.close()
    return seconds


def run_store(
    kind: str,
    data: Path,
    work: Path,
    profile_years: int,
    import_command: str | None = None,
    also_create: bool = False,
) -> dict[str, Any]:
    """Every command on one store; returns seconds per command and the scan JSONs. On
    Neo4j, the first load goes through `import_command` when given, after a timed CREATE
    load (CREATE_LOAD) when `also_create`."""
    from perp_graph import api
    from perp_graph.render.files import to_json
    from perp_graph.settings import Settings

    workspace = work / f"ws-{kind}"
    shutil.rmtree(workspace, ignore_errors=True)
    seconds: dict[str, float] = {}
    if kind == "neo4j":
        uri = os.environ["PERP_GRAPH_NEO4J_URI"]
        settings = Settings(workspace=workspace, resolve=False, neo4j_uri=uri, neo4j_insecure=True)
        empty_neo4j(uri)
        if import_command and also_create:
            seconds[CREATE_LOAD], _created = timed(lambda: api.load(data, settings))
            print(f"{CREATE_LOAD}: {seconds[CREATE_LOAD]:.1f} s", flush=True)
            shutil.rmtree(workspace, ignore_errors=True)
            print(f"emptied Neo4j again in {empty_neo4j(uri):.1f} s", flush=True)
        if import_command:
            settings = settings.with_flags(neo4j_import_command=import_command)
    else:
        settings = Settings(workspace=workspace, resolve=False)
    out = work / f"out-{kind}"
    shutil.rmtree(out, ignore_errors=True)
    seconds["load"], report = timed(lambda: api.load(data, settings))
    seconds["scan"], assessment = timed(lambda: api.scan(settings, AS_OF))
    # The first command after a load pays for warming the store (on Neo4j after an
    # import, the server was restarted: its page cache is cold); the same scan again
    # is what every later command sees.
    seconds["scan again"], _again = timed(lambda: api.scan(settings, AS_OF))
    seconds["scan --rank"], ranked = timed(lambda: api.scan(settings, AS_OF, rank=True))
    seconds["watch"], _watch = timed(lambda: api.watch(settings, as_of=AS_OF))
    counts: dict[str, int] = {}
    for finding in assessment.perpetrators:
        if finding.home_neighbourhood:
            counts[finding.home_neighbourhood] = counts.get(finding.home_neighbourhood, 0) + 1
    one = min(counts, key=lambda name: (-counts[name], name))
    seconds["brief -n ONE"], _brief = timed(
        lambda: api.brief(
            settings, out / "brief", neighbourhoods=[one], as_of=AS_OF, pdf=False, overwrite=True
        )
    )
    person = assessment.perpetrators[0].person_id
    seconds["network PERSON"], _network = timed(
        lambda: api.network(
            settings, out / "network.html", person_id=person, as_of=AS_OF, overwrite=True
        )
    )
    seconds["profile"], _profile = timed(
        lambda: api.profile(
            settings, out / "profile", as_of=AS_OF, years=profile_years, overwrite=True
        )
    )
    rows = sum(f.read for f in report.files)
    return {
        "load_path": "import" if settings.neo4j_import_command else "CREATE",
        "seconds": seconds,
        "rows": rows,
        "scan": to_json(assessment),
        "rank": to_json(ranked),
        "serial": len(assessment.perpetrators),
        "neighbourhood": one,
        "person": person,
    }


def table(size: int, rows: dict[str, int], results: dict[str, dict[str, Any]]) -> str:
    """The markdown table of one size."""
    embedded, neo4j = results["embedded"]["seconds"], results["neo4j"]["seconds"]
    loaded = results["neo4j"]["rows"]
    first = results["embedded"]
    lines = [
        f"{size:,} incidents ({', '.join(f'{k} {v:,}' for k, v in rows.items())}); "
        f"{first['serial']:,} serial; brief -n {first['neighbourhood']}; "
        f"network {first['person']}; {loaded:,} CSV rows read by a load",
        "",
        "| command | embedded | Neo4j | Neo4j / embedded |",
        "|---|---:|---:|---:|",
    ]
    for command in (CREATE_LOAD, *COMMANDS):
        if command not in neo4j:
            continue
        e, n = embedded["load" if command == CREATE_LOAD else command], neo4j[command]
        extra = f" ({loaded / n / 1000:.1f}k rows/s)" if command.startswith("load") else ""
        name = f"{command} ({results['neo4j']['load_path']})" if command == "load" else command
        lines.append(f"| {name} | {e:.1f} s | {n:.1f} s{extra} | {n / e:.1f}x |")
    return "\n".join(lines)


def main() -> int:
    """Run every size on both stores and print the tables and the answer check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=Path("/tmp/perp-graph-bench-neo4j"))
    parser.add_argument("--profile-years", type=int, default=5)
    parser.add_argument(
        "--import-command",
        help="Neo4j's first load through neo4j-admin import with this command ([neo4j] "
        "import_command), e.g. 'scripts/neo4j-local import'",
    )
    parser.add_argument(
        "--also-create",
        action="store_true",
        help="with --import-command: time a CREATE first load on Neo4j too",
    )
    args = parser.parse_args()
    # The import load's phases (files written, the command, after it), as it logs them.
    logging.basicConfig(format="  %(name)s: %(message)s")
    logging.getLogger("perp_graph.store.neo4j_import").setLevel(logging.INFO)
    if not os.environ.get("PERP_GRAPH_NEO4J_URI"):
        print("set PERP_GRAPH_NEO4J_URI (scripts/neo4j-local start prints it)", file=sys.stderr)
        return 2
    same = True
    for size in args.sizes:
        work = args.out / str(size)
        data = work / "data"
        data.mkdir(parents=True, exist_ok=True)
        rows = generate(size, data)
        results = {}
        for kind in ("embedded", "neo4j"):
            results[kind] = run_store(
                kind, data, work, args.profile_years, args.import_command, args.also_create
            )
            print(
                f"{size:,} {kind}: {json.dumps(results[kind]['seconds'])}; "
                f"load average {os.getloadavg()}",
                flush=True,
            )
        print()
        print(table(size, rows, results))
        for key in ("scan", "rank"):
            identical = results["embedded"][key] == results["neo4j"][key]
            same &= identical
            print(f"\n{key} JSON identical on both stores: {identical}")
        print(f"load average: {os.getloadavg()}", flush=True)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
