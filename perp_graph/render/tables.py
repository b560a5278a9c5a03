"""Scan results at the terminal: the serial perpetrators, the ranking, alerts, changes,
the release watch and the data-quality report. Files (JSON, CSV) are in render/files.py."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from perp_graph.analytics.alerts import Escalation
from perp_graph.analytics.assess import Assessment
from perp_graph.analytics.dossier import display_name
from perp_graph.analytics.priority import Priority
from perp_graph.analytics.watch import WatchEntry
from perp_graph.model import ScanResult
from perp_graph.pipeline.quality import DataQuality
from perp_graph.render.files import iso_dates_as_days, why_text
from perp_graph.render.terminal import DEFAULT_ROWS, Column, limited, print_fitted
from perp_graph.wording import count, day, days_from


def _score(priority: Priority | None) -> str:
    return f"{priority.score:g} {priority.band}" if priority else "-"


def print_table(
    result: ScanResult | Assessment, console: Console, limit: int | None = DEFAULT_ROWS
) -> None:
    """The serial perpetrators, most urgent first (the packs' order when the scan set it:
    `Assessment.by_urgency`), with their priority; at most `limit` rows (None: all)."""
    findings = result.by_urgency()
    priorities: Mapping[str, Priority] = getattr(result, "priorities", {})
    p = result.parameters
    current = sum(1 for f in findings if f.status == "current")
    title = (
        f"Serial perpetrators as of {day(p.as_of)}: {current:,} current, "
        f"{len(findings) - current:,} historic (ACPO: {p.min_victims}+ unconnected "
        f"intimate-partner victims of violence within {p.window_years} years), most urgent "
        "first as in the packs"
    )
    columns = (
        Column("#", keep=True, right=True),
        Column("Person", keep=True),
        Column("Name", drop=3),  # left out last, before an id would be cut
        Column("Priority", keep=True),
        Column("Status", keep=True),
        Column("Victims", keep=True, right=True),
        Column("Latest\nviolence", keep=True),
        Column("Neighbourhood", fold_min=10, drop=2),
        Column("Why", fold_min=24, drop=1),
    )
    shown = limited(findings, limit)
    rows = [
        (
            str(rank),
            f.person_id,
            display_name(f.surname, f.forenames),
            _score(priorities.get(f.person_id)),
            f.status,
            str(len(f.victim_ids)),
            day(f.latest_event_on),
            f.home_neighbourhood or "-",
            why_text(f),
        )
        for rank, f in enumerate(shown, start=1)
    ]
    bold = [f.status == "current" for f in shown]
    print_fitted(console, title, columns, rows, total=len(findings), bold=bold)


def print_ranking(
    assessment: Assessment, console: Console, limit: int | None = DEFAULT_ROWS
) -> None:
    """The priority ranking (highest score first) with each score's parts; at most `limit`
    rows (None: all)."""
    statuses = {f.person_id: f.status for f in assessment.perpetrators}
    warned = {w.person_id for w in assessment.early_warnings}
    ranking = assessment.ranking()
    p = assessment.parameters
    title = (
        f"Priority ranking as of {day(p.as_of)}: {count(len(ranking), 'perpetrator')} with an "
        f"incident in the last {p.window_years} years (RFGV score 0-100: recency, frequency, "
        "gravity, victims; see docs/analyst/scan.md)"
    )
    columns = (
        Column("#", keep=True, right=True),
        Column("Person", keep=True),
        Column("Name", drop=3),
        Column("Score", keep=True),
        *(Column(part, keep=True, right=True, drop=2) for part in "RFGV"),
        Column("Serial", keep=True),
        Column("Flags", fold_min=10, drop=1),
    )
    shown = limited(ranking, limit)
    rows = []
    for rank, priority in enumerate(shown, start=1):
        pid = priority.person_id
        surname, forenames, _home = assessment.names.get(pid, ("", "", None))
        flags = []
        if pid in assessment.escalations:
            flags.append("escalating")
        if pid in warned:
            flags.append("early warning")
        if assessment.counter_of(pid):
            flags.append("counter-allegation")
        rows.append(
            (
                str(rank),
                pid,
                display_name(surname, forenames),
                _score(priority),
                f"{priority.recency:g}",
                f"{priority.frequency:g}",
                f"{priority.gravity:g}",
                f"{priority.victims:g}",
                statuses.get(pid, "-"),
                ", ".join(flags) or "-",
            )
        )
    bold = [priority.band == "high" for priority in shown]
    print_fitted(console, title, columns, rows, total=len(ranking), bold=bold)


def _by_score(assessment: Assessment, person_ids: Iterable[str]) -> list[str]:
    """Person ids, highest priority score first (then by id)."""

    def key(person_id: str) -> tuple[float, str]:
        priority = assessment.priorities.get(person_id)
        return (-(priority.score if priority else 0.0), person_id)

    return sorted(person_ids, key=key)


def _escalation_in_short(escalation: Escalation) -> str:
    """ "more frequent: 9 incidents in 12 months (2 before); more serious: 1,825 harm days
    (365 before)": the figures of `Escalation.reasons` in fewer words."""
    parts = []
    if escalation.more_frequent:
        parts.append(
            f"more frequent: {count(escalation.incidents_last_12_months, 'incident')} in 12 "
            f"months ({escalation.incidents_12_months_before:,} before)"
        )
    if escalation.more_serious:
        parts.append(
            f"more serious: {escalation.gravest_harm_last_12_months:,g} harm days "
            f"({escalation.gravest_harm_24_months_before:,g} before)"
        )
    return "; ".join(parts)


