"""The layers point one way (guide/architecture.md): read from the source with ast, so a
lazy import inside a function counts as much as one at the top of a module.

Bottom to top: the base (contract, settings, model and their helpers), then identity,
analytics, pipeline and store, then render, then api, cli and serve. The generator
(synth*) is a tool that uses the library, never a part of it.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "perp_graph"

#: The bottom layer: these import nothing but each other.
BASE = {
    "contract",
    "settings",
    "model",
    "dataset",
    "errors",
    "frames",
    "placeholders",
    "pnc",
    "progress",
    "output",
    "workspace",
    "audit",
    "wording",
    "names",
}
#: The entry points and what only they may use.
TOP = {"api", "cli", "serve"}
GENERATOR = {"synth", "synth_duplicates"}


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    path = PACKAGE.joinpath(*dotted.split(".")) if dotted else PACKAGE
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


@cache
def imports() -> dict[str, frozenset[str]]:
    """Module (dotted, under perp_graph, "" for the package) -> the package's modules it
    imports anywhere in its source."""
    graph: dict[str, frozenset[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path}: use absolute imports"
                base = node.module or ""
                # `from perp_graph.store import cypher` imports a module; `from perp_graph
                # import __version__` imports a name of the package.
                names = [
                    f"{base}.{alias.name}" if _is_module(_inner(f"{base}.{alias.name}")) else base
                    for alias in node.names
                ]
            else:
                continue
            found.update(_inner(n) for n in names if n.split(".")[0] == "perp_graph")
        graph[_name(path)] = frozenset(found)
    return graph


def _inner(dotted: str) -> str:
    return dotted.removeprefix("perp_graph").removeprefix(".")


def _layer(module: str) -> str:
    return module.split(".")[0]


def violations(sources: set[str], forbidden: set[str]) -> list[str]:
    """`importer -> imported` for every module in a layer of `sources` that imports one
    in a layer of `forbidden`."""
    return sorted(
        f"{module} -> {target}"
        for module, targets in imports().items()
        if _layer(module) in sources
        for target in targets
        if _layer(target) in forbidden
    )


def test_the_import_graph_is_read():
    graph = imports()
    assert "settings" in graph["pipeline.load"]
    assert "store.cypher" in graph["store.neo4j"]
    assert "contract" in graph["dataset"]


def test_the_base_imports_nothing_above_it():
    """contract, settings, model and their helpers import only each other."""
    above = {_layer(m) for m in imports()} - BASE - {""}
    assert violations(BASE, above) == []


def test_services_and_stores_never_import_renderers_or_entry_points():
    assert violations({"analytics", "pipeline", "store", "identity"}, {"render", *TOP}) == []


def test_analytics_reads_data_never_the_pipeline_or_a_store():
    assert violations({"analytics"}, {"pipeline", "store", "identity"}) == []


def test_renderers_never_import_stores_identity_or_entry_points():
    assert violations({"render"}, {"store", "identity", *TOP}) == []


def test_jobs_and_the_session_never_import_the_entry_points():
    """The jobs (perp_graph.jobs) and their Session serve api and cli, never the reverse."""
    assert violations({"jobs", "session"}, {"api", "cli", "serve"}) == []


def test_only_the_entry_points_import_the_entry_points():
    library = {_layer(m) for m in imports()} - {"cli"}
    assert violations(library - {"api"}, {"api", "cli"}) == []
    assert violations({"api"}, {"cli"}) == []


def test_the_library_never_imports_the_generator():
    library = BASE | {"analytics", "pipeline", "store", "render"}
    assert violations(library, GENERATOR) == []


def test_identity_never_imports_the_generator():
    assert violations({"identity"}, GENERATOR) == []
