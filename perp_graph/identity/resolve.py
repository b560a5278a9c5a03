"""From scored record pairs to identities: who is the same person.

Three outcomes per candidate pair:
- same: merged (match probability at least SAME_AT, the same date of birth
  or its day and month swapped, and surnames that agree: the same, near, or
  one the other's alias; the same PNC id; or an analyst confirmed it);
- possible: listed for an analyst (at least POSSIBLE_AT), not merged;
- different: below that, or an analyst rejected it, or a hard rule forbids it.

Hard rules that never merge, whatever the score or an analyst says: two
records in the same incident (an incident lists a person once), and two
different PNC ids. They also hold across a chain of merges: records join one
identity only while the identity would still contain no two records from one
incident and at most one PNC id (merges are taken strongest first).

An identity's id is its smallest record id (data contract, section 3).
"""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from perp_graph.dataset import Dataset
from perp_graph.errors import ConfigError
from perp_graph.identity.match import alias_surnames, score, surnames_agree

SAME_AT = 0.5
POSSIBLE_AT = 0.3

OUTCOMES = ("same", "possible", "different")


@dataclass(frozen=True)
class Identities:
    """Record id -> identity id for every record in a merged identity, and the pairs."""

    identity_of: Mapping[str, str]
    pairs: pd.DataFrame  # record_l, record_r, match_probability, outcome, reason

    def of(self, record_id: str) -> str:
        return self.identity_of.get(record_id, record_id)

    def records(self) -> dict[str, list[str]]:
        """Identity id -> its record ids (merged identities only), sorted."""
        return records_of(self.identity_of)

    def possible(self) -> pd.DataFrame:
        return self.pairs[self.pairs["outcome"] == "possible"].reset_index(drop=True)

    def counts(self) -> dict[str, int]:
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


# --- analysts' decisions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    record_a: str
    record_b: str
    decision: str  # "confirm" or "reject"
    user: str
    at: str


