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
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from perp_graph import __version__
from perp_graph.analytics.dossier import Dossier
from perp_graph.analytics.dossier_parts import ENDING_SOON_DAYS, SHIFT_DAYS, PersonRef, display_name
from perp_graph.analytics.register import CLOSED_BY_USERS, KIND_LABELS, Item
from perp_graph.analytics.register_items import closing_change
from perp_graph.analytics.routing import WarningView
from perp_graph.model import Contact, PrioritySettings, ScanParameters
from perp_graph.wording import count, day, day_short, days_from, moment

#: How many of the highest priority the shift sheet lists.
SHIFT_TOP = 10

#: The badges a pack shows against the last pack (issue 16, clause 1).
BADGES = ("NEW", "RELEASED", "SCORE UP")

#: What a done item says was done, per kind: "Clare's Law disclosure made 12 Nov 2024 by
#: j.smith" (issue 17 clause 3).
DONE_WORDS: dict[str, str] = {
    "settle_duplicate": "Possible duplicate victim settled",
    "review_counter_allegation": "Counter-allegations reviewed",
    "recontact_victims_before_release": "Victims re-contacted before the release",
    "recontact_victims_after_release": "Victims re-contacted after the release",
    "find_release_date": "Release date found",
    "clares_law_disclosure": "Clare's Law disclosure made",
    "matac_referral": "MATAC referral made",
    "marac_referral": "MARAC referral made",
    "firearms_licensing_review": "Firearms licensing reviewed",
    "childrens_safeguarding": "Children's safeguarding referral made",
    "protective_order": "Protective orders sought",
}


# --- the action register in a pack (issue 17 clause 3) -------------------------------------------


@dataclass(frozen=True)
class RegisterState:
    """The action register as a brief or a meeting read it: the items of the people it
    shows (every status, with their history) and the day of the last sync (None: never
    synced)."""

    items: tuple[Item, ...] = ()
    last_sync: dt.date | None = None


@dataclass(frozen=True)
class ActionLine:
    """One line of a perpetrator's to-do list: a register item (`item`: its id, owner, due
    date; `overdue` on the pack's date), or an action the dossier recommends that the
    register does not hold yet (`item` None: not yet synced)."""

    kind: str
    text: str
    reason: str
    urgent: bool = False
    item: Item | None = None
    overdue: bool = False


@dataclass(frozen=True)
class PastAction:
    """A closed item as a pack's history shows it: `words` say what was done, when and by
    whom; `note` is the closing note when the page may show it, else None."""

    item: Item
    words: str
    note: str | None = None


@dataclass(frozen=True)
class PersonActions:
    """One perpetrator's actions in a pack: the to-do list (overdue first, then most urgent
    first) and what was done or closed (latest first)."""

    todo: tuple[ActionLine, ...] = ()
    history: tuple[PastAction, ...] = ()

    @property
    def overdue(self) -> tuple[ActionLine, ...]:
        """The register's items on the to-do list that are past their due date."""
        return tuple(a for a in self.todo if a.overdue)


def person_actions(
    dossier: Dossier, items: Iterable[Item], as_of: dt.date, *, unmask: bool = False
) -> PersonActions:
    """A perpetrator's to-do list and history from what their dossier recommends
    (Dossier.actions) and the register's items, never saying one thing twice.

    Per recommended action (person, kind and key, as the register matches them): its open
    item when there is one (the recommendation's current wording, the item's id, owner and
    due date); nothing when the last item is done or declined and its reason never went
    (the history shows it); else the recommendation itself, not yet synced. Open items
    no longer recommended stay on the list until a sync supersedes them. Overdue items
    come first (on `as_of`), the rest keep the dossier's most-urgent-first order.

    The history holds done and declined items, and superseded ones that were still open
    after their due date (a missed re-contact stays visible). A user's closing note may
    name someone, so it is shown only on unmasked pages; a sync's notes carry ids only.
    """
    mine = sorted(
        (i for i in items if i.person_id == dossier.person_id), key=lambda i: (i.raised_on, i.id)
    )
    by_triple: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for item in mine:
        by_triple[(item.kind, item.key)].append(item)
    todo: list[ActionLine] = []
    shown: set[str] = set()
    for action in dossier.actions:
        history = by_triple.get((action.kind, action.key), []) if action.kind else []
        open_items = [i for i in history if i.is_open and i.id not in shown]
        if open_items:
            for item in open_items:
                shown.add(item.id)
                todo.append(
                    ActionLine(
                        action.kind,
                        action.text,
                        action.reason,
                        action.urgent,
                        item,
                        item.overdue(as_of),
                    )
                )
            continue
        if any(i.is_open for i in history):
            continue  # the dossier repeats an action: its item is listed already
        last = history[-1] if history else None
        if last is not None and last.status in CLOSED_BY_USERS and last.lapsed_on is None:
            continue
        todo.append(ActionLine(action.kind, action.text, action.reason, action.urgent))
    for item in mine:
        if item.is_open and item.id not in shown:
            shown.add(item.id)
            todo.append(
                ActionLine(item.kind, item.text, item.reason, False, item, item.overdue(as_of))
            )
    todo.sort(key=lambda a: not a.overdue)  # stable: the urgency order stays within each
    past = [p for p in (past_action(i, unmask=unmask) for i in mine) if p is not None]
    past.sort(key=lambda p: (p.item.closed_on or dt.date.min, p.item.id), reverse=True)
    return PersonActions(tuple(todo), tuple(past))


