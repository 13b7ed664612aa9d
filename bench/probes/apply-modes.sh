#!/bin/sh
# Probe: the apply scenario in several modes, each in a fresh namespace
# (inside the kernel lab VM): bench/probes/apply-modes.sh "batch stream:4096" 10000
for spec in $1; do
  mode=${spec%%:*}; chunk=${spec#*:}; [ "$chunk" = "$spec" ] && chunk=0
  ip netns add pm; ip -n pm link set lo up
  node dist/bench/scenarios/apply.js --mode "$mode" --chunk "$chunk" --services "$2" --dests 10 --netns /var/run/netns/pm
  ip netns del pm
done
ip netns add pm; ip -n pm link set lo up
bench/native/baseline apply --services "$2" --dests 10 --mode batch --netns /var/run/netns/pm
ip netns del pm
