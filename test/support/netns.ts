/**
 * Network namespaces made by a test for itself: IPVS state is per
 * namespace, so kernel tests never touch the host's (or VM's) own table.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * Jest gives each test file its own module registry, so a counter alone
 * would restart at 1 in every file of a run-in-band process: a namespace a
 * failed file left behind would then collide with the next file's.
 */
const runTag = randomBytes(3).toString('hex');
let counter = 0;

export class TestNamespace {
  private constructor(readonly name: string) {}

  /**
   * A fresh namespace, by default with `lo` up: the kernel checks that a
   * destination is routable, and a namespace whose loopback was never up
   * has no local routing table yet.
   */
  static create(label = 'ns', options: { loopback?: boolean } = {}): TestNamespace {
    const name = `ipvs-${label}-${process.pid}-${runTag}-${++counter}`;
    execFileSync('ip', ['netns', 'add', name]);
    const ns = new TestNamespace(name);
    if (options.loopback !== false) ns.run('ip', 'link', 'set', 'lo', 'up');
    return ns;
  }

  /** Path for `Ipvs.open({ netns })`. */
  get path(): string {
    return `/var/run/netns/${this.name}`;
  }

  /** Runs a command inside the namespace; returns stdout, throws on failure. */
  run(command: string, ...args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.name, command, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Runs a command and returns its exit status, stdout and stderr. */
  try(command: string, ...args: string[]): { status: number; stdout: string; stderr: string } {
    try {
      return { status: 0, stdout: this.run(command, ...args), stderr: '' };
    } catch (e) {
      const err = e as { status?: number; stdout?: string; stderr?: string };
      return { status: err.status ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
    }
  }

  /** The real ipvsadm inside the namespace: the oracle for what the kernel holds. */
  ipvsadm(...args: string[]): string {
    return this.run('ipvsadm', ...args);
  }

  /** `ipvsadm -Sn` as a list of lines. */
  saved(): string[] {
    return this.ipvsadm('-Sn').split('\n').filter(Boolean);
  }

  destroy(): void {
    execFileSync('ip', ['netns', 'del', this.name]);
  }
}
