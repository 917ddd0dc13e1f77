#!/usr/bin/env bash
# apt_install.sh PACKAGE... — installs Debian packages a make target cannot do without (npm for
# the front-end assets, python3-venv for .venv). As root it installs them; otherwise it says
# which command to run and fails.
set -eu
[ $# -gt 0 ] || { echo "usage: apt_install.sh PACKAGE..." >&2; exit 2; }
if [ "$(id -u)" != 0 ]; then
  echo "Thiếu gói Debian / missing Debian packages: $* — chạy / run: sudo apt-get install $*" >&2
  exit 1
fi
echo "Cài gói Debian / installing: $*"
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
