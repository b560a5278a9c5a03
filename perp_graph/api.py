"""The library's entry points, one per job; the CLI is a thin layer over these."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from perp_graph.analytics.acpo import qualifying_events
from perp_graph.analytics.acpo import scan as acpo_scan
from perp_graph.analytics.assess import Assessment, assess
from perp_graph.analytics.changes import compare, snapshot_from_file
from perp_graph.analytics.dossier import (
    ENDING_SOON_DAYS,
    build_dossiers,
    initials,
    route,
    route_warnings,
    warning_views,
)
from perp_graph.analytics.network import NetworkGraph, build_network
from perp_graph.analytics.profile import Profile, build_profile, quarters
from perp_graph.analytics.watch import WatchEntry, release_watch
from perp_graph.audit import AuditLog, current_user, file_digest, text_digest
from perp_graph.dataset import Dataset
from perp_graph.errors import ConfigError, OutputError
from perp_graph.identity.annotate import PRIORITY, annotate, review_stakes
from perp_graph.identity.resolve import (
    REASON_CONFIRMED,
    REASON_SAME_PNC,
    Decisions,
    Identities,
    incidents_of,
    load_pairs,
    pairs_file,
    records_of,
    resolve,
    save_pairs,
)
from perp_graph.model import ScanParameters, ScanResult
from perp_graph.output import check_free, write_text
from perp_graph.pipeline.load import LoadReport, load_folder
from perp_graph.progress import Progress
from perp_graph.render.briefing import BriefingContext, Pack, render_index, render_pack, slugs
from perp_graph.render.network import render_network
from perp_graph.render.pdf import find_browser, print_pdfs
from perp_graph.render.profile import render_profile_page
from perp_graph.render.tables import to_csv, to_json, watch_csv
from perp_graph.settings import Settings
from perp_graph.store.embedded import EmbeddedStore
from perp_graph.store.protocol import Erasure, GraphStore
from perp_graph.synth import SynthConfig, generate


def audit_log(settings: Settings) -> AuditLog:
    """The workspace's audit log, checked writable before any work (fail closed)."""
    log = AuditLog(settings.workspace)
    log.check_writable()
    return log


def _audit(
    log: AuditLog,
    settings: Settings,
    operation: str,
    command: str,
    parameters: Mapping[str, object],
    *,
    person_ids: Iterable[str] = (),
    files: Mapping[Path, str] | None = None,
    counts: Mapping[str, int] | None = None,
    purpose: str | None = None,
    erased: Iterable[str] = (),
) -> None:
    erased = sorted(erased)
    if erased:
        # The erased ids themselves are not kept; a digest proves which set went.
        parameters = {**parameters, "erased_ids_sha256": text_digest("\n".join(erased))}
    log.append(
        operation=operation,
        command=command,
        user=current_user(settings.user),
        purpose=purpose or settings.purpose,
        parameters=parameters,
        person_ids=person_ids,
        files=files,
        counts=counts,
    )


@dataclass
class PurgeOutputs:
    erasure: Erasure
    files_removed: dict[Path, str]


def purge(settings: Settings, before: dt.date, progress: Progress | None = None) -> PurgeOutputs:
    """Retention: erase records before `before` from the store (GraphStore.purge), then
    the generated outputs that named anyone erased, and record the erasure in the audit
    log by counts and a digest (never the erased content)."""
    log = audit_log(settings)
    progress = progress or Progress()
    store = open_store(settings)
    try:
        with progress.stage("erasing", total=1) as advance:
            erasure = store.purge(before)
            advance(1)
        if load_pairs(settings.workspace) is not None:
            identities = resolve_identities(store, settings, progress)
            _audit(
                log,
                settings,
                "combination",
                "purge: identity resolution",
                {"store": store.name},
                person_ids=identities.identity_of,
                counts=identities.counts(),
            )
        else:
            clear_identities(store, settings)
        name = store.name
    finally:
        store.close()
    removed = remove_outputs_about(settings, log, erasure.person_ids)
    _audit(
        log,
        settings,
        "erasure",
        "purge",
        {"before": before, "store": name},
        counts={**erasure.counts, "output_files": len(removed)},
        files=removed,
        erased=erasure.person_ids,
    )
    return PurgeOutputs(erasure, removed)


def remove_outputs_about(
    settings: Settings, log: AuditLog, person_ids: frozenset[str]
) -> dict[Path, str]:
    """Delete every output the audit log says was written naming one of these people,
    where the file is still there unchanged; also quarantine files that name them.
    Returns the deleted files and their digests."""
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
    quarantine = settings.workspace / "quarantine"
    for path in sorted(quarantine.glob("*.csv")) if quarantine.is_dir() else []:
        text = path.read_text(encoding="utf-8", errors="replace")
        if any(person in text for person in person_ids):
            removed[path] = file_digest(path)
            path.unlink()
    return removed


def require_export_purpose(settings: Settings, command: str) -> None:
    """Exports need a purpose; check it before any work."""
    if not (settings.purpose or "").strip():
        raise ConfigError(
            f"{command} --output writes personal data out of the tool; say why with "
            '--purpose TEXT (for example --purpose "MATAC meeting 12 May, ref 1234")'
        )


