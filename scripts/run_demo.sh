#!/usr/bin/env bash
# Starts the demo: the task worker in the background and the web server in the foreground.
# Ctrl-C stops both.
set -eu
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
export DJANGO_ENV=${DJANGO_ENV:-demo}
mkdir -p var
.venv/bin/python manage.py run_worker >var/worker.log 2>&1 &
worker=$!
# The clock: expiry reminders daily, scheduled EPCIS subscriptions and scan flags every minute.
.venv/bin/python manage.py run_periodic >var/periodic.log 2>&1 &
periodic=$!
trap 'kill $worker $periodic 2>/dev/null || true' EXIT INT TERM
.venv/bin/python manage.py demo_logins
echo
echo "HTX Connect đang chạy tại / is running at: http://$HOST:$PORT/"
echo "Bộ xử lý tác vụ (task worker): pid $worker, nhật ký var/worker.log; việc định kỳ (periodic jobs): pid $periodic, var/periodic.log."
echo "Nhấn Ctrl-C để dừng."
.venv/bin/granian --interface wsgi --host "$HOST" --port "$PORT" --workers 1 --blocking-threads 4 \
  --log-level warning htxconnect.wsgi:application
