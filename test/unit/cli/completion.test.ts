// The bash and zsh completions (completion/): generated from the command
// line's own tables, and driven in the real shells — bash through its
// completion variables, zsh on a pseudo-terminal with a real TAB. Live
// services come from `ipvs -Sn` run as the command being completed: here the
// real command line on the in-memory fake kernel (test/support/fake-ipvs-command).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { completionFiles } from '../../../lib/cli/completion/scripts';
import { POPT_TABLE } from '../../../lib/cli/ipvsadm/grammar';
import { SUBCOMMAND_INFO } from '../../../lib/cli/subcommands';

const ROOT = path.resolve(__dirname, '../../../..');
const COMPLETION = path.join(ROOT, 'completion');

let dir: string;
/** An executable that is the ipvs command line on a fake kernel holding TABLE. */
let fakeIpvs: string;
const TABLE = ['-A -t 10.0.0.1:80 -s rr', '-A -t 10.0.0.1:443 -s wlc', '-A -u 10.0.0.1:53 -s rr', '-A -f 7 -s rr', '-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m'];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ipvs-completion-'));
  mkdirSync(path.join(dir, 'etc'));
  writeFileSync(path.join(dir, 'keepalived.conf'), '');
  writeFileSync(path.join(dir, 'table.yaml'), '');
  fakeIpvs = path.join(dir, 'ipvs');
  writeFileSync(fakeIpvs, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(ROOT, 'dist/test/support/fake-ipvs-command.js'))} "$@"\n`);
  chmodSync(fakeIpvs, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = () => ({ ...process.env, IPVS_FAKE_TABLE: `${TABLE.join('\n')}\n` });

/** What bash's `_ipvs` replies for LINE with the cursor at its end (COMP_WORDS as bash splits them). */
function bash(line: string): string[] {
  const script = [
    'source "$1"',
    'COMP_LINE=$2; COMP_POINT=${#2}',
    'COMP_WORDS=(${COMP_LINE}); [[ $COMP_LINE == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))',
    '_ipvs',
    '(( ${#COMPREPLY[@]} )) && printf "%s\\n" "${COMPREPLY[@]}"',
    'exit 0',
  ].join('\n');
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script, 'bash', path.join(COMPLETION, 'ipvs.bash'), line], { cwd: dir, encoding: 'utf8', env: env() });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter(Boolean).sort();
}

/** The matches zsh's completion system adds for LINE and a TAB. */
function zsh(line: string): string[] {
  const once = () => {
    const r = spawnSync('zsh', ['-f', path.join(ROOT, 'test/support/zsh-complete.zsh'), COMPLETION, dir, line], { encoding: 'utf8', env: env(), timeout: 60_000 });
    expect(r.status).toBe(0);
    return [...new Set(r.stdout.split('\n').filter(Boolean))].sort();
  };
  // On a loaded machine a pty session now and then reports no match where
  // the next one does (about 1 in 40 under four parallel runs, more under
  // heavier load): an empty answer is asked up to twice more. A completion
  // that offers nothing stays empty.
  let matches = once();
  for (let retry = 0; retry < 2 && matches.length === 0; retry++) matches = once();
  return matches;
}

describe('generated files', () => {
  test('completion/ipvs.bash and completion/_ipvs are what the tables generate (npm run completion)', () => {
    for (const [file, text] of Object.entries(completionFiles())) expect(readFileSync(path.join(ROOT, file), 'utf8')).toBe(text);
  });
});

describe.each([['bash', bash], ['zsh', zsh]] as const)('%s', (_shell, complete) => {
  test('the first word: every subcommand and every ipvsadm option', () => {
    const words = complete('ipvs -');
    for (const o of POPT_TABLE) expect(words).toContain(`--${o.long}`);
    expect(complete('ipvs ')).toEqual(expect.arrayContaining([...Object.keys(SUBCOMMAND_INFO), '-A', '--add-service', '--json']));
    expect(complete('ipvs ke')).toEqual(['keepalived']);
  });

  test('ipvsadm options and their fixed values', () => {
    expect(complete('ipvs -A --sch')).toEqual(['--sched-flags', '--scheduler']);
    expect(complete('ipvs -A -t 10.0.0.9:80 -s w')).toEqual(['wlc', 'wrr']);
    expect(complete('ipvs -a -t 10.0.0.9:80 -r 10.1.0.9 -i --tun-type g')).toEqual(['gre', 'gue']);
    expect(complete('ipvs --start-daemon ')).toEqual(['backup', 'master']);
    expect(complete('ipvs -A -t 10.0.0.9:80 -w ')).toEqual([]);
  });

  test('services of the live table after -t, -u and -f, from ipvs -Sn', () => {
    expect(complete(`${fakeIpvs} -d -t `)).toEqual(['10.0.0.1:443', '10.0.0.1:80']);
    expect(complete(`${fakeIpvs} -a -u 10`)).toEqual(['10.0.0.1:53']);
    expect(complete(`${fakeIpvs} -Z -f `)).toEqual(['7']);
  });

  test('subcommand options, their values and operands', () => {
    expect(complete('ipvs apply --d')).toEqual(['--dry-run']);
    expect(complete('ipvs genhash -P 1.')).toEqual(['1.0', '1.0c', '1.1']);
    expect(complete('ipvs help ex')).toEqual(['export']);
    expect(complete('ipvs keepalived --st')).toEqual(['--status-listen', '--status-token-file']);
  });

  test('files for keepalived -f and the apply FILE', () => {
    expect(complete('ipvs keepalived -f kee')).toEqual(['keepalived.conf']);
    expect(complete('ipvs apply tab')).toEqual(['table.yaml']);
  });
});

describe('bash', () => {
  test('after a colon (a COMP_WORDBREAKS character) replies continue the word past it', () => {
    expect(bash(`${fakeIpvs} -e -t 10.0.0.1:4`)).toEqual(['443']);
  });
});
