/**
 * Configuration of the health-checking load balancer: virtual servers, their
 * real servers and the checkers that decide whether each real server takes
 * traffic. The shapes follow keepalived's `virtual_server` blocks with
 * camel-cased names; times are in seconds (fractions allowed), as in
 * keepalived.conf. A value set on a virtual server is the default for its
 * real servers, and a real server's is the default for its checkers.
 * @module
 */
import type { ScriptPolicy } from '../scripts/security';
import type { Forwarding, ServiceSpec, TunnelOptions } from '../model/types';
import type { DrainWaitFor } from '../handle/drain';
import type { TrackFileOptions } from '../track/file';
import type { BfdInstanceOptions } from '../bfd/options';

/** Timing and start-state options every checker takes (inherited downwards). */
export interface CheckTiming {
  /** Seconds between checks while the result does not change. Default 60. */
  delayLoop?: number;
  /** Seconds to wait for a connection (and a reply). Default 5. */
  connectTimeout?: number;
  /** Extra attempts before a failing check marks the server down. Default 1 (MISC 0, DNS 3). */
  retry?: number;
  /** Seconds between those extra attempts. Default 1 (HTTP/SSL 3, DNS the delay loop). */
  delayBeforeRetry?: number;
  /**
   * The first check happens at a random moment within this many seconds, so
   * many checkers started together spread out. Default 0 (check at once);
   * keepalived's default is the delay loop.
   */
  warmup?: number;
  /** Start down and come up only after a successful check (keepalived `alpha`). */
  alpha?: boolean;
}

/** Where a network checker connects. */
export interface CheckTarget {
  /** Default: the real server's address. */
  connectIp?: string;
  /** Default: the real server's port. */
  connectPort?: number;
  /** Source address of the checker's socket. */
  bindTo?: string;
  /** Source port of the checker's socket. */
  bindPort?: number;
  /**
   * Interface the checker's socket is bound to (SO_BINDTODEVICE): it sends
   * and receives only through it. Needs CAP_NET_RAW; an interface that does
   * not exist fails every attempt with ENODEV.
   */
  bindIf?: string;
  /**
   * Firewall mark of the checker's packets (SO_MARK, 1 to 2^32-1; 0 for
   * none), for policy routing (`ip rule add fwmark`) and firewall rules.
   * Needs CAP_NET_ADMIN, else every attempt fails with EPERM.
   */
  fwmark?: number;
}

/** `TCP_CHECK`: up when a TCP connection is accepted within `connectTimeout`. */
export interface TcpCheck extends CheckTiming, CheckTarget {
  /** Selects `TCP_CHECK`. */
  type: 'tcp';
}

/** One `url { }` block of an HTTP or SSL check: every URL must pass. */
export interface HttpUrl {
  /** Path (and query) requested, e.g. `/health`; keepalived `path`. */
  path: string;
  /** MD5 of the response body, 32 hex digits (keepalived `genhash`). */
  digest?: string;
  /** Accepted status codes: numbers and `[from, to]` ranges. Default 200–299. */
  statusCode?: readonly (number | readonly [number, number])[];
  /** Host header for this URL; default the checker's or virtual server's. */
  virtualhost?: string;
  /** A pattern the reply must (or must not) match: keepalived's `regex` keywords. */
  regex?: HttpUrlRegex;
}

/**
 * keepalived's `regex`, `regex_no_match`, `regex_options`,
 * `regex_min_offset` and `regex_max_offset`. As in keepalived, the pattern
 * is matched against the whole reply, header included, and offsets count
 * bytes from its first byte.
 */
export interface HttpUrlRegex {
  /** The pattern, in JavaScript syntax (keepalived uses PCRE2; simple patterns read the same in both). */
  pattern: string;
  /** Flags: `i` (PCRE2 caseless), `m` (multiline), `s` (dotall), `u` (utf). Default none. */
  flags?: string;
  /** `regex_no_match`: up when the reply does not match. Default false. */
  noMatch?: boolean;
  /** `regex_min_offset`: a match may start no earlier than this byte. Default 0. */
  minOffset?: number;
  /** `regex_max_offset`: a match must start before this byte. Default: anywhere. */
  maxOffset?: number;
}

