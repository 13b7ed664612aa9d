#!/usr/bin/env bash
# `npm run demo`: the LVS-NAT seed scenario driven by the ipvs library, on
# this machine if its kernel has IPVS, otherwise inside the kernel lab VM.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec bash scripts/kernel.sh node dist/demo/nat.js
