"""PDFs of our HTML pages, printed by a headless Chromium-family browser.

Why a browser: the PDF is then the page the sergeant sees, laid out by the
same engine, and it is fast (a 150-page pack prints in about 5 s here, where
WeasyPrint took 23 s; a force's packs are thousands of pages). Chromium,
Chrome and Edge all print with `--headless --print-to-pdf`.

Why it fetches nothing: the pages carry a Content-Security-Policy of
`default-src 'none'` (no script, no remote style, images only from data:
URLs), and the browser runs with every background service off, host names
resolving to nothing and a proxy that does not exist, so even a request the
policy missed could not leave the machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from perp_graph.errors import OutputError

#: Browsers tried in this order when PERP_GRAPH_BROWSER is not set.
BROWSERS = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "microsoft-edge",
    "msedge",
)

#: Flags for a browser that must not talk to any network.
OFFLINE_FLAGS = (
    "--headless",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
    # Chromium sends loopback addresses around the proxy unless told not to.
    "--proxy-bypass-list=<-loopback>",
)

PRINT_TIMEOUT_SECONDS = 600


def find_browser() -> str | None:
    """The browser to print with: PERP_GRAPH_BROWSER, else the first of BROWSERS on PATH."""
    chosen = os.environ.get("PERP_GRAPH_BROWSER")
    if chosen:
        return shutil.which(chosen) or (chosen if Path(chosen).is_file() else None)
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def require_browser() -> str:
    """The browser that prints PDFs.

    Raises:
        OutputError: none was found; the message says what to install or to pass --no-pdf.
    """
    browser = find_browser()
    if browser is None:
        raise OutputError(
            "making PDFs needs Chromium, Chrome or Edge and none was found: install one "
            "(Debian/Ubuntu: apt-get install chromium) or set PERP_GRAPH_BROWSER to its path; "
            "or pass --no-pdf to write the HTML packs only"
        )
    return browser


def browser_flags(user_data_dir: Path) -> list[str]:
    """The browser's command-line flags: offline, a throwaway profile in `user_data_dir`, and
    no sandbox when running as root (containers)."""
    flags = [*OFFLINE_FLAGS, f"--user-data-dir={user_data_dir}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium's sandbox refuses to start as root; root is the norm in containers.
        flags.append("--no-sandbox")
    return flags


def print_pdf(browser: str, html_file: Path, pdf_file: Path) -> None:
    """Print one HTML file to a PDF file (writes `pdf_file`).

    Raises:
        OutputError: the browser failed, took over PRINT_TIMEOUT_SECONDS, or wrote no PDF.
    """
    with tempfile.TemporaryDirectory(prefix="perp-graph-browser-") as profile:
        command = [
            browser,
            *browser_flags(Path(profile)),
            "--no-pdf-header-footer",
            # Bookmarks from the headings (h1-h6): one per perpetrator (issue 16, clause 9).
            "--generate-pdf-document-outline",
            f"--print-to-pdf={pdf_file}",
            html_file.resolve().as_uri(),
        ]
        try:
            completed = subprocess.run(
                command,
                capture_output=True,
                timeout=PRINT_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise OutputError(
                f"{browser} took over {PRINT_TIMEOUT_SECONDS} s to print {html_file.name}"
            ) from None
    if completed.returncode != 0 or not _is_pdf(pdf_file):
        tail = completed.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise OutputError(
            f"{browser} could not print {html_file.name} to PDF (exit {completed.returncode}): "
            + " | ".join(tail)
        )


def print_pdfs(
    jobs: Sequence[tuple[Path, Path]],
    workers: int = 2,
    on_done: Callable[[], None] | None = None,
) -> None:
    """Print (html_file, pdf_file) pairs, `workers` browsers at a time; `on_done` is called
    after each PDF.

    Raises:
        OutputError: no browser was found, or one PDF could not be printed.
    """
    browser = require_browser()
    done = on_done or (lambda: None)

    def one(job: tuple[Path, Path]) -> None:
        print_pdf(browser, *job)
        done()

    with ThreadPoolExecutor(max(1, workers)) as pool:
        for _ in pool.map(one, jobs):
            pass


def _is_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(5) == b"%PDF-"
    except OSError:
        return False
