"""No import cycles in the package: the import graph of `framing`, built from the source (imports
inside functions counted too, as they run sooner or later), has no strongly connected component
of more than one module.

    python tests/test_import_cycles.py      # prints the cycles, if any
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "framing"


def module_names(root: Path = PACKAGE) -> dict[str, Path]:
    """Dotted name -> source file of every module of the package (`framing` is its __init__)."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _base(module: str, path: Path, level: int, target: str | None) -> str:
    """The absolute name of a (possibly relative) `from ... import`'s module."""
    if not level:
        return target or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    parts = package[: len(package) - (level - 1)]
    return ".".join(parts + ([target] if target else []))


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """module -> the package's modules it imports (at the top or in a function body)."""
    modules = module_names(root)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            found: list[str] = []
            if isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _base(module, path, node.level, node.module)
                # `from pkg import sub` imports the submodule; `from pkg import name` the package
                found = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for name in found:
                while name and name not in modules:  # `import framing.io.runs as r`: the module itself
                    name = name.rpartition(".")[0]
                if name and name != module:
                    graph[module].add(name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def test_the_graph_sees_imports_inside_functions_and_relative_imports():
    graph = import_graph()
    assert "framing.api" in graph["framing"]  # top level
    assert "framing.report.render" in graph["framing.api"]  # inside `report()`
    assert "framing.cli.score" in graph["framing.cli"]  # `from . import score`: the submodule


def test_the_package_has_no_import_cycle():
    assert cycles(import_graph()) == []


def test_models_imports_nothing_of_the_package():
    # the data model every stage shares stays at the bottom of the graph (the one-way data flow)
    assert import_graph()["framing.models"] == set()


if __name__ == "__main__":
    found = cycles(import_graph())
    for component in found:
        print("cycle:", ", ".join(component))
    print(f"{len(found)} cycle(s)")
