/**
 * The typed model of the VRRP half of a keepalived.conf: `vrrp_instance`,
 * `vrrp_script`, `track_file`, `vrrp_sync_group` and global_defs' VRRP
 * keys, with keepalived's defaults applied. Like the checker model, every
 * object carries `source` and, where fields can be written, `sources`.
 * @module
 */
import type { VrrpDirectOption, VrrpInstanceOptions } from '../../vrrp/instance-options';
import type { Located, ScriptSpec, Traced } from './located';

/** global_defs' VRRP keys, keepalived's defaults filled in. */
export interface VrrpGlobalDefs {
  /** `vrrp_version`: default protocol version of instances; default 2. */
  readonly version: 2 | 3;
  /** `vrrp_mcast_group4`: IPv4 advert group; default 224.0.0.18. */
  readonly mcastGroup4: string;
  /** `vrrp_mcast_group6`: IPv6 advert group; default ff02::12. */
  readonly mcastGroup6: string;
  /** `vrrp_garp_master_delay`: seconds before the second GARP burst after becoming master; default 5. */
  readonly garpMasterDelay: number;
  /** `vrrp_garp_master_repeat`: GARPs per address per burst; default 5. */
  readonly garpMasterRepeat: number;
  /** `vrrp_garp_lower_prio_delay`: default `garpMasterDelay`. */
  readonly garpLowerPrioDelay: number;
  /** `vrrp_garp_lower_prio_repeat`: default `garpMasterRepeat`. */
  readonly garpLowerPrioRepeat: number;
  /** `vrrp_garp_master_refresh`: seconds between refresh bursts while master; default 0 (none). */
  readonly garpMasterRefresh: number;
  /** `vrrp_garp_master_refresh_repeat`: GARPs per refresh; default 1 (0 after `vrrp_min_garp`: none). */
  readonly garpMasterRefreshRepeat: number;
  /** `vrrp_garp_interval`: seconds between GARPs on one interface; default 0 (no pacing). */
  readonly garpInterval: number;
  /** `vrrp_gna_interval`: seconds between unsolicited NAs on one interface; default 0. */
  readonly gnaInterval: number;
  /** `vrrp_down_timer_adverts`: Master_Down multiplier; default 3. */
  readonly downTimerAdverts: number;
  /** `vrrp_check_unicast_src`: drop unicast adverts from non-peers; default off. */
  readonly checkUnicastSrc: boolean;
  /** `vrrp_skip_check_adv_addr`: do not compare the address list of adverts from the same master; default off. */
  readonly skipCheckAdvAddr: boolean;
  /** `vrrp_strict`: strict RFC mode; default off. */
  readonly strict: boolean;
  /** `nftables [TABLE]` (or `vrrp_iptables`): the table name; absent: `keepalived` when an instance needs one. */
  readonly nftablesTable?: string;
  /** `nftables_priority`: the chains' priority; default -1 (a later `nftables` sets it back to -1). */
  readonly nftablesPriority: number;
  /** `nftables_counters`: a counter in every rule; default off. */
  readonly nftablesCounters: boolean;
  /** `nftables_ifindex`: link-local VIPs keyed by interface index rather than name; default off. */
  readonly nftablesIfindex: boolean;
  /** `vrrp_lower_prio_no_advert`: default off (on in strict mode). */
  readonly lowerPrioNoAdvert: boolean;
  /** `vrrp_higher_prio_send_advert`: default off. */
  readonly higherPrioSendAdvert: boolean;
  /** `vrrp_owner_ignore_adverts`: default off (on in strict mode). */
  readonly ownerIgnoreAdverts: boolean;
  /** `v3_checksum_as_v2`: VRRPv3/IPv4 checksum without pseudo-header; default off. */
  readonly v3ChecksumAsV2: boolean;
  /** `vrrp_startup_delay`: seconds VRRP waits after the daemon starts; default 0. */
  readonly startupDelay: number;
  /** `vrrp_rt_priority` (1..99): the advert thread runs SCHED_RR at this priority; default none (normal scheduling). */
  readonly rtPriority?: number;
  /** `vrrp_min_garp`: one GARP/NA per transition, no second burst; default off. */
  readonly minGarp: boolean;
  /** `vrrp_notify_priority_changes`: the default of instances' `notify_priority_changes`; default off. */
  readonly notifyPriorityChanges: boolean;
  /**
   * `default_interface`: where a `static_ipaddress` line without `dev` goes;
   * default eth0. keepalived 2.2.7 gives it to nothing else (an instance
   * without `interface` is still an error).
   */
  readonly defaultInterface: string;
  /** `disable_local_igmp`: no IGMP reports for link-local groups while VRRP runs; default off. */
  readonly disableLocalIgmp: boolean;
  /** `vmac_prefix`: `use_vmac` without a name makes `PREFIX.VRID`; default `vrrp`. */
  readonly vmacPrefix: string;
  /** `vmac_addr_prefix`: the macvlans of `use_vmac_addr` and VIPs' `use_vmac` are `PREFIX[N].VRID`; default `vrrp`. */
  readonly vmacAddrPrefix: string;
  /** `vrrp_garp_extra_if [all] DELAY` (or the deprecated `vrrp_vmac_garp_intvl`): the instances' default. */
  readonly garpExtraIf?: GarpExtraIf;
}

