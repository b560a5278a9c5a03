"""Analysts' decisions on pairs of person records (confirm / reject), kept append-only in
the workspace and applied again on every resolution (issue 6; issue 14 clause 5: how each
grouping was decided)."""

from __future__ import annotations

import csv
import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from perp_graph.audit import current_user
from perp_graph.errors import ConfigError
from perp_graph.workspace import Workspace


@dataclass(frozen=True)
class Decision:
    """One analyst's decision on a pair, as a row of decisions.csv: `record_a` <
    `record_b` (record ids), `decision` "confirm" or "reject", `user` (who decided) and
    `at` (UTC, ISO 8601 to the second)."""

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
        """The decisions kept in `<workspace>/identities/decisions.csv` (none when the
        file does not exist yet; nothing is written). A file without the COLUMNS
        header raises KeyError."""
        path = Workspace(Path(workspace)).decisions_file
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

    def rows(self) -> tuple[Decision, ...]:
        """Every decision, oldest first."""
        return tuple(self._rows)

    def latest(self) -> dict[tuple[str, str], str]:
        """(record id, record id) in sorted order -> "confirm" or "reject": the latest
        decision on each pair (a later decision replaces an earlier one)."""
        out: dict[tuple[str, str], str] = {}
        for d in self._rows:
            out[key(d.record_a, d.record_b)] = d.decision
        return out

    def add(self, record_a: str, record_b: str, decision: str, user: str | None = None) -> Decision:
        """Append a decision to decisions.csv (created with its header, mode 0600, and its
        folder when missing) and return it. `user` defaults to $PERP_GRAPH_USER, else the
        login name. Raises ConfigError for a decision other than "confirm" or "reject",
        or when both ids are the same. Record ids are not checked against the store
        (the caller does)."""
        if decision not in ("confirm", "reject"):
            raise ConfigError(f"unknown decision {decision!r}: use confirm or reject")
        if record_a == record_b:
            raise ConfigError("give two different record ids")
        a, b = key(record_a, record_b)
        entry = Decision(
            a,
            b,
            decision,
            current_user(user),
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


def key(a: str, b: str) -> tuple[str, str]:
    """A pair of record ids in one order (the smaller first), as decisions are kept."""
    return (a, b) if a < b else (b, a)
