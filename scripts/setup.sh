#!/usr/bin/env bash
# Brings a clone to a built state on a fresh machine: the Debian packages the
# project needs, the npm dependencies, the native addon, the TypeScript and
# the bundle bin/ipvs runs.
# Cheap when everything is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

lab/ensure-packages

source scripts/nodedir.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --ignore-scripts
fi

# The addon: configure once, then let make rebuild only what changed.
[ -f build/Makefile ] || npx --no-install node-gyp configure --silent
npx --no-install node-gyp build --silent

npx --no-install tsc -p tsconfig.json
# bin/ipvs's bundle of ipvsadm's command lines, from what tsc just wrote.
node scripts/bundle-cli.js