/** `HTTP_GET` (`type: 'http'`) and `SSL_GET` (`type: 'https'`). */
export interface HttpCheck extends CheckTiming, CheckTarget {
  /** `'http'` for `HTTP_GET`, `'https'` for `SSL_GET` (TLS). */
  type: 'http' | 'https';
  /** The URLs fetched on each check (at least one); the server is up only if every one passes. */
  urls: readonly HttpUrl[];
  /** Host header; default the virtual server's `virtualhost`, else the address. */
  virtualhost?: string;
  /**
   * keepalived's `http_protocol`: `'1.0'` (the default), `'1.0C'` (1.0 with
   * `Connection: close`) or `'1.1'` (which always sends `Connection: close`).
   */
  httpProtocol?: '1.0' | '1.0C' | '1.1';
  /** SSL_GET: send SNI (the virtualhost, or `sniName`). Default false. */
  enableSni?: boolean;
  /** SSL_GET: server name sent in SNI instead of the virtualhost (keepalived `enable_sni` name). */
  sniName?: string;
  /**
   * SSL_GET: verify the server certificate against these PEM CA
   * certificates. Absent (the default, as keepalived): any certificate.
   */
  ca?: string;
  /** SSL_GET: client certificate (PEM) presented to the server (keepalived `SSL { certificate }`). */
  certificate?: string;
  /** SSL_GET: the client certificate's private key (PEM; keepalived `SSL { key }`). Needed with `certificate`. */
  key?: string;
  /** SSL_GET: pass phrase of an encrypted `key` (keepalived `SSL { password }`). */
  password?: string;
}

/** `SMTP_CHECK`: up on a 220 banner and a 250 answer to HELO. */
export interface SmtpCheck extends CheckTiming, CheckTarget {
  /** Selects `SMTP_CHECK`. */
  type: 'smtp';
  /** Default `smtpchecker.keepalived.org`. */
  heloName?: string;
}

/** Record types a DNS check may ask for. */
export type DnsRecordType = 'A' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'AAAA' | 'RRSIG' | 'DNSKEY';

/** `DNS_CHECK`: a UDP query; up on an answer with our id and RCODE 0. */
export interface DnsCheck extends CheckTiming, CheckTarget {
  /** Selects `DNS_CHECK`. */
  type: 'dns';
  /** Default `'SOA'`. */
  recordType?: DnsRecordType;
  /** Default `'.'`. */
  name?: string;
}

/** `UDP_CHECK`: sends a datagram; down on an ICMP error or no (matching) reply. */
export interface UdpCheck extends CheckTiming, CheckTarget {
  /** Selects `UDP_CHECK`. */
  type: 'udp';
  /** Payload as hex digits; default one zero byte. */
  payload?: string;
  /**
   * A reply is required and must start with these hex digits (`X` or `x`
   * matches any nibble; `''` accepts any reply). Without it, silence until
   * the timeout counts as up.
   */
  requireReply?: string;
  /** Default 0. */
  minReplyLength?: number;
  /** Default 255. */
  maxReplyLength?: number;
}

/** `MISC_CHECK`: runs a program; exit 0 is up. */
export interface MiscCheck extends CheckTiming {
  /** Selects `MISC_CHECK`. */
  type: 'misc';
  /** Command line, split on spaces (double quotes group words). */
  path: string;
  /** Seconds before the program is killed and counted as failed; default the delay loop. */
  timeout?: number;
  /** Exit 0 = up, 1 = down, 2–255 = up with weight status − 2. */
  dynamic?: boolean;
  /** Run as this user (and group), by name or id. */
  user?: string;
  /** Run with this group, by name or id; default the `user`'s primary group. */
  group?: string;
}

