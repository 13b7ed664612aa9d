/**
 * The typed model of a keepalived.conf as the checker side of keepalived
 * uses it. Every object carries `source` (where its block or line starts)
 * and `sources` (where each explicitly written field was set; a field absent
 * from `sources` holds its default or an inherited value).
 * @module
 */
import type { SourceRef } from './diagnostics';

/** An item of the configuration and where it was written. */
export interface Located {
  readonly source: SourceRef;
}

/** An item, and where each field written explicitly was set (a field absent here holds a default or an inherited value). */
export interface Traced extends Located {
  readonly sources: Readonly<Record<string, SourceRef>>;
}

/** Address and port of a real or sorry server. */
export interface ServerAddress {
  readonly address: string;
  readonly family: 'inet' | 'inet6';
  /** The virtual server's port when not written (NAT), 0 for fwmark services. */
  readonly port: number;
}

/** A script keepalived runs, as written and split into argv. */
export interface ScriptSpec {
  /** The command line as written (quotes removed once). */
  readonly command: string;
  /** The command split like keepalived splits it before exec. */
  readonly argv: readonly string[];
  /** `user [group]` written after the command (or the MISC_CHECK `user` keyword). */
  readonly user?: string;
  readonly group?: string;
  readonly source: SourceRef;
}

/** IPVS forwarding method, keepalived's spelling (`lb_kind` / `lvs_method`). */
export type LvsMethod = 'NAT' | 'DR' | 'TUN';

/** Forwarding of a virtual, real or sorry server. */
export interface Forwarding {
  readonly method: LvsMethod;
  /** TUN only: encapsulation, default `ipip`. */
  readonly tunnel?: { readonly type: 'ipip' | 'gue' | 'gre'; readonly port?: number; readonly checksum?: 'nocsum' | 'csum' | 'remcsum' };
}

/** Options of `global_defs` that concern the checker side (others are listed in `other`). */
export interface GlobalDefs {
  readonly source?: SourceRef;
  readonly routerId?: string;
  readonly notificationEmail: readonly string[];
  readonly notificationEmailFrom?: string;
  readonly smtpServer?: { readonly host: string; readonly port: number };
  readonly smtpHeloName?: string;
  /** Seconds, default 30. */
  readonly smtpConnectTimeout: number;
  /** `smtp_alert` / `smtp_alert_checker`: default for virtual/real servers (unset: RS on, VS off). */
  readonly smtpAlert?: boolean;
  readonly smtpAlertChecker?: boolean;
  readonly checkerLogAllFailures: boolean;
  readonly noCheckerEmails: boolean;
  readonly rsInitNotifies: boolean;
  readonly enableScriptSecurity: boolean;
  readonly scriptUser?: { readonly user: string; readonly group?: string };
  readonly lvsFlush: boolean;
  readonly lvsFlushOnStop?: 'all' | 'VS';
  readonly lvsTimeouts?: { readonly tcp?: number; readonly tcpfin?: number; readonly udp?: number };
  readonly lvsSyncDaemon?: {
    readonly interface: string;
    readonly instance?: string;
    readonly syncId?: number;
    readonly maxlen?: number;
    readonly port?: number;
    readonly ttl?: number;
    readonly group?: string;
  };
  readonly lvsNotifyFifo?: string;
  readonly notifyFifo?: string;
  /** Other keywords of global_defs (VRRP, SNMP, process tuning...), read and range-checked but not modelled. */
  readonly other: readonly KeywordItem[];
  readonly sources: Readonly<Record<string, SourceRef>>;
}

/** The top-level `SSL { }` block (client context of SSL_GET). */
export interface SslContext {
  readonly password?: string;
  readonly ca?: string;
  readonly certificate?: string;
  readonly key?: string;
  readonly source: SourceRef;
}

/** One entry of a `virtual_server_group`. */
export type VirtualServerGroupEntry =
  | {
      readonly kind: 'range';
      readonly family: 'inet' | 'inet6';
      /** First address of the range. */
      readonly address: string;
      /** Last address (equal to `address` for a single address). */
      readonly lastAddress: string;
      /** 0 when no port was given. */
      readonly port: number;
      readonly source: SourceRef;
    }
  | { readonly kind: 'fwmark'; readonly fwmark: number; readonly family?: 'inet' | 'inet6'; readonly source: SourceRef };

