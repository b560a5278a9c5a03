"""What changed between two scans: who newly qualified, who dropped to historic, whose
priority score rose most. An analyst then briefs only what is new.

The earlier side is either the same store scanned as of an earlier date
(`scan --since DATE`: exact, records dated after DATE are not seen) or a scan saved
before (`scan --against FILE`, for example the workspace's reports/last-scan.json:
that compares with what was known then, including records loaded since).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perp_graph.errors import ConfigError

#: How many of the largest score rises to list.
TOP_RISES = 10


@dataclass(frozen=True)
class Snapshot:
    """What a comparison needs from one scan."""

    label: str  # "2024-01-31" or the saved file's name and date
    statuses: Mapping[str, str]  # serial perpetrators: id -> current / historic
    scores: Mapping[str, float]  # every scored perpetrator known to this scan
    #: True when `scores` covers every perpetrator (absent means no incident in the window)
    all_scored: bool = True


@dataclass(frozen=True)
class ScoreRise:
    """One perpetrator's priority score before and after (points, 0-100 with default weights)."""

    person_id: str
    before: float
    after: float

    @property
    def rise(self) -> float:
        """after - before, in points, rounded to one decimal."""
        return round(self.after - self.before, 1)

    def as_json(self) -> dict[str, Any]:
        """The rise as plain JSON (id, before, after)."""
        return {"person_id": self.person_id, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Changes:
    """What changed since the earlier scan (`since` labels it): ids sorted in each list, the
    largest score rises first."""

    since: str
    newly_qualified: tuple[str, ...]
    dropped_to_historic: tuple[str, ...]
    no_longer_listed: tuple[str, ...]
    score_rises: tuple[ScoreRise, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        """The changes as plain JSON (the scan JSON's `changes`)."""
        return {
            "since": self.since,
            "newly_qualified": list(self.newly_qualified),
            "dropped_to_historic": list(self.dropped_to_historic),
            "no_longer_listed": list(self.no_longer_listed),
            "score_rises": [r.as_json() for r in self.score_rises],
        }


def compare(before: Snapshot, after: Snapshot, top: int = TOP_RISES) -> Changes:
    """- newly qualified: current now, not current before (new, or historic again current);
    - dropped to historic: current before, historic now;
    - no longer listed: listed before, not now (only when the records changed: a merge
      undone, a record corrected or purged);
    - score rises: the `top` largest rises (someone unscored before counts from 0 when
      the earlier scan scored everyone, and is left out otherwise)."""
    now, then = after.statuses, before.statuses
    newly = sorted(p for p, s in now.items() if s == "current" and then.get(p) != "current")
    dropped = sorted(p for p, s in now.items() if s == "historic" and then.get(p) == "current")
    gone = sorted(p for p in then if p not in now)
    rises = []
    for person, score in after.scores.items():
        if person in before.scores:
            earlier = before.scores[person]
        elif before.all_scored:
            earlier = 0.0
        else:
            continue
        if score > earlier:
            rises.append(ScoreRise(person, earlier, score))
    rises.sort(key=lambda r: (-r.rise, -r.after, r.person_id))
    return Changes(before.label, tuple(newly), tuple(dropped), tuple(gone), tuple(rises[:top]))


def snapshot_from_file(path: Path) -> Snapshot:
    """A scan saved as JSON (perp-graph scan --format json, or reports/last-scan.json).

    Raises:
        ConfigError: the file is missing or is not a perp-graph scan JSON.
    """
    try:
        saved = json.loads(Path(path).read_text(encoding="utf-8"))
        statuses = {p["person_id"]: p["status"] for p in saved["perpetrators"]}
        as_of = saved["as_of"]
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; give a scan saved with --format json") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"{path}: not a perp-graph scan JSON ({type(exc).__name__}: {exc}); give a file "
            "written by perp-graph scan --format json"
        ) from None
    scores: dict[str, float] = {}
    for entry in [*saved["perpetrators"], *saved.get("ranking", [])]:
        if isinstance(entry.get("priority"), dict):
            scores[entry["person_id"]] = float(entry["priority"]["score"])
    return Snapshot(
        label=f"{Path(path).name} (as of {as_of})",
        statuses=statuses,
        scores=scores,
        all_scored="ranking" in saved,
    )
