/**
 * keepalived's `net_namespace NAME` and `net_namespace_ipvs [NAME]`: where
 * the daemon runs, and where its IPVS table is.
 *
 * - `net_namespace NAME`: the whole daemon runs inside the namespace made by
 *   `ip netns add NAME` (`/var/run/netns/NAME`). A running Node.js cannot
 *   move all its threads, so the command enters it by re-executing itself
 *   there, same pid (native/js/netns_exec.cc); the new image finds itself
 *   inside and goes on. A namespace that does not exist stops the start, as
 *   keepalived's "Unable to set network namespace" does.
 * - `net_namespace_ipvs NAME`: only the IPVS handle is opened in NAME; with
 *   no name, in the default namespace (PID 1's).
 * - Both are read at start only: a reload that changes them keeps the
 *   running ones and says so, as keepalived does ("Cannot change network
 *   namespace at a reload").
 * - keepalived keeps the first of duplicate lines and ignores a
 *   `net_namespace` without a name; so does this.
 * @internal
 * @module
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { loadAddon } from '../../native/load';
import type { NativeSystemBinding } from '../../native/contract';
import { errnoName } from '../../model/errors';
import type { KeywordItem } from '../reader/model';
import type { SourceRef } from '../reader/diagnostics';

/** Where `ip netns add` keeps its namespaces. */
export const NETNS_DIR = '/var/run/netns';
/** The default namespace, for `net_namespace_ipvs` without a name. */
export const DEFAULT_NETNS = '/proc/1/ns/net';
/** Set by the command in the image it re-executes, so a namespace that cannot be entered never loops. */
export const NETNS_ENTERED_ENV = 'IPVS_KEEPALIVED_NETNS_ENTERED';

/** One namespace setting of the file. */
export interface NamespaceSetting {
  readonly keyword: 'net_namespace' | 'net_namespace_ipvs';
  /** As written; '' for `net_namespace_ipvs` without a name (the default namespace). */
  readonly name: string;
  /** The namespace file. */
  readonly path: string;
  readonly source: SourceRef;
}

/** The file's namespace settings. */
export interface NamespaceSettings {
  readonly net?: NamespaceSetting;
  readonly ipvs?: NamespaceSetting;
}

/** The namespace file of `name` (a bare name is one made by `ip netns add`). */
export function namespacePath(name: string): string {
  return name === '' ? DEFAULT_NETNS : path.join(NETNS_DIR, name);
}

function first(options: readonly KeywordItem[], keyword: NamespaceSetting['keyword']): NamespaceSetting | undefined {
  // keepalived: a nameless net_namespace is ignored, a nameless net_namespace_ipvs means the default namespace.
  const item = options.find((o) => o.keyword === keyword && (keyword === 'net_namespace_ipvs' || o.args.length > 0));
  if (!item) return undefined;
  const name = item.args[0] ?? '';
  return { keyword, name, path: namespacePath(name), source: item.source };
}

/** `net_namespace` and `net_namespace_ipvs` of a file's top-level daemon keywords. */
export function namespaceSettings(daemonOptions: readonly KeywordItem[]): NamespaceSettings {
  const net = first(daemonOptions, 'net_namespace');
  const ipvs = first(daemonOptions, 'net_namespace_ipvs');
  return { ...(net ? { net } : {}), ...(ipvs ? { ipvs } : {}) };
}

/**
 * Whether this process already runs in the namespace at `file` (the same
 * namespace inode as its own). A missing or unreadable file throws.
 */
export function runsIn(file: string, self = '/proc/self/ns/net'): boolean {
  const want = statSync(file);
  const have = statSync(self);
  return want.ino === have.ino && want.dev === have.dev;
}

/** What a reload's settings change against those the daemon started with, as log lines. */
export function namespaceChanges(running: NamespaceSettings, next: NamespaceSettings): string[] {
  const out: string[] = [];
  for (const keyword of ['net', 'ipvs'] as const) {
    const before = running[keyword];
    const after = next[keyword];
    if (before?.path === after?.path) continue;
    const name = keyword === 'net' ? 'net_namespace' : 'net_namespace_ipvs';
    out.push(`cannot change ${name} at a reload (running: ${before ? JSON.stringify(before.name) : 'none'}, `
      + `file: ${after ? JSON.stringify(after.name) : 'none'}) - the running one stays until a restart`);
  }
  return out;
}

/**
 * Runs this process again inside `setting`'s namespace: same pid, same
 * command line and environment (plus {@link NETNS_ENTERED_ENV}). Returns
 * only by throwing: the namespace cannot be entered, or the image that
 * entered it found itself outside (never loops).
 */
export function reexecInNamespace(
  setting: NamespaceSetting,
  native: Pick<NativeSystemBinding, 'execInNetns'> = loadAddon(),
  proc: Pick<NodeJS.Process, 'env' | 'execPath' | 'execArgv' | 'argv'> = process,
): never {
  const where = `(${setting.source.file}: Line ${setting.source.line}) net_namespace ${setting.name}`;
  if (proc.env[NETNS_ENTERED_ENV] === setting.path) throw new Error(`${where}: still outside the namespace after entering it`);
  const env = Object.entries({ ...proc.env, [NETNS_ENTERED_ENV]: setting.path }).map(([k, v]) => `${k}=${v ?? ''}`);
  const argv = [proc.execPath, ...proc.execArgv, ...proc.argv.slice(1)];
  const failed = native.execInNetns(setting.path, proc.execPath, argv, env);
  throw new Error(`${where}: Unable to set network namespace - ${errnoName(-failed)} entering ${setting.path}`);
}
