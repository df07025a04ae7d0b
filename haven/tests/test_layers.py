"""The layers of DESIGN.md, checked on the import statements of every module.

- ``lib`` and ``audit`` know no domain app, and ``lib`` has no import cycle;
- ``people`` is the base: it imports none of cases, incidents, sources, search;
- interface modules (views, commands) import actions and selectors, never another
  app's views.
"""

from __future__ import annotations

import ast
from pathlib import Path

HAVEN = Path(__file__).resolve().parents[1]
DOMAIN = {"people", "cases", "incidents", "sources", "search", "locations", "vocab", "records"}


def _modules():
    for path in sorted(HAVEN.rglob("*.py")):
        parts = path.relative_to(HAVEN).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield path, parts


def _imports(path: Path) -> set[str]:
    """Every ``haven.*`` module the file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("haven"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("haven"))
    return found


def _app(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_no_module_imports_another_apps_views():
    wrong = []
    for path, parts in _modules():
        for module in _imports(path):
            bits = module.split(".")
            if "views" in bits[2:3] and bits[1] != parts[0]:
                wrong.append(f"{'/'.join(parts)} imports {module}")
    assert not wrong, wrong


def test_lib_and_audit_know_no_domain():
    wrong = []
    for path, parts in _modules():
        if parts[0] not in ("lib", "audit"):
            continue
        for module in _imports(path):
            if _app(module) in DOMAIN:
                wrong.append(f"{'/'.join(parts)} imports {module}")
    assert not wrong, wrong


def test_people_is_the_base():
    wrong = []
    for path, parts in _modules():
        if parts[0] != "people":
            continue
        for module in _imports(path):
            if _app(module) in {"cases", "incidents", "sources", "search"}:
                wrong.append(f"{'/'.join(parts)} imports {module}")
    assert not wrong, wrong


def test_lib_has_no_import_cycle():
    graph: dict[str, set[str]] = {}
    for path, parts in _modules():
        if parts[0] != "lib":
            continue
        name = f"haven.lib.{path.stem}"
        graph[name] = {m for m in _imports(path) if m in _lib_names()} - {name}

    def visit(node, trail):
        if node in trail:
            raise AssertionError(" -> ".join([*trail[trail.index(node) :], node]))
        for nxt in graph.get(node, ()):
            visit(nxt, [*trail, node])

    for node in graph:
        visit(node, [])


def _lib_names() -> set[str]:
    return {f"haven.lib.{p.stem}" for p in (HAVEN / "lib").glob("*.py")}


def test_the_check_sees_imports_inside_functions(tmp_path):
    """The old cycle (names <-> normalize) hid its import inside a function."""
    source = tmp_path / "sample.py"
    source.write_text("def f():\n    from haven.lib.names import name_terms\n", encoding="utf-8")
    assert "haven.lib.names" in _imports(source)
