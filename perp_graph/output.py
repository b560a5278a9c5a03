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
    """Write `data` to `path` atomically (temp file, then rename), readable by the owner
    only. Returns `path`.

    Raises:
        OutputError: `path` exists and `overwrite` is False, including when another
            process created it while this one was writing (never overwritten then).
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputError(f"{path} exists; pass --overwrite to replace it, or choose another file")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o600)
        publish(Path(tmp), path, overwrite=overwrite)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def publish(source: Path, target: Path, *, overwrite: bool) -> None:
    """Move a finished file into place in one step.

    With `overwrite`, `os.replace`. Without, a hard link that fails if `target` exists
    (then the source is removed): a file another process creates between a caller's check
    and this move is never replaced. Where hard links are not allowed (some mounted
    folders), an exclusive create claims the name first, then the file replaces the empty
    claim.

    Raises:
        OutputError: `target` exists and `overwrite` is False.
    """
    if overwrite:
        os.replace(source, target)
        return
    try:
        os.link(source, target)
    except FileExistsError:
        raise OutputError(
            f"{target} exists (written by something else meanwhile); pass --overwrite to "
            "replace it, or choose another file"
        ) from None
    except OSError:  # no hard links here: claim the name, then fill it
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            raise OutputError(
                f"{target} exists (written by something else meanwhile); pass --overwrite to "
                "replace it, or choose another file"
            ) from None
        os.replace(source, target)
        return
    os.unlink(source)


def publish_staged(
    staged: list[Path], staging: Path, out_dir: Path, *, overwrite: bool
) -> list[Path]:
    """Move files made in the private folder `staging` to the same places under `out_dir`
    (sub-folders made as needed), owner-only, each in one step (`publish`). Returns the
    paths written, in the order given.

    Raises:
        OutputError: a target exists and `overwrite` is False.
    """
    files = []
    for path in staged:
        target = out_dir / path.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path, 0o600)
        publish(path, target, overwrite=overwrite)
        files.append(target)
    return files


def write_text(path: Path, text: str, *, overwrite: bool = False) -> Path:
    """Write UTF-8 text to path atomically, readable by the owner only."""
    return write_bytes(path, text.encode("utf-8"), overwrite=overwrite)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Neutralise a text cell a spreadsheet would otherwise evaluate as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
