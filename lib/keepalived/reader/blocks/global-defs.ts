/**
 * `global_defs { }`: the keywords that concern the checker side and the
 * VRRP defaults are modelled; every other keyword keepalived knows there
 * (SNMP, process tuning...) is accepted, range-checked where keepalived
 * rejects values, and listed in `other`, so it is never reported as unknown.
 * @module
 */
import { grammar, type BlockOpen, type KeywordSpec, type KeywordTable } from '../grammar';
import type { GlobalDefs, KeywordItem } from '../model';
import { UINT_MAX, addressFamily, readBool, readGarpExtraIfLine, readInteger, readPort, unsignedComplaint } from '../values';
import { VRRP_DEFAULTS } from '../../../vrrp/limits';
import { DEFAULTS } from '../defaults';
import type { VrrpGlobalDefs } from '../vrrp-model';
import { boolField, draft, integerField, setValue, stringField, timerField, valueField, type Draft } from './draft';
import { readScript, scriptField } from './shared';
import { identity } from '../../../scripts/security';
import type { ScriptSpec } from '../located';

/** Fields of global_defs as written. */
export type GlobalFields = Omit<GlobalDefs, 'source' | 'sources' | 'other' | 'notificationEmail' | 'vrrp'>;

/** `reload_file` without a path: keepalived 2.2.7's (its PID directory). */
export const RELOAD_FILE_DEFAULT = '/run/keepalived.reload';

/** global_defs being read (it may appear more than once; later values win). */
export interface GlobalDraft extends Draft<GlobalFields> {
  readonly notificationEmail: string[];
  readonly other: KeywordItem[];
  /** The VRRP defaults as written. */
  readonly vrrp: Draft<VrrpGlobalDefs>;
}

/** An empty global_defs draft. */
export function globalDraft(): GlobalDraft {
  const nowhere = { file: '', line: 0 };
  return { ...draft<GlobalFields>(nowhere), notificationEmail: [], other: [], vrrp: draft<VrrpGlobalDefs>(nowhere) };
}

/**
 * Keywords of global_defs that keepalived 2.2.7 knows but neither the
 * checker nor VRRP half uses. (Later versions' keywords, such as
 * use_symlink_paths or json_version, are unknown to it, and so here.)
 */
export const OTHER_KEYWORDS: readonly string[] = `
  process_names vrrp_process_name checker_process_name lvs_process_name bfd_process_name process_name
  max_auto_priority
  min_auto_priority_delay dynamic_interfaces
  vrrp_priority vrrp_no_swap vrrp_cpu_affinity vrrp_rlimit_rttime
  vrrp_rlimit_rtime
  checker_priority checker_no_swap checker_rt_priority
  checker_cpu_affinity checker_rlimit_rttime checker_rlimit_rtime bfd_priority bfd_no_swap bfd_rt_priority
  bfd_cpu_affinity bfd_rlimit_rttime bfd_rlimit_rtime snmp_socket enable_traps enable_snmp_vrrp
  enable_snmp_keepalived enable_snmp_rfc enable_snmp_rfcv2 enable_snmp_rfcv3 enable_snmp_checker enable_dbus
  dbus_service_name vrrp_netlink_cmd_rcv_bufs vrrp_netlink_cmd_rcv_bufs_force
  vrrp_netlink_monitor_rcv_bufs vrrp_netlink_monitor_rcv_bufs_force process_monitor_rcv_bufs
  process_monitor_rcv_bufs_force lvs_netlink_cmd_rcv_bufs lvs_netlink_cmd_rcv_bufs_force
  lvs_netlink_monitor_rcv_bufs lvs_netlink_monitor_rcv_bufs_force vrrp_rx_bufs_policy vrrp_rx_bufs_multiplier
  random_seed reload_check_config include_check config_save_dir tmp_config_directory data_use_instance umask
  log_unknown_vrids
`.trim().split(/\s+/);


const recordOther: KeywordSpec<GlobalDraft> = {
  handle(stmt, target) {
    target.other.push({ keyword: stmt.keyword, args: stmt.args, source: stmt.source });
  },
};

/** A VRRP default: read by `spec` into the `vrrp` draft. */
function vrrpDefault(spec: KeywordSpec<Draft<VrrpGlobalDefs>>): KeywordSpec<GlobalDraft> {
  return {
    ...(spec.minArgs === undefined ? {} : { minArgs: spec.minArgs }),
    handle: (stmt, target, ctx) => spec.handle(stmt, target.vrrp, ctx),
  };
}

