"""The GraphStore Protocol: what analytics and renderers may ask of a store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from perp_graph.analytics.register import Item, ItemChange, Recommendation, SyncPlan
from perp_graph.dataset import KEYS, Dataset
from perp_graph.errors import StoreError
from perp_graph.frames import isin
from perp_graph.model import INTIMATE_PARTNER_TYPES, ScanParameters, ScanResult
from perp_graph.progress import Progress


@dataclass(frozen=True)
class Erasure:
    """What an erasure removed: rows per table, and the people erased (ids, for cleaning
    outputs; never written to the audit log as such)."""

    counts: dict[str, int]
    person_ids: frozenset[str] = field(default=frozenset(), repr=False)


@runtime_checkable
class GraphStore(Protocol):
    """A place that holds the loaded records and answers the analytics' questions."""

    #: short name shown to users ("embedded", "neo4j")
    name: str
    #: whether the store's reads run on a server, so that this process can work while
    #: the server reads (jobs.scanning.assess_identities)
    reads_side_by_side: bool

    def ids(self, table: str) -> pd.Index:
        """Ids already stored: table is "people" or "incidents"."""
        ...

    def load(self, dataset: Dataset) -> dict[str, int]:
        """Insert or update every row (keyed as in dataset.KEYS); return the store's counts."""
        ...

    def counts(self) -> dict[str, int]:
        """Rows held per table."""
        ...

    def acpo_scan(
        self,
        parameters: ScanParameters,
        progress: Progress | None = None,
        suspects: Collection[str] | None = None,
    ) -> ScanResult:
        """Apply the ACPO rule (data contract, section 2) to identities: every id in the
        result is an identity's id (see set_identities). `suspects`, when given, are the
        identities the caller knows to hold every one who can qualify (a superset, e.g.
        analytics.offending.could_qualify): a store may look at them alone; the answer is
        the same either way."""
        ...

    def records_about(self, person_ids: Iterable[str]) -> Dataset:
        """The records the briefings and network pages show about these people.

        - incidents: every incident any of them is involved in (any role);
        - involvements: every involvement in those incidents (so co-suspects,
          victims and witnesses come along);
        - orders: every order binding one of them;
        - people: them, everyone in those incidents, everyone they have a
          relationship with, and everyone their orders protect;
        - relationships: every relationship between two of those people (so
          the victims' connections to each other are there).
        """
        ...

    def resolution_records(self) -> Dataset:
        """What identity resolution reads: every person and every involvement (the
        other tables empty)."""
        ...

    def force_records(self) -> Dataset:
        """What the scores, alerts and the problem profile read: every incident,
        involvement, relationship and order, and every person's id, names and home
        neighbourhood; never incident summaries, order details or other personal
        details (see `force_view`)."""
        ...

    def offending_records(
        self, parameters: ScanParameters, identity_of: Mapping[str, str] | None = None
    ) -> Dataset:
        """What the priority scores, alerts and release watch read (`offending_view` of the
        force records): the incidents dated on or before `parameters.as_of` with a suspect,
        the suspect and victim involvements in them, every record of the suspects'
        identities with the orders binding those records, and the relationships of an
        intimate-partner or connection type; in the columns of OFFENDING_COLUMNS (the
        others empty), each table sorted by its key (dataset.KEYS). Never the whole force.
        `identity_of` is the store's identities (`identities()`) when the caller has read
        them already; None reads them."""
        ...

    def latest_incident_on(self) -> dt.date | None:
        """The day of the latest incident held (None when there is none): the packs'
        "latest record" line, read without reading the force."""
        ...

    def purge(self, before: dt.date) -> Erasure:
        """Retention: erase incidents dated before `before` (with everyone's involvement in
        them), relationships and orders that ended before it, then every person left with
        no incident, relationship or order."""
        ...

    def remove_missing(self, present: Dataset) -> Erasure:
        """After a full re-load: erase every record whose key (dataset.KEYS) is not in
        `present`, then every person left with nothing (as purge)."""
        ...

    def set_identities(self, identity_of: Mapping[str, str]) -> None:
        """Record which records are one person: record id -> identity id (the smallest
        record id) for the records of merged identities; every other record stands for
        itself. Replaces what was set before; the scan works on identities from then on."""
        ...

    def identities(self) -> dict[str, str]:
        """What set_identities last recorded."""
        ...

    def identities_of(self, person_ids: Iterable[str]) -> dict[str, str]:
        """`identities()` for these records only: record id -> identity id for every
        record of a merged identity one of `person_ids` belongs to (ids of records or of
        identities; the identity's own id included); records that stand alone, and
        unknown ids, are absent. What a person-level command reads in place of the
        force's identities (jobs.network).

        Raises:
            StoreError: the store could not be read.
        """
        ...

    def neighbourhoods(self) -> list[str]:
        """Every neighbourhood someone lives in or an incident happened in, sorted."""
        ...

    def register(self) -> ActionRegister:
        """The action register kept with this store (issue 17)."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...


@runtime_checkable
class ActionRegister(Protocol):
    """The action register (issue 17): the actions scans recommend, as items with an
    owner, a due date, a status and a history. Each method is one transaction; the same
    questions get the same answers on every store (the rules are in analytics.register).
    """

    def items(
        self,
        *,
        person_ids: Collection[str] | None = None,
        neighbourhood: str | None = None,
        owner: str | None = None,
        statuses: Collection[str] | None = None,
        kinds: Collection[str] | None = None,
        overdue_on: dt.date | None = None,
        raised_from: dt.date | None = None,
        raised_to: dt.date | None = None,
        closed_from: dt.date | None = None,
        closed_to: dt.date | None = None,
    ) -> list[Item]:
        """The items matching every filter given (analytics.register_items.select), by due date
        then id, each with its history. An empty list when nothing was ever synced."""
        ...

    def item(self, item_id: str) -> Item | None:
        """One item with its history, or None when no item has that id."""
        ...

    def last_sync(self) -> dt.date | None:
        """The as-of day of the last sync (None before the first)."""
        ...

    def sync(
        self,
        recommended: Sequence[Recommendation],
        assessed: Collection[str],
        as_of: dt.date,
        *,
        at: dt.datetime | None = None,
        user: str,
    ) -> SyncPlan:
        """In one transaction: read the items, plan the sync (analytics.register.plan_sync)
        and write it (new items with their first history entry, each change with its
        entry by `user` at `at`, default the time the transaction takes its lock), and
        record `as_of` as the last sync. Two syncs at once run one after the other.
        Returns the plan applied.

        Raises:
            ConfigError: `as_of` before the last sync (analytics.register_items.check_sync_date).
            StoreError: the store failed.
        """
        ...

    def change(self, change: ItemChange, *, at: dt.datetime | None = None, user: str) -> Item:
        """In one transaction: check the change applies (analytics.register_items.check_change),
        set the item's status / owner / note and append the change to its history (at `at`,
        default the time the transaction takes its lock, so histories are in time order). Two
        changes at once both reach the history; the later one's status stands.

        Raises:
            UnknownAction: no item has that id.
            ActionRefused: the change does not apply to the item as it stands.
            StoreError: the store failed.
        """
        ...


def require_complete(state: str, where: str) -> None:
    """Refuse to read a store that was never loaded, or whose last load did not finish."""
    if state == "empty":
        raise StoreError(
            f"no data in {where}; load exports first: perp-graph load DATA_DIR "
            "(or pass --data DATA_DIR)"
        )
    if state != "complete":
        raise StoreError(
            f"the store in {where} is incomplete: a load did not finish. "
            "Re-run the same perp-graph load to complete it."
        )


#: The columns `force_records` carries; the others are left empty.
FORCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "people": ("person_id", "surname", "forenames", "home_neighbourhood"),
    "incidents": (
        "incident_id",
        "occurred_on",
        "offence_category",
        "risk_level",
        "neighbourhood",
        "children_present",
        "extra",
    ),
    "involvements": ("incident_id", "person_id", "role", "relationship_to_suspect"),
    "relationships": ("person_id_a", "person_id_b", "relationship_type", "start_date", "end_date"),
    "orders": ("person_id", "order_type", "start_date", "end_date", "protected_person_id"),
}


#: The columns `offending_records` carries: the force view's but the incidents' children
#: and extra fields, which no score, alert or watch reads (packs read `records_about`, the
#: profile `force_records`).
OFFENDING_COLUMNS: dict[str, tuple[str, ...]] = {
    **FORCE_COLUMNS,
    "incidents": ("incident_id", "occurred_on", "offence_category", "risk_level", "neighbourhood"),
}


def force_view(records: Dataset, columns: Mapping[str, tuple[str, ...]] = FORCE_COLUMNS) -> Dataset:
    """Only the columns of FORCE_COLUMNS, or of `columns` (data minimisation: nothing the
    rules do not read); the others are empty."""
    return Dataset(**{name: getattr(records, name)[list(columns[name])] for name in columns})


def offending_view(
    records: Dataset, identity_of: Mapping[str, str], parameters: ScanParameters
) -> Dataset:
    """`GraphStore.offending_records` from the force records (`force_view`, record ids)
    and the stored identities: the embedded store's selection, and the rule the Neo4j
    store's Cypher (cypher/views/offending_*) follows."""
    incidents = records.incidents[
        records.incidents["occurred_on"] <= np.datetime64(parameters.as_of, "s")
    ]
    involvements = records.involvements
    suspects = involvements[involvements["role"] == "suspect"]
    incidents = incidents[isin(incidents["incident_id"], suspects["incident_id"].unique())]
    involvements = involvements[
        isin(involvements["role"], ["suspect", "victim"])
        & isin(involvements["incident_id"], incidents["incident_id"])
    ]
    lookup = pd.Series(dict(identity_of), dtype="str")

    def identity(ids: pd.Series) -> pd.Series:
        if lookup.empty:
            return ids
        return ids.map(lookup).fillna(ids).astype("str")

    suspect_ids = involvements.loc[involvements["role"] == "suspect", "person_id"]
    people = records.people[
        isin(identity(records.people["person_id"]), identity(suspect_ids).unique())
    ]
    orders = records.orders[isin(records.orders["person_id"], people["person_id"])]
    types = INTIMATE_PARTNER_TYPES | parameters.connection_types
    relationships = records.relationships[isin(records.relationships["relationship_type"], types)]
    chosen = force_view(
        Dataset(people, incidents, involvements, relationships, orders), OFFENDING_COLUMNS
    )
    return Dataset(
        **{
            name: getattr(chosen, name)
            .sort_values(KEYS[name], kind="stable")
            .reset_index(drop=True)
            for name in Dataset.names()
        }
    )


