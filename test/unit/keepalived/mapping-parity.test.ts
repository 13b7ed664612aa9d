// Same file, same table: what keepalived installs for a file, the mapping
// installs too (checkers keepalived disables at load, ports it corrects,
// defaults it applies).
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readKeepalivedConfig, toHealthConfig } from '../../../lib/keepalived';
import { CONFIG_ID, scratch } from '../../support/keepalived';
import { endianness } from 'node:os';
import type { IpvsMarkEntry, IpvsMarks } from '../../../lib/keepalived/mapping/health';
import { NftablesIpvs, mapMessages } from '../../../lib/keepalived/daemon/nftables-ipvs';
import type { NativeNftMessage } from '../../../lib/native/nft-contract';
import { fakeVrrpNative } from '../../support/vrrp-fake';
import { FakeKernel, fakeBinding } from '../../support/fake-kernel';
import { setNativeBinding } from '../../../lib/native/load';
import { Ipvs } from '../../../lib';
import { KeepalivedDaemon } from '../../../lib/keepalived/daemon/daemon';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** `text` (`$DIR` standing for the scratch directory holding `files`) read and mapped. */
function mapped(text: string, files: Record<string, string> = {}, prepare: (dir: string) => void = () => undefined) {
  const dir = scratch(files);
  dirs.push(dir);
  prepare(dir);
  const file = path.join(dir, 'keepalived.conf');
  writeFileSync(file, text.replaceAll('$DIR', dir));
  const read = readKeepalivedConfig(file, { configId: CONFIG_ID });
  return { dir, file, read, ...toHealthConfig(read.config) };
}

function miscServer(n: number, body: string): string {
  return `  real_server 10.1.0.${n} 80 {\n    MISC_CHECK {\n${body}\n    }\n  }\n`;
}

describe('MISC_CHECK scripts keepalived disables at load', () => {
  const head = 'global_defs {\n  enable_script_security\n  script_user root\n}\nvirtual_server 10.0.0.1 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n';
  const text = head
    + miscServer(1, '      misc_path "/nonexistent/prog arg"')
    + miscServer(2, '      misc_path $DIR/noexec.sh')
    + miscServer(3, '      misc_path /bin/true\n      user no-such-user-r2')
    + miscServer(4, '      misc_path $DIR/open/insecure.sh')
    + miscServer(5, '      misc_path /bin/true')
    + '}\n';

  test('each is dropped with keepalived\'s log line at its file:line; the real server stays, as if it had no such checker', () => {
    const script = '#!/bin/sh\nexit 0\n';
    const { dir, file, read, warnings, config } = mapped(text, { 'noexec.sh': script, 'open/insecure.sh': script }, (d) => {
      chmodSync(path.join(d, 'noexec.sh'), 0o644);
      chmodSync(path.join(d, 'open'), 0o777);
      chmodSync(path.join(d, 'open/insecure.sh'), 0o777);
    });
    // script_user root: every script here runs as 0:0.
    expect(warnings.map((w) => [w.source.file, w.source.line, w.severity, w.message])).toEqual([
      [file, 10, 'warning', 'Disabling misc script \'/nonexistent/prog\' \'arg\' since not found/accessible'],
      [file, 15, 'warning', `WARNING - script '${dir}/noexec.sh' is not executable for uid:gid 0:0 - disabling.`],
      [file, 26, 'warning', `Disabling misc script '${dir}/open/insecure.sh' due to insecure`],
    ]);
    // An unknown user removes the checker while the file is read, as keepalived -t reports (status 5).
    expect(read.diagnostics.map((d) => [d.source.line, d.severity, d.message])).toEqual([
      [22, 'error', 'Failed to set uid/gid for misc checker script \'/bin/true\' - removing'],
    ]);
    const [vs] = config.virtualServers;
    expect(vs!.realServers.map((rs) => [rs.address, rs.checkers?.length ?? 0])).toEqual([
      ['10.1.0.1', 0], ['10.1.0.2', 0], ['10.1.0.3', 0], ['10.1.0.4', 0], ['10.1.0.5', 1],
    ]);
  });

  test('under enable_script_security with no user named and no keepalived_script account, keepalived removes the checker while reading', () => {
    const { read, config } = mapped('global_defs {\n  enable_script_security\n}\nvirtual_server 10.0.0.1 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n'
      + miscServer(1, '      misc_path /bin/true') + '}\n');
    expect(read.diagnostics.map((d) => [d.source.line, d.severity, d.message])).toEqual([
      // At the MISC_CHECK block's closing brace, as keepalived reports it.
      [11, 'error', 'Unable to set default user keepalived_script for script'],
      [11, 'error', 'Unable to set default user for misc script \'/bin/true\' - removing'],
    ]);
    expect(config.virtualServers[0]!.realServers.map((rs) => rs.checkers?.length ?? 0)).toEqual([0]);
  });
});

