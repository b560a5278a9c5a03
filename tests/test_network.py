"""Network pages: what the graph holds, how it is drawn, and that it is safe."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import threading
import urllib.error
import urllib.request
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from perp_graph import api
from perp_graph.analytics.acpo import scan as acpo_scan
from perp_graph.analytics.network import by_priority
from perp_graph.analytics.priority import Priority
from perp_graph.cli import app
from perp_graph.errors import ConfigError, OutputError
from perp_graph.model import ScanParameters
from perp_graph.pipeline.load import load_folder
from perp_graph.render.network import EDGE_STYLES, NODE_STYLES, VIS_NETWORK, render_network
from perp_graph.serve import make_server
from perp_graph.settings import Settings
from perp_graph.store.embedded import EmbeddedStore
from perp_graph.synth import SynthConfig, generate
from tests.pages import parse, visible_text
from tests.records import Records, records_dataset

AS_OF = dt.date(2024, 6, 30)
VIS_NETWORK_SHA256 = "159d6440c8ea4af6906d240a2dd43d5d3db1d6013682554b1568c3d899db098c"
XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</script><script>alert(2)</script>",
    '<a href="javascript:alert(3)">click</a>',
    "'; alert(4); '",
    "`${alert(5)}`",
    "a\u2028b\u2029<svg onload=alert(6)>",
]


def world() -> Records:
    """P abuses three partners; V1 and V2 are sisters; V3 was also hurt by Q; W witnessed."""
    r = Records()
    r.person("P", surname="Perp", forenames="Paul", home_neighbourhood="Northgate")
    r.abuse("I1", "2021-01-05", "P", "V1", summary="SENTINEL-SUMMARY text")
    r.abuse("I2", "2022-06-01", "P", "V2")
    r.incident(
        "I3", "2023-03-01", suspects=["P"], victims={"V3": "ex_intimate_partner"}, witnesses=("W",)
    )
    r.incident("I4", "2023-05-01", "criminal_damage", suspects=["P"], victims={"V3": ""})
    r.abuse("Q1", "2020-02-02", "Q", "V3")  # only at depth 2
    r.abuse("Q2", "2019-02-02", "Q", "Z")  # Q's other victim: depth 3
    r.relate("V1", "V2", "family")
    r.relate("P", "V1", "intimate_partner", "2020-01-01", "2021-06-01")
    r.relate("V2", "W", "household")
    r.relate("W", "X", "associate")  # X is in no incident: shown only once W's relations are
    return r


@pytest.fixture
def loaded(store, store_settings, tmp_path, load_once) -> Settings:
    load_once(world().write(tmp_path / "data"), store, store_settings)
    return store_settings


def network(settings: Settings, tmp_path: Path, **options) -> api.NetworkOutput:
    options.setdefault("as_of", AS_OF)
    out = tmp_path / f"network-{len(list(tmp_path.glob('network-*')))}.html"
    return api.network(settings, out, **options)


def page_data(html: str) -> dict:
    raw = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', html, re.S)
    return json.loads(raw.group(1))


# --- what the graph holds ------------------------------------------------------------------


def test_depth_1_holds_their_incidents_everyone_in_them_and_their_relationships(loaded, tmp_path):
    graph = network(loaded, tmp_path, person_id="P").network.graph
    assert sorted(n for n in graph if n.startswith("incident:")) == [
        "incident:I1",
        "incident:I2",
        "incident:I3",
        "incident:I4",
    ]
    assert sorted(n for n in graph if n.startswith("person:")) == [
        "person:P",
        "person:V1",
        "person:V2",
        "person:V3",
        "person:W",
    ]
    relationships = sorted(
        (a, b, d["kind"]) for a, b, d in graph.edges(data=True) if d["date"] is None
    )
    assert relationships == [
        ("person:P", "person:V1", "intimate_partner"),
        ("person:V1", "person:V2", "family"),
        ("person:V2", "person:W", "household"),
    ]


def test_each_step_of_depth_adds_the_incidents_of_everyone_found(loaded, tmp_path):
    depth2 = network(loaded, tmp_path, person_id="P", depth=2).network.graph
    assert "incident:Q1" in depth2 and "person:Q" in depth2 and "incident:Q2" not in depth2
    depth3 = network(loaded, tmp_path, person_id="P", depth=3).network.graph
    assert "incident:Q2" in depth3 and "person:Z" in depth3


def test_depth_stops_at_the_node_limit_and_says_so(loaded, tmp_path):
    out = network(loaded, tmp_path, person_id="P", depth=3, max_nodes=11)
    assert "incident:Q1" not in out.network.graph
    assert out.network.notes and "Shown to depth 1, not 3" in out.network.notes[0]


def test_since_leaves_out_earlier_incidents(loaded, tmp_path):
    graph = network(loaded, tmp_path, person_id="P", since=dt.date(2022, 1, 1)).network.graph
    assert "incident:I1" not in graph and "incident:I2" in graph


def test_incidents_after_the_as_of_date_are_left_out(loaded, tmp_path):
    graph = network(loaded, tmp_path, person_id="P", as_of=dt.date(2022, 12, 31)).network.graph
    assert "incident:I3" not in graph and "incident:I2" in graph


def test_kinds_of_people_and_incidents(loaded, tmp_path):
    graph = network(loaded, tmp_path, person_id="P", depth=2).network.graph
    kinds = {n: d["kind"] for n, d in graph.nodes(data=True)}
    assert kinds["person:P"] == "perpetrator"
    assert kinds["person:V1"] == kinds["person:V3"] == "victim"
    assert kinds["person:Q"] == "suspect"
    assert kinds["person:W"] == "person"
    assert kinds["incident:I1"] == kinds["incident:I3"] == "qualifying_incident"
    assert kinds["incident:I4"] == "incident"  # criminal damage is not violence


@pytest.mark.slow
def test_the_person_networks_findings_match_the_full_scan(tmp_path, embedded_store_only):
    """The scan of the records about a person gives them the same finding as a whole scan."""
    generate(tmp_path / "data", SynthConfig(seed=9, incidents=3_000, years=5, end_date=AS_OF))
    settings = Settings(workspace=tmp_path / "ws")
    store = EmbeddedStore(settings.workspace)
    load_folder(tmp_path / "data", store, settings)
    full = api.scan(settings, AS_OF)
    assert full.perpetrators
    for finding in full.perpetrators[:25]:
        graph = network(settings, tmp_path, person_id=finding.person_id).network.graph
        qualifying = sorted(
            n.split(":", 1)[1]
            for n, d in graph.nodes(data=True)
            if d["kind"] == "qualifying_incident"
        )
        assert qualifying == list(finding.qualifying_incident_ids), finding.person_id
        assert graph.nodes[f"person:{finding.person_id}"]["kind"] == "perpetrator"


def test_a_neighbourhood_page_holds_each_of_its_serial_perpetrators(loaded, tmp_path):
    out = network(loaded, tmp_path, neighbourhood="northgate")
    graph = out.network.graph
    assert out.network.focus == ("P",)
    assert graph.nodes["person:P"]["kind"] == "perpetrator"


def test_person_or_neighbourhood_but_not_both_nor_neither(loaded, tmp_path):
    with pytest.raises(ConfigError, match="either a PERSON_ID or --neighbourhood"):
        network(loaded, tmp_path)
    with pytest.raises(ConfigError, match="either a PERSON_ID or --neighbourhood"):
        network(loaded, tmp_path, person_id="P", neighbourhood="Northgate")


def test_an_unknown_person_is_a_clear_error(loaded, tmp_path):
    with pytest.raises(ConfigError, match="no person 'NOPE' in the store"):
        network(loaded, tmp_path, person_id="NOPE")


# --- how it is drawn -------------------------------------------------------------------------


def test_the_legend_matches_the_encodings_used(loaded, tmp_path):
    out = network(loaded, tmp_path, person_id="P", depth=3)
    html = out.path.read_text()
    data = page_data(html)
    legend = {
        attrs["data-kind"]: attrs
        for tag, attrs in parse(html).tags
        if tag == "li" and "data-kind" in attrs
    }
    used = {n["kind"] for n in data["nodes"]} | {e["kind"] for e in data["edges"]}
    assert set(legend) == used
    for node in data["nodes"]:
        style = legend[node["kind"]]
        assert (node["shape"], node["color"]) == (style["data-shape"], style["data-color"])
    for edge in data["edges"]:
        style = legend[edge["kind"]]
        dashes = ",".join(map(str, edge["dashes"])) if edge["dashes"] else ""
        assert (edge["color"], dashes) == (style["data-color"], style["data-dashes"])
    lines = {
        kind: legend[kind]["data-line"] for kind in ("intimate_partner", "family", "household")
    }
    assert lines == {"intimate_partner": "solid", "family": "dashed", "household": "dotted"}


def test_encodings_tell_every_kind_apart():
    assert len({(s.shape, s.color) for s in NODE_STYLES.values()}) == len(NODE_STYLES)
    assert len({(s.color, s.dashes) for s in EDGE_STYLES.values()}) == len(EDGE_STYLES)


def test_incidents_carry_dates_for_the_time_filter_and_tooltips_say_date_and_offence(
    loaded, tmp_path
):
    data = page_data(network(loaded, tmp_path, person_id="P").path.read_text())
    incident = next(n for n in data["nodes"] if n["id"] == "incident:I2")
    assert incident["date"] == "2022-06-01"
    assert incident["title"].splitlines()[:3] == ["I2", "01 Jun 2022", "violence with injury"]
    role_edges = [e for e in data["edges"] if e["kind"] in ("suspect_in", "victim_in")]
    assert role_edges and all(e["date"] for e in role_edges)
    assert (data["asOf"], data["windowYears"]) == ("2024-06-30", 3)


# --- clusters: labelled, ordered by priority, listed -------------------------------------------


def ranked_world() -> Records:
    """Three serial perpetrators in Eastbrook: B offends most and most recently, A least and
    longest ago, C between; A's partner V-A1 has a name that must never show masked."""
    r = Records()
    for person in ("A", "B", "C"):
        r.person(person, surname=f"Rank{person}", forenames="Sam", home_neighbourhood="Eastbrook")
    r.person("VA1", surname="Zqxsentinel", forenames="Wilhelmina")
    r.abuse("A1", "2021-08-01", "A", "VA1")
    r.abuse("A2", "2021-09-01", "A", "VA2")
    r.abuse("B1", "2024-03-01", "B", "VB1")
    r.abuse("B2", "2024-05-01", "B", "VB2")
    r.abuse("B3", "2024-06-01", "B", "VB3", "rape")
    r.abuse("B4", "2024-06-20", "B", "VB3")
    r.abuse("C1", "2023-01-01", "C", "VC1")
    r.abuse("C2", "2023-06-01", "C", "VC2")
    r.relate("VA1", "VB1", "family")  # one node two clusters could claim: the first by priority
    return r


