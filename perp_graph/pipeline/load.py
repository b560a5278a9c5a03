"""Load: read a folder of exports, validate, transform, and write to a store.

Every input row is either loaded or quarantined with its reasons; the report's
counts add up per file (read = loaded + quarantined). A file that cannot be
used at all stops the load before anything is written.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path

import pandas as pd

from perp_graph.contract import CONTRACT_COLUMNS
from perp_graph.dataset import Dataset, empty
from perp_graph.errors import InputFileError
from perp_graph.output import write_text
from perp_graph.pipeline import quality as q
from perp_graph.pipeline import validate as v
from perp_graph.pipeline.extract import LINE, RawTable, find_input_files, read_table
from perp_graph.pipeline.quality import DataQuality
from perp_graph.pipeline.transform import map_offence_categories
from perp_graph.progress import Advance, Progress
from perp_graph.settings import Settings
from perp_graph.store.protocol import GraphStore
from perp_graph.workspace import Workspace


@dataclass
class FileReport:
    """One export file's counts: records read = loaded + quarantined (contract 1.6), the
    extra columns carried through, and the quarantine file written (None when none)."""

    file: str
    read: int
    loaded: int
    quarantined: int
    extra_columns: list[str] = field(default_factory=list)
    quarantine_file: str | None = None


@dataclass
class LoadReport:
    """What one load did, file by file, and what the store holds after it
    (reports/last-load.json)."""

    data_dir: str
    started_at: str
    finished_at: str
    files: list[FileReport]
    unmapped_offence_categories: dict[str, int]
    store_counts: dict[str, int]
    #: identity resolution after the load (None when it did not run)
    identities: dict[str, int] | None = None
    #: rows erased because a full export no longer holds them (load --full)
    removed: dict[str, int] | None = None
    #: what in the export an analyst should fix (issue 13): printed, in this report and
    #: in reports/data-quality.csv
    data_quality: DataQuality = field(default_factory=DataQuality)
    #: the people loaded, and those erased (for the audit log; not in the report file)
    person_ids: tuple[str, ...] = field(default=(), repr=False)
    removed_person_ids: frozenset[str] = field(default=frozenset(), repr=False)

    @property
    def quarantined(self) -> int:
        """Records quarantined, over every file."""
        return sum(f.quarantined for f in self.files)

    def as_json(self) -> dict:
        # Field by field: asdict() would deep-copy the million ids the report file omits.
        """The report as plain JSON (reports/last-load.json); never the person ids."""
        private = ("person_ids", "removed_person_ids")
        body = {
            f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name not in private
        }
        return body | {"quarantined": self.quarantined}


def load_folder(
    data_dir: Path,
    store: GraphStore,
    settings: Settings,
    progress: Progress | None = None,
    *,
    full: bool = False,
) -> LoadReport:
    """Load one folder of exports into the store and write quarantine files and a report.

    Every record of every file is loaded or quarantined with its reason (contract 1.6).

    Args:
        data_dir: the folder of contract CSV files (contract, section 1).
        store: the store to insert into or update (keyed as dataset.KEYS).
        settings: column mappings, offence codes, null tokens, dayfirst, workspace.
        progress: progress bars (none by default).
        full: the folder is a complete export, so records in the store that it no
            longer holds are erased (people and incidents quarantined this time are
            kept: a bad row is not a deletion).

    Returns:
        The load report (counts per file add up: read = loaded + quarantined).

    Files written, in the workspace (each replaced): quarantine/<file>.csv for each file
    with quarantined records (older quarantine files are removed first),
    reports/data-quality.csv and reports/last-load.json.

    Raises:
        InputFileError: a required file or column is missing, or a file is not usable
            CSV (nothing is loaded then).
        StoreError: the store failed or refused the load.
    """
    progress = progress or Progress()
    started = _now()
    paths = find_input_files(data_dir)
    raws: dict[str, RawTable] = {}
    quality = DataQuality()
    with progress.stage("reading and validating files", total=len(paths)) as advance:
        checked = _validate(paths, raws, store, settings, advance, quality)
    incidents, unmapped = map_offence_categories(checked["incidents"].valid, settings.offence_codes)
    checked["incidents"].valid = incidents
    dataset = Dataset(
        **{
            name: checked[name].valid if name in checked else empty(name)
            for name in Dataset.names()
        }
    )
    with progress.stage(f"writing to the {store.name} store", total=len(dataset.names())):
        store_counts = store.load(dataset)
    erasure = None
    if full:
        with progress.stage("erasing records missing from the full export", total=1):
            erasure = store.remove_missing(_present(dataset, checked))
            store_counts = store.counts()

    quarantine_dir = Workspace(Path(settings.workspace)).quarantine_dir
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    for old in quarantine_dir.glob("*.csv"):
        old.unlink()
    files: list[FileReport] = []
    for name, raw in raws.items():
        quarantine = pd.concat(
            [checked[name].quarantine, raw.malformed.rename(columns={"raw": "raw_record"})],
            ignore_index=True,
        )
        report = FileReport(
            file=raw.path.name,
            read=raw.rows_read,
            loaded=len(checked[name].valid),
            quarantined=len(quarantine),
            extra_columns=list(raw.extra_columns),
        )
        if len(quarantine):
            target = quarantine_dir / raw.path.name
            columns = [LINE, "reason", *CONTRACT_COLUMNS[name], *raw.extra_columns, "raw_record"]
            quarantine = quarantine.reindex(columns=[c for c in columns if c in quarantine])
            text = quarantine.sort_values(LINE).rename(columns={LINE: "line"}).to_csv(index=False)
            # A NUL byte quarantined its record; the quarantine file shows it, not holds it.
            text = text.replace("\x00", "\\x00")
            write_text(target, text, overwrite=True)
            report.quarantine_file = str(target)
        files.append(report)

    load_report = LoadReport(
        data_dir=str(data_dir),
        started_at=started,
        finished_at=_now(),
        files=files,
        unmapped_offence_categories=unmapped,
        store_counts=store_counts,
        person_ids=tuple(dataset.people["person_id"]),
        removed=erasure.counts if erasure else None,
        removed_person_ids=erasure.person_ids if erasure else frozenset(),
        data_quality=quality,
    )
    write_text(
        Workspace(Path(settings.workspace)).data_quality_report,
        quality.as_frame().to_csv(index=False),
        overwrite=True,
    )
    write_text(
        Workspace(Path(settings.workspace)).last_load_report,
        json.dumps(load_report.as_json(), indent=2) + "\n",
        overwrite=True,
    )
    return load_report


def _plain(value: object) -> object:
    """A report field as JSON-ready data (dataclasses, lists of them, or plain values)."""
    if is_dataclass(value):
        return asdict(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _present(dataset: Dataset, checked: dict[str, v.Checked]) -> Dataset:
    """What a full export holds: its valid rows, plus the ids of people and incidents
    whose rows were quarantined."""
    extra = {}
    for name, key in (("people", "person_id"), ("incidents", "incident_id")):
        ids = checked[name].quarantine[key] if name in checked else pd.Series([], dtype=str)
        ids = ids[ids.notna() & (ids.astype(str) != "")].astype(str)
        extra[name] = pd.concat(
            [getattr(dataset, name), pd.DataFrame({key: ids})], ignore_index=True
        )
    return Dataset(
        people=extra["people"],
        incidents=extra["incidents"].assign(
            occurred_on=pd.to_datetime(extra["incidents"]["occurred_on"])
        ),
        involvements=dataset.involvements,
        relationships=dataset.relationships,
        orders=dataset.orders,
    )


def _validate(
    paths: dict[str, Path],
    raws: dict[str, RawTable],
    store: GraphStore,
    settings: Settings,
    advance: Advance,
    quality: DataQuality,
) -> dict[str, v.Checked]:
    """Read and check one file at a time (its text cells are dropped once checked, so a
    big load holds one file's text at most). References are checked against this load
    and the store. Nothing is written here: a bad file stops the load before the store."""
    checked: dict[str, v.Checked] = {}

    def read(name: str) -> RawTable:
        raw = raws[name] = read_table(name, paths[name], settings.columns.get(name))
        file = raw.path.name
        for note in raw.notes:
            quality.observe(file, None, "file", 1, note)
        q.blank_null_tokens(
            quality, file, raw.frame, settings.null_tokens, settings.name_null_tokens
        )
        return raw

    def done(name: str, result: v.Checked) -> None:
        _refuse_if_every_record_fails_alike(raws[name], result)
        checked[name] = result
        raws[name].release()
        advance(1)

    today = dt.date.today()
    done("people", v.check_people(read("people"), settings.dayfirst))
    q.check_people(
        quality,
        checked["people"].valid,
        checked["people"].lines,
        today,
        settings.placeholder_dates_of_birth,
        settings.no_fixed_abode_postcodes,
    )
    done("incidents", v.check_incidents(read("incidents"), settings.dayfirst))
    q.check_dates(
        quality,
        raws["incidents"].path.name,
        "occurred_on",
        checked["incidents"].valid["occurred_on"],
        checked["incidents"].lines,
        today,
    )
    person_ids = _known(checked["people"].valid["person_id"], store.ids("people"))
    incident_ids = _known(checked["incidents"].valid["incident_id"], store.ids("incidents"))
    done("involvements", v.check_involvements(read("involvements"), person_ids, incident_ids))
    if "relationships" in paths:
        done(
            "relationships",
            v.check_relationships(read("relationships"), person_ids, settings.dayfirst),
        )
    if "orders" in paths:
        done("orders", v.check_orders(read("orders"), person_ids, settings.dayfirst))
    return checked


#: A quoted value, a number or a date inside a reason: what varies between rows that
#: fail the same way.
_VARYING = re.compile(r"'[^']*'|\d+")


def _refuse_if_every_record_fails_alike(raw: RawTable, result: v.Checked) -> None:
    """A file whose records all fail, and all for one reason, is a bad file (issue 13):
    the export or the config is wrong, not the rows. Raises InputFileError naming the
    cause, the first line and the fix. Needs two records at least: one is no pattern."""
    reasons = pd.concat([result.quarantine["reason"], raw.malformed["reason"]])
    lines = pd.concat([result.quarantine[LINE], raw.malformed[LINE]])
    if len(result.valid) or len(reasons) < 2:
        return
    kinds = reasons.astype(str).str.replace(_VARYING, "_", regex=True)
    if kinds.nunique() != 1:
        return
    first = int(lines.min())
    example = str(reasons[lines == first].iloc[0])
    raise InputFileError(
        raw.path,
        f"every one of its {len(reasons):,} records fails the same way, e.g. line {first}: "
        f"{example}",
        "the export (or the config) is wrong, not the rows: correct it and load again; "
        "nothing was loaded",
        line=first,
    )


def _known(new_ids: pd.Series, stored_ids: pd.Index) -> pd.Index:
    return pd.Index(new_ids).append(stored_ids).unique()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
