"""Monthly range partitions on PostgreSQL for the tables that grow without end (EPCIS events, scans).

Decision record: docs/decisions/0023-monthly-partitions.md. In short:

- A partitioned table is `PARTITION BY RANGE (<time column>)` with one partition per calendar month
  (UTC), named `<table>_pYYYYMM`, plus `<table>_default`, so an insert never fails for want of a
  partition. `ensure_partitions` (the daily periodic job and `manage.py ensure_partitions`) creates
  the coming months ahead of time; rows that landed in the default partition for a month that then
  gets its own partition are moved into it, in one transaction.
- PostgreSQL wants the partition key in every unique constraint, so the SQL primary key is
  `(id, <time column>)` while Django keeps `id` as the model's primary key (ids still come from one
  sequence, so `id` stays unique in practice; the ORM only ever filters on it). Unique constraints
  get the time column appended. Nothing may hold a foreign key *to* a partitioned table on its `id`
  alone: `partition_table` refuses while one exists.
- Everything here is a no-op on other databases (SQLite, the demo): `partition_table` returns at
  once and `ensure_partitions` reports nothing to do.

Apps register their partitioned tables from AppConfig.ready() (`register`), so core imports none
of them. Functions take a DB-API cursor (Django's or psycopg's), so they can be tested on a
throw-away database too.
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass

log = logging.getLogger(__name__)

DEFAULT_MONTHS_AHEAD = 3
_UTC = datetime.timezone.utc


@dataclass(frozen=True)
class Partitioned:
    table: str
    column: str


_tables: dict[str, Partitioned] = {}


def register(table: str, column: str) -> None:
    """Declare that `table` is (on PostgreSQL) partitioned by month on `column`."""
    _tables[table] = Partitioned(table, column)


def registered() -> list[Partitioned]:
    return list(_tables.values())


# --- Months ------------------------------------------------------------------------------------


def month_start(value: datetime.datetime | datetime.date) -> datetime.datetime:
    """The first instant (UTC) of the month holding `value` (an aware datetime, or a date)."""
    if isinstance(value, datetime.datetime):
        value = value.astimezone(_UTC) if value.tzinfo else value.replace(tzinfo=_UTC)
    return datetime.datetime(value.year, value.month, 1, tzinfo=_UTC)


def add_months(month: datetime.datetime, n: int) -> datetime.datetime:
    index = month.year * 12 + month.month - 1 + n
    return datetime.datetime(index // 12, index % 12 + 1, 1, tzinfo=_UTC)


def partition_name(table: str, month: datetime.datetime) -> str:
    return f"{table}_p{month:%Y%m}"


def default_name(table: str) -> str:
    return f"{table}_default"


def _q(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_$]*", name) or len(name) > 63:
        raise ValueError(f"not a plain SQL name: {name!r}")
    return f'"{name}"'


# --- Introspection -----------------------------------------------------------------------------------


def is_partitioned(cursor, table: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
                   "WHERE c.relname = %s AND pg_table_is_visible(c.oid)", [table])
    return cursor.fetchone() is not None


def partitions(cursor, table: str) -> dict[str, str]:
    """{partition name: its bound (`FOR VALUES FROM (…) TO (…)` or `DEFAULT`)} of `table`."""
    cursor.execute("SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
                   "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
                   "WHERE p.relname = %s AND pg_table_is_visible(p.oid) ORDER BY c.relname", [table])
    return dict(cursor.fetchall())


def _constraints(cursor, table: str) -> list[tuple[str, str, str]]:
    """(name, type p/u/f/c, definition) of the table's own constraints (NOT NULL excluded)."""
    cursor.execute("SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f', 'c') AND conparentid = 0 "
                   "ORDER BY conname", [table])
    return [(name, kind, definition) for name, kind, definition in cursor.fetchall()]


def _inbound_foreign_keys(cursor, table: str) -> list[str]:
    cursor.execute("SELECT conrelid::regclass::text || '.' || conname FROM pg_constraint "
                   "WHERE confrelid = %s::regclass AND contype = 'f' AND conrelid <> confrelid AND conparentid = 0",
                   [table])
    return [row[0] for row in cursor.fetchall()]


