"""The Neo4j store: the production GraphStore, with the official driver.

Graph model (README, "Graph model"):

    (:Person)-[:INVOLVED_IN {role, relationship_to_suspect}]->(:Incident)
    (:Person)-[:RELATED_TO {relationship_type, start_date, end_date}]->(:Person)
    (:Person)-[:BOUND_BY]->(:Order)-[:PROTECTS]->(:Person)
    (:Person)-[:LIVES_IN]->(:Neighbourhood)<-[:OCCURRED_IN]-(:Incident)
    (:LoadState {id: 'store', state})

Every statement comes from `cypher/` by name and takes its values as
parameters; labels and relationship types are written in those files only.
Writes are `UNWIND $rows ... MERGE` in batches, so a re-load, or the re-run of
an interrupted load, converges on the same graph. The ACPO scan runs in Cypher
(`analytics/acpo_scan`); Python only turns its rows into findings.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Collection, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pandas as pd
from neo4j import (
    READ_ACCESS,
    WRITE_ACCESS,
    Driver,
    GraphDatabase,
    Record,
    unit_of_work,
)
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable, SessionExpired

from perp_graph.dataset import Dataset, conform
from perp_graph.errors import StoreError
from perp_graph.model import (
    INTIMATE_PARTNER_TYPES,
    ScanParameters,
    ScanResult,
)
from perp_graph.progress import Progress
from perp_graph.store import cypher
from perp_graph.store.neo4j_bulk import LOAD_ORDER, create_first_load
from perp_graph.store.neo4j_erase import erase
from perp_graph.store.neo4j_reads import gather, offending_views
from perp_graph.store.neo4j_rows import (
    _batches,
    _finding,
    _native,
    _now,
    _plain,
    _records,
    _rows,
    with_own_ids,
)
from perp_graph.store.neo4j_uri import URI_SCHEMES, check_uri
from perp_graph.store.protocol import (
    Erasure,
    dangling_references,
    kept_by_retention,
    kept_if_present,
    require_complete,
    retained,
)

if TYPE_CHECKING:
    from perp_graph.store.neo4j_import import BulkImport
    from perp_graph.store.neo4j_register import Neo4jRegister

log = logging.getLogger(__name__)
# The driver's own log lines can carry query text; they stay silent unless a
# caller configures the "neo4j" logger on purpose.
logging.getLogger("neo4j").addHandler(logging.NullHandler())
logging.getLogger("neo4j").propagate = False

BATCH_ROWS = 10_000
#: Rows of a paged view per round trip (see `Neo4jStore._pages`).
PAGE_ROWS = 50_000
#: The most merged identities the offending people view is sent as a list ($merged, with
#: every page); with more, it looks up every record's identity by index seek, as before the
#: list (the list is resent with each page: 100k ids are about 1 MB a page).
MERGED_LIST_MAX = 100_000
#: Statements that only read: run with `execute_read` (routed to a reader in a cluster).
READ_STATEMENTS = ("views/", "analytics/", "admin/snapshot_")


class Neo4jStore:
    """GraphStore on a Neo4j server or cluster (bolt://, neo4j://, and their +s forms)."""

    name = "neo4j"
    #: reads run on the server (jobs.scanning.assess_identities scores while it scans)
    reads_side_by_side = True

    def __init__(
        self,
        uri: str,
        user: str | None = None,
        password: str | None = None,
        database: str | None = None,
        batch_rows: int = BATCH_ROWS,
        page_rows: int = PAGE_ROWS,
        retry_seconds: float = 15.0,
        query_timeout: float | None = 3600.0,
        write_workers: int = 2,
        read_workers: int = 3,
        allow_insecure: bool = False,
        bulk_import: BulkImport | None = None,
    ) -> None:
        check_uri(uri, allow_insecure)
        self.uri = uri
        self.database = database
        self.batch_rows = batch_rows
        self.page_rows = page_rows
        #: see MERGED_LIST_MAX
        self.merged_list_max = MERGED_LIST_MAX
        auth = (user, password or "") if user else None
        scheme = uri.split("://", 1)[0] if "://" in uri else ""
        if scheme not in URI_SCHEMES:
            raise StoreError(
                f"Neo4j URI {uri!r} is not valid: it must start with one of "
                + ", ".join(f"{s}://" for s in URI_SCHEMES)
            )
        try:
            # Server notifications quote query text into logs; the statements are
            # checked for them in the tests instead (tests/test_cypher_files.py).
            self.driver: Driver = GraphDatabase.driver(
                uri,
                auth=auth,
                notifications_min_severity="OFF",
                max_transaction_retry_time=retry_seconds,
            )
        except ValueError as exc:  # a malformed URI
            raise StoreError(f"Neo4j URI {uri!r} is not valid: {exc}") from None
        self.query_timeout = query_timeout
        self.write_workers = write_workers
        self.read_workers = read_workers
        #: a first load's neo4j-admin import (store.neo4j_import); None: CREATE in Cypher
        self.bulk_import = bulk_import
        self._schema_ready = False
        self._connected = False

    # --- the one place queries run ------------------------------------------------

    def run(self, name: str, **params: Any) -> list[Record]:
        """Run the named statement in a managed transaction, `execute_read` for the views,
        the analytics and the snapshots (READ_STATEMENTS: a cluster routes them to a
        follower or read replica), `execute_write` for the rest (to the leader), retried
        by the driver on transient errors; log its name and parameter keys, never values."""
        query = cypher.query(name)
        log.debug("cypher %s params=%s", name, sorted(params))
        try:
            if not self._connected:
                # Fail at once when the server is not there, rather than after the
                # driver's retries.
                self.driver.verify_connectivity()
                self._connected = True
            read = name.startswith(READ_STATEMENTS)
            mode = READ_ACCESS if read else WRITE_ACCESS
            with self.driver.session(database=self.database, default_access_mode=mode) as session:
                work = unit_of_work(timeout=self.query_timeout)(_records)
                if read:  # a follower or read replica may answer (cluster, Aura)
                    records = session.execute_read(work, query.text, params)
                else:  # the leader
                    records = session.execute_write(work, query.text, params)
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            raise StoreError(
                f"cannot reach Neo4j at {self.uri} ({type(exc).__name__}); is it running? "
                "Check PERP_GRAPH_NEO4J_URI or --neo4j-uri"
            ) from None
        except AuthError:
            raise StoreError(
                f"Neo4j at {self.uri} refused the credentials; check PERP_GRAPH_NEO4J_USER "
                "and PERP_GRAPH_NEO4J_PASSWORD"
            ) from None
        except Neo4jError as exc:
            raise StoreError(f"Neo4j failed running {name}: {exc.code}") from None
        return records

    def ensure_schema(self, *, again: bool = False) -> None:
        """Create the constraints and indexes (cypher/schema, IF NOT EXISTS), once per
        store object, or `again` (after neo4j-admin import replaced the database)."""
        if self._schema_ready and not again:
            return
        for name in cypher.names("schema"):
            self.run(name)
        self._schema_ready = True

    def database_name(self) -> str:
        """The database this store reads and writes: the configured one, else the
        server's default for this user (asked, not assumed to be "neo4j")."""
        if self.database:
            return self.database
        return str(self.run("views/database_name")[0]["name"])

    # --- GraphStore ---------------------------------------------------------------------

    def ids(self, table: str) -> pd.Index:
        """Ids already stored: `table` is "people" or "incidents" (GraphStore.ids)."""
        name = {"people": "views/person_ids", "incidents": "views/incident_ids"}[table]
        return pd.Index([r["id"] for r in self.run(name)], dtype="str")

    def state(self) -> str:
        """The load state: "empty" (never loaded), "loading" (a load or erasure did not
        finish) or "complete"."""
        records = self.run("views/load_state")
        return records[0]["state"] if records else "empty"

    def load(self, dataset: Dataset) -> dict[str, int]:
        """Insert or update every row, keyed as dataset.KEYS, in batches (GraphStore.load).

        Into an empty database, a first load: through neo4j-admin import when `bulk_import`
        is set (store.neo4j_import), else CREATE in batches (store.neo4j_bulk).
        The store is "loading" until every table is written, so an interrupted load leaves it
        incomplete and a re-run of the same load completes it.

        Returns:
            The store's row counts per table after the load.

        Raises:
            StoreError: a row names a person or incident neither in the dataset nor in
                the store (nothing is written: the graph would drop it without a word);
                the server failed or refused a query.
        """
        self.ensure_schema()
        dangling = dangling_references(dataset, lambda table: self.ids(table))
        if dangling:
            raise StoreError(
                "nothing was loaded: "
                + "; ".join(dangling)
                + ". Load through perp-graph load, which quarantines such rows, or add the "
                "records they name"
            )
        if self.bulk_import is not None:  # a killed import's files (personal data)
            self.bulk_import.remove_files()
        if self.run("views/is_empty")[0]["empty"]:
            if self.bulk_import is not None and self.bulk_import.accepts(dataset):
                return self.bulk_import.load(self, dataset)
            return create_first_load(self, dataset)
        stored_incidents = set(self.ids("incidents"))
        with self.loading():
            for name in LOAD_ORDER:
                rows = _rows(name, getattr(dataset, name))
                if name == "involvements":
                    # An incident that did not exist before this load has no involvement
                    # yet: CREATE those, MERGE the rest (a re-run after an interruption
                    # finds the incidents it wrote, so it MERGEs them).
                    new = [r for r in rows if r["incident_id"] not in stored_incidents]
                    old = [r for r in rows if r["incident_id"] in stored_incidents]
                    self.write_rows("load/involvements", old, parallel=True)
                    self.write_rows("load/involvements_new", new, parallel=True)
                else:
                    self.write_rows(f"load/{name}", rows, parallel=name == "relationships")
        return self.counts()

    @contextlib.contextmanager
    def loading(self) -> Iterator[None]:
        """Mark the store "loading" while the block writes and "complete" once it is done,
        so that an interrupted load leaves it incomplete and a re-run completes it.

        Raises:
            StoreError: the block's, with what to do (the store is left "loading").
        """
        self.run("load/set_state", state="loading", at=_now())
        try:
            yield
        except StoreError as exc:
            raise StoreError(
                f"{exc}. The load stopped part-way and the store is marked incomplete; "
                "re-run the same load to complete it."
            ) from None
        self.run("load/set_state", state="complete", at=_now())

    def write_rows(
        self, statement: str, rows: list[dict[str, Any]], *, parallel: bool, size: int = 0
    ) -> None:
        """Write rows in batches of `size` rows (default `batch_rows`); two at a time where
        rows rarely share nodes (the server detects the odd deadlock and the driver retries
        that batch)."""
        batches = _batches(rows, size or self.batch_rows)
        if not parallel or self.write_workers < 2:
            for batch in batches:
                self.run(statement, rows=batch)
            return
        with ThreadPoolExecutor(self.write_workers) as pool:
            for _done in pool.map(lambda batch: self.run(statement, rows=batch), batches):
                pass

    def counts(self) -> dict[str, int]:
        """Rows held per table (nodes and relationships of each kind)."""
        record = self.run("views/counts")[0]
        return {name: int(record[name]) for name in LOAD_ORDER}

    def acpo_scan(
        self,
        parameters: ScanParameters,
        progress: Progress | None = None,
        suspects: Collection[str] | None = None,
    ) -> ScanResult:
        """Apply the ACPO rule (contract, section 2) in Cypher (cypher/analytics/acpo_scan),
        on identities; to the identities `suspects` only when given (GraphStore.acpo_scan).

        Raises:
            StoreError: the store is empty or incomplete, or the query failed.
        """
        self._require_complete()
        progress = progress or Progress()
        with progress.stage("ACPO scan in Neo4j", total=1) as advance:
            records = self.run(
                "analytics/acpo_scan",
                as_of=parameters.as_of,
                window_years=parameters.window_years,
                min_victims=parameters.min_victims,
                violent_categories=sorted(parameters.violent_categories),
                connection_types=sorted(parameters.connection_types),
                intimate_partner_types=sorted(INTIMATE_PARTNER_TYPES),
                suspects=None if suspects is None else sorted(set(suspects)),
            )
            advance(1)
        return ScanResult(parameters, tuple(_finding(r, parameters) for r in records))

    def records_about(self, person_ids: Iterable[str]) -> Dataset:
        """The records the briefings and network pages show about these people (see
        `GraphStore.records_about`).

        Raises:
            StoreError: the store is empty or incomplete.
        """
        self._require_complete()
        seeds = sorted(set(person_ids))
        incidents = self._frame("incidents", "views/incidents_of", person_ids=seeds)
        involvements = self._frame(
            "involvements", "views/involvements_in", incident_ids=incidents["incident_id"].tolist()
        )
        touching = self._frame("relationships", "views/relationships_of", person_ids=seeds)
        orders = self._frame("orders", "views/orders_of", person_ids=seeds)
        people_ids = set(seeds)
        for column in (
            involvements["person_id"],
            touching["person_id_a"],
            touching["person_id_b"],
            orders["protected_person_id"],
        ):
            people_ids.update(column.dropna().tolist())
        people_list = sorted(people_ids)
        related = self._frame("relationships", "views/relationships_of", person_ids=people_list)
        among = related["person_id_a"].isin(people_ids) & related["person_id_b"].isin(people_ids)
        return Dataset(
            people=self._frame("people", "views/people", person_ids=people_list),
            incidents=incidents,
            involvements=involvements,
            relationships=related[among],
            orders=orders,
        )

    def resolution_records(self) -> Dataset:
        """Every person and every involvement, the other tables empty
        (GraphStore.resolution_records).

        Raises:
            StoreError: the store is empty or incomplete.
        """
        self._require_complete()
        empty = Dataset.empty()
        return Dataset(
            people=self._frame("people", "views/all_people"),
            incidents=empty.incidents,
            involvements=self._frame("involvements", "views/all_involvements"),
            relationships=empty.relationships,
            orders=empty.orders,
        )

    def force_records(self) -> Dataset:
        """Every record, in the columns of `force_view` only, sent as columns a page at a
        time (GraphStore.force_records), each table sorted by its key.

        Raises:
            StoreError: the store is empty or incomplete.
        """
        self._require_complete()
        return gather(
            self,
            ("views/force_incidents", {"": "incidents", "in_": "involvements"}, {}),
            ("views/force_people", {"": "people", "or_": "orders", "re_": "relationships"}, {}),
        )

    def offending_records(
        self, parameters: ScanParameters, identity_of: Mapping[str, str] | None = None
    ) -> Dataset:
        """What the priority scores, alerts and release watch read, selected in Cypher and
        sent as columns a page at a time (GraphStore.offending_records). `identity_of` as
        `identities()` when the caller has it (read here otherwise): the people view looks
        up the other records of the merged identities only (of every record when there are
        more than `merged_list_max` merged identities).

        Raises:
            StoreError: the store is empty or incomplete.
        """
        self._require_complete()
        identities = self.identities() if identity_of is None else identity_of
        return gather(self, *offending_views(parameters, identities, self.merged_list_max))

    def latest_incident_on(self) -> dt.date | None:
        """The latest incident's day, None when there is none (GraphStore.latest_incident_on),
        read along the occurred_on index.

        Raises:
            StoreError: the store is empty or incomplete.
        """
        self._require_complete()
        records = self.run("views/latest_incident")
        return _native(records[0]["latest"]) if records else None

    def purge(self, before: dt.date) -> Erasure:
        """Retention: erase what `kept_by_retention` drops before `before` (GraphStore.purge)."""
        every = self.force_records()
        return erase(self, every, *retained(every, kept_by_retention(every, before)))

    def remove_missing(self, present: Dataset) -> Erasure:
        """After a full re-load: erase every record not in `present` (GraphStore.remove_missing)."""
        every = self.force_records()
        return erase(self, every, *retained(every, kept_if_present(every, present)))

    def set_identities(self, identity_of: Mapping[str, str]) -> None:
        """Record which records are one person (GraphStore.set_identities); records merged
        before and not now stand for themselves again."""
        self.ensure_schema()
        before = self.identities()
        rows = [{"record_id": r, "identity_id": i} for r, i in sorted(identity_of.items())]
        # Records no longer merged stand for themselves again.
        rows += [{"record_id": r, "identity_id": r} for r in sorted(set(before) - set(identity_of))]
        self.write_rows("load/identities", rows, parallel=False)

    def identities(self) -> dict[str, str]:
        """record id -> identity id for every record of a merged identity (the identity's own id
        included); records that stand alone are absent."""
        return with_own_ids(self.run("views/identities"))

    def identities_of(self, person_ids: Iterable[str]) -> dict[str, str]:
        """`identities()` for the identities of these records only, by index seeks
        (cypher/views/identities_of; GraphStore.identities_of), never over every person.

        Raises:
            StoreError: the server failed or refused the query.
        """
        return with_own_ids(self.run("views/identities_of", person_ids=sorted(set(person_ids))))

    def neighbourhoods(self) -> list[str]:
        """Every neighbourhood someone lives in or an incident happened in, sorted.

        Raises:
            StoreError: the store is empty or incomplete.
        """
        self._require_complete()
        return sorted(r["name"] for r in self.run("views/neighbourhoods"))

    def _frame(self, table: str, name: str, **params: Any) -> pd.DataFrame:
        """A view's rows as a frame of one of the dataset's tables."""
        rows = [{k: _native(v) for k, v in record.items()} for record in self.run(name, **params)]
        return conform(table, pd.DataFrame(rows))

    def register(self) -> Neo4jRegister:
        """The action register in this database (store.neo4j_register)."""
        from perp_graph.store.neo4j_register import Neo4jRegister

        return Neo4jRegister(self)

    def close(self) -> None:
        """Close the driver (its connections)."""
        self.driver.close()

    # --- helpers ------------------------------------------------------------------------

    def _require_complete(self) -> None:
        require_complete(self.state(), f"Neo4j at {self.uri}")

    def snapshot(self) -> tuple[list[tuple], list[tuple]]:
        """Every node and relationship in a stable order, to compare two graphs."""
        nodes = sorted(
            (r["label"], _plain(r["properties"])) for r in self.run("admin/snapshot_nodes")
        )
        relationships = sorted(
            (r["type"], r["source"], r["target"], _plain(r["properties"]))
            for r in self.run("admin/snapshot_relationships")
        )
        return nodes, relationships

    def clear(self) -> None:
        """Delete every relationship, then every node, 10,000 and 2,000 a transaction
        (tests and benchmarks only; with the nodes' relationships deleted with them, a
        batch holding neighbourhoods ran a 4 GB heap out at 1M incidents)."""
        while self.run("admin/clear_relationships_batch", limit=10_000)[0]["deleted"]:
            pass
        while self.run("admin/clear_batch", limit=2_000)[0]["deleted"]:
            pass
