"""Scan results as a terminal table, JSON (data contract, section 3) or CSV."""

from __future__ import annotations

import csv
import io
import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from perp_graph.analytics.assess import Assessment
from perp_graph.analytics.dossier import display_name
from perp_graph.analytics.watch import WatchEntry
from perp_graph.model import Finding, ScanResult
from perp_graph.output import safe_cell
from perp_graph.pipeline.quality import DataQuality


def to_json(result: ScanResult | Assessment) -> str:
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


def to_csv(result: ScanResult | Assessment) -> str:
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


def why_text(finding: Finding) -> str:
    """The qualifying window in plain words."""
    window = finding.current_window or finding.first_window
    dates = [e.occurred_on for e in finding.events if window.start <= e.occurred_on <= window.end]
    n = len(window.victim_ids)
    return f"{n} intimate-partner victims between {min(dates):%B %Y} and {max(dates):%B %Y}"


#: Terminal width from which the scan table has its "Why" column.
WIDE_ENOUGH_FOR_WHY = 120
#: Below this width, and with ids over 10 characters, the neighbourhood is left out too.
WIDE_ENOUGH_FOR_PLACE = 100


def print_table(
    result: ScanResult | Assessment, console: Console, limit: int | None = None
) -> None:
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
    # At 80 columns the sentence (and, with long ids, the neighbourhood) would squeeze
    # every other column to nothing; both are in the CSV and JSON.
    with_why = console.width >= WIDE_ENOUGH_FOR_WHY
    with_place = (
        console.width >= WIDE_ENOUGH_FOR_PLACE
        or max((len(f.person_id) for f in findings), default=0) <= 10
    )
    table.add_column("#", justify="right")
    table.add_column("Person", no_wrap=True)  # an id is never cut or wrapped
    table.add_column("Name", overflow="fold")
    if with_place:
        table.add_column("Neighbourhood", overflow="fold")
    table.add_column("Status", no_wrap=True)
    table.add_column("Victims", justify="right", no_wrap=True)
    table.add_column("Latest violence")
    if with_why:
        table.add_column("Why", min_width=24)
    shown = findings if limit is None else findings[:limit]
    for rank, f in enumerate(shown, start=1):
        cells = (
            str(rank),
            f.person_id,
            display_name(f.surname, f.forenames),
            f.home_neighbourhood or "-",
            f.status,
            str(len(f.victim_ids)),
            f"{f.latest_event_on:%d %b %Y}",
            why_text(f),
        )
        if not with_why:
            cells = cells[:-1]
        if not with_place:
            cells = cells[:3] + cells[4:]
        # Record values are data, never rich markup.
        table.add_row(*(escape(c) for c in cells), style="bold" if f.status == "current" else None)
    console.print(table)
    if not with_why and shown:
        left_out = "Why each qualifies" if with_place else "Neighbourhood and why each qualifies"
        console.print(f"{left_out}: a wider terminal, or --format csv / json.")
    if limit is not None and len(findings) > limit:
        console.print(f"... and {len(findings) - limit} more (use --format csv or json for all)")


# --- priority ranking, alerts, changes, release watch ---------------------------------------

RANKING_COLUMNS = (
    "rank",
    "person_id",
    "surname",
    "forenames",
    "home_neighbourhood",
    "serial",
    "score",
    "band",
    "recency",
    "frequency",
    "gravity",
    "victims",
    "days_since_latest",
    "incidents_12_months",
    "incidents_in_window",
    "harm_days",
    "intimate_partner_victims",
    "escalating",
    "early_warning",
    "counter_allegation_with",
)


def ranking_csv(assessment: Assessment) -> str:
    """Every scored perpetrator, highest priority first, with the score's parts."""
    statuses = {f.person_id: f.status for f in assessment.perpetrators}
    warned = {w.person_id for w in assessment.early_warnings}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RANKING_COLUMNS)
    for rank, p in enumerate(assessment.ranking(), start=1):
        surname, forenames, home = assessment.names.get(p.person_id, ("", "", None))
        row = [
            rank,
            p.person_id,
            surname,
            forenames,
            home or "",
            statuses.get(p.person_id, ""),
            p.score,
            p.band,
            p.recency,
            p.frequency,
            p.gravity,
            p.victims,
            p.days_since_latest,
            p.incidents_12_months,
            p.incidents_in_window,
            p.harm_days,
            p.intimate_partner_victims,
            "yes" if p.person_id in assessment.escalations else "",
            "yes" if p.person_id in warned else "",
            ";".join(c.other(p.person_id) for c in assessment.counter_of(p.person_id)),
        ]
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()


