/**
 * JSON output of the command line: the library's own read models, with
 * 64-bit counters (bigint) written as decimal strings so nothing is lost.
 * @internal
 * @module
 */

/** Pretty JSON text, newline-terminated; bigints become strings. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`;
}