/**
 * `vrrp_min_garp`: one GARP/NA on becoming master, no second burst, no
 * refresh. As keepalived, it lowers only what is still at its default when
 * the line is read (a line after it sets its own value); a refresh repeat
 * of 0 is kept to mean no refresh (finalize-vrrp.ts).
 */
const minGarp: KeywordSpec<Draft<VrrpGlobalDefs>> = {
  minArgs: 0,
  handle(stmt, target, ctx) {
    const on = readBool(stmt, ctx, 'vrrp_min_garp');
    if (on === undefined) return;
    setValue(target, 'minGarp', on, stmt.source);
    if (!on) return;
    const v = target.values;
    if ((v.garpMasterRepeat ?? VRRP_DEFAULTS.garpMasterRepeat) === VRRP_DEFAULTS.garpMasterRepeat) setValue(target, 'garpMasterRepeat', 1, stmt.source);
    if ((v.garpMasterDelay ?? VRRP_DEFAULTS.garpMasterDelay) === VRRP_DEFAULTS.garpMasterDelay) setValue(target, 'garpMasterDelay', 0, stmt.source);
    if ((v.garpMasterRefreshRepeat ?? VRRP_DEFAULTS.garpMasterRefreshRepeat) === VRRP_DEFAULTS.garpMasterRefreshRepeat) {
      setValue(target, 'garpMasterRefreshRepeat', 0, stmt.source);
    }
  },
};

/** `vmac_prefix` / `vmac_addr_prefix PREFIX`: as keepalived, the first one written wins. */
function vmacPrefix(field: 'vmacPrefix' | 'vmacAddrPrefix', what: string): KeywordSpec<Draft<VrrpGlobalDefs>> {
  return {
    handle(stmt, target, ctx) {
      const word = stmt.args[0]!;
      if (target.values[field] !== undefined) return void ctx.diag.error('semantic', `${what} has already been specified - ignoring ${word}`, stmt.source);
      setValue(target, field, word, stmt.source);
    },
  };
}

/** `vrrp_garp_extra_if [all] DELAY` (1..86400 s) or the deprecated `vrrp_vmac_garp_intvl`, as keepalived's global_parser.c. */
const globalGarpExtraIf: KeywordSpec<Draft<VrrpGlobalDefs>> = {
  minArgs: 0,
  handle(stmt, target, ctx) {
    const read = readGarpExtraIfLine(stmt, ctx, { min: 1, who: '', deprecated: 'vrrp_vmac_garp_intvl', current: 'vrrp_garp_extra_if' });
    if (read) setValue(target, 'garpExtraIf', read, stmt.source);
  },
};

/**
 * `nftables [TABLE]` (default table `keepalived`): the first one written
 * wins, and it puts the chain priority back to -1, as keepalived (a
 * `nftables_priority` before it is lost). `vrrp_iptables`, which keepalived
 * 2.2.7 built without iptables reads as "using nftables instead", sets
 * table `keepalived` and priority -1 whatever came before.
 */
function nftablesTable(keyword: 'nftables' | 'vrrp_iptables'): KeywordSpec<Draft<VrrpGlobalDefs>> {
  return {
    minArgs: 0,
    handle(stmt, target, ctx) {
      if (keyword === 'vrrp_iptables') {
        ctx.diag.warning('invalid-value', "iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option", stmt.source);
      } else if (target.values.nftablesTable !== undefined) {
        ctx.diag.warning('invalid-value', 'nftables already specified - ignoring', stmt.source);
        return;
      }
      const table = keyword === 'nftables' && stmt.args[0] !== undefined ? stmt.args[0] : 'keepalived';
      if (table.length >= 256) {
        ctx.diag.error('invalid-value', 'nftables table name too long - ignoring', stmt.source);
        return;
      }
      setValue(target, 'nftablesTable', table, stmt.source);
      setValue(target, 'nftablesPriority', -1, stmt.source);
    },
  };
}

/** `nftables_counters`, `nftables_ifindex`: on when written, whatever follows (keepalived reads no argument). */
function presentFlag(key: 'nftablesCounters' | 'nftablesIfindex'): KeywordSpec<Draft<VrrpGlobalDefs>> {
  return { minArgs: 0, handle: (stmt, target) => setValue(target, key, true, stmt.source) };
}