def past_action(item: Item, *, unmask: bool = False) -> PastAction | None:
    """How a pack's history names a closed item ("Clare's Law disclosure made 12 Nov 2024
    by j.smith"), or None for an open item or one superseded before its due date."""
    if item.is_open:
        return None
    label = KIND_LABELS.get(item.kind, item.kind)
    if item.status == "superseded":
        closed = item.closed_on
        if closed is None or item.due_by >= closed:
            return None
        # the sync's note says why, with ids and dates only
        return PastAction(item, f"{label}: superseded {day(closed)}", item.note)
    closing = closing_change(item)
    when = day(closing.at.date()) if closing else day(item.closed_on)
    who = closing.user if closing else item.changed_by
    if item.status == "done":
        words = f"{DONE_WORDS.get(item.kind, label + ' done')} {when} by {who}"
    else:
        words = f"{label} declined {when} by {who}"
    note = (closing.note if closing else item.note) if unmask else None
    return PastAction(item, words, note or None)


def register_actions(
    dossiers: Iterable[Dossier], state: RegisterState, as_of: dt.date, *, unmask: bool
) -> dict[str, PersonActions]:
    """Person id -> their actions (person_actions) for each dossier."""
    by_person: dict[str, list[Item]] = defaultdict(list)
    for item in state.items:
        by_person[item.person_id].append(item)
    return {
        d.person_id: person_actions(d, by_person.get(d.person_id, ()), as_of, unmask=unmask)
        for d in dossiers
    }


def kind_label(kind: str) -> str:
    """An action kind in a few words (analytics.register.KIND_LABELS)."""
    return KIND_LABELS.get(kind, kind.replace("_", " "))


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
    #: person id -> their actions: the register's items and what is not yet synced
    actions: Mapping[str, PersonActions] = field(default_factory=dict)
    #: the day of the register's last sync (None: never synced)
    register_synced: dt.date | None = None

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
    def overdue_actions(self) -> list[tuple[Dossier, ActionLine]]:
        """The register's items past their due date, of every perpetrator in the pack."""
        return [(d, a) for d, a in self.due_actions if a.overdue]

    @property
    def due_actions(self) -> list[tuple[Dossier, ActionLine]]:
        """The register's open items overdue or due within SHIFT_DAYS of the as-of date,
        overdue first, each by due date (the shift sheet's first list)."""
        due: list[tuple[bool, dt.date, str, Dossier, ActionLine]] = []
        for d in self.dossiers:
            for a in self.actions.get(d.person_id, PersonActions()).todo:
                item = a.item
                if item is not None and (item.due_by - d.parameters.as_of).days <= SHIFT_DAYS:
                    due.append((not a.overdue, item.due_by, item.id, d, a))
        due.sort(key=lambda row: row[:3])
        return [(d, a) for *_, d, a in due]

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
    env.globals.update(
        display_name=display_name, count=count, days_from=days_from, kind_label=kind_label
    )
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
            neighbourhood_pack=True,
            actions=pack.actions,
            register_synced=pack.register_synced,
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
            "overdue": len(p.overdue_actions),
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
