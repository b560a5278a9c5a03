"""The identities commands: review, confirm, reject, export (issues 6 and 14)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from perp_graph import api
from perp_graph.cli.options import out, store_command
from perp_graph.cli.present import ExportFormat, ScanFormat, count, deliver, print_pair
from perp_graph.render.files import iso_dates_as_days
from perp_graph.render.identities import identities_csv, identities_json
from perp_graph.render.terminal import DEFAULT_ROWS
from perp_graph.settings import Settings

identities_app = typer.Typer(
    help="Review the pairs of person records that may be one person; confirm or reject them.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@identities_app.command("review")
@store_command()
def identities_review(
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Show at most this many (default 20).")
    ] = DEFAULT_ROWS,
    show_all: Annotated[bool, typer.Option("--all", help="List every possible pair.")] = False,
    unmask: Annotated[
        bool,
        typer.Option("--unmask", help="Show full names (needs --purpose); initials otherwise."),
    ] = False,
    *,
    settings: Settings,
) -> None:
    """List the possible pairs with both records side by side: first those a finding
    depends on or that may make a serial perpetrator, then those touching a finding, then
    the rest, each group most likely first (names as initials unless --unmask --purpose
    TEXT)."""
    pairs = api.review_identities(settings, None if show_all else limit, unmask=unmask)
    if not pairs:
        out.print("No possible pairs: nothing to review.")
        return
    every = api.resolved_pairs(settings)
    total = int((every["outcome"] == "possible").sum())
    shown = "" if total == len(pairs) else f" (the first {len(pairs):,})"
    out.print(f"{count(total, 'possible pair')}{shown}: perp-graph identities confirm|reject A B")
    for number, pair in enumerate(pairs, 1):
        heading = f"{number}. p {pair.match_probability:.2f}"
        out.print()
        out.print(escape(heading + (f": {pair.stakes}" if pair.stakes else "")))
        print_pair(pair.record_a, pair.record_b)
        out.print(escape(f"why: {iso_dates_as_days(pair.reason)}"))
    if total > len(pairs):
        out.print()
        out.print(f"and {total - len(pairs):,} more (--all to list them, --limit N)")


def _decide(decision: str, record_a: str, record_b: str, settings: Settings, user: str | None):
    identities = api.decide_identities(settings, record_a, record_b, decision, user)
    counts = identities.counts()
    verb = "Confirmed" if decision == "confirm" else "Rejected"
    merged = count(counts["identities_merged"], "merged person", "merged people")
    out.print(
        f"{verb} {escape(record_a)} / {escape(record_b)}; now "
        f"{count(counts['records_merged'], 'record')} in {merged}, "
        f"{count(counts['possible_pairs'], 'pair')} to review. The decision is kept and "
        "re-applied on every later load."
    )


@identities_app.command("confirm")
@store_command()
def identities_confirm(
    record_a: Annotated[str, typer.Argument(help="A person record id.")],
    record_b: Annotated[str, typer.Argument(help="Another person record id.")],
    *,
    settings: Settings,
) -> None:
    """Confirm that two records are one person (never across one incident)."""
    _decide("confirm", record_a, record_b, settings, settings.user)


@identities_app.command("reject")
@store_command()
def identities_reject(
    record_a: Annotated[str, typer.Argument(help="A person record id.")],
    record_b: Annotated[str, typer.Argument(help="Another person record id.")],
    *,
    settings: Settings,
) -> None:
    """Record that two records are different people: never in one identity again, through
    any chain of merges."""
    _decide("reject", record_a, record_b, settings, settings.user)


@identities_app.command("export")
@store_command()
def identities_export(
    output_format: Annotated[
        ExportFormat, typer.Option("--format", help="csv or json.")
    ] = ExportFormat.csv,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace --output.")] = False,
    *,
    settings: Settings,
    quiet: bool = False,
) -> None:
    """List every person record id with its identity id and how it was decided (rule,
    model score, analyst), to audit the grouping. Ids only, no names; --output needs
    --purpose."""
    if output is not None:
        api.require_export_purpose(settings, "identities export")
    rows = api.export_identities(settings)
    as_format = ScanFormat.csv if output_format is ExportFormat.csv else ScanFormat.json
    deliver(
        settings,
        as_format,
        output,
        overwrite=overwrite,
        quiet=quiet,
        json_text=lambda: identities_json(rows),
        csv_text=lambda: identities_csv(rows),
        show=lambda console: None,
        command="identities export",
        person_ids=lambda: [r.record_id for r in rows],
        what=count(len(rows), "record"),
    )
