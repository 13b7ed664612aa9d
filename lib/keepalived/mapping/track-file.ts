/**
 * A `track_file` block as the runtime takes it (one mapping for VRRP's
 * track_file and FILE_CHECK alike), and a `vrrp_track_process` block.
 * @module
 */
import type { TrackFileOptions } from '../../track/file';
import type { TrackProcessOptions } from '../../track/process';
import type { VrrpTrackFile, VrrpTrackProcess } from '../reader/vrrp-model';

/** The runtime's options of a track_file block read from keepalived.conf. */
export function trackFileOptions(f: VrrpTrackFile): TrackFileOptions {
  return { name: f.name, file: f.file, weight: f.weight, weightReverse: f.weightReverse, ...(f.initFile ? { initFile: f.initFile } : {}) };
}

/** The runtime's options of a vrrp_track_process block read from keepalived.conf. */
export function trackProcessOptions(p: VrrpTrackProcess): TrackProcessOptions {
  return {
    name: p.name, process: p.process, fullCommand: p.fullCommand, weight: p.weight, weightReverse: p.weightReverse, quorum: p.quorum,
    ...(p.params ? { params: [...p.params] } : {}), ...(p.paramMatch ? { paramMatch: p.paramMatch } : {}),
    ...(p.quorumMax !== undefined ? { quorumMax: p.quorumMax } : {}),
    ...(p.forkDelay ? { forkDelay: p.forkDelay } : {}), ...(p.terminateDelay ? { terminateDelay: p.terminateDelay } : {}),
  };
}