def export(
    settings: Settings,
    path: Path,
    text: str,
    *,
    command: str,
    person_ids: Iterable[str],
    overwrite: bool = False,
) -> Path:
    """Write an export (a file of personal data leaving the tool): needs a purpose, is
    audited as a disclosure before it is written."""
    require_export_purpose(settings, command)
    log = audit_log(settings)
    check_free([path], overwrite=overwrite)
    _audit(
        log,
        settings,
        "disclosure",
        command,
        {"output": str(path)},
        person_ids=person_ids,
        files={Path(path): text_digest(text)},
    )
    return write_text(path, text, overwrite=overwrite)


def people_in(assessment: Assessment) -> set[str]:
    """Every person id a scan's output names."""
    ids: set[str] = set()
    for f in assessment.perpetrators:
        ids |= {f.person_id, *f.victim_ids, *f.record_ids}
        ids |= {r for _v, records in f.victim_record_ids for r in records}
    for w in assessment.early_warnings:
        ids |= {w.person_id, *w.victim_ids, *w.new_partner_ids}
    ids |= set(assessment.escalations)
    for c in assessment.counter_allegations:
        ids |= set(c.person_ids)
    if assessment.rank:
        ids |= set(assessment.priorities)
    return ids


def open_store(settings: Settings) -> GraphStore:
    """The store the settings select: Neo4j when a URI is set, else the embedded store."""
    if settings.neo4j_uri:
        from perp_graph.store.neo4j import Neo4jStore  # the driver is only needed here

        return Neo4jStore(
            settings.neo4j_uri,
            user=settings.neo4j_user,
            password=settings.neo4j_password,
            database=settings.neo4j_database,
            allow_insecure=settings.neo4j_insecure,
        )
    return EmbeddedStore(settings.workspace)


def load(
    data_dir: Path, settings: Settings, progress: Progress | None = None, *, full: bool = False
) -> LoadReport:
    """Load a folder of exports into the configured store, then resolve identities
    (unless settings.resolve is off). `full`: the folder is a complete export, and
    records it no longer holds are erased (store and outputs)."""
    log = audit_log(settings)
    store = open_store(settings)
    try:
        report = load_folder(data_dir, store, settings, progress, full=full)
        if report.removed is not None:
            cleaned = remove_outputs_about(settings, log, report.removed_person_ids)
            _audit(
                log,
                settings,
                "erasure",
                "load --full",
                {"data_dir": str(data_dir), "store": store.name},
                counts=report.removed | {"output_files": len(cleaned)},
                files=cleaned,
                erased=report.removed_person_ids,
            )
        _audit(
            log,
            settings,
            "collection",
            "load",
            {"data_dir": str(data_dir), "dayfirst": settings.dayfirst, "store": store.name},
            person_ids=report.person_ids,
            counts={f.file: f.loaded for f in report.files} | {"quarantined": report.quarantined},
        )
        if settings.resolve:
            identities = resolve_identities(store, settings, progress)
            report.identities = identities.counts()
            _audit(
                log,
                settings,
                "combination",
                "load: identity resolution",
                {"store": store.name},
                person_ids=identities.identity_of,
                counts=report.identities,
            )
            write_text(
                settings.workspace / "reports" / "last-load.json",
                json.dumps(report.as_json(), indent=2) + "\n",
                overwrite=True,
            )
        else:
            clear_identities(store, settings)
        return report
    finally:
        store.close()


def resolve_identities(
    store: GraphStore, settings: Settings, progress: Progress | None = None
) -> Identities:
    """Group the store's person records into identities, apply analysts' decisions, and
    record the result in the store (the scan then works on identities)."""
    progress = progress or Progress()
    with progress.stage("resolving identities", total=1) as advance:
        identities = resolve(
            store.resolution_records(),
            Decisions.open(settings.workspace),
            temp_directory=settings.workspace / "identities",
            **_placeholders(settings),
        )
        store.set_identities(identities.identity_of)
        save_pairs(settings.workspace, identities.pairs)
        advance(1)
    return identities


def resolved_pairs(settings: Settings) -> pd.DataFrame:
    """The scored pairs of the workspace's last resolution (identity.resolve.load_pairs).

    Raises ConfigError when identities were never resolved in this workspace."""
    pairs = load_pairs(settings.workspace)
    if pairs is None:
        raise ConfigError(
            "identities have not been resolved in this workspace: run perp-graph load "
            "(resolution is on unless --no-resolve)"
        )
    return pairs


def _placeholders(settings: Settings) -> dict[str, tuple[str, ...]]:
    """The configured values that are unknown for matching (contract 1.6)."""
    return {
        "placeholder_dates_of_birth": settings.placeholder_dates_of_birth,
        "no_fixed_abode_postcodes": settings.no_fixed_abode_postcodes,
    }


@dataclass
class PossiblePair:
    """A pair for an analyst: both records side by side (the records' own values).

    `reason` is in words, with the names as shown (initials unless unmasked); `stakes`
    says what merging the pair would do to a finding ("" when nothing)."""

    record_a: dict
    record_b: dict
    match_probability: float
    reason: str
    stakes: str = ""


