"""The problem profile as HTML pages with charts as images (SVG as data: URLs, so the pages
stay self-contained and fetch nothing), each chart followed by its figures as a table for
screen readers and for print.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display: files only

import matplotlib.pyplot as plt

from perp_graph.analytics.profile import AreaProfile, Profile
from perp_graph.render.briefing import BriefingContext, _common, environment

# Colour-blind-safe (Okabe-Ito), in a fixed order so a series keeps its colour.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#999999", "#000000")
RISK_COLOURS = {
    "high": "#D55E00",
    "medium": "#E69F00",
    "standard": "#56B4E9",
    "not recorded": "#BBBBBB",
}


@dataclass(frozen=True)
class Chart:
    """One chart of the profile page: an SVG data: URL, its alternative text, and the same
    figures as a table (one row per quarter)."""

    title: str
    image: str  # data: URL
    alt: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # one per quarter: label, values...


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
) -> Chart:
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "perp-graph"}):
        figure, axes = plt.subplots(figsize=(8, 3.2), dpi=100)
        x = range(len(labels))
        bottom = [0] * len(labels)
        for n, (name, values) in enumerate(series.items()):
            colour = (colours or {}).get(name, PALETTE[n % len(PALETTE)])
            if stacked:
                axes.bar(x, values, bottom=bottom, label=name, color=colour, width=0.8)
                bottom = [b + v for b, v in zip(bottom, values, strict=True)]
            else:
                axes.plot(x, values, marker="o", markersize=3, label=name, color=colour)
        step = max(1, len(labels) // 10)
        axes.set_xticks(list(x)[::step], list(labels)[::step], fontsize=8)
        axes.tick_params(axis="y", labelsize=8)
        axes.set_ylim(bottom=0)
        axes.spines[["top", "right"]].set_visible(False)
        if len(series) > 1:
            axes.legend(fontsize=8, frameon=False, loc="upper left", ncols=min(len(series), 4))
        # Fixed margins rather than tight_layout, which draws every chart twice.
        figure.subplots_adjust(left=0.08, right=0.99, top=0.9, bottom=0.1)
        image = _svg(figure)
    names = tuple(series)
    rows = tuple(
        (label, *(str(series[name][q]) for name in names)) for q, label in enumerate(labels)
    )
    latest = ", ".join(f"{name} {series[name][-1]}" for name in names) if labels else ""
    alt = f"{title}, by quarter from {labels[0]} to {labels[-1]}; latest quarter: {latest}."
    return Chart(title, image, alt, ("Quarter", *names), rows)


def charts(profile: Profile, area: AreaProfile) -> list[Chart]:
    """The charts of one area's page, in page order, each with its table of figures."""
    labels = [q.label for q in profile.quarters]
    out = [
        _chart(
            "Incidents recorded",
            labels,
            {"all incidents": area.incidents, "violence or threats": area.violent_incidents},
            stacked=False,
        ),
        _chart(
            "Repeat victims (another incident within 12 months)",
            labels,
            {"repeat victims": area.repeat_victims},
            stacked=True,
        ),
        _chart(
            "Serial perpetrators at the quarter's end (ACPO)",
            labels,
            {"current": area.serial_current, "historic": area.serial_historic},
            stacked=True,
        ),
        _chart("Risk mix (DASH)", labels, area.risk, stacked=True, colours=RISK_COLOURS),
    ]
    if profile.outcome_recorded:
        out.append(_chart("Outcomes", labels, area.outcomes, stacked=True))
    out.append(
        _chart(
            "Protective orders started (DVPN, DVPO, DAPO, restraining, non-molestation)",
            labels,
            {"orders": area.protective_orders},
            stacked=True,
        )
    )
    return out


def render_profile_page(
    profile: Profile,
    area: AreaProfile,
    context: BriefingContext,
    links: Sequence[tuple[str, str]] = (),
    back_href: str | None = None,
) -> str:
    """One area's page: its charts and figures (and, for the force, links to each area)."""
    latest = len(profile.quarters) - 1
    return (
        environment()
        .get_template("profile.html")
        .render(
            **_common(context),
            profile=profile,
            area=area,
            latest=latest,
            charts=charts(profile, area),
            links=links,
            back_href=back_href,
        )
    )