describe('direct routing and tunnels: destinations take the service\'s port', () => {
  const text = `virtual_server 10.0.0.1 80 {
  protocol TCP
  lb_algo rr
  lb_kind DR
  sorry_server 10.0.2.1 8080
  real_server 10.0.1.1 8080 {
    TCP_CHECK {
    }
  }
}
virtual_server fwmark 5 {
  lb_algo rr
  lb_kind TUN
  sorry_server 10.0.2.2 8080
  real_server 10.0.1.2 8080 {
  }
}
virtual_server_group G {
  10.0.0.3 443
  fwmark 7
}
virtual_server group G {
  protocol TCP
  lb_algo rr
  lb_kind DR
  sorry_server 10.0.2.3 8443
  real_server 10.0.1.3 8443 {
    TCP_CHECK {
    }
  }
  real_server 10.0.1.4 8443 {
    lvs_method NAT
  }
}
`;
  const table = (m: ReturnType<typeof mapped>) => m.config.virtualServers.map((v) => ({
    service: 'fwmark' in v.service ? `fwm ${v.service.fwmark}` : `${v.service.address}:${v.service.port}`,
    real: v.realServers.map((rs) => `${rs.address}:${rs.port}`),
    sorry: `${v.sorryServer!.address}:${v.sorryServer!.port}`,
  }));

  test('real and sorry servers of a service, of a firewall-mark service (port 0) and of each group entry', () => {
    expect(table(mapped(text))).toEqual([
      { service: '10.0.0.1:80', real: ['10.0.1.1:80'], sorry: '10.0.2.1:80' },
      { service: 'fwm 5', real: ['10.0.1.2:0'], sorry: '10.0.2.2:0' },
      { service: '10.0.0.3:443', real: ['10.0.1.3:443', '10.0.1.4:8443'], sorry: '10.0.2.3:443' },
      { service: 'fwm 7', real: ['10.0.1.3:0', '10.0.1.4:8443'], sorry: '10.0.2.3:0' },
    ]);
  });

  test('checks keep connecting to the port written, as keepalived\'s do: of a service\'s real server and of a group\'s', () => {
    const [service, , group] = mapped(text).config.virtualServers;
    expect(service!.realServers[0]!.checkers).toMatchObject([{ type: 'tcp', connectPort: 8080 }]);
    expect(group!.realServers[0]!.checkers).toMatchObject([{ type: 'tcp', connectPort: 8443 }]);
  });

  test('under NAT a sorry server keeps the port written, 0 when none is (a real server without one takes the service\'s)', () => {
    const { config } = mapped(`virtual_server 10.0.0.1 80 {
  protocol TCP
  lb_kind NAT
  sorry_server 10.0.2.1
  real_server 10.0.1.1 {
  }
}
virtual_server fwmark 5 {
  lb_kind NAT
  sorry_server 10.0.2.2 8080
  real_server 10.0.1.2 8080 {
  }
}
`);
    expect(table({ config } as ReturnType<typeof mapped>)).toEqual([
      { service: '10.0.0.1:80', real: ['10.0.1.1:80'], sorry: '10.0.2.1:0' },
      { service: 'fwm 5', real: ['10.0.1.2:8080'], sorry: '10.0.2.2:8080' },
    ]);
  });

  test('the sorry server\'s correction is reported with keepalived\'s warning at its line', () => {
    const { read, file } = mapped(text);
    expect(read.diagnostics.filter((d) => d.message.includes('sorry server')).map((d) => [d.source.file, d.source.line, d.message])).toEqual([
      [file, 5, 'WARNING - virtual server [10.0.0.1]:tcp:80 and sorry server ports don\'t match - resetting'],
      [file, 14, 'WARNING - virtual server FWM 5, sorry server has port specified - clearing'],
    ]);
  });
});