class _Shown(dict):
    """Reason placeholders without a value stay as they are."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def review_identities(
    settings: Settings, limit: int | None = None, *, unmask: bool = False
) -> list[PossiblePair]:
    """The pairs left for an analyst: first those that would change a finding (a finding
    depends on the pair, or the pair may make a serial perpetrator; then those touching a
    finding), each group most likely first. Names are initials unless `unmask` (which
    needs a purpose); the review is audited as a consultation.

    Raises ConfigError when identities were never resolved in this workspace."""
    _check_unmask(unmask, settings.purpose)
    log = audit_log(settings)
    pairs = resolved_pairs(settings)
    possible = pairs[pairs["outcome"] == "possible"].reset_index(drop=True)
    store = open_store(settings)
    try:
        stakes = _review_stakes(store, settings, possible) if len(possible) else []
        possible = possible.assign(stakes=stakes)
        possible = possible.assign(priority=possible["stakes"].map(PRIORITY).fillna(2))
        possible = possible.sort_values(
            ["priority", "match_probability", "record_l", "record_r"],
            ascending=[True, False, True, True],
        )
        if limit is not None:
            possible = possible.head(limit)
        ids = sorted(set(possible["record_l"]) | set(possible["record_r"]))
        people = store.records_about(ids).people if ids else Dataset.empty().people
    finally:
        store.close()
    shown = ["person_id", "forenames", "surname", "date_of_birth", "gender", "pnc_id"]
    shown += ["home_postcode", "aliases"]
    by_id = {}
    for row in people[shown].astype(object).itertuples(index=False):
        record = dict(zip(shown, row, strict=True))
        if isinstance(record["date_of_birth"], pd.Timestamp):
            record["date_of_birth"] = record["date_of_birth"].date().isoformat()
        shown_record = {k: ("" if pd.isna(v) else str(v)) for k, v in record.items()}
        if not unmask:
            for part in ("forenames", "surname"):
                if shown_record[part]:
                    shown_record[part] = initials(shown_record[part], None)[0] + "."
            shown_record["aliases"] = "(masked)" if shown_record["aliases"] else ""
        by_id[record["person_id"]] = shown_record
    _audit(
        log,
        settings,
        "consultation",
        "identities review",
        {"limit": limit, "unmask": unmask},
        person_ids=ids,
        counts={"pairs": len(possible)},
    )
    out = []
    for a, b, p, reason, stake in zip(
        possible["record_l"],
        possible["record_r"],
        possible["match_probability"],
        possible["reason"],
        possible["stakes"],
        strict=True,
    ):
        ra, rb = by_id.get(a, {"person_id": a}), by_id.get(b, {"person_id": b})
        out.append(PossiblePair(ra, rb, p, _shown_reason(str(reason), ra, rb, unmask), stake))
    return out


def _shown_reason(template: str, ra: Mapping, rb: Mapping, unmask: bool) -> str:
    """A stored reason with its {placeholders} filled in from the two records as shown.
    Masked names that look the same ("J. / J.") say nothing: the reason then says "(same
    initial)" instead, never the full names."""
    if not unmask:
        for key in ("forenames", "surname"):
            if ra.get(key) and ra.get(key) == rb.get(key):
                template = template.replace(": {" + key + "}", " (same initial)")
                template = template.replace("{" + key + "}", "same initial")
    both = _Shown(
        {
            k: f"{ra.get(k) or '(blank)'} / {rb.get(k) or '(blank)'}"
            for k in ("forenames", "surname", "date_of_birth", "gender")
        }
    )
    return template.format_map(both)


def _review_stakes(store: GraphStore, settings: Settings, possible: pd.DataFrame) -> list[str]:
    """What merging each possible pair would do to today's findings (annotate.review_stakes)."""
    identity_of = store.identities()
    parameters = scan_parameters(settings, None)
    findings = store.acpo_scan(parameters, Progress())
    events = qualifying_events(force_records(store, identity_of), parameters)
    partner_victims = events.groupby("suspect_id")["victim_id"].agg(frozenset).to_dict()
    return review_stakes(possible, findings, partner_victims, identity_of, parameters.min_victims)


@dataclass(frozen=True)
class IdentityRecord:
    """One person record in an identities export: its identity and how it was decided.

    `decided_by`: "rule" (same PNC id), "model" (match probability), "analyst" (an
    analyst confirmed), several joined with "+", or "" (the record stands alone). `links`:
    the merges that joined it, as (other record id, how, match probability or None)."""

    record_id: str
    identity_id: str
    decided_by: str
    links: tuple[tuple[str, str, float | None], ...]


