/**
 * Scale-out announcement of VIPs through a routing daemon (docs/scale-out.md).
 * @module
 */
export { Announcer, ANNOUNCE_PROTOCOL, ANNOUNCE_TABLE, resolveAnnouncerOptions } from './announcer';
export type { AnnouncerOptions, AnnouncerSettings } from './announcer';
