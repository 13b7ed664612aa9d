// Run by Debian's arm64 Node.js under qemu-user (lab/arm64-node): the
// installed package's arm64 prebuild makes real calls into this kernel.
//
// Ipvs.open must fail with the typed "no IPVS" error (reason
// 'ipvs-unavailable'). On an arm64 machine whose kernel has no IPVS its code
// is ENOENT (the kernel knows no "IPVS" generic-netlink family). Under
// qemu-user the emulator itself refuses generic-netlink sockets
// (socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC) answers EPROTONOSUPPORT:
// qemu translates only the routing, uevent and audit netlink protocols),
// which is the same verdict with code EPROTONOSUPPORT. Routing netlink does
// pass through, so the addon's own rtnetlink lookup of `lo` is the round
// trip through the kernel.
'use strict';
const path = require('node:path');
const { Ipvs, IpvsError } = require('ipvs');

async function main() {
  if (process.arch !== 'arm64') throw new Error(`expected to run as arm64, runs as ${process.arch}`);
  let outcome;
  try {
    const ipvs = await Ipvs.open();
    await ipvs.close();
    throw new Error('Ipvs.open succeeded where generic netlink cannot reach IPVS');
  } catch (error) {
    if (!(error instanceof IpvsError) || error.operation !== 'open') throw error;
    if (error.reason !== 'ipvs-unavailable' || !['ENOENT', 'EPROTONOSUPPORT'].includes(error.code)) throw error;
    outcome = `${error.code} (${error.reason})`;
  }
  const addons = Object.keys(require.cache).filter((file) => file.endsWith('.node'));
  if (addons.length !== 1) throw new Error(`expected one loaded addon, found ${JSON.stringify(addons)}`);
  const lo = require(addons[0]).vrrpInterface({ interface: 'lo' });
  if (lo.ifindex !== 1 || !lo.up) throw new Error(`rtnetlink says lo is ${JSON.stringify(lo)}`);
  console.log(`arm64: node ${process.versions.node} loaded ${path.relative(process.cwd(), addons[0])}; ` +
    `Ipvs.open: IpvsError ${outcome}; rtnetlink: lo is ifindex ${lo.ifindex}, up`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
