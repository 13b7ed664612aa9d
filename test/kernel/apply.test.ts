// Declarative apply against real IPVS: ipvsadm builds and reads the table
// as the oracle; a live TCP connection through the VIP proves that edits
// are made in place.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Ipvs, parseDesiredState, type DesiredState } from '../../lib';
import { applyCommand } from '../../lib/cli/apply-command';
import { exportCommand } from '../../lib/cli/export-command';
import type { CliCommand } from '../../lib/cli/context';
import { runCommand, type CommandOutcome } from '../support/cli';
import { TestNamespace } from '../support/netns';
import { NatTopology, REAL_SERVERS, VIP } from '../../demo/nat-topology';

// JavaScript in the kernel lab VM runs 10-25x slower than on the host.
jest.setTimeout(240_000);

function restore(ns: TestNamespace, rules: string): void {
  execFileSync('ip', ['netns', 'exec', ns.name, 'ipvsadm', '-R'], { input: rules });
}

/** Runs a command on `ipvs`, as the `ipvs` executable would. */
function run(command: CliCommand, args: string[], ipvs: Ipvs, stdin = ''): Promise<CommandOutcome> {
  return runCommand(command, args, async () => ipvs, stdin);
}

const sorted = (lines: string[]) => [...lines].sort();

// Every kind of option ipvsadm can set, written by ipvsadm itself.
const RULES = `-A -t 10.0.0.13:80 -s wrr -p 300 -M 255.255.255.0
-a -t 10.0.0.13:80 -r 10.1.0.4:80 -m -w 2
-a -t 10.0.0.13:80 -r 10.1.0.5:8080 -m -w 0 -x 100 -y 10
-A -u 10.0.0.2:53 -s sh -b sh-port -o
-a -u 10.0.0.2:53 -r 10.1.0.6:53 -g -w 1
-A -f 5 -s rr
-a -f 5 -r 10.1.0.7:0 -i -w 4
-A -t [2001:db8::13]:443 -s lc
-a -t [2001:db8::13]:443 -r [2001:db8:1::4]:443 -m -w 1
`;

