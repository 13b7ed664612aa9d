/**
 * Deterministic generators of hostile input for the public API: random
 * garbage, and valid specs with exactly one field corrupted (so every case
 * must be rejected before the kernel).
 */

/** mulberry32: small, seeded, reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Fuzzer {
  readonly #next: () => number;
  constructor(seed: number) {
    this.#next = prng(seed);
  }

  int(n: number): number {
    return Math.floor(this.#next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** A value that is wrong for any field of the API. */
  badScalar(): unknown {
    return this.pick<() => unknown>([
      () => NaN, () => Infinity, () => -Infinity, () => -1, () => 2 ** 53, () => 1e308, () => 0.5, () => -0,
      () => 2 ** 32, () => 65536, () => 2 ** 31, () => '', () => 'a\0b', () => '10.0.0.1\0', () => ' 10.0.0.1',
      () => '999.1.1.1', () => '::ffff:zz', () => 'x'.repeat(5000), () => true, () => null, () => [], () => [1, 2],
      () => ({}), () => 12n, () => Symbol('s'), () => () => 1, () => new Date(0), () => Object.create(null),
      () => this.deep(50), () => '\u{1F600}', () => 'rr ', () => 'RR', () => 'tcp\n',
    ])();
  }

  deep(depth: number): unknown {
    let v: unknown = { x: 1 };
    for (let i = 0; i < depth; i++) v = this.int(2) ? { a: v } : [v];
    return v;
  }

  /** Anything at all, including objects full of garbage. */
  garbage(): unknown {
    if (this.int(3) === 0) return this.badScalar();
    const o: Record<string, unknown> = {};
    const keys = ['protocol', 'address', 'port', 'fwmark', 'family', 'scheduler', 'weight', 'forwarding', 'tunnel', 'persistent', '__proto__x', 'constructor', 'toString'];
    for (let i = this.int(5); i > 0; i--) o[this.pick(keys)] = this.int(2) ? this.badScalar() : this.garbage();
    return o;
  }

  /** Replaces one field (possibly nested) of a valid object with a bad value, or adds a stray key. */
  corrupt<T extends object>(valid: T): T {
    const copy = structuredClone(valid) as Record<string, unknown>;
    const keys = Object.keys(copy);
    if (keys.length === 0 || this.int(6) === 0) {
      copy[this.pick(['extra', 'prot', 'Port', 'weigth', 'schedular'])] = 1;
      return copy as T;
    }
    const key = this.pick(keys);
    const value = copy[key];
    if (value && typeof value === 'object' && !Array.isArray(value) && this.int(2)) copy[key] = this.corrupt(value);
    else copy[key] = this.badScalar();
    return copy as T;
  }
}
