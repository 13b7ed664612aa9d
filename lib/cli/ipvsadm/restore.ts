/**
 * `-R`: ipvsadm save format (or any ipvsadm lines) from standard input,
 * applied through one batch. Lines are cut into words as ipvsadm's
 * `config_stream_read` cuts them, and every ipvsadm rule about what ends a
 * restore early is kept.
 * @internal
 * @module
 */
import { parseLine } from './parse';
import { parseSavedLine } from './fast';
import { LineRunner } from './line-runner';
import type { Session } from './line-context';

/**
 * Splits restore input into word lists: words are separated by blanks,
 * tabs and carriage returns, lines by newlines; the word `ipvsadm` is
 * dropped wherever it appears; `#` is an ordinary word (ipvsadm's comment
 * detection never fires). An unterminated last line that ends in a blank
 * is lost, as with ipvsadm.
 */
export function restoreLines(text: string): string[][] {
  return rawLines(text).map(words);
}

/** The lines of restore input that ipvsadm reads (see {@link restoreLines}), uncut. */
function rawLines(text: string): string[] {
  const pieces = text.split('\n');
  const last = pieces.pop()!;
  if (last !== '' && !/[ \t\r]$/.test(last)) pieces.push(last);
  return pieces;
}

function words(line: string): string[] {
  return line.split(/[ \t\r]+/).filter((w) => w !== '' && w !== 'ipvsadm');
}

/** Runs restore input; returns the exit status (the last line's, or an early exit's). */
export async function restore(input: string, session: Session): Promise<number> {
  const runner = new LineRunner(session);
  for (const text of rawLines(input)) {
    const saved = parseSavedLine(text);
    if (saved) {
      if (!runner.queue(saved)) await runner.run(saved);
      continue;
    }
    const argv = words(text);
    if (argv.length === 0) continue;
    const outcome = await parseLine(argv, session.program, session.names);
    if (outcome.kind === 'rejected') {
      runner.reject(outcome.stderr);
      continue;
    }
    if (outcome.kind === 'exit' || outcome.line.command === 'restore') {
      // ipvsadm leaves the process here; what came before has been applied.
      await runner.flush();
      if (outcome.kind === 'exit') {
        session.out(outcome.stdout);
        session.err(outcome.stderr);
        return outcome.status;
      }
      session.err(`Try \`${session.program} -h' or '${session.program} --help' for more information.\n`);
      return 255;
    }
    await runner.run(outcome.line);
  }
  await runner.flush();
  return runner.lastStatus ?? 0;
}
