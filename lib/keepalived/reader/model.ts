/**
 * The typed model of a keepalived.conf (the VRRP half is in `vrrp-model.ts`).
 * Every object carries `source` (where its block or line starts) and `sources` (where each explicitly written field was set; a field absent
 * from `sources` holds its default or an inherited value).
 * @module
 */
import type { BfdInstanceBlock } from './bfd-model';
import type { SourceRef } from './diagnostics';
import type { Located, ScriptSpec, Traced } from './located';
import type { VrrpConfig, VrrpGlobalDefs } from './vrrp-model';

export type { Located, ScriptSpec, Traced } from './located';

/** Address and port of a real or sorry server. */
export interface ServerAddress {
  /** IP address as written (`real_server ADDR` / `sorry_server ADDR`). */
  readonly address: string;
  /** Address family of `address`. */
  readonly family: 'inet' | 'inet6';
  /** The virtual server's port when not written (NAT), 0 for fwmark services. */
  readonly port: number;
}

/** IPVS forwarding method, keepalived's spelling (`lb_kind` / `lvs_method`). */
export type LvsMethod = 'NAT' | 'DR' | 'TUN';

/** LvsForwarding of a virtual, real or sorry server. */
export interface LvsForwarding {
  /** `lvs_method` / `lb_kind`; default `NAT`. */
  readonly method: LvsMethod;
  /** TUN only: encapsulation, default `ipip`. */
  readonly tunnel?: {
    /** `type ipip|gue|gre` after `TUN`; GUE/GRE need Linux 5.2/5.3+. */
    readonly type: 'ipip' | 'gue' | 'gre';
    /** `port N`: UDP port of GUE encapsulation. */
    readonly port?: number;
    /** `nocsum` / `csum` / `remcsum`: encapsulation checksum mode (GUE/GRE). */
    readonly checksum?: 'nocsum' | 'csum' | 'remcsum';
  };
}

