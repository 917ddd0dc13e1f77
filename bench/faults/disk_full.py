"""Upload disk full drill: the media directory on a real, tiny filesystem (a tmpfs of 2 MB mounted
for the drill; root needed) fills up while a cooperative uploads certificate scans through the
app's own form.

    python bench/faults/disk_full.py                  # PostgreSQL on 127.0.0.1:5432 (HTX_OPS_PG_URL)
    python bench/faults/disk_full.py --simulate       # no mount: a storage that raises ENOSPC past 2 MB
    make drill-disk-full

Expected, and checked: an upload that does not fit gets a clear Vietnamese answer (507, never a
500); it leaves no partial or temporary file and no row; every row naming a file names a whole
file on the disk (sha256 of what was sent); a small file that still fits is stored; once space
is freed uploads work again without a restart. Everything is undone at the end (unmount, drop
the database).

The database is a throw-away copy of a migrated template (see backup_restore.py, --template).
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import backup_restore as br  # noqa: E402 - the sibling drill's database helpers

SIZE = 2 * 1024 * 1024
UPLOAD = 300 * 1024


def say(message: str) -> None:
    print(message, flush=True)


def mount_tmpfs(path: Path) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE},mode=0755", "htx-drill-media", str(path)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        say(f"  mount failed ({result.stderr.strip()}): simulating ENOSPC instead")
        return False
    return True


def pdf(size: int) -> bytes:
    return b"%PDF-1.4\n" + os.urandom(size) + b"\n%%EOF\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--simulate", action="store_true", help="no tmpfs: a storage raising ENOSPC past 2 MB")
    parser.add_argument("--template", default="auto", help="migrated database to copy (default: the kept template)")
    args = parser.parse_args(argv)

    tag = uuid.uuid4().hex[:8]
    work = Path(tempfile.mkdtemp(prefix=f"htx-drill-disk-{tag}-"))
    target = br.standalone_target(work, tag, args.template)
    media = target.media_root
    mounted = False if args.simulate else mount_tmpfs(media)
    env = dict(target.env)
    if not mounted:
        env["STORAGE_SIMULATED_LIMIT"] = str(SIZE)
    os.environ.update(env)
    br.setup_django(target)
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    if not mounted:
        globals()["LimitedStorage"] = limited_storage_class()
        settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.LimitedStorage"}}
    problems: list[str] = []
    try:
        say(f"Diễn tập đĩa đầy / upload disk full drill — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
        say(f"  media: {media} — " + (f"real tmpfs of {SIZE // 1024} KiB" if mounted
                                       else f"simulated: a storage raising ENOSPC past {SIZE // 1024} KiB"))
        run(media, mounted, problems)
    finally:
        from django.db import connections

        connections.close_all()
        if mounted:
            subprocess.run(["umount", str(media)], check=False)
        br.admin_execute(target, f'DROP DATABASE IF EXISTS "{urlsplit(target.source_url).path.lstrip("/")}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        say("  SAI / PROBLEMS:")
        for problem in problems:
            say(f"   - {problem}")
        return 1
    say("  ĐÚNG / OK: no server error, a clear message, no partial file, no row without its file; recovered.")
    return 0


def run(media: Path, mounted: bool, problems: list[str]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from htxconnect.accounts.models import User
    from htxconnect.core.actors import SYSTEM
    from htxconnect.registry import services
    from htxconnect.registry.models import Certification, OrganizationUser

    org = services.create_organization(actor=SYSTEM, name="HTX Đĩa Đầy", province_code="79")
    manager = User.objects.create_user(username=f"drill_{uuid.uuid4().hex[:6]}", password=uuid.uuid4().hex,
                                       role="coop_manager", full_name="Quản lý HTX")
    OrganizationUser.objects.create(user=manager, organization=org, role="manager")
    client = Client()
    client.force_login(manager)
    sent: dict[str, str] = {}  # certificate number -> sha256 of the bytes sent

    def upload(number: str, size: int):
        data = pdf(size)
        started = time.monotonic()
        response = client.post(f"/registry/{org.pk}/certifications/new/", {
            "type": "vietgap", "issuer": "Trung tâm Chứng nhận", "number": number,
            "issue_date": "2026-01-05", "expiry_date": "2028-01-04",
            "document": SimpleUploadedFile(f"{number}.pdf", data, "application/pdf")})
        sent[number] = hashlib.sha256(data).hexdigest()
        return response, (time.monotonic() - started) * 1000

    statuses = []
    n = 0
    while True:
        n += 1
        response, ms = upload(f"FULL-{n}", UPLOAD)
        statuses.append(response.status_code)
        say(f"  upload {n} ({UPLOAD // 1024} KiB): {response.status_code} in {ms:.0f} ms, "
            f"disk used {used(media, mounted) // 1024} KiB")
        if response.status_code == 507:
            page = response.content.decode()
            if "bộ nhớ lưu trữ của máy chủ đã đầy" not in page:
                problems.append("the 507 page does not say the storage is full in Vietnamese")
            break
        if response.status_code != 302:
            problems.append(f"upload {n}: {response.status_code}")
            break
        if n > 50:
            problems.append("the disk never filled up")
            break
    refused, ms = upload("FULL-again", UPLOAD)
    say(f"  once more: {refused.status_code} in {ms:.0f} ms")
    small, ms = upload("SMALL", 8 * 1024)
    say(f"  a small file (8 KiB) that still fits: {small.status_code}")
    if small.status_code != 302:
        say("    (no room left even for it: allowed; tmpfs counts whole pages)")
    check(media, sent, problems)
    # Free space (as an administrator moving old files away would), then upload again: no restart.
    victim = Certification.objects.filter(number="FULL-1").first()
    if victim:
        victim.document.delete(save=True)
    again, ms = upload("AFTER-FREE", UPLOAD // 2)
    say(f"  after freeing {UPLOAD // 1024} KiB: {again.status_code} in {ms:.0f} ms")
    if again.status_code != 302:
        problems.append(f"after freeing space the upload still fails: {again.status_code}")
    if 500 in statuses or refused.status_code == 500:
        problems.append("a server error (500)")
    check(media, sent, problems)
    say(f"  stored {sum(1 for s in statuses if s == 302)} uploads before the disk was full; "
        f"rows: {Certification.objects.count()}")


def used(media: Path, mounted: bool) -> int:
    if mounted:
        stat = os.statvfs(media)
        return (stat.f_blocks - stat.f_bfree) * stat.f_frsize
    return sum(p.stat().st_size for p in media.rglob("*") if p.is_file())


def check(media: Path, sent: dict[str, str], problems: list[str]) -> None:
    from htxconnect.registry.models import Certification

    on_disk = {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()}
    named = set()
    for cert in Certification.objects.exclude(document=""):
        named.add(cert.document.name)
        path = media / cert.document.name
        if not path.is_file():
            problems.append(f"row {cert.number} names a missing file {cert.document.name}")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != sent.get(cert.number):
            problems.append(f"row {cert.number}: the file on disk is not what was sent (truncated?)")
    for name in sorted(on_disk - named):
        problems.append(f"a file no row names (partial or orphan): {name}")
    say(f"  check: {len(named)} rows with files, {len(on_disk)} files on disk, "
        f"{len(on_disk - named)} without a row")


class _Limited:
    """A file on a "disk" of STORAGE_SIMULATED_LIMIT bytes: a write past it writes what fits and fails."""

    def __init__(self, handle, storage):
        self.handle, self.storage = handle, storage

    def write(self, data):
        room = int(os.environ.get("STORAGE_SIMULATED_LIMIT", SIZE)) - self.storage.used()
        if len(data) > room:
            self.handle.write(data[:max(room, 0)])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self.handle.write(data)

    def __getattr__(self, name):
        return getattr(self.handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()


def limited_storage_class():
    from htxconnect.core.storage import CleanFileSystemStorage

    class LimitedStorage(CleanFileSystemStorage):
        def used(self) -> int:
            return sum(p.stat().st_size for p in Path(self.location).rglob("*") if p.is_file())

        def _open_temporary(self, path):
            return _Limited(super()._open_temporary(path), self)

    return LimitedStorage


if __name__ == "__main__":
    raise SystemExit(main())
