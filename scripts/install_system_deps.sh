#!/usr/bin/env bash
# Installs the Debian packages that tests and tools use, when missing and when we are root.
# Idempotent: does nothing when everything is present.
set -eu
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ -d /usr/share/fonts/truetype/liberation ] || need+=(fonts-liberation)
[ -d /usr/share/fonts/truetype/noto ] || need+=(fonts-noto-core)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Thiếu gói Debian: ${need[*]} — chạy với quyền root hoặc: sudo apt-get install ${need[*]}" >&2
  echo "(Missing Debian packages; browser tests will be skipped.)" >&2
  exit 0
fi
echo "Cài gói Debian: ${need[*]}"
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
