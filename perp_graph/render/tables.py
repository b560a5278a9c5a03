"""Scan results as a terminal table, JSON (data contract, section 3) or CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from perp_graph.analytics.alerts import Escalation
from perp_graph.analytics.assess import Assessment
from perp_graph.analytics.dossier import display_name
from perp_graph.analytics.priority import Priority
from perp_graph.analytics.watch import WatchEntry
from perp_graph.model import Finding, ScanResult
from perp_graph.output import safe_cell
from perp_graph.pipeline.quality import DataQuality
from perp_graph.wording import count, day, days_from

T = TypeVar("T")


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


_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def iso_dates_as_days(text: str) -> str:
    """`text` with every ISO date in it ("2024-12-31", as JSON and reasons carry them)
    written as the terminal writes dates ("31 Dec 2024"); an impossible date is left as
    it is."""

    def as_day(match: re.Match[str]) -> str:
        try:
            return day(dt.date.fromisoformat(match.group()))
        except ValueError:
            return match.group()

    return _ISO_DATE.sub(as_day, text)


def why_text(finding: Finding) -> str:
    """The qualifying window in plain words: "3 intimate-partner victims between 05 Jul
    2025 and 02 May 2026"."""
    window = finding.current_window or finding.first_window
    dates = [e.occurred_on for e in finding.events if window.start <= e.occurred_on <= window.end]
    victims = count(len(window.victim_ids), "intimate-partner victim")
    return f"{victims} between {day(min(dates))} and {day(max(dates))}"


# --- terminal tables that fit: ids never cut (issue 16, clause 6) ----------------------------

#: Rows each section of a terminal table shows unless --limit N or --all.
DEFAULT_ROWS = 20

#: Spaces between two columns of a terminal table.
GAP = 2


@dataclass(frozen=True)
class Column:
    """A column of a terminal table.

    Attributes:
        heading: its heading ("\\n" splits it over two lines).
        keep: an id, a date or a short figure: never cut, folded or wrapped.
        ids: a list of ids (", "-separated): wraps between ids, never inside one.
        right: right-aligned (numbers).
        fold_min: otherwise text that may fold, but not below this many characters.
        drop: 0, always shown; otherwise left out when the table does not fit the
            terminal: level 1 first, then 2, ... (all the columns of a level together).
    """

    heading: str
    keep: bool = False
    ids: bool = False
    right: bool = False
    fold_min: int = 12
    drop: int = 0

    def least(self, cells: Sequence[str]) -> int:
        """The fewest characters the column needs for `cells` without cutting an id."""
        lines = self.heading.split("\n")
        if self.keep:
            return max([len(c) for c in cells] + [len(line) for line in lines])
        words = [len(w) for c in cells for w in c.split()] + [
            len(w) for line in lines for w in line.split()
        ]
        if self.ids:
            return max(words, default=1)
        widest = max([len(c) for c in cells] + [len(line) for line in lines])
        # A heading is folded at no width: it needs its longest word.
        return max(min(widest, self.fold_min), *(len(w) for w in self.heading.split()), 1)


def fitted_columns(
    columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int
) -> list[int] | None:
    """The indexes of the columns that fit `width` characters, leaving out droppable
    columns (`drop` level 1 first, then 2, ...) until the rest fit; None when even the
    columns that are never dropped do not."""
    kept = list(range(len(columns)))
    while True:
        need = sum(columns[i].least([r[i] for r in rows]) for i in kept)
        if need + GAP * (len(kept) - 1) <= width:
            return kept
        levels = [columns[i].drop for i in kept if columns[i].drop]
        if not levels:
            return None
        kept = [i for i in kept if columns[i].drop != min(levels)]


def print_fitted(
    console: Console,
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    total: int | None = None,
    bold: Sequence[bool] = (),
    elsewhere: str = "--format csv / json",
) -> None:
    """Print a section: its title, then `rows` as a table that fits the console's width
    without cutting or folding an id or a date (droppable columns are left out first, and
    a line says which, and that they are in a wider terminal or `elsewhere`; on a terminal
    too narrow for the rest, one line per row), then "and N more" when `total` is above
    the rows shown. Cells are text, never markup."""
    console.print(Text(title, style="bold"))
    kept = fitted_columns(columns, rows, console.width)
    if kept is None:
        for row in rows:
            parts = [
                f"{c.heading.replace(chr(10), ' ')}: {v}" for c, v in zip(columns, row, strict=True)
            ]
            print_parts(console, parts)
    elif rows:
        table = Table(
            box=None, pad_edge=False, padding=(0, GAP, 0, 0), header_style="bold underline"
        )
        for i in kept:
            column = columns[i]
            justify = "right" if column.right else "left"
            if column.keep:
                least = column.least([r[i] for r in rows])
                table.add_column(column.heading, justify=justify, no_wrap=True, width=least)
            else:
                table.add_column(column.heading, justify=justify, overflow="fold")
        for n, row in enumerate(rows):
            style = "bold" if n < len(bold) and bold[n] else None
            table.add_row(*(Text(row[i]) for i in kept), style=style)
        console.print(table)
        left_out = [c.heading.replace("\n", " ") for i, c in enumerate(columns) if i not in kept]
        if left_out:
            console.print(
                Text(
                    f"Left out at this width: {', '.join(left_out)} (a wider terminal, or "
                    f"{elsewhere})."
                )
            )
    more = (total or 0) - len(rows)
    if more > 0:
        console.print(f"and {more:,} more (--all to list them, --limit N)")


def print_parts(console: Console, parts: Sequence[str]) -> None:
    """Print `parts` ("born 01 Jan 1980", "PNC 80/0001111A") on as few lines as fit the
    console, two spaces apart, never breaking a part across lines (so never a date or an
    id); a part wider than the console gets its own lines, wrapped between words."""
    line = ""
    for part in parts:
        joined = f"{line}  {part}" if line else part
        if len(joined) <= console.width:
            line = joined
            continue
        if line:
            console.print(Text(line), no_wrap=True, crop=False)
        line = part
        if len(part) > console.width:
            console.print(Text(part))
            line = ""
    if line:
        console.print(Text(line), no_wrap=True, crop=False)


def _limited(items: Sequence[T], limit: int | None) -> Sequence[T]:
    return items if limit is None else items[:limit]


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
    shown = _limited(findings, limit)
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
    shown = _limited(ranking, limit)
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
    for pid in _limited(order, limit):
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
    for pid in _limited(escalating, limit):
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
        for c in _limited(pairs, limit)
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
        listed = ", ".join(_limited(ids, limit)) or "-"
        more = len(ids) - len(_limited(ids, limit))
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
                for r in _limited(rises, limit)
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
    shown = _limited(entries, limit)
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
