"""The problem profile in words: year-on-year change, rates per neighbourhood and the key
findings (perp_graph.analytics.profile holds the profile itself).

Year-on-year change compares the last complete quarter (the latest one, or the one before
it when the latest is partial) with the same quarter a year before, and only when both have
the history the measure needs; otherwise the change is not given. Rates per neighbourhood:
the export has no population, so the denominator is incidents recorded in the neighbourhood
(current serial perpetrators per 1,000 incidents in the 12 months to the quarter's end;
repeat victims per 1,000 incidents in the quarter).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from perp_graph import wording
from perp_graph.analytics.profile import NOT_RECORDED

if TYPE_CHECKING:
    from perp_graph.analytics.profile import AreaProfile, History, Quarter

# Year-on-year measures: the series compared, as named in profile.json and in words.
MEASURES = {
    "serial_current": "current serial perpetrators",
    "repeat_victims": "repeat victims",
    "incidents": "incidents",
}
# The highest rate is named only among neighbourhoods with at least this many incidents in
# the 12 months (a handful of incidents makes a rate that means nothing).
MIN_INCIDENTS_FOR_RATE = 50


@dataclass(frozen=True)
class YearOnYear:
    """One measure in the comparison quarter and in the same quarter a year before.
    `year_ago` is None when the two cannot be compared (`reason` says why)."""

    measure: str  # a key of MEASURES
    quarter: str
    value: int
    year_ago_quarter: str
    year_ago: int | None
    reason: str = ""

    @property
    def change(self) -> float | None:
        """The change in per cent (None: not comparable, or nothing a year ago)."""
        if self.year_ago is None or self.year_ago == 0:
            return None
        return (self.value - self.year_ago) / self.year_ago * 100

    def words(self) -> str:
        """ "up 12% on a year ago (362)", "unchanged on a year ago (362)", or why not."""
        if self.year_ago is None:
            return f"no year-on-year change ({self.reason})"
        before = f"{self.year_ago:,}"
        if self.value == self.year_ago:
            return f"unchanged on a year ago ({before})"
        direction = "up" if self.value > self.year_ago else "down"
        change = self.change
        if change is None:
            return f"{direction} from {before} a year ago"
        size = "under 1" if abs(change) < 0.5 else f"{abs(change):.0f}"
        return f"{direction} {size}% on a year ago ({before})"

    def as_json(self) -> dict[str, Any]:
        """The comparison as plain JSON (change in per cent, one decimal, or null)."""
        change = self.change
        return {
            "quarter": self.quarter,
            "value": self.value,
            "year_ago_quarter": self.year_ago_quarter,
            "year_ago": self.year_ago,
            "change_percent": None if change is None else round(change, 1),
            "comparable": self.year_ago is not None,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Rates:
    """An area's rates in the comparison quarter, per 1,000 incidents recorded in the area
    (the export has no population): current serial perpetrators at the quarter's end per
    1,000 incidents in the 12 months to that day, and repeat victims in the quarter per
    1,000 incidents in the quarter. None where there were no incidents. `complete`: the
    records cover the 12 months and the ACPO window before the quarter's end."""

    quarter: str
    to: dt.date
    incidents_12_months: int
    serial_current: int
    serial_per_1000: float | None
    incidents_quarter: int
    repeat_victims: int
    repeat_per_1000: float | None
    complete: bool

    def as_json(self) -> dict[str, Any]:
        """The rates as plain JSON (one decimal), with their denominators."""
        return {
            "quarter": self.quarter,
            "to": self.to.isoformat(),
            "denominator": "incidents recorded in the area",
            "incidents_12_months": self.incidents_12_months,
            "serial_current": self.serial_current,
            "serial_current_per_1000_incidents_12_months": _one_place(self.serial_per_1000),
            "incidents_quarter": self.incidents_quarter,
            "repeat_victims": self.repeat_victims,
            "repeat_victims_per_1000_incidents_quarter": _one_place(self.repeat_per_1000),
            "complete": self.complete,
        }


