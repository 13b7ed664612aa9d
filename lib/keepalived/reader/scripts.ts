/**
 * keepalived's script-security verdict: when a configured script (checker
 * or VRRP) exists and
 * `enable_script_security` is off, `keepalived -t` exits 6 ("SECURITY
 * VIOLATION"). Scripts whose program cannot be found are dropped by
 * keepalived without a verdict, so they do not count here either.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostics, SourceRef } from './diagnostics';
import { DEFAULT_SCRIPT_USER, pathInsecurity, runsAsRoot, scriptIdentity, type ScriptPolicy } from '../../scripts/security';
import { quotedCommand, scriptUnusable, type ScriptUnusable } from '../../scripts/loadable';
import type { ScriptSpec } from './located';
import type { KeepalivedConfig } from './model';
import type { VrrpNotify } from './vrrp-model';

/** Every script of the checker side, in file order. */
export function checkerScripts(config: KeepalivedConfig): ScriptSpec[] {
  const scripts: (ScriptSpec | undefined)[] = [];
  for (const vs of config.virtualServers) {
    scripts.push(vs.quorumUp, vs.quorumDown);
    for (const rs of vs.realServers) {
      scripts.push(rs.notifyUp, rs.notifyDown);
      for (const c of rs.checkers) if (c.type === 'MISC_CHECK') scripts.push(c.script);
    }
  }
  return scripts.filter((s) => s !== undefined);
}

