/**
 * VRRP advertisements exactly as on the wire: VRRPv2 (RFC 3768, with the
 * RFC 2338 simple-password field) and VRRPv3 (RFC 5798) over IPv4 and IPv6,
 * with keepalived's checksum conventions, and the receive checks in
 * keepalived's order so drops land in the same counters. Pure: bytes in,
 * bytes or verdicts out.
 * @module
 */
import { addressBytes, addressText, internetChecksum, pseudoHeader, type IpFamily } from './bytes';

/** IANA protocol number of VRRP. */
export const VRRP_PROTOCOL = 112;
/** Multicast groups adverts go to unless unicast peers are configured. */
export const VRRP_GROUP_V4 = '224.0.0.18';
/** IPv6 multicast group of VRRPv3 adverts (RFC 5798 §5.1.2.2); {@link VRRP_GROUP_V4} is IPv4's. */
export const VRRP_GROUP_V6 = 'ff02::12';
/** TTL / hop limit adverts are sent with and multicast adverts must arrive with. */
export const VRRP_TTL = 255;

/** Authentication types of VRRPv2 (RFC 2338): none, simple password, IPsec AH. */
export const AUTH_NONE = 0;
/** Auth Type 1: simple text password (`auth_type PASS`). */
export const AUTH_PASS = 1;
/** Auth Type 2: IP Authentication Header (`auth_type AH`): IPv4 protocol 51 around the VRRP message, checked by the addon. */
export const AUTH_AH = 2;
/** IANA protocol number of the IP Authentication Header (RFC 4302). */
export const AUTH_HEADER_PROTOCOL = 51;
/** Bytes of the Authentication Header keepalived sends: 12 fixed, a 96-bit ICV. */
export const AUTH_HEADER_LENGTH = 24;

/** The content of one advertisement, independent of version-specific encoding. */
export interface Advert {
  /** Version field: 2 (RFC 3768) or 3 (RFC 5798). */
  version: 2 | 3;
  /** Virtual Rtr ID (VRID) field, 1..255. */
  virtualRouterId: number;
  /** Priority field, 0..255: 255 address owner, 0 master leaving. */
  priority: number;
  /** Advertisement interval in centiseconds (v2 carries whole seconds on the wire). */
  intervalCs: number;
  /** Virtual addresses carried, all of the advert's family. */
  addresses: string[];
  /** VRRPv2 only: authentication type and its 8 data bytes. */
  authType?: number;
  /** VRRPv2 only: the 8 Authentication Data bytes (the PASS password, zero-padded). */
  authData?: Uint8Array;
}

/** Which IPv4 VRRPv3 checksum to compute: keepalived's default pseudo-header form or RFC 9568's plain form. */
export type V3Checksum = 'pseudo-header' | 'plain';

/** The IP-level facts the VRRP checksum depends on. */
export interface EncodeContext {
  /** IP version of the packet: 4 or 6. */
  family: IpFamily;
  /** Source and destination of the IP packet: they enter the pseudo-header. */
  source: string;
  /** IP destination: the multicast group or a unicast peer. */
  destination: string;
  /** IPv4 VRRPv3 only: checksum form; default `'pseudo-header'` (`v3_checksum_as_v2` selects `'plain'`). */
  v3Checksum?: V3Checksum;
  /**
   * IPv4 VRRPv3 unicast only: the address the pseudo-header names instead of
   * `destination`. keepalived before 1.3.6 named the multicast group there
   * (`old_unicast_checksum`).
   */
  checksumDestination?: string;
}

function addressLength(family: IpFamily): number {
  return family === 4 ? 4 : 16;
}

/** Length of the VRRP message (no IP header) for `count` addresses. */
export function messageLength(version: 2 | 3, family: IpFamily, count: number): number {
  return 8 + count * addressLength(family) + (version === 2 && family === 4 ? 8 : 0);
}

/** The checksum a message must carry (its checksum field is ignored). */
export function advertChecksum(message: Uint8Array, version: 2 | 3, context: EncodeContext): number {
  const zeroed = message.slice();
  zeroed[6] = 0;
  zeroed[7] = 0;
  const withPseudo = context.family === 6 || (version === 3 && (context.v3Checksum ?? 'pseudo-header') === 'pseudo-header');
  if (!withPseudo) return internetChecksum(zeroed);
  const destination = context.family === 4 ? (context.checksumDestination ?? context.destination) : context.destination;
  return internetChecksum(pseudoHeader(context.source, destination, VRRP_PROTOCOL, zeroed.length), zeroed);
}