/** Options of `global_defs` that concern the checker side (others are listed in `other`). */
export interface GlobalDefs {
  /** Where the `global_defs` block starts; absent when the file has none. */
  readonly source?: SourceRef;
  /** `router_id`: host identifier used in emails and SNMP; keepalived's default is the local hostname. */
  readonly routerId?: string;
  /** `notification_email { ... }`: alert recipients; default none. */
  readonly notificationEmail: readonly string[];
  /** `notification_email_from`: sender address; keepalived defaults to `<user>@<hostname>`. */
  readonly notificationEmailFrom?: string;
  /** `smtp_server HOST [PORT]`: SMTP relay for alerts. */
  readonly smtpServer?: {
    /** Relay host name or address. */
    readonly host: string;
    /** TCP port; default 25. */
    readonly port: number;
  };
  /** `smtp_helo_name`: HELO name sent to the relay; keepalived's default is the hostname. */
  readonly smtpHeloName?: string;
  /** Seconds, default 30. */
  readonly smtpConnectTimeout: number;
  /** `smtp_alert` / `smtp_alert_checker`: default for virtual/real servers (unset: RS on, VS off). */
  readonly smtpAlert?: boolean;
  /** `smtp_alert_checker`: default `smtp_alert` for checker (virtual/real server) objects; overrides `smtp_alert`. */
  readonly smtpAlertChecker?: boolean;
  /** `smtp_alert_vrrp`: default `smtp_alert` for VRRP instances and sync groups; overrides `smtp_alert`. */
  readonly smtpAlertVrrp?: boolean;
  /** `no_email_faults`: VRRP instances and sync groups send no alert on entering FAULT; default off. */
  readonly noEmailFaults: boolean;
  /** `checker_log_all_failures`: log every failed check, not only state changes; default off. */
  readonly checkerLogAllFailures: boolean;
  /** `no_checker_emails`: email only when a real server is added/removed; default off. */
  readonly noCheckerEmails: boolean;
  /** `fifo_write_vrrp_states_on_reload`: after a reload the sync groups' states are written to the VRRP FIFOs again; default off. */
  readonly fifoWriteVrrpStatesOnReload: boolean;
  /** `rs_init_notifies`: run real-server notifies at startup; default off. */
  readonly rsInitNotifies: boolean;
  /** `enable_script_security`: refuse root scripts whose path is writable by non-root users; default off. */
  readonly enableScriptSecurity: boolean;
  /**
   * `script_user USER [GROUP]`: default user scripts run as (keepalived defaults to `keepalived_script`
   * if that user exists, else root).
   */
  readonly scriptUser?: {
    /** User name. */
    readonly user: string;
    /** Group name; default the user's primary group. */
    readonly group?: string;
  };
  /** `startup_script SCRIPT [user [group]]`: run once before anything starts (not on reload); keepalived goes on whatever it returns. */
  readonly startupScript?: ScriptSpec;
  /** `startup_script_timeout`: seconds the startup script may take before its process group is stopped; default 10. */
  readonly startupScriptTimeout: number;
  /** `shutdown_script SCRIPT [user [group]]`: run once at stop, after the services and addresses are removed. */
  readonly shutdownScript?: ScriptSpec;
  /** `shutdown_script_timeout`: seconds the shutdown script may take; default 10. */
  readonly shutdownScriptTimeout: number;
  /** `lvs_flush`: flush the IPVS table at startup; default off. */
  readonly lvsFlush: boolean;
  /**
   * `nftables_ipvs [TABLE]`: the table (families ip and ip6; default
   * `keepalived_ipvs`) whose maps mark the traffic of each virtual server
   * of a `virtual_server_group` (of addresses only) with a firewall mark,
   * the group becoming one firewall-mark service; absent: off.
   */
  readonly nftablesIpvsTable?: string;
  /** `nftables_ipvs_priority`: the priority of that table's input chain; default -1. */
  readonly nftablesIpvsPriority: number;
  /** `nftables_ipvs_start_fwmark`: the first mark given out (one per such virtual server, in file order); default 1000. */
  readonly nftablesIpvsStartFwmark: number;
  /**
   * `reload_file [PATH]`: the file is deleted each time a reading of the
   * configuration ends (start and reload), so that a tool that made it before
   * SIGHUP knows the files were read; PATH default `/run/keepalived.reload`.
   */
  readonly reloadFile?: string;
  /**
   * `reload_time_file PATH`: watched; its first line schedules a reload at
   * `HH:MM:SS`, `YY-MM-DD HH:MM:SS` or `YYYY-MM-DD HH:MM:SS` (local time, UTC
   * with a trailing `Z`); deleted at the reload unless `reload_repeat`.
   */
  readonly reloadTimeFile?: string;
  /** `reload_repeat`: the time file is kept at its reload, a time without a date reloading every day; default off. */
  readonly reloadRepeat: boolean;
  /**
   * `lvs_flush_on_stop [VS]`: at shutdown flush everything (`all`) or only keepalived's virtual servers
   * (`VS`); absent = delete configured entries one by one.
   */
  readonly lvsFlushOnStop?: 'all' | 'VS';
  /** `lvs_timeouts`: IPVS connection timeouts to set; absent = unchanged. */
  readonly lvsTimeouts?: {
    /** `tcp N`: established TCP timeout, seconds. */
    readonly tcp?: number;
    /** `tcpfin N`: TCP FIN_WAIT timeout, seconds. */
    readonly tcpfin?: number;
    /** `udp N`: UDP timeout, seconds. */
    readonly udp?: number;
  };
  /** `lvs_sync_daemon IF ...`: run the IPVS connection-sync daemon, its role following a VRRP instance. */
  readonly lvsSyncDaemon?: {
    /** Interface the sync daemon sends/receives on. */
    readonly interface: string;
    /** `[inst] VRRP_INSTANCE`: VRRP instance whose state picks master/backup. */
    readonly instance?: string;
    /** `id N`: sync id; default the instance's VRID (or 0). */
    readonly syncId?: number;
    /** `maxlen N`: maximum sync message length, bytes (1..65507). */
    readonly maxlen?: number;
    /** `port N`: UDP port; default 8848. */
    readonly port?: number;
    /** `ttl N`: multicast TTL (1..255). */
    readonly ttl?: number;
    /** `group ADDR`: multicast group; default 224.0.0.81. */
    readonly group?: string;
  };
  /** `lvs_notify_fifo`: checker-only FIFO receiving virtual/real server UP/DOWN events; default none. */
  readonly lvsNotifyFifo?: string;
  /** `notify_fifo`: FIFO receiving all VRRP and LVS events in order; default none. */
  readonly notifyFifo?: string;
  /** `vrrp_notify_fifo`: FIFO receiving the VRRP events; default none. */
  readonly vrrpNotifyFifo?: string;
  /** `notify_fifo_script`: started with the notify_fifo's path as its last argument. */
  readonly notifyFifoScript?: ScriptSpec;
  /** `vrrp_notify_fifo_script`. */
  readonly vrrpNotifyFifoScript?: ScriptSpec;
  /** `lvs_notify_fifo_script`. */
  readonly lvsNotifyFifoScript?: ScriptSpec;
  /** global_defs' VRRP defaults (`vrrp_version`, `vrrp_garp_*`, `vrrp_mcast_group4`...), keepalived's defaults filled in. */
  readonly vrrp: VrrpGlobalDefs;
  /** Other keywords of global_defs (SNMP, process tuning...), read and range-checked but not modelled. */
  readonly other: readonly KeywordItem[];
  /** Where each explicitly written option was set, keyed by field name. */
  readonly sources: Readonly<Record<string, SourceRef>>;
}

