#!/bin/sh
# Back up the database and the evidence files into one new folder, and print its path.
#
#   DATABASE_URL=postgres://… EVIDENCE_ROOT=/data/evidence deploy/backup.sh [DIR]
#
# DIR (default ./backups) gets improvement-YYYYmmddTHHMMSSZ/ holding database.dump
# (pg_dump's custom format), evidence.tar.gz and SHA256SUMS. The database is dumped
# first: evidence files are only ever added, so every file the dump refers to is in
# the tar that follows. Restore with deploy/restore.sh.
set -eu
: "${DATABASE_URL:?Set DATABASE_URL, e.g. postgres://user:password@host:5432/improvement}"
: "${EVIDENCE_ROOT:?Set EVIDENCE_ROOT, the folder of uploaded evidence}"

# libpq reads postgres:// and postgresql:// URLs; django-environ also allows pgsql://.
url=$(printf '%s' "$DATABASE_URL" | sed -e 's#^pgsql://#postgresql://#' -e 's#^postgis://#postgresql://#')
case "$url" in
  postgres://*|postgresql://*) ;;
  *) echo "backup: DATABASE_URL is not PostgreSQL; back up that database its own way." >&2; exit 2 ;;
esac

umask 077
dest="${1:-${BACKUP_DIR:-./backups}}/improvement-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$dest"

pg_dump --format=custom --no-owner --no-acl --file "$dest/database.dump" --dbname "$url"
mkdir -p "$EVIDENCE_ROOT"
tar -C "$EVIDENCE_ROOT" -czf "$dest/evidence.tar.gz" .
(cd "$dest" && sha256sum database.dump evidence.tar.gz > SHA256SUMS)

echo "$dest"
