/**
 * The VRRP half of the keepalived.conf model mapped onto the VRRP router's
 * configuration ({@link VrrpRouterConfig}). The reader already applied
 * keepalived's defaults and global_defs, so every instance is spelled out.
 * What keepalived does but the router does not is reported as an
 * `unsupported` warning at its file and line, never dropped silently; an
 * instance the router cannot run at all is left out with such a warning.
 * @module
 */
import type { BfdInstanceOptions } from '../../bfd/options';
import type { BfdInstanceBlock } from '../reader/bfd-model';
import type { TrackRef, VrrpNotifyCommand, VrrpNotifyScripts, VrrpRouterConfig, VrrpRouterInstance } from '../../vrrp/router-options';
import { VRRP_DIRECT_OPTIONS, type VirtualAddress, type VrrpDirectOption } from '../../vrrp/instance-options';
import { VRRP_LIMITS } from '../../vrrp/limits';
import type { VrrpFirewallOptions } from '../../vrrp/firewall';
import { isIpv6LinkLocal } from '../../core/validate/address';
import type { Diagnostic, SourceRef } from '../reader/diagnostics';
import type { KeepalivedConfig, ScriptSpec } from '../reader/model';
import type { VrrpAddress, VrrpInstanceBlock, VrrpNotify, VrrpTrackRef } from '../reader/vrrp-model';
import { vipRequired } from '../reader/finalize-vrrp';
import { routeOptions, ruleOptions, trackGroupInterfaces, watchedFamilies } from './routes';
import { trackFileOptions, trackProcessOptions } from './track-file';

/** A router configuration and what of the file it cannot honour. */
export interface VrrpMapping {
  /** The router's configuration. */
  config: VrrpRouterConfig;
  /** `unsupported` warnings, each with the file and line of the keyword. */
  warnings: Diagnostic[];
  /**
   * The first error keepalived's VRRP child stops at when it starts (it
   * exits with its CONFIG status and the parent with it): the VRRP half
   * does not start on this file.
   */
  fatal?: Diagnostic;
}

/** The router's range of a field, where it has one. */
function rangeOf(field: string): readonly [number, number] | undefined {
  return (VRRP_LIMITS as Readonly<Record<string, readonly [number, number]>>)[field];
}

/** Words back into one command line, quoting those with spaces (the router splits it again). */
export function commandLine(script: ScriptSpec): string {
  return script.argv.map((w) => (/\s/.test(w) ? `"${w.replace(/"/g, '\\"')}"` : w)).join(' ');
}

function notifyCommand(script: ScriptSpec): VrrpNotifyCommand {
  if (script.user === undefined) return commandLine(script);
  return { command: commandLine(script), user: script.user, ...(script.group !== undefined ? { group: script.group } : {}) };
}

function notifyScripts(notify: VrrpNotify): VrrpNotifyScripts | undefined {
  const out: VrrpNotifyScripts = {};
  for (const [key, script] of Object.entries(notify) as [keyof VrrpNotify, ScriptSpec | undefined][]) {
    if (script) out[key] = notifyCommand(script);
  }
  return Object.keys(out).length ? out : undefined;
}

function trackRefs(refs: readonly VrrpTrackRef[]): TrackRef[] | undefined {
  if (!refs.length) return undefined;
  return refs.map(
    (r) => ({ name: r.name, ...(r.weight !== undefined ? { weight: r.weight } : {}), ...(r.reverse ? { reverse: true } : {}) }),
  );
}

/** The trackers and notify scripts of an instance or sync group, only those written. */
type Tracking = Pick<VrrpRouterInstance, 'trackInterface' | 'trackScript' | 'trackFile' | 'trackBfd' | 'trackProcess' | 'notify'>;

type TrackLists = Record<'trackInterface' | 'trackScript' | 'trackFile' | 'trackBfd' | 'trackProcess', readonly VrrpTrackRef[]>;

