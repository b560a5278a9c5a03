"""A briefing pack in a real browser (headless Chromium) and its PDF."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import threading

import pypdf
import pytest

from perp_graph import api
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
    sizes = {p.neighbourhood: len(p.dossiers) for p in everything.packs}
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
    assert articles == len(briefings.packs[0].dossiers) >= 3
    assert overflow <= 0, f"the page is {overflow}px wider than a {viewport['width']}px screen"
    assert headings > articles
    assert shot.stat().st_size > 10_000


def test_the_pdf_starts_every_perpetrator_on_a_new_page(briefings):
    pack = briefings.packs[0]
    reader = pypdf.PdfReader(io.BytesIO((briefings.folder / pack.pdf_name).read_bytes()))
    pages = [page.extract_text() for page in reader.pages]
    starts = []
    for rank, dossier in enumerate(pack.dossiers, start=1):
        heading = f"{rank}. {dossier.surname.upper()}, "
        starts.append(next(i for i, text in enumerate(pages) if heading in text))
    assert starts == sorted(set(starts)), "each perpetrator's section starts on its own page"
    assert starts[0] >= 1, "the cover and summary come first"
    assert len(pages) >= len(pack.dossiers) + 1
    assert all("OFFICIAL-SENSITIVE" in text for text in pages)


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
            images = page.locator("img").count()
            scripts = page.locator("script").count()
            page.close()
        assert watch.dialogs == []
        assert (images, scripts) == (0, 0)
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
