#!/bin/sh
# The LVS-NAT lab of docs/getting-started.md, built from network namespaces
# on one machine: a client, a director that holds the virtual IP, and two
# real servers behind it answering "Hello from rs1" / "Hello from rs2".
#
#   sh nat-lab.sh up         build it (as root)
#   sh nat-lab.sh requests   four HTTP requests from the client to the VIP
#   sh nat-lab.sh down       remove it
#
# The addresses exist only inside these namespaces. The package test runs
# this very file in the kernel lab, so what the guide shows is what works.
set -eu

up() {
  # #region up
  for ns in client director rs1 rs2; do
    ip netns add $ns
    ip -n $ns link set lo up
  done

  # client 10.0.0.2 <-> director 10.0.0.1, which also holds the VIP 10.0.0.13
  ip -n client link add eth0 type veth peer name eth0 netns director
  ip -n client addr add 10.0.0.2/24 dev eth0
  ip -n client link set eth0 up
  ip -n director addr add 10.0.0.1/24 dev eth0
  ip -n director addr add 10.0.0.13/24 dev eth0
  ip -n director link set eth0 up

  # director 10.1.0.1 on a bridge <-> rs1 10.1.0.4 and rs2 10.1.0.5, whose
  # default route is the director: NAT needs the replies to pass through it
  ip -n director link add br0 type bridge
  ip -n director addr add 10.1.0.1/24 dev br0
  ip -n director link set br0 up
  for i in 1 2; do
    ip -n rs$i link add eth0 type veth peer name p-rs$i netns director
    ip -n director link set p-rs$i master br0 up
    ip -n rs$i addr add 10.1.0.$((i + 3))/24 dev eth0
    ip -n rs$i link set eth0 up
    ip -n rs$i route add default via 10.1.0.1
  done
  ip netns exec director sysctl -qw net.ipv4.ip_forward=1

  # a web server on port 80 of each real server
  for i in 1 2; do
    mkdir -p /tmp/www-rs$i
    echo "Hello from rs$i" > /tmp/www-rs$i/index.html
    ip netns exec rs$i busybox httpd -p 80 -h /tmp/www-rs$i
  done
  # #endregion
  for i in 1 2; do
    tries=0
    until ip netns exec rs$i curl -s -o /dev/null --max-time 2 http://127.0.0.1/; do
      tries=$((tries + 1))
      [ $tries -lt 50 ] || { echo "nat-lab: the web server of rs$i did not start" >&2; exit 1; }
      sleep 0.1
    done
  done
}

requests() {
  # #region requests
  for i in 1 2 3 4; do
    ip netns exec client curl -s --max-time 5 http://10.0.0.13/
  done
  # #endregion
}

down() {
  # #region down
  for ns in rs1 rs2; do
    ip netns pids $ns | xargs -r kill
  done
  for ns in client director rs1 rs2; do
    ip netns del $ns
  done
  # #endregion
}

case "${1:-}" in
  up) up ;;
  requests) requests ;;
  down) down ;;
  *) echo "usage: sh nat-lab.sh up|requests|down" >&2; exit 2 ;;
esac
