"""schemathesis against /api/v1/openapi.json (the REST API's own description, as clients read it): no
operation answers a server error (5xx), whatever the generated input. Bounded: few examples per operation,
fixed seed, examples and fuzzing phases; authenticated with an API key of the administrator (who reaches
every operation) on sample data (an organisation, a product, a program, an offer and a demand).
`API_SCHEMATHESIS=full` runs more examples and the coverage phase.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from htxconnect.core.actors import SYSTEM
from tests.tools import require

ST = Path(sys.executable).parent / "st"


def test_no_api_operation_answers_a_server_error(live_server, transactional_db, tmp_path, users, agencies, settings):
    require(ST.exists(), f"schemathesis ({ST})", how="make install (the test extra)")
    # One client sending as fast as it can: its key is not rate limited here (tests/api/test_api_key_rate_limit.py).
    settings.API_KEY_RATE_LIMIT = 0
    from htxconnect.accounts.apikeys import issue_key
    from tests.world import build_world

    world = build_world(users, agencies)
    from tests.registry.matrix import registry_samples

    registry_samples(world)
    _key, raw = issue_key(users["admin"], "schemathesis", by=SYSTEM)
    full = os.environ.get("API_SCHEMATHESIS") == "full"
    base = live_server.url.replace("localhost", "127.0.0.1")
    # Fetched here (a busy machine can take longer than schemathesis' 10 s to answer the first request).
    with urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=120) as answer:
        description = tmp_path / "openapi.json"
        description.write_bytes(answer.read())
    command = [
        str(ST), "run", str(description), "--url", f"{base}/api/v1",
        "-H", f"Authorization: Bearer {raw}",
        "--checks", "not_a_server_error",
        "--max-examples", "30" if full else "5", "-w", "1", "--seed", "20261128", "--generation-deterministic",
        "--phases", "examples,coverage,fuzzing" if full else "examples,fuzzing",
        "--request-timeout", "20", "--suppress-health-check", "too_slow",
    ]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "/market/demands" in result.stdout, result.stdout[-3000:]  # the operations were really tested
