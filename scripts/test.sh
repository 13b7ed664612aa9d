#!/usr/bin/env bash
# `npm test`: unit and native-codec tests on this machine (the native ones
# also under ASan/UBSan), VRRP interop in network namespaces, then the
# kernel tests against real IPVS (natively or in the kernel lab VM). Fails
# if any layer fails, ran no test, or skipped one.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

results=dist/test-results
rm -rf "$results" && mkdir -p "$results"
jest=node_modules/jest/bin/jest.js

# Runs a layer in a process group of its own and, when it returns, ends
# whatever it left in that group: a child a failed test did not stop must
# neither keep jest from exiting (CI would wait out its time limit) nor
# load the machine for the next layer.
layer() {
  local rc=0
  setsid --wait "$@" &
  local group=$!
  wait "$group" || rc=$?
  kill -KILL -- "-$group" 2>/dev/null || true
  return "$rc"
}

status=0
bash scripts/format-check.sh || status=$?
# --forceExit everywhere: a test that fails before it stops what it started
# (a daemon, a server) must cost its own verdict, not CI's whole time limit
# while jest waits for the handle.
layer node "$jest" --selectProjects unit native --forceExit --json --outputFile="$results/host.json" || status=$?
# Style, layer order and import cycles (eslint.config.mjs, .dependency-cruiser.cjs).
bash scripts/lint.sh || status=$?
# The API reference must build without a warning.
npx --no-install typedoc --emit none || status=$?
# The native layer again, under AddressSanitizer and UBSan.
bash scripts/sanitize.sh "$results/sanitize.json" || status=$?
# VRRP against the real keepalived, in network namespaces of this kernel
# (VRRP needs no IPVS, so no VM; needs root).
layer node "$jest" --selectProjects netns --runInBand --forceExit --json --outputFile="$results/netns.json" || status=$?
# The package as a user gets it: packed, installed with no compiler reachable,
# imported from ESM and CommonJS, its guides run in the kernel lab.
bash scripts/package-test.sh "$results/package.json" || status=$?
# The kernel layer runs in band: its tests share one kernel. The table-parity
# harness (keepalived 2.2.7 against ipvs keepalived on the corpus of
# test/fixtures/parity/) shares its VM boot: one boot fewer under TCG.
bash scripts/kernel.sh node --expose-gc "$jest" --selectProjects kernel parity --runInBand --forceExit --json --outputFile="$results/kernel.json" || status=$?

node scripts/check-results.js "$results/host.json" "$results/sanitize.json" "$results/netns.json" "$results/package.json" "$results/kernel.json:kernel,parity" || status=$?
exit "$status"
