#!/usr/bin/env bash
# Installs the Debian packages that tests and tools use, when missing and when we are root.
# Idempotent: does nothing when everything is present. Under HTX_REQUIRE_ALL=1 (CI) a package
# that cannot be installed is an error, since the tests needing it would fail anyway.
# `install_system_deps.sh stack`: only what `make prod-up` needs (PostgreSQL server, Redis, nginx,
# openssl); without an argument, everything.
set -eu
need=()
# The production stack (scripts/prodstack.py) runs its own PostgreSQL server and Redis.
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ "${1:-}" != stack ]; then
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
# Reports: DOCX → PDF with LibreOffice headless (Writer without the GUI).
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
# The load test's own tests (tests/ops/test_load_bench.py) drive a small server with wrk.
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v pg_dump >/dev/null 2>&1 && command -v pg_restore >/dev/null 2>&1 && command -v psql >/dev/null 2>&1 \
  || need+=(postgresql-client)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ -d /usr/share/fonts/truetype/liberation ] || need+=(fonts-liberation)
[ -d /usr/share/fonts/truetype/noto ] || need+=(fonts-noto-core)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Thiếu gói Debian: ${need[*]} — chạy với quyền root hoặc: sudo apt-get install ${need[*]}" >&2
  if [ "${HTX_REQUIRE_ALL:-0}" != 0 ]; then
    echo "(Missing Debian packages; HTX_REQUIRE_ALL=1: the tests needing them would fail.)" >&2
    exit 1
  fi
  echo "(Missing Debian packages; the tests needing them will be skipped.)" >&2
  exit 0
fi
echo "Cài gói Debian: ${need[*]}"
apt-get update -qq >/dev/null
# The nginx, postgresql and redis-server packages would start system-wide servers (port 80, 5432,
# 6379): the tests and the production stack start their own.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
