"""Reading Neo4j's paged views side by side into a Dataset: what `Neo4jStore.force_records`
and `Neo4jStore.offending_records` return. A view is paged along a unique index ($after,
$page; it returns `last`, null once done) and sends each page as one record of columns."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any, NamedTuple

import pandas as pd
from neo4j import Record

from perp_graph.dataset import Dataset
from perp_graph.frames import isin
from perp_graph.model import INTIMATE_PARTNER_TYPES, ScanParameters
from perp_graph.store.neo4j_rows import _columns_frame, _extend
from perp_graph.store.protocol import FORCE_COLUMNS, OFFENDING_COLUMNS

if TYPE_CHECKING:
    from perp_graph.store.neo4j import Neo4jStore


class View(NamedTuple):
    """A paged view to read (cypher/views/*)."""

    #: the statement's name
    name: str
    #: column prefix -> table (dataset.Dataset's names)
    tables: dict[str, str]
    #: its parameters besides $after and $page
    params: dict[str, Any]
    #: table -> the columns it sends (the others are left empty)
    columns: Mapping[str, tuple[str, ...]] = FORCE_COLUMNS
    #: what is done with its frames once read, in its own thread (e.g. `with_a_suspect`)
    finish: Callable[[dict[str, pd.DataFrame]], dict[str, pd.DataFrame]] | None = None
    #: table -> the columns it sends a null in as "" (see neo4j_rows._extend)
    blanks: Mapping[str, Collection[str]] = {}


def gather(store: Neo4jStore, *views: View | tuple[str, dict[str, str], dict[str, Any]]) -> Dataset:
    """Read paged views into the dataset's five tables, each sorted by its key (a table no
    view names is empty). The views are read side by side, a thread and a session each
    (`store.read_workers` at a time; 1 reads them one after the other): the server works
    on two while the driver decodes. At 1M on an idle 2-core machine the offending records
    took 39.9 s one view after the other and 23.2 s side by side (29.9 s with the Cypher
    scan running beside them, against 39.0 s). An earlier attempt at this hung in a test
    run; the likeliest cause was a stale plan, since prevented (USING INDEX SEEK hints, no
    index to scan for a node reached by expanding: tests/test_neo4j_plans.py).

    When this thread is interrupted (Ctrl-C) or a view fails, the other views stop after
    the page they are reading, not at their last page.

    Raises:
        StoreError: a view failed (Neo4jStore.run).
    """
    stop = threading.Event()

    def read(view: View) -> dict[str, pd.DataFrame]:
        columns: dict[str, dict[str, list[Any]]] = {table: {} for table in view.tables.values()}
        for page in pages(store, view.name, **view.params):
            if stop.is_set():  # abandoned: what was read is dropped
                return {}
            for prefix, table in view.tables.items():
                blanks = view.blanks.get(table, ())
                _extend(columns[table], page, table, view.columns[table], prefix, blanks)
        # Converted page by page and framed here, in the view's own thread, while the
        # server still works on the other views: at 300k, 1.4 s came after the last
        # page when all was framed at the end.
        frames = {table: _columns_frame(table, columns[table]) for table in columns}
        return frames if view.finish is None else view.finish(frames)

    gathered: dict[str, pd.DataFrame] = {}
    if store.read_workers < 2:
        for view in views:
            gathered.update(read(View(*view)))
    else:
        pool = ThreadPoolExecutor(min(store.read_workers, len(views)))
        try:
            futures = [pool.submit(read, View(*view)) for view in views]
            done, _running = wait(futures, return_when=FIRST_EXCEPTION)
            for future in done:  # a failure is raised at once, not after the other views
                if (error := future.exception()) is not None:
                    raise error
            for future in futures:
                gathered.update(future.result())
        except BaseException:
            stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    return Dataset(
        **{
            name: gathered[name] if name in gathered else _columns_frame(name, {})
            for name in Dataset.names()
        }
    )


def offending_views(
    parameters: ScanParameters, identity_of: Mapping[str, str], merged_list_max: int
) -> tuple[View, View, View]:
    """The three views of `Neo4jStore.offending_records` (cypher/views/offending_*): the
    incidents up to the as-of date and their suspect and victim involvements (only those
    with a suspect kept: `with_a_suspect`), the people of the suspects' identities and
    their orders (`identity_of`'s merged identities sent as $merged when there are at most
    `merged_list_max`, else null: every record's identity looked up), and the
    relationships of an intimate-partner or connection type."""
    as_of = {"as_of": parameters.as_of}
    merged_ids = sorted(set(identity_of.values()))
    merged = {"merged": merged_ids if len(merged_ids) <= merged_list_max else None, **as_of}
    types = {"types": sorted(INTIMATE_PARTNER_TYPES | parameters.connection_types)}
    dates = ("start_date", "end_date")
    return (
        View(
            "views/offending_incidents",
            {"": "incidents", "in_": "involvements"},
            as_of,
            OFFENDING_COLUMNS,
            with_a_suspect,
            {
                "incidents": ("risk_level", "neighbourhood"),
                "involvements": ("relationship_to_suspect",),
            },
        ),
        View(
            "views/offending_people",
            {"": "people", "or_": "orders"},
            merged,
            blanks={"people": ("home_neighbourhood",), "orders": (*dates, "protected_person_id")},
        ),
        View(
            "views/offending_relationships",
            {"": "relationships"},
            types,
            blanks={"relationships": dates},
        ),
    )


def with_a_suspect(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Only the incidents with a suspect among their involvements, and the involvements in
    those (the offending incidents view sends every incident up to its as-of date: the
    check is cheaper here than a second expansion on the server)."""
    incidents, involvements = frames["incidents"], frames["involvements"]
    suspected = involvements.loc[involvements["role"] == "suspect", "incident_id"].unique()
    incidents = incidents[isin(incidents["incident_id"], suspected)].reset_index(drop=True)
    involvements = involvements[isin(involvements["incident_id"], suspected)]
    return {**frames, "incidents": incidents, "involvements": involvements.reset_index(drop=True)}


def pages(store: Neo4jStore, name: str, **params: Any) -> Iterator[Record]:
    """Run a paged view (params $after and $page, `store.page_rows` a page; returns `last`)
    until it is done, yielding each page's record."""
    after = ""
    while True:
        (page,) = store.run(name, after=after, page=store.page_rows, **params)
        if page["last"] is None:
            return
        yield page
        after = page["last"]