/** The top-level `SSL { }` block (client context of SSL_GET). */
export interface SslContext {
  /** `password`: passphrase of the private key. */
  readonly password?: string;
  /** `ca`: CA certificate file path. */
  readonly ca?: string;
  /** `certificate`: client certificate file path. */
  readonly certificate?: string;
  /** `key`: client private key file path. */
  readonly key?: string;
  /** Where the `SSL` block starts. */
  readonly source: SourceRef;
}

/** One entry of a `virtual_server_group`. */
export type VirtualServerGroupEntry =
  | {
      /** An address, address range or CIDR entry (`ADDR [PORT]`). */
      readonly kind: 'range';
      /** Address family of the entry. */
      readonly family: 'inet' | 'inet6';
      /** First address of the range. */
      readonly address: string;
      /** Last address (equal to `address` for a single address). */
      readonly lastAddress: string;
      /** 0 when no port was given. */
      readonly port: number;
      /** Where the entry was written. */
      readonly source: SourceRef;
    }
  | {
      /** A `fwmark N [inet|inet6]` entry. */
      readonly kind: 'fwmark';
      /** Firewall mark. */
      readonly fwmark: number;
      /** `inet` / `inet6` when written. */
      readonly family?: 'inet' | 'inet6';
      /** Where the entry was written. */
      readonly source: SourceRef;
    };

/** `virtual_server_group NAME { ... }`. */
export interface VirtualServerGroup {
  /** Group name, referenced by `virtual_server group NAME`. */
  readonly name: string;
  /** Entries in file order. */
  readonly entries: readonly VirtualServerGroupEntry[];
  /** Where the block starts. */
  readonly source: SourceRef;
}

/** What a virtual server is addressed by. */
export type VirtualServerKey =
  | {
      /** `virtual_server ADDR PORT`. */
      readonly kind: 'address';
      /** Virtual IP address. */
      readonly address: string;
      /** Virtual port (0 = all ports, forces persistence). */
      readonly port: number;
      /** Address family of `address`. */
      readonly family: 'inet' | 'inet6';
    }
  | {
      /** `virtual_server fwmark N`. */
      readonly kind: 'fwmark';
      /** Firewall mark of the service. */
      readonly fwmark: number;
    }
  | {
      /** `virtual_server group NAME`. */
      readonly kind: 'group';
      /** Name of the `virtual_server_group`. */
      readonly group: string;
    };

/** Timing and retry options shared by virtual servers, real servers and checkers (inherited downwards). */
export interface CheckTimingKeywords {
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
  /** `log_all_failures`: log every failed check while up; default global `checker_log_all_failures`. */
  readonly logAllFailures: boolean;
}

/** Keywords common to every checker except MISC_CHECK, FILE_CHECK and BFD_CHECK. */
export interface ConnectionOptions {
  /** `connect_ip`: address to check; default the real server's address. */
  readonly connectIp?: string;
  /** `connect_port`: port to check; default the real server's port. */
  readonly connectPort?: number;
  /** `bindto`: source address of the check; default chosen by the kernel. */
  readonly bindTo?: string;
  /** `bind_port`: source port of the check; default chosen by the kernel. */
  readonly bindPort?: number;
  /** `bind_if`: source interface (required for IPv6 link-local addresses). */
  readonly bindIf?: string;
  /** SO_MARK of the checker socket. */
  readonly fwmark?: number;
}

