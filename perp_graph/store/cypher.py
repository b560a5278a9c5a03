"""Cypher statements kept in `cypher/*.cypher`, loaded by name.

Each file holds one statement with a header:

    // name: load/people
    // params: $rows (...)
    // returns: ...

The files ship inside the wheel as `perp_graph/cypher/`; in a source checkout
they are read from the repository's `cypher/` folder. A missing name raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from perp_graph.errors import StoreError

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Query:
    """One Cypher statement from cypher/<folder>/<name>.cypher: its name, text, the
    parameters its header declares and what it returns (the header's comment lines)."""

    name: str
    text: str
    params: frozenset[str]  # as declared in the header
    returns: str

    def used_params(self) -> frozenset[str]:
        """Parameters the statement's body refers to."""
        body = "\n".join(
            line for line in self.text.splitlines() if not line.lstrip().startswith("//")
        )
        return frozenset(_PARAM.findall(body))


def cypher_dir() -> Path:
    """The cypher/ folder: inside the installed package, else the source checkout's."""
    packaged = Path(__file__).resolve().parents[1] / "cypher"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "cypher"


def parse(name: str, text: str) -> Query:
    """A statement read from its text: the `// name:`, `// params:` and `// returns:`
    header lines, then the body.

    Raises:
        StoreError: the header lacks a line, or names another statement (that the
            declared parameters match the body's is checked by tests/test_cypher_files.py).
    """
    header: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("//"):
            break
        content = stripped[2:].strip()
        match = re.match(r"^(name|params|returns):\s*(.*)$", content)
        if match:
            current = match.group(1)
            header[current] = match.group(2)
        elif current and content:
            header[current] += " " + content
        else:
            current = None
    missing = {"name", "params", "returns"} - set(header)
    if missing:
        raise StoreError(f"cypher/{name}.cypher: header lacks {sorted(missing)}")
    if header["name"] != name:
        raise StoreError(f"cypher/{name}.cypher: header names it {header['name']!r}")
    declared = frozenset(_PARAM.findall(header["params"]))
    return Query(name=name, text=text, params=declared, returns=header["returns"])


@cache
def query(name: str) -> Query:
    """The statement called `name` (its path under cypher/ without .cypher)."""
    path = cypher_dir() / f"{name}.cypher"
    if not path.is_file():
        raise StoreError(f"no Cypher statement named {name!r} (looked for {path})")
    return parse(name, path.read_text(encoding="utf-8"))


def names(folder: str | None = None) -> list[str]:
    """Every statement's name, optionally only those under one folder (schema, load, ...)."""
    root = cypher_dir()
    base = root / folder if folder else root
    return sorted(str(p.relative_to(root).with_suffix("")) for p in base.rglob("*.cypher"))
