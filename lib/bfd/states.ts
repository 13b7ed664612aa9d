/**
 * RFC 5880's session states and diagnostic codes by name.
 * @module
 */

/** A session state (RFC 5880 section 4.1). */
export type BfdState = 'AdminDown' | 'Down' | 'Init' | 'Up';

/** States by their wire number. */
export const BFD_STATES: readonly BfdState[] = ['AdminDown', 'Down', 'Init', 'Up'];

/** Diagnostic codes by their wire number, as RFC 5880 names them (keepalived logs these). */
export const BFD_DIAGNOSTICS: readonly string[] = [
  'No Diagnostic', 'Control Detection Time Expired', 'Echo Function Failed', 'Neighbor Signaled Session Down', 'Forwarding Plane Reset',
  'Path Down', 'Concatenated Path Down', 'Administratively Down', 'Reverse Concatenated Path Down',
];

export function stateName(n: number): BfdState {
  return BFD_STATES[n] ?? 'Down';
}

export function diagName(n: number): string {
  return BFD_DIAGNOSTICS[n] ?? `diagnostic ${n}`;
}
