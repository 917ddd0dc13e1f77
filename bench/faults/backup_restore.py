"""Backup and restore drill: back up PostgreSQL and the uploaded files while users are writing,
restore into a fresh database and a fresh media directory, and verify every table and every file.

    python bench/faults/backup_restore.py              # against the production stack (make prod-up)
    python bench/faults/backup_restore.py --standalone # a throw-away database on 127.0.0.1:5432
    make drill-backup                                  # the first one

What "consistent" means here. The drill exports a snapshot (pg_export_snapshot() in a
REPEATABLE READ transaction) and deploy/backup.sh dumps exactly that snapshot (PG_SNAPSHOT). In
the same transaction the drill counts and checksums every table (md5 of the rows in a fixed
order). After deploy/restore.sh into a new database, every table must have the same count and
checksum: the backup holds every transaction committed before the snapshot, whole, and nothing
of any later one. The writer's own log is checked too: each record whose commit returned
before the snapshot was taken is in the restored database, none whose commit began after it.
Files are archived after the snapshot and are never changed once stored (core.storage), so
every file a restored row names must be in the restored media directory with the bytes it had
when it was written (sha256). Files written after the snapshot may be in the archive without a
row (counted as "orphans"; harmless, never the other way round).

The writer is the app itself: registry services in this process create an organisation and a
certificate with its scanned document (through Django's storage), one transaction per record,
as fast as it can, before, during and after the backup. Its rate during the backup against
its rate just before is printed (ratio), with the absolute figures.

In production-stack mode the drill's records are deleted afterwards (rows and files), and the
restored database and media directory are removed: it leaves the stack as it found it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "deploy" / "backup.sh"
RESTORE = ROOT / "deploy" / "restore.sh"
DRILL_NAME = "Drill sao lưu"  # the writer's organisations are named "<DRILL_NAME> <tag> <n>"


def say(message: str) -> None:
    print(message, flush=True)


def stack_file() -> Path:
    return Path(os.environ.get("PROD_DIR", ROOT / "var" / "prod")) / "stack.json"


# --- PostgreSQL helpers -----------------------------------------------------------------------


def connect(url: str, **kwargs):
    import psycopg

    if "?" in url and "host=" in url.split("?", 1)[1]:  # libpq URI with a socket directory
        return psycopg.connect(url, **kwargs)
    parts = urlsplit(url)
    from urllib.parse import unquote

    return psycopg.connect(host=unquote(parts.hostname or "") or None, port=parts.port or 5432,
                           user=unquote(parts.username or "") or None,
                           password=unquote(parts.password or "") or None,
                           dbname=parts.path.lstrip("/"), connect_timeout=5, **kwargs)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def table_checksums(conn) -> dict[str, tuple[int, str]]:
    """{table: (rows, md5 of its rows in a fixed order)} for every table of the public schema."""
    tables = [row[0] for row in conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1")]
    result = {}
    for table in tables:
        count, digest = conn.execute(
            f'SELECT count(*), coalesce(md5(string_agg(t::text, E\'\\n\' ORDER BY t::text)), \'\') FROM "{table}" t'
        ).fetchone()
        result[table] = (count, digest)
    return result


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


# --- The target: the production stack, or a throw-away database ---------------------------------


class Target:
    """Where the drill writes and backs up (source), and the admin connection that creates the
    restore database."""

    def __init__(self, *, source_url: str, admin_url: str, media_root: Path, env: dict, pg_bin: str | None,
                 standalone: bool):
        self.source_url, self.admin_url, self.media_root = source_url, admin_url, media_root
        self.env, self.pg_bin, self.standalone = env, pg_bin, standalone


def stack_target() -> Target:
    path = stack_file()
    if not path.exists():
        say(f"Không thấy {path}: chưa chạy hệ thống thật. Chạy `make prod-up` trước, "
            "hoặc dùng --standalone (cơ sở dữ liệu tạm trên 127.0.0.1:5432).\n"
            f"No {path}: run `make prod-up` first, or use --standalone.")
        raise SystemExit(2)
    stack = json.loads(path.read_text())
    env = dict(stack.get("env", {}))
    return Target(source_url=stack["database_url"], admin_url=stack["pg_admin_url"],
                  media_root=Path(stack["media_root"]), env=env, pg_bin=stack.get("pg_bin"), standalone=False)


def migrations_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "htxconnect").glob("*/migrations/*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:10]


def cached_template(admin: str) -> str:
    """A migrated database kept on the server as a template, one per state of the migrations
    (htx_drill_template_<digest>): the first drill migrates it, later ones copy it in a second."""
    name = f"htx_drill_template_{migrations_digest()}"
    with connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return name
        building = f"{name}_building_{uuid.uuid4().hex[:6]}"
        conn.execute(f'CREATE DATABASE "{building}"')
    say(f"Tạo mẫu / building the template {name} (migrate, once) …")
    env = {**os.environ, "DJANGO_ENV": "test", "DATABASE_URL": with_database(admin, building)}
    try:
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
                       env=env, check=True, cwd=ROOT)
        with connect(admin, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')  # appears whole, or not at all
    except Exception:
        with connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
        raise
    return name


def standalone_target(work: Path, tag: str, template: str | None = None) -> Target:
    """A new database: a copy of `template` (an already migrated database, e.g. the test suite's),
    or migrated from scratch."""
    admin = os.environ.get("HTX_OPS_PG_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    if template == "auto":
        template = cached_template(admin)
    name = f"htx_drill_src_{tag}"
    with connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    source = with_database(admin, name)
    media = work / "media"
    media.mkdir()
    env = {"DJANGO_ENV": "test", "DATABASE_URL": source, "MEDIA_ROOT": str(media), "TASK_BACKEND": "immediate"}
    if not template:
        say(f"Cơ sở dữ liệu tạm / throw-away database {name}: migrate …")
        started = time.monotonic()
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
                       env={**os.environ, **env}, check=True, cwd=ROOT)
        say(f"  migrate: {time.monotonic() - started:.1f} s")
    return Target(source_url=source, admin_url=admin, media_root=media, env=env, pg_bin=None, standalone=True)


def restore_url_for(target: Target, name: str) -> str:
    """A django-environ URL of database `name` on the target's server, as its superuser."""
    if "?" in target.admin_url:  # the stack: postgresql://postgres@/db?host=<socket dir>&port=<port>
        from urllib.parse import parse_qs

        query = parse_qs(target.admin_url.split("?", 1)[1])
        host, port = query["host"][0], query.get("port", ["5432"])[0]
        user = urlsplit(target.admin_url).username or "postgres"
        return f"postgres://{user}@{quote(host, safe='')}:{port}/{name}"
    return with_database(target.admin_url, name)


def admin_execute(target: Target, sql: str) -> None:
    with connect(target.admin_url, autocommit=True) as conn:
        conn.execute(sql)


# --- The writer: the app's own services ----------------------------------------------------------


class Writer(threading.Thread):
    """Creates an organisation and a certificate with a scanned document, one transaction each."""

    def __init__(self, tag: str):
        super().__init__(daemon=True)
        self.tag, self.stop, self.log, self.error = tag, threading.Event(), [], None

    def run(self):
        from django.core.files.base import ContentFile
        from django.db import connection, transaction

        from htxconnect.core.actors import SYSTEM
        from htxconnect.registry import services

        n, today = 0, datetime.date.today()
        try:
            while not self.stop.is_set():
                n += 1
                payload = b"%PDF-1.4\n" + os.urandom(2048 + (n % 7) * 1024) + b"\n%%EOF\n"
                started = time.monotonic()
                with transaction.atomic():
                    org = services.create_organization(actor=SYSTEM, name=f"{DRILL_NAME} {self.tag} {n}",
                                                       province_code="79")
                    cert = services.create_certification(
                        actor=SYSTEM, organization=org, type="vietgap", number=f"DRILL-{self.tag}-{n}",
                        issuer="Drill", issue_date=today, expiry_date=today + datetime.timedelta(days=730),
                        document=ContentFile(payload, name=f"drill-{n}.pdf"))
                self.log.append({"org": org.pk, "cert": cert.pk, "file": cert.document.name,
                                 "sha256": hashlib.sha256(payload).hexdigest(),
                                 "began": started, "acked": time.monotonic()})
        except Exception as error:  # noqa: BLE001 - reported by the drill
            self.error = error
        finally:
            connection.close()

    def rate(self, start: float, end: float) -> float:
        done = sum(1 for item in self.log if start <= item["acked"] < end)
        return done / max(end - start, 1e-9)


def setup_django(target: Target) -> None:
    os.environ.update(target.env)
    os.environ["MEDIA_ROOT"] = str(target.media_root)
    os.environ["DATABASE_URL"] = target.source_url
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "htxconnect.settings")
    import django

    django.setup()


