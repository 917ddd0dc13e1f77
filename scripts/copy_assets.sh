#!/usr/bin/env bash
# Installs the npm packages listed in package-lock.json and copies the files the pages use
# into htxconnect/static/vendor (served by the project; no CDN at run time).
set -eu
cd "$(dirname "$0")/.."
command -v npm >/dev/null 2>&1 || scripts/apt_install.sh npm
npm ci --no-audit --no-fund --loglevel=error
out=htxconnect/static/vendor
rm -rf "$out" && mkdir -p "$out/bootstrap" "$out/bootstrap-icons/fonts" "$out/htmx" "$out/qr-scanner" "$out/idb-keyval"
cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map "$out/bootstrap/"
cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map "$out/bootstrap/"
cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css "$out/bootstrap-icons/"
cp node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff2 node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff "$out/bootstrap-icons/fonts/"
cp node_modules/htmx.org/dist/htmx.min.js "$out/htmx/"
# Check-in page (events): camera QR reading (ES module + its worker) and the offline queue in IndexedDB.
cp node_modules/qr-scanner/qr-scanner.min.js node_modules/qr-scanner/qr-scanner.min.js.map node_modules/qr-scanner/qr-scanner-worker.min.js \
   node_modules/qr-scanner/qr-scanner-worker.min.js.map "$out/qr-scanner/"
cp node_modules/idb-keyval/dist/index.js "$out/idb-keyval/idb-keyval.js"
# Dashboard charts (reports): Apache ECharts.
mkdir -p "$out/echarts" && cp node_modules/echarts/dist/echarts.min.js "$out/echarts/"
echo "Front-end assets copied to $out"