def _plain_indexes(cursor, table: str, constraint_names: set[str]) -> list[str]:
    """CREATE INDEX statements of the table's indexes that no constraint owns."""
    cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND schemaname = current_schema() "
                   "ORDER BY indexname", [table])
    # A partitioned table's indexes read `ON ONLY <table>`: replayed on the new table, they must recurse.
    return [definition.replace(" ON ONLY ", " ON ", 1) for name, definition in cursor.fetchall()
            if name not in constraint_names]


def _with_column(definition: str, column: str) -> str:
    """`PRIMARY KEY (id)` → `PRIMARY KEY (id, <column>)` (a key of a partitioned table must hold it)."""
    head, _, tail = definition.partition("(")
    columns, _, rest = tail.partition(")")
    names = [c.strip() for c in columns.split(",")]
    if column not in names:
        names.append(column)
    return f"{head}({', '.join(names)}){rest}"


def _without_column(definition: str, column: str) -> str:
    head, _, tail = definition.partition("(")
    columns, _, rest = tail.partition(")")
    names = [c.strip() for c in columns.split(",") if c.strip() != column]
    return f"{head}({', '.join(names)}){rest}"


# --- Rebuilding a table partitioned (migration forwards) or plain (migration backwards) ---------------


def _rebuild(cursor, table: str, column: str, *, partition: bool, months_ahead: int, now: datetime.datetime) -> None:
    """Recreate `table` partitioned by month on `column` (or plain again), keeping rows, ids,
    the id sequence's position, indexes (same names), foreign keys and check constraints."""
    inbound = _inbound_foreign_keys(cursor, table)
    if inbound:
        raise RuntimeError(f"{table} is referenced by foreign keys {inbound}: a partitioned table's id alone "
                           "is not unique; declare them db_constraint=False first")
    constraints = _constraints(cursor, table)
    indexes = _plain_indexes(cursor, table, {name for name, _kind, _def in constraints})
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cursor.fetchone()[0]
    old = f"{table}_old"
    cursor.execute(f"ALTER TABLE {_q(table)} RENAME TO {_q(old)}")
    if sequence:  # the new table's identity takes the usual name
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {_q(old + '_id_seq')}")
    suffix = f" PARTITION BY RANGE ({_q(column)})" if partition else ""
    cursor.execute(f"CREATE TABLE {_q(table)} (LIKE {_q(old)} INCLUDING DEFAULTS INCLUDING IDENTITY "
                   f"INCLUDING STORAGE INCLUDING COMMENTS){suffix}")
    if partition:
        cursor.execute(f"CREATE TABLE {_q(default_name(table))} PARTITION OF {_q(table)} DEFAULT")
        # One partition per month that already has rows (from the last 36 months; older and
        # outlying rows stay in the default partition), and the months ahead.
        current = month_start(now)
        cursor.execute(f"SELECT DISTINCT date_trunc('month', {_q(column)} AT TIME ZONE 'UTC') FROM {_q(old)} "
                       f"WHERE {_q(column)} >= %s AND {_q(column)} < %s",
                       [add_months(current, -36), add_months(current, months_ahead + 1)])
        months = {month_start(row[0].replace(tzinfo=_UTC)) for row in cursor.fetchall()}
        months.update(add_months(current, k) for k in range(months_ahead + 1))
        for month in sorted(months):
            _create_month(cursor, table, month)
    cursor.execute(f"INSERT INTO {_q(table)} SELECT * FROM {_q(old)}")
    cursor.execute(f"DROP TABLE {_q(old)}")
    cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                   f"COALESCE((SELECT max(id) FROM {_q(table)}), 0) + 1, false)", [table])
    for name, kind, definition in constraints:
        if kind in ("p", "u"):
            definition = _with_column(definition, column) if partition else _without_column(definition, column)
        cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}")
    for definition in indexes:
        cursor.execute(definition)
    cursor.execute(f"ANALYZE {_q(table)}")


def partition_table(cursor, table: str, column: str, *, months_ahead: int = DEFAULT_MONTHS_AHEAD,
                    now: datetime.datetime | None = None) -> bool:
    """Make `table` partitioned by month on `column`, rows kept; False when it already is."""
    if is_partitioned(cursor, table):
        return False
    _rebuild(cursor, table, column, partition=True, months_ahead=months_ahead,
             now=now or datetime.datetime.now(_UTC))
    return True


