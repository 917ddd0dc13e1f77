#!/usr/bin/env bash
# HTX Connect restore: a backup made by deploy/backup.sh into an EMPTY PostgreSQL database
# (DATABASE_URL) and an empty MEDIA_ROOT. It refuses to touch a database that holds tables or
# a media directory that holds files, so it can never overwrite live data by mistake.
# See docs/admin/deploy.md ("Khôi phục / Restore").
set -euo pipefail

usage() {
    cat >&2 <<'EOF'
Cách dùng / usage:
  restore.sh [--env-file FILE] BACKUP_DIR

Khôi phục bản sao lưu BACKUP_DIR (thư mục htxconnect-YYYYMMDD-HHMMSS do backup.sh tạo) vào
cơ sở dữ liệu TRỐNG ở DATABASE_URL và thư mục TRỐNG MEDIA_ROOT.
Restores BACKUP_DIR (an htxconnect-YYYYMMDD-HHMMSS directory written by backup.sh) into the
EMPTY database at DATABASE_URL and the EMPTY directory MEDIA_ROOT.

  --env-file FILE  đọc DATABASE_URL và MEDIA_ROOT từ tệp / read them from FILE;
                   otherwise from the environment

Ví dụ / example:
  sudo -u postgres createdb -O htx htxconnect
  sudo -u htx deploy/restore.sh --env-file /etc/htxconnect/env /var/backups/htxconnect/htxconnect-20260301-023000
EOF
    exit 2
}

die() { echo "restore.sh: $*" >&2; exit 1; }

env_file_value() {
    local file=$1 key=$2 value
    value=$(sed -n "s/^[[:space:]]*${key}[[:space:]]*=[[:space:]]*//p" "$file" | tail -n 1)
    value=${value%\"}; value=${value#\"}; value=${value%\'}; value=${value#\'}
    printf '%s' "$value"
}

env_file=""
backup=""
while [ $# -gt 0 ]; do
    case $1 in
        --env-file) [ $# -ge 2 ] || usage; env_file=$2; shift 2 ;;
        -h|--help) usage ;;
        -*) echo "restore.sh: tùy chọn không rõ / unknown option: $1" >&2; usage ;;
        *) [ -z "$backup" ] || usage; backup=$1; shift ;;
    esac
done
[ -n "$backup" ] || usage

if [ -n "$env_file" ]; then
    [ -r "$env_file" ] || die "không đọc được / cannot read $env_file"
    DATABASE_URL=$(env_file_value "$env_file" DATABASE_URL)
    MEDIA_ROOT=$(env_file_value "$env_file" MEDIA_ROOT)
fi
if [ -z "${DATABASE_URL:-}" ] || [ -z "${MEDIA_ROOT:-}" ]; then
    echo "restore.sh: cần DATABASE_URL và MEDIA_ROOT / DATABASE_URL and MEDIA_ROOT must be set" >&2
    usage
fi
for tool in pg_restore psql; do
    command -v "$tool" >/dev/null || die "không có $tool (apt install postgresql-client) / $tool not found"
done

[ -d "$backup" ] || die "không có thư mục sao lưu / no such backup directory: $backup"
for part in database.dump media.tar.gz SHA256SUMS; do
    [ -f "$backup/$part" ] || die "bản sao lưu thiếu / backup is missing $part"
done
echo "Kiểm tra tổng kiểm / verifying checksums …"
(cd "$backup" && sha256sum --check --quiet SHA256SUMS) \
    || die "tổng kiểm không khớp, bản sao lưu bị hỏng / checksum mismatch: the backup is damaged"

pg_env=$(python3 "$(dirname "$0")/pgenv.py" "$DATABASE_URL") || die "DATABASE_URL không phải PostgreSQL / is not a PostgreSQL URL"
eval "$pg_env"

# Refuse a database that already holds anything of ours or anyone's.
objects=$(psql --no-psqlrc --tuples-only --no-align --set ON_ERROR_STOP=1 --command "
    SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
      AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')") \
    || die "không kết nối được cơ sở dữ liệu / cannot connect to database $PGDATABASE"
if [ "$objects" != "0" ]; then
    die "cơ sở dữ liệu $PGDATABASE không trống ($objects đối tượng); hãy khôi phục vào một cơ sở dữ liệu mới /
database $PGDATABASE is not empty ($objects objects); restore into a new one (createdb)"
fi
if [ -d "$MEDIA_ROOT" ] && [ -n "$(find "$MEDIA_ROOT" -mindepth 1 -print -quit)" ]; then
    die "thư mục $MEDIA_ROOT không trống / $MEDIA_ROOT is not empty; move it aside first"
fi

echo "Khôi phục cơ sở dữ liệu / restoring database into $PGDATABASE …"
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$PGDATABASE" \
    "$backup/database.dump"

echo "Khôi phục tệp tải lên / restoring files into $MEDIA_ROOT …"
mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -xzf "$backup/media.tar.gz" --no-same-owner --no-same-permissions

echo "Đã khôi phục / restored from $backup."
echo "Tiếp theo / next: manage.py migrate (if the code is newer than the backup), then"
echo "  systemctl restart htxconnect-web htxconnect-worker"
