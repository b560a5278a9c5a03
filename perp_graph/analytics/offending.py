"""Who was a suspect against whom, and when: the table every rule after the ACPO scan reads.

The priority score, the early warning, escalation, counter-allegations, the release watch
and the problem profile all start from the same two frames, built once per command from
the store's records (`GraphStore.force_records`, on identities):

- `incidents`: one row per (suspect, incident) dated on or before the as-of date;
- `victims`: one row per (suspect, victim, incident), with whether the incident's category
  counts as violence and whether the two "are or have been intimate partners" exactly as
  the data contract, section 2, says (a relationships.csv row of an intimate-partner type,
  whatever its dates, or the victim recorded as the suspect's (ex-)intimate partner in any
  incident up to the as-of date).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from perp_graph.dataset import Dataset
from perp_graph.frames import isin
from perp_graph.model import INTIMATE_PARTNER_TYPES


@dataclass(frozen=True)
class Offending:
    """Suspects' incidents and victims up to `as_of` (ids are identities)."""

    as_of: dt.date
    #: suspect_id, incident_id, occurred_on (datetime64[s]), offence_category, risk_level,
    #: neighbourhood
    incidents: pd.DataFrame
    #: suspect_id, victim_id, incident_id, occurred_on, offence_category,
    #: relationship_to_suspect, violent (bool), partner (bool)
    victims: pd.DataFrame
    #: person_id_a, person_id_b, relationship_type, start_date, end_date: intimate-partner
    #: relationship records, each once in each direction
    partner_records: pd.DataFrame

    def between(self, start: dt.date, end: dt.date) -> Offending:
        """Only the incidents dated in [start, end]."""
        lo, hi = np.datetime64(start, "s"), np.datetime64(end, "s")

        def inside(frame: pd.DataFrame) -> pd.DataFrame:
            days = frame["occurred_on"]
            return frame[(days >= lo) & (days <= hi)]

        return Offending(
            self.as_of, inside(self.incidents), inside(self.victims), self.partner_records
        )


def offending(records: Dataset, as_of: dt.date, violent_categories: frozenset[str]) -> Offending:
    """Build the suspects' table from the records (already resolved to identities).

    Ids are turned into integer codes first, so the joins and sorts are integer work
    (the same approach as the ACPO scan's `qualifying_events`)."""
    incidents = records.incidents
    involvements = records.involvements
    in_time = (incidents["occurred_on"] <= np.datetime64(as_of, "s")).to_numpy()
    row = pd.Index(incidents["incident_id"]).get_indexer(involvements["incident_id"])
    known = np.zeros(len(incidents) + 1, dtype=bool)  # the extra slot catches -1
    known[:-1] = in_time
    dated = known[row]
    role = involvements["role"].to_numpy()

    rels = records.relationships[
        isin(records.relationships["relationship_type"], INTIMATE_PARTNER_TYPES)
    ]
    everyone = pd.concat(
        [involvements["person_id"], rels["person_id_a"], rels["person_id_b"]], ignore_index=True
    )
    code, ids = pd.factorize(everyone)
    n_inv = len(involvements)
    person = code[:n_inv].astype(np.int64)
    rel_a, rel_b = code[n_inv : n_inv + len(rels)], code[n_inv + len(rels) :]
    width = np.int64(len(ids) + 1)

    is_suspect = (role == "suspect") & dated
    suspects = pd.DataFrame({"incident": row[is_suspect], "suspect": person[is_suspect]})
    suspects = suspects.drop_duplicates()
    is_victim = (role == "victim") & dated
    victims = pd.DataFrame(
        {
            "incident": row[is_victim],
            "victim": person[is_victim],
            "victim_row": np.flatnonzero(is_victim),
        }
    )
    pairs = suspects.merge(victims, on="incident")
    pairs = pairs[pairs["suspect"].to_numpy() != pairs["victim"].to_numpy()]

    # "Are or have been intimate partners" (contract, section 2): either source, any
    # incident up to as_of (all incidents here are), a relationship row whatever its dates.
    rts = involvements["relationship_to_suspect"]
    said = isin(rts, INTIMATE_PARTNER_TYPES).to_numpy()[pairs["victim_row"].to_numpy()]
    pair_key = pairs["suspect"].to_numpy() * width + pairs["victim"].to_numpy()
    partner_keys = np.concatenate([pair_key[said], rel_a * width + rel_b, rel_b * width + rel_a])
    partner = np.isin(pair_key, partner_keys)

    day = incidents["occurred_on"].to_numpy()
    violent = isin(incidents["offence_category"], violent_categories).to_numpy()
    # Columns are taken from the Arrow-backed originals (no per-row Python objects).
    names = pd.Series(ids).reset_index(drop=True)

    def take(column: pd.Series, rows: np.ndarray) -> np.ndarray | pd.api.extensions.ExtensionArray:
        return column.reset_index(drop=True).take(rows).array

    s_incident = suspects["incident"].to_numpy()
    order = np.lexsort((s_incident, day[s_incident], suspects["suspect"].to_numpy()))
    s_rows = s_incident[order]
    by_suspect = pd.DataFrame(
        {
            "suspect_id": take(names, suspects["suspect"].to_numpy()[order]),
            "incident_id": take(incidents["incident_id"], s_rows),
            "occurred_on": day[s_rows],
            "offence_category": take(incidents["offence_category"], s_rows),
            "risk_level": take(incidents["risk_level"], s_rows),
            "neighbourhood": take(incidents["neighbourhood"], s_rows),
        }
    )
    p_rows = pairs["incident"].to_numpy()
    order = np.lexsort(
        (pairs["victim"].to_numpy(), p_rows, day[p_rows], pairs["suspect"].to_numpy())
    )
    p_rows = p_rows[order]
    table = pd.DataFrame(
        {
            "suspect_id": take(names, pairs["suspect"].to_numpy()[order]),
            "victim_id": take(names, pairs["victim"].to_numpy()[order]),
            "incident_id": take(incidents["incident_id"], p_rows),
            "occurred_on": day[p_rows],
            "offence_category": take(incidents["offence_category"], p_rows),
            "relationship_to_suspect": take(rts, pairs["victim_row"].to_numpy()[order]),
            "violent": violent[p_rows],
            "partner": partner[order],
        }
    )
    partner_records = pd.concat(
        [
            rels,
            rels.rename(columns={"person_id_a": "person_id_b", "person_id_b": "person_id_a"}),
        ],
        ignore_index=True,
    )[["person_id_a", "person_id_b", "relationship_type", "start_date", "end_date"]]
    return Offending(
        as_of=as_of,
        incidents=by_suspect,
        victims=table,
        partner_records=partner_records.reset_index(drop=True),
    )
