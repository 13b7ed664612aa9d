/**
 * `vrrp_instance NAME { }`: every keyword keepalived knows there is either
 * read into the draft or reported as `unsupported` at its line.
 * @module
 */
import { grammar, type BlockOpen, type KeywordSpec, type KeywordTable, type ParseContext, type Statement } from '../grammar';
import type { KeywordItem } from '../model';
import { UINT_MAX, addressFamily, readBool, readGarpExtraIfLine, readInteger, readTimer, unsignedComplaint } from '../values';
import type { VrrpAddress, VrrpInstanceBlock, VrrpRoute, VrrpRule, VrrpUnicastPeer } from '../vrrp-model';
import { boolField, draft, integerField, setValue, stringField, timerField, valueField, type Draft } from './draft';
import { readVrrpAddress } from './vrrp-addresses';
import { routeBlock, ruleBlock } from './vrrp-routes';
import { trackingDraft, trackingKeywords, unsupportedKeyword, type TrackingDraft } from './vrrp-tracking';

/** Scalar fields of an instance as written (lists live beside them in the draft). */
export type VrrpInstanceFields = Omit<
  VrrpInstanceBlock,
  'name' | 'source' | 'sources' | 'family' | 'virtualIpaddress' | 'virtualIpaddressExcluded' | 'unicastPeers' | 'trackInterface' | 'trackScript' | 'trackFile' | 'trackBfd' | 'trackProcess' | 'notify' | 'authentication' | 'notifyPriorityChanges'
> & {
  /** `notify_priority_changes` as written (on or off; the block keeps only on, global_defs' default applied). */
  readonly notifyPriorityChanges: boolean;
  /** `authentication { }` as far as written (both parts are needed to use it). */
  readonly authentication: Partial<NonNullable<VrrpInstanceBlock['authentication']>>;
};

/** An instance being read. */
export interface VrrpInstanceDraft extends Draft<VrrpInstanceFields>, TrackingDraft {
  readonly name: string;
  readonly virtualIpaddress: VrrpAddress[];
  readonly virtualIpaddressExcluded: VrrpAddress[];
  readonly virtualRoutes: VrrpRoute[];
  readonly virtualRules: VrrpRule[];
  readonly unicastPeers: VrrpUnicastPeer[];
  /** Set when `unicast_peer { }` was written (even empty). */
  unicastWritten: boolean;
  /** `vrf NAME` written before any `interface` (keepalived 2.2.7 runs no instance with it: checked, then dropped). */
  vrf?: { readonly name: string; readonly source: Statement['source'] };
}

/** Keywords keepalived accepts in vrrp_instance that this reader does not model. */
export const VRRP_INSTANCE_UNSUPPORTED: readonly string[] = [];

type D = VrrpInstanceDraft;

/**
 * `garp_extra_if [all] DELAY` (0..86400 s; 0 is off) and its deprecated
 * name `vmac_garp_intvl`, read as keepalived 2.2.7's vrrp_parser.c does: a
 * bad word or a missing time ignores the line.
 */
function garpExtraIf(): KeywordSpec<D> {
  return {
    minArgs: 0,
    handle(stmt, target, ctx) {
      const read = readGarpExtraIfLine(stmt, ctx, { min: 0, who: `(${target.name}): `, deprecated: 'vmac_garp_intvl', current: 'garp_extra_if' });
      if (read) setValue(target, 'garpExtraIf', read, stmt.source);
    },
  };
}

/** A keyword that sets a flag; keepalived ignores what follows it. */
function flagKeyword(key: 'notifyDeleted' | 'unicastFaultNoPeer' | 'promoteSecondaries' | 'linkbeatUsePolling'): KeywordSpec<D> {
  return { minArgs: 0, handle: (stmt, target) => setValue(target, key, true, stmt.source) };
}

function addressList(list: 'virtualIpaddress' | 'virtualIpaddressExcluded'): KeywordSpec<D> {
  const body = grammar<D>([], (stmt, target, ctx) => {
    const address = readVrrpAddress(stmt, ctx);
    if (!address) return;
    // keepalived decides the family from the first advertised address and drops the others.
    const family = target.virtualIpaddress[0]?.family ?? target.values.useIpvlan?.address?.family;
    if (list === 'virtualIpaddress' && family && family !== address.family) {
      ctx.diag.error('semantic', `(${target.name}): address family must match VRRP instance [${address.address}] - ignoring`, stmt.source);
      return;
    }
    target[list].push(address);
  });
  return { handle: (stmt, target): BlockOpen<D> => {
    target.sources[list] ??= stmt.source;
    return { grammar: body, target };
  } };
}