/** `virtual_server_group NAME { ... }`. */
export interface VirtualServerGroup {
  readonly name: string;
  readonly entries: readonly VirtualServerGroupEntry[];
  readonly source: SourceRef;
}

/** What a virtual server is addressed by. */
export type VirtualServerKey =
  | { readonly kind: 'address'; readonly address: string; readonly port: number; readonly family: 'inet' | 'inet6' }
  | { readonly kind: 'fwmark'; readonly fwmark: number }
  | { readonly kind: 'group'; readonly group: string };

/** Timing and retry options shared by virtual servers, real servers and checkers (inherited downwards). */
export interface CheckTiming {
  /** Seconds between checks; default 60. */
  readonly delayLoop: number;
  /** Seconds; default 5. */
  readonly connectTimeout: number;
  /** Attempts after a failure before the server is declared down (checker-specific default). */
  readonly retry: number;
  /** Seconds between those attempts (checker-specific default). */
  readonly delayBeforeRetry: number;
  /** Maximum random delay before the first check; default = delay_loop. */
  readonly warmup: number;
  /** Start considered down until the first success. */
  readonly alpha: boolean;
  readonly logAllFailures: boolean;
}

/** Keywords common to every checker except MISC_CHECK, FILE_CHECK and BFD_CHECK. */
export interface ConnectionOptions {
  readonly connectIp?: string;
  readonly connectPort?: number;
  readonly bindTo?: string;
  readonly bindPort?: number;
  readonly bindIf?: string;
  /** SO_MARK of the checker socket. */
  readonly fwmark?: number;
}

type CheckerBase = CheckTiming & Traced;

/** `TCP_CHECK`: success is a TCP connection within connect_timeout. */
export interface TcpCheck extends CheckerBase, ConnectionOptions {
  readonly type: 'TCP_CHECK';
}

/** A `url { }` of HTTP_GET / SSL_GET. */
export interface UrlSpec {
  readonly path: string;
  /** MD5 of the body, lowercase hex. */
  readonly digest?: string;
  /** Accepted status codes as inclusive ranges; default 200-299. */
  readonly statusCodes: readonly { readonly from: number; readonly to: number }[];
  readonly virtualhost?: string;
  readonly regex?: string;
  readonly regexNoMatch: boolean;
  readonly regexOptions: readonly string[];
  readonly regexMinOffset?: number;
  readonly regexMaxOffset?: number;
  readonly regexStack?: { readonly start: number; readonly max: number };
  readonly source: SourceRef;
}

/** `HTTP_GET` / `SSL_GET`. */
export interface HttpCheck extends CheckerBase, ConnectionOptions {
  readonly type: 'HTTP_GET' | 'SSL_GET';
  readonly urls: readonly UrlSpec[];
  /** `1.0` (default), `1.0C` or `1.1`. */
  readonly httpProtocol: '1.0' | '1.0C' | '1.1';
  readonly virtualhost?: string;
  readonly fastRecovery: boolean;
  readonly enableSni: boolean;
  /** SSL_GET: SNI name (keepalived 2.3+); default the virtualhost. */
  readonly sniName?: string;
  /** SSL_GET: send close_notify (keepalived 2.3+). */
  readonly tlsCompliant: boolean;
}

/** A legacy `host { }` of SMTP_CHECK: one more address checked by the same checker. */
export interface SmtpHost extends ConnectionOptions {
  readonly connectTimeout?: number;
  readonly source: SourceRef;
}

/** `SMTP_CHECK` (legacy `host { }` blocks become `hosts`). */
export interface SmtpCheck extends CheckerBase, ConnectionOptions {
  readonly type: 'SMTP_CHECK';
  /** Default `smtpchecker.keepalived.org`. */
  readonly heloName: string;
  readonly hosts: readonly SmtpHost[];
}

/** `DNS_CHECK`. */
export interface DnsCheck extends CheckerBase, ConnectionOptions {
  readonly type: 'DNS_CHECK';
  /** Default `SOA`. */
  readonly queryType: 'A' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'AAAA' | 'RRSIG' | 'DNSKEY';
  /** Default `.`. */
  readonly name: string;
}

/** `UDP_CHECK`. */
export interface UdpCheck extends CheckerBase, ConnectionOptions {
  readonly type: 'UDP_CHECK';
  /** Bytes to send, from hex. */
  readonly payload?: Uint8Array;
  /** Reply pattern (hex, `X` nibbles match anything); `true` when only some reply is required. */
  readonly requireReply?: string | true;
  readonly minReplyLength: number;
  readonly maxReplyLength: number;
}

