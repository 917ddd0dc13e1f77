"""`make bench` (bench/run.py) runs on PostgreSQL when a server answers and says so when it falls back."""

import importlib.util
import os
from pathlib import Path

from tests.tools import free_port, require

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
bench_run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_run)


def test_a_server_that_does_not_answer_falls_back_to_sqlite_and_says_so():
    url = f"postgres://postgres@127.0.0.1:{free_port()}/x"
    env, line, postgres = bench_run.choose_database({"DATABASE_URL": url, "PATH": "/bin"})
    assert postgres is False and "DATABASE_URL" not in env and env["PATH"] == "/bin"
    assert line.startswith("database: SQLite — FALLBACK") and url in line


def test_sqlite_asked_for_is_named_as_not_the_targets_database():
    env, line, postgres = bench_run.choose_database({"DATABASE_URL": "sqlite:///x.db"})
    assert postgres is False and env["DATABASE_URL"] == "sqlite:///x.db" and "NOT the PostgreSQL" in line


def test_password_is_not_printed():
    url = f"postgres://u:s3cret@127.0.0.1:{free_port()}/x"
    _, line, _ = bench_run.choose_database({"DATABASE_URL": url})
    assert "s3cret" not in line and ":***@" in line


def test_postgresql_is_used_when_it_answers():
    url = os.environ.get("DATABASE_URL", "")
    url = url if url.startswith("postgres") else "postgres://postgres@127.0.0.1:5432/postgres"
    version, why = bench_run._probe(url)
    require(version is not None, f"PostgreSQL answering at {url} ({why})", "scripts/install_system_deps.sh")
    env, line, postgres = bench_run.choose_database({"DATABASE_URL": url})
    assert postgres is True and env["DATABASE_URL"] == url and line.startswith(f"database: PostgreSQL {version}")
