#!/usr/bin/env bash
# Optional Debian packages for `make bench`: wrk, the HTTP load generator bench/scan_page.py prefers
# (it falls back to its own Python load generator). `make test` installs wrk too
# (install_system_deps.sh): the load test's tests need it.
# Idempotent: does nothing when everything is present; installs only when run as root.
set -eu
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Không có gói Debian tùy chọn: ${need[*]} — đo bằng bộ tạo tải Python (sudo apt-get install ${need[*]})" >&2
  echo "(Optional bench packages missing; the Python load generator is used instead.)" >&2
  exit 0
fi
echo "Cài gói Debian cho phép đo: ${need[*]}"
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || \
  echo "Không cài được ${need[*]}; dùng bộ tạo tải Python (could not install; Python load generator used)." >&2
