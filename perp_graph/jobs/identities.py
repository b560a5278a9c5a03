"""Identity jobs for analysts: review the possible pairs, export the grouping, confirm or
reject a pair (issue 6 and issue 14, clause 5)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from perp_graph.analytics.acpo import qualifying_events
from perp_graph.analytics.dossier_parts import initials
from perp_graph.dataset import Dataset
from perp_graph.errors import ConfigError
from perp_graph.identity.annotate import PRIORITY, review_stakes
from perp_graph.identity.decisions import Decisions
from perp_graph.identity.pairs import load_pairs, save_pairs
from perp_graph.identity.resolve import (
    REASON_CONFIRMED,
    REASON_SAME_PNC,
    Identities,
    incidents_of,
    resolve,
)
from perp_graph.jobs.loading import placeholders
from perp_graph.jobs.scanning import check_unmask, scan_parameters
from perp_graph.progress import Progress
from perp_graph.session import Session
from perp_graph.settings import Settings


def resolved_pairs(settings: Settings) -> pd.DataFrame:
    """The scored pairs of the workspace's last resolution (identity.resolve.load_pairs).

    Raises:
        ConfigError: identities were never resolved in this workspace.
    """
    pairs = load_pairs(settings.workspace)
    if pairs is None:
        raise ConfigError(
            "identities have not been resolved in this workspace: run perp-graph load "
            "(resolution is on unless --no-resolve)"
        )
    return pairs


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


#: The record fields a review shows.
_REVIEW_FIELDS = (
    "person_id",
    "forenames",
    "surname",
    "date_of_birth",
    "gender",
    "pnc_id",
    "home_postcode",
    "aliases",
)


def review_identities(
    settings: Settings, limit: int | None = None, *, unmask: bool = False
) -> list[PossiblePair]:
    """The pairs left for an analyst: first those that would change a finding (a finding
    depends on the pair, or the pair may make a serial perpetrator), then those touching a
    finding, each group most likely first; at most `limit`. Names are initials unless
    `unmask` (which needs a purpose). Audited as a consultation.

    Raises:
        ConfigError: identities were never resolved here, or --unmask without --purpose.
        NoWorkspace, StoreError, AuditError.
    """
    check_unmask(unmask, settings.purpose)
    with Session(settings, "identities review") as session:
        pairs = resolved_pairs(settings)
        possible = pairs[pairs["outcome"] == "possible"].reset_index(drop=True)
        stakes = _review_stakes(session, possible) if len(possible) else []
        possible = possible.assign(stakes=stakes)
        possible = possible.assign(priority=possible["stakes"].map(PRIORITY).fillna(2))
        possible = possible.sort_values(
            ["priority", "match_probability", "record_l", "record_r"],
            ascending=[True, False, True, True],
        )
        if limit is not None:
            possible = possible.head(limit)
        ids = sorted(set(possible["record_l"]) | set(possible["record_r"]))
        people = session.store.records_about(ids).people if ids else Dataset.empty().people
        session.close_store()
        by_id = {}
        for row in people[list(_REVIEW_FIELDS)].astype(object).itertuples(index=False):
            record = dict(zip(_REVIEW_FIELDS, row, strict=True))
            if isinstance(record["date_of_birth"], pd.Timestamp):
                record["date_of_birth"] = record["date_of_birth"].date().isoformat()
            shown = {k: ("" if pd.isna(v) else str(v)) for k, v in record.items()}
            if not unmask:
                for part in ("forenames", "surname"):
                    if shown[part]:
                        shown[part] = initials(shown[part], None)[0] + "."
                shown["aliases"] = "(masked)" if shown["aliases"] else ""
            by_id[record["person_id"]] = shown
        session.audit(
            "consultation",
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


def _review_stakes(session: Session, possible: pd.DataFrame) -> list[str]:
    """What merging each possible pair would do to today's findings (annotate.review_stakes)."""
    parameters = scan_parameters(session.settings, None)
    findings = session.store.acpo_scan(parameters, Progress())
    events = qualifying_events(session.records, parameters)
    partner_victims = events.groupby("suspect_id")["victim_id"].agg(frozenset).to_dict()
    return review_stakes(
        possible, findings, partner_victims, session.identity_of, parameters.min_victims
    )


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

    Raises:
        ConfigError: identities were never resolved in this workspace.
        NoWorkspace, StoreError, AuditError.
    """
    with Session(settings, "identities export") as session:
        pairs = resolved_pairs(settings)
        record_ids = sorted(set(session.store.resolution_records().people["person_id"]))
        identity_of = session.identity_of
        session.close_store()
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
        session.audit(
            "consultation",
            {},
            person_ids=[r.record_id for r in rows if r.decided_by],
            counts={"records": len(rows), "merged": sum(1 for r in rows if r.decided_by)},
        )
    return rows


def decide_identities(
    settings: Settings, record_a: str, record_b: str, decision: str, user: str | None = None
) -> Identities:
    """Record an analyst's decision ("confirm" or "reject") on a pair and apply every
    decision again at once; the store's identities and identities/pairs.parquet change.
    Audited as a combination, by `user` (default the settings').

    Raises:
        ConfigError: an id is not in the store, or a confirm across one incident (one
            incident lists a person once).
        NoWorkspace, StoreError, AuditError, WorkspaceBusy.
    """
    with Session(settings, f"identities {decision}", writes=True, create=False) as session:
        store = session.store
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
        decisions.add(record_a, record_b, decision, user)
        scored = None if pairs is None else pairs[["record_l", "record_r", "match_probability"]]
        identities = resolve(records, decisions, scored=scored, **placeholders(settings))
        store.set_identities(identities.identity_of)
        save_pairs(settings.workspace, identities.pairs)
        session.audit(
            "combination",
            {"record_a": record_a, "record_b": record_b},
            person_ids=(record_a, record_b),
            counts=identities.counts(),
            user=user,
        )
        return identities
