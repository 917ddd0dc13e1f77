"""Helpers for tests of task workers: another live worker holding a record's lock (a thread with its
own database connection, so its own PostgreSQL session), and the environment a worker process
started by a test needs to see the test's database."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from pathlib import Path

from django.db import connection

from htxconnect.core import joblock


@contextlib.contextmanager
def held_by_another_worker(name: str):
    """While the block runs, another live worker (a thread: its own connection) holds the lock `name`."""
    held, release, failure = threading.Event(), threading.Event(), []

    def holder():
        from django.db import connection as thread_connection

        try:
            with joblock.exclusive(name) as mine:
                if not mine:
                    failure.append("the lock was already held")
                held.set()
                release.wait(60)
        except Exception as exc:  # reported to the test below
            failure.append(repr(exc))
            held.set()
        finally:
            thread_connection.close()

    thread = threading.Thread(target=holder, daemon=True)
    thread.start()
    assert held.wait(30), "the other worker never took the lock"
    assert not failure, failure
    try:
        yield
    finally:
        release.set()
        thread.join(30)


def database_url_for_subprocess(tmp_path: Path) -> tuple[str, callable]:
    """A DATABASE_URL under which a worker process sees what this test committed, and a function
    that brings back into the test's database what the worker wrote (transactional tests only).

    PostgreSQL: the test database itself (the test runs with transaction=True, so its rows are
    committed). SQLite: pytest-django's test database lives in memory, which no other process can
    open, so it is copied to a file with SQLite's backup API and copied back afterwards."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        user = settings.get("USER") or "postgres"
        password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
        host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or "5432"
        return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}", lambda: None
    connection.ensure_connection()
    path = tmp_path / "worker.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as target:
        connection.connection.backup(target)

    def bring_back():
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(path)) as source:
            source.backup(connection.connection)

    return f"sqlite:///{path}", bring_back


def worker_environment(database_url: str, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TASK", "REDIS_URL"))}
    env.update(DJANGO_ENV="test", DATABASE_URL=database_url, **extra)
    return env
