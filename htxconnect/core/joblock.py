"""A lock a task holds while it works on one record, released when its holder dies.

A task may run twice: the queue retries it after its worker was killed mid-task, or it was queued
twice. Claiming the record with a status ("queued" → "running") stops the second run, but a
worker killed after claiming leaves "running" behind, and a status alone cannot tell a dead owner
from a live one. This lock can: PostgreSQL releases a session advisory lock when the holder's
connection drops, and the kernel releases a flock() when its process dies. So a retry that gets
the lock knows any earlier owner is gone and may take the record over; one that does not get it
leaves the record to the live owner.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
from collections.abc import Iterator

from django.conf import settings
from django.db import DatabaseError, connection

log = logging.getLogger(__name__)


def _key(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


@contextlib.contextmanager
def exclusive(name: str) -> Iterator[bool]:
    """Hold the lock `name` for the block; yields False (and holds nothing) when a live process has it."""
    if connection.vendor == "postgresql":
        key = _key(name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            held = bool(cursor.fetchone()[0])
        try:
            yield held
        finally:
            if held:
                try:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
                except DatabaseError:  # a broken connection: closing it releases the lock
                    log.warning("joblock %s: unlock failed, closing the connection", name)
                    connection.close()
        return
    # SQLite (one machine): a file lock per name, beside the other locks of this database.
    directory = settings.TASK_LOCK_DIR
    os.makedirs(directory, exist_ok=True)
    database = str(connection.settings_dict.get("NAME", ""))
    path = os.path.join(directory, hashlib.sha256(f"{database}\0{name}".encode()).hexdigest()[:32] + ".lock")
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held = True
        except BlockingIOError:
            held = False
        yield held
    finally:
        os.close(fd)  # releases the flock


def save_replacing(fieldfile, filename: str, content) -> None:
    """Save a generated file under its own name, replacing the one an attempt killed after writing
    it left behind, so a retried task leaves one file, not two. Call it holding the record's lock
    (another live attempt would be writing the same name)."""
    name = fieldfile.field.generate_filename(fieldfile.instance, filename)
    if fieldfile.storage.exists(name):
        fieldfile.storage.delete(name)
    fieldfile.save(filename, content, save=False)
