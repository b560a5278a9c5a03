"""Jobs outside the store: the synthetic data generator and reading the audit trail."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perp_graph.audit import AuditLog, Problem
from perp_graph.settings import Settings
from perp_graph.synth import SynthConfig, generate
from perp_graph.workspace import Workspace


@dataclass(frozen=True)
class GeneratedData:
    """What `generate_data` wrote: rows per file and the serial perpetrators it planted."""

    counts: dict[str, int]
    planted_serial: int


def generate_data(out_dir: Path, config: SynthConfig, *, overwrite: bool = False) -> GeneratedData:
    """Write synthetic force data (data contract 1) with truth.json into `out_dir`.

    Raises:
        OutputError: a file exists and `overwrite` is False.
    """
    counts = generate(out_dir, config, overwrite=overwrite)
    truth = json.loads((Path(out_dir) / "truth.json").read_text(encoding="utf-8"))
    return GeneratedData(counts, len(truth["serial"]))


@dataclass(frozen=True)
class AuditCheck:
    """What `verify_audit` found: the log's path, its records, every problem in the chain,
    and erasures whose intent has no completion record (cut short)."""

    path: Path
    records: int
    problems: list[Problem]
    unfinished_erasures: list[dict[str, Any]]


def verify_audit(settings: Settings) -> AuditCheck:
    """Check every record's hash and the chain of the workspace's audit log (audit.py).

    Raises:
        NoWorkspace: the folder is not a workspace (nothing is created).
    """
    workspace = Workspace.open(settings.workspace, create=False)
    log = AuditLog(workspace.root)
    n, problems = log.verify()
    unfinished = log.unfinished_erasures() if not problems else []
    return AuditCheck(log.path, n, problems, unfinished)


def audit_records(
    settings: Settings,
    *,
    person_id: str | None = None,
    user: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[dict[str, Any]]:
    """The audit records matching every filter given (audit.AuditLog.show).

    Raises:
        NoWorkspace: the folder is not a workspace (nothing is created).
    """
    workspace = Workspace.open(settings.workspace, create=False)
    return AuditLog(workspace.root).show(person_id=person_id, user=user, since=since, until=until)
