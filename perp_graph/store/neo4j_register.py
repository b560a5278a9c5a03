"""The Neo4j store's action register (issue 17).

Graph model:

    (:Action {id, person_id, neighbourhood, kind, key, text, reason, evidence_ids,
              raised_on, due_by, status, owner, note, changed_by, changed_at,
              lapsed_on, changes})-[:ABOUT]->(:Person)      the identity's node
    (:Action)-[:HAS_CHANGE]->(:ActionChange {item_id, seq, at, user, status, owner, note})
    (:ActionRegister {id: 'register', last_sync})

The history is append-only: a change adds an `ActionChange` and sets the item's current
fields. Every write is one transaction that first writes the `ActionRegister` node
(`register/lock`), so register writes run one after the other even from two workspaces
on one database; the rules (what a sync changes, what a change may do) are
`analytics.register`'s, as on the embedded store. Statements come from
`cypher/register/` by name, values always as parameters.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from neo4j import ManagedTransaction, unit_of_work
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from perp_graph.analytics.register import (
    Change,
    Item,
    ItemChange,
    Recommendation,
    SyncPlan,
    plan_sync,
)
from perp_graph.analytics.register_items import (
    UnknownAction,
    applied,
    check_change,
    check_sync_date,
    select,
)
from perp_graph.errors import StoreError
from perp_graph.store import cypher

if TYPE_CHECKING:
    from perp_graph.store.neo4j import Neo4jStore

log = logging.getLogger(__name__)

T = TypeVar("T")


class Neo4jRegister:
    """ActionRegister in the Neo4j store's database.

    Args:
        store: the Neo4j store whose driver and database it uses.
    """

    def __init__(self, store: Neo4jStore) -> None:
        self.store = store

    # --- transactions ----------------------------------------------------------------------------

    def _transaction(self, work: Callable[[ManagedTransaction], T]) -> T:
        """Run `work` in one write transaction that holds the register's lock; the driver
        retries it on transient errors (deadlocks, leader changes)."""
        self.store.ensure_schema()
        stamp = dt.datetime.now(dt.UTC).isoformat()

        @unit_of_work(timeout=self.store.query_timeout)
        def locked(tx: ManagedTransaction) -> T:
            _run(tx, "register/lock", at=stamp)
            return work(tx)

        try:
            with self.store.driver.session(database=self.store.database) as session:
                return session.execute_write(locked)
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            raise StoreError(
                f"cannot reach Neo4j at {self.store.uri} ({type(exc).__name__}); is it "
                "running? Check PERP_GRAPH_NEO4J_URI or --neo4j-uri"
            ) from None
        except Neo4jError as exc:
            raise StoreError(f"Neo4j failed writing the action register: {exc.code}") from None

    # --- ActionRegister -------------------------------------------------------------------------

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
        """The items matching every filter given (ActionRegister.items)."""
        every = [_item(r["item"], r["changes"]) for r in self.store.run("register/items", ids=None)]
        return select(
            every,
            person_ids=person_ids,
            neighbourhood=neighbourhood,
            owner=owner,
            statuses=statuses,
            kinds=kinds,
            overdue_on=overdue_on,
            raised_from=raised_from,
            raised_to=raised_to,
            closed_from=closed_from,
            closed_to=closed_to,
        )

    def item(self, item_id: str) -> Item | None:
        """One item with its history, or None (ActionRegister.item)."""
        rows = self.store.run("register/items", ids=[item_id])
        return _item(rows[0]["item"], rows[0]["changes"]) if rows else None

    def last_sync(self) -> dt.date | None:
        """The as-of day of the last sync (ActionRegister.last_sync)."""
        rows = self.store.run("register/last_sync")
        return _date(rows[0]["last_sync"]) if rows else None

    def sync(
        self,
        recommended: Sequence[Recommendation],
        assessed: Collection[str],
        as_of: dt.date,
        *,
        at: dt.datetime | None = None,
        user: str,
        merged_into: Mapping[str, str] | None = None,
    ) -> SyncPlan:
        """Plan and apply a sync in one transaction (ActionRegister.sync). `merged_into`:
        record id -> identity id (default: the store's identities), so that a merged
        identity's open items say which identity it merged into.

        Raises:
            ConfigError: `as_of` before the last sync.
            StoreError: the server failed.
        """
        identities = self.store.identities() if merged_into is None else merged_into

        def work(tx: ManagedTransaction) -> SyncPlan:
            when = at or _now()
            rows = _run(tx, "register/last_sync")
            check_sync_date(_date(rows[0]["last_sync"]) if rows else None, as_of)
            items = [_item(r["item"], r["changes"]) for r in _run(tx, "register/items", ids=None)]
            plan = plan_sync(recommended, items, as_of, assessed, identities)
            raised = [
                {
                    "item": _properties(item, Change(when, user, "open", None, "")),
                    "change": _entry(Change(when, user, "open", None, f"raised: {item.reason}")),
                }
                for item in plan.raised
            ]
            for row in raised:
                row["item"]["note"] = row["change"]["note"]
            if raised:
                _run(tx, "register/raise", rows=raised)
            by_id = {i.id: i for i in items}
            updates = [_update(applied(by_id[c.item_id], c, when, user)) for c in plan.changes]
            if updates:
                _run(tx, "register/update", rows=updates)
            _run(tx, "register/set_last_sync", as_of=as_of)
            return plan

        return self._transaction(work)

    def change(self, change: ItemChange, *, at: dt.datetime | None = None, user: str) -> Item:
        """Apply a user's change in one transaction (ActionRegister.change).

        Raises:
            UnknownAction, ActionRefused, StoreError.
        """

        def work(tx: ManagedTransaction) -> Item:
            rows = _run(tx, "register/items", ids=[change.item_id])
            if not rows:
                raise UnknownAction(f"no action {change.item_id} in the register")
            item = _item(rows[0]["item"], rows[0]["changes"])
            check_change(item, change)
            after = applied(item, change, at or _now(), user)
            _run(tx, "register/update", rows=[_update(after)])
            return after

        return self._transaction(work)

    def erase(self, person_ids: Collection[str]) -> dict[str, int]:
        """Retention: erase these identities' items and their histories in one transaction
        (`register/erase`). Returns {"action_items": n, "action_history": m}."""
        ids = sorted(set(person_ids))
        if not ids:
            return {"action_items": 0, "action_history": 0}

        def work(tx: ManagedTransaction) -> dict[str, int]:
            row = _run(tx, "register/erase", person_ids=ids)[0]
            return {"action_items": row["action_items"], "action_history": row["action_history"]}

        return self._transaction(work)


# --- rows -----------------------------------------------------------------------------------------


def _run(tx: ManagedTransaction, name: str, **params: Any) -> list[Any]:
    """Run the named statement in `tx`; log its name and parameter keys, never values."""
    query = cypher.query(name)
    log.debug("cypher %s params=%s", name, sorted(params))
    return list(tx.run(query.text, params))


def _properties(item: Item, first: Change) -> dict[str, Any]:
    return {
        "id": item.id,
        "person_id": item.person_id,
        "neighbourhood": item.neighbourhood,
        "kind": item.kind,
        "key": item.key,
        "text": item.text,
        "reason": item.reason,
        "evidence_ids": list(item.evidence_ids),
        "raised_on": item.raised_on,
        "due_by": item.due_by,
        "status": first.status,
        "owner": first.owner,
        "note": first.note,
        "changed_by": first.user,
        "changed_at": first.at,
    }


def _entry(change: Change) -> dict[str, Any]:
    return {
        "at": change.at,
        "user": change.user,
        "status": change.status,
        "owner": change.owner,
        "note": change.note,
    }


def _update(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "status": item.status,
        "owner": item.owner,
        "note": item.note,
        "changed_by": item.changed_by,
        "changed_at": item.changed_at,
        "lapsed_on": item.lapsed_on,
        "change": _entry(item.history[-1]),
    }


def _native(value: Any) -> Any:
    return value.to_native() if hasattr(value, "to_native") else value


def _date(value: Any) -> dt.date | None:
    return _native(value) if value is not None else None


def _moment(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    native = _native(value)
    return native.astimezone(dt.UTC) if native.tzinfo is not None else native


def _item(properties: dict[str, Any], changes: list[dict[str, Any]]) -> Item:
    history = tuple(
        Change(
            at=_moment(c["at"]),  # type: ignore[arg-type]
            user=c["user"],
            status=c["status"],
            owner=c.get("owner"),
            note=c.get("note") or "",
        )
        for c in changes
    )
    return Item(
        id=properties["id"],
        person_id=properties["person_id"],
        neighbourhood=properties.get("neighbourhood"),
        kind=properties["kind"],
        key=properties.get("key") or "",
        text=properties["text"],
        reason=properties["reason"],
        evidence_ids=tuple(properties.get("evidence_ids") or ()),
        raised_on=_native(properties["raised_on"]),
        due_by=_native(properties["due_by"]),
        status=properties["status"],
        owner=properties.get("owner"),
        note=properties.get("note") or "",
        changed_by=properties.get("changed_by") or "",
        changed_at=_moment(properties.get("changed_at")),
        lapsed_on=_date(properties.get("lapsed_on")),
        history=history,
    )


def _now() -> dt.datetime:
    """Now (UTC), taken once the transaction holds the register's lock, so that every
    history is in time order."""
    return dt.datetime.now(dt.UTC)
