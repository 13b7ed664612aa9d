/**
 * Runs ipvsadm lines, the table changes through one batch: changes are
 * queued and sent together when something needs the kernel's answer (a
 * listing, a daemon command, the end of input), then each line's error is
 * printed in line order, as ipvsadm would have printed it line by line.
 * @internal
 * @module
 */
import { IpvsArgumentError, IpvsError } from '../../model/errors';
import type { Batch } from '../../core/batch';
import { SCHEDULERS } from '../../native/kernel-numbers';
import type { Ipvs } from '../../handle/ipvs';
import type { ServiceKey } from '../../model/types';
import { ERRNO, ipvsStrerror } from './messages';
import type { CommandName } from './grammar';
import type { ParsedLine } from './parse';
import type { Session } from './line-context';
import { daemonOptionsOf, destinationSpecOf, serviceKeyOf, serviceSpecOf } from './specs';
import { runListing } from './listing';

/** A line's place in the output: its message so far, and its status once known. */
interface Pending {
  command: CommandName;
  /** Index of its operation in the open batch, if it has one. */
  operation?: number;
  text?: string;
  status?: number;
}

/** Commands that are table changes, sent through the batch. */
const BATCHED = new Set<CommandName>(['add-service', 'edit-service', 'delete-service', 'flush', 'zero', 'add-server', 'edit-server', 'delete-server', 'set']);

/** Whether the library would refuse a value the kernel answers itself (so ipvsadm's answer is emulated). */
function kernelDecides(line: ParsedLine): boolean {
  const svc = line.service;
  if (line.command === 'add-service' || line.command === 'edit-service') {
    return !(SCHEDULERS as readonly string[]).includes(svc.scheduler) || svc.engine.length > 15;
  }
  if (line.command === 'add-server' || line.command === 'edit-server') return line.destination.lowerThreshold > line.destination.upperThreshold;
  return false;
}

export class LineRunner {
  readonly #session: Session;
  #batch: Batch | undefined;
  #operations = 0;
  #pending: Pending[] = [];
  #lastStatus: number | undefined;
  /** The last service key handed to the batch: consecutive lines of one service pass the same object, which the library validates once. */
  #key: { id: string; key: ServiceKey } | undefined;

  constructor(session: Session) {
    this.#session = session;
  }

  /** Records a line that failed before reaching the kernel (popt's refusals): exit 255. */
  reject(text: string): void {
    this.#pending.push({ command: 'list', text, status: 255 });
  }

  /** Runs or queues a parsed line. */
  async run(line: ParsedLine): Promise<void> {
    if (line.command === 'list' || line.command === 'save') {
      await this.flush();
      this.#pending.push({ command: line.command, status: await runListing(line, this.#session) });
      return;
    }
    if (line.command === 'start-daemon' || line.command === 'stop-daemon' || kernelDecides(line)) {
      await this.flush();
      const ipvs = await this.#session.ipvs();
      const errno = await (line.command === 'start-daemon' || line.command === 'stop-daemon' ? this.#daemon(ipvs, line) : emulatedRefusal(ipvs, line));
      this.#pending.push(errno ? { command: line.command, text: `${ipvsStrerror(line.command, errno)}\n`, status: 255 } : { command: line.command, status: 0 });
      await this.flush();
      return;
    }
    if (!this.#batch) this.#batch = (await this.#session.ipvs()).batch();
    this.queue(line);
  }

  /**
   * Queues a table change on the open batch without waiting (the hot path
   * of a restore); false when the line needs {@link LineRunner.run}.
   */
  queue(line: ParsedLine): boolean {
    const batch = this.#batch;
    if (!batch || !BATCHED.has(line.command) || kernelDecides(line)) return false;
    try {
      queue(batch, line, this.#serviceKey(line));
      this.#pending.push({ command: line.command, operation: this.#operations++ });
    } catch (e) {
      if (!(e instanceof IpvsArgumentError)) throw e;
      // Values only the kernel would refuse: ipvsadm would print its EINVAL text.
      this.#pending.push({ command: line.command, text: `${ipvsStrerror(line.command, ERRNO.EINVAL)}\n`, status: 255 });
    }
    return true;
  }

  #serviceKey(line: ParsedLine): ServiceKey {
    const s = line.service;
    const id = `${s.fwmark}/${s.family}/${s.protocol}/${s.address}/${s.port}`;
    if (this.#key?.id !== id) this.#key = { id, key: serviceKeyOf(s) };
    return this.#key.key;
  }

  async #daemon(ipvs: Ipvs, line: ParsedLine): Promise<number> {
    try {
      if (line.command === 'start-daemon') await ipvs.startDaemon(daemonOptionsOf(line));
      else await ipvs.stopDaemon(line.daemon.state ?? 'master');
      return 0;
    } catch (e) {
      return errnoOf(e);
    }
  }

  /** Exit status of the last line run so far (known after {@link LineRunner.flush}); undefined before any. */
  get lastStatus(): number | undefined {
    return this.#lastStatus;
  }

  /** Sends the open batch and prints every line's message so far, in order. */
  async flush(): Promise<void> {
    const batch = this.#batch;
    this.#batch = undefined;
    this.#operations = 0;
    const results = batch ? await batch.commit() : [];
    for (const p of this.#pending) {
      if (p.operation !== undefined) {
        const r = results[p.operation]!;
        if (r.ok) p.status = 0;
        else {
          p.text = `${ipvsStrerror(p.command, errnoOf(r.error))}\n`;
          p.status = 255;
        }
      }
      if (p.text) this.#session.err(p.text);
      this.#lastStatus = p.status;
    }
    this.#pending = [];
  }
}

function errnoOf(e: unknown): number {
  if (e instanceof IpvsError && e.errno !== undefined) return -e.errno;
  throw e;
}

function queue(batch: Batch, line: ParsedLine, serviceKey: ServiceKey): void {
  const key = () => serviceKey;
  switch (line.command) {
    case 'add-service':
      batch.addService(serviceSpecOf(line.service));
      return;
    case 'edit-service':
      batch.replaceService(serviceSpecOf(line.service));
      return;
    case 'delete-service':
      batch.deleteService(key());
      return;
    case 'flush':
      batch.flush();
      return;
    case 'zero':
      if (line.options.has('service-address')) batch.zero(key());
      else batch.zero();
      return;
    case 'add-server':
      batch.addDestination(key(), destinationSpecOf(line.destination));
      return;
    case 'edit-server':
      batch.replaceDestination(key(), destinationSpecOf(line.destination));
      return;
    case 'delete-server':
      batch.deleteDestination(key(), { address: line.destination.address!, port: line.destination.port });
      return;
    case 'set':
      batch.setTimeouts(line.timeouts);
      return;
    default:
      throw new Error(`not a table change: ${line.command}`);
  }
}

/**
 * The kernel's answer to values the library refuses before sending: an
 * unknown scheduler or engine (ENOENT), a lower threshold above the upper
 * one (ERANGE). The kernel checks the service first, so this does too.
 */
async function emulatedRefusal(ipvs: Ipvs, line: ParsedLine): Promise<number> {
  const exists = (await ipvs.getService(serviceKeyOf(line.service))) !== null;
  switch (line.command) {
    case 'add-service':
      return exists ? ERRNO.EEXIST : ERRNO.ENOENT;
    case 'edit-service':
      return exists ? ERRNO.ENOENT : ERRNO.ESRCH;
    default:
      return exists ? ERRNO.ERANGE : ERRNO.ESRCH;
  }
}