def print_alerts(
    assessment: Assessment, console: Console, limit: int | None = DEFAULT_ROWS
) -> None:
    """The early warnings, escalations and counter-allegation pairs, each highest priority
    first; at most `limit` rows in each (None: all)."""
    warnings = {w.person_id: w for w in assessment.early_warnings}
    order = _by_score(assessment, warnings)
    rows = []
    for pid in limited(order, limit):
        w = warnings[pid]
        surname, forenames, _home = assessment.names.get(pid, ("", "", None))
        rows.append(
            (
                pid,
                display_name(surname, forenames),
                _score(assessment.priorities.get(pid)),
                ", ".join(w.victim_ids),
                ", ".join(w.new_partner_ids),
            )
        )
    if warnings:
        print_fitted(
            console,
            f"Early warning: {count(len(warnings), 'perpetrator')} one step from the definition "
            "with a new partner: consider Clare's Law right-to-know disclosure",
            (
                Column("Person", keep=True),
                Column("Name", drop=2),
                Column("Score", keep=True, drop=1),
                Column("Victims of\nviolence", ids=True),
                Column("New\npartners", ids=True),
            ),
            rows,
            total=len(warnings),
        )
        console.print()
    escalating = _by_score(assessment, assessment.escalations)
    rows = []
    for pid in limited(escalating, limit):
        surname, forenames, _home = assessment.names.get(pid, ("", "", None))
        rows.append(
            (
                pid,
                display_name(surname, forenames),
                _score(assessment.priorities.get(pid)),
                _escalation_in_short(assessment.escalations[pid]),
            )
        )
    print_fitted(
        console,
        f"Escalating (more frequent or more serious): {count(len(escalating), 'perpetrator')}",
        (
            Column("Person", keep=True),
            Column("Name", drop=1),
            Column("Score", keep=True),
            Column("Why", fold_min=20),
        ),
        rows,
        total=len(escalating),
    )
    console.print()
    pairs = sorted(
        assessment.counter_allegations,
        key=lambda c: (
            min(
                -(assessment.priorities[q].score if q in assessment.priorities else 0.0)
                for q in c.person_ids
            ),
            c.person_ids,
        ),
    )
    rows = [
        (*c.person_ids, ", ".join(c.incident_ids[0]), ", ".join(c.incident_ids[1]))
        for c in limited(pairs, limit)
    ]
    print_fitted(
        console,
        f"Counter-allegations for review: {count(len(pairs), 'pair')}, each recorded as a "
        "suspect against the other (label neither as victim or perpetrator)",
        (
            Column("A", keep=True),
            Column("B", keep=True),
            Column("Incidents\nA against B", ids=True),
            Column("Incidents\nB against A", ids=True),
        ),
        rows,
        total=len(pairs),
    )


def print_changes(
    assessment: Assessment, console: Console, limit: int | None = DEFAULT_ROWS
) -> None:
    """What changed since the earlier scan (nothing when the assessment has no changes); at
    most `limit` ids in each list (None: all)."""
    changes = assessment.changes
    if changes is None:
        return
    # The label holds the earlier scan's date as the JSON gives it (ISO).
    console.print(Text(f"What changed since {iso_dates_as_days(changes.since)}", style="bold"))
    for label, ids in (
        ("Newly qualified", changes.newly_qualified),
        ("Dropped to historic", changes.dropped_to_historic),
        ("No longer listed", changes.no_longer_listed),
    ):
        listed = ", ".join(limited(ids, limit)) or "-"
        more = len(ids) - len(limited(ids, limit))
        tail = f"; and {more:,} more (--all to list them, --limit N)" if more > 0 else ""
        # Wrapped between ids, never inside one.
        console.print(Text(f"  {label} ({len(ids):,}): {listed}{tail}"))
    if changes.score_rises:
        rises = changes.score_rises
        print_fitted(
            console,
            "Largest score rises",
            (
                Column("Person", keep=True),
                Column("Before", keep=True, right=True),
                Column("Now", keep=True, right=True),
                Column("Rise", keep=True, right=True),
            ),
            [
                (r.person_id, f"{r.before:g}", f"{r.after:g}", f"+{r.rise:g}")
                for r in limited(rises, limit)
            ],
            total=len(rises),
        )


def print_watch(
    assessment: Assessment,
    entries: Sequence[WatchEntry],
    days: int,
    console: Console,
    limit: int | None = DEFAULT_ROWS,
) -> None:
    """Print the release watch to `console`, the soonest ending first; at most `limit`
    people (None: all)."""
    p = assessment.parameters
    title = (
        f"Release watch as of {day(p.as_of)}: "
        f"{count(len(entries), 'serial or high-priority perpetrator')} whose custody, bail "
        f"or order ends within {count(days, 'day')}"
    )
    columns = (
        Column("When", keep=True),
        Column("Ends", keep=True),
        Column("What ends", fold_min=10),
        Column("Person", keep=True),
        Column("Name", drop=2),
        Column("Why", fold_min=10, drop=1),
        Column("Re-contact\nvictims", ids=True),
    )
    shown = limited(entries, limit)
    rows = []
    for entry in shown:
        surname, forenames, _home = assessment.names.get(entry.person_id, ("", "", None))
        first = entry.endings[0]
        rows.append(
            (
                days_from(p.as_of, first.end_date),
                day(first.end_date),
                "; ".join(e.name for e in entry.endings),
                entry.person_id,
                display_name(surname, forenames),
                entry.why + (f", score {entry.priority.score:g}" if entry.priority else ""),
                ", ".join(entry.victims_to_recontact) or "-",
            )
        )
    bold = [entry.endings[0].days_left <= 7 for entry in shown]
    print_fitted(console, title, columns, rows, total=len(entries), bold=bold)


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
