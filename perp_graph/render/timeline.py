"""A perpetrator's timeline as a small image for a briefing pack (issue 16, clause 2): one
lane per victim with their incidents as marks, a lane per order or custody as a bar, the
ACPO window shaded and the as-of date marked "today", with alternative text that says the
same in words.

Drawn server-side with matplotlib (Agg, no display) to SVG, so packs stay self-contained:
no fonts or scripts fetched (text is SVG text in the browser's own sans-serif font), and
the same dossier gives the same bytes (fixed hash salt, no date in the file).

Sized for a phone: the image is `WIDTH_PX` CSS pixels wide at its natural size (the SVG
says so in px), the smallest text is `FONT_PX` pixels at that width, each lane is
`LANE_PX` high and at most `MAX_LANES` lanes are drawn (victims beyond them are folded
into one "+N more victims" lane, counted in the alt text).

Marks never rely on colour alone (Okabe-Ito colours, and a different shape or fill):
  filled diamond   a qualifying incident (violence or threats against an intimate
                   partner, `Finding.events`) inside the ACPO window the pack shows;
  hollow diamond   a qualifying incident outside that window;
  hollow circle    any other incident in which the perpetrator is the suspect;
  hollow square    an incident in which the perpetrator is a victim or witness.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display: files only

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.markers import TICKDOWN
from matplotlib.patches import Rectangle
from matplotlib.transforms import ScaledTranslation

from perp_graph.analytics.dossier import Dossier
from perp_graph.analytics.dossier_parts import Constraint
from perp_graph.render import timeline_lanes
from perp_graph.render.timeline_lanes import Lane
from perp_graph.wording import day, month

#: The image's natural width in CSS pixels: a phone's screen less the page's margins.
WIDTH_PX = 360
#: The smallest text on the image, in CSS pixels at WIDTH_PX.
FONT_PX = 11
#: Height of one lane (a label line above a track of marks or a bar), in CSS pixels.
LANE_PX = 34
#: At most this many lanes; more victims fold into one "+N more victims" lane.
MAX_LANES = 8

_MARGIN_PX = 8  # left and right
_HEADER_PX = 18  # above the lanes: the "today" label
_AXIS_PX = 22  # below the lanes: the years
_LEGEND_ROW_PX = 17
_CHAR_PX = 6.4  # a generous average advance of an 11 px sans-serif character

# Okabe-Ito (colour-blind safe); each mark also differs in shape or fill.
_VERMILLION, _BLUE, _GREEN, _PURPLE, _ORANGE, _SKY, _GREY, _BLACK = (
    "#D55E00",
    "#0072B2",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#777777",
    "#000000",
)

#: Kinds of mark: (legend text, marker, size in px, edge colour, face colour).
MARKS = {
    "qualifying": ("qualifying, in window", "D", 8.0, _BLACK, _VERMILLION),
    "outside": ("qualifying, outside window", "D", 8.0, _VERMILLION, "white"),
    "other": ("other incident", "o", 7.5, _BLUE, "white"),
    "involved": ("as victim or witness", "s", 7.0, _BLACK, "white"),
}

_BAR_COLOURS = {"custody": _PURPLE, "licence": _PURPLE, "bail_conditions": _ORANGE}


@dataclass(frozen=True)
class Timeline:
    """One perpetrator's timeline: an SVG document (UTF-8 text, `width` x `height` CSS
    pixels at its natural size) and its alternative text (plain sentences)."""

    svg: str
    alt: str
    width: int
    height: int

    @property
    def data_uri(self) -> str:
        """The SVG as a data: URL for an <img src>, so the pack fetches nothing."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode("ascii")


