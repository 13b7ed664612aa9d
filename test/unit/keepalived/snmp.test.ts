/**
 * The AgentX subagent and the RFC VRRP MIBs. The hex strings are PDUs captured
 * (strace) between keepalived 2.2.7's subagent and net-snmp 5.9.3's snmpd on
 * a UNIX socket; the MIB values are those snmpwalk read from keepalived
 * through that snmpd (one VRRPv2 instance VI_1, VRID 51 on ifindex 27).
 */
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { until } from '../../support/health';
import {
  PDU, addAgentCapsPdu, decodePdu, decodeResponse, decodeSearch, decodeVarbinds, encodePdu, notifyPdu, openPdu, pduLength, pingPdu,
  registerPdu, responsePdu, type VarBind,
} from '../../../lib/keepalived/snmp/agentx-pdu';
import { AgentxSubagent, agentxEndpoints, type MibProvider } from '../../../lib/keepalived/snmp/agentx';
import { authFailureTrap, newMasterTraps, vrrpV2Provider, vrrpV3Provider, type VrrpMibRow, type VrrpMibSource } from '../../../lib/keepalived/snmp/vrrp-rfc';
import { VrrpSnmp, snmpSettings } from '../../../lib/keepalived/snmp/vrrp-snmp';
import { cachedLinks } from '../../../lib/keepalived/snmp/vrrp-rfc';
import { emptyStats } from '../../../lib/vrrp/status';
import { settingFindings } from '../../../lib/keepalived/daemon/policy';
import { readKeepalivedConfig } from '../../../lib/keepalived/reader/read';
import { toHealthConfig } from '../../../lib/keepalived/mapping/health';
import { globalValues, keepalivedGlobalProvider } from '../../../lib/keepalived/snmp/keepalived-global';
import { keepalivedCheckProvider, quorumTrap, realServerTrap, vsRows, type CheckMibSource } from '../../../lib/keepalived/snmp/keepalived-check';
import { checkerSnmpSettings } from '../../../lib/keepalived/snmp/checker-snmp';
import type { ManagerStatus } from '../../../lib/health/events';
import type { Service } from '../../../lib/model/types';

