"""The embedded store's action register: one SQLite file in the workspace
(`Workspace.action_register_file`), in WAL mode, one transaction per change.

Tables:

    items(id, person_id, neighbourhood, kind, key, text, reason, evidence, raised_on,
          due_by, status, owner, note, changed_by, changed_at, lapsed_on)
    changes(item_id, seq, at, user, status, owner, note)      append-only history
    meta(name, value)                                          last_sync

A writing transaction starts with `BEGIN IMMEDIATE`, so two writers (two users changing
one item, two syncs) run one after the other: each reads what the other wrote, both
changes reach the history and the later status stands. Readers never create the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path

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
from perp_graph.workspace import Workspace

#: Seconds a writer waits for another writer's transaction before failing.
BUSY_SECONDS = 60.0

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS items (
        id TEXT PRIMARY KEY, person_id TEXT NOT NULL, neighbourhood TEXT, kind TEXT NOT NULL,
        key TEXT NOT NULL, text TEXT NOT NULL, reason TEXT NOT NULL, evidence TEXT NOT NULL,
        raised_on TEXT NOT NULL, due_by TEXT NOT NULL, status TEXT NOT NULL, owner TEXT,
        note TEXT NOT NULL, changed_by TEXT NOT NULL, changed_at TEXT, lapsed_on TEXT)""",
    """CREATE TABLE IF NOT EXISTS changes (
        item_id TEXT NOT NULL REFERENCES items(id), seq INTEGER NOT NULL, at TEXT NOT NULL,
        user TEXT NOT NULL, status TEXT NOT NULL, owner TEXT, note TEXT NOT NULL,
        PRIMARY KEY (item_id, seq))""",
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS items_person ON items(person_id)",
)

_ITEM_COLUMNS = (
    "id, person_id, neighbourhood, kind, key, text, reason, evidence, raised_on, due_by, "
    "status, owner, note, changed_by, changed_at, lapsed_on"
)


