"""Commands on the store: load, scan, watch, purge."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from perp_graph import api
from perp_graph.cli.app import app
from perp_graph.cli.options import (
    AllOpt,
    AsOfOpt,
    LimitOpt,
    as_date,
    err,
    out,
    rows_limit,
    store_command,
)
from perp_graph.cli.present import ReportFormat, ScanFormat, deliver, print_load_report
from perp_graph.progress import Progress
from perp_graph.render.files import ranking_csv, to_csv, to_json, watch_csv, watch_json
from perp_graph.render.tables import (
    print_alerts,
    print_changes,
    print_ranking,
    print_table,
    print_watch,
)
from perp_graph.render.terminal import DEFAULT_ROWS
from perp_graph.settings import Settings
from perp_graph.wording import count, day
from perp_graph.workspace import Workspace


@app.command()
@store_command(dayfirst=True, resolve=True)
def load(
    data_dir: Annotated[Path, typer.Argument(help="Folder with people.csv, incidents.csv ...")],
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="Report as text or JSON.")
    ] = ReportFormat.text,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="The folder is a complete export: erase records it no longer holds "
            "(from the store and the outputs that named them).",
        ),
    ] = False,
    *,
    settings: Settings,
    progress: Progress,
    quiet: bool = False,
) -> None:
    """Validate and load a folder of CSV exports into the store.

    Bad rows go to quarantine files with their reasons; the report shows,
    per file, read = loaded + quarantined. Loading the same folder again
    leaves the same store.
    """
    report = api.load(data_dir, settings, progress, full=full)
    if output_format is ReportFormat.json:
        typer.echo(json.dumps(report.as_json(), indent=2))
    else:
        print_load_report(report, settings)


@app.command()
@store_command(dayfirst=True, resolve=True)
def scan(
    data: Annotated[
        Path | None, typer.Option("--data", help="Load this folder first, then scan.")
    ] = None,
    as_of: AsOfOpt = None,
    window_years: Annotated[
        int | None, typer.Option("--window-years", min=1, help="Rolling window W (default 3).")
    ] = None,
    min_victims: Annotated[
        int | None, typer.Option("--min-victims", min=2, help="Unconnected victims K (default 2).")
    ] = None,
    output_format: Annotated[
        ScanFormat, typer.Option("--format", help="table, json (data contract 3) or csv.")
    ] = ScanFormat.table,
    rank: Annotated[
        bool,
        typer.Option(
            "--rank",
            help="Also rank every perpetrator (serial or not) by the RFGV priority score, "
            "with its parts.",
        ),
    ] = False,
    limit: LimitOpt = DEFAULT_ROWS,
    every: AllOpt = False,
    since: Annotated[
        dt.datetime | None,
        typer.Option(
            "--since",
            formats=["%Y-%m-%d"],
            help="Also list what changed since this date: newly qualified, dropped to "
            "historic, largest score rises.",
        ),
    ] = None,
    against: Annotated[
        Path | None,
        typer.Option(
            "--against",
            help="Like --since, against a scan saved before with --format json (for "
            "example the workspace's reports/last-scan.json, copied).",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace --output.")] = False,
    *,
    settings: Settings,
    progress: Progress,
    quiet: bool = False,
) -> None:
    """Apply the ACPO serial-perpetrator rule to identities and list who qualifies, most
    urgent first as in the briefing packs, with priority scores, early warnings (Clare's
    Law), escalation and counter-allegations; 20 rows in each section unless --limit N or
    --all."""
    settings = settings.with_flags(window_years=window_years, min_victims=min_victims)
    if output is not None:
        api.require_export_purpose(settings, "scan")
    if data is not None:
        report = api.load(data, settings, progress)
        if report.quarantined and not quiet:
            err.print(
                f"{report.quarantined} rows quarantined: see "
                f"{escape(str(Workspace(settings.workspace).quarantine_dir))}/"
            )
    result = api.scan(
        settings,
        as_date(as_of),
        progress,
        rank=rank,
        since=as_date(since),
        against=against,
    )

    rows = rows_limit(limit, every)

    def show(console: Console) -> None:
        print_table(result, console, rows)
        if rank:
            console.print()
            print_ranking(result, console, rows)
        console.print()
        print_alerts(result, console, rows)
        if result.changes is not None:
            console.print()
            print_changes(result, console, rows)

    deliver(
        settings,
        output_format,
        output,
        overwrite=overwrite,
        quiet=quiet,
        json_text=lambda: to_json(result),
        csv_text=lambda: ranking_csv(result) if rank else to_csv(result),
        show=show,
        command="scan",
        person_ids=lambda: api.people_in(result),
        what=count(len(result.perpetrators), "perpetrator"),
    )


@app.command()
@store_command()
def watch(
    days: Annotated[
        int, typer.Option("--days", min=0, help="Ending within this many days (default 28).")
    ] = 28,
    as_of: AsOfOpt = None,
    output_format: Annotated[
        ScanFormat, typer.Option("--format", help="table, json or csv.")
    ] = ScanFormat.table,
    limit: LimitOpt = DEFAULT_ROWS,
    every: AllOpt = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace --output.")] = False,
    *,
    settings: Settings,
    progress: Progress,
    quiet: bool = False,
) -> None:
    """Release watch: serial and high-priority perpetrators whose custody, bail or order
    ends within --days, soonest first, with the victims to re-contact."""
    if output is not None:
        api.require_export_purpose(settings, "watch")
    assessment, entries = api.watch(settings, days, as_date(as_of), progress)
    deliver(
        settings,
        output_format,
        output,
        overwrite=overwrite,
        quiet=quiet,
        json_text=lambda: watch_json(assessment, entries, days),
        csv_text=lambda: watch_csv(assessment, entries),
        show=lambda console: print_watch(
            assessment, entries, days, console, rows_limit(limit, every)
        ),
        command="watch",
        person_ids=lambda: (
            {e.person_id for e in entries} | {v for e in entries for v in e.victims_to_recontact}
        ),
        what=count(len(entries), "person", "people"),
    )


@app.command()
@store_command()
def purge(
    before: Annotated[
        dt.datetime,
        typer.Option(
            "--before",
            formats=["%Y-%m-%d"],
            help="Erase incidents dated before this day, relationships and orders that ended "
            "before it, and people then left with no record.",
        ),
    ],
    yes: Annotated[bool, typer.Option("--yes", help="Do it (erasure cannot be undone).")] = False,
    *,
    settings: Settings,
    progress: Progress,
) -> None:
    """Retention: erase old records from the store and the outputs that named the people
    erased; the audit log records the erasure by counts, never the erased content."""
    if not yes:
        err.print(
            f"This erases every record before {day(before.date())} and cannot be undone; "
            "run again with --yes to do it."
        )
        raise typer.Exit(2)
    result = api.purge(settings, before.date(), progress)
    counts = ", ".join(f"{n:,} {name}" for name, n in result.erasure.counts.items())
    removed = count(len(result.files_removed), "output file")
    out.print(f"Erased {counts}; removed {removed} naming them.")
