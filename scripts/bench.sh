#!/usr/bin/env bash
# `npm run bench`: builds the library and the C baseline, then runs every
# benchmark scenario on one kernel (natively, or in the kernel lab VM).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cc -O2 -Wall -o bench/native/baseline bench/native/baseline.c $(pkg-config --cflags --libs libnl-genl-3.0)
# Command start-up on this machine (10 runs of 4 commands, seconds): its own section of bench/RESULTS.md.
node dist/bench/startup.js
# The host's load when the run starts: under emulation, other work on the
# host moves every absolute figure, so the results record it.
export BENCH_HOST_LOAD="$(cut -d' ' -f1-3 /proc/loadavg)"
export LAB_PASS_ENV="${LAB_PASS_ENV:-} BENCH_QUICK BENCH_SERVICES BENCH_DESTS BENCH_ROUNDS BENCH_HOST_LOAD"
exec bash scripts/kernel.sh node dist/bench/run.js
