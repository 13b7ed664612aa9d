/**
 * vrrp_strict / no_accept's nftables table against keepalived 2.2.7: the
 * same file runs in twin namespaces (each a router with eth0 to a peer
 * namespace of its own, so neither hears the other), keepalived in one and
 * `ipvs keepalived` in the other, and the rulesets are compared at start
 * (BACKUP), as MASTER, after leaving MASTER (FAULT: the link down) and
 * after stop. The comparison is `nft --debug=netlink list ruleset`: every
 * expression of every rule, the set elements and the listing, with only
 * the handles, counter values and the order of hash-set elements taken out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TestNamespace } from '../support/netns';
import { Keepalived, eventually } from '../support/vrrp-lab';

jest.setTimeout(90_000);

const dir = mkdtempSync(path.join(tmpdir(), 'nft-strict-'));
const cleanup: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A router namespace with eth0 to a peer namespace: a link for the adverts, and nobody answering them. */
class Twin {
  readonly router = TestNamespace.create('nfr');
  readonly #peer = TestNamespace.create('nfp');

  constructor() {
    this.router.run('ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1', 'netns', this.#peer.name);
    this.router.run('ip', 'addr', 'add', '10.9.0.1/24', 'dev', 'eth0');
    this.router.run('ip', 'addr', 'add', 'fd09::1/64', 'dev', 'eth0', 'nodad');
    this.router.run('sysctl', '-qw', 'net.ipv6.conf.eth0.accept_dad=0');
    this.router.run('ip', 'link', 'set', 'eth0', 'up');
    this.#peer.run('ip', 'link', 'set', 'eth1', 'up');
    cleanup.push(() => this.destroy());
  }

  link(up: boolean): void {
    this.router.run('ip', 'link', 'set', 'eth0', up ? 'up' : 'down');
  }

  /** The ruleset as compared: handles, counter values and hash-set element order taken out. */
  ruleset(): string {
    const lines = this.router.run('nft', '--debug=netlink', 'list', 'ruleset').split('\n')
      .map((l) => l.replace(/^(ip6? \S+ \S+)( \d+)+$/, '$1').replace(/counter pkts \d+ bytes \d+/, 'counter')
        .replace(/counter packets \d+ bytes \d+/, 'counter'));
    // Elements of a set dump (lines under "ip TABLE @SET"): their order is the hash's.
    const out: string[] = [];
    let elements: string[] = [];
    for (const line of [...lines, '']) {
      if (line.startsWith('\telement ')) {
        elements.push(line);
        continue;
      }
      out.push(...elements.sort(), line);
      elements = [];
    }
    return out.join('\n');
  }

  destroy(): void {
    this.router.destroy();
    this.#peer.destroy();
  }
}

/** `ipvs keepalived` in a namespace, by PID. */
class Ours {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  output = '';

  constructor(ns: TestNamespace, conf: string) {
    const script = path.resolve(__dirname, '../support/keepalived-process.js');
    // No control socket: /run is shared with the host, whose tests may want the default one.
    const args = ['netns', 'exec', ns.name, process.execPath, script, '-f', conf, '--control-socket', 'none'];
    this.#child = spawn('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child.stderr!.on('data', (c: Buffer) => (this.output += c.toString()));
    this.#exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
    cleanup.push(() => this.stop());
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill(signal);
    await this.#exited;
  }
}

/** keepalived and ours on the same file text, each in its twin. */
class Pair {
  readonly theirs = new Twin();
  readonly ours = new Twin();
  readonly conf: string;
  ka: Keepalived | undefined;
  us: Ours | undefined;

  constructor(readonly name: string, text: string) {
    this.conf = path.join(dir, `${name}.conf`);
    writeFileSync(this.conf, text);
  }

  #runs = 0;

  /** Each run with pid files of its own: keepalived refuses to start over a killed one's. */
  start(): void {
    this.ka = new Keepalived(this.theirs.router, path.join(dir, `${this.name}-ka${++this.#runs}`), readFileSync(this.conf, 'utf8'));
    const ka = this.ka;
    cleanup.push(() => ka.stop());
    this.us = new Ours(this.ours.router, this.conf);
  }

  /** Waits until both rulesets satisfy `ready`, then expects them equal and returns ours. */
  async same(stage: string, ready: (ruleset: string) => boolean): Promise<string> {
    const settled = await eventually(() => ready(this.theirs.ruleset()) && ready(this.ours.ruleset()), 15_000);
    const theirs = this.theirs.ruleset();
    const ours = this.ours.ruleset();
    expect({ stage, settled, ruleset: ours }).toEqual({ stage, settled: true, ruleset: theirs });
    return ours;
  }

  link(up: boolean): void {
    this.theirs.link(up);
    this.ours.link(up);
  }

