// BFD_CHECK against the in-memory kernel: a real server follows a
// bfd_instance session by keepalived 2.2.7's rules (check_bfd.c, and the
// events bfd_scheduler.c sends: entering Up, and an Up session going Down
// unless the neighbour said AdminDown) — start-up with and without alpha,
// inhibit_on_failure, several servers on one session, the events that are
// none, a reload, and the configuration's errors naming the field. The
// session changes come from an event source shaped as BfdSessions emits
// them; the netns test (test/netns/bfd.test.ts) runs the same against
// FRR's bfdd through the daemon.
import { EventEmitter } from 'node:events';
import { IpvsArgumentError, VirtualServerManager, type HealthConfig, type CheckEvent } from '../../../lib';
import type { BfdStateChange, BfdStateSource } from '../../../lib/bfd';
import type { BfdState } from '../../../lib/bfd/states';
import { bfdCheckerEvent } from '../../../lib/health/bfd-check';
import { withFakeIpvs } from '../../support/fake-kernel';
import { until } from '../../support/health';

jest.setTimeout(30_000);

const fake = withFakeIpvs();

/** Sessions as BfdSessions reports them: a state per name and a 'change' per transition. */
class Sessions extends EventEmitter implements BfdStateSource {
  readonly states = new Map<string, BfdState>();
  constructor(names: string[]) {
    super();
    for (const n of names) this.states.set(n, 'Down');
  }
  state(name: string): BfdState | undefined {
    return this.states.get(name);
  }
  go(name: string, to: BfdState, diag = 'No Diagnostic', remoteDiag = 'No Diagnostic'): void {
    const from = this.states.get(name)!;
    this.states.set(name, to);
    const change: BfdStateChange = { name, from, to, diag, remoteDiag, at: Date.now() };
    this.emit('change', change);
  }
  /** Down → Init → Up, as a session comes up. */
  up(name: string): void {
    this.go(name, 'Init');
    this.go(name, 'Up');
  }
}

let port = 9400;
const nextService = () => ({ protocol: 'tcp', address: '10.0.0.15', port: ++port, scheduler: 'rr' }) as const;

async function table(service: ReturnType<typeof nextService>): Promise<string[]> {
  const s = await fake.ipvs.getService({ protocol: service.protocol, address: service.address, port: service.port });
  return (s?.destinations ?? []).map((d) => `${d.address} w${d.weight}`).sort();
}
const settle = (service: ReturnType<typeof nextService>, want: string[]) =>
  until(() => table(service), (t) => JSON.stringify(t) === JSON.stringify(want), `table ${want.join(', ')}`, { attempts: 300 });
/** Lets pending table writes land, for checks that nothing changed. */
const quiet = () => new Promise((r) => setTimeout(r, 50));

const INSTANCES = [{ name: 'b1', neighborIp: '10.1.0.4' }, { name: 'b2', neighborIp: '10.1.0.5' }];

function config(service: ReturnType<typeof nextService>, rs1: HealthConfig['virtualServers'][number]['realServers'][number]): HealthConfig {
  return { bfdInstances: INSTANCES, virtualServers: [{ service, realServers: [rs1, { address: '10.1.0.6', port: 80, weight: 3 }] }] };
}

/** Runs `body` with a manager started on `c`, following fresh sessions b1 and b2 (all Down); stops it after. */
async function withManager(
  c: HealthConfig, body: (run: { manager: VirtualServerManager; sessions: Sessions; events: CheckEvent[] }) => Promise<void>,
): Promise<void> {
  const sessions = new Sessions(['b1', 'b2']);
  const manager = new VirtualServerManager(fake.ipvs, { bfd: sessions, runScripts: false });
  const events: CheckEvent[] = [];
  manager.on('checker', (e) => events.push(e));
  await manager.start(c);
  try {
    await body({ manager, sessions, events });
  } finally {
    await manager.stop();
  }
}

