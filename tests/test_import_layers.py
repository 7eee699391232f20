"""Imports point one way (design.md §1): views -> the Rulebook -> evaluation -> loaded data -> models -> base.

Every module of the package is parsed with `ast`; every import in it counts (at the top, inside a function, or
under `if TYPE_CHECKING:`). A module may import its own layer or a lower one, never a higher one, and no
module may reach itself again through imports (no circle, whichever layers).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import chipcontrol

PACKAGE = Path(chipcontrol.__file__).parent

#: The layers, lowest first. A module is named relative to the package; a subpackage's name covers its modules.
LAYERS: list[tuple[str, set[str]]] = [
    ("base", {"errors", "provenance", "names", "resources", "presentation", "version"}),
    ("model", {"chips", "parties", "countries", "rules", "sources", "order", "conditions", "facts", "verdict",
               "timeline", "files", "satisfiable"}),
    ("data", {"loader", "screening", "ownership", "resolution", "rulebook_data", "knowledge"}),
    ("evaluation", {"durable_compiler", "durable_engine", "engines", "decision", "evaluation", "order_table", "screen",
                    "certificate", "counterfactual", "rulebook_diff"}),
    ("rulebook", {"rulebook"}),
    ("views", {"__init__", "render_text", "render_html", "render_report", "plot", "cli", "screen_cli", "lint", "dask",
               "testing", "boundaries", "rule_coverage", "audit_cli", "rule_examples", "testing_cli", "service"}),
]
RANK = {module: rank for rank, (_, modules) in enumerate(LAYERS) for module in modules}


def module_name(path: Path) -> str:
    """'evaluation.pipeline' for src/chipcontrol/evaluation/pipeline.py; '__init__' for the package itself."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int | None:
    """The rank of a module's layer: its own entry, else its subpackage's."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        rank = RANK.get(".".join(parts[:n]))
        if rank is not None:
            return rank
    return None


def imports_of(path: Path, module: str) -> list[tuple[int, str]]:
    """(line, imported module of the package) for every import statement anywhere in the file."""
    is_package = path.name == "__init__.py"
    package_parts = ([] if module == "__init__" else module.split(".")) if is_package else module.split(".")[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "chipcontrol" or alias.name.startswith("chipcontrol."):
                    out.append((node.lineno, alias.name.removeprefix("chipcontrol").lstrip(".") or "__init__"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - (node.level - 1)] if node.level > 1 else package_parts
                target = [*base, *(node.module.split(".") if node.module else [])]
            elif node.module and (node.module == "chipcontrol" or node.module.startswith("chipcontrol.")):
                target = node.module.split(".")[1:]
            else:
                continue
            for alias in node.names:  # `from . import x` imports the module x when there is one
                candidate = [*target, alias.name]
                exists = (PACKAGE.joinpath(*candidate).with_suffix(".py").is_file()
                          or (PACKAGE.joinpath(*candidate) / "__init__.py").is_file())
                name = ".".join(candidate if exists else target)
                out.append((node.lineno, name or "__init__"))
    return out


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def upward_imports() -> list[str]:
    """Every import of a higher layer, as 'file:line: module (layer) imports module (layer)'."""
    problems = []
    names = LAYERS
    for module, path in modules().items():
        own = layer_of(module)
        if own is None:
            continue
        for line, target in imports_of(path, module):
            rank = layer_of(target)
            if rank is not None and rank > own:
                problems.append(f"{path.relative_to(PACKAGE)}:{line}: {module} ({names[own][0]}) imports {target} ({names[rank][0]})")
    return problems


def circles() -> list[list[str]]:
    """Import circles among the package's modules (each as the modules on it)."""
    graph = {m: {t for _, t in imports_of(p, m) if t != m} for m, p in modules().items()}
    graph["__init__"] = set()  # the package itself imports everything; `from . import x` targets x, not it
    found, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return found


def test_every_module_has_a_layer():
    unplaced = sorted(m for m in modules() if layer_of(m) is None)
    assert not unplaced, f"add these modules to a layer in tests/test_import_layers.py: {unplaced}"


def test_no_module_imports_a_higher_layer():
    problems = upward_imports()
    assert not problems, "imports that point up:\n" + "\n".join(problems)


def test_no_import_circles():
    found = circles()
    assert not found, "import circles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_the_checker_sees_imports_inside_functions_and_relative_ones(tmp_path, monkeypatch):
    """The parser finds an upward import hidden in a function, and resolves `..` and `from . import x`."""
    fake = tmp_path / "chipcontrol"
    (fake / "evaluation").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "verdict.py").write_text("def to_text(v):\n    from .render_text import verdict_text\n    return verdict_text(v)\n")
    (fake / "render_text.py").write_text("from . import verdict\n")
    (fake / "evaluation" / "__init__.py").write_text("")
    (fake / "evaluation" / "pipeline.py").write_text("from ..rulebook import Rulebook\nfrom . import columnar\n")
    (fake / "evaluation" / "columnar.py").write_text("")
    (fake / "rulebook.py").write_text("from .evaluation import pipeline\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert imports_of(fake / "verdict.py", "verdict") == [(2, "render_text")]
    assert imports_of(fake / "evaluation" / "pipeline.py", "evaluation.pipeline") == [(1, "rulebook"), (2, "evaluation.columnar")]
    problems = upward_imports()
    assert problems == [
        "evaluation/pipeline.py:1: evaluation.pipeline (evaluation) imports rulebook (rulebook)",
        "verdict.py:2: verdict (model) imports render_text (views)",
    ]
    assert ["evaluation.pipeline", "rulebook", "evaluation.pipeline"] in circles()


@pytest.mark.parametrize("module", ["verdict", "timeline", "decision", "engines", "rulebook_data", "evaluation.pipeline"])
def test_core_modules_are_placed_below_the_rulebook(module):
    assert layer_of(module) < RANK["rulebook"] < RANK["cli"]
