"""Erasure in Neo4j: deleting by key what `store.protocol.retained` dropped, for
retention (`Neo4jStore.purge`) and after a full re-load (`Neo4jStore.remove_missing`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from perp_graph.dataset import Dataset
from perp_graph.store.neo4j_rows import _batches, _now, _rows
from perp_graph.store.protocol import Erasure, dropped

if TYPE_CHECKING:
    from perp_graph.store.neo4j import Neo4jStore


def erase(store: Neo4jStore, every: Dataset, kept: Dataset, erasure: Erasure) -> Erasure:
    """Delete what `retained` dropped, by key; the store is incomplete meanwhile.

    Returns:
        `erasure`, once every deletion is done.

    Raises:
        StoreError: a deletion failed (the store is left "loading").
    """
    store.run("load/set_state", state="loading", at=_now())
    people = dropped(every, kept, "people")["person_id"].tolist()
    incidents = dropped(every, kept, "incidents")["incident_id"].tolist()
    for batch in _batches(incidents, store.batch_rows):
        store.run("admin/delete_incidents", ids=batch)
    involvements = [
        {k: r[k] for k in ("incident_id", "person_id", "role")}
        for r in _rows("involvements", dropped(every, kept, "involvements"))
    ]
    store.write_rows("admin/delete_involvements", involvements, parallel=False)
    relationships = [
        {k: r[k] for k in ("person_id_a", "person_id_b", "key")}
        for r in _rows("relationships", dropped(every, kept, "relationships"))
    ]
    store.write_rows("admin/delete_relationships", relationships, parallel=False)
    orders = [r["order_key"] for r in _rows("orders", dropped(every, kept, "orders"))]
    for batch in _batches(orders, store.batch_rows):
        store.run("admin/delete_orders", keys=batch)
    for batch in _batches(people, store.batch_rows):
        store.run("admin/delete_people", ids=batch)
    store.run("load/set_state", state="complete", at=_now())
    return erasure
