"""The demo: synthetic data through every job, as a new user's first run."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from perp_graph.analytics.assess import Assessment
from perp_graph.analytics.dossier_parts import ENDING_SOON_DAYS
from perp_graph.errors import OutputError
from perp_graph.jobs.briefing import brief
from perp_graph.jobs.exports import export
from perp_graph.jobs.loading import load
from perp_graph.jobs.profile import profile
from perp_graph.jobs.scanning import people_in, scan, watch
from perp_graph.output import write_text
from perp_graph.pipeline.load import LoadReport
from perp_graph.progress import Progress
from perp_graph.render.files import to_csv, to_json, watch_csv
from perp_graph.render.pdf import find_browser
from perp_graph.settings import Settings
from perp_graph.synth import SynthConfig, generate


@dataclass
class DemoOutputs:
    """What the demo made: its folder and data, the load report, the ranked scan, the
    files by name, and notes for the user (a PDF not made, and why)."""

    folder: Path
    data_dir: Path
    load_report: LoadReport
    result: Assessment
    files: dict[str, Path]
    notes: list[str]


DEMO_MARKER = ".perp-graph-demo"

#: Share of the demo's people recorded a second time under another id.
DEMO_DUPLICATES = 0.05


def demo(
    folder: Path,
    seed: int = 2014,
    incidents: int | None = None,
    as_of: dt.date | None = None,
    pdf: bool = True,
    progress: Progress | None = None,
) -> DemoOutputs:
    """Generate a force-sized synthetic data set into `folder` (replacing an earlier demo
    there), load it, scan it, and write the scan (JSON, CSV), the release watch, the load
    report, the briefings and the problem profile, as a user would with the commands.

    Raises:
        OutputError: `folder` holds something that is not a perp-graph demo.
    """
    as_of = as_of or dt.date.today()
    if folder.exists() and any(folder.iterdir()) and not (folder / DEMO_MARKER).exists():
        raise OutputError(f"{folder} exists and is not a perp-graph demo folder; choose --out")
    if (folder / DEMO_MARKER).exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / DEMO_MARKER).write_text("made by perp-graph demo; re-running the demo replaces it\n")
    data_dir = folder / "data"
    progress = progress or Progress()
    with progress.stage("generating synthetic data", total=1) as advance:
        # Some people recorded twice, as in any force's records: the load resolves them.
        config = SynthConfig(
            seed=seed, incidents=incidents, end_date=as_of, duplicates=DEMO_DUPLICATES
        )
        generate(data_dir, config)
        advance(1)
    settings = Settings(workspace=folder / "workspace", purpose="perp-graph demo on synthetic data")
    report = load(data_dir, settings, progress)
    result = scan(settings, as_of, progress, rank=True)
    watched, entries = watch(settings, ENDING_SOON_DAYS, as_of, progress)
    people = people_in(result)
    files = {
        "scan_json": export(
            settings, folder / "scan.json", to_json(result), command="scan", person_ids=people
        ),
        "scan_csv": export(
            settings, folder / "scan.csv", to_csv(result), command="scan", person_ids=people
        ),
        "watch_csv": export(
            settings,
            folder / "watch.csv",
            watch_csv(watched, entries),
            command="watch",
            person_ids={e.person_id for e in entries},
        ),
        "load_report": write_text(
            folder / "load-report.json", json.dumps(report.as_json(), indent=2) + "\n"
        ),
        "truth": data_dir / "truth.json",
    }
    notes = []
    has_browser = find_browser() is not None
    if pdf and not has_browser:
        notes.append(
            "PDFs not made: no Chromium, Chrome or Edge found (Debian/Ubuntu: apt-get install "
            "chromium, or set PERP_GRAPH_BROWSER); the HTML packs print from any browser"
        )
    briefings = brief(
        settings, folder / "briefings", as_of=as_of, progress=progress, pdf=pdf and has_browser
    )
    files["briefings"] = briefings.index
    files["profile"] = profile(settings, folder / "profile", as_of=as_of, progress=progress).index
    return DemoOutputs(folder, data_dir, report, result, files, notes)
