"""The generator: background careers that can never qualify, the planted ones, and the
files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from perp_graph.errors import OutputError
from perp_graph.synth.columns import _surname_indices, _Tables, _weights, _zipf_weights
from perp_graph.synth.config import SynthConfig, Truth
from perp_graph.synth.planting import Planting
from perp_graph.synth.vocabulary import CATEGORY_WEIGHTS, NEIGHBOURHOODS, RISK_WEIGHTS, SURNAMES
from perp_graph.synth.writing import Writing


class _Generator(Planting, Writing):
    """Seeded synthetic force data: one run, one data set."""

    def __init__(self, config: SynthConfig) -> None:
        self.c = config
        self.rng = np.random.default_rng(config.seed)
        self.t = _Tables()
        self.n_people = 0
        self.n_incidents = 0
        self.start_day = (config.start_date - dt.date(1970, 1, 1)).days
        self.end_day = (config.end_date - dt.date(1970, 1, 1)).days
        self.truth = Truth()

    # --- people ----------------------------------------------------------------

    def people(self, n: int, gender: np.ndarray | str, *, suspect: bool) -> np.ndarray:
        """Create n people; return their indices."""
        rng = self.rng
        ids = np.arange(self.n_people, self.n_people + n)
        self.n_people += n
        if isinstance(gender, str):
            gender = np.full(n, gender)
        age = np.clip(rng.gamma(6.0, 5.5, n) + 16, 16, 85).astype(int)
        neighbourhood = rng.choice(len(NEIGHBOURHOODS), n, p=_zipf_weights(len(NEIGHBOURHOODS)))
        pnc = rng.random(n) < (0.7 if suspect else 0.2)
        alias = rng.random(n) < (0.08 if suspect else 0.01)
        firearms = np.where(rng.random(n) < (0.015 if suspect else 0.004), 1, 0)
        self.t.add(
            "people",
            idx=ids,
            gender=gender,
            forename=rng.integers(0, 10_000, n),
            surname=_surname_indices(rng, n),
            alias_surname=np.where(alias, rng.integers(0, len(SURNAMES), n), -1),
            birth_day=self.end_day - age * 365 - rng.integers(0, 365, n),
            pnc=np.where(pnc, rng.integers(0, 999_999, n), -1),
            neighbourhood=neighbourhood,
            postcode=rng.integers(0, 10_000, n),
            firearms=np.where(suspect, firearms, np.where(rng.random(n) < 0.5, 0, -1)),
        )
        return ids

    def partners_for(self, suspects_gender: np.ndarray) -> np.ndarray:
        # Mostly opposite-sex partners, some same-sex.
        same = self.rng.random(len(suspects_gender)) < 0.05
        opposite = np.where(suspects_gender == "M", "F", "M")
        return np.where(same, suspects_gender, opposite)

    # --- incidents -------------------------------------------------------------

    def incidents(
        self,
        days: np.ndarray,
        categories: np.ndarray,
        neighbourhood_of: np.ndarray,
    ) -> np.ndarray:
        rng = self.rng
        n = len(days)
        ids = np.arange(self.n_incidents, self.n_incidents + n)
        self.n_incidents += n
        self.t.add(
            "incidents",
            idx=ids,
            day=days,
            minute=np.where(rng.random(n) < 0.5, rng.integers(0, 1440, n), -1),
            category=categories,
            risk=rng.choice(3, n, p=RISK_WEIGHTS),
            person_for_place=neighbourhood_of,
            children=rng.random(n) < 0.25,
        )
        return ids

    def involve(
        self, incident: np.ndarray, person: np.ndarray, role: str, rts: np.ndarray | str = ""
    ) -> None:
        n = len(incident)
        self.t.add(
            "involvements",
            incident=incident,
            person=person,
            role=np.full(n, role),
            rts=np.full(n, rts) if isinstance(rts, str) else rts,
        )

    def relate(
        self,
        a: np.ndarray,
        b: np.ndarray,
        kind: str | np.ndarray,
        start: np.ndarray | None = None,
        end: np.ndarray | None = None,
    ) -> None:
        n = len(a)
        self.t.add(
            "relationships",
            a=a,
            b=b,
            kind=np.full(n, kind) if isinstance(kind, str) else kind,
            start=np.full(n, -1) if start is None else start,
            end=np.full(n, -1) if end is None else end,
        )

    def order(self, person: int, kind: str, start: int, end: int, protected: int) -> None:
        self.t.add(
            "orders", person=[person], kind=[kind], start=[start], end=[end], protected=[protected]
        )

    # --- background --------------------------------------------------------------

    def background(self, n_incidents: int) -> None:
        """Careers of one suspect against one victim: partners, family, others."""
        rng = self.rng
        guess = int(n_incidents * 0.75 * 1.2) + 20
        counts = rng.geometric(0.75, guess)
        total = np.cumsum(counts)
        last = int(np.searchsorted(total, n_incidents))
        counts = counts[: last + 1]
        counts[-1] -= total[last] - n_incidents
        n_careers = len(counts)
        kind = rng.choice(3, n_careers, p=(0.8, 0.15, 0.05))  # partner, family, other
        suspect_gender = np.where(rng.random(n_careers) < 0.82, "M", "F")
        suspects = self.people(n_careers, suspect_gender, suspect=True)
        victim_gender = np.where(
            kind == 0, self.partners_for(suspect_gender), rng.choice(["F", "M"], n_careers)
        )
        victims = self.people(n_careers, victim_gender, suspect=False)
        # Some background victims are, in another career, the suspect against a new
        # partner: they become suspects with one partner victim each.
        # Neither kind of career may hold a counter-allegation, which would give
        # the person a second partner victim.
        turned = np.flatnonzero((kind == 0) & (rng.random(n_careers) < 0.04))
        targets = np.flatnonzero(kind == 0)
        targets = targets[~np.isin(targets, turned)][: len(turned)]
        turned = turned[: len(targets)]
        suspects[targets] = victims[turned]

        span = self.end_day - self.start_day
        career_start = self.start_day + rng.integers(0, span + 1, n_careers)
        career_len = np.minimum(rng.integers(30, 730, n_careers), self.end_day - career_start)
        career = np.repeat(np.arange(n_careers), counts)
        offset = (rng.random(len(career)) * (career_len[career] + 1)).astype(int)
        days = career_start[career] + offset
        # Draw categories so that planted and background incidents together follow
        # the calibrated mix.
        target = _weights(CATEGORY_WEIGHTS.values()) * (self.n_incidents + len(career))
        planted = np.bincount(self._planted_categories(), minlength=len(CATEGORY_WEIGHTS))
        residual = np.maximum(target - planted, 0)
        categories = rng.choice(len(CATEGORY_WEIGHTS), len(career), p=residual / residual.sum())
        incident = self.incidents(days, categories, victims[career])
        ip_kind = np.where(rng.random(n_careers) < 0.6, "intimate_partner", "ex_intimate_partner")
        rts = np.select([kind == 0, kind == 1], [ip_kind, np.full(n_careers, "family")], "other")
        # Some recorders leave relationship_to_suspect blank; relationships.csv then carries it.
        has_rel = rng.random(n_careers) < 0.7
        blank_rts = (kind == 0) & has_rel & (rng.random(n_careers) < 0.15)
        rts = np.where(blank_rts, "", rts)
        self.involve(incident, suspects[career], "suspect")
        self.involve(incident, victims[career], "victim", rts[career])

        partner = np.flatnonzero((kind == 0) & has_rel)
        self.relate(
            suspects[partner],
            victims[partner],
            ip_kind[partner],
            career_start[partner] - rng.integers(30, 3000, len(partner)),
            np.where(
                ip_kind[partner] == "ex_intimate_partner",
                career_start[partner] + career_len[partner],
                -1,
            ),
        )
        household = partner[rng.random(len(partner)) < 0.4]
        self.relate(suspects[household], victims[household], "household")
        family = np.flatnonzero(kind == 1)
        self.relate(suspects[family], victims[family], "family")

        # Counter-allegations: in one incident each partner is suspect and victim.
        eligible = (kind == 0) & ~np.isin(np.arange(n_careers), np.concatenate([turned, targets]))
        counter = np.flatnonzero(eligible & (rng.random(n_careers) < 0.04))
        first_incident = np.searchsorted(career, counter)
        self.involve(
            incident[first_incident],
            victims[counter],
            "suspect",
        )
        self.involve(incident[first_incident], suspects[counter], "victim", ip_kind[counter])
        self.truth.counter_allegations += [
            (int(a), int(b)) for a, b in zip(suspects[counter], victims[counter], strict=True)
        ]

        # Multi-suspect incidents: a relative of the suspect joins in (used once only),
        # never in a counter-allegation (both partners there would be his "partner" victims).
        multi = np.flatnonzero(rng.random(len(incident)) < 0.03)
        multi = multi[~np.isin(multi, first_incident)]
        helpers = self.people(len(multi), "M", suspect=True)
        self.involve(incident[multi], helpers, "suspect")
        self.relate(suspects[career[multi]], helpers, "family")

        # Witnesses: neighbours or relatives.
        seen = np.flatnonzero(rng.random(len(incident)) < 0.25)
        witnesses = self.people(len(seen), rng.choice(["F", "M"], len(seen)), suspect=False)
        self.involve(incident[seen], witnesses, "witness")

        # Some orders already in force for background suspects.
        ordered = np.flatnonzero(rng.random(n_careers) < 0.05)
        for c in ordered[:5000]:
            start = int(career_start[c] + career_len[c])
            self.order(
                int(suspects[c]),
                str(
                    rng.choice(
                        ["dvpo", "restraining_order", "non_molestation_order", "bail_conditions"]
                    )
                ),
                start,
                start + int(rng.integers(28, 730)),
                int(victims[c]),
            )

    def run(self) -> None:
        c = self.c
        expected_background = max(1, round(c.total_incidents / 1.3333))
        n_current = max(2, round(expected_background * c.serial_current_rate / 1000))
        n_historic = (
            max(1, round(expected_background * c.serial_historic_rate / 1000))
            if c.years >= c.window_years + 1
            else 0
        )
        n_decoys = max(1, round(expected_background * c.decoy_rate / 1000))
        self.plant_serial(n_current, current=True)
        self.plant_serial(n_historic, current=False)
        self.plant_decoys(n_decoys)
        self.plant_early_warnings(max(1, round(expected_background * c.early_warning_rate / 1000)))
        self.plant_escalations(max(1, round(expected_background * c.escalation_rate / 1000)))
        planted = self.n_incidents
        self.background(max(1, c.total_incidents - planted))


def generate(out_dir: Path, config: SynthConfig, *, overwrite: bool = False) -> dict[str, int]:
    """Write people/incidents/involvements/relationships/orders CSVs and truth.json."""
    existing = [p for p in ("people.csv", "truth.json") if (out_dir / p).exists()]
    if existing and not overwrite:
        raise OutputError(f"{out_dir} already holds generated data; pass --overwrite to replace it")
    generator = _Generator(config)
    generator.run()
    return generator.write(out_dir)
