"""`perp-graph brief`: neighbourhood packs for sergeants, on every store."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from perp_graph import api
from perp_graph.analytics.acpo import window_start
from perp_graph.cli import app
from perp_graph.errors import ConfigError, OutputError
from perp_graph.pipeline.load import load_folder
from perp_graph.synth import SynthConfig, generate
from tests.pages import parse, visible_text
from tests.records import Records

END = dt.date(2025, 3, 31)
SENTINEL_SURNAME = "Zqxsentinel"
SENTINEL_FORENAMES = "Wilhelmina"
HOSTILE = '<script>alert("x")</script>'
HOSTILE_ALIAS = '"><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, SynthConfig(seed=5, incidents=6_000, years=5, end_date=END))
    return out


def _packs(folder: Path) -> dict[str, dict[str, dict]]:
    """Articles per pack file: {file name: {person_id: article}} (network pages aside)."""
    return {
        path.name: {a["data-person-id"]: a for a in parse(path.read_text()).articles}
        for path in folder.glob("*.html")
        if path.name != "index.html"
    }


@pytest.mark.slow
def test_every_planted_current_serial_perpetrator_is_in_their_neighbourhoods_pack(
    generated, store, store_settings, tmp_path
):
    load_folder(generated, store, store_settings)
    out = api.brief(store_settings, tmp_path / "briefings", as_of=END, pdf=False)
    truth = json.loads((generated / "truth.json").read_text())
    people = pd.read_csv(generated / "people.csv", dtype=str).set_index("person_id")
    incidents = pd.read_csv(generated / "incidents.csv", dtype=str).set_index("incident_id")
    involvements = pd.read_csv(generated / "involvements.csv", dtype=str)
    victims_of = involvements[involvements["role"] == "victim"].groupby("incident_id")["person_id"]
    slug = {p.neighbourhood: p.html_name for p in out.packs}
    packs = _packs(tmp_path / "briefings")
    current = [s for s in truth["serial"] if s["status"] == "current"]
    assert current
    start = window_start(END, 3)
    for planted in current:
        pid = planted["person_id"]
        in_window = [
            i
            for i in planted["qualifying_incident_ids"]
            if start.isoformat() <= incidents.loc[i, "occurred_on"][:10] <= END.isoformat()
        ]
        window_victims = set().union(*(set(victims_of.get_group(i)) for i in in_window))
        window_victims &= set(planted["victim_ids"])
        days = sorted(
            dt.date.fromisoformat(incidents.loc[i, "occurred_on"][:10]) for i in in_window
        )
        routed = {people.loc[pid, "home_neighbourhood"]} | {
            incidents.loc[i, "neighbourhood"] for i in planted["qualifying_incident_ids"]
        }
        for neighbourhood in routed:
            article = packs[slug[neighbourhood]][pid]
            assert article["data-status"] == "current"
            assert int(article["data-victims"]) == len(planted["victim_ids"])
            assert article["data-first-qualified-on"] == planted["first_qualified_on"]
            assert (article["data-window-start"], article["data-window-end"]) == (
                start.isoformat(),
                END.isoformat(),
            )
            n = len(window_victims)
            assert (
                f"{n} intimate-partner victim{'s' if n > 1 else ''} between "
                f"{days[0]:%B %Y} and {days[-1]:%B %Y}"
            ) in article["text"]
    # and nobody the generator did not plant
    planted_ids = {s["person_id"] for s in truth["serial"]}
    assert {pid for articles in packs.values() for pid in articles} == planted_ids


def _masking_world() -> Records:
    """Two serial perpetrators; every other person carries the sentinel name."""
    r = Records()
    for suffix in ("V1", "V2", "V3", "W", "NEW", "OLD"):
        r.person(suffix, surname=SENTINEL_SURNAME, forenames=SENTINEL_FORENAMES)
    r.person("P", surname="Perp", forenames="Paul", home_neighbourhood="Northgate")
    r.abuse("I1", "2023-01-05", "P", "V1")
    r.incident(
        "I2", "2023-06-01", suspects=["P"], victims={"V2": "intimate_partner"}, witnesses=("W",)
    )
    r.abuse("I3", "2024-01-01", "P", "V3", rts="ex_intimate_partner")
    r.relate("P", "NEW", "intimate_partner", "2024-02-01")
    r.relate("P", "OLD", "ex_intimate_partner", "2010-01-01", "2011-01-01")
    r.order("P", "dvpo", "2024-06-01", "2024-07-10", protected="V1")
    return r


def test_a_victims_full_name_never_appears_in_a_pack_without_unmask(
    store, store_settings, tmp_path
):
    load_folder(_masking_world().write(tmp_path / "data"), store, store_settings)
    out = api.brief(store_settings, tmp_path / "masked", as_of=dt.date(2024, 6, 30), pdf=False)
    # Northgate's pack, its network page and the index
    assert sorted(str(p.relative_to(out.folder)) for p in out.files) == [
        "index.html",
        "networks/northgate.html",
        "northgate.html",
    ]
    for path in out.files:
        text = path.read_text()
        assert SENTINEL_SURNAME.casefold() not in text.casefold(), path
        assert SENTINEL_FORENAMES.casefold() not in text.casefold(), path
    pack = visible_text((tmp_path / "masked" / "northgate.html").read_text())
    assert "W.Z. (ref V1)" in pack  # initials and reference instead
    assert "PERP, Paul" in pack

    unmasked = api.brief(
        store_settings,
        tmp_path / "unmasked",
        as_of=dt.date(2024, 6, 30),
        unmask=True,
        purpose="MARAC case preparation",
        pdf=False,
    )
    pack = visible_text((tmp_path / "unmasked" / "northgate.html").read_text())
    assert f"{SENTINEL_FORENAMES} {SENTINEL_SURNAME.upper()} (V1)" in pack
    assert "Purpose recorded: MARAC case preparation" in pack
    assert unmasked.index.exists()


def test_unmask_needs_a_purpose(store_settings, tmp_path):
    with pytest.raises(ConfigError, match="--purpose"):
        api.brief(store_settings, tmp_path / "b", unmask=True, purpose="  ", pdf=False)


def test_names_with_html_or_script_are_shown_as_text(store, store_settings, tmp_path):
    r = Records()
    r.person("P", surname=HOSTILE, forenames=HOSTILE_ALIAS, aliases=f"{HOSTILE};{HOSTILE_ALIAS}")
    r.person("P", home_neighbourhood=HOSTILE)
    r.people["P"]["home_neighbourhood"] = "<b>Bold</b> & co"
    r.person("V1", surname=HOSTILE, forenames="`backtick` 'quote'")
    r.abuse("I1", "2023-01-05", "P", "V1")
    r.abuse("I2", "2023-06-01", "P", "V2")
    load_folder(r.write(tmp_path / "data"), store, store_settings)
    out = api.brief(
        store_settings,
        tmp_path / "b",
        as_of=dt.date(2024, 6, 30),
        unmask=True,
        purpose="test",
        pdf=False,
    )
    pack = next(p for p in out.files if p.name != "index.html")
    html = pack.read_text()
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "<b>Bold" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    text = visible_text(html)
    assert HOSTILE.upper() in text  # surnames are shown in capitals, as text
    assert HOSTILE_ALIAS in text
    assert "<b>Bold</b> & co" in text
    assert "`backtick` 'quote'" in text
    assert "<b>Bold</b> & co" in visible_text(out.index.read_text())


def test_the_index_lists_every_neighbourhood_with_its_counts(store, store_settings, tmp_path):
    r = Records()
    r.person("P", home_neighbourhood="Northgate")
    r.person("Q", home_neighbourhood="Quiet Lanes")  # nobody serial lives or offends here
    r.abuse("I1", "2023-01-05", "P", "V1", neighbourhood="Riverside")
    r.abuse("I2", "2023-06-01", "P", "V2")
    r.abuse("I3", "2014-01-01", "Q", "V3")
    load_folder(r.write(tmp_path / "data"), store, store_settings)
    out = api.brief(store_settings, tmp_path / "b", as_of=dt.date(2024, 6, 30), pdf=False)
    rows = {
        attrs["data-neighbourhood"]: (attrs["data-current"], attrs["data-historic"])
        for tag, attrs in parse(out.index.read_text()).tags
        if tag == "tr" and "data-neighbourhood" in attrs
    }
    assert rows == {"Northgate": ("1", "0"), "Quiet Lanes": ("0", "0"), "Riverside": ("1", "0")}
    quiet = visible_text((tmp_path / "b" / "quiet-lanes.html").read_text())
    assert "No serial perpetrators are routed to Quiet Lanes" in quiet


def test_nothing_is_overwritten_without_overwrite(store, store_settings, tmp_path):
    load_folder(_masking_world().write(tmp_path / "data"), store, store_settings)
    folder = tmp_path / "b"
    api.brief(store_settings, folder, as_of=dt.date(2024, 6, 30), pdf=False)

    def files() -> dict[str, bytes]:
        return {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    before = files()
    with pytest.raises(OutputError, match="--overwrite"):
        api.brief(store_settings, folder, as_of=dt.date(2024, 7, 1), pdf=False)
    assert files() == before
    api.brief(store_settings, folder, as_of=dt.date(2024, 7, 1), pdf=False, overwrite=True)
    after = files()
    assert after.keys() == before.keys() and after != before
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in folder.rglob("*") if p.is_file())


def test_neighbourhoods_are_chosen_ignoring_case_and_a_typo_gets_a_suggestion(
    store, store_settings, tmp_path
):
    load_folder(_masking_world().write(tmp_path / "data"), store, store_settings)
    out = api.brief(
        store_settings, tmp_path / "b", neighbourhoods=["NORTHGATE"], as_of=END, pdf=False
    )
    assert [p.neighbourhood for p in out.packs] == ["Northgate"]
    with pytest.raises(ConfigError, match="did you mean 'Northgate'"):
        api.brief(store_settings, tmp_path / "c", neighbourhoods=["Northgat"], pdf=False)


def test_brief_command_writes_the_packs_and_prints_the_index(tmp_path, embedded_store_only):
    data = _masking_world().write(tmp_path / "data")
    runner = CliRunner()
    ws = ["--workspace", str(tmp_path / "ws")]
    assert runner.invoke(app, ["load", str(data), *ws, "--quiet"]).exit_code == 0
    args = ["brief", "--out", str(tmp_path / "b"), "--as-of", "2024-06-30", "--no-pdf", *ws, "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"Open: {tmp_path / 'b' / 'index.html'}" in result.stdout
    again = runner.invoke(app, args)
    assert again.exit_code == 2
    assert "exists; pass --overwrite" in again.stderr
    unmasked = runner.invoke(app, [*args, "--overwrite", "--unmask"])
    assert unmasked.exit_code == 2
    assert "--unmask shows victims' full names; say why with --purpose" in unmasked.stderr


def test_brief_on_an_empty_store_says_to_load_first(tmp_path, embedded_store_only):
    result = CliRunner().invoke(
        app, ["brief", "--out", str(tmp_path / "b"), "--workspace", str(tmp_path / "ws")]
    )
    assert result.exit_code == 3
    assert "load exports first" in result.stderr


@pytest.mark.slow
def test_demo_writes_the_briefings_and_prints_the_index_path(tmp_path, embedded_store_only):
    folder = tmp_path / "demo"
    result = CliRunner().invoke(
        app, ["demo", "--out", str(folder), "--incidents", "1500", "--no-pdf", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    index = folder / "briefings" / "index.html"
    assert f"Briefings: {index}" in result.stdout
    packs = [p for p in (folder / "briefings").glob("*.html") if p.name != "index.html"]
    assert packs and all(p.name in index.read_text() for p in packs)


# --- issue 7: priority, early warning, escalation, counter-allegations in the packs ----------


ALERTS_AS_OF = dt.date(2024, 6, 30)


def _alerts_world() -> Records:
    r = Records()
    r.person("P", home_neighbourhood="Northgate")
    r.person("V2", surname=SENTINEL_SURNAME, forenames=SENTINEL_FORENAMES)
    r.abuse("I1", "2022-09-05", "P", "V1", "threats")
    r.abuse("I2", "2023-06-01", "P", "V2")
    r.abuse("I3", "2023-07-01", "V2", "P", "harassment")  # V2 counter-alleges
    for n, day in enumerate(("2023-10-01", "2024-01-01", "2024-02-01", "2024-06-01")):
        r.abuse(f"E{n}", day, "P", "V1", "strangulation")  # escalating
    r.person("W", home_neighbourhood="Northgate")
    r.abuse("W1", "2023-01-10", "W", "WV")
    r.relate("W", "WN", "intimate_partner", start="2023-09-01")  # a new partner
    r.person("S", home_neighbourhood="Northgate")
    r.abuse("S1", "2023-01-10", "S", "SV1", "threats")
    r.abuse("S2", "2023-03-10", "S", "SV2", "threats")
    return r


def test_packs_order_by_priority_and_show_the_parts_and_the_alerts(store, store_settings, tmp_path):
    load_folder(_alerts_world().write(tmp_path / "data"), store, store_settings)
    out = api.brief(
        store_settings, tmp_path / "b", neighbourhoods=["Northgate"], as_of=ALERTS_AS_OF, pdf=False
    )
    (pack,) = out.packs
    assert [d.person_id for d in pack.dossiers] == ["P", "S"]  # P scores higher
    assert pack.dossiers[0].priority.score > pack.dossiers[1].priority.score
    html = (tmp_path / "b" / pack.html_name).read_text()
    text = visible_text(html)
    assert f"Priority score: {pack.dossiers[0].priority.score} (high)" in text
    assert "Recency" in text and "Crime Harm Index days" in text
    assert "Escalating. more frequent: 4 incidents in the last 12 months, 2 in the" in text
    assert "more serious: gravest incident of the last 12 months 365 harm days" in text
    assert "Counter-allegations: review before acting." in text
    assert "labels neither of them victim or perpetrator" in text
    assert "also recorded as a suspect against P; review" in text
    assert [a["data-early-warning"] for a in parse(html).tags_with("data-early-warning")] == ["W"]
    assert "Early warning: consider Clare's Law right-to-know disclosure" in text
    assert "F.S. (ref WN)" in text  # the new partner, masked (ForenameWN SurnameWN)
    assert SENTINEL_SURNAME not in html


def test_the_index_counts_early_warnings_per_neighbourhood(store, store_settings, tmp_path):
    load_folder(_alerts_world().write(tmp_path / "data"), store, store_settings)
    out = api.brief(store_settings, tmp_path / "b", as_of=ALERTS_AS_OF, pdf=False)
    (row,) = [
        r
        for r in parse(out.index.read_text()).tags_with("data-neighbourhood")
        if r["data-neighbourhood"] == "Northgate"
    ]
    text = visible_text(out.index.read_text())
    assert "Early warnings" in text
    assert row["data-current"] == "2"
