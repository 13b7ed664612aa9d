/**
 * A real server's health: up while every one of its checkers is up (always
 * up without checkers), with the weight a dynamic MISC_CHECK last asked for.
 * @internal
 * @module
 */
import { CheckLoop, type CheckLoopOptions, type CheckOutcome } from './check-loop';
import type { ResolvedRealServer } from './resolve';
import type { Probe } from './checkers/probe';
import type { CheckerConfig } from './types';

export type ProbeTable = Record<CheckerConfig['type'], Probe>;

export class RealServerState {
  readonly loops: CheckLoop[];
  up: boolean;
  /** Weight set by a `dynamic` MISC_CHECK; undefined = the configured weight. */
  dynamicWeight: number | undefined;

  constructor(
    readonly config: ResolvedRealServer,
    probes: ProbeTable,
    onOutcome: (rs: RealServerState, loop: CheckLoop, outcome: CheckOutcome) => void,
    options: CheckLoopOptions,
    /** A reload seeds a changed real server with its previous state. */
    initiallyUp?: boolean,
  ) {
    this.loops = config.checkers.map(
      (c) => new CheckLoop(c, probes[c.config.type], (loop, outcome) => onOutcome(this, loop, outcome), options),
    );
    if (initiallyUp !== undefined) for (const loop of this.loops) loop.up = initiallyUp;
    this.up = this.#computeUp();
  }

  get weight(): number {
    return this.dynamicWeight ?? this.config.destination.weight;
  }

  #computeUp(): boolean {
    return this.loops.every((l) => l.up);
  }

  /** Folds a checker's outcome in; true when the server's up state or weight changed. */
  update(outcome: CheckOutcome): { upChanged: boolean; weightChanged: boolean } {
    const before = this.weight;
    if (outcome.result.ok && outcome.result.weight !== undefined) this.dynamicWeight = outcome.result.weight;
    const up = this.#computeUp();
    const upChanged = up !== this.up;
    this.up = up;
    return { upChanged, weightChanged: this.weight !== before };
  }

  start(): void {
    for (const l of this.loops) l.start();
  }

  stop(): void {
    for (const l of this.loops) l.stop();
  }
}
