"""Scan results as a terminal table, JSON (data contract, section 3) or CSV."""

from __future__ import annotations

import csv
import io
import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from perp_graph.model import Finding, ScanResult

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def to_json(result: ScanResult) -> str:
    """The contract's JSON: perpetrators sorted by person_id, two-space indent."""
    return json.dumps(result.as_json(), indent=2, ensure_ascii=False) + "\n"


CSV_COLUMNS = (
    "rank",
    "person_id",
    "status",
    "surname",
    "forenames",
    "home_neighbourhood",
    "victim_count",
    "victims_in_current_window",
    "first_qualified_on",
    "first_window_start",
    "first_window_end",
    "current_window_start",
    "current_window_end",
    "latest_event_on",
    "victim_ids",
    "qualifying_incident_ids",
)


def to_csv(result: ScanResult) -> str:
    """One row per perpetrator, most urgent first; lists joined with ';'.

    Cells that a spreadsheet would run as a formula are prefixed with a quote.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for rank, f in enumerate(result.by_urgency(), start=1):
        current = f.current_window
        row = [
            rank,
            f.person_id,
            f.status,
            f.surname,
            f.forenames,
            f.home_neighbourhood or "",
            len(f.victim_ids),
            len(current.victim_ids) if current else 0,
            f.first_qualified_on.isoformat(),
            f.first_window.start.isoformat(),
            f.first_window.end.isoformat(),
            current.start.isoformat() if current else "",
            current.end.isoformat() if current else "",
            f.latest_event_on.isoformat(),
            ";".join(f.victim_ids),
            ";".join(f.qualifying_incident_ids),
        ]
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()


def safe_cell(value: object) -> object:
    """Neutralise a text cell a spreadsheet would otherwise evaluate as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def why_text(finding: Finding) -> str:
    """The qualifying window in plain words."""
    window = finding.current_window or finding.first_window
    dates = [e.occurred_on for e in finding.events if window.start <= e.occurred_on <= window.end]
    n = len(window.victim_ids)
    return f"{n} intimate-partner victims between {min(dates):%B %Y} and {max(dates):%B %Y}"


def print_table(result: ScanResult, console: Console, limit: int | None = None) -> None:
    """A readable table, most urgent first."""
    findings = result.by_urgency()
    p = result.parameters
    current = sum(1 for f in findings if f.status == "current")
    title = (
        f"Serial perpetrators as of {p.as_of:%d %b %Y}: {current} current, "
        f"{len(findings) - current} historic (ACPO: {p.min_victims}+ unconnected "
        f"intimate-partner victims of violence within {p.window_years} years)"
    )
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("#", justify="right")
    table.add_column("Person")
    table.add_column("Name")
    table.add_column("Neighbourhood")
    table.add_column("Status")
    table.add_column("Victims", justify="right")
    table.add_column("Latest violence")
    table.add_column("Why", min_width=24)
    shown = findings if limit is None else findings[:limit]
    for rank, f in enumerate(shown, start=1):
        cells = (
            str(rank),
            f.person_id,
            f"{f.surname.upper()}, {f.forenames}",
            f.home_neighbourhood or "-",
            f.status,
            str(len(f.victim_ids)),
            f"{f.latest_event_on:%d %b %Y}",
            why_text(f),
        )
        # Record values are data, never rich markup.
        table.add_row(*(escape(c) for c in cells), style="bold" if f.status == "current" else None)
    console.print(table)
    if limit is not None and len(findings) > limit:
        console.print(f"... and {len(findings) - limit} more (use --format csv or json for all)")
