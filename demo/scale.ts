/**
 * `npm run demo:scale`: three active directors behind a router's ECMP, on
 * real IPVS (the kernel lab VM when this kernel has none), every piece in a
 * network namespace this demo makes (docs/scale-out.md, "The proof", has
 * the picture). It shows, step by step:
 *
 * 1. the router's route to the VIP with one next hop per director, learned
 *    over BGP from each director's FRR, which redistributes the route
 *    `ipvs keepalived --announce` put in table 200;
 * 2. the same `mh` table on every director, and traffic spread over all three;
 * 3. a director dying (links down, processes killed): BFD tells the router,
 *    the route loses that next hop, and no long-lived download breaks,
 *    because the other directors pick the same real servers;
 * 4. the director rejoining: announced only once its table is complete.
 *
 * The lab is the scale-out test's (test/support/scale-lab.ts).
 */
import { ScaleLab, SCALE } from '../test/support/scale-lab';
import { LONG, ScaleProof, type StepResult } from '../test/support/scale-proof';

const say = (line = '') => process.stdout.write(`${line}\n`);
const seconds = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`);

function outcome(step: StepResult): string {
  return `router reacted after ${seconds(step.reactionMs)}; downloads broken: ${step.broken.length} of ${LONG}; `
    + `short requests failed: ${step.shortFailures.length}`;
}

/** The router's route to the VIP, as its kernel holds it (one `nexthop` per announcing director). */
function routerRoute(lab: ScaleLab): string {
  return lab.router.run('ip', 'route', 'show', `${SCALE.vip}/32`).trim();
}

async function main(): Promise<void> {
  const lab = new ScaleLab({ bfdInterval: 300, log: () => undefined });
  const proof = new ScaleProof(lab);
  try {
    say('Building the lab: a router (FRR bgpd + bfdd, ECMP), three directors (FRR, IPVS mh, ipvs keepalived --announce),');
    say('three real servers (direct routing, the VIP on their loopback) and a client.');
    await lab.start();
    say();
    say(`1. The router's route to ${SCALE.vip}, one next hop per director:`);
    say(routerRoute(lab));
    say();
    say('   BGP as the router sees it:');
    say(lab.routerFrr.vtysh('show bgp ipv4 unicast summary').trim());
    say();
    say('2. Director 1\'s IPVS table (directors 2 and 3 hold the same):');
    say(lab.directors[0]!.run('ipvsadm', '-Ln').trim());
    const { scheduled } = await proof.spread();
    say();
    say(`   ${LONG} long downloads (checked byte for byte) and a short request every 100 ms: connections scheduled`);
    say(`   per director ${scheduled.join(' / ')}.`);
    say();
    say('3. Director 3 dies: its links go down, then every process in it is killed.');
    const death = await proof.directorDies(3);
    say(`   ${outcome(death)}`);
    say(`   The route now: ${routerRoute(lab)}`);
    say();
    say('4. Director 3 rejoins: FRR starts, ipvs keepalived fills its table, and only then announces the VIP.');
    const rejoin = await proof.rejoin(3);
    say(`   ${outcome(rejoin)}`);
    say(`   The route now: ${routerRoute(lab)}`);
  } finally {
    proof.stop();
    await lab.destroy();
  }
  say();
  say('Lab removed. Figures against keepalived active/passive: npm run bench:scale; the guide: docs/scale-out.md.');
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
