"""Jobs that change the store: load, purge (retention), and the identity resolution that
follows them. Each runs in one writing `Session` (the workspace's lock held alone)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import pandas as pd

from perp_graph.audit import AuditLog, file_digest
from perp_graph.errors import StoreError
from perp_graph.identity.decisions import Decisions
from perp_graph.identity.pairs import load_pairs, save_pairs
from perp_graph.identity.resolve import Identities, resolve
from perp_graph.output import write_text
from perp_graph.pipeline.load import LoadReport, load_folder
from perp_graph.progress import Progress
from perp_graph.session import Session
from perp_graph.settings import Settings
from perp_graph.store.protocol import Erasure, GraphStore
from perp_graph.workspace import Workspace


def load(
    data_dir: Path, settings: Settings, progress: Progress | None = None, *, full: bool = False
) -> LoadReport:
    """Load a folder of exports into the configured store, then resolve identities (unless
    `settings.resolve` is off).

    Args:
        data_dir: the folder holding people.csv, incidents.csv ... (data contract 1).
        full: the folder is a complete export: records it no longer holds are erased from
            the store, the action register (items about the people erased, with their
            histories) and the outputs that named them (audited as an erasure, its intent
            first; the register's counts are action_items and action_history).

    Returns the load report (also written to reports/last-load.json).

    Files written: the store's tables, quarantine/<file>.csv, reports/last-load.json,
    reports/data-quality.csv, identities/pairs.parquet, the audit records.

    Raises:
        InputFileError: a file cannot be used at all (names file, line, column and fix).
        ConfigError, StoreError, AuditError, WorkspaceBusy.
    """
    with Session(settings, "load", writes=True, progress=progress) as session:
        store = session.store
        intent = None
        if full:
            intent = session.erasure_intent(
                {"data_dir": str(data_dir), "store": store.name}, command="load --full"
            )
        report = load_folder(data_dir, store, settings, session.progress, full=full)
        if report.removed is not None:
            register = erase_register_items(store, report.removed_person_ids)
            report.removed = report.removed | register
            cleaned = remove_outputs_about(
                session.workspace, session.log, report.removed_person_ids
            )
            session.audit(
                "erasure",
                {"data_dir": str(data_dir), "store": store.name},
                command="load --full",
                counts=report.removed | {"output_files": len(cleaned)},
                files=cleaned,
                erased=report.removed_person_ids,
                intent=intent,
            )
        session.audit(
            "collection",
            {"data_dir": str(data_dir), "dayfirst": settings.dayfirst, "store": store.name},
            person_ids=report.person_ids,
            counts={f.file: f.loaded for f in report.files} | {"quarantined": report.quarantined},
        )
        if settings.resolve:
            identities = resolve_identities(store, settings, session.progress)
            report.identities = identities.counts()
            session.audit(
                "combination",
                {"store": store.name},
                command="load: identity resolution",
                person_ids=identities.identity_of,
                counts=report.identities,
            )
            write_text(
                session.workspace.last_load_report,
                json.dumps(report.as_json(), indent=2) + "\n",
                overwrite=True,
            )
        else:
            clear_identities(store, settings)
        return report


@dataclass
class PurgeOutputs:
    """What a purge erased (`Erasure`: counts and ids) and the output files it removed or
    rewrote (path -> SHA-256 of the file as it was)."""

    erasure: Erasure
    files_removed: dict[Path, str]


def purge(settings: Settings, before: dt.date, progress: Progress | None = None) -> PurgeOutputs:
    """Retention: erase records before `before` from the store (`GraphStore.purge`) and
    the action register's items about the people erased (with their histories), then the
    outputs that named anyone erased, and record the erasure by counts and a digest of
    the ids (never the erased content). The intent is recorded before anything is erased,
    the completion after.

    Raises:
        StoreError, AuditError, WorkspaceBusy.
    """
    with Session(settings, "purge", writes=True, create=False, progress=progress) as session:
        store = session.store
        intent = session.erasure_intent({"before": before, "store": store.name})
        with session.progress.stage("erasing", total=1) as advance:
            erasure = store.purge(before)
            erasure.counts.update(erase_register_items(store, erasure.person_ids))
            advance(1)
        if load_pairs(settings.workspace) is not None:
            identities = resolve_identities(store, settings, session.progress)
            session.audit(
                "combination",
                {"store": store.name},
                command="purge: identity resolution",
                person_ids=identities.identity_of,
                counts=identities.counts(),
            )
        else:
            clear_identities(store, settings)
        removed = remove_outputs_about(session.workspace, session.log, erasure.person_ids)
        session.audit(
            "erasure",
            {"before": before, "store": store.name},
            counts={**erasure.counts, "output_files": len(removed)},
            files=removed,
            erased=erasure.person_ids,
            intent=intent,
        )
        return PurgeOutputs(erasure, removed)


@runtime_checkable
class ErasableRegister(Protocol):
    """An action register that erases people's items (both stores' registers)."""

    def erase(self, person_ids: Collection[str]) -> dict[str, int]:
        """Erase these identities' items and histories in one transaction; returns
        {"action_items": n, "action_history": m}."""
        ...


def erase_register_items(store: GraphStore, person_ids: Collection[str]) -> dict[str, int]:
    """Retention for the action register: erase the items about these people (the ids the
    erasure removed; an item names its identity's id) and their histories, in one store
    transaction. Returns the counts for the erasure's audit record.

    Raises:
        StoreError: the store's register cannot erase (never skipped in silence).
    """
    register = store.register()
    if not isinstance(register, ErasableRegister):
        raise StoreError(
            f"the {store.name} store's action register cannot erase items; nothing about "
            "the people erased was removed from it"
        )
    return register.erase(person_ids)


def remove_outputs_about(
    workspace: Workspace, log: AuditLog, person_ids: Iterable[str]
) -> dict[Path, str]:
    """Erase what the outputs hold about these people.

    - Every file the audit log says was written naming one of them is deleted, where it
      is still there unchanged (a file changed since is someone else's now).
    - Quarantine files lose the rows that name one of them, compared as whole ids (erasing
      P1 never touches a row about P10); a file left with no rows is deleted, the other
      rows stay waiting to be fixed.

    Returns every file deleted or rewritten -> the SHA-256 it had before.
    """
    person_ids = frozenset(person_ids)
    removed: dict[Path, str] = {}
    if not person_ids:
        return removed
    for record in log.records():
        if not person_ids.intersection(record.get("person_ids", ())):
            continue
        for entry in record.get("files", ()):
            path = Path(entry["path"])
            if path.is_file() and file_digest(path) == entry["sha256"]:
                path.unlink()
                removed[path] = entry["sha256"]
    folder = workspace.quarantine_dir
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        before = file_digest(path)
        if _drop_quarantined_rows(path, person_ids):
            removed[path] = before
    return removed


#: What separates values in a record's raw text (a quarantined line that could not be
#: parsed): delimiters, quotes and white space. An id is matched as a whole token.
_RAW_SEPARATORS = re.compile(r"[,;|\t\"'\s]+")


def _drop_quarantined_rows(path: Path, person_ids: frozenset[str]) -> bool:
    """Remove from one quarantine file the rows naming any of `person_ids` (a cell equal to
    an id, or an id among the tokens of the raw record); delete the file when no row is
    left. Returns whether the file changed."""
    rows = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    if rows.empty:
        return False
    names = pd.Series(False, index=rows.index)
    for column in rows.columns:
        cells = rows[column].str.strip()
        names |= cells.isin(person_ids)
        if column == "raw_record":
            names |= cells.map(
                lambda raw: bool(person_ids.intersection(_RAW_SEPARATORS.split(raw)))
            )
    if not names.any():
        return False
    kept = rows[~names]
    if kept.empty:
        path.unlink()
    else:
        write_text(path, kept.to_csv(index=False), overwrite=True)
    return True


def resolve_identities(
    store: GraphStore, settings: Settings, progress: Progress | None = None
) -> Identities:
    """Group the store's person records into identities (identity.resolve.resolve), apply
    analysts' decisions, record the result in the store (the scan then works on
    identities) and keep the scored pairs in identities/pairs.parquet."""
    progress = progress or Progress()
    workspace = Workspace(Path(settings.workspace))
    with progress.stage("resolving identities", total=1) as advance:
        identities = resolve(
            store.resolution_records(),
            Decisions.open(settings.workspace),
            temp_directory=workspace.identities_dir,
            **placeholders(settings),
        )
        store.set_identities(identities.identity_of)
        save_pairs(settings.workspace, identities.pairs)
        advance(1)
    return identities


def clear_identities(store: GraphStore, settings: Settings) -> None:
    """Identity resolution off: every record stands for itself (the store's identities and
    the saved pairs are cleared)."""
    store.set_identities({})
    Workspace(Path(settings.workspace)).pairs_file.unlink(missing_ok=True)


def placeholders(settings: Settings) -> dict[str, tuple[str, ...]]:
    """The configured values that are unknown for matching (contract 1.6), as keyword
    arguments of identity.resolve.resolve."""
    return {
        "placeholder_dates_of_birth": settings.placeholder_dates_of_birth,
        "no_fixed_abode_postcodes": settings.no_fixed_abode_postcodes,
    }