/** `ADDRESS` or `ADDRESS/PREFIX` (decimal, within the family's length), as keepalived reads an ipvlan's address. */
function ipvlanAddress(word: string): NonNullable<NonNullable<VrrpInstanceFields['useIpvlan']>['address']> | undefined {
  const [address, prefix, ...rest] = word.split('/');
  const family = addressFamily(address!);
  if (!family || rest.length) return undefined;
  const bits = family === 'inet' ? 32 : 128;
  if (prefix !== undefined && (!/^[0-9]{1,3}$/.test(prefix) || Number(prefix) > bits)) return undefined;
  return { address: address!, prefix: prefix === undefined ? bits : Number(prefix), family };
}

/**
 * `use_ipvlan [IF] [ADDRESS[/PREFIX]] [bridge|private|vepa]`, read as keepalived 2.2.7 reads it (measured with
 * `keepalived -t`): the words in any order; a mode word, an address, else an interface name; a second of each is
 * reported and ignored, as is a name longer than 15 characters or an address of the other family (the instance's
 * family is its first VIP's, else the ipvlan address's). A second `use_ipvlan` line is ignored.
 */
function useIpvlan(stmt: Statement, target: D, ctx: ParseContext): void {
  const who = `(${target.name})`;
  if (target.values.useIpvlan) return void ctx.diag.error('semantic', `${who} use_ipvlan already specified`, stmt.source);
  let name: string | undefined;
  let address: ReturnType<typeof ipvlanAddress>;
  let mode: 'bridge' | 'private' | 'vepa' | undefined;
  for (const word of stmt.args) {
    const parsed = ipvlanAddress(word);
    if (word === 'bridge' || word === 'private' || word === 'vepa') {
      if (mode) ctx.diag.error('semantic', `${who} ipvlan type already specified - ignoring '${word}'`, stmt.source);
      else mode = word;
    } else if (parsed) {
      const family = target.virtualIpaddress[0]?.family;
      if (address) ctx.diag.error('semantic', `${who} ipvlan address already specified - ignoring '${word}'`, stmt.source);
      else if (family && family !== parsed.family) ctx.diag.error('semantic', `${who} ipvlan address[${word}] MUST match vrrp instance family !!! Skipping...`, stmt.source);
      else address = parsed;
    } else if (name !== undefined) ctx.diag.error('semantic', `${who} IPVLAN interface already specified - ignoring '${word}'`, stmt.source);
    else if (word.length > 15) ctx.diag.error('semantic', `${who} IPVLAN interface name '${word}' too long - ignoring`, stmt.source);
    else name = word;
  }
  setValue(target, 'useIpvlan', { ...(name !== undefined ? { name } : {}), ...(address ? { address } : {}), mode: mode ?? 'bridge' }, stmt.source);
}

const peerGrammar = grammar<D>([], (stmt, target, ctx) => {
  if (!addressFamily(stmt.keyword)) {
    ctx.diag.error('invalid-value', `(${target.name}) unicast_peer ${stmt.keyword} is not a valid address - ignoring`, stmt.source);
    return;
  }
  const peer: { -readonly [K in keyof VrrpUnicastPeer]: VrrpUnicastPeer[K] } = { address: stmt.keyword, source: stmt.source };
  // keepalived 2.2.7 (measured): each option's value is read as a number before the option's name is looked at; a bad
  // number skips the pair, a missing value or an unknown name ends the options; the range is checked at the end.
  for (let i = 0; i < stmt.args.length; i += 2) {
    const option = stmt.args[i]!;
    const word = stmt.args[i + 1];
    if (word === undefined) {
      ctx.diag.error('invalid-value', `(${target.name}) ${option} is missing a value`, stmt.source);
      break;
    }
    const complaint = unsignedComplaint(word, 0, 255);
    if (complaint) {
      ctx.diag.error('invalid-value', complaint, stmt.source);
      continue;
    }
    if (option !== 'min_ttl' && option !== 'max_ttl') {
      ctx.diag.error('invalid-value', `(${target.name}) unknown unicast_peer option ${option}`, stmt.source);
      break;
    }
    peer[option === 'min_ttl' ? 'minTtl' : 'maxTtl'] = Number(word);
  }
  if ((peer.minTtl ?? 0) > (peer.maxTtl ?? 255)) {
    const complaint = `(${target.name}) min_ttl ${peer.minTtl} > max_ttl ${peer.maxTtl} - all packets will be discarded`;
    ctx.diag.warning('invalid-value', complaint, stmt.source);
  }
  target.unicastPeers.push(peer);
});

