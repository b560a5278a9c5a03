"""The planted careers whose outcome is known from their dates alone (the ground truth):
serial perpetrators current and historic, decoys, early warnings, escalations."""

from __future__ import annotations

import datetime as dt

import numpy as np

from perp_graph.analytics.acpo import window_start
from perp_graph.synth.columns import _weights
from perp_graph.synth.vocabulary import (
    CATEGORY_INDEX,
    CATEGORY_WEIGHTS,
    NON_VIOLENT_FOR_PLANTING,
    VIOLENT_FOR_PLANTING,
)


class Planting:
    """The generator's planting half (mixed into the generator)."""

    def _planted_categories(self) -> np.ndarray:
        chunks = self.t.chunks.get("incidents", {}).get("category", [])
        return np.concatenate(chunks).astype(int) if chunks else np.zeros(0, dtype=int)

    # --- planted careers -----------------------------------------------------------

    def _violent_incident(self, suspect: int, victim: int, day: int, rts: str) -> int:
        weights = _weights(CATEGORY_WEIGHTS[c] for c in VIOLENT_FOR_PLANTING)
        category = CATEGORY_INDEX[str(self.rng.choice(VIOLENT_FOR_PLANTING, p=weights))]
        return self._incident_between(suspect, victim, day, category, rts)

    def _incident_between(
        self, suspect: int, victim: int, day: int, category: int, rts: str
    ) -> int:
        incident = self.incidents(np.array([day]), np.array([category]), np.array([victim]))
        self.involve(incident, np.array([suspect]), "suspect")
        self.involve(incident, np.array([victim]), "victim", rts)
        return int(incident[0])

    def _partner(self, suspect: int, victim: int, start: int, end: int, source: str) -> str:
        """Make them partners through relationships.csv, the involvement, or both."""
        rts = "intimate_partner" if end < 0 else "ex_intimate_partner"
        if source in ("relationship", "both"):
            self.relate(
                np.array([suspect]),
                np.array([victim]),
                rts,
                np.array([start - 200]),
                np.array([end]),
            )
        return rts if source in ("involvement", "both") else ""

    def _career(
        self, suspect: int, n_victims: int, first_day: int, last_day: int, *, ongoing: bool
    ) -> tuple[list[int], list[tuple[int, int, int]]]:
        """Partners one after another, 1-3 violent incidents each, on distinct days."""
        rng = self.rng
        victims = list(self.people(n_victims, "F", suspect=False))
        n_events = [int(rng.integers(1, 4)) for _ in victims]
        days = np.sort(rng.choice(np.arange(first_day, last_day + 1), sum(n_events), replace=False))
        events: list[tuple[int, int, int]] = []
        position = 0
        for v, (victim, count) in enumerate(zip(victims, n_events, strict=True)):
            block = days[position : position + count]
            position += count
            last = v == n_victims - 1
            end = -1 if (last and ongoing) else int(block[-1]) + 10
            source = str(rng.choice(["relationship", "involvement", "both"]))
            rts = self._partner(suspect, int(victim), int(block[0]), end, source)
            for day in block:
                events.append(
                    (
                        int(day),
                        self._violent_incident(suspect, int(victim), int(day), rts),
                        int(victim),
                    )
                )
        return [int(v) for v in victims], events

    def plant_serial(self, n: int, *, current: bool) -> None:
        """Plant `n` serial perpetrators: 2-4 unconnected intimate-partner victims of
        violence within one window, ending inside it (`current`) or before it (historic)."""
        rng = self.rng
        w = self.c.window_years
        end = self.c.end_date
        current_start = (window_start(end, w) - dt.date(1970, 1, 1)).days
        for _ in range(n):
            suspect = int(self.people(1, "M", suspect=True)[0])
            k = int(rng.choice([2, 3, 4], p=[0.6, 0.3, 0.1]))
            if current:
                last = self.end_day - int(rng.integers(0, 300))
                first = max(current_start + 1, last - int(rng.integers(200, 900)))
            else:
                last = current_start - int(rng.integers(60, 300))
                first = max(self.start_day, last - int(rng.integers(200, 540)))
            victims, events = self._career(suspect, k, first, last, ongoing=current)
            if not current and rng.random() < 0.5:
                # Violence against the last partner again, recently: still only one
                # victim in the current window, so still historic.
                day = self.end_day - int(rng.integers(0, 200))
                rts = "ex_intimate_partner"
                events.append(
                    (day, self._violent_incident(suspect, victims[-1], day, rts), victims[-1])
                )
            if rng.random() < 0.3:
                day = int(rng.integers(first, self.end_day + 1))
                self._incident_between(
                    suspect,
                    victims[0],
                    day,
                    CATEGORY_INDEX["coercive_control"],
                    "ex_intimate_partner",
                )
            events.sort()
            first_qualified = next(day for day, _i, v in events if v != events[0][2])
            order_ends = self._orders_for_serial(suspect, victims)
            self.truth.serial.append(
                {
                    "order_ends_day": order_ends,
                    "person": suspect,
                    "status": "current" if current else "historic",
                    "first_qualified_day": first_qualified,
                    "victims": sorted(set(victims)),
                    "incidents": sorted(i for _d, i, _v in events),
                }
            )

    def _orders_for_serial(self, suspect: int, victims: list[int]) -> int | None:
        """Custody or an order in force at the end date, sometimes; its end day."""
        rng = self.rng
        draw = rng.random()
        if draw < 0.25:
            release = self.end_day + int(rng.integers(1, 120))
            self.order(suspect, "custody", release - int(rng.integers(90, 700)), release, -1)
            return release
        if draw < 0.6:
            start = self.end_day - int(rng.integers(10, 400))
            kind = str(rng.choice(["dvpo", "restraining_order", "bail_conditions", "licence"]))
            ends = self.end_day + int(rng.integers(1, 365))
            self.order(suspect, kind, start, ends, victims[-1])
            return ends
        return None

    def plant_decoys(self, n: int) -> None:
        """Plant `n` careers the scan must not report: connected victims, a second partner
        harassed but not threatened, violence more than the window apart, a partner and a
        parent."""
        rng = self.rng
        w_days = self.c.window_years * 365
        kinds = ["connected_victims", "non_violent_second_partner", "partner_and_parent"]
        if self.end_day - self.start_day > w_days + 250:
            kinds.append("partners_more_than_window_apart")
        for j in range(n * len(kinds)):
            kind = kinds[j % len(kinds)]
            suspect = int(self.people(1, "M", suspect=True)[0])
            first = self.end_day - int(rng.integers(100, 900))
            if kind == "connected_victims":
                v1, v2 = (int(x) for x in self.people(2, "F", suspect=False))
                self.relate(
                    np.array([v1]), np.array([v2]), str(rng.choice(["family", "household"]))
                )
                rts1 = self._partner(suspect, v1, first, first + 30, "both")
                rts2 = self._partner(suspect, v2, first + 60, -1, "both")
                self._violent_incident(suspect, v1, first, rts1)
                self._violent_incident(suspect, v2, first + 60, rts2)
            elif kind == "non_violent_second_partner":
                v1, v2 = (int(x) for x in self.people(2, "F", suspect=False))
                rts1 = self._partner(suspect, v1, first, first + 30, "involvement")
                rts2 = self._partner(suspect, v2, first + 60, -1, "both")
                self._violent_incident(suspect, v1, first, rts1)
                for day in (first + 60, first + 90):
                    category = CATEGORY_INDEX[str(rng.choice(NON_VIOLENT_FOR_PLANTING))]
                    self._incident_between(suspect, v2, day, category, rts2)
            elif kind == "partner_and_parent":
                v1 = int(self.people(1, "F", suspect=False)[0])
                parent = int(self.people(1, "F", suspect=False)[0])
                self.relate(np.array([suspect]), np.array([parent]), "family")
                rts1 = self._partner(suspect, v1, first, -1, "both")
                self._violent_incident(suspect, v1, first, rts1)
                self._violent_incident(suspect, parent, first + 45, "family")
            else:
                v1, v2 = (int(x) for x in self.people(2, "F", suspect=False))
                early = self.start_day + int(rng.integers(0, 60))
                late = early + w_days + 30 + int(rng.integers(0, 60))
                late = min(late, self.end_day)
                rts1 = self._partner(suspect, v1, early, early + 10, "both")
                rts2 = self._partner(suspect, v2, late, -1, "involvement")
                self._violent_incident(suspect, v1, early, rts1)
                self._violent_incident(suspect, v2, late, rts2)
            self.truth.non_serial.append({"person": suspect, "reason": kind})

    def plant_early_warnings(self, n: int) -> None:
        """Violence against one partner in the current window, then a new partner: by a
        relationship record that starts later, or by a later non-violent incident."""
        rng = self.rng
        for j in range(n):
            suspect = int(self.people(1, "M", suspect=True)[0])
            v1, partner = (int(x) for x in self.people(2, "F", suspect=False))
            first = self.end_day - int(rng.integers(250, 800))
            last = first + int(rng.integers(0, 60))
            source = str(rng.choice(["relationship", "involvement", "both"]))
            rts = self._partner(suspect, v1, first, last + 10, source)
            for day in sorted({first, last}):
                self._violent_incident(suspect, v1, day, rts)
            since = min(last + int(rng.integers(20, 200)), self.end_day)
            if j % 2 == 0:
                self.relate(
                    np.array([suspect]), np.array([partner]), "intimate_partner", np.array([since])
                )
            else:
                category = CATEGORY_INDEX[str(rng.choice(NON_VIOLENT_FOR_PLANTING))]
                self._incident_between(suspect, partner, since, category, "intimate_partner")
            self.truth.early_warning.append(
                {"person": suspect, "victims": [v1], "new_partners": [partner]}
            )

    def plant_escalations(self, n: int) -> None:
        """One common assault 12-24 months ago, then three or four incidents in the last 12
        months, one of them graver: more frequent and more serious."""
        rng = self.rng
        for _ in range(n):
            suspect = int(self.people(1, "M", suspect=True)[0])
            victim = int(self.people(1, "F", suspect=False)[0])
            rts = self._partner(suspect, victim, self.end_day - 700, -1, "both")
            earlier = self.end_day - int(rng.integers(380, 700))
            self._incident_between(
                suspect, victim, earlier, CATEGORY_INDEX["violence_without_injury"], rts
            )
            days = np.sort(rng.choice(np.arange(self.end_day - 350, self.end_day), 4, False))
            count = int(rng.integers(3, 5))
            for k, day in enumerate(days[:count]):
                grave = "strangulation" if k == count - 1 else "violence_without_injury"
                self._incident_between(suspect, victim, int(day), CATEGORY_INDEX[grave], rts)
            self.truth.escalation.append(suspect)

    # --- output ----------------------------------------------------------------------