type CheckerBase = CheckTimingKeywords & Traced;

/** `TCP_CHECK`: success is a TCP connection within connect_timeout. */
export interface TcpCheckBlock extends CheckerBase, ConnectionOptions {
  /** Checker keyword. */
  readonly type: 'TCP_CHECK';
}

/** A `url { }` of HTTP_GET / SSL_GET. */
export interface UrlSpec {
  /** `path`: URL path requested. */
  readonly path: string;
  /** MD5 of the body, lowercase hex. */
  readonly digest?: string;
  /** Accepted status codes as inclusive ranges; default 200-299. */
  readonly statusCodes: readonly {
    /** First status code of the range. */
    readonly from: number;
    /** Last status code of the range (inclusive). */
    readonly to: number;
  }[];
  /** `virtualhost`: Host header for this URL; default the checker's virtualhost. */
  readonly virtualhost?: string;
  /** `regex`: PCRE2 pattern the reply must match (keepalived matches from its first byte, header included). */
  readonly regex?: string;
  /** `regex_no_match`: success when the regex does not match; default off. */
  readonly regexNoMatch: boolean;
  /** `regex_options`: PCRE2 option names. */
  readonly regexOptions: readonly string[];
  /** `regex_min_offset`: reply offset where a match may start, bytes. */
  readonly regexMinOffset?: number;
  /** `regex_max_offset`: a match must start before this reply offset, bytes. */
  readonly regexMaxOffset?: number;
  /** `regex_stack START MAX`: PCRE2 JIT stack sizes. */
  readonly regexStack?: {
    /** Initial JIT stack size, bytes. */
    readonly start: number;
    /** Maximum JIT stack size, bytes. */
    readonly max: number;
  };
  /** Where the `url` block starts. */
  readonly source: SourceRef;
}

/** `HTTP_GET` / `SSL_GET`. */
export interface HttpCheckBlock extends CheckerBase, ConnectionOptions {
  /** Checker keyword. */
  readonly type: 'HTTP_GET' | 'SSL_GET';
  /** `url { }` blocks; all must pass. */
  readonly urls: readonly UrlSpec[];
  /** `1.0` (default), `1.0C` or `1.1`. */
  readonly httpProtocol: '1.0' | '1.0C' | '1.1';
  /** `virtualhost`: Host header; default the real or virtual server's virtualhost. */
  readonly virtualhost?: string;
  /** `fast_recovery`: check all URLs without delay_loop gaps; default off. */
  readonly fastRecovery: boolean;
  /** SSL_GET `enable_sni`: send SNI; default off. */
  readonly enableSni: boolean;
  /** SSL_GET: SNI name (keepalived 2.3+); default the virtualhost. */
  readonly sniName?: string;
  /** SSL_GET: send close_notify (keepalived 2.3+). */
  readonly tlsCompliant: boolean;
}

/** A legacy `host { }` of SMTP_CHECK: one more address checked by the same checker. */
export interface SmtpHost extends ConnectionOptions {
  /** `connect_timeout` inside `host { }`, seconds; default the checker's. */
  readonly connectTimeout?: number;
  /** Where the `host` block starts. */
  readonly source: SourceRef;
}

/** `SMTP_CHECK` (legacy `host { }` blocks become `hosts`). */
export interface SmtpCheckBlock extends CheckerBase, ConnectionOptions {
  /** Checker keyword. */
  readonly type: 'SMTP_CHECK';
  /** Default `smtpchecker.keepalived.org`. */
  readonly heloName: string;
  /** Legacy `host { }` blocks (deprecated), in file order. */
  readonly hosts: readonly SmtpHost[];
  /**
   * Connection keywords (connect_timeout among them) written in the block
   * itself beside host blocks: keepalived then checks the block's own
   * target as one more host (check_smtp.c). Absent when not.
   */
  readonly ownTarget?: true;
}

/** `DNS_CHECK`. */
export interface DnsCheckBlock extends CheckerBase, ConnectionOptions {
  /** Checker keyword. */
  readonly type: 'DNS_CHECK';
  /** Default `SOA`. */
  readonly queryType: 'A' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'AAAA' | 'RRSIG' | 'DNSKEY';
  /** Default `.`. */
  readonly name: string;
}

