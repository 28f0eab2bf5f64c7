"""Architecture contract: the modules of ``pipeline/`` import one another without cycles.

Every ``import`` counts, at module level and inside functions (an import inside a function only
hides a cycle, it does not remove it). ``from pkg import name`` counts as importing
``pkg.name`` when that is a module, else ``pkg``. A package's ``__init__`` importing its own
submodules counts like any other edge. ``pipeline/review/migrations`` (Alembic scripts, run by
Alembic, not imported) is left out.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "pipeline"
IGNORE = ("pipeline.review.migrations",)


def _modules() -> dict[str, Path]:
    mods = {}
    for p in sorted(PKG.rglob("*.py")):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        name = ".".join(parts)
        if any(name == i or name.startswith(i + ".") for i in IGNORE):
            continue
        mods[name] = p
    return mods


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def import_graph() -> dict[str, dict[str, list[str]]]:
    """``{module: {imported module: ["path:line: import text", ...]}}`` over ``pipeline``'s modules."""
    mods = _modules()
    graph: dict[str, dict[str, list[str]]] = {m: {} for m in mods}

    def target(name: str) -> str | None:
        # The innermost module of ``pipeline`` that ``name`` names (``a.b.c`` -> ``a.b`` when c is not a module).
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    for mod, path in mods.items():
        package = mod if _is_package(path) else mod.rpartition(".")[0]
        src = path.read_text("utf-8")
        lines = src.splitlines()
        for node in ast.walk(ast.parse(src, str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    base_name = ".".join(base + ([node.module] if node.module else []))
                else:
                    base_name = node.module or ""
                for a in node.names:
                    sub = f"{base_name}.{a.name}"
                    names.append(sub if sub in mods else base_name)
            else:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}: {lines[node.lineno - 1].strip()}"
            for n in names:
                t = target(n) if n.startswith("pipeline") else None
                if t is None or t == mod:
                    continue
                graph[mod].setdefault(t, [])
                if where not in graph[mod][t]:
                    graph[mod][t].append(where)
    return graph


def strongly_connected(graph: dict[str, dict]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative), each sorted; only those of 2+ modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, {})))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return sorted(out)


def describe(graph, comp: list[str]) -> str:
    members = set(comp)
    lines = [f"cycle of {len(comp)} modules: {', '.join(comp)}"]
    for m in comp:
        for t, where in sorted(graph[m].items()):
            if t in members:
                kind = " (package __init__ importing its own submodule)" if t.startswith(m + ".") else ""
                lines.append(f"  {m} -> {t}{kind}")
                lines.extend(f"      {w}" for w in where)
    return "\n".join(lines)


def test_the_graph_sees_function_level_and_relative_imports():
    graph = import_graph()
    assert "pipeline.cli" in graph and "pipeline.review.migrations.env" not in graph
    # pipeline/ml/cli.py imports `from .. import evaluate` inside a function.
    assert "pipeline.evaluate" in graph["pipeline.ml.cli"]
    assert strongly_connected({"a": {"b": []}, "b": {"c": []}, "c": {"a": []}, "d": {"a": []}}) == [["a", "b", "c"]]


def test_no_import_cycles():
    graph = import_graph()
    cycles = strongly_connected(graph)
    assert not cycles, "import cycles in pipeline/:\n" + "\n".join(describe(graph, c) for c in cycles)