/** `garp_extra_if [all] DELAY`: while master, one GARP/NA every DELAY seconds on the interfaces adverts do not refresh. */
export interface GarpExtraIf {
  /** Seconds, 1..86400 (an instance's 0: off). */
  readonly interval: number;
  /** `all`: every such interface, not only VMACs made for the instance. */
  readonly all: boolean;
}

/** One line of `track_interface` / `track_script` / `track_file`: `NAME [weight W [reverse|noreverse]]`. */
export interface VrrpTrackRef extends Located {
  /** Interface, script or file name. */
  readonly name: string;
  /** `weight W`: overrides the tracked object's own weight; absent = the object's. */
  readonly weight?: number;
  /** `reverse`: the weight applies in the other direction; default off. */
  readonly reverse: boolean;
}

/** A network: an address and a prefix length (`0.0.0.0/0` for `default` / `all`). */
export interface VrrpPrefix {
  /** The network address. */
  readonly address: string;
  /** Its prefix length. */
  readonly prefix: number;
}

/** One `virtual_routes` / `static_routes` line, as `ip route add` reads it. */
export interface VrrpRoute extends Located {
  /** From the addresses; `inet6` forces IPv6; otherwise IPv4. */
  readonly family: 'inet' | 'inet6';
  /** Route type written before the destination; default `unicast`. */
  readonly type: 'unicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw';
  /** `[to] PREFIX` or `default`. */
  readonly destination: VrrpPrefix;
  /** `via` / `gw`. */
  readonly via?: string;
  /** `src`: the preferred source address (RTA_PREFSRC). */
  readonly src?: string;
  /** `dev` / `oif`. */
  readonly dev?: string;
  /** `table`: id; default main (254). */
  readonly table?: number;
  /** `metric` / `priority` / `preference`. */
  readonly metric?: number;
  /** `scope`: RT_SCOPE_* number; default global (keepalived does not narrow it as `ip route` does). */
  readonly scope?: number;
  /** `protocol` / `proto`: rtm_protocol; default keepalived (18), which a tracked route always gets. */
  readonly protocol?: number;
  /** `mtu N`. */
  readonly mtu?: number;
  /** `onlink`. */
  readonly onlink: boolean;
  /** Whether keepalived tracks the route (it has a `dev` and no `no_track`): its protocol is then keepalived's. */
  readonly tracked: boolean;
  /** Static only: `track_group NAME`, whose instances are FAULT while `dev` is down. */
  readonly trackGroup?: string;
}