/** The VRRP message bytes (the kernel adds the IP header). */
export function encodeAdvert(advert: Advert, context: EncodeContext): Uint8Array {
  const { version, addresses } = advert;
  const out = new Uint8Array(messageLength(version, context.family, addresses.length));
  out[0] = (version << 4) | 1;
  out[1] = advert.virtualRouterId;
  out[2] = advert.priority;
  out[3] = addresses.length;
  if (version === 2) {
    out[4] = advert.authType ?? AUTH_NONE;
    out[5] = Math.round(advert.intervalCs / 100);
  } else {
    out[4] = (advert.intervalCs >> 8) & 0x0f;
    out[5] = advert.intervalCs & 0xff;
  }
  const size = addressLength(context.family);
  addresses.forEach((address, i) => out.set(addressBytes(address), 8 + i * size));
  if (version === 2 && context.family === 4 && advert.authData) out.set(advert.authData.subarray(0, 8), 8 + addresses.length * 4);
  const sum = advertChecksum(out, version, context);
  out[6] = sum >> 8;
  out[7] = sum & 0xff;
  return out;
}

/** An 8-byte PASS authentication field: truncated or zero-padded, as keepalived does. */
export function passwordField(password: string): Uint8Array {
  const out = new Uint8Array(8);
  out.set(new TextEncoder().encode(password).subarray(0, 8));
  return out;
}

/**
 * What the socket delivered. IPv4: the whole datagram (header included, as
 * raw sockets give it). IPv6: the VRRP message, with the source, destination
 * and hop limit from the ancillary data.
 */
export interface Datagram {
  /** IP version the socket is for: 4 or 6. */
  family: IpFamily;
  /** IPv4: the whole IP datagram; IPv6: the VRRP message only. */
  data: Uint8Array;
  /** IPv6 only: IP source address, from the ancillary data. */
  source?: string;
  /** IPv6 only: IP destination address, from the ancillary data. */
  destination?: string;
  /** IPv6 only: Hop Limit the packet arrived with (must be 255 for multicast). */
  hopLimit?: number;
  /** IPv4 with `auth_type AH`: what the addon's check of the Authentication Header found. */
  ah?: AhCheck;
}

/**
 * The addon's Authentication Header check of one datagram (keepalived's
 * vrrp_in_chk_ipsecah): `unchecked` when it is not an AH advert of this VRID
 * as keepalived would check it (the checks here judge it), `valid`, or why
 * it failed: `icv` (wrong key or altered), `spi` (not the source address),
 * `replay` (sequence number not above the last one seen or sent).
 */
export type AhCheck = 'unchecked' | 'valid' | 'icv' | 'spi' | 'replay';

/**
 * Why an advert was dropped; the names are keepalived's statistics counters
 * where it has one (`packet_len_err`, `ip_ttl_err`…), else a short name.
 */
export type DropReason =
  | 'packet_len_err'
  | 'authtype_mismatch'
  | 'ip_ttl_err'
  | 'vers_err'
  | 'invalid_authtype'
  | 'auth_failure'
  | 'advert_interval_err'
  | 'invalid_type_rcvd'
  | 'chk_err'
  | 'addr_list_err'
  | 'unknown_vrid'
  | 'owner_ignore'
  | 'not_a_peer';

/** What the receiver is configured for: the inputs of the checks. */
export interface ReceivePolicy {
  /** IP version of the instance: 4 or 6. */
  family: IpFamily;
  /** Our VRRP version (`version`); adverts of the other version are dropped (`vers_err`). */
  version: 2 | 3;
  /** Our VRID (`virtual_router_id`); other VRIDs are dropped as `unknown_vrid`. */
  virtualRouterId: number;
  /** Configured interval in centiseconds (v2 drops a mismatch, v3 adopts the master's). */
  intervalCs: number;
  /** Unicast mode: skip the TTL check; packets must not come to a multicast address. */
  unicast: boolean;
  /** v2: expected auth type and data. */
  authType: number;
  /** v2 PASS: the expected 8 Authentication Data bytes; missing means all zeros. */
  authData?: Uint8Array;
  /** IPv4 VRRPv3 checksum form; with `'plain'` the checksum is not verified. */
  v3Checksum: V3Checksum;
  /**
   * IPv4 VRRPv3 unicast: keepalived's old checksum (pseudo-header naming the
   * multicast group `group`, not our address). `'use'`: only that form is
   * valid; `'detect'`: the usual form, else the old one, which is then
   * reported (`oldChecksum`); absent (`never`): the usual form only.
   */
  oldUnicastChecksum?: {
    /** `'use'` the old form only, or `'detect'` it after the usual one fails. */
    mode: 'use' | 'detect';
    /** The multicast group the old form's pseudo-header names. */
    group: string;
  };
  /** The addresses this instance advertises, for the (log-only) list comparison. */
  addresses: readonly string[];
  /** Priority-255 instance that ignores all adverts (`owner_ignore_adverts`). */
  ignoreAll: boolean;
  /** `check_unicast_src`: the only sources accepted in unicast mode. */
  allowedSources?: readonly string[];
  /** `unicast_peer ... min_ttl / max_ttl`: the TTL (hop limit) range accepted from each peer that narrows it. */
  peerTtl?: ReadonlyMap<string, TtlRange>;
}