@dataclass
class Decisions:
    """Analysts' confirmations and rejections, kept as an append-only CSV file and
    re-applied on every run (the latest decision on a pair wins)."""

    path: Path
    _rows: list[Decision] = field(default_factory=list)

    COLUMNS = ("at", "user", "record_a", "record_b", "decision")

    @classmethod
    def open(cls, workspace: Path) -> Decisions:
        path = Path(workspace) / "identities" / "decisions.csv"
        rows = []
        if path.exists():
            with path.open(newline="", encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    rows.append(
                        Decision(
                            row["record_a"],
                            row["record_b"],
                            row["decision"],
                            row["user"],
                            row["at"],
                        )
                    )
        return cls(path, rows)

    def latest(self) -> dict[tuple[str, str], str]:
        out: dict[tuple[str, str], str] = {}
        for d in self._rows:
            out[_key(d.record_a, d.record_b)] = d.decision
        return out

    def add(self, record_a: str, record_b: str, decision: str, user: str | None = None) -> Decision:
        if decision not in ("confirm", "reject"):
            raise ConfigError(f"unknown decision {decision!r}: use confirm or reject")
        if record_a == record_b:
            raise ConfigError("give two different record ids")
        a, b = _key(record_a, record_b)
        entry = Decision(
            a,
            b,
            decision,
            user or os.environ.get("PERP_GRAPH_USER") or getpass.getuser(),
            dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists()
        with self.path.open("a", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            if new:
                writer.writerow(self.COLUMNS)
            writer.writerow([entry.at, entry.user, entry.record_a, entry.record_b, entry.decision])
        os.chmod(self.path, 0o600)
        self._rows.append(entry)
        return entry


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


# --- resolving ---------------------------------------------------------------------------------


def resolve(
    records: Dataset, decisions: Decisions | None = None, scored: pd.DataFrame | None = None
) -> Identities:
    """Group the person records into identities (see the module's docstring).

    `scored`: pairs scored before (record_l, record_r, match_probability), to re-apply
    analysts' decisions without training the model again."""
    people = records.people
    if scored is None:
        scored = score(people).pairs
    decided = decisions.latest() if decisions else {}
    pairs = _candidate_pairs(scored, people, decided)
    incidents_by_record = incidents_of(records.involvements)
    pnc_of = {
        pid: pnc
        for pid, pnc in zip(people["person_id"], people["pnc_id"], strict=True)
        if isinstance(pnc, str) and pnc.strip()
    }
    born = {
        pid: (day.strftime("%Y-%m-%d"), day.strftime("%Y-%d-%m"))
        for pid, day in zip(people["person_id"], people["date_of_birth"], strict=True)
        if not pd.isna(day)
    }
    surname = dict(zip(people["person_id"], people["surname"].fillna(""), strict=True))
    aliases = {
        pid: alias_surnames(text)
        for pid, text in zip(people["person_id"], people["aliases"], strict=True)
        if isinstance(text, str) and text
    }
    outcomes, reasons = [], []
    for a, b, probability in zip(
        pairs["record_l"], pairs["record_r"], pairs["match_probability"], strict=True
    ):
        agree = surnames_agree(
            surname.get(a, ""),
            surname.get(b, ""),
            aliases.get(a, set()),
            aliases.get(b, set()),
        )
        outcome, reason = _outcome(
            a, b, probability, agree, decided, incidents_by_record, pnc_of, born
        )
        outcomes.append(outcome)
        reasons.append(reason)
    pairs = pairs.assign(outcome=outcomes, reason=reasons)
    identity_of = _cluster(pairs, incidents_by_record, pnc_of)
    # A "same" pair that a hard rule kept apart through a chain of merges is shown as such.
    split = (pairs["outcome"] == "same") & (
        pairs["record_l"].map(lambda r: identity_of.get(r, r))
        != pairs["record_r"].map(lambda r: identity_of.get(r, r))
    )
    pairs.loc[split, "outcome"] = "possible"
    pairs.loc[split, "reason"] = (
        "kept apart: merging would join two records of one incident or two PNC ids"
    )
    order = pairs.sort_values(
        ["match_probability", "record_l", "record_r"], ascending=[False, True, True]
    )
    return Identities(identity_of, order.reset_index(drop=True))


def _candidate_pairs(
    scored: pd.DataFrame, people: pd.DataFrame, decided: Mapping[tuple[str, str], str]
) -> pd.DataFrame:
    """Scored pairs, plus pairs the model did not score but must be decided: those an
    analyst decided on, and those sharing a PNC id."""
    pairs = scored[["record_l", "record_r", "match_probability"]]
    known = set(zip(pairs["record_l"], pairs["record_r"], strict=True))
    present = set(people["person_id"])
    wanted = [(a, b) for (a, b) in decided if a in present and b in present]
    # Records sharing a PNC id are always candidates (the id is decisive), whatever score.
    with_pnc = people.dropna(subset=["pnc_id"])
    for _pnc, ids in with_pnc.groupby(with_pnc["pnc_id"].str.upper())["person_id"]:
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
    grouped = involvements.groupby("person_id")["incident_id"].agg(frozenset)
    return grouped.to_dict()


def _outcome(
    a: str,
    b: str,
    probability: float,
    surname_agrees: bool,
    decided: Mapping[tuple[str, str], str],
    incidents_by_record: Mapping[str, frozenset[str]],
    pnc_of: Mapping[str, str],
    born: Mapping[str, tuple[str, str]],
) -> tuple[str, str]:
    if incidents_by_record.get(a, frozenset()) & incidents_by_record.get(b, frozenset()):
        return "different", "never merged: both in one incident"
    if a in pnc_of and b in pnc_of and pnc_of[a] != pnc_of[b]:
        return "different", "never merged: different PNC ids"
    decision = decided.get((a, b))
    if decision == "confirm":
        return "same", "confirmed by an analyst"
    if decision == "reject":
        return "different", "rejected by an analyst"
    if a in pnc_of and b in pnc_of:
        return "same", "same PNC id"
    if probability >= SAME_AT:
        if not (a in born and b in born and born[a][0] in born[b]):
            # Names alone never merge: two victims with one name would become one victim.
            return "possible", "names agree but no date of birth agrees: needs an analyst"
        if not surname_agrees:
            # A forename and a birthday are shared by many: a new surname needs the old one
            # recorded as an alias, or an analyst.
            return "possible", "surnames differ and neither is the other's alias"
        return "same", "match probability"
    if probability >= POSSIBLE_AT:
        return "possible", "match probability"
    return "different", "match probability"


def _cluster(
    pairs: pd.DataFrame,
    incidents_by_record: Mapping[str, frozenset[str]],
    pnc_of: Mapping[str, str],
) -> dict[str, str]:
    """Union "same" pairs strongest first, refusing any union that breaks a hard rule."""
    same = pairs[pairs["outcome"] == "same"].copy()
    same["rank"] = same["reason"].map({"confirmed by an analyst": 0, "same PNC id": 1}).fillna(2)
    same = same.sort_values(["rank", "match_probability"], ascending=[True, False])
    parent: dict[str, str] = {}
    incidents: dict[str, frozenset[str]] = {}
    pncs: dict[str, frozenset[str]] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def members_state(x: str) -> tuple[frozenset[str], frozenset[str]]:
        r = root(x)
        if r not in incidents:
            incidents[r] = incidents_by_record.get(r, frozenset())
            pncs[r] = frozenset({pnc_of[r]}) if r in pnc_of else frozenset()
        return incidents[r], pncs[r]

    for a, b in zip(same["record_l"], same["record_r"], strict=True):
        ra, rb = root(a), root(b)
        if ra == rb:
            continue
        inc_a, pnc_a = members_state(ra)
        inc_b, pnc_b = members_state(rb)
        if inc_a & inc_b or len(pnc_a | pnc_b) > 1:
            continue
        keep, gone = (ra, rb) if ra < rb else (rb, ra)
        parent[gone] = keep
        incidents[keep] = inc_a | inc_b
        pncs[keep] = pnc_a | pnc_b
    groups: dict[str, list[str]] = {}
    for record in parent:
        groups.setdefault(root(record), []).append(record)
    identity_of: dict[str, str] = {}
    for members in groups.values():
        if len(members) > 1:
            smallest = min(members)
            identity_of.update({m: smallest for m in members})
    return identity_of


def identity_frame(identities: Identities, record_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """record_id, identity_id for every merged record (the table the stores keep)."""
    rows = sorted(identities.identity_of.items())
    frame = pd.DataFrame(rows, columns=["record_id", "identity_id"])
    if record_ids is not None:
        frame = frame[frame["record_id"].isin(set(record_ids))]
    return frame.astype("str").reset_index(drop=True)


def pairs_file(workspace: Path) -> Path:
    return Path(workspace) / "identities" / "pairs.parquet"


def save_pairs(workspace: Path, pairs: pd.DataFrame) -> None:
    """Keep the scored pairs and their outcomes (ids and numbers only, no names)."""
    path = pairs_file(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    pairs.to_parquet(tmp, index=False)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def load_pairs(workspace: Path) -> pd.DataFrame | None:
    """The pairs of the last resolution, or None when identities were not resolved."""
    path = pairs_file(workspace)
    return pd.read_parquet(path) if path.exists() else None