/** One `virtual_rules` / `static_rules` line, as `ip rule add` reads it. */
export interface VrrpRule extends Located {
  /** From the addresses; `inet6` forces IPv6; otherwise IPv4. */
  readonly family: 'inet' | 'inet6';
  /** `from PREFIX` (absent or `all`: any). */
  readonly from?: VrrpPrefix;
  /** `to PREFIX`. */
  readonly to?: VrrpPrefix;
  /** `not`. */
  readonly invert: boolean;
  /** What a match does: look up `table` (with `l3mdev`: the device's), jump (`goto`), nothing (`nop`), or drop the packet as written. */
  readonly action: 'lookup' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';
  /** `goto N`: the preference jumped to (above the rule's own). */
  readonly goto?: number;
  /** `l3mdev`: look up the table of the packet's L3 master device (no `table`). */
  readonly l3mdev?: true;
  /** `tos` / `dsfield` (the header's byte). */
  readonly tos?: number;
  /** `realms [FROM/]TO` (IPv4), as FRA_FLOW: FROM << 16 | TO. */
  readonly realms?: number;
  /** `suppress_prefixlength N`. */
  readonly suppressPrefixLength?: number;
  /** `suppress_ifgroup N`. */
  readonly suppressIfgroup?: number;
  /** `tunnel-id N` (keepalived 2.2.7 keeps its low 32 bits). */
  readonly tunnelId?: number;
  /** `uidrange A-B`. */
  readonly uidRange?: readonly [number, number];
  /** `protocol N` of a `no_track` rule (a tracked one carries 18). */
  readonly protocol?: number;
  /** `ipproto NAME|N`. */
  readonly ipProto?: number;
  /** `sport A-B` (16 bits each). */
  readonly sport?: readonly [number, number];
  /** `dport A-B` (16 bits each). */
  readonly dport?: readonly [number, number];
  /** `table` / `lookup`. */
  readonly table?: number;
  /** `preference` / `priority` / `order`; keepalived assigns 16384 downwards per family when absent (with a warning). */
  readonly preference: number;
  /** `iif` / `iifname`. */
  readonly iif?: string;
  /** `oif` / `oifname`. */
  readonly oif?: string;
  /** `fwmark N[/MASK]`: the mark. */
  readonly fwmark?: number;
  /** `fwmark N/MASK`: the mask. */
  readonly fwmask?: number;
  /** Tracked (no `no_track`): keepalived gives the rule its protocol (18). */
  readonly tracked: boolean;
  /** Static only: `track_group NAME`, whose instances are FAULT while `iif` is down. */
  readonly trackGroup?: string;
}

/** One `virtual_ipaddress` / `virtual_ipaddress_excluded` line. */
export interface VrrpAddress extends Located {
  /** The address without prefix. */
  readonly address: string;
  /** Address family. */
  readonly family: 'inet' | 'inet6';
  /** Prefix length; default 32 (IPv4) or 128 (IPv6). */
  readonly prefix: number;
  /** `brd ADDR`: IPv4 broadcast address (`brd +` and `brd -` worked out from the prefix). */
  readonly brd?: string;
  /** `peer ADDR`: the other end of a point-to-point address (the prefix is then the whole address). */
  readonly peer?: string;
  /** `preferred_lft N|forever` (IPv6): seconds the address may be picked as a source; forever is 0xffffffff. */
  readonly preferredLft?: number;
  /** `home` (IPv6): a Mobile IPv6 home address (IFA_F_HOMEADDRESS). */
  readonly home?: boolean;
  /** `mngtmpaddr` (IPv6): the kernel makes temporary addresses from it (IFA_F_MANAGETEMPADDR). */
  readonly manageTempAddress?: boolean;
  /** `noprefixroute`: the kernel adds no route for the prefix (IFA_F_NOPREFIXROUTE). */
  readonly noPrefixRoute?: boolean;
  /** `autojoin`: the kernel joins the multicast address on the interface (IFA_F_MCAUTOJOIN). */
  readonly autojoin?: boolean;
  /** `dev IF`: interface; default the instance's. */
  readonly dev?: string;
  /** `scope`: address scope. */
  readonly scope?: 'global' | 'site' | 'link' | 'host' | 'nowhere';
  /** `label IF:TAG`: IPv4 address label. */
  readonly label?: string;
  /**
   * `-nodad` written. keepalived 2.2.7 adds IPv6 addresses without duplicate address detection (IFA_F_NODAD) except
   * those written with `-nodad`, which the kernel then checks (measured; its documentation says the opposite).
   */
  readonly nodad: boolean;
  /** `no_track`: removal by someone else does not force the instance out of MASTER; default off. */
  readonly noTrack: boolean;
  /** Static only: `track_group NAME`, whose instances are FAULT while `dev` is down. */
  readonly trackGroup?: string;
  /** `use_vmac` (a VIP's option): the address goes on a macvlan with the virtual MAC on its interface. */
  readonly useVmac?: true;
}

