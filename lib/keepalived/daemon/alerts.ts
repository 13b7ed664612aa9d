/**
 * Which events of `ipvs keepalived` send an e-mail alert, per the file's
 * `smtp_alert` settings: a real server going up or down, a virtual server
 * gaining or losing quorum, a VRRP instance or sync group changing state.
 * @internal
 * @module
 */
import type { CheckEvent, ManagerStatus, QuorumEvent, RealServerEvent } from '../../health/events';
import { resolveHealthConfig } from '../../health/resolve';
import type { VrrpRouterStateChange } from '../../vrrp/router';
import type { KeepalivedConfig } from '../reader/model';
import type { HealthMapping } from '../mapping/health';
import type { LogLine } from './log';
import { ALERT_TEXT, sendAlert, smtpAlertSettings, type SmtpAlertSettings } from './smtp-alert';

export class DaemonAlerts {
  #settings: SmtpAlertSettings | undefined;
  #virtualServers = new Set<string>();
  #realServers = new Set<string>();
  #vrrp = new Set<string>();
  /** Virtual servers with `omega`: they mail their shutting down at stop. */
  #omega = new Set<string>();
  /** Alerts being sent: the stop waits for them. */
  readonly #inflight = new Set<Promise<void>>();
  #noEmailFaults = false;
  /** `no_checker_emails`: a checker changing state mails only when its real server changes with it. */
  #noCheckerEmails = false;
  /** A checker's change per real server, until the manager says (in the same tick) whether the real server changed too. */
  readonly #checkerChanges = new Map<string, CheckEvent>();
  /** The state each VRRP instance or group last sent an alert for: keepalived sends one only for a new state. */
  readonly #lastEmailed = new Map<string, string>();
  /** Last up/down seen per real server: a weight change alone sends nothing. */
  readonly #up = new Map<string, boolean>();

  readonly #log: LogLine;

  constructor(log: LogLine) {
    this.#log = log;
  }

