/**
 * The announcer's defaults, apart from the announcer itself, so that
 * `ipvs keepalived --help` can print them without loading the addon.
 * @module
 */

/** Default table of announced VIPs; FRR's `ip import-table` takes 1..252. */
export const ANNOUNCE_TABLE = 200;
