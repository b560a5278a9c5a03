"""Findings about identities carry the records behind them, and the open questions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import pandas as pd

from perp_graph.identity.resolve import records_of
from perp_graph.model import ScanResult


def annotate(
    result: ScanResult, identity_of: Mapping[str, str], possible: pd.DataFrame | None
) -> ScanResult:
    """Add record_ids, victim_record_ids and the possible merges touching each finding.

    `identity_of` is what the store holds (record -> identity, merged records only);
    `possible` the pairs left for an analyst (record_l, record_r).
    """
    records = records_of(identity_of)

    def of(identity: str) -> tuple[str, ...]:
        return tuple(records.get(identity, [identity]))

    pairs = (
        []
        if possible is None
        else list(zip(possible["record_l"], possible["record_r"], strict=True))
    )
    touching: dict[str, list[tuple[str, str]]] = {}
    for a, b in pairs:
        for record in (a, b):
            touching.setdefault(identity_of.get(record, record), []).append((a, b))
    findings = []
    for f in result.perpetrators:
        victims = set(f.victim_ids)
        near = {
            pair for identity in (f.person_id, *f.victim_ids) for pair in touching.get(identity, [])
        }
        joins_victims = any(
            identity_of.get(a, a) in victims
            and identity_of.get(b, b) in victims
            and identity_of.get(a, a) != identity_of.get(b, b)
            for a, b in near
        )
        findings.append(
            replace(
                f,
                record_ids=of(f.person_id),
                victim_record_ids=tuple((v, of(v)) for v in f.victim_ids),
                possible_merges=tuple(sorted(near)),
                depends_on_possible_merge=joins_victims,
            )
        )
    return ScanResult(result.parameters, tuple(findings))