def export_identities(settings: Settings) -> list[IdentityRecord]:
    """Every person record id with its identity id and how it was decided, sorted by
    identity then record (ids only, no names). Audited as a consultation.

    Raises ConfigError when identities were never resolved in this workspace."""
    log = audit_log(settings)
    pairs = resolved_pairs(settings)
    store = open_store(settings)
    try:
        record_ids = sorted(set(store.resolution_records().people["person_id"]))
        identity_of = store.identities()
    finally:
        store.close()
    analyst_of = {
        (d.record_a, d.record_b): d.user for d in Decisions.open(settings.workspace).rows()
    }
    merged = pairs[pairs["merged"].to_numpy(dtype=bool)]
    links: dict[str, list[tuple[str, str, float | None]]] = {}
    kinds: dict[str, set[str]] = {}
    for a, b, p, reason in zip(
        merged["record_l"],
        merged["record_r"],
        merged["match_probability"],
        merged["reason"],
        strict=True,
    ):
        if reason == REASON_CONFIRMED:
            kind, how = "analyst", f"confirmed by an analyst ({analyst_of.get((a, b), '?')})"
        elif reason == REASON_SAME_PNC:
            kind, how = "rule", "same PNC id"
        else:
            kind, how = "model", "match probability"
        score = None if pd.isna(p) else float(p)
        for this, other in ((a, b), (b, a)):
            links.setdefault(this, []).append((other, how, score))
            kinds.setdefault(this, set()).add(kind)
    rows = [
        IdentityRecord(
            r,
            identity_of.get(r, r),
            "+".join(sorted(kinds.get(r, ()))),
            tuple(sorted(links.get(r, []))),
        )
        for r in record_ids
    ]
    rows.sort(key=lambda row: (row.identity_id, row.record_id))
    _audit(
        log,
        settings,
        "consultation",
        "identities export",
        {},
        person_ids=[r.record_id for r in rows if r.decided_by],
        counts={"records": len(rows), "merged": sum(1 for r in rows if r.decided_by)},
    )
    return rows


def decide_identities(
    settings: Settings, record_a: str, record_b: str, decision: str, user: str | None = None
) -> Identities:
    """Record an analyst's decision on a pair and apply every decision again at once."""
    store = open_store(settings)
    try:
        records = store.resolution_records()
        known = set(records.people["person_id"])
        for record in (record_a, record_b):
            if record not in known:
                raise ConfigError(f"no person record {record!r} in the store; check the id")
        decisions = Decisions.open(settings.workspace)
        pairs = load_pairs(settings.workspace)
        if decision == "confirm":
            incidents = incidents_of(records.involvements)
            shared = incidents.get(record_a, frozenset()) & incidents.get(record_b, frozenset())
            if shared:
                raise ConfigError(
                    f"{record_a} and {record_b} are both in incident {min(shared)}: one "
                    "incident lists a person once, so they cannot be the same person"
                )
        log = audit_log(settings)
        decisions.add(record_a, record_b, decision, user)
        scored = None if pairs is None else pairs[["record_l", "record_r", "match_probability"]]
        identities = resolve(records, decisions, scored=scored, **_placeholders(settings))
        store.set_identities(identities.identity_of)
        save_pairs(settings.workspace, identities.pairs)
        _audit(
            log,
            replace(settings, user=user or settings.user),
            "combination",
            f"identities {decision}",
            {"record_a": record_a, "record_b": record_b},
            person_ids=(record_a, record_b),
            counts=identities.counts(),
        )
        return identities
    finally:
        store.close()


def clear_identities(store: GraphStore, settings: Settings) -> None:
    """Identity resolution off: every record stands for itself."""
    store.set_identities({})
    pairs_file(settings.workspace).unlink(missing_ok=True)


def _scan(
    store: GraphStore,
    parameters: ScanParameters,
    settings: Settings,
    progress: Progress,
    identity_of: Mapping[str, str],
) -> ScanResult:
    """The store's scan (on identities), with the records behind each finding;
    `identity_of` is what the store holds (store.identities())."""
    result = store.acpo_scan(parameters, progress)
    pairs = load_pairs(settings.workspace)
    if pairs is None:  # identities were never resolved for this workspace
        return result
    possible = pairs[pairs["outcome"] == "possible"]
    return annotate(result, identity_of, possible)


def scan_parameters(settings: Settings, as_of: dt.date | None) -> ScanParameters:
    try:
        return ScanParameters(
            as_of=as_of or dt.date.today(),
            window_years=settings.window_years,
            min_victims=settings.min_victims,
            violent_categories=settings.violent_categories,
            connection_types=settings.connection_types,
        )
    except ValueError as exc:
        raise ConfigError(
            f"{exc}: check --window-years / --min-victims or [scan] in the config"
        ) from None


def force_records(store: GraphStore, identity_of: Mapping[str, str]) -> Dataset:
    """The store's force records (`GraphStore.force_records`) on identities."""
    return store.force_records().resolved(identity_of)


def _assess(
    store: GraphStore,
    parameters: ScanParameters,
    settings: Settings,
    progress: Progress,
    identity_of: Mapping[str, str],
    records: Dataset | None = None,
    rank: bool = False,
) -> Assessment:
    """The scan (`_scan`) with its priority scores and alerts."""
    result = _scan(store, parameters, settings, progress, identity_of)
    with progress.stage("scoring and alerts", total=1) as advance:
        records = records if records is not None else force_records(store, identity_of)
        assessment = assess(result, records, settings.priority, rank=rank)
        advance(1)
    return assessment


