"""A briefing pack in a real browser (headless Chromium) and its PDF."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import threading

import pypdf
import pytest

from perp_graph import api
from perp_graph.analytics.dossier import display_name
from perp_graph.pipeline.load import load_folder
from perp_graph.render.pdf import print_pdf
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
from tests.pages import parse
from tests.records import Records

END = dt.date(2025, 3, 31)


@pytest.fixture(scope="module")
def briefings(tmp_path_factory):
    """Packs with PDFs for the smallest neighbourhood that has three perpetrators or more."""
    browser_path()
    root = tmp_path_factory.mktemp("briefing")
    settings, everything = generated_force(root, seed=3, end=END)
    sizes = {p.neighbourhood: sum(d.full for d in p.dossiers) for p in everything.packs}
    chosen = min((n for n, size in sizes.items() if size >= 3), key=lambda n: (sizes[n], n))
    return api.brief(settings, root / "b", neighbourhoods=[chosen], as_of=END)


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_a_pack_opens_offline_on_phone_and_desktop_and_loads_nothing_external(briefings, screen):
    pack = briefings.folder / briefings.packs[0].html_name
    viewport = PHONE if screen == "phone" else DESKTOP
    with chromium() as browser:
        page = browser.new_page(viewport=viewport)
        watch = PageWatch(page)
        page.goto(pack.as_uri())
        page.wait_for_load_state("load")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"briefing-{screen}.png"
        page.screenshot(path=str(shot), full_page=False)
        articles = page.locator("article.perpetrator").count()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        headings = page.locator("h1, h2, h3").count()
        page.close()
    assert watch.requests == [pack.as_uri()]
    assert watch.external() == []
    assert watch.errors == [] and watch.dialogs == []
    assert articles == sum(d.full for d in briefings.packs[0].dossiers) >= 3
    assert overflow <= 0, f"the page is {overflow}px wider than a {viewport['width']}px screen"
    assert headings > articles
    assert shot.stat().st_size > 10_000


def _outline(reader: pypdf.PdfReader) -> list[tuple[str, int]]:
    """Every bookmark, depth first: (title, page index)."""
    out = []

    def walk(items) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.append((item.title, reader.get_destination_page_number(item)))

    walk(reader.outline)
    return out


def test_the_pdf_starts_every_perpetrator_on_a_new_page(briefings):
    pack = briefings.packs[0]
    reader = pypdf.PdfReader(io.BytesIO((briefings.folder / pack.pdf_name).read_bytes()))
    pages = [page.extract_text() for page in reader.pages]
    bookmarks = dict(_outline(reader))
    starts = [bookmarks[display_name(d.surname, d.forenames)] for d in pack.dossiers if d.full]
    assert starts == sorted(set(starts)), "each perpetrator's section starts on its own page"
    assert starts[0] >= 1, "the shift sheet comes first"
    assert all("OFFICIAL-SENSITIVE" in text for text in pages)


def test_clause9_the_pdf_has_bookmarks_per_person_and_running_headers(briefings):
    pack = briefings.packs[0]
    reader = pypdf.PdfReader(io.BytesIO((briefings.folder / pack.pdf_name).read_bytes()))
    titles = [title for title, _page in _outline(reader)]
    for d in pack.dossiers:
        if d.full:
            assert display_name(d.surname, d.forenames) in titles
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 2
    assert all(pack.neighbourhood in text for text in pages[1:])  # the running header
    assert all("Records extracted on" in text for text in pages)
    # a dossier's continuation pages name the neighbourhood and the person at the top
    bookmarks = dict(_outline(reader))
    full = [d for d in pack.dossiers if d.full]
    starts = [bookmarks[display_name(d.surname, d.forenames)] for d in full]
    continued = 0
    for d, start, end in zip(full, starts, [*starts[1:], len(pages)], strict=True):
        for page in pages[start + 1 : end]:
            if "Historic, not high priority" in page or "How this list is made" in page:
                break
            header = f"{pack.neighbourhood}: {display_name(d.surname, d.forenames)} ({d.person_id})"
            assert header in " ".join(page.split()), d.person_id
            continued += 1
    assert continued


def test_clause1_the_first_printed_page_is_the_shift_sheet_with_every_release_within_7_days(
    tmp_path,
):
    browser_path()
    r = Records()
    for n in range(12):  # twelve who outscore those released
        p = f"T{n:02d}"
        r.person(p, home_neighbourhood="Northgate")
        for k in range(3):
            r.abuse(f"I{p}{k}", f"2026-{9 + k:02d}-{10 + n:02d}", p, f"V{p}{k}", "strangulation")
    released = {"C": "2026-12-04", "H": "2026-12-02", "R": "2026-11-27", "S": "2026-12-07"}
    for n, (p, end) in enumerate(released.items()):
        r.person(p, home_neighbourhood="Northgate")
        year = 2015 if p == "H" else 2024  # H is historic
        r.abuse(f"I{p}1", f"{year}-01-0{n + 1}", p, f"V{p}1")
        r.abuse(f"I{p}2", f"{year}-06-0{n + 1}", p, f"V{p}2")
        r.order(p, "custody", f"{year}-07-01", end)
    settings = Settings(workspace=tmp_path / "ws")
    load_folder(r.write(tmp_path / "data"), EmbeddedStore(settings.workspace), settings)
    out = api.brief(settings, tmp_path / "b", as_of=dt.date(2026, 11, 30))
    reader = pypdf.PdfReader(tmp_path / "b" / out.packs[0].pdf_name)
    first = reader.pages[0].extract_text()
    assert "Shift sheet" in first
    for person in released:
        assert f"({person})" in first, person
    assert "released in 4 days (04 Dec)" in " ".join(first.split())


def test_script_in_names_never_runs_in_the_browser(tmp_path):
    browser_path()
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    r = Records()
    r.person("P", surname=hostile, forenames=hostile, aliases=hostile, home_neighbourhood=hostile)
    r.abuse("I1", "2023-01-05", "P", "V1")
    r.abuse("I2", "2023-06-01", "P", "V2")
    settings = Settings(workspace=tmp_path / "ws")
    load_folder(r.write(tmp_path / "data"), EmbeddedStore(settings.workspace), settings)
    out = api.brief(settings, tmp_path / "b", as_of=dt.date(2024, 6, 30), pdf=False)
    for path in (out.index, out.folder / out.packs[0].html_name):
        with chromium() as browser:
            page = browser.new_page()
            watch = PageWatch(page)
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            text = page.inner_text("body")
            # The only images are the timelines we draw, from data: URLs.
            images = page.locator("img:not(.timeline-image)").count()
            sources = page.locator("img.timeline-image").evaluate_all(
                "images => images.map(i => i.getAttribute('src').slice(0, 26))"
            )
            scripts = page.locator("script").count()
            page.close()
        assert watch.dialogs == []
        assert (images, scripts) == (0, 0)
        assert set(sources) <= {"data:image/svg+xml;base64,"}
        assert hostile in text
        assert watch.external() == []
    assert parse(out.index.read_text()).tags  # the page parsed


def test_printing_a_pdf_fetches_nothing_even_from_this_machine(tmp_path):
    """The flags alone (no Content-Security-Policy in this page) keep the printer offline."""
    browser = browser_path()
    hits: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    html = tmp_path / "page.html"
    html.write_text(
        f'<p>hello</p><img src="http://127.0.0.1:{port}/a.png">'
        f'<img src="http://localhost:{port}/b.png"><img src="https://example.org/c.png">'
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/d.css">'
    )
    try:
        print_pdf(browser, html, tmp_path / "page.pdf")
    finally:
        server.shutdown()
        server.server_close()
    assert hits == []
    assert pypdf.PdfReader(tmp_path / "page.pdf").pages[0].extract_text().strip() == "hello"


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_issue16_the_shift_sheet_is_above_the_fold_and_nothing_overflows(briefings, screen):
    """Issue 16, "Measure and test": screenshots at 390 px and 1280 px of the shift sheet,
    a dossier and its timeline; the shift sheet starts on the first screen; nothing is
    wider than the screen, the timelines included."""
    pack = briefings.folder / briefings.packs[0].html_name
    viewport = PHONE if screen == "phone" else DESKTOP
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        page = browser.new_page(viewport=viewport)
        page.goto(pack.as_uri())
        page.wait_for_load_state("load")
        sheet = page.locator("#shift").bounding_box()
        page.screenshot(path=str(ARTIFACTS / f"issue16-shift-sheet-{screen}.png"))
        dossier = page.locator("article.perpetrator").first
        dossier.scroll_into_view_if_needed()
        dossier.screenshot(path=str(ARTIFACTS / f"issue16-dossier-{screen}.png"))
        timeline = dossier.locator("img.timeline-image")
        timeline.scroll_into_view_if_needed()
        timeline.screenshot(path=str(ARTIFACTS / f"issue16-timeline-{screen}.png"))
        box = timeline.bounding_box()
        loaded = timeline.evaluate("image => image.complete && image.naturalWidth > 0")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        page.close()
    assert sheet is not None and sheet["y"] < viewport["height"] / 2, sheet
    assert loaded
    assert box is not None and box["width"] <= viewport["width"]
    assert overflow <= 0, f"the page is {overflow}px wider than a {viewport['width']}px screen"
    for part in ("shift-sheet", "dossier", "timeline"):
        assert (ARTIFACTS / f"issue16-{part}-{screen}.png").stat().st_size > 2_000
