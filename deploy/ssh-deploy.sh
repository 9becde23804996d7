#!/usr/bin/env bash
# Runs in the deploy workflow: copies the deployment files to the environment's folder on the
# server and runs deploy/remote-deploy.sh there over SSH. Everything comes from the environment
# (see the header of .github/workflows/deploy.yml); the host key is checked, never skipped.
set -euo pipefail

: "${DEPLOY_HOST:?}" "${DEPLOY_USER:?}" "${DEPLOY_SSH_KEY:?}" "${DEPLOY_KNOWN_HOSTS:?}"
: "${DEPLOY_PATH:?}" "${IMAGE_TAG:?}" "${GHCR_TOKEN:?}"

ssh_dir="$(mktemp -d)"
trap 'rm -rf "$ssh_dir"' EXIT
chmod 700 "$ssh_dir"
printf '%s\n' "$DEPLOY_SSH_KEY" > "$ssh_dir/key"
printf '%s\n' "$DEPLOY_KNOWN_HOSTS" > "$ssh_dir/known_hosts"
chmod 600 "$ssh_dir/key" "$ssh_dir/known_hosts"
ssh_cmd=(ssh -i "$ssh_dir/key" -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes
  -o UserKnownHostsFile="$ssh_dir/known_hosts" -o BatchMode=yes "$DEPLOY_USER@$DEPLOY_HOST")
path="$(printf '%q' "$DEPLOY_PATH")"

# The files compose needs, at this commit; .env and secrets/ on the server are left alone.
tar -czf - compose.yaml Caddyfile deploy/compose.one-host.yaml deploy/caddy \
  deploy/remote-deploy.sh deploy/backup.sh \
  | "${ssh_cmd[@]}" "mkdir -p $path/deploy && tar -xzf - -C $path"

# The registry token travels on standard input, never on a command line.
printf '%s' "$GHCR_TOKEN" \
  | "${ssh_cmd[@]}" "cd $path && GHCR_USER=$(printf '%q' "$GITHUB_ACTOR") sh deploy/remote-deploy.sh $(printf '%q' "$IMAGE_TAG")"