const mcastGroup = (key: 'mcastGroup4' | 'mcastGroup6', family: 'inet' | 'inet6') =>
  vrrpDefault(valueField(key, (stmt, ctx) => {
    const word = stmt.args[0]!;
    if (addressFamily(word) === family) return word;
    ctx.diag.error('invalid-value', `${stmt.keyword} '${word}' is not an ${family === 'inet' ? 'IPv4' : 'IPv6'} multicast address - ignoring`, stmt.source);
    return undefined;
  }));

/** global_defs' VRRP defaults (keepalived's ranges; a zero GARP/NA interval is refused, the shipped default config has one). */
const vrrpDefaults: KeywordTable<GlobalDraft> = {
  vrrp_version: vrrpDefault(valueField('version', (stmt, ctx) => {
    const version = readInteger(stmt, ctx, stmt.args[0]!, 'vrrp_version', 2, 3);
    return version === undefined ? undefined : (version as 2 | 3);
  })),
  default_interface: vrrpDefault(valueField('defaultInterface', (stmt) => stmt.args[0])),
  disable_local_igmp: vrrpDefault(boolField('disableLocalIgmp', 'disable_local_igmp')),
  vrrp_mcast_group4: mcastGroup('mcastGroup4', 'inet'),
  vrrp_mcast_group6: mcastGroup('mcastGroup6', 'inet6'),
  vrrp_garp_master_delay: vrrpDefault(timerField('garpMasterDelay', 'vrrp_garp_master_delay', 0)),
  vrrp_garp_master_repeat: vrrpDefault(integerField('garpMasterRepeat', 'vrrp_garp_master_repeat', 0, 2147483647)),
  vrrp_garp_lower_prio_delay: vrrpDefault(timerField('garpLowerPrioDelay', 'vrrp_garp_lower_prio_delay', 0)),
  vrrp_garp_lower_prio_repeat: vrrpDefault(integerField('garpLowerPrioRepeat', 'vrrp_garp_lower_prio_repeat', 0, 2147483647)),
  vrrp_garp_master_refresh: vrrpDefault(timerField('garpMasterRefresh', 'vrrp_garp_master_refresh', 0)),
  vrrp_garp_master_refresh_repeat: vrrpDefault(integerField('garpMasterRefreshRepeat', 'vrrp_garp_master_refresh_repeat', 1, 2147483647)),
  vrrp_garp_interval: vrrpDefault(timerField('garpInterval', 'vrrp_garp_interval')),
  vrrp_gna_interval: vrrpDefault(timerField('gnaInterval', 'vrrp_gna_interval')),
  vrrp_down_timer_adverts: vrrpDefault(integerField('downTimerAdverts', 'vrrp_down_timer_adverts', 1, 100)),
  vrrp_check_unicast_src: vrrpDefault(boolField('checkUnicastSrc', 'vrrp_check_unicast_src')),
  vrrp_skip_check_adv_addr: vrrpDefault(boolField('skipCheckAdvAddr', 'vrrp_skip_check_adv_addr')),
  vrrp_strict: vrrpDefault(boolField('strict', 'vrrp_strict')),
  vrrp_lower_prio_no_advert: vrrpDefault(boolField('lowerPrioNoAdvert', 'vrrp_lower_prio_no_advert')),
  vrrp_higher_prio_send_advert: vrrpDefault(boolField('higherPrioSendAdvert', 'vrrp_higher_prio_send_advert')),
  vrrp_owner_ignore_adverts: vrrpDefault(boolField('ownerIgnoreAdverts', 'vrrp_owner_ignore_adverts')),
  v3_checksum_as_v2: vrrpDefault(boolField('v3ChecksumAsV2', 'v3_checksum_as_v2')),
  vrrp_startup_delay: vrrpDefault(timerField('startupDelay', 'vrrp_startup_delay', 0)),
  vrrp_min_garp: vrrpDefault(minGarp),
  vrrp_rt_priority: vrrpDefault(integerField('rtPriority', 'vrrp_rt_priority', 1, 99)),
  nftables: vrrpDefault(nftablesTable('nftables')),
  vrrp_iptables: vrrpDefault(nftablesTable('vrrp_iptables')),
  nftables_priority: vrrpDefault(integerField('nftablesPriority', 'nftables chain priority', -2147483648, 2147483647)),
  nftables_counters: vrrpDefault(presentFlag('nftablesCounters')),
  nftables_ifindex: vrrpDefault(presentFlag('nftablesIfindex')),
  vrrp_notify_priority_changes: vrrpDefault(boolField('notifyPriorityChanges', (word) => `Invalid value '${word}' for global vrrp_notify_priority_changes specified`)),
  vmac_prefix: vrrpDefault(vmacPrefix('vmacPrefix', 'vmac prefix')),
  vmac_addr_prefix: vrrpDefault(vmacPrefix('vmacAddrPrefix', 'vmac_addr prefix')),
  vrrp_garp_extra_if: vrrpDefault(globalGarpExtraIf),
  vrrp_vmac_garp_intvl: vrrpDefault(globalGarpExtraIf),
};

