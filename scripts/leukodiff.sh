#!/bin/sh
# The `leukodiff` command on a box: runs the CLI of the current release with the release's own
# Node runtime when it carries one, else the installed one. Installed as <prefix>/bin/leukodiff.
# Box defaults: data in /var/lib/leukodiff, the current release's models, local backups in
# /var/backups/leukodiff, and the site settings
# of /etc/leukodiff/leukodiff.env for what the caller's environment does not set.
set -eu
self=$(readlink -f "$0")
root=$(dirname "$(dirname "$self")")

env_file=${LEUKODIFF_ENV_FILE:-/etc/leukodiff/leukodiff.env}
if [ -r "$env_file" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    name=${line%%=*}
    case "$line" in *=*) ;; *) continue ;; esac
    case "$name" in '' | [!A-Z_]* | *[!A-Z0-9_]*) continue ;; esac
    if eval "[ -z \"\${$name+set}\" ]"; then
      export "$name=${line#*=}"
    fi
  done <"$env_file"
fi
export LEUKODIFF_DATA="${LEUKODIFF_DATA:-/var/lib/leukodiff}"
export LEUKODIFF_MODELS="${LEUKODIFF_MODELS:-$root/current/models}"
export LEUKODIFF_BACKUP_DIR="${LEUKODIFF_BACKUP_DIR:-/var/backups/leukodiff}"

node="$root/current/node/bin/node"
[ -x "$node" ] || node="$root/node/bin/node"
[ -x "$node" ] || node=$(command -v node || true)
if [ -z "$node" ]; then
  echo "leukodiff: no Node.js runtime found (looked in $root/current/node, $root/node and PATH)" >&2
  exit 2
fi
exec "$node" "$root/current/bin/leukodiff.mjs" "$@"