def print_ranking(assessment: Assessment, console: Console, limit: int = 50) -> None:
    """The top of the priority ranking with each score's parts."""
    statuses = {f.person_id: f.status for f in assessment.perpetrators}
    warned = {w.person_id for w in assessment.early_warnings}
    ranking = assessment.ranking()
    p = assessment.parameters
    table = Table(
        title=(
            f"Priority ranking as of {p.as_of:%d %b %Y}: {len(ranking):,} perpetrators with an "
            f"incident in the last {p.window_years} years (RFGV score 0-100; see README)"
        ),
        title_justify="left",
        header_style="bold",
    )
    for column in ("#", "Person", "Name", "Score", "R", "F", "G", "V", "Serial", "Flags"):
        table.add_column(column, justify="right" if column in "#ScoreRFGV" else "left")
    for rank, priority in enumerate(ranking[:limit], start=1):
        pid = priority.person_id
        surname, forenames, _home = assessment.names.get(pid, ("", "", None))
        flags = []
        if pid in assessment.escalations:
            flags.append("escalating")
        if pid in warned:
            flags.append("early warning")
        if assessment.counter_of(pid):
            flags.append("counter-allegation")
        cells = (
            str(rank),
            pid,
            display_name(surname, forenames),
            f"{priority.score:g} {priority.band}",
            f"{priority.recency:g}",
            f"{priority.frequency:g}",
            f"{priority.gravity:g}",
            f"{priority.victims:g}",
            statuses.get(pid, "-"),
            ", ".join(flags) or "-",
        )
        table.add_row(
            *(escape(c) for c in cells), style="bold" if priority.band == "high" else None
        )
    console.print(table)
    if len(ranking) > limit:
        console.print(f"... and {len(ranking) - limit:,} more (--limit N, or --format csv/json)")


def print_alerts(assessment: Assessment, console: Console) -> None:
    """Early warnings in full; escalation and counter-allegations as counts."""
    if assessment.early_warnings:
        table = Table(
            title=(
                f"Early warning: {len(assessment.early_warnings)} perpetrators one step from the "
                "definition with a new partner: consider Clare's Law right-to-know disclosure"
            ),
            title_justify="left",
            header_style="bold",
        )
        for column in ("Person", "Name", "Score", "Victim(s) of violence", "New partner(s)"):
            table.add_column(column)
        ranked = sorted(
            assessment.early_warnings,
            key=lambda w: (
                -(
                    assessment.priorities[w.person_id].score
                    if w.person_id in assessment.priorities
                    else 0
                )
            ),
        )
        for w in ranked:
            surname, forenames, _home = assessment.names.get(w.person_id, ("", "", None))
            priority = assessment.priorities.get(w.person_id)
            cells = (
                w.person_id,
                display_name(surname, forenames),
                f"{priority.score:g}" if priority else "-",
                ", ".join(w.victim_ids),
                ", ".join(w.new_partner_ids),
            )
            table.add_row(*(escape(c) for c in cells))
        console.print(table)
    console.print(
        f"Escalating (more frequent or more serious): {len(assessment.escalations):,}; "
        f"counter-allegation pairs for review: {len(assessment.counter_allegations):,} "
        "(all in --format json; see README for how each is measured)"
    )


def print_changes(assessment: Assessment, console: Console) -> None:
    """Print what changed since the earlier scan (nothing when the assessment has no changes)."""
    changes = assessment.changes
    if changes is None:
        return
    console.print(f"[bold]What changed since {escape(changes.since)}[/]")
    for label, ids in (
        ("Newly qualified", changes.newly_qualified),
        ("Dropped to historic", changes.dropped_to_historic),
        ("No longer listed", changes.no_longer_listed),
    ):
        console.print(f"  {label} ({len(ids)}): {escape(', '.join(ids)) or '-'}")
    if changes.score_rises:
        console.print("  Largest score rises:")
        for rise in changes.score_rises:
            console.print(
                f"    {escape(rise.person_id)}: {rise.before:g} -> {rise.after:g} (+{rise.rise:g})"
            )