@pytest.fixture
def ranked(store, store_settings, tmp_path) -> Settings:
    load_folder(ranked_world().write(tmp_path / "data"), store, store_settings)
    return store_settings


def listed(html: str) -> list[str]:
    """The person ids of the page's list of perpetrators, in the page's order."""
    page = parse(html)
    return [
        str(attrs["data-person-id"])
        for tag, attrs in page.tags
        if tag == "li" and "data-person-id" in attrs
    ]


def test_a_neighbourhood_pages_clusters_are_labelled_and_ordered_by_priority(ranked, tmp_path):
    priorities = api.scan(ranked, AS_OF).priorities
    assert priorities["B"].score > priorities["C"].score > priorities["A"].score
    out = network(ranked, tmp_path, neighbourhood="Eastbrook")
    assert out.network.focus == ("B", "C", "A")
    html = out.path.read_text()
    data = page_data(html)
    clusters = data["clusters"]
    assert [c["id"] for c in clusters] == ["B", "C", "A"]
    assert [c["rank"] for c in clusters] == [1, 2, 3]
    labels = {n["id"]: n["label"] for n in data["nodes"]}
    assert [c["label"] for c in clusters] == [labels[f"person:{p}"] for p in "BCA"]
    assert clusters[0]["label"] == "RANKB, Sam (B)" and clusters[0]["name"] == "RANKB, Sam"
    b = priorities["B"]
    assert clusters[0]["summary"] == (
        f"priority {b.score:g} ({b.band}), current, 3 intimate-partner victims, "
        "latest incident 20 Jun 2024"
    )
    # every node drawn with its cluster; the node both B's and A's networks reach goes to B
    cluster_of = {n["id"]: n["cluster"] for n in data["nodes"]}
    assert cluster_of["incident:B1"] == cluster_of["person:VB1"] == "B"
    assert cluster_of["incident:A1"] == "A" and cluster_of["person:VA1"] in ("A", "B")
    # the grid goes by priority: B top left, C to its right, A below
    centre = {
        p: (
            sum(n["x"] for n in data["nodes"] if n["cluster"] == p) / clusters[i]["size"],
            sum(n["y"] for n in data["nodes"] if n["cluster"] == p) / clusters[i]["size"],
        )
        for i, p in enumerate("BCA")
    }
    assert centre["B"][0] < centre["C"][0] and centre["B"][1] < centre["A"][1]


