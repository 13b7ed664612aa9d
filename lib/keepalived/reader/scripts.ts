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
import type { Diagnostics } from './diagnostics';
import type { ScriptSpec } from './located';
import type { KeepalivedConfig } from './model';

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

/** Reports the security violation keepalived reports, at the first script that would run. */
export function checkScriptSecurity(config: KeepalivedConfig, baseDir: string, diag: Diagnostics): void {
  if (config.global.enableScriptSecurity) return;
  const runs = (s: ScriptSpec) => resolveProgram(s.argv[0]!, baseDir) !== undefined;
  // keepalived gives up on VRRP over a missing interface before it looks at VRRP scripts.
  const vrrp = config.vrrp.missingInterfaces.length ? undefined : vrrpScripts(config).find(runs);
  const checker = checkerScripts(config).find(runs);
  if (vrrp) diag.error('script-security', 'SECURITY VIOLATION - scripts are being executed but script_security not enabled.', vrrp.source);
  else if (checker) diag.error('script-security', 'SECURITY VIOLATION - check scripts are being executed but script_security not enabled.', checker.source);
}
