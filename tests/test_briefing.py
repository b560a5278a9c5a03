"""`perp-graph brief`: neighbourhood packs for sergeants, on every store."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
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
    """Perpetrators per pack file: {file name: {person_id: article, or the row of the
    compact table}} (network pages aside)."""
    out = {}
    for path in folder.glob("*.html"):
        if path.name == "index.html":
            continue
        page = parse(path.read_text())
        rows = {t["data-person-id"]: t for t in page.tags_with("data-person-id")}
        out[path.name] = {**rows, **{a["data-person-id"]: a for a in page.articles}}
    return out


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
    # The only images are the timelines we draw (a data: URL, the alt text escaped): a
    # hostile name inside their alt text stays text.
    timeline = re.compile(
        r'<img class="timeline-image" src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+" '
        r'alt="[^"<>]*" width="\d+" height="\d+">'
    )
    assert timeline.search(html)
    assert "<img" not in timeline.sub("", html).lower()
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
    assert result.exit_code == 2
    assert "no workspace at" in result.stderr and "perp-graph load" in result.stderr


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


# --- issue 16: briefings a sergeant reads in two minutes --------------------------------------

AS_OF = dt.date(2026, 11, 30)


def _shift_world() -> Records:
    """Twelve current perpetrators in Northgate who outscore three with a release near:
    C (current, custody ends in 4 days), H (historic, custody ends in 2 days), R (released
    from custody 3 days ago), L (licence ends in 20 days)."""
    r = Records()
    for n in range(12):
        p = f"T{n:02d}"
        r.person(p, home_neighbourhood="Northgate", home_postcode=f"NG1 {n}AA")
        for k in range(3):
            r.abuse(
                f"I{p}{k}", f"2026-{9 + k % 3:02d}-{10 + n:02d}", p, f"V{p}{k}", "strangulation"
            )
    r.person("C", home_neighbourhood="Northgate", warning_markers="weapons; violence to police")
    r.abuse("IC1", "2024-01-05", "C", "VC1", neighbourhood="Northgate", officer_in_case="PC 1234")
    r.abuse("IC2", "2024-06-01", "C", "VC2", neighbourhood="Northgate")
    r.order("C", "custody", "2025-01-01", "2026-12-04")
    r.person("H", home_neighbourhood="Riverside")
    r.abuse("IH1", "2015-01-05", "H", "VH1", neighbourhood="Northgate")
    r.abuse("IH2", "2015-06-01", "H", "VH2", neighbourhood="Northgate")
    r.order("H", "custody", "2016-01-01", "2026-12-02")
    r.person("R", home_neighbourhood="Northgate")
    r.abuse("IR1", "2024-02-05", "R", "VR1")
    r.abuse("IR2", "2024-03-01", "R", "VR2")
    r.order("R", "custody", "2024-04-01", "2026-11-27")
    r.person("L", home_neighbourhood="Northgate")
    r.abuse("IL1", "2024-02-05", "L", "VL1")
    r.abuse("IL2", "2024-03-01", "L", "VL2")
    r.order("L", "licence", "2026-01-01", "2026-12-20")
    return r


def _shift_sheet(html: str) -> str:
    """The text of the pack's first section (the shift sheet)."""
    start = html.index('<section id="shift"')
    return visible_text(html[start : html.index("</section>", start)])


def test_clause1_the_shift_sheet_comes_first_and_holds_everyone_released_within_7_days(
    store, store_settings, tmp_path
):
    load_folder(_shift_world().write(tmp_path / "data"), store, store_settings)
    out = api.brief(
        store_settings, tmp_path / "b", neighbourhoods=["Northgate"], as_of=AS_OF, pdf=False
    )
    html = (tmp_path / "b" / out.packs[0].html_name).read_text()
    main = html[html.index("<main>") :]
    assert main.index('<section id="shift"') < main.index('id="summary"') < main.index("<article")
    assert main.index('id="how"') > main.rindex("</article>")  # the definition comes last
    sheet = _shift_sheet(html)
    first = sheet[: sheet.index("Top ")]  # released or ending within 7 days
    assert "(C)" in first and "released in 4 days (04 Dec)" in first
    assert "(H)" in first and "released in 2 days (02 Dec)" in first  # historic people too
    assert "(R)" in first and "released 3 days ago (27 Nov)" in first
    assert "(L)" not in first
    month = sheet[sheet.index(f"Ending within {28} days") :]
    assert "(L)" in month and "On licence ends in 20 days (20 Dec)" in month
    assert sheet.count("(T") == 10  # the top 10 by priority
    assert "RELEASED" in sheet  # R's badge, even with no earlier pack