def test_the_list_beside_the_drawing_holds_the_clusters_in_the_same_order(ranked, tmp_path):
    html = network(ranked, tmp_path, neighbourhood="Eastbrook").path.read_text()
    assert listed(html) == [c["id"] for c in page_data(html)["clusters"]] == ["B", "C", "A"]
    page = parse(html)
    buttons = [a for t, a in page.tags if t == "button" and "data-node-id" in a]
    assert [b["data-node-id"] for b in buttons] == ["person:B", "person:C", "person:A"]
    assert all(b["type"] == "button" and b["aria-controls"] == "details" for b in buttons)
    text = visible_text(html)
    assert "Perpetrators by priority (3)" in text
    assert "1. RANKB, Sam (B)" in text and "3. RANKA, Sam (A)" in text
    assert [a["id"] for t, a in page.tags if a.get("id") in ("details", "find", "find-matches")]


def test_a_masked_page_never_holds_a_masked_name_in_its_html_or_json(ranked, tmp_path):
    masked = network(ranked, tmp_path, neighbourhood="Eastbrook").path.read_text()
    assert "zqxsentinel" not in masked.lower() and "wilhelmina" not in masked.lower()
    assert "W.Z. (ref VA1)" in masked
    unmasked = network(ranked, tmp_path, neighbourhood="Eastbrook", unmask=True, purpose="MARAC")
    assert "ZQXSENTINEL, Wilhelmina (VA1)" in unmasked.path.read_text()


