"""Exports: personal data leaving the tool in a file, with a purpose, audited as a
disclosure before the file is written (DPA 2018 s.62)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from perp_graph.errors import ConfigError
from perp_graph.session import Session
from perp_graph.settings import Settings


def require_export_purpose(settings: Settings, command: str) -> None:
    """Check, before any work, that an export has a purpose.

    Raises:
        ConfigError: the settings carry no purpose (--purpose).
    """
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
    """Write an export to `path`: needs a purpose, is audited as a disclosure (with the
    ids it names and the file's digest) before it is written. Returns `path`.

    Raises:
        ConfigError: no purpose.
        OutputError: `path` exists and `overwrite` is False.
        NoWorkspace, AuditError, WorkspaceBusy.
    """
    require_export_purpose(settings, command)
    with Session(settings, command) as session:
        (written,) = session.publish(
            "disclosure",
            {"output": str(path)},
            {Path(path): text},
            overwrite=overwrite,
            person_ids=person_ids,
        )
    return written