def file_fields() -> list[tuple[str, str]]:
    """(table, column) of every FileField/ImageField of the project."""
    from django.apps import apps
    from django.db import models

    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                found.append((model._meta.db_table, field.column))
    return found


# --- The drill --------------------------------------------------------------------------------


def drill(*, standalone: bool, before: float, after: float, keep: bool, template: str | None = None) -> dict:
    tag = uuid.uuid4().hex[:8]
    work = Path(tempfile.mkdtemp(prefix=f"htx-drill-backup-{tag}-"))
    target = standalone_target(work, tag, template) if standalone else stack_target()
    if target.pg_bin:
        os.environ["PATH"] = f"{target.pg_bin}{os.pathsep}{os.environ['PATH']}"
    setup_django(target)
    restore_name = f"htx_drill_restore_{tag}"
    restored_media = work / "restored-media"
    figures: dict = {"mode": "standalone" if standalone else "production stack", "tag": tag}
    writer = Writer(tag)
    created_restore = False
    try:
        # 1. Users writing: the rate before the backup is the reference.
        writer.start()
        deadline = time.monotonic() + 120
        while len(writer.log) < 2 and writer.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)  # the writer's first records (imports, connection) are not its pace
        t0 = time.monotonic()
        time.sleep(before)
        # 2. Snapshot, checksums of that snapshot, backup of that snapshot, then the files.
        with connect(target.source_url, autocommit=True) as snap:
            snap.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snapshot_begun = time.monotonic()
            snapshot_id = snap.execute("SELECT pg_export_snapshot()").fetchone()[0]
            t_backup = time.monotonic()
            expected = table_checksums(snap)
            figures["checksum_seconds"] = round(time.monotonic() - t_backup, 2)
            dest = work / "backups"
            env = {**os.environ, "DATABASE_URL": target.source_url, "MEDIA_ROOT": str(target.media_root),
                   "PG_SNAPSHOT": snapshot_id}
            result = subprocess.run(["bash", str(BACKUP), "--keep", "1", str(dest)], env=env,
                                    capture_output=True, text=True)
            t_backup_end = time.monotonic()
            snap.execute("COMMIT")
        if result.returncode != 0:
            raise RuntimeError(f"backup.sh failed: {result.stderr}")
        [backup] = [p for p in dest.iterdir() if p.name.startswith("htxconnect-")]
        time.sleep(after)
        writer.stop.set()
        writer.join(30)
        if writer.error:
            raise RuntimeError(f"the writer failed: {writer.error!r}")

        figures.update({
            "backup_seconds": round(t_backup_end - t_backup, 2),
            "dump_bytes": (backup / "database.dump").stat().st_size,
            "media_archive_bytes": (backup / "media.tar.gz").stat().st_size,
            "writes_before_per_s": round(writer.rate(t0, t_backup), 1),
            "writes_during_per_s": round(writer.rate(t_backup, t_backup_end), 1),
            "writes_during_backup": sum(1 for i in writer.log if t_backup <= i["acked"] < t_backup_end),
            "writes_total": len(writer.log),
        })
        figures["write_rate_ratio_during_vs_before"] = round(
            figures["writes_during_per_s"] / figures["writes_before_per_s"], 2) if figures["writes_before_per_s"] else None

        # 3. Restore into a fresh database and a fresh media directory.
        admin_execute(target, f'CREATE DATABASE "{restore_name}"')
        created_restore = True
        restore_url = restore_url_for(target, restore_name)
        started = time.monotonic()
        result = subprocess.run(["bash", str(RESTORE), str(backup)],
                                env={**os.environ, "DATABASE_URL": restore_url, "MEDIA_ROOT": str(restored_media)},
                                capture_output=True, text=True)
        figures["restore_seconds"] = round(time.monotonic() - started, 2)
        if result.returncode != 0:
            raise RuntimeError(f"restore.sh failed: {result.stderr}")

        # 4. Verify: every table, the writer's log, every file.
        problems: list[str] = []
        with connect(restore_url) as restored:
            actual = table_checksums(restored)
            for table, (rows, digest) in expected.items():
                if table not in actual:
                    problems.append(f"table {table} missing")
                elif actual[table] != (rows, digest):
                    problems.append(f"table {table}: {actual[table][0]} rows, expected {rows} (or checksum differs)")
            restored_certs = {row[0] for row in restored.execute(
                "SELECT id FROM registry_certification WHERE number LIKE %s", [f"DRILL-{tag}-%"])}
            referenced = []
            for table, column in file_fields():
                referenced += [(table, row[0]) for row in restored.execute(
                    f'SELECT "{column}" FROM "{table}" WHERE "{column}" <> \'\'')]
        acked_before = [i for i in writer.log if i["acked"] < snapshot_begun]
        began_after = [i for i in writer.log if i["began"] > t_backup]
        missing = [i["cert"] for i in acked_before if i["cert"] not in restored_certs]
        extra = [i["cert"] for i in began_after if i["cert"] in restored_certs]
        if missing:
            problems.append(f"{len(missing)} records committed before the snapshot are missing: {missing[:5]}")
        if extra:
            problems.append(f"{len(extra)} records begun after the snapshot are in the backup: {extra[:5]}")
        writer_files = {i["file"]: i["sha256"] for i in writer.log}
        files_checked = 0
        for table, name in referenced:
            restored_file = restored_media / name
            if not restored_file.is_file():
                problems.append(f"{table}: {name} is named by a row but not restored")
                continue
            digest = sha256(restored_file)
            source_file = target.media_root / name
            if name in writer_files and digest != writer_files[name]:
                problems.append(f"{name}: restored bytes differ from what was written")
            elif source_file.is_file() and digest != sha256(source_file):
                problems.append(f"{name}: restored bytes differ from the source file")
            files_checked += 1
        restored_files = {str(p.relative_to(restored_media)) for p in restored_media.rglob("*") if p.is_file()}
        partial = [n for n in restored_files if n.endswith(".part")]
        if partial:
            problems.append(f"partial uploads in the archive: {partial[:5]}")
        figures.update({
            "tables": len(expected), "rows": sum(rows for rows, _ in expected.values()),
            "records_in_snapshot": len(restored_certs), "records_acked_before_snapshot": len(acked_before),
            "records_after_snapshot": len(writer.log) - len(restored_certs),
            "files_checked": files_checked, "files_restored": len(restored_files),
            "orphan_files": len(restored_files - {name for _, name in referenced}),
            "problems": problems,
        })
        return figures
    finally:
        writer.stop.set()
        if writer.is_alive():
            writer.join(30)
        if created_restore and not keep:
            admin_execute(target, f'DROP DATABASE IF EXISTS "{restore_name}" WITH (FORCE)')
        if target.standalone and not keep:
            from django.db import connections

            connections.close_all()
            admin_execute(target, f'DROP DATABASE IF EXISTS "{urlsplit(target.source_url).path.lstrip("/")}" WITH (FORCE)')
        elif not target.standalone:
            cleanup_stack(tag, writer.log)
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            say(f"Giữ lại / kept: {work}, database {restore_name}")


