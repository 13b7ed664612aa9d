/**
 * Reading a keepalived.conf into the typed model, and the verdict of
 * `keepalived -t` on it.
 * @module
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { configDraft, rootGrammar } from './blocks/root';
import { Diagnostics, type Diagnostic } from './diagnostics';
import { finishConfig } from './finalize';
import type { KeepalivedConfig } from './model';
import { parseBlocks } from './parser';
import { Preprocessor } from './preprocess';
import { VirtualServerReuse, type ReadMemo } from './reuse';
import { checkScriptSecurity, disableUnusableLifecycleScripts, disableUnusableVrrpScripts, reportMissingDefaultUser } from './scripts';
import { KEEPALIVED_EXIT } from './exit-status';
import { loadVrrpNative } from '../../vrrp/native';

/** Options of {@link readKeepalivedConfig} and {@link checkConfig}. */
export interface ReadOptions {
  /**
   * The configuration id that `@id` / `@^id` lines are matched against
   * (keepalived's `-i`). Default: this host's name up to its first dot.
   */
  readonly configId?: string;
  /**
   * Interfaces of the network namespace, against which `interface`, `dev`
   * and `track_interface` are checked as keepalived checks them. Default:
   * the interfaces of this process's namespace (`/proc/net/dev`).
   */
  readonly interfaces?: readonly string[];
  /**
   * The table of the VRF device a route's `vrf` names, as keepalived looks
   * it up while reading: 0 when the link is no VRF, undefined when there is
   * no such link. Default: asked of the kernel (rtnetlink) in this
   * process's namespace.
   */
  readonly vrfTableOf?: (name: string) => number | undefined;
  /**
   * The model of an earlier reading of the same file (with the same
   * options): the virtual servers written exactly as then, in a file
   * otherwise unchanged, are taken over from it instead of being finished
   * again (a reload's cost follows what changed). The result is the one a
   * reading without it gives; the models share those virtual servers, so
   * neither may be changed.
   */
  readonly previous?: KeepalivedConfig;
}

/** What each reading leaves for the next to take over, by its model. */
const memos = new WeakMap<KeepalivedConfig, ReadMemo>();

/**
 * How many virtual_server blocks the reading of `config` took over from
 * its `previous`, and how many of them had moved.
 * @internal
 */
export function takenOver(config: KeepalivedConfig): ReadMemo['taken'] | undefined {
  return memos.get(config)?.taken;
}

/** The interfaces of this process's network namespace, or undefined when they cannot be listed. */
export function namespaceInterfaces(): string[] | undefined {
  try {
    return fs.readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2).map((l) => l.split(':')[0]!.trim()).filter(Boolean);
  } catch {
    return undefined;
  }
}

/** The table of VRF device `name` in this process's namespace (0: not a VRF), undefined when there is no such link. */
export function namespaceVrfTable(name: string): number | undefined {
  try {
    return loadVrrpNative().vrrpInterface({ interface: name }).vrfTable;
  } catch {
    return undefined;
  }
}

/** A configuration and what was found while reading it. */
export interface ReadResult {
  /** The model, holding what keepalived would keep (defaults applied, invalid values dropped). */
  readonly config: KeepalivedConfig;
  /** In the order found; each names its file and line. */
  readonly diagnostics: readonly Diagnostic[];
}

/** The default configuration id: the host name up to its first dot, as keepalived. */
export function defaultConfigId(): string {
  return os.hostname().split('.')[0]!;
}

/**
 * Reads `file` (and its includes) into the typed model. Never throws for
 * configuration problems: they are returned as diagnostics and the model
 * holds what keepalived would keep.
 *
 * @example
 * ```ts
 * import { readKeepalivedConfig } from 'ipvs/keepalived';
 * const { config, diagnostics } = readKeepalivedConfig('/etc/keepalived/keepalived.conf');
 * for (const vs of config.virtualServers) console.log(vs.key, vs.realServers.length);
 * ```
 */
export function readKeepalivedConfig(file: string, options: ReadOptions = {}): ReadResult {
  return finished(readingSteps(file, options));
}

/** A generator's result, run through. */
function finished<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * {@link readKeepalivedConfig} in steps: at each `yield` a caller that must
 * not hold the event loop for a whole large file may let it turn.
 */