/** The notify scripts of an instance or sync group. */
export interface VrrpNotify {
  /** `notify_master`: run on entering MASTER. */
  readonly master?: ScriptSpec;
  /** `notify_backup`: run on entering BACKUP. */
  readonly backup?: ScriptSpec;
  /** `notify_fault`: run on entering FAULT. */
  readonly fault?: ScriptSpec;
  /** `notify_stop`: run when the instance stops. */
  readonly stop?: ScriptSpec;
  /** `notify`: run on every transition with TYPE NAME STATE PRIORITY appended. */
  readonly notify?: ScriptSpec;
  /** `notify_master_rx_lower_pri`: run when a master receives a lower-priority advert. */
  readonly masterRxLowerPri?: ScriptSpec;
}

/** A `unicast_peer` entry. */
export interface VrrpUnicastPeer extends Located {
  /** Peer address. */
  readonly address: string;
  /** `min_ttl N`: lowest accepted TTL from this peer. */
  readonly minTtl?: number;
  /** `max_ttl N`: highest accepted TTL from this peer. */
  readonly maxTtl?: number;
}

/**
 * `vrrp_instance NAME { }` after keepalived's corrections. The runtime's
 * one-to-one options (`VRRP_DIRECT_OPTIONS` of `ipvs/vrrp`: priority,
 * version, the GARP timing...) are its fields under their runtime names,
 * each the instance's value, else global_defs' (`vrrp_garp_*`, `vrrp_version`,
 * `vrrp_mcast_group4/6`...), else keepalived's default; `state` defaults to
 * MASTER only with priority 255.
 */
