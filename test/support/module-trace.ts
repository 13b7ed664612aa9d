/**
 * What a process loaded: preloaded with `node -r dist/test/support/module-trace.js`,
 * it writes, when the process exits, the file names of every CommonJS module
 * that process loaded (require.cache's keys, in load order; itself left out)
 * as a JSON array to the file $MODULE_TRACE_FILE names.
 *
 * {@link tracedRun} runs a command so and returns the list.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const out = process.env.MODULE_TRACE_FILE;
if (out && require.main === undefined) {
  // Preloaded (`-r`): no main module yet. Only modules loaded after this one count.
  process.on('exit', () => writeFileSync(out, JSON.stringify(Object.keys(require.cache).filter((f) => f !== __filename))));
}

/** A traced run: its exit status, output, and the modules it loaded. */
export interface TracedRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Absolute file names, in load order. */
  modules: string[];
}

/**
 * Runs `node [preloads] script args` in a child process with this module
 * preloaded (after `preloads`, so what they load is in the list too).
 */
export function tracedRun(
  script: string,
  args: readonly string[],
  options: { preloads?: string[]; env?: NodeJS.ProcessEnv; input?: string } = {},
): TracedRun {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'module-trace-'));
  const file = path.join(dir, 'modules.json');
  try {
    const preloads = [...(options.preloads ?? []), __filename].flatMap((p) => ['-r', p]);
    const r = spawnSync(process.execPath, [...preloads, script, ...args], {
      encoding: 'utf8',
      env: { ...process.env, ...options.env, MODULE_TRACE_FILE: file },
      ...(options.input === undefined ? { stdio: ['ignore', 'pipe', 'pipe'] as const } : { input: options.input }),
      timeout: 120_000,
    });
    let modules: string[] = [];
    try {
      modules = JSON.parse(readFileSync(file, 'utf8')) as string[];
    } catch {
      throw new Error(`${script} ${args.join(' ')} wrote no module list (status ${r.status}, signal ${r.signal}): ${r.stderr}`);
    }
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, modules };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
