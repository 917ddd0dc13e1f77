"""Durable scan counting without a database write per scan (docs/decisions/0022-scan-pages-as-files-and-scan-spool.md).

Each app process appends one JSON line per scan to a spool file of its own in SCAN_SPOOL_DIR
with a single `write()` on an O_APPEND descriptor, before the answer leaves: from then on the
line is in the kernel, so it survives the process being killed (SIGKILL, OOM, a crash). A
thread of the process `fsync`s the file every SCAN_SPOOL_FSYNC_SECONDS (0: after every scan),
which bounds what a power cut may take, and closes the file after SCAN_SPOOL_ROTATE_SECONDS.

`flush()` (a "minute" periodic job, and the statistics page) moves closed files into
ScanEvent, exactly once:
- a writer holds an exclusive `flock` on its open file; the lock goes when the file is closed
  or when the process dies, so the flusher takes only files nobody writes to (`LOCK_NB`);
- a file is created under a `.tmp` name and renamed once locked, so it is never seen unlocked
  and empty;
- the rows and the file's name (ScanSpoolFile, unique) are committed in one transaction, and
  the file is deleted afterwards: a flusher that dies in between finds the name on its next run
  and only deletes the file.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import socket
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

SUFFIX = ".jsonl"
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode  # made once, not per scan


class Spool:
    """The spool of this process (one per process: `spool()`)."""

    def __init__(self, directory: Path, *, fsync_seconds: float, rotate_seconds: float):
        self.directory = Path(directory)
        self.fsync_seconds = fsync_seconds
        self.rotate_seconds = rotate_seconds
        self.pid = os.getpid()
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._opened_at = 0.0
        self._dirty = False
        self._thread: threading.Thread | None = None
        self.source = None  # the SCAN_SPOOL_DIR setting spool() made this one for

    # --- writing ---------------------------------------------------------------------------

    def _open(self) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{socket.gethostname()}-{self.pid}-{time.time_ns()}-{uuid.uuid4().hex[:8]}"
        tmp = self.directory / (name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, 0o640)
        fcntl.flock(fd, fcntl.LOCK_EX)  # held until closed or the process dies
        os.rename(tmp, self.directory / (name + SUFFIX))
        self._opened_at = time.monotonic()
        if self._thread is None and self.fsync_seconds > 0:
            self._thread = threading.Thread(target=self._tick, name="scan-spool", daemon=True)
            self._thread.start()
        return fd

    def append(self, row: dict) -> None:
        line = _encode(row).encode() + b"\n"
        with self._lock:
            if self._fd is None:
                self._fd = self._open()
            written = os.write(self._fd, line)
            if written != len(line):  # a short write to a regular file: the disk is full
                raise OSError(errno.ENOSPC, "scan spool: short write")
            if self.fsync_seconds <= 0:
                os.fsync(self._fd)
                if time.monotonic() - self._opened_at >= self.rotate_seconds:
                    self._close()
            else:
                self._dirty = True

    def _close(self) -> None:
        if self._fd is not None:
            if self._dirty:
                os.fsync(self._fd)
                self._dirty = False
            os.close(self._fd)  # releases the flock: the flusher may take the file
            self._fd = None

    def sync(self, *, rotate: bool = False) -> None:
        """fsync what was written; close the file when it is old enough (or `rotate`).

        The fsync runs on a duplicate of the descriptor, outside the lock: it can take tens of
        milliseconds on a busy disk, and scans keep being appended (or, after a rotation, go to a
        new file) meanwhile. The file's flock goes with its last descriptor, so the flusher still
        takes it only once it is synced and closed."""
        with self._lock:
            if self._fd is None:
                return
            synced = os.dup(self._fd) if self._dirty else None
            self._dirty = False
            closing = None
            if rotate or time.monotonic() - self._opened_at >= self.rotate_seconds:
                closing, self._fd = self._fd, None  # the next scan opens a new file
        try:
            if synced is not None:
                os.fsync(synced)
        except OSError:
            if closing is None:
                with self._lock:
                    self._dirty = True  # the thread tries again next time
            raise
        finally:
            if synced is not None:
                os.close(synced)
            if closing is not None:
                os.close(closing)  # releases the flock: the flusher may take the file

    def _tick(self) -> None:
        while True:
            time.sleep(self.fsync_seconds)
            try:
                self.sync()
            except OSError:
                log.exception("scan spool: fsync failed")


_spool: Spool | None = None
_spool_lock = threading.Lock()


def enabled() -> bool:
    return bool(settings.SCAN_SPOOL_DIR)


def spool() -> Spool:
    """This process's spool (a new one after a fork: a child never writes to its parent's file)."""
    global _spool
    current, where = _spool, settings.SCAN_SPOOL_DIR
    if current is not None and current.pid == os.getpid() and current.source == where:
        return current  # the setting compared as text: no Path built per scan
    with _spool_lock:
        if _spool is None or _spool.pid != os.getpid() or _spool.source != where:
            _spool = Spool(Path(where), fsync_seconds=settings.SCAN_SPOOL_FSYNC_SECONDS,
                           rotate_seconds=settings.SCAN_SPOOL_ROTATE_SECONDS)
            _spool.source = where
        return _spool


# --- flushing into the database ------------------------------------------------------------------


def _read_rows(fd: int, name: str) -> list[dict]:
    data = b""
    while chunk := os.read(fd, 1 << 20):
        data += chunk
    rows = []
    for number, line in enumerate(data.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except ValueError:
            # Half a line: a write cut short (a full disk, a power cut before the fsync). Logged;
            # the rest of the file is kept.
            log.error("scan spool %s: line %d unreadable, skipped", name, number)
    return rows


def flush(directory: str | Path | None = None) -> int:
    """Move every closed spool file into ScanEvent; returns the number of scans stored."""
    from django.db import transaction
    from django.utils.dateparse import parse_datetime

    from htxconnect.registry.models import Product

    from .models import Lot, ScanEvent, ScanSpoolFile

    directory = Path(directory or settings.SCAN_SPOOL_DIR or "")
    if not str(directory) or not directory.is_dir():
        return 0
    stored = 0
    for path in sorted(directory.glob("*" + SUFFIX)):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:  # another flusher took it
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live process still writes to it
            if ScanSpoolFile.objects.filter(name=path.name).exists():
                path.unlink(missing_ok=True)  # stored by a flusher that died before deleting it
                continue
            rows = _read_rows(fd, path.name)
            products = set(Product.objects.filter(pk__in={r["p"] for r in rows}).values_list("pk", flat=True))
            lots = set(Lot.objects.filter(pk__in={r["l"] for r in rows if r.get("l")}).values_list("pk", flat=True))
            objects = []
            for r in rows:
                if r["p"] not in products:
                    continue  # the product was deleted since (its scans went with it)
                at = parse_datetime(r["t"])
                objects.append(ScanEvent(
                    product_id=r["p"], lot_id=r["l"] if r.get("l") in lots else None, serial=r.get("s", ""),
                    scanned_at=at, day=r["d"], ip_hash=r.get("h", ""), country=r.get("c", ""),
                    province=r.get("r", ""), language=r.get("g", ""), agent_family=r.get("a", "")))
            with transaction.atomic():
                ScanEvent.objects.bulk_create(objects, batch_size=1000)
                ScanSpoolFile.objects.create(name=path.name, scans=len(objects))
            path.unlink(missing_ok=True)
            stored += len(objects)
        finally:
            os.close(fd)
    _forget_old_names()
    return stored


def _forget_old_names(days: int = 7) -> None:
    """A stored file is deleted within a minute; its name is kept a week against a late re-run."""
    import datetime

    from django.utils import timezone

    from .models import ScanSpoolFile

    ScanSpoolFile.objects.filter(flushed_at__lt=timezone.now() - datetime.timedelta(days=days)).delete()


def pending(directory: str | Path | None = None) -> int:
    """Scans written to the spool and not yet stored (lines in the spool files)."""
    directory = Path(directory or settings.SCAN_SPOOL_DIR or "")
    if not str(directory) or not directory.is_dir():
        return 0
    total = 0
    for path in directory.glob("*" + SUFFIX):
        try:
            total += path.read_bytes().count(b"\n")
        except FileNotFoundError:
            pass
    return total
