"""What the commands print: tables, the load report, a pair under review, and delivery
of a result to the terminal or to an export file. No work is done here."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from perp_graph import api
from perp_graph.cli.options import err, out
from perp_graph.pipeline.load import LoadReport
from perp_graph.render.tables import print_data_quality
from perp_graph.settings import Settings
from perp_graph.wording import count, day
from perp_graph.workspace import Workspace

__all__ = ["count", "deliver", "print_load_report", "print_pair"]


class ScanFormat(StrEnum):
    """How scan and watch deliver a result: a table, JSON or CSV."""

    table = "table"
    json = "json"
    csv = "csv"


class ReportFormat(StrEnum):
    """How load and audit show reports: text or JSON."""

    text = "text"
    json = "json"


class ExportFormat(StrEnum):
    """How identities export writes: CSV or JSON."""

    csv = "csv"
    json = "json"


def deliver(
    settings: Settings,
    output_format: ScanFormat,
    output: Path | None,
    *,
    overwrite: bool,
    quiet: bool,
    json_text: Callable[[], str],
    csv_text: Callable[[], str],
    show: Callable[[Console], None],
    command: str,
    person_ids: Callable[[], Any],
    what: str,
) -> None:
    """Print a result, or export it to --output (audited, with its purpose)."""
    if output_format is ScanFormat.json:
        text = json_text()
    elif output_format is ScanFormat.csv:
        text = csv_text()
    elif output is None:
        show(out)
        return
    else:
        buffer = Console(file=io.StringIO(), width=200, color_system=None)
        show(buffer)
        text = buffer.file.getvalue()
    if output is None:
        typer.echo(text, nl=False)
        return
    api.export(
        settings, output, text, command=command, person_ids=person_ids(), overwrite=overwrite
    )
    if not quiet:
        err.print(f"Wrote {what} to {escape(str(output))}")


def print_load_report(report: LoadReport, settings: Settings) -> None:
    """The load report on stdout: rows per file, quarantine files, unmapped offence codes,
    data quality, the store's counts, erasures, identities, and where the reports are."""
    table = Table(title=f"Loaded {escape(report.data_dir)}", title_justify="left")
    for column in ("file", "read", "loaded", "quarantined", "extra columns"):
        table.add_column(column, justify="left" if column in ("file", "extra columns") else "right")
    for f in report.files:
        table.add_row(
            escape(f.file),
            f"{f.read:,}",
            f"{f.loaded:,}",
            f"{f.quarantined:,}",
            escape(", ".join(f.extra_columns)) or "-",
        )
    out.print(table)
    for f in report.files:
        if f.quarantine_file:
            out.print(f"Quarantined rows of {escape(f.file)}: {escape(f.quarantine_file)}")
    if report.unmapped_offence_categories:
        listed = ", ".join(
            f"{escape(k)} ({v})" for k, v in report.unmapped_offence_categories.items()
        )
        out.print(
            f"Offence values not mapped to a category (loaded, counted as not violent): {listed}. "
            "Map them under [offence_codes] in the config."
        )
    print_data_quality(report.data_quality, out)
    out.print(
        "Store now holds: " + ", ".join(f"{n:,} {name}" for name, n in report.store_counts.items())
    )
    if report.removed is not None:
        out.print(
            "Erased, no longer in the full export: "
            + ", ".join(f"{n:,} {name}" for name, n in report.removed.items())
        )
    if report.identities is not None:
        i = report.identities
        out.print(
            f"Identities: {i['records_merged']:,} records merged into "
            f"{i['identities_merged']:,} "
            f"{'person' if i['identities_merged'] == 1 else 'people'}; "
            f"{i['possible_pairs']:,} possible pairs for an analyst (perp-graph identities review)"
        )
    workspace = Workspace(Path(settings.workspace))
    out.print(
        f"Report: {escape(str(workspace.last_load_report))}; data quality: "
        f"{escape(str(workspace.data_quality_report))}"
    )


#: The review's columns: (heading, record key, whether it may be folded). Ids, dates, PNC
#: ids and postcodes are what an analyst reads or types next: never cut or folded.
_REVIEW_COLUMNS = (
    ("record", "person_id", False),
    ("forenames", "forenames", True),
    ("surname", "surname", True),
    ("born", "date_of_birth", False),
    ("sex", "gender", False),
    ("PNC", "pnc_id", False),
    ("postcode", "home_postcode", False),
)


def _as_shown(record: dict) -> dict:
    """A record's values as the review prints them: the date of birth as "05 Jul 1982"."""
    born = record.get("date_of_birth") or ""
    with contextlib.suppress(ValueError):  # not a date: shown as recorded
        born = day(dt.date.fromisoformat(born)) if born else ""
    return {**record, "date_of_birth": born}


def print_pair(record_a: dict, record_b: dict) -> None:
    """Two records side by side (columns blank on both left out). When the values that
    may not be folded do not fit the terminal's width, one line per record instead (wrapped
    between words, never inside an id or a date)."""
    records = (_as_shown(record_a), _as_shown(record_b))
    columns = [
        c for c in _REVIEW_COLUMNS if c[1] == "person_id" or any(r.get(c[1]) for r in records)
    ]
    # Names may fold, but not below their heading or 12 characters.
    whole = sum(
        min(needed, 12) if folds else needed
        for heading, key, folds in columns
        for needed in [max(len(heading), *(len(r.get(key, "")) for r in records))]
    )
    if whole + 2 * (len(columns) - 1) <= out.width:
        table = Table(box=None, pad_edge=False, padding=(0, 2, 0, 0))
        for heading, _key, folds in columns:
            table.add_column(heading, overflow="fold", no_wrap=not folds)
        for record in records:
            table.add_row(*(escape(record.get(key, "")) for _heading, key, _folds in columns))
        out.print(table)
        return
    for record in records:
        parts = [
            (f"{heading} " if key not in ("person_id", "forenames", "surname") else "")
            + record.get(key, "")
            for heading, key, _folds in columns
            if record.get(key)
        ]
        out.print(escape("  ".join(parts)))