def test_clause1_badges_compare_with_the_last_brief(store, store_settings, tmp_path):
    r = _shift_world()
    load_folder(r.write(tmp_path / "data"), store, store_settings)
    api.brief(store_settings, tmp_path / "a", neighbourhoods=["Northgate"], as_of=AS_OF, pdf=False)
    r.person("N", home_neighbourhood="Northgate")
    r.abuse("IN1", "2026-11-01", "N", "VN1", "sexual_offence")
    r.abuse("IN2", "2026-11-20", "N", "VN2")
    r.abuse("IL3", "2026-11-28", "L", "VL1", "sexual_offence")
    load_folder(r.write(tmp_path / "data"), store, store_settings)
    out = api.brief(
        store_settings, tmp_path / "b", neighbourhoods=["Northgate"], as_of=AS_OF, pdf=False
    )
    assert out.packs[0].badges["N"] == ("NEW",)
    assert "SCORE UP" in out.packs[0].badges["L"]
    sheet = _shift_sheet((tmp_path / "b" / out.packs[0].html_name).read_text())
    assert "Since the last pack (as of 30 Nov 2026)" in sheet and "NEW" in sheet


def test_clause2_full_dossiers_for_current_a_table_for_the_rest_and_no_table_repeated(
    store, store_settings, tmp_path
):
    r = _shift_world()
    r.abuse("IC3", "2024-07-01", "C", "VC1", "threats")  # qualifying too
    r.incident(
        "IC4", "2024-08-01", "harassment", suspects=["C"], victims={"VC2": "ex_intimate_partner"}
    )
    load_folder(r.write(tmp_path / "data"), store, store_settings)
    out = api.brief(
        store_settings, tmp_path / "b", neighbourhoods=["Northgate"], as_of=AS_OF, pdf=False
    )
    page = parse((tmp_path / "b" / out.packs[0].html_name).read_text())
    articles = {a["data-person-id"]: a for a in page.articles}
    assert "C" in articles and "H" not in articles  # H: historic, not scored
    assert [
        t["data-person-id"]
        for t in page.tags_with("data-person-id")
        if t.get("data-status") == "historic"
    ]
    text = articles["C"]["text"]
    for incident in ("IC1", "IC2", "IC3"):
        assert text.count(incident) == 1, incident  # in the qualifying table only
    assert text.count("01 Aug 2024 IC4") == 1  # in "other incidents" only
    assert "Other incidents (1; the qualifying ones are above)" in text
    assert "officer in case" in text.casefold() and "PC 1234" in text


def test_clause2_a_full_dossier_has_its_timeline_image_with_alt_text(
    store, store_settings, tmp_path
):
    r = _shift_world()
    load_folder(r.write(tmp_path / "data"), store, store_settings)
    out = api.brief(
        store_settings, tmp_path / "b", neighbourhoods=["Northgate"], as_of=AS_OF, pdf=False
    )
    html = (tmp_path / "b" / out.packs[0].html_name).read_text()
    page = parse(html)
    full = [a["data-person-id"] for a in page.articles]
    assert "C" in full
    images = [t for t in page.tags_with("class") if t.get("class") == "timeline-image"]
    assert len(images) == len(full)  # one per full dossier, none for the compact rows
    for image in images:
        assert image["src"].startswith("data:image/svg+xml;base64,")
        assert image["alt"].startswith("Timeline as of ")
        assert "VC1" in html  # victims by reference ...
    assert "SurnameVC1" not in html  # ... never by name in a masked pack


