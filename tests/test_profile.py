"""`perp-graph profile`: the problem profile's figures, pinned on hand-made records, and its
pages (charts as images, nothing fetched), on every store."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re

import pytest
from typer.testing import CliRunner

from perp_graph import api
from perp_graph.analytics import profile_findings
from perp_graph.analytics.profile import comparison_quarter, history, quarters
from perp_graph.cli import app
from perp_graph.errors import OutputError
from perp_graph.pipeline.load import load_folder
from tests.records import Records

AS_OF = dt.date(2024, 5, 15)


def test_quarters_are_calendar_quarters_the_last_ending_on_the_as_of_date():
    q = quarters(AS_OF, 1)
    assert [x.label for x in q] == ["2023 Q2", "2023 Q3", "2023 Q4", "2024 Q1", "2024 Q2"]
    assert (q[0].start, q[0].end) == (dt.date(2023, 4, 1), dt.date(2023, 6, 30))
    assert (q[-1].start, q[-1].end) == (dt.date(2024, 4, 1), AS_OF)


def records() -> Records:
    r = Records()
    r.person("P", home_neighbourhood="Northgate")
    r.abuse("I1", "2023-02-10", "P", "V1", neighbourhood="Northgate", risk_level="high")
    r.abuse("I2", "2023-04-10", "P", "V2", neighbourhood="Southgate", risk_level="standard")
    r.abuse("I3", "2023-05-01", "Q", "V2", "harassment", neighbourhood="Southgate")
    r.abuse("I4", "2024-04-02", "Q", "W", "harassment")  # no neighbourhood recorded
    r.order("P", "dvpo", "2023-04-20", "2023-06-20")
    return r


@pytest.fixture
def profiled(store, store_settings, tmp_path, load_once):
    data = records().write(tmp_path / "data")
    load_once(data, store, store_settings)
    return api.profile(store_settings, tmp_path / "profile", as_of=AS_OF, years=2)


def test_profile_counts_incidents_violence_risk_and_repeat_victims_per_quarter(profiled):
    p = profiled.profile
    labels = [q.label for q in p.quarters]
    q1, q2 = labels.index("2023 Q1"), labels.index("2023 Q2")
    force = p.force
    assert (force.incidents[q1], force.incidents[q2]) == (1, 2)
    assert (force.violent_incidents[q1], force.violent_incidents[q2]) == (1, 1)
    assert force.risk["high"][q1] == 1 and force.risk["standard"][q2] == 1
    assert force.risk["not recorded"][q2] == 1
    # V2: I2 (10 Apr) then I3 (1 May): a repeat victim in 2023 Q2
    assert force.repeat_victims[q2] == 1 and force.repeat_victims[q1] == 0
    areas = {a.name: a for a in p.neighbourhoods}
    assert areas["Southgate"].incidents[q2] == 2 and areas["Northgate"].incidents[q2] == 0
    assert areas["not recorded"].incidents[-1] == 1


def test_profile_counts_serial_perpetrators_at_each_quarters_end_where_briefings_route(profiled):
    p = profiled.profile
    labels = [q.label for q in p.quarters]
    q1, q2 = labels.index("2023 Q1"), labels.index("2023 Q2")
    assert (p.force.serial_current[q1], p.force.serial_current[q2]) == (0, 1)
    assert p.force.serial_current[-1] == 1 and p.force.serial_historic[-1] == 0
    areas = {a.name: a for a in p.neighbourhoods}
    # home Northgate; qualifying incidents in Northgate and Southgate
    assert areas["Northgate"].serial_current[q2] == 1
    assert areas["Southgate"].serial_current[q2] == 1


def test_profile_counts_protective_orders_started_by_the_bound_persons_home(profiled):
    p = profiled.profile
    q2 = [q.label for q in p.quarters].index("2023 Q2")
    assert p.force.protective_orders[q2] == 1
    assert {a.name: a for a in p.neighbourhoods}["Northgate"].protective_orders[q2] == 1


def test_profile_outcomes_come_from_an_outcome_column_when_there_is_one(
    store, store_settings, tmp_path
):
    data = records().write(tmp_path / "data")
    incidents = (data / "incidents.csv").read_text().splitlines()
    lines = [incidents[0] + ",Outcome"] + [
        line + ("," + ("charged_or_summonsed" if n == 1 else ""))
        for n, line in enumerate(incidents[1:], 1)
    ]
    (data / "incidents.csv").write_text("\n".join(lines) + "\n")
    load_folder(data, store, store_settings)
    p = api.profile(store_settings, tmp_path / "profile", as_of=AS_OF, years=2).profile
    assert p.outcome_recorded
    q1 = [q.label for q in p.quarters].index("2023 Q1")
    assert p.force.outcomes["charged or summonsed"][q1] == 1


def test_profile_pages_hold_charts_as_images_and_fetch_nothing(profiled, tmp_path):
    index = profiled.index.read_text()
    assert "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"" in index
    images = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', index)
    assert len(images) == 5  # no outcome column: incidents, repeat, serial, risk, orders
    for data, alt in images:
        svg = base64.b64decode(data).decode()
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
        # namespaces name, they fetch nothing; links and url() would
        assert not re.search(r'href="(?!#)|url\((?!#)|<image', svg)
        assert "by quarter from" in alt
    assert not re.search(r'(src|href)="(https?:)?//', index)
    pages = list((tmp_path / "profile" / "neighbourhoods").glob("*.html"))
    assert {p.name for p in pages} == {"northgate.html", "southgate.html", "not-recorded.html"}
    assert 'href="neighbourhoods/northgate.html"' in index
    figures = json.loads((tmp_path / "profile" / "profile.json").read_text())
    assert figures["force"]["incidents"] == profiled.profile.force.incidents
    for path in [profiled.index, *pages]:
        assert path.stat().st_mode & 0o077 == 0


def test_profile_names_no_one(profiled):
    text = "".join(p.read_text() for p in profiled.folder.rglob("*.html"))
    assert "SurnameP" not in text and "SurnameV1" not in text


def test_profile_never_replaces_pages_without_overwrite(profiled, store_settings):
    with pytest.raises(OutputError):
        api.profile(store_settings, profiled.folder, as_of=AS_OF, years=2)
    api.profile(store_settings, profiled.folder, as_of=AS_OF, years=2, overwrite=True)


def test_cli_profile(store, store_settings, tmp_path):
    load_folder(records().write(tmp_path / "data"), store, store_settings)
    args = ["profile", "--out", str(tmp_path / "p"), "--workspace", str(store_settings.workspace)]
    args += ["--as-of", AS_OF.isoformat(), "--years", "2", "-q"]
    if store_settings.neo4j_uri:
        args += ["--neo4j-uri", store_settings.neo4j_uri]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Wrote the problem profile (9 quarters, 3 neighbourhoods)" in result.output


# --- issue 16, clause 8: greyed quarters, the partial quarter, findings in words ----------


def test_clause8_quarters_without_three_years_of_records_before_them_are_flagged():
    periods = quarters(dt.date(2026, 11, 30), 5)
    labels = [q.label for q in periods]
    h = history(periods, dt.date(2021, 12, 1), 3)
    # a serial count on a quarter's last day looks back 3 years: from 2024 Q4 (31 Dec 2024,
    # back to 31 Dec 2021) the records reach; 2024 Q3 (back to 30 Sep 2021) undercounts
    assert labels[h.serial.index(True)] == "2024 Q4" and all(h.serial[labels.index("2024 Q4") :])
    assert not any(h.serial[: labels.index("2024 Q4")])
    # repeat victims look back 12 months from the quarter's start
    assert labels[h.repeat.index(True)] == "2023 Q1" and all(h.repeat[labels.index("2023 Q1") :])
    # the records start within the first quarter, 2021 Q4
    assert h.records == (False,) + (True,) * (len(periods) - 1)
    assert h.first_complete(h.serial, periods) == "2024 Q4"
    # no records: nothing to undercount
    assert all(history(periods, None, 3).serial)


def test_clause8_a_partial_latest_quarter_is_flagged_with_its_days():
    last = quarters(dt.date(2026, 11, 30), 1)[-1]
    assert (last.label, last.partial, last.days, last.calendar_days) == ("2026 Q4", True, 61, 92)
    assert last.partial_note() == "to 30 Nov 2026, 61 of 92 days"
    whole = quarters(dt.date(2026, 9, 30), 1)
    assert not whole[-1].partial and whole[-1].partial_note() == ""
    # year on year: the last complete quarter
    periods = quarters(dt.date(2026, 11, 30), 2)
    assert periods[comparison_quarter(periods)].label == "2026 Q3"
    assert comparison_quarter(whole) == len(whole) - 1


CLAUSE8_AS_OF = dt.date(2024, 11, 15)


def clause8_records() -> Records:
    """Two years to 15 Nov 2024 (2024 Q4 partial: 46 of 92 days), records from 01 Jun 2020.
    2023 Q3 against 2024 Q3: serial 1 -> 2, repeat victims 2 -> 1, incidents 3 -> 4."""
    r = Records()
    r.person("A", home_neighbourhood="Northgate")
    r.person("B", home_neighbourhood="Southgate")
    north, south = {"neighbourhood": "Northgate"}, {"neighbourhood": "Southgate"}
    r.abuse("I0", "2020-06-01", "X", "Y", "harassment", **north)  # the records' start
    r.abuse("I1", "2023-02-01", "A", "A1", **north)
    r.abuse("I2", "2023-08-01", "A", "A2", **north)  # A serial from here
    r.abuse("I3", "2023-03-01", "D", "W1", "harassment", **north)
    r.abuse("I4", "2023-07-01", "D", "W1", "harassment", **north)  # W1 repeat, 2023 Q3
    r.abuse("I5", "2023-04-01", "E", "W2", "harassment", **north)
    r.abuse("I6", "2023-09-01", "E", "W2", "harassment", **north)  # W2 repeat, 2023 Q3
    r.abuse("I7", "2024-05-01", "C", "V", "harassment", **north)
    r.abuse("I8", "2024-08-10", "C", "V", "harassment", **north)  # V repeat, 2024 Q3
    r.abuse("I9", "2024-07-01", "B", "B1", **south)
    r.abuse("I10", "2024-08-01", "B", "B2", **south)  # B serial from here
    r.abuse("I11", "2024-09-01", "G", "G1", "harassment", **south)
    r.abuse("I12", "2024-10-05", "F", "F1", "harassment", **north)  # the partial quarter
    return r


@pytest.fixture
def clause8(store, store_settings, tmp_path, monkeypatch):
    # two tiny neighbourhoods: rank them however few their incidents
    monkeypatch.setattr(profile_findings, "MIN_INCIDENTS_FOR_RATE", 1)
    load_folder(clause8_records().write(tmp_path / "data"), store, store_settings)
    return api.profile(store_settings, tmp_path / "profile", as_of=CLAUSE8_AS_OF, years=2)


def test_clause8_year_on_year_compares_the_last_complete_quarter_with_a_year_before(clause8):
    p = clause8.profile
    assert p.quarters[p.comparison].label == "2024 Q3" and p.latest.partial
    yoy = p.force.year_on_year
    assert (yoy["serial_current"].year_ago, yoy["serial_current"].value) == (1, 2)
    assert yoy["serial_current"].change == 100
    assert (yoy["repeat_victims"].year_ago, yoy["repeat_victims"].value) == (2, 1)
    assert (yoy["incidents"].year_ago, yoy["incidents"].value) == (3, 4)
    assert yoy["incidents"].year_ago_quarter == "2023 Q3"
    areas = {a.name: a for a in p.neighbourhoods}
    south = areas["Southgate"].year_on_year
    assert (south["serial_current"].year_ago, south["serial_current"].value) == (0, 1)
    assert south["serial_current"].words() == "up from 0 a year ago"


def test_clause8_findings_in_words_for_the_force_and_each_neighbourhood(clause8):
    p = clause8.profile
    assert p.force.findings == [
        "Serial perpetrators (current, on 30 Sep 2024): 2, up 100% on a year ago (1).",
        "Repeat victims in 2024 Q3: 1, down 50% on a year ago (2).",
        "Incidents in 2024 Q3: 4, up 33% on a year ago (3).",
        "Highest rate: Northgate, 500.0 current serial perpetrators per 1,000 incidents "
        "recorded in the 12 months to 30 Sep 2024 (median neighbourhood 416.7; among "
        "2 neighbourhoods with at least 1 incident in the 12 months).",
        "2024 Q4 so far (to 15 Nov 2024, 46 of 92 days): 1 incident, 2 current serial "
        "perpetrators on 15 Nov 2024.",
    ]
    south = {a.name: a for a in p.neighbourhoods}["Southgate"]
    assert south.findings[-2] == (
        "Rate: 333.3 current serial perpetrators per 1,000 incidents recorded in the 12 months "
        "to 30 Sep 2024 (median neighbourhood 416.7); 2nd highest of 2 neighbourhoods."
    )
    index = clause8.index.read_text()
    assert "Key findings" in index and "up 100% on a year ago (1)" in index
    assert "Year on year compares the last complete quarter, 2024 Q3 (to 30 Sep 2024)" in index
    page = (clause8.folder / "neighbourhoods" / "southgate.html").read_text()
    assert "2nd highest of 2 neighbourhoods" in page


def test_clause8_rates_per_1000_incidents_in_the_neighbourhood(clause8):
    areas = {a.name: a for a in clause8.profile.neighbourhoods}
    north, south = areas["Northgate"].rates, areas["Southgate"].rates
    # Northgate: A at 30 Sep 2024; I7 and I8 in the 12 months; V a repeat victim of I8
    assert (north.serial_current, north.incidents_12_months, north.serial_per_1000) == (1, 2, 500)
    assert (north.repeat_victims, north.incidents_quarter, north.repeat_per_1000) == (1, 1, 1000)
    assert north.complete
    # Southgate: B; I9, I10 and I11
    assert (south.serial_current, south.incidents_12_months) == (1, 3)
    assert south.serial_per_1000 == pytest.approx(333.33, abs=0.01)
    assert [a.name for a in profile_findings.ranked(clause8.profile.neighbourhoods)] == [
        "Northgate",
        "Southgate",
    ]


def test_clause8_undercounting_and_partial_quarters_are_marked_in_pages_and_json(clause8):
    figures = json.loads((clause8.folder / "profile.json").read_text())
    assert figures["records_start"] == "2020-06-01"
    by_label = {q["label"]: q for q in figures["quarters"]}
    # the ACPO window before 2023 Q1's end (31 Mar 2023) starts before the records
    assert not by_label["2023 Q1"]["history_complete"] and by_label["2023 Q2"]["history_complete"]
    assert by_label["2024 Q4"]["partial"] and by_label["2024 Q4"]["days"] == 46
    assert not by_label["2024 Q3"]["partial"]
    assert figures["comparison"]["quarter"] == "2024 Q3"
    assert figures["comparison"]["year_ago_quarter"] == "2023 Q3"
    force = figures["force"]
    assert force["findings"] == clause8.profile.force.findings
    assert force["year_on_year"]["serial_current"] == {
        "quarter": "2024 Q3",
        "value": 2,
        "year_ago_quarter": "2023 Q3",
        "year_ago": 1,
        "change_percent": 100.0,
        "comparable": True,
        "reason": "",
    }
    assert force["rates"]["serial_current_per_1000_incidents_12_months"] == 400.0
    index = clause8.index.read_text()
    assert (
        "Serial counts need 3 years of records; the records start 01 Jun 2020, "
        "so quarters before 2023 Q2 undercount." in index
    )
    assert "partial: to 15 Nov 2024, 46 of 92 days" in index
    assert '<tr class="undercount">' in index and '<tr class="partial">' in index
    assert "undercounts: under 3 years of records before the quarter&#39;s end" in index
    alts = re.findall(r'<img src="[^"]+" alt="([^"]+)"', index)
    assert any("2022 Q4 to 2023 Q1 undercount" in alt for alt in alts)
    assert all("46 of 92 days, drawn dotted" in alt for alt in alts)


def test_clause8_year_on_year_is_not_given_where_a_year_ago_lacks_the_history():
    from perp_graph.analytics.profile import AreaProfile
    from perp_graph.analytics.profile_findings import year_on_year

    periods = quarters(dt.date(2024, 9, 30), 2)  # 2022 Q4 .. 2024 Q3, complete
    area = AreaProfile("x", incidents=[1] * 8, repeat_victims=[1] * 8, serial_current=[1] * 8)
    h = history(periods, dt.date(2021, 1, 1), 3)  # serial complete from 2024 Q1
    yoy = year_on_year(area, periods, h, comparison_quarter(periods))
    assert yoy["serial_current"].year_ago is None
    assert yoy["serial_current"].words() == (
        "no year-on-year change (2023 Q3 has under 3 years of records before its end)"
    )
    assert yoy["incidents"].words() == "unchanged on a year ago (1)"


def test_clause8_profile_names_no_one(clause8):
    text = "".join(p.read_text() for p in clause8.folder.rglob("*.html"))
    text += (clause8.folder / "profile.json").read_text()
    for person in clause8_records().people.values():
        assert person["surname"] not in text and person["forenames"] not in text