export interface VrrpInstanceBlock extends Traced, Readonly<Required<Pick<VrrpInstanceOptions, VrrpDirectOption>>> {
  /** Instance name. */
  readonly name: string;
  /** `interface`: where adverts go; absent only in unicast setups. */
  readonly interface?: string;
  /** `advert_int` seconds; default 1 (v2 rounded to whole seconds). */
  readonly advertInt: number;
  /** Family of the advertised addresses (IPv4 when none). */
  readonly family: 'inet' | 'inet6';
  /** `accept` / `no_accept`; absent = keepalived's default (accept unless strict). */
  readonly accept?: boolean;
  /** `strict_mode`; default global `vrrp_strict`. */
  readonly strict: boolean;
  /** `skip_check_adv_addr`; default global. */
  readonly skipCheckAdvAddr: boolean;
  /** `dont_track_primary`; default off. */
  readonly dontTrackPrimary: boolean;
  /** `unicast_src_ip` / `mcast_src_ip`: advert source. */
  readonly unicastSrcIp?: string;
  /** `unicast_peer { }`: empty = multicast. */
  readonly unicastPeers: readonly VrrpUnicastPeer[];
  /** `unicast_ttl`; default 255. */
  readonly unicastTtl?: number;
  /** `authentication { auth_type; auth_pass }` (VRRPv2 only). */
  readonly authentication?: {
    /** `auth_type PASS|AH`. */
    readonly type: 'PASS' | 'AH';
    /** `auth_pass`: the password as written (only 8 bytes go on the wire). */
    readonly password: string;
  };
  /** `virtual_ipaddress { }`: the advertised addresses. */
  readonly virtualIpaddress: readonly VrrpAddress[];
  /** `virtual_ipaddress_excluded { }`: moved with the state, not advertised. */
  readonly virtualIpaddressExcluded: readonly VrrpAddress[];
  /** `virtual_routes { }`: added on becoming MASTER, removed on leaving it. */
  readonly virtualRoutes: readonly VrrpRoute[];
  /** `virtual_rules { }`: added on becoming MASTER, removed on leaving it. */
  readonly virtualRules: readonly VrrpRule[];
  /** `track_interface { }`. */
  readonly trackInterface: readonly VrrpTrackRef[];
  /** `track_script { }` (only scripts that exist). */
  readonly trackScript: readonly VrrpTrackRef[];
  /** `track_file { }` (only files that exist). */
  readonly trackFile: readonly VrrpTrackRef[];
  /** `track_bfd { }` (only bfd_instances that exist). */
  readonly trackBfd: readonly VrrpTrackRef[];
  /** `track_process { }` (only vrrp_track_process blocks that exist). */
  readonly trackProcess: readonly VrrpTrackRef[];
  /** `notify_*` scripts. */
  readonly notify: VrrpNotify;
  /** `smtp_alert`; default global. */
  readonly smtpAlert?: boolean;
  /**
   * `notify_priority_changes`, resolved (default global_defs'
   * `vrrp_notify_priority_changes`): each change of the effective priority
   * writes `INSTANCE "NAME" MASTER_PRIORITY|BACKUP_PRIORITY PRIO` to the
   * notify FIFOs. Present only when on.
   */
  readonly notifyPriorityChanges?: true;
  /** `notify_deleted` (arguments ignored, as keepalived): removed by a reload, the instance is notified as DELETED instead of FAULT. */
  readonly notifyDeleted?: true;
  /** `unicast_fault_no_peer`: without unicast peers the instance is FAULT instead of multicasting. */
  readonly unicastFaultNoPeer?: true;
  /** `promote_secondaries`: the interface's promote_secondaries sysctl is 1 while the daemon runs. */
  readonly promoteSecondaries?: true;
  /** `linkbeat_use_polling` (deprecated here): the instance's interface is read by linkbeat. */
  readonly linkbeatUsePolling?: true;
  /** `use_vmac [NAME] [MAC]`: a macvlan with the virtual MAC; `name` absent = `vrrp.VRID`. */
  readonly useVmac?: {
    /** Interface name given after `use_vmac`. */
    readonly name?: string;
    /** The MAC written (5 or 6 octets, lower case): the VRID completes 5. */
    readonly mac?: string;
  };
  /**
   * `use_ipvlan [IF] [ADDRESS[/PREFIX]] [bridge|private|vepa]`: an ipvlan (mode l2) on the interface, with its
   * MAC, that carries the adverts; `name` absent = `vrrp.VRID`.
   */
  readonly useIpvlan?: {
    /** Interface name given on the line. */
    readonly name?: string;
    /** The address the ipvlan gets (the adverts' source); without it an IPv4 instance stays FAULT. */
    readonly address?: {
      /** The address as written, without its prefix. */
      readonly address: string;
      /** The prefix written, else 32 (128). */
      readonly prefix: number;
      /** Its family, which an instance without a VIP before the line takes. */
      readonly family: 'inet' | 'inet6';
    };
    /** The l2 mode's flag: `bridge` (keepalived's default), `private` or `vepa`. */
    readonly mode: 'bridge' | 'private' | 'vepa';
  };
  /** `vmac_xmit_base` (with `use_vmac` only): adverts leave from the base interface, not from the VMAC. */
  readonly vmacXmitBase?: true;
  /** `use_vmac_addr`: the VIPs on other interfaces than the instance's go on a macvlan with the virtual MAC there. */
  readonly useVmacAddr?: true;
  /** `garp_extra_if [all] DELAY` (or the deprecated `vmac_garp_intvl`), else global_defs' `vrrp_garp_extra_if`. */
  readonly garpExtraIf?: GarpExtraIf;
  /** `lvs_sync_daemon_interface` (deprecated form of global `lvs_sync_daemon IF inst NAME`). */
  readonly lvsSyncDaemonInterface?: string;
  /** `old_unicast_checksum [never]`: keepalived's pre-1.3.6 unicast VRRPv3 checksum always (`true`) or never; absent: detected. */
  readonly oldUnicastChecksum?: true | 'never';
  /** `kernel_rx_buf_size BYTES`: SO_RCVBUF of the advert socket; absent or 0: the kernel's default. */
  readonly kernelRxBufSize?: number;
}