/** `PING_CHECK`. */
export interface PingCheck extends CheckerBase, ConnectionOptions {
  readonly type: 'PING_CHECK';
}

/** `MISC_CHECK`: an external program decides. */
export interface MiscCheck extends CheckerBase {
  readonly type: 'MISC_CHECK';
  readonly script: ScriptSpec;
  /** Seconds; default delay_loop. */
  readonly timeout: number;
  /** Exit status 2..255 sets the weight to status-2. */
  readonly dynamic: boolean;
  /** `user USER [GROUP]`: whom the script runs as (default: global script_user). */
  readonly user?: { readonly user: string; readonly group?: string };
}

/** Every checker the reader models. */
export type Checker = TcpCheck | HttpCheck | SmtpCheck | DnsCheck | UdpCheck | PingCheck | MiscCheck;

/** `real_server ADDR [PORT] { }`. */
export interface RealServer extends CheckTiming, ServerAddress, Traced {
  /** Default 1 (or the virtual server's `weight`). */
  readonly weight: number;
  readonly forwarding: Forwarding;
  readonly inhibitOnFailure: boolean;
  readonly notifyUp?: ScriptSpec;
  readonly notifyDown?: ScriptSpec;
  /** 0 = no limit. */
  readonly upperThreshold: number;
  readonly lowerThreshold: number;
  readonly virtualhost?: string;
  readonly smtpAlert?: boolean;
  readonly snmpName?: string;
  readonly checkers: readonly Checker[];
}

/** `sorry_server ADDR [PORT]`. */
export interface SorryServer extends ServerAddress, Located {
  readonly forwarding: Forwarding;
  readonly inhibit: boolean;
}

/** `virtual_server ADDR PORT | fwmark N | group NAME { }`. */
export interface VirtualServer extends CheckTiming, Traced {
  readonly key: VirtualServerKey;
  /** Absent for fwmark services (keepalived ignores it there); UDP when not written (with a warning). */
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
  /** `lb_algo` / `lvs_sched`; default `wlc`. */
  readonly scheduler: string;
  readonly schedulerFlags: readonly ('flag-1' | 'flag-2' | 'flag-3' | 'sh-port' | 'sh-fallback' | 'mh-port' | 'mh-fallback')[];
  readonly onePacket: boolean;
  readonly forwarding: Forwarding;
  /** Seconds; absent = not persistent. */
  readonly persistenceTimeout?: number;
  /** Netmask (IPv4 dotted) or prefix length (IPv6). */
  readonly persistenceGranularity?: string;
  readonly persistenceEngine?: string;
  readonly ipFamily?: 'inet' | 'inet6';
  readonly haSuspend: boolean;
  /** Default 1. */
  readonly quorum: number;
  /** Default 0. */
  readonly hysteresis: number;
  readonly quorumUp?: ScriptSpec;
  readonly quorumDown?: ScriptSpec;
  readonly omega: boolean;
  readonly inhibitOnFailure: boolean;
  readonly virtualhost?: string;
  readonly smtpAlert?: boolean;
  /** Default real-server weight; default 1. */
  readonly weight: number;
  readonly snmpName?: string;
  readonly sorryServer?: SorryServer;
  readonly realServers: readonly RealServer[];
}

/** A keyword line kept as written: a block this reader does not check yet, or a setting it does not model. */
export interface KeywordItem {
  readonly keyword: string;
  readonly args: readonly string[];
  readonly source: SourceRef;
}

/** A whole keepalived.conf (with its includes), as the checker side reads it. */
export interface KeepalivedConfig {
  /** Every file read, the main one first. */
  readonly files: readonly string[];
  readonly global: GlobalDefs;
  readonly ssl?: SslContext;
  readonly virtualServerGroups: readonly VirtualServerGroup[];
  readonly virtualServers: readonly VirtualServer[];
  /** Top-level daemon keywords (`net_namespace`, `instance`, `use_pid_dir`, `child_wait_time`...). */
  readonly daemonOptions: readonly KeywordItem[];
  /** VRRP, BFD and other blocks present in the file but not read by this reader (each also has a warning). */
  readonly unsupported: readonly KeywordItem[];
}