describe('apply and export in a namespace', () => {
  let ns: TestNamespace;
  let ipvs: Ipvs;
  beforeEach(async () => {
    ns = TestNamespace.create('ap');
    ipvs = await Ipvs.open({ netns: ns.path });
  });
  afterEach(async () => {
    await ipvs.close();
    ns.destroy();
  });

  test('apply builds the table; the same state applied again plans and changes nothing', async () => {
    const desired: DesiredState = {
      services: [
        {
          protocol: 'tcp', address: '10.0.0.13', port: 80, scheduler: 'rr',
          destinations: [{ address: '10.1.0.4', forwarding: 'masq' }, { address: '10.1.0.5', forwarding: 'masq', weight: 3 }],
        },
        { fwmark: 9, scheduler: 'sh', schedulerFlags: ['sh-fallback'], destinations: [{ address: '10.1.0.6' }] },
      ],
    };
    const first = await ipvs.apply(desired);
    expect(first.failed).toBe(0);
    expect(first.steps.map((s) => [s.step.action, s.status])).toEqual([
      ['add-service', 'done'], ['add-destination', 'done'], ['add-destination', 'done'], ['add-service', 'done'], ['add-destination', 'done'],
    ]);
    const table = sorted(ns.saved());
    expect(table).toEqual(sorted([
      '-A -t 10.0.0.13:80 -s rr',
      '-a -t 10.0.0.13:80 -r 10.1.0.4:80 -m -w 1',
      '-a -t 10.0.0.13:80 -r 10.1.0.5:80 -m -w 3',
      '-A -f 9 -s sh -b sh-fallback',
      '-a -f 9 -r 10.1.0.6:0 -g -w 1',
    ]));
    const second = ipvs.applySync(desired, { prune: true });
    expect(second).toMatchObject({ steps: [], failed: 0, unchanged: { services: 2, destinations: 3 } });
    expect(sorted(ns.saved())).toEqual(table);
  });

  test('export -> apply round-trips exactly, into another namespace and onto itself', async () => {
    restore(ns, RULES);
    const original = sorted(ns.saved());
    const yaml = await run(exportCommand, [], ipvs);
    expect(yaml).toMatchObject({ status: 0, stderr: '' });
    const json = await run(exportCommand, ['--json'], ipvs);
    expect(parseDesiredState(json.stdout)).toEqual(parseDesiredState(yaml.stdout));

    // Onto the same kernel: nothing to do.
    const self = await run(applyCommand, ['--prune', '-'], ipvs, yaml.stdout);
    expect(self).toMatchObject({ status: 0, stderr: '' });
    expect(self.stdout).toMatch(/^No changes: .*\(4 services and 5 destinations unchanged\)\.\n$/);

    // Into an empty namespace: ipvsadm sees the same table, and it exports to the same text.
    const other = TestNamespace.create('ap2');
    const ipvs2 = await Ipvs.open({ netns: other.path });
    try {
      const applied = await run(applyCommand, ['--json', '-'], ipvs2, json.stdout);
      expect(applied.status).toBe(0);
      expect(JSON.parse(applied.stdout)).toMatchObject({ dryRun: false, failed: 0 });
      expect(sorted(other.saved())).toEqual(original);
      expect((await run(exportCommand, [], ipvs2)).stdout).toBe(yaml.stdout);
    } finally {
      await ipvs2.close();
      other.destroy();
    }
  });

  test('plans are minimal: one weight is one edit, a scheduler change is one service edit', async () => {
    restore(ns, RULES);
    const desired = parseDesiredState((await run(exportCommand, [], ipvs)).stdout);
    const web = desired.services.find((s) => 'port' in s && s.port === 80)!;
    (web.destinations![0] as { weight: number }).weight = 5;
    const weight = await ipvs.apply(desired);
    expect(weight.steps).toEqual([
      {
        status: 'done',
        step: expect.objectContaining({ action: 'edit-destination', target: 'tcp/10.0.0.13:80 -> 10.1.0.4:80', changes: [{ setting: 'weight', from: 2, to: 5 }] }),
      },
    ]);
    expect(ns.saved()).toContain('-a -t 10.0.0.13:80 -r 10.1.0.4:80 -m -w 5');

    (web as { scheduler: string }).scheduler = 'wlc';
    delete (web as { persistent?: unknown }).persistent;
    const scheduler = await ipvs.apply(desired, { prune: true });
    expect(scheduler.steps).toHaveLength(1);
    expect(scheduler.steps[0]!.step).toMatchObject({
      action: 'edit-service',
      changes: [
        { setting: 'scheduler', from: 'wrr', to: 'wlc' },
        { setting: 'persistent.timeout', from: 300, to: null },
        { setting: 'persistent.netmask', from: 24, to: null },
      ],
    });
    expect(ns.saved()).toContain('-A -t 10.0.0.13:80 -s wlc');
    // Its destinations were kept through the edit.
    expect(ns.saved().filter((l) => l.startsWith('-a -t 10.0.0.13:80'))).toHaveLength(2);
  });

  test('prune off only adds and edits; prune on also deletes what is not listed, after the adds', async () => {
    restore(ns, RULES);
    const before = ns.saved();
    const desired: DesiredState = {
      services: [
        {
          protocol: 'tcp', address: '10.0.0.13', port: 80, scheduler: 'wrr', persistent: { timeout: 300, netmask: '255.255.255.0' },
          destinations: [{ address: '10.1.0.4', forwarding: 'masq', weight: 2 }, { address: '10.1.0.9', forwarding: 'masq' }],
        },
      ],
    };
    const dry = await run(applyCommand, ['--prune', '--dry-run', '-'], ipvs, JSON.stringify(desired));
    expect(dry.stdout.split('\n')).toEqual([
      '+ destination tcp/10.0.0.13:80 -> 10.1.0.9:80 (masq, weight 1)',
      '- destination tcp/10.0.0.13:80 -> 10.1.0.5:8080',
      '- service udp/10.0.0.2:53',
      '- service tcp/[2001:db8::13]:443',
      '- service fwmark/ipv4/5',
      'Dry run: 5 changes planned, nothing applied; 1 service and 1 destination unchanged.',
      '',
    ]);
    expect(ns.saved()).toEqual(before);

    const kept = await ipvs.apply(desired);
    expect(kept.steps.map((s) => s.step.action)).toEqual(['add-destination']);
    expect(ns.saved()).toHaveLength(10);

    const pruned = await ipvs.apply(desired, { prune: true });
    expect(pruned.steps.map((s) => `${s.step.action} ${s.step.target}`).sort()).toEqual([
      'delete-destination tcp/10.0.0.13:80 -> 10.1.0.5:8080',
      'delete-service fwmark/ipv4/5',
      'delete-service tcp/[2001:db8::13]:443',
      'delete-service udp/10.0.0.2:53',
    ]);
    expect(sorted(ns.saved())).toEqual(sorted([
      '-A -t 10.0.0.13:80 -s wrr -p 300 -M 255.255.255.0',
      '-a -t 10.0.0.13:80 -r 10.1.0.4:80 -m -w 2',
      '-a -t 10.0.0.13:80 -r 10.1.0.9:80 -m -w 1',
    ]));
  });

  test('bad files are refused with a pointed message and the table is not touched', async () => {
    restore(ns, RULES);
    const before = ns.saved();
    const dir = mkdtempSync(path.join(tmpdir(), 'ipvs-apply-'));
    const cases: [string, string, RegExp][] = [
      ['syntax.yaml', 'services:\n  - protocol: tcp\n    address: [10.0.0.1\n', /^ipvs apply: .*syntax\.yaml:\d+:\d+: /],
      ['unknown.yaml', 'services:\n  - protocol: tcp\n    address: 10.0.0.1\n    port: 80\n    schedular: rr\n', /unknown\.yaml:5:5: services\[0\]\.schedular: unknown key \(did you mean 'scheduler'\?\)/],
      ['type.json', '{"services": [{"protocol": "tcp", "address": "10.0.0.1", "port": 80,\n  "destinations": [{"address": "10.1.0.4", "weight": "ten"}]}]}\n', /type\.json:2:54: services\[0\]\.destinations\[0\]\.weight: expected an integer 0\.\.2147483647, got "ten"/],
      ['duplicate.yaml', 'services:\n  - { fwmark: 5 }\n  - { fwmark: 6 }\n  - { fwmark: 5, scheduler: rr }\n', /duplicate\.yaml:4:5: services\[2\]: duplicate service fwmark\/ipv4\/5 \(already at services\[0\]\)/],
    ];
    try {
      for (const [name, text, message] of cases) {
        const file = path.join(dir, name);
        writeFileSync(file, text);
        const result = await run(applyCommand, ['--prune', file], ipvs);
        expect(result).toMatchObject({ status: 1, stdout: '' });
        expect(result.stderr).toMatch(message);
        expect(ns.saved()).toEqual(before);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A client process in the client namespace holding one TCP connection; lines written to it come back from the echo server. */
class HeldConnection {
  readonly #child: ChildProcessWithoutNullStreams;
  #received = '';
  #closed = false;

  constructor(namespace: string, port: number) {
    const script = `const s = require('net').connect(${port}, '${VIP}', () => process.stdout.write('connected\\n'));
      s.on('error', (e) => { process.stdout.write('error ' + e.code + '\\n'); process.exit(1); });
      s.on('close', () => process.exit(0));
      process.stdin.pipe(s); s.pipe(process.stdout);`;
    this.#child = spawn('ip', ['netns', 'exec', namespace, process.execPath, '-e', script]);
    this.#child.stdout.setEncoding('utf8');
    this.#child.stdout.on('data', (d: string) => (this.#received += d));
    this.#child.on('exit', () => (this.#closed = true));
  }

  /** Resolves once `text` has arrived (or rejects when the process ended without it). */
  async waitFor(text: string): Promise<void> {
    while (!this.#received.includes(text)) {
      if (this.#closed) throw new Error(`connection ended; received ${JSON.stringify(this.#received)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async echo(line: string): Promise<void> {
    this.#child.stdin.write(`${line}\n`);
    await this.waitFor(`${line}\n`);
  }

  get alive(): boolean {
    return !this.#closed;
  }

  end(): Promise<void> {
    return stopProcess(this.#child);
  }
}

/** Ends a process this test started and waits until it is gone. */
async function stopProcess(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await gone;
}

describe('a live connection through the VIP', () => {
  const ECHO_PORT = 9000;
  let topology: NatTopology;
  let ipvs: Ipvs;
  const servers: ChildProcessWithoutNullStreams[] = [];

  beforeAll(async () => {
    topology = new NatTopology(`ap${process.pid}`).create();
    for (const ns of topology.servers) {
      const echo = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e',
        `require('net').createServer((s) => s.pipe(s)).listen(${ECHO_PORT}, () => console.log('ready'))`]);
      servers.push(echo);
      await new Promise<void>((resolve, reject) => {
        echo.stdout.once('data', () => resolve());
        echo.once('exit', () => reject(new Error(`echo server in ${ns} ended`)));
      });
    }
    ipvs = await Ipvs.open({ netns: topology.directorNetns });
    // Drop the packets of a connection whose destination is gone (IPVS
    // exists in the namespace now): a service or destination deleted and
    // re-added would then kill the connection below.
    topology.exec(topology.director, 'sysctl', '-qw', 'net.ipv4.vs.expire_nodest_conn=1');
  });
  afterAll(async () => {
    await ipvs?.close();
    for (const s of servers) await stopProcess(s);
    topology.destroy();
  });

  test('survives apply editing its own service and destinations while other services come and go', async () => {
    const echoService = (scheduler: 'rr' | 'wrr', weights: [number, number]) => ({
      protocol: 'tcp' as const, address: VIP, port: ECHO_PORT, scheduler,
      destinations: REAL_SERVERS.map((rs, i) => ({ address: rs.address, forwarding: 'masq' as const, weight: weights[i]! })),
    });
    const before: DesiredState = {
      services: [echoService('rr', [1, 1]), { protocol: 'udp', address: VIP, port: 53, destinations: [{ address: REAL_SERVERS[0].address, forwarding: 'masq' }] }],
    };
    expect((await ipvs.apply(before)).failed).toBe(0);

    const connection = new HeldConnection(topology.client, ECHO_PORT);
    try {
      await connection.waitFor('connected\n');
      await connection.echo('before apply');
      // ipvsadm -Lnc: protocol, expiry (which ticks), state, client, virtual and real address.
      const entries = () => topology.exec(topology.director, 'ipvsadm', '-Lnc').split('\n')
        .filter((l) => l.includes(`${VIP}:${ECHO_PORT}`) && l.includes('ESTABLISHED'))
        .map((l) => l.split(/\s+/).filter((_, i) => i !== 1).join(' '));
      const [entry] = entries();
      expect(entry).toBeDefined();
      // A service made anew starts with zeroed counters: they tell an edit in
      // place from a delete and re-add (which IPVS may survive by reviving
      // the destination from its trash).
      const echoKey = { protocol: 'tcp', address: VIP, port: ECHO_PORT } as const;
      const counted = async () => (await ipvs.getService(echoKey))!.stats.connections;
      // The kernel adds its per-CPU counters into the reported ones every 2 s.
      for (let tries = 0; tries < 100 && (await counted()) === 0n; tries++) await new Promise((r) => setTimeout(r, 200));
      expect(await counted()).toBe(1n);

      // Other services change (one added, one pruned) and the connection's own
      // service gets a new scheduler and new weights — all edits in place.
      const after: DesiredState = {
        services: [echoService('wrr', [5, 0]), { protocol: 'tcp', address: VIP, port: 80, destinations: REAL_SERVERS.map((rs) => ({ address: rs.address, forwarding: 'masq' as const })) }],
      };
      const report = await ipvs.apply(after, { prune: true });
      expect(report.failed).toBe(0);
      expect(report.steps.map((s) => `${s.step.action} ${s.step.target}`)).toEqual([
        `add-service tcp/${VIP}:80`,
        `add-destination tcp/${VIP}:80 -> ${REAL_SERVERS[0].address}:80`,
        `add-destination tcp/${VIP}:80 -> ${REAL_SERVERS[1].address}:80`,
        `edit-service tcp/${VIP}:${ECHO_PORT}`,
        `edit-destination tcp/${VIP}:${ECHO_PORT} -> ${REAL_SERVERS[0].address}:${ECHO_PORT}`,
        `edit-destination tcp/${VIP}:${ECHO_PORT} -> ${REAL_SERVERS[1].address}:${ECHO_PORT}`,
        `delete-service udp/${VIP}:53`,
      ]);

      // The same connection still carries data, both ways, through the same IPVS entry.
      await connection.echo('after apply');
      await connection.echo('and once more');
      expect(connection.alive).toBe(true);
      expect(entries()).toEqual([entry]);
      expect(await counted()).toBe(1n);
      // Control: what a delete and re-add would have shown.
      await ipvs.batch().deleteService(echoKey).addService({ ...echoKey, scheduler: 'wrr' }).commit();
      expect(await counted()).toBe(0n);
      // And the new service answers.
      topology.startWebServers();
      expect(topology.curl()).toMatch(/^Hello from rs[12]\n$/);
    } finally {
      await connection.end();
      topology.stopWebServer(0);
      topology.stopWebServer(1);
    }
  });
});
