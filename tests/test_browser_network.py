"""Network pages in a real browser (headless Chromium, every request off the machine refused)."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from perp_graph import api
from perp_graph.analytics.acpo import scan
from perp_graph.model import ScanParameters
from perp_graph.pipeline.load import load_folder
from perp_graph.render.network import render_network
from perp_graph.settings import Settings
from perp_graph.store.embedded import EmbeddedStore
from tests.browser import (
    ARTIFACTS,
    DESKTOP,
    PHONE,
    PageWatch,
    browser_path,
    chromium,
    generated_force,
)
from tests.records import Records, records_dataset
from tests.test_network import world

END = dt.date(2025, 3, 31)

CANVAS_PIXELS = """() => {
  const canvas = document.querySelector('#network canvas');
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) { drawn += 1; } }
  return drawn;
}"""


def open_settled(browser, path, viewport=DESKTOP, timeout_ms=60_000, touch=False):
    """Open a page and wait until its layout has settled (`touch`: as a phone, with a
    touch screen). Polled from here: the page's Content-Security-Policy (rightly) forbids
    the eval that wait_for_function needs."""
    page = browser.new_page(viewport=viewport, has_touch=touch, is_mobile=touch)
    watch = PageWatch(page)
    page.goto(path.as_uri())
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate("Boolean(window.perpGraph && window.perpGraph.ready)"):
        assert time.monotonic() < deadline, f"{path.name} did not settle in {timeout_ms} ms"
        page.wait_for_timeout(100)
    return page, watch


@pytest.fixture(scope="module")
def neighbourhood_page(tmp_path_factory):
    browser_path()
    root = tmp_path_factory.mktemp("network")
    settings, everything = generated_force(root, seed=4, end=END)
    biggest = max(everything.packs, key=lambda p: (len(p.dossiers), p.neighbourhood))
    return api.network(settings, root / "n.html", neighbourhood=biggest.neighbourhood, as_of=END)


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_the_page_draws_every_node_offline_then_stays_still(neighbourhood_page, screen):
    expected = neighbourhood_page.network.graph.number_of_nodes()
    assert expected > 100
    with chromium() as browser:
        viewport = PHONE if screen == "phone" else DESKTOP
        page, watch = open_settled(browser, neighbourhood_page.path, viewport)
        in_data = page.evaluate("perpGraph.nodes.length")
        placed = page.evaluate("Object.keys(perpGraph.network.getPositions()).length")
        drawn = page.evaluate(CANVAS_PIXELS)
        before = page.evaluate("perpGraph.network.getPositions()")
        page.wait_for_timeout(700)
        after = page.evaluate("perpGraph.network.getPositions()")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"network-{screen}.png"))
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        page.close()
    assert in_data == placed == expected
    assert drawn > 1_000, "the canvas drew the network"
    assert before == after, "physics is off once the layout settled"
    assert watch.external() == [] and watch.requests == [neighbourhood_page.path.as_uri()]
    assert watch.errors == [] and watch.dialogs == []
    assert overflow <= 0


NODE_ON_SCREEN = """(id) => {
  const p = perpGraph.network.getPositions([id])[id];
  const dom = perpGraph.network.canvasToDOM(p);
  const box = document.querySelector('#network canvas').getBoundingClientRect();
  return {x: box.left + dom.x, y: box.top + dom.y};
}"""


def details(page) -> str:
    """The details panel's text, its white space as single spaces."""
    return " ".join(page.inner_text("#details-body").split())


