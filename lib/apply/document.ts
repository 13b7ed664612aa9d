/**
 * Desired-state files: reading YAML or JSON with source positions, so that
 * every problem — a syntax error, a duplicate key, a value the schema or
 * the library refuses — is reported as `FILE:LINE:COL: field: problem`; and
 * writing the kernel's table in the same format (`ipvs export`).
 * @module
 */
import { LineCounter, isMap, isPair, isScalar, parseDocument, stringify, type Document, type Node } from 'yaml';
import type { Service } from '../model/types';
import { checkDesiredState, inListingOrder, type DesiredState } from './desired';
import { DesiredStateError, type FieldPath, type SourceLocation } from './errors';

/** Offset in the text of the field at `path`, or of its nearest ancestor that exists. */
function offsetOf(doc: Document, path: FieldPath, atKey: boolean): number {
  for (let depth = path.length; depth > 0; depth--) {
    const at = path.slice(0, depth);
    if (atKey && depth === path.length) {
      const parent = doc.getIn(at.slice(0, -1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === at[at.length - 1]);
        const key = pair?.key as Node | undefined;
        if (key?.range) return key.range[0];
      }
      continue;
    }
    const node = doc.getIn(at, true) as Node | undefined;
    if (node?.range) return node.range[0];
  }
  return (doc.contents as Node | null)?.range?.[0] ?? 0;
}

function locate(lines: LineCounter, file: string, offset: number): SourceLocation {
  const { line, col } = lines.linePos(offset);
  return { file, line, column: col };
}

/**
 * Reads a desired state from YAML or JSON text (JSON is read as the YAML
 * 1.2 subset it is) and checks it completely.
 * @param file Named in error messages.
 * @throws {@link DesiredStateError} with `location` set, for the first problem.
 * @example
 * ```ts
 * const desired = parseDesiredState(fs.readFileSync('lb.yaml', 'utf8'), 'lb.yaml');
 * ```
 */
export function parseDesiredState(text: string, file = '<input>'): DesiredState {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) throw new DesiredStateError([], syntax.message, { location: locate(lines, file, syntax.pos[0]) });
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  try {
    checkDesiredState(value);
  } catch (e) {
    if (!(e instanceof DesiredStateError)) throw e;
    throw new DesiredStateError(e.path, e.problem, { atKey: e.atKey, location: locate(lines, file, offsetOf(doc, e.path, e.atKey)) });
  }
  return value as DesiredState;
}

/**
 * The kernel's table (as listed with destinations) as a desired state, in
 * ipvsadm's listing order: schedulers, destination ports, forwarding and
 * weights always written, other options only where not the default.
 * Applying it to that kernel plans no step.
 * @example
 * ```ts
 * const state = exportState(await ipvs.listServices());
 * ```
 */
export function exportState(services: readonly Service[]): DesiredState {
  return { services: inListingOrder(services) };
}

/** Text formats of a desired-state file. */
export type DesiredStateFormat = 'yaml' | 'json';

/**
 * A desired state as YAML or JSON text, ending in a newline; what
 * {@link parseDesiredState} reads back to the same state.
 * @example
 * ```ts
 * process.stdout.write(formatDesiredState(exportState(await ipvs.listServices()), 'yaml'));
 * ```
 */
export function formatDesiredState(state: DesiredState, format: DesiredStateFormat = 'yaml'): string {
  if (format === 'json') return `${JSON.stringify(state, null, 2)}\n`;
  return stringify(state, { lineWidth: 0 });
}