function readConfigText(text: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'snmp-conf-'));
  try {
    writeFileSync(path.join(dir, 'keepalived.conf'), text);
    return readKeepalivedConfig(path.join(dir, 'keepalived.conf'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const SESSION = { sessionId: 8, transactionId: 0 };

describe('AgentX PDUs (bytes of keepalived 2.2.7 ↔ snmpd 5.9.3)', () => {
  it('encodes Open as net-snmp does', () => {
    const pdu = openPdu({ sessionId: 0, transactionId: 0, packetId: 0x786f93f9 }, 1, [1, 3, 6, 1, 4, 1, 8072, 3, 2, 10], 'Net-SNMP AgentX sub-agent');
    expect(pdu).toEqual(hex(`010100000000000000000000f9936f783c000000010000000504000001000000881f000003000000020000000a000000
      190000004e65742d534e4d50204167656e7458207375622d6167656e74000000`));
  });

  it('encodes Register with an empty non-default context, timeout 255, priority 127', () => {
    expect(registerPdu({ ...SESSION, packetId: 0x786f93fa }, [1, 3, 6, 1, 2, 1, 68, 1, 1])).toEqual(
      hex('010308000800000000000000fa936f781c00000000000000ff7f00000402000001000000440000000100000001000000'),
    );
  });

  it('encodes AddAgentCaps and Ping', () => {
    expect(addAgentCapsPdu({ ...SESSION, packetId: 0x786f941a }, [1, 3, 6, 1, 2, 1, 68], 'The MIB module for VRRP')).toEqual(
      hex('0110000008000000000000001a946f782800000002020000010000004400000017000000546865204d4942206d6f64756c6520666f72205652525000'),
    );
    expect(pingPdu({ ...SESSION, packetId: 0x786f943f })).toEqual(hex('010d000008000000000000003f946f7800000000'));
  });

  it('encodes vrrpTrapNewMaster as keepalived sends it', () => {
    const varbinds: VarBind[] = [
      { oid: [1, 3, 6, 1, 2, 1, 1, 3, 0], value: { type: 'timeticks', value: 0xba9 } },
      { oid: [1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0], value: { type: 'oid', value: [1, 3, 6, 1, 2, 1, 68, 0, 1] } },
      { oid: [1, 3, 6, 1, 2, 1, 68, 1, 3, 1, 7, 27, 51], value: { type: 'ipAddress', value: Buffer.from([10, 77, 0, 1]) } },
    ];
    const pdu = notifyPdu({ ...SESSION, packetId: 0x786f943c }, varbinds);
    expect(pdu).toEqual(hex(`010c000008000000000000003c946f7880000000430000000402000001000000010000000300000000000000a90b0000
      06000000060600000300000001000000010000000400000001000000000000000402010001000000440000000000000001000000
      40000000080200000100000044000000010000000300000001000000070000001b00000033000000040000000a4d0001`));
    expect(decodeVarbinds(decodePdu(pdu))).toEqual(varbinds);
  });

  it("reads snmpd's GetNext and answers byte for byte as keepalived did", () => {
    const raw = hex(`0106080008000000f0000000f10000003c000000000000000602000001000000440000000100000003000000
      010000000300000006020000010000004400000001000000030000000100000004000000`);
    expect(pduLength(raw)).toBe(raw.length);
    expect(pduLength(raw.subarray(0, 30))).toBeUndefined();
    const pdu = decodePdu(raw);
    expect(pdu).toMatchObject({ type: PDU.getNext, sessionId: 8, transactionId: 0xf0, packetId: 0xf1, bigEndian: false });
    const column = [1, 3, 6, 1, 2, 1, 68, 1, 3, 1];
    expect(decodeSearch(pdu).ranges).toEqual([{ start: [...column, 3], include: false, end: [...column, 4] }]);
    const answer = responsePdu(pdu, [{ oid: [1, 3, 6, 1, 2, 1, 68, 1, 3, 1, 3, 27, 51], value: { type: 'integer', value: 3 } }]);
    expect(answer).toEqual(hex(`0112080008000000f0000000f100000038000000000000000000000000000000020000000802000001000000
      44000000010000000300000001000000030000001b0000003300000003000000`));
  });

  it("reads snmpd's Response to a Register and a big-endian PDU", () => {
    const r = decodePdu(hex('011200000800000000000000fa936f78200000003d0a000000000000050000000402000001000000440000000100000001000000'));
    expect(decodeResponse(r)).toMatchObject({ sysUpTime: 0xa3d, error: 0 });
    const be = encodePdu(PDU.ping, { sessionId: 1, transactionId: 2, packetId: 3 }, Buffer.alloc(0), true);
    expect(decodePdu(be)).toMatchObject({ type: PDU.ping, sessionId: 1, transactionId: 2, packetId: 3, bigEndian: true });
  });

  it('refuses what is not AgentX with a typed error', () => {
    expect(() => decodePdu(Buffer.alloc(10))).toThrow(expect.objectContaining({ name: 'AgentxError', reason: 'short' }));
    expect(() => decodePdu(hex('0206000008000000000000000000000000000000'))).toThrow(expect.objectContaining({ reason: 'version' }));
    expect(() => decodePdu(hex('0106000008000000000000000000000008000000'))).toThrow(expect.objectContaining({ reason: 'length' }));
  });
});

describe('snmp_socket (net-snmp transport rules, measured with strace)', () => {
  it.each([
    [undefined, [{ path: '/var/agentx/master' }, { host: '127.0.0.1', port: 705 }]],
    ['/tmp/x.sock', [{ path: '/tmp/x.sock' }]],
    ['unix:/tmp/x.sock', [{ path: '/tmp/x.sock' }]],
    ['tcp:127.0.0.1:1705', [{ host: '127.0.0.1', port: 1705 }]],
    ['127.0.0.1:1705', [{ path: '127.0.0.1:1705' }, { host: '127.0.0.1', port: 1705 }]],
    ['localhost', [{ path: 'localhost' }, { host: '127.0.0.1', port: 705 }]],
    ['udp:127.0.0.1:1705', []],
  ])('%s', (spec, endpoints) => {
    expect(agentxEndpoints(spec)).toEqual(endpoints);
  });

  it('reads the keywords; no MIB enabled, no agent', () => {
    const other = (readConfigText('global_defs {\n snmp_socket tcp:127.0.0.1:705\n enable_traps\n enable_snmp_rfcv3\n}\n')).config.global.other;
    expect(snmpSettings(other)).toEqual({ socket: 'tcp:127.0.0.1:705', traps: true, vrrp: false, global: false, rfcv2: false, rfcv3: true });
    expect(snmpSettings(other.filter((i) => i.keyword !== 'enable_snmp_rfcv3'))).toBeUndefined();
    // Every MIB keyword runs, enable_snmp_keepalived (keepalived's older spelling) as enable_snmp_vrrp.
    const written = 'global_defs {\n enable_snmp_rfc\n enable_snmp_vrrp\n enable_snmp_checker\n enable_snmp_keepalived\n}\n';
    expect(settingFindings((readConfigText(written)).config)).toEqual([]);
    const vrrpOnly = (readConfigText('global_defs {\n enable_snmp_vrrp\n}\n')).config.global.other;
    expect(snmpSettings(vrrpOnly)).toEqual({ traps: false, vrrp: true, global: true, rfcv2: false, rfcv3: false });
    const keepalivedOnly = (readConfigText('global_defs {\n enable_snmp_keepalived\n}\n')).config.global.other;
    expect(snmpSettings(keepalivedOnly)).toEqual(snmpSettings(vrrpOnly));
    // keepalived's VRRP process leaves the global subtree to a running checker with enable_snmp_checker (measured in the kernel lab).
    const withChecker = (readConfigText('global_defs {\n enable_snmp_keepalived\n enable_snmp_checker\n}\n')).config.global.other;
    const global = (other: typeof vrrpOnly, checkerRuns: boolean) => snmpSettings(other, checkerRuns)?.global;
    expect([global(withChecker, true), global(withChecker, false), global(vrrpOnly, true)]).toEqual([false, true, true]);
  });
});

const status = {
  name: 'VI_1', interface: 'eth0', virtualRouterId: 51, family: 'ipv4' as const, version: 2 as const, state: 'MASTER', priority: 100,
  effectivePriority: 100, advertIntervalMs: 1000, masterAdverIntervalMs: 1000, sourceAddress: '10.77.0.1',
  virtualAddresses: ['10.77.0.100/24'], stats: { ...emptyStats(), becomeMaster: 1 }, tracking: [], faults: [],
};
const row: VrrpMibRow = {
  config: { name: 'VI_1', interface: 'eth0', virtualRouterId: 51, virtualIpaddress: ['10.77.0.100/24'], authentication: { authType: 'PASS', authPass: 'secret1' } } as never,
  status, newMasterReason: 3,
};
const source: VrrpMibSource = {
  rows: () => [row], traps: () => true, uptime: () => 677,
  link: () => ({ ifindex: 27, mac: Buffer.from([0xfe, 0x8d, 0x66, 0x96, 0xa6, 0x61]) }),
};

/** snmpwalk -On's text of a varbind, for comparing with the walk of keepalived. */
function walkLine(vb: VarBind): string {
  const v = vb.value;
  const hexs = (b: Buffer) => `Hex-STRING: ${[...b].map((x) => x.toString(16).toUpperCase().padStart(2, '0')).join(' ')} `;
  const text = {
    integer: () => `INTEGER: ${'value' in v ? v.value : ''}`, counter32: () => `Counter32: ${'value' in v ? v.value : ''}`,
    gauge32: () => `Gauge32: ${'value' in v ? v.value : ''}`, counter64: () => `Counter64: ${'value' in v ? v.value : ''}`,
    timeticks: () => 'Timeticks', octets: () => hexs((v as { value: Buffer }).value),
    ipAddress: () => `IpAddress: ${[...(v as { value: Buffer }).value].join('.')}`,
  } as Record<string, () => string>;
  return `.${vb.oid.join('.')} = ${text[v.type]!()}`;
}

function walk(p: MibProvider): string[] {
  return p.values().sort((a, b) => (a.oid.join('.') < b.oid.join('.') ? -1 : 1)).map(walkLine);
}

describe('VRRP-MIB and VRRPv3-MIB values (keepalived 2.2.7 through snmpd)', () => {
  it.each([
    ['VRRP-MIB', vrrpV2Provider, 31, 32, [
      '.1.3.6.1.2.1.68.1.1.0 = INTEGER: 2', '.1.3.6.1.2.1.68.1.2.0 = INTEGER: 1',
      '.1.3.6.1.2.1.68.1.3.1.2.27.51 = Hex-STRING: FE 8D 66 96 A6 61 ', '.1.3.6.1.2.1.68.1.3.1.3.27.51 = INTEGER: 3',
      '.1.3.6.1.2.1.68.1.3.1.5.27.51 = INTEGER: 100', '.1.3.6.1.2.1.68.1.3.1.7.27.51 = IpAddress: 0.0.0.0',
      '.1.3.6.1.2.1.68.1.3.1.8.27.51 = IpAddress: 10.77.0.1', '.1.3.6.1.2.1.68.1.3.1.9.27.51 = INTEGER: 2',
      '.1.3.6.1.2.1.68.1.3.1.11.27.51 = INTEGER: 1', '.1.3.6.1.2.1.68.1.3.1.12.27.51 = INTEGER: 1',
      '.1.3.6.1.2.1.68.1.4.1.2.27.51.10.77.0.100 = INTEGER: 1', '.1.3.6.1.2.1.68.2.4.1.1.27.51 = Counter32: 1',
    ]],
    // VRRPv2 instances included.
    ['VRRPv3-MIB', vrrpV3Provider, 4 + 11 + 1 + 13, 29, [
      '.1.3.6.1.2.1.207.1.1.1.1.3.27.51.1 = Hex-STRING: 0A 4D 00 01 ', '.1.3.6.1.2.1.207.1.1.1.1.7.27.51.1 = Gauge32: 100',
      '.1.3.6.1.2.1.207.1.1.1.1.9.27.51.1 = INTEGER: 100', '.1.3.6.1.2.1.207.1.1.1.1.11.27.51.1 = INTEGER: 1',
      '.1.3.6.1.2.1.207.1.1.2.1.2.27.51.1.10.77.0.100 = INTEGER: 1', '.1.3.6.1.2.1.207.1.2.1.0 = Counter64: 0',
      '.1.3.6.1.2.1.207.1.2.5.1.2.27.51.1 = INTEGER: 3', '.1.3.6.1.2.1.207.1.2.5.1.13.27.51.1 = Gauge32: 1000',
    ]],
  ] as const)('%s as keepalived answers it', (_name, provider, count, objects, expected) => {
    const lines = walk(provider(source));
    expect(lines).toEqual(expect.arrayContaining([...expected]));
    expect(lines).toHaveLength(count);
    expect(provider(source).objects).toHaveLength(objects);
  });

  it('new master: vrrpTrapNewMaster then vrrpv3NotifyNewMaster with the reason', () => {
    const traps = newMasterTraps(source, row, { v2: true, v3: true });
    expect(traps.map((t) => [t.trap.join('.'), t.log, t.varbinds.map(walkLine)])).toEqual([
      ['1.3.6.1.2.1.68.0.1', 'Sending SNMP notification vrrpTrapNewMaster', ['.1.3.6.1.2.1.68.1.3.1.7.27.51 = IpAddress: 10.77.0.1']],
      ['1.3.6.1.2.1.207.0.1', 'Sending SNMP notification vrrpv3NotifyNewMaster, reason 3', [
        '.1.3.6.1.2.1.207.1.1.1.1.3.27.51.1 = Hex-STRING: 0A 4D 00 01 ', '.1.3.6.1.2.1.207.1.2.5.1.2.27.51.1 = INTEGER: 3',
      ]],
    ]);
    expect(newMasterTraps(source, row, { v2: false, v3: true })).toHaveLength(1);
  });

  it('an advert with another auth_pass: vrrpTrapAuthFailure with its source and authFailure(3); other drops send none', () => {
    const trap = authFailureTrap(source, row, 'auth_failure', '10.77.0.2')!;
    expect([trap.trap.join('.'), trap.log, trap.varbinds.map(walkLine)]).toEqual([
      '1.3.6.1.2.1.68.0.2', 'Sending SNMP notification vrrpTrapAuthFailure',
      ['.1.3.6.1.2.1.68.1.5.27.51 = IpAddress: 10.77.0.2', '.1.3.6.1.2.1.68.1.6.27.51 = INTEGER: 3'],
    ]);
    expect(authFailureTrap(source, row, 'authtype_mismatch', '10.77.0.2')!.varbinds[1]!.value).toEqual({ type: 'integer', value: 2 });
    expect(authFailureTrap(source, row, 'addr_list_err', '10.77.0.2')).toBeUndefined();
  });
});

describe('AgentxSubagent against a master on a UNIX socket', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'agentx-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const provider: MibProvider = {
    capability: { id: [1, 3, 6, 1, 2, 1, 68], descr: 'The MIB module for VRRP' },
    objects: [[1, 3, 6, 1, 2, 1, 68, 1, 1], [1, 3, 6, 1, 2, 1, 68, 1, 3, 1, 3]],
    values: () => [
      { oid: [1, 3, 6, 1, 2, 1, 68, 1, 3, 1, 3, 27, 52], value: { type: 'integer', value: 2 } },
      { oid: [1, 3, 6, 1, 2, 1, 68, 1, 1, 0], value: { type: 'integer', value: 2 } },
      { oid: [1, 3, 6, 1, 2, 1, 68, 1, 3, 1, 3, 27, 51], value: { type: 'integer', value: 3 } },
    ],
  };

  /** A master that accepts everything and records what arrives. */
  function master(sock: string): Promise<{ server: net.Server; seen: number[]; conn: Promise<net.Socket> }> {
    const seen: number[] = [];
    let gotConn!: (s: net.Socket) => void;
    const conn = new Promise<net.Socket>((r) => (gotConn = r));
    const server = net.createServer((s) => {
      gotConn(s);
      // The subagent may be closed while an answer is on its way (slow machines): not the test's failure.
      s.on('error', () => undefined);
      s.on('data', (d: Buffer) => {
        for (let buf = d; buf.length; ) {
          const len = pduLength(buf)!;
          const pdu = decodePdu(buf.subarray(0, len));
          buf = buf.subarray(len);
          seen.push(pdu.type);
          if (pdu.type !== PDU.response) s.write(responsePdu({ ...pdu, sessionId: 8, flags: 0 }, []));
        }
      });
    });
    return new Promise((resolve) => server.listen(sock, () => resolve({ server, seen, conn })));
  }

  it('opens, registers each object, adds capabilities, answers Get/GetNext/GetBulk and reconnects', async () => {
    const sock = path.join(dir, 'master');
    const m = await master(sock);
    const logs: string[] = [];
    const agent = new AgentxSubagent({ socket: sock, providers: [provider], log: (_l, msg) => logs.push(msg), retrySeconds: 0.2 });
    agent.start();
    const s = await m.conn;
    await new Promise((r) => setTimeout(r, 200));
    expect(m.seen).toEqual([PDU.open, PDU.register, PDU.register, PDU.addAgentCaps]);
    expect(agent.connected).toBe(true);

    const ask = (type: number, ranges: [number[], number[]][], bulk?: [number, number]) => {
      const w: Buffer[] = [];
      if (bulk) w.push(Buffer.from([bulk[0], 0, bulk[1], 0]));
      for (const [start, end] of ranges) {
        for (const o of [start, end]) w.push(Buffer.from([o.length, 0, 0, 0]), Buffer.from(new Uint32Array(o).buffer));
      }
      return agent.answer(decodePdu(encodePdu(type, { sessionId: 8, transactionId: 1, packetId: 1 }, Buffer.concat(w))));
    };
    const base = [1, 3, 6, 1, 2, 1, 68];
    const got = ask(PDU.get, [[[...base, 1, 3, 1, 3, 27, 51], []], [[...base, 1, 3, 1, 3, 27, 99], []], [[...base, 1, 9, 0], []]]);
    expect(got.map((v) => v.value.type)).toEqual(['integer', 'noSuchInstance', 'noSuchObject']);
    const next = ask(PDU.getNext, [[[...base, 1, 3, 1, 3], [...base, 1, 3, 1, 4]], [[...base, 1, 3, 1, 3, 27, 52], []]]);
    expect(next.map((v) => [v.oid.at(-1), v.value.type])).toEqual([[51, 'integer'], [52, 'endOfMibView']]);
    // The repetitions stop at the first row past the end (RFC 2741 7.2.3.3), however many are asked for.
    expect(ask(PDU.getBulk, [[base, []]], [0, 5]).map((v) => v.oid.slice(7).join('.'))).toEqual(['1.1.0', '1.3.1.3.27.51', '1.3.1.3.27.52', '1.3.1.3.27.52']);
    expect(ask(PDU.getBulk, Array.from({ length: 200 }, () => [base, []] as [number[], number[]]), [0, 65535])).toHaveLength(800);

    expect(agent.notify([...base, 0, 1], [])).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(m.seen).toContain(PDU.notify);

    // The master goes away and comes back: the subagent says so and opens a new session.
    s.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(agent.connected).toBe(false);
    expect(agent.notify([...base, 0, 1], [])).toBe(false);
    expect(logs).toContain('AgentX master disconnected us, reconnecting in 0.2');
    await new Promise((r) => setTimeout(r, 500));
    expect(agent.connected).toBe(true);
    agent.close();
    m.server.close();
  });

  it('enable_snmp_keepalived (read as enable_snmp_vrrp): the VRRP side registers global first, its capability, then vrrp and its capability, and answers global', async () => {
    const sock = path.join(dir, 'vrrp-global');
    // Each Register's subtree and each AddAgentCaps' id, in the order they arrive (little-endian, as ours writes them).
    const seen: string[] = [];
    const oidAt = (p: Buffer, at: number) => {
      const o = p[at + 1] ? [1, 3, 6, 1, p[at + 1]!] : [];
      for (let i = 0; i < p[at]!; i++) o.push(p.readUInt32LE(at + 4 + 4 * i));
      return o.join('.');
    };
    let conn: net.Socket | undefined;
    const server = net.createServer((s) => {
      conn = s;
      s.on('error', () => undefined);
      s.on('data', (d: Buffer) => {
        for (let buf = d; buf.length; ) {
          const pdu = decodePdu(buf.subarray(0, pduLength(buf)!));
          buf = buf.subarray(pduLength(buf)!);
          if (pdu.type === PDU.register) seen.push(oidAt(pdu.payload, 4));
          if (pdu.type === PDU.addAgentCaps) seen.push(`caps ${oidAt(pdu.payload, 0)}`);
          if (pdu.type !== PDU.response) s.write(responsePdu({ ...pdu, sessionId: 9, flags: 0 }, []));
        }
      });
    });
    await new Promise<void>((r) => server.listen(sock, r));
    const model = readConfigText('global_defs {\n router_id r1\n enable_snmp_keepalived\n enable_traps\n}\n').config;
    const agent = new VrrpSnmp({ ...snmpSettings(model.global.other)!, socket: sock }, {
      status: () => undefined, config: () => undefined, model: () => model,
    }, () => undefined);
    await agent.start();
    await until(() => seen.filter((x) => x.startsWith('caps')).length, (n) => n === 2, 'both capabilities');
    const G = '1.3.6.1.4.1.9586.100.5.1';
    const firstVrrp = seen.findIndex((x) => x.startsWith('1.3.6.1.4.1.9586.100.5.2.'));
    expect(seen.slice(0, firstVrrp)).toEqual([...keepalivedGlobalProvider({ global: () => model.global, routerId: () => 'r1' }, () => true).objects.map((o) => o.join('.')), `caps ${G}`]);
    expect(seen.at(-1)).toBe('caps 1.3.6.1.4.1.9586.100.5.2');
    expect(seen.slice(firstVrrp, -1).every((x) => x.startsWith('1.3.6.1.4.1.9586.100.5.2.'))).toBe(true);
    // A GetNext over .1 answers keepalived's version, and a Get of routerId the router_id.
    const ask = (type: number, oid: number[]) => {
      const o = Buffer.from(new Uint32Array(oid).buffer);
      const range = Buffer.concat([Buffer.from([oid.length, 0, 0, 0]), o, Buffer.from([0, 0, 0, 0])]);
      return new Promise<VarBind[]>((resolve) => {
        conn!.once('data', (d: Buffer) => resolve(decodeResponse(decodePdu(d)).varbinds));
        conn!.write(encodePdu(type, { sessionId: 9, transactionId: 1, packetId: 77 }, range));
      });
    };
    const [version] = await ask(PDU.getNext, G.split('.').map(Number));
    expect([version!.oid.join('.'), version!.value]).toEqual([`${G}.1.0`, { type: 'octets', value: Buffer.from('Keepalived v2.2.7 (01/16,2022)') }]);
    const [routerId] = await ask(PDU.get, [...G.split('.').map(Number), 2, 0]);
    expect(routerId!.value).toEqual({ type: 'octets', value: Buffer.from('r1') });
    agent.close();
    server.close();
  });

  it('an interface\'s index and MAC are read once a second, not per object of a walk', () => {
    let reads = 0;
    let t = 0;
    const link = cachedLinks((name) => ({ ifindex: ++reads + name.length, mac: Buffer.alloc(6) }), 1000, () => t);
    expect([link('eth0').ifindex, link('eth0').ifindex, link('eth1').ifindex]).toEqual([5, 5, 6]);
    t = 999;
    expect(link('eth0').ifindex).toBe(5);
    t = 1000;
    expect([link('eth0').ifindex, reads]).toEqual([7, 3]);
  });

  it('a master sending what it should not (an empty Response, a Get without its end, a 4 GiB payload) loses its session, not the daemon', async () => {
    const sock = path.join(dir, 'hostile');
    const header = (type: number, payload: Buffer, length = payload.length, packetId = 0) => {
      const h = encodePdu(type, { sessionId: 8, transactionId: 1, packetId }, Buffer.alloc(0));
      h.writeUInt32LE(length, 16);
      return Buffer.concat([h, payload]);
    };
    let connections = 0;
    const server = net.createServer((s) => {
      const n = ++connections;
      s.on('error', () => undefined);
      s.on('data', (d: Buffer) => {
        const pdu = decodePdu(d.subarray(0, pduLength(d)!));
        if (n === 1) return void s.write(header(PDU.response, Buffer.alloc(0), 0, pdu.packetId));
        if (pdu.type !== PDU.response) s.write(responsePdu({ ...pdu, sessionId: 8, flags: 0 }, []));
        if (pdu.type === PDU.addAgentCaps && n === 2) s.write(header(PDU.get, Buffer.from([2, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0])));
        if (pdu.type === PDU.addAgentCaps && n === 3) s.write(header(PDU.get, Buffer.alloc(0), 0xffffffff));
      });
    });
    await new Promise<void>((r) => server.listen(sock, r));
    const agent = new AgentxSubagent({ socket: sock, providers: [provider], log: () => undefined, retrySeconds: 0.1 });
    agent.start();
    await until(() => connections, (n) => n >= 4, 'a fourth session');
    await until(() => agent.connected, (c) => c, 'the fourth session open');
    agent.close();
    server.close();
  });

  it('logs the failure once as keepalived does and retries', async () => {
    const sock = path.join(dir, 'late');
    const logs: string[] = [];
    const agent = new AgentxSubagent({ socket: sock, providers: [provider], log: (_l, msg) => logs.push(msg), retrySeconds: 0.2 });
    agent.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(logs).toEqual([`Warning: Failed to connect to the agentx master agent (${sock}): `]);
    const m = await master(sock);
    await new Promise((r) => setTimeout(r, 500));
    expect(agent.connected).toBe(true);
    expect(logs).toHaveLength(2);
    agent.close();
    m.server.close();
  });
});

/** snmpwalk -On's text of a varbind, printable strings as STRING as snmpwalk shows them. */
function snmpwalkLine(vb: VarBind): string {
  const v = vb.value;
  if (v.type === 'octets' && v.value.length === 0) return `.${vb.oid.join('.')} = ""`;
  if (v.type === 'octets' && /^[\x20-\x7e]+$/.test(v.value.toString('latin1'))) return `.${vb.oid.join('.')} = STRING: "${v.value.toString()}"`;
  return walkLine(vb);
}

const byOid = (a: VarBind, b: VarBind) => {
  for (let i = 0; i < Math.min(a.oid.length, b.oid.length); i++) if (a.oid[i] !== b.oid[i]) return a.oid[i]! - b.oid[i]!;
  return a.oid.length - b.oid.length;
};

describe('KEEPALIVED-MIB global and check (enable_snmp_checker), against the walk of keepalived 2.2.7 in the kernel lab', () => {
  const misc = (command: string) => `MISC_CHECK {\n   misc_path "${command}"\n  }`;
  const conf = `global_defs {\n router_id kmib\n notification_email {\n  a@example.com\n }\n notification_email_from ka@example.com\n` +
    ` smtp_server 127.0.0.1 2525\n snmp_socket unix:/tmp/m/agentx\n enable_snmp_checker\n enable_traps\n lvs_timeouts tcp 900 tcpfin 120 udp 300\n}\n` +
    `virtual_server_group G1 {\n 10.60.0.10 80\n 10.60.0.20-22 8080\n fwmark 7\n}\n` +
    `virtual_server 10.60.0.1 80 {\n delay_loop 1\n lb_algo rr\n lb_kind NAT\n protocol TCP\n quorum 2\n sorry_server 10.61.0.9 80\n` +
    ` real_server 10.61.0.1 80 {\n  weight 3\n  ${misc('/bin/test -e /tmp/m/up1')}\n }\n real_server 10.61.0.2 80 {\n  weight 1\n  ${misc('/bin/true')}\n }\n}\n` +
    `virtual_server fwmark 5 {\n delay_loop 1\n lb_algo wrr\n lb_kind DR\n persistence_timeout 60\n` +
    ` real_server 10.61.0.3 80 {\n  weight 2\n  inhibit_on_failure\n  ${misc('/bin/true')}\n }\n}\n` +
    `virtual_server group G1 {\n delay_loop 2\n lb_algo lc\n lb_kind NAT\n protocol TCP\n real_server 10.61.0.4 80 {\n  ${misc('/bin/true')}\n }\n}\n` +
    `virtual_server 10.60.0.2 53 {\n delay_loop 1\n lb_algo sh\n lb_kind TUN\n protocol UDP\n real_server 10.61.0.5 53 {\n  ${misc('/bin/false')}\n }\n}\n`;
  const model = readConfigText(conf).config;
  const health = toHealthConfig(model);
  /** The manager's status with the real servers in `down` (by address) down, and the quorum that follows. */
  function statusWith(down: string[]): ManagerStatus {
    return {
      running: true,
      virtualServers: health.config.virtualServers.map((vs, i) => {
        const realServers = vs.realServers.map((rs) => ({
          id: `${rs.address}:${rs.port ?? 0}`, address: rs.address, port: rs.port ?? 0, up: !down.includes(rs.address), weight: rs.weight ?? 1,
          inhibitOnFailure: false, checkers: [{ name: 'MISC_CHECK#0', up: !down.includes(rs.address), attempts: 1 }],
        }));
        const alive = realServers.filter((r) => r.up).reduce((n, r) => n + r.weight, 0);
        return {
          id: `vs${i}`, quorumUp: alive >= (vs.quorum ?? 1), aliveWeight: alive, quorum: vs.quorum ?? 1, hysteresis: 0, sorryServerActive: false,
          suspended: false, realServers, table: [], draining: [],
        };
      }),
    };
  }
  let current = statusWith(['10.61.0.5']);
  const source: CheckMibSource = { reading: () => ({ model, health }), status: () => current, services: () => [] };
  const walkOf = (...providers: MibProvider[]) => providers.flatMap((p) => p.values()).sort(byOid).map(snmpwalkLine);
  const fixture = (name: string) => readFileSync(path.join(__dirname, '../../../../test/fixtures/snmp', name), 'utf8').split('\n').filter(Boolean);
  const global = keepalivedGlobalProvider({ global: () => model.global, routerId: () => 'kmib' }, () => true);

  it('the same walk as keepalived: every object, every value (the statistics 0 without traffic, as theirs)', () => {
    expect(walkOf(global, keepalivedCheckProvider(source))).toEqual(fixture('keepalived-mib-walk.txt'));
  });

  it('live state: 10.61.0.1 failing takes it dead, one failed check, and VS 1 out of quorum in the next walk', () => {
    current = statusWith(['10.61.0.5', '10.61.0.1']);
    expect(walkOf(keepalivedCheckProvider(source))).toEqual(fixture('keepalived-mib-walk-rs-down.txt'));
    current = statusWith(['10.61.0.5']);
  });

  it('registers what keepalived\'s checker registers, in its order, with its capabilities', () => {
    const check = keepalivedCheckProvider(source);
    expect(global.objects).toHaveLength(20);
    expect(check.objects).toHaveLength(1 + 7 + 70 + 54 + 9 + 3);
    expect(check.objects.slice(23, 26).map((o) => o.slice(9).join('.'))).toEqual(['3.3.1.17', '3.3.1.37', '3.3.1.18']);
    expect([global.capability, check.capability]).toEqual([
      { id: [1, 3, 6, 1, 4, 1, 9586, 100, 5, 1], descr: 'The MIB module for Keepalived' },
      { id: [1, 3, 6, 1, 4, 1, 9586, 100, 5, 3], descr: 'The MIB module for Healthchecker' },
    ]);
  });

  it('the IPVS statistics come from the listing: a row sums its services, a real server its destinations; 64-bit values split', () => {
    const stats = (n: bigint) => ({
      connections: n, inPackets: n + 1n, outPackets: n + 2n, inBytes: n + 3n, outBytes: n + 4n, connectionsPerSecond: (1n << 32n) + 5n,
      inPacketsPerSecond: 0n, outPacketsPerSecond: 0n, inBytesPerSecond: 0n, outBytesPerSecond: 0n,
    });
    const dest = { address: '10.61.0.4', port: 80, family: 'ipv4', forwarding: 'masq', weight: 1, upperThreshold: 0, lowerThreshold: 0,
      activeConnections: 2, inactiveConnections: 1, persistentConnections: 0, stats: stats(10n) };
    const svc = (port: number, address: string) => ({ protocol: 'tcp', address, port, family: 'ipv4', scheduler: 'lc', schedulerFlags: [],
      persistent: null, onePacket: false, stats: stats(100n), destinations: [dest] });
    const listed = [svc(80, '10.60.0.10'), svc(8080, '10.60.0.21')] as unknown as Service[];
    const lines = walkOf(keepalivedCheckProvider({ ...source, services: () => listed }));
    const value = (suffix: string) => lines.find((l) => l.startsWith(`.1.3.6.1.4.1.9586.100.5.3.${suffix} =`));
    expect([value('3.1.27.3'), value('3.1.28.3'), value('3.1.31.3'), value('3.1.32.3'), value('3.1.41.3'), value('3.1.42.3')]).toEqual([
      '.1.3.6.1.4.1.9586.100.5.3.3.1.27.3 = Gauge32: 200', '.1.3.6.1.4.1.9586.100.5.3.3.1.28.3 = Counter32: 202',
      '.1.3.6.1.4.1.9586.100.5.3.3.1.31.3 = Counter64: 208', '.1.3.6.1.4.1.9586.100.5.3.3.1.32.3 = Gauge32: 10',
      '.1.3.6.1.4.1.9586.100.5.3.3.1.41.3 = Gauge32: 10', '.1.3.6.1.4.1.9586.100.5.3.3.1.42.3 = Gauge32: 2',
    ]);
    expect([value('4.1.14.3.1'), value('4.1.15.3.1'), value('4.1.16.3.1'), value('4.1.21.3.1'), value('3.1.27.1')]).toEqual([
      '.1.3.6.1.4.1.9586.100.5.3.4.1.14.3.1 = Gauge32: 20', '.1.3.6.1.4.1.9586.100.5.3.4.1.15.3.1 = Gauge32: 4',
      '.1.3.6.1.4.1.9586.100.5.3.4.1.16.3.1 = Gauge32: 2', '.1.3.6.1.4.1.9586.100.5.3.4.1.21.3.1 = Counter64: 28',
      '.1.3.6.1.4.1.9586.100.5.3.3.1.27.1 = Gauge32: 0',
    ]);
  });

  it('notifications: realServerStateChange and virtualServerQuorumStateChange carry keepalived\'s varbinds (column OIDs, no index)', () => {
    const rows = vsRows(source);
    expect(realServerTrap(rows[3]!, 0, false, 0, 'kmib').map(snmpwalkLine)).toEqual([
      '.1.3.6.1.4.1.9586.100.5.3.4.1.3 = INTEGER: 1', '.1.3.6.1.4.1.9586.100.5.3.4.1.4 = Hex-STRING: 0A 3D 00 05 ',
      '.1.3.6.1.4.1.9586.100.5.3.4.1.5 = Gauge32: 53', '.1.3.6.1.4.1.9586.100.5.3.4.1.6 = INTEGER: 2',
      '.1.3.6.1.4.1.9586.100.5.3.3.1.2 = INTEGER: 2', '.1.3.6.1.4.1.9586.100.5.3.3.1.5 = INTEGER: 1',
      '.1.3.6.1.4.1.9586.100.5.3.3.1.6 = Hex-STRING: 0A 3C 00 02 ', '.1.3.6.1.4.1.9586.100.5.3.3.1.7 = Gauge32: 53',
      '.1.3.6.1.4.1.9586.100.5.3.3.1.8 = INTEGER: 2', '.1.3.6.1.4.1.9586.100.5.3.3.1.21 = Gauge32: 0',
      '.1.3.6.1.4.1.9586.100.5.3.3.1.20 = Gauge32: 1', '.1.3.6.1.4.1.9586.100.5.1.2.0 = STRING: "kmib"',
    ]);
    // A firewall-mark service without protocol says udp(2) in notifications; a group its name.
    expect(quorumTrap(rows[1]!, 3, 0, 'kmib').map(snmpwalkLine)).toEqual([
      '.1.3.6.1.4.1.9586.100.5.3.3.1.2 = INTEGER: 1', '.1.3.6.1.4.1.9586.100.5.3.3.1.4 = Gauge32: 5',
      '.1.3.6.1.4.1.9586.100.5.3.3.1.8 = INTEGER: 2', '.1.3.6.1.4.1.9586.100.5.3.3.1.23 = INTEGER: 3',
      '.1.3.6.1.4.1.9586.100.5.3.3.1.22 = Gauge32: 1', '.1.3.6.1.4.1.9586.100.5.3.3.1.21 = Gauge32: 0',
      '.1.3.6.1.4.1.9586.100.5.3.3.1.20 = Gauge32: 1', '.1.3.6.1.4.1.9586.100.5.1.2.0 = STRING: "kmib"',
    ]);
    expect(quorumTrap(rows[2]!, 1, 1, 'kmib').map(snmpwalkLine).slice(0, 3)).toEqual([
      '.1.3.6.1.4.1.9586.100.5.3.3.1.2 = INTEGER: 3', '.1.3.6.1.4.1.9586.100.5.3.3.1.3 = STRING: "G1"', '.1.3.6.1.4.1.9586.100.5.3.3.1.8 = INTEGER: 1',
    ]);
  });

  it('global without mail settings: keepalived\'s ipv6(2) and four zero bytes, timeout and port 0, no emailFrom; unset smtp_alerts 3', () => {
    const g = readConfigText('global_defs {\n enable_snmp_checker\n}\n').config.global;
    expect(globalValues(g, '[unknown]', false).map(snmpwalkLine).map((l) => l.slice('.1.3.6.1.4.1.9586.100.5.1.'.length))).toEqual([
      '1.0 = STRING: "Keepalived v2.2.7 (01/16,2022)"', '2.0 = STRING: "[unknown]"', '3.1.0 = INTEGER: 2', '3.2.0 = Hex-STRING: 00 00 00 00 ',
      '3.3.0 = Gauge32: 0', '3.6.0 = Gauge32: 0', '3.7.0 = INTEGER: 1', '3.8.0 = INTEGER: 3', '3.9.0 = INTEGER: 3', '3.10.0 = INTEGER: 3',
      '4.0 = INTEGER: 2', '5.0 = INTEGER: 1', '6.0 = INTEGER: 2', '7.0 = INTEGER: 1', '8.0 = ""', '9.0 = INTEGER: 2', '10.0 = INTEGER: 2', '11.0 = INTEGER: 2',
    ]);
  });

  it('enable_snmp_checker starts the agent (with enable_traps and snmp_socket); without it none', () => {
    const other = readConfigText('global_defs {\n snmp_socket unix:/run/agentx\n enable_traps\n enable_snmp_checker\n}\n').config.global.other;
    expect(checkerSnmpSettings(other)).toEqual({ socket: 'unix:/run/agentx', traps: true });
    expect(checkerSnmpSettings(readConfigText('global_defs {\n enable_snmp_rfc\n}\n').config.global.other)).toBeUndefined();
    expect(settingFindings(readConfigText('global_defs {\n enable_snmp_checker\n}\n').config).map((d) => d.keyword)).not.toContain('enable_snmp_checker');
  });
});
