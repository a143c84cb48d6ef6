"""The package's shape, drawn from its own imports: stages import only downward, no cycles, no shims.

Layers, bottom to top (a module may import its own layer's other stages only where no cycle results):
shared words and errors → load → profiling, losses → advice → report, trials, checks, doctor → cli.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lossadvisor"

LAYERS = {  # stage (first name under lossadvisor) → layer; higher layers import lower ones
    "errors": 0, "vocabulary": 0, "class_weights": 0, "config_files": 0, "text_decoding": 0, "contracts": 0,
    "schemas": 0,
    "load": 1, "csv_arrow": 1,
    "profiling": 2, "losses": 2,
    "advice": 3,
    "report": 4, "trials": 4, "checks": 4, "doctor": 4,
    "cli": 5, "evidence": 5,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(tree: ast.Module) -> list[tuple[str, str | None]]:
    """(module, name) for every ``from lossadvisor... import name`` and ``import lossadvisor...``, at any depth."""
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.startswith("lossadvisor"):
            found.extend((node.module, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend((alias.name, None) for alias in node.names if alias.name.startswith("lossadvisor"))
    return found


def _defined(tree: ast.Module) -> set[str]:
    """Names a module defines at top level (functions, classes, assignments, including under if/try)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node in tree.body:
            names.add(node.name)
    for node in tree.body:
        for sub in ast.walk(node) if isinstance(node, (ast.If, ast.Try)) else [node]:
            if isinstance(sub, (ast.FunctionDef, ast.ClassDef)):
                names.add(sub.name)
            elif isinstance(sub, ast.Assign):
                names.update(n.id for t in sub.targets for n in ast.walk(t) if isinstance(n, ast.Name))
            elif isinstance(sub, ast.AnnAssign) and isinstance(sub.target, ast.Name):
                names.add(sub.target.id)
    return names


def _target(module: str, name: str | None) -> str:
    """The module an import reads: ``from pkg import submodule`` reads the submodule."""
    if name is not None and f"{module}.{name}" in MODULES:
        return f"{module}.{name}"
    return module


def _edges() -> dict[str, set[str]]:
    return {name: {_target(m, n) for m, n in _imports(tree)} - {name} for name, tree in TREES.items()}


def test_every_stage_is_placed_in_a_layer() -> None:
    stages = {_stage(m) for m in MODULES} - {""}
    assert stages <= set(LAYERS), f"modules outside the known stages: {sorted(stages - set(LAYERS))}"


def test_stages_import_only_downward() -> None:
    upward = [f"{a} → {b}" for a, targets in _edges().items() for b in targets
              if _stage(a) and _stage(b) and LAYERS[_stage(b)] > LAYERS[_stage(a)]]
    assert upward == []


def test_no_import_cycles() -> None:
    edges = _edges()
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if nxt not in MODULES:
                continue
            if state.get(nxt) == 1:
                cycles.append(" → ".join(path[path.index(nxt):] + [nxt]) if nxt in path else f"{node} → {nxt}")
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for module in sorted(MODULES):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "lossadvisor"))
def test_names_are_imported_from_the_module_that_defines_them(module: str) -> None:
    wrong = []
    for source, name in _imports(TREES[module]):
        if name is None or source not in TREES or f"{source}.{name}" in MODULES:
            continue
        if name not in _defined(TREES[source]):
            wrong.append(f"{name} from {source}")
    assert wrong == [], f"{module} imports names their modules only re-export"


def test_no_module_only_re_exports() -> None:
    """A module of imports and nothing else is a shim; package __init__ files hold a docstring only."""
    shims = []
    for name, tree in TREES.items():
        body = [n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
        imports = [n for n in body if isinstance(n, (ast.Import, ast.ImportFrom))]
        if MODULES[name].name == "__init__.py" and name != "lossadvisor":
            if any(not (isinstance(n, ast.ImportFrom) and n.module == "__future__") for n in body):
                shims.append(f"{name} (a package __init__ with code)")
        elif imports and len(imports) == len(body):
            shims.append(name)
    assert shims == []


def test_no_two_modules_share_a_file_name() -> None:
    seen: dict[str, str] = {}
    clashes = []
    for name, path in MODULES.items():
        if path.name == "__init__.py":
            continue
        if path.name in seen:
            clashes.append(f"{seen[path.name]} and {name}")
        seen[path.name] = name
    assert clashes == []


def test_all_lists_only_names_the_module_defines() -> None:
    """``__all__`` that names an imported name advertises a re-export (the old split modules did)."""
    foreign = []
    for name, tree in TREES.items():
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
                listed = [e.value for e in getattr(node.value, "elts", []) if isinstance(e, ast.Constant)]
                foreign += [f"{name}.{item}" for item in listed if item not in _defined(tree) and item != "__version__"]
    assert foreign == []
