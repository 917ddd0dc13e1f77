"""Scan pages written as files that nginx serves itself (`try_files`, deploy/nginx/htxconnect.conf).

Layout under SCAN_PAGE_ROOT (nginx's `root` is `<SCAN_PAGE_ROOT>/current`):

    days/20261128/vi/scan/01/08930000000019/10/LOT-01/index.html
    days/20261128/en/scan/01/08930000000019/index.html
    current -> days/20261128

- A page is written when Django renders it (whoever asked: the page is the same for everyone),
  atomically (a temporary file renamed over the old one), readable by nginx (0644).
- A change to anything the page shows goes through `resolver.cache.purge_gtin`, which bumps the
  product's version and then removes the product's directories (renamed away, then deleted):
  the next request goes to Django, which renders and writes again. A render that read the old
  data and finishes after the purge checks the version after renaming its file into place and
  removes it if the version moved, so no stale file outlives a purge.
- Pages depend on the day (a lot or certificate expires at midnight without any write): files
  are kept per day, and `roll_day` (the "minute" job, and the first write of a day) points
  `current` at today's directory and deletes the older ones.
- Only canonical paths get a file: a 14-digit GTIN and a lot code of letters, digits, ".", "_"
  or "-" (other lot codes are served by Django); only "vi" and "en".
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

log = logging.getLogger(__name__)

LANGUAGES = ("vi", "en")
PAGE_PATH = re.compile(r"^/scan/01/(\d{14})/(?:10/([A-Za-z0-9_-][A-Za-z0-9._-]{0,19})/)?$")

_rolled: dict[str, str] = {}  # SCAN_PAGE_ROOT → the day `current` was last seen pointing at


def root() -> Path | None:
    return Path(settings.SCAN_PAGE_ROOT) if settings.SCAN_PAGE_ROOT else None


def shared_cache() -> bool:
    """A cache every process shares (Redis): a cached page is then as current as a fresh render.
    The local-memory cache is per process and may hold a page another process purged."""
    from django.core.cache import cache

    return "locmem" not in type(cache).__module__


def _today() -> str:
    return timezone.localdate().strftime("%Y%m%d")


def _mkdirs(path: Path) -> None:
    """Directories nginx can enter whatever the process's umask."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        try:
            directory.mkdir()
        except FileExistsError:
            continue
        os.chmod(directory, 0o755)


def _remove_tree(base: Path, tree: Path) -> None:
    """Take `tree` out of nginx's sight at once (one rename), then delete it."""
    trash = base / ".trash" / uuid.uuid4().hex
    _mkdirs(trash.parent)
    try:
        os.rename(tree, trash)
    except FileNotFoundError:
        return
    shutil.rmtree(trash, ignore_errors=True)


def roll_day() -> str:
    """Point `current` at today's directory; delete the directories of earlier days."""
    base = root()
    if base is None:
        return ""
    day = _today()
    _mkdirs(base / "days" / day)
    target = f"days/{day}"
    try:
        existing = os.readlink(base / "current")
    except OSError:
        existing = None
    if existing is None and (base / "current").is_dir():
        _remove_tree(base, base / "current")  # an empty directory made by an installer: the link replaces it
    if existing != target:
        link = base / f".current-{uuid.uuid4().hex}"
        os.symlink(target, link)
        os.replace(link, base / "current")  # atomic: nginx sees the old day or the new one
    for old in (base / "days").iterdir():
        if old.name < day:
            _remove_tree(base, old)
    _rolled[str(base)] = day
    return day


def path_for(url_path: str, lang: str, *, day: str | None = None) -> Path | None:
    base = root()
    if base is None or lang not in LANGUAGES or not PAGE_PATH.match(url_path):
        return None
    return base / "days" / (day or _today()) / lang / url_path.strip("/") / "index.html"


def write(url_path: str, lang: str, html: str, *, gtin: str, version: int, current_version) -> Path | None:
    """Write the page rendered from data read at product version `version`; None if not written.
    `current_version()` reads the version again once the file is in place (resolver.cache)."""
    match = PAGE_PATH.match(url_path)
    base = root()
    if base is None or match is None or match.group(1) != gtin or lang not in LANGUAGES:
        return None
    day = _today()
    if _rolled.get(str(base)) != day:
        roll_day()
    target = path_for(url_path, lang, day=day)
    packed = target.with_name(target.name + ".gz")  # for phones (gzip_static): not compressed per request
    body = html.encode()
    try:
        _mkdirs(target.parent)
        _place(packed, gzip.compress(body, 9, mtime=0))
        _place(target, body)
    except OSError:  # a purge moved the directory meanwhile, or the disk is full: Django serves it
        log.info("scan page file %s not written", target, exc_info=True)
        packed.unlink(missing_ok=True)
        return None
    if current_version() != version:
        target.unlink(missing_ok=True)  # a purge came while rendering: never leave a stale page
        packed.unlink(missing_ok=True)
        return None
    return target


def _place(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        os.write(fd, data)
        os.fchmod(fd, 0o644)
    finally:
        os.close(fd)
    os.replace(tmp, target)


def purge_gtin(gtin: str) -> None:
    """Remove every file of the product (all days, languages and lots)."""
    base = root()
    if base is None or not (base / "days").is_dir():
        return
    for day in (base / "days").iterdir():
        for lang in LANGUAGES:
            tree = day / lang / "scan" / "01" / gtin
            if tree.exists():
                _remove_tree(base, tree)
