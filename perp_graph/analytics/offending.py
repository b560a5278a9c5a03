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

from perp_graph.analytics.partners import suspect_victim_pairs
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

    The join of suspects to victims and the partner test are the ACPO scan's own
    (`partners.suspect_victim_pairs`), so a rule after the scan never disagrees with it
    about who is whose partner; the sorts are integer work on its codes.

    Args:
        records: the force's records, on identities (`GraphStore.force_records`
            then `Dataset.resolved`).
        as_of: the date T; incidents dated after it are left out.
        violent_categories: the categories that count as used or threatened violence.

    Returns:
        The two frames (see `Offending`): incidents sorted by suspect, day and
        incident; victims by suspect, day, incident and victim.
    """
    incidents = records.incidents
    joined = suspect_victim_pairs(records, as_of, violent_categories)
    suspects, pairs = joined.suspects, joined.pairs
    rts = records.involvements["relationship_to_suspect"]

    day = incidents["occurred_on"].to_numpy()
    # Columns are taken from the Arrow-backed originals (no per-row Python objects).
    names = pd.Series(joined.person_ids).reset_index(drop=True)

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
            "violent": pairs["violent"].to_numpy()[order],
            "partner": pairs["partner"].to_numpy()[order],
        }
    )
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
    return Offending(
        as_of=as_of,
        incidents=by_suspect,
        victims=table,
        partner_records=partner_records.reset_index(drop=True),
    )


def could_qualify(table: Offending, min_victims: int) -> list[str]:
    """The suspects who have used or threatened violence against at least `min_victims`
    distinct victims other than themselves up to the table's as-of date, sorted: only they
    can be serial perpetrators (data contract, section 2: K victims, each of violence), so
    they hold every one the ACPO scan can find. The Neo4j scan is given them
    (GraphStore.acpo_scan's `suspects`) and applies the whole rule to them alone.
    """
    victims = table.victims
    others = (victims["suspect_id"] != victims["victim_id"]).to_numpy()
    violence = victims[victims["violent"].to_numpy() & others]
    counts = violence.groupby("suspect_id", sort=True, observed=True)["victim_id"].nunique()
    return [str(suspect) for suspect in counts.index[counts.to_numpy() >= min_victims]]
