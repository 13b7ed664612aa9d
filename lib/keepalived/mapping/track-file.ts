/**
 * A `track_file` block as the runtime takes it: one mapping for VRRP's
 * track_file and FILE_CHECK alike.
 * @module
 */
import type { TrackFileOptions } from '../../track/file';
import type { VrrpTrackFile } from '../reader/vrrp-model';

/** The runtime's options of a track_file block read from keepalived.conf. */
export function trackFileOptions(f: VrrpTrackFile): TrackFileOptions {
  return { name: f.name, file: f.file, weight: f.weight, weightReverse: f.weightReverse, ...(f.initFile ? { initFile: f.initFile } : {}) };
}
