"""Headless Chromium for browser tests, driven by Playwright (never Playwright's own
browser download: the machine's Chromium, as `perp_graph.render.pdf` finds it)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from perp_graph.render.pdf import OFFLINE_FLAGS, find_browser
from tests.conftest import IN_CI, require_marker

#: Screenshots land here (CI can keep them); git ignores the folder.
ARTIFACTS = Path(os.environ.get("PERP_GRAPH_TEST_ARTIFACTS", "test-artifacts"))

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def browser_path() -> str:
    require_marker("browser")
    path = find_browser()
    if path:
        return path
    reason = "no Chromium: scripts/test installs it (apt-get install chromium) when run as root"
    if IN_CI:
        pytest.fail(f"CI must run the browser tests, but there is {reason}")
    pytest.skip(reason)


@contextmanager
def chromium() -> Iterator:
    """A headless browser that cannot reach any network."""
    from playwright.sync_api import sync_playwright

    flags = [f for f in OFFLINE_FLAGS if f != "--headless"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags.append("--no-sandbox")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path(), args=flags)
        try:
            yield browser
        finally:
            browser.close()


def generated_force(root: Path, seed: int, end: dt.date, incidents: int = 3_000):
    """Generated data loaded into an embedded store under root, and its packs (HTML only).
    Returns (settings, brief output)."""
    from perp_graph import api
    from perp_graph.pipeline.load import load_folder
    from perp_graph.settings import Settings
    from perp_graph.store.embedded import EmbeddedStore
    from perp_graph.synth import SynthConfig, generate

    generate(root / "data", SynthConfig(seed=seed, incidents=incidents, years=5, end_date=end))
    settings = Settings(workspace=root / "ws")
    load_folder(root / "data", EmbeddedStore(settings.workspace), settings)
    return settings, api.brief(settings, root / "all", as_of=end, pdf=False)


class PageWatch:
    """Every request a page makes (the file itself included) and every dialog it opens."""

    def __init__(self, page) -> None:
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        # Anything that is not a local file is refused before it leaves the browser.
        page.route("**/*", self._route)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    @staticmethod
    def _route(route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            route.abort()

    def external(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(("file://", "data:"))]
