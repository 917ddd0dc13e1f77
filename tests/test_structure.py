"""The project's structural rules (ARCHITECTURE.md, issue 9 "One way to do each thing"), checked on
the source itself so that a new app cannot drift from them unnoticed."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

SOURCE = Path(__file__).resolve().parent.parent / "htxconnect"


def _modules():
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(SOURCE.parent)}:{node.lineno}"


# --- Settings are read once, in settings.py -----------------------------------------------------------


def test_no_setting_has_a_second_default_outside_settings_py():
    """`getattr(settings, "X", default)` writes X's default a second time; settings.py is the one place."""
    found = [
        _where(path, node)
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
        and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id == "settings"
    ]
    assert found == []


def test_every_setting_the_code_reads_is_defined():
    """Each `settings.NAME` the code reads exists (Django's own default or htxconnect/settings.py),
    so reading it plainly can never hit a missing attribute in some environment."""
    names = {}
    for path, tree in _modules():
        if path.name == "settings.py":
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id == "settings" and node.attr.isupper()):
                names.setdefault(node.attr, _where(path, node))
    assert names, "the walk found no settings at all: the test would prove nothing"
    missing = {name: where for name, where in names.items() if not hasattr(settings, name)}
    assert missing == {}