describe('a virtual_server with no protocol, lb_algo or lb_kind', () => {
  test('is installed with keepalived 2.2.7\'s defaults (UDP, wlc, NAT) and its three warnings', () => {
    const { read, config, file } = mapped('virtual_server 10.0.0.1 80 {\n  real_server 10.0.1.1 80 {\n  }\n}\n');
    expect(read.diagnostics.map((d) => [d.source.file, d.source.line, d.message])).toEqual([
      [file, 1, 'Virtual server [10.0.0.1]:none:80: no protocol set - defaulting to UDP'],
      [file, 1, 'Virtual server [10.0.0.1]:udp:80: no scheduler set, setting default \'wlc\''],
      [file, 1, 'Virtual server [10.0.0.1]:udp:80: no forwarding method set, setting default NAT'],
    ]);
    expect(config.virtualServers.map((v) => [v.service, v.forwarding, v.realServers.map((rs) => [rs.address, rs.port])])).toEqual([
      [{ protocol: 'udp', address: '10.0.0.1', port: 80, scheduler: 'wlc' }, 'masq', [['10.0.1.1', 80]]],
    ]);
  });
});

describe('checker bind_if and fwmark', () => {
  const checker = (type: string, body = '') => `    ${type} {\n      bind_if eth7\n      fwmark 7\n${body}    }\n`;
  const text = 'virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  real_server 10.1.0.1 80 {\n'
    + checker('TCP_CHECK')
    + checker('HTTP_GET', '      url {\n        path /\n      }\n')
    + checker('SSL_GET', '      url {\n        path /\n      }\n')
    + checker('SMTP_CHECK', '      host {\n        connect_ip 10.1.0.9\n        fwmark 9\n      }\n      host {\n        bind_if eth9\n        fwmark 0\n      }\n')
    + checker('DNS_CHECK')
    + checker('UDP_CHECK')
    + checker('PING_CHECK')
    + '    TCP_CHECK {\n      fwmark 0\n    }\n'
    + '  }\n}\n';

  test('reach the sockets of the checkers keepalived 2.2.7 sets them on: UDP_CHECK the mark only, PING_CHECK neither, an SMTP host its own; fwmark 0 is none', () => {
    const { warnings, config } = mapped(text);
    expect(warnings).toEqual([]);
    const checkers = config.virtualServers[0]!.realServers[0]!.checkers!;
    expect(checkers.map((c) => {
      const { type, bindIf, fwmark } = c as { type: string; bindIf?: string; fwmark?: number };
      return [type, bindIf, fwmark];
    })).toEqual([
      ['tcp', 'eth7', 7],
      ['http', 'eth7', 7],
      ['https', 'eth7', 7],
      // The block's own target (connection keywords are written in it), then each host with its own device and mark only.
      ['smtp', 'eth7', 7],
      ['smtp', undefined, 9],
      ['smtp', 'eth9', undefined],
      ['dns', 'eth7', 7],
      ['udp', undefined, 7],
      ['ping', undefined, undefined],
      ['tcp', undefined, undefined],
    ]);
  });
});

