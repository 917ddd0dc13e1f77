#!/usr/bin/env bash
# Checks the import layers (.importlinter), then runs the suite in two processes: everything but the browser tests, then the browser tests
# (Playwright's sync API refuses to start once an earlier test left an asyncio loop behind).
# Arguments go to both runs; "no tests collected" (exit 5) in one of them is not a failure.
set -u
cd "$(dirname "$0")/.." || exit 1
export DJANGO_ENV=test
status=0
.venv/bin/lint-imports --no-cache || status=1
for selection in "not e2e" "e2e"; do
  .venv/bin/python -m pytest -m "$selection" "$@"
  rc=$?
  if [ $rc -ne 0 ] && [ $rc -ne 5 ]; then status=$rc; fi
done
exit $status