  async stop(): Promise<void> {
    await Promise.all([this.ka!.stop(), this.us!.stop()]);
  }
}

const instance = (name: string, vrid: number, lines: string[], vips: string[], excluded: string[] = []) => `
vrrp_instance ${name} {
  state BACKUP
  interface eth0
  virtual_router_id ${vrid}
  priority 100
  advert_int 1
${lines.map((l) => `  ${l}`).join('\n')}
  virtual_ipaddress {
${vips.map((v) => `    ${v}`).join('\n')}
  }
${excluded.length ? `  virtual_ipaddress_excluded {\n${excluded.map((v) => `    ${v}`).join('\n')}\n  }` : ''}
}
`;

const has = (text: string) => (r: string) => r.includes(text);
const empty = (r: string) => r.trim() === '';

/** The four comparisons: nothing at start (BACKUP), MASTER, after FAULT (the link down), nothing after stop; the rulesets between. */
type Ready = (ruleset: string) => boolean;

async function lifecycle(pair: Pair, master: Ready, fault: Ready): Promise<{ master: string; fault: string }> {
  pair.start();
  await new Promise((r) => setTimeout(r, 1500));
  await pair.same('start (BACKUP)', empty);
  const out = { master: await pair.same('MASTER', master), fault: '' };
  pair.link(false);
  out.fault = await pair.same('after leaving MASTER (FAULT)', fault);
  pair.link(true);
  await pair.stop();
  await pair.same('stop', empty);
  return out;
}

test('vrrp_strict alone (nftables by default): no table in BACKUP; as MASTER the ip and ip6 tables with the VIPs, a link-local one by interface; after FAULT the sets empty; after stop nothing', async () => {
  const pair = new Pair('strict', [
    'global_defs {\n  vrrp_strict\n}',
    instance('V4', 51, [], ['10.9.0.100/24', '10.9.0.101']),
    // Strict mode wants an IPv6 instance's first VIP link-local: it goes in vips_link_local with its interface.
    instance('V6', 52, [], ['fe80::100/64', 'fd09::100/64']),
  ].join('\n'));
  const { master, fault } = await lifecycle(
    pair,
    (r) => r.includes('10.9.0.100, 10.9.0.101') && r.includes('elements = { fd09::100 }') && r.includes('elements = { fe80::100 . "eth0" }'),
    (r) => r.includes('table ip6 keepalived') && !r.includes('10.9.0.100') && !r.includes('fd09::100') && !r.includes('fe80::100'),
  );
  expect(master).toContain('table ip keepalived {');
  expect(master).toContain('ip6 daddr fe80::/10 goto in_link_local');
  expect(master).toContain('ip6 daddr . iif @vips_link_local drop');
  expect(master).toContain('type filter hook input priority filter - 1; policy accept;');
  expect(fault).toContain('ip daddr @vips drop');
});

test('nftables NAME, nftables_priority, nftables_counters; no_accept without strict, accept, an excluded VIP of the other family', async () => {
  const pair = new Pair('named', [
    'global_defs {\n  nftables_priority -9\n  nftables mytab\n  nftables_priority -5\n  nftables_counters\n}',
    instance('A', 61, ['no_accept'], ['10.9.0.100/24'], ['10.9.0.150', 'fd09::150']),
    instance('B', 62, ['accept', 'strict_mode'], ['fd09::100/64']),
    instance('C', 63, [], ['10.9.0.200/24']),
  ].join('\n'));
  const { master } = await lifecycle(
    pair,
    (r) => r.includes('10.9.0.100, 10.9.0.150') && r.includes('elements = { fd09::150 }'),
    (r) => r.includes('table ip6 mytab') && !r.includes('10.9.0.100'),
  );
  expect(master).toContain('table ip mytab {');
  expect(master).toContain('priority filter - 5;');
  expect(master).toContain('ip saddr @vips counter drop');
  expect(master).not.toContain('fd09::100');
  expect(master).not.toContain('10.9.0.200');
});

test('a foreign table of the same name, then a SIGKILL and a restart: left in BACKUP, replaced on becoming MASTER, as keepalived', async () => {
  const pair = new Pair('stale', ['global_defs {\n  vrrp_strict\n}', instance('V4', 71, [], ['10.9.0.100/24'])].join('\n'));
  for (const twin of [pair.theirs, pair.ours]) {
    twin.router.run('nft', 'add', 'table', 'ip', 'keepalived');
    twin.router.run('nft', 'add', 'chain', 'ip', 'keepalived', 'foreign', '{ type filter hook input priority 0; policy accept; }');
    twin.router.run('nft', 'add', 'rule', 'ip', 'keepalived', 'foreign', 'tcp', 'dport', '22', 'accept');
  }
  pair.start();
  await new Promise((r) => setTimeout(r, 1500));
  expect(await pair.same('start (BACKUP): the foreign table stays', has('chain foreign'))).toContain('tcp dport 22 accept');
  const master = await pair.same('MASTER: the foreign table replaced', (r) => r.includes('10.9.0.100') && !r.includes('foreign'));
  expect(master).toContain('ip daddr @vips drop');
  // The log lines may reach us after the ruleset changed.
  expect(await eventually(() => pair.ka!.log.includes('Deleting old ip keepalived table'), 5000)).toBe(true);
  expect(await eventually(() => pair.us!.output.includes('Deleting old ip keepalived table'), 5000)).toBe(true);
  // Sudden death of both: the table stays with the VIP in it.
  await Promise.all([pair.ka!.kill(), pair.us!.stop('SIGKILL')]);
  await pair.same('after SIGKILL', has('elements = { 10.9.0.100 }'));
  for (const twin of [pair.theirs, pair.ours]) {
    twin.router.run('ip', 'addr', 'del', '10.9.0.100/24', 'dev', 'eth0');
    // Marks the stale table: an element no instance has.
    twin.router.run('nft', 'add', 'element', 'ip', 'keepalived', 'vips', '{ 10.9.0.99 }');
  }
  pair.start();
  await new Promise((r) => setTimeout(r, 1500));
  await pair.same('restarted (BACKUP): the stale table stays', has('elements = { 10.9.0.99, 10.9.0.100 }'));
  await pair.same('MASTER again: the stale table replaced', has('elements = { 10.9.0.100 }'));
  await pair.stop();
  await pair.same('stop', empty);
});
