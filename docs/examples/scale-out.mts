/**
 * The samples of docs/scale-out.md: announcing and withdrawing a VIP through
 * the routing daemon from orchestration code, and reading the daemon's
 * sessions (where no FRR runs, both parts come back in `errors`).
 */
import { Announcer, readRoutingStatus } from 'ipvs';

// #region announcer
const announcer = new Announcer({ table: 200 });   // netns, protocol, interface too
announcer.sweepSync(['192.0.2.10']);                // drop what a previous run left
await announcer.announce('192.0.2.10');             // true: added; false: was there
await announcer.withdraw('192.0.2.10');             // true: deleted; false: was not there
announcer.announcedSync();                          // what the kernel table holds
// #endregion

// #region routing-status
const status = await readRoutingStatus({ vtySocket: '/run/frr' });   // vtysh, pathspace, netns, timeoutMs too
for (const s of status.sessions) console.log(s.peer, s.state, s.since, s.prefixesSent);
for (const p of status.bfdPeers) console.log(p.peer, p.status, p.diagnostic);
for (const e of status.errors) console.log(e.part, e.code, e.message);   // e.g. bgp daemon-not-running
// #endregion
