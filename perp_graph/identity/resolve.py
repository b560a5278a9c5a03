"""From scored record pairs to identities: who is the same person.

Three outcomes per candidate pair:
- same: merged. By rule: the same valid PNC id (canonical form, data contract 1.7), or
  an analyst confirmed it. By the model: match probability at least SAME_AT and the
  records corroborate each other (identity/rules.py: surnames agree or the name columns
  are swapped, forenames related, a date of birth that agrees, or with none to compare,
  the same postcode);
- possible: listed for an analyst (at least POSSIBLE_AT, or a high score the rules
  do not let through on its own), not merged;
- different: below that, or an analyst rejected it, or a rule forbids it.

Rules that never merge, whatever the score: two records in one incident (an incident
lists a person once) and two different valid PNC ids, even when an analyst confirms;
suspected twins or siblings (same surname and date of birth, forenames that are not
forms of each other), a recorded sex M against F, and dates of birth more than a slip
apart are never merged by the model; listed for an analyst from REVIEW_CONFLICT_AT.

Cluster-level check (as the Ministry of Justice's person record service re-checks a
whole cluster before a record joins it): merges are taken strongest first (analysts,
then PNC ids, then by probability), and two groups join only when every record of one is
compatible with every record of the other: no shared incident, at most one PNC id, no
pair an analyst rejected (a reject is a cannot-link for the whole identity, through any
chain, even against later confirms), and, for a merge by the model, no pair of records
that the rules above keep apart and no pair whose names disagree (rules.names_disagree:
forenames that differ, or surnames that are neither the same, an alias, a shared part
nor a near spelling). Names known for one identity through a PNC id or an analyst's
confirm count as that identity's names; a pair that itself passed the rules for a merge
agrees. So a chain of near spellings (Jones, Johns, Hones) never makes Johns and Hones
one person. After clustering, a pair whose two records are one identity through other
merges is "same" (never left for review), and a pair that would join two records an
analyst rejected is "different".

An identity's id is its smallest record id (data contract, section 3). Reasons are kept
without names (placeholders such as {forenames} are filled in when shown: masked unless
an analyst unmasks the review).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from perp_graph.dataset import Dataset
from perp_graph.identity.clean import prepare
from perp_graph.identity.decisions import Decisions
from perp_graph.identity.decisions import key as _key
from perp_graph.identity.match import score
from perp_graph.identity.pairs import typed_pairs
from perp_graph.identity.rules import conflict, corroborated, names_disagree
from perp_graph.placeholders import (
    DEFAULT_NO_FIXED_ABODE_POSTCODES,
    DEFAULT_PLACEHOLDER_DATES_OF_BIRTH,
)

#: Calibrated on FEBRL 1-3 and the generator's data (benchmarks/bench_febrl.py).
SAME_AT = 0.5
POSSIBLE_AT = 0.3
#: A pair the rules keep apart (twins, M/F, dates of birth apart) is listed for an analyst
#: from this probability, else it is different (on skewed data, 0.5 to 0.99 listed 89,000
#: pairs of people with a common name at one postcode, born in different years).
REVIEW_CONFLICT_AT = 0.99

OUTCOMES = ("same", "possible", "different")

#: Reasons, as stored (no names: {placeholders} are filled in when shown).
REASON_INCIDENT = "never merged: both in one incident"
REASON_PNC_DIFFER = "never merged: different PNC ids"
REASON_CONFIRMED = "confirmed by an analyst"
REASON_REJECTED = "rejected by an analyst"
REASON_SAME_PNC = "same PNC id"
REASON_MODEL = "match probability"
REASON_JOINED = "one identity through other merges"
REASON_REJECTED_IDENTITY = (
    "never merged: an analyst rejected two of the records it would join as one person"
)
REASON_TWINS = (
    "forenames differ: {forenames}, with the same surname and date of birth: suspected "
    "twins or siblings, never merged without an analyst"
)
REASON_SEX = "recorded sex differs: {gender}; not merged without an analyst"
REASON_BORN_APART = "dates of birth differ: {date_of_birth}; not merged without an analyst"
REASON_MISSING = {
    "surnames differ": "surnames differ: {surname}; neither is the other's alias",
    "a surname is unknown": (
        "a surname is blank ({surname}): forenames, date of birth and postcode do not all agree"
    ),
    "forenames differ": "forenames differ: {forenames}",
    "a forename is unknown": "a forename is blank and the postcodes do not agree",
    "no date of birth agrees": (
        "dates of birth {date_of_birth}: no date of birth agrees and nothing else makes up "
        "for it: needs an analyst"
    ),
}
_CONFLICT_REASON = {"twins": REASON_TWINS, "sex": REASON_SEX, "born apart": REASON_BORN_APART}


@dataclass(frozen=True)
class Identities:
    """Record id -> identity id for every record in a merged identity, and the pairs.

    `pairs` columns: record_l, record_r (record_l < record_r), match_probability (NaN when
    not scored), outcome (OUTCOMES), reason (template without names), merged (True for
    the pairs whose merge built an identity: what an export shows as "how decided")."""

    identity_of: Mapping[str, str]
    pairs: pd.DataFrame

    def of(self, record_id: str) -> str:
        """The identity id of a record id: its identity's smallest record id, or the
        record id itself when the record stands alone (also for an unknown id)."""
        return self.identity_of.get(record_id, record_id)

    def records(self) -> dict[str, list[str]]:
        """Identity id -> its record ids (merged identities only), sorted."""
        return records_of(self.identity_of)

    def possible(self) -> pd.DataFrame:
        """The pairs left for an analyst (outcome "possible"), in `pairs`' columns and
        order (most likely first), index reset."""
        return self.pairs[self.pairs["outcome"] == "possible"].reset_index(drop=True)

    def counts(self) -> dict[str, int]:
        """identities_merged (identities of two or more records), records_merged (the
        records in them) and possible_pairs (pairs left for an analyst)."""
        merged = self.records()
        return {
            "identities_merged": len(merged),
            "records_merged": sum(len(v) for v in merged.values()),
            "possible_pairs": int((self.pairs["outcome"] == "possible").sum()),
        }


def records_of(identity_of: Mapping[str, str]) -> dict[str, list[str]]:
    """Identity id -> its record ids, sorted (the inverse of record -> identity)."""
    out: dict[str, list[str]] = {}
    for record, identity in sorted(identity_of.items()):
        out.setdefault(identity, []).append(record)
    return out


# --- resolving ---------------------------------------------------------------------------------


def resolve(
    records: Dataset,
    decisions: Decisions | None = None,
    scored: pd.DataFrame | None = None,
    *,
    placeholder_dates_of_birth: Iterable[str] = DEFAULT_PLACEHOLDER_DATES_OF_BIRTH,
    no_fixed_abode_postcodes: Iterable[str] = DEFAULT_NO_FIXED_ABODE_POSTCODES,
    temp_directory: Path | None = None,
) -> Identities:
    """Group the person records into identities (see the module's docstring).

    `records`: people (blank names allowed) and involvements. `scored`: pairs scored
    before (record_l, record_r, match_probability), to re-apply analysts' decisions
    without training the model again. `placeholder_dates_of_birth` (YYYY-MM-DD) and
    `no_fixed_abode_postcodes` (a trailing * is a prefix) are unknown for matching
    (contract 1.6). `temp_directory`: where DuckDB may spill while scoring (a private
    folder inside it, removed afterwards).

    Returns Identities (record -> identity, and every candidate pair with its outcome
    and reason, most likely first). Writes no file: the caller keeps the pairs
    (save_pairs) and the store the identities. Splink's and DuckDB's errors pass through
    (a spill beyond match.DUCKDB_MAX_SPILL fails the query rather than fill the disk).
    Rules: issue 14 (clauses 1 to 4), shared/guide/identity.md (the MoJ's person
    matching: twins forced apart, whole-cluster re-checks, overrides re-applied)."""
    people = records.people
    table = prepare(
        people,
        placeholder_dates_of_birth=placeholder_dates_of_birth,
        no_fixed_abode_postcodes=no_fixed_abode_postcodes,
    )
    if scored is None:
        scored = score(table, temp_directory=temp_directory).pairs
    decided = decisions.latest() if decisions else {}
    pairs = _candidate_pairs(scored, table, decided)
    involved = set(pairs["record_l"]) | set(pairs["record_r"])
    involvements = records.involvements
    incidents_by_record = incidents_of(involvements[involvements["person_id"].isin(involved)])
    has_pnc = table["pnc_id"].notna().to_numpy()
    pnc_of = dict(zip(table["unique_id"][has_pnc], table["pnc_id"][has_pnc], strict=True))
    rows = {
        row["unique_id"]: row for row in table[table["unique_id"].isin(involved)].to_dict("records")
    }
    outcomes, reasons = [], []
    for a, b, probability in zip(
        pairs["record_l"], pairs["record_r"], pairs["match_probability"], strict=True
    ):
        outcome, reason = _outcome(a, b, probability, decided, incidents_by_record, pnc_of, rows)
        outcomes.append(outcome)
        reasons.append(reason)
    pairs = pairs.assign(outcome=outcomes, reason=reasons)
    identity_of, merged, refused, now = _cluster(pairs, incidents_by_record, pnc_of, rows)
    pairs["merged"] = pd.Series(merged, index=pairs.index, dtype=bool)
    kept_apart = pd.Series(refused, index=pairs.index, dtype=object)
    split = kept_apart.notna().to_numpy()
    pairs.loc[split, "outcome"] = "possible"
    pairs.loc[split, "reason"] = kept_apart[split]
    # An analyst's reject, through any chain, refuses the merge for good: not possible.
    by_reject = kept_apart.fillna("").str.startswith("kept apart: an analyst rejected")
    pairs.loc[by_reject.to_numpy(), "outcome"] = "different"
    # A pair is never left for review when its two records are already one identity, or
    # when its identities hold two records an analyst rejected.
    after = pd.Series(now, index=pairs.index, dtype=object)
    inside = ((after == "inside") & (pairs["outcome"] != "same")).to_numpy()
    pairs.loc[inside, "outcome"] = "same"
    pairs.loc[inside, "reason"] = REASON_JOINED
    rejected = ((after == "rejected") & (pairs["outcome"] == "possible")).to_numpy()
    pairs.loc[rejected, "outcome"] = "different"
    pairs.loc[rejected, "reason"] = REASON_REJECTED_IDENTITY
    order = pairs.sort_values(
        ["match_probability", "record_l", "record_r"], ascending=[False, True, True]
    )
    return Identities(identity_of, typed_pairs(order.reset_index(drop=True)))


def _candidate_pairs(
    scored: pd.DataFrame, table: pd.DataFrame, decided: Mapping[tuple[str, str], str]
) -> pd.DataFrame:
    """Scored pairs, plus pairs the model did not score but must be decided: those an
    analyst decided on, and those sharing a (valid, canonical) PNC id."""
    pairs = scored[["record_l", "record_r", "match_probability"]]
    known = set(zip(pairs["record_l"], pairs["record_r"], strict=True))
    present = set(table["unique_id"])
    wanted = [(a, b) for (a, b) in decided if a in present and b in present]
    pnc = table["pnc_id"]
    shared = pnc.map(pnc.value_counts()) > 1  # most ids are held by one record only
    with_pnc = table[shared.fillna(False).astype(bool).to_numpy()]
    for _pnc, ids in with_pnc.groupby("pnc_id")["unique_id"]:
        members = sorted(ids)
        wanted += [_key(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
    extra = [
        {"record_l": a, "record_r": b, "match_probability": float("nan")}
        for (a, b) in dict.fromkeys(wanted)
        if (a, b) not in known
    ]
    if extra:
        pairs = pd.concat([pairs, pd.DataFrame(extra)], ignore_index=True)
    return pairs.reset_index(drop=True)


def incidents_of(involvements: pd.DataFrame) -> dict[str, frozenset[str]]:
    """Person record -> the incidents it is in (for the hard rule: never one incident)."""
    out: dict[str, set[str]] = {}
    for person, incident in zip(
        involvements["person_id"], involvements["incident_id"], strict=True
    ):
        out.setdefault(person, set()).add(incident)
    return {person: frozenset(incidents) for person, incidents in out.items()}


def _outcome(
    a: str,
    b: str,
    probability: float,
    decided: Mapping[tuple[str, str], str],
    incidents_by_record: Mapping[str, frozenset[str]],
    pnc_of: Mapping[str, str],
    rows: Mapping[str, Mapping[str, object]],
) -> tuple[str, str]:
    if incidents_by_record.get(a, frozenset()) & incidents_by_record.get(b, frozenset()):
        return "different", REASON_INCIDENT
    if a in pnc_of and b in pnc_of and pnc_of[a] != pnc_of[b]:
        return "different", REASON_PNC_DIFFER
    decision = decided.get((a, b))
    if decision == "confirm":
        return "same", REASON_CONFIRMED
    if decision == "reject":
        return "different", REASON_REJECTED
    if a in pnc_of and b in pnc_of:
        return "same", REASON_SAME_PNC
    against = conflict(rows[a], rows[b])
    if against is not None:
        # Never merged by the model; worth an analyst's time only when the model would
        # have merged them with confidence (a common name at a hostel's postcode born in
        # another year is not).
        outcome = "possible" if probability >= REVIEW_CONFLICT_AT else "different"
        return outcome, _CONFLICT_REASON[against]
    if probability >= SAME_AT:
        missing = corroborated(rows[a], rows[b])
        if missing is not None:
            return "possible", REASON_MISSING[missing]
        return "same", REASON_MODEL
    if probability >= POSSIBLE_AT:
        return "possible", REASON_MODEL
    return "different", REASON_MODEL


def _cluster(
    pairs: pd.DataFrame,
    incidents_by_record: Mapping[str, frozenset[str]],
    pnc_of: Mapping[str, str],
    rows: Mapping[str, Mapping[str, object]],
) -> tuple[dict[str, str], list[bool], list[str | None], list[str | None]]:
    """Union "same" pairs strongest first; two groups join only when every record of one
    is compatible with every record of the other (see the module's docstring).

    Returns record -> identity (merged records only); per pair of `pairs` whether its
    merge was made and why it was refused (None when not refused); and per pair, after
    clustering, what it now is when that is no longer what its outcome says: "inside" (its
    two records are in one identity through other merges) or "rejected" (its identities
    hold two records an analyst rejected: it can never be merged) or None."""
    order = pairs.assign(
        rank=pairs["reason"].map({REASON_CONFIRMED: 0, REASON_SAME_PNC: 1}).fillna(2)
    )
    same = order[order["outcome"] == "same"].sort_values(
        ["rank", "match_probability", "record_l", "record_r"],
        ascending=[True, False, True, True],
        kind="stable",
    )
    same_pairs = set(zip(same["record_l"], same["record_r"], strict=True))
    # An analyst's reject is a cannot-link for the whole identity, through any chain.
    cannot: dict[str, set[str]] = {}
    is_rejected = (pairs["reason"] == REASON_REJECTED).to_numpy()
    for a, b in zip(pairs["record_l"][is_rejected], pairs["record_r"][is_rejected], strict=True):
        cannot.setdefault(a, set()).add(b)
        cannot.setdefault(b, set()).add(a)
    parent: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    incidents: dict[str, frozenset[str]] = {}
    pncs: dict[str, frozenset[str]] = {}
    # Records joined by a rule (same PNC id) or an analyst: their names are one person's.
    by_rule: dict[str, list[str]] = {}
    merged = [False] * len(pairs)
    refused: list[str | None] = [None] * len(pairs)

    def root(x: str) -> str:
        if x not in parent:
            parent[x] = x
            members[x] = [x]
            incidents[x] = incidents_by_record.get(x, frozenset())
            pncs[x] = frozenset({pnc_of[x]}) if x in pnc_of else frozenset()
            by_rule[x] = [x]
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for index, a, b, by_rank in zip(
        same.index, same["record_l"], same["record_r"], same["rank"], strict=True
    ):
        ra, rb = root(a), root(b)
        if ra == rb:
            continue
        why = None
        if incidents[ra] & incidents[rb]:
            why = "kept apart: merging would join two records of one incident"
        elif len(pncs[ra] | pncs[rb]) > 1:
            why = "kept apart: merging would join two different PNC ids"
        else:
            why = _rejected_between(members[ra], members[rb], cannot)
        if why is None and by_rank == 2:
            why = _incompatible(members[ra], members[rb], rows, by_rule, same_pairs)
        if why is not None:
            refused[pairs.index.get_loc(index)] = why
            continue
        keep, gone = (ra, rb) if ra < rb else (rb, ra)
        parent[gone] = keep
        members[keep] = members[keep] + members.pop(gone)
        incidents[keep] = incidents[keep] | incidents.pop(gone)
        pncs[keep] = pncs[keep] | pncs.pop(gone)
        if by_rank < 2:
            joined = by_rule[a] + by_rule[b]
            for record in joined:
                by_rule[record] = joined
        merged[pairs.index.get_loc(index)] = True
    identity_of: dict[str, str] = {}
    for group in members.values():
        if len(group) > 1:
            smallest = min(group)
            identity_of.update({m: smallest for m in group})
    # Roots whose identities an analyst's reject keeps apart.
    apart: dict[str, set[str]] = {}
    for x, others in cannot.items():
        apart.setdefault(root(x), set()).update(root(y) for y in others)
    now: list[str | None] = [None] * len(pairs)
    for i, (a, b, outcome) in enumerate(
        zip(pairs["record_l"], pairs["record_r"], pairs["outcome"], strict=True)
    ):
        if outcome == "same" and merged[i]:
            continue
        ra, rb = root(a), root(b)
        if ra == rb:
            now[i] = "inside"
        elif rb in apart.get(ra, ()):
            now[i] = "rejected"
    return identity_of, merged, refused, now


#: Past this many record pairs between two groups, the groups are not joined by the model
#: (a group that large is itself a sign of a common-value chain; an analyst decides).
MAX_CROSS_CHECKS = 2_500

#: The rules' codes (identity/rules.py conflict, names_disagree) in words, for a pair of
#: records named by id (no names).
_KEPT_APART_WORDS = {
    "twins": ("they may be twins or siblings (same surname and date of birth, forenames differ)"),
    "sex": "their recorded sex differs",
    "born apart": "their dates of birth differ",
    "forenames differ": "their forenames differ",
    "surnames differ": "their surnames differ",
}


def _rejected_between(
    group_a: list[str], group_b: list[str], cannot: Mapping[str, set[str]]
) -> str | None:
    """Why two groups cannot be joined because an analyst rejected a pair across them."""
    if not cannot:
        return None
    other = set(group_b)
    for x in group_a:
        hit = cannot.get(x, set()) & other
        if hit:
            first, second = sorted((x, min(hit)))
            return f"kept apart: an analyst rejected {first} and {second} as one person"
    return None


def _incompatible(
    group_a: list[str],
    group_b: list[str],
    rows: Mapping[str, Mapping[str, object]],
    by_rule: Mapping[str, list[str]] | None = None,
    same_pairs: set[tuple[str, str]] | frozenset = frozenset(),
) -> str | None:
    """Why two groups of records cannot be one identity, or None: the first pair of
    records, one from each, that the rules keep apart (identity/rules.py conflict), or
    whose names disagree (names_disagree). Names agree too when the pair itself passed
    the rules for a merge (`same_pairs`), or when a record joined to one of them by a
    rule or an analyst (`by_rule`: a PNC id, a confirm) has a name the other agrees with
    (a married name known only from the PNC)."""
    if len(group_a) * len(group_b) > MAX_CROSS_CHECKS:
        return "kept apart: the merge would make an identity too large to check"
    by_rule = by_rule or {}
    for x in group_a:
        for y in group_b:
            why = conflict(rows[x], rows[y])
            if why is None and _key(x, y) not in same_pairs:
                why = names_disagree(rows[x], rows[y])
                if why is not None and any(
                    names_disagree(rows[p], rows[q]) is None
                    for p in by_rule.get(x, (x,))
                    for q in by_rule.get(y, (y,))
                ):
                    why = None
            if why is not None:
                first, second = sorted((x, y))
                words = _KEPT_APART_WORDS.get(why, why)
                return f"kept apart: {first} and {second} would be one identity, but {words}"
    return None


def identity_frame(identities: Identities, record_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """record_id, identity_id (text) for every merged record, sorted by record id (the
    table the stores keep); only the records in `record_ids` when given."""
    rows = sorted(identities.identity_of.items())
    frame = pd.DataFrame(rows, columns=["record_id", "identity_id"])
    if record_ids is not None:
        frame = frame[frame["record_id"].isin(set(record_ids))]
    return frame.astype("str").reset_index(drop=True)
