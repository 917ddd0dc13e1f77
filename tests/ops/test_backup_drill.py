"""bench/faults/backup_restore.py for real, short: a writer thread keeps creating records with
uploaded files through the app while deploy/backup.sh dumps an exported snapshot; the backup is
restored by deploy/restore.sh into a new database and media directory, and every table's count
and checksum and every file's sha256 must match.

The source is a copy of an already migrated database (CREATE DATABASE … TEMPLATE): the test
suite's own database when the suite runs on PostgreSQL, otherwise a template the drill keeps on
the server, migrated once per state of the migrations.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.ops.test_backup_restore import admin_url, connect
from tests.tools import require, require_commands

ROOT = Path(__file__).resolve().parents[2]
DRILL = ROOT / "bench" / "faults" / "backup_restore.py"


def test_drill_backs_up_while_users_write_and_restores_every_table_and_file(django_db_setup, django_db_blocker):
    require_commands("pg_dump", "pg_restore", "psql", "tar")
    url = admin_url()
    try:
        connect(url).close()
        reachable, problem = True, ""
    except Exception as exc:  # noqa: BLE001 - any failure means: no server to test against
        reachable, problem = False, str(exc)
    require(reachable, f"no PostgreSQL server reachable: {problem}", how="start PostgreSQL or set HTX_OPS_PG_URL")

    from django.db import connections

    template = "auto"
    if connections["default"].vendor == "postgresql":
        template = connections.settings["default"]["NAME"]  # the suite's migrated test database
        with django_db_blocker.unblock():
            connections.close_all()  # a template must have no session while it is copied
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "MEDIA_ROOT", "PG"))}
    env["HTX_OPS_PG_URL"] = url
    result = subprocess.run([sys.executable, str(DRILL), "--template", template, "--before", "0.5", "--after", "0.5",
                             "--json"], env=env, capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["problems"] == []
    assert figures["tables"] > 50  # the whole schema, not a sample
    # Users were writing on both sides of the snapshot: some records are in it, some came after.
    assert figures["records_in_snapshot"] >= 2 and figures["records_after_snapshot"] >= 1
    assert figures["records_in_snapshot"] >= figures["records_acked_before_snapshot"]
    assert figures["files_checked"] >= figures["records_in_snapshot"]
    assert "ĐÚNG / OK" in result.stdout

    # Nothing left behind on the server but the kept template.
    with connect(url) as conn:
        left = [row[0] for row in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'htx_drill_src_%' OR datname LIKE 'htx_drill_restore_%'"
            " OR datname LIKE 'htx_drill_template_%_building_%'")]
    assert left == [] or all(figures["tag"] not in name for name in left)