describe('nftables_ipvs: a group becomes one firewall-mark service, marked by keepalived\'s table', () => {
  const conf = (globals: string, groups: string) => `global_defs {\n${globals}}\n${groups}`;
  const vs = (group: string, protocol: string, rs = '10.2.0.1') => `virtual_server group ${group} {\n  lb_algo rr\n  lb_kind NAT\n  protocol ${protocol}\n  real_server ${rs} 80 {\n  }\n}\n`;
  const GROUPS = 'virtual_server_group A {\n  10.1.0.1 80\n  10.1.0.10-12 80\n  10.1.1.0/30 443\n}\n'
    + 'virtual_server_group B {\n  10.1.2.1 53\n}\n'
    + 'virtual_server_group F {\n  10.1.3.1 80\n  fwmark 7\n}\n'
    + 'virtual_server_group S {\n  fd00::1 80\n  fd00::10-12 80\n}\n';
  const FILE = GROUPS + vs('A', 'TCP') + vs('B', 'UDP') + vs('F', 'TCP') + vs('B', 'TCP') + vs('S', 'TCP', 'fd01::1');
  const services = (m: ReturnType<typeof mapped>) => m.config.virtualServers.map((v) => ('fwmark' in v.service ? `fwm ${v.service.fwmark} ${v.service.family}` : `${v.service.protocol} ${v.service.address}:${v.service.port}`));

  test('without the keyword: one service per address, no table', () => {
    const m = mapped(conf('  router_id x\n', FILE));
    expect(m.marks).toBeUndefined();
    expect(services(m)).toHaveLength(8 + 1 + 2 + 1 + 4);
  });

  test('marks from 1000 in file order, one per virtual server (a group in TCP and UDP gets two); a group with a fwmark entry keeps its services', () => {
    const m = mapped(conf('  nftables_ipvs\n', FILE));
    expect(services(m)).toEqual(['fwm 1000 ipv4', 'fwm 1001 ipv4', 'tcp 10.1.3.1:80', 'fwm 7 ipv4', 'fwm 1002 ipv4', 'fwm 1003 ipv6']);
    expect(m.marks!.table).toBe('keepalived_ipvs');
    expect(m.marks!.priority).toBe(-1);
    expect(m.marks!.entries.map((e) => `${e.family} ${e.protocol} ${e.first}-${e.last} ${e.port} ${e.fwmark}`)).toEqual([
      '4 tcp 10.1.0.1-10.1.0.1 80 1000', '4 tcp 10.1.0.10-10.1.0.12 80 1000', '4 tcp 10.1.1.0-10.1.1.3 443 1000',
      '4 udp 10.1.2.1-10.1.2.1 53 1001', '4 tcp 10.1.2.1-10.1.2.1 53 1002', '6 tcp fd00::1-fd00::1 80 1003', '6 tcp fd00::10-fd00::12 80 1003',
    ]);
    // The real servers keep their ports under NAT.
    expect(m.config.virtualServers[0]!.realServers.map((rs) => rs.port)).toEqual([80]);
  });

  test('table name, priority and first mark as written; nftables_ipvs after the priority puts it back to -1', () => {
    const m = mapped(conf('  nftables_ipvs t\n  nftables_ipvs_priority -50\n  nftables_ipvs_start_fwmark 5000\n', FILE));
    expect([m.marks!.table, m.marks!.priority, m.marks!.counters, services(m)[0]]).toEqual(['t', -50, false, 'fwm 5000 ipv4']);
    expect(mapped(conf('  nftables_ipvs\n  nftables_counters\n', FILE)).marks!.counters).toBe(true);
    expect(mapped(conf('  nftables_ipvs_priority 5\n  nftables_ipvs\n', FILE)).marks!.priority).toBe(-1);
  });

  test('a reload keeps the marks of the virtual servers it keeps; a new one, even first in the file, gets the next', () => {
    const first = mapped(conf('  nftables_ipvs\n', FILE));
    const added = 'virtual_server_group N {\n  10.1.9.1 80\n}\n' + vs('N', 'TCP');
    const dir = scratch({});
    dirs.push(dir);
    const file = path.join(dir, 'keepalived.conf');
    writeFileSync(file, conf('  nftables_ipvs\n', added + GROUPS + vs('A', 'TCP') + vs('B', 'TCP') + vs('S', 'TCP', 'fd01::1')));
    const second = toHealthConfig(readKeepalivedConfig(file, { configId: CONFIG_ID }).config, first);
    expect(services({ ...first, ...second })).toEqual(['fwm 1004 ipv4', 'fwm 1000 ipv4', 'fwm 1002 ipv4', 'fwm 1003 ipv6']);
    expect(second.marks!.next).toBe(1005);
  });

  test('the daemon: a reload refused (the file unreadable) hands no marks on; the next good reload keeps the running fwmark services', async () => {
    const kernel = new FakeKernel();
    setNativeBinding({ ...fakeBinding(kernel), nftBatch: () => ({ errno: 0, index: -1 }) } as unknown as ReturnType<typeof fakeBinding>);
    const dir = scratch({});
    dirs.push(dir);
    const file = path.join(dir, 'keepalived.conf');
    const groups = ['A', 'B', 'C'].map((g, i) => `virtual_server_group ${g} {\n  10.1.0.${i + 1} 80\n}\n`).join('');
    const write = (names: string[]) => writeFileSync(file, conf('  nftables_ipvs\n', groups + names.map((g) => vs(g, 'TCP')).join('')));
    const marks = () => [...kernel.services.keys()].sort();
    write(['A', 'B', 'C']);
    const daemon = new KeepalivedDaemon({ configFile: file, log: () => undefined, openIpvs: () => Ipvs.open() });
    try {
      await daemon.start();
      expect(marks()).toEqual(['2/fwm/1000', '2/fwm/1001', '2/fwm/1002']);
      write(['A', 'C']);
      expect(await daemon.reload()).toBe(true);
      expect(marks()).toEqual(['2/fwm/1000', '2/fwm/1002']);
      rmSync(file);
      expect(await daemon.reload()).toBe(false);
      write(['A', 'C']);
      expect(await daemon.reload()).toBe(true);
      // From the refused reading C would have been 1001 again: its service deleted and made anew.
      expect(marks()).toEqual(['2/fwm/1000', '2/fwm/1002']);
    } finally {
      await daemon.stop(true);
      setNativeBinding(undefined);
    }
  });
});

