"""An open RFGV priority score: recency, frequency, gravity and victims.

Forces running MATAC rank perpetrators by recency, frequency, gravity and the number of
victims, in spreadsheets whose formula is not published. This one is published (the
README carries it) and every part is shown next to the total.

For a perpetrator P (anyone recorded as a suspect in an incident inside the window
[T - W years, T]), with T the as-of date, each part scores 0 to 25 points:

- Recency R = 25 x 0.5 ^ (d / 182.5), d = days from P's latest incident as a suspect to T:
  25 on the day, halving every six months.
- Frequency F = min(25, 5 x n12 + 1 x (nW - n12)), n12 = incidents as a suspect in the
  last 12 months (T - 1 year, T], nW = those in the window.
- Gravity G = min(25, 25 x log10(1 + h) / log10(1 + 1825)), h = the summed harm of P's
  incidents in the window, each incident's harm taken from the harm table by its offence
  category (days of imprisonment, the Cambridge Crime Harm Index's unit): 1,825 days
  (five years, a rape's starting point) or more scores 25.
- Victims V = min(25, 10 x v), v = distinct victims in the window who are or have been
  P's intimate partners (contract, section 2), in any incident category.

Score = wR x R + wF x F + wG x G + wV x V; with the default weights (all 1) it runs 0-100.
A score at or above `high_at` (default 80) is "high" priority; at or above `medium_at`
(default 60) "medium"; otherwise "standard" (calibrated so that "high" is the top quarter
of the demo force's current serial perpetrators; see PrioritySettings).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from perp_graph.analytics.acpo import window_start
from perp_graph.analytics.offending import Offending

# The score's parameters live with the other parameters in model (settings reads them
# without importing analytics); kept importable from here.
from perp_graph.model import DEFAULT_HARM_DAYS as DEFAULT_HARM_DAYS
from perp_graph.model import (
    GRAVITY_FULL_AT_DAYS,
    PARTS,
    RECENCY_HALF_LIFE_DAYS,
    PrioritySettings,
)


class Priority(NamedTuple):
    """One perpetrator's score and its parts (a named tuple: a force has hundreds of
    thousands, and tuples are made ten times faster than frozen dataclasses)."""

    person_id: str
    score: float
    band: str
    latest_incident_on: dt.date
    days_since_latest: int
    incidents_12_months: int
    incidents_in_window: int
    harm_days: float
    intimate_partner_victims: int
    recency: float
    frequency: float
    gravity: float
    victims: float

    def as_json(self) -> dict[str, Any]:
        """The score, band, parts and the figures behind them as plain JSON (dates ISO 8601)."""
        return {
            "score": self.score,
            "band": self.band,
            "recency": self.recency,
            "frequency": self.frequency,
            "gravity": self.gravity,
            "victims": self.victims,
            "latest_incident_on": self.latest_incident_on.isoformat(),
            "days_since_latest": self.days_since_latest,
            "incidents_12_months": self.incidents_12_months,
            "incidents_in_window": self.incidents_in_window,
            "harm_days": self.harm_days,
            "intimate_partner_victims": self.intimate_partner_victims,
        }

    @property
    def parts_text(self) -> str:
        """The breakdown in words, for tables and briefings."""
        return (
            f"R {self.recency:g} (latest {self.days_since_latest} days ago), "
            f"F {self.frequency:g} ({self.incidents_12_months} in 12 months, "
            f"{self.incidents_in_window} in window), "
            f"G {self.gravity:g} ({self.harm_days:g} harm days), "
            f"V {self.victims:g} ({self.intimate_partner_victims} partner victims)"
        )


# The parts work on numbers or numpy arrays alike, so a single perpetrator and a whole force
# are scored by the same arithmetic.


def recency_points(days: Any) -> Any:
    """Recency R (0-25): 25 x 0.5 ^ (days / 182.5); `days` (scalar or array) is days since
    the latest incident, a negative count read as 0."""
    return 25.0 * 0.5 ** (np.maximum(days, 0) / RECENCY_HALF_LIFE_DAYS)


def frequency_points(last_12_months: Any, in_window: Any) -> Any:
    """Frequency F (0-25): min(25, 5 per incident in the last 12 months + 1 per other
    incident in the window); scalars or arrays of counts."""
    return np.minimum(
        25.0, 5.0 * np.asarray(last_12_months) + (np.asarray(in_window) - last_12_months)
    )


def gravity_points(harm_days: Any) -> Any:
    """Gravity G (0-25): 25 x log10(1 + h) / log10(1 + 1825), capped at 25; `harm_days` (scalar
    or array) is the summed harm in days of imprisonment."""
    return np.minimum(
        25.0, 25.0 * np.log10(1.0 + np.asarray(harm_days)) / math.log10(1 + GRAVITY_FULL_AT_DAYS)
    )


def victims_points(partner_victims: Any) -> Any:
    """Victims V (0-25): min(25, 10 per distinct intimate-partner victim in the window)."""
    return np.minimum(25.0, 10.0 * np.asarray(partner_victims))


def year_before(day: dt.date) -> dt.date:
    """The same day a year earlier (29 February -> 28 February), as windows do."""
    return window_start(day, 1)


def score(
    offending: Offending, window_years: int, settings: PrioritySettings
) -> dict[str, Priority]:
    """Every perpetrator with an incident as a suspect in the window, scored."""
    as_of = offending.as_of
    in_window = offending.between(window_start(as_of, window_years), as_of)
    incidents = in_window.incidents
    if incidents.empty:
        return {}
    year_ago = np.datetime64(year_before(as_of), "s")
    harm = harm_of(incidents["offence_category"], settings)
    per_suspect = (
        incidents.assign(
            harm=harm.to_numpy(),
            recent=(incidents["occurred_on"] > year_ago).to_numpy(),
        )
        .groupby("suspect_id", sort=True)
        .agg(
            latest=("occurred_on", "max"),
            n_window=("incident_id", "nunique"),
            n_12=("recent", "sum"),
            harm=("harm", "sum"),
        )
    )
    victims = in_window.victims
    partners = victims[victims["partner"].to_numpy()].groupby("suspect_id")["victim_id"].nunique()
    per_suspect["partners"] = partners.reindex(per_suspect.index, fill_value=0)
    weights = {part: float(settings.weights.get(part, 1.0)) for part in PARTS}
    latest = per_suspect["latest"].to_numpy().astype("datetime64[D]")
    days = (np.datetime64(as_of, "D") - latest).astype(np.int64)
    n_12 = per_suspect["n_12"].to_numpy().astype(np.int64)
    n_window = per_suspect["n_window"].to_numpy().astype(np.int64)
    harm_days = per_suspect["harm"].to_numpy().astype(float)
    partners = per_suspect["partners"].to_numpy().astype(np.int64)
    parts = {
        "recency": np.round(recency_points(days), 1),
        "frequency": np.round(frequency_points(n_12, n_window), 1),
        "gravity": np.round(gravity_points(harm_days), 1),
        "victims": np.round(victims_points(partners), 1),
    }
    total = np.round(sum(weights[p] * parts[p] for p in PARTS), 1)
    columns = zip(
        per_suspect.index,
        total.tolist(),
        latest.astype(dt.date).tolist(),
        days.tolist(),
        n_12.tolist(),
        n_window.tolist(),
        harm_days.tolist(),
        partners.tolist(),
        *(parts[p].tolist() for p in PARTS),
        strict=True,
    )
    return {
        suspect: Priority(
            person_id=suspect,
            score=score_,
            band=settings.band(score_),
            latest_incident_on=latest_on,
            days_since_latest=days_,
            incidents_12_months=n12,
            incidents_in_window=nw,
            harm_days=harm,
            intimate_partner_victims=v,
            recency=r,
            frequency=f,
            gravity=g,
            victims=vp,
        )
        for suspect, score_, latest_on, days_, n12, nw, harm, v, r, f, g, vp in columns
    }


def harm_of(categories: pd.Series, settings: PrioritySettings) -> pd.Series:
    """Each incident's harm days from the harm table (0 for a category not in it)."""
    table = {c: float(v) for c, v in settings.harm_days.items()}
    return categories.astype(object).map(table).fillna(0.0).astype(float)


def ranked(priorities: Mapping[str, Priority]) -> list[Priority]:
    """Highest score first; ties by the most recent incident, then id."""
    return sorted(
        priorities.values(),
        key=lambda p: (-p.score, p.days_since_latest, p.person_id),
    )
