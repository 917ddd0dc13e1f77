"""Reads from a PostgreSQL read replica where it is safe, everything else on the primary.

Nothing goes to the replica blindly: only code inside `use_replica()` (a context manager and a
view decorator, put on the public pages, reports and dashboards) reads from the "replica"
database alias, and only while
  - a replica is configured (DATABASE_REPLICA_URL, settings.py), and
  - no write has been routed in this scope yet (read-your-writes: after a write, every read of
    the same request goes to the primary, which has it; a replica may lag behind), and
  - no transaction is open on the primary (a transaction reads what it wrote, and
    select_for_update must lock the primary's rows).
Writes always go to the primary. The scope is a context variable, so threads and async tasks
each have their own.

The user and the session are read before the scope begins (the decorator touches
request.user), so a person who has just signed in is never shown as signed out because the
replica has not caught up.
"""

from __future__ import annotations

import contextvars
import functools

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"


class _Scope:
    __slots__ = ("wrote",)

    def __init__(self):
        self.wrote = False


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("htx_replica_scope", default=None)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def _in_transaction(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """A transaction opened by the code, on the primary. The atomic blocks pytest/Django's TestCase
    wraps each test in are marked `_from_testcase` and do not count: they are not the app's."""
    connection = connections[alias]
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


class _ReplicaScope:
    def __init__(self):
        self._tokens = []

    def __enter__(self):
        self._tokens.append(_scope.set(_Scope()))
        return self

    def __exit__(self, *exc):
        _scope.reset(self._tokens.pop())
        return False

    def __call__(self, view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            user = getattr(request, "user", None)
            if user is not None:
                user.is_authenticated  # noqa: B018 - load the session and the user from the primary first
            with _ReplicaScope():
                return view(request, *args, **kwargs)

        return wrapper


def use_replica(view=None):
    """`with use_replica(): …`, or `@use_replica` / `@use_replica()` on a view: reads inside may go
    to the replica (see the module's docstring for when they do not)."""
    scope = _ReplicaScope()
    return scope if view is None else scope(view)


def reading_from_replica() -> bool:
    scope = _scope.get()
    return scope is not None and not scope.wrote and replica_configured() and not _in_transaction()


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if reading_from_replica() else None

    def db_for_write(self, model, **hints):
        scope = _scope.get()
        if scope is not None:
            scope.wrote = True  # from now on this request reads its own writes on the primary
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None  # the replica is migrated by replication
