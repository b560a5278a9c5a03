"""The audit log the Data Protection Act 2018 (s.62) asks for: who did what, when, why,
to whose records, and what it wrote.

One JSON record per line in `<workspace>/audit/audit.jsonl`, append-only and
hash-chained: each record carries the hash of the one before it and its own hash over
its content, so `perp-graph audit verify` detects a record edited, deleted, inserted or
moved, and names it. A record holds ids, never names or free text from the records
(the purpose is the user's own words).

Fail closed: a command checks the log can be written before it changes anything, and
appends its record before it moves any output into place or prints any result; if the
record cannot be written, the command fails and leaves no output.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perp_graph.errors import AuditError
from perp_graph.workspace import Workspace

#: Every record's kind, in the words of s.62(1): collection, alteration, consultation,
#: disclosure (including transfers), combination, erasure.
OPERATIONS = ("collection", "alteration", "consultation", "disclosure", "combination", "erasure")
GENESIS = "0" * 64
ENV_USER = "PERP_GRAPH_USER"


def current_user(explicit: str | None = None) -> str:
    """--user, else PERP_GRAPH_USER, else the operating system's login name."""
    for candidate in (explicit, os.environ.get(ENV_USER)):
        if candidate and candidate.strip():
            return candidate.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers)
        return f"uid:{os.getuid()}"


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, as 64 hex digits (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def text_digest(text: str | bytes) -> str:
    """SHA-256 of text (as UTF-8) or bytes, as 64 hex digits."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def _canonical(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _hash(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(_canonical({k: v for k, v in body.items() if k != "hash"})).hexdigest()


@dataclass(frozen=True)
class Problem:
    """What `verify` found wrong, and where."""

    line: int
    seq: int | None
    what: str

    def __str__(self) -> str:
        where = (
            f"record {self.seq} (line {self.line})" if self.seq is not None else f"line {self.line}"
        )
        return f"{where}: {self.what}"


class AuditLog:
    """The append-only, hash-chained log of one workspace."""

    def __init__(self, workspace: Path) -> None:
        self.path = Workspace(Path(workspace)).audit_log_file

    # --- writing -------------------------------------------------------------------------------

    def check_writable(self) -> None:
        """Fail before any work when the log cannot be appended to."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8"):
                pass
            os.chmod(self.path, 0o600)
        except OSError as exc:
            raise AuditError(
                f"cannot write the audit log {self.path} ({exc.strerror}); nothing was done. "
                "Check the workspace folder's permissions and free space"
            ) from None

    def append(
        self,
        *,
        operation: str,
        command: str,
        user: str,
        purpose: str | None,
        parameters: Mapping[str, Any],
        person_ids: Iterable[str] = (),
        files: Mapping[Path, str] | None = None,
        counts: Mapping[str, int] | None = None,
    ) -> dict[str, Any]:
        """Append one record (and make sure it is on disk) or raise AuditError."""
        if operation not in OPERATIONS:
            raise ValueError(f"unknown audit operation {operation!r}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                # Two commands appending at once would both read the same last record and
                # chain to it; the file's own lock makes read-last-then-append one step.
                fcntl.flock(fd, fcntl.LOCK_EX)
                last = self._last()
                record: dict[str, Any] = {
                    "seq": (last["seq"] + 1) if last else 1,
                    "at": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
                    "user": user,
                    "purpose": purpose,
                    "operation": operation,
                    "command": command,
                    "parameters": {k: _plain(v) for k, v in sorted(parameters.items())},
                    "person_ids": sorted(set(person_ids)),
                    "files": [
                        {"path": str(Path(path).absolute()), "sha256": digest}
                        for path, digest in sorted((files or {}).items(), key=lambda f: str(f[0]))
                    ],
                    "counts": dict(counts or {}),
                    "prev": last["hash"] if last else GENESIS,
                }
                record["hash"] = _hash(record)
                os.write(fd, _canonical(record) + b"\n")
                os.fsync(fd)
            finally:
                os.close(fd)  # closing releases the lock
        except OSError as exc:
            raise AuditError(
                f"cannot write the audit log {self.path} ({exc.strerror}); the {command} "
                "output was not written. Check the workspace folder's permissions and free space"
            ) from None
        return record

    def _last(self) -> dict[str, Any] | None:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return None
        with self.path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            step = min(size, 1 << 16)
            while True:
                handle.seek(size - step)
                tail = handle.read(step)
                lines = tail.rstrip(b"\n").split(b"\n")
                if len(lines) > 1 or step == size:
                    break
                step = min(size, step * 2)
        try:
            return json.loads(lines[-1])
        except ValueError:
            raise AuditError(
                f"the last line of the audit log {self.path} is damaged; run perp-graph audit "
                "verify, and keep the damaged log for investigation"
            ) from None

    # --- reading -------------------------------------------------------------------------------

    def records(self) -> Iterator[dict[str, Any]]:
        """Every record in order, as written (nothing when the log does not exist)."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)

    def verify(self) -> tuple[int, list[Problem]]:
        """Check the chain; return the number of records and every problem found."""
        problems: list[Problem] = []
        if not self.path.exists():
            return 0, problems
        prev, expected_seq, n = GENESIS, 1, 0
        with self.path.open(encoding="utf-8", errors="replace") as handle:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                n += 1
                try:
                    record = json.loads(line)
                    seq = record["seq"]
                except (ValueError, KeyError, TypeError):
                    problems.append(Problem(line_no, None, "not a readable audit record"))
                    continue
                if record.get("hash") != _hash(record):
                    problems.append(
                        Problem(line_no, seq, "edited: its content does not match its hash")
                    )
                if seq != expected_seq:
                    what = (
                        f"out of order or a record before it was deleted: expected record "
                        f"{expected_seq}, found {seq}"
                    )
                    problems.append(Problem(line_no, seq, what))
                elif record.get("prev") != prev:
                    problems.append(
                        Problem(
                            line_no,
                            seq,
                            "the chain is broken: the record before it was changed or removed",
                        )
                    )
                prev = record.get("hash", "")
                expected_seq = seq + 1 if isinstance(seq, int) else expected_seq + 1
        return n, problems

    def unfinished_erasures(self) -> list[dict[str, Any]]:
        """Erasures that recorded their intent and never their completion: the command
        stopped part way (a crash, a full disk) and the records may be partly erased. Each
        is the intent record; running the command again finishes the erasure.

        An erasure writes `parameters.stage = "intent"` before it erases anything and a
        record with `parameters.intent = <the intent's seq>` after (perp_graph.session)."""
        open_intents: dict[int, dict[str, Any]] = {}
        for record in self.records():
            parameters = record.get("parameters", {})
            if record.get("operation") != "erasure":
                continue
            if parameters.get("stage") == "intent":
                open_intents[record["seq"]] = record
            elif isinstance(parameters.get("intent"), int):
                open_intents.pop(parameters["intent"], None)
        return list(open_intents.values())

    def show(
        self,
        *,
        person_id: str | None = None,
        user: str | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
    ) -> list[dict[str, Any]]:
        """Records matching every filter given (dates inclusive, by the record's UTC day)."""
        out = []
        for record in self.records():
            day = dt.datetime.fromisoformat(record["at"]).date()
            if person_id is not None and person_id not in record.get("person_ids", ()):
                continue
            if user is not None and record.get("user") != user:
                continue
            if since is not None and day < since:
                continue
            if until is not None and day > until:
                continue
            out.append(record)
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | Path):
        return str(value)
    if isinstance(value, set | frozenset):  # no order of its own: sort for a stable record
        value = sorted(value, key=str)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
