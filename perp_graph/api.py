"""The library's entry points, one per job; the CLI is a thin layer over these."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from perp_graph.errors import ConfigError, OutputError
from perp_graph.model import ScanParameters, ScanResult
from perp_graph.output import write_text
from perp_graph.pipeline.load import LoadReport, load_folder
from perp_graph.progress import Progress
from perp_graph.render.tables import to_csv, to_json
from perp_graph.settings import Settings
from perp_graph.store.embedded import EmbeddedStore
from perp_graph.store.protocol import GraphStore
from perp_graph.synth import SynthConfig, generate


def open_store(settings: Settings) -> GraphStore:
    """The store the settings select: Neo4j when a URI is set, else the embedded store."""
    if settings.neo4j_uri:
        from perp_graph.store.neo4j import Neo4jStore  # the driver is only needed here

        return Neo4jStore(
            settings.neo4j_uri,
            user=settings.neo4j_user,
            password=settings.neo4j_password,
            database=settings.neo4j_database,
        )
    return EmbeddedStore(settings.workspace)


def load(data_dir: Path, settings: Settings, progress: Progress | None = None) -> LoadReport:
    """Load a folder of exports into the configured store."""
    store = open_store(settings)
    try:
        return load_folder(data_dir, store, settings, progress)
    finally:
        store.close()


def scan_parameters(settings: Settings, as_of: dt.date | None) -> ScanParameters:
    try:
        return ScanParameters(
            as_of=as_of or dt.date.today(),
            window_years=settings.window_years,
            min_victims=settings.min_victims,
            violent_categories=settings.violent_categories,
            connection_types=settings.connection_types,
        )
    except ValueError as exc:
        raise ConfigError(
            f"{exc}: check --window-years / --min-victims or [scan] in the config"
        ) from None


def scan(
    settings: Settings,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """Run the ACPO scan over the configured store and keep a copy in the workspace."""
    parameters = scan_parameters(settings, as_of)
    store = open_store(settings)
    try:
        result = store.acpo_scan(parameters, progress)
    finally:
        store.close()
    reports = settings.workspace / "reports"
    write_text(reports / "last-scan.json", to_json(result), overwrite=True)
    return result


@dataclass
class DemoOutputs:
    folder: Path
    data_dir: Path
    load_report: LoadReport
    result: ScanResult
    files: dict[str, Path]


DEMO_MARKER = ".perp-graph-demo"


def demo(
    folder: Path,
    seed: int = 2014,
    incidents: int | None = None,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
) -> DemoOutputs:
    """Generate a force-sized synthetic data set, load it, scan it, write the outputs."""
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
        generate(data_dir, SynthConfig(seed=seed, incidents=incidents, end_date=as_of))
        advance(1)
    settings = Settings(workspace=folder / "workspace")
    report = load(data_dir, settings, progress)
    result = scan(settings, as_of, progress)
    files = {
        "scan_json": write_text(folder / "scan.json", to_json(result)),
        "scan_csv": write_text(folder / "scan.csv", to_csv(result)),
        "load_report": write_text(
            folder / "load-report.json", json.dumps(report.as_json(), indent=2) + "\n"
        ),
        "truth": data_dir / "truth.json",
    }
    return DemoOutputs(folder, data_dir, report, result, files)
