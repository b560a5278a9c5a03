"""Commands that make data: generate (synthetic exports) and demo (everything at once)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from perp_graph import api
from perp_graph.cli.app import app
from perp_graph.cli.options import QuietOpt, as_date, err, friendly, out, progress_for
from perp_graph.cli.present import print_load_report
from perp_graph.jobs.records import generate_data
from perp_graph.render.tables import print_table
from perp_graph.settings import Settings
from perp_graph.synth import KENT_CRIMES_PER_YEAR, SynthConfig


@app.command(name="generate")
@friendly
def generate_command(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the CSV files into.")],
    incidents: Annotated[
        int | None,
        typer.Option(
            "--incidents",
            min=10,
            help=f"Incidents in all (default {KENT_CRIMES_PER_YEAR:,} a year, Kent's volume).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same data.")] = 1,
    years: Annotated[int, typer.Option("--years", min=1, help="Years of records.")] = 5,
    end_date: Annotated[
        dt.datetime | None,
        typer.Option(
            "--end-date", formats=["%Y-%m-%d"], help="Last day of records (default today)."
        ),
    ] = None,
    duplicates: Annotated[
        float,
        typer.Option(
            "--duplicates",
            min=0.0,
            max=0.5,
            help="Share of people recorded again under a second id, with realistic noise.",
        ),
    ] = 0.0,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace existing files.")] = False,
) -> None:
    """Write synthetic force data with planted serial perpetrators and truth.json."""
    config = SynthConfig(
        seed=seed,
        years=years,
        incidents=incidents,
        end_date=as_date(end_date) or dt.date.today(),
        duplicates=duplicates,
    )
    written = generate_data(out_dir, config, overwrite=overwrite)
    err.print(
        f"Wrote {escape(str(out_dir))}: "
        + ", ".join(f"{n:,} {name}" for name, n in written.counts.items())
        + f"; {written.planted_serial} planted serial perpetrators in truth.json"
    )


@app.command()
@friendly
def demo(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the demo's data and outputs.")
    ] = Path("perp-graph-demo"),
    seed: Annotated[int, typer.Option("--seed")] = 2014,
    incidents: Annotated[
        int | None, typer.Option("--incidents", min=10, help="Default: 5 years of Kent's volume.")
    ] = None,
    pdf: Annotated[
        bool,
        typer.Option(
            "--pdf/--no-pdf", help="Print the briefings to PDF (when a browser is found)."
        ),
    ] = True,
    quiet: QuietOpt = False,
) -> None:
    """Generate a force-sized synthetic data set, load it, scan it, write the outputs and
    the neighbourhood briefings."""
    result = api.demo(
        out_dir, seed=seed, incidents=incidents, pdf=pdf, progress=progress_for(quiet)
    )
    print_load_report(result.load_report, Settings(workspace=out_dir / "workspace"))
    out.print()
    print_table(result.result, out)
    out.print()
    out.print(f"Briefings: {escape(str(result.files['briefings']))}", soft_wrap=True)
    for note in result.notes:
        err.print(f"Note: {escape(note)}")
    out.print()
    out.print("Open:")
    for label, path in result.files.items():
        out.print(f"  {label:<12} {escape(str(path))}", soft_wrap=True)
    out.print(f"  {'workspace':<12} {escape(str(out_dir / 'workspace'))}", soft_wrap=True)
