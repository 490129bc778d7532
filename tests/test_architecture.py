"""The parts and which way they depend (README, "How it is built"), read from the imports.

Every import counts, those inside functions too: an import put off to run time to dodge
a circle is still a circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("digitize", "config", "models", "storage", "service", "workers", "api", "web", "cli")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> Iterator[str]:
    """The project's modules `name` imports (a package's `__init__` for `from p import x`
    only where x is no module of its own)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


GRAPH = {name: set(_imports(name, path)) for name, path in MODULES.items()}


def _cycle_from(start: str) -> list[str] | None:
    """A path of imports from `start` back to it, if there is one."""
    stack = [(start, [start])]
    seen = set()
    while stack:
        node, path = stack.pop()
        for target in sorted(GRAPH[node]):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return None


def test_no_module_imports_itself_through_others() -> None:
    cycles = {" -> ".join(c) for name in GRAPH if (c := _cycle_from(name)) is not None}
    assert not cycles


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        # The library: no web, queue, database or service settings.
        ("digitize", {"config", "models", "storage", "service", "workers", "api", "cli"}),
        ("models", {"service", "workers", "api", "cli"}),
        ("service", {"workers", "api", "web", "cli"}),
        ("workers", {"api", "cli"}),
        ("api", {"cli"}),
        ("web", {"cli"}),
    ],
)
def test_parts_depend_inwards_only(package: str, forbidden: set[str]) -> None:
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        if name.split(".")[0] == package
        for target in targets
        if target.split(".")[0] in forbidden
    )
    assert not wrong


def test_the_library_imports_no_service_tooling() -> None:
    tooling = ("sqlalchemy", "fastapi", "rq", "redis", "pydantic_settings", "alembic")
    wrong = []
    for name, path in MODULES.items():
        if name.split(".")[0] != "digitize":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            wrong += [f"{name}: {m}" for m in modules if m.split(".")[0] in tooling]
    assert not wrong


def test_routes_and_jobs_leave_transactions_to_the_use_cases() -> None:
    """Who opens the transaction: the use case (service/usecases.py, the processing steps),
    never a route or a job."""
    wrong = [
        name
        for name, path in MODULES.items()
        if name.split(".")[0] in ("api", "web", "workers") and "writes.begin(" in path.read_text()
    ]
    assert not wrong


# What routes call to read: queries on the caller's session, which never write.
READ_MODULES = ("service.queries", "service.citizens")


def test_reads_open_no_transaction() -> None:
    """A read that must also write (an audit line for a citizen's data read or refused)
    is a use case, which opens the transaction, not a query helper."""
    wrong = [name for name in READ_MODULES if "writes.begin(" in MODULES[name].read_text()]
    assert not wrong


def test_no_route_reaches_into_the_queue_steps() -> None:
    wrong = [
        name
        for name, targets in GRAPH.items()
        if name.startswith("api.") and "service.processing" in targets
    ]
    assert not wrong
