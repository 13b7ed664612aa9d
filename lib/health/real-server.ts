/**
 * A real server's health: up while every one of its checkers and file
 * checks is up (always up without any), with the weight a dynamic
 * MISC_CHECK last asked for plus what its FILE_CHECKs add.
 * @internal
 * @module
 */
import { CheckLoop, type CheckLoopOptions, type CheckOutcome } from './check-loop';
import type { ResolvedRealServer } from './resolve';
import type { Probe } from './checkers/probe';
import type { CheckerConfig } from './types';
import { effectiveWeight, FileCheckState } from './file-check';
import { BfdCheckState } from './bfd-check';

export type ProbeTable = Record<CheckerConfig['type'], Probe>;

export class RealServerState {
  readonly loops: CheckLoop[];
  readonly files: FileCheckState[];
  readonly bfds: BfdCheckState[];
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
    /** The current value of a track file, by name (FILE_CHECK). */
    fileValue: (name: string) => number = () => 0,
    /** Whether a bfd_instance's session is Up now (BFD_CHECK): a check created while it is takes the Up event at once. */
    bfdUp: (name: string) => boolean = () => false,
  ) {
    this.loops = config.checkers.map(
      (c) => new CheckLoop(c, probes[c.config.type], (loop, outcome) => onOutcome(this, loop, outcome), options),
    );
    if (initiallyUp !== undefined) for (const loop of this.loops) loop.up = initiallyUp;
    this.files = config.fileChecks.map((f) => new FileCheckState(f, fileValue(f.trackFile), options.firstFailureCounts === true));
    this.bfds = config.bfdChecks.map((b) => new BfdCheckState(b, initiallyUp));
    for (const b of this.bfds) if (bfdUp(b.check.bfdInstance)) b.event(true);
    this.up = this.#computeUp();
  }

  get weight(): number {
    return effectiveWeight(this.dynamicWeight ?? this.config.destination.weight, this.files);
  }

  #computeUp(): boolean {
    return this.loops.every((l) => l.up) && this.files.every((f) => f.up) && this.bfds.every((b) => b.up);
  }

  /**
   * A BFD event for `instance`: applied to each BFD_CHECK following it;
   * `acted` lists the checks keepalived acts (and logs) on.
   */
  bfdEvent(instance: string, up: boolean): { upChanged: boolean; weightChanged: boolean; acted: BfdCheckState[] } {
    const acted = this.bfds.filter((b) => b.check.bfdInstance === instance && b.event(up));
    const now = this.#computeUp();
    const upChanged = now !== this.up;
    this.up = now;
    return { upChanged, weightChanged: false, acted };
  }

  /** A track file's value changed: applies it to the file checks following it. */
  fileChanged(name: string, value: number): { upChanged: boolean; weightChanged: boolean } {
    const before = this.weight;
    for (const f of this.files) if (f.check.trackFile === name) f.update(value);
    const up = this.#computeUp();
    const upChanged = up !== this.up;
    this.up = up;
    return { upChanged, weightChanged: this.weight !== before };
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