class EmbeddedRegister:
    """ActionRegister in `<workspace>/register/actions.sqlite`.

    Args:
        workspace: the workspace folder.
    """

    def __init__(self, workspace: Path) -> None:
        self.workspace = Path(workspace)
        self.path = Workspace(self.workspace).action_register_file

    # --- connections ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection | None]:
        """A read-only connection, or None when the register was never written."""
        if not self.path.exists():
            yield None
            return
        try:
            connection = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_SECONDS
            )
        except sqlite3.Error as exc:
            raise _error(self.path, exc) from None
        try:
            yield connection
        except sqlite3.Error as exc:
            raise _error(self.path, exc) from None
        finally:
            connection.close()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One writing transaction (BEGIN IMMEDIATE ... COMMIT, rolled back on error)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            for statement in _SCHEMA:
                connection.execute(statement)
        except (sqlite3.Error, OSError) as exc:
            raise _error(self.path, exc) from None
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            raise _error(self.path, exc) from None
        finally:
            connection.close()

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
        with self._reading() as connection:
            every = _all_items(connection) if connection is not None else []
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
        with self._reading() as connection:
            if connection is None:
                return None
            return _one_item(connection, item_id)

    def last_sync(self) -> dt.date | None:
        """The as-of day of the last sync (ActionRegister.last_sync)."""
        with self._reading() as connection:
            return _last_sync(connection) if connection is not None else None

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
        record id -> identity id (default: the workspace's embedded store's identities), so
        that a merged identity's open items say which identity it merged into.

        Raises:
            ConfigError: `as_of` before the last sync.
            StoreError: the file could not be written.
        """
        if merged_into is None:
            from perp_graph.store.embedded import EmbeddedStore  # it imports this module

            merged_into = EmbeddedStore(self.workspace).identities()
        with self._writing() as connection:
            at = at or _now()
            check_sync_date(_last_sync(connection), as_of)
            items = _all_items(connection)
            plan = plan_sync(recommended, items, as_of, assessed, merged_into)
            for item in plan.raised:
                entry = Change(at, user, "open", None, f"raised: {item.reason}")
                _insert(connection, item, entry)
            by_id = {i.id: i for i in items}
            for change in plan.changes:
                _update(connection, applied(by_id[change.item_id], change, at, user))
            connection.execute(
                "INSERT INTO meta(name, value) VALUES ('last_sync', ?) "
                "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                (as_of.isoformat(),),
            )
        return plan

    def change(self, change: ItemChange, *, at: dt.datetime | None = None, user: str) -> Item:
        """Apply a user's change in one transaction (ActionRegister.change).

        Raises:
            UnknownAction, ActionRefused, StoreError.
        """
        with self._writing() as connection:
            when = at or _now()
            item = _one_item(connection, change.item_id)
            if item is None:
                raise UnknownAction(f"no action {change.item_id} in the register")
            check_change(item, change)
            after = applied(item, change, when, user)
            _update(connection, after)
        return after

    def erase(self, person_ids: Collection[str]) -> dict[str, int]:
        """Retention: erase these identities' items and their histories in one transaction,
        overwriting the freed pages and emptying the write-ahead log after, so that no copy
        stays in the file. Returns {"action_items": n, "action_history": m}; a register never
        written stays unwritten."""
        ids = sorted(set(person_ids))
        if not ids or not self.path.exists():
            return {"action_items": 0, "action_history": 0}
        wanted = json.dumps(ids)
        with self._writing() as connection:
            connection.execute("PRAGMA secure_delete = ON")
            history = connection.execute(
                "DELETE FROM changes WHERE item_id IN (SELECT id FROM items WHERE person_id IN "
                "(SELECT value FROM json_each(?)))",
                (wanted,),
            ).rowcount
            items = connection.execute(
                "DELETE FROM items WHERE person_id IN (SELECT value FROM json_each(?))",
                (wanted,),
            ).rowcount
        self._checkpoint()
        return {"action_items": items, "action_history": history}

    def _checkpoint(self) -> None:
        """Copy the write-ahead log into the file and empty it (after an erasure)."""
        try:
            connection = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
            try:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                connection.close()
        except sqlite3.Error as exc:
            raise _error(self.path, exc) from None


# --- rows ---------------------------------------------------------------------------------------


def _error(path: Path, exc: BaseException) -> StoreError:
    return StoreError(
        f"the action register {path} could not be used ({type(exc).__name__}: {exc}); check "
        "the workspace folder's permissions and free space"
    )


def _last_sync(connection: sqlite3.Connection) -> dt.date | None:
    row = connection.execute("SELECT value FROM meta WHERE name = 'last_sync'").fetchone()
    return dt.date.fromisoformat(row[0]) if row else None


def _all_items(connection: sqlite3.Connection) -> list[Item]:
    history: dict[str, list[Change]] = {}
    for row in connection.execute(
        "SELECT item_id, at, user, status, owner, note FROM changes ORDER BY item_id, seq"
    ):
        history.setdefault(row[0], []).append(_change(row[1:]))
    rows = connection.execute(f"SELECT {_ITEM_COLUMNS} FROM items ORDER BY id").fetchall()
    return [_item(row, history.get(row[0], [])) for row in rows]


def _one_item(connection: sqlite3.Connection, item_id: str) -> Item | None:
    row = connection.execute(f"SELECT {_ITEM_COLUMNS} FROM items WHERE id = ?", (item_id,))
    found = row.fetchone()
    if found is None:
        return None
    changes = connection.execute(
        "SELECT at, user, status, owner, note FROM changes WHERE item_id = ? ORDER BY seq",
        (item_id,),
    )
    return _item(found, [_change(c) for c in changes])


def _change(row: Sequence[object]) -> Change:
    at, user, status, owner, note = row
    return Change(dt.datetime.fromisoformat(str(at)), str(user), str(status), owner, str(note))  # type: ignore[arg-type]


def _item(row: Sequence[object], history: list[Change]) -> Item:
    values = dict(zip([c.strip() for c in _ITEM_COLUMNS.split(",")], row, strict=True))
    return Item(
        id=str(values["id"]),
        person_id=str(values["person_id"]),
        neighbourhood=values["neighbourhood"],  # type: ignore[arg-type]
        kind=str(values["kind"]),
        key=str(values["key"]),
        text=str(values["text"]),
        reason=str(values["reason"]),
        evidence_ids=tuple(json.loads(str(values["evidence"]))),
        raised_on=dt.date.fromisoformat(str(values["raised_on"])),
        due_by=dt.date.fromisoformat(str(values["due_by"])),
        status=str(values["status"]),
        owner=values["owner"],  # type: ignore[arg-type]
        note=str(values["note"]),
        changed_by=str(values["changed_by"]),
        changed_at=_moment(values["changed_at"]),
        lapsed_on=dt.date.fromisoformat(str(values["lapsed_on"])) if values["lapsed_on"] else None,
        history=tuple(history),
    )


def _moment(value: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(str(value)) if value else None


def _insert(connection: sqlite3.Connection, item: Item, entry: Change) -> None:
    connection.execute(
        f"INSERT INTO items({_ITEM_COLUMNS}) VALUES ({', '.join('?' * 16)})",
        (
            item.id,
            item.person_id,
            item.neighbourhood,
            item.kind,
            item.key,
            item.text,
            item.reason,
            json.dumps(list(item.evidence_ids)),
            item.raised_on.isoformat(),
            item.due_by.isoformat(),
            entry.status,
            entry.owner,
            entry.note,
            entry.user,
            entry.at.isoformat(),
            None,
        ),
    )
    _append(connection, item.id, entry)


def _update(connection: sqlite3.Connection, item: Item) -> None:
    """Write an item's current fields and the last entry of its history."""
    connection.execute(
        "UPDATE items SET status = ?, owner = ?, note = ?, changed_by = ?, changed_at = ?, "
        "lapsed_on = ? WHERE id = ?",
        (
            item.status,
            item.owner,
            item.note,
            item.changed_by,
            item.changed_at.isoformat() if item.changed_at else None,
            item.lapsed_on.isoformat() if item.lapsed_on else None,
            item.id,
        ),
    )
    _append(connection, item.id, item.history[-1])


def _append(connection: sqlite3.Connection, item_id: str, entry: Change) -> None:
    connection.execute(
        "INSERT INTO changes(item_id, seq, at, user, status, owner, note) VALUES "
        "(?, (SELECT coalesce(max(seq), 0) + 1 FROM changes WHERE item_id = ?), ?, ?, ?, ?, ?)",
        (item_id, item_id, entry.at.isoformat(), entry.user, entry.status, entry.owner, entry.note),
    )


def _now() -> dt.datetime:
    """Now (UTC), taken once the transaction holds the write lock, so that every history
    is in time order."""
    return dt.datetime.now(dt.UTC)
