"""The package's layout holds: layers import downward only (no cycle among topicslib's modules, the
package's __init__ included), and no module borrows another's private names."""

from __future__ import annotations

import ast
from pathlib import Path

import topicslib

PACKAGE = Path(topicslib.__file__).parent
# The compiled extensions are private to the one module that loads them.
ALLOWED_PRIVATE = {("native", "_scorer"), ("native", "_solver"), ("native", "_jsonl")}


def _imports() -> dict[str, set[tuple[str, str]]]:
    """Each module's relative imports, at any depth of its code, as (module imported, name imported)."""
    graph = {}
    for path in sorted(PACKAGE.glob("*.py")):
        module = path.stem
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                for alias in node.names:
                    found.add((node.module or alias.name, alias.name))
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "topicslib":
                found.add((node.module.split(".")[1] if "." in node.module else "__init__", "*"))
        graph[module] = {("__init__" if m == "topicslib" else m, n) for m, n in found}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 1:
                return path[path.index(n):] + [n]
            if n not in state and (found := visit(n)):
                return found
        state[m] = 2
        path.pop()
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_no_import_cycle_among_the_packages_modules():
    imports = _imports()
    modules = set(imports)
    graph = {m: {dep for dep, _ in deps if dep in modules} for m, deps in imports.items()}
    assert "__init__" not in {d for m, deps in graph.items() if m != "__init__" for d in deps}, \
        "a submodule imports the package's __init__"
    assert _cycle(graph) is None, f"import cycle: {' -> '.join(_cycle(graph))}"


def test_no_private_name_is_imported_from_another_module():
    borrowed = sorted((m, dep, name) for m, deps in _imports().items() for dep, name in deps
                      if name.startswith("_") and not name.startswith("__") and (m, name) not in ALLOWED_PRIVATE)
    assert borrowed == []


def test_the_checker_finds_a_cycle_and_a_private_name():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    assert ("_scorer", "_scorer") in _imports()["native"]  # what the allowance covers is really found


def test_every_module_says_what_lives_in_it():
    for path in PACKAGE.glob("*.py"):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc and len(doc) > 40, f"{path.name} has no opening docstring saying what it holds"
