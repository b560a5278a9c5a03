"""Writing output files: never overwrite without being asked; write atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from perp_graph.errors import OutputError


def check_free(paths: Iterable[Path], *, overwrite: bool = False) -> None:
    """Refuse, before anything is written, when any of the files exists already."""
    if overwrite:
        return
    taken = [Path(p) for p in paths if Path(p).exists()]
    if taken:
        more = f" (and {len(taken) - 1} more)" if len(taken) > 1 else ""
        raise OutputError(
            f"{taken[0]}{more} exists; pass --overwrite to replace, or choose another folder"
        )


def write_bytes(path: Path, data: bytes, *, overwrite: bool = False) -> Path:
    """Write data to path atomically (temp file + rename), readable by the owner only."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputError(f"{path} exists; pass --overwrite to replace it, or choose another file")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path, text: str, *, overwrite: bool = False) -> Path:
    """Write UTF-8 text to path atomically, readable by the owner only."""
    return write_bytes(path, text.encode("utf-8"), overwrite=overwrite)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Neutralise a text cell a spreadsheet would otherwise evaluate as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
