"""The first load into an empty Neo4j database without neo4j-admin: CREATE in batches,
the constraints in place (the relationships find their people and incidents by them).
Used by `Neo4jStore.load` when no `[neo4j] import_command` is set (store.neo4j_import
is the faster path; operations guide, "Loading into Neo4j")."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from perp_graph.dataset import KEYS, Dataset
from perp_graph.store.neo4j_rows import _PLACES, _by_place, _rows

if TYPE_CHECKING:
    from perp_graph.store.neo4j import Neo4jStore

#: The order the tables are written in (people and incidents before what joins them).
LOAD_ORDER = ("people", "incidents", "involvements", "relationships", "orders")


def create_first_load(store: Neo4jStore, dataset: Dataset) -> dict[str, int]:
    """The first load into `store`'s empty database: every node and relationship CREATEd (no
    MERGE, nothing to look up but the keys the relationships join on), the
    neighbourhoods first.

    The state node is written first, "loading", so an interrupted bulk load leaves a
    database that is neither empty nor complete: its re-run takes the MERGE path of
    `load` and converges on what one uninterrupted load gives. Rows are deduplicated by
    key here (the last row wins, as MERGE and SET would have it).

    Returns:
        The store's row counts per table.

    Raises:
        StoreError: the server failed or refused a query (the store is left "loading").
    """
    places = pd.concat(
        [dataset.people["home_neighbourhood"], dataset.incidents["neighbourhood"]]
    ).dropna()
    with store.loading():
        store.write_rows(
            "load/bulk_neighbourhoods",
            [{"name": name} for name in sorted(set(places))],
            parallel=False,
        )
        for name in LOAD_ORDER:
            frame = getattr(dataset, name).drop_duplicates(KEYS[name], keep="last")
            # involvements_new CREATEs (made for incidents new to the store).
            bulk = "involvements_new" if name == "involvements" else f"bulk_{name}"
            store.write_rows(f"load/{bulk}", _rows(name, frame), parallel=name != "orders")
            if name in _PLACES:
                statement, key, place = _PLACES[name]
                placed = _by_place(frame, key, place, store.batch_rows)
                store.write_rows(statement, placed, parallel=True, size=1)
    return store.counts()
