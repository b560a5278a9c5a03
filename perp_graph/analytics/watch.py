"""Release watch: whose custody, bail or order ends soon, and which victims to re-contact.

HMIC (2014) found victims were not re-contacted when perpetrators left custody or bail.
The watch lists every serial perpetrator (current or historic) and every high-priority
perpetrator with an order binding them on T (custody, bail conditions, licence or any
protective order: started on or before T, or no start recorded) whose end date falls
within [T, T + N days]. The victims to re-contact are everyone the order protects, every
qualifying victim of a serial perpetrator (however long ago: a historic serial's victims
need to know of a release too), and everyone the perpetrator was recorded as a suspect
against in the scan's window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from perp_graph.analytics.acpo import window_start
from perp_graph.analytics.dossier_parts import ORDER_NAMES
from perp_graph.analytics.offending import Offending
from perp_graph.analytics.priority import Priority
from perp_graph.frames import isin


@dataclass(frozen=True)
class Ending:
    """An order or custody ending within the watch's days: when, and whom it protects."""

    order_type: str
    end_date: dt.date
    days_left: int
    protected_person_id: str | None

    @property
    def name(self) -> str:
        """The order's name as the watch prints it (its order_type when not a known one)."""
        return ORDER_NAMES.get(self.order_type, self.order_type)

    def as_json(self) -> dict[str, Any]:
        """The ending as plain JSON (end date ISO 8601, days left as a whole number)."""
        return {
            "order_type": self.order_type,
            "end_date": self.end_date.isoformat(),
            "days_left": self.days_left,
            "protected_person_id": self.protected_person_id,
        }


@dataclass(frozen=True)
class WatchEntry:
    """One perpetrator on the release watch, why they are on it, and the victims to re-contact."""

    person_id: str
    why: str  # "serial (current)", "serial (historic)" or "high priority"
    priority: Priority | None
    endings: tuple[Ending, ...]  # soonest first
    victims_to_recontact: tuple[str, ...]

    @property
    def days_left(self) -> int:
        """Days until the soonest ending."""
        return self.endings[0].days_left

    def as_json(self) -> dict[str, Any]:
        """The entry as plain JSON (watch JSON; the priority's JSON or null)."""
        return {
            "person_id": self.person_id,
            "why": self.why,
            "priority": self.priority.as_json() if self.priority else None,
            "endings": [e.as_json() for e in self.endings],
            "victims_to_recontact": list(self.victims_to_recontact),
        }


def release_watch(
    orders: pd.DataFrame,
    offending: Offending,
    statuses: Mapping[str, str],
    priorities: Mapping[str, Priority],
    qualifying_victims: Mapping[str, Collection[str]],
    days: int,
    window_years: int,
    high_bands: Collection[str] = ("high",),
) -> list[WatchEntry]:
    """The watch list as of offending.as_of, soonest ending first (then highest score)."""
    t = offending.as_of
    watched = set(statuses) | {p for p, s in priorities.items() if s.band in high_bands}
    orders = orders[isin(orders["person_id"], list(watched)) & orders["end_date"].notna()]
    start, end = np.datetime64(t, "s"), np.datetime64(t + dt.timedelta(days=days), "s")
    orders = orders[
        (orders["start_date"].isna() | (orders["start_date"] <= start))
        & (orders["end_date"] >= start)
        & (orders["end_date"] <= end)
    ]
    window = offending.between(window_start(t, window_years), t).victims
    victims_of = window.groupby("suspect_id")["victim_id"].agg(lambda s: set(s))
    entries = []
    for person, group in orders.groupby("person_id", sort=True):
        endings = sorted(
            {
                Ending(
                    order_type=kind,
                    end_date=pd.Timestamp(ends).date(),
                    days_left=(pd.Timestamp(ends).date() - t).days,
                    protected_person_id=None if pd.isna(protected) else protected,
                )
                for kind, ends, protected in zip(
                    group["order_type"],
                    group["end_date"],
                    group["protected_person_id"],
                    strict=True,
                )
            },
            key=lambda e: (e.days_left, e.order_type, e.protected_person_id or ""),
        )
        protected = {e.protected_person_id for e in endings if e.protected_person_id}
        status = statuses.get(person)
        entries.append(
            WatchEntry(
                person_id=person,
                why=f"serial ({status})" if status else "high priority",
                priority=priorities.get(person),
                endings=tuple(endings),
                victims_to_recontact=tuple(
                    sorted(
                        protected
                        | victims_of.get(person, set())
                        | set(qualifying_victims.get(person, ()))
                    )
                ),
            )
        )
    return sorted(
        entries,
        key=lambda e: (e.days_left, -(e.priority.score if e.priority else 0.0), e.person_id),
    )