/** The keywords of `authentication`. */
export const authGrammar = grammar<D>([
  {
    auth_type: {
      minArgs: 1,
      handle(stmt, target, ctx) {
        const word = stmt.args[0]!;
        if (word !== 'PASS' && word !== 'AH') {
          ctx.diag.error('invalid-value', `(${target.name}) unknown authentication type '${word}'`, stmt.source);
          return;
        }
        setValue(target, 'authentication', { ...target.values.authentication, type: word }, stmt.source);
      },
    },
    auth_pass: {
      minArgs: 1,
      handle(stmt, target, ctx) {
        const pass = stmt.args[0]!;
        if (Buffer.byteLength(pass) > 8) ctx.diag.warning('semantic', `(${target.name}) Truncating auth_pass to 8 characters`, stmt.source);
        setValue(target, 'authentication', { ...target.values.authentication, password: pass }, stmt.source);
      },
    },
  },
]);

const instanceKeywords: KeywordTable<D> = {
  state: {
    minArgs: 1,
    handle(stmt, target, ctx) {
      const word = stmt.args[0]!;
      if (word !== 'MASTER' && word !== 'BACKUP') ctx.diag.warning('invalid-value', `(${target.name}) unknown state '${word}', defaulting to BACKUP`, stmt.source);
      setValue(target, 'state', word === 'MASTER' ? 'MASTER' : 'BACKUP', stmt.source);
    },
  },
  interface: stringField('interface'),
  virtual_router_id: rangedField('virtualRouterId', (stmt, ctx) => readInteger(stmt, ctx, stmt.args[0]!, 'virtual_router_id', 1, 255),
    (stmt, target) => `(${target.name}): VRID '${stmt.args[0]}' not valid - must be between 1 & 255`),
  priority: rangedField('priority', (stmt, ctx) => readInteger(stmt, ctx, stmt.args[0]!, 'priority', 1, 255),
    (_stmt, target) => `(${target.name}) Priority not valid! must be between 1 & 255. Using default 100`),
  advert_int: rangedField('advertInt', (stmt, ctx) => readTimer(stmt, ctx, stmt.args[0]!, 'advert_int', 0.01, 255),
    (stmt, target) => `(${target.name}) Advert interval (${stmt.args[0]}) not valid! Must be > 0 - ignoring`),
  version: valueField('version', (stmt, ctx) => {
    const word = stmt.args[0];
    if (word === '2' || word === '3') return Number(word) as 2 | 3;
    ctx.diag.error('invalid-value', `VRRP version ${word} not valid - must be 2 or 3`, stmt.source);
    return undefined;
  }),
  nopreempt: boolField('nopreempt', 'nopreempt'),
  preempt: {
    handle(stmt, _target, ctx) {
      ctx.diag.notice('deprecated', '"preempt" is the default and has no effect', stmt.source);
    },
  },
  preempt_delay: timerField('preemptDelay', 'preempt_delay', 0, 1000),
  accept: valueField('accept', () => true, 0),
  no_accept: valueField('accept', () => false, 0),
  strict_mode: boolField('strict', 'strict_mode'),
  skip_check_adv_addr: boolField('skipCheckAdvAddr', 'skip_check_adv_addr'),
  dont_track_primary: boolField('dontTrackPrimary', 'dont_track_primary'),
  down_timer_adverts: integerField('downTimerAdverts', 'down_timer_adverts', 1, 100),
  lower_prio_no_advert: boolField('lowerPrioNoAdvert', 'lower_prio_no_advert'),
  higher_prio_send_advert: boolField('higherPrioSendAdvert', 'higher_prio_send_advert'),
  owner_ignore_adverts: boolField('ownerIgnoreAdverts', 'owner_ignore_adverts'),
  v3_checksum_as_v2: boolField('v3ChecksumAsV2', 'v3_checksum_as_v2'),
  mcast_src_ip: valueField('unicastSrcIp', (stmt, ctx) => sourceAddress(stmt.args[0]!, stmt.source, ctx)),
  unicast_src_ip: valueField('unicastSrcIp', (stmt, ctx) => sourceAddress(stmt.args[0]!, stmt.source, ctx)),
  unicast_peer: {
    handle(stmt, target): BlockOpen<D> {
      target.unicastWritten = true;
      target.sources['unicastPeers'] = stmt.source;
      return { grammar: peerGrammar, target };
    },
  },
  unicast_ttl: integerField('unicastTtl', 'unicast_ttl', 0, 255),
  check_unicast_src: boolField('checkUnicastSrc', 'check_unicast_src'),
  mcast_dst_ip: valueField('mcastDstIp', (stmt, ctx) => sourceAddress(stmt.args[0]!, stmt.source, ctx)),
  authentication: { handle: (_stmt, target): BlockOpen<D> => ({ grammar: authGrammar, target }) },
  virtual_ipaddress: addressList('virtualIpaddress'),
  virtual_ipaddress_excluded: addressList('virtualIpaddressExcluded'),
  virtual_routes: routeBlock<D>('virtual_routes', (t) => t.virtualRoutes),
  virtual_rules: ruleBlock<D>('virtual_rules', (t) => t.virtualRules),
  smtp_alert: boolField('smtpAlert', 'smtp_alert'),
  notify_priority_changes: {
    minArgs: 0,
    handle(stmt, target, ctx) {
      const on = readBool(stmt, ctx, (word) => `(${target.name}) Invalid value '${word}' for notify_priority_changes specified`);
      if (on !== undefined) setValue(target, 'notifyPriorityChanges', on, stmt.source);
    },
  },
  notify_deleted: flagKeyword('notifyDeleted'),
  unicast_fault_no_peer: flagKeyword('unicastFaultNoPeer'),
  promote_secondaries: flagKeyword('promoteSecondaries'),
  linkbeat_use_polling: {
    minArgs: 0,
    handle(stmt, target, ctx) {
      ctx.diag.error('deprecated', `(${target.name}) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block`, stmt.source);
      setValue(target, 'linkbeatUsePolling', true, stmt.source);
    },
  },
  garp_master_delay: timerField('garpMasterDelay', 'garp_master_delay', 0),
  garp_master_repeat: {
    minArgs: 1,
    handle(stmt, target, ctx) {
      const repeat = readInteger(stmt, ctx, stmt.args[0]!, 'garp_master_repeat', 0, 2147483647);
      if (repeat === undefined) return;
      if (repeat === 0) ctx.diag.warning('semantic', `(${target.name}): garp_master_repeat must be greater than 0, setting to 1`, stmt.source);
      setValue(target, 'garpMasterRepeat', Math.max(1, repeat), stmt.source);
    },
  },
  garp_lower_prio_delay: timerField('garpLowerPrioDelay', 'garp_lower_prio_delay', 0),
  garp_lower_prio_repeat: integerField('garpLowerPrioRepeat', 'garp_lower_prio_repeat', 0, 2147483647),
  garp_master_refresh: timerField('garpMasterRefresh', 'garp_master_refresh', 0),
  garp_master_refresh_repeat: integerField('garpMasterRefreshRepeat', 'garp_master_refresh_repeat', 1, 2147483647),
  use_vmac: {
    // `use_vmac [NAME] [MAC]`, in either order, as keepalived 2.2.7 reads it (measured): a word with ':' is the MAC
    // (5 octets: the VRID is appended), any other the name; a second of either ends the line with its error.
    handle(stmt, target, ctx) {
      let name: string | undefined;
      let mac: string | undefined;
      for (const word of stmt.args) {
        if (word.includes(':')) {
          if (mac !== undefined) {
            ctx.diag.error('invalid-value', 'VMAC interface address already specified', stmt.source);
            break;
          }
          const octets = /^[0-9a-f]{1,2}(:[0-9a-f]{1,2}){4,5}$/i.test(word) ? word.split(':').map((o) => parseInt(o, 16)) : undefined;
          if (!octets) ctx.diag.error('invalid-value', `VMAC invalid MAC address ${word}`, stmt.source);
          else if (octets[0]! & 1) ctx.diag.error('invalid-value', `VMAC MAC address is multicast ${word} - ignoring`, stmt.source);
          else mac = octets.map((o) => o.toString(16).padStart(2, '0')).join(':');
        } else {
          if (name !== undefined) {
            ctx.diag.error('invalid-value', 'VMAC interface name already specified', stmt.source);
            break;
          }
          name = word;
        }
        if (name !== undefined && mac !== undefined) break;
      }
      setValue(target, 'useVmac', { ...(name === undefined ? {} : { name }), ...(mac === undefined ? {} : { mac }) }, stmt.source);
    },
  },
  use_ipvlan: { minArgs: 0, handle: useIpvlan },
  garp_extra_if: garpExtraIf(),
  vmac_garp_intvl: garpExtraIf(),
  // keepalived ignores any words after it.
  vmac_xmit_base: { handle: (stmt, target) => setValue(target, 'vmacXmitBase', true, stmt.source) },
  use_vmac_addr: { handle: (stmt, target) => setValue(target, 'useVmacAddr', true, stmt.source) },
  vrf: {
    // keepalived 2.2.7 (measured in the kernel lab): after `interface`, ignored; `lo`, ignored; else kept for the checks at the end.
    minArgs: 1,
    handle(stmt, target, ctx) {
      const name = stmt.args[0]!;
      if (target.values.interface !== undefined) ctx.diag.error('semantic', `(${target.name}) Cannot specify VRF interface and interface - ignoring`, stmt.source);
      else if (name === 'lo') ctx.diag.error('semantic', `(${target.name}) cannot use a loopback interface (lo) for VRF - ignoring`, stmt.source);
      else target.vrf = { name, source: stmt.source };
    },
  },
  lvs_sync_daemon_interface: {
    minArgs: 1,
    handle(stmt, target, ctx) {
      ctx.diag.warning('deprecated', `(${target.name}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated. Please use global lvs_sync_daemon`, stmt.source);
      setValue(target, 'lvsSyncDaemonInterface', stmt.args[0]!, stmt.source);
    },
  },
  debug: {
    handle(stmt, _target, ctx) {
      ctx.diag.notice('deprecated', 'debug is not implemented by keepalived - ignored', stmt.source);
    },
  },
  old_unicast_checksum: {
    minArgs: 0,
    handle(stmt, target, ctx) {
      const mode = stmt.args[0];
      if (mode === undefined) return setValue(target, 'oldUnicastChecksum', true, stmt.source);
      if (mode === 'never') return setValue(target, 'oldUnicastChecksum', 'never', stmt.source);
      ctx.diag.error('invalid-value', `(${target.name}) Unknown old_unicast_chksum mode ${mode} - ignoring`, stmt.source);
    },
  },
  kernel_rx_buf_size: {
    minArgs: 0,
    handle(stmt, target, ctx) {
      const word = stmt.args[0];
      const complaint = word === undefined ? undefined : unsignedComplaint(word, 0, UINT_MAX);
      if (complaint) ctx.diag.error('invalid-value', complaint, stmt.source);
      if (word === undefined || complaint) return void ctx.diag.error('invalid-value', `(${target.name}) invalid kernel_rx_buf_size specified`, stmt.source);
      setValue(target, 'kernelRxBufSize', Number(word), stmt.source);
    },
  },
  // keepalived 2.2.7 reads it (words after it too) and nothing it does changes (see the keyword table).
  track_src_ip: { minArgs: 0, handle: () => undefined },
  native_ipv6: {
    handle(stmt, _target, ctx) {
      ctx.diag.notice('deprecated', 'native_ipv6 is deprecated - the family comes from the virtual addresses', stmt.source);
    },
  },
};

