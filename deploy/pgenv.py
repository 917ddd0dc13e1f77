#!/usr/bin/env python3
"""Print libpq environment variables (shell-quoted) for a DATABASE_URL, for backup.sh/restore.sh.

Accepts the schemes django-environ accepts for PostgreSQL. Passing the password through
PGPASSWORD keeps it out of the process list, where a --dbname=URL argument would show it.
Exits 1 for a URL that is not PostgreSQL.
"""

import shlex
import sys
from urllib.parse import parse_qs, unquote, urlsplit

SCHEMES = {"postgres", "postgresql", "pgsql", "psql", "postgis"}
# Query parameters that libpq also takes as environment variables.
QUERY_VARS = {
    "host": "PGHOST", "port": "PGPORT", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME", "options": "PGOPTIONS",
}


def pg_env(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ValueError(f"not a PostgreSQL URL: scheme {parts.scheme!r}")
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise ValueError("no database name in the URL")
    env = {"PGDATABASE": database}
    # Taken from the raw netloc, not .hostname (which lowercases): a host such as
    # %2Fvar%2Frun%2Fpostgresql is a Unix socket directory (django-environ convention).
    host = parts.netloc.rpartition("@")[2]
    host = host[1:host.index("]")] if host.startswith("[") else host.split(":")[0]
    if host:
        env["PGHOST"] = unquote(host)
    if parts.port:
        env["PGPORT"] = str(parts.port)
    if parts.username:
        env["PGUSER"] = unquote(parts.username)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    for key, values in parse_qs(parts.query).items():
        if key in QUERY_VARS and values:
            env[QUERY_VARS[key]] = values[-1]
    return env


def main(argv):
    if len(argv) != 2:
        print("usage: pgenv.py DATABASE_URL", file=sys.stderr)
        return 2
    try:
        env = pg_env(argv[1])
    except ValueError as exc:
        print(f"pgenv.py: {exc}", file=sys.stderr)
        return 1
    for key, value in env.items():
        print(f"export {key}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
