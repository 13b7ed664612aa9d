/**
 * Preloaded with `node -r` by bench/startup.ts: when the process exits, it
 * appends the process's CPU time since it started (user + system, all
 * threads, microseconds; getrusage) to the file $STARTUP_CPU_FILE names.
 * Less moved than wall time by other work on a shared machine.
 */
import { appendFileSync } from 'node:fs';

const out = process.env.STARTUP_CPU_FILE;
if (out) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    appendFileSync(out, `${user + system}\n`);
  });
}
