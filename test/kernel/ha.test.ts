// The seed scenario made highly available, on real IPVS: two directors,
// each running `ipvs keepalived -f` on a keepalived.conf, share the client
// VIP and the real servers' gateway through VRRP (one sync group), both hold
// the NAT virtual server (round robin over rs1/rs2) from the start, and a
// client curls the VIP without pause. The master director dies; requests
// resume through the backup, whose IPVS table was already in place, and its
// answers still alternate between rs1 and rs2.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { HA, HaTopology } from '../support/ha-topology';

// JavaScript in the kernel lab VM runs 10-25x slower than on the host.
jest.setTimeout(600_000);

const ADVERT_INT = 1;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, probe: () => boolean, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** keepalived.conf of one director: both VIPs in a sync group, and the virtual server with HTTP_GET checks. */
function directorConfig(name: string, priority: number): string {
  const instance = (instanceName: string, device: string, vrid: number, vip: string) => `
vrrp_instance ${instanceName} {
    state BACKUP
    interface ${device}
    virtual_router_id ${vrid}
    priority ${priority}
    advert_int ${ADVERT_INT}
    virtual_ipaddress {
        ${vip}/24
    }
}
`;
  const realServer = (address: string) => `
    real_server ${address} 80 {
        weight 1
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 3
        }
    }`;
  return `global_defs {
    router_id ${name}
}

vrrp_sync_group VG_1 {
    group {
        VI_OUTSIDE
        VI_INSIDE
    }
}
${instance('VI_OUTSIDE', 'eth0', 51, HA.vip)}${instance('VI_INSIDE', 'eth1', 52, HA.gateway)}
virtual_server ${HA.vip} 80 {
    delay_loop 2
    lb_algo rr
    lb_kind NAT
    protocol TCP
${HA.realServers.map(realServer).join('')}
}
`;
}

/** `ipvs keepalived -f` in one director's namespace, and its structured log lines. */
class Director {
  readonly child: ChildProcess;
  readonly log: Record<string, unknown>[] = [];
  readonly exited: Promise<void>;

