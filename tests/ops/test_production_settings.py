"""Production mode: `check --deploy` is clean, HTTPS is enforced except for /healthz, /readyz and /metrics;
logs are JSON lines carrying the request id."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_production(args, tmp_path, **extra_env):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    env.update(DJANGO_ENV="production", SECRET_KEY="prod-" + secrets.token_urlsafe(48), ALLOWED_HOSTS="htx.example.vn",
               DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}", STATIC_ROOT=str(tmp_path / "static"),
               MEDIA_ROOT=str(tmp_path / "media"))
    env.update(extra_env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_check_deploy_prints_no_warning(tmp_path):
    # A shared cache is required in production (htx.E001); the check does not connect to it.
    result = run_production(["check", "--deploy", "--fail-level", "WARNING"], tmp_path,
                            REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_fails_with_a_per_process_cache(tmp_path):
    """Without REDIS_URL the cache is local memory: throttling and purges per process → error."""
    result = run_production(["check", "--deploy"], tmp_path)
    assert result.returncode != 0
    assert "htx.E001" in result.stderr and "login throttling" in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_production(["check"], tmp_path, SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


PROBE = """
import json
from django.test import Client
c = Client(HTTP_HOST="htx.example.vn")
h = c.get("/healthz")
ready = c.get("/readyz")
metrics = c.get("/metrics", headers={"Authorization": "Bearer " + "m" * 40})
login = c.get("/accounts/login/")
secure = c.get("/healthz", secure=True)
print(json.dumps({"healthz": h.status_code, "readyz": ready.status_code, "metrics": metrics.status_code, "login": login.status_code, "location": login.get("Location", ""),
                  "hsts": secure.get("Strict-Transport-Security", ""),
                  "csp": secure.get("Content-Security-Policy", "")}))
"""


def test_http_is_redirected_to_https_except_healthz(tmp_path):
    # No migrations in this empty database: the immediate task backend keeps the queue check out.
    result = run_production(["shell", "-c", PROBE], tmp_path, TASK_BACKEND="immediate", METRICS_TOKEN="m" * 40)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["healthz"] == 200
    assert seen["readyz"] == 503  # answered over HTTP (not redirected): this empty database has no migrations
    assert seen["metrics"] == 200  # Prometheus scrapes Granian over plain HTTP
    assert seen["login"] == 301 and seen["location"].startswith("https://htx.example.vn/")
    assert "max-age=31536000" in seen["hsts"]
    assert "default-src 'self'" in seen["csp"]


JSON_PROBE = """
from django.test import Client
r = Client(HTTP_HOST="htx.example.vn").get("/healthz", headers={"X-Request-ID": "f00dfeed0123456789abcdef01234567"},
                                           secure=True)
print("X-Request-ID:", r["X-Request-ID"])
"""


def test_production_logs_are_json_lines_with_the_request_id(tmp_path):
    """As behind deploy/nginx (TRUST_X_REQUEST_ID=true): nginx's id is the log's and the response's."""
    result = run_production(["shell", "-c", JSON_PROBE], tmp_path, TASK_BACKEND="immediate", TRUST_X_REQUEST_ID="true")
    assert result.returncode == 0, result.stderr
    assert "X-Request-ID: f00dfeed0123456789abcdef01234567" in result.stdout
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    request = [line for line in lines if line["logger"] == "htxconnect.request"]
    assert len(request) == 1, result.stderr
    line = request[0]
    assert line["request_id"] == "f00dfeed0123456789abcdef01234567"
    assert (line["method"], line["path"], line["status"], line["route"]) == ("GET", "/healthz", 200, "healthz")
    assert line["duration_ms"] >= 0 and line["user_id"] is None and line["level"] == "INFO"
    assert line["time"].startswith("20") and "T" in line["time"]  # ISO 8601
    # every line the process wrote to the console is JSON
    assert all(not text.strip() or text.startswith("{") for text in result.stderr.splitlines()), result.stderr
