"""CreateTrigramIndexIfPostgres: a trigram index on PostgreSQL, nothing on SQLite."""

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.state import ProjectState

from htxconnect.core.migration_ops import CreateTrigramIndexIfPostgres

OP = CreateTrigramIndexIfPostgres("auditentry", "object_repr", "core_test_objrepr_trgm")


def test_sql():
    assert OP.forward_sql("registry_organization", "search_text", "org_trgm") == [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        'CREATE INDEX IF NOT EXISTS "org_trgm" ON "registry_organization" USING gin ("search_text" gin_trgm_ops)',
    ]
    assert OP.backward_sql("org_trgm") == ['DROP INDEX IF EXISTS "org_trgm"']


def test_deconstruct_and_describe():
    name, args, kwargs = OP.deconstruct()
    assert name == "CreateTrigramIndexIfPostgres"
    assert CreateTrigramIndexIfPostgres(*args, **kwargs).index_name == "core_test_objrepr_trgm"
    assert "PostgreSQL only" in OP.describe()
    assert OP.migration_name_fragment == "trgm_core_test_objrepr_trgm"


def test_index_name_length_checked():
    with pytest.raises(ValueError):
        CreateTrigramIndexIfPostgres("m", "f", "x" * 64)


def test_state_unchanged():
    state = ProjectState.from_apps(django_apps)
    before = state.models["core", "auditentry"].options.get("indexes", [])
    OP.state_forwards("core", state)
    assert state.models["core", "auditentry"].options.get("indexes", []) == before


class RecordingEditor:
    def __init__(self, vendor):
        self.connection = type("C", (), {"vendor": vendor, "alias": "default"})()
        self.executed = []

    def execute(self, sql, params=()):
        self.executed.append(sql)

    def quote_name(self, name):
        return f'"{name}"'


def test_noop_on_other_databases():
    state = ProjectState.from_apps(django_apps)
    editor = RecordingEditor("sqlite")
    OP.database_forwards("core", editor, state, state)
    OP.database_backwards("core", editor, state, state)
    assert editor.executed == []


def test_statements_on_postgresql():
    state = ProjectState.from_apps(django_apps)
    editor = RecordingEditor("postgresql")
    OP.database_forwards("core", editor, state, state)
    assert editor.executed[0] == "CREATE EXTENSION IF NOT EXISTS pg_trgm"
    assert '"core_auditentry"' in editor.executed[1] and "gin_trgm_ops" in editor.executed[1]
    OP.database_backwards("core", editor, state, state)
    assert editor.executed[-1] == 'DROP INDEX IF EXISTS "core_test_objrepr_trgm"'


def _index_exists():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [OP.index_name])
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [OP.index_name])
        row = cursor.fetchone()
    return row[0] if row else None


@pytest.mark.django_db
def test_on_the_real_database():
    state = ProjectState.from_apps(django_apps)
    if connection.vendor == "postgresql":
        with connection.schema_editor(atomic=False) as editor:  # the test transaction rolls it back
            OP.database_forwards("core", editor, state, state)
        assert "gin_trgm_ops" in _index_exists()
        # The planner may use it for LIKE '%…%' (it is at least valid for such queries).
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN SELECT id FROM core_auditentry WHERE object_repr LIKE '%%hong%%'")
        with connection.schema_editor(atomic=False) as editor:
            OP.database_backwards("core", editor, state, state)
        assert _index_exists() is None
    else:
        OP.database_forwards("core", RecordingEditor(connection.vendor), state, state)
        assert _index_exists() is None
