/**
 * `ipvs`: drive the Linux kernel's IP Virtual Server (LVS) from Node.js over
 * generic netlink.
 *
 * @example
 * ```ts
 * import { Ipvs } from 'ipvs';
 * const ipvs = await Ipvs.open();
 * await ipvs.addService({ protocol: 'tcp', address: '10.0.0.13', port: 80, scheduler: 'rr' });
 * ```
 * @module
 */
export { Ipvs } from './ipvs';
export { IpvsError, IpvsArgumentError } from './errors';
export { Batch } from './batch';
export type { WriteOperations } from './batch';
export { Stream } from './stream';
export type { StreamOptions } from './stream';
export type { BatchResult } from './batch';
export type { IpvsErrorReason, IpvsErrorInit } from './errors';
export type { ServicePatch, ListOptions } from './operations';
export type * from './types';
export * from './apply';
export { VirtualServerManager } from './health/manager';
export type { ManagerOptions, StopOptions } from './health/manager';
export type * from './health/types';
export type * from './health/events';
