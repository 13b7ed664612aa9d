/**
 * The configuration of a {@link VrrpRouter}: everything the VRRP half of
 * keepalived reads from keepalived.conf — `vrrp_instance` blocks with their
 * tracking and notify scripts, `vrrp_script`, `track_file`, `bfd_instance`,
 * `vrrp_sync_group`, and the script-related `global_defs`. Field names are
 * keepalived's keywords camel-cased, as in {@link VrrpInstanceOptions}.
 * This file is the contract between the keepalived.conf reader and the
 * runtime; the runtime validates it (every error names the field).
 * @module
 */
import type { VrrpFirewallOptions } from './firewall';
import type { InterfaceDelayOptions } from './track/interface-delays';
import type { LinkbeatOptions } from './track/linkbeat';
import type { GarpGroupOptions } from './garp-pacer';
import type { VirtualAddress, VrrpInstanceOptions } from './instance-options';
import type { VrrpRouteOptions, VrrpRuleOptions } from './routes';
import type { BfdInstanceOptions } from '../bfd/options';
import type { TrackFileOptions } from '../track/file';
import type { TrackProcessOptions } from '../track/process';

/** `vrrp_script NAME { script; interval; timeout; weight W [reverse]; rise; fall; user USER [GROUP]; init_fail }` */
export interface VrrpScriptOptions {
  /** The block's name, referenced by `track_script`. */
  name: string;
  /** `script`: the command line as written (split like a shell does, no shell run). */
  script: string;
  /** `interval` in seconds between runs (> 0). Default 1. */
  interval?: number;
  /** `timeout` in seconds after which a run is killed and counts as failed. Default `interval`. */
  timeout?: number;
  /** `weight` -253..253: added to the priority while OK (> 0) or subtracted while failing (< 0); 0 = failure means FAULT. Default 0. */
  weight?: number;
  /** `weight W reverse`: the sign is applied the other way round (failing adds, OK subtracts). */
  weightReverse?: boolean;
  /** `rise`: consecutive successes to become OK. Default 1. */
  rise?: number;
  /** `fall`: consecutive failures to become failed. Default 1. */
  fall?: number;
  /** `user USER`: run as this user; default `scriptUser`. */
  user?: string;
  /** `user USER GROUP`: run with this group; default the user's primary group. */
  group?: string;
  /** `init_fail`: start in the failed state instead of OK. */
  initFail?: boolean;
}

/**
 * `track_file NAME` / `vrrp_track_file NAME { file; weight W [reverse]; init_file [VALUE] [overwrite] }`:
 * one definition shared with FILE_CHECK.
 */
export type VrrpTrackFileOptions = TrackFileOptions;

/** `vrrp_track_process NAME { process PATH [ARGS...]; ... }`: processes counted against a quorum. */
export type VrrpTrackProcessOptions = TrackProcessOptions;

/** One line of `track_interface` / `track_script` / `track_file` / `track_bfd`: `NAME [weight W [reverse]]`. */
export interface TrackRef {
  /** The interface name, or the `vrrp_script` / `track_file` / `bfd_instance` block's name. */
  name: string;
  /** `weight W` overriding the tracker's own (interfaces: default 0, i.e. down means FAULT). */
  weight?: number;
  /** `reverse` after the weight. */
  reverse?: boolean;
}

/** A notify command: the command line as written, or with `user [group]` as keepalived allows after it. */
export type VrrpNotifyCommand = string | {
  /** The command line as written. */
  command: string;
  /** Run as this user; default `scriptUser`. */
  user?: string;
  /** Run with this group. */
  group?: string;
};

/**
 * `notify_master`, `notify_backup`, `notify_fault`, `notify_stop`, `notify`
 * and `notify_master_rx_lower_pri`. The command line is split like keepalived
 * splits it; `notify` gets `INSTANCE|GROUP NAME STATE PRIORITY` appended.
 */
export interface VrrpNotifyScripts {
  /** `notify_master`: run on entering MASTER. */
  master?: VrrpNotifyCommand;
  /** `notify_backup`: run on entering BACKUP. */
  backup?: VrrpNotifyCommand;
  /** `notify_fault`: run on entering FAULT. */
  fault?: VrrpNotifyCommand;
  /** `notify_stop`: run when the instance stops. */
  stop?: VrrpNotifyCommand;
  /** `notify`: run after the specific script on every transition, with four arguments appended. */
  notify?: VrrpNotifyCommand;
  /** `notify_master_rx_lower_pri`: run when a master receives an advert of lower priority. */
  masterRxLowerPri?: VrrpNotifyCommand;
}

