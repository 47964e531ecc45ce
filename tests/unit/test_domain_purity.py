"""The domain stays pure: no I/O, clock, environment, randomness or outer layer.

Checked on the source (AST), so a forbidden import fails here even if no test reaches it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import timeline.domain

DOMAIN = Path(timeline.domain.__file__).parent
MODULES = sorted(DOMAIN.rglob("*.py"))

FORBIDDEN_IMPORTS = (
    "timeline.application",
    "timeline.store",
    "timeline.api",
    "timeline.cli",
    "timeline.bootstrap",
    "timeline.config",
    "sqlalchemy",
    "strawberry",
    "starlette",
    "os",
    "sys",
    "time",
    "io",
    "pathlib",
    "socket",
    "random",
    "secrets",
    "logging",
)
# Reading the clock, the environment or a random source, by whatever import path.
FORBIDDEN_CALLS = frozenset(
    {"now", "today", "utcnow", "uuid1", "uuid4", "getenv", "environ", "open"}
)


def imported_modules(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not _only_struct_time(node):
            names.add(node.module)
    return names


def _only_struct_time(node: ast.ImportFrom) -> bool:
    # struct_time is the type edtf hands back; the time module's clock stays out.
    return node.module == "time" and {alias.name for alias in node.names} == {"struct_time"}


def called_names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                names.add(func.attr)
            elif isinstance(func, ast.Name):
                names.add(func.id)
        elif isinstance(node, ast.Attribute) and node.attr == "environ":
            names.add(node.attr)
    return names


def test_the_domain_has_modules_to_check() -> None:
    assert {path.name for path in MODULES} >= {"dates.py", "quantities.py", "decisions.py"}


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_no_outer_layer_or_io_is_imported(path: Path) -> None:
    modules = imported_modules(ast.parse(path.read_text(encoding="utf-8")))
    bad = {m for m in modules for f in FORBIDDEN_IMPORTS if m == f or m.startswith(f + ".")}
    assert bad == set()


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_no_clock_environment_or_randomness_is_read(path: Path) -> None:
    calls = called_names(ast.parse(path.read_text(encoding="utf-8")))
    assert calls & FORBIDDEN_CALLS == set()


def test_the_checks_catch_what_they_look_for() -> None:
    tree = ast.parse(
        "import os\nfrom time import monotonic\nfrom timeline.store.codec import encode\n"
        "x = dt.date.today()"
    )
    assert {"os", "time", "timeline.store.codec"} <= imported_modules(tree)
    assert imported_modules(ast.parse("from time import struct_time")) == set()
    assert "today" in called_names(tree)