def _one_place(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def year_on_year(
    area: AreaProfile, periods: Sequence[Quarter], hist: History, c: int | None
) -> dict[str, YearOnYear]:
    """Each measure in quarter `c` against the same quarter a year before, where both have
    the history the measure needs."""
    if c is None:
        return {}
    flags = {
        "serial_current": hist.serial,
        "repeat_victims": hist.repeat,
        "incidents": hist.records,
    }
    lacks = {
        "serial_current": f"under {hist.window_years} years of records before its end",
        "repeat_victims": "under 12 months of records before it",
        "incidents": "records for only part of it",
    }
    now = periods[c]
    out = {}
    for measure in MEASURES:
        series: list[int] = getattr(area, measure)
        a = c - 4
        if a < 0:
            out[measure] = YearOnYear(
                measure, now.label, series[c], "", None, "the profile has no quarter a year before"
            )
            continue
        before = periods[a]
        reason = ""
        if not flags[measure][c]:
            reason = f"{now.label} has {lacks[measure]}"
        elif not flags[measure][a]:
            reason = f"{before.label} has {lacks[measure]}"
        out[measure] = YearOnYear(
            measure, now.label, series[c], before.label, None if reason else series[a], reason
        )
    return out


def _per_1000(n: int, incidents: int) -> float | None:
    return None if incidents == 0 else n / incidents * 1000


def rates(
    area: AreaProfile, periods: Sequence[Quarter], hist: History, c: int | None
) -> Rates | None:
    """The area's rates in quarter `c` per 1,000 incidents recorded there."""
    if c is None:
        return None
    first = max(0, c - 3)
    in_year = sum(area.incidents[first : c + 1])
    return Rates(
        quarter=periods[c].label,
        to=periods[c].end,
        incidents_12_months=in_year,
        serial_current=area.serial_current[c],
        serial_per_1000=_per_1000(area.serial_current[c], in_year),
        incidents_quarter=area.incidents[c],
        repeat_victims=area.repeat_victims[c],
        repeat_per_1000=_per_1000(area.repeat_victims[c], area.incidents[c]),
        complete=c >= 3 and hist.serial[c] and hist.repeat[c] and all(hist.records[first : c + 1]),
    )


def ranked(neighbourhoods: Sequence[AreaProfile]) -> list[AreaProfile]:
    """Neighbourhoods by current serial perpetrators per 1,000 incidents, highest first:
    those with a recorded neighbourhood and at least MIN_INCIDENTS_FOR_RATE incidents in
    the 12 months (ties by name)."""
    rated = [
        a
        for a in neighbourhoods
        if a.name != NOT_RECORDED
        and a.rates is not None
        and a.rates.serial_per_1000 is not None
        and a.rates.incidents_12_months >= MIN_INCIDENTS_FOR_RATE
    ]
    return sorted(rated, key=lambda a: (-(a.rates.serial_per_1000 or 0), a.name.casefold()))


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _rate_words(rates: Rates) -> str:
    text = (
        f"{rates.serial_per_1000:.1f} current serial perpetrators per 1,000 incidents "
        f"recorded in the 12 months to {wording.day(rates.to)}"
    )
    if not rates.complete:
        text += " (undercounts: the records do not reach back far enough)"
    return text


def _rate_findings(
    area: AreaProfile, force: AreaProfile, order: Sequence[AreaProfile]
) -> list[str]:
    """The rate finding: for the force, the neighbourhood with the highest rate; for a
    neighbourhood, its rate and rank. Compared with the median neighbourhood, not the force:
    a perpetrator counts in every neighbourhood he lives or offends in."""
    rates = [a.rates.serial_per_1000 for a in order if a.rates and a.rates.serial_per_1000]
    median = f"median neighbourhood {float(np.median(rates)):.1f}" if rates else ""
    if area is force:
        if not order or order[0].rates is None:
            return []
        top = order[0]
        return [
            f"Highest rate: {top.name}, {_rate_words(top.rates)} ({median}; among "
            f"{wording.count(len(order), 'neighbourhood')} with at least "
            f"{wording.count(MIN_INCIDENTS_FOR_RATE, 'incident')} in the 12 months)."
        ]
    if area.rates is None or area.rates.serial_per_1000 is None:
        return []
    names = [a.name for a in order]
    if area.name in names:
        where = f"{_ordinal(names.index(area.name) + 1)} highest of {len(order)} neighbourhoods"
    elif area.name == NOT_RECORDED:
        where = "not ranked: no neighbourhood recorded"
    else:
        least = wording.count(MIN_INCIDENTS_FOR_RATE, "incident")
        where = f"not ranked: under {least} in the 12 months"
    return [f"Rate: {_rate_words(area.rates)} ({median}); {where}."]


def write_findings(
    force: AreaProfile,
    areas: Sequence[AreaProfile],
    periods: Sequence[Quarter],
    hist: History,
    c: int | None,
) -> None:
    """Key findings in words, the force's first then each neighbourhood's."""
    order = ranked(areas)
    for area in (force, *areas):
        lines: list[str] = []
        if c is not None:
            now = periods[c]
            yoy = area.year_on_year
            lines += [
                f"Serial perpetrators (current, on {wording.day(now.end)}): "
                f"{area.serial_current[c]:,}, {yoy['serial_current'].words()}.",
                f"Repeat victims in {now.label}: {area.repeat_victims[c]:,}, "
                f"{yoy['repeat_victims'].words()}.",
                f"Incidents in {now.label}: {area.incidents[c]:,}, {yoy['incidents'].words()}.",
            ]
            lines += _rate_findings(area, force, order)
        latest = periods[-1] if periods else None
        if latest is not None and latest.partial:
            n = len(periods) - 1
            lines.append(
                f"{latest.label} so far ({latest.partial_note()}): "
                f"{wording.count(area.incidents[n], 'incident')}, "
                f"{area.serial_current[n]:,} current serial perpetrators "
                f"on {wording.day(latest.end)}."
            )
        if hist.records_start is not None and not hist.serial[-1 if c is None else c]:
            lines.append(
                "Serial counts undercount throughout: the records start "
                f"{wording.day(hist.records_start)}, under {hist.window_years} years before."
            )
        area.findings = lines
