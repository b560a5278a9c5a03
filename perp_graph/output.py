"""Writing output files: never overwrite without being asked; write atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from perp_graph.errors import OutputError


def write_text(path: Path, text: str, *, overwrite: bool = False) -> Path:
    """Write text to path atomically (temp file + rename), readable by the owner only."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputError(f"{path} exists; pass --overwrite to replace it, or choose another file")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
