/**
 * A configured command line: split into words as keepalived splits them
 * (double quotes group words), and turned into the argv keepalived runs.
 * @module
 */

/** Splits a command line into words; double quotes group words. */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|(\S+)/g;
  for (let m = pattern.exec(command); m; m = pattern.exec(command)) words.push(m[1] ?? m[2]!);
  return words;
}

/** `word` quoted for `/bin/sh`. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