/** An inclusive range of TTLs (IPv6: hop limits). */
export interface TtlRange {
  /** The lowest accepted. */
  min: number;
  /** The highest accepted. */
  max: number;
}

/** An advert that passed every check, with what the state machine and counters need. */
export interface AcceptedAdvert {
  /** The decoded advertisement. */
  advert: Advert;
  /** IP source address of the packet: the sender's address. */
  source: string;
  /** IP destination address: the multicast group or our unicast address. */
  destination: string;
  /** IPv4 TTL or IPv6 Hop Limit the packet arrived with. */
  ttl: number;
  /** v3: the master advertises another interval (logged; adopted while backup). */
  intervalMismatch: boolean;
  /** The carried address list differs from ours (logged and counted, not dropped). */
  addressListMismatch: boolean;
  /** Its checksum was keepalived's old unicast form, found by {@link ReceivePolicy.oldUnicastChecksum}'s `'detect'`. */
  oldChecksum?: true;
}

/** Outcome of {@link receiveAdvert}: exactly one of `accepted` or `drop` is set. */
export type Verdict =
  | {
      /** The advert passed every check. */
      accepted: AcceptedAdvert;
      /** Unset when accepted. */
      drop?: undefined;
    }
  | {
      /** Unset when dropped. */
      accepted?: undefined;
      /** Why the advert was dropped. */
      drop: DropReason;
      /** `auth_failure` of an AH advert: which check failed. */
      detail?: Exclude<AhCheck, 'unchecked' | 'valid'>;
      /**
       * `ip_ttl_err` from a unicast peer outside its `min_ttl`/`max_ttl`: the TTL and the range. keepalived counts
       * such an advert as received as well, and logs each.
       */
      ttl?: TtlRange & {
        /** The advert's TTL (IPv6: hop limit). */
        ttl: number;
      };
    };

const drop = (reason: DropReason): Verdict => ({ drop: reason });

/** Frames shorter than Ethernet's 46-byte minimum payload arrive padded. */
const MIN_ETHERNET_PAYLOAD = 46;

interface Located {
  message: Uint8Array;
  source: string;
  destination: string;
  ttl: number;
  ipProtocol: number;
  /** IPv4 total-length field, or the datagram length for IPv6. */
  ipTotal: number;
  /** Bytes before the VRRP message: the IPv4 header, and the Authentication Header with AH. */
  headerLength: number;
  /** With AH: its Next Header field (112 for VRRP). */
  ahNextHeader?: number;
}

function locate(d: Datagram): Located | undefined {
  if (d.family === 6) {
    if (d.source === undefined || d.destination === undefined || d.hopLimit === undefined) return undefined;
    return {
      message: d.data,
      source: d.source,
      destination: d.destination,
      ttl: d.hopLimit,
      ipProtocol: VRRP_PROTOCOL,
      ipTotal: d.data.length,
      headerLength: 0,
    };
  }
  const data = d.data;
  if (data.length < 20 || data[0]! >> 4 !== 4) return undefined;
  const ipHeader = (data[0]! & 0x0f) * 4;
  const ah = data[9] === AUTH_HEADER_PROTOCOL;
  const headerLength = ipHeader + (ah ? AUTH_HEADER_LENGTH : 0);
  if (ipHeader < 20 || data.length < ipHeader) return undefined;
  return {
    ...(ah && data.length > ipHeader ? { ahNextHeader: data[ipHeader]! } : {}),
    message: data.subarray(headerLength),
    source: addressText(data.subarray(12, 16)),
    destination: addressText(data.subarray(16, 20)),
    ttl: data[8]!,
    ipProtocol: data[9]!,
    ipTotal: (data[2]! << 8) | data[3]!,
    headerLength,
  };
}

function isMulticast(address: string, family: IpFamily): boolean {
  const first = addressBytes(address)[0]!;
  return family === 4 ? first >= 224 && first <= 239 : first === 0xff;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Parses the fixed fields and addresses of a message already known long enough. */
function readAdvert(message: Uint8Array, family: IpFamily): Advert {
  const version = (message[0]! >> 4) as 2 | 3;
  const count = message[3]!;
  const size = addressLength(family);
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) addresses.push(addressText(message.subarray(8 + i * size, 8 + (i + 1) * size)));
  const advert: Advert = {
    version,
    virtualRouterId: message[1]!,
    priority: message[2]!,
    intervalCs: version === 2 ? message[5]! * 100 : ((message[4]! & 0x0f) << 8) | message[5]!,
    addresses,
  };
  if (version === 2 && family === 4) {
    advert.authType = message[4]!;
    const start = 8 + count * 4;
    advert.authData = message.slice(start, start + 8);
  }
  return advert;
}

