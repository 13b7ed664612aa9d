#!/usr/bin/env bash
# Tunnelling as docs/forwarding.md describes it, in the kernel lab (run by
# in-vm.sh from the consumer project): the director and two real servers in
# three different networks joined by a router, rs1 taking IP-in-IP and rs2
# GUE, each set up by the guide's own real-server-tun.sh, the director by the
# guide's forwarding program (UDP 53, mh, one-packet). DNS-like queries from
# 16 client addresses must be answered, from the VIP, by both real servers,
# each client always by the same one; the replies bypass the director.
set -euo pipefail

fail() {
  echo "package test (VM, tunnelling): $*" >&2
  exit 1
}

names=(tun-router tun-client tun-director tun-rs1 tun-rs2)
down() {
  for ns in tun-rs1 tun-rs2; do ip netns pids "$ns" 2>/dev/null | xargs -r kill; done
  for ns in "${names[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
}
trap down EXIT

for ns in "${names[@]}"; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
done
ip netns exec tun-router sysctl -qw net.ipv4.ip_forward=1
link() { # NS ADDRESS/LEN ROUTER-ADDRESS/LEN: a network between NS and the router
  ip -n "$1" link add eth0 type veth peer name "p-$1" netns tun-router
  ip -n tun-router addr add "$3" dev "p-$1"
  ip -n tun-router link set "p-$1" up
  ip -n "$1" addr add "$2" dev eth0
  ip -n "$1" link set eth0 up
  ip -n "$1" route add default via "${3%/*}"
}
link tun-client 10.9.1.2/24 10.9.1.1/24
link tun-director 192.0.2.1/24 192.0.2.254/24
link tun-rs1 198.51.100.7/24 198.51.100.1/24
link tun-rs2 203.0.113.9/24 203.0.113.1/24
ip -n tun-director addr add 192.0.2.53/24 dev eth0 # the VIP
for i in $(seq 10 25); do ip -n tun-client addr add "10.9.1.$i/24" dev eth0; done

ip netns exec tun-rs1 sh real-server-tun.sh > /dev/null
ip netns exec tun-rs2 sh real-server-tun.sh gue > /dev/null

# A UDP responder on the VIP of each real server, answering its own name.
responder='
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.53", 53))
while True:
    data, peer = s.recvfrom(512)
    s.sendto(sys.argv[1].encode(), peer)
'
ip netns exec tun-rs1 python3 -c "$responder" rs1 &
ip netns exec tun-rs2 python3 -c "$responder" rs2 &

ip netns exec tun-director node examples/forwarding.mjs > /dev/null

director_rx() { ip -n tun-director -s link show eth0 | awk '/RX:/ { getline; print $2 }'; }
# Ready when one query is answered (the responders take a while to start).
tries=0
until ip netns exec tun-client python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("192.0.2.53", 53)); s.settimeout(2); s.send(b"q"); s.recv(64)' 2>/dev/null; do
  tries=$((tries + 1)); [ $tries -lt 30 ] || fail "no real server answered"
done
rx_before=$(director_rx)

# Two queries from each client address, each from a fresh socket (a fresh
# source port); a client address's answers must agree (mh hashes the address).
answers=$(ip netns exec tun-client python3 -c '
import socket, time
deadline = time.time() + 60
for host in range(10, 26):
    got = []
    for attempt in range(2):
        while True:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("10.9.1.%d" % host, 0))
            s.connect(("192.0.2.53", 53))
            s.settimeout(2)
            s.send(b"q")
            try:
                got.append(s.recv(64).decode())
                break
            except socket.timeout:
                # the responders may still be starting
                if time.time() > deadline: raise
            finally:
                s.close()
    print(host, *got)
')
echo "$answers" | sed 's/^/  tunnelling: client 10.9.1./'
awk '$2 != $3 { bad = 1 } END { exit bad }' <<< "$answers" || fail "a client address was answered by different real servers"
grep -q ' rs1$' <<< "$answers" || fail "rs1 (IP-in-IP) never answered"
grep -q ' rs2$' <<< "$answers" || fail "rs2 (GUE) never answered"
# The replies came from the real servers straight through the router: the
# director received the 32 queries (and perhaps an ARP or two), not the 32
# replies as well.
received=$(( $(director_rx) - rx_before ))
echo "  tunnelling: packets the director received for 32 queries: $received"
[ "$received" -lt 48 ] || fail "the director received $received packets: replies went through it"
echo "package test (VM): tunnelling (IP-in-IP and GUE) passed as the forwarding guide sets it up"
