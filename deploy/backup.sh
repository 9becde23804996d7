#!/bin/sh
# Backs up one environment from its folder (e.g. /srv/autoflow/prod): a pg_dump of its
# database (custom format, for pg_restore) and a tar of its keys volume (master.key, secret.key,
# retired-master-keys/). Files are private (umask 077); older than AUTOFLOW_BACKUP_KEEP_DAYS
# (default 14) are deleted. docs/deploy.md has the schedule, the restore and the restore drill.
#
#   sh deploy/backup.sh [DIR]      DIR defaults to AUTOFLOW_BACKUP_DIR in .env, else ./backups
#
# The dump holds every secret encrypted and the keys decrypt them: keep the copies you send off
# the machine apart (e.g. keys in your password manager, dumps in encrypted object storage).
set -eu

[ -f .env ] || { echo "error: no .env in $(pwd)" >&2; exit 2; }
setting() { sed -n "s/^$1=//p" .env | tail -n 1; }

dir="${1:-$(setting AUTOFLOW_BACKUP_DIR)}"
dir="${dir:-./backups}"
keep_days="${AUTOFLOW_BACKUP_KEEP_DAYS:-14}"
project="$(setting COMPOSE_PROJECT_NAME)"
project="${project:-autoflow}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"

umask 077
mkdir -p "$dir"
dump="$dir/$project-$stamp.dump"
keys="$dir/$project-keys-$stamp.tar"

docker compose exec -T postgres \
  pg_dump --username=autoflow --dbname=autoflow --format=custom > "$dump.partial"
mv "$dump.partial" "$dump"

docker compose run --rm --no-deps -T --entrypoint tar migrate \
  -C /var/lib/autoflow -cf - . > "$keys.partial"
mv "$keys.partial" "$keys"

find "$dir" -name "$project-*.dump" -mtime +"$keep_days" -delete
find "$dir" -name "$project-keys-*.tar" -mtime +"$keep_days" -delete
echo "Backed up $project: $dump and $keys"