function tracking(o: TrackLists & { notify: VrrpNotify }): Tracking {
  const out: Tracking = {};
  const trackInterface = trackRefs(o.trackInterface);
  const trackScript = trackRefs(o.trackScript);
  const trackFile = trackRefs(o.trackFile);
  const trackBfd = trackRefs(o.trackBfd);
  const trackProcess = trackRefs(o.trackProcess);
  const notify = notifyScripts(o.notify);
  if (trackInterface) out.trackInterface = trackInterface;
  if (trackScript) out.trackScript = trackScript;
  if (trackFile) out.trackFile = trackFile;
  if (trackBfd) out.trackBfd = trackBfd;
  if (trackProcess) out.trackProcess = trackProcess;
  if (notify) out.notify = notify;
  return out;
}

/** A bfd_instance as the BFD sessions take it. */
export function bfdOptions(b: BfdInstanceBlock): BfdInstanceOptions {
  return {
    name: b.name, neighborIp: b.neighborIp, minRx: b.minRx, minTx: b.minTx, idleTx: b.idleTx, multiplier: b.multiplier, passive: b.passive,
    maxHops: b.maxHops, weight: b.weight, weightReverse: b.weightReverse,
    ...(b.sourceIp !== undefined ? { sourceIp: b.sourceIp } : {}),
    ...(b.ttl !== undefined ? { ttl: b.ttl } : {}),
  };
}

/**
 * keepalived's name of a `use_vmac` macvlan without one: `PREFIX.VRID`, the
 * prefix cut so that the whole fits in an interface name (15 characters).
 */
export function vmacName(prefix: string, virtualRouterId: number): string {
  const suffix = `.${virtualRouterId}`;
  return `${prefix.slice(0, 15 - suffix.length)}${suffix}`;
}