/**
 * `startup_script` / `shutdown_script SCRIPT [user [group]]`, as keepalived
 * reads them: the first one written wins, and a user or group that does not
 * exist drops the script ("Invalid startup script").
 */
function lifecycleScript(key: 'startupScript' | 'shutdownScript', kind: 'startup' | 'shutdown'): KeywordSpec<GlobalDraft> {
  return {
    minArgs: 0,
    handle(stmt, target, ctx) {
      if (target.values[key]) return void ctx.diag.error('semantic', `${kind} script already specified`, stmt.source);
      const [command, user, group] = stmt.args;
      if (command === undefined) return void ctx.diag.error('invalid-value', `${kind} script missing`, stmt.source);
      const unknownAccount = user !== undefined && typeof identity({ user, ...(group === undefined ? {} : { group }) }) === 'string';
      const script: ScriptSpec | undefined = unknownAccount ? undefined : readScript(stmt, ctx, command, user, group);
      if (script && stmt.args.length <= 3) setValue(target, key, script, stmt.source);
      else if (script || unknownAccount) ctx.diag.error('semantic', `Invalid ${kind} script`, stmt.source);
    },
  };
}

/**
 * keepalived's read of `*_script_timeout N` (1..1000 seconds): the number's
 * own complaint, then the keyword's "- ignoring", the default kept.
 */
function lifecycleTimeout(key: 'startupScriptTimeout' | 'shutdownScriptTimeout', keyword: string): KeywordSpec<GlobalDraft> {
  return {
    minArgs: 0,
    handle(stmt, target, ctx) {
      const word = stmt.args[0];
      if (word === undefined) return void ctx.diag.error('invalid-value', `${keyword} requires value`, stmt.source);
      const complaint = unsignedComplaint(word, 1, 1000);
      if (complaint === undefined) return setValue(target, key, Number(word), stmt.source);
      ctx.diag.error('invalid-value', complaint, stmt.source);
      ctx.diag.error('invalid-value', `${keyword} '${word}' must be in [1, 1000] - ignoring`, stmt.source);
    },
  };
}

/**
 * `nftables_ipvs [TABLE]` (default `keepalived_ipvs`): the first one written
 * wins, a name of 256 characters or more is refused, and it puts the chain
 * priority back to -1 (an `nftables_ipvs_priority` before it is lost), as
 * keepalived 2.2.7 (measured in the kernel lab).
 */
const nftablesIpvs: KeywordSpec<GlobalDraft> = {
  minArgs: 0,
  handle(stmt, target, ctx) {
    if (target.values.nftablesIpvsTable !== undefined) return void ctx.diag.error('invalid-value', 'ipvs nftables already specified - ignoring', stmt.source);
    const table = stmt.args[0] ?? DEFAULTS.nftablesIpvsTable;
    if (table.length >= 256) return void ctx.diag.error('invalid-value', 'ipvs nftables table name too long - ignoring', stmt.source);
    setValue(target, 'nftablesIpvsTable', table, stmt.source);
    setValue(target, 'nftablesIpvsPriority', DEFAULTS.nftablesIpvsPriority, stmt.source);
  },
};

/** keepalived's read_int complaint about `word` as a 32-bit signed integer, or undefined when it is one. */
function intComplaint(word: string): string | undefined {
  if (!/^\s*[+-]?\d+$/.test(word)) return `invalid number '${word}'`;
  const value = Number(word);
  return value < -(2 ** 31) || value >= 2 ** 31 ? `number '${word}' outside integer range` : undefined;
}