def scan(
    settings: Settings,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    *,
    rank: bool = False,
    since: dt.date | None = None,
    against: Path | None = None,
) -> Assessment:
    """Run the ACPO scan over the configured store, score and alert, and keep a copy in
    the workspace. `since` (a date) or `against` (a saved scan JSON) adds what changed."""
    if since is not None and against is not None:
        raise ConfigError("give --since DATE or --against FILE, not both")
    parameters = scan_parameters(settings, as_of)
    if since is not None and since >= parameters.as_of:
        raise ConfigError(
            f"--since {since.isoformat()} must be before the scan's date "
            f"{parameters.as_of.isoformat()}"
        )
    # Read the saved scan before this scan replaces reports/last-scan.json.
    before = snapshot_from_file(against) if against is not None else None
    log = audit_log(settings)
    progress = progress or Progress()
    store = open_store(settings)
    try:
        identity_of = store.identities()
        records = force_records(store, identity_of)
        assessment = _assess(store, parameters, settings, progress, identity_of, records, rank)
        if since is not None:
            earlier = _assess(
                store, replace(parameters, as_of=since), settings, progress, identity_of, records
            )
            before = earlier.snapshot(since.isoformat())
    finally:
        store.close()
    if before is not None:
        now = assessment.snapshot(parameters.as_of.isoformat())
        assessment = replace(assessment, changes=compare(before, now))
    saved = settings.workspace / "reports" / "last-scan.json"
    text = to_json(assessment)
    _audit(
        log,
        settings,
        "consultation",
        "scan",
        {
            "as_of": parameters.as_of,
            **parameters.as_json(),
            "rank": rank,
            "since": since,
            "against": str(against) if against else None,
        },
        person_ids=people_in(assessment),
        files={saved: text_digest(text)},
        counts={"serial": len(assessment.perpetrators)},
    )
    write_text(saved, text, overwrite=True)
    return assessment


def watch(
    settings: Settings,
    days: int = ENDING_SOON_DAYS,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
) -> tuple[Assessment, list[WatchEntry]]:
    """Serial and high-priority perpetrators whose custody, bail or order ends within
    `days`, with the victims to re-contact."""
    if days < 0:
        raise ConfigError("--days must be 0 or more")
    parameters = scan_parameters(settings, as_of)
    log = audit_log(settings)
    progress = progress or Progress()
    store = open_store(settings)
    try:
        identity_of = store.identities()
        records = force_records(store, identity_of)
        assessment = _assess(store, parameters, settings, progress, identity_of, records)
    finally:
        store.close()
    entries = release_watch(
        records.orders,
        assessment.offending,
        {f.person_id: f.status for f in assessment.perpetrators},
        assessment.priorities,
        {f.person_id: f.victim_ids for f in assessment.perpetrators},
        days,
        parameters.window_years,
    )
    _audit(
        log,
        settings,
        "consultation",
        "watch",
        {"as_of": parameters.as_of, "days": days},
        person_ids={e.person_id for e in entries}
        | {v for e in entries for v in e.victims_to_recontact},
        counts={"listed": len(entries)},
    )
    return assessment, entries


@dataclass
class ProfileOutputs:
    folder: Path
    index: Path
    files: list[Path]
    profile: Profile


