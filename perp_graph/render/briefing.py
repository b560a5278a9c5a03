"""Briefing packs: one self-contained HTML page per neighbourhood, a PDF of the same HTML,
and an index page.

Templates are Jinja2 with autoescape on, so every name, alias and id is text,
never markup. The pages fetch nothing: styles are inline, there is no script,
and a Content-Security-Policy forbids any other source. PDFs are printed from
the same HTML by `render.pdf`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from perp_graph import __version__
from perp_graph.analytics.dossier import (
    ENDING_SOON_DAYS,
    Dossier,
    PersonRef,
    display_name,
)
from perp_graph.analytics.routing import WarningView
from perp_graph.model import ScanParameters


@dataclass(frozen=True)
class BriefingContext:
    """What every page of one run shares."""

    parameters: ScanParameters
    generated_at: dt.datetime
    store: str
    unmask: bool = False
    purpose: str | None = None


@dataclass(frozen=True)
class Pack:
    """One neighbourhood's pack: its file names and what it holds."""

    neighbourhood: str
    slug: str
    dossiers: tuple[Dossier, ...]
    warnings: tuple[WarningView, ...] = ()

    @property
    def html_name(self) -> str:
        """The pack's HTML file name (in the briefings folder)."""
        return f"{self.slug}.html"

    @property
    def pdf_name(self) -> str:
        """The pack's PDF file name (in the briefings folder)."""
        return f"{self.slug}.pdf"

    @property
    def current(self) -> int:
        """How many of the pack's perpetrators are current."""
        return sum(d.status == "current" for d in self.dossiers)

    @property
    def historic(self) -> int:
        """How many of the pack's perpetrators are historic."""
        return sum(d.status == "historic" for d in self.dossiers)

    @property
    def ending_soon(self) -> int:
        """How many of the pack's perpetrators have an order or custody ending soon."""
        return sum(bool(d.ending_soon) for d in self.dossiers)


def slugs(names: Sequence[str]) -> dict[str, str]:
    """A file-name-safe, unique slug per neighbourhood name ([a-z0-9-] only, so a name can
    never lead a path out of the output folder)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in sorted(names):
        base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "neighbourhood"
        slug = base
        if slug in taken or slug == "index":
            slug = f"{base}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"
        taken.add(slug)
        out[name] = slug
    return out


# --- templates ---------------------------------------------------------------------------------


def _date(value: dt.date | None) -> str:
    return f"{value:%d %b %Y}" if value else ""


def _month(value: dt.date) -> str:
    return f"{value:%B %Y}"


def _datetime(value: dt.datetime) -> str:
    return f"{value:%d %b %Y %H:%M} UTC"


def _category(value: str) -> str:
    return value.replace("_", " ")


def _person(ref: PersonRef, unmask: bool) -> str:
    return ref.label(unmask)


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of every page: package templates, autoescape on, undefined
    names an error, and the house's date and name filters."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("perp_graph.render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        date=_date, month=_month, datetime=_datetime, category=_category, person=_person
    )
    env.globals["display_name"] = display_name
    return env


@cache
def stylesheet() -> Markup:
    """Our own stylesheet, inlined into every page."""
    css = resources.files("perp_graph.render").joinpath("static/briefing.css").read_text("utf-8")
    return Markup(css)


def _common(context: BriefingContext) -> dict[str, Any]:
    return {
        "css": stylesheet(),
        "version": __version__,
        "generated_at": context.generated_at,
        "store": context.store,
        "parameters": context.parameters,
        "unmask": context.unmask,
        "purpose": context.purpose,
        "ending_soon_days": ENDING_SOON_DAYS,
    }


def render_pack(
    pack: Pack,
    context: BriefingContext,
    network_href: Mapping[str, str] | None = None,
    index_href: str = "index.html",
) -> str:
    """One neighbourhood's pack as a self-contained HTML page."""
    return (
        environment()
        .get_template("pack.html")
        .render(
            **_common(context),
            neighbourhood=pack.neighbourhood,
            dossiers=pack.dossiers,
            warnings=pack.warnings,
            current=pack.current,
            historic=pack.historic,
            ending_soon=pack.ending_soon,
            network_href=dict(network_href or {}),
            index_href=index_href,
        )
    )


def render_index(packs: Sequence[Pack], context: BriefingContext, pdf: bool) -> str:
    """The index page: every neighbourhood with its counts and links to its pack."""
    everyone = {d.person_id: d.status for p in packs for d in p.dossiers}
    rows = [
        {
            "name": p.neighbourhood,
            "html": p.html_name,
            "pdf": p.pdf_name if pdf else None,
            "current": p.current,
            "historic": p.historic,
            "ending_soon": p.ending_soon,
            "warnings": len(p.warnings),
        }
        for p in sorted(packs, key=lambda p: p.neighbourhood.casefold())
    ]
    totals = {
        "current": sum(s == "current" for s in everyone.values()),
        "historic": sum(s == "historic" for s in everyone.values()),
    }
    return (
        environment()
        .get_template("index.html")
        .render(**_common(context), rows=rows, totals=totals)
    )
