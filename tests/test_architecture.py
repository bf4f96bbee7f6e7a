"""The layout is the architecture: lower layers never import higher ones, and no module
imports itself round a circle.  Read from the source with ``ast`` (no import is executed)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "complaintctl"

# Lowest first.  A module may import its own layer and the ones before it.  reports and
# transfer are siblings in docs/architecture.md; transfer may read display values of reports.
LAYERS = ("domain", "time", "sla", "store", "workflow", "reports", "transfer", "cli")


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    """module -> the package modules it imports anywhere (top level, functions and
    TYPE_CHECKING blocks alike: a circle drawn only for the type checker is still a circle)."""
    modules = {_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{name}: relative import"
                base = node.module or ""
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.add(full if full in modules else base)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS) else None


def test_every_module_lives_in_a_layer() -> None:
    loose = [
        m
        for m in _graph()
        if _layer(m) is None and m not in ("complaintctl", "complaintctl.__main__")
    ]
    assert loose == [], f"modules outside the layer packages: {loose}"
    assert sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__" and (p / "__init__.py").exists()) == sorted(LAYERS)  # fmt: skip


def upward(graph: dict[str, set[str]]) -> list[str]:
    """The imports that run up the layers."""
    wrong = []
    for module, targets in graph.items():
        here = _layer(module)
        for target in targets:
            there = _layer(target)
            if here is not None and there is not None and LAYERS.index(there) > LAYERS.index(here):
                wrong.append(f"{module} -> {target}")
    return sorted(wrong)


def circles(graph: dict[str, set[str]]) -> list[str]:
    """Every circle a depth-first walk meets, as ``a -> b -> a``."""
    found: list[str] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append(" -> ".join([*stack[stack.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_lower_layers_never_import_higher_ones() -> None:
    assert upward(_graph()) == []


def test_no_import_circles() -> None:
    assert circles(_graph()) == []


def test_the_checks_can_fail() -> None:
    """An arrow back up from the core into the CLI, and a circle drawn only for the type
    checker, are both caught."""
    graph = {
        "complaintctl.reports.digest_text": {"complaintctl.cli.render"},
        "complaintctl.cli.render": {"complaintctl.domain.vocab"},
        "complaintctl.store.bulk": {"complaintctl.store.ledger"},
        "complaintctl.store.ledger": {"complaintctl.store.bulk"},
        "complaintctl.domain.vocab": set(),
    }
    assert upward(graph) == ["complaintctl.reports.digest_text -> complaintctl.cli.render"]
    assert circles(graph) == [
        "complaintctl.store.bulk -> complaintctl.store.ledger -> complaintctl.store.bulk"
    ]


def test_the_graph_reads_function_and_type_checking_imports() -> None:
    graph = _graph()
    # bulk names the Writer only for the type checker; that arrow is still seen
    assert "complaintctl.store.ledger" in graph["complaintctl.store.bulk"]
    assert "complaintctl.cli.render" in graph["complaintctl.cli.report_cmd"]
