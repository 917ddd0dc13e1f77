"""Runs every benchmark in bench/ (files named bench_*.py or *_bench.py or listed below).

Each benchmark is a standalone script that prints its own figures: absolute numbers and a
ratio against a reference measured in the same run. `make bench BENCH_ARGS=epcis_capture`
runs only the named ones.

The performance targets are set on PostgreSQL, so the benchmarks run there by default: on
DATABASE_URL when it names a PostgreSQL server that answers, else on postgres://postgres@127.0.0.1:5432
when a server answers there (database `htx_bench`, created if missing; each benchmark makes its own
throw-away database beside it). Only when no server answers do they fall back to SQLite, and this
says so at the start and at the end. DATABASE_URL=sqlite:///… asks for SQLite explicitly.
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
BENCH_DATABASE = "htx_bench"


def _probe(url: str) -> tuple[str | None, str]:
    """(server version, "") when PostgreSQL answers at `url`, else (None, why)."""
    try:
        import psycopg
    except ImportError as exc:  # the project depends on psycopg; say so rather than guess
        return None, f"psycopg missing ({exc})"
    try:
        with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
            return conn.execute("SHOW server_version").fetchone()[0], ""
    except Exception as exc:
        return None, str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def choose_database(environ: dict) -> tuple[dict, str, bool]:
    """(environment for the benchmarks, a line saying which database, whether it is PostgreSQL)."""
    env = dict(environ)
    url = environ.get("DATABASE_URL", "")
    if url and not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return env, f"database: {url.split(':', 1)[0]} (DATABASE_URL asks for it) — NOT the PostgreSQL of the targets", False
    if url:
        version, why = _probe(url)
        if version:
            return env, f"database: PostgreSQL {version} ({_redact(url)}, from DATABASE_URL)", True
        tried = f"DATABASE_URL={_redact(url)}: {why}"
    else:
        server = _with_database(DEFAULT_SERVER, "postgres")
        version, why = _probe(server)
        if version:
            with __import__("psycopg").connect(server, autocommit=True) as conn:
                if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE]).fetchone():
                    conn.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
            env["DATABASE_URL"] = _with_database(DEFAULT_SERVER, BENCH_DATABASE)
            return env, f"database: PostgreSQL {version} ({env['DATABASE_URL']}, the default server)", True
        tried = f"{DEFAULT_SERVER}: {why}"
    env.pop("DATABASE_URL", None)
    return env, (f"database: SQLite — FALLBACK, no PostgreSQL answered ({tried}). The targets are set on "
                 f"PostgreSQL: start one or set DATABASE_URL=postgres://…"), False


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


def main(argv):
    scripts = sorted(p for p in HERE.glob("*.py") if p.name not in {"run.py", "__init__.py"} and not p.name.startswith("_"))
    if argv:
        scripts = [p for p in scripts if p.stem in argv]
    env, line, postgres = choose_database(os.environ)
    banner = ("=== " if postgres else "!!! ") + line
    print(banner, flush=True)
    failed = []
    for script in scripts:
        print(f"=== {script.stem} ===", flush=True)
        if subprocess.call([sys.executable, str(script)], env=env) != 0:
            failed.append(script.stem)
    print(banner, flush=True)
    if failed:
        print(f"!!! failed: {', '.join(failed)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
