"""The generator's output: the contract's CSV files (ids shuffled, duplicates added) and
truth.json."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from perp_graph.pnc import CHECK_LETTERS
from perp_graph.synth.columns import (
    _dates,
    _ids,
    _iso,
    _letters,
    _officers,
    _optional_dates,
    _outcomes,
    _warning_markers,
    _write_csv,
    _zpad,
)
from perp_graph.synth.vocabulary import (
    CATEGORIES,
    FEMALE_NAMES,
    MALE_NAMES,
    NEIGHBOURHOODS,
    RISK_LEVELS,
    SURNAMES,
)
from perp_graph.synth_duplicates import add_duplicates


class Writing:
    """The generator's writing half (mixed into the generator)."""

    def write(self, out_dir: Path) -> dict[str, int]:
        """Write the five contract CSV files and truth.json into `out_dir` (ids shuffled,
        duplicates added when configured); returns rows per file."""
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
