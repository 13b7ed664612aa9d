#!/usr/bin/env bash
# Direct routing as docs/forwarding.md describes it, in the kernel lab (run by
# in-vm.sh from the consumer project): a client, the director and two real
# servers on one link; each real server set up by the guide's own
# real-server-dr.sh, the director by the guide's forwarding program. Four
# requests to the VIP must be answered by the real servers 3:1 (their wrr
# weights), the replies going straight back to the client.
set -euo pipefail

fail() {
  echo "package test (VM, direct routing): $*" >&2
  exit 1
}

down() {
  for ns in dr-rs1 dr-rs2; do ip netns pids "$ns" 2>/dev/null | xargs -r kill; done
  for ns in dr-client dr-director dr-rs1 dr-rs2; do ip netns del "$ns" 2>/dev/null || true; done
}
trap down EXIT

for ns in dr-client dr-director dr-rs1 dr-rs2; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
done
# One link: a bridge in the director's namespace, the others' veths on it.
ip -n dr-director link add br0 type bridge
ip -n dr-director addr add 192.0.2.2/24 dev br0
ip -n dr-director addr add 192.0.2.20/24 dev br0 # the VIP
ip -n dr-director link set br0 up
attach() { # NS ADDRESS
  ip -n "$1" link add eth0 type veth peer name "p-$1" netns dr-director
  ip -n dr-director link set "p-$1" master br0 up
  ip -n "$1" addr add "$2/24" dev eth0
  ip -n "$1" link set eth0 up
}
attach dr-client 192.0.2.100
attach dr-rs1 192.0.2.31
attach dr-rs2 192.0.2.32

for i in 1 2; do
  ip netns exec "dr-rs$i" sh real-server-dr.sh > /dev/null
  mkdir -p "www-dr$i" && echo "Hello from rs$i" > "www-dr$i/index.html"
  ip netns exec "dr-rs$i" busybox httpd -p 443 -h "$PWD/www-dr$i"
  tries=0
  until ip netns exec "dr-rs$i" curl -s -o /dev/null --max-time 2 http://127.0.0.1:443/; do
    tries=$((tries + 1)); [ $tries -lt 50 ] || fail "the web server of rs$i did not start"; sleep 0.1
  done
done

ip netns exec dr-director node examples/forwarding.mjs > /dev/null
answers=$(for i in 1 2 3 4; do ip netns exec dr-client curl -s --max-time 5 http://192.0.2.20:443/; done | sort | uniq -c | awk '{print $1, $4}' | tr '\n' ' ')
echo "  direct routing: answers per real server: $answers"
[ "$answers" = "3 rs1 1 rs2 " ] || fail "expected rs1 three times and rs2 once (weights 3:1), got: $answers"
# The real servers answered from the VIP, which only the director announces.
ip -n dr-client neigh show 192.0.2.20 | grep -q "$(ip -n dr-director link show br0 | awk '/link\/ether/ {print $2}')" \
  || fail "the client learned the VIP from another MAC than the director's"
echo "package test (VM): direct routing passed as the forwarding guide sets it up"
