/**
 * The error of a desired state that cannot be applied: it names the field
 * by its path and, when the state came from a file, the line and column.
 * @module
 */
import { IpvsArgumentError } from '../model/errors';

/** A step on the way from the document's root to a value: a key or a list index. */
export type FieldPath = readonly (string | number)[];

/** Where in a file a problem is (1-based line and column). */
export interface SourceLocation {
  /** Path of the file, as given. */
  readonly file: string;
  /** Line number, from 1. */
  readonly line: number;
  /** Column number, from 1. */
  readonly column: number;
}

/** `services[2].destinations[0].weight` for `['services', 2, 'destinations', 0, 'weight']`. */
export function fieldName(path: FieldPath): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** The path of a field name as {@link fieldName} writes it (and the library's validators do). */
export function parseFieldName(field: string): FieldPath {
  const path: (string | number)[] = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) path.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return path;
}

/**
 * A desired state (or a file holding one) was rejected before anything
 * reached the kernel. `message` reads
 * `FILE:LINE:COL: services[2].destinations[0].weight: expected an integer 0..2147483647, got "ten"`
 * (without the location when the state did not come from a file).
 */
export class DesiredStateError extends IpvsArgumentError {
  /** The offending field as a path from the document's root. */
  readonly path: FieldPath;
  /** What is wrong, without the field name or location. */
  readonly problem: string;
  /** True when the key itself is the problem (an unknown key), not its value. */
  readonly atKey: boolean;
  /** Where in the file, when the state was read from one. */
  readonly location?: SourceLocation;

  constructor(path: FieldPath, problem: string, options: { atKey?: boolean; location?: SourceLocation } = {}) {
    super(fieldName(path), problem);
    this.path = path;
    this.problem = problem;
    this.atKey = options.atKey ?? false;
    const where = options.location ? `${options.location.file}:${options.location.line}:${options.location.column}: ` : '';
    if (options.location) this.location = options.location;
    this.message = `${where}${path.length ? `${fieldName(path)}: ` : ''}${problem}`;
  }

  override get name(): string {
    return 'DesiredStateError';
  }
}