/** A number keepalived range-checks, then refuses with a message of its own (both lines are reported, as keepalived prints both). */
function rangedField<K extends 'virtualRouterId' | 'priority' | 'advertInt'>(
  key: K,
  read: (stmt: Statement, ctx: ParseContext) => number | undefined,
  refusal: (stmt: Statement, target: D) => string,
): KeywordSpec<D> {
  return {
    minArgs: 1,
    handle(stmt, target, ctx) {
      const value = read(stmt, ctx);
      if (value === undefined) ctx.diag.error('invalid-value', refusal(stmt, target), stmt.source);
      else setValue(target, key, value, stmt.source);
    },
  };
}

function sourceAddress(word: string, source: Statement['source'], ctx: ParseContext): string | undefined {
  if (addressFamily(word)) return word;
  ctx.diag.error('invalid-value', `VRRP parsed invalid IP ${word}. skipping IP...`, source);
  return undefined;
}

/** The keywords of `vrrp_instance`. */
export const instanceGrammar = grammar<D>([
  Object.fromEntries(VRRP_INSTANCE_UNSUPPORTED.map((k) => [k, unsupportedKeyword<D>('vrrp_instance')])),
  trackingKeywords<D>(),
  instanceKeywords,
]);

/** `vrrp_instance NAME` at the top level, adding to `vrrpInstances`. */
export function vrrpInstanceKeyword<T extends { vrrpInstances: VrrpInstanceDraft[]; unsupported: KeywordItem[] }>(): KeywordSpec<T> {
  return {
    minArgs: 1,
    handle(stmt, target): BlockOpen<D> {
      const instance: D = {
        ...draft<VrrpInstanceFields>(stmt.source),
        ...trackingDraft(stmt.args[0]!, target.unsupported),
        virtualIpaddress: [],
        virtualIpaddressExcluded: [],
        virtualRoutes: [],
        virtualRules: [],
        unicastPeers: [],
        unicastWritten: false,
      };
      target.vrrpInstances.push(instance);
      return { grammar: instanceGrammar, target: instance };
    },
  };
}
