"""The partner-violence join: who was a suspect against whom, and were they partners.

One kernel for every rule that reads it: the ACPO scan's qualifying events
(`acpo.qualifying_events`) and the suspects' table the scores, alerts, watch and
profile read (`offending.offending`). The Neo4j store's Cypher
(`cypher/analytics/acpo_scan.cypher`) follows the same clauses; the store-differential
tests hold the two stores to one answer.

Data contract, section 2: a qualifying event is (P, V, i, d) with P a suspect and V a
victim in incident i, P != V, d = date of i <= T, i's category violent, and P and V
"are or have been intimate partners". An event is one tuple: a suspect or a victim
listed twice on one incident is still one event for that (P, V, i), so both kernels'
callers see one row per (suspect, victim, incident).
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
class SuspectVictimPairs:
    """The join's result as integer codes (rows of the dataset's tables, person codes).

    Persons are coded by `person_ids` (code -> person id); incidents are row numbers in
    the dataset's `incidents` frame; `*_row` columns are row numbers in its
    `involvements` frame.
    """

    #: code -> person id (every person of an involvement or an intimate-partner relationship)
    person_ids: pd.Index
    #: incident, suspect, suspect_row: one row per (suspect, incident) dated on or before
    #: as_of, in involvement order (the first row of a suspect listed twice)
    suspects: pd.DataFrame
    #: incident, suspect, suspect_row, victim, victim_row, violent (bool), partner (bool):
    #: one row per (suspect, victim, incident) with suspect != victim, dated on or before
    #: as_of, in involvement order of the suspects, then of the victims
    pairs: pd.DataFrame

    def events(self) -> pd.DataFrame:
        """The pairs that are qualifying events (violent, partners): contract, section 2."""
        pairs = self.pairs
        return pairs[pairs["violent"].to_numpy() & pairs["partner"].to_numpy()]


def suspect_victim_pairs(
    dataset: Dataset, as_of: dt.date, violent_categories: frozenset[str]
) -> SuspectVictimPairs:
    """Join each incident's suspects to its victims, and mark violence and partnership.

    Args:
        dataset: the records (ids may be identities: see `Dataset.resolved`).
        as_of: the date T; incidents dated after it are left out, and so are
            involvements in incidents not in `dataset.incidents`.
        violent_categories: the offence categories that count as used or threatened
            violence (contract 1.5; configuration).

    Returns:
        The pairs as integer codes (see `SuspectVictimPairs`). `partner` is the
        contract's "are or have been intimate partners": a relationships.csv row of an
        intimate-partner type in either direction, whatever its dates, or V recorded as
        P's (ex-)intimate partner in any incident dated on or before T where P is a
        suspect, of any category. `violent` is whether the incident's category is in
        `violent_categories`.
    """
    incidents = dataset.incidents
    involvements = dataset.involvements

    # Each involvement's incident as a row number in `incidents` (-1: unknown).
    row = pd.Index(incidents["incident_id"]).get_indexer(involvements["incident_id"])
    known = np.zeros(len(incidents) + 1, dtype=bool)  # the extra slot catches -1
    known[:-1] = (incidents["occurred_on"] <= np.datetime64(as_of, "s")).to_numpy()
    dated = known[row]
    role = involvements["role"].to_numpy()

    rels = dataset.relationships[
        isin(dataset.relationships["relationship_type"], INTIMATE_PARTNER_TYPES)
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
    suspects = pd.DataFrame(
        {
            "incident": row[is_suspect],
            "suspect": person[is_suspect],
            "suspect_row": np.flatnonzero(is_suspect),
        }
    )
    # A suspect listed twice on one incident is one suspect of it (contract, section 2).
    suspects = suspects.drop_duplicates(["incident", "suspect"])
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
    said = isin(involvements["relationship_to_suspect"], INTIMATE_PARTNER_TYPES).to_numpy()
    pair_key = pairs["suspect"].to_numpy() * width + pairs["victim"].to_numpy()
    partner_keys = np.concatenate(
        [
            pair_key[said[pairs["victim_row"].to_numpy()]],
            rel_a * width + rel_b,
            rel_b * width + rel_a,
        ]
    )
    violent = isin(incidents["offence_category"], violent_categories).to_numpy()
    pairs = pairs.assign(
        violent=violent[pairs["incident"].to_numpy()],
        partner=np.isin(pair_key, partner_keys),
    )
    # A victim listed twice on one incident is one victim of it: the partner flag above
    # read every row; the first row stays.
    if victims.duplicated(["incident", "victim"]).any():
        pairs = pairs.drop_duplicates(["incident", "suspect", "victim"])
    return SuspectVictimPairs(
        person_ids=pd.Index(ids),
        suspects=suspects.reset_index(drop=True),
        pairs=pairs.reset_index(drop=True),
    )
