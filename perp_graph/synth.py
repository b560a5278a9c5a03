"""Seeded synthetic force data with planted serial perpetrators and a ground truth.

Nothing here is real: names are drawn from generic lists, postcodes use the
non-existent area "ZZ", neighbourhoods are invented.

Calibration (HMIC 2014, Kent Police, 12 months): about 9,010 domestic-abuse
crimes a year, of which 3,550 assault with injury and 75 assault with intent
to cause serious harm (both `violence_with_injury` here), 558 harassment, 188
sexual offences; the remaining 4,639 are spread over the other categories by
this module's own assumption (CATEGORY_WEIGHTS). DASH risk 71% standard, 19%
medium, 10% high. About a quarter of incidents are from repeat victims: a
perpetrator-victim "career" has a geometric number of incidents with mean 4/3.

Background careers can never qualify under the ACPO rule by construction
(each background suspect has at most one intimate-partner victim). The planted
careers are built so their outcome is known from their dates alone; that is
the ground truth (`truth.json`), independent of the scan's code:
- serial_current / serial_historic: 2-4 unconnected intimate-partner victims
  of violence within one window, ending inside / before the window at the
  end date;
- decoys that must not be reported: victims who are sisters (connected),
  violence against partners more than the window apart, a second partner
  harassed but not threatened with violence, a partner and a parent.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from perp_graph.analytics.acpo import window_start
from perp_graph.errors import OutputError
from perp_graph.pnc import CHECK_LETTERS
from perp_graph.synth_duplicates import add_duplicates

KENT_CRIMES_PER_YEAR = 9_010

#: Crimes a year by category; the first four figures are HMIC's, the rest assumed.
CATEGORY_WEIGHTS: dict[str, int] = {
    "violence_with_injury": 3_550 + 75,
    "harassment": 558,
    "sexual_offence": 188,
    "violence_without_injury": 2_300,
    "criminal_damage": 900,
    "coercive_control": 400,
    "threats": 350,
    "breach_of_order": 200,
    "harassment_fear_of_violence": 150,
    "stalking": 150,
    "threats_to_kill": 80,
    "stalking_fear_of_violence": 60,
    "strangulation": 49,
}
VIOLENT_FOR_PLANTING = (
    "violence_with_injury",
    "violence_without_injury",
    "threats_to_kill",
    "strangulation",
    "sexual_offence",
)
NON_VIOLENT_FOR_PLANTING = ("harassment", "coercive_control", "stalking", "criminal_damage")
RISK_LEVELS = ("standard", "medium", "high")
RISK_WEIGHTS = (0.71, 0.19, 0.10)

NEIGHBOURHOODS = (
    "Northgate",
    "Riverside",
    "Castle Hill",
    "Harbourside",
    "Millbrook",
    "Oakfield",
    "St Anne's",
    "Westcliff",
    "Eastbrook",
    "Kingsmead",
    "Marshlands",
    "Priory",
    "Southfields",
    "Abbey Wood Vale",
    "Chalk Downs",
    "Orchard Park",
    "Queensway",
    "Hopfield",
    "Seaview",
    "Brookside",
)
FEMALE_NAMES = (
    "Olivia Amelia Isla Ava Emily Sophia Grace Mia Poppy Ella Lily Evie Charlotte Jessica "
    "Daisy Sophie Ruby Chloe Freya Alice Sienna Phoebe Holly Megan Hannah Lucy Amy Laura "
    "Rebecca Sarah Emma Gemma Kirsty Leanne Stacey Donna Claire Nicola Michelle Kelly "
    "Joanne Lisa Karen Tracey Julie Dawn Samantha Natalie Zoe Katie Aisha Fatima Priya "
    "Zainab Maria Agnieszka Chantelle Jade Shannon Courtney "
    # more of the names women in England and Wales carry, across generations
    "Abigail Aimee Alexandra Alison Amanda Andrea Angela Anna Annabel Anne Ashleigh Bethany "
    "Beverley Bridget Caitlin Carly Caroline Carol Catherine Charlene Chelsea Christine "
    "Ciara Danielle Debbie Deborah Denise Eleanor Elizabeth Ellie Eloise Emilia Erin Esme "
    "Eve Fiona Florence Francesca Georgia Gillian Hayley Heather Helen Imogen Jacqueline "
    "Jane Janet Jasmine Jennifer Jenny Joanna Josephine Julia Kate Katherine Kayleigh "
    "Kerry Kimberley Kirsten Layla Leah Lauren Linda Lindsey Lorraine Louise Lydia Maisie "
    "Margaret Matilda Melissa Millie Molly Naomi Niamh Nadia Olga Paige Patricia Paula "
    "Rachel Rosie Sadie Sandra Sara Scarlett Sharon Sheila Siobhan Stephanie Susan Tanya "
    "Teresa Tia Toni Valerie Vanessa Victoria Wendy Yasmin Yvonne Zara"
).split()
MALE_NAMES = (
    "Oliver George Harry Jack Jacob Noah Charlie Thomas Oscar William James Leo Alfie "
    "Joshua Freddie Archie Ethan Logan Daniel Samuel Joseph Lewis Ryan Liam Callum Connor "
    "Jamie Dean Wayne Lee Darren Craig Gary Paul Mark Stephen Andrew David Michael Scott "
    "Jason Kevin Neil Shaun Stuart Carl Ricky Kyle Mohammed Ahmed Imran Tomasz Piotr "
    "Marius Adam Ben Matthew Nathan Aaron Reece "
    # more of the names men in England and Wales carry, across generations
    "Aiden Alan Alex Alexander Alistair Anthony Arthur Ashley Barry Benjamin Billy Bradley "
    "Brian Cameron Christopher Colin Dale Damian Danny Declan Dominic Dylan Edward Elliot "
    "Emmanuel Euan Finley Francis Frank Frederick Gareth Gavin Gordon Graham Grant Gregory "
    "Harrison Harvey Henry Hugh Ian Isaac Jake Jamal Jared Jay Jeffrey Jerome Jonathan "
    "Jordan Jude Justin Karl Keith Kieran Lawrence Leon Lloyd Luke Malcolm Martin Max "
    "Nathaniel Nicholas Nigel Owen Patrick Peter Philip Raymond Richard Robert Roger Ross "
    "Rory Russell Sean Sebastian Simon Spencer Stanley Terry Theo Timothy Toby Tony Trevor "
    "Tyler Victor Vincent Warren Zachary Zak Hamza Yusuf Bilal Krzysztof Andrei Florin"
).split()
SURNAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson "
    "Evans Walker White Roberts Green Hall Wood Jackson Clarke Patel Khan Lewis James "
    "Phillips Mason Mitchell Rose Davis Rodriguez Cox Alexander Morgan Moore Mills "
    "King Lee Baker Harris Turner Hill Cooper Ward Morris Moore Clark Carter Price "
    "Bennett Gray Hughes Edwards Collins Stewart Murphy Cook Rogers Bell Bailey Parker "
    "Kelly Howard Richardson Watson Brooks Chapman Knight Russell Marshall Ellis Palmer "
    "Shaw Holmes Fox Lloyd Webb Hunt Barnes Kowalski Nowak Ahmed Hussain Begum Ali "
    "Singh Okafor Mensah O'Brien Murray Fraser Campbell Reid Byrne Doyle Quinn"
).split()
# The long tail: real populations spread over tens of thousands of surnames, so a
# common name is evidence of little and a rare one of much (record linkage relies on
# it). Invented English-looking surnames from parts, after the common ones above.
_SURNAME_HEADS = (
    "Ash Black Brad Brook Cald Chat Clay Cran Dal Dun Elm Fair Fen Gar Glad Green Hal Har "
    "Haw Hol Kem Kings Lang Lind Mar Mid Mor Nor Oak Pem Rad Red Rush Sal Shel Stan Stock "
    "Sut Thorn Tow Wal War Wel West Whit Wim Win Wood Yar Brom Carl Dray Ful Hard Lyn Mil"
).split()
_SURNAME_TAILS = (
    "ford field ley ton well wood worth more by ham hurst cliffe dale wick stead ridge "
    "combe lock marsh shaw thorpe well brook cott den gate"
).split()
SURNAMES = tuple(SURNAMES) + tuple(
    head + tail for head in _SURNAME_HEADS for tail in _SURNAME_TAILS if head[-1] != tail[0]
)
#: Common surnames (the first list) hold about a quarter of people; the tail the rest.
_COMMON_SURNAMES = 104


@dataclass(frozen=True)
class SynthConfig:
    """What to generate. `incidents` None means Kent's annual volume for each year."""

    seed: int = 1
    years: int = 5
    incidents: int | None = None
    end_date: dt.date = field(default_factory=dt.date.today)
    window_years: int = 3
    #: planted careers per 1,000 background careers
    serial_current_rate: float = 12.0
    serial_historic_rate: float = 6.0
    decoy_rate: float = 4.0
    early_warning_rate: float = 3.0
    escalation_rate: float = 3.0
    #: share of people recorded a second time under another id (perp_graph.synth_duplicates)
    duplicates: float = 0.0

    @property
    def total_incidents(self) -> int:
        return self.incidents if self.incidents is not None else KENT_CRIMES_PER_YEAR * self.years

    @property
    def start_date(self) -> dt.date:
        return window_start(self.end_date, self.years)


