"""deploy/: the nginx site and systemd units say what docs/admin/deploy.md promises, and parse."""

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.tools import require_commands

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SITE = DEPLOY / "nginx" / "htxconnect.conf"
PROXY = DEPLOY / "nginx" / "htxconnect-proxy.conf"


def unit(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / "systemd" / name)
    return parser


def test_nginx_site_has_tls_static_media_proxy_and_scan_cache():
    site = SITE.read_text()
    proxy = PROXY.read_text()
    for needle in ("listen 443 ssl", "ssl_certificate ", "return 301 https://", "client_max_body_size",
                   "gzip on", "location /static/", "alias /srv/htxconnect/static/", "location /media/",
                   "alias /srv/htxconnect/media/", "server 127.0.0.1:8000", "proxy_cache_path",
                   "keys_zone=htx_scan", "location ^~ /01/", "proxy_cache htx_scan",
                   "proxy_cache_bypass $htx_session", "location ^~ /scan/01/",
                   "root /srv/htxconnect/scan-pages/current;", "location @htx_scan_app"):
        assert needle in site, needle
    for needle in ("X-Real-IP $remote_addr", "X-Forwarded-Proto $scheme", "Host $host"):
        assert needle in proxy, needle


def test_nginx_reads_the_cookies_by_the_names_production_gives_them(tmp_path):
    """The session and language cookies nginx looks at are the production settings' names (read from a
    DJANGO_ENV=production process): __Host- names (ASVS 5.0 3.3.1), which nginx cannot read as
    $cookie_<name> variables, so no such variable is left in the site."""
    import json

    from tests.ops.test_production_settings import run_production

    code = ("import json; from django.conf import settings as s; "
            "print('NAMES ' + json.dumps([s.SESSION_COOKIE_NAME, s.LANGUAGE_COOKIE_NAME, s.CSRF_COOKIE_NAME]))")
    result = run_production(["shell", "-c", code], tmp_path, TASK_BACKEND="immediate")
    assert result.returncode == 0, result.stderr[-2000:]
    session, language, csrf = json.loads(next(x for x in result.stdout.splitlines() if x.startswith("NAMES "))[6:])
    assert (session, language, csrf) == ("__Host-sessionid", "__Host-django_language", "__Host-csrftoken")
    site = SITE.read_text()
    directives = "\n".join(line.split("#", 1)[0] for line in site.splitlines())
    assert "$cookie_" not in directives
    assert rf"__Host-sessionid\s*=" in directives and rf"__Host-django_language\s*=" in directives
    for name in ("$htx_session", "$htx_lang_cookie"):
        assert f"map $http_cookie {name} {{" in directives, name


def test_nginx_serves_only_the_public_upload_prefixes_and_private_files_through_django():
    """/media/ serves exactly core.storage.PUBLIC_PREFIXES; any other name there is 404; private
    files come from MEDIA_ROOT through the internal /_protected/ location (X-Accel-Redirect from
    /files/, decision 0028), and the env file turns that on."""
    import re

    from htxconnect.core.storage import PUBLIC_PREFIXES

    site = SITE.read_text()
    media = {m.group(1): m.group(2) for m in re.finditer(r"location (/media/[^ ]*) \{(.*?)\n    \}", site, re.S)}
    assert set(media) == {"/media/", *(f"/media/{prefix}" for prefix in PUBLIC_PREFIXES)}
    assert media["/media/"].split() == ["return", "404;"]
    for prefix in PUBLIC_PREFIXES:
        block = media[f"/media/{prefix}"]
        assert f"alias /srv/htxconnect/media/{prefix};" in block and "sandbox" in block and "nosniff" in block
    protected = re.search(r"location /_protected/ \{(.*?)\n    \}", site, re.S).group(1)
    assert "internal;" in protected and "alias /srv/htxconnect/media/;" in protected
    assert "sandbox" in protected and "nosniff" in protected
    assert "FILES_X_ACCEL_REDIRECT=true" in (DEPLOY / "htxconnect.env.example").read_text()


