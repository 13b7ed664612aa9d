// The connection table read as a stream: a file in /proc/net/ip_vs_conn's
// format, larger than one 64 KiB chunk so lines cross chunk boundaries,
// read through the addon's namespace-aware open, with filters.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IpvsArgumentError } from '../../../lib';
import { connectionMatcher, readConnections, readConnectionsSync } from '../../../lib/listing/connection-table';
import type { Connection } from '../../../lib/listing/connections';

const HEADER = 'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n';
const hex = (a: number, b: number, c: number, d: number) => [a, b, c, d].map((n) => n.toString(16).padStart(2, '0').toUpperCase()).join('');
const VIP = hex(10, 0, 0, 13);
const RS = [hex(10, 1, 0, 4), hex(10, 1, 0, 5)];
const ENTRIES = 3000;

/** Entry i: UDP from 192.0.2.1:(10000+i) to 10.0.0.13:53, on 10.1.0.4 or .5 alternately; every 100th is TCP to port 80. */
function tableText(): string {
  const lines = [HEADER];
  for (let i = 0; i < ENTRIES; i++) {
    const tcp = i % 100 === 0;
    const port = (10000 + i).toString(16).padStart(4, '0').toUpperCase();
    const vport = tcp ? '0050' : '0035';
    lines.push(`${tcp ? 'TCP' : 'UDP'} ${hex(192, 0, 2, 1)} ${port} ${VIP} ${vport} ${RS[i % 2]} ${vport} ${tcp ? 'ESTABLISHED' : 'UDP        '} ${100 + (i % 200)}\n`);
  }
  lines.push('TCP 2001:0db8:0000:0000:0000:0000:0000:0001 C000 2001:0db8:0000:0000:0000:0000:0000:0100 0050 2001:0db8:0000:0000:0000:0000:0001:0004 0050 SYN_RECV 57\n');
  return lines.join('');
}

let dir: string;
let file: string;
const site = { operation: 'test' };

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipvs-conn-'));
  file = path.join(dir, 'ip_vs_conn');
  fs.writeFileSync(file, tableText());
  expect(fs.statSync(file).size).toBeGreaterThan(2 * 65536);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function collect(filter?: Parameters<typeof readConnections>[1]): Promise<Connection[]> {
  const out: Connection[] = [];
  for await (const c of readConnections(site, filter, file)) out.push(c);
  return out;
}

test('every entry is read across chunk boundaries, sync and async alike', async () => {
  const all = await collect();
  expect(all).toHaveLength(ENTRIES + 1);
  expect(all.map((c) => c.client.port).slice(0, ENTRIES)).toEqual(Array.from({ length: ENTRIES }, (_, i) => 10000 + i));
  expect([...readConnectionsSync(site, undefined, file)]).toEqual(all);
  expect(all[1]).toEqual({
    protocol: 'UDP',
    client: { family: 'ipv4', address: '192.0.2.1', port: 10001 },
    virtual: { family: 'ipv4', address: '10.0.0.13', port: 53 },
    destination: { family: 'ipv4', address: '10.1.0.5', port: 53 },
    state: 'UDP',
    expires: 101,
  });
  expect(all[ENTRIES]).toMatchObject({ client: { family: 'ipv6', address: '2001:db8::1', port: 0xc000 }, destination: { address: '2001:db8::1:4' } });
});

test('a service filter keeps that protocol, address and port only', async () => {
  const tcp = await collect({ service: { protocol: 'tcp', address: '10.0.0.13', port: 80 } });
  expect(tcp).toHaveLength(ENTRIES / 100);
  expect(tcp.every((c) => c.protocol === 'TCP' && c.state === 'ESTABLISHED')).toBe(true);
  expect(await collect({ service: { protocol: 'udp', address: '10.0.0.13', port: 80 } })).toEqual([]);
  const v6 = await collect({ service: { protocol: 'tcp', address: '2001:DB8:0::100', port: 80 } });
  expect(v6).toHaveLength(1);
});

test('a destination filter tells which real server a flow is on, and when one is empty', async () => {
  const on4 = await collect({ destination: { address: '10.1.0.4' } });
  const on5 = await collect({ destination: { address: '10.1.0.5', port: 53 } });
  expect(on4).toHaveLength(ENTRIES / 2);
  expect(on5).toHaveLength(ENTRIES / 2);
  expect(on4.every((c) => (c.client.port - 10000) % 2 === 0)).toBe(true);
  expect(await collect({ destination: { address: '10.1.0.6' } })).toEqual([]);
  const both = [...readConnectionsSync(site, { service: { protocol: 'udp', address: '10.0.0.13', port: 53 }, destination: { address: '10.1.0.4', port: 53 } }, file)];
  // The TCP entries (every 100th, all even) are on 10.1.0.4 at port 80.
  expect(both).toHaveLength(ENTRIES / 2 - ENTRIES / 100);
});

test('a bad filter is refused naming its field, before the table is opened', async () => {
  const field = (filter: unknown) => {
    try {
      connectionMatcher(filter as never);
    } catch (e) {
      if (e instanceof IpvsArgumentError) return e.field;
      throw e;
    }
    return undefined;
  };
  expect(field({ service: { protocol: 'icmp', address: '10.0.0.13', port: 80 } })).toBe('filter.service.protocol');
  expect(field({ service: { protocol: 'tcp', address: '10.0.0', port: 80 } })).toBe('filter.service.address');
  expect(field({ service: { protocol: 'tcp', address: '10.0.0.1', port: 70000 } })).toBe('filter.service.port');
  expect(field({ destination: { address: '10.1.0.4', prot: 80 } })).toBe('filter.destination.prot');
  expect(field({})).toBe('filter');
  await expect(collect({ destination: { address: 'nowhere' } })).rejects.toMatchObject({ field: 'filter.destination.address' });
  await expect(readConnections(site, undefined, path.join(dir, 'missing')).next()).rejects.toMatchObject({ code: 'ENOENT', operation: 'test' });
});

test('leaving a walk early closes the table', async () => {
  const before = fs.readdirSync('/proc/self/fd').length;
  for (let i = 0; i < 20; i++) {
    for await (const c of readConnections(site, undefined, file)) if (c) break;
  }
  expect(fs.readdirSync('/proc/self/fd').length).toBeLessThanOrEqual(before);
});