describe('nftables_ipvs: the table as written (lib/keepalived/daemon/nftables-ipvs.ts)', () => {
  const entry = (first: string, port: number, fwmark: number, protocol: 'tcp' | 'udp' = 'tcp', last = first): IpvsMarkEntry =>
    ({ family: first.includes(':') ? 6 : 4, protocol, first, last, port, fwmark });
  const marks = (...entries: IpvsMarkEntry[]): IpvsMarks => ({ table: 'keepalived_ipvs', priority: -1, counters: false, entries, assigned: {}, next: 0 });
  const summary = (m: NativeNftMessage) => `${m.type} ${m.family}${'chain' in m ? ` ${m.chain}` : ''}${'set' in m ? ` @${m.set}` : ''}${'keys' in m ? ` ${m.keys.length}` : ''}`;

  test('the first write: a stale table deleted, then table, chain, maps in the order met with their rules, elements; one transaction', () => {
    const fake = fakeVrrpNative();
    const nft = new NftablesIpvs(() => fake.binding, '/run/netns/x');
    const stale: string[] = [];
    nft.onStaleTable = (t) => stale.push(t);
    expect(nft.apply(marks(entry('10.2.0.1', 53, 1000, 'udp'), entry('10.1.0.10', 80, 1001, 'tcp', '10.1.0.12'), entry('fd00::1', 80, 1002)))).toBeUndefined();
    expect(stale).toEqual(['ip keepalived_ipvs', 'ip6 keepalived_ipvs']);
    const batches = fake.nft.batches.map((b) => b.messages.map(summary));
    expect(batches).toEqual([['deltable 2'], ['deltable 10'], [
      'newtable 2', 'newchain 2 in', 'newset 2 @udp_map', 'newrule 2 in', 'newset 2 @tcp_map', 'newrule 2 in',
      'newsetelem 2 @udp_map 1', 'newsetelem 2 @tcp_map 1',
      'newtable 10', 'newchain 10 in', 'newset 10 @tcp_map', 'newrule 10 in', 'newsetelem 10 @tcp_map 1',
    ]]);
    const all = fake.nft.batches[2]!.messages;
    expect(fake.nft.batches[2]!.netns).toBe('/run/netns/x');
    expect(all[1]).toMatchObject({ hook: 1, priority: -1, policy: 1, chainType: 'filter' });
    // ipv4_addr . inet_service : mark, interval, concatenated; the key padded to 4 bytes a part.
    expect(all[4]).toMatchObject({ keyType: (7 << 6) | 13, keyLen: 8, flags: 0x8c, dataType: 19, dataLen: 4, fields: [4, 2] });
    expect(all[10]).toMatchObject({ keyType: (8 << 6) | 13, keyLen: 20, fields: [16, 2] });
    const tcp = all[7] as Extract<NativeNftMessage, { keys: Uint8Array[] }>;
    expect([...tcp.keys[0]!]).toEqual([10, 1, 0, 10, 0, 80, 0, 0]);
    expect([...tcp.keyEnds![0]!]).toEqual([10, 1, 0, 12, 0, 80, 0, 0]);
    expect(new DataView(tcp.data![0]!.buffer).getUint32(0, endianness() === 'LE')).toBe(1001);
    // meta l4proto, ip daddr . tcp dport into registers 1 and 9 (IPv6: 1 and 2), the map's mark set, return.
    const rule = all[5] as Extract<NativeNftMessage, { type: 'newrule' }>;
    expect(rule.exprs.map((e) => e.expr)).toEqual(['meta', 'cmp', 'payload', 'payload', 'lookup', 'meta', 'immediate']);
    expect(rule.exprs[3]).toMatchObject({ dreg: 9 });
    expect((all[11] as Extract<NativeNftMessage, { type: 'newrule' }>).exprs[3]).toMatchObject({ dreg: 2 });
    expect(rule.exprs.at(-1)).toEqual({ expr: 'immediate', verdict: -5 });
    // nftables_counters: the maps count (each element gets one) and so does each rule, just before its verdict.
    const counted = mapMessages(4, 'tcp', 't', 1, true);
    expect([counted[0]!.type === 'newset' && counted[0]!.counter, (counted[1] as Extract<NativeNftMessage, { type: 'newrule' }>).exprs.at(-2)]).toEqual([true, { expr: 'counter' }]);
  });

  test('a reload: elements gone deleted, new ones added, in one transaction; nothing when unchanged; close deletes the tables', () => {
    const fake = fakeVrrpNative();
    const nft = new NftablesIpvs(() => fake.binding);
    nft.apply(marks(entry('10.1.0.1', 80, 1000), entry('10.1.1.0', 443, 1000, 'tcp', '10.1.1.3')));
    fake.nft.batches.length = 0;
    expect(nft.apply(marks(entry('10.1.0.1', 80, 1000), entry('10.1.0.2', 8080, 1000)))).toBeUndefined();
    expect(fake.nft.batches.map((b) => b.messages.map(summary))).toEqual([['delsetelem 2 @tcp_map 1', 'newsetelem 2 @tcp_map 1']]);
    fake.nft.batches.length = 0;
    expect(nft.apply(marks(entry('10.1.0.1', 80, 1000), entry('10.1.0.2', 8080, 1000)))).toBeUndefined();
    expect(fake.nft.batches).toEqual([]);
    // A new priority: the table is made again, in the same transaction as the deletion, and only there (ours is
    // not a stale table: deleting it beforehand would fail the transaction's own deletion and leave none).
    fake.nft.batches.length = 0;
    expect(nft.apply({ ...marks(entry('10.1.0.1', 80, 1000)), priority: 5 })).toBeUndefined();
    expect(fake.nft.batches).toHaveLength(1);
    expect(fake.nft.batches[0]!.messages.map(summary).slice(0, 3)).toEqual(['deltable 2', 'newtable 2', 'newchain 2 in']);
    fake.nft.batches.length = 0;
    expect(nft.close()).toBeUndefined();
    expect(fake.nft.batches.map((b) => b.messages)).toEqual([[{ type: 'deltable', family: 2, table: 'keepalived_ipvs' }]]);
    expect(nft.close()).toBeUndefined();
    expect(fake.nft.batches).toHaveLength(1);
  });

  test("a kernel's refusal is returned with the message it answers, and the table counts as not made", () => {
    const fake = fakeVrrpNative();
    const nft = new NftablesIpvs(() => fake.binding);
    fake.nft.errno = 1;
    expect(nft.apply(marks(entry('10.1.0.1', 80, 1000)))).toBe('nftables_ipvs: setting up table keepalived_ipvs failed (newtable): EPERM');
    expect(nft.table).toBeUndefined();
  });
});