  /** Takes the settings of a configuration just applied, and the real servers' states as it starts from. */
  configure(model: KeepalivedConfig, health: HealthMapping, status?: ManagerStatus): void {
    this.#settings = smtpAlertSettings(model.global);
    for (const vs of status?.virtualServers ?? []) for (const rs of vs.realServers) if (!this.#up.has(`${vs.id} ${rs.id}`)) this.#up.set(`${vs.id} ${rs.id}`, rs.up);
    this.#virtualServers.clear();
    this.#realServers.clear();
    this.#vrrp.clear();
    this.#omega.clear();
    if (!this.#settings) return;
    // The manager names servers by their resolved labels; resolve the same configuration to match them.
    resolveHealthConfig(health.config).forEach((vs, i) => {
      const alerts = health.alerts[i]!;
      if (alerts.virtualServer) this.#virtualServers.add(vs.id);
      if (vs.omega) this.#omega.add(vs.id);
      vs.realServers.forEach((rs, j) => alerts.realServers[j] && this.#realServers.add(`${vs.id} ${rs.id}`));
    });
    this.#noEmailFaults = model.global.noEmailFaults;
    this.#noCheckerEmails = model.global.noCheckerEmails;
    const vrrpDefault = model.global.smtpAlertVrrp ?? model.global.smtpAlert ?? false;
    for (const i of model.vrrp.instances) if (i.smtpAlert ?? vrrpDefault) this.#vrrp.add(`instance ${i.name}`);
    for (const g of model.vrrp.syncGroups) if (g.smtpAlert ?? vrrpDefault) this.#vrrp.add(`group ${g.name}`);
  }

  /**
   * A checker went up or down. keepalived mails every such change of a real
   * server with `smtp_alert` (its subject giving the real server's state),
   * unless `no_checker_emails`, which keeps only the changes that add or
   * remove the real server; those mail through {@link onRealServer}, which
   * the manager calls right after this one.
   */
  onChecker(e: CheckEvent): void {
    const key = `${e.virtualServer} ${e.realServer}`;
    if (!this.#realServers.has(key) || this.#noCheckerEmails) return;
    this.#checkerChanges.set(key, e);
    queueMicrotask(() => {
      if (this.#checkerChanges.get(key) !== e) return;
      this.#checkerChanges.delete(key);
      const up = this.#up.get(key) ?? true;
      const text = ALERT_TEXT.realServer(this.#settings!.routerId, e.realServer, e.virtualServer, up, e.reason, e.up);
      this.#send(text.subject, text.body);
    });
  }

  onRealServer(e: RealServerEvent): void {
    const key = `${e.virtualServer} ${e.realServer}`;
    const was = this.#up.get(key);
    this.#up.set(key, e.up);
    // rs_init_notifies' report of a server starting up mails nothing: keepalived's checkers send the mails.
    if (e.initial || was === e.up || !this.#realServers.has(key)) return;
    // This change carries the mail of the checker change that caused it.
    this.#checkerChanges.delete(key);
    const text = ALERT_TEXT.realServer(this.#settings!.routerId, e.realServer, e.virtualServer, e.up, e.reason);
    this.#send(text.subject, text.body);
  }

  onQuorum(e: QuorumEvent): void {
    if (!this.#virtualServers.has(e.virtualServer)) return;
    const text = ALERT_TEXT.virtualServer(this.#settings!.routerId, e.virtualServer, e.up, e);
    this.#send(text.subject, text.body);
  }

  /**
   * The checker half has started: as keepalived's first quorum update, a
   * virtual server with alerts mails `Starting with quorum up` when its
   * real servers make the quorum, and `Starting with quorum down` when they
   * do not and a sorry server takes over; otherwise nothing.
   */
  onStarted(status: ManagerStatus): void {
    if (!this.#settings) return;
    for (const vs of status.virtualServers) {
      if (!this.#virtualServers.has(vs.id) || (!vs.quorumUp && !vs.sorryServerActive)) continue;
      const text = ALERT_TEXT.virtualServer(this.#settings.routerId, vs.id, vs.quorumUp, vs, true);
      this.#send(text.subject, text.body);
    }
  }

  /**
   * The stop, before the checker half removes its services: as keepalived's
   * clear_services(), a virtual server with `omega` mails each real server
   * still up and then itself as shutting down (with `lvs_flush_on_stop`,
   * which removes the table whole, only itself); without `omega`, or when
   * the services stay (`-I`), nothing is mailed.
   */
  onStop(status: ManagerStatus, flushOnStop: boolean): void {
    if (!this.#settings) return;
    for (const vs of status.virtualServers) {
      if (!this.#omega.has(vs.id)) continue;
      for (const rs of flushOnStop ? [] : vs.realServers) {
        if (!rs.up || !this.#realServers.has(`${vs.id} ${rs.id}`)) continue;
        const text = ALERT_TEXT.shuttingDown(this.#settings.routerId, vs.id, rs.id);
        this.#send(text.subject, text.body);
      }
      if (!this.#virtualServers.has(vs.id)) continue;
      const text = ALERT_TEXT.shuttingDown(this.#settings.routerId, vs.id);
      this.#send(text.subject, text.body);
    }
  }

  /** Resolves once every alert started so far has been sent or has failed (each is bounded by `smtp_connect_timeout`). */
  async settled(): Promise<void> {
    await Promise.all([...this.#inflight]);
  }

  onVrrp(change: VrrpRouterStateChange): void {
    // Removed by a reload: keepalived mails it as a FAULT (DELETED is no state it mails).
    if (change.deleted === 'DELETED') return;
    const t = change.deleted === 'FAULT' ? { ...change, to: 'FAULT' as const } : change;
    const key = `${t.type} ${t.name}`;
    if (!this.#vrrp.has(key) || (t.to !== 'MASTER' && t.to !== 'BACKUP' && t.to !== 'FAULT' && t.to !== 'STOPPED')) return;
    // A FAULT not mailed (no_email_faults) leaves the last mailed state as it was, as in keepalived.
    if ((t.to === 'FAULT' && this.#noEmailFaults) || this.#lastEmailed.get(key) === t.to) return;
    this.#lastEmailed.set(key, t.to);
    const text = ALERT_TEXT.vrrp(this.#settings!.routerId, t.type, t.name, t.to);
    this.#send(text.subject, text.body);
  }

  #send(subject: string, body: string): void {
    const s = this.#settings!;
    const relay = `${s.host}:${s.port}`;
    const sending = sendAlert(s, subject, body).then(
      () => this.#log('info', 'smtp alert sent', { subject, relay }),
      (e: Error) => this.#log('warning', 'smtp alert failed', { subject, relay, error: e.message }),
    );
    this.#inflight.add(sending);
    void sending.finally(() => this.#inflight.delete(sending));
  }
}