/** `vrrp_script NAME { }`. */
export interface VrrpScript extends Traced {
  /** Script name, referenced by `track_script`. */
  readonly name: string;
  /** `script "CMD ARGS"`. */
  readonly script: ScriptSpec;
  /** `interval` seconds; default 1. */
  readonly interval: number;
  /** `timeout` seconds; default `interval`. */
  readonly timeout: number;
  /** `weight`, -253..253; default 0 (failure = FAULT). */
  readonly weight: number;
  /** `weight W reverse`; default off. */
  readonly weightReverse: boolean;
  /** `rise`; default 1. */
  readonly rise: number;
  /** `fall`; default 1. */
  readonly fall: number;
  /** `user USER [GROUP]`; default global `script_user`. */
  readonly user?: {
    /** User name. */
    readonly user: string;
    /** Group name. */
    readonly group?: string;
  };
  /** `init_fail`: start failed; default off. */
  readonly initFail: boolean;
}

/** `track_file NAME { }` (or the deprecated `vrrp_track_file`). */
export interface VrrpTrackFile extends Traced {
  /** Name, referenced by `track_file` in instances. */
  readonly name: string;
  /** `file PATH`. */
  readonly file: string;
  /** `weight`; default 1. */
  readonly weight: number;
  /** `weight W reverse`; default off. */
  readonly weightReverse: boolean;
  /** `init_file [VALUE] [overwrite]`: create the file at start. */
  readonly initFile?: {
    /** Value written; default 0. */
    readonly value: number;
    /** Overwrite an existing file. */
    readonly overwrite: boolean;
  };
}

/** `vrrp_track_process NAME { }`. */
export interface VrrpTrackProcess extends Traced {
  /** Name, referenced by `track_process` in instances and sync groups. */
  readonly name: string;
  /** `process PATH [ARGS...]`: the name (comm, or argv[0] with full_command). */
  readonly process: string;
  /** The ARGS after PATH (their presence implies full_command and exact param_match). */
  readonly params?: readonly string[];
  /** `param_match [initial|partial]` (bare: exact); absent: arguments not compared. */
  readonly paramMatch?: 'exact' | 'initial' | 'partial';
  /** `full_command` (or implied by ARGS / param_match): argv[0] of the command line, not comm. */
  readonly fullCommand: boolean;
  /** `weight` -254..254; default 0 (quorum lost = FAULT). */
  readonly weight: number;
  /** `weight W reverse`. */
  readonly weightReverse: boolean;
  /** `quorum`; default 1 (0 when quorum_max is 0). */
  readonly quorum: number;
  /** `quorum_max`; absent: no limit. */
  readonly quorumMax?: number;
  /** `fork_delay` (or `delay`) seconds; default 0. */
  readonly forkDelay: number;
  /** `terminate_delay` (or `delay`) seconds; default 0. */
  readonly terminateDelay: number;
}

/** `vrrp_sync_group NAME { }`. */
export interface VrrpSyncGroup extends Located {
  /** Group name. */
  readonly name: string;
  /** Member instances (only those that exist). */
  readonly group: readonly string[];
  /** Group-level notify scripts. */
  readonly notify: VrrpNotify;
  /** Group-level `track_interface`. */
  readonly trackInterface: readonly VrrpTrackRef[];
  /** Group-level `track_script`. */
  readonly trackScript: readonly VrrpTrackRef[];
  /** Group-level `track_file`. */
  readonly trackFile: readonly VrrpTrackRef[];
  /** Group-level `track_bfd`. */
  readonly trackBfd: readonly VrrpTrackRef[];
  /** Group-level `track_process`. */
  readonly trackProcess: readonly VrrpTrackRef[];
  /** `smtp_alert`. */
  readonly smtpAlert?: boolean;
  /** `notify_priority_changes`: read, and (as keepalived 2.2.7) applied to nothing. */
  readonly notifyPriorityChanges?: boolean;
  /** `sync_group_tracking_weight`: members keep weighted trackers; default off (keepalived drops their weights). */
  readonly trackingWeight: boolean;
}

