/**
 * Validation of a desired state against the JSON Schema shipped with the
 * package (`schema/apply.schema.json`), so that editors and `ipvs apply`
 * judge a file by the same rules. Only the keywords that schema uses are
 * understood, and loading refuses a schema with any other: a keyword that
 * was silently ignored would let bad files through.
 * @internal
 * @module
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { nearest } from '../core/validate/check';
import type { Steps } from '../core/slices';
import { DesiredStateError, type FieldPath } from './errors';

/** Absolute path of the JSON Schema of desired-state files (shipped in the package). */
export const applySchemaPath = path.join(__dirname, '..', '..', '..', 'schema', 'apply.schema.json');

type Schema = { readonly [keyword: string]: unknown };

const ANNOTATIONS = ['$schema', '$id', 'title', 'description', '$defs'];
const ASSERTIONS = [
  '$ref', 'type', 'properties', 'additionalProperties', 'required', 'enum', 'minimum', 'maximum', 'minLength', 'maxLength', 'items', 'oneOf',
];

interface Failure {
  /** A copy of the path stack at the failure. */
  path: FieldPath;
  problem: string;
  atKey?: boolean;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object': return isPlainObject(value);
    case 'array': return Array.isArray(value);
    case 'string': return typeof value === 'string';
    case 'integer': return Number.isInteger(value);
    case 'number': return typeof value === 'number' && Number.isFinite(value);
    case 'boolean': return typeof value === 'boolean';
    case 'null': return value === null;
    default: throw new Error(`schema: unknown type '${type}'`);
  }
}