  constructor(namespace: string, conf: string) {
    const script = path.resolve(__dirname, '../support/keepalived-process.js');
    this.child = spawn('ip', ['netns', 'exec', namespace, process.execPath, script, '-f', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let rest = '';
    this.child.stderr!.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop()!;
      for (const line of parts) if (line.startsWith('{')) this.log.push(JSON.parse(line) as Record<string, unknown>);
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  get ready(): boolean {
    return this.log.some((l) => l.message === 'ready');
  }

  /** The last state the daemon logged for a VRRP instance. */
  state(instance: string): unknown {
    return this.log.filter((l) => l.instance === instance && String(l.message).startsWith('vrrp instance ')).at(-1)?.to;
  }

  bothIn(state: string): boolean {
    return this.state('VI_OUTSIDE') === state && this.state('VI_INSIDE') === state;
  }
}

/** A client curling the VIP in a loop: every answer (or FAIL) with the time it arrived. */
class CurlLoop {
  readonly #child: ChildProcess;
  readonly answers: { at: number; body: string }[] = [];

  constructor(namespace: string) {
    this.#child = spawn('ip', ['netns', 'exec', namespace, 'sh', '-c', `while :; do curl -s --max-time 1 http://${HA.vip}/ || echo FAIL; done`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let rest = '';
    this.#child.stdout!.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop()!;
      for (const body of parts) this.answers.push({ at: Date.now(), body: body.trim() });
    });
  }

  since(at: number): string[] {
    return this.answers.filter((a) => a.at >= at).map((a) => a.body);
  }

  stop(): void {
    this.#child.kill('SIGKILL');
  }
}

/** Whether neighbours always differ: round robin over two real servers. */
const alternates = (bodies: string[]) => bodies.every((b, i) => i === 0 || b !== bodies[i - 1]);

describe('two directors with VRRP in front of the NAT virtual server', () => {
  let topology: HaTopology;
  const directors: Director[] = [];
  let client: CurlLoop | undefined;

  beforeAll(() => {
    topology = new HaTopology();
    topology.startWebServers();
  });
  afterAll(async () => {
    client?.stop();
    for (const d of directors) {
      d.child.kill('SIGTERM');
      await d.exited;
    }
    topology.destroy();
  });

  test('the master dies: requests resume on the backup, whose table was already in place, still alternating rs1/rs2', async () => {
    const [d1, d2] = topology.directors;
    const conf = (name: string, priority: number) => {
      const file = path.join(topology.dir, `${name}.conf`);
      writeFileSync(file, directorConfig(name, priority));
      return file;
    };
    directors.push(new Director(d1.name, conf('d1', 150)), new Director(d2.name, conf('d2', 100)));
    const [master, backup] = directors as [Director, Director];
    await waitFor('both daemons ready', () => {
      for (const d of directors) if (d.child.exitCode !== null) throw new Error(`a director exited: ${JSON.stringify(d.log.slice(-5))}`);
      return master.ready && backup.ready;
    });
    await waitFor('d1 master and d2 backup', () => master.bothIn('MASTER') && backup.bothIn('BACKUP'));
    expect(topology.holders(HA.vip)).toEqual([0]);
    expect(topology.holders(HA.gateway)).toEqual([0]);

    // The backup's table is in place before anything fails.
    const table = (i: number) => topology.directors[i]!.run('ipvsadm', '-Sn').split('\n').filter(Boolean).sort();
    const expected = [`-A -t ${HA.vip}:80 -s rr`, ...HA.realServers.map((rs) => `-a -t ${HA.vip}:80 -r ${rs}:80 -m -w 1`)].sort();
    expect(table(0)).toEqual(expected);
    expect(table(1)).toEqual(expected);

    client = new CurlLoop(topology.client.name);
    const started = Date.now();
    await waitFor('six answers through d1', () => client!.since(started).filter((b) => b !== 'FAIL').length >= 6);
    const before = client.since(started);
    expect(before.every((b) => /^Hello from rs[12]$/.test(b))).toBe(true);
    expect(alternates(before)).toBe(true);

    // d1 dies: its VRRP process without a priority-0 goodbye, then its links, as a host losing power.
    master.child.kill('SIGKILL');
    await master.exited;
    const died = Date.now();
    d1.run('ip', 'link', 'set', 'eth0', 'down');
    d1.run('ip', 'link', 'set', 'eth1', 'down');

    await waitFor('d2 to become master of both', () => backup.bothIn('MASTER'));
    const takenOver = Date.now();
    expect(topology.holders(HA.vip)).toEqual([1]);
    expect(topology.holders(HA.gateway)).toEqual([1]);
    // The loop runs one curl at a time: from its first answer after the takeover on, every request goes to d2.
    const servedByD2 = () => {
      const after = client!.since(takenOver);
      return after.slice(Math.max(0, after.findIndex((b) => b !== 'FAIL')));
    };
    await waitFor('six answers through d2', () => servedByD2().length >= 6 && servedByD2()[0] !== 'FAIL');
    const served = servedByD2();
    const resumed = client.answers.find((a) => a.at >= takenOver && a.body !== 'FAIL')!;
    console.log(JSON.stringify({
      resumedAfterDeathMs: resumed.at - died, takeoverAfterDeathMs: takenOver - died,
      failedRequests: client.answers.filter((a) => a.at >= died && a.at < resumed.at && a.body === 'FAIL').length, served,
    }));

    expect(served.every((b) => /^Hello from rs[12]$/.test(b))).toBe(true);
    expect(alternates(served)).toBe(true);
    // The table d2 serves from is the one it held all along.
    expect(table(1)).toEqual(expected);
    const connections = topology.directors[1].run('ipvsadm', '-Lnc');
    expect(connections).toMatch(new RegExp(`${HA.client}:\\d+\\s+${HA.vip.replace(/\./g, '\\.')}:80`));
  });
});