describe('the events keepalived\'s BFD process sends the checker', () => {
  const change = (from: BfdState, to: BfdState, diag = 'No Diagnostic', remoteDiag = 'No Diagnostic'): BfdStateChange =>
    ({ name: 'b', from, to, diag, remoteDiag, at: 0 });
  test.each([
    ['Init', 'Up', undefined, undefined, true],
    ['Down', 'Up', undefined, undefined, true],
    ['Up', 'Down', 'Control Detection Time Expired', undefined, false],
    ['Up', 'Down', 'Neighbor Signaled Session Down', undefined, false],
    // The neighbour went AdminDown: keepalived sends nothing (bfd_state_fall checks remote_state).
    ['Up', 'Down', 'Neighbor Signaled Session Down', 'Administratively Down', undefined],
    // Our own session removed on a reload: no event either.
    ['Up', 'Down', 'Administratively Down', undefined, undefined],
    // A session that was never Up sends nothing going Down.
    ['Init', 'Down', 'Control Detection Time Expired', undefined, undefined],
    ['Down', 'Init', undefined, undefined, undefined],
  ] as const)('%s -> %s (%s, remote %s): %p', (from, to, diag, remoteDiag, event) => {
    expect(bfdCheckerEvent(change(from, to, diag, remoteDiag))).toBe(event);
  });
});

