"""A first load into an empty Neo4j database through `neo4j-admin database import full`.

`BulkImport` is the load itself (`Neo4jStore.load` calls it on an empty database when the
`[neo4j] import_command` setting is given): write the files into the workspace
(store.neo4j_import_files), run the configured command (which stops the server, imports and
starts it again), wait for Bolt, create the schema after the data, wait for every index,
check every count and mark the load complete. The folder holds personal data: it is
deleted afterwards whatever happens.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from perp_graph.dataset import Dataset
from perp_graph.errors import StoreError
from perp_graph.store.neo4j_import_files import (
    DEFAULT_DATABASE,
    ImportFiles,
    first_load_tables,
    importable,
    write_import,
)
from perp_graph.store.neo4j_rows import _now

if TYPE_CHECKING:
    from perp_graph.store.neo4j import Neo4jStore

__all__ = [
    "DEFAULT_DATABASE",
    "WAIT_SECONDS",
    "BulkImport",
    "ImportFiles",
    "first_load_tables",
    "importable",
    "remove_import_files",
    "run_import_command",
    "write_import",
]

log = logging.getLogger(__name__)

#: Seconds `BulkImport` waits for the server to answer again after the command.
WAIT_SECONDS = 300.0


def run_import_command(command: Sequence[str], argument_file: Path, log_file: Path) -> None:
    """Run `command` with `argument_file` as its one extra argument, its output (stdout and
    stderr) to `log_file` (replaced, owner-only), never to the terminal.

    Raises:
        StoreError: the command cannot be started, or exits non-zero (the message names the
            exit code, the log and the fix).
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(f"$ {shlex.join([*command, str(argument_file)])}\n")
        out.flush()
        try:
            done = subprocess.run(
                [*command, str(argument_file)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
        except OSError as exc:
            raise StoreError(
                f"cannot run the Neo4j import command {command[0]!r} ({exc.strerror}); check "
                "[neo4j] import_command in the config or PERP_GRAPH_NEO4J_IMPORT_COMMAND"
            ) from None
    if done.returncode != 0:
        raise StoreError(
            f"the Neo4j import command failed (exit code {done.returncode}); its output is in "
            f"{log_file}. Fix what it names, make sure the server is running again, then "
            "re-run the load (nothing was loaded, so it imports again), or unset "
            "[neo4j] import_command / PERP_GRAPH_NEO4J_IMPORT_COMMAND to load with Cypher"
        )


@dataclass(frozen=True)
class BulkImport:
    """A first load through neo4j-admin import (the `[neo4j] import_command` setting).

    Args:
        command: the command line (split as a shell would, no shell run) that stops the
            server, runs `neo4j-admin database import full @ARGFILE` with the path it is
            given as its last argument, and starts the server again; it exits non-zero
            when the import failed.
        folder: where the import files are written (the workspace's `neo4j-import/`),
            deleted afterwards whatever happens.
        log_file: where the command's output goes (the workspace's
            `reports/neo4j-import.log`).
        wait_seconds: how long to wait for the server to answer after the command.
    """

    command: str
    folder: Path
    log_file: Path
    wait_seconds: float = WAIT_SECONDS

    def remove_files(self) -> None:
        """Delete import files a killed load left in `folder` (`remove_import_files`).

        Raises:
            StoreError: they could not be deleted.
        """
        remove_import_files(self.folder)

    def accepts(self, dataset: Dataset) -> bool:
        """Whether the import gives exactly the graph of the CREATE path for this dataset
        (`importable`); when not, the reason is logged (no values) and the caller loads
        with CREATE."""
        reason = importable(dataset)
        if reason is not None:
            log.info("first load with CREATE, not neo4j-admin import: %s", reason)
        return reason is None

    def load(self, store: Neo4jStore, dataset: Dataset) -> dict[str, int]:
        """The first load of `dataset` into `store`'s empty database: the import files
        written, the command run, then the server awaited, the schema created, every count
        checked and the load state set complete.

        Returns:
            The store's row counts per table (Neo4jStore.counts).

        Files written: the import files in `folder` (deleted before returning or raising),
        `log_file`.

        Raises:
            StoreError: the command failed (exit code, log, fix); the server did not answer
                within `wait_seconds`; the import did not reach the store's database; a
                count differs from the data's (naming the table: the store is left
                "loading", so a re-run of the load completes it with MERGE).
        """
        argv = shlex.split(self.command)
        if not argv:
            raise StoreError(
                "the Neo4j import command is blank; set [neo4j] import_command or "
                "PERP_GRAPH_NEO4J_IMPORT_COMMAND to a command, or unset it"
            )
        remove_import_files(self.folder)  # a killed run's files
        started = time.perf_counter()
        try:
            files = write_import(dataset, self.folder, database=store.database_name())
            wrote = time.perf_counter()
            log.info(
                "neo4j-admin import files written in %.1f s: %s", wrote - started, files.counts
            )
            run_import_command(argv, files.argument_file, self.log_file)
            log.info("neo4j import command ran in %.1f s", time.perf_counter() - wrote)
        finally:
            remove_import_files(self.folder)
        finishing = time.perf_counter()
        state = self._wait(store)
        if state != "loading":
            raise StoreError(
                f"the Neo4j import command succeeded but database "
                f"{store.database_name()} at {store.uri} holds no import (its "
                f"load state is {state!r}); check that the command imports into the database "
                "the store uses and restarts that server (its output is in "
                f"{self.log_file})"
            )
        store.ensure_schema(again=True)  # constraints and indexes after the data
        # The plain indexes fill in the background: the scan's hints need them online.
        store.run("load/await_indexes", timeout_seconds=int(self.wait_seconds))
        found = store.run("views/graph_counts")[0]
        wrong = [
            f"{int(found[name]):,} {name} where the data holds {count:,}"
            for name, count in files.counts.items()
            if int(found[name]) != count
        ]
        if wrong:
            raise StoreError(
                "the Neo4j import wrote " + "; ".join(wrong) + ". The store is marked "
                "incomplete; re-run the same load to complete it (it then writes with MERGE)"
            )
        store.run("load/set_state", state="complete", at=_now())
        log.info(
            "after the import: server, schema and checks in %.1f s",
            time.perf_counter() - finishing,
        )
        return store.counts()

    def _wait(self, store: Neo4jStore) -> str:
        """The store's load state once the server answers, trying every second.

        Raises:
            StoreError: no answer within `wait_seconds`.
        """
        deadline = time.monotonic() + self.wait_seconds
        while True:
            try:
                return store.state()
            except StoreError:
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"Neo4j at {store.uri} did not answer within {self.wait_seconds:.0f} s "
                        f"after the import command (its output is in {self.log_file}); start "
                        "the server, then re-run the load: the store holds the import marked "
                        "incomplete, and a re-run completes it"
                    ) from None
                time.sleep(1.0)


def remove_import_files(folder: Path) -> None:
    """Delete the import folder (it holds personal data) if it is there.

    Raises:
        StoreError: it could not be deleted (naming the folder and what to do).
    """
    if not folder.exists():
        return
    try:
        shutil.rmtree(folder)
    except OSError as exc:
        raise StoreError(
            f"could not delete the Neo4j import files in {folder} ({type(exc).__name__}); "
            "they hold personal data: delete the folder by hand (as the user that owns it)"
        ) from None
