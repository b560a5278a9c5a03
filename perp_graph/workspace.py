"""The workspace: the one folder a deployment's commands share, and its lock.

Every path inside a workspace is named here and nowhere else:

    <root>/audit/audit.jsonl        the audit log (DPA 2018 s.62), perp_graph.audit
    <root>/embedded/                the embedded store's tables, perp_graph.store.embedded
    <root>/identities/              analysts' decisions, scored pairs, DuckDB's spill
    <root>/quarantine/<file>.csv    records a load could not use, with their reasons
    <root>/register/actions.sqlite  the embedded store's action register (issue 17)
    <root>/neo4j-import/            a first load's neo4j-admin import files, only while it
                                    runs (perp_graph.store.neo4j_import)
    <root>/reports/                 last-load.json, last-scan.json, last-brief.json,
                                    data-quality.csv, neo4j-import.log
    <root>/.lock                    the lock (below)

Locking (POSIX `flock`, advisory, on `<root>/.lock`): a command that changes the
workspace or the store (load, purge, identities confirm/reject) holds it exclusively;
a command that only reads (scan, watch, brief, network, profile, identities review and
export) holds it shared, so readers run side by side and never see a load half done. A
command that cannot take the lock at once says who holds it and waits, up to
`Settings.lock_wait` seconds, then fails with `WorkspaceBusy`. The lock covers one
workspace; two workspaces pointing at one Neo4j database are not serialised by it.

A read-only command never creates a workspace: `Workspace.open(root, create=False)`
raises `NoWorkspace`, naming the nearest workspace it finds. Model: sqlite-utils'
`Database` owns its file (architecture guide, "Where the house has outgrown its shape").
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from perp_graph.errors import ConfigError, PerpGraphError

#: Seconds between tries while another command holds the lock.
_POLL_SECONDS = 0.2


class NoWorkspace(ConfigError):
    """A command that only reads was pointed at a folder that is not a workspace."""


class WorkspaceBusy(PerpGraphError):
    """Another command held the workspace's lock for longer than the wait allowed
    (exit code 5)."""

    exit_code = 5


@dataclass(frozen=True)
class Workspace:
    """One workspace folder: its paths, whether it exists, and its lock.

    Args:
        root: the workspace folder (`--workspace`, default `.perp-graph`).
    """

    root: Path

    # --- the layout ----------------------------------------------------------------------------

    @property
    def audit_log_file(self) -> Path:
        """The audit log (perp_graph.audit)."""
        return self.root / "audit" / "audit.jsonl"

    @property
    def embedded_dir(self) -> Path:
        """The embedded store's tables (perp_graph.store.embedded)."""
        return self.root / "embedded"

    @property
    def identities_dir(self) -> Path:
        """Identity resolution's folder: decisions, scored pairs and DuckDB's spill."""
        return self.root / "identities"

    @property
    def decisions_file(self) -> Path:
        """Analysts' confirm / reject decisions, append-only (identity.resolve.Decisions)."""
        return self.identities_dir / "decisions.csv"

    @property
    def pairs_file(self) -> Path:
        """The last resolution's scored pairs (identity.resolve.save_pairs)."""
        return self.identities_dir / "pairs.parquet"

    @property
    def action_register_file(self) -> Path:
        """The embedded store's action register: SQLite in WAL mode
        (perp_graph.store.embedded_register)."""
        return self.root / "register" / "actions.sqlite"

    @property
    def quarantine_dir(self) -> Path:
        """Records a load could not use, one CSV per input file, with reasons."""
        return self.root / "quarantine"

    @property
    def reports_dir(self) -> Path:
        """Reports the commands keep."""
        return self.root / "reports"

    @property
    def neo4j_import_dir(self) -> Path:
        """A first load's neo4j-admin import files (personal data): written, imported and
        deleted by one load (perp_graph.store.neo4j_import)."""
        return self.root / "neo4j-import"

    @property
    def neo4j_import_log(self) -> Path:
        """The output of the last Neo4j import command: counts and progress; after a failed
        import, neo4j-admin's error, which may quote part of the record it could not read
        (owner-only, like everything in the workspace)."""
        return self.reports_dir / "neo4j-import.log"

    @property
    def last_load_report(self) -> Path:
        """The last load's report (JSON)."""
        return self.reports_dir / "last-load.json"

    @property
    def last_scan(self) -> Path:
        """The last scan's JSON (data contract 3), for `scan --against`."""
        return self.reports_dir / "last-scan.json"

    @property
    def last_brief(self) -> Path:
        """The last brief's statuses, scores and custody (JSON), for its NEW / RELEASED /
        SCORE UP badges."""
        return self.reports_dir / "last-brief.json"

    @property
    def meetings_dir(self) -> Path:
        """The last meeting pack's statuses, scores and agenda per scope (JSON, one file for
        the force and one per set of neighbourhoods), for the next meeting's "what changed"
        (jobs/meeting.py)."""
        return self.reports_dir / "meetings"

    @property
    def data_quality_report(self) -> Path:
        """The last load's data-quality findings (CSV)."""
        return self.reports_dir / "data-quality.csv"

    @property
    def lock_file(self) -> Path:
        """The lock file: empty, or the exclusive holder as JSON."""
        return self.root / ".lock"

    # --- existence -----------------------------------------------------------------------------

    def exists(self) -> bool:
        """Whether this folder is a workspace: a command has written its audit log here
        (every command does, first), or a load its store or its report (a load through
        the library's pipeline alone, as into Neo4j, writes only the report)."""
        return (
            self.audit_log_file.is_file()
            or self.embedded_dir.is_dir()
            or self.last_load_report.is_file()
        )

    @classmethod
    def open(cls, root: Path, *, create: bool) -> Workspace:
        """The workspace at `root`.

        Args:
            root: the folder.
            create: make the folder when it is not a workspace yet (commands that write);
                when False (commands that only read), a folder that is not a workspace is
                an error and nothing is created.

        Raises:
            NoWorkspace: `create` is False and `root` is not a workspace; the message names
                the nearest workspace found, if any.
        """
        workspace = cls(Path(root))
        if workspace.exists():
            return workspace
        if not create:
            raise NoWorkspace(_no_workspace_message(workspace.root))
        workspace.root.mkdir(parents=True, exist_ok=True)
        return workspace

    # --- the lock ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(
        self,
        *,
        exclusive: bool,
        command: str,
        wait_seconds: float,
        on_wait: Callable[[str], None] | None = None,
    ) -> Iterator[None]:
        """Hold the workspace's lock for the body of a `with` block.

        Args:
            exclusive: True for a command that writes (one at a time, no readers), False
                for one that reads (many at once, no writer).
            command: what is running, recorded for whoever waits ("load", "scan").
            wait_seconds: how long to wait for another command to finish (0: not at all).
            on_wait: called once with a message when the lock is not free at once.

        Raises:
            WorkspaceBusy: the lock was still held after `wait_seconds`.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
            if not _try_lock(fd, mode):
                holder = self.holder()
                if on_wait is not None:
                    on_wait(
                        f"The workspace {self.root} is in use by {holder}; waiting up to "
                        f"{wait_seconds:g} s for it to finish"
                    )
                deadline = time.monotonic() + wait_seconds
                while not _try_lock(fd, mode):
                    if time.monotonic() >= deadline:
                        raise WorkspaceBusy(
                            f"the workspace {self.root} is still in use by {holder} after "
                            f"{wait_seconds:g} s; run this again when it has finished, or wait "
                            "longer with lock_wait under [workspace] in the config"
                        )
                    time.sleep(_POLL_SECONDS)
            if exclusive:
                _write_holder(fd, command)
            try:
                yield
            finally:
                if exclusive:
                    os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def holder(self) -> str:
        """Who holds the lock, as well as the lock file says ("another perp-graph command"
        when a reader holds it: readers do not write their names)."""
        try:
            body = json.loads(self.lock_file.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            body = {}
        if body.get("command"):
            return (
                f"perp-graph {body['command']} (process {body.get('pid')}, since {body['since']})"
            )
        return "another perp-graph command"


def _try_lock(fd: int, mode: int) -> bool:
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def _write_holder(fd: int, command: str) -> None:
    body = {
        "command": command,
        "pid": os.getpid(),
        "since": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime()),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(body).encode(), 0)


def _no_workspace_message(root: Path) -> str:
    nearest = nearest_workspace(root)
    where = root.absolute()
    if nearest is not None:
        return (
            f"no workspace at {where}; the nearest is {nearest} (pass --workspace {nearest}), "
            "or load exports into this one first with perp-graph load DATA_DIR"
        )
    return (
        f"no workspace at {where}; load exports into it first with perp-graph load DATA_DIR "
        "--workspace " + str(root)
    )


def nearest_workspace(root: Path) -> Path | None:
    """The workspace most likely meant when `root` is not one: a sibling folder whose name
    is closest to `root`'s (a typo), else `.perp-graph` in `root`'s folder or one above it.
    None when there is none."""
    root = Path(root).absolute()
    parent = root.parent
    siblings: dict[str, Path] = {}
    with contextlib.suppress(OSError):
        for child in parent.iterdir():
            if child.is_dir() and child != root and Workspace(child).exists():
                siblings[child.name] = child
    close = difflib.get_close_matches(root.name, list(siblings), n=1, cutoff=0.6)
    if close:
        return siblings[close[0]]
    for folder in (parent, *parent.parents):
        candidate = folder / ".perp-graph"
        if candidate != root and Workspace(candidate).exists():
            return candidate
    return None