/** One `track_group NAME { group { ... } }` block. */
export interface VrrpTrackGroup extends Located {
  /** The name static lines give after `track_group`. */
  readonly name: string;
  /** The instance names of its `group`, as written. */
  readonly members: readonly string[];
}

/** Everything VRRP in a configuration. */
export interface VrrpConfig {
  /** `vrrp_instance` blocks in file order (those keepalived keeps). */
  readonly instances: readonly VrrpInstanceBlock[];
  /** `vrrp_script` blocks with a script. */
  readonly scripts: readonly VrrpScript[];
  /** `track_file` / `vrrp_track_file` blocks with a file. */
  readonly trackFiles: readonly VrrpTrackFile[];
  /** `vrrp_track_process` blocks with a process. */
  readonly trackProcesses: readonly VrrpTrackProcess[];
  /** `vrrp_sync_group` blocks. */
  readonly syncGroups: readonly VrrpSyncGroup[];
  /** `static_ipaddress { }`: added at start, removed at stop. */
  readonly staticAddresses: readonly VrrpAddress[];
  /** `static_routes { }`: added at start, removed at stop. */
  readonly staticRoutes: readonly VrrpRoute[];
  /** `static_rules { }`: added at start, removed at stop. */
  readonly staticRules: readonly VrrpRule[];
  /** `track_group` blocks: the instances each names (as written; those that are no instance are ignored). */
  readonly trackGroups: readonly VrrpTrackGroup[];
  /**
   * bfd_instance blocks keepalived disabled or ignored (no neighbour, mixed families, a neighbour already taken): a
   * track_bfd naming one is kept, as keepalived keeps them, and tracks a session that never comes Up.
   */
  readonly bfdDisabled: readonly string[];
  /**
   * Interfaces named by instances (`interface`, `track_interface`) that the
   * network namespace does not have; keepalived refuses to start VRRP then.
   */
  readonly missingInterfaces: readonly string[];
  /** `interface_up_down_delays { }`: one line per interface (a later line replaces an earlier). */
  readonly interfaceDelays: readonly InterfaceDelay[];
  /** `linkbeat_interfaces { }`: one line per interface (a later line replaces an earlier). */
  readonly linkbeatInterfaces: readonly LinkbeatInterfaceLine[];
  /** `garp_group` blocks keepalived keeps (with an interval), in file order. */
  readonly garpGroups: readonly GarpGroup[];
}

/**
 * A `garp_group`: gratuitous ARPs (`garpInterval`) and unsolicited NAs
 * (`gnaInterval`) sent on any of its interfaces leave at most one per
 * interval, whichever instance sends them. An interval not written is 0 (no
 * pacing of that kind on these interfaces, whatever vrrp_garp_interval says).
 */
export interface GarpGroup extends Located {
  /** Seconds between GARPs on the group's interfaces; 0: unpaced. */
  readonly garpInterval: number;
  /** Seconds between unsolicited NAs on the group's interfaces; 0: unpaced. */
  readonly gnaInterval: number;
  /** Interface names, each in no other group. */
  readonly interfaces: readonly string[];
}

/** A line of `linkbeat_interfaces { IF [MII|ETHTOOL|IOCTL] }` (no method: the first that works). */
export interface LinkbeatInterfaceLine extends Located {
  /** The interface named. */
  readonly interface: string;
  /** The method written after it, if one keepalived knows. */
  readonly method?: 'MII' | 'ETHTOOL' | 'IOCTL';
}

/** A line of `interface_up_down_delays { IF DOWN [UP] }`: seconds a link must stay down / up before it counts. */
export interface InterfaceDelay extends Located {
  /** The interface named. */
  readonly interface: string;
  /** Seconds down before it counts. */
  readonly down: number;
  /** Seconds up before it counts (0 when not written). */
  readonly up: number;
}
