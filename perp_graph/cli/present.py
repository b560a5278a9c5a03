"""What the commands print: tables, the load report, a pair under review, one person
(`show`), and delivery of a result to the terminal or to an export file. No work is done
here."""

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
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from perp_graph import api
from perp_graph.analytics.dossier import Dossier
from perp_graph.cli.options import err, out
from perp_graph.pipeline.load import LoadReport
from perp_graph.render.files import why_text
from perp_graph.render.tables import print_data_quality
from perp_graph.render.terminal import Column, print_fitted, print_parts
from perp_graph.settings import Settings
from perp_graph.wording import count, day, days_from
from perp_graph.workspace import Workspace

__all__ = ["count", "deliver", "print_load_report", "print_pair", "print_person"]


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
            f"Identities: {count(i['records_merged'], 'record')} merged into "
            f"{count(i['identities_merged'], 'person', 'people')}; "
            f"{count(i['possible_pairs'], 'possible pair')} for an analyst (perp-graph "
            "identities review)"
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
        print_parts(out, parts)


# --- one person (perp-graph show) -----------------------------------------------------------


def print_person(found: api.Person, console: Console) -> None:
    """One person as `api.show` found them: who, status, priority with its parts, alerts,
    and for a serial perpetrator the dossier (victims masked unless unmasked, qualifying
    incidents, orders and custody with their end, actions); or a name's matches."""
    if found.person_id is None:
        _print_matches(found, console)
        return
    as_of = found.parameters.as_of
    window = found.parameters.window_years
    console.print(Text(f"{found.name}  {found.person_id}", style="bold"))
    if found.masked:
        console.print(
            "Never recorded as a suspect: shown by initials and reference, as in the packs "
            "(--unmask --purpose TEXT for the name)"
        )
    facts = [
        ("born", day(found.date_of_birth)),
        ("PNC", found.pnc_id or ""),
        ("lives in", found.home_neighbourhood or ""),
    ]
    if len(found.record_ids) > 1:
        facts.append(("records", ", ".join(found.record_ids)))
    dossier = found.dossier
    if dossier is not None and dossier.warning_markers:
        facts.append(("warning markers", "; ".join(dossier.warning_markers)))
    console.print(Text("  ".join(f"{label} {value}" for label, value in facts if value)))
    if dossier is not None:
        f = dossier.finding
        console.print(
            Text(
                f"Serial perpetrator ({f.status}) as of {day(as_of)}, first qualified "
                f"{day(f.first_qualified_on)}: {why_text(f)}; offends in "
                f"{', '.join(dossier.neighbourhoods)}"
            )
        )
    else:
        console.print(
            Text(
                f"Not a serial perpetrator as of {day(as_of)} (no dossier: dossiers are for "
                "serial perpetrators; perp-graph network ID draws anyone's network)"
            )
        )
    p = found.priority
    if p is None:
        console.print(
            f"Priority: no score (no incident as a suspect in the last {count(window, 'year')})"
        )
    else:
        console.print(
            Text(
                f"Priority {p.score:g} {p.band} (recency {p.recency:g}, frequency "
                f"{p.frequency:g}, gravity {p.gravity:g}, victims {p.victims:g}): latest "
                f"incident {day(p.latest_incident_on)} ({days_from(as_of, p.latest_incident_on)}"
                f"), {count(p.incidents_12_months, 'incident')} in 12 months and "
                f"{p.incidents_in_window:,} in {count(window, 'year')}, {p.harm_days:,g} harm "
                f"days, {count(p.intimate_partner_victims, 'intimate-partner victim')}"
            )
        )
    if found.escalation is not None:
        console.print(Text(f"Escalating: {'; '.join(found.escalation.reasons)}"))
    if found.early_warning is not None:
        w = found.early_warning
        console.print(
            Text(
                f"Early warning: new partner {', '.join(w.new_partner_ids)} after violence "
                f"against {', '.join(w.victim_ids)}: consider Clare's Law right-to-know "
                "disclosure"
            )
        )
    for c in found.counter_allegations:
        console.print(
            Text(
                f"Counter-allegation with {c.other(found.person_id)}: each recorded as a suspect "
                "against the other; review, label neither as victim or perpetrator"
            )
        )
    if dossier is not None:
        _print_dossier(dossier, found.unmask, console)