/** `PING_CHECK`: an ICMP (or ICMPv6) echo answered within `connectTimeout`. */
export interface PingCheck extends CheckTiming {
  /** Selects `PING_CHECK`. */
  type: 'ping';
  /** Address pinged; default the real server's address. */
  connectIp?: string;
}

/** Any checker. */
export type CheckerConfig = TcpCheck | HttpCheck | SmtpCheck | DnsCheck | UdpCheck | MiscCheck | PingCheck;

/**
 * keepalived's `FILE_CHECK`: the real server follows a `track_file`. The
 * file's value times the weight is added to the real server's weight (the
 * IPVS weight stays within 0..2³¹−1); with weight 0 a non-zero value (with
 * `reverse`, a zero one) takes the server down. It has no schedule: the
 * file is watched and every change applies at once.
 */
export interface FileCheck {
  /** The `track_file` block's name ({@link HealthConfig.trackFiles}). */
  trackFile: string;
  /** Multiplier −2147483647..2147483647; default the track_file's own weight (and its `reverse`). */
  weight?: number;
  /** `weight W reverse`: the product is negated. Only with `weight`. */
  reverse?: boolean;
}

/**
 * keepalived's `BFD_CHECK`: the real server follows a `bfd_instance`
 * session, as keepalived 2.2.7's check_bfd.c does. The check starts up
 * (down with `alpha`) and then takes the session's events: the session
 * coming Up brings it up, an Up session going Down (detection time expired,
 * or the neighbour signalling Down) takes it down. A session that never
 * comes Up sends no event, so without `alpha` the server stays up until
 * its session has been Up once; and a neighbour going AdminDown is no
 * event either. No schedule: events apply at once.
 */
export interface BfdCheck {
  /** The `bfd_instance`'s name ({@link HealthConfig.bfdInstances}). */
  bfdInstance: string;
  /** Start down until the session is first Up. Default: the real server's `alpha`. */
  alpha?: boolean;
}

/** Options a virtual server passes down to its real servers. */
export interface RealServerDefaults extends CheckTiming {
  /** On failure keep the real server with weight 0 instead of removing it. */
  inhibitOnFailure?: boolean;
  /** Host header default of HTTP/SSL checks. */
  virtualhost?: string;
}

/** A `real_server` block. */
export interface RealServerConfig extends RealServerDefaults {
  /** The real server's IPv4 or IPv6 address. */
  address: string;
  /** Default: the virtual server's port (0 for firewall-mark services). */
  port?: number;
  /** Default 1 (or the virtual server's `weight`). */
  weight?: number;
  /** Default: the virtual server's `forwarding`. */
  forwarding?: Forwarding;
  /** Encapsulation of a `'tunnel'` real server. */
  tunnel?: TunnelOptions;
  /** Stop sending it new connections above this many (keepalived `uthreshold`); 0 or absent = no limit. */
  upperThreshold?: number;
  /** Resume sending it connections below this many (keepalived `lthreshold`). */
  lowerThreshold?: number;
  /** Shell command run when the real server comes up. */
  notifyUp?: string;
  /** Shell command run when it goes down. */
  notifyDown?: string;
  /** The server is up only while all of these pass; none = always up. */
  checkers?: readonly CheckerConfig[];
  /** `FILE_CHECK` blocks: weights and up/down from track files. */
  fileChecks?: readonly FileCheck[];
  /** `BFD_CHECK` blocks: up while a BFD session is Up (by keepalived's event rules). */
  bfdChecks?: readonly BfdCheck[];
}

/** The `sorry_server` of a virtual server. */
export interface SorryServerConfig {
  /** The sorry server's IPv4 or IPv6 address. */
  address: string;
  /** Default: the virtual server's port. */
  port?: number;
  /** Default: the virtual server's `forwarding`. */
  forwarding?: Forwarding;
  /** Default 1. */
  weight?: number;
  /**
   * keepalived's `sorry_server_inhibit`: while quorum holds, keep the sorry
   * server in the table at weight 0 instead of removing it (as
   * `inhibit_on_failure` does for real servers). Default false.
   */
  inhibit?: boolean;
}