def timeline_figure(
    dossier: Dossier, *, unmask: bool = False, max_lanes: int = MAX_LANES
) -> Timeline:
    """The timeline of one dossier, as of its scan's date.

    Lanes top to bottom: each order or custody in force (a bar from its start, or the left
    edge when not recorded, to its end with an end marker, or to the as-of date and dotted
    beyond when no end is recorded), then each victim in the dossier's order (labelled
    `PersonRef.label(unmask)`, masked unless `unmask`), then one lane of incidents where
    the perpetrator is a victim or witness or no victim is recorded. At most `max_lanes`
    lanes (at least 4 are always allowed). Renders in about 60 ms (benchmarks/bench_timeline.py).
    """
    max_lanes = max(max_lanes, 4)
    as_of = dossier.parameters.as_of
    window = dossier.pattern_window
    order_lanes = timeline_lanes.order_lanes(dossier.constraints, as_of)
    other = timeline_lanes.other_lane(dossier)
    victim_room = max_lanes - len(order_lanes) - (1 if other else 0)
    victim_lanes, folded = timeline_lanes.victim_lanes(dossier, unmask, max(victim_room, 2))
    lanes = [*order_lanes, *victim_lanes, *([other] if other else [])]
    svg, width, height = _draw(lanes, window, as_of)
    alt = timeline_lanes.alt_text(dossier, victim_lanes, folded, other, unmask)
    return Timeline(svg=svg, alt=alt, width=width, height=height)


# --- drawing ---------------------------------------------------------------------------


def _x_range(
    lanes: Sequence[Lane], window: tuple[dt.date, dt.date], as_of: dt.date
) -> tuple[float, float]:
    """The axis' first and last day (as ordinals): every mark, bar start and the window,
    to the as-of date and a little beyond (more to show an end within a few months)."""
    days = [window[0], window[1], as_of]
    days += [m.on for lane in lanes for m in lane.marks]
    days += [c.start_date for lane in lanes for c in lane.bars if c.start_date]
    first, last = min(days).toordinal(), as_of.toordinal()
    span = max(last - first, 365)
    pad = max(0.03 * span, 10.0)
    ends = [c.end_date.toordinal() for lane in lanes for c in lane.bars if c.end_date]
    future = min(max(ends, default=last) - last, 0.12 * span)
    return first - pad, last + max(future + pad, pad)


def _ticks(first: float, last: float) -> tuple[list[float], list[str]]:
    """Year starts (every 1, 2 or 5 years, at most 6 ticks), or half-years on a short axis."""
    start = dt.date.fromordinal(int(first) + 1)
    end = dt.date.fromordinal(int(last))
    years = end.year - start.year
    if years < 2:
        days = [dt.date(y, m, 1) for y in range(start.year, end.year + 1) for m in (1, 7)]
        days = [d for d in days if first <= d.toordinal() <= last]
        return [float(d.toordinal()) for d in days], [month(d) for d in days]
    step = next(s for s in (1, 2, 5, 10, 20) if years / s <= 6)
    days = [dt.date(y, 1, 1) for y in range(start.year + 1, end.year + 1) if y % step == 0]
    return [float(d.toordinal()) for d in days], [str(d.year) for d in days]


def _fits(x_px: float, half_px: float) -> bool:
    """A label centred `x_px` from the axis' left end, `half_px` each side, is inside
    the image."""
    return x_px - half_px >= -_MARGIN_PX and x_px + half_px <= WIDTH_PX - _MARGIN_PX


def _text(value: str, width_px: float) -> str:
    """`value` cut to fit `width_px` (with an ellipsis), with $ escaped from mathtext."""
    fits = int(width_px / _CHAR_PX)
    if len(value) > fits:
        value = value[: fits - 1].rstrip() + "…"
    return value.replace("$", r"\$")


def _legend_rows(kinds: Iterable[str]) -> list[list[tuple[str, float]]]:
    """The legend's items ("window", "today" and each kind of mark shown) in rows that
    fit the width: [(item, x in px)]."""
    items = [*kinds, "window", "today"]
    rows: list[list[tuple[str, float]]] = [[]]
    x = float(_MARGIN_PX)
    for item in items:
        text = _LEGEND_TEXT.get(item) or MARKS[item][0]
        width = 14 + len(text) * _CHAR_PX + 10
        if rows[-1] and x + width > WIDTH_PX - _MARGIN_PX:
            rows.append([])
            x = float(_MARGIN_PX)
        rows[-1].append((item, x))
        x += width
    return rows


_LEGEND_TEXT = {"window": "ACPO window", "today": "today"}


