"""Migration operations shared by the apps: a trigram index for folded search, on PostgreSQL only."""

from __future__ import annotations

from django.db import router
from django.db.migrations.operations.base import Operation


class CreateTrigramIndexIfPostgres(Operation):
    """Create a GIN trigram index (`gin_trgm_ops`) on one column, creating `pg_trgm` if missing.

    A no-op on any database other than PostgreSQL (the demo's SQLite searches by a plain scan).
    It changes no model state: the index lives only in the database, so it is not declared in
    `Meta.indexes`. Reversible (drops the index, keeps the extension, which others may use).

        CreateTrigramIndexIfPostgres("organization", "search_text", "registry_org_search_trgm")
    """

    reversible = True
    reduces_to_sql = True
    atomic = True

    def __init__(self, model_name: str, field: str, index_name: str):
        if len(index_name) > 63:
            raise ValueError("PostgreSQL index names are at most 63 characters.")
        self.model_name = model_name
        self.field = field
        self.index_name = index_name

    def deconstruct(self):
        return self.__class__.__qualname__, [self.model_name, self.field, self.index_name], {}

    def state_forwards(self, app_label, state):
        pass  # database-only

    @staticmethod
    def forward_sql(table: str, column: str, index_name: str, quote=lambda name: f'"{name}"') -> list[str]:
        return [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            f"CREATE INDEX IF NOT EXISTS {quote(index_name)} ON {quote(table)} USING gin ({quote(column)} gin_trgm_ops)",
        ]

    @staticmethod
    def backward_sql(index_name: str, quote=lambda name: f'"{name}"') -> list[str]:
        return [f"DROP INDEX IF EXISTS {quote(index_name)}"]

    def _applies(self, schema_editor, model) -> bool:
        connection = schema_editor.connection
        return connection.vendor == "postgresql" and router.allow_migrate_model(connection.alias, model)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self._applies(schema_editor, model):
            return
        column = model._meta.get_field(self.field).column
        for sql in self.forward_sql(model._meta.db_table, column, self.index_name, schema_editor.quote_name):
            schema_editor.execute(sql)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self._applies(schema_editor, model):
            return
        for sql in self.backward_sql(self.index_name, schema_editor.quote_name):
            schema_editor.execute(sql)

    def describe(self):
        return f"Create trigram index {self.index_name} on {self.model_name}.{self.field} (PostgreSQL only)"

    @property
    def migration_name_fragment(self):
        return f"trgm_{self.index_name}".lower()


class PartitionByMonthIfPostgres(Operation):
    """Make a model's table partitioned by month on a time column, on PostgreSQL only, rows kept.

    See core.partitions (the rebuild, the months created ahead) and
    docs/decisions/0023-monthly-partitions.md. A no-op on other databases; no model state change
    (Django keeps `id` as the primary key; the SQL key becomes `(id, <column>)`). Reversible.
    Foreign keys *to* the table must be declared `db_constraint=False` in an earlier operation.

        PartitionByMonthIfPostgres("epcisevent", "record_time")
    """

    reversible = True
    reduces_to_sql = False
    atomic = True

    def __init__(self, model_name: str, field: str):
        self.model_name = model_name
        self.field = field

    def deconstruct(self):
        return self.__class__.__qualname__, [self.model_name, self.field], {}

    def state_forwards(self, app_label, state):
        pass  # database-only

    def _target(self, schema_editor, state, app_label):
        model = state.apps.get_model(app_label, self.model_name)
        connection = schema_editor.connection
        if connection.vendor != "postgresql" or not router.allow_migrate_model(connection.alias, model):
            return None
        return model._meta.db_table, model._meta.get_field(self.field).column

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        from . import partitions

        target = self._target(schema_editor, to_state, app_label)
        if target:
            with schema_editor.connection.cursor() as cursor:
                partitions.partition_table(cursor, *target)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        from . import partitions

        target = self._target(schema_editor, from_state, app_label)
        if target:
            with schema_editor.connection.cursor() as cursor:
                partitions.unpartition_table(cursor, *target)

    def describe(self):
        return f"Partition {self.model_name} by month on {self.field} (PostgreSQL only)"

    @property
    def migration_name_fragment(self):
        return f"partition_{self.model_name}".lower()
