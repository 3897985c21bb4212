#!/bin/sh
# The `leukodiff` command on a box: runs the CLI of the current release with the release's own
# Node runtime when it carries one, else the installed one. Installed as <prefix>/bin/leukodiff.
set -eu
self=$(readlink -f "$0")
root=$(dirname "$(dirname "$self")")
node="$root/current/node/bin/node"
[ -x "$node" ] || node="$root/node/bin/node"
[ -x "$node" ] || node=$(command -v node || true)
if [ -z "$node" ]; then
  echo "leukodiff: no Node.js runtime found (looked in $root/current/node, $root/node and PATH)" >&2
  exit 2
fi
exec "$node" "$root/current/bin/leukodiff.mjs" "$@"
