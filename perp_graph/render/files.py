"""Scan results as files: JSON (data contract, section 3), CSV for spreadsheets (formula
cells neutralised), the ranking and the release watch."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

from perp_graph.analytics.assess import Assessment
from perp_graph.analytics.watch import WatchEntry
from perp_graph.model import Finding, ScanResult
from perp_graph.output import safe_cell
from perp_graph.wording import count, day


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