/** `UDP_CHECK`. */
export interface UdpCheckBlock extends CheckerBase, ConnectionOptions {
  /** Checker keyword. */
  readonly type: 'UDP_CHECK';
  /** Bytes to send, from hex. */
  readonly payload?: Uint8Array;
  /** Reply pattern (hex, `X` nibbles match anything); `true` when only some reply is required. */
  readonly requireReply?: string | true;
  /** `min_reply_length`: shortest accepted reply, bytes; default 0. */
  readonly minReplyLength: number;
  /** `max_reply_length`: longest accepted reply, bytes; default 255. */
  readonly maxReplyLength: number;
}

/** `PING_CHECK`. */
export interface PingCheckBlock extends CheckerBase, ConnectionOptions {
  /** Checker keyword. */
  readonly type: 'PING_CHECK';
}

/** `MISC_CHECK`: an external program decides. */
export interface MiscCheckBlock extends CheckerBase {
  /** Checker keyword. */
  readonly type: 'MISC_CHECK';
  /** `misc_path`: the command run for each check. */
  readonly script: ScriptSpec;
  /** Seconds; default delay_loop. */
  readonly timeout: number;
  /** Exit status 2..255 sets the weight to status-2. */
  readonly dynamic: boolean;
  /** `user USER [GROUP]`: whom the script runs as (default: global script_user). */
  readonly user?: {
    /** User name. */
    readonly user: string;
    /** Group name; default the user's primary group. */
    readonly group?: string;
  };
}

/** Every checker the reader models. */
export type Checker = TcpCheckBlock | HttpCheckBlock | SmtpCheckBlock | DnsCheckBlock | UdpCheckBlock | PingCheckBlock | MiscCheckBlock;

/** `real_server ADDR [PORT] { }`. */
export interface RealServer extends CheckTimingKeywords, ServerAddress, Traced {
  /** Default 1 (or the virtual server's `weight`). */
  readonly weight: number;
  /** `lvs_method` / `lb_kind`; default the virtual server's. */
  readonly forwarding: LvsForwarding;
  /** `inhibit_on_failure`: on failure set weight 0 instead of removing; default the virtual server's. */
  readonly inhibitOnFailure: boolean;
  /** `notify_up`: script run when the server comes up. */
  readonly notifyUp?: ScriptSpec;
  /** `notify_down`: script run when the server goes down. */
  readonly notifyDown?: ScriptSpec;
  /** 0 = no limit. */
  readonly upperThreshold: number;
  /** `lthreshold`: IPVS lower connection threshold; 0 = none. */
  readonly lowerThreshold: number;
  /** `virtualhost`: default Host header for its HTTP/SSL checkers; default the virtual server's. */
  readonly virtualhost?: string;
  /** `smtp_alert`: email on state changes; default global, else on. */
  readonly smtpAlert?: boolean;
  /** `snmp_name`: label exposed in SNMP. */
  readonly snmpName?: string;
  /** Health checkers in file order; the server is up only when all are up (always up with none). */
  readonly checkers: readonly Checker[];
  /** `FILE_CHECK` blocks naming a defined track_file. */
  readonly fileChecks: readonly FileCheckSpec[];
  /** `BFD_CHECK` blocks naming a bfd_instance whose events go to the checker; absent when there is none. */
  readonly bfdChecks?: readonly BfdCheckSpec[];
}

/** `BFD_CHECK { name BFD_INSTANCE; alpha [BOOL] }` (keepalived's check_bfd.c). */
export interface BfdCheckSpec extends Located {
  /** The `bfd_instance` followed: the check is up while its session is Up. */
  readonly name: string;
  /** Start down until the session is first Up; default the real server's `alpha`. */
  readonly alpha: boolean;
}

/** `FILE_CHECK { track_file NAME; weight W [reverse|noreverse] }`. */
export interface FileCheckSpec extends Located {
  /** The `track_file` block followed. */
  readonly trackFile: string;
  /** `weight W` (−2147483647..2147483647); absent = the track_file's weight and reverse. */
  readonly weight?: number;
  /** `reverse` after the weight; default off. */
  readonly reverse: boolean;
}

/** `sorry_server ADDR [PORT]`. */
export interface SorryServer extends ServerAddress, Located {
  /** `sorry_server_lvs_method`; default the virtual server's. */
  readonly forwarding: LvsForwarding;
  /** `sorry_server_inhibit`: apply inhibit_on_failure to the sorry server; default off. */
  readonly inhibit: boolean;
}

