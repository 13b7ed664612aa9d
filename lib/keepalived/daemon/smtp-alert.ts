/**
 * keepalived's e-mail alerts: `notification_email`, `notification_email_from`,
 * `smtp_server`, `smtp_helo_name`, `smtp_connect_timeout` and `router_id` in
 * global_defs, and `smtp_alert` on real servers, virtual servers and VRRP
 * instances and groups. Each alert is one SMTP conversation with the relay
 * (HELO, MAIL, one RCPT per recipient, DATA), as keepalived holds it, with
 * keepalived's subjects; failures are reported, never thrown at the caller.
 * @module
 */
import { hostname, userInfo } from 'node:os';
import type { GlobalDefs } from '../reader/model';

/** Where and how alerts are sent. */
export interface SmtpAlertSettings {
  /** Relay host name or address (`smtp_server`). */
  host: string;
  /** Relay port (`smtp_server HOST PORT`); default 25. */
  port: number;
  /** HELO name (`smtp_helo_name`); default the host name. */
  heloName: string;
  /** Envelope and header sender (`notification_email_from`); default `USER@HOST`. */
  from: string;
  /** Recipients (`notification_email`). */
  to: readonly string[];
  /** Bound on the connect and on every reply (`smtp_connect_timeout`), milliseconds. */
  timeoutMs: number;
  /** Subject prefix (`router_id`); default the host name. */
  routerId: string;
}

/** The settings global_defs gives, or `undefined` when it names no relay or no recipient (keepalived sends nothing then). */
export function smtpAlertSettings(global: GlobalDefs): SmtpAlertSettings | undefined {
  if (!global.smtpServer || global.notificationEmail.length === 0) return undefined;
  const host = hostname();
  return {
    host: global.smtpServer.host,
    port: global.smtpServer.port,
    heloName: global.smtpHeloName ?? host,
    from: global.notificationEmailFrom ?? `${userInfo().username}@${host}`,
    to: global.notificationEmail,
    timeoutMs: global.smtpConnectTimeout * 1000,
    routerId: global.routerId ?? host,
  };
}

const pad = (n: number, width = 2): string => String(Math.abs(n)).padStart(width, '0');
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 date in local time, as keepalived's strftime("%a, %d %b %Y %H:%M:%S %z"). */
export function mailDate(d: Date): string {
  const offset = -d.getTimezoneOffset();
  const zone = `${offset < 0 ? '-' : '+'}${pad(Math.trunc(offset / 60))}${pad(offset % 60)}`;
  return `${DAYS[d.getDay()]}, ${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zone}`;
}

/** The whole message after DATA, dot-stuffed, ending with the lone dot. */
export function mailMessage(s: SmtpAlertSettings, subject: string, body: string, date = new Date()): string {
  const text = `Date: ${mailDate(date)}\r\nFrom: ${s.from}\r\nSubject: ${subject}\r\nX-Mailer: Keepalived\r\nTo: ${s.to.join(', ')}\r\n\r\n${body}\r\n`;
  return text.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..') + '.\r\n';
}

/** Sends one alert; rejects with the stage and the relay's code when the relay refuses. */
export async function sendAlert(s: SmtpAlertSettings, subject: string, body: string): Promise<void> {
  // The SMTP checker's conversation, loaded at the first alert: a daemon starts without it.
  const { Conversation } = require('../../health/checkers/stream') as typeof import('../../health/checkers/stream.js');
  const { smtpReply } = require('../../health/checkers/smtp') as typeof import('../../health/checkers/smtp.js');
  const conversation = await Conversation.connect(s.host, s.port, s.timeoutMs);
  try {
    const expect = async (stage: string, wanted: number, command?: string): Promise<void> => {
      if (command !== undefined) conversation.write(command);
      let line: string;
      try {
        line = await smtpReply(conversation);
      } catch (e) {
        // The connection's idle timeout is what bounds the wait for each reply.
        throw (e as Error).message === 'timeout' ? new Error(`no reply to ${stage} within ${s.timeoutMs} ms`) : e;
      }
      const code = Number(line.slice(0, 3)) || 0;
      if (code !== wanted) throw new Error(`${stage}: the relay answered ${code}, not ${wanted}`);
    };
    await expect('connect', 220);
    await expect('HELO', 250, `HELO ${s.heloName}\r\n`);
    await expect('MAIL', 250, `MAIL FROM:<${s.from}>\r\n`);
    for (const to of s.to) await expect(`RCPT ${to}`, 250, `RCPT TO:<${to}>\r\n`);
    await expect('DATA', 354, 'DATA\r\n');
    await expect('message', 250, mailMessage(s, subject, body));
    conversation.socket.end('QUIT\r\n');
  } finally {
    // After QUIT is flushed (or at once on a failure's already-ended socket).
    conversation.socket.destroySoon();
  }
}

/** The figures a quorum alert quotes. */
interface QuorumFigures {
  quorum: number;
  hysteresis: number;
  aliveWeight: number;
}

/** keepalived's subject and body for each alert. */
export const ALERT_TEXT = {
  /** The subject gives the real server's state, the body the check's (they differ when another checker holds it down). */
  realServer: (routerId: string, realServer: string, virtualServer: string, up: boolean, reason: string, checkOk = up) => ({
    subject: `[${routerId}] Realserver ${realServer} of virtual server ${virtualServer} - ${up ? 'UP' : 'DOWN'}`,
    body: checkOk ? '=> CHECK succeed on service <=' : `=> CHECK failed on service : ${reason} <=`,
  }),
  /**
   * Quorum gained or lost (or, `starting`, the state a start found): keepalived's
   * `Q+H=THRESHOLD <= ALIVE` figures, the threshold Q+H going up or from a start, Q-H going down.
   */
  virtualServer: (routerId: string, virtualServer: string, up: boolean, q: QuorumFigures, starting = false) => {
    const threshold = up || starting ? q.quorum + q.hysteresis : q.quorum - q.hysteresis;
    const what = starting ? `Starting with quorum ${up ? 'up' : 'down'}` : `${up ? 'Gained' : 'Lost'} quorum`;
    return {
      subject: `[${routerId}] Virtualserver ${virtualServer} - ${up ? 'UP' : 'DOWN'}`,
      body: `=> ${what} ${q.quorum}+${q.hysteresis}=${threshold} <= ${q.aliveWeight} <=`,
    };
  },
  /** At stop, for a virtual server with `omega`: the server itself, and each of its real servers still in the table. */
  shuttingDown: (routerId: string, virtualServer: string, realServer?: string) => ({
    subject: realServer === undefined
      ? `[${routerId}] Virtualserver ${virtualServer} - DOWN`
      : `[${routerId}] Realserver ${realServer} of virtual server ${virtualServer} - DOWN`,
    body: '=> Shutting down <=',
  }),
  vrrp: (routerId: string, kind: 'instance' | 'group', name: string, state: string) => ({
    subject: `[${routerId}] VRRP ${kind === 'instance' ? 'Instance' : 'Group'} ${name} - ${state === 'STOPPED' ? 'Stopping' : `Entering ${state} state`}`,
    body: kind === 'group'
      ? (state === 'STOPPED' ? '=> All VRRP group instances are now stopping <=' : `=> All VRRP group instances are now in ${state} state <=`)
      : state === 'MASTER' ? '=> VRRP Instance is now owning VRRP VIPs <='
        : state === 'STOPPED' ? '=> VRRP Instance stopping <=' : '=> VRRP Instance is no longer owning VRRP VIPs <=',
  }),
};
