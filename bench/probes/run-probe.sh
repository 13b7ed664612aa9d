#!/bin/sh
# Runs a compiled probe in a fresh network namespace (inside the kernel lab
# VM): bench/probes/run-probe.sh speed --services 10000
set -e
probe=$1; shift
ip netns add probe
ip -n probe link set lo up
trap 'ip netns del probe' EXIT
node "dist/bench/probes/$probe.js" --netns /var/run/netns/probe "$@"
