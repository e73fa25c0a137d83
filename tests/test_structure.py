"""The shape of the package: every module imports, no import cycles, one spelling of the role groups.

The import graph is read from the source with ``ast`` and includes the imports written inside functions, so
that an import moved into a function to dodge a cycle still counts as the cycle it is."""

import ast
import importlib
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "myportal"

# (importer, imported) edges still allowed in a cycle, each with the change that removes it. An entry that no
# longer closes a cycle fails the test: delete it.
TOLERATED: set[tuple[str, str]] = set()


def module_files() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


MODULES = module_files()


def imported_modules(name: str, path: Path) -> set[str]:
    """The myportal modules that ``name`` imports anywhere in its source (its own parent packages aside:
    Python has run them before it)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                targets.add(submodule if submodule in MODULES else source)
    return {target for target in targets if target in MODULES and target != name and not name.startswith(target + ".")}


def import_graph() -> dict[str, set[str]]:
    return {name: imported_modules(name, path) for name, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each as a sorted list."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_imports(name):
    importlib.import_module(name)


def test_no_import_cycles():
    graph = import_graph()
    for importer, imported in TOLERATED:
        assert imported in graph[importer], f"{importer} no longer imports {imported}: remove it from TOLERATED"
    tolerated_cycles = cycles(graph)
    for importer, imported in TOLERATED:
        graph[importer].discard(imported)
    remaining = cycles(graph)
    assert remaining == [], "import cycles: " + "; ".join(" ↔ ".join(component) for component in remaining)
    for importer, imported in TOLERATED:
        assert any({importer, imported} <= set(component) for component in tolerated_cycles), (
            f"{importer} → {imported} closes no cycle any more: remove it from TOLERATED"
        )


def test_cycle_detection_sees_imports_inside_functions():
    graph = {"a": {"b"}, "b": {"a"}, "c": {"a"}}
    assert cycles(graph) == [["a", "b"]]


ROLE = r"""\s*["'](?:operator|operator_admin|support|admin)["']\s*"""
ROLE_TUPLE = re.compile(rf"\({ROLE}(?:,{ROLE})+,?\s*\)")
# security.access names the groups; operators.models lists every role once, as the domain of User.role.
ROLE_HOMES = {"myportal.security.access", "myportal.operators.models"}


def test_role_groups_are_spelt_only_in_security_access():
    """Who may do what is named with security.access (OPERATOR, OPERATOR_ADMIN, STAFF, ADMIN), never
    re-spelt as a tuple of role names. The home tiles move to myportal/home/ with their own change."""
    copies = [
        f"{name}:{source.count(chr(10), 0, match.start()) + 1}"
        for name, path in MODULES.items()
        if name not in ROLE_HOMES and not name.endswith(".tiles")
        for source in [path.read_text(encoding="utf-8")]
        for match in ROLE_TUPLE.finditer(source)
    ]
    assert copies == []