/** One `vrrp_instance`: the protocol options plus tracking and notify. */
export interface VrrpRouterInstance extends VrrpInstanceOptions {
  /** `track_interface`: interfaces whose link state is tracked. */
  trackInterface?: TrackRef[];
  /** `track_script`: `vrrp_script` blocks whose result is tracked. */
  trackScript?: TrackRef[];
  /** `track_file`: `track_file` blocks whose value is tracked. */
  trackFile?: TrackRef[];
  /** `track_bfd`: `bfd_instance` sessions tracked (Up = OK; a session not yet Up counts as down, as in keepalived). */
  trackBfd?: TrackRef[];
  /** `track_process`: `vrrp_track_process` blocks whose quorum is tracked (held = OK). */
  trackProcess?: TrackRef[];
  /** The instance's notify scripts. */
  notify?: VrrpNotifyScripts;
  /** `smtp_alert`: accepted for compatibility; the runtime sends no mail. */
  smtpAlert?: boolean;
  /**
   * `notify_deleted`: removed by an update, the instance is notified (its
   * `notify` script, the `state` event's `deleted`) as `DELETED` instead of
   * keepalived's default `FAULT`.
   */
  notifyDeleted?: boolean;
  /**
   * `unicast_fault_no_peer`: without `unicastPeer` the instance does not fall
   * back to multicast; it is held in FAULT, logged and reported as an `error`
   * event, until an update decides again (keepalived's "Cannot use unicast
   * without any peers - going to fault state").
   */
  unicastFaultNoPeer?: boolean;
  /**
   * `dont_track_primary`: the instance's own interface (and its `use_vmac`
   * macvlan) going down is not a fault; the instance keeps its state and
   * keeps sending (keepalived logs each failed advert). `trackInterface`
   * lines still count.
   */
  dontTrackPrimary?: boolean;
}

/** `vrrp_sync_group NAME { group { I1 I2 } notify_*; track_* }` */
export interface VrrpSyncGroupOptions {
  /** The group's name, used in `notify` arguments and events. */
  name: string;
  /** `group { … }`: names of the member instances (each in at most one group). */
  group: string[];
  /** Group notify scripts (`notify` gets `GROUP NAME STATE 0`). */
  notify?: VrrpNotifyScripts;
  /** `track_interface` applied to every member. */
  trackInterface?: TrackRef[];
  /** `track_script` applied to every member. */
  trackScript?: TrackRef[];
  /** `track_file` applied to every member. */
  trackFile?: TrackRef[];
  /** `track_bfd` applied to every member. */
  trackBfd?: TrackRef[];
  /** `track_process` applied to every member. */
  trackProcess?: TrackRef[];
  /** `sync_group_tracking_weight`: members' tracker weights count; without it a member's failing tracker puts the group in FAULT. */
  syncGroupTrackingWeight?: boolean;
}

/** Everything the VRRP half of keepalived needs. */
export interface VrrpRouterConfig {
  /** The `vrrp_instance` blocks. */
  instances: VrrpRouterInstance[];
  /** The `vrrp_script` blocks. */
  scripts: VrrpScriptOptions[];
  /** The `track_file` / `vrrp_track_file` blocks. */
  trackFiles: VrrpTrackFileOptions[];
  /** The `vrrp_track_process` blocks. */
  trackProcesses?: VrrpTrackProcessOptions[];
  /** The `vrrp_sync_group` blocks. */
  syncGroups: VrrpSyncGroupOptions[];
  /** The `bfd_instance` blocks (run by the router unless the runtime passes shared sessions). */
  bfdInstances?: BfdInstanceOptions[];
  /**
   * Names of `bfd_instance` blocks keepalived disabled or ignored (no neighbour, mixed families, a duplicate
   * neighbour): a `track_bfd` may name one, and it is a session that never comes Up (weight 0: FAULT), as keepalived 2.2.7.
   */
  bfdDisabled?: string[];
  /** `global_defs { script_user USER [GROUP] }`: default user of scripts. Default: the daemon's own user. */
  scriptUser?: {
    /** User name or numeric id. */
    user: string;
    /** Group name or numeric id; default the user's primary group. */
    group?: string;
  };
  /** `global_defs { enable_script_security }`: refuse scripts that a non-root user could change when run as root. */
  enableScriptSecurity?: boolean;
  /** `static_ipaddress`: addresses (each with `dev`) added when the router opens and removed when it closes. */
  staticIpaddress?: (VirtualAddress | string)[];
  /** `static_routes`: added when the router opens, removed when it closes. */
  staticRoutes?: VrrpRouteOptions[];
  /** `static_rules`: added when the router opens, removed when it closes. */
  staticRules?: VrrpRuleOptions[];
  /**
   * `nftables [TABLE]`, `nftables_priority`, `nftables_counters`: the table
   * instances with `accept: false` put their VIPs in while master. Read at
   * open only. Default: table `keepalived`, priority -1, no counters.
   */
  firewall?: VrrpFirewallOptions;
  /**
   * `interface_up_down_delays`: per interface, how long its link must stay
   * down (or up) before tracking acts on it; a change back within the wait is
   * ignored. A wait that is not shorter than (down_timer_adverts − 1) ×
   * advert_int of an instance on that interface is cut below it, as
   * keepalived does (said by a `warning` event).
   */
  interfaceDelays?: InterfaceDelayOptions[];
  /**
   * `linkbeat_interfaces` (and `linkbeat_use_polling`, which names the
   * instances' own interfaces): interfaces whose link is read by ioctl every
   * second (MII, ETHTOOL or the flags) instead of from rtnetlink, as
   * keepalived's linkbeat. Only those an instance uses are read; a change
   * read so counts at once (interfaceDelays do not apply to it).
   */
  linkbeat?: LinkbeatOptions[];
  /**
   * `garp_group`: interfaces sharing one pace of gratuitous ARPs / NAs,
   * whichever instance sends them (see {@link GarpGroupOptions}); an
   * interface in no group is paced by its instances' `garpInterval`, also
   * shared. Default none.
   */
  garpGroups?: GarpGroupOptions[];
}
