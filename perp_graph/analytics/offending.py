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
    """Build the suspects' table from the records (already resolved to identities)."""
    incidents = records.incidents[
        records.incidents["occurred_on"] <= np.datetime64(as_of, "s")
    ].set_index("incident_id")
    involvements = records.involvements[isin(records.involvements["incident_id"], incidents.index)]
    suspects = involvements.loc[involvements["role"] == "suspect", ["incident_id", "person_id"]]
    suspects = suspects.rename(columns={"person_id": "suspect_id"}).drop_duplicates()
    victims = involvements.loc[
        involvements["role"] == "victim", ["incident_id", "person_id", "relationship_to_suspect"]
    ].rename(columns={"person_id": "victim_id"})

    dated = incidents[["occurred_on", "offence_category", "risk_level", "neighbourhood"]]
    by_suspect = suspects.join(dated, on="incident_id").sort_values(
        ["suspect_id", "occurred_on", "incident_id"], kind="stable"
    )
    pairs = suspects.merge(victims, on="incident_id")
    pairs = pairs[pairs["suspect_id"] != pairs["victim_id"]]
    pairs = pairs.join(dated[["occurred_on", "offence_category"]], on="incident_id")

    rels = records.relationships[
        isin(records.relationships["relationship_type"], INTIMATE_PARTNER_TYPES)
    ]
    partner_records = pd.concat(
        [
            rels,
            rels.rename(columns={"person_id_a": "person_id_b", "person_id_b": "person_id_a"}),
        ],
        ignore_index=True,
    )[["person_id_a", "person_id_b", "relationship_type", "start_date", "end_date"]]

    # "Are or have been intimate partners" (contract, section 2): either source, any
    # incident up to as_of (all incidents here are), a relationship row whatever its dates.
    said = pairs.loc[
        isin(pairs["relationship_to_suspect"], INTIMATE_PARTNER_TYPES), ["suspect_id", "victim_id"]
    ]
    recorded = partner_records[["person_id_a", "person_id_b"]].set_axis(
        ["suspect_id", "victim_id"], axis=1
    )
    partner_keys = pd.MultiIndex.from_frame(pd.concat([said, recorded]).drop_duplicates())
    keys = pd.MultiIndex.from_frame(pairs[["suspect_id", "victim_id"]])
    pairs = pairs.assign(
        violent=isin(pairs["offence_category"], violent_categories).to_numpy(),
        partner=keys.isin(partner_keys),
    ).sort_values(["suspect_id", "occurred_on", "incident_id", "victim_id"], kind="stable")
    return Offending(
        as_of=as_of,
        incidents=by_suspect.reset_index(drop=True),
        victims=pairs.reset_index(drop=True),
        partner_records=partner_records.reset_index(drop=True),
    )
