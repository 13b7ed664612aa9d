// Issue #15's proof, in the kernel lab: three directors behind a router's
// ECMP, each announcing the VIP through its own FRR (BGP + BFD) from
// `ipvs keepalived --announce`, long-lived downloads and short requests
// flowing while directors die, rejoin and lose their real servers, and a
// real server leaves; then the same lab as keepalived active/passive for
// comparison. Behaviour is asserted here; `npm run bench:scale` prints the
// times. Its own layer (`npm run test:scale`, about 11 minutes under TCG):
// not yet in `npm test`, until it has passed often enough to be trusted in CI.
import { frrInstalled } from '../support/frr-lab';
import { ScaleLab } from '../support/scale-lab';
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

  /** The step's figures, for the record (bench:scale measures them; nothing here asserts a time). */
  function note(step: StepResult): void {
    console.log(`${step.mode}: ${step.scenario}: reaction ${step.reactionMs} ms, ${step.broken.length} of ${LONG} downloads broken, `
      + `${step.shortFailures.length} short requests failed`);
  }

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

  test('a director dies: the router withdraws it, no download breaks, short requests fail only until then', async () => {
    const step = await proof.directorDies(3);
    note(step);
    expect(step.broken).toEqual([]);
    failuresOnlyInWindow(step);
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
    expect(step.shortFailures).toEqual([]);
    // Its join flushed the table: the service's counter starts again from 0.
    expect((await lab.scheduled())[2]!).toBeGreaterThan(0);
  });

  test('a director that loses its real servers withdraws, and no download breaks', async () => {
    const step = await proof.healthWithdrawal(2);
    note(step);
    expect(lab.daemonLog(2).some((l) => l.entry.message === 'vip withdrawn')).toBe(true);
    expect(step.broken).toEqual([]);
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