/** How a value appears in a message: strings quoted, containers by kind. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a mapping';
  return String(value);
}

function typeNames(schema: Schema): string[] {
  const t = schema.type;
  return t === undefined ? [] : Array.isArray(t) ? (t as string[]) : [t as string];
}

/** What a schema node accepts, in words: `an integer 0..65535`, `one of 'tcp', 'udp'`. */
function expectation(schema: Schema): string {
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((e) => `'${String(e)}'`).join(', ')}`;
  return typeNames(schema)
    .map((type) => {
      if (type === 'integer' || type === 'number') {
        const noun = type === 'integer' ? 'an integer' : 'a number';
        const { minimum: min, maximum: max } = schema;
        if (min !== undefined && max !== undefined) return `${noun} ${String(min)}..${String(max)}`;
        if (min !== undefined) return `${noun} of at least ${String(min)}`;
        return noun;
      }
      if (type === 'string' && schema.maxLength !== undefined) return `a string of ${String(schema.minLength ?? 0)} to ${String(schema.maxLength)} characters`;
      return { object: 'a mapping', array: 'a list', string: 'a string', boolean: 'true or false', null: 'null' }[type] ?? type;
    })
    .join(' or ');
}

export class SchemaValidator {
  readonly #root: Schema;
  readonly #refs = new Map<string, Schema>();
  /** The path of the value being checked: one stack, copied only into a failure. */
  readonly #at: (string | number)[] = [];

  constructor(root: Schema) {
    this.#root = root;
    this.#checkSupported(root, '#');
  }

  /** Throws {@link DesiredStateError} at the first value the schema refuses. */
  validate(value: unknown): void {
    this.#check(this.#root, value, []);
  }

  /**
   * {@link validate} as steps, for a document whose `listKey` may be long:
   * the document without that list first, then one item a step. The first
   * failure found is the same as {@link validate}'s, except that a problem
   * outside the list is reported before one inside it.
   */
  *validating(value: unknown, listKey: string): Steps<void> {
    const list = isPlainObject(value) ? value[listKey] : undefined;
    const items = (this.#root.properties as Record<string, Schema> | undefined)?.[listKey]?.items as Schema | undefined;
    if (!Array.isArray(list) || items === undefined) return this.validate(value);
    this.#check(this.#root, { ...(value as Record<string, unknown>), [listKey]: [] }, []);
    for (let i = 0; i < list.length; i++) {
      this.#check(items, list[i], [listKey, i]);
      yield;
    }
  }

  #check(schema: Schema, value: unknown, at: readonly (string | number)[]): void {
    this.#at.length = 0;
    this.#at.push(...at);
    const failure = this.#node(schema, value);
    if (failure) throw new DesiredStateError(failure.path, failure.problem, { atKey: failure.atKey ?? false });
  }

  #checkSupported(schema: unknown, where: string): void {
    if (!isPlainObject(schema)) throw new Error(`schema ${where}: not an object`);
    for (const keyword of Object.keys(schema)) {
      if (!ANNOTATIONS.includes(keyword) && !ASSERTIONS.includes(keyword)) throw new Error(`schema ${where}: unsupported keyword '${keyword}'`);
    }
    if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) {
      throw new Error(`schema ${where}: only additionalProperties: false is supported`);
    }
    if (typeof schema.$ref === 'string') this.#resolve(schema.$ref);
    const children: [string, unknown][] = [];
    for (const group of ['properties', '$defs'] as const) {
      if (isPlainObject(schema[group])) for (const [k, v] of Object.entries(schema[group])) children.push([`${where}/${group}/${k}`, v]);
    }
    if (schema.items !== undefined) children.push([`${where}/items`, schema.items]);
    if (Array.isArray(schema.oneOf)) schema.oneOf.forEach((s, i) => children.push([`${where}/oneOf/${i}`, s]));
    for (const [w, s] of children) this.#checkSupported(s, w);
  }

  #resolve(ref: string): Schema {
    const known = this.#refs.get(ref);
    if (known) return known;
    const m = /^#\/\$defs\/([^/]+)$/.exec(ref);
    const target = m ? (this.#root.$defs as Record<string, Schema> | undefined)?.[m[1]!] : undefined;
    if (!target) throw new Error(`schema: cannot resolve $ref '${ref}'`);
    this.#refs.set(ref, target);
    return target;
  }

  #fail(problem: string, key?: string): Failure {
    return key === undefined ? { path: [...this.#at], problem } : { path: [...this.#at, key], problem, atKey: true };
  }

  /** Checks `value` one level down, at `step`. */
  #child(schema: Schema, value: unknown, step: string | number): Failure | undefined {
    this.#at.push(step);
    const failure = this.#node(schema, value);
    this.#at.pop();
    return failure;
  }

  #node(schema: Schema, value: unknown): Failure | undefined {
    if (typeof schema.$ref === 'string') {
      const failure = this.#node(this.#resolve(schema.$ref), value);
      if (failure) return failure;
    }
    const types = typeNames(schema);
    if (types.length && !types.some((t) => hasType(value, t))) return this.#fail(`expected ${expectation(schema)}, got ${shown(value)}`);
    if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
      const near = typeof value === 'string' ? nearest(value, schema.enum as string[]) : undefined;
      return this.#fail(`expected ${expectation(schema)}, got ${shown(value)}${near ? ` (did you mean '${near}'?)` : ''}`);
    }
    if (typeof value === 'number' && ((schema.minimum !== undefined && value < (schema.minimum as number)) || (schema.maximum !== undefined && value > (schema.maximum as number)))) {
      return this.#fail(`expected ${expectation(schema)}, got ${shown(value)}`);
    }
    if (typeof value === 'string' && ((schema.minLength !== undefined && value.length < (schema.minLength as number)) || (schema.maxLength !== undefined && value.length > (schema.maxLength as number)))) {
      return this.#fail(`expected ${expectation(schema)}, got ${shown(value)}`);
    }
    if (isPlainObject(value)) {
      const failure = this.#object(schema, value);
      if (failure) return failure;
    }
    if (Array.isArray(value) && schema.items !== undefined) {
      for (let i = 0; i < value.length; i++) {
        const failure = this.#child(schema.items as Schema, value[i], i);
        if (failure) return failure;
      }
    }
    if (Array.isArray(schema.oneOf)) return this.#oneOf(schema.oneOf as Schema[], value);
    return undefined;
  }

  #object(schema: Schema, value: Record<string, unknown>): Failure | undefined {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    const known = Object.keys(properties);
    if (schema.additionalProperties === false) {
      for (const key of Object.keys(value)) {
        if (Object.hasOwn(properties, key)) continue;
        const near = nearest(key, known);
        return this.#fail(`unknown key${near ? ` (did you mean '${near}'?)` : ` (known: ${known.join(', ')})`}`, key);
      }
    }
    // An undefined value (only possible from code, never from a file) is an
    // omitted one, as everywhere in the library.
    for (const key of (schema.required ?? []) as string[]) {
      if (value[key] === undefined) return this.#fail(`missing required key '${key}'`);
    }
    for (const [key, v] of Object.entries(value)) {
      if (!Object.hasOwn(properties, key) || v === undefined) continue;
      const failure = this.#child(properties[key]!, v, key);
      if (failure) return failure;
    }
    return undefined;
  }

  #oneOf(branches: readonly Schema[], value: unknown): Failure | undefined {
    const titles = branches.map((b, i) => (typeof b.title === 'string' ? b.title : `choice ${i + 1}`));
    const failures = branches.map((b) => this.#node(b, value));
    const matching = branches.filter((_, i) => failures[i] === undefined);
    if (matching.length === 1) return undefined;
    if (matching.length === 0) {
      // The branch the value went furthest towards explains best what is missing.
      const present = branches.map(
        (b) => ((b.required ?? []) as string[]).filter((k) => isPlainObject(value) && value[k] !== undefined).length,
      );
      const best = present.indexOf(Math.max(...present));
      if (present[best]! > 0) return { ...failures[best]!, problem: `${failures[best]!.problem} for ${titles[best]}` };
      return this.#fail(`expected ${titles.join(' or ')}`);
    }
    const both = matching.map((b) => titles[branches.indexOf(b)]);
    return this.#fail(`is both ${both.join(' and ')}: give only one`);
  }
}

let loaded: SchemaValidator | undefined;

/** The validator of the shipped schema, read once. */
export function applySchema(): SchemaValidator {
  loaded ??= new SchemaValidator(JSON.parse(readFileSync(applySchemaPath, 'utf8')) as Schema);
  return loaded;
}
