"""Alerts beyond the ACPO list: early warning, escalation and counter-allegations.

Every rule is here once, in plain words in its docstring, and pinned by a test per clause
(tests/test_alerts.py). All read `Offending` (suspects' incidents and victims up to the
as-of date T, on identities).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from perp_graph.analytics.acpo import has_k_unconnected, window_start
from perp_graph.analytics.offending import Offending
from perp_graph.analytics.priority import PrioritySettings, harm_of, year_before
from perp_graph.frames import isin
from perp_graph.wording import day as day_text

# --- early warning ------------------------------------------------------------------------


@dataclass(frozen=True)
class EarlyWarning:
    """A perpetrator one step from the definition, with a new partner to warn."""

    person_id: str
    victim_ids: tuple[str, ...]  # intimate-partner victims of violence in the window
    violence_incident_ids: tuple[str, ...]
    new_partner_ids: tuple[str, ...]
    evidence: tuple[str, ...]  # how each new partner is known, in words, with record ids

    action = "consider Clare's Law right-to-know disclosure"

    def as_json(self) -> dict[str, Any]:
        """The warning as plain JSON (the scan JSON's `early_warnings`; ids as lists)."""
        return {
            "person_id": self.person_id,
            "victim_ids": list(self.victim_ids),
            "violence_incident_ids": list(self.violence_incident_ids),
            "new_partner_ids": list(self.new_partner_ids),
            "evidence": list(self.evidence),
            "action": self.action,
        }


def early_warnings(
    offending: Offending,
    window_years: int,
    min_victims: int,
    connections: Mapping[str, set[str]],
    current: Collection[str],
) -> list[EarlyWarning]:
    """Perpetrators one step from the ACPO definition who have a new partner.

    P is one step from the definition on T when P does not qualify on T (is not
    `current`) and the qualifying events in the window ending on T (violence against
    someone who is or has been P's intimate partner) name K - 1 pairwise-unconnected
    victims (with the default K = 2: at least one victim).

    A new partner is someone N, not one of those victims, who became P's partner on or
    after the date of P's first qualifying event in that window (and on or before T):
    - a relationships.csv row {P, N} of type intimate_partner that started then and has
      not ended before T; or
    - any incident in that time (any category) where P is a suspect and N a victim
      recorded as P's intimate or ex-intimate partner.
    """
    start = window_start(offending.as_of, window_years)
    window = offending.between(start, offending.as_of)
    violence = window.victims[window.victims["violent"] & window.victims["partner"]]
    violence = violence[~isin(violence["suspect_id"], list(current))]
    if violence.empty:
        return []
    first_violence = violence.groupby("suspect_id")["occurred_on"].min()

    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    records = offending.partner_records
    records = records[
        (records["relationship_type"] == "intimate_partner")
        & isin(records["person_id_a"], first_violence.index)
        & records["start_date"].notna()
    ]
    began = records["person_id_a"].map(first_violence)
    as_of = np.datetime64(offending.as_of, "s")
    records = records[
        (records["start_date"] >= began)
        & (records["start_date"] <= as_of)
        & (records["end_date"].isna() | (records["end_date"] >= as_of))
    ]
    for p, n, started in zip(
        records["person_id_a"], records["person_id_b"], records["start_date"], strict=True
    ):
        found[p][n].append(f"intimate-partner relationship record from {day_text(started)}")

    said = window.victims[
        isin(window.victims["suspect_id"], first_violence.index)
        & isin(
            window.victims["relationship_to_suspect"], ["intimate_partner", "ex_intimate_partner"]
        )
    ]
    said = said[said["occurred_on"] >= said["suspect_id"].map(first_violence)]
    # A victim of the violence is not a new partner: drop those pairs before looping.
    hurt = pd.MultiIndex.from_frame(violence[["suspect_id", "victim_id"]])
    said = said[~pd.MultiIndex.from_frame(said[["suspect_id", "victim_id"]]).isin(hurt)]
    for p, n, incident, category in zip(
        said["suspect_id"],
        said["victim_id"],
        said["incident_id"],
        said["offence_category"],
        strict=True,
    ):
        found[p][n].append(f"recorded as partner in incident {incident} ({category})")

    warnings = []
    # Only perpetrators with a new partner can be warned about: look at those alone.
    violence = violence[isin(violence["suspect_id"], list(found))]
    for p, group in violence.groupby("suspect_id", sort=True):
        victims = set(group["victim_id"])
        if not has_k_unconnected(victims, min_victims - 1, connections):
            continue
        partners = {n: why for n, why in found.get(p, {}).items() if n not in victims and n != p}
        if not partners:
            continue
        warnings.append(
            EarlyWarning(
                person_id=p,
                victim_ids=tuple(sorted(victims)),
                violence_incident_ids=tuple(sorted(set(group["incident_id"]))),
                new_partner_ids=tuple(sorted(partners)),
                evidence=tuple(
                    f"{n}: {why}" for n in sorted(partners) for why in sorted(set(partners[n]))
                ),
            )
        )
    return warnings


# --- escalation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Escalation:
    """Incidents getting more frequent or more serious, and the figures that show it."""

    person_id: str
    more_frequent: bool
    more_serious: bool
    incidents_last_12_months: int
    incidents_12_months_before: int
    gravest_harm_last_12_months: float
    gravest_harm_24_months_before: float | None

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why, in words with the figures: one sentence per way it escalates (harm in days of
        imprisonment)."""
        out = []
        if self.more_frequent:
            out.append(
                f"more frequent: {self.incidents_last_12_months} incidents in the last 12 "
                f"months, {self.incidents_12_months_before} in the 12 months before"
            )
        if self.more_serious:
            out.append(
                f"more serious: gravest incident of the last 12 months "
                f"{self.gravest_harm_last_12_months:g} harm days, of the 24 months before "
                f"{self.gravest_harm_24_months_before:g}"
            )
        return tuple(out)

    def as_json(self) -> dict[str, Any]:
        """The escalation as plain JSON (the scan JSON's `escalations`), with its reasons."""
        return {
            "more_frequent": self.more_frequent,
            "more_serious": self.more_serious,
            "incidents_last_12_months": self.incidents_last_12_months,
            "incidents_12_months_before": self.incidents_12_months_before,
            "gravest_harm_last_12_months": self.gravest_harm_last_12_months,
            "gravest_harm_24_months_before": self.gravest_harm_24_months_before,
            "reasons": list(self.reasons),
        }


#: More frequent: at least this many incidents in the last 12 months ...
ESCALATION_MIN_RECENT = 3
#: ... and at least this many times as many as in the 12 months before.
ESCALATION_RATIO = 2


def escalations(offending: Offending, settings: PrioritySettings) -> dict[str, Escalation]:
    """Perpetrators whose incidents (as a suspect, any category) are getting more frequent
    or more serious, as of T.

    - More frequent: at least 3 incidents in the last 12 months (T - 1 year, T] and at
      least twice as many as in the 12 months before (T - 2 years, T - 1 year].
    - More serious: the gravest incident of the last 12 months (harm days from the
      priority score's harm table) is graver than every incident of the 24 months before
      (T - 3 years, T - 1 year], and there was at least one incident then.
    """
    t = offending.as_of
    one, two, three = year_before(t), window_start(t, 2), window_start(t, 3)
    incidents = offending.between(three + dt.timedelta(days=1), t).incidents
    if incidents.empty:
        return {}
    harm = harm_of(incidents["offence_category"], settings)
    day = incidents["occurred_on"]
    frame = pd.DataFrame(
        {
            "suspect_id": incidents["suspect_id"].to_numpy(),
            "harm": harm.to_numpy(),
            "recent": (day > np.datetime64(one, "s")).to_numpy(),
            "year_before": ((day > np.datetime64(two, "s")) & (day <= np.datetime64(one, "s")))
            .to_numpy()
            .astype(bool),
        }
    )
    frame["earlier"] = ~frame["recent"]
    frame["recent_harm"] = frame["harm"].where(frame["recent"])
    frame["earlier_harm"] = frame["harm"].where(frame["earlier"])
    per = frame.groupby("suspect_id", sort=True).agg(
        recent=("recent", "sum"),
        year_before=("year_before", "sum"),
        earlier=("earlier", "sum"),
        recent_harm=("recent_harm", "max"),
        earlier_harm=("earlier_harm", "max"),
    )
    out = {}
    for p, recent, before, earlier, recent_harm, earlier_harm in zip(
        per.index,
        per["recent"].astype(int),
        per["year_before"].astype(int),
        per["earlier"].astype(int),
        per["recent_harm"],
        per["earlier_harm"],
        strict=True,
    ):
        more_frequent = recent >= ESCALATION_MIN_RECENT and recent >= ESCALATION_RATIO * before
        more_serious = recent > 0 and earlier > 0 and recent_harm > earlier_harm
        if more_frequent or more_serious:
            out[p] = Escalation(
                person_id=p,
                more_frequent=bool(more_frequent),
                more_serious=bool(more_serious),
                incidents_last_12_months=int(recent),
                incidents_12_months_before=int(before),
                gravest_harm_last_12_months=float(recent_harm),
                gravest_harm_24_months_before=(
                    None if pd.isna(earlier_harm) else float(earlier_harm)
                ),
            )
    return out


# --- counter-allegations --------------------------------------------------------------------


@dataclass(frozen=True)
class CounterAllegation:
    """Two people each recorded as a suspect against the other: review, label neither."""

    person_ids: tuple[str, str]
    #: incidents where the first is a suspect against the second, and the reverse
    incident_ids: tuple[tuple[str, ...], tuple[str, ...]]

    def other(self, person_id: str) -> str:
        """The other party of the pair to `person_id` (the first when `person_id` is neither)."""
        a, b = self.person_ids
        return b if person_id == a else a

    def as_json(self) -> dict[str, Any]:
        """The pair as plain JSON: both ids, and each one's incidents as a suspect against the
        other."""
        a, b = self.person_ids
        return {
            "person_ids": [a, b],
            "incident_ids": {a: list(self.incident_ids[0]), b: list(self.incident_ids[1])},
        }


def counter_allegations(offending: Offending) -> list[CounterAllegation]:
    """Pairs {A, B} where A is recorded as a suspect against B (B a victim in an incident
    where A is a suspect) and B as a suspect against A, in incidents up to T (the same
    incident or two), whatever the categories and outcomes."""
    pairs = offending.victims[["suspect_id", "victim_id", "incident_id"]]
    reverse = pairs[["suspect_id", "victim_id"]].drop_duplicates()
    reverse.columns = ["victim_id", "suspect_id"]
    both = pairs.merge(reverse, on=["suspect_id", "victim_id"])
    if both.empty:
        return []
    against = both.groupby(["suspect_id", "victim_id"])["incident_id"].agg(
        lambda s: tuple(sorted(set(s)))
    )
    return [
        CounterAllegation((a, b), (incidents, against.loc[(b, a)]))
        for (a, b), incidents in against.items()
        if a < b
    ]


def counter_index(allegations: list[CounterAllegation]) -> dict[str, list[CounterAllegation]]:
    """Each person's counter-allegations."""
    index: dict[str, list[CounterAllegation]] = defaultdict(list)
    for allegation in allegations:
        for person in allegation.person_ids:
            index[person].append(allegation)
    return dict(index)
