"""Findings about identities carry the records behind them, and the open questions.

Issue 6 (scan findings on identities) and issue 14 clause 5 (the review queue lists
first the pairs that would change a finding)."""

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
    `possible` the pairs left for an analyst (record_l, record_r), or None when
    identities were never resolved. Returns a new ScanResult (the input is not changed):
    each finding with record_ids, victim_record_ids ((victim, its records), in the
    finding's order), possible_merges (sorted pairs touching the perpetrator or a
    victim) and depends_on_possible_merge (a possible pair joins two of its victims).
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


#: Why a pair for review matters to a finding, most urgent first (issue 14: pairs that
#: would change a finding come before the rest).
FINDING_DEPENDS = "a finding depends on it: it joins two of one perpetrator's victims"
MAY_MAKE_FINDING = "may make a serial perpetrator: it joins two suspects' partner victims"
TOUCHES_FINDING = "touches a finding"
PRIORITY = {FINDING_DEPENDS: 0, MAY_MAKE_FINDING: 0, TOUCHES_FINDING: 1, "": 2}


def review_stakes(
    pairs: pd.DataFrame,
    findings: ScanResult,
    partner_victims: Mapping[str, frozenset[str]],
    identity_of: Mapping[str, str],
    min_victims: int,
) -> list[str]:
    """For each pair (record_l, record_r) of `pairs`, what merging it would do to the
    findings: FINDING_DEPENDS (it joins two victims of one finding: the finding may
    fall), MAY_MAKE_FINDING (both records are, as identities, suspects of violence against
    partners, and together they have at least `min_victims` victims), TOUCHES_FINDING (it
    touches a finding's perpetrator or victims), or "".

    `findings`: the scan on identities; `partner_victims`: identity -> its intimate-partner
    victims of qualifying violence (a scan with min_victims 1); `identity_of`: as stored."""
    victims_of = {f.person_id: set(f.victim_ids) for f in findings.perpetrators}
    in_finding: set[str] = set(victims_of)
    for victims in victims_of.values():
        in_finding |= victims
    out = []
    for a, b in zip(pairs["record_l"], pairs["record_r"], strict=True):
        ia, ib = identity_of.get(a, a), identity_of.get(b, b)
        if any(ia in v and ib in v for v in victims_of.values()):
            out.append(FINDING_DEPENDS)
        elif (
            ia in partner_victims
            and ib in partner_victims
            and len(partner_victims[ia] | partner_victims[ib]) >= min_victims
            and not (ia in victims_of and ib in victims_of)
        ):
            out.append(MAY_MAKE_FINDING)
        elif ia in in_finding or ib in in_finding:
            out.append(TOUCHES_FINDING)
        else:
            out.append("")
    return out
