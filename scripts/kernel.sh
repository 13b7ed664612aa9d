#!/usr/bin/env bash
# Runs a command where real IPVS exists: on this machine if its kernel has
# IPVS, otherwise inside the QEMU kernel lab (lab/run-in-vm), transparently.
set -euo pipefail
cd "$(dirname "$0")/.."
if lab/host-has-ipvs; then
  exec "$@"
fi
exec lab/run-in-vm -- "$@"
