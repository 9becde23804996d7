#!/bin/sh
# Runs on the server, in one environment's folder (e.g. /srv/autoflow/staging, holding .env and
# secrets/): switch to a new image, migrate, then roll app and worker. The deploy workflow
# (.github/workflows/deploy.yml) runs it over SSH; by hand:
#
#   cd /srv/autoflow/staging && sh deploy/remote-deploy.sh sha-<commit>
#
# With GHCR_USER set, a registry token is read from standard input and used for this run only
# (a throw-away DOCKER_CONFIG), so no credential stays on the server.
set -eu

tag="${1:?usage: remote-deploy.sh IMAGE_TAG}"
case "$tag" in
  *[!A-Za-z0-9_.-]*) echo "error: bad image tag: $tag" >&2; exit 2 ;;
esac
[ -f .env ] || { echo "error: no .env in $(pwd) (copy deploy/<env>.env.example)" >&2; exit 2; }

if [ -n "${GHCR_USER:-}" ]; then
  DOCKER_CONFIG="$(mktemp -d)"
  export DOCKER_CONFIG
  trap 'rm -rf "$DOCKER_CONFIG"' EXIT
  docker login ghcr.io --username "$GHCR_USER" --password-stdin
fi

previous="$(sed -n 's/^AUTOFLOW_IMAGE_TAG=//p' .env)"
echo "Deploying $tag (was ${previous:-none}) in $(pwd)"
sed -i "s/^AUTOFLOW_IMAGE_TAG=.*/AUTOFLOW_IMAGE_TAG=$tag/" .env

docker compose pull app

# A backup before the migrations, when this environment has a backup folder (.env) and a
# running database (not on the very first deploy).
if [ -n "$(sed -n 's/^AUTOFLOW_BACKUP_DIR=//p' .env)" ] && [ -n "$(docker compose ps -q postgres)" ]; then
  sh deploy/backup.sh
fi

# Migrations first, as their own one-shot container. If they fail, the old app and worker keep
# running on the old image and the deploy stops here (put the old tag back in .env).
if ! docker compose run --rm --no-TTY migrate; then
  sed -i "s/^AUTOFLOW_IMAGE_TAG=.*/AUTOFLOW_IMAGE_TAG=$previous/" .env
  echo "error: migrations failed; .env is back on $previous, app and worker untouched" >&2
  exit 1
fi

# Then app and worker on the new image; --wait returns once app answers its healthcheck.
docker compose up --detach --no-deps --wait --wait-timeout 180 app worker
# Anything else whose configuration changed (this never starts a profile that is not active).
docker compose up --detach --remove-orphans
docker image prune --force --filter "until=168h" >/dev/null
docker compose ps
