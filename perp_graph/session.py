"""One session per command: the workspace and its lock, the store, the identities it
holds, and the audit record, in one object every job runs inside.

    with Session(settings, "scan") as session:          # reads: shared lock
        result = session.store.acpo_scan(...)
        session.publish("consultation", {...}, {path: text}, person_ids=...)

Order of things, for every job (DPA 2018 s.62, fail closed):
1. the workspace is opened (a reading command never creates one: `NoWorkspace`), its lock
   taken (writers exclusive, readers shared: `perp_graph.workspace`), the audit log
   checked writable, all before any work;
2. the store opens on first use and closes when the session ends;
3. an output is published only after its audit record is written (`publish`); a failed
   append leaves no output;
4. an erasure records its intent before it erases and its completion after
   (`erasure_intent`, then `audit(..., intent=seq)`), so an erasure cut short is never
   unrecorded (`perp-graph audit verify` lists any intent left without completion).

Model: splink's `Linker`, one object whose small components do the work (architecture
guide, "Where the house has outgrown its shape").
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import pandas as pd

from perp_graph.audit import AuditLog, current_user, text_digest
from perp_graph.dataset import Dataset
from perp_graph.errors import StoreError
from perp_graph.identity.resolve import records_of
from perp_graph.model import ScanParameters
from perp_graph.output import check_free, write_text
from perp_graph.progress import Progress
from perp_graph.settings import Settings
from perp_graph.store.embedded import EmbeddedStore
from perp_graph.store.protocol import GraphStore
from perp_graph.workspace import Workspace

T = TypeVar("T")


def open_store(settings: Settings) -> GraphStore:
    """The store the settings select: Neo4j when a URI is set (a first load through
    `settings.neo4j_import_command` when that is set, its files in the workspace's
    neo4j-import/ folder), else the embedded store in the settings' workspace. The caller
    closes it.

    Raises:
        StoreError: Neo4j is unreachable, refuses the credentials or the connection's
            security (perp_graph.store.neo4j).
    """
    if settings.neo4j_uri:
        from perp_graph.store.neo4j import Neo4jStore  # the driver is only needed here
        from perp_graph.store.neo4j_import import BulkImport

        workspace = Workspace(Path(settings.workspace))
        bulk_import = None
        if settings.neo4j_import_command:
            bulk_import = BulkImport(
                settings.neo4j_import_command,
                folder=workspace.neo4j_import_dir,
                log_file=workspace.neo4j_import_log,
            )
        return Neo4jStore(
            settings.neo4j_uri,
            user=settings.neo4j_user,
            password=settings.neo4j_password,
            database=settings.neo4j_database,
            allow_insecure=settings.neo4j_insecure,
            bulk_import=bulk_import,
        )
    return EmbeddedStore(settings.workspace)


class Session:
    """The context one job runs in.

    Args:
        settings: the command's settings (workspace, store, user, purpose).
        command: the command's name as the audit log and the lock show it ("scan").
        writes: True for a command that changes the workspace or the store (load, purge,
            identity decisions): it holds the lock alone.
        create: whether the workspace may be created (default: `writes`; a purge or an
            identity decision needs one that exists).
        progress: where progress is shown (nothing by default).
        on_wait: told, once, when another command holds the lock and this one waits.

    Raises (on entering):
        NoWorkspace: a reading command on a folder that is not a workspace.
        WorkspaceBusy: the lock stayed taken for `settings.lock_wait` seconds.
        AuditError: the audit log cannot be written (nothing is done).
    """

    def __init__(
        self,
        settings: Settings,
        command: str,
        *,
        writes: bool = False,
        create: bool | None = None,
        progress: Progress | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.command = command
        self.writes = writes
        self.create = writes if create is None else create
        self.progress = progress or Progress()
        self.workspace = Workspace(Path(settings.workspace))
        self.log = AuditLog(self.workspace.root)
        self._on_wait = on_wait
        self._lock: Any = None
        self._store: GraphStore | None = None
        self._offending: tuple[ScanParameters, Dataset] | None = None
        self._ended = False

    # --- entering and leaving ------------------------------------------------------------------

    def __enter__(self) -> Session:
        self._ended = False
        self.workspace = Workspace.open(self.settings.workspace, create=self.create)
        self._lock = self.workspace.lock(
            exclusive=self.writes,
            command=self.command,
            wait_seconds=self.settings.lock_wait,
            on_wait=self._on_wait,
        )
        self._lock.__enter__()
        try:
            self.log.check_writable()
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._ended = True
        try:
            self.close_store()
        finally:
            self._lock.__exit__(kind, error, trace)

    # --- the store and what it holds -----------------------------------------------------------

    @property
    def store(self) -> GraphStore:
        """The settings' store, opened on first use.

        Raises:
            StoreError: the session has ended (a call abandoned in a second thread,
                `alongside`, must not open the store again).
        """
        if self._store is None:
            if self._ended:
                raise StoreError(f"the {self.command} session has ended; its store is closed")
            self._store = open_store(self.settings)
        return self._store

    def close_store(self) -> None:
        """Close the store now (it is closed anyway when the session ends)."""
        if self._store is not None:
            store, self._store = self._store, None
            store.close()

    @functools.cached_property
    def identity_of(self) -> dict[str, str]:
        """record id -> identity id, as the store holds it (`GraphStore.identities`)."""
        return self.store.identities()

    @functools.cached_property
    def records(self) -> Dataset:
        """The store's force records (`GraphStore.force_records`) on identities: every
        person id replaced by its identity's id."""
        return self.store.force_records().resolved(self.identity_of)

    def offending_records(self, parameters: ScanParameters) -> Dataset:
        """What the scores, alerts and release watch read (`GraphStore.offending_records`)
        on identities. Read once per session: records read as of a later day serve an
        earlier one too (every rule after them filters by its own as-of date)."""
        cached = self._offending
        if (
            cached is None
            or cached[0].as_of < parameters.as_of
            or cached[0].connection_types != parameters.connection_types
        ):
            identity_of = self.identity_of  # read first: the store selects by it too
            records = self.store.offending_records(parameters, identity_of).resolved(identity_of)
            cached = self._offending = (parameters, records)
        return cached[1]

    @contextlib.contextmanager
    def alongside(self, call: Callable[..., T], *args: Any) -> Iterator[Future[T]]:
        """Run `call(*args)` in a second thread while the block runs; yields its future.
        For work a server does while this process works on something else (on Neo4j,
        the ACPO scan runs on the server while the scores are worked out here:
        jobs.scanning.assess_identities). What both threads read of the session (the
        store, `identity_of`) should be read before, not first from two threads at once.

        When the block raises (a failed step, Ctrl-C), its error is raised at once: the
        call is abandoned, not awaited. Its thread is a daemon, so it never keeps the
        process alive; a query it runs on the server ends when the session closes the
        store (the server ends a transaction whose connection closes), and its outcome
        is dropped. When the block succeeds, the call is awaited and a failure of it is
        raised.

        Raises:
            Whatever `call` raised, once the block is done.
        """
        pending: Future[T] = Future()

        def work() -> None:
            pending.set_running_or_notify_cancel()
            try:
                pending.set_result(call(*args))
            except BaseException as exc:  # handed to the waiting thread
                pending.set_exception(exc)

        threading.Thread(target=work, name="alongside", daemon=True).start()
        yield pending  # an error of the block propagates at once: the call is abandoned
        error = pending.exception()  # waits for the call
        if error is not None:
            raise error

    def forget_identities(self) -> None:
        """Drop what was read of the identities (after they change in the store)."""
        self.__dict__.pop("identity_of", None)
        self.__dict__.pop("records", None)
        self._offending = None

    # --- the audit log -------------------------------------------------------------------------

    def audit(
        self,
        operation: str,
        parameters: Mapping[str, object],
        *,
        command: str | None = None,
        person_ids: Iterable[str] = (),
        files: Mapping[Path, str] | None = None,
        counts: Mapping[str, int] | None = None,
        purpose: str | None = None,
        erased: Iterable[str] = (),
        user: str | None = None,
        intent: int | None = None,
    ) -> dict[str, Any]:
        """Append this session's audit record (perp_graph.audit.AuditLog.append) and return
        it.

        Args:
            operation: one of s.62(1)'s kinds (audit.OPERATIONS).
            parameters: what the command was asked (ids and values, never names).
            command: defaults to the session's command.
            person_ids: the records the command processed.
            files: path -> SHA-256 of each file it writes.
            counts: sizes worth keeping.
            purpose, user: default to the settings'.
            erased: ids erased; kept only as a digest of the set.
            intent: the seq of the erasure intent this record completes.

        Raises:
            AuditError: the record could not be written; the caller must not go on.
        """
        erased = sorted(erased)
        parameters = dict(parameters)
        if erased:
            # The erased ids themselves are not kept; a digest proves which set went.
            parameters["erased_ids_sha256"] = text_digest("\n".join(erased))
        if intent is not None:
            parameters["intent"] = intent
        return self.log.append(
            operation=operation,
            command=command or self.command,
            user=current_user(user or self.settings.user),
            purpose=purpose or self.settings.purpose,
            parameters=parameters,
            person_ids=person_ids,
            files=files,
            counts=counts,
        )

    def erasure_intent(
        self, parameters: Mapping[str, object], *, command: str | None = None
    ) -> int:
        """Record that an erasure is about to start; returns the record's seq, which the
        completion record names (`audit(..., intent=seq)`)."""
        record = self.audit("erasure", {**parameters, "stage": "intent"}, command=command)
        return int(record["seq"])

    def publish(
        self,
        operation: str,
        parameters: Mapping[str, object],
        texts: Mapping[Path, str],
        *,
        overwrite: bool = False,
        command: str | None = None,
        person_ids: Iterable[str] = (),
        counts: Mapping[str, int] | None = None,
        purpose: str | None = None,
    ) -> list[Path]:
        """Write text files, audited first: refuse taken paths (unless `overwrite`), append
        the record with each file's digest, then write each file atomically (never over a
        file someone else created meanwhile, unless `overwrite`).

        Returns the paths written, in the order given.

        Raises:
            OutputError: a path exists and `overwrite` is False.
            AuditError: the record could not be written; nothing is written.
        """
        check_free(list(texts), overwrite=overwrite)
        self.audit(
            operation,
            parameters,
            command=command,
            person_ids=person_ids,
            files={path: text_digest(text) for path, text in texts.items()},
            counts=counts,
            purpose=purpose,
        )
        return [write_text(path, text, overwrite=overwrite) for path, text in texts.items()]


