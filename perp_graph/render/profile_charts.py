"""The problem profile's charts as images (SVG, for data: URLs, so the pages stay
self-contained and fetch nothing), each with its figures as a table for screen readers and
for print; `render.profile` puts them on the pages.

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

import matplotlib

matplotlib.use("Agg")  # no display: files only

import matplotlib.pyplot as plt
from matplotlib.artist import Artist
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from perp_graph.analytics.profile import AreaProfile, Profile

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
            _band(axes, q, end, "undercounts", UNDERCOUNT_BAND, UNDERCOUNT_HATCH, "#CCCCCC")
            q = end + 1
        else:
            q += 1
    if last_partial:
        _band(axes, n - 1, n - 1, "partial", "white", PARTIAL_HATCH, "#BBBBBB")


def _band(
    axes: plt.Axes, first: int, last: int, label: str, face: str, hatch: str, edge: str
) -> None:
    """One hatched band behind quarters first..last (x positions), its label at the top."""
    axes.axvspan(
        first - 0.5,
        last + 0.5,
        facecolor=face,
        hatch=hatch,
        edgecolor=edge,
        linewidth=0,
        zorder=0,
    )
    axes.text(
        (first + last) / 2,
        0.98,
        label,
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