def unpartition_table(cursor, table: str, column: str) -> bool:
    """Undo `partition_table` (a migration backwards): one plain table again, rows kept."""
    if not is_partitioned(cursor, table):
        return False
    _rebuild(cursor, table, column, partition=False, months_ahead=0, now=datetime.datetime.now(_UTC))
    return True


# --- Creating months ahead ---------------------------------------------------------------------------


def _literal(moment: datetime.datetime) -> str:
    return f"'{moment.isoformat()}'"


def _create_month(cursor, table: str, month: datetime.datetime) -> bool:
    """Create the partition of `month` unless it exists; rows of that month waiting in the
    default partition are moved into it first (PostgreSQL refuses the partition otherwise)."""
    name = partition_name(table, month)
    existing = partitions(cursor, table)
    if name in existing:
        return False
    column = _tables[table].column if table in _tables else None
    low, high = _literal(month), _literal(add_months(month, 1))
    default = default_name(table)
    waiting = False
    if default in existing:
        column = column or _partition_column(cursor, table)
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {_q(default)} WHERE {_q(column)} >= {low} "
                       f"AND {_q(column)} < {high})")
        waiting = cursor.fetchone()[0]
    if not waiting:
        cursor.execute(f"CREATE TABLE {_q(name)} PARTITION OF {_q(table)} FOR VALUES FROM ({low}) TO ({high})")
        return True
    cursor.execute(f"LOCK TABLE {_q(table)} IN SHARE ROW EXCLUSIVE MODE")
    cursor.execute(f"CREATE TABLE {_q(name)} (LIKE {_q(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)")
    cursor.execute(f"WITH moved AS (DELETE FROM {_q(default)} WHERE {_q(column)} >= {low} AND {_q(column)} < {high} "
                   f"RETURNING *) INSERT INTO {_q(name)} SELECT * FROM moved")
    cursor.execute(f"ALTER TABLE {_q(table)} ATTACH PARTITION {_q(name)} FOR VALUES FROM ({low}) TO ({high})")
    return True


def _partition_column(cursor, table: str) -> str:
    cursor.execute("SELECT a.attname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
                   "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
                   "WHERE c.relname = %s AND pg_table_is_visible(c.oid)", [table])
    return cursor.fetchone()[0]


def ensure_months(cursor, table: str, *, months_ahead: int = DEFAULT_MONTHS_AHEAD, months_back: int = 0,
                  now: datetime.datetime | None = None) -> list[str]:
    """Create the partitions of `table` from `months_back` months ago to `months_ahead` months
    ahead (and the default partition) that are missing; returns the names created. Run it in a
    transaction: moving rows out of the default partition must be all or nothing."""
    if not is_partitioned(cursor, table):
        return []
    current = month_start(now or datetime.datetime.now(_UTC))
    created = []
    if default_name(table) not in partitions(cursor, table):
        cursor.execute(f"CREATE TABLE {_q(default_name(table))} PARTITION OF {_q(table)} DEFAULT")
        created.append(default_name(table))
    for k in range(-months_back, months_ahead + 1):
        month = add_months(current, k)
        if _create_month(cursor, table, month):
            created.append(partition_name(table, month))
    return created


def ensure_partitions(*, months_ahead: int = DEFAULT_MONTHS_AHEAD, months_back: int = 0,
                      now: datetime.datetime | None = None, using: str = "default") -> dict[str, list[str]]:
    """`ensure_months` for every registered table, each in its own transaction; {} off PostgreSQL."""
    from django.db import connections, transaction

    connection = connections[using]
    if connection.vendor != "postgresql":
        return {}
    created = {}
    for item in registered():
        with transaction.atomic(using=using), connection.cursor() as cursor:
            made = ensure_months(cursor, item.table, months_ahead=months_ahead, months_back=months_back, now=now)
        if made:
            log.info("partitions created for %s: %s", item.table, ", ".join(made))
        created[item.table] = made
    return created


def run_periodic() -> str:
    """The daily job: partitions for this month and the next DEFAULT_MONTHS_AHEAD."""
    created = ensure_partitions()
    return ", ".join(name for names in created.values() for name in names) or "nothing to create"
