"""Time to draw a perpetrator's timeline (perp_graph.render.timeline, issue 16 clause 2)
against the obvious alternative: one of the problem profile's charts drawn the way
perp_graph.render.profile_charts draws them (pyplot, a figure per chart, closed after).

Usage:  python benchmarks/bench_timeline.py [--incidents 20000] [--dossiers 40] [--repeat 3]

It generates synthetic data (seeded), loads it into an embedded store in a temporary
folder, scans, builds the dossiers and draws the first `--dossiers` timelines (briefing
order: the ones a pack shows first) `--repeat` times; then as many profile charts (12
quarters, two series). It prints ms per figure (median and fastest), the ratio, the SVG
sizes and the peak memory before and after (a pack run draws thousands: memory must not
grow with them). These machines are noisy: compare ratios, not milliseconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import tempfile
import time
from pathlib import Path

AS_OF = dt.date(2026, 11, 30)


def dossiers(incidents: int, limit: int, folder: Path) -> list:
    from perp_graph.analytics.dossier import build_dossiers
    from perp_graph.model import ScanParameters
    from perp_graph.pipeline.load import load_folder
    from perp_graph.settings import Settings
    from perp_graph.store.embedded import EmbeddedStore
    from perp_graph.synth import SynthConfig, generate

    data, workspace = folder / "data", folder / "workspace"
    generate(data, SynthConfig(seed=16, incidents=incidents, end_date=AS_OF), overwrite=True)
    store = EmbeddedStore(workspace)
    load_folder(data, store, Settings(workspace=workspace))
    parameters = ScanParameters(as_of=AS_OF)
    result = store.acpo_scan(parameters)
    about = store.records_about([f.person_id for f in result.perpetrators])
    return build_dossiers(result.perpetrators, about, parameters)[:limit]


def timed(draw, items: list, repeat: int) -> list[float]:
    """Milliseconds per call of draw(item), over every item `repeat` times."""
    times = []
    for _ in range(repeat):
        for item in items:
            started = time.perf_counter()
            draw(item)
            times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=20000)
    parser.add_argument("--dossiers", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from perp_graph.render.profile_charts import _chart
    from perp_graph.render.timeline import timeline_figure

    with tempfile.TemporaryDirectory() as folder:
        chosen = dossiers(args.incidents, args.dossiers, Path(folder))
    lanes = [len(d.victims) for d in chosen]
    incidents = [len(d.timeline) for d in chosen]
    orders = sum(bool(d.constraints) for d in chosen)
    print(
        f"{len(chosen)} dossiers: victims {min(lanes)}-{max(lanes)}, incidents "
        f"{min(incidents)}-{max(incidents)} (median {statistics.median(incidents)}), "
        f"{orders} with an order or custody"
    )
    timeline_figure(chosen[0])  # warm up: fonts, caches
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ours = timed(timeline_figure, chosen, args.repeat)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sizes = [len(timeline_figure(d).svg) for d in chosen]

    labels = [f"Q{q % 4 + 1} {2023 + q // 4}" for q in range(12)]
    series = {"all incidents": list(range(40, 52)), "violence or threats": list(range(20, 32))}
    _chart("warm up", labels, series, stacked=False)
    theirs = timed(lambda _: _chart("Incidents", labels, series, stacked=False), chosen, 1)

    for name, times in (("timeline", ours), ("profile chart (baseline)", theirs)):
        print(
            f"{name:26} {statistics.median(times):6.1f} ms median, {min(times):6.1f} ms fastest"
            f" ({len(times)} figures)"
        )
    ratio = statistics.median(ours) / statistics.median(theirs)
    fastest = min(ours) / min(theirs)
    print(f"ratio timeline / profile chart: {ratio:.2f} (median), {fastest:.2f} (fastest)")
    print(f"SVG {min(sizes) / 1024:.1f}-{max(sizes) / 1024:.1f} KiB per timeline")
    print(f"peak memory {before / 1024:.0f} MiB before the timelines, {after / 1024:.0f} after")


if __name__ == "__main__":
    main()