def _print_dossier(dossier: Dossier, unmask: bool, console: Console) -> None:
    """The dossier's victims, qualifying incidents, orders and custody, and actions."""
    as_of = dossier.parameters.as_of
    shown_as = "names shown (--unmask)" if unmask else "initials and reference"
    pack = "perp-graph brief for the pack"
    console.print()
    print_fitted(
        console,
        f"Victims ({len(dossier.victims)}; {shown_as})",
        (
            Column("Victim", keep=True),
            Column("Name", fold_min=8),
            Column("Relationship", fold_min=10, drop=2),
            Column("Incidents", keep=True, right=True),
            Column("First", keep=True, drop=1),
            Column("Latest", keep=True),
            Column("Qualifying", keep=True),
            Column("Protected by", fold_min=10, drop=2),
        ),
        [
            (
                v.person.person_id,
                v.person.full_name if unmask else v.person.initials,
                (v.relationship or "-").replace("_", " "),
                str(v.incidents),
                day(v.first_on),
                day(v.last_on),
                "yes" if v.qualifying else "",
                "; ".join(v.protected_by) or "-",
            )
            for v in dossier.victims
        ],
        elsewhere=pack,
    )
    qualifying = [t for t in dossier.timeline if t.qualifying]
    console.print()
    print_fitted(
        console,
        f"Qualifying incidents ({len(qualifying)})",
        (
            Column("Date", keep=True),
            Column("Incident", keep=True),
            Column("Offence", fold_min=10),
            Column("Victims", ids=True),
            Column("Risk", keep=True, drop=2),
            Column("Neighbourhood", fold_min=10, drop=1),
        ),
        [
            (
                day(t.occurred_on),
                t.incident_id,
                t.offence_category.replace("_", " "),
                ", ".join(r.person_id for r in t.victims) or "-",
                t.risk_level or "-",
                t.neighbourhood or "-",
            )
            for t in qualifying
        ],
        elsewhere=pack,
    )
    console.print()
    if dossier.constraints:
        print_fitted(
            console,
            f"Orders and custody in force on {day(as_of)}",
            (
                Column("Ends", keep=True),
                Column("When", keep=True),
                Column("What", fold_min=12),
                Column("Protects", keep=True),
            ),
            [
                (
                    day(c.end_date, blank="no end recorded"),
                    days_from(as_of, c.end_date) if c.end_date else "-",
                    c.name + (": expected release" if c.is_custody else ""),
                    c.protected.person_id if c.protected else "-",
                )
                for c in sorted(dossier.constraints, key=lambda c: c.end_date or dt.date.max)
            ],
            elsewhere=pack,
        )
    else:
        console.print(Text(f"Orders and custody in force on {day(as_of)}", style="bold"))
        console.print("None recorded.")
    console.print()
    console.print(Text("Actions", style="bold"))
    for n, action in enumerate(dossier.actions, start=1):
        urgent = " (urgent)" if action.urgent else ""
        console.print(Text(f"{n}. {action.text}{urgent}"))
        console.print(Padding(Text(f"why: {action.reason}"), (0, 0, 0, 3), expand=False))


def _print_matches(found: api.Person, console: Console) -> None:
    """A name's matches: suspects only, as the scan shows them, with their ids."""
    total = len(found.matches) + found.more_matches
    print_fitted(
        console,
        f"{count(total, 'suspect matches', 'suspects match')} that name: run perp-graph show "
        "again with one of these ids",
        (
            Column("Person", keep=True),
            Column("Name"),
            Column("Born", keep=True),
            Column("Serial", keep=True),
            Column("Priority", keep=True),
            Column("Lives in", fold_min=10, drop=1),
        ),
        [
            (
                m.person_id,
                m.name,
                day(m.date_of_birth, blank="-"),
                m.serial or "-",
                f"{m.priority.score:g} {m.priority.band}" if m.priority else "-",
                m.home_neighbourhood or "-",
            )
            for m in found.matches
        ],
        total=total,
        elsewhere="perp-graph show ID",
    )