/**
 * Decodes and checks one received datagram against `policy`, in keepalived's
 * order (inventory §21.5): lengths, AH, exact length, TTL, version, v2
 * authentication and interval, type, IP length, checksum, unicast/multicast
 * destination, owner ignore, source peer. Never throws on any input.
 */
export function receiveAdvert(datagram: Datagram, policy: ReceivePolicy): Verdict {
  const at = locate(datagram);
  if (!at) return drop('packet_len_err');
  // keepalived: "Received AH header but auth type not AH" / "No AH header but auth type is AH".
  const ah = at.ipProtocol === AUTH_HEADER_PROTOCOL;
  if (at.ipProtocol !== VRRP_PROTOCOL && !ah) return drop('authtype_mismatch');
  if (ah !== (policy.authType === AUTH_AH && policy.family === 4)) return drop('authtype_mismatch');
  if (at.message.length < 8) return drop('packet_len_err');
  // IPsec AH protecting another protocol: keepalived ignores it uncounted; counted here with other routers' traffic.
  if (ah && at.ahNextHeader !== VRRP_PROTOCOL) return drop('unknown_vrid');
  const { message, ttl } = at;
  const version = message[0]! >> 4;
  const lengthVersion = version === 2 || version === 3 ? version : policy.version;
  const expected = messageLength(lengthVersion, policy.family, message[3]!);
  const padded = at.headerLength + message.length <= MIN_ETHERNET_PAYLOAD;
  if (message.length < expected || (message.length > expected && !padded)) return drop('packet_len_err');
  if (message[1] !== policy.virtualRouterId) return drop('unknown_vrid');
  if (!policy.unicast && ttl !== VRRP_TTL) return drop('ip_ttl_err');
  if (version !== policy.version) return drop('vers_err');
  const body = message.subarray(0, expected);
  const advert = readAdvert(body, policy.family);
  if (version === 2 && policy.family === 4) {
    if (advert.authType! > AUTH_AH) return drop('invalid_authtype');
    if (advert.authType !== policy.authType) return drop('authtype_mismatch');
    if (policy.authType === AUTH_PASS && !sameBytes(advert.authData!, policy.authData ?? new Uint8Array(8))) return drop('auth_failure');
    const check = datagram.ah ?? 'unchecked';
    if (ah && check !== 'valid') return { drop: 'auth_failure', ...(check !== 'unchecked' ? { detail: check } : {}) };
  }
  if (version === 2 && advert.intervalCs !== policy.intervalCs) return drop('advert_interval_err');
  if ((message[0]! & 0x0f) !== 1) return drop('invalid_type_rcvd');
  if (policy.family === 4 && at.ipTotal !== at.headerLength + message.length && at.ipTotal !== at.headerLength + expected) return drop('packet_len_err');
  const intervalMismatch = version === 3 && advert.intervalCs !== policy.intervalCs;
  const verifyChecksum = !(version === 3 && policy.family === 4 && policy.v3Checksum === 'plain');
  let oldChecksum = false;
  if (verifyChecksum) {
    const carried = (body[6]! << 8) | body[7]!;
    const context = { family: policy.family, source: at.source, destination: at.destination, v3Checksum: policy.v3Checksum };
    // keepalived's old form exists for IPv4 VRRPv3 unicast only, and cannot differ when the advert came to the group itself.
    const old = version === 3 && policy.family === 4 && policy.unicast && at.destination !== policy.oldUnicastChecksum?.group
      ? policy.oldUnicastChecksum : undefined;
    const matches = (checksumDestination?: string) =>
      advertChecksum(body, version as 2 | 3, checksumDestination ? { ...context, checksumDestination } : context) === carried;
    if (old?.mode === 'use' ? !matches(old.group) : !matches()) {
      if (old?.mode !== 'detect' || !matches(old.group)) return drop('chk_err');
      oldChecksum = true;
    }
  }
  if (policy.unicast === isMulticast(at.destination, policy.family)) return drop('addr_list_err');
  if (policy.ignoreAll) return drop('owner_ignore');
  if (policy.unicast && policy.allowedSources && !policy.allowedSources.includes(at.source)) return drop('not_a_peer');
  const range = policy.unicast ? policy.peerTtl?.get(at.source) : undefined;
  if (range && (ttl < range.min || ttl > range.max)) return { drop: 'ip_ttl_err', ttl: { ttl, ...range } };
  const ours = [...policy.addresses].sort();
  const theirs = [...advert.addresses].sort();
  const addressListMismatch = ours.length !== theirs.length || ours.some((a, i) => a !== theirs[i]);
  return {
    accepted: {
      advert, source: at.source, destination: at.destination, ttl, intervalMismatch, addressListMismatch,
      ...(oldChecksum ? { oldChecksum: true } : {}),
    },
  };
}
