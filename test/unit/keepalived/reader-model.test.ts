// The typed model: fields, defaults, inheritance (virtual server → real
// server → checker) and file:line on every item, for representative files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NOT_SUPPORTED_YET, checkConfig, readKeepalivedConfig, type Checker, type KeepalivedConfig, type ReadResult } from '../../../lib/keepalived';
import { CONFIG_ID, fixture, scenarios, scratch } from '../../support/keepalived';

const read = (file: string): ReadResult => readKeepalivedConfig(file, { configId: CONFIG_ID });
const at = (file: string, line: number) => ({ file, line });

/** Reads one configuration text from a scratch file. */
function readText(text: string, extra: Record<string, string> = {}): ReadResult & { file: string } {
  const dir = scratch({ 'keepalived.conf': text, ...extra });
  try {
    const file = path.join(dir, 'keepalived.conf');
    return { ...read(file), file };
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
}

const VS = 'virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n';

describe('models.conf: every block of the checker side', () => {
  const file = fixture('models.conf');
  const { config, diagnostics } = read(file);
  /** Timing of the first service, inherited by its real servers and checkers. */
  const webTiming = { delayLoop: 10, connectTimeout: 5, retry: 4, delayBeforeRetry: 1, warmup: 10, alpha: true, logAllFailures: true };
  const [web, mark, group] = config.virtualServers as [KeepalivedConfig['virtualServers'][number], KeepalivedConfig['virtualServers'][number], KeepalivedConfig['virtualServers'][number]];

  test('reads without a diagnostic', () => {
    expect(diagnostics).toEqual([]);
    expect(config.files).toEqual([file]);
    expect(config.virtualServers).toHaveLength(3);
    expect(config.unsupported).toEqual([]);
  });

  test('global_defs: modelled fields with their lines, other keywords kept', () => {
    expect(config.global).toEqual({
      source: at(file, 2),
      routerId: 'lb-1',
      notificationEmail: ['ops@example.com'],
      notificationEmailFrom: 'lb@example.com',
      smtpServer: { host: '192.0.2.25', port: 2525 },
      smtpConnectTimeout: 20,
      checkerLogAllFailures: true,
      noCheckerEmails: false,
      fifoWriteVrrpStatesOnReload: false,
      noEmailFaults: false,
      rsInitNotifies: false,
      enableScriptSecurity: false,
      lvsFlush: true,
      nftablesIpvsPriority: -1,
      nftablesIpvsStartFwmark: 1000,
      reloadRepeat: false,
      startupScriptTimeout: 10,
      shutdownScriptTimeout: 10,
      lvsTimeouts: { tcp: 900, tcpfin: 30, udp: 60 },
      lvsSyncDaemon: { interface: 'eth0', instance: 'VI_1', syncId: 7, port: 8850 },
      vrrp: {
        version: 2, mcastGroup4: '224.0.0.18', mcastGroup6: 'ff02::12', garpMasterDelay: 5, garpMasterRepeat: 5,
        garpLowerPrioDelay: 5, garpLowerPrioRepeat: 5, garpMasterRefresh: 0, garpMasterRefreshRepeat: 1, garpInterval: 0,
        gnaInterval: 0, downTimerAdverts: 3, checkUnicastSrc: false, skipCheckAdvAddr: false, startupDelay: 0, minGarp: false,
        notifyPriorityChanges: false, defaultInterface: 'eth0', disableLocalIgmp: false, vmacPrefix: 'vrrp', vmacAddrPrefix: 'vrrp',
        nftablesPriority: -1, nftablesCounters: false, nftablesIfindex: false,
        // vrrp_strict switches on what strict mode implies.
        strict: true, lowerPrioNoAdvert: true, ownerIgnoreAdverts: true, higherPrioSendAdvert: false, v3ChecksumAsV2: false,
      },
      other: [],
      sources: {
        routerId: at(file, 3), notificationEmail: at(file, 4), notificationEmailFrom: at(file, 7), smtpServer: at(file, 8),
        smtpConnectTimeout: at(file, 9), checkerLogAllFailures: at(file, 10), lvsFlush: at(file, 11), lvsTimeouts: at(file, 12),
        lvsSyncDaemon: at(file, 13),
      },
    });
  });

  test('an address service with everything written', () => {
    const { realServers, sources, ...rest } = web;
    expect(rest).toEqual({
      key: { kind: 'address', address: '192.0.2.1', port: 443, family: 'inet' },
      protocol: 'TCP',
      scheduler: 'wlc',
      schedulerFlags: [],
      onePacket: false,
      forwarding: { method: 'DR' },
      persistenceTimeout: 600,
      persistenceGranularity: '255.255.255.0',
      haSuspend: false,
      quorum: 2,
      hysteresis: 1,
      quorumUp: { command: '/nonexistent/quorum.sh up', argv: ['/nonexistent/quorum.sh', 'up'], source: at(file, 26) },
      quorumDown: { command: '/nonexistent/quorum.sh down', argv: ['/nonexistent/quorum.sh', 'down'], source: at(file, 27) },
      omega: true,
      inhibitOnFailure: true,
      virtualhost: 'www.example.com',
      weight: 1,
      ...webTiming,
      sorryServer: { address: '192.0.2.99', family: 'inet', port: 443, forwarding: { method: 'DR' }, inhibit: false, source: at(file, 33) },
      source: at(file, 17),
    });
    expect(sources).toMatchObject({ delayLoop: at(file, 18), scheduler: at(file, 19), retry: at(file, 32) });
    expect(realServers.map((r) => [r.address, r.port, r.weight, r.source.line])).toEqual([
      ['192.0.2.11', 443, 3, 35],
      ['192.0.2.12', 443, 2, 56],
    ]);
  });

  test('a real server inherits from its service and says where each value came from', () => {
    const { checkers, fileChecks, ...rs } = web.realServers[0]!;
    expect(rs).toEqual({
      address: '192.0.2.11',
      family: 'inet',
      port: 443,
      weight: 3,
      forwarding: { method: 'DR' },
      inhibitOnFailure: true,
      upperThreshold: 1000,
      lowerThreshold: 800,
      notifyUp: { command: '/nonexistent/rs.sh up', argv: ['/nonexistent/rs.sh', 'up'], source: at(file, 40) },
      virtualhost: 'www.example.com',
      ...webTiming,
      connectTimeout: 7,
      source: at(file, 35),
      sources: {
        weight: at(file, 36), inhibitOnFailure: at(file, 30), delayLoop: at(file, 18), connectTimeout: at(file, 37), retry: at(file, 32),
        alpha: at(file, 28), virtualhost: at(file, 31), upperThreshold: at(file, 38), lowerThreshold: at(file, 39), notifyUp: at(file, 40),
      },
    });
    expect(checkers).toHaveLength(1);
    expect(fileChecks).toEqual([]);
  });

  test('SSL_GET with two urls, inheriting the real server and service values', () => {
    expect(web.realServers[0]!.checkers[0]).toEqual({
      type: 'SSL_GET',
      urls: [
        { path: '/health', digest: '9b3a0c85a887a256d6939da88aabd8cd', statusCodes: [{ from: 200, to: 204 }, { from: 301, to: 301 }], regexNoMatch: false, regexOptions: [], source: at(file, 42) },
        { path: '/ready', virtualhost: 'ready.example.com', statusCodes: [{ from: 200, to: 299 }], regexNoMatch: false, regexOptions: [], source: at(file, 47) },
      ],
      httpProtocol: '1.0',
      virtualhost: 'www.example.com',
      fastRecovery: false,
      enableSni: true,
      tlsCompliant: false,
      ...webTiming,
      connectTimeout: 7,
      delayBeforeRetry: 2,
      source: at(file, 41),
      sources: {
        delayLoop: at(file, 18), connectTimeout: at(file, 37), retry: at(file, 32), delayBeforeRetry: at(file, 51), alpha: at(file, 28),
        virtualhost: at(file, 31), enableSni: at(file, 52),
      },
    });
  });

  test('TCP_CHECK and MISC_CHECK', () => {
    const [tcp, misc] = web.realServers[1]!.checkers as [Checker, Checker];
    expect(tcp).toMatchObject({ type: 'TCP_CHECK', connectPort: 8443, bindTo: '192.0.2.1', retry: 1, source: at(file, 58), sources: { retry: at(file, 61), connectPort: at(file, 59) } });
    expect(misc).toEqual({
      type: 'MISC_CHECK',
      script: { command: "/nonexistent/check.sh --fast 'two words'", argv: ['/nonexistent/check.sh', '--fast', 'two words'], source: at(file, 64) },
      timeout: 4,
      dynamic: true,
      ...webTiming,
      source: at(file, 63),
      sources: {
        delayLoop: at(file, 18),
        retry: at(file, 32),
        alpha: at(file, 28),
        script: at(file, 64),
        timeout: at(file, 65),
        dynamic: at(file, 66),
      },
    });
  });

  test('a fwmark service: no protocol, real server ports cleared, sh flags, TUN, SMTP/DNS/PING checkers', () => {
    expect(mark).toMatchObject({ key: { kind: 'fwmark', fwmark: 12 }, scheduler: 'sh', schedulerFlags: ['sh-port'], forwarding: { method: 'TUN' }, delayLoop: 30 });
    expect(mark.protocol).toBeUndefined();
    const rs = mark.realServers[0]!;
    expect([rs.address, rs.port]).toEqual(['198.51.100.7', 0]);
    const [smtp, dns, ping] = rs.checkers as [Checker, Checker, Checker];
    expect(smtp).toMatchObject({ type: 'SMTP_CHECK', heloName: 'probe.example.com', hosts: [{ connectIp: '198.51.100.8', connectPort: 587, source: at(file, 79) }] });
    expect(dns).toMatchObject({ type: 'DNS_CHECK', queryType: 'A', name: 'example.com', retry: 3, delayBeforeRetry: 30 });
    expect(ping).toMatchObject({ type: 'PING_CHECK', retry: 1, delayBeforeRetry: 1, warmup: 30, source: at(file, 88) });
  });

  test('a group service and its group: CIDR, range and fwmark entries; UDP_CHECK', () => {
    expect(config.virtualServerGroups).toEqual([
      {
        name: 'DNS',
        source: at(file, 93),
        entries: [
          { kind: 'range', family: 'inet', address: '203.0.113.0', lastAddress: '203.0.113.3', port: 53, source: at(file, 94) },
          { kind: 'range', family: 'inet', address: '203.0.113.10', lastAddress: '203.0.113.12', port: 53, source: at(file, 95) },
          { kind: 'fwmark', fwmark: 5, source: at(file, 96) },
        ],
      },
    ]);
    expect(group).toMatchObject({ key: { kind: 'group', group: 'DNS' }, protocol: 'UDP', onePacket: true });
    const udp = group.realServers[0]!.checkers[0]!;
    expect(udp).toMatchObject({ type: 'UDP_CHECK', payload: Uint8Array.from([10, 11, 12]), requireReply: '0aXX', minReplyLength: 0, maxReplyLength: 64 });
  });
});

describe('lexical.conf: the model after macros, ~SEQ, conditions and includes', () => {
  const file = fixture('lexical.conf');
  const { config, diagnostics } = read(file);

  test('every real server, wherever it came from, with the line that produced it', () => {
    expect(diagnostics).toEqual([]);
    expect(config.global.routerId).toBe('lexical-test');
    expect(config.global.notificationEmail).toEqual(['ops@example.com', 'Ops Team <ops2@example.com>']);
    expect(config.global.other).toEqual([]);
    const vs = config.virtualServers[0]!;
    expect(vs.key).toEqual({ kind: 'address', address: '192.0.2.10', port: 80, family: 'inet' });
    expect(vs.virtualhost).toBe('www example com');
    expect(vs.quorumUp?.argv).toEqual(['/nonexistent/quorum', 'up.sh', '#1']);
    expect(vs.quorumDown?.argv).toEqual(['/nonexistent/down.sh#x']);
    expect(vs.realServers.map((r) => [r.address, r.weight, path.relative(path.dirname(file), r.source.file), r.source.line])).toEqual([
      ['192.0.2.21', 2, 'lexical.conf', 27],
      ['192.0.2.31', 31, 'lexical.conf', 28],
      ['192.0.2.33', 33, 'lexical.conf', 28],
      ['192.0.2.35', 35, 'lexical.conf', 28],
      ['192.0.2.40', 4, 'lexical.d/40.inc', 2],
      ['192.0.2.41', 5, 'lexical.d/41.inc', 1],
    ]);
    expect(vs.realServers[0]!.checkers).toMatchObject([{ type: 'TCP_CHECK', connectTimeout: 2, source: at(file, 27) }]);
    expect(vs.realServers[4]!.notifyUp?.argv).toEqual(['/nonexistent/rs-up.sh', 'a', 'b c']);
    expect(config.virtualServerGroups[0]!.entries.map((e) => (e.kind === 'range' ? e.address : e.fwmark))).toEqual(['fd00::a', 'fd00::b']);
  });

  test('IPv6 ranges and prefixes of a group come out in RFC 5952 text', () => {
    const { config } = readText('virtual_server_group G {\n  2001:db8::1:0:0:10-1f 80\n  2001:db8:0:0:1::/120 443\n  ::1 22\n  fwmark 3 inet6\n}\n');
    expect(config.virtualServerGroups[0]!.entries).toMatchObject([
      { address: '2001:db8::1:0:0:10', lastAddress: '2001:db8::1:0:0:1f', port: 80 },
      { address: '2001:db8:0:0:1::', lastAddress: '2001:db8::1:0:0:ff', port: 443 },
      { address: '::1', lastAddress: '::1', port: 22 },
      { kind: 'fwmark', fwmark: 3, family: 'inet6' },
    ]);
  });
});

describe('whole configurations (test/fixtures/keepalived/scenarios)', () => {
  test('quorum: quorum, hysteresis, scripts, alpha/omega, port 8080 real servers', () => {
    const vs = read(path.join(scenarios, 'lvs-quorum.conf')).config.virtualServers[0]!;
    expect(vs).toMatchObject({ quorum: 7, hysteresis: 2, alpha: true, omega: true, persistenceTimeout: 900, scheduler: 'wrr', delayLoop: 6 });
    expect(vs.quorumUp).toMatchObject({ argv: ['/opt/lb/bin/quorum-gained'] });
    expect(vs.quorumDown).toMatchObject({ argv: ['/opt/lb/bin/quorum-lost'] });
    expect(vs.realServers.map((r) => r.weight)).toEqual([3, 3, 4]);
    expect(vs.realServers.every((r) => r.port === 8080 && r.checkers[0]!.type === 'TCP_CHECK')).toBe(true);
  });

  test('IPv6: an IPv6 group with a range, SMTP_CHECK with retry 3', () => {
    const { config } = read(path.join(scenarios, 'lvs-ipv6.conf'));
    expect(config.virtualServerGroups[0]!.entries).toMatchObject([
      { kind: 'range', family: 'inet6', address: 'fd00:77::20', lastAddress: 'fd00:77::2f', port: 25 },
      { kind: 'range', family: 'inet6', address: 'fd00:77::1', lastAddress: 'fd00:77::1', port: 25 },
    ]);
    const rs = config.virtualServers[0]!.realServers[0]!;
    expect([rs.address, rs.port, rs.family]).toEqual(['fd00:78::5', 25, 'inet6']);
    expect(rs.checkers[0]).toMatchObject({ type: 'SMTP_CHECK', heloName: 'mx.example.net', retry: 3, connectTimeout: 3, delayLoop: 6 });
  });

  test('SMTP_CHECK: legacy host blocks become hosts of one checker', () => {
    const rs = read(path.join(scenarios, 'lvs-smtp-hosts.conf')).config.virtualServers[0]!.realServers;
    expect(rs.map((r) => (r.checkers[0] as Extract<Checker, { type: 'SMTP_CHECK' }>).hosts.length)).toEqual([0, 3, 3]);
    expect((rs[1]!.checkers[0] as Extract<Checker, { type: 'SMTP_CHECK' }>).hosts[0]).toMatchObject({ connectIp: '10.30.1.2', connectPort: 2525, bindTo: '10.30.9.1' });
  });

  const names = fs.readdirSync(scenarios).filter((f) => f.endsWith('.conf'));
  test.each(names)('%s reads into a model whose items all point into the files read', (name) => {
    const { config } = read(path.join(scenarios, name));
    const sources: { file: string; line: number }[] = [];
    JSON.stringify(config, (key, value: unknown) => {
      if (key === 'source' && value && typeof value === 'object') sources.push(value as { file: string; line: number });
      return value;
    });
    for (const s of sources) {
      expect(config.files).toContain(s.file);
      expect(s.line).toBeGreaterThan(0);
    }
    // Only the file that is not keepalived's syntax has no item at all.
    expect(sources.length === 0).toBe(name === 'not-keepalived.conf');
  });
});

describe('defaults', () => {
  test('keepalived.conf(5) defaults when nothing is written', () => {
    const { config, file } = readText(`${VS}  real_server 10.0.1.1 80 {\n    HTTP_GET {\n      url {\n        path /\n      }\n    }\n    MISC_CHECK {\n      misc_path /x\n    }\n  }\n}\n`);
    const vs = config.virtualServers[0]!;
    expect(vs).toMatchObject({
      delayLoop: 60,
      connectTimeout: 5,
      retry: 1,
      delayBeforeRetry: 1,
      warmup: 60,
      quorum: 1,
      hysteresis: 0,
      weight: 1,
      alpha: false,
      omega: false,
      haSuspend: false,
    });
    expect(vs.persistenceTimeout).toBeUndefined();
    const rs = vs.realServers[0]!;
    expect(rs).toMatchObject({ weight: 1, upperThreshold: 0, lowerThreshold: 0, inhibitOnFailure: false, forwarding: { method: 'NAT' } });
    const [http, misc] = rs.checkers as [Checker, Checker];
    expect(http).toMatchObject({ retry: 1, delayBeforeRetry: 3, httpProtocol: '1.0', urls: [{ path: '/', statusCodes: [{ from: 200, to: 299 }] }], sources: {} });
    expect(misc).toMatchObject({ retry: 0, timeout: 60, dynamic: false });
    expect(config.global).toMatchObject({ smtpConnectTimeout: 30, enableScriptSecurity: false, notificationEmail: [], sources: {} });
    expect(config.global.source).toBeUndefined();
    expect(file).toMatch(/keepalived\.conf$/);
  });

  test('defaults keepalived announces: protocol UDP, scheduler wlc, NAT, persistence for port 0', () => {
    const { config, diagnostics } = readText('virtual_server 10.0.0.1 {\n  real_server 10.0.1.1 {\n  }\n}\n');
    expect(config.virtualServers[0]).toMatchObject({ protocol: 'UDP', scheduler: 'wlc', forwarding: { method: 'NAT' }, persistenceTimeout: 360 });
    expect(diagnostics.map((d) => [d.severity, d.message])).toEqual([
      ['warning', 'Virtual server [10.0.0.1]:none:0: no protocol set - defaulting to UDP'],
      ['warning', "Virtual server [10.0.0.1]:udp:0: no scheduler set, setting default 'wlc'"],
      ['warning', 'Virtual server [10.0.0.1]:udp:0: no forwarding method set, setting default NAT'],
      ['warning', 'Virtual server [10.0.0.1]:udp:0: zero port only valid for persistent services - setting'],
    ]);
    expect(config.virtualServers[0]!.realServers[0]!.port).toBe(0);
  });

  test('bare persistence_timeout is 360; persistence_granularity implies it; VS weight is the real-server default', () => {
    const { config } = readText(`${VS}  persistence_timeout\n  weight 7\n  real_server 10.0.1.1 80 {\n  }\n}\nvirtual_server 10.0.0.2 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  persistence_granularity 255.255.0.0\n  real_server 10.0.1.1 80 {\n  }\n}\n`);
    expect(config.virtualServers.map((v) => [v.persistenceTimeout, v.realServers[0]!.weight])).toEqual([[360, 7], [360, 1]]);
  });
});

describe('more keywords', () => {
  test('TUN with gue, sorry server options, scheduler flags, checker connection options, MISC user', () => {
    const { config, diagnostics } = readText(
      'virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lb_algo mh\n  mh-port\n  mh-fallback\n  flag-1\n  lb_kind TUN type gue port 6080 csum\n' +
        '  sorry_server 10.0.9.9 8080\n  sorry_server_inhibit\n  sorry_server_lvs_method NAT\n' +
        '  real_server 10.0.1.1 80 {\n    lvs_method DR\n    TCP_CHECK {\n      connect_ip 10.0.1.2\n      bind_port 4000\n      bind_if eth0\n      fwmark 9\n      log_all_failures off\n    }\n' +
        '    MISC_CHECK {\n      misc_path /bin/check\n      user nobody nogroup\n    }\n    HTTP_GET {\n      url {\n        path /\n        regex ^ok\n        regex_no_match\n        regex_options caseless dotall\n        regex_min_offset 1\n        regex_max_offset 99\n        regex_stack 16 64\n      }\n      http_protocol 1.1\n      fast_recovery\n      sni_name api.example.com\n      tls_compliant\n    }\n  }\n}\n',
    );
    expect(diagnostics.filter((d) => d.code !== 'script-security')).toEqual([]);
    const vs = config.virtualServers[0]!;
    expect(vs).toMatchObject({ scheduler: 'mh', schedulerFlags: ['mh-port', 'mh-fallback', 'flag-1'], forwarding: { method: 'TUN', tunnel: { type: 'gue', port: 6080, checksum: 'csum' } } });
    expect(vs.sorryServer).toMatchObject({ address: '10.0.9.9', port: 8080, inhibit: true, forwarding: { method: 'NAT' } });
    const rs = vs.realServers[0]!;
    expect(rs.forwarding).toEqual({ method: 'DR' });
    expect(rs.checkers).toMatchObject([
      { type: 'TCP_CHECK', connectIp: '10.0.1.2', bindPort: 4000, bindIf: 'eth0', fwmark: 9, logAllFailures: false },
      { type: 'MISC_CHECK', user: { user: 'nobody', group: 'nogroup' } },
      { type: 'HTTP_GET', httpProtocol: '1.1', fastRecovery: true, sniName: 'api.example.com', tlsCompliant: true, urls: [{ regex: '^ok', regexNoMatch: true, regexOptions: ['caseless', 'dotall'], regexMinOffset: 1, regexMaxOffset: 99, regexStack: { start: 16, max: 64 } }] },
    ]);
  });

  test('lvs_sync_daemon with every option', () => {
    const { config, diagnostics } = readText(`global_defs {\n  lvs_sync_daemon lo inst VI_1 maxlen 1400 ttl 2 group 224.0.0.81 port 8849\n}\n`);
    expect(diagnostics).toEqual([]);
    expect(config.global.lvsSyncDaemon).toEqual({ interface: 'lo', instance: 'VI_1', maxlen: 1400, ttl: 2, group: '224.0.0.81', port: 8849 });
  });

  test('SSL block, top-level daemon options, bfd_instance read; a BFD_CHECK on an instance written after it and a FILE_CHECK on an undefined track_file dropped as keepalived does', () => {
    const { config, diagnostics, file } = readText(
      'net_namespace lb\nSSL {\n  ca /etc/ca.pem\n  certificate /etc/c.pem\n  key /etc/k.pem\n  password secret\n}\n' +
        `${VS}  real_server 10.0.1.1 80 {\n    BFD_CHECK {\n      name b\n    }\n    FILE_CHECK {\n      track_file f\n    }\n  }\n}\nbfd_instance b {\n  neighbor_ip 10.0.1.1\n}\n`,
    );
    expect(config.ssl).toEqual({ ca: '/etc/ca.pem', certificate: '/etc/c.pem', key: '/etc/k.pem', password: 'secret', source: at(file, 2) });
    expect(config.daemonOptions).toEqual([{ keyword: 'net_namespace', args: ['lb'], source: at(file, 1) }]);
    expect(config.unsupported).toEqual([]);
    expect(config.bfdInstances).toEqual([{
      name: 'b', neighborIp: '10.0.1.1', minRx: 10, minTx: 10, idleTx: 1000, multiplier: 5, passive: false, maxHops: 0, weight: 0, weightReverse: false,
      events: { vrrp: true, checker: true }, source: at(file, 21), sources: { neighborIp: at(file, 22) },
    }]);
    expect(diagnostics.map((d) => [d.code, d.source.line, d.message])).toEqual([
      ['semantic', 17, 'track_file f not found'],
      ['semantic', 16, 'FILE_CHECK has no track_file specified - ignoring'],
      // keepalived resolves the name while reading: the instance comes later in the file.
      ['semantic', 14, '([10.0.1.1]:tcp:80) BFD_CHECK - BFD b not configured'],
    ]);
    expect(config.virtualServers[0]!.realServers[0]!.checkers).toEqual([]);
    expect(config.virtualServers[0]!.realServers[0]!.fileChecks).toEqual([]);
    expect(config.virtualServers[0]!.realServers[0]!.bfdChecks).toEqual([]);
  });

  test('a checker script that exists without enable_script_security is keepalived exit 6; with it, 0', () => {
    const rs = '  real_server 10.0.1.1 80 {\n    notify_down sh\n  }\n}\n';
    const dir = scratch({ 'a.conf': `${VS}${rs}`, 'b.conf': `global_defs {\n  enable_script_security\n  script_user root\n}\n${VS}${rs}` });
    try {
      const plain = checkConfig(path.join(dir, 'a.conf'), { configId: CONFIG_ID });
      expect(plain.exitCode).toBe(6);
      expect(plain.diagnostics.map((d) => [d.code, d.source.line])).toEqual([['script-security', 6]]);
      const secured = checkConfig(path.join(dir, 'b.conf'), { configId: CONFIG_ID });
      expect(secured.exitCode).toBe(0);
      expect(secured.config.global.scriptUser).toEqual({ user: 'root' });
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});

describe('extending the grammar', () => {
  test('every block not read yet is listed, and reported (never silently ignored)', () => {
    // garp_group, the last one, is read now: the list stays for the next block keepalived adds.
    for (const read of ['vrrp_track_process', 'interface_up_down_delays', 'linkbeat_interfaces', 'track_group', 'garp_group']) expect(NOT_SUPPORTED_YET).not.toContain(read);
    expect(NOT_SUPPORTED_YET).not.toEqual(expect.arrayContaining(['vrrp_instance']));
    const text = NOT_SUPPORTED_YET.map((k) => `${k} x {\n  anything 1\n}\n`).join('');
    const { diagnostics, config } = readText(text);
    expect(diagnostics).toHaveLength(NOT_SUPPORTED_YET.length);
    expect(diagnostics.every((d) => d.code === 'unsupported' && d.severity === 'warning')).toBe(true);
    expect(config.unsupported.map((u) => [u.keyword, u.source.line])).toEqual(NOT_SUPPORTED_YET.map((k, i) => [k, 1 + 3 * i]));
  });
});