/** A `virtual_server` block. */
export interface VirtualServerConfig extends RealServerDefaults {
  /** The IPVS service: identity and scheduling options. */
  service: ServiceSpec;
  /** Forwarding of real servers that do not set their own. Default `'masq'` (keepalived NAT). */
  forwarding?: Forwarding;
  /** Default weight of its real servers. Default 1. */
  weight?: number;
  /** Minimum total weight of live real servers for the service to be up. Default 1. */
  quorum?: number;
  /** Quorum is gained at `quorum + hysteresis` and lost below `quorum - hysteresis`. Default 0. */
  hysteresis?: number;
  /** Shell command run when quorum is gained. */
  quorumUp?: string;
  /** Shell command run when quorum is lost. */
  quorumDown?: string;
  /** Put into the table (and every real server out) while quorum is lost. */
  sorryServer?: SorryServerConfig;
  /** On stop, run the notify_down and quorum_down commands (keepalived `omega`). */
  omega?: boolean;
  /**
   * keepalived's `ha_suspend`: check the real servers only while the
   * service's address is configured on this machine (a VRRP backup does not
   * hold it); in between their checkers pause and keep their last state.
   * Not for firewall-mark services. Default false.
   */
  haSuspend?: boolean;
  /** Drain real servers leaving the table instead of deleting them at once; overrides {@link HealthConfig.drain}. */
  drain?: DrainPolicy;
  /** Its `real_server` blocks. */
  realServers: readonly RealServerConfig[];
}

/**
 * Draining instead of deleting: a real server leaving the table is set to
 * weight 0 and deleted once its connections are gone or `timeoutMs` passed
 * (`Ipvs.drainDestination`). Without a policy a leaving real server is
 * deleted at once, as keepalived does.
 */
export interface DrainPolicy {
  /**
   * Which departures drain: `'reload'`, real servers a reload removes from
   * the configuration; `'all'`, those and every other one (a failed check,
   * lost quorum); `'never'`: deleted at once (the default, keepalived's).
   * A real server with `inhibitOnFailure` never leaves on a failed check.
   */
  on: 'never' | 'reload' | 'all';
  /** Default 300000 (5 minutes); see `Ipvs.drainDestination`'s `timeoutMs`. */
  timeoutMs?: number;
  /** Default 1000; see `Ipvs.drainDestination`'s `pollIntervalMs`. */
  pollIntervalMs?: number;
  /** Default `'all'` for UDP, `'active'` otherwise; see {@link DrainWaitFor}. */
  waitFor?: DrainWaitFor;
}

/** Everything a {@link VirtualServerManager} runs. */
export interface HealthConfig {
  /** The `virtual_server` blocks to manage, one IPVS service each. */
  virtualServers: readonly VirtualServerConfig[];
  /** script_user and enable_script_security for MISC_CHECK, notify and quorum scripts. */
  scripts?: ScriptPolicy;
  /** The drain policy of every virtual server that sets none of its own. Default: none (delete at once). */
  drain?: DrainPolicy;
  /** `track_file` blocks, referenced by the real servers' {@link RealServerConfig.fileChecks}. */
  trackFiles?: readonly TrackFileOptions[];
  /**
   * `bfd_instance` blocks, referenced by the real servers'
   * {@link RealServerConfig.bfdChecks}: the manager runs their sessions,
   * unless it was given shared ones (the manager's `bfd` option), which
   * must then hold these names.
   */
  bfdInstances?: readonly BfdInstanceOptions[];
  /**
   * keepalived's `rs_init_notifies`: a real server that starts up (created
   * at start, or added by a reload, with no checker failing) runs its
   * `notifyUp` and is reported by a `realServer` event with `initial`.
   * Default false: only changes are notified.
   */
  initialNotifies?: boolean;
}
