"""The problem profile as HTML pages with charts as images (SVG as data: URLs, so the pages
stay self-contained and fetch nothing; drawn by `render.profile_charts`), each chart
followed by its figures as a table for screen readers and for print.

Quarters that undercount (the records do not reach back far enough for the measure) are
drawn lighter and hatched, on a hatched band labelled "undercounts"; the partial last
quarter is dotted, on a band labelled with its days; the tables say both in a Note column,
so neither rests on colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from markupsafe import Markup

from perp_graph import wording
from perp_graph.analytics.profile import AreaProfile, Profile
from perp_graph.analytics.profile_actions import NEVER_SYNCED, ActionFigures
from perp_graph.analytics.profile_findings import MIN_INCIDENTS_FOR_RATE, ranked
from perp_graph.analytics.register import KIND_LABELS
from perp_graph.render.briefing import BriefingContext, _common, environment, stylesheet
from perp_graph.render.profile_charts import ACTION_COLOURS, Chart, _chart, charts


@dataclass(frozen=True)
class OversightView:
    """The oversight section of one area's page: why there are no figures (`missing`),
    else its charts, findings and, for the latest quarter, its figures by kind and by
    neighbourhood (label, then one cell per column)."""

    missing: str
    quarter: str = ""
    findings: tuple[str, ...] = ()
    charts: tuple[Chart, ...] = ()
    columns: tuple[str, ...] = ()
    by_kind: tuple[tuple[str, ...], ...] = ()
    by_neighbourhood: tuple[tuple[str, ...], ...] = ()

    @property
    def summary(self) -> str:
        """The line the key findings show: all actions in the latest quarter, or why there
        are no figures."""
        return self.findings[0] if self.findings else self.missing


#: The by-kind and by-neighbourhood tables' figure columns.
_TABLE = (
    ("raised", "Raised"),
    ("done_on_time", "Done on time"),
    ("done_late", "Done late"),
    ("declined", "Declined"),
    ("missed", "Missed"),
    ("overdue_at_end", "Overdue at the quarter's end"),
)


def _row(label: str, f: ActionFigures, q: int) -> tuple[str, ...]:
    values = f.at(q)
    cells = [f"{values[name] or 0:,}" for name, _ in _TABLE]
    ended = (values["done_on_time"] or 0) + (values["done_late"] or 0) + (values["missed"] or 0)
    share = f"{(values['done_on_time'] or 0) / ended * 100:.0f}%" if ended else "none ended"
    return (label, *cells, share)


def oversight_view(profile: Profile, area: AreaProfile) -> OversightView:
    """The action register's oversight on one area's page (profile_actions): charts from
    the register's first quarter, tables for the latest quarter."""
    actions = area.actions
    if actions is None or not actions.synced:
        return OversightView(NEVER_SYNCED)
    periods = profile.quarters
    n = len(periods)
    if actions.first >= n:
        return OversightView(" ".join(actions.findings) or NEVER_SYNCED)
    shown = range(actions.first, n)
    labels = [periods[q].label for q in shown]

    def series(name: str) -> list[int]:
        return [actions.total.series(name)[q] or 0 for q in shown]

    partial = profile.latest.partial_note()
    charts = (
        _chart(
            "Actions ended, by how (done on time, done late, missed, declined)",
            labels,
            {
                "done on time": series("done_on_time"),
                "done late": series("done_late"),
                "missed": series("missed"),
                "declined": series("declined"),
            },
            stacked=True,
            colours=ACTION_COLOURS,
            partial=partial,
        ),
        _chart(
            "Actions raised, and overdue and open at the quarter's end",
            labels,
            {"raised": series("raised"), "overdue at the end": series("overdue_at_end")},
            stacked=False,
            partial=partial,
        ),
    )
    q = n - 1
    return OversightView(
        missing="",
        quarter=periods[q].label
        + (f" (partial: {periods[q].partial_note()})" if periods[q].partial else ""),
        findings=tuple(actions.findings),
        charts=charts,
        columns=(*(title for _, title in _TABLE), "Done on time of those ended"),
        by_kind=tuple(
            _row(KIND_LABELS.get(kind, kind), f, q) for kind, f in actions.by_kind.items()
        ),
        by_neighbourhood=tuple(_row(name, f, q) for name, f in actions.by_neighbourhood.items()),
    )


def history_notes(profile: Profile) -> list[str]:
    """Why some quarters are greyed, in words: the records' start and, for each measure,
    the first quarter it counts in full."""
    h = profile.history
    if h.records_start is None:
        return []
    periods = profile.quarters
    start = wording.day(h.records_start)
    notes = []
    first = h.first_complete(h.serial, periods)
    if first != periods[0].label:
        before = f"quarters before {first}" if first else "every quarter"
        notes.append(
            f"Serial counts need {h.window_years} years of records; the records start "
            f"{start}, so {before} undercount."
        )
    first = h.first_complete(h.repeat, periods)
    if first != periods[0].label:
        before = f"quarters before {first}" if first else "every quarter"
        notes.append(
            f"Repeat victims need 12 months of records before the quarter, so {before} undercount."
        )
    short = [q.label for q, ok in zip(periods, h.records, strict=True) if not ok]
    if short:
        notes.append(f"The records start within {', '.join(short)}, so every count there is short.")
    return notes


@cache
def profile_stylesheet() -> Markup:
    """The house stylesheet and the profile's own (findings, greyed and partial rows)."""
    own = resources.files("perp_graph.render").joinpath("static/profile.css").read_text("utf-8")
    return Markup(str(stylesheet()) + "\n" + own)


def render_profile_page(
    profile: Profile,
    area: AreaProfile,
    context: BriefingContext,
    links: Sequence[tuple[str, str]] = (),
    back_href: str | None = None,
) -> str:
    """One area's page: its key findings, its charts and figures (and, for the force, each
    area's figures and rates with a link to its page)."""
    latest = len(profile.quarters) - 1
    order = {a.name: n for n, a in enumerate(ranked(profile.neighbourhoods), 1)}
    return (
        environment()
        .get_template("profile.html")
        .render(
            **(_common(context) | {"css": profile_stylesheet()}),
            profile=profile,
            area=area,
            latest=latest,
            charts=charts(profile, area),
            oversight=oversight_view(profile, area),
            history_notes=history_notes(profile),
            rank=order,
            links=links,
            back_href=back_href,
            day=wording.day,
            min_incidents=MIN_INCIDENTS_FOR_RATE,
        )
    )