/** The file a script's program resolves to (absolute, relative to `baseDir`, or on PATH), if it exists. */
export function resolveProgram(program: string, baseDir: string, searchPath = process.env['PATH'] ?? ''): string | undefined {
  const candidates = program.includes('/') ? [path.resolve(baseDir, program)] : searchPath.split(':').filter(Boolean).map((d) => path.join(d, program));
  return candidates.find((c) => {
    try {
      return fs.statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

/** Every script of the VRRP half: vrrp_script commands, then notify scripts of instances and sync groups. */
export function vrrpScripts(config: KeepalivedConfig): ScriptSpec[] {
  const { scripts, instances, syncGroups } = config.vrrp;
  const notify = [...instances, ...syncGroups].flatMap((o) => Object.values(o.notify) as ScriptSpec[]);
  return [...scripts.map((s) => s.script), ...notify];
}

/** global_defs' startup_script and shutdown_script, those written. */
export function lifecycleScripts(global: KeepalivedConfig['global']): { kind: 'startup' | 'shutdown'; spec: ScriptSpec }[] {
  const { startupScript, shutdownScript } = global;
  return [
    ...(startupScript ? [{ kind: 'startup' as const, spec: startupScript }] : []),
    ...(shutdownScript ? [{ kind: 'shutdown' as const, spec: shutdownScript }] : []),
  ];
}

/**
 * keepalived's own verdict on the startup and shutdown scripts, judged in
 * its parent before the children's: any of them found counts (even one it
 * then will not run), and one run with root's rights from a path others
 * could change adds "There are insecure scripts."
 */
function checkLifecycleSecurity(config: KeepalivedConfig, baseDir: string, diag: Diagnostics): void {
  const found = lifecycleScripts(config.global).flatMap(({ spec }) => {
    const program = resolveProgram(spec.argv[0]!, baseDir);
    return program ? [{ spec, program }] : [];
  });
  const [first] = found;
  if (!first) return;
  const insecure = found.some(({ spec, program }) => {
    const ids = scriptIdentity(definedUser(spec), config.global.scriptUser);
    return typeof ids !== 'string' && runsAsRoot(ids) && pathInsecurity(fs.realpathSync(program)) !== undefined;
  });
  const message = 'SECURITY VIOLATION - start/shutdown scripts are being executed but script_security not enabled.';
  diag.error('script-security', insecure ? `${message} There are insecure scripts.` : message, first.spec.source);
}

/**
 * keepalived's check of the startup and shutdown scripts once the file is
 * read: one whose program is missing, that its user cannot execute, that
 * script security refuses, or that has no default user under script
 * security is not run, with keepalived's log line as a notice (`-t`'s
 * verdict is unchanged, as keepalived's). The ones kept stay in global_defs.
 */
export function disableUnusableLifecycleScripts(config: KeepalivedConfig, baseDir: string, diag: Diagnostics): KeepalivedConfig {
  const policy = scriptPolicyOf(config.global);
  let global = config.global;
  for (const { kind, spec } of lifecycleScripts(config.global)) {
    const why = scriptUnusable({ argv: spec.argv, ...definedUser(spec) }, policy, resolveProgram(spec.argv[0] ?? '', baseDir));
    if (why === undefined) continue;
    const line = why.kind === 'no-default-user'
      ? `Failed to set default user for ${kind} script ${spec.argv[0] ?? ''} - ignoring`
      : notifyDisabled(why, spec.argv);
    diag.notice('semantic', line, spec.source);
    const { [kind === 'startup' ? 'startupScript' : 'shutdownScript']: _dropped, ...rest } = global;
    global = rest as KeepalivedConfig['global'];
  }
  return global === config.global ? config : { ...config, global };
}

/** Reports the security violations keepalived reports: its own scripts' first, then at the first script either half would run. */
export function checkScriptSecurity(config: KeepalivedConfig, baseDir: string, diag: Diagnostics): void {
  if (config.global.enableScriptSecurity) return;
  checkLifecycleSecurity(config, baseDir, diag);
  // A notify script whose user does not exist was dropped while keepalived read the file.
  const runs = (s: ScriptSpec) => {
    const found = resolveProgram(s.argv[0]!, baseDir);
    return found !== undefined && scriptUnusable({ argv: s.argv, ...definedUser(s) }, {}, found)?.kind !== 'no-user';
  };
  // keepalived gives up on VRRP over a missing interface before it looks at VRRP scripts.
  const vrrp = config.vrrp.missingInterfaces.length ? undefined : vrrpScripts(config).find(runs);
  const checker = checkerScripts(config).find(runs);
  if (vrrp) diag.error('script-security', 'SECURITY VIOLATION - scripts are being executed but script_security not enabled.', vrrp.source);
  else if (checker) diag.error('script-security', 'SECURITY VIOLATION - check scripts are being executed but script_security not enabled.', checker.source);
}

/** The script policy global_defs sets (`enable_script_security`, `script_user`). */
export function scriptPolicyOf(global: Pick<KeepalivedConfig['global'], 'enableScriptSecurity' | 'scriptUser'>): ScriptPolicy {
  const security = global.enableScriptSecurity ? { enableScriptSecurity: true } : {};
  return { ...security, ...(global.scriptUser ? { scriptUser: global.scriptUser } : {}) };
}

/** A script as keepalived's parser sees it: its words, its own user, and the lines to blame. */
export interface LoadedScript {
  /** `'misc'` for a MISC_CHECK, else the vrrp_script's name. */
  readonly owner: { readonly kind: 'misc' } | { readonly kind: 'vrrp'; readonly name: string };
  readonly argv: readonly string[];
  readonly user?: string;
  readonly group?: string;
  /** The block's line. */
  readonly source: SourceRef;
  /** The block's closing line, where keepalived judges the block as a whole. */
  readonly end?: SourceRef;
  /** The `user` line, if one was written. */
  readonly userSource?: SourceRef;
}

/**
 * The {@link LoadedScript} of `script`, written in `block`: run as the
 * block's own `user` keyword (`own`, written at `userSource`), else as the
 * user written after the command.
 */
export function loadedScript(
  owner: LoadedScript['owner'],
  script: ScriptSpec,
  own: { user: string; group?: string } | undefined,
  block: { source: SourceRef; end?: SourceRef | undefined },
  userSource: SourceRef | undefined,
): LoadedScript {
  const lines = { source: block.source, ...(block.end ? { end: block.end } : {}), ...(userSource ? { userSource } : {}) };
  return { owner, argv: script.argv, ...lines, ...definedUser(own ?? script) };
}

/**
 * Where scripts needed keepalived's default script user and it does not
 * exist, per reading. keepalived says so once, at the first of them: the
 * checker's part of the file is read first, then the VRRP part.
 */
const defaultUserMisses = new WeakMap<Diagnostics, { part: 'checker' | 'vrrp'; at: SourceRef }[]>();

function missedDefaultUser(diag: Diagnostics, part: 'checker' | 'vrrp', at: SourceRef): void {
  defaultUserMisses.set(diag, [...(defaultUserMisses.get(diag) ?? []), { part, at }]);
}

/**
 * keepalived's one line for every script that needed the missing default
 * user: at the first MISC_CHECK that did, else at the first VRRP script in
 * the order of `files` (the files as they were read).
 */
export function reportMissingDefaultUser(diag: Diagnostics, files: readonly string[]): void {
  const misses = defaultUserMisses.get(diag) ?? [];
  const order = (a: SourceRef, b: SourceRef) => files.indexOf(a.file) - files.indexOf(b.file) || a.line - b.line;
  const first = misses.find((m) => m.part === 'checker')?.at ?? misses.map((m) => m.at).sort(order)[0];
  if (!first) return;
  diag.error('semantic', `Unable to set default user ${DEFAULT_SCRIPT_USER} for script`, first);
  // Before the script's own line about it, where keepalived writes it.
  const at = diag.list.findIndex((d) => d.source.file === first.file && d.source.line === first.line);
  diag.list.splice(at, 0, diag.list.pop()!);
}

/**
 * keepalived's parse-time refusals of a script, with its lines: the
 * script's own user does not exist, or script security is on, no user is
 * named anywhere and there is no `keepalived_script` account. False when
 * the script is removed while the file is read (it then never counts
 * towards the SECURITY VIOLATION verdict, and trackers naming it are told
 * it is not found).
 */
export function keptAtLoad(s: LoadedScript, policy: ScriptPolicy, diag: Diagnostics): boolean {
  // No program path: only the user checks, which keepalived makes while reading, can fail here.
  const why = scriptUnusable({ argv: s.argv, ...definedUser(s) }, policy, '');
  const program = `'${s.argv[0] ?? ''}'`;
  if (why?.kind === 'no-user' && s.user !== undefined) {
    const at = s.userSource ?? s.source;
    if (s.owner.kind === 'misc') diag.error('semantic', `Failed to set uid/gid for misc checker script ${program} - removing`, at);
    else diag.error('semantic', `Unable to set uid/gid for script ${quotedCommand(s.argv)}`, at);
    return false;
  }
  if (why?.kind === 'no-default-user') {
    // keepalived finds out when the block closes.
    const at = s.end ?? s.source;
    missedDefaultUser(diag, s.owner.kind === 'misc' ? 'checker' : 'vrrp', at);
    const what = s.owner.kind === 'misc' ? `misc script ${program}` : `vrrp script ${s.owner.name}`;
    diag.error('semantic', `Unable to set default user for ${what} - removing`, at);
    return false;
  }
  return true;
}

/**
 * keepalived's log line for a notify script it drops (only a missing
 * default user also changes the file's verdict, through the line
 * {@link reportMissingDefaultUser} writes).
 */
function notifyDisabled(why: ScriptUnusable, argv: readonly string[]): string {
  const program = argv[0] ?? '';
  switch (why.kind) {
    case 'insecure':
      return `Unsafe permissions found for script '${program}' - disabling.`;
    case 'not-found':
      return `check_script_secure could not find script '${program}' - disabling`;
    case 'not-executable':
      return `WARNING - script '${program}' is not executable for uid:gid ${why.uid}:${why.gid} - disabling.`;
    case 'no-user':
      return `Invalid user/group for notify script ${program} - ignoring`;
    case 'no-default-user':
      return `Failed to set default user for notify script ${program} - ignoring`;
  }
}

/**
 * keepalived's check of the VRRP scripts once the file is read (only when
 * there are VRRP instances). A vrrp_script run with root's rights from an
 * insecure path, or whose program is not found, is disabled with a line
 * that makes `-t` exit 5; one its user cannot execute, silently. Disabled
 * scripts leave the model and every instance's and sync group's
 * track_script list. A notify script any of these apply to is dropped with
 * keepalived's log line as a notice (keepalived's verdict is unchanged).
 */
export function disableUnusableVrrpScripts(config: KeepalivedConfig, baseDir: string, diag: Diagnostics): KeepalivedConfig {
  const { vrrp } = config;
  if (vrrp.instances.length === 0) return config;
  const policy = scriptPolicyOf(config.global);
  const unusable = (spec: ScriptSpec, own: { user?: string | undefined; group?: string | undefined } | undefined = spec) =>
    scriptUnusable({ argv: spec.argv, ...definedUser(own) }, policy, resolveProgram(spec.argv[0] ?? '', baseDir));
  const disabled = new Set<string>();
  for (const s of vrrp.scripts) {
    const why = unusable(s.script, s.user ?? s.script);
    if (why === undefined) continue;
    disabled.add(s.name);
    if (why.kind === 'insecure') diag.error('semantic', `Disabling track script ${s.name} due to insecure`, s.script.source);
    else if (why.kind === 'not-found') diag.error('semantic', `Disabling track script ${s.name} since not found/accessible`, s.script.source);
  }
  const kept = <T extends { trackScript: readonly { name: string }[]; notify: VrrpNotify }>(o: T): T => {
    const notify = Object.fromEntries(Object.entries(o.notify).filter(([, spec]) => {
      const why = unusable(spec as ScriptSpec);
      if (why?.kind === 'no-default-user') missedDefaultUser(diag, 'vrrp', (spec as ScriptSpec).source);
      if (why) diag.notice('semantic', notifyDisabled(why, (spec as ScriptSpec).argv), (spec as ScriptSpec).source);
      return why === undefined;
    })) as VrrpNotify;
    return { ...o, notify, trackScript: o.trackScript.filter((r) => !disabled.has(r.name)) };
  };
  const scripts = vrrp.scripts.filter((s) => !disabled.has(s.name));
  return { ...config, vrrp: { ...vrrp, scripts, instances: vrrp.instances.map(kept), syncGroups: vrrp.syncGroups.map(kept) } };
}

/** `{ user, group }` with the absent ones left out, for a {@link LoadedScript}. */
export function definedUser(u: { user?: string | undefined; group?: string | undefined } | undefined): { user?: string; group?: string } {
  return { ...(u?.user !== undefined ? { user: u.user } : {}), ...(u?.group !== undefined ? { group: u.group } : {}) };
}
