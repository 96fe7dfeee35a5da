#!/bin/sh
# Restore a backup made by deploy/backup.sh into an EMPTY database and evidence folder.
#
#   DATABASE_URL=postgres://… EVIDENCE_ROOT=/data/evidence deploy/restore.sh BACKUP_DIR
#
# Refuses a database that has tables or an evidence folder that has files: a restore
# never mixes with live data. Create the empty database first (createdb, or a new
# PostgreSQL volume), stop web, workers and beat, restore, then start them again.
set -eu
src="${1:?Usage: deploy/restore.sh BACKUP_DIR}"
: "${DATABASE_URL:?Set DATABASE_URL, e.g. postgres://user:password@host:5432/improvement}"
: "${EVIDENCE_ROOT:?Set EVIDENCE_ROOT, the folder of uploaded evidence}"
url=$(printf '%s' "$DATABASE_URL" | sed -e 's#^pgsql://#postgresql://#' -e 's#^postgis://#postgresql://#')

(cd "$src" && sha256sum --check --quiet SHA256SUMS) || {
  echo "restore: $src does not match its SHA256SUMS; not restoring." >&2; exit 1; }

tables=$(psql --no-psqlrc --tuples-only --no-align --dbname "$url" \
  --command "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != 0 ]; then
  echo "restore: the database already has $tables tables; restore only into an empty one." >&2
  exit 1
fi
if [ -d "$EVIDENCE_ROOT" ] && [ -n "$(ls -A "$EVIDENCE_ROOT")" ]; then
  echo "restore: $EVIDENCE_ROOT is not empty; restore only into an empty folder." >&2
  exit 1
fi

pg_restore --no-owner --no-acl --exit-on-error --single-transaction --dbname "$url" \
  "$src/database.dump"
mkdir -p "$EVIDENCE_ROOT"
tar -C "$EVIDENCE_ROOT" -xzf "$src/evidence.tar.gz"

echo "Restored $src into the database and $EVIDENCE_ROOT."
