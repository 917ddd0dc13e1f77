#!/usr/bin/env bash
# HTX Connect backup: the PostgreSQL database (pg_dump, custom format) and the uploaded files
# (a tar of MEDIA_ROOT), in one timestamped directory with checksums; old backups beyond
# --keep are deleted. Restore with deploy/restore.sh. See docs/admin/deploy.md.
set -euo pipefail
umask 077

usage() {
    cat >&2 <<'EOF'
Cách dùng / usage:
  backup.sh [--keep N] [--env-file FILE] DEST_DIR

Sao lưu cơ sở dữ liệu PostgreSQL (DATABASE_URL) và thư mục tệp tải lên (MEDIA_ROOT) vào
DEST_DIR/htxconnect-YYYYMMDD-HHMMSS/; giữ lại N bản mới nhất (mặc định 14).
Backs up the PostgreSQL database (DATABASE_URL) and the uploaded files (MEDIA_ROOT) into
DEST_DIR/htxconnect-YYYYMMDD-HHMMSS/, keeping the newest N backups (default 14).

  --keep N         số bản giữ lại / backups to keep (>= 1)
  --env-file FILE  đọc DATABASE_URL và MEDIA_ROOT từ tệp / read them from FILE
                   (e.g. /etc/htxconnect/env); otherwise from the environment
  PG_SNAPSHOT=ID   (môi trường / environment) sao lưu đúng ảnh chụp đã xuất bằng
                   pg_export_snapshot() / dump that exported snapshot

Ví dụ / example:
  sudo -u htx deploy/backup.sh --env-file /etc/htxconnect/env /var/backups/htxconnect
EOF
    exit 2
}

die() { echo "backup.sh: $*" >&2; exit 1; }

# KEY=value from a systemd-style env file (not sourced: values are not shell syntax).
env_file_value() {
    local file=$1 key=$2 value
    value=$(sed -n "s/^[[:space:]]*${key}[[:space:]]*=[[:space:]]*//p" "$file" | tail -n 1)
    value=${value%\"}; value=${value#\"}; value=${value%\'}; value=${value#\'}
    printf '%s' "$value"
}

keep=14
env_file=""
dest=""
while [ $# -gt 0 ]; do
    case $1 in
        --keep) [ $# -ge 2 ] || usage; keep=$2; shift 2 ;;
        --env-file) [ $# -ge 2 ] || usage; env_file=$2; shift 2 ;;
        -h|--help) usage ;;
        -*) echo "backup.sh: tùy chọn không rõ / unknown option: $1" >&2; usage ;;
        *) [ -z "$dest" ] || usage; dest=$1; shift ;;
    esac
done
[ -n "$dest" ] || usage
case $keep in ''|*[!0-9]*|0) echo "backup.sh: --keep cần số nguyên >= 1 / must be a whole number >= 1" >&2; usage ;; esac

if [ -n "$env_file" ]; then
    [ -r "$env_file" ] || die "không đọc được / cannot read $env_file"
    DATABASE_URL=$(env_file_value "$env_file" DATABASE_URL)
    MEDIA_ROOT=$(env_file_value "$env_file" MEDIA_ROOT)
fi
if [ -z "${DATABASE_URL:-}" ] || [ -z "${MEDIA_ROOT:-}" ]; then
    echo "backup.sh: cần DATABASE_URL và MEDIA_ROOT / DATABASE_URL and MEDIA_ROOT must be set" >&2
    usage
fi
command -v pg_dump >/dev/null || die "không có pg_dump (apt install postgresql-client) / pg_dump not found"

# DATABASE_URL (django-environ form) → libpq variables, so the password never shows in `ps`.
pg_env=$(python3 "$(dirname "$0")/pgenv.py" "$DATABASE_URL") || die "DATABASE_URL không phải PostgreSQL / is not a PostgreSQL URL"
eval "$pg_env"

mkdir -p "$dest"
stamp=$(date -u +%Y%m%d-%H%M%S)
while [ -e "$dest/htxconnect-$stamp" ]; do sleep 1; stamp=$(date -u +%Y%m%d-%H%M%S); done
name="htxconnect-$stamp"
work="$dest/.$name.partial"
# A failed run leaves nothing that looks like a backup.
trap 'rm -rf "$work"' EXIT
mkdir "$work"

# One consistent snapshot: pg_dump reads the whole database as of its start (or as of PG_SNAPSHOT,
# a snapshot exported by pg_export_snapshot() in a transaction still open: the drill
# bench/faults/backup_restore.py uses it to checksum exactly what was dumped).
snapshot_args=()
if [ -n "${PG_SNAPSHOT:-}" ]; then snapshot_args=(--snapshot="$PG_SNAPSHOT"); fi
echo "Sao lưu cơ sở dữ liệu / dumping database $PGDATABASE …"
pg_dump --format=custom --compress=6 --no-owner --no-privileges --file="$work/database.dump" \
    ${snapshot_args[@]+"${snapshot_args[@]}"}

echo "Sao lưu tệp tải lên / archiving $MEDIA_ROOT …"
# Files after the database: a stored file is complete before the row naming it commits, and is never
# changed afterwards, so every file a dumped row names is in the archive. Uploads still being
# written (hidden *.part files, core.storage) are left out; GNU tar's status 1 ("a file changed
# while being read") is such an upload finishing during the run: the archive is still whole.
if [ -d "$MEDIA_ROOT" ]; then
    status=0
    tar -C "$MEDIA_ROOT" --exclude='.*.part' --warning=no-file-changed --warning=no-file-removed \
        -czf "$work/media.tar.gz" . || status=$?
    [ "$status" -le 1 ] || die "tar thất bại / tar failed ($status)"
    files=$(tar -tzf "$work/media.tar.gz" | grep -vc '/$' || true)
else
    echo "backup.sh: cảnh báo / warning: $MEDIA_ROOT does not exist; archiving no files" >&2
    tar -czf "$work/media.tar.gz" -T /dev/null
    files=0
fi

{
    echo "created_utc=$stamp"
    echo "database=$PGDATABASE"
    echo "pg_dump=$(pg_dump --version)"
    echo "media_files=$files"
} > "$work/MANIFEST"
(cd "$work" && sha256sum database.dump media.tar.gz MANIFEST > SHA256SUMS)

mv "$work" "$dest/$name"
trap - EXIT
echo "Đã sao lưu / backup written: $dest/$name"

# Retention: keep the newest $keep complete backups (names sort by time).
find "$dest" -maxdepth 1 -mindepth 1 -type d -name 'htxconnect-[0-9]*-[0-9]*' -printf '%f\n' | sort -r \
    | tail -n +"$((keep + 1))" | while read -r old; do
        echo "Xóa bản cũ / removing old backup: $dest/$old"
        rm -rf "${dest:?}/$old"
    done