@dataclass
class Truth:
    """What was planted (as generator indices), and so what the ACPO scan must say."""

    serial: list[dict] = field(default_factory=list)
    non_serial: list[dict] = field(default_factory=list)
    #: issue 7's alerts, planted: one step from the definition with a new partner ...
    early_warning: list[dict] = field(default_factory=list)
    #: ... incidents more frequent and more serious ...
    escalation: list[int] = field(default_factory=list)
    #: ... and pairs each recorded as a suspect against the other
    counter_allegations: list[tuple[int, int]] = field(default_factory=list)


class _Tables:
    """Columns accumulated as numpy chunks, concatenated once at the end."""

    def __init__(self) -> None:
        self.chunks: dict[str, dict[str, list[np.ndarray]]] = {}

    def add(self, table: str, **columns: np.ndarray | list) -> None:
        store = self.chunks.setdefault(table, {})
        for name, values in columns.items():
            store.setdefault(name, []).append(np.array(values))  # a copy: callers reuse arrays

    def frame(self, table: str) -> pd.DataFrame:
        return pd.DataFrame({k: np.concatenate(v) for k, v in self.chunks[table].items()})


class _Generator:
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

    def write(self, out_dir: Path) -> dict[str, int]:
        out_dir.mkdir(parents=True, exist_ok=True)
        # Shuffle ids so that planted careers are not the first records.
        person_id = _ids("P", self.n_people, 7)[self.rng.permutation(self.n_people)]
        incident_id = _ids("I", self.n_incidents, 8)[self.rng.permutation(self.n_incidents)]
        frames = {
            "people": self._people_frame(person_id),
            "incidents": self._incidents_frame(incident_id),
            "involvements": self._involvements_frame(person_id, incident_id),
            "relationships": self._relationships_frame(person_id),
            "orders": self._orders_frame(person_id),
        }
        pairs: list[tuple[str, str]] = []
        if self.c.duplicates > 0:
            frames, pairs = add_duplicates(frames, self.c.duplicates, self.rng)
        for name, frame in frames.items():
            _write_csv(frame, out_dir / f"{name}.csv")
        truth = self._truth_json(person_id, incident_id, pairs)
        (out_dir / "truth.json").write_text(json.dumps(truth, indent=2) + "\n")
        return {name: len(frame) for name, frame in frames.items()}

    def _truth_json(
        self, person_id: np.ndarray, incident_id: np.ndarray, pairs: list[tuple[str, str]]
    ) -> dict:
        # With duplicates, people are identities: ids are an identity's smallest record id,
        # and the records behind each are listed (data contract, section 3).
        records: dict[str, list[str]] = {}
        for original, duplicate in pairs:
            records.setdefault(original, [original]).append(duplicate)

        def record_ids(index: int) -> list[str]:
            return sorted(records.get(person_id[index], [person_id[index]]))

        serial = []
        for r in self.truth.serial:
            entry = {
                "person_id": person_id[r["person"]],
                "status": r["status"],
                "first_qualified_on": _iso(r["first_qualified_day"]),
                "victim_ids": sorted(person_id[v] for v in r["victims"]),
                "qualifying_incident_ids": sorted(incident_id[i] for i in r["incidents"]),
            }
            if pairs:
                entry["record_ids"] = record_ids(r["person"])
                entry["victim_record_ids"] = {
                    person_id[v]: record_ids(v) for v in sorted(set(r["victims"]))
                }
            serial.append(entry)
        non_serial = [
            {"person_id": person_id[r["person"]], "reason": r["reason"]}
            for r in self.truth.non_serial
        ]
        watch_until = self.end_day + 28
        alerts = {
            "early_warning": sorted(
                (
                    {
                        "person_id": person_id[r["person"]],
                        "victim_ids": sorted(person_id[v] for v in r["victims"]),
                        "new_partner_ids": sorted(person_id[v] for v in r["new_partners"]),
                    }
                    for r in self.truth.early_warning
                ),
                key=lambda r: r["person_id"],
            ),
            "escalation": sorted(person_id[p] for p in self.truth.escalation),
            "counter_allegations": sorted(
                sorted([person_id[a], person_id[b]]) for a, b in self.truth.counter_allegations
            ),
            "release_watch_28_days": sorted(
                person_id[r["person"]]
                for r in self.truth.serial
                if r["order_ends_day"] is not None
                and self.end_day <= r["order_ends_day"] <= watch_until
            ),
        }
        return {
            "as_of": self.c.end_date.isoformat(),
            "window_years": self.c.window_years,
            "min_victims": 2,
            "seed": self.c.seed,
            "serial": sorted(serial, key=lambda r: r["person_id"]),
            "non_serial": sorted(non_serial, key=lambda r: r["person_id"]),
            "alerts": alerts,
            "duplicates": {"rate": self.c.duplicates, "pairs": sorted(map(list, pairs))},
        }

    def _people_frame(self, person_id: np.ndarray) -> pd.DataFrame:
        p = self.t.frame("people").sort_values("idx")
        female = p["gender"].to_numpy() == "F"
        names = np.where(
            female,
            np.asarray(FEMALE_NAMES, dtype=object)[p["forename"].to_numpy() % len(FEMALE_NAMES)],
            np.asarray(MALE_NAMES, dtype=object)[p["forename"].to_numpy() % len(MALE_NAMES)],
        )
        surnames = np.asarray(SURNAMES, dtype=object)[p["surname"].to_numpy()]
        alias_idx = p["alias_surname"].to_numpy()
        aliases = np.where(
            alias_idx >= 0,
            names + " " + np.asarray(SURNAMES, dtype=object)[np.maximum(alias_idx, 0)],
            "",
        )
        # A PNC id belongs to one person: draw the serial numbers without repeats (the
        # flags drawn per person only say who has one).
        pnc = p["pnc"].to_numpy().copy()
        has_pnc = pnc >= 0
        pnc[has_pnc] = self.rng.choice(10_000_000, int(has_pnc.sum()), replace=False)
        birth_year = _dates(p["birth_day"].to_numpy()).astype("datetime64[Y]").astype(int) + 1970
        # Valid check letters (contract 1.7): an invalid PNC id is not an identifier.
        year2 = birth_year % 100
        check = np.asarray(list(CHECK_LETTERS), dtype=object)[
            (year2.astype(np.int64) * 10_000_000 + np.maximum(pnc, 0)) % 23
        ]
        pnc_id = _zpad(year2, 2) + "/" + _zpad(np.maximum(pnc, 0), 7) + check
        postcode_n = p["postcode"].to_numpy()
        neighbourhood = p["neighbourhood"].to_numpy()
        postcode = (
            "ZZ"
            + _zpad(neighbourhood + 1, 1)
            + " "
            + _zpad(postcode_n % 10, 1)
            + _letters(postcode_n // 10)
            + _letters(postcode_n // 260)
        )
        firearms = p["firearms"].to_numpy()
        return pd.DataFrame(
            {
                "person_id": person_id[p["idx"].to_numpy()],
                "surname": surnames,
                "forenames": names,
                "date_of_birth": _dates(p["birth_day"].to_numpy()).astype(str),
                "gender": p["gender"].to_numpy(),
                "pnc_id": np.where(pnc >= 0, pnc_id, ""),
                "aliases": aliases,
                "home_postcode": postcode,
                "home_neighbourhood": np.asarray(NEIGHBOURHOODS, dtype=object)[neighbourhood],
                "firearms_certificate": np.select(
                    [firearms == 1, firearms == 0], ["true", "false"], ""
                ),
                "warning_markers": _warning_markers(len(p), self.c.seed),
            }
        ).sort_values("person_id", kind="stable")

    def _incidents_frame(self, incident_id: np.ndarray) -> pd.DataFrame:
        i = self.t.frame("incidents").sort_values("idx")
        people = self.t.frame("people").sort_values("idx")
        place_person = i["person_for_place"].to_numpy()
        neighbourhood = people["neighbourhood"].to_numpy()[place_person]
        moved = self.rng.random(len(i)) < 0.1
        neighbourhood = np.where(
            moved, self.rng.integers(0, len(NEIGHBOURHOODS), len(i)), neighbourhood
        )
        days = _dates(i["day"].to_numpy()).astype(str)
        minute = i["minute"].to_numpy()
        times = "T" + _zpad(minute // 60 % 24, 2) + ":" + _zpad(minute % 60, 2) + ":00"
        occurred = np.where(minute >= 0, days.astype(object) + times, days)
        categories = np.asarray(CATEGORIES, dtype=object)[i["category"].to_numpy()]
        return pd.DataFrame(
            {
                "incident_id": incident_id[i["idx"].to_numpy()],
                "occurred_on": occurred,
                "offence_category": categories,
                "risk_level": np.asarray(RISK_LEVELS, dtype=object)[i["risk"].to_numpy()],
                "neighbourhood": np.asarray(NEIGHBOURHOODS, dtype=object)[neighbourhood],
                "postcode": "",
                "children_present": np.where(i["children"].to_numpy(), "true", "false"),
                "summary": "Synthetic report: "
                + pd.Series(categories).str.replace("_", " ").to_numpy(dtype=object)
                + ".",
                # An extra column (not in the contract) that many exports carry; the
                # problem profile charts it. A separate stream keeps the rest unchanged.
                "officer_in_case": _officers(len(i), self.c.seed),
                "outcome": _outcomes(i["day"].to_numpy(), self.end_day, self.c.seed),
            }
        ).sort_values("incident_id", kind="stable")

    def _involvements_frame(self, person_id: np.ndarray, incident_id: np.ndarray) -> pd.DataFrame:
        v = self.t.frame("involvements")
        frame = pd.DataFrame(
            {
                "incident_id": incident_id[v["incident"].to_numpy()],
                "person_id": person_id[v["person"].to_numpy()],
                "role": v["role"].to_numpy(),
                "relationship_to_suspect": np.where(
                    v["role"].to_numpy() == "victim", v["rts"].to_numpy(), ""
                ),
            }
        )
        return frame.sort_values(["incident_id", "role", "person_id"], kind="stable").reset_index(
            drop=True
        )

    def _relationships_frame(self, person_id: np.ndarray) -> pd.DataFrame:
        r = self.t.frame("relationships")
        frame = pd.DataFrame(
            {
                "person_id_a": person_id[r["a"].to_numpy()],
                "person_id_b": person_id[r["b"].to_numpy()],
                "relationship_type": r["kind"].to_numpy(),
                "start_date": _optional_dates(r["start"].to_numpy()),
                "end_date": _optional_dates(r["end"].to_numpy()),
            }
        )
        return frame.drop_duplicates(
            ["person_id_a", "person_id_b", "relationship_type"]
        ).reset_index(drop=True)

    def _orders_frame(self, person_id: np.ndarray) -> pd.DataFrame:
        if "orders" not in self.t.chunks:
            return pd.DataFrame(
                columns=["person_id", "order_type", "start_date", "end_date", "protected_person_id"]
            )
        o = self.t.frame("orders")
        protected = o["protected"].to_numpy()
        return pd.DataFrame(
            {
                "person_id": person_id[o["person"].to_numpy()],
                "order_type": o["kind"].to_numpy(),
                "start_date": _optional_dates(o["start"].to_numpy()),
                "end_date": _optional_dates(o["end"].to_numpy()),
                "protected_person_id": np.where(
                    protected >= 0, person_id[np.maximum(protected, 0)], ""
                ),
            }
        ).drop_duplicates(["person_id", "order_type", "start_date", "protected_person_id"])


CATEGORIES = tuple(CATEGORY_WEIGHTS)
CATEGORY_INDEX = {name: i for i, name in enumerate(CATEGORIES)}


def generate(out_dir: Path, config: SynthConfig, *, overwrite: bool = False) -> dict[str, int]:
    """Write people/incidents/involvements/relationships/orders CSVs and truth.json."""
    existing = [p for p in ("people.csv", "truth.json") if (out_dir / p).exists()]
    if existing and not overwrite:
        raise OutputError(f"{out_dir} already holds generated data; pass --overwrite to replace it")
    generator = _Generator(config)
    generator.run()
    return generator.write(out_dir)


#: Outcomes of domestic abuse crimes, roughly as Home Office outcome groups fall.
OUTCOMES = {
    "charged_or_summonsed": 0.12,
    "caution": 0.03,
    "victim_does_not_support": 0.45,
    "evidential_difficulties": 0.15,
    "no_further_action": 0.15,
    "under_investigation": 0.10,
}


def _outcomes(days: np.ndarray, end_day: int, seed: int) -> np.ndarray:
    """Outcomes drawn per incident; the last 90 days are mostly still under investigation."""
    rng = np.random.default_rng([seed, 7])
    names = np.asarray(list(OUTCOMES), dtype=object)
    drawn = names[rng.choice(len(names), len(days), p=_weights(OUTCOMES.values()))]
    recent = (end_day - days < 90) & (rng.random(len(days)) < 0.7)
    return np.where(recent, "under_investigation", drawn)


#: Officer-safety warning markers a records system carries (contract 1.1).
WARNING_MARKERS = ("weapons", "violence", "violence to police", "drugs", "mental health")


def _warning_markers(n: int, seed: int) -> np.ndarray:
    """About 4% of people carry one or two warning markers (a stream of its own, so the
    rest of the data set is unchanged)."""
    rng = np.random.default_rng([seed, 11])
    names = np.asarray(WARNING_MARKERS, dtype=object)
    first = names[rng.integers(0, len(names), n)]
    second = names[rng.integers(0, len(names), n)]
    two = (rng.random(n) < 0.3) & (first != second)
    markers = np.where(two, first + "; " + second, first)
    return np.where(rng.random(n) < 0.04, markers, "")


def _officers(n: int, seed: int) -> np.ndarray:
    """An officer in case per incident (a collar number; a stream of its own)."""
    rng = np.random.default_rng([seed, 13])
    ranks = np.asarray(["PC", "PC", "PC", "DC", "DS"], dtype=object)
    return ranks[rng.integers(0, len(ranks), n)] + " " + _zpad(rng.integers(1, 9999, n), 4)


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    return prefix + _zpad(np.arange(1, n + 1), width)


def _zpad(numbers: np.ndarray, width: int) -> np.ndarray:
    return pd.Series(numbers).astype(str).str.zfill(width).to_numpy(dtype=object)


_ALPHABET = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), dtype=object)


def _letters(numbers: np.ndarray) -> np.ndarray:
    return _ALPHABET[np.abs(numbers) % 26]


def _dates(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]")


def _optional_dates(days: np.ndarray) -> np.ndarray:
    return np.where(days >= 0, _dates(np.maximum(days, 0)).astype(str), "")


def _iso(day: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day))).isoformat()


def _weights(values: object) -> np.ndarray:
    w = np.asarray(list(values), dtype=float)
    return w / w.sum()


def _surname_indices(rng: np.random.Generator, n: int) -> np.ndarray:
    common = rng.random(n) < 0.25
    return np.where(
        common,
        rng.choice(_COMMON_SURNAMES, n, p=_zipf_weights(_COMMON_SURNAMES)),
        rng.integers(_COMMON_SURNAMES, len(SURNAMES), n),
    )


def _zipf_weights(n: int) -> np.ndarray:
    return _weights(1.0 / np.arange(1, n + 1) ** 0.5)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame.astype(str), preserve_index=False)
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))
