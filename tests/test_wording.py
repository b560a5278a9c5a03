"""One wording and one date format (issue 16, clause 5)."""

from __future__ import annotations

import datetime as dt

from perp_graph import wording


def test_dates_read_day_month_year_everywhere():
    assert wording.day(dt.date(2026, 7, 5)) == "05 Jul 2026"
    assert wording.day(None) == "" and wording.day(None, blank="-") == "-"
    assert wording.day_short(dt.date(2026, 12, 4)) == "04 Dec"
    assert wording.month(dt.date(2024, 1, 31)) == "Jan 2024"


def test_times_are_shown_in_utc():
    zone = dt.timezone(dt.timedelta(hours=1))
    assert wording.moment(dt.datetime(2026, 7, 5, 15, 3, tzinfo=zone)) == "05 Jul 2026 14:03 UTC"


def test_counts_read_right_in_the_singular_and_the_plural():
    assert wording.count(1, "incident") == "1 incident"
    assert wording.count(2, "incident") == "2 incidents"
    assert wording.count(1204, "person", "people") == "1,204 people"
    assert wording.count(0, "victim") == "0 victims"


def test_days_in_words():
    today = dt.date(2026, 11, 30)
    assert wording.days_from(today, today) == "today"
    assert wording.days_from(today, dt.date(2026, 12, 1)) == "tomorrow"
    assert wording.days_from(today, dt.date(2026, 12, 4)) == "in 4 days"
    assert wording.days_from(today, dt.date(2026, 11, 29)) == "yesterday"
    assert wording.days_from(today, dt.date(2026, 11, 27)) == "3 days ago"
