"""Data migrations tested on the rows they meet: the test database is taken back to a migration,
rows are written with the models of that time, then it is taken forward again.

`migrate_to(targets)` moves the database to `targets` ([(app, migration name)]) and returns the
apps (historical models) as they were there. Afterwards the fixture takes the database back to the
latest migrations, whatever the test did or where it failed, so the tests after it find the
schema they expect (a test that stopped at an old migration would break them)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.fixture
def migrate_to():
    def to(targets):
        executor = MigrationExecutor(connection)  # a new one reads what is applied now
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    yield to
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
