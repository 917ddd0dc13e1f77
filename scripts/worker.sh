#!/usr/bin/env bash
# Starts a task worker for the given queues (none: all), whatever TASK_BACKEND says:
#   scripts/worker.sh capture            scripts/worker.sh reports labels          scripts/worker.sh --burst
# It is `manage.py run_worker` (docs/admin/deploy.md, "Hàng đợi tác vụ / Task queues").
set -eu
cd "$(dirname "$0")/.."
exec "${PYTHON:-.venv/bin/python}" manage.py run_worker "$@"