/**
 * `nftables_ipvs_priority N` (any 32-bit integer) and
 * `nftables_ipvs_start_fwmark N` (1..4294967295): a bad value is refused with
 * the reading's complaint and keepalived's own line (its "start_fwmark
 * priority" wording kept).
 */
function nftablesIpvsNumber(key: 'nftablesIpvsPriority' | 'nftablesIpvsStartFwmark'): KeywordSpec<GlobalDraft> {
  const what = key === 'nftablesIpvsPriority' ? 'chain priority' : 'start_fwmark priority';
  return {
    handle(stmt, target, ctx) {
      const word = stmt.args[0]!;
      // strtoul takes a leading '+', as read_unsigned.
      const complaint = key === 'nftablesIpvsPriority' ? intComplaint(word) : unsignedComplaint(word.replace(/^(\s*)\+(?=\d)/, '$1'), 1, UINT_MAX);
      if (complaint === undefined) return setValue(target, key, Number(word), stmt.source);
      ctx.diag.error('invalid-value', complaint, stmt.source);
      ctx.diag.error('invalid-value', `invalid ipvs nftables ${what} '${word}'`, stmt.source);
    },
  };
}

const emailGrammar = grammar<GlobalDraft>([], (stmt, target) => {
  target.notificationEmail.push(stmt.keyword, ...stmt.args);
});