def test_clause3_postcode_home_markers_contacts_and_the_extract_on_every_page(
    store, store_settings, tmp_path
):
    config = tmp_path / "force.toml"
    config.write_text(
        '[contacts.marac]\nrole = "MARAC coordinator"\nname = "Sam Patel"\nphone = "01632 960001"\n'
        '[contacts.idva]\nrole = "IDVA service"\nphone = "01632 960002"\n'
    )
    from perp_graph.settings import load_settings

    settings = load_settings(config=config, workspace=store_settings.workspace, environ={})
    settings = dataclasses.replace(store_settings, contacts=settings.contacts)
    load_folder(_shift_world().write(tmp_path / "data"), store, settings)
    out = api.brief(settings, tmp_path / "b", neighbourhoods=["Northgate"], as_of=AS_OF, pdf=False)
    html = (tmp_path / "b" / out.packs[0].html_name).read_text()
    text = re.sub(r"\s+([,:.])", r"\1", visible_text(html))
    assert (
        "Who to call MARAC coordinator: Sam Patel, 01632 960001 IDVA service, 01632 960002" in text
    )
    today = dt.date.today()
    line = f"Records extracted on {today:%d %b %Y}, latest record 21 Nov 2026"
    assert line in text  # on the cover ...
    assert "@bottom-left { content: " in html  # ... and every printed page
    articles = {a["data-person-id"]: a["text"] for a in parse(html).articles}
    assert "NG1 0AA" in articles["T00"] and "lives in Northgate" in articles["T00"]
    assert "weapons; violence to police" in articles["C"]
    assert "offends here, lives in Riverside" not in articles["C"]


def test_clause4_rank_in_force_and_neighbourhood_and_the_harm_chip(store, store_settings, tmp_path):
    load_folder(_shift_world().write(tmp_path / "data"), store, store_settings)
    out = api.brief(store_settings, tmp_path / "b", as_of=AS_OF, pdf=False)
    pack = next(p for p in out.packs if p.neighbourhood == "Northgate")
    html = (tmp_path / "b" / pack.html_name).read_text()
    first = pack.dossiers[0]
    total = sum(d.status == "current" for d in pack.dossiers)
    assert first.force_rank == (1, total)
    articles = {a["data-person-id"]: a["text"] for a in parse(html).articles}
    assert f"1 of {total} in the force, 1 of {total} in Northgate" in articles[first.person_id]
    assert "strangulation" in articles[first.person_id]  # the chip
    assert first.worst_harm == "strangulation"


def test_clause4_high_is_a_minority_of_current_perpetrators_on_generated_data(
    generated, tmp_path, embedded_store_only
):
    from perp_graph.settings import Settings
    from perp_graph.store.embedded import EmbeddedStore

    settings = Settings(workspace=tmp_path / "ws")
    load_folder(generated, EmbeddedStore(settings.workspace), settings)
    result = api.scan(settings, as_of=END)
    current = [f.person_id for f in result.perpetrators if f.status == "current"]
    bands = [result.priorities[p].band for p in current if p in result.priorities]
    assert len(current) >= 20
    assert 0 < bands.count("high") < len(current) / 2


def test_clause5_one_date_format_counts_that_read_right_and_urgent_actions_first(
    store, store_settings, tmp_path
):
    load_folder(_shift_world().write(tmp_path / "data"), store, store_settings)
    out = api.brief(
        store_settings, tmp_path / "b", neighbourhoods=["Northgate"], as_of=AS_OF, pdf=False
    )
    text = visible_text((tmp_path / "b" / out.packs[0].html_name).read_text())
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)  # no ISO dates
    assert not re.search(r"\b1 (incidents|victims|days)\b", text)
    assert not re.search(r"\d\.0 harm days", text)
    for d in out.packs[0].dossiers:
        urgent = [a.urgent for a in d.actions]
        assert urgent == sorted(urgent, reverse=True), d.person_id
    c = next(d for d in out.packs[0].dossiers if d.person_id == "C")
    assert c.actions[0].text == "Re-contact and re-assess the victims"
    assert "in 4 days" in c.actions[0].reason


def test_clause3_a_bad_contacts_section_names_the_key_and_the_fix(tmp_path):
    from perp_graph.settings import load_settings

    config = tmp_path / "force.toml"
    config.write_text('[contacts.marac]\nname = "Sam Patel"\n')
    with pytest.raises(ConfigError, match=r"\[contacts.marac\] needs a role"):
        load_settings(config=config, environ={})
    config.write_text('[contacts.marac]\nrole = "MARAC"\nphone = 1632960001\n')
    with pytest.raises(ConfigError, match="quote phone numbers"):
        load_settings(config=config, environ={})
    config.write_text('[contacts.marac]\nrole = "MARAC"\nemail = "x"\n')
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['email'\] in \[contacts.marac\]"):
        load_settings(config=config, environ={})
