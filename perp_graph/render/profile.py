"""The problem profile as HTML pages with charts as images (SVG as data: URLs, so the pages
stay self-contained and fetch nothing), each chart followed by its figures as a table for
screen readers and for print.

Quarters that undercount (the records do not reach back far enough for the measure) are
drawn lighter and hatched, on a hatched band labelled "undercounts"; the partial last
quarter is dotted, on a band labelled with its days; the tables say both in a Note column,
so neither rests on colour alone.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import matplotlib

matplotlib.use("Agg")  # no display: files only

import matplotlib.pyplot as plt
from markupsafe import Markup
from matplotlib.artist import Artist
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from perp_graph import wording
from perp_graph.analytics.profile import AreaProfile, Profile
from perp_graph.analytics.profile_actions import NEVER_SYNCED, ActionFigures
from perp_graph.analytics.profile_findings import MIN_INCIDENTS_FOR_RATE, ranked
from perp_graph.analytics.register import KIND_LABELS
from perp_graph.render.briefing import BriefingContext, _common, environment, stylesheet

# Colour-blind-safe (Okabe-Ito), in a fixed order so a series keeps its colour.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#999999", "#000000")
RISK_COLOURS = {
    "high": "#D55E00",
    "medium": "#E69F00",
    "standard": "#56B4E9",
    "not recorded": "#BBBBBB",
}
# The action register's outcomes (Okabe-Ito): on time bluish green, late orange, missed
# vermilion, declined grey; the legend and the figures table name each.
ACTION_COLOURS = {
    "done on time": "#009E73",
    "done late": "#E69F00",
    "missed": "#D55E00",
    "declined": "#999999",
}
UNDERCOUNT_BAND = "#EEEEEE"
UNDERCOUNT_HATCH = "///"
PARTIAL_HATCH = "..."


@dataclass(frozen=True)
class Chart:
    """One chart of the profile page: an SVG data: URL, its alternative text, and the same
    figures as a table (one row per quarter)."""

    title: str
    image: str  # data: URL
    alt: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # one per quarter: label, values..., note
    kinds: tuple[str, ...] = ()  # one per row: "undercount", "partial" or ""


def _svg(figure: plt.Figure) -> str:
    buffer = io.BytesIO()
    # No date or software id in the file: the same figures give the same bytes.
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(figure)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _chart(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[int]],
    *,
    stacked: bool,
    colours: Mapping[str, str] | None = None,
    undercount: Sequence[bool] = (),
    why: str = "",
    partial: str = "",
) -> Chart:
    """One chart and its table. `undercount[q]`: quarter q lacks the records the measure
    needs (`why` says which), drawn lighter and hatched; `partial`: the last quarter's days
    ("to 30 Nov 2026, 61 of 92 days"), drawn dotted; "" when it is complete."""
    n = len(labels)
    under = [bool(u) for u in undercount] or [False] * n
    last_partial = bool(partial) and n > 0
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "perp-graph"}):
        figure, axes = plt.subplots(figsize=(8, 3.2), dpi=100)
        x = list(range(n))
        _bands(axes, under, last_partial)
        bottom = [0] * n
        for k, (name, values) in enumerate(series.items()):
            colour = _colour(colours, name, k)
            if stacked:
                _bars(axes, x, values, bottom, colour, under, last_partial)
                bottom = [b + v for b, v in zip(bottom, values, strict=True)]
            else:
                _line(axes, x, values, colour, under, last_partial)
        step = max(1, n // 10)
        axes.set_xticks(x[::step], list(labels)[::step], fontsize=8)
        axes.tick_params(axis="y", labelsize=8)
        # Headroom for the bands' labels above the tallest value.
        axes.set_ylim(bottom=0, top=max(1.0, axes.get_ylim()[1]) * 1.12)
        axes.spines[["top", "right"]].set_visible(False)
        handles: list[Artist] = [
            Patch(facecolor=_colour(colours, name, k), label=name)
            if stacked
            else Line2D(
                [], [], color=_colour(colours, name, k), marker="o", markersize=3, label=name
            )
            for k, name in enumerate(series)
        ]
        if any(under):
            handles.append(
                Patch(
                    facecolor=UNDERCOUNT_BAND,
                    hatch=UNDERCOUNT_HATCH,
                    edgecolor="#777777",
                    label="undercounts (hatched, lighter)",
                )
            )
        if last_partial:
            handles.append(
                Patch(
                    facecolor="white",
                    hatch=PARTIAL_HATCH,
                    edgecolor="#000000",
                    label="partial quarter (dotted)",
                )
            )
        # The legend above the plot, clear of the bars and the bands' labels.
        rows = 0
        if len(handles) > 1:
            columns = min(len(handles), 4)
            rows = -(-len(handles) // columns)
            figure.legend(
                handles=handles,
                fontsize=8,
                frameon=False,
                loc="upper left",
                bbox_to_anchor=(0.07, 1.0),
                ncols=columns,
            )
        # Fixed margins rather than tight_layout, which draws every chart twice.
        figure.subplots_adjust(left=0.08, right=0.99, top=0.95 - 0.075 * rows, bottom=0.1)
        image = _svg(figure)
    names = tuple(series)
    notes = [
        f"partial: {partial}"
        if last_partial and q == n - 1
        else f"undercounts: {why}"
        if under[q]
        else ""
        for q in range(n)
    ]
    kinds = tuple(
        "partial" if last_partial and q == n - 1 else "undercount" if under[q] else ""
        for q in range(n)
    )
    rows = tuple(
        (label, *(f"{series[name][q]:,}" for name in names), notes[q])
        for q, label in enumerate(labels)
    )
    latest = ", ".join(f"{name} {series[name][-1]:,}" for name in names) if labels else ""
    alt = f"{title}, by quarter from {labels[0]} to {labels[-1]}" if labels else title
    if any(under):
        last_under = max(q for q in range(n) if under[q])
        span = labels[0] if last_under == 0 else f"{labels[0]} to {labels[last_under]}"
        alt += f"; {span} undercount ({why}), drawn hatched"
    alt += "; latest quarter"
    if last_partial:
        alt += f" ({partial}, drawn dotted)"
    alt += f": {latest}."
    return Chart(title, image, alt, ("Quarter", *names, "Note"), rows, kinds)


def _colour(colours: Mapping[str, str] | None, name: str, k: int) -> str:
    """A series' colour: its own, or the palette's k-th."""
    return (colours or {}).get(name, PALETTE[k % len(PALETTE)])


def _bands(axes: plt.Axes, under: Sequence[bool], last_partial: bool) -> None:
    """Hatched bands behind the quarters that undercount and the partial one, labelled."""
    n = len(under)
    q = 0
    while q < n:
        if under[q] and not (last_partial and q == n - 1):
            end = q
            while end + 1 < n and under[end + 1] and not (last_partial and end + 1 == n - 1):
                end += 1
            axes.axvspan(
                q - 0.5,
                end + 0.5,
                facecolor=UNDERCOUNT_BAND,
                hatch=UNDERCOUNT_HATCH,
                edgecolor="#CCCCCC",
                linewidth=0,
                zorder=0,
            )
            axes.text(
                (q + end) / 2,
                0.98,
                "undercounts",
                transform=axes.get_xaxis_transform(),
                ha="center",
                va="top",
                fontsize=7,
                color="#555555",
            )
            q = end + 1
        else:
            q += 1
    if last_partial:
        axes.axvspan(
            n - 1.5,
            n - 0.5,
            facecolor="white",
            hatch=PARTIAL_HATCH,
            edgecolor="#BBBBBB",
            linewidth=0,
            zorder=0,
        )
        axes.text(
            n - 1,
            0.98,
            "partial",
            transform=axes.get_xaxis_transform(),
            ha="center",
            va="top",
            fontsize=7,
            color="#555555",
        )


def _bars(
    axes: plt.Axes,
    x: Sequence[int],
    values: Sequence[int],
    bottom: Sequence[int],
    colour: str,
    under: Sequence[bool],
    last_partial: bool,
) -> None:
    """One stacked series: complete quarters solid, undercounting ones lighter and hatched,
    the partial one dotted with a black edge."""
    n = len(x)
    for q in range(n):
        partial = last_partial and q == n - 1
        kind = {
            "color": colour,
            "width": 0.8,
        }
        if partial:
            kind |= {"alpha": 0.6, "hatch": PARTIAL_HATCH, "edgecolor": "#000000"}
        elif under[q]:
            kind |= {"alpha": 0.4, "hatch": UNDERCOUNT_HATCH, "edgecolor": "#444444"}
        axes.bar(x[q], values[q], bottom=bottom[q], linewidth=0.5, zorder=2, **kind)


def _line(
    axes: plt.Axes,
    x: Sequence[int],
    values: Sequence[int],
    colour: str,
    under: Sequence[bool],
    last_partial: bool,
) -> None:
    """One line: solid with filled marks over complete quarters, dashed and lighter with
    hollow marks where it undercounts, dotted to a hollow square for the partial quarter."""
    n = len(x)
    end = n - 1 if last_partial else n  # quarters before the partial one
    for q in range(max(0, end - 1)):
        style = "--" if under[q] or under[q + 1] else "-"
        axes.plot(
            x[q : q + 2],
            values[q : q + 2],
            linestyle=style,
            color=colour,
            alpha=0.45 if style == "--" else 1,
            zorder=3,
        )
    complete = [q for q in range(end) if not under[q]]
    lacking = [q for q in range(end) if under[q]]
    axes.plot(
        [x[q] for q in complete],
        [values[q] for q in complete],
        linestyle="none",
        marker="o",
        markersize=3,
        color=colour,
        zorder=3,
    )
    if lacking:
        axes.plot(
            [x[q] for q in lacking],
            [values[q] for q in lacking],
            linestyle="none",
            marker="o",
            markersize=3,
            markerfacecolor="white",
            color=colour,
            alpha=0.6,
            zorder=3,
        )
    if last_partial:
        if n > 1:
            axes.plot(x[-2:], values[-2:], linestyle=":", color=colour, zorder=3)
        axes.plot(
            x[-1],
            values[-1],
            linestyle="none",
            marker="s",
            markersize=5,
            markerfacecolor="white",
            color=colour,
            zorder=3,
        )


def charts(profile: Profile, area: AreaProfile) -> list[Chart]:
    """The charts of one area's page, in page order, each with its table of figures;
    quarters the records do not reach back far enough for are marked on each."""
    labels = [q.label for q in profile.quarters]
    h = profile.history
    partial = profile.latest.partial_note()
    records = {
        "undercount": [not ok for ok in h.records],
        "why": "the records start within the quarter",
        "partial": partial,
    }
    repeat = {
        "undercount": [not ok for ok in h.repeat],
        "why": "under 12 months of records before the quarter",
        "partial": partial,
    }
    serial = {
        "undercount": [not ok for ok in h.serial],
        "why": f"under {h.window_years} years of records before the quarter's end",
        "partial": partial,
    }
    out = [
        _chart(
            "Incidents recorded",
            labels,
            {"all incidents": area.incidents, "violence or threats": area.violent_incidents},
            stacked=False,
            **records,
        ),
        _chart(
            "Repeat victims (another incident within 12 months)",
            labels,
            {"repeat victims": area.repeat_victims},
            stacked=True,
            **repeat,
        ),
        _chart(
            "Serial perpetrators at the quarter's end (ACPO)",
            labels,
            {"current": area.serial_current, "historic": area.serial_historic},
            stacked=True,
            **serial,
        ),
        _chart("Risk mix (DASH)", labels, area.risk, stacked=True, colours=RISK_COLOURS, **records),
    ]
    if profile.outcome_recorded:
        out.append(_chart("Outcomes", labels, area.outcomes, stacked=True, **records))
    out.append(
        _chart(
            "Protective orders started (DVPN, DVPO, DAPO, restraining, non-molestation)",
            labels,
            {"orders": area.protective_orders},
            stacked=True,
            **records,
        )
    )
    return out


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
