#!/usr/bin/env bash
# The seed scenario from the installed package, in the kernel lab VM (run by
# scripts/package-test.sh as `lab/run-in-vm -- bash test/package/in-vm.sh DIR`,
# DIR being the consumer project): the guide's NAT lab comes up, the guide's
# program, loaded from the project's node_modules/ipvs, configures IPVS in it, and the
# client's requests are answered by rs1 and rs2 in turn; then every other
# program of the guides (DIR/examples/) runs in a namespace of its own, and
# the forwarding guide's direct routing (dr-lab.sh) and tunnelling
# (tun-lab.sh) are built and used. Fails loudly.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# Run from a copy outside the checkout, so that only the installed package's
# own node_modules can satisfy its imports.
copy=$(mktemp -d /tmp/ipvs-consumer.XXXXXX)
cp -a "$1/." "$copy/"
cd "$copy"

fail() {
  echo "package test (VM): $*" >&2
  exit 1
}

sh nat-lab.sh up
trap 'sh nat-lab.sh down; rm -rf "$copy"' EXIT

node getting-started.mjs > program.out
# Run twice: the guide's program is safe to repeat.
node getting-started.mjs >> program.out
ip netns exec director ipvsadm -Ln > ipvsadm.out
sh nat-lab.sh requests > requests.out
node -e "
  const { Ipvs } = require('ipvs');
  const ipvs = Ipvs.openSync({ netns: 'director' });
  ipvs.closeSync();
  console.log(Object.keys(require.cache).filter((f) => f.endsWith('.node')).map((f) => require('path').relative(process.cwd(), f)).join(' '));
" > addon.out

run_program() { # NETNS PROGRAM
  if [ "$(basename "$2")" = keepalived-config.mjs ]; then
    # It reads /etc/keepalived/keepalived.conf: give it the test suite's model
    # configuration there, seen by it alone (a mount namespace of its own).
    ip netns exec "$1" unshare -m --propagation private sh -c \
      'mount -t tmpfs none /etc/keepalived && cp "$0" /etc/keepalived/keepalived.conf && exec node "$1"' \
      "$here/../fixtures/keepalived/models.conf" "$2"
  elif [ "$(basename "$2")" = keepalived.mjs ]; then
    # Health checking runs until stopped: it must start and keep running.
    local status=0
    ip netns exec "$1" timeout 40 node "$2" || status=$?
    [ "$status" = 124 ]
  else
    ip netns exec "$1" node "$2"
  fi
}

# Every other program of the guides, each in a fresh namespace of its own,
# from the installed package: they must run to the end, not only compile.
ip netns add lb && ip -n lb link set lo up # the namespace permissions.mjs opens by name
for program in examples/*.mjs; do
  ns="example-$(basename "$program" .mjs)"
  ip netns add "$ns" && ip -n "$ns" link set lo up
  if ! run_program "$ns" "$program" > "$ns.out" 2>&1; then
    sed "s/^/  $ns | /" "$ns.out"
    fail "the guide's program $program failed"
  fi
  echo "  $ns: ran to the end"
  ip netns del "$ns"
done
ip netns del lb
# Direct routing end to end, with the guide's real-server script.
bash "$here/dr-lab.sh"
# Tunnelling (IP-in-IP and GUE) end to end, with the guide's real-server script.
bash "$here/tun-lab.sh"

for file in program ipvsadm requests addon; do
  sed "s/^/  $file | /" "$file.out"
done

grep -qx 'tcp 10.0.0.13:80 rr, .* connections' program.out || fail "the program did not list the service"
[ "$(grep -c -- '-> 10.1.0.[45]:80 masq weight 1' program.out)" = 4 ] || fail "the program did not list both real servers on both runs"
# The kernel's table as ipvsadm sees it (the oracle).
grep -q '^TCP  10.0.0.13:80 rr' ipvsadm.out || fail "ipvsadm does not show the service"
grep -q -- '-> 10.1.0.4:80 *Masq *1 ' ipvsadm.out || fail "ipvsadm does not show rs1"
grep -q -- '-> 10.1.0.5:80 *Masq *1 ' ipvsadm.out || fail "ipvsadm does not show rs2"
[ "$(grep -c -- '-> [0-9]' ipvsadm.out)" = 2 ] || fail "ipvsadm shows other than two real servers"
# Round robin: four requests, answered alternately by the two real servers.
mapfile -t answers < requests.out
[ "${#answers[@]}" = 4 ] || fail "expected four answers, got ${#answers[@]}"
[ "${answers[0]}" != "${answers[1]}" ] && [ "${answers[0]}" = "${answers[2]}" ] && [ "${answers[1]}" = "${answers[3]}" ] \
  || fail "answers do not alternate: ${answers[*]}"
printf '%s\n' "${answers[@]}" | sort -u | tr '\n' ' ' | grep -qx 'Hello from rs1 Hello from rs2 ' || fail "unexpected answers: ${answers[*]}"
grep -qx 'node_modules/ipvs/prebuilds/linux-x64/ipvs.glibc.node' addon.out || fail "the addon loaded was not the prebuild: $(cat addon.out)"
echo "package test (VM): seed scenario passed from the installed package"
