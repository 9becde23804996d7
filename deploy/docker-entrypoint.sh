#!/bin/sh
# Entry point of the Auto-Flow image (web, worker and the one-shot migrate alike).
#
# For each setting below, NAME_FILE=/run/secrets/... makes NAME the content of that file, so a
# password or key comes from a Docker secret and never sits in the environment of `docker
# inspect`, in compose.yaml or in the image. Setting both NAME and NAME_FILE is an error.
# Then the command runs as PID 1's child of `init: true` (tini), receiving SIGTERM itself.
set -eu

for name in DATABASE_URL AUTOFLOW_MASTER_KEY AUTOFLOW_RETIRED_MASTER_KEYS AUTOFLOW_SECRET_KEY INIT_ADMIN_TOKEN; do
  file_var="${name}_FILE"
  eval "file=\${$file_var:-}"
  [ -n "$file" ] || continue
  eval "direct=\${$name:-}"
  if [ -n "$direct" ]; then
    echo "error: both $name and $file_var are set; set only one" >&2
    exit 2
  fi
  if [ ! -r "$file" ]; then
    echo "error: $file_var=$file is not a readable file" >&2
    exit 2
  fi
  # Trailing newlines are dropped by the command substitution, as an editor would add one.
  value="$(cat "$file")"
  export "$name=$value"
  unset "$file_var"
done

exec "$@"
