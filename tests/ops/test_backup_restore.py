"""deploy/backup.sh and restore.sh for real, against the local PostgreSQL server.

A source database gets rows (Vietnamese text, a foreign key, a sequence), a media directory
gets files; the backup is restored into a second, empty database and directory and compared.
Needs a reachable PostgreSQL server (skipped locally, a failure under HTX_REQUIRE_ALL=1):
HTX_OPS_PG_URL, else DATABASE_URL when it is PostgreSQL, else postgres://postgres@127.0.0.1:5432/postgres.
"""

import filecmp
import os
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.tools import require, require_commands

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "deploy" / "backup.sh"
RESTORE = ROOT / "deploy" / "restore.sh"


def admin_url() -> str:
    url = os.environ.get("HTX_OPS_PG_URL") or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def connect(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(host=parts.hostname or None, port=parts.port or 5432, user=parts.username,
                           password=parts.password, dbname=parts.path.lstrip("/"), connect_timeout=3,
                           autocommit=True)


@pytest.fixture(scope="module")
def pg():
    require_commands("pg_dump", "pg_restore", "psql")
    url = admin_url()
    try:
        connect(url).close()
        reachable, problem = True, ""
    except Exception as exc:  # noqa: BLE001 - any failure means: no server to test against
        reachable, problem = False, str(exc)
    require(reachable, f"no PostgreSQL server reachable at {urlsplit(url).hostname}: {problem}",
            how="start PostgreSQL or set HTX_OPS_PG_URL")
    return url


@pytest.fixture
def databases(pg):
    """(source URL, empty target URL); both dropped afterwards."""
    tag = uuid.uuid4().hex[:8]
    names = [f"htx_ops_src_{tag}", f"htx_ops_dst_{tag}"]
    with connect(pg) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    yield tuple(with_database(pg, name) for name in names)
    with connect(pg) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fill(url: str):
    with connect(url) as conn:
        conn.execute("CREATE TABLE organisation (id serial PRIMARY KEY, name text NOT NULL, tax_code varchar(14))")
        conn.execute("CREATE TABLE product (id serial PRIMARY KEY, organisation_id int REFERENCES organisation(id),"
                     " name text, price bigint)")
        conn.execute("INSERT INTO organisation (name, tax_code) VALUES"
                     " ('HTX Nông nghiệp Dứa Đồng Giao', '0101234567'), ('HTX Hồng Đức', '0312345678-001'),"
                     " ('Tổ hợp tác Rau sạch Bến Cát', NULL)")
        conn.execute("INSERT INTO product (organisation_id, name, price) SELECT o.id, 'Sản phẩm ' || g, g * 2500000"
                     " FROM organisation o, generate_series(1, 50) g")


def snapshot(url: str):
    with connect(url) as conn:
        orgs = conn.execute("SELECT id, name, tax_code FROM organisation ORDER BY id").fetchall()
        products = conn.execute("SELECT id, organisation_id, name, price FROM product ORDER BY id").fetchall()
        sequence = conn.execute("SELECT last_value, is_called FROM organisation_id_seq").fetchone()
    return orgs, products, sequence


def make_media(path: Path):
    (path / "certificates" / "2026").mkdir(parents=True)
    (path / "certificates" / "2026" / "Giấy chứng nhận VietGAP.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(4096))
    (path / "logo.png").write_bytes(os.urandom(1024))
    (path / "ghi chú.txt").write_text("Dứa MD2 — lô 01\n", encoding="utf-8")


def run(script, *args, env=None):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DATABASE_URL", "MEDIA_ROOT"))}
    base.update(env or {})
    return subprocess.run(["bash", str(script), *map(str, args)], env=base, capture_output=True, text=True, timeout=120)


def backups_in(dest: Path):
    return sorted(p for p in dest.iterdir() if p.is_dir() and p.name.startswith("htxconnect-"))


def assert_same_tree(a: Path, b: Path):
    comparison = filecmp.dircmp(a, b)
    assert not comparison.left_only and not comparison.right_only and not comparison.diff_files, comparison.report()
    for sub in comparison.common_dirs:
        assert_same_tree(a / sub, b / sub)
    for name in comparison.common_files:
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_backup_then_restore_into_an_empty_database_gives_the_same_data(databases, tmp_path):
    source, target = databases
    fill(source)
    media, restored_media, dest = tmp_path / "media", tmp_path / "restored-media", tmp_path / "backups"
    make_media(media)

    result = run(BACKUP, "--keep", "3", dest, env={"DATABASE_URL": source, "MEDIA_ROOT": str(media)})
    assert result.returncode == 0, result.stderr
    [backup] = backups_in(dest)
    assert {p.name for p in backup.iterdir()} == {"database.dump", "media.tar.gz", "MANIFEST", "SHA256SUMS"}
    assert "media_files=3" in (backup / "MANIFEST").read_text()
    assert oct(backup.stat().st_mode & 0o777) == "0o700"  # personal data: owner only
    assert not [p for p in dest.iterdir() if p.name.startswith(".")]  # no partial left behind

    result = run(RESTORE, backup, env={"DATABASE_URL": target, "MEDIA_ROOT": str(restored_media)})
    assert result.returncode == 0, result.stderr
    assert snapshot(target) == snapshot(source)
    assert_same_tree(media, restored_media)


def test_restore_refuses_a_database_or_media_directory_that_is_not_empty(databases, tmp_path):
    source, target = databases
    fill(source)
    media = tmp_path / "media"
    make_media(media)
    dest = tmp_path / "backups"
    assert run(BACKUP, dest, env={"DATABASE_URL": source, "MEDIA_ROOT": str(media)}).returncode == 0
    [backup] = backups_in(dest)

    # Into the source itself (not empty): refused, nothing changed.
    before = snapshot(source)
    result = run(RESTORE, backup, env={"DATABASE_URL": source, "MEDIA_ROOT": str(tmp_path / "new-media")})
    assert result.returncode != 0
    assert "không trống" in result.stderr and "not empty" in result.stderr
    assert snapshot(source) == before

    # Empty database but a media directory holding files: refused before the database is touched.
    result = run(RESTORE, backup, env={"DATABASE_URL": target, "MEDIA_ROOT": str(media)})
    assert result.returncode != 0 and "not empty" in result.stderr
    with connect(target) as conn:
        assert conn.execute("SELECT to_regclass('public.organisation')").fetchone()[0] is None


def test_restore_refuses_a_damaged_backup(databases, tmp_path):
    source, target = databases
    fill(source)
    dest = tmp_path / "backups"
    assert run(BACKUP, dest, env={"DATABASE_URL": source, "MEDIA_ROOT": str(tmp_path / "no-media-yet")}).returncode == 0
    [backup] = backups_in(dest)
    with open(backup / "database.dump", "r+b") as dump:
        dump.seek(200)
        dump.write(b"\x00\xff\x00\xff")
    result = run(RESTORE, backup, env={"DATABASE_URL": target, "MEDIA_ROOT": str(tmp_path / "m")})
    assert result.returncode != 0
    assert "checksum" in result.stderr


def test_retention_keeps_the_newest_backups(databases, tmp_path):
    source, _ = databases
    fill(source)
    dest, media = tmp_path / "backups", tmp_path / "media"
    media.mkdir()
    env = {"DATABASE_URL": source, "MEDIA_ROOT": str(media)}
    seen = []
    for _ in range(3):
        assert run(BACKUP, "--keep", "2", dest, env=env).returncode == 0
        seen.append(backups_in(dest)[-1].name)
    assert [p.name for p in backups_in(dest)] == seen[1:]


def test_env_file_supplies_the_settings(databases, tmp_path):
    source, _ = databases
    fill(source)
    media = tmp_path / "media"
    make_media(media)
    env_file = tmp_path / "env"
    env_file.write_text(f"DJANGO_ENV=production\nDATABASE_URL={source}\nMEDIA_ROOT={media}\n"
                        "DEFAULT_FROM_EMAIL=HTX Connect <no-reply@htx.example.vn>\n")
    result = run(BACKUP, "--env-file", env_file, tmp_path / "b")
    assert result.returncode == 0, result.stderr
    assert len(backups_in(tmp_path / "b")) == 1


# --- without a server -----------------------------------------------------------------------


@pytest.mark.parametrize("script", [BACKUP, RESTORE])
def test_scripts_print_usage_and_refuse_without_arguments(script, tmp_path):
    result = run(script)
    assert result.returncode == 2
    assert "usage" in result.stderr and "Cách dùng" in result.stderr
    # An argument but no DATABASE_URL / MEDIA_ROOT: refused the same way, nothing created.
    result = run(script, tmp_path / "x")
    assert result.returncode == 2 and "DATABASE_URL" in result.stderr
    assert not (tmp_path / "x").exists()


def test_backup_rejects_a_bad_keep_and_a_non_postgres_url(tmp_path):
    assert run(BACKUP, "--keep", "0", tmp_path / "b",
               env={"DATABASE_URL": "postgres://x@h/db", "MEDIA_ROOT": "/tmp"}).returncode == 2
    result = run(BACKUP, tmp_path / "b", env={"DATABASE_URL": "sqlite:///db.sqlite3", "MEDIA_ROOT": str(tmp_path)})
    assert result.returncode == 1 and "PostgreSQL" in result.stderr


def test_pgenv_turns_a_database_url_into_libpq_variables():
    import importlib.util

    spec = importlib.util.spec_from_file_location("pgenv", ROOT / "deploy" / "pgenv.py")
    pgenv = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pgenv)
    assert pgenv.pg_env("postgres://htx:p%40ss%3Aw@db.local:5433/htxconnect?sslmode=require") == {
        "PGDATABASE": "htxconnect", "PGHOST": "db.local", "PGPORT": "5433", "PGUSER": "htx",
        "PGPASSWORD": "p@ss:w", "PGSSLMODE": "require"}
    assert pgenv.pg_env("postgresql://u@%2Fvar%2Frun%2Fpostgresql/db")["PGHOST"] == "/var/run/postgresql"
    with pytest.raises(ValueError):
        pgenv.pg_env("sqlite:///db.sqlite3")


def test_scripts_are_shellcheck_clean():
    require_commands("shellcheck")
    scripts = [BACKUP, RESTORE, ROOT / ".ci" / "run", *sorted((ROOT / "scripts").glob("*.sh")),
               *sorted((ROOT / "deploy").glob("*.sh"))]
    result = subprocess.run(["shellcheck", *map(str, dict.fromkeys(scripts))], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