def heading(page) -> str:
    """What the details panel is about: its first heading."""
    return page.locator("#details-body h3").first.inner_text()


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_the_list_by_priority_search_and_details_work_by_tap_on_phone_and_desktop(
    neighbourhood_page, screen
):
    phone = screen == "phone"
    data = neighbourhood_page.path.read_text()
    with chromium() as browser:
        page, watch = open_settled(
            browser, neighbourhood_page.path, PHONE if phone else DESKTOP, touch=phone
        )
        clusters = page.evaluate("JSON.parse(document.getElementById('graph-data').textContent)")[
            "clusters"
        ]
        labels = page.evaluate("Object.fromEntries(perpGraph.nodes.map(n => [n.id, n.label]))")
        assert len(clusters) > 3
        assert page.locator("#perpetrator-list").is_visible()
        listed = page.eval_on_selector_all(
            "#perpetrator-list button", "bs => bs.map(b => b.dataset.nodeId)"
        )
        assert listed == [c["node"] for c in clusters]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"network-list-{screen}.png"), full_page=phone)
        list_box = page.locator("#perpetrator-list").bounding_box()
        graph_box = page.locator("#network").bounding_box()
        if phone:
            assert list_box["y"] >= graph_box["y"] + graph_box["height"], "the list is below"
        else:
            assert list_box["x"] >= graph_box["x"] + graph_box["width"], "the list is beside"

        # tapping (clicking) a list item selects its cluster and shows its details
        third = clusters[2]
        button = page.locator(f"#perpetrator-list button[data-node-id='{third['node']}']")
        button.tap() if phone else button.click()
        assert page.evaluate("perpGraph.network.getSelectedNodes()") == [third["node"]]
        assert page.evaluate("perpGraph.selected") == third["id"]
        shown = details(page)
        assert third["label"] in shown and f"3 of {len(clusters)} on this page" in shown
        assert button.get_attribute("aria-current") == "true"
        assert page.locator("#details").is_visible()
        page.screenshot(path=str(ARTIFACTS / f"network-details-{screen}.png"))

        # a tap (click) on a node in the drawing shows its details: no hover needed
        victim = page.evaluate(
            """(c) => perpGraph.network.getConnectedNodes(c.node).filter(id => {
              const n = perpGraph.nodes.get(id);
              return n.kind === 'victim' && n.cluster === c.id;
            })[0]""",
            third,
        )
        spot = page.evaluate(NODE_ON_SCREEN, victim)
        if phone:
            page.touchscreen.tap(spot["x"], spot["y"])
        else:
            page.mouse.click(spot["x"], spot["y"])
        page.wait_for_timeout(300)
        assert page.evaluate("perpGraph.network.getSelectedNodes()") == [victim]
        assert heading(page) == labels[victim]
        assert f"In the network of {third['rank']}. {third['label']}" in details(page)

        # search by a name fragment: the list keeps only the perpetrators that match
        wanted = clusters[1]
        fragment = wanted["name"].split(",")[0][1:6].lower()
        page.fill("#find", fragment)
        visible = page.eval_on_selector_all(
            "#perpetrator-list li",
            "lis => lis.filter(li => !li.hidden).map(li => li.dataset.personId)",
        )
        assert wanted["id"] in visible
        assert all(fragment in labels[f"person:{p}"].lower() for p in visible)
        page.fill("#find", wanted["name"].lower())
        page.press("#find", "Enter")
        assert page.evaluate("perpGraph.network.getSelectedNodes()") == [wanted["node"]]
        assert heading(page) == wanted["label"]

        # search by an id: a victim, shown masked, found by their reference
        victim_id = victim.split(":", 1)[1]
        page.fill("#find", victim_id.lower())
        page.press("#find", "Enter")
        assert page.evaluate("perpGraph.network.getSelectedNodes()") == [victim]
        assert heading(page) == labels[victim]
        page.fill("#find", "")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        page.close()
    assert overflow <= 0
    assert watch.errors == [] and watch.dialogs == [] and watch.external() == []
    assert "(ref " in labels[victim] and labels[victim] in data  # masked, as the page shows


def test_the_list_is_a_keyboard_list(neighbourhood_page):
    with chromium() as browser:
        page, _watch = open_settled(browser, neighbourhood_page.path)
        first = page.locator("#perpetrator-list button").first
        first.focus()
        page.keyboard.press("ArrowDown")
        second = page.evaluate("document.activeElement.dataset.nodeId")
        page.keyboard.press("Enter")
        selected = page.evaluate("perpGraph.network.getSelectedNodes()")
        page.keyboard.press("Tab")
        after_tab = page.evaluate("document.activeElement.dataset.nodeId")
        page.close()
    assert second == selected[0] and second.startswith("person:")
    assert after_tab not in (None, second)