def _draw(
    lanes: Sequence[Lane],
    window: tuple[dt.date, dt.date],
    as_of: dt.date,
) -> tuple[str, int, int]:
    """The SVG (and its width and height in px) of the lanes."""
    kinds = [k for k in MARKS if any(m.kind == k for lane in lanes for m in lane.marks)]
    legend = _legend_rows(kinds)
    lanes_px = LANE_PX * max(len(lanes), 1)
    height = _HEADER_PX + lanes_px + _AXIS_PX + _LEGEND_ROW_PX * len(legend) + 4
    first, last = _x_range(lanes, window, as_of)
    with matplotlib.rc_context(
        {
            "svg.fonttype": "none",  # text as text: no glyphs embedded, nothing fetched
            "svg.hashsalt": "perp-graph",  # ids from the content: same input, same bytes
            "font.size": FONT_PX,
            "font.family": "sans-serif",
            "axes.unicode_minus": False,
            "text.usetex": False,
        }
    ):
        # A bare Figure (not pyplot): nothing registered, so nothing left open per pack.
        # At 72 dpi one point is one px: sizes below are CSS px at WIDTH_PX.
        figure = Figure(figsize=(WIDTH_PX / 72, height / 72), dpi=72)
        axes = figure.add_axes(
            (
                _MARGIN_PX / WIDTH_PX,
                1 - (_HEADER_PX + lanes_px) / height,
                1 - 2 * _MARGIN_PX / WIDTH_PX,
                lanes_px / height,
            )
        )
        _draw_axes(axes, lanes, window, as_of, first, last)
        _draw_legend(figure, legend, height)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    # Natural size in CSS px (matplotlib says pt, which a browser shows 4/3 larger).
    svg = re.sub(
        r'<svg ([^>]*?)width="[\d.]+pt" height="[\d.]+pt"',
        rf'<svg \1width="{WIDTH_PX}px" height="{height}px"',
        svg,
        count=1,
    )
    return svg, WIDTH_PX, height


def _draw_axes(
    axes: Axes,
    lanes: Sequence[Lane],
    window: tuple[dt.date, dt.date],
    as_of: dt.date,
    first: float,
    last: float,
) -> None:
    n = max(len(lanes), 1)
    axes.set_xlim(first, last)
    axes.set_ylim(n, 0)  # lane i spans [i, i + 1], top to bottom
    # The axis drawn by hand: matplotlib's own ticks cost a third of the drawing time.
    axes.set_axis_off()
    axes.plot([first, last], [n, n], color="#333333", lw=0.8, clip_on=False)
    ticks, labels = _ticks(first, last)
    # Leave out a year whose label would run off the image's edge (half a label is at
    # most 3.5 px a character: digits are the widest at 11 px).
    px_per_day = (WIDTH_PX - 2 * _MARGIN_PX) / (last - first)
    kept = [
        (tick, label)
        for tick, label in zip(ticks, labels, strict=True)
        if _fits((tick - first) * px_per_day, len(label) * 3.5)
    ]
    ticks, labels = [t for t, _ in kept], [label for _, label in kept]
    axes.plot(
        ticks,
        [n] * len(ticks),
        ls="none",
        marker=TICKDOWN,
        ms=3,
        mew=0.8,
        color="#333333",
        clip_on=False,
    )
    below = axes.transData + ScaledTranslation(0, -5 / 72, axes.figure.dpi_scale_trans)
    for tick, label in zip(ticks, labels, strict=True):
        axes.text(
            tick,
            n,
            label,
            transform=below,
            ha="center",
            va="top",
            color="#333333",
            fontsize=FONT_PX,
            clip_on=False,
        )
    axes.axvspan(
        max(window[0].toordinal(), first), window[1].toordinal(), color=_SKY, alpha=0.2, lw=0
    ).set_gid("acpo-window")
    today = as_of.toordinal()
    axes.axvline(today, color=_BLACK, lw=1, ls=(0, (3, 2))).set_gid("today")
    on_right = (today - first) / (last - first) > 0.5
    axes.annotate(
        f"today {day(as_of)}",
        (today, 0),
        xytext=(-3 if on_right else 3, 3),
        textcoords="offset points",
        ha="right" if on_right else "left",
        va="bottom",
        fontsize=FONT_PX,
        annotation_clip=False,
    ).set_gid("today-label")
    label_px = WIDTH_PX - 2 * _MARGIN_PX
    track = 25 / LANE_PX  # the track's centre below the lane's top, in lanes
    for i, lane in enumerate(lanes):
        if i:
            axes.axhline(i, color="#DDDDDD", lw=0.8)
        axes.text(
            0,
            i + 2 / LANE_PX,
            _text(lane.label, label_px),
            transform=axes.get_yaxis_transform(),
            ha="left",
            va="top",
            fontsize=FONT_PX,
            color=_BLACK,
        ).set_gid(f"{lane.gid}-label")
        for kind in MARKS:
            days = [m.on.toordinal() for m in lane.marks if m.kind == kind]
            if not days:
                continue
            _, marker, size, edge, face = MARKS[kind]
            axes.plot(
                days,
                [i + track] * len(days),
                ls="none",
                marker=marker,
                ms=size,
                mec=edge,
                mfc=face,
                mew=1.3,
                clip_on=False,
            )[0].set_gid(f"{lane.gid}-{kind}")
        for j, constraint in enumerate(lane.bars):
            _draw_bar(axes, constraint, i + track, j, len(lane.bars), first, last, today)