def test_without_scores_the_page_keeps_the_order_it_was_given(ranked, tmp_path):
    """The briefing job passes its pack order (no scores): the page keeps that order."""
    records = records_dataset(ranked_world())
    parameters = ScanParameters(as_of=AS_OF)
    result = acpo_scan(records, parameters)
    graph = api.neighbourhood_network(["A", "C", "B"], result, records, parameters)
    assert graph.focus == ("A", "C", "B") and graph.priorities == {}
    html = render_network(graph, title="t", store="embedded")
    assert listed(html) == ["A", "C", "B"]
    assert "Perpetrators by priority" not in html


def test_by_priority_puts_the_unscored_last_and_keeps_ties_in_the_order_given():
    def scored(person_id: str, score: float, days: int) -> Priority:
        day = AS_OF - dt.timedelta(days=days)
        return Priority(person_id, score, "high", day, days, 0, 0, 0.0, 0, 0.0, 0.0, 0.0, 0.0)

    priorities = {
        "X": scored("X", 50, 10),
        "Y": scored("Y", 70, 10),
        "Z": scored("Z", 50, 3),
        "W": scored("W", 50, 10),
    }
    order = by_priority(["N1", "X", "W", "N2", "Z", "Y"], priorities)
    assert order == ("Y", "Z", "X", "W", "N1", "N2")