def retained(records: Dataset, keep: Mapping[str, pd.Series]) -> tuple[Dataset, Erasure]:
    """`records` without the rows `keep` marks False, and without every person then left
    with no incident, relationship or order: the embedded store's erasure, and the rule
    the Neo4j store's Cypher follows."""
    tables = {name: getattr(records, name)[keep[name].to_numpy()] for name in keep}
    incidents = tables.get("incidents", records.incidents)
    involvements = tables.get("involvements", records.involvements)
    involvements = involvements[involvements["incident_id"].isin(incidents["incident_id"])]
    relationships = tables.get("relationships", records.relationships)
    orders = tables.get("orders", records.orders)
    people = tables.get("people", records.people)
    attached = pd.concat(
        [
            involvements["person_id"],
            relationships["person_id_a"],
            relationships["person_id_b"],
            orders["person_id"],
            orders["protected_person_id"].dropna(),
        ]
    )
    relationships = relationships[
        relationships["person_id_a"].isin(people["person_id"])
        & relationships["person_id_b"].isin(people["person_id"])
    ]
    people = people[people["person_id"].isin(attached)]
    involvements = involvements[involvements["person_id"].isin(people["person_id"])]
    orders = orders[orders["person_id"].isin(people["person_id"])]
    kept = Dataset(people, incidents, involvements, relationships, orders)
    counts = {
        name: len(getattr(records, name)) - len(getattr(kept, name)) for name in Dataset.names()
    }
    erased = frozenset(set(records.people["person_id"]) - set(people["person_id"]))
    return kept, Erasure(counts, erased)