def _draw_bar(
    axes: Axes,
    constraint: Constraint,
    y: float,
    j: int,
    of: int,
    first: float,
    last: float,
    today: int,
) -> None:
    """One order or custody as a bar (several in one lane share its height)."""
    height = 9 / LANE_PX / of
    y = y - 4.5 / LANE_PX + height * (j + 0.5)
    start = constraint.start_date.toordinal() if constraint.start_date else first
    colour = _BAR_COLOURS.get(constraint.order_type, _GREEN)
    gid = f"bar-{constraint.order_type}"
    if constraint.end_date is None:
        # Open-ended: solid to the as-of date, dotted on to the edge.
        axes.barh(y, today - start, left=start, height=height, color=colour, lw=0).patches[
            0
        ].set_gid(gid)
        axes.plot([today, last], [y, y], color=colour, lw=2, ls=(0, (1, 2)), clip_on=False)[
            0
        ].set_gid(f"{gid}-open")
        return
    end = constraint.end_date.toordinal()
    # At least 3 px wide, so a short custody still shows as a bar before its end marker.
    least = 3 * (last - first) / (WIDTH_PX - 2 * _MARGIN_PX)
    start = min(start, end - least)
    axes.barh(y, min(end, last) - start, left=start, height=height, color=colour, lw=0).patches[
        0
    ].set_gid(gid)
    if end <= last:
        axes.plot([end], [y], marker="|", ms=12, mew=2, color=_BLACK, clip_on=False)[0].set_gid(
            f"{gid}-end"
        )
    else:  # ends beyond the axis: an arrow at the edge (the label gives the date)
        axes.plot([last], [y], marker=">", ms=7, color=_BLACK, clip_on=False)[0].set_gid(
            f"{gid}-beyond"
        )


def _draw_legend(figure: Figure, rows: Sequence[Sequence[tuple[str, float]]], height: int) -> None:
    """The legend under the years: a swatch or mark and its words per item."""
    for r, row in enumerate(rows):
        y = 1 - (height - 4 - _LEGEND_ROW_PX * (len(rows) - r) + _LEGEND_ROW_PX / 2) / height
        for item, x in row:
            fx = (x + 6) / WIDTH_PX
            if item == "window":
                figure.patches.append(
                    Rectangle(
                        (x / WIDTH_PX, y - 5 / height),
                        12 / WIDTH_PX,
                        10 / height,
                        transform=figure.transFigure,
                        color=_SKY,
                        alpha=0.35,
                        lw=0,
                    )
                )
            elif item == "today":
                figure.lines.append(
                    Line2D(
                        [fx, fx],
                        [y - 6 / height, y + 6 / height],
                        transform=figure.transFigure,
                        color=_BLACK,
                        lw=1,
                        ls=(0, (3, 2)),
                    )
                )
            else:
                _, marker, size, edge, face = MARKS[item]
                figure.lines.append(
                    Line2D(
                        [fx],
                        [y],
                        transform=figure.transFigure,
                        ls="none",
                        marker=marker,
                        ms=size,
                        mec=edge,
                        mfc=face,
                        mew=1.3,
                    )
                )
            text = _LEGEND_TEXT.get(item) or MARKS[item][0]
            figure.text((x + 15) / WIDTH_PX, y, text, va="center", fontsize=FONT_PX).set_gid(
                f"legend-{item}"
            )
