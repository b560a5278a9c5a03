"""`perp-graph serve`: a folder of briefings and network pages over HTTP, on this machine only.

Bound to 127.0.0.1, never to a network interface: the pages hold personal data,
and anyone who can reach the port can read them. Hidden files and folders
(such as a briefing run's private staging folder) are not served. Requests are
logged by path (file names carry ids, not names).
"""

from __future__ import annotations

import logging
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from perp_graph.errors import ConfigError

LOOPBACK = "127.0.0.1"
log = logging.getLogger(__name__)


class _Handler(SimpleHTTPRequestHandler):
    """Static files, no hidden paths, headers that keep the pages to this browser."""

    def send_head(self):
        path = unquote(urlsplit(self.path).path)
        if any(part.startswith(".") for part in path.split("/") if part):
            self.send_error(HTTPStatus.NOT_FOUND, "Not found")
            return None
        return super().send_head()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        log.info("%s %s", self.address_string(), format % args)


def make_server(folder: Path, port: int = 8000) -> ThreadingHTTPServer:
    """A server for `folder` on 127.0.0.1:port (port 0: any free port)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"{folder} is not a folder; give the folder perp-graph brief wrote")
    handler = partial(_Handler, directory=str(folder.resolve()))
    try:
        return ThreadingHTTPServer((LOOPBACK, port), handler)
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {LOOPBACK}:{port} ({exc.strerror}); try --port"
        ) from None