# --- safe --------------------------------------------------------------------------------------


def test_the_page_fetches_nothing_and_runs_only_its_own_scripts(loaded, tmp_path):
    html = network(loaded, tmp_path, person_id="P").path.read_text()
    page = parse(html)
    assert not [a for t, a in page.tags if t in ("script", "img", "link") and a.get("src")]
    assert not [a for t, a in page.tags if t == "link"]
    urls = [v for _t, a in page.tags for v in a.values() if v and "://" in v]
    assert urls == []
    csp = next(
        a["content"] for t, a in page.tags if a.get("http-equiv") == "Content-Security-Policy"
    )
    assert (
        "default-src 'none'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    import base64

    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert len(scripts) == 2


def test_no_free_text_summary_ever_reaches_the_page(loaded, tmp_path):
    html = network(loaded, tmp_path, person_id="P", unmask=True, purpose="test").path.read_text()
    assert "SENTINEL-SUMMARY" not in html


def test_people_other_than_serial_perpetrators_are_masked_unless_unmasked(
    store, store_settings, tmp_path
):
    r = world()
    r.people["V1"].update(surname="Zqxsentinel", forenames="Wilhelmina")
    load_folder(r.write(tmp_path / "data"), store, store_settings)
    masked = network(store_settings, tmp_path, person_id="P").path.read_text()
    assert "zqxsentinel" not in masked.lower() and "wilhelmina" not in masked.lower()
    assert "PERP, Paul (P)" in masked
    assert "W.Z. (ref V1)" in masked
    unmasked = network(store_settings, tmp_path, person_id="P", unmask=True, purpose="MARAC")
    assert "ZQXSENTINEL, Wilhelmina (V1)" in unmasked.path.read_text()
    with pytest.raises(ConfigError, match="--purpose"):
        network(store_settings, tmp_path, person_id="P", unmask=True)


@pytest.mark.parametrize("payload", XSS)
def test_names_and_aliases_from_an_xss_corpus_stay_text(store, store_settings, tmp_path, payload):
    r = world()
    r.people["P"].update(surname=payload, forenames=payload, aliases=payload)
    r.people["V1"].update(surname=payload, forenames=payload)
    r.people["P"]["home_neighbourhood"] = payload
    load_folder(r.write(tmp_path / "data"), store, store_settings)
    html = network(
        store_settings, tmp_path, person_id="P", unmask=True, purpose="t"
    ).path.read_text()
    data_block = html.split('id="graph-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data_block and ">" not in data_block
    data = page_data(html)
    labels = {n["id"]: n["label"] for n in data["nodes"]}
    assert labels["person:P"] == f"{payload.upper()}, {payload} (P)"
    assert " ".join(payload.split()) in visible_text(html)
    assert len(re.findall(r"<script>", html)) == 2  # only ours


def test_the_vendored_vis_network_is_the_recorded_file():
    path = resources.files("perp_graph.render").joinpath(
        f"static/vendor/{VIS_NETWORK}/vis-network.min.js"
    )
    assert hashlib.sha256(path.read_bytes()).hexdigest() == VIS_NETWORK_SHA256


# --- briefings link to network pages ------------------------------------------------------------


def test_each_perpetrator_in_a_pack_links_to_their_network_page(loaded, tmp_path):
    out = api.brief(loaded, tmp_path / "b", as_of=AS_OF, pdf=False)
    pack = tmp_path / "b" / "northgate.html"
    links = [
        a["href"]
        for t, a in parse(pack.read_text()).tags
        if t == "a" and "network" in a.get("href", "")
    ]
    assert links == ["networks/northgate.html#P"]
    target = tmp_path / "b" / "networks" / "northgate.html"
    ids = {n["id"] for n in page_data(target.read_text())["nodes"]}
    assert "person:P" in ids
    assert out.index.exists()


# --- the CLI and the server ----------------------------------------------------------------------


def test_network_command_writes_the_page_and_refuses_to_overwrite(tmp_path, embedded_store_only):
    data = world().write(tmp_path / "data")
    runner = CliRunner()
    ws = ["--workspace", str(tmp_path / "ws")]
    assert runner.invoke(app, ["load", str(data), *ws, "-q"]).exit_code == 0
    out = tmp_path / "p.html"
    args = ["network", "P", "--out", str(out), "--as-of", "2024-06-30", *ws, "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}: 9 nodes" in result.stdout
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "--overwrite" in again.stderr
    area = runner.invoke(
        app, ["network", "-n", "Northgate", "--out", str(tmp_path / "n.html"), *ws]
    )
    assert area.exit_code == 0, area.output


def test_serve_answers_on_loopback_only_and_hides_hidden_files(tmp_path):
    (tmp_path / "index.html").write_text("<p>briefings</p>")
    (tmp_path / ".staging").mkdir()
    (tmp_path / ".staging" / "secret.html").write_text("secret")
    server = make_server(tmp_path, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html") as response:
            assert response.read() == b"<p>briefings</p>"
            assert response.headers["Cache-Control"] == "no-store"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        for path in ("/.staging/secret.html", "/%2Estaging/secret.html", "/../../etc/passwd"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}")
            assert refused.value.code == 404, path
    finally:
        server.shutdown()
        server.server_close()


def test_serve_needs_a_folder(tmp_path):
    with pytest.raises(ConfigError, match="is not a folder"):
        make_server(tmp_path / "missing")


def test_network_output_is_never_overwritten_silently(loaded, tmp_path):
    out = tmp_path / "n.html"
    api.network(loaded, out, person_id="P", as_of=AS_OF)
    with pytest.raises(OutputError):
        api.network(loaded, out, person_id="P", as_of=AS_OF)


_LAYOUT_SCRIPT = """
import datetime as dt, json, sys
from pathlib import Path
from perp_graph import api
from perp_graph.settings import Settings
from perp_graph.analytics.network import layout
from perp_graph.pipeline.load import load_folder
from perp_graph.store.embedded import EmbeddedStore
ws = Path(sys.argv[1])
settings = Settings(workspace=ws, resolve=False)
out = api.network(settings, ws.parent / sys.argv[2], neighbourhood=sys.argv[3],
                  as_of=dt.date(2026, 11, 30))
print(json.dumps(sorted(layout(out.network).items())))
"""


def test_the_layout_is_the_same_in_every_process(tmp_path, embedded_store_only):
    """Node positions depend on the data only, not on the order Python's hash seed gives
    sets (two runs of the same command gave different drawings before)."""
    import subprocess
    import sys

    settings = Settings(workspace=tmp_path / "ws", resolve=False)
    config = SynthConfig(seed=3, incidents=3_000, end_date=dt.date(2026, 11, 30))
    generate(tmp_path / "data", config)
    api.load(tmp_path / "data", settings)
    busiest = EmbeddedStore(tmp_path / "ws").dataset().people["home_neighbourhood"].mode()[0]
    runs = []
    for n, seed in enumerate(("1", "2", "3")):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _LAYOUT_SCRIPT, str(tmp_path / "ws"), f"n{n}.html", busiest],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        runs.append(done.stdout)
    assert runs[0] == runs[1] == runs[2]