describe('a real server following a BFD session', () => {
  test('without alpha: up at start, out when its Up session goes Down, back when Up again; keepalived\'s log line as the reason', async () => {
    const service = nextService();
    await withManager(config(service, { address: '10.1.0.4', port: 80, weight: 5, bfdChecks: [{ bfdInstance: 'b1' }] }), async ({ sessions, manager, events }) => {
      await settle(service, ['10.1.0.4 w5', '10.1.0.6 w3']);
      // Coming up: Init is no event, Up is the first (has_run) and agrees with the state.
      sessions.up('b1');
      expect(events.map((e) => [e.checker, e.up, e.reason])).toEqual([['BFD_CHECK#0', true, 'BFD check of [b1] RS([10.1.0.4]:tcp:80) is UP']]);
      sessions.go('b1', 'Down', 'Control Detection Time Expired');
      await settle(service, ['10.1.0.6 w3']);
      expect(events.at(-1)).toMatchObject({ realServer: '10.1.0.4:80', up: false, ok: false, reason: 'BFD check of [b1] RS([10.1.0.4]:tcp:80) is DOWN' });
      expect(manager.status().virtualServers[0]!.realServers[0]!.checkers).toEqual([{ name: 'BFD_CHECK#0', up: false, attempts: 0, lastReason: 'bfd_instance b1 Down' }]);
      // Another instance's changes do not touch it.
      sessions.up('b2');
      await quiet();
      expect(await table(service)).toEqual(['10.1.0.6 w3']);
      sessions.up('b1');
      await settle(service, ['10.1.0.4 w5', '10.1.0.6 w3']);
    });
  });

  test('without alpha a session that never comes Up sends nothing: the server stays up, as in keepalived', async () => {
    const service = nextService();
    await withManager(config(service, { address: '10.1.0.4', port: 80, bfdChecks: [{ bfdInstance: 'b1' }] }), async ({ sessions, events }) => {
      sessions.go('b1', 'Init');
      sessions.go('b1', 'Down', 'Control Detection Time Expired');
      await quiet();
      expect(events).toEqual([]);
      expect(await table(service)).toEqual(['10.1.0.4 w1', '10.1.0.6 w3']);
    });
  });

  test('alpha (on the check, or inherited from the virtual server): out at start, in at the first Up', async () => {
    for (const alphaAt of ['check', 'virtualServer'] as const) {
      const service = nextService();
      const c = config(service, { address: '10.1.0.4', port: 80, bfdChecks: [{ bfdInstance: 'b1', ...(alphaAt === 'check' ? { alpha: true } : {}) }] });
      if (alphaAt === 'virtualServer') (c.virtualServers[0] as { alpha?: boolean }).alpha = true;
      await withManager(c, async ({ sessions }) => {
        await settle(service, ['10.1.0.6 w3']);
        sessions.up('b1');
        await settle(service, ['10.1.0.4 w1', '10.1.0.6 w3']);
      });
    }
  });

  test('the neighbour going AdminDown is no event: the server stays in; inhibit_on_failure keeps a down server at weight 0', async () => {
    const service = nextService();
    await withManager(config(service, { address: '10.1.0.4', port: 80, weight: 4, inhibitOnFailure: true, bfdChecks: [{ bfdInstance: 'b1' }] }), async ({ sessions }) => {
      sessions.up('b1');
      sessions.go('b1', 'Down', 'Neighbor Signaled Session Down', 'Administratively Down');
      await quiet();
      expect(await table(service)).toEqual(['10.1.0.4 w4', '10.1.0.6 w3']);
      sessions.up('b1');
      sessions.go('b1', 'Down', 'Neighbor Signaled Session Down');
      await settle(service, ['10.1.0.4 w0', '10.1.0.6 w3']);
    });
  });

  test('one session, several servers; a server with two BFD_CHECKs is up only while both sessions are', async () => {
    const service = nextService();
    const c: HealthConfig = {
      bfdInstances: INSTANCES,
      virtualServers: [{ service, realServers: [
        { address: '10.1.0.4', port: 80, bfdChecks: [{ bfdInstance: 'b1' }, { bfdInstance: 'b2' }] },
        { address: '10.1.0.5', port: 80, bfdChecks: [{ bfdInstance: 'b1' }] },
      ] }],
    };
    await withManager(c, async ({ sessions }) => {
      sessions.up('b1');
      sessions.up('b2');
      sessions.go('b2', 'Down', 'Control Detection Time Expired');
      await settle(service, ['10.1.0.5 w1']);
      sessions.go('b1', 'Down', 'Control Detection Time Expired');
      await settle(service, []);
      sessions.up('b1');
      await settle(service, ['10.1.0.5 w1']);
      sessions.up('b2');
      await settle(service, ['10.1.0.4 w1', '10.1.0.5 w1']);
    });
  });

  test('a reload: kept servers keep their state; an alpha check added while its session is Up starts up', async () => {
    const service = nextService();
    const first = config(service, { address: '10.1.0.4', port: 80, bfdChecks: [{ bfdInstance: 'b1' }] });
    await withManager(first, async ({ sessions, manager }) => {
      sessions.up('b1');
      sessions.go('b1', 'Down', 'Control Detection Time Expired');
      await settle(service, ['10.1.0.6 w3']);
      sessions.up('b2');
      await manager.reload({ ...first, virtualServers: [{ ...first.virtualServers[0]!, realServers: [
        ...first.virtualServers[0]!.realServers, { address: '10.1.0.5', port: 80, bfdChecks: [{ bfdInstance: 'b2', alpha: true }] },
      ] }] });
      await settle(service, ['10.1.0.5 w1', '10.1.0.6 w3']);
    });
  });

  test('errors name the field: an undefined bfd_instance, one followed twice, a bad alpha', async () => {
    const service = nextService();
    const manager = new VirtualServerManager(fake.ipvs, { bfd: new Sessions(['b1']) });
    const bad = (bfdChecks: unknown) => manager.start({ bfdInstances: INSTANCES, virtualServers: [{ service, realServers: [{ address: '10.1.0.4', bfdChecks } as never] }] });
    await expect(bad([{ bfdInstance: 'nope' }])).rejects.toThrow(IpvsArgumentError);
    await expect(bad([{ bfdInstance: 'nope' }])).rejects.toMatchObject({ field: 'config.virtualServers[0].realServers[0].bfdChecks[0].bfdInstance' });
    await expect(bad([{ bfdInstance: 'b1' }, { bfdInstance: 'b1' }])).rejects.toMatchObject({ field: 'config.virtualServers[0].realServers[0].bfdChecks[1].bfdInstance' });
    await expect(bad([{ bfdInstance: 'b1', alpha: 'yes' }])).rejects.toMatchObject({ field: 'config.virtualServers[0].realServers[0].bfdChecks[0].alpha' });
    expect(manager.running).toBe(false);
  });
});
