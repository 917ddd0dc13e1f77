#!/usr/bin/env bash
# Starts the demo: the task worker in the background and the web server in the foreground.
# Ctrl-C stops both.
set -eu
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
export DJANGO_ENV=${DJANGO_ENV:-demo}
mkdir -p var
.venv/bin/python manage.py db_worker --queue-name '*' >var/worker.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
.venv/bin/python manage.py demo_logins
echo
echo "HTX Connect đang chạy tại / is running at: http://$HOST:$PORT/"
echo "Bộ xử lý tác vụ (task worker): pid $worker, nhật ký var/worker.log. Nhấn Ctrl-C để dừng."
.venv/bin/granian --interface wsgi --host "$HOST" --port "$PORT" --workers 1 --blocking-threads 4 \
  --log-level warning htxconnect.wsgi:application