def kept_by_retention(records: Dataset, before: dt.date) -> dict[str, pd.Series]:
    """purge's rule: incidents dated before `before`, relationships and orders that ended
    before it, go (rows with no date stay)."""
    cut = np.datetime64(before, "s")
    return {
        "incidents": ~(records.incidents["occurred_on"] < cut),
        "relationships": ~(records.relationships["end_date"] < cut),
        "orders": ~(records.orders["end_date"] < cut),
    }


def kept_if_present(records: Dataset, present: Dataset) -> dict[str, pd.Series]:
    """remove_missing's rule: a row stays when its key (dataset.KEYS) is in `present`."""
    return {name: pd.Series(_keys(records, name).isin(_keys(present, name))) for name in KEYS}


def dropped(before: Dataset, after: Dataset, name: str) -> pd.DataFrame:
    """The rows of one table that `after` no longer holds."""
    rows = getattr(before, name)
    return rows[~_keys(before, name).isin(_keys(after, name))]


def _keys(records: Dataset, name: str) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(getattr(records, name)[KEYS[name]].astype(str))


#: The references a graph store resolves by MATCH: table -> (column, the table it names).
REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    "involvements": (("person_id", "people"), ("incident_id", "incidents")),
    "relationships": (("person_id_a", "people"), ("person_id_b", "people")),
    "orders": (("person_id", "people"), ("protected_person_id", "people")),
}


def dangling_references(dataset: Dataset, stored: Callable[[str], Iterable[str]]) -> list[str]:
    """Rows of `dataset` that name a person or incident neither in it nor in the store,
    one line per table and column ("3 involvements name a person_id ... e.g. P1, P2"), ids
    only. A graph store would drop such a row without a word (its MATCH finds nothing);
    the pipeline quarantines them before a load, so this is the store's own guard.

    Args:
        stored: table ("people" or "incidents") -> the ids the store holds; called only
            when the dataset does not hold every id it names.
    """
    own = {
        "people": dataset.people["person_id"].dropna(),
        "incidents": dataset.incidents["incident_id"].dropna(),
    }
    named: dict[tuple[str, str, str], set[str]] = {}
    for table, references in REFERENCES.items():
        frame = getattr(dataset, table)
        for column, target in references:
            # frames.isin (Arrow) on the columns: at 300k incidents 0.4 s in all, where
            # Python sets took 1.9 s
            values = frame[column].dropna()
            outside = values[~isin(values, own[target])]
            if len(outside):
                named[table, column, target] = set(outside.unique())
    if not named:
        return []
    held = {target: set(stored(target)) for target in {t for _, _, t in named}}
    lines = []
    for (table, column, target), ids in named.items():
        missing = sorted(ids - held[target])
        if missing:
            rows = int(getattr(dataset, table)[column].isin(missing).sum())
            lines.append(
                f"{rows:,} {table} name a {column} that is not in {target} or the store, "
                f"e.g. {', '.join(missing[:3])}"
            )
    return lines