def records_about_identities(
    store: GraphStore, identity_ids: Sequence[str], identity_of: Mapping[str, str]
) -> Dataset:
    """`records_about` for identities: the records of every record of each identity,
    with every person id replaced by its identity's id (`identity_of` as the store holds
    it: store.identities()).

    Returns:
        A Dataset of the five tables (GraphStore.records_about's rows), on identities.

    Raises:
        StoreError: the store is empty or incomplete, or a query failed.
    """
    if not identity_of:
        return store.records_about(identity_ids)
    return _about_identities(store, identity_ids, identity_of, widen=False)[0]


def records_in_view(
    store: GraphStore, identity_ids: Sequence[str], identity_of: Mapping[str, str]
) -> tuple[Dataset, dict[str, str]]:
    """`records_about_identities` for a person-level command, which never reads the
    force's identities: `identity_ids` may name any record of a person (each stands for
    its identity); `identity_of` holds what is known so far (may be empty); the
    identities of these ids and of everyone in view are read (GraphStore.identities_of)
    and returned with the records.

    Returns:
        The records on identities, and `identity_of` widened to everyone in view.

    Raises:
        StoreError: the store is empty or incomplete, or a query failed.
    """
    return _about_identities(store, identity_ids, identity_of, widen=True)


def _about_identities(
    store: GraphStore, identity_ids: Sequence[str], identity_of: Mapping[str, str], *, widen: bool
) -> tuple[Dataset, dict[str, str]]:
    identity_of = dict(identity_of)
    if widen:
        if unknown := set(identity_ids) - set(identity_of):
            identity_of.update(store.identities_of(unknown))
        identity_ids = sorted({identity_of.get(i, i) for i in identity_ids})
    by_identity = records_of(identity_of)
    seeds = {r for i in identity_ids for r in by_identity.get(i, [i])}
    records = store.records_about(seeds)
    present = set(records.people["person_id"])
    if widen:
        identity_of.update(store.identities_of(present - set(identity_of)))
    # Someone in view may be known here only by a record that is not their identity's
    # own: fetch the identity's record too, so that they are named as in the scan.
    missing = {identity_of[p] for p in present if p in identity_of} - present
    if missing:
        extra = store.records_about(missing).people
        records = Dataset(
            people=pd.concat([records.people, extra[extra["person_id"].isin(missing)]]),
            incidents=records.incidents,
            involvements=records.involvements,
            relationships=records.relationships,
            orders=records.orders,
        )
    return records.resolved(identity_of), identity_of
