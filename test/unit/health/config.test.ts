// Configuration: keepalived's defaults and inheritance as the health
// checker resolves them, and a keepalived.conf mapped onto it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { resolveHealthConfig, resolveVirtualServer } from '../../../lib/health/resolve';
import { readKeepalivedConfig, toHealthConfig } from '../../../lib/keepalived';
import { scenarios } from '../../support/keepalived';

const service = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;

describe('defaults and inheritance', () => {
  test('per-checker retry and delay_before_retry defaults follow keepalived', () => {
    const vs = resolveVirtualServer({
      service, delayLoop: 10,
      realServers: [{ address: '10.1.0.4', checkers: [
        { type: 'tcp' }, { type: 'http', urls: [{ path: '/' }] }, { type: 'misc', path: '/bin/true' }, { type: 'dns' },
      ] }],
    });
    expect(
      vs.realServers[0]!.checkers.map(
        (c) => [c.name, c.timing.retry, c.timing.delayBeforeRetry, c.timing.connectTimeout, c.timing.delayLoop],
      ),
    ).toEqual([
      ['TCP_CHECK#0', 1, 1000, 5000, 10_000],
      ['HTTP_GET#1', 1, 3000, 5000, 10_000],
      ['MISC_CHECK#2', 0, 1000, 5000, 10_000],
      ['DNS_CHECK#3', 3, 10_000, 5000, 10_000],
    ]);
  });

  test('checker beats real server beats virtual server; ports and forwarding inherit', () => {
    const vs = resolveVirtualServer({
      service, delayLoop: 30, retry: 4, virtualhost: 'vs.example.test', forwarding: 'route', inhibitOnFailure: true,
      realServers: [{ address: '10.1.0.4', retry: 2, virtualhost: 'rs.example.test', checkers: [
        { type: 'http', retry: 1, urls: [{ path: '/' }] }, { type: 'tcp', connectPort: 8080 },
      ] }],
    });
    const rs = vs.realServers[0]!;
    expect(rs.destination).toEqual({ address: '10.1.0.4', port: 80, forwarding: 'route', weight: 1 });
    expect(rs.inhibitOnFailure).toBe(true);
    expect(rs.checkers.map((c) => [c.timing.retry, c.timing.delayLoop, c.port, c.virtualhost])).toEqual([[1, 30_000, 80, 'rs.example.test'], [2, 30_000, 8080, undefined]]);
  });

  test('errors name the field', () => {
    const bad = (vs: object, field: string) => expect(
      () => resolveHealthConfig({ virtualServers: [vs] }),
    ).toThrow(expect.objectContaining({ field }));
    bad({ service, realServers: [{ address: 'x' }] }, 'config.virtualServers[0].realServers[0].address');
    bad({ service, realServers: [{ address: '10.1.0.4', checkers: [{ type: 'http', urls: [{ path: '/', digest: 'abc' }] }] }] }, 'config.virtualServers[0].realServers[0].checkers[0].urls[0].digest');
    bad({ service, realServers: [{ address: '10.1.0.4', checkers: [{ type: 'tcp', delayLoop: -1 }] }] }, 'config.virtualServers[0].realServers[0].checkers[0].delayLoop');
    bad({ service, delayLoop: 'soon', realServers: [{ address: '10.1.0.4', checkers: [{ type: 'tcp' }] }] }, 'virtualServer.delayLoop');
    bad({ service, realServers: [{ address: '10.1.0.4', checkers: [{ type: 'udp', requireReply: 'zz' }] }] }, 'config.virtualServers[0].realServers[0].checkers[0].requireReply');
    const regex = (r: object) => ({ service, realServers: [{ address: '10.1.0.4', checkers: [{ type: 'http', urls: [{ path: '/', regex: r }] }] }] });
    bad(regex({ pattern: '(' }), 'config.virtualServers[0].realServers[0].checkers[0].urls[0].regex.pattern');
    bad(regex({ pattern: 'a', flags: 'gx' }), 'config.virtualServers[0].realServers[0].checkers[0].urls[0].regex.flags');
    bad(regex({ pattern: 'a', minOffset: -1 }), 'config.virtualServers[0].realServers[0].checkers[0].urls[0].regex.minOffset');
    bad({ service, realServers: [{ address: '10.1.0.4', checkers: [{ type: 'http', urls: [{ path: '/' }], ca: 'x' }] }] }, 'config.virtualServers[0].realServers[0].checkers[0].ca');
    bad({ service, realServers: [{ address: '10.1.0.4' }, { address: '10.1.0.4', port: 80 }] }, 'config.virtualServers[0].realServers[1]');
    bad({ service: { fwmark: 5 }, realServers: [{ address: '10.1.0.4', checkers: [{ type: 'tcp' }] }] }, 'config.virtualServers[0].realServers[0].checkers[0].connectPort');
    const socket = (c: object) => ({ service, realServers: [{ address: '10.1.0.4', checkers: [{ type: 'tcp', ...c }] }] });
    for (const name of ['', 'x'.repeat(16), 'eth 0', 'a/b', 'a:1', 7]) bad(socket({ bindIf: name }), 'config.virtualServers[0].realServers[0].checkers[0].bindIf');
    for (const mark of [-1, 2 ** 32, 1.5, '7']) bad(socket({ fwmark: mark }), 'config.virtualServers[0].realServers[0].checkers[0].fwmark');
    bad({ service, realServers: [{ address: '10.1.0.4', checkers: [{ type: 'ping', fwmark: 7 }] }] }, 'config.virtualServers[0].realServers[0].checkers[0].fwmark');
    expect(resolveHealthConfig({ virtualServers: [socket({ bindIf: 'x'.repeat(15), fwmark: 2 ** 32 - 1 })] })[0]!.realServers[0]!.checkers[0]!.config)
      .toMatchObject({ bindIf: 'x'.repeat(15), fwmark: 2 ** 32 - 1 });
    expect(() => resolveHealthConfig({ virtualServers: [{ service, realServers: [] }, { service, realServers: [] }] })).toThrow(expect.objectContaining({ field: 'config.virtualServers[1].service' }));
  });
});