/** `garpInterval` → `garp_interval`: the keyword a model field was read from. */
function snakeCase(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

class Mapper {
  readonly warnings: Diagnostic[] = [];

  readonly #model: KeepalivedConfig;
  /** The VMAC names given so far (an address VMAC takes the first free one). */
  readonly #vmacNames = new Set<string>();

  constructor(model: KeepalivedConfig) {
    this.#model = model;
  }

  fatal: Diagnostic | undefined;

  /** An error keepalived's VRRP child exits at; the first one is kept. */
  stop(source: SourceRef, message: string): undefined {
    this.fatal ??= { severity: 'error', code: 'semantic', message, source };
    return undefined;
  }

  unsupported(keyword: string, source: SourceRef | undefined, message: string): void {
    if (source) this.warnings.push({ severity: 'warning', code: 'unsupported', message, source, keyword });
  }

  /**
   * `use_ipvlan`: the ipvlan the adverts leave from, with the flag of the file's last `use_ipvlan`. keepalived 2.2.7
   * with `use_vmac` too makes the ipvlan alone (measured), an IPv6 one takes the kernel's link-local: neither is
   * modelled, nor a source given twice.
   */
  ipvlan(i: VrrpInstanceBlock, out: VrrpRouterInstance, source: SourceRef | undefined): void {
    const v = i.useIpvlan!;
    const refused = i.useVmac ? 'with use_vmac'
      : i.family === 'inet6' ? 'on an IPv6 instance'
      : i.unicastSrcIp !== undefined ? 'with unicast_src_ip' : undefined;
    if (refused) return this.unsupported('use_ipvlan', source, `(${i.name}) use_ipvlan ${refused} is not supported yet - ignored`);
    // keepalived asks the kernel for it anyway (EINVAL: "Unable to create ipvlan interface") and keeps the instance FAULT.
    if (v.name !== undefined && /[/\s:]|^\.\.?$/.test(v.name)) {
      return this.unsupported('use_ipvlan', source, `(${i.name}) ipvlan name ${v.name} is not a valid interface name - not supported`);
    }
    // keepalived 2.2.7 keeps one ipvlan type for the whole file: every ipvlan gets the last use_ipvlan line's (measured).
    const last = [...this.#model.vrrp.instances].reverse().find((x) => x.useIpvlan)!;
    out.useIpvlan = {
      mode: last.useIpvlan!.mode,
      ...(v.name !== undefined ? { name: v.name } : {}),
      ...(v.address ? { address: v.address.address, prefix: v.address.prefix } : {}),
    };
  }

  address(a: VrrpAddress): VirtualAddress {
    const out: VirtualAddress = { address: a.address, prefix: a.prefix };
    if (a.brd !== undefined) out.brd = a.brd;
    if (a.peer !== undefined) out.peer = a.peer;
    if (a.dev !== undefined) out.dev = a.dev;
    if (a.scope !== undefined) out.scope = a.scope;
    if (a.label !== undefined) out.label = a.label;
    if (a.noPrefixRoute) out.noPrefixRoute = true;
    if (a.autojoin) out.autojoin = true;
    if (a.family === 'inet6') {
      // keepalived 2.2.7 (measured): no duplicate address detection unless `-nodad` is written; a /128 is deprecated
      // (never picked as a source) unless preferred_lft says otherwise; home and mngtmpaddr, and preferred_lft, are
      // IPv6's only (keepalived leaves them out of an IPv4 address).
      if (!a.nodad) out.nodad = true;
      const preferred = a.preferredLft ?? (a.prefix === 128 ? 0 : undefined);
      if (preferred !== undefined) out.preferredLifetime = preferred;
      if (a.home) out.home = true;
      if (a.manageTempAddress) out.manageTempAddress = true;
    }
    return out;
  }

  /** `value`, or the router's `max` with a warning where the instance (or global_defs) set more. */
  limit(i: VrrpInstanceBlock, field: string, value: number, max: number): number {
    if (value <= max) return value;
    this.unsupported(snakeCase(field), i.sources[field] ?? this.#model.global.source ?? i.source, `(${i.name}) ${field} ${value} is beyond the router's ${max} - using ${max}`);
    return max;
  }

  /** What first asked for the firewall (`no_accept`, `strict_mode` or `vrrp_strict` at file:line), named in its errors. */
  #firewallOrigin: string | undefined;

  /**
   * No accept mode (`no_accept`, or strict mode without `accept`): the VIPs
   * go in the nftables drop sets while master.
   */
  noAccept(i: VrrpInstanceBlock, out: VrrpRouterInstance, at: (key: string) => SourceRef): void {
    out.accept = false;
    const keyword = i.accept === false ? 'no_accept' : i.sources['strict'] ? 'strict_mode' : 'vrrp_strict';
    const source = keyword === 'no_accept' ? at('accept') : keyword === 'strict_mode' ? at('strict') : (this.#model.global.source ?? i.source);
    this.#firewallOrigin ??= `${keyword} at ${source.file}:${source.line}`;
    // keepalived keys these by interface name (vips_link_local_name) under dont_track_primary without nftables_ifindex: not modelled.
    if (!i.dontTrackPrimary || this.#model.global.vrrp.nftablesIfindex) return;
    const named = [...i.virtualIpaddress, ...i.virtualIpaddressExcluded]
      .filter((a) => isIpv6LinkLocal(a.address) && (a.dev ?? i.interface) === i.interface);
    for (const a of named) {
      this.unsupported(keyword, a.source, `(${i.name}) the link-local VIP ${a.address} with dont_track_primary is not put in keepalived's vips_link_local_name set (nftables_ifindex keys it by index, which runs)`);
    }
  }

  /** global_defs' nftables settings, when an instance needs the firewall. */
  firewall(): VrrpFirewallOptions | undefined {
    if (this.#firewallOrigin === undefined) return undefined;
    const g = this.#model.global.vrrp;
    return { table: g.nftablesTable ?? 'keepalived', priority: g.nftablesPriority, counters: g.nftablesCounters, origin: this.#firewallOrigin };
  }

  /**
   * keepalived 2.2.7's macvlans for addresses (measured side by side in a
   * netns): with `use_vmac_addr`, every VIP/eVIP on another interface than the
   * instance's goes on a VMAC there; a VIP's `use_vmac` puts it on one on its
   * own interface too (on the instance's interface only without the
   * instance's `use_vmac`, whose VMAC takes it). One per interface, made at
   * start in the order of the addresses, named `PREFIX[N].VRID` with
   * vmac_addr_prefix and the first N (none, 1, 2...) not taken; `out`'s
   * `addressVmacs` gets them. Returns where an address goes, undefined for
   * its own interface. IPv6 ones are not made (reported).
   */
  addressVmacs(i: VrrpInstanceBlock, out: VrrpRouterInstance): (a: VrrpAddress) => string | undefined {
    if (typeof out.useVmac === 'string') this.#vmacNames.add(out.useVmac);
    const made = new Map<string, string>();
    return (a) => {
      const base = a.dev ?? i.interface!;
      const own = base === i.interface;
      if (own ? !a.useVmac || i.useVmac : !a.useVmac && !i.useVmacAddr) return undefined;
      if (i.family === 'inet6') {
        this.unsupported(a.useVmac ? 'use_vmac' : 'use_vmac_addr', a.source, `(${i.name}) VMACs for IPv6 addresses are not supported yet - ${a.address} stays on ${base}`);
        return undefined;
      }
      let name = made.get(base);
      if (name === undefined) {
        const prefix = this.#model.global.vrrp.vmacAddrPrefix;
        for (let n = 0; name === undefined || this.#vmacNames.has(name); n++) name = vmacName(n ? `${prefix}${n}` : prefix, i.virtualRouterId);
        this.#vmacNames.add(name);
        made.set(base, name);
        (out.addressVmacs ??= []).push({ interface: base, name });
      }
      return name;
    };
  }

  /** The one-to-one options, as the model has them, within the router's ranges. */
  direct(i: VrrpInstanceBlock): Pick<VrrpRouterInstance, VrrpDirectOption> {
    const out: Record<string, unknown> = {};
    for (const field of VRRP_DIRECT_OPTIONS) {
      const value = i[field];
      const range = rangeOf(field);
      out[field] = typeof value === 'number' && range ? this.limit(i, field, value, range[1]) : value;
    }
    return out as Pick<VrrpRouterInstance, VrrpDirectOption>;
  }

  instance(i: VrrpInstanceBlock): VrrpRouterInstance | undefined {
    const at = (key: string) => i.sources[key] ?? i.source;
    // keepalived 2.2.7's VRRP child exits at these (measured); -t reports them (exit 5).
    if (i.interface === undefined) return this.stop(i.source, `(${i.name}) Unknown interface!`);
    if (!i.virtualIpaddress.length && vipRequired(i)) return this.stop(i.source, `(${i.name}) No VIP specified; at least one is required`);
    const g = this.#model.global.vrrp;
    const garpInterval = i.family === 'inet' ? g.garpInterval : g.gnaInterval;
    const out: VrrpRouterInstance = {
      name: i.name,
      interface: i.interface,
      ...this.direct(i),
      advertInt: i.advertInt,
      garpInterval,
      virtualIpaddress: [],
    };
    if (i.useVmac) out.useVmac = i.useVmac.name ?? vmacName(g.vmacPrefix, i.virtualRouterId);
    const mac = i.useVmac?.mac;
    if (mac) out.vmacMac = mac.split(':').length === 5 ? `${mac}:${i.virtualRouterId.toString(16).padStart(2, '0')}` : mac;
    const onVmac = this.addressVmacs(i, out);
    const address = (a: VrrpAddress) => {
      const mapped = this.address(a);
      const vmac = onVmac(a);
      return vmac === undefined ? mapped : { ...mapped, dev: vmac };
    };
    out.virtualIpaddress = i.virtualIpaddress.map(address);
    if (i.unicastSrcIp !== undefined) out.unicastSrcIp = i.unicastSrcIp;
    if (i.unicastPeers.length) {
      out.unicastPeer = i.unicastPeers.map(({ address, minTtl, maxTtl }) => (minTtl === undefined && maxTtl === undefined
        ? address
        : { address, ...(minTtl === undefined ? {} : { minTtl }), ...(maxTtl === undefined ? {} : { maxTtl }) }));
    }
    if (i.unicastTtl !== undefined) out.unicastTtl = i.unicastTtl;
    if (i.authentication) out.authentication = { authType: i.authentication.type, authPass: i.authentication.password };
    if (i.useVmac && i.vmacXmitBase) out.vmacXmitBase = true;
    if (i.useIpvlan) this.ipvlan(i, out, at('useIpvlan'));
    if (i.garpExtraIf && i.garpExtraIf.interval > 0) out.garpExtraIf = { interval: i.garpExtraIf.interval, all: i.garpExtraIf.all };
    // keepalived hands it to setsockopt as an int (above INT_MAX it wraps); the kernel caps either at net.core.rmem_max.
    if (i.oldUnicastChecksum !== undefined) out.oldUnicastChecksum = i.oldUnicastChecksum;
    if (i.kernelRxBufSize) out.kernelRxBufSize = Math.min(i.kernelRxBufSize, VRRP_LIMITS.kernelRxBufSize[1]);
    if (i.useVmac && !i.vmacXmitBase && i.family === 'inet6') {
      this.unsupported('use_vmac', at('useVmac'), `(${i.name}) IPv6 adverts from the VMAC are not supported - keepalived's nftables rules `
        + 'that re-send its MLD reports from the base interface are not installed; use vmac_xmit_base');
    }
    if (i.virtualIpaddressExcluded.length) out.virtualIpaddressExcluded = i.virtualIpaddressExcluded.map(address);
    if (i.virtualRoutes.length) out.virtualRoutes = i.virtualRoutes.map((r) => routeOptions(r));
    if (i.virtualRules.length) out.virtualRules = i.virtualRules.map((r) => ruleOptions(r));
    if (!(i.accept ?? !i.strict)) this.noAccept(i, out, at);
    Object.assign(out, tracking(i));
    if (i.smtpAlert !== undefined) out.smtpAlert = i.smtpAlert;
    if (i.notifyDeleted) out.notifyDeleted = true;
    if (i.unicastFaultNoPeer) out.unicastFaultNoPeer = true;
    if (i.dontTrackPrimary) out.dontTrackPrimary = true;
    return out;
  }

  /**
   * linkbeat_interfaces, then the interface of each instance under
   * linkbeat_use_polling (top level, or the instance's deprecated line): its
   * macvlan with use_vmac, which the router then leaves to rtnetlink, as keepalived.
   */
  linkbeat(instances: readonly VrrpRouterInstance[]): { interface: string; method?: 'MII' | 'ETHTOOL' | 'IOCTL' }[] {
    const { vrrp, daemonOptions } = this.#model;
    const everyInstance = daemonOptions.some((o) => o.keyword === 'linkbeat_use_polling');
    const polling = new Set(vrrp.instances.filter((i) => everyInstance || i.linkbeatUsePolling).map((i) => i.name));
    const own = instances.filter((i) => polling.has(i.name)).map((i) => ({ interface: typeof i.useVmac === 'string' ? i.useVmac : i.interface }));
    const lines = vrrp.linkbeatInterfaces.map((l) => ({ interface: l.interface, ...(l.method ? { method: l.method } : {}) }));
    return [...lines, ...own.filter((o) => !lines.some((l) => l.interface === o.interface))];
  }

  config(): VrrpRouterConfig {
    const { vrrp, global } = this.#model;
    const instances = vrrp.instances.map((i) => this.instance(i)).filter((i) => i !== undefined);
    // Members of a track_group that are no instance are ignored, as keepalived ignores them.
    for (const [name, devs] of trackGroupInterfaces(vrrp)) {
      const instance = instances.find((i) => i.name === name);
      const tracked = instance?.trackInterface ?? [];
      const added = devs.filter((dev) => !tracked.some((t) => t.name === dev)).map((dev) => ({ name: dev }));
      if (instance && added.length) instance.trackInterface = [...tracked, ...added];
    }
    const running = new Set(instances.map((i) => i.name));
    const config: VrrpRouterConfig = {
      instances,
      scripts: vrrp.scripts.map((s) => ({
        name: s.name, script: commandLine(
          s.script,
        ), interval: s.interval, timeout: s.timeout, weight: s.weight, weightReverse: s.weightReverse,
        rise: s.rise, fall: s.fall, initFail: s.initFail,
        ...(s.user ? { user: s.user.user, ...(s.user.group !== undefined ? { group: s.user.group } : {}) } : {}),
      })),
      trackFiles: vrrp.trackFiles.map(trackFileOptions),
      ...(vrrp.trackProcesses.length ? { trackProcesses: vrrp.trackProcesses.map(trackProcessOptions) } : {}),
      syncGroups: vrrp.syncGroups
        .map(
          (s) => ({
            name: s.name,
            group: s.group.filter((m) => running.has(m)),
            ...tracking(s),
            ...(s.trackingWeight ? { syncGroupTrackingWeight: true } : {})
          }),
        )
        .filter((s) => s.group.length),
    };
    if (global.scriptUser) config.scriptUser = global.scriptUser.group === undefined ? { user: global.scriptUser.user } : {
      ...global.scriptUser,
      group: global.scriptUser.group,
    };
    if (global.enableScriptSecurity) config.enableScriptSecurity = true;
    // The reader put each address written without dev on default_interface.
    if (vrrp.staticAddresses.length) config.staticIpaddress = vrrp.staticAddresses.map((a) => this.address(a));
    const watched = watchedFamilies(vrrp.instances);
    if (vrrp.staticRoutes.length) config.staticRoutes = vrrp.staticRoutes.map((r) => routeOptions(r, watched.routes.has(r.family)));
    if (vrrp.staticRules.length) config.staticRules = vrrp.staticRules.map((r) => ruleOptions(r, watched.rules.has(r.family)));
    const firewall = this.firewall();
    if (firewall) config.firewall = firewall;
    const delays = vrrp.interfaceDelays.map((d) => ({ interface: d.interface, down: d.down, up: d.up }));
    if (delays.length) config.interfaceDelays = delays;
    const linkbeat = this.linkbeat(instances);
    if (linkbeat.length) config.linkbeat = linkbeat;
    if (vrrp.garpGroups.length) {
      config.garpGroups = vrrp.garpGroups.map((g) => ({
        interfaces: [...g.interfaces], garpInterval: g.garpInterval, gnaInterval: g.gnaInterval,
      }));
    }
    const bfd = this.#model.bfdInstances.filter((b) => b.events.vrrp).map(bfdOptions);
    if (bfd.length) config.bfdInstances = bfd;
    // A track_bfd naming a bfd_instance keepalived disabled: a session that never comes Up.
    if (vrrp.bfdDisabled.length) config.bfdDisabled = [...vrrp.bfdDisabled];
    return config;
  }
}

/**
 * Maps the VRRP half of a keepalived.conf model onto the router's
 * configuration, with warnings for what the router cannot do.
 *
 * @example
 * ```ts
 * import { readKeepalivedConfig, toVrrpConfig } from 'ipvs/keepalived';
 * const { config } = readKeepalivedConfig('/etc/keepalived/keepalived.conf');
 * const { config: vrrp, warnings } = toVrrpConfig(config);
 * console.log(vrrp.instances.map((i) => i.name), warnings.length);
 * ```
 */
export function toVrrpConfig(model: KeepalivedConfig): VrrpMapping {
  const mapper = new Mapper(model);
  const config = mapper.config();
  return { config, warnings: mapper.warnings, ...(mapper.fatal ? { fatal: mapper.fatal } : {}) };
}