function* readingSteps(file: string, options: ReadOptions): Generator<void, ReadResult> {
  const diag = new Diagnostics();
  const pre = new Preprocessor({ configId: options.configId ?? defaultConfigId() }, diag);
  const draft = configDraft();
  const reuse = new VirtualServerReuse(pre.lines, draft, diag, options.previous && memos.get(options.previous));
  const readable = pre.readFile(file);
  yield;
  const vrfTableOf = options.vrfTableOf ?? namespaceVrfTable;
  if (readable) parseBlocks(pre.lines, { grammar: rootGrammar, target: draft }, { diag, topLevel: reuse, vrfTableOf });
  yield;
  const interfaces = options.interfaces ?? namespaceInterfaces();
  const read = finishConfig(draft, pre.files, diag, interfaces ? new Set(interfaces) : undefined, reuse);
  const config = disableUnusableLifecycleScripts(disableUnusableVrrpScripts(read, path.dirname(file), diag), path.dirname(file), diag);
  memos.set(config, reuse.memo());
  reportMissingDefaultUser(diag, pre.files);
  // keepalived judges script security on every script it found, before disabling the unusable ones.
  checkScriptSecurity(read, path.dirname(file), diag);
  return { config, diagnostics: diag.list };
}

/**
 * Exit status of `keepalived -t`: 0 clean, 2 missing parameter, 4 no
 * configuration file, 5 errors or warnings, 6 script security or a failed include check.
 */
export type ConfigTestStatus = 0 | 2 | 4 | 5 | 6;

/** The verdict on a configuration file. */
export interface CheckResult extends ReadResult {
  /** True when keepalived would accept the file without a message (`exitCode` 0). */
  readonly ok: boolean;
  /** What `keepalived -t -f FILE` exits with, judged on the parts this reader checks. */
  readonly exitCode: ConfigTestStatus;
  /**
   * False when the file has blocks or keywords this reader does not check
   * yet (BFD, virtual_routes...; each has an `unsupported` warning): keepalived may still find
   * errors there, so the verdict covers the rest only.
   */
  readonly complete: boolean;
}

/** The includes that failed a check `include_check` or the include's variant asked for (keepalived: status 6, no start). */
export function failedIncludes(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity === 'error' && (d.code === 'include' || d.code === 'include-skipped'));
}

/** The exit status `keepalived -t` gives for these diagnostics (notices and `unsupported` warnings do not count). */
export function configTestStatus(diagnostics: readonly Diagnostic[]): ConfigTestStatus {
  const counted = diagnostics.filter((d) => d.severity !== 'notice' && d.code !== 'unsupported');
  if (counted.some((d) => d.code === 'file' || d.code === 'fatal')) return KEEPALIVED_EXIT.notRunnable;
  if (counted.some((d) => d.code === 'missing-parameter')) return KEEPALIVED_EXIT.missingParameter;
  if (counted.some((d) => d.code === 'script-security')) return KEEPALIVED_EXIT.scriptSecurity;
  if (failedIncludes(counted).length) return KEEPALIVED_EXIT.includeCheck;
  return counted.length ? KEEPALIVED_EXIT.configErrors : KEEPALIVED_EXIT.ok;
}

/**
 * Validates a configuration like `keepalived -t -f FILE`: the verdict, the
 * diagnostics (each with file and line) and the model.
 *
 * @example
 * ```ts
 * import { checkConfig, formatDiagnostic } from 'ipvs/keepalived';
 * const result = checkConfig('/etc/keepalived/keepalived.conf');
 * for (const d of result.diagnostics) console.error(formatDiagnostic(d));
 * process.exitCode = result.exitCode;
 * ```
 */
export function checkConfig(file: string, options: ReadOptions = {}): CheckResult {
  return finished(checkSteps(file, options));
}

/** {@link checkConfig} in steps (see {@link readingSteps}), for a reload while checks run. */
export function* checkSteps(file: string, options: ReadOptions = {}): Generator<void, CheckResult> {
  const read = yield* readingSteps(file, options);
  const exitCode = configTestStatus(read.diagnostics);
  return { ...read, ok: exitCode === KEEPALIVED_EXIT.ok, exitCode, complete: read.config.unsupported.length === 0 && !read.diagnostics.some((d) => d.code === 'unsupported') };
}
