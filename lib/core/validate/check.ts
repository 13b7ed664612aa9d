/**
 * Small validators shared by the input checks. Each names the field and
 * what was wrong, and returns the value with its type narrowed.
 * @internal
 * @module
 */
import { IpvsArgumentError } from '../../model/errors';

/** Short description of a received value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

export function fail(field: string, expected: string, value: unknown): never {
  throw new IpvsArgumentError(field, `expected ${expected}, received ${describe(value)}`);
}

/** Edit distance, for "did you mean" on misspelt option names. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = next;
    }
  }
  return row[b.length]!;
}

/** The allowed name a misspelt `key` most likely meant, if any is close. */
export function nearest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of allowed) {
    const d = distance(k.toLowerCase(), key.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/** `allowed.includes(key)`, as a loop the JIT inlines: a third of the cost of checking a small object. */
function isAllowed(allowed: readonly string[], key: string): boolean {
  for (let i = 0; i < allowed.length; i++) if (allowed[i] === key) return true;
  return false;
}

/** A plain object whose keys are all among `allowed`. */
export function record(value: unknown, field: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, 'an object', value);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) fail(field, 'a plain object', value);
  for (const key in value) {
    if (isAllowed(allowed, key) || !Object.hasOwn(value, key)) continue;
    const near = nearest(key, allowed);
    const hint = near ? ` (did you mean '${near}'?)` : ` (known: ${allowed.join(', ')})`;
    throw new IpvsArgumentError(`${field}.${key}`, `unknown option${hint}`);
  }
  return value as Record<string, unknown>;
}

/**
 * `field.key`, or `field` alone. Hot validators take the key separately so
 * the joined name is only built for an error message.
 */
export function fieldName(field: string, key?: string): string {
  return key === undefined ? field : `${field}.${key}`;
}

export function integer(value: unknown, field: string, min: number, max: number, key?: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(fieldName(field, key), `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/** {@link integer}, or `fallback` when the value is omitted. */
export function integerOr(value: unknown, field: string, min: number, max: number, fallback: number): number {
  return value === undefined ? fallback : integer(value, field, min, max);
}

/** An optional flag: false when omitted, refused unless a boolean. */
export function flag(value: unknown, field: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') fail(field, 'a boolean', value);
  return value;
}

export function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') fail(field, 'true or false', value);
  return value;
}

export function oneOf<T extends string>(value: unknown, field: string, choices: readonly T[], key?: string): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    fail(fieldName(field, key), `one of ${choices.map((c) => `'${c}'`).join(', ')}`, value);
  }
  return value as T;
}

/** A name Linux takes for a network interface: 1 to 15 characters (IFNAMSIZ less its NUL), no space, '/' or ':'. */
export function interfaceName(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[^\s/:]{1,15}$/.test(value)) fail(field, 'an interface name of 1 to 15 characters', value);
  return value;
}

/** A string of printable characters, at most `max` bytes. */
export function name(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || Buffer.byteLength(value) > max || /[\0-\x20\x7f]/.test(value)) {
    fail(field, `a name of 1 to ${max} printable characters without spaces`, value);
  }
  return value;
}
