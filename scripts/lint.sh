#!/usr/bin/env bash
# `npm run lint`: the style rules (eslint.config.mjs) and the dependency
# rules (.dependency-cruiser.cjs: layer order, import cycles) over the
# TypeScript sources, or over the folders given. Runs both, fails if either
# finds anything.
set -uo pipefail
cd "$(dirname "$0")/.."

sources=("$@")
[ "${#sources[@]}" -gt 0 ] || sources=(lib test bench demo docs/examples)

status=0
node_modules/.bin/eslint --max-warnings 0 "${sources[@]}" || status=$?
node_modules/.bin/depcruise --config .dependency-cruiser.cjs "${sources[@]}" || status=$?
exit "$status"