describe('keepalived.conf → health configuration', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'ipvs-kamap-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('every checker type, quorum, sorry server and forwarding map over; what is not run is reported with its line', () => {
    const file = path.join(dir, 'keepalived.conf');
    writeFileSync(file, `virtual_server 10.0.0.13 443 {
    delay_loop 7
    lb_algo wrr
    lb_kind DR
    protocol TCP
    persistence_timeout 600
    quorum 3
    hysteresis 1
    sorry_server 10.1.0.9 443
    real_server 10.1.0.4 443 {
        weight 3
        inhibit_on_failure
        SSL_GET {
            url {
                path /health
                digest 0123456789abcdef0123456789abcdef
                regex "ok"
            }
            virtualhost www.example.test
            retry 2
        }
        SMTP_CHECK {
            helo_name lb.example.test
        }
    }
    real_server 10.1.0.5 443 {
        DNS_CHECK {
            type A
            name www.example.test
        }
        UDP_CHECK {
            payload cafe
            require_reply beXf
        }
        PING_CHECK {
        }
        TCP_CHECK {
            connect_port 8443
            connect_timeout 2
        }
    }
}
`);
    const { config: model, diagnostics } = readKeepalivedConfig(file, { configId: 'test' });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const { config, warnings } = toHealthConfig(model);
    expect(warnings).toEqual([]);
    const [vs] = config.virtualServers;
    expect(vs).toMatchObject({
      service: { protocol: 'tcp', address: '10.0.0.13', port: 443, scheduler: 'wrr', persistent: { timeout: 600 } },
      forwarding: 'route', quorum: 3, hysteresis: 1, sorryServer: { address: '10.1.0.9', port: 443, forwarding: 'route' },
    });
    expect(vs!.realServers[0]).toMatchObject({ address: '10.1.0.4', port: 443, weight: 3, inhibitOnFailure: true, forwarding: 'route' });
    expect(vs!.realServers[0]!.checkers).toMatchObject([
      { type: 'https', virtualhost: 'www.example.test', retry: 2, delayLoop: 7, urls: [{ path: '/health', digest: '0123456789abcdef0123456789abcdef', statusCode: [[200, 299]], regex: { pattern: 'ok' } }] },
      { type: 'smtp', heloName: 'lb.example.test' },
    ]);
    expect(vs!.realServers[1]!.checkers).toMatchObject([
      { type: 'dns', recordType: 'A', name: 'www.example.test' },
      { type: 'udp', payload: 'cafe', requireReply: 'beXf' },
      { type: 'ping' },
      { type: 'tcp', connectPort: 8443, connectTimeout: 2 },
    ]);
    // And the health checker accepts the result as it is.
    const resolved = resolveHealthConfig(config);
    expect(resolved[0]!.realServers[1]!.checkers.map((c) => c.name)).toEqual(['DNS_CHECK#0', 'UDP_CHECK#1', 'PING_CHECK#2', 'TCP_CHECK#3']);
  });
  test('regex keywords: PCRE2 options become JavaScript flags; what JavaScript cannot do is reported at the url', () => {
    const file = path.join(dir, 'regex.conf');
    writeFileSync(file, `virtual_server 10.0.0.13 80 {
    real_server 10.1.0.4 80 {
        HTTP_GET {
            url {
                path /a
                regex "^status: (up|ok)$"
                regex_options caseless multiline no_start_optimize
                regex_no_match
                regex_min_offset 4
                regex_max_offset 900
                regex_stack 32768 65536
            }
            url {
                path /b
                regex "a"
                regex_options ungreedy
            }
            url {
                path /c
                regex "(?<n>a)(?<n>b)"
            }
        }
    }
}
`);
    const { config: model, diagnostics } = readKeepalivedConfig(file, { configId: 'test' });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const { config, warnings } = toHealthConfig(model);
    // At the url { } line of each.
    expect(warnings.map((w) => [w.source.line, w.message])).toEqual([
      [13, expect.stringMatching(/^regex_options ungreedy has no JavaScript equivalent/)],
      [18, expect.stringMatching(/^regex \(\?<n>a\)\(\?<n>b\) is not a JavaScript regular expression .*checked without it$/)],
    ]);
    const checker = config.virtualServers[0]!.realServers![0]!.checkers![0] as unknown as { urls: { regex?: unknown }[] };
    expect(checker).toMatchObject({ urls: [
      { path: '/a', regex: { pattern: '^status: (up|ok)$', flags: 'im', noMatch: true, minOffset: 4, maxOffset: 900 } },
      { path: '/b', regex: { pattern: 'a' } },
      { path: '/c' },
    ] });
    expect(checker.urls[2]!.regex).toBeUndefined();
    expect(() => resolveHealthConfig(config)).not.toThrow();
  });

  test('SSL { certificate key password } gives SSL_GET checkers their client certificate; without key, the key is read from the certificate file', () => {
    const pem = (name: string, text: string) => {
      writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const cert = pem('client.pem', 'CERT\n'), key = pem('client.key', 'KEY\n');
    const conf = (ssl: string) => {
      writeFileSync(path.join(dir, 'ssl.conf'), `SSL {\n${ssl}\n}\nvirtual_server 10.0.0.13 443 {\n  real_server 10.1.0.4 443 {\n    SSL_GET {\n      url {\n        path /\n      }\n    }\n  }\n}\n`);
      const { config, warnings } = toHealthConfig(readKeepalivedConfig(path.join(dir, 'ssl.conf'), { configId: 'test' }).config);
      expect(warnings).toEqual([]);
      return config.virtualServers[0]!.realServers![0]!.checkers![0];
    };
    expect(conf(`certificate ${cert}\nkey ${key}\npassword s3cret`)).toMatchObject({ type: 'https', certificate: 'CERT\n', key: 'KEY\n', password: 's3cret' });
    expect(conf(`certificate ${cert}`)).toMatchObject({ certificate: 'CERT\n', key: 'CERT\n' });
  });

  test('virtual_server_group ranges become one service per address, IPv6 too; a range above 65,536 addresses is reported', () => {
    const file = path.join(dir, 'group.conf');
    writeFileSync(file, `virtual_server_group G {
    10.0.0.254-255 80
    2001:db8::1:0:0:fe-101 80
    10.1.0.0/30 80
    2001:db8::/64 80
}
virtual_server group G {
    real_server 10.1.0.4 80 {
        TCP_CHECK {
        }
    }
}
`);
    const { config, warnings } = toHealthConfig(readKeepalivedConfig(file, { configId: 'test' }).config);
    expect(config.virtualServers.map((vs) => (vs.service as { address: string }).address)).toEqual([
      '10.0.0.254', '10.0.0.255', '2001:db8::1:0:0:fe', '2001:db8::1:0:0:ff', '2001:db8::1:0:0:100', '2001:db8::1:0:0:101',
      '10.1.0.0', '10.1.0.1', '10.1.0.2', '10.1.0.3',
    ]);
    expect(warnings.map((w) => [w.source.line, w.message])).toEqual([[5, 'the range 2001:db8::-2001:db8::ffff:ffff:ffff:ffff stands for more than 65536 services; it is not created']]);
  });

  test("SMTP_CHECK's legacy host { } blocks: one checker per host, and the block's own target when connection keywords are written in it", () => {
    const { config, warnings } = toHealthConfig(readKeepalivedConfig(path.join(scenarios, 'lvs-smtp-hosts.conf'), { configId: 'test' }).config);
    expect(warnings).toEqual([]);
    const [plain, hosts] = config.virtualServers[0]!.realServers!.map((rs) => rs.checkers!);
    expect(plain).toEqual([expect.objectContaining({ type: 'smtp', heloName: 'relay.example.org', connectTimeout: 20 })]);
    expect(plain![0]).not.toHaveProperty('connectIp');
    // connect_timeout written beside the hosts: keepalived 2.2.7 checks the real server itself too (seen in parity file 44).
    expect(hosts).toEqual([undefined, '10.30.1.2', '10.30.1.3', '10.30.1.4'].map((connectIp) =>
      expect.objectContaining({ type: 'smtp', heloName: 'relay.example.org', ...(connectIp ? { connectIp } : {}), connectTimeout: 8, retry: 4, delayBeforeRetry: 6 })));
    expect(hosts![0]).not.toHaveProperty('connectIp');
    expect(resolveHealthConfig(config)[0]!.realServers[1]!.checkers.map((c) => `${c.name} ${c.host}`)).toEqual([
      'SMTP_CHECK#0 10.30.0.2', 'SMTP_CHECK#1 10.30.1.2', 'SMTP_CHECK#2 10.30.1.3', 'SMTP_CHECK#3 10.30.1.4',
    ]);
    // Nothing written beside the hosts: only the hosts.
    expect(config.virtualServers[0]!.realServers![2]!.checkers!.map((c) => (c as { connectIp?: string }).connectIp)).toEqual(['10.30.2.2', '10.30.2.3', '10.30.2.4']);
  });

  test('script_user and enable_script_security reach the health scripts (config.scripts); without them the configuration has no scripts', () => {
    const file = path.join(dir, 'scripts.conf');
    const vs = 'virtual_server 10.0.0.13 80 {\n    lb_kind NAT\n    real_server 10.1.0.4 80 {\n        notify_down /bin/true\n        TCP_CHECK {\n        }\n    }\n}\n';
    writeFileSync(file, `global_defs {\n    enable_script_security\n    script_user nobody nogroup\n}\n${vs}`);
    const { config } = toHealthConfig(readKeepalivedConfig(file, { configId: 'test' }).config);
    expect(config.scripts).toEqual({ enableScriptSecurity: true, scriptUser: { user: 'nobody', group: 'nogroup' } });
    expect(() => resolveHealthConfig(config)).not.toThrow();
    writeFileSync(file, vs);
    expect(toHealthConfig(readKeepalivedConfig(file, { configId: 'test' }).config).config).not.toHaveProperty('scripts');
  });

  test('bind_if is mapped, not reported; fast_recovery is how URLs are always checked; ha_suspend maps, cleared on fwmark services', () => {
    const file = path.join(dir, 'unsupported.conf');
    writeFileSync(file, `virtual_server 10.0.0.13 80 {
    lb_kind NAT
    ha_suspend
    real_server 10.1.0.4 80 {
        TCP_CHECK {
            bind_if lo
        }
        HTTP_GET {
            url {
                path /
            }
            fast_recovery
        }
    }
}
`);
    const { config: model, diagnostics } = readKeepalivedConfig(file, { configId: 'test' });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const { config, warnings } = toHealthConfig(model);
    const reported = warnings.map((w) => [w.source.line, w.message.split(' ')[0]] as const).sort((a, b) => a[0] - b[0]);
    expect(reported).toEqual([]);
    expect(config.virtualServers[0]!.realServers[0]!.checkers![0]).toMatchObject({ type: 'tcp', bindIf: 'lo' });
    expect(config.virtualServers[0]!.haSuspend).toBe(true);
    writeFileSync(file, 'virtual_server fwmark 7 {\n    ha_suspend\n    real_server 10.1.0.4 80 {\n    }\n}\n');
    // The reader clears it as keepalived 2.2.7 does (its line, exit 5): the checks always run, nothing is refused.
    const read = readKeepalivedConfig(file, { configId: 'test' });
    expect(read.diagnostics.filter((d) => d.message.includes('ha_suspend')).map((d) => d.message))
      .toEqual(['Virtual server FWM 7: cannot use ha_suspend with fwmarks - clearing ha_suspend']);
    const fwmark = toHealthConfig(read.config);
    expect(fwmark.warnings).toEqual([]);
    expect(fwmark.config.virtualServers[0]!.haSuspend).toBeUndefined();
  });
});
