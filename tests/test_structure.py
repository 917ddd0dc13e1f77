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


# --- Dependencies --------------------------------------------------------------------------------------

ROOT = SOURCE.parent


def _pyproject():
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _name(requirement: str) -> str:
    import re

    return re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _imported_top_level_names() -> set[str]:
    names = set()
    for path in [*SOURCE.rglob("*.py"), *(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def test_every_imported_distribution_is_declared():
    """A package the code imports is asked for by pyproject.toml, not present by luck (Pillow came
    only through reportlab)."""
    from importlib.metadata import packages_distributions

    project = _pyproject()
    declared = {_name(r) for r in project["dependencies"]}
    declared |= {_name(r) for extra in project["optional-dependencies"].values() for r in extra}
    distributions = packages_distributions()
    imported = {}
    for module in _imported_top_level_names():
        for dist in distributions.get(module, []):
            imported.setdefault(dist.lower().replace("_", "-"), module)
    # pytest's plugins and Django's own parts arrive with the declared distributions.
    assert "pillow" in imported, "the walk must see `from PIL import Image`"
    undeclared = {dist: module for dist, module in imported.items() if dist not in declared | {"htxconnect"}}
    assert undeclared == {}


def test_unused_or_duplicated_dependencies_are_gone():
    """jsonschema-rs validates EPCIS documents (no pure-Python fallback); no test uses factories."""
    project = _pyproject()
    asked = {_name(r) for r in project["dependencies"]} | {
        _name(r) for extra in project["optional-dependencies"].values() for r in extra}
    assert "jsonschema-rs" in asked
    assert not {"jsonschema", "factory-boy"} & asked
    imported = _imported_top_level_names()
    assert "jsonschema_rs" in imported
    assert not {"jsonschema", "factory"} & imported


def test_vietnamadminunits_is_bounded_and_what_we_rely_on_is_there():
    """core.adminunits reads the library's data file and replaces two of its functions, so the
    version is bounded above; an upgrade inside the bound that moves either fails here."""
    (requirement,) = [r for r in _pyproject()["dependencies"] if _name(r) == "vietnamadminunits"]
    assert any(op in requirement for op in ("<", "==", "~=")), requirement

    import sqlite3

    from htxconnect.core import adminunits

    adminunits.convert_legacy_address("x")  # loads the parser, which installs the offline stand-ins
    from vietnamadminunits.converter import converter_2025
    from vietnamadminunits.parser import utils as parser_utils

    assert parser_utils.get_geo_location is adminunits._no_online_geocoding
    assert converter_2025.get_geo_location is adminunits._no_online_geocoding
    with sqlite3.connect(adminunits._data_dir() / "dataset.db") as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"admin_units", "admin_units_legacy"} <= tables


def test_lock_file_holds_only_what_pyproject_asks_for():
    """Every pinned package in requirements.lock is there "via" pyproject.toml or another pinned
    package (what `make lock` writes), and every requirement of pyproject.toml is pinned."""
    import re

    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pinned, via = {}, {}
    current = None
    for line in text.splitlines():
        if match := re.match(r"^([A-Za-z0-9_.\-\[\]]+)==(\S+)", line):
            current = _name(match.group(1))
            pinned[current] = match.group(2)
            via[current] = set()
        elif current and (match := re.match(r"^\s+#\s+(?:via\s+)?(\S.*)$", line)):
            source = match.group(1).strip()
            if source != "via":
                via[current].add("pyproject" if "pyproject.toml" in source else _name(source))
    project = _pyproject()
    asked = {_name(r) for r in project["dependencies"]}
    asked |= {_name(r) for r in project["optional-dependencies"]["test"]}
    assert asked <= set(pinned), asked - set(pinned)
    for name, sources in via.items():
        assert sources, f"{name} is pinned without a reason"
        assert sources <= set(pinned) | {"pyproject"}, (name, sources)
        if "pyproject" in sources:
            assert name in asked, f"{name} claims pyproject.toml but pyproject.toml does not ask for it"


# --- Import layers ---------------------------------------------------------------------------------------


def _contract_layers() -> list[str]:
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter", encoding="utf-8")
    layers = config["importlinter:contract:layers"]["layers"]
    return [name.strip(" ()") for line in layers.splitlines() for name in line.split("|") if name.strip()]


def test_import_layers_hold():
    """`lint-imports` (what `make test` runs first) keeps the contract in .importlinter."""
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / ".importlinter"), no_cache=True, no_logo=True) == 0


def test_every_app_is_in_a_layer():
    """A new app cannot escape the contract: each project app is placed in .importlinter, as are
    the apps the issues plan (programs, events, market, reports, portal)."""
    apps = {name for name in settings.INSTALLED_APPS if name.startswith("htxconnect.")}
    layers = _contract_layers()
    assert apps <= set(layers), apps - set(layers)
    planned = {f"htxconnect.{name}" for name in ("programs", "events", "market", "reports", "portal")}
    assert planned <= set(layers)
    # The order ARCHITECTURE.md gives: core <- accounts <- registry <- trace <- resolver, api on top.
    order = [layers.index(f"htxconnect.{name}") for name in ("api", "resolver", "trace", "registry", "accounts", "core")]
    assert order == sorted(order)


def test_no_import_cycles_between_project_modules():
    """Not even through imports inside functions (which import-linter's layers cannot see within
    one app): a lower module reaches a higher one through a hook registered in ready()."""
    import grimp

    graph = grimp.build_graph("htxconnect", include_external_packages=False, cache_dir=None)
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if module < imported and graph.chain_exists(importer=imported, imported=module):
                cycles.append(graph.find_shortest_chain(importer=imported, imported=module) + (imported,))
    assert cycles == []


# --- Every record type has a Vietnamese name ------------------------------------------------------------


def test_every_model_names_itself_for_the_reader():
    """The audit log's "object type" filter and its rows show a model's verbose_name: one left to
    Django's default is the English class name ("Disbursement", "Scan"). Each model sets its own."""
    from django.apps import apps
    from django.utils.text import camel_case_to_spaces

    unnamed = [model._meta.label for model in apps.get_models()
               if model.__module__.startswith("htxconnect.")
               and str(model._meta.verbose_name) == camel_case_to_spaces(model.__name__)]
    assert unnamed == []
