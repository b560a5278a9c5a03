"""One wording and one date format for every page, PDF, network page and terminal table
(issue 16, clause 5): dates as "05 Jul 2026", counts with their noun in the right number
("1 incident", "2 incidents"), days in words ("today", "tomorrow", "in 4 days").

Renderers and the CLI format through these functions only, so a reader meets the same
form everywhere.
"""

from __future__ import annotations

import datetime as dt


def day(value: dt.date | None, *, blank: str = "") -> str:
    """A date as "05 Jul 2026" (`blank` when None)."""
    if value is None:
        return blank
    return f"{value:%d %b %Y}"


def day_short(value: dt.date) -> str:
    """A date in a sentence that already gives the year, as "04 Dec"."""
    return f"{value:%d %b}"


def month(value: dt.date) -> str:
    """A month as "Jan 2024" (axes and tables by month)."""
    return f"{value:%b %Y}"


def moment(value: dt.datetime) -> str:
    """A time as "05 Jul 2026 14:03 UTC" (converted to UTC when it carries a zone)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return f"{value:%d %b %Y %H:%M} UTC"


def count(n: int, noun: str, plural: str | None = None) -> str:
    """ "1 person", "2 people", "1,204 incidents": a count with its noun in the right
    number (`plural` defaults to noun + "s")."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def days_from(today: dt.date, then: dt.date) -> str:
    """How far `then` is from `today` in words: "today", "tomorrow", "in 4 days",
    "yesterday", "3 days ago"."""
    delta = (then - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    if delta > 0:
        return f"in {count(delta, 'day')}"
    return f"{count(-delta, 'day')} ago"
