/**
 * A program in vtysh's place that prints what the real vtysh printed: the
 * output captured from FRR 8.4 (test/fixtures/frr/), with the exit status
 * and error text it had, for each command the routing-status reader runs.
 * The reader runs it as it runs vtysh (a child process, its arguments, its
 * time limit); tests change what it answers between reads, and it notes
 * every call's arguments.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const FRR_FIXTURES = path.resolve(__dirname, '../../../test/fixtures/frr');

/** A captured FRR output file's text. */
export const frrFixture = (name: string): string => readFileSync(path.join(FRR_FIXTURES, name), 'utf8');

/** A failure vtysh showed, from vtysh-failures.json (`bgpd killed…`, `no daemon behind --vty_socket`…). */
export function vtyshFailure(which: string): Answer {
  const all = JSON.parse(frrFixture('vtysh-failures.json')) as Record<string, { status: number; stdout: string; stderr: string }>;
  const f = all[which];
  if (!f) throw new Error(`no captured vtysh failure ${JSON.stringify(which)}`);
  return { stdout: f.stdout, stderr: f.stderr, status: f.status };
}

/** What the stand-in answers to one command. */
export interface Answer {
  stdout?: string;
  stderr?: string;
  status?: number;
  /** Hang instead (until killed). */
  hang?: boolean;
}

const SCRIPT = `#!/bin/sh
d=$(dirname "$0")
printf '%s\\n' "$*" >> "$d/calls"
case "$*" in
  *"show bgp summary json"*) p=bgp ;;
  *"show bfd peers json"*) p=bfd ;;
  *) echo "% Unknown command: $*" >&2; exit 1 ;;
esac
[ -f "$d/$p.hang" ] && exec sleep 60
[ -f "$d/$p.out" ] && cat "$d/$p.out"
[ -f "$d/$p.err" ] && cat "$d/$p.err" >&2
exit "$(cat "$d/$p.status" 2>/dev/null || echo 0)"
`;

export class VtyshReplay {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'ipvs-vtysh-'));
  /** Path of the stand-in, for `vtysh` / `--announce-routing-vtysh`. */
  readonly program = path.join(this.dir, 'vtysh');

  constructor() {
    writeFileSync(this.program, SCRIPT);
    chmodSync(this.program, 0o755);
  }

  #write(name: string, text: string | undefined): void {
    const file = path.join(this.dir, name);
    if (text === undefined) return rmSync(file, { force: true });
    writeFileSync(`${file}.new`, text);
    renameSync(`${file}.new`, file);
  }

  /** What the next calls of a part's command answer. */
  answer(part: 'bgp' | 'bfd', a: Answer): void {
    this.#write(`${part}.out`, a.stdout);
    this.#write(`${part}.err`, a.stderr);
    this.#write(`${part}.status`, a.status === undefined ? undefined : String(a.status));
    this.#write(`${part}.hang`, a.hang ? '' : undefined);
  }

  /** Both parts answer with captured fixture files. */
  fixtures(bgp: string, bfd: string): void {
    this.answer('bgp', { stdout: frrFixture(bgp) });
    this.answer('bfd', { stdout: frrFixture(bfd) });
  }

  /** The argument lists of the calls so far. */
  calls(): string[] {
    const file = path.join(this.dir, 'calls');
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  }

  destroy(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
