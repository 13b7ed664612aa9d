// Issue #15's proof, in the kernel lab: three directors behind a router's
// ECMP, each announcing the VIP through its own FRR (BGP + BFD) from
// `ipvs keepalived --announce`, long-lived downloads and short requests
// flowing while directors die, rejoin and lose their real servers, and a
// real server leaves; then the same lab as keepalived active/passive for
// comparison. Behaviour is asserted here; `npm run bench:scale` prints the
// times. Its own layer (`npm run test:scale`, about 11 minutes under TCG):
// not yet in `npm test`, until it has passed often enough to be trusted in CI.
import { readRoutingStatus } from '../../lib';
import { frrInstalled } from '../support/frr-lab';
import { until } from '../support/health';
import { ROUTING_READ_S, SCALE, ScaleLab, type DirectorStatus } from '../support/scale-lab';
import { LONG, ScaleProof, type StepResult } from '../support/scale-proof';

// JavaScript in the kernel lab VM runs 10-25x slower than on the host.
jest.setTimeout(900_000);

const describeFrr = frrInstalled() ? describe : describe.skip;
if (!frrInstalled()) test.todo('FRR (apt-get install frr; lab/ensure-packages) is needed for the scale-out proof');

describeFrr('the proof: three active directors behind ECMP, announced by FRR, no connection broken', () => {
  let lab: ScaleLab;
  let proof: ScaleProof;

  beforeAll(async () => {
    // BFD at 1 s x 3: under emulation a director starting (FRR, ipvs keepalived) starves the router's bfdd; at 300 ms x 3 its
    // sessions with the other directors went down for 2-3 s (twice in two runs); bench:scale measures 300 and 100 ms.
    lab = new ScaleLab({ bfdInterval: 1000 });
    await lab.start();
    proof = new ScaleProof(lab);
  }, 1_800_000);
  afterAll(async () => {
    proof?.stop();
    await lab?.destroy();
  });

  /**
   * The step's figures, for the record (bench:scale measures them; nothing here asserts a time), and what a failure
   * needs to be read: each failed short request and each stall of the client, in ms from the event, and the router's events.
   */
  function note(step: StepResult): void {
    const rel = (t: number) => `${t - step.eventAt >= 0 ? '+' : ''}${t - step.eventAt}`;
    console.log(`${step.mode}: ${step.scenario}: reaction ${step.reactionMs} ms, ${step.broken.length} of ${LONG} downloads broken, `
      + `${step.shortFailures.length} short requests failed`
      + (step.shortFailures.length ? `: ${step.shortFailures.map((f) => `${rel(f.start)}..${rel(f.end)} ms ${f.error}`).join('; ')}` : '')
      + (step.stalls.length ? `; client stalls: ${step.stalls.map((x) => `${x.ms} ms ending ${rel(x.at)}`).join('; ')}` : '')
      + `; router: ${lab.routerEvents(step.eventAt)}`);
  }

  /**
   * Until director `i`'s /status has a read of its FRR made after `since` that passes `test` (a few of its reads at
   * most; a status request that failed, the VM busy, is asked again).
   */
  async function routingAfter(i: number, since: number, test: (s: DirectorStatus) => boolean, what: string): Promise<DirectorStatus> {
    let last: DirectorStatus | Error = new Error('not read');
    return until(() => lab.status(i).catch((e: Error) => e), (s) => {
      last = s;
      return !(s instanceof Error) && Date.parse(s.routing?.readAt ?? '') > since && test(s);
    }, what, {
      intervalMs: 1000, attempts: 4 * ROUTING_READ_S + 60,
      detail: () => JSON.stringify(last instanceof Error ? last.message : last.routing),
    }) as Promise<DirectorStatus>;
  }
  const session = (s: DirectorStatus) => s.routing?.sessions.find((x) => x.peer === SCALE.router);
  const bfdPeer = (s: DirectorStatus) => s.routing?.bfdPeers.find((x) => x.peer === SCALE.router);

  /** Short requests may fail only between the event and the fabric's reaction (plus one SYN retransmission). */
  function failuresOnlyInWindow(step: StepResult): void {
    for (const f of step.shortFailures) {
      expect(f.start).toBeGreaterThanOrEqual(step.eventAt - 3000);
      expect(f.start).toBeLessThanOrEqual(step.reactedAt! + 1000);
    }
  }

  test('spread: every director carries traffic, every download is intact', async () => {
    const { scheduled, report } = await proof.spread();
    console.log(`connections scheduled per director: ${scheduled.join(', ')}; short requests per real server: ${JSON.stringify(report.shortByServer)}`);
    for (const n of scheduled) expect(n).toBeGreaterThan(0);
    expect(report.downloads).toHaveLength(LONG);
    expect(report.downloads.filter((d) => d.broken)).toEqual([]);
    expect(new Set(report.downloads.map((d) => d.server))).toEqual(new Set(['rs1', 'rs2', 'rs3']));
  });

  test('every director reports its FRR\'s BGP session with the router Established, sending the VIP, and its BFD peer up', async () => {
    const since = Date.now();
    for (const i of SCALE.directors) {
      const status = await routingAfter(i, since, (s) => session(s)?.state === 'Established' && bfdPeer(s)?.status === 'up',
        `director ${i}'s /status: session Established and BFD up`);
      expect(status.routing!.errors).toEqual([]);
      expect(session(status)!.prefixesSent).toBe(1);
      expect(status.announcements).toEqual([expect.objectContaining({ vip: SCALE.vip, announced: true, reason: 'healthy' })]);
      const metrics = await lab.metrics(i);
      expect(metrics).toMatch(new RegExp(`^ipvs_keepalived_bgp_session_up\\{peer="${SCALE.router}"\\} 1$`, 'm'));
      expect(metrics).toMatch(new RegExp(`^ipvs_keepalived_bfd_peer_up\\{peer="${SCALE.router}"\\} 1$`, 'm'));
    }
  });

  test('a director dies: the router withdraws it, no download breaks, short requests fail only until then', async () => {
    const step = await proof.directorDies(3);
    note(step);
    expect(step.broken).toEqual([]);
    failuresOnlyInWindow(step);
    // The dead director answers nothing; the router's FRR, read by the same reader, has its BFD peer down and the session gone.
    const dead = SCALE.directorAddress(3);
    const router = await readRoutingStatus({ vtySocket: lab.routerFrr.dir, netns: lab.router.path, timeoutMs: 60_000 });
    expect(router.errors).toEqual([]);
    expect(router.bfdPeers.find((p) => p.peer === dead)).toMatchObject({ status: 'down' });
    expect(router.sessions.find((x) => x.peer === dead)?.state).not.toBe('Established');
  });

  test('it rejoins: announced only once its table is complete, it takes flows, no download breaks', async () => {
    const downs = proof.bfdDowns();
    const step = await proof.rejoin(3);
    console.log(`rejoin: the router's BFD sessions went down ${proof.bfdDowns() - downs} times`);
    note(step);
    console.log(`rejoin timeline: table last seen incomplete +${(step.tableIncompleteAt ?? step.eventAt) - step.eventAt} ms, complete `
      + `+${step.tableCompleteAt! - step.eventAt} ms; router: ${lab.routerEvents(step.eventAt)}; director 3: ${lab.daemonTimeline(3, step.eventAt)}`);
    // No poll that began after the router first forwarded to it found its table incomplete.
    expect(step.tableCompleteAt).toBeDefined();
    expect(step.reactedAt).toBeDefined();
    expect(step.tableIncompleteAt ?? 0).toBeLessThan(step.reactedAt!);
    expect(lab.daemonLog(3).some((l) => l.entry.message === 'vip announced')).toBe(true);
    expect(step.broken).toEqual([]);
    // The join touches the data path only when the router starts forwarding to the director: no short request may fail
    // from then on. One that failed and ended before (seen once: +56..+60 s of an 85 s start, the VM starved by the
    // director's FRR and daemon starting, no route changed) is printed above and counted by bench:scale.
    for (const f of step.shortFailures) expect(f.end).toBeLessThan(step.reactedAt!);
    // Its join flushed the table: the service's counter starts again from 0.
    expect((await lab.scheduled())[2]!).toBeGreaterThan(0);
  });

  test('a director that loses its real servers withdraws, and no download breaks', async () => {
    // While it is withdrawn, its /status says so: the VIP not announced and why, and its FRR's session with the
    // router still Established (a withdrawal is a route, not a session) and sending nothing; BFD up.
    let withdrawn: DirectorStatus | undefined;
    const step = await proof.healthWithdrawal(2, async (s) => {
      withdrawn = await routingAfter(2, s.reactedAt!, (x) => session(x)?.prefixesSent === 0, 'director 2\'s /status: the VIP no longer sent');
    });
    note(step);
    expect(lab.daemonLog(2).some((l) => l.entry.message === 'vip withdrawn')).toBe(true);
    expect(step.broken).toEqual([]);
    expect(withdrawn!.announcements).toEqual([expect.objectContaining({ vip: SCALE.vip, announced: false, reason: expect.stringMatching(/^quorum lost on /) })]);
    expect(session(withdrawn!)!.state).toBe('Established');
    expect(bfdPeer(withdrawn!)!.status).toBe('up');
  });

  test('a real server removed from every director: exactly its downloads end, no other moves', async () => {
    const step = await proof.serverRemoved(2);
    note(step);
    expect(step.onServer.length).toBeGreaterThan(0);
    expect(step.broken.map((d) => d.id).sort()).toEqual(step.onServer.map((d) => d.id).sort());
    expect(step.answeredAfter).toBe(0);
  });

  test('the comparison: keepalived active/passive with lvs_sync_daemon takes over when its master dies', async () => {
    const step = await proof.activePassive();
    note(step);
    expect(step.reactedAt).toBeDefined();
  });
});