WATCH_COLUMNS = (
    "person_id",
    "surname",
    "forenames",
    "why",
    "score",
    "order_type",
    "end_date",
    "days_left",
    "protected_person_id",
    "victims_to_recontact",
)


def watch_csv(assessment: Assessment, entries: list[WatchEntry]) -> str:
    """The release watch as CSV text (WATCH_COLUMNS; one row per ending; cells made safe
    for spreadsheets)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(WATCH_COLUMNS)
    for entry in entries:
        surname, forenames, _home = assessment.names.get(entry.person_id, ("", "", None))
        for ending in entry.endings:
            row = [
                entry.person_id,
                surname,
                forenames,
                entry.why,
                entry.priority.score if entry.priority else "",
                ending.order_type,
                ending.end_date.isoformat(),
                ending.days_left,
                ending.protected_person_id or "",
                ";".join(entry.victims_to_recontact),
            ]
            writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()


def watch_json(assessment: Assessment, entries: list[WatchEntry], days: int) -> str:
    """The release watch as JSON text: as_of, days, and each entry with the person's names."""
    body = {
        "as_of": assessment.parameters.as_of.isoformat(),
        "days": days,
        "watch": [
            {
                **entry.as_json(),
                "surname": assessment.names.get(entry.person_id, ("", "", None))[0],
                "forenames": assessment.names.get(entry.person_id, ("", "", None))[1],
            }
            for entry in entries
        ],
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def print_watch(
    assessment: Assessment, entries: list[WatchEntry], days: int, console: Console
) -> None:
    """Print the release watch as a table to `console` (the soonest ending first)."""
    p = assessment.parameters
    table = Table(
        title=(
            f"Release watch as of {p.as_of:%d %b %Y}: {len(entries)} serial or high-priority "
            f"perpetrators whose custody, bail or order ends within {days} days"
        ),
        title_justify="left",
        header_style="bold",
    )
    for column in ("Days", "Ends", "What ends", "Person", "Name", "Why", "Re-contact victims"):
        table.add_column(column, justify="right" if column == "Days" else "left")
    for entry in entries:
        surname, forenames, _home = assessment.names.get(entry.person_id, ("", "", None))
        first = entry.endings[0]
        cells = (
            str(first.days_left),
            f"{first.end_date:%d %b %Y}",
            "; ".join(e.name for e in entry.endings),
            entry.person_id,
            display_name(surname, forenames),
            entry.why + (f", score {entry.priority.score:g}" if entry.priority else ""),
            ", ".join(entry.victims_to_recontact) or "-",
        )
        table.add_row(*(escape(c) for c in cells), style="bold" if first.days_left <= 7 else None)
    console.print(table)


def print_data_quality(quality: DataQuality, console: Console) -> None:
    """The load's data-quality report (issue 13): a table of the columns with null
    tokens, placeholders, invalid or implausible values, then one line per observation
    with the lines or ids to look at. Fits 80 columns; ids are shown escaped."""
    shown = [c for c in quality.columns if c.worth_showing]
    if not shown and not quality.observations:
        console.print("Data quality: nothing to report.")
        return
    if not shown:
        console.print("Data quality:")
    if shown:
        table = Table(title="Data quality (cells per column)", title_justify="left")
        for column in ("file", "column", "cells"):
            table.add_column(column, overflow="fold")
        for c in shown:
            blank = f"{c.blank:,} blank" if c.blank else ""
            if c.null_tokens:
                blank += f" (of which {c.null_tokens:,} null tokens)"
            counts = (
                blank,
                f"{c.placeholders:,} placeholder" if c.placeholders else "",
                f"{c.invalid:,} invalid" if c.invalid else "",
                f"{c.implausible:,} implausible" if c.implausible else "",
            )
            table.add_row(escape(c.file), escape(c.column), ", ".join(x for x in counts if x))
        console.print(table)
    for o in quality.observations:
        where = f" (e.g. {escape(', '.join(o.examples))})" if o.examples else ""
        console.print(f"- {escape(o.file)}: {escape(o.text)}{where}", soft_wrap=False)
