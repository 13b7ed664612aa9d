/**
 * The VRRP runtime's defaults and ranges, each written once:
 * {@link resolveVrrpOptions} and the router's validation check against
 * them, the keepalived.conf reader fills the same defaults (they are
 * keepalived's), and the keepalived mapping clamps to the ranges where
 * keepalived accepts more, with a warning.
 * @module
 */
import { VRRP_GROUP_V4, VRRP_GROUP_V6 } from './packet';
import { TRACK_FILE_WEIGHT } from '../track/file';

/** keepalived's defaults, which the runtime shares. */
export const VRRP_DEFAULTS = {
  /** `default_interface`: the interface of a static address written without `dev`. */
  defaultInterface: 'eth0',
  /** `priority` of an instance that is not the address owner. */
  priority: 100,
  /** The address owner's priority; also the default with `state MASTER`. */
  ownerPriority: 255,
  /** `advert_int`, seconds. */
  advertInt: 1,
  /** `version` (`vrrp_version`). */
  version: 2,
  /** `down_timer_adverts`: the Master_Down multiplier. */
  downTimerAdverts: 3,
  /** `unicast_ttl`. */
  unicastTtl: 255,
  /** IPv4 advert group (`vrrp_mcast_group4`). */
  mcastGroup4: VRRP_GROUP_V4,
  /** IPv6 advert group (`vrrp_mcast_group6`). */
  mcastGroup6: VRRP_GROUP_V6,
  /** `garp_master_delay`, seconds; `garp_lower_prio_delay` defaults to it. */
  garpMasterDelay: 5,
  /** `garp_master_repeat`; `garp_lower_prio_repeat` defaults to it. */
  garpMasterRepeat: 5,
  /** `garp_master_refresh`, seconds (0: none). */
  garpMasterRefresh: 0,
  /** `garp_master_refresh_repeat`. */
  garpMasterRefreshRepeat: 1,
  /** `vrrp_script` `interval`, seconds. */
  scriptInterval: 1,
  /** `track_file` `weight`. */
  trackFileWeight: TRACK_FILE_WEIGHT,
} as const;

/** Inclusive [min, max] the runtime accepts; an option field's own range is keyed by its name. */
export const VRRP_LIMITS = {
  virtualRouterId: [1, 255],
  priority: [1, 255],
  /** `advertInt` of VRRPv2: whole seconds. */
  advertIntV2: [1, 255],
  /** `advertInt` of VRRPv3: 12 bits of centiseconds. */
  advertIntV3: [0.01, 40.95],
  preemptDelay: [0, 1000],
  downTimerAdverts: [1, 100],
  /** 0 goes on the wire as written, as keepalived 2.2.7 sends it. */
  unicastTtl: [0, 255],
  /** `min_ttl` / `max_ttl` of a unicast peer (a range with min above max drops everything, as keepalived's does). */
  ttlRange: [0, 255],
  /** Virtual addresses of one instance (none: a VRRPv2 IPv4 instance, as keepalived 2.2.7 runs one). */
  virtualIpaddress: [0, 255],
  garpMasterDelay: [0, 3600],
  garpMasterRepeat: [0, 1000],
  garpLowerPrioDelay: [0, 3600],
  garpLowerPrioRepeat: [0, 1000],
  garpMasterRefresh: [0, 86400],
  garpMasterRefreshRepeat: [1, 1000],
  /** `garp_extra_if` seconds (keepalived: at most a day). */
  garpExtraIf: [1, 86400],
  /** Seconds between GARP/NA frames on an interface in no garp_group (keepalived's global range, in µs in a 32-bit word). */
  garpInterval: [0, 4294.967295],
  /** `vrrp_rt_priority`: a SCHED_RR priority. */
  rtPriority: [1, 99],
  /** SO_RCVBUF of the advert socket, bytes (an int). */
  kernelRxBufSize: [1, 2147483647],
  /** The advert watchdog's bound in ms (0: off); at most an hour. */
  advertWatchdogMs: [0, 3_600_000],
} as const satisfies Record<string, readonly [number, number]>;
