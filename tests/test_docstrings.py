"""Every public function, class and method of the services and stores has a docstring
(issue 15: shapes, units, errors raised, files written, the rule's source).

Extend `DOCUMENTED` as more of the package is brought up to this standard.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "perp_graph"

#: Packages (every module in them) and modules held to the standard: all of perp_graph.
DOCUMENTED = (".",)  # the whole package


def modules() -> list[Path]:
    found: list[Path] = []
    for entry in DOCUMENTED:
        path = PACKAGE / entry
        found.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return found


def public_definitions(path: Path) -> Iterator[tuple[str, ast.AST]]:
    """(qualified name, node) of every public module-level function and class, and every
    public method of a public class; names starting with _ are private."""

    def visit(body: list[ast.stmt], prefix: str) -> Iterator[tuple[str, ast.AST]]:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                if node.name.startswith("_"):
                    continue
                yield prefix + node.name, node
                if isinstance(node, ast.ClassDef):
                    yield from visit(node.body, f"{prefix}{node.name}.")

    yield from visit(ast.parse(path.read_text(encoding="utf-8")).body, "")


def test_the_documented_modules_exist():
    for entry in DOCUMENTED:
        assert (PACKAGE / entry).exists(), entry


def test_every_public_definition_has_a_docstring():
    missing = [
        f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {name}"
        for path in modules()
        for name, node in public_definitions(path)
        if ast.get_docstring(node) is None
    ]
    assert missing == [], f"{len(missing)} public definitions without a docstring"


def test_the_count_sees_definitions():
    counted = sum(1 for path in modules() for _ in public_definitions(path))
    assert counted > 200
