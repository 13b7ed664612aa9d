/**
 * The requests of the daemon's control interface (`ipvs ctl`, or JSON on
 * its unix socket), checked field by field: a bad one is refused naming
 * the field, before anything changes.
 * @module
 */
import type { RealServerConfig } from '../../health/types';
import { IpvsArgumentError } from '../../model/errors';
import { fail, integer, record } from '../../core/validate/check';
import { parseAddress } from '../../core/validate/address';
import { hostLabel } from '../../health/resolve';
import type { RuntimeOverride } from './overrides';

/** What the control interface can do to a real server. */
export type ControlVerb = 'drain' | 'disable' | 'enable' | 'weight' | 'add' | 'remove' | 'clear';

export const CONTROL_VERBS: readonly ControlVerb[] = ['drain', 'disable', 'enable', 'weight', 'add', 'remove', 'clear'];

/** One checked request. */
export interface ControlRequest {
  verb: ControlVerb;
  /** Absent only for `clear` of everything. */
  virtualServer?: string;
  /** `address:port` in the manager's spelling; absent only for `clear` of a virtual server or everything. */
  realServer?: string;
  /** `weight`: the new weight. */
  weight?: number;
  /** `drain`: milliseconds before the server is deleted anyway. */
  timeoutMs?: number;
  /** `add`: the real server as the file would declare it. */
  add?: RealServerConfig;
}

/** One line of the daemon's event stream (`GET /events` on the control socket). */
export interface DaemonEvent {
  /**
   * `check-up`/`check-down` (a checker), `real-server`, `quorum`, `drain-start`, `drain-end`, `drift`, `override`, `reload`, `vrrp`,
   * `bgp-session`, `bfd-peer` (the routing daemon's, `--announce-routing-status`).
   */
  type: string;
  /** ISO time. */
  time: string;
  [field: string]: unknown;
}

/** What a control request did. */
export interface ControlAnswer {
  verb: ControlVerb;
  virtualServer?: string;
  realServer?: string;
  /** Whether anything changed (a repeated request changes nothing). */
  changed: boolean;
  /** The real server's override now (null: none). */
  override?: RuntimeOverride | null;
  /** `clear`: the overrides deleted. */
  cleared?: RuntimeOverride[];
}

/** A refused or failed request: the HTTP status and, when one field is to blame, its name. */
export class ControlError extends Error {
  constructor(readonly status: 400 | 404 | 405 | 409 | 413 | 500 | 503, message: string, readonly field?: string) {
    super(message);
  }

  override get name(): string {
    return 'ControlError';
  }
}

/** The fields `add` takes besides `virtualServer` and `realServer` (no scripts: nothing runs a program from the socket). */
const ADD_FIELDS = ['weight', 'forwarding', 'upperThreshold', 'lowerThreshold', 'inhibitOnFailure', 'checkers'] as const;

const FIELDS: Record<ControlVerb, readonly string[]> = {
  drain: ['virtualServer', 'realServer', 'timeout'],
  disable: ['virtualServer', 'realServer'],
  enable: ['virtualServer', 'realServer'],
  weight: ['virtualServer', 'realServer', 'weight'],
  add: ['virtualServer', 'realServer', ...ADD_FIELDS],
  remove: ['virtualServer', 'realServer'],
  clear: ['virtualServer', 'realServer', 'all'],
};

/** Seconds a drain may last at most (the longest timer Node keeps). */
const MAX_DRAIN_SECONDS = 2_147_483;

function virtualServerLabel(value: unknown): string {
  if (typeof value !== 'string' || !/^[a-z0-9]+\/[^\s]{1,200}$/.test(value)) fail('virtualServer', "a virtual server label such as 'tcp/10.0.0.13:80'", value);
  return value;
}

/** `10.1.0.4:80` or `[2001:db8::4]:80`, in the spelling the manager names real servers by. */
export function realServerLabel(value: unknown, field = 'realServer'): { label: string; address: string; port: number } {
  const m = typeof value === 'string' ? /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value) : null;
  if (!m) fail(field, "ADDRESS:PORT, such as '10.1.0.4:80' or '[2001:db8::4]:80'", value);
  const address = parseAddress(m[1] ?? m[2], field).address;
  const port = integer(Number(m[3]), field, 0, 65535);
  return { label: hostLabel(address, port), address, port };
}

/** The body's fields, all known to the verb; an unknown one is named as sent (`bogus`, not `body.bogus`). */
function fields(body: unknown, verb: ControlVerb): Record<string, unknown> {
  try {
    return record(body, 'body', FIELDS[verb]);
  } catch (e) {
    if (e instanceof IpvsArgumentError && e.field.startsWith('body.')) throw new IpvsArgumentError(e.field.slice(5), e.message.replace(/^Invalid [^:]*: /, ''));
    throw e;
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') throw new IpvsArgumentError('body', 'a JSON object is needed');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new IpvsArgumentError('body', `not JSON (${(e as Error).message})`);
  }
}

/** Checks the JSON text of `POST /VERB`. */
export function parseControlRequest(verb: ControlVerb, text: string): ControlRequest {
  const o = fields(parseJson(text), verb);
  const request: ControlRequest = { verb };
  if (verb === 'clear') {
    if (o.all !== undefined && o.all !== true) fail('all', 'true', o.all);
    if (o.all === true && (o.virtualServer !== undefined || o.realServer !== undefined)) {
      throw new IpvsArgumentError('all', 'clears everything: not with virtualServer or realServer');
    }
    if (o.all === undefined && o.virtualServer === undefined) throw new IpvsArgumentError('virtualServer', 'needed (or all: true to clear every override)');
    if (o.realServer !== undefined && o.virtualServer === undefined) throw new IpvsArgumentError('virtualServer', 'needed with realServer');
  }
  if (verb !== 'clear' || o.virtualServer !== undefined) request.virtualServer = virtualServerLabel(o.virtualServer);
  if (verb !== 'clear' || o.realServer !== undefined) request.realServer = realServerLabel(o.realServer).label;
  if (verb === 'weight') request.weight = integer(o.weight, 'weight', 0, 0x7fffffff);
  if (verb === 'drain' && o.timeout !== undefined) {
    if (typeof o.timeout !== 'number' || !Number.isFinite(o.timeout) || o.timeout < 0 || o.timeout > MAX_DRAIN_SECONDS) {
      fail('timeout', `seconds from 0 to ${MAX_DRAIN_SECONDS}`, o.timeout);
    }
    request.timeoutMs = Math.round(o.timeout * 1000);
  }
  if (verb === 'add') {
    const { address, port } = realServerLabel(o.realServer);
    const add: Record<string, unknown> = { address, port };
    for (const k of ADD_FIELDS) if (o[k] !== undefined) add[k] = o[k];
    if (Array.isArray(o.checkers)) {
      o.checkers.forEach((c: unknown, i) => {
        if (typeof c === 'object' && c !== null && (c as { type?: unknown }).type === 'misc') {
          throw new IpvsArgumentError(`checkers[${i}].type`, 'misc runs a program: not added through the control interface (put it in the file)');
        }
      });
    }
    request.add = add as unknown as RealServerConfig;
  }
  return request;
}

/**
 * An error of the resolver about a real server checked inside a virtual
 * server (`virtualServer.realServers[0].weight`), named as the request
 * spells it (`weight`).
 */
export function requestField(field: string): string {
  const rest = field.replace(/^virtualServer\.realServers\[0\]\.?/, '');
  return rest === '' || rest === 'address' || rest === 'port' ? 'realServer' : rest;
}