const modelled: KeywordTable<GlobalDraft> = {
  router_id: stringField('routerId'),
  notification_email: {
    handle(stmt, target): BlockOpen<GlobalDraft> {
      target.sources['notificationEmail'] = stmt.source;
      return { grammar: emailGrammar, target };
    },
  },
  notification_email_from: stringField('notificationEmailFrom'),
  smtp_server: valueField('smtpServer', (stmt, ctx) => {
    const port = stmt.args[1] === undefined ? 25 : readPort(stmt, ctx, stmt.args[1], 'smtp_server port');
    return port === undefined ? undefined : { host: stmt.args[0]!, port };
  }),
  smtp_helo_name: stringField('smtpHeloName'),
  smtp_connect_timeout: valueField('smtpConnectTimeout', (stmt, ctx) => readInteger(stmt, ctx, stmt.args[0]!, 'smtp_connect_timeout', 1, 4294967295)),
  smtp_alert: boolField('smtpAlert', 'smtp_alert'),
  smtp_alert_checker: boolField('smtpAlertChecker', 'smtp_alert_checker'),
  smtp_alert_vrrp: boolField('smtpAlertVrrp', 'smtp_alert_vrrp'),
  // keepalived ignores any words after it.
  no_email_faults: { handle: (stmt, target) => setValue(target, 'noEmailFaults', true, stmt.source) },
  checker_log_all_failures: boolField('checkerLogAllFailures', 'checker_log_all_failures'),
  no_checker_emails: boolField('noCheckerEmails', 'no_checker_emails'),
  rs_init_notifies: boolField('rsInitNotifies', 'rs_init_notifies'),
  fifo_write_vrrp_states_on_reload: boolField('fifoWriteVrrpStatesOnReload', 'fifo_write_vrrp_states_on_reload'),
  enable_script_security: boolField('enableScriptSecurity', 'enable_script_security'),
  script_user: valueField('scriptUser', (stmt) => (stmt.args[1] === undefined ? { user: stmt.args[0]! } : { user: stmt.args[0]!, group: stmt.args[1] })),
  startup_script: lifecycleScript('startupScript', 'startup'),
  shutdown_script: lifecycleScript('shutdownScript', 'shutdown'),
  startup_script_timeout: lifecycleTimeout('startupScriptTimeout', 'startup_script_timeout'),
  shutdown_script_timeout: lifecycleTimeout('shutdownScriptTimeout', 'shutdown_script_timeout'),
  lvs_flush: boolField('lvsFlush', 'lvs_flush'),
  // keepalived 2.2.7 takes the first word and ignores the others.
  reload_file: valueField('reloadFile', (stmt) => stmt.args[0] ?? RELOAD_FILE_DEFAULT, 0),
  reload_time_file: {
    minArgs: 0,
    handle(stmt, target, ctx) {
      if (stmt.args.length !== 1) return void ctx.diag.error('invalid-value', 'reload_time_file invalid', stmt.source);
      setValue(target, 'reloadTimeFile', stmt.args[0]!, stmt.source);
    },
  },
  // Words after it are ignored, as keepalived does.
  reload_repeat: { minArgs: 0, handle: (stmt, target) => setValue(target, 'reloadRepeat', true, stmt.source) },
  lvs_flush_on_stop: valueField('lvsFlushOnStop', (stmt) => (stmt.args[0] === 'VS' ? 'VS' : 'all'), 0),
  lvs_flush_onstop: valueField('lvsFlushOnStop', (stmt) => (stmt.args[0] === 'VS' ? 'VS' : 'all'), 0),
  lvs_timeouts: valueField('lvsTimeouts', (stmt, ctx) => {
    const out: { tcp?: number; tcpfin?: number; udp?: number } = {};
    for (let i = 0; i < stmt.args.length; i += 2) {
      const name = stmt.args[i]!;
      if (name !== 'tcp' && name !== 'tcpfin' && name !== 'udp') {
        ctx.diag.error('invalid-value', `Unknown option ${name} specified for lvs_timeouts`, stmt.source);
        return undefined;
      }
      const value = readInteger(stmt, ctx, stmt.args[i + 1] ?? '', `lvs_timeouts ${name}`, 0, 2147483);
      if (value === undefined) return undefined;
      out[name] = value;
    }
    return out;
  }),
  lvs_sync_daemon: valueField('lvsSyncDaemon', (stmt, ctx) => {
    const [iface, ...rest] = stmt.args as [string, ...string[]];
    type SyncDaemon = NonNullable<GlobalDefs['lvsSyncDaemon']>;
    const out: { -readonly [K in keyof SyncDaemon]: SyncDaemon[K] } = { interface: iface };
    const numeric = { id: ['syncId', 0, 255], maxlen: ['maxlen', 1, 65507], port: ['port', 1, 65535], ttl: ['ttl', 1, 255] } as const;
    for (let i = 0; i < rest.length; i++) {
      const word = rest[i]!;
      if (word in numeric) {
        const [field, min, max] = numeric[word as keyof typeof numeric];
        const value = readInteger(stmt, ctx, rest[++i] ?? '', `lvs_sync_daemon ${word}`, min, max);
        if (value === undefined) return undefined;
        out[field] = value;
      } else if (word === 'group') out.group = rest[++i] ?? '';
      else if (word === 'inst') out.instance = rest[++i] ?? '';
      else out.instance = word;
    }
    return out;
  }),
  nftables_ipvs: nftablesIpvs,
  nftables_ipvs_priority: nftablesIpvsNumber('nftablesIpvsPriority'),
  nftables_ipvs_start_fwmark: nftablesIpvsNumber('nftablesIpvsStartFwmark'),
  lvs_notify_fifo: stringField('lvsNotifyFifo'),
  notify_fifo: stringField('notifyFifo'),
  vrrp_notify_fifo: stringField('vrrpNotifyFifo'),
  notify_fifo_script: scriptField('notifyFifoScript'),
  vrrp_notify_fifo_script: scriptField('vrrpNotifyFifoScript'),
  lvs_notify_fifo_script: scriptField('lvsNotifyFifoScript'),
};

const otherTable: KeywordTable<GlobalDraft> = {
  ...Object.fromEntries(OTHER_KEYWORDS.map((k) => [k, recordOther])),
  // keepalived 2.2.7: without a name, "dbus_service_name missing - ignoring" (-t status 5) and the default name stays.
  dbus_service_name: {
    handle(stmt, target, ctx) {
      if (stmt.args[0] === undefined) return void ctx.diag.error('invalid-value', 'dbus_service_name missing - ignoring', stmt.source);
      recordOther.handle(stmt, target, ctx);
    },
  },
};

/** The keywords of `global_defs`. */
export const globalGrammar = grammar<GlobalDraft>([otherTable, vrrpDefaults, modelled]);

/** `global_defs` at the top level, filling `global`. */
export function globalDefsKeyword<T extends { global: GlobalDraft; globalSource?: GlobalDefs['source'] }>(): KeywordSpec<T> {
  return {
    handle(stmt, target): BlockOpen<GlobalDraft> {
      target.globalSource ??= stmt.source;
      return { grammar: globalGrammar, target: target.global };
    },
  };
}
