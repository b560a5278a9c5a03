"""The embedded store: pandas tables persisted as Parquet in the workspace.

No server: the tables live in `<workspace>/embedded/`, the scan runs in
process (pandas for the joins, networkx where the victims' connections need a
graph). A load writes each table to a temporary file of its own and renames it
into place; `state.json` says "loading" until every table is written, so a killed
load leaves a store that refuses to be scanned until the load is re-run.

Readers see one load, never half of two: `state.json` carries a version that every
completed write raises, and a reader that finds it changed (or "loading") after
reading the tables reads them again. Commands also hold the workspace's lock
(perp_graph.workspace), so through the CLI and `perp_graph.api` a read never overlaps a
write; the version check keeps the store consistent for any other caller.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

import pandas as pd

from perp_graph.analytics.acpo import scan as acpo_scan
from perp_graph.dataset import KEYS, Dataset, conform
from perp_graph.errors import StoreError
from perp_graph.model import ScanParameters, ScanResult
from perp_graph.progress import Progress
from perp_graph.store.embedded_register import EmbeddedRegister
from perp_graph.store.protocol import (
    Erasure,
    force_view,
    kept_by_retention,
    kept_if_present,
    offending_view,
    require_complete,
    retained,
)
from perp_graph.workspace import Workspace

_ID_COLUMNS = {"people": "person_id", "incidents": "incident_id"}


class EmbeddedStore:
    """GraphStore held in a local folder."""

    name = "embedded"
    #: reads run in this process: nothing gained by two at once
    reads_side_by_side = False

    def __init__(self, workspace: Path) -> None:
        self.root = Workspace(Path(workspace)).embedded_dir
        self.workspace = Path(workspace)
        self._cache: Dataset | None = None

    # --- state -------------------------------------------------------------

    @property
    def _state_file(self) -> Path:
        return self.root / "state.json"

    def state(self) -> str:
        """ "empty", "loading" (incomplete) or "complete"."""
        if not self._state_file.exists():
            return "empty"
        return json.loads(self._state_file.read_text())["state"]

    def _version(self) -> tuple[str, int]:
        """The state and the version of the last completed write (0 before any)."""
        if not self._state_file.exists():
            return "empty", 0
        body = json.loads(self._state_file.read_text())
        return body["state"], int(body.get("version", 0))

    def _set_state(self, state: str) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        version = self._version()[1] + (1 if state == "complete" else 0)
        body = {
            "state": state,
            "version": version,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        _atomic_write_bytes(self._state_file, (json.dumps(body) + "\n").encode())

    # --- GraphStore ----------------------------------------------------------

    def ids(self, table: str) -> pd.Index:
        """The ids held in `table` ("people" or "incidents"), as strings (GraphStore.ids)."""
        path = self.root / f"{table}.parquet"
        if not path.exists():
            return pd.Index([], dtype="str")
        column = _ID_COLUMNS[table]
        return pd.Index(pd.read_parquet(path, columns=[column])[column].astype("str"))

    def load(self, dataset: Dataset) -> dict[str, int]:
        """Merge `dataset` into the tables (a row with a known key replaces the old one) and
        return rows per table (GraphStore.load). Files written: embedded/<table>.parquet,
        state.json (a new version)."""
        self._set_state("loading")
        self._cache = None
        for name in Dataset.names():
            incoming = getattr(dataset, name)
            path = self.root / f"{name}.parquet"
            if path.exists():
                stored = conform(name, pd.read_parquet(path))
                if len(incoming):
                    merged = pd.concat([stored, incoming], ignore_index=True)
                    merged = merged.drop_duplicates(subset=KEYS[name], keep="last")
                else:
                    merged = stored
            else:
                merged = incoming
            # No re-sort: stored rows keep their order and a re-loaded row takes its
            # place at the end, so loading the same folder again gives the same table.
            merged = merged.reset_index(drop=True)
            _write_table(merged, path)
        self._set_state("complete")
        return self.counts()

    def counts(self) -> dict[str, int]:
        """Rows per table, from the Parquet metadata."""
        import pyarrow.parquet as pq

        out: dict[str, int] = {}
        for name in Dataset.names():
            path = self.root / f"{name}.parquet"
            out[name] = pq.ParquetFile(path).metadata.num_rows if path.exists() else 0
        return out

    def acpo_scan(
        self,
        parameters: ScanParameters,
        progress: Progress | None = None,
        suspects: Collection[str] | None = None,
    ) -> ScanResult:
        """The ACPO scan (analytics.acpo.scan) on identities (GraphStore.acpo_scan); it
        looks at every suspect whatever `suspects` says (its rule works on whole tables)."""
        return acpo_scan(self.dataset().resolved(self.identities()), parameters, progress)

    def resolution_records(self) -> Dataset:
        """People and involvements only: what identity resolution reads (GraphStore)."""
        data = self.dataset()
        empty = Dataset.empty()
        return Dataset(
            people=data.people,
            incidents=empty.incidents,
            involvements=data.involvements,
            relationships=empty.relationships,
            orders=empty.orders,
        )

    def force_records(self) -> Dataset:
        """Every table in the force view the analytics read (store.protocol.force_view)."""
        return force_view(self.dataset())

    def offending_records(
        self, parameters: ScanParameters, identity_of: Mapping[str, str] | None = None
    ) -> Dataset:
        """What the scores, alerts and release watch read (store.protocol.offending_view);
        `identity_of` as `identities()` when the caller has it."""
        identities = self.identities() if identity_of is None else identity_of
        return offending_view(self.force_records(), identities, parameters)

    def latest_incident_on(self) -> dt.date | None:
        """The latest incident's day, None when there is none (GraphStore.latest_incident_on).
        Raises StoreError when the store is incomplete."""
        latest = self.dataset().incidents["occurred_on"].max()
        return None if pd.isna(latest) else pd.Timestamp(latest).date()

    def purge(self, before: dt.date) -> Erasure:
        """Retention: erase records before `before` (store.protocol.kept_by_retention) and
        return what went. Raises StoreError when the store is incomplete."""
        data = self.dataset()
        kept, erasure = retained(data, kept_by_retention(data, before))
        self._replace(kept)
        return erasure

    def remove_missing(self, present: Dataset) -> Erasure:
        """`load --full`: erase what a complete export no longer holds and return what went."""
        data = self.dataset()
        kept, erasure = retained(data, kept_if_present(data, present))
        self._replace(kept)
        return erasure

    def _replace(self, data: Dataset) -> None:
        """Write every table anew; the store is marked incomplete until all are written."""
        self._set_state("loading")
        self._cache = None
        for name in Dataset.names():
            path = self.root / f"{name}.parquet"
            _write_table(getattr(data, name).reset_index(drop=True), path)
        self._set_state("complete")

    def set_identities(self, identity_of: Mapping[str, str]) -> None:
        """Keep record id -> identity id (embedded/identities.parquet); {} clears."""
        self.root.mkdir(parents=True, exist_ok=True)
        frame = pd.DataFrame(
            sorted(identity_of.items()), columns=["record_id", "identity_id"], dtype="str"
        )
        _write_table(frame, self._identities_file)

    def identities(self) -> dict[str, str]:
        """Record id -> identity id as last set ({} when never resolved)."""
        return self._read_identities()

    def _read_identities(self) -> dict[str, str]:
        path = self._identities_file
        if not path.exists():
            return {}
        frame = pd.read_parquet(path)
        return dict(zip(frame["record_id"], frame["identity_id"], strict=True))

    def identities_of(self, person_ids: Iterable[str]) -> dict[str, str]:
        """`identities()` for the identities of these records only (GraphStore.identities_of);
        the file holds every identity, so it is read whole."""
        every = self._read_identities()
        wanted = {every.get(p, p) for p in person_ids}
        return {record: identity for record, identity in every.items() if identity in wanted}

    @property
    def _identities_file(self) -> Path:
        return self.root / "identities.parquet"

    def records_about(self, person_ids: Iterable[str]) -> Dataset:
        """The records about these people: their incidents, everyone in them, and the
        relationships and orders among them (Dataset.about)."""
        return self.dataset().about(person_ids)

    def neighbourhoods(self) -> list[str]:
        """Every neighbourhood named on a person or an incident, sorted."""
        data = self.dataset()
        names = pd.concat([data.people["home_neighbourhood"], data.incidents["neighbourhood"]])
        return sorted(names.dropna().unique().tolist())

    def register(self) -> EmbeddedRegister:
        """The action register in the workspace (store.embedded_register)."""
        return EmbeddedRegister(self.workspace)

    def close(self) -> None:
        """Forget the tables read (nothing else to close)."""
        self._cache = None

    # --- embedded only -------------------------------------------------------

    def dataset(self) -> Dataset:
        """All tables, read once per store object."""
        if self._cache is None:
            for _attempt in range(_READ_ATTEMPTS):
                state, version = self._version()
                require_complete(state, f"the workspace {self.root.parent}")
                tables = {
                    name: pd.read_parquet(self.root / f"{name}.parquet") for name in Dataset.names()
                }
                if self._version() == (state, version):
                    self._cache = Dataset(**tables)
                    break
            else:
                raise StoreError(
                    f"the embedded store in {self.root.parent} changed {_READ_ATTEMPTS} times "
                    "while being read; run the command again when the load has finished"
                )
        return self._cache


#: Reads of the tables a reader tries before giving up on a store that keeps changing.
_READ_ATTEMPTS = 5


def _temporary_beside(path: Path) -> Path:
    """A new, uniquely named file in `path`'s folder (two writers never share one)."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(name)


def _write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as Parquet to a temporary file of its own, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary_beside(path)
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = _temporary_beside(path)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