/** `virtual_server ADDR PORT | fwmark N | group NAME { }`. */
export interface VirtualServer extends CheckTimingKeywords, Traced {
  /** Address and port, fwmark or group named on the `virtual_server` line. */
  readonly key: VirtualServerKey;
  /** Absent for fwmark services (keepalived ignores it there); UDP when not written (with a warning). */
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
  /** `lb_algo` / `lvs_sched`; default `wlc`. */
  readonly scheduler: string;
  /** Scheduler flag keywords written (`sh-*` only after `lvs_sched sh`, `mh-*` only after `mh`); default none. */
  readonly schedulerFlags: readonly ('flag-1' | 'flag-2' | 'flag-3' | 'sh-port' | 'sh-fallback' | 'mh-port' | 'mh-fallback')[];
  /** `ops`: one-packet scheduling (UDP only); default off. */
  readonly onePacket: boolean;
  /** `lvs_method` / `lb_kind`; default `NAT`. */
  readonly forwarding: LvsForwarding;
  /** Seconds; absent = not persistent. */
  readonly persistenceTimeout?: number;
  /** Netmask (IPv4 dotted) or prefix length (IPv6). */
  readonly persistenceGranularity?: string;
  /** `persistence_engine`: IPVS persistence engine, e.g. `sip`; default none. */
  readonly persistenceEngine?: string;
  /** `ip_family`: family of a fwmark service whose real servers are all tunnelled; default inet. */
  readonly ipFamily?: 'inet' | 'inet6';
  /** `ha_suspend`: suspend checkers while the virtual address is not configured locally; default off. */
  readonly haSuspend: boolean;
  /** Default 1. */
  readonly quorum: number;
  /** Default 0. */
  readonly hysteresis: number;
  /** `quorum_up`: script run when quorum is gained. */
  readonly quorumUp?: ScriptSpec;
  /** `quorum_down`: script run when quorum is lost. */
  readonly quorumDown?: ScriptSpec;
  /** `omega`: run quorum_down / notify_down scripts at shutdown; default off. */
  readonly omega: boolean;
  /** `inhibit_on_failure`: failed real servers get weight 0 instead of being removed; default off. */
  readonly inhibitOnFailure: boolean;
  /** `virtualhost`: default Host header for HTTP/SSL checkers; default none. */
  readonly virtualhost?: string;
  /** `smtp_alert`: email on quorum changes; default global, else off. */
  readonly smtpAlert?: boolean;
  /** Default real-server weight; default 1. */
  readonly weight: number;
  /** `snmp_name`: label exposed in SNMP. */
  readonly snmpName?: string;
  /** `sorry_server`: added when quorum is lost; default none. */
  readonly sorryServer?: SorryServer;
  /** `real_server` blocks in file order. */
  readonly realServers: readonly RealServer[];
}

/** A keyword line kept as written: a block this reader does not check yet, or a setting it does not model. */
export interface KeywordItem {
  /** The keyword (first word of the line). */
  readonly keyword: string;
  /** Remaining words of the line, unquoted. */
  readonly args: readonly string[];
  /** Where the line was written. */
  readonly source: SourceRef;
}

/** A whole keepalived.conf (with its includes), as the checker side reads it. */
export interface KeepalivedConfig {
  /** Every file read, the main one first. */
  readonly files: readonly string[];
  /** The `global_defs` block (defaults when absent). */
  readonly global: GlobalDefs;
  /** The top-level `SSL { }` block, if any. */
  readonly ssl?: SslContext;
  /** `virtual_server_group` blocks in file order. */
  readonly virtualServerGroups: readonly VirtualServerGroup[];
  /** `virtual_server` blocks in file order. */
  readonly virtualServers: readonly VirtualServer[];
  /** The VRRP half: instances, scripts, tracked files and sync groups. */
  readonly vrrp: VrrpConfig;
  /** `bfd_instance` blocks keepalived keeps, in file order. */
  readonly bfdInstances: readonly BfdInstanceBlock[];
  /** Top-level daemon keywords (`net_namespace`, `instance`, `use_pid_dir`, `child_wait_time`...). */
  readonly daemonOptions: readonly KeywordItem[];
  /** Static addresses and other blocks or keywords present in the file but not read by this reader (each also has a warning). */
  readonly unsupported: readonly KeywordItem[];
}