def test_nginx_accepts_the_site(tmp_path):
    """`nginx -t` on the real files, with test certificates and paths under tmp_path."""
    require_commands("nginx", "openssl")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=htx.example.vn", "-keyout", tmp_path / "key.pem", "-out", tmp_path / "cert.pem"],
                   check=True, capture_output=True)
    (tmp_path / "logs").mkdir()
    site = (SITE.read_text()
            .replace("/etc/nginx/snippets/htxconnect-proxy.conf", str(PROXY))
            .replace("/etc/letsencrypt/live/htx.example.vn/fullchain.pem", str(tmp_path / "cert.pem"))
            .replace("/etc/letsencrypt/live/htx.example.vn/privkey.pem", str(tmp_path / "key.pem"))
            .replace("/var/cache/nginx/htxconnect", str(tmp_path / "cache"))
            .replace("/var/log/nginx/", str(tmp_path / "logs") + "/"))
    (tmp_path / "site.conf").write_text(site)
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/logs/error.log;\nevents {{}}\n"
        f"http {{\n {mime}\n access_log {tmp_path}/logs/access.log;\n include {tmp_path}/site.conf;\n}}\n")
    result = subprocess.run(["nginx", "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_web_unit_runs_granian_wsgi_with_several_workers_on_localhost():
    web = unit("htxconnect-web.service")
    service = web["Service"]
    assert "granian --interface wsgi --host 127.0.0.1 --port 8000" in service["ExecStart"].replace("\\\n", "")
    assert "htxconnect.wsgi:application" in service["ExecStart"]
    assert "\nEnvironment=GRANIAN_WORKERS=4\n" in (DEPLOY / "systemd" / "htxconnect-web.service").read_text()
    assert service["EnvironmentFile"] == "/etc/htxconnect/env"
    assert service["User"] == "htx" and service["Restart"] == "always"
    assert web["Install"]["WantedBy"] == "multi-user.target"


def test_worker_units_run_the_task_worker_of_the_configured_backend():
    for name, queues in (("htxconnect-worker.service", ""), ("htxconnect-worker@.service", " %i")):
        service = unit(name)["Service"]
        assert service["ExecStart"].endswith("manage.py run_worker" + queues)
        assert service["Restart"] == "always"  # a killed worker comes back and requeues its task
    service = unit("htxconnect-worker.service")["Service"]
    assert service["EnvironmentFile"] == "/etc/htxconnect/env"
    assert int(service["TimeoutStopSec"]) >= 60  # the task in hand may finish


def test_backup_timer_runs_backup_script():
    assert "deploy/backup.sh --keep" in unit("htxconnect-backup.service")["Service"]["ExecStart"]
    assert unit("htxconnect-backup.timer")["Timer"]["OnCalendar"]


def test_reminders_run_daily_from_a_timer():
    # The "day" jobs of core.periodic: expiry reminders and loan instalment reminders.
    service = unit("htxconnect-reminders.service")["Service"]
    assert service["ExecStart"].endswith("manage.py run_periodic --once --period day")
    assert service["Type"] == "oneshot" and service["EnvironmentFile"] == "/etc/htxconnect/env"
    timer = unit("htxconnect-reminders.timer")["Timer"]
    assert timer["OnCalendar"] == "*-*-* 07:00:00" and timer["Persistent"] == "true"


def test_periodic_jobs_run_every_minute_from_a_timer():
    assert unit("htxconnect-periodic.service")["Service"]["ExecStart"].endswith(
        "manage.py run_periodic --once --period minute")
    assert unit("htxconnect-periodic.timer")["Timer"]["OnCalendar"] == "*-*-* *:*:00"


def test_demo_runs_the_periodic_jobs_beside_the_worker():
    script = (ROOT / "scripts" / "run_demo.sh").read_text()
    assert "manage.py run_worker" in script and "manage.py run_periodic >" in script
    assert "kill $worker $periodic" in script


def test_systemd_units_verify(tmp_path):
    require_commands("systemd-analyze", how="apt-get install systemd")
    for path in (DEPLOY / "systemd").iterdir():
        # Point the commands at binaries that exist here; the rest of the file is checked as is.
        text = (path.read_text().replace("/srv/htxconnect/app/.venv/bin/granian", shutil.which("true"))
                .replace("/srv/htxconnect/app/.venv/bin/python", shutil.which("true"))
                .replace("/srv/htxconnect/app/deploy/backup.sh", shutil.which("true")))
        (tmp_path / path.name).write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
                            capture_output=True, text=True)
    problems = [line for line in result.stderr.splitlines()
                if "htxconnect" in line and "Failed to" not in line and "not executable" not in line]
    assert not problems, result.stderr


def test_env_example_lists_the_production_settings():
    text = (DEPLOY / "htxconnect.env.example").read_text()
    for key in ("DJANGO_ENV=production", "SECRET_KEY=", "ALLOWED_HOSTS=", "DATABASE_URL=postgres://",
                "REDIS_URL=redis://", "MEDIA_ROOT=", "STATIC_ROOT=", "TRUST_X_REAL_IP=true",
                "TRUST_X_REQUEST_ID=true", "LOG_FORMAT=json", "METRICS_TOKEN="):
        assert key in text, key


def test_request_id_and_metrics_in_the_deploy_files():
    site, proxy = SITE.read_text(), PROXY.read_text()
    assert "proxy_set_header X-Request-ID $request_id;" in proxy
    assert "add_header X-Request-ID $request_id always;" in proxy and "proxy_hide_header X-Request-ID;" in proxy
    assert '"request_id":"$request_id"' in site and "log_format htxconnect_json escape=json" in site
    assert "access_log /var/log/nginx/htxconnect.access.log htxconnect_json;" in site
    assert "location = /metrics {\n        return 404;" in site
    web = (DEPLOY / "systemd" / "htxconnect-web.service").read_text()
    worker = (DEPLOY / "systemd" / "htxconnect-worker.service").read_text()
    assert "RuntimeDirectory=htxconnect-metrics" in web
    for unit in (web, worker):
        assert "Environment=PROMETHEUS_MULTIPROC_DIR=/run/htxconnect-metrics" in unit
    assert "PartOf=htxconnect-web.service" in worker
