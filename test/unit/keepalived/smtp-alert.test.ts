// keepalived's e-mail alerts against an SMTP relay on loopback: the
// conversation and message, refusals and silence reported, and which
// daemon events send mail per smtp_alert.
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Ipvs } from '../../../lib';
import { runKeepalived } from '../../../lib/cli/keepalived-command';
import { ALERT_TEXT, mailDate, sendAlert, type SmtpAlertSettings } from '../../../lib/keepalived/daemon/smtp-alert';
import type { VrrpRouterStateChange } from '../../../lib/vrrp/router';
import type { VrrpRouterConfig } from '../../../lib/vrrp/router-options';
import { namespaceInterfaces } from '../../../lib/keepalived/reader/read';
import { withFakeIpvs } from '../../support/fake-kernel';
import { closeServer, until } from '../../support/health';

jest.setTimeout(30_000);
withFakeIpvs();

/** A relay that records every line it gets; `refuse` answers that command with 550. */
async function relay(refuse?: string) {
  const dialogues: string[][] = [];
  const server = net.createServer((socket) => {
    const lines: string[] = [];
    dialogues.push(lines);
    let buffer = '';
    let inData = false;
    socket.write('220-relay.test ESMTP\r\n220 ready\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        lines.push(line);
        if (inData) {
          if (line === '.') {
            inData = false;
            socket.write('250 queued\r\n');
          }
          continue;
        }
        const verb = line.split(/[ :]/)[0]!;
        if (verb === refuse) socket.write('550 no\r\n');
        else if (verb === 'DATA') {
          inData = true;
          socket.write('354 go on\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write(verb === 'HELO' ? '250-relay.test\r\n250 hello\r\n' : '250 ok\r\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as net.AddressInfo).port, dialogues };
}

const settings = (port: number, extra: Partial<SmtpAlertSettings> = {}): SmtpAlertSettings => ({
  host: '127.0.0.1', port, heloName: 'lb1.example.test', from: 'keepalived@lb1.example.test',
  to: ['ops@example.test', 'oncall@example.test'], timeoutMs: 2000, routerId: 'LB1', ...extra,
});

test('one alert is one conversation: HELO, MAIL, a RCPT per recipient, DATA with keepalived\'s headers, QUIT', async () => {
  const r = await relay();
  await sendAlert(settings(r.port), '[LB1] VRRP Instance VI_1 - Entering MASTER state', '=> VRRP Instance is now owning VRRP VIPs <=\n.hidden');
  await until(() => r.dialogues[0]!, (d) => d.includes('QUIT'), 'QUIT');
  const lines = r.dialogues[0]!;
  expect(lines.slice(0, 5)).toEqual(['HELO lb1.example.test', 'MAIL FROM:<keepalived@lb1.example.test>', 'RCPT TO:<ops@example.test>', 'RCPT TO:<oncall@example.test>', 'DATA']);
  expect(lines[5]).toMatch(/^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/);
  expect(lines.slice(6)).toEqual([
    'From: keepalived@lb1.example.test', 'Subject: [LB1] VRRP Instance VI_1 - Entering MASTER state', 'X-Mailer: Keepalived',
    'To: ops@example.test, oncall@example.test', '', '=> VRRP Instance is now owning VRRP VIPs <=', '..hidden', '.', 'QUIT',
  ]);
  await closeServer(r.server);
});

test('a refusal names the stage and the code; a silent relay times out; no relay is a connect error', async () => {
  const r = await relay('RCPT');
  await expect(sendAlert(settings(r.port), 's', 'b')).rejects.toThrow('RCPT ops@example.test: the relay answered 550, not 250');
  await closeServer(r.server);
  const silent = net.createServer(() => undefined);
  await new Promise<void>((res) => silent.listen(0, '127.0.0.1', res));
  await expect(sendAlert(settings((silent.address() as net.AddressInfo).port, { timeoutMs: 100 }), 's', 'b')).rejects.toThrow('no reply to connect within 100 ms');
  silent.close();
  await expect(sendAlert(settings(r.port), 's', 'b')).rejects.toThrow(/ECONNREFUSED/);
});

test('bodies are keepalived 2.2.7\'s (its binary\'s strings): quorum figures, "no longer owning" for BACKUP and FAULT, stopping', () => {
  const q = { quorum: 3, hysteresis: 1, aliveWeight: 4 };
  expect(ALERT_TEXT.virtualServer('LB1', 'tcp/10.0.0.1:80', true, q).body).toBe('=> Gained quorum 3+1=4 <= 4 <=');
  expect(ALERT_TEXT.virtualServer('LB1', 'tcp/10.0.0.1:80', false, { ...q, aliveWeight: 1 }).body).toBe('=> Lost quorum 3+1=2 <= 1 <=');
  expect(ALERT_TEXT.virtualServer('LB1', 'tcp/10.0.0.1:80', false, { ...q, aliveWeight: 0 }, true).body).toBe('=> Starting with quorum down 3+1=4 <= 0 <=');
  expect(['BACKUP', 'FAULT', 'STOPPED'].map((st) => ALERT_TEXT.vrrp('LB1', 'instance', 'VI_1', st))).toEqual([
    { subject: '[LB1] VRRP Instance VI_1 - Entering BACKUP state', body: '=> VRRP Instance is no longer owning VRRP VIPs <=' },
    { subject: '[LB1] VRRP Instance VI_1 - Entering FAULT state', body: '=> VRRP Instance is no longer owning VRRP VIPs <=' },
    { subject: '[LB1] VRRP Instance VI_1 - Stopping', body: '=> VRRP Instance stopping <=' },
  ]);
  expect(ALERT_TEXT.vrrp('LB1', 'group', 'G', 'STOPPED')).toEqual({ subject: '[LB1] VRRP Group G - Stopping', body: '=> All VRRP group instances are now stopping <=' });
});

test('dates are RFC 5322 with the local offset', () => {
  expect(mailDate(new Date(2026, 10, 25, 3, 4, 5))).toMatch(/^Wed, 25 Nov 2026 03:04:05 [+-]\d{4}$/);
});

/**
 * `ipvs keepalived` on `conf` (written in a scratch folder), mailing to
 * relay `r`, with a stand-in VRRP router whose transitions the test drives.
 */
async function daemonMailing(r: Awaited<ReturnType<typeof relay>>, conf: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'ipvs-smtp-'));
  const file = path.join(dir, 'keepalived.conf');
  writeFileSync(file, conf);
  const err: string[] = [];
  const routers: (EventEmitter & { transition(to: VrrpRouterStateChange['to']): void })[] = [];
  const signals = new EventEmitter();
  const running = runKeepalived(['-f', file], {
    stdout: () => undefined, stderr: (t) => err.push(t), readStdin: async () => '', openIpvs: () => Ipvs.open(),
  }, signals, {
    openVrrp: (_config: VrrpRouterConfig) => {
      const router = Object.assign(new EventEmitter(), {
        update: async () => undefined, status: () => ({ instances: [], syncGroups: [] }), metrics: () => '',
        // As the router's: every instance announces STOPPED as it closes.
        close: async () => void router.transition('STOPPED'),
        transition(to: VrrpRouterStateChange['to']) {
          router.emit('state', { type: 'instance', name: 'VI_1', from: 'BACKUP', to, reason: 'master-down-timer', priority: 100 });
        },
      });
      routers.push(router);
      return router;
    },
  });
  const logs = () => err.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const subjects = () => r.dialogues.map((d) => d.find((l) => l.startsWith('Subject: '))).filter(Boolean);
  await until(logs, (l) => l.some((x) => x.message === 'ready' || x.level === 'error'), 'ready');
  return {
    routers, logs, subjects,
    /** Stops the daemon (its exit status is expected 0) and the relay. */
    async stop() {
      signals.emit('SIGTERM');
      expect(await running).toBe(0);
      await closeServer(r.server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const iface = () => namespaceInterfaces()?.find((i) => i !== 'lo') ?? 'eth0';
const mailGlobals = (port: number, extra = '') => `global_defs {
    notification_email {
        ops@example.test
    }
    notification_email_from lb@example.test
    smtp_server 127.0.0.1 ${port}
    router_id LB1
${extra}}
`;
const instanceVI1 = (extra = '') => `vrrp_instance VI_1 {
    interface ${iface()}
    virtual_router_id 61
    priority 100
${extra}    virtual_ipaddress {
        192.0.2.61/32
    }
}
`;

test('ipvs keepalived mails what smtp_alert asks for: a real server going down (default on), a VRRP instance with smtp_alert; not a VS without it', async () => {
  const r = await relay();
  const d = await daemonMailing(r, mailGlobals(r.port) + instanceVI1('    smtp_alert\n') + `virtual_server 10.0.0.61 80 {
    protocol TCP
    delay_loop 0.05
    quorum 1
    real_server 10.1.0.61 80 {
        MISC_CHECK {
            misc_path /bin/false
        }
    }
}
`);
  try {
    await until(d.subjects, (s) => s.length === 1, 'the real server mail');
    expect(d.subjects()[0]).toBe('Subject: [LB1] Realserver 10.1.0.61:80 of virtual server tcp/10.0.0.61:80 - DOWN');
    d.routers[0]!.transition('MASTER');
    await until(d.subjects, (s) => s.length === 2, 'the VRRP mail');
    expect(d.subjects()[1]).toBe('Subject: [LB1] VRRP Instance VI_1 - Entering MASTER state');
    await until(d.logs, (l) => l.filter((x) => x.message === 'smtp alert sent').length === 2, 'sent log lines');
    // Quorum was lost too, but the virtual server has no smtp_alert.
    expect(d.logs().some((x) => x.message === 'quorum lost')).toBe(true);
    expect(d.subjects()).toHaveLength(2);
  } finally {
    // A failed expectation must not leave the daemon running.
    await d.stop();
  }
});

test('smtp_alert_vrrp turns VRRP alerts on for instances without smtp_alert; no_email_faults mails no FAULT, and a state is not mailed twice in a row', async () => {
  const r = await relay();
  const d = await daemonMailing(r, mailGlobals(r.port, '    smtp_alert_vrrp\n    no_email_faults\n') + instanceVI1());
  try {
    // MASTER (mailed), FAULT (not mailed), MASTER again (already the last mailed state, as in keepalived), BACKUP (mailed).
    for (const to of ['MASTER', 'FAULT', 'MASTER', 'BACKUP'] as const) d.routers[0]!.transition(to);
    await until(d.logs, (l) => l.filter((x) => x.message === 'smtp alert sent').length === 2, 'two mails sent');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(d.subjects()).toEqual(['Subject: [LB1] VRRP Instance VI_1 - Entering MASTER state', 'Subject: [LB1] VRRP Instance VI_1 - Entering BACKUP state']);
  } finally {
    await d.stop();
  }
});

/** A real server held by two checkers that both fail: one mail per checker change, unless no_checker_emails. */
const twoFailingCheckers = `virtual_server 10.0.0.62 80 {
    protocol TCP
    delay_loop 1
    warmup 0
    real_server 10.1.0.62 80 {
        MISC_CHECK {
            misc_path /bin/false
        }
        MISC_CHECK {
            misc_path "/bin/false second"
        }
    }
}
`;

test('every checker change of a real server mails (keepalived\'s default): the second checker failing mails again, the real server still DOWN', async () => {
  const r = await relay();
  const d = await daemonMailing(r, mailGlobals(r.port) + twoFailingCheckers);
  try {
    await until(d.logs, (l) => l.filter((x) => x.message === 'smtp alert sent').length === 2, 'two mails sent');
    expect(d.subjects()).toEqual([
      'Subject: [LB1] Realserver 10.1.0.62:80 of virtual server tcp/10.0.0.62:80 - DOWN',
      'Subject: [LB1] Realserver 10.1.0.62:80 of virtual server tcp/10.0.0.62:80 - DOWN',
    ]);
    expect(d.logs().filter((x) => x.message === 'checker down')).toHaveLength(2);
  } finally {
    await d.stop();
  }
});

test('no_checker_emails: only the checker change that removes the real server mails', async () => {
  const r = await relay();
  const d = await daemonMailing(r, mailGlobals(r.port, '    no_checker_emails\n') + twoFailingCheckers);
  try {
    await until(d.logs, (l) => l.filter((x) => x.message === 'checker down').length === 2, 'both checkers down');
    await until(d.logs, (l) => l.some((x) => x.message === 'smtp alert sent'), 'the mail sent');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(d.subjects()).toEqual(['Subject: [LB1] Realserver 10.1.0.62:80 of virtual server tcp/10.0.0.62:80 - DOWN']);
    expect(d.logs().filter((x) => x.message === 'smtp alert sent')).toHaveLength(1);
  } finally {
    await d.stop();
  }
});

test('at start an alerting virtual server mails its first quorum; at stop: the VRRP instance mails Stopping; an omega virtual server mails each real server up and itself as shutting down; the daemon waits for the mails', async () => {
  const r = await relay();
  const d = await daemonMailing(r, mailGlobals(r.port) + instanceVI1('    smtp_alert\n') + `virtual_server 10.0.0.63 80 {
    protocol TCP
    omega
    smtp_alert
    real_server 10.1.0.63 80 {
    }
    real_server 10.1.0.64 80 {
        smtp_alert off
    }
}
`);
  d.routers[0]!.transition('MASTER');
  await until(d.logs, (l) => l.some((x) => x.message === 'smtp alert sent'), 'the MASTER mail');
  // stop() resolves once the daemon has exited: every mail below was sent before.
  await d.stop();
  const bodies = r.dialogues.map((dialogue) => [dialogue.find((l) => l.startsWith('Subject: ')), dialogue[dialogue.indexOf('') + 1]]);
  expect(bodies).toEqual([
    // At start, the virtual server's first quorum (keepalived's "Starting with quorum up").
    ['Subject: [LB1] Virtualserver tcp/10.0.0.63:80 - UP', '=> Starting with quorum up 1+0=1 <= 2 <='],
    ['Subject: [LB1] VRRP Instance VI_1 - Entering MASTER state', '=> VRRP Instance is now owning VRRP VIPs <='],
    ['Subject: [LB1] VRRP Instance VI_1 - Stopping', '=> VRRP Instance stopping <='],
    ['Subject: [LB1] Realserver 10.1.0.63:80 of virtual server tcp/10.0.0.63:80 - DOWN', '=> Shutting down <='],
    ['Subject: [LB1] Virtualserver tcp/10.0.0.63:80 - DOWN', '=> Shutting down <='],
  ]);
});

test('at stop without omega, or with -I, the checker half mails nothing; lvs_flush_on_stop mails only the virtual server', async () => {
  const vs = (omega: boolean) => `virtual_server 10.0.0.64 80 {
    protocol TCP
${omega ? '    omega\n' : ''}    smtp_alert
    real_server 10.1.0.65 80 {
    }
}
`;
  const subjects = async (conf: string, args: string[] = [], globals = '') => {
    const r = await relay();
    const dir = mkdtempSync(path.join(tmpdir(), 'ipvs-smtp-'));
    const file = path.join(dir, 'keepalived.conf');
    writeFileSync(file, mailGlobals(r.port, globals) + conf);
    const err: string[] = [];
    const signals = new EventEmitter();
    const running = runKeepalived(['-f', file, ...args], {
      stdout: () => undefined, stderr: (t) => err.push(t), readStdin: async () => '', openIpvs: () => Ipvs.open(),
    }, signals);
    await until(() => err.join(''), (t) => t.includes('"ready"'), 'ready');
    signals.emit('SIGTERM');
    expect(await running).toBe(0);
    await closeServer(r.server);
    rmSync(dir, { recursive: true, force: true });
    return r.dialogues.map((dialogue) => dialogue.find((l) => l.startsWith('Subject: ')));
  };
  const started = 'Subject: [LB1] Virtualserver tcp/10.0.0.64:80 - UP';
  expect(await subjects(vs(false))).toEqual([started]);
  expect(await subjects(vs(true), ['-I'])).toEqual([started]);
  expect(await subjects(vs(true), [], '    lvs_flush_on_stop\n')).toEqual([started, 'Subject: [LB1] Virtualserver tcp/10.0.0.64:80 - DOWN']);
  expect(await subjects(vs(true))).toEqual([
    started, 'Subject: [LB1] Realserver 10.1.0.65:80 of virtual server tcp/10.0.0.64:80 - DOWN', 'Subject: [LB1] Virtualserver tcp/10.0.0.64:80 - DOWN',
  ]);
});
