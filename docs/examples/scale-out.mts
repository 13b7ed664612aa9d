/**
 * The sample of docs/scale-out.md: announcing and withdrawing a VIP through
 * the routing daemon from orchestration code.
 */
import { Announcer } from 'ipvs';

// #region announcer
const announcer = new Announcer({ table: 200 });   // netns, protocol, interface too
announcer.sweepSync(['192.0.2.10']);                // drop what a previous run left
await announcer.announce('192.0.2.10');             // true: added; false: was there
await announcer.withdraw('192.0.2.10');             // true: deleted; false: was not there
announcer.announcedSync();                          // what the kernel table holds
// #endregion