def profile(
    settings: Settings,
    out_dir: Path,
    *,
    as_of: dt.date | None = None,
    years: int = 5,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> ProfileOutputs:
    """Write the problem profile: the force's page (index.html), one page per neighbourhood
    (neighbourhoods/), and the figures as profile.json."""
    if years < 1:
        raise ConfigError("--years must be 1 or more")
    parameters = scan_parameters(settings, as_of)
    log = audit_log(settings)
    progress = progress or Progress()
    out_dir = Path(out_dir)
    store = open_store(settings)
    try:
        identity_of = store.identities()
        records = force_records(store, identity_of)
        n = len(quarters(parameters.as_of, years))
        with progress.stage("scanning each quarter's end", total=n) as advance:

            def scan_as_of(day: dt.date) -> ScanResult:
                result = store.acpo_scan(replace(parameters, as_of=day))
                advance(1)
                return result

            built = build_profile(records, parameters, years, scan_as_of)
        store_name = store.name
    finally:
        store.close()
    slug = slugs([a.name for a in built.neighbourhoods])
    pages = {Path("index.html"): None} | {
        Path("neighbourhoods") / f"{slug[a.name]}.html": a for a in built.neighbourhoods
    }
    check_free([out_dir / p for p in pages] + [out_dir / "profile.json"], overwrite=overwrite)
    context = BriefingContext(
        parameters=parameters, generated_at=dt.datetime.now(dt.UTC), store=store_name
    )
    links = [(a.name, f"neighbourhoods/{slug[a.name]}.html") for a in built.neighbourhoods]
    texts: dict[Path, str] = {}
    with progress.stage("drawing charts", total=len(pages)) as advance:
        for path, area in pages.items():
            if area is None:
                texts[out_dir / path] = render_profile_page(
                    built, built.force, context, links=links
                )
            else:
                texts[out_dir / path] = render_profile_page(
                    built, area, context, back_href="../index.html"
                )
            advance(1)
    texts[out_dir / "profile.json"] = json.dumps(built.as_json(), indent=2) + "\n"
    _audit(
        log,
        settings,
        "consultation",
        "profile",
        {"as_of": parameters.as_of, "years": years, "out": str(out_dir)},
        files={path: text_digest(text) for path, text in texts.items()},
    )
    files = [write_text(path, text, overwrite=overwrite) for path, text in texts.items()]
    return ProfileOutputs(out_dir, out_dir / "index.html", files, built)


#: People and incidents a person's network page may hold before --depth stops growing.
MAX_NETWORK_PEOPLE = 5_000

#: The sub-folder of a briefings folder holding the network pages.
NETWORKS = "networks"

#: Browsers printing at once: the machines this runs on have two cores.
PDF_WORKERS = 2


@dataclass
class BriefingOutputs:
    folder: Path
    index: Path
    packs: list[Pack]
    files: list[Path]
    result: ScanResult


def brief(
    settings: Settings,
    out_dir: Path,
    *,
    neighbourhoods: Sequence[str] = (),
    as_of: dt.date | None = None,
    unmask: bool = False,
    purpose: str | None = None,
    overwrite: bool = False,
    pdf: bool = True,
    progress: Progress | None = None,
) -> BriefingOutputs:
    """Scan, then write a briefing pack per neighbourhood (HTML and PDF) and an index page."""
    purpose = _check_unmask(unmask, purpose or settings.purpose)
    log = audit_log(settings)
    progress = progress or Progress()
    parameters = scan_parameters(settings, as_of)
    store = open_store(settings)
    try:
        identity_of = store.identities()
        assessment = _assess(store, parameters, settings, progress, identity_of)
        result = assessment.result
        known = store.neighbourhoods()
        with progress.stage("reading the perpetrators' records", total=1) as advance:
            people = [f.person_id for f in result.perpetrators]
            people += [w.person_id for w in assessment.early_warnings]
            records = records_about_identities(store, people, identity_of)
            advance(1)
        store_name = store.name
    finally:
        store.close()
    routed = route(build_dossiers(result.perpetrators, records, parameters, assessment))
    warned = route_warnings(warning_views(assessment, records))
    names = sorted(set(known) | set(routed) | set(warned), key=str.casefold)
    chosen = _choose_neighbourhoods(names, neighbourhoods)
    slug = slugs(names)
    packs = [
        Pack(name, slug[name], tuple(routed.get(name, ())), tuple(warned.get(name, ())))
        for name in chosen
    ]
    out_dir = Path(out_dir)
    index = out_dir / "index.html"
    targets = [index] + [out_dir / p.html_name for p in packs]
    targets += [out_dir / NETWORKS / p.html_name for p in packs]
    if pdf:
        targets += [out_dir / p.pdf_name for p in packs]
    check_free(targets, overwrite=overwrite)

    context = BriefingContext(
        parameters=parameters,
        generated_at=dt.datetime.now(dt.UTC),
        store=store_name,
        unmask=unmask,
        purpose=purpose,
    )
    with progress.stage("rendering briefing packs and network pages", total=len(packs)) as advance:
        pages, network_pages = [], []
        for pack in packs:
            people = [d.person_id for d in pack.dossiers]
            links = {p: f"{NETWORKS}/{pack.html_name}#{p}" for p in people}
            pages.append(render_pack(pack, context, network_href=links))
            graph = neighbourhood_network(people, result, records, parameters, unmask=unmask)
            network_pages.append(
                render_network(
                    graph,
                    title=f"{pack.neighbourhood}: serial perpetrators' networks",
                    store=store_name,
                    unmask=unmask,
                    purpose=purpose,
                    generated_at=context.generated_at,
                    back_href=f"../{pack.html_name}",
                )
            )
            advance(1)
    # Everything is made in a private folder first and moved into place at the end, so a
    # failure (no browser, a full disk) leaves no half-written set of packs.
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".perp-graph-brief-", dir=out_dir))
    try:
        staged = []
        for pack, page, network_page in zip(packs, pages, network_pages, strict=True):
            staged.append(write_text(staging / pack.html_name, page))
            staged.append(write_text(staging / NETWORKS / pack.html_name, network_page))
        staged.append(write_text(staging / index.name, render_index(packs, context, pdf)))
        if pdf:
            jobs = [(staging / p.html_name, staging / p.pdf_name) for p in packs]
            with progress.stage("printing PDFs", total=len(jobs)) as advance:
                print_pdfs(jobs, workers=PDF_WORKERS, on_done=lambda: advance(1))
            staged += [pdf_file for _html, pdf_file in jobs]
        # The audit record comes before anything is moved into place: no record, no output.
        _audit(
            log,
            settings,
            "disclosure",
            "brief",
            {
                "as_of": parameters.as_of,
                "neighbourhoods": chosen,
                "unmask": unmask,
                "pdf": pdf,
                "out": str(out_dir),
            },
            person_ids=set(records.people["person_id"]),
            files={out_dir / p.relative_to(staging): file_digest(p) for p in staged},
            purpose=purpose,
        )
        files = []
        (out_dir / NETWORKS).mkdir(exist_ok=True)
        for path in staged:
            target = out_dir / path.relative_to(staging)
            os.chmod(path, 0o600)
            os.replace(path, target)
            files.append(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BriefingOutputs(out_dir, index, packs, files, result)


def _check_unmask(unmask: bool, purpose: str | None) -> str | None:
    purpose = (purpose or "").strip() or None
    if unmask and not purpose:
        raise ConfigError(
            "--unmask shows victims' full names; say why with --purpose TEXT "
            '(for example --purpose "MARAC case preparation, ref 1234")'
        )
    return purpose


def _choose_neighbourhoods(names: Sequence[str], wanted: Sequence[str]) -> list[str]:
    """The neighbourhoods asked for (matched ignoring case), or all of them."""
    if not wanted:
        return list(names)
    by_key = {name.casefold(): name for name in names}
    chosen = []
    for name in wanted:
        key = name.strip().casefold()
        if key not in by_key:
            close = difflib.get_close_matches(key, list(by_key), n=3, cutoff=0.6)
            hint = (
                "did you mean " + ", ".join(repr(by_key[c]) for c in close) + "?"
                if close
                else f"the store knows {len(names)} neighbourhoods; run perp-graph brief "
                "without --neighbourhood to see them all in the index page"
            )
            raise ConfigError(f"no neighbourhood called {name!r} in the store; {hint}")
        if by_key[key] not in chosen:
            chosen.append(by_key[key])
    return chosen


@dataclass
class NetworkOutput:
    path: Path
    network: NetworkGraph


def network(
    settings: Settings,
    out_file: Path,
    *,
    person_id: str | None = None,
    neighbourhood: str | None = None,
    depth: int = 1,
    since: dt.date | None = None,
    as_of: dt.date | None = None,
    unmask: bool = False,
    purpose: str | None = None,
    overwrite: bool = False,
    max_nodes: int = MAX_NETWORK_PEOPLE,
    progress: Progress | None = None,
) -> NetworkOutput:
    """Write the network page of one person, or of a neighbourhood's serial perpetrators."""
    purpose = _check_unmask(unmask, purpose or settings.purpose)
    if (person_id is None) == (neighbourhood is None):
        raise ConfigError("give either a PERSON_ID or --neighbourhood NAME (not both)")
    if depth < 1:
        raise ConfigError("--depth must be 1 or more")
    out_file = Path(out_file)
    check_free([out_file], overwrite=overwrite)
    log = audit_log(settings)
    parameters = scan_parameters(settings, as_of)
    progress = progress or Progress()
    store = open_store(settings)
    try:
        store_name = store.name
        if person_id is not None:
            graph = _person_network(store, person_id, depth, parameters, since, unmask, max_nodes)
            title = f"Network of {person_id}"
        else:
            identity_of = store.identities()
            result = _scan(store, parameters, settings, progress, identity_of)
            records = records_about_identities(
                store, [f.person_id for f in result.perpetrators], identity_of
            )
            routed = route(build_dossiers(result.perpetrators, records, parameters))
            names = sorted(set(store.neighbourhoods()) | set(routed))
            (chosen,) = _choose_neighbourhoods(names, [neighbourhood or ""])
            perpetrators = [d.person_id for d in routed.get(chosen, [])]
            graph = neighbourhood_network(perpetrators, result, records, parameters, since, unmask)
            title = f"{chosen}: serial perpetrators' networks"
    finally:
        store.close()
    page = render_network(graph, title=title, store=store_name, unmask=unmask, purpose=purpose)
    people = {
        str(node).removeprefix("person:")
        for node in graph.graph.nodes
        if str(node).startswith("person:")
    }
    _audit(
        log,
        settings,
        "disclosure",
        "network",
        {
            "person_id": person_id,
            "neighbourhood": neighbourhood,
            "depth": depth,
            "since": since,
            "as_of": parameters.as_of,
            "unmask": unmask,
        },
        person_ids=people,
        files={out_file: text_digest(page)},
        purpose=purpose,
    )
    write_text(out_file, page, overwrite=overwrite)
    return NetworkOutput(out_file, graph)


def records_about_identities(
    store: GraphStore, identity_ids: Sequence[str], identity_of: Mapping[str, str]
) -> Dataset:
    """`records_about` for identities: the records of every record of each identity,
    with every person id replaced by its identity's id (`identity_of` as the store holds
    it: store.identities())."""
    if not identity_of:
        return store.records_about(identity_ids)
    by_identity = records_of(identity_of)
    seeds = {r for i in identity_ids for r in by_identity.get(i, [i])}
    records = store.records_about(seeds)
    # Someone in view may be known here only by a record that is not their identity's
    # own: fetch the identity's record too, so that they are named as in the scan.
    present = set(records.people["person_id"])
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
    return records.resolved(identity_of)


def _person_network(
    store: GraphStore,
    person_id: str,
    depth: int,
    parameters: ScanParameters,
    since: dt.date | None,
    unmask: bool,
    max_nodes: int,
) -> NetworkGraph:
    """Depth 1: the person's incidents, everyone in them and their relationships; each
    further step does the same for everyone found. People are identities: any record id
    of a person shows the person (all their records)."""
    identity_of = store.identities()
    identity = identity_of.get(person_id, person_id)
    seeds = {identity}
    records = records_about_identities(store, sorted(seeds), identity_of)
    if identity not in set(records.people["person_id"]):
        raise ConfigError(f"no person {person_id!r} in the store; check the id")
    notes = []
    for level in range(2, depth + 1):
        found = set(records.people["person_id"])
        wider = records_about_identities(store, sorted(found), identity_of)
        if len(wider.people) + len(wider.incidents) > max_nodes:
            notes.append(
                f"Shown to depth {level - 1}, not {depth}: depth {level} has "
                f"{len(wider.people):,} people and {len(wider.incidents):,} incidents, more "
                f"than the limit of {max_nodes:,} (raise it with --max-nodes)."
            )
            break
        seeds, records = found, wider
    # The records about the seeds hold everything the rule needs for each seed (their
    # incidents, those incidents' people, and relationships among them), so the scan of
    # this slice gives each seed the same finding as a scan of the whole store.
    findings = {
        f.person_id: f for f in acpo_scan(records, parameters).perpetrators if f.person_id in seeds
    }
    focus = [identity, *sorted(p for p in findings if p != identity)]
    return build_network(
        records,
        findings,
        focus,
        as_of=parameters.as_of,
        window_years=parameters.window_years,
        since=since,
        unmask=unmask,
        notes=notes,
        records_of=records_of(identity_of),
    )


def neighbourhood_network(
    perpetrators: Sequence[str],
    result: ScanResult,
    records: Dataset,
    parameters: ScanParameters,
    since: dt.date | None = None,
    unmask: bool = False,
) -> NetworkGraph:
    """Serial perpetrators (a neighbourhood's, in briefing order), each with their network;
    `records` holds at least the records about them."""
    findings = {f.person_id: f for f in result.perpetrators}
    about = records.about(perpetrators)
    in_view = set(about.people["person_id"])
    return build_network(
        about,
        {p: f for p, f in findings.items() if p in in_view},
        perpetrators,
        as_of=parameters.as_of,
        window_years=parameters.window_years,
        since=since,
        unmask=unmask,
    )


@dataclass
class DemoOutputs:
    folder: Path
    data_dir: Path
    load_report: LoadReport
    result: Assessment
    files: dict[str, Path]
    notes: list[str]


DEMO_MARKER = ".perp-graph-demo"
#: Share of the demo's people recorded a second time under another id.
DEMO_DUPLICATES = 0.05


def demo(
    folder: Path,
    seed: int = 2014,
    incidents: int | None = None,
    as_of: dt.date | None = None,
    pdf: bool = True,
    progress: Progress | None = None,
) -> DemoOutputs:
    """Generate a force-sized synthetic data set, load it, scan it, write the outputs."""
    as_of = as_of or dt.date.today()
    if folder.exists() and any(folder.iterdir()) and not (folder / DEMO_MARKER).exists():
        raise OutputError(f"{folder} exists and is not a perp-graph demo folder; choose --out")
    if (folder / DEMO_MARKER).exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / DEMO_MARKER).write_text("made by perp-graph demo; re-running the demo replaces it\n")
    data_dir = folder / "data"
    progress = progress or Progress()
    with progress.stage("generating synthetic data", total=1) as advance:
        # Some people recorded twice, as in any force's records: the load resolves them.
        config = SynthConfig(
            seed=seed, incidents=incidents, end_date=as_of, duplicates=DEMO_DUPLICATES
        )
        generate(data_dir, config)
        advance(1)
    settings = Settings(workspace=folder / "workspace", purpose="perp-graph demo on synthetic data")
    report = load(data_dir, settings, progress)
    result = scan(settings, as_of, progress, rank=True)
    watched, entries = watch(settings, ENDING_SOON_DAYS, as_of, progress)
    people = people_in(result)
    files = {
        "scan_json": export(
            settings, folder / "scan.json", to_json(result), command="scan", person_ids=people
        ),
        "scan_csv": export(
            settings, folder / "scan.csv", to_csv(result), command="scan", person_ids=people
        ),
        "watch_csv": export(
            settings,
            folder / "watch.csv",
            watch_csv(watched, entries),
            command="watch",
            person_ids={e.person_id for e in entries},
        ),
        "load_report": write_text(
            folder / "load-report.json", json.dumps(report.as_json(), indent=2) + "\n"
        ),
        "truth": data_dir / "truth.json",
    }
    notes = []
    has_browser = find_browser() is not None
    if pdf and not has_browser:
        notes.append(
            "PDFs not made: no Chromium, Chrome or Edge found (Debian/Ubuntu: apt-get install "
            "chromium, or set PERP_GRAPH_BROWSER); the HTML packs print from any browser"
        )
    briefings = brief(
        settings, folder / "briefings", as_of=as_of, progress=progress, pdf=pdf and has_browser
    )
    files["briefings"] = briefings.index
    files["profile"] = profile(settings, folder / "profile", as_of=as_of, progress=progress).index
    return DemoOutputs(folder, data_dir, report, result, files, notes)