def cleanup_stack(tag: str, log: list[dict]) -> None:
    """Remove the drill's records and their files from the production stack's database and media."""
    from django.core.files.storage import default_storage
    from django.db import connections

    from htxconnect.registry.models import Certification, Organization

    for item in log:
        with contextlib.suppress(Exception):
            default_storage.delete(item["file"])
    Certification.objects.filter(number__startswith=f"DRILL-{tag}-").delete()
    Organization.objects.filter(name__startswith=f"{DRILL_NAME} {tag} ").delete()
    connections.close_all()


def report(figures: dict) -> None:
    say("")
    say(f"Diễn tập sao lưu và khôi phục / backup and restore drill — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        f" — {figures['mode']}")
    say(f"  bảng / tables: {figures['tables']}, dòng / rows in the snapshot: {figures['rows']}")
    say(f"  bản ghi của drill trong ảnh chụp / drill records in the snapshot: {figures['records_in_snapshot']}"
        f" (committed before it: {figures['records_acked_before_snapshot']}, after it: {figures['records_after_snapshot']})")
    say(f"  sao lưu / backup: {figures['backup_seconds']} s, dump {figures['dump_bytes'] / 1e6:.2f} MB, "
        f"media archive {figures['media_archive_bytes'] / 1e6:.2f} MB; checksums {figures['checksum_seconds']} s")
    say(f"  khôi phục / restore: {figures['restore_seconds']} s")
    say(f"  ghi trong lúc sao lưu / writes during the backup: {figures['writes_during_backup']} "
        f"({figures['writes_during_per_s']}/s vs {figures['writes_before_per_s']}/s before: "
        f"ratio {figures['write_rate_ratio_during_vs_before']})")
    say(f"  tệp / files: {figures['files_checked']} named by rows, all checked by sha256; "
        f"{figures['files_restored']} restored, {figures['orphan_files']} written after the snapshot (no row)")
    if figures["problems"]:
        say("  SAI / PROBLEMS:")
        for problem in figures["problems"]:
            say(f"   - {problem}")
    else:
        say("  ĐÚNG / OK: every table has the snapshot's count and checksum; every file named by a row is whole.")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--standalone", action="store_true",
                        help="a throw-away database on 127.0.0.1:5432 (HTX_OPS_PG_URL) instead of the production stack")
    parser.add_argument("--before", type=float, default=3.0, help="seconds of writing before the backup (reference rate)")
    parser.add_argument("--after", type=float, default=1.0, help="seconds of writing after the backup")
    parser.add_argument("--template", help="--standalone: copy this migrated database instead of migrating; "
                                           "'auto': a template kept on the server, migrated once per migrations state")
    parser.add_argument("--keep", action="store_true", help="keep the restored database and the work directory")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)
    missing = [tool for tool in ("pg_dump", "pg_restore", "psql", "tar") if not shutil.which(tool)]
    if missing and (args.standalone or not stack_file().exists()):
        say(f"Thiếu / missing: {', '.join(missing)} (apt install postgresql-client)")
        return 2
    figures = drill(standalone=args.standalone or bool(args.template), before=args.before, after=args.after,
                    keep=args.keep, template=args.template)
    report(figures)
    if args.json:
        say(json.dumps(figures, ensure_ascii=False))
    return 1 if figures["problems"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