def test_a_page_with_5000_nodes_still_opens(tmp_path):
    browser_path()
    r = Records()
    for n in range(500):  # 500 perpetrators, each with 4 partner victims in 5 incidents
        p = f"P{n:03d}"
        r.person(p, home_neighbourhood="Big Town")
        for k in range(5):
            r.abuse(f"I{n:03d}-{k}", f"2023-0{k + 1}-1{k}", p, f"V{n:03d}-{k % 4}")
    dataset = records_dataset(r)
    parameters = ScanParameters(as_of=dt.date(2024, 6, 30))
    result = scan(dataset, parameters)
    graph = api.neighbourhood_network(
        [f.person_id for f in result.perpetrators], result, dataset, parameters
    )
    assert graph.graph.number_of_nodes() == 5_000
    path = tmp_path / "big.html"
    path.write_text(render_network(graph, title="5,000 nodes", store="embedded"))
    with chromium() as browser:
        page, watch = open_settled(browser, path, timeout_ms=240_000)
        count = page.evaluate("perpGraph.nodes.length")
        drawn = page.evaluate(CANVAS_PIXELS)
        page.close()
    assert count == 5_000 and drawn > 0
    assert watch.errors == [] and watch.external() == []


def test_the_time_slider_shows_the_rolling_window(tmp_path, embedded_store_only):
    browser_path()
    settings = Settings(workspace=tmp_path / "ws")
    load_folder(world().write(tmp_path / "data"), EmbeddedStore(settings.workspace), settings)
    out = api.network(settings, tmp_path / "p.html", person_id="P", as_of=dt.date(2024, 6, 30))
    with chromium() as browser:
        page, _watch = open_settled(browser, out.path)

        def window_ending(day: str) -> tuple[str, list[str]]:
            page.evaluate(
                """(day) => {
                  const slider = document.getElementById('window-end');
                  const first = Date.parse(perpGraph.nodes.get({filter: n => !!n.date})
                    .map(n => n.date).sort()[0]);
                  slider.value = String(Math.round((Date.parse(day) - first) / 86400000));
                  document.getElementById('window-only').checked = true;
                  slider.dispatchEvent(new Event('input'));
                }""",
                day,
            )
            shown = page.evaluate(
                "perpGraph.nodes.get({filter: n => !!n.date && !n.hidden}).map(n => n.id).sort()"
            )
            return page.inner_text("#window-readout"), shown

        readout, shown = window_ending("2022-06-01")
        assert readout.startswith("Window 01 Jun 2019 to 01 Jun 2022 (3 years): 2 incidents")
        assert shown == ["incident:I1", "incident:I2"]
        readout, shown = window_ending("2024-02-29")
        assert readout.startswith("Window 28 Feb 2021 to 29 Feb 2024")
        assert shown == ["incident:I2", "incident:I3", "incident:I4"]
        page.click("#window-reset")
        hidden = page.evaluate("perpGraph.nodes.get({filter: n => n.hidden}).length")
        page.close()
    assert hidden == 0


def test_script_in_names_and_tooltips_never_runs(tmp_path, embedded_store_only):
    browser_path()
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    r = world()
    r.people["P"].update(surname=hostile, forenames=hostile, aliases=hostile)
    r.people["V1"].update(surname=hostile, forenames=hostile)
    settings = Settings(workspace=tmp_path / "ws")
    load_folder(r.write(tmp_path / "data"), EmbeddedStore(settings.workspace), settings)
    out = api.network(
        settings,
        tmp_path / "x.html",
        person_id="P",
        as_of=dt.date(2024, 6, 30),
        unmask=True,
        purpose="test",
    )
    with chromium() as browser:
        page, watch = open_settled(browser, out.path)
        page.evaluate(
            "perpGraph.network.moveTo({position: perpGraph.network.getPositions(['person:P'])"
            "['person:P'], scale: 1.5})"
        )
        spot = page.evaluate(
            """() => {
              const p = perpGraph.network.getPositions(['person:P'])['person:P'];
              const dom = perpGraph.network.canvasToDOM(p);
              const box = document.querySelector('#network canvas').getBoundingClientRect();
              return {x: box.left + dom.x, y: box.top + dom.y};
            }"""
        )
        page.mouse.move(spot["x"], spot["y"])
        page.wait_for_selector("div.vis-tooltip", state="visible", timeout=5_000)
        tooltip_text = page.inner_text("div.vis-tooltip")
        tooltip_tags = page.evaluate(
            "[...document.querySelector('div.vis-tooltip').querySelectorAll('*')]"
            ".map(e => e.tagName)"
        )
        images = page.locator("img").count()
        page.click("summary")
        listed = page.inner_text("ul.people")
        page.close()
    assert watch.dialogs == [] and watch.errors == []
    assert hostile.upper() in tooltip_text
    assert set(tooltip_tags) <= {"BR"}, "the tooltip is text (line breaks only)"
    assert images == 0
    assert hostile in listed
