// `node arm64-qemu-limits.cjs ADDON`: the calls the arm64 stage of
// scripts/package-test.sh leaves out of the unit layer, made with the addon
// given. Run by Debian's arm64 Node.js under qemu-user (lab/arm64-node, with
// QEMU_LOG=unimp) and by this machine's own Node.js with the x64 addon, it
// proves they are refused by qemu-user itself, not by the arm64 addon: the
// same calls succeed natively. Each line names a call and its outcome (the
// addon's error code, errno and stage, or the errno returned); qemu's own
// "Unsupported setsockopt" lines go to stderr, where the package test looks.
//
//   VrrpLink IPv4: setsockopt(IPPROTO_IP, IP_MULTICAST_IF) (level 0, name 32)
//   VrrpLink IPv6: setsockopt(IPPROTO_IPV6, IPV6_MULTICAST_IF) (level 41, name 17)
//   rtnlChange of a rule: RTM_DELRULE (33) on a routing-netlink socket, which
//     qemu 7.2's netlink translation does not know (links, addresses and
//     routes only), so it answers EOPNOTSUPP (95) without asking the kernel
//     (nor logging it); natively the deletion of an absent rule is ENOENT (2).
//   ProcMonitor: a NETLINK_CONNECTOR socket (the kernel's proc connector),
//     a netlink family qemu 7.2 does not translate: EPROTONOSUPPORT (93).
//   udpSocket with a mark: setsockopt(SOL_SOCKET, SO_MARK) (level 1, name
//     36), a checker's fwmark, which qemu 7.2 does not translate:
//     ENOPROTOOPT (92); natively 0.
//   nftBatch of one table: a NETLINK_NETFILTER socket (strict mode's
//     nftables firewall), a netlink family qemu 7.2 does not translate:
//     EPROTONOSUPPORT (93); natively 0.
// The rule is deleted, and the table made, in a network namespace made here,
// so a qemu that did pass them on could not touch this machine's rules.
'use strict';
const { execFileSync } = require('node:child_process');

const addon = require(process.argv[2]);

for (const [family, source] of [[2, '127.0.0.1'], [10, '::1']]) {
  try {
    new addon.VrrpLink({ family, interface: 'lo', ifindex: 1, multicast: false, source }, () => {}).close();
    console.log(`VrrpLink ${family === 2 ? 'IPv4' : 'IPv6'}: opened`);
  } catch (error) {
    console.log(`VrrpLink ${family === 2 ? 'IPv4' : 'IPv6'}: ${error.code} ${error.errno} ${error.stage}`);
  }
}

try {
  new addon.ProcMonitor(() => {}).close();
  console.log('ProcMonitor: opened');
} catch (error) {
  console.log(`ProcMonitor: ${error.code} ${error.errno} ${error.stage}`);
}

const marked = addon.udpSocket(false, '', 0, '', 7);
if (marked.fd >= 0) require('node:fs').closeSync(marked.fd);
console.log(`udpSocket mark: ${marked.errno}`);

const name = `ipvs-arm64-limits-${process.pid}`;
execFileSync('ip', ['netns', 'add', name]);
try {
  const rule = { family: 2, from: '10.40.0.0', fromPrefix: 24, table: 100, protocol: 18, action: 1, priority: 100 };
  console.log(`rtnlChange rule: ${addon.rtnlChange({ netns: `/var/run/netns/${name}`, operation: 'delete', rule })}`);
  const table = { type: 'newtable', family: 2, table: 'probe' };
  console.log(`nftBatch table: ${addon.nftBatch({ netns: `/var/run/netns/${name}`, messages: [table] }).errno}`);
} finally {
  execFileSync('ip', ['netns', 'del', name]);
}
