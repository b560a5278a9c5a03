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
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from perp_graph import __version__
from perp_graph.analytics.dossier import Dossier
from perp_graph.analytics.dossier_parts import ENDING_SOON_DAYS, SHIFT_DAYS, PersonRef, display_name
from perp_graph.analytics.routing import WarningView
from perp_graph.model import Contact, PrioritySettings, ScanParameters
from perp_graph.wording import count, day, day_short, days_from, moment

#: How many of the highest priority the shift sheet lists.
SHIFT_TOP = 10

#: The badges a pack shows against the last pack (issue 16, clause 1).
BADGES = ("NEW", "RELEASED", "SCORE UP")


@dataclass(frozen=True)
class BriefingContext:
    """What every page of one run shares."""

    parameters: ScanParameters
    generated_at: dt.datetime
    store: str
    unmask: bool = False
    purpose: str | None = None
    #: the day the records were extracted (the last load's date), printed on every page
    extracted_on: dt.date | None = None
    #: the latest incident date in the store: a stale extract shows here
    latest_record_on: dt.date | None = None
    #: who to call (config [contacts])
    contacts: tuple[Contact, ...] = ()
    #: the as-of date of the pack the badges compare with (None: no earlier pack)
    compared_with: str | None = None
    #: the bands printed in "how this list is made"
    priority_settings: PrioritySettings = field(default_factory=PrioritySettings)


@dataclass(frozen=True)
class Pack:
    """One neighbourhood's pack: its file names and what it holds."""

    neighbourhood: str
    slug: str
    dossiers: tuple[Dossier, ...]
    warnings: tuple[WarningView, ...] = ()
    #: person id -> badges against the last pack (NEW, RELEASED, SCORE UP)
    badges: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: person id -> a timeline image (SVG markup drawn server-side, render/timeline.py);
    #: a dossier shows one only when present
    timelines: Mapping[str, Markup] = field(default_factory=dict)

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

    @property
    def within_shift(self) -> list[Dossier]:
        """Released in the last SHIFT_DAYS days, or custody or an order ending within
        them, current or historic: the soonest first."""
        near = [
            d
            for d in self.dossiers
            if d.release_days is not None and abs(d.release_days) <= SHIFT_DAYS
        ]
        return sorted(near, key=lambda d: (abs(d.release_days or 0), d.person_id))

    @property
    def within_month(self) -> list[Dossier]:
        """Custody or an order ending after SHIFT_DAYS and within ENDING_SOON_DAYS days."""
        later = [
            d for d in self.dossiers if d.release_days is not None and d.release_days > SHIFT_DAYS
        ]
        return sorted(later, key=lambda d: (d.release_days or 0, d.person_id))

    @property
    def top(self) -> list[Dossier]:
        """The SHIFT_TOP current perpetrators of highest priority, in pack order."""
        return [d for d in self.dossiers if d.status == "current"][:SHIFT_TOP]

    @property
    def changed(self) -> list[Dossier]:
        """Those with a badge against the last pack, in pack order."""
        return [d for d in self.dossiers if self.badges.get(d.person_id)]

    @property
    def ranks(self) -> dict[str, tuple[int, int]]:
        """Person id -> (rank, of how many) among the pack's current perpetrators."""
        current = [d.person_id for d in self.dossiers if d.status == "current"]
        return {p: (n, len(current)) for n, p in enumerate(current, start=1)}


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
    return day(value)


def _month(value: dt.date) -> str:
    return f"{value:%B %Y}"


def _number(value: float) -> str:
    """A figure as a reader counts it: "2,355", "12.5" (never "2355.0")."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def css_string(value: str) -> Markup:
    """`value` as a quoted CSS string for a stylesheet (every character that is not a
    letter, digit or space escaped, so a name can never end the string or the style)."""
    escaped = "".join(
        c if (c.isalnum() and c.isascii()) or c == " " else f"\\{ord(c):06x}" for c in value
    )
    return Markup(f'"{escaped}"')


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
        date=_date,
        short=day_short,
        month=_month,
        datetime=moment,
        category=_category,
        person=_person,
        number=_number,
        css_string=css_string,
    )
    env.globals.update(display_name=display_name, count=count, days_from=days_from)
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
        "shift_days": SHIFT_DAYS,
        "extracted_on": context.extracted_on,
        "latest_record_on": context.latest_record_on,
        "contacts": context.contacts,
        "compared_with": context.compared_with,
        "extract_line": extract_line(context),
        "high_at": context.priority_settings.high_at,
        "medium_at": context.priority_settings.medium_at,
    }


def extract_line(context: BriefingContext) -> str:
    """ "Records extracted on 30 Nov 2026, latest record 29 Nov 2026": on the cover and
    every printed page (a stale extract is dangerous)."""
    line = (
        f"Records extracted on {day(context.extracted_on)}"
        if context.extracted_on
        else "Extraction date not recorded"
    )
    if context.latest_record_on:
        line += f", latest record {day(context.latest_record_on)}"
    return line


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
            pack=pack,
            dossiers=pack.dossiers,
            full=[d for d in pack.dossiers if d.full],
            compact=[d for d in pack.dossiers if not d.full],
            badges=pack.badges,
            timelines=pack.timelines,
            ranks=pack.ranks,
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
