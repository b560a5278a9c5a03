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
from perp_graph.analytics.profile import quarters
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
