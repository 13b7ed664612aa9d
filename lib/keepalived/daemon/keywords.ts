/**
 * Every keyword the keepalived.conf reader accepts, block by block (walked
 * from the reader's own grammars, so a keyword added there appears here),
 * with what `ipvs keepalived` does with it: `runs`, `partly` (some values
 * or options are refused, see the note), `no effect` (it tunes keepalived's
 * own processes; nothing to do here) or `refused` (not implemented: start
 * and reload refuse the file unless `--allow-unsupported` allows it). The
 * table in docs/keepalived.md is {@link keywordTable}; a unit test keeps
 * them equal.
 * @module
 */
import type { Grammar } from '../reader/grammar';
import { NOT_SUPPORTED_YET, DAEMON_OPTIONS, rootGrammar, sslGrammar } from '../reader/blocks/root';
import { OTHER_KEYWORDS, globalGrammar } from '../reader/blocks/global-defs';
import { virtualServerGrammar } from '../reader/blocks/virtual-server';
import { bfdCheckGrammar, fileCheckGrammar, realServerGrammar } from '../reader/blocks/real-server';
import { CHECKER_GRAMMARS, smtpHostGrammar, urlGrammar } from '../reader/blocks/checkers';
import { VRRP_INSTANCE_UNSUPPORTED, authGrammar, instanceGrammar } from '../reader/blocks/vrrp-instance';
import { SYNC_GROUP_UNSUPPORTED, syncGroupGrammar } from '../reader/blocks/vrrp-sync-group';
import { scriptGrammar, trackFileGrammar, trackProcessGrammar } from '../reader/blocks/vrrp-tracking';
import { bfdInstanceGrammar } from '../reader/blocks/bfd-instance';
import { garpGroupGrammar } from '../reader/blocks/garp-group';
import { GLOBAL_REFUSED } from './policy';

/** What use_vmac_addr and a VIP's use_vmac make, as keepalived 2.2.7 (measured side by side in a netns). */
const ADDRESS_VMACS = 'one macvlan per interface (private mode, MAC 00:00:5e:00:01:VRID, use_vmac\'s sysctls), made at start and deleted at stop, '
  + 'named by vmac_addr_prefix; GARPs for its addresses leave from it with the virtual MAC, adverts still from the instance\'s interface; '
  + 'a `use_vmac` that adds nothing is keepalived\'s `-t` complaint';

/** garp_group as run (keepalived 2.2.7 side by side on one file in a netns, test/netns/keepalived-vrrp.test.ts). */
const GARP_GROUP = 'GARPs / NAs on the group\'s interfaces leave at most one per interval, whichever instance sends them, as keepalived 2.2.7: '
  + 'one at once while the pace is free, else the address waits (once, however often a burst repeats it), looked at one interval later and '
  + 'as the pace frees, instances in file order; an interface in no group is paced alike by vrrp_garp_interval / vrrp_gna_interval; '
  + 'the pace is kept on the event loop (a stalled loop delays held frames)';

/** The note of an enable_snmp_rfc* keyword serving `mibs`. */
function snmpRfcNote(mibs: string): string {
  return `an AgentX subagent (ours, in TypeScript) registers ${mibs} with snmpd and answers them from the instances' status with `
    + "keepalived 2.2.7's values, its departures from the RFCs included (docs/keepalived.md, SNMP); started once at start, kept over reloads";
}

/** What the daemon does with a keyword. */
export type KeywordStatus = 'runs' | 'partly' | 'no effect' | 'refused';

/** One row of the table. */
export interface KeywordRow {
  /** The block it is written in (`top level` for the file itself). */
  readonly block: string;
  readonly keyword: string;
  readonly status: KeywordStatus;
  readonly note: string;
}

/** The blocks with keywords, in the order the table lists them. */
function blocks(): readonly (readonly [string, Grammar<never>])[] {
  const checkers = Object.entries(CHECKER_GRAMMARS).map(([type, g]) => [type, g] as const);
  return [
    ['top level', rootGrammar],
    ['global_defs', globalGrammar],
    ['SSL', sslGrammar],
    ['virtual_server', virtualServerGrammar],
    ['real_server', realServerGrammar],
    ...checkers,
    ['FILE_CHECK', fileCheckGrammar],
    ['BFD_CHECK', bfdCheckGrammar],
    ['url (HTTP_GET, SSL_GET)', urlGrammar],
    ['host (SMTP_CHECK)', smtpHostGrammar],
    ['vrrp_instance', instanceGrammar],
    ['authentication', authGrammar],
    ['vrrp_sync_group', syncGroupGrammar],
    ['vrrp_script', scriptGrammar],
    ['garp_group', garpGroupGrammar],
    ['track_file', trackFileGrammar],
    ['vrrp_track_process', trackProcessGrammar],
    ['bfd_instance', bfdInstanceGrammar],
  ] as unknown as readonly (readonly [string, Grammar<never>])[];
}

const REFUSED = 'not implemented: refused unless --allow-unsupported';
const NO_EFFECT = "tunes keepalived's own processes, files or statistics: nothing to do here";
const ALL_CHECKERS = Object.keys(CHECKER_GRAMMARS);

/** Keywords that run with some values or options refused, by block (`*` for every checker block). */
const WATCHED = 'is watched as keepalived 2.2.7 watches it (see docs/keepalived.md)';
/** `trackGroup`: more refused route options of a block. */
const routesNote = (trackGroup: string) => 'runs (`ip route` options, `vrf NAME` too: the VRF device\'s table, but multipath `or`/`nexthop`, '
  + `\`encap\`, TCP metrics, \`mtu lock\`, \`tos\`, \`realms\`, \`pref\`, \`expires\`, \`append\`/\`prepend\`${trackGroup}, which are refused); a tracked route (\`dev\` without \`no_track\`) ${WATCHED}`;
const rulesNote = 'runs (every `ip rule` option keepalived 2.2.7 applies: `from`, `to`, `not`, `table`/`lookup`, `preference`, `iif`, `oif`, `fwmark`, '
  + '`tos`/`dsfield`, `realms`, `goto`, `nop`, `blackhole`/`unreachable`/`prohibit` (also after `type`), `l3mdev`, `suppress_prefixlength`, '
  + '`suppress_ifgroup`, `tunnel-id` (its low 32 bits, as 2.2.7), `uidrange`, `protocol` (of a `no_track` rule), `ipproto`, `sport`/`dport` ranges, '
  + `each value read as 2.2.7 reads it, with its \`-t\` lines for bad ones); a tracked rule (without \`no_track\`) ${WATCHED}`;
const NO_VIRTUAL_TRACK_GROUP = (what: string, line: string) => `; \`track_group\` is no option of a virtual ${what} (2.2.7's ${line}, the ${what} skipped)`;
const staticTrackGroup = (iface: string) => `; \`track_group NAME\` runs (its instances FAULT while \`${iface}\` is down)`;

const PARTLY: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'top level': {
    static_routes: routesNote('') + staticTrackGroup('dev'),
    static_rules: rulesNote + staticTrackGroup('iif'),
    virtual_server_group: 'one service per address of a range or prefix, as keepalived; an `ADDR/LEN` entry standing for more than '
      + '65,536 services (IPv4 shorter than /16, IPv6 than /112) is refused',
  },
  global_defs: {
    enable_traps: 'with enable_snmp_rfc/rfcv2/rfcv3: the RFC notifications keepalived 2.2.7 sends (vrrpTrapNewMaster for VRRPv2 '
      + 'instances, then vrrpv3NotifyNewMaster with its reason; vrrpTrapAuthFailure for each advert failing authentication) and '
      + 'vrrpNotificationCntl 1; with enable_snmp_vrrp: KEEPALIVED-MIB\'s vrrpInstanceStateChange and vrrpSyncGroupStateChange '
      + 'on every transition (shutdown included); with enable_snmp_checker realServerStateChange and virtualServerQuorumStateChange '
      + 'and trapEnable 1; vrrpv3NotifyProtoError is not sent',
  },
  virtual_server: {
    snmp_name: 'a label: with enable_snmp_checker KEEPALIVED-MIB\'s virtualServerName (not compared with keepalived 2.2.7)',
  },
  real_server: { snmp_name: 'a label: with enable_snmp_checker KEEPALIVED-MIB\'s realServerName (not compared with keepalived 2.2.7)' },
  'url (HTTP_GET, SSL_GET)': {
    regex: 'a pattern JavaScript cannot compile is refused',
    regex_options: 'options without a JavaScript equivalent are refused',
  },
  vrrp_instance: {
    virtual_routes: `added after the VIPs on becoming MASTER, removed before them on leaving it; ${routesNote('')}`
      + NO_VIRTUAL_TRACK_GROUP('route', '"VRRP parsed invalid IP track_group. skipping IP..." and "unknown route keyword track_group"'),
    virtual_rules: `added after the routes on becoming MASTER, removed first on leaving it; ${rulesNote}`
      + NO_VIRTUAL_TRACK_GROUP('rule', '"Unknown rule option track_group"'),
    use_vmac: 'the macvlan, its name and IPv4 adverts from it run (the group joined on the base interface, so IGMP reports leave from the base '
      + "MAC as keepalived's nftables rule makes them; peers' adverts with the same virtual MAC read on the macvlan), or adverts from the base "
      + 'with vmac_xmit_base; `use_vmac NAME MAC` in either order as keepalived 2.2.7 reads it (a word with a colon is the MAC, 5 octets '
      + 'completed by the VRID; its lines for a bad or multicast MAC and a second name or MAC, after which the line ends: '
      + '`netlink_notify_msg` and `group` are no options there): the macvlan, its adverts and GARPs carry that MAC; IPv6 without '
      + "vmac_xmit_base (keepalived's nftables rules re-send the MLD reports of the link-local on the VMAC from the base) refused",
    use_ipvlan: 'IPv4, as keepalived 2.2.7 (measured in the kernel lab): an ipvlan `mode l2` with the flag of the file\'s last use_ipvlan line '
      + '(bridge, private or vepa; bridge when that line has none: keepalived keeps one for all) and the parent\'s MAC, named as written or `vrrp.VRID` (`vrrp1.VRID`... while taken), made at start and deleted '
      + 'at stop, no sysctl changed; it carries only the line\'s address (/32 without a prefix), the adverts\' source, and sends them; '
      + 'VIPs and GARPs stay on the interface; no address: the link is made and the instance stays FAULT (`-t` exit 5). IPv6, with '
      + 'use_vmac or unicast_src_ip refused; an existing link of the written name is not taken over (the start fails)',
    use_vmac_addr: `every VIP/eVIP on another interface than the instance's goes on a VMAC there: ${ADDRESS_VMACS}; IPv6 ones stay on their interface (reported)`,
  },
};

/** Keywords refused outright beyond the reader's own "not supported yet" lists. */
const REFUSED_EXTRA: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  vrrp_instance: {},
};

/** Accepted keywords with nothing to do, beyond global_defs' list of keepalived's own tuning. */
const NO_EFFECT_EXTRA: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'top level': Object.fromEntries(DAEMON_OPTIONS.filter((k) => !k.startsWith('net_namespace') && k !== 'linkbeat_use_polling').map((k) => [k, NO_EFFECT])),
  global_defs: {
    dynamic_interfaces: 'always so: an instance whose interface is missing waits in FAULT',
    vrrp_skip_check_adv_addr: 'an advert whose address list differs is only logged and counted',
    reload_check_config: 'always so: a reload is read and checked whole before anything changes',
  },
  vrrp_instance: {
    skip_check_adv_addr: 'an advert whose address list differs is only logged and counted',
    debug: 'keepalived ignores it too',
    native_ipv6: 'the family comes from the addresses',
    track_src_ip: 'keepalived 2.2.7 changes nothing with it (run side by side in netns: the mcast_src_ip deleted while MASTER, or missing '
      + "at start; the interface's own addresses deleted one by one: the same states, lines and advert sources as without it)",
    vrf: 'keepalived 2.2.7 runs no instance with it (measured in the kernel lab): after `interface` it is ignored, before it cleared, '
      + 'and without `interface` the instance is "Unknown interface!" (keepalived does not start), a VRF given or not; the same lines here',
  },
  vrrp_sync_group: {
    notify_priority_changes: "keepalived 2.2.7 reads it and gives it to no member (an instance takes its own or global_defs' vrrp_notify_priority_changes)",
  },
};

const PROCESS_SOURCE = 'processes are seen through the kernel proc connector; where it is refused (the daemon inside a network namespace, '
  + 'or without CAP_NET_ADMIN) /proc is scanned every second instead, with one warning in the log';

const GARP_EXTRA_IF = 'while master, every DELAY seconds from becoming master, one GARP/NA for the first address of each interface that adverts '
  + 'do not refresh (the use_vmac macvlan with vmac_xmit_base; with all, every other interface of the addresses), with that interface\'s MAC, as '
  + 'keepalived 2.2.7 (with the first advert at or after each period)';

const PRIORITY_LINES = 'each change of the effective priority writes `INSTANCE "NAME" MASTER_PRIORITY|BACKUP_PRIORITY PRIO` to the notify FIFOs '
  + '(BACKUP_PRIORITY in any state but MASTER; at start and on reload from the configured priority, as keepalived); no script runs';

const LINKBEAT = 'the link is read by ioctl every second on the link monitor\'s thread (MII status register, else ethtool\'s link, '
  + 'else the flags; asked for by MII/ETHTOOL/IOCTL, falling back as keepalived) and rtnetlink\'s flag reports for it are ignored; '
  + 'only interfaces an instance uses (its own or tracked), never a use_vmac macvlan; a change so read counts at once, as keepalived\'s';

/** Keywords that run in full, with a word on how. */
const RUNS_NOTES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'top level': {
    bfd_instance: "every session runs, whether track_bfd or a BFD_CHECK follows it or not, with -P or -C too, as keepalived's BFD process "
      + 'runs them (none with -B / --no_bfd)',
    static_ipaddress: 'added at start, removed at stop (an address without `dev` on default_interface); put back when another process deletes it '
      + 'or its interface comes back up, with keepalived\'s "Restoring deleted static address" line; `track_group NAME` runs (see track_group); '
      + 'the options as virtual_ipaddress\'s, `use_vmac` keepalived\'s unknown option (its line, the address kept)',
    track_group: 'its `group` of instances is FAULT while the interface of a static address, route or rule (`iif`) written with '
      + "`track_group NAME` is down, as keepalived 2.2.7; keepalived's lines as its VRRP process starts and reloads (not under -t): "
      + "\"vrrp instance X specified in track group NAME doesn't exist - ignoring\", a group left without instances (or members) "
      + '"has no VRRP instance(s)" ("has no virtual router(s)") and "init fails - removing"; the restore lines of its statics end '
      + 'with ` track_group NAME` (an address\'s before ` set`) while the group names an instance',
    garp_group: GARP_GROUP,
    vrrp_track_process: PROCESS_SOURCE,
    net_namespace: 'the daemon re-executes itself inside /var/run/netns/NAME at start (same pid); its default control socket is '
      + '/run/ipvs-keepalived-NAME.sock (`ipvs ctl --net-namespace NAME`); read at start only, as keepalived',
    net_namespace_ipvs: "the IPVS handle opens in NAME, without NAME in PID 1's namespace; read at start only, as keepalived",
    linkbeat_interfaces: LINKBEAT,
    linkbeat_use_polling: 'every instance\'s own interface is read as by linkbeat_interfaces',
    interface_up_down_delays: 'a link change counts for tracking (FAULT, weights) only once it has lasted DOWN (or UP, default 0) seconds; '
      + 'a change back within the wait is ignored; a use_vmac macvlan takes its interface\'s waits; a wait not below '
      + '(down_timer_adverts − 1) × advert_int of an instance on the interface is cut to that less advert_int / 256, with keepalived\'s warning',
  },
  global_defs: {
    snmp_socket: 'the AgentX master the SNMP subagent connects to, as net-snmp reads it: `unix:PATH`, `tcp:HOST[:PORT]` (705), '
      + 'a bare value as that UNIX socket then TCP HOST[:PORT]; default /var/agentx/master then TCP 127.0.0.1:705; retried every 15 s',
    enable_snmp_vrrp: "an AgentX subagent (ours, in TypeScript) registers KEEPALIVED-MIB's vrrp subtree with snmpd, as keepalived 2.2.7's VRRP "
      + 'process: every table (sync groups, instances, tracked interfaces, scripts, files, BFD and processes, addresses, routes, rules), '
      + "answered from the instances' status with keepalived's values and quirks, and with enable_traps its state-change notifications; "
      + 'and its global subtree (version, router id, mail, trapEnable and the other global_defs scalars) unless the checker runs with '
      + 'enable_snmp_checker, whose agent then serves it alone, as keepalived\'s two processes share it (docs/keepalived.md, SNMP)',
    enable_snmp_keepalived: 'read as enable_snmp_vrrp, as keepalived 2.2.7 reads it (no warning, `-t` silent and 0): the same subagent, '
      + 'the same global and vrrp subtrees',
    enable_snmp_rfc: snmpRfcNote('VRRP-MIB (RFC 2787) and VRRPv3-MIB (RFC 6527)'),
    enable_snmp_rfcv2: snmpRfcNote('VRRP-MIB (RFC 2787, VRRPv2 instances only)'),
    enable_snmp_rfcv3: snmpRfcNote('VRRPv3-MIB (RFC 6527, every instance)'),
    enable_snmp_checker: 'an AgentX subagent (ours, in TypeScript) registers KEEPALIVED-MIB\'s global (version, router id, mail, trapEnable and '
      + 'the other global_defs scalars) and check subtrees (virtual server groups and members, virtual and real servers with their state, '
      + 'quorum and the kernel\'s IPVS statistics read from the listing, lvsSyncDaemon, lvsTimeouts) with keepalived 2.2.7\'s objects, '
      + 'values and capabilities (compared walk for walk in the kernel lab; docs/keepalived.md, SNMP); with enable_traps its '
      + 'realServerStateChange and virtualServerQuorumStateChange; started with the checker, kept over reloads',
    nftables: 'the table (default `keepalived`, in families ip and ip6) instances without accept mode use; sets the chain priority back to -1, as keepalived',
    nftables_priority: 'the priority of the table\'s input and output chains (default -1)',
    nftables_counters: "a counter in every rule of the table, and in nftables_ipvs's maps (each element) and rules, as keepalived",
    vrrp_strict: "its checks, and instances without `accept` get keepalived's nftables drop sets (see vrrp_instance no_accept)",
    nftables_ifindex: 'link-local VIPs are keyed by interface index (vips_link_local) under dont_track_primary too; without it keepalived keys '
      + 'those on the instance\'s interface by name (vips_link_local_name), which is refused',
    vrrp_iptables: 'as `nftables` (table `keepalived`): keepalived 2.2.7 built without iptables reads it so',
    vrrp_min_garp: 'lowers vrrp_garp_master_repeat to 1, vrrp_garp_master_delay to 0 and the refresh to none where they are still at their '
      + 'defaults when the line is read, as keepalived',
    vrrp_notify_priority_changes: PRIORITY_LINES,
    disable_local_igmp: 'igmp_link_local_mcast_reports is 0 once VRRP runs instances, its old value back at stop (a reload without it keeps 0), as keepalived',
    rs_init_notifies: 'a real server that starts up (at start, or added by a reload) runs its notify_up and writes its `RS … UP` line to '
      + 'lvs_notify_fifo/notify_fifo, as keepalived\'s init_service_rs; no mail',
    nftables_ipvs: 'each virtual_server of a `virtual_server_group` of addresses, ranges and CIDRs of one family becomes one firewall-mark '
      + 'service, its mark from nftables_ipvs_start_fwmark on in file order; table TABLE (default `keepalived_ipvs`, families ip and ip6 as '
      + 'used) has chain `in` and a map per protocol (`tcp_map`: `ADDRESS . inet_service : mark`, flags interval) marking the group\'s traffic, '
      + 'as keepalived 2.2.7; a reload adds and deletes elements in one transaction, the stop deletes the tables; a group with a fwmark entry '
      + 'keeps a service per entry',
    nftables_ipvs_priority: 'the priority of the table\'s input chain (default -1)',
    nftables_ipvs_start_fwmark: 'the first mark given to a group (default 1000)',
    lvs_timeouts: "set over the kernel's values (read before the first change) at start and each reload; put back by a reload without it and at stop, as keepalived",
    default_interface: 'static_ipaddress lines without `dev` go there (default eth0; missing, the file is not runnable, `-t` exits 4), as keepalived 2.2.7, '
      + 'which gives it to nothing else',
    vrrp_garp_extra_if: `the default of the instances' garp_extra_if: ${GARP_EXTRA_IF}`,
    vrrp_vmac_garp_intvl: 'deprecated name of vrrp_garp_extra_if (keepalived warns, and so does the reader)',
    vmac_prefix: '`use_vmac` without a name makes PREFIX.VRID, the prefix cut to fit 15 characters; the first one written counts, as keepalived',
    vmac_addr_prefix: 'the VMACs of use_vmac_addr and `virtual_ipaddress ... use_vmac` are PREFIX.VRID, then PREFIX1.VRID, PREFIX2.VRID... '
      + 'for the next interfaces (a name an instance VMAC already has is skipped); default vrrp; the first one written counts, as keepalived',
    include_check: 'read where it stands, as keepalived: the later includes of its file (each included file restores it at its end) check '
      + '`read`, `match`, `wildcard_match`, `brace_match` (and `includer`/`includem`/`includew`/`includeb`/`includea` add theirs); a failed check '
      + 'is `-t` status 6 and no start, while a reload goes on without the file (the missing-include refusal stands)',
    reload_file: 'deleted once each reading of the configuration ends (start and every reload), so a tool that made it before SIGHUP knows the '
      + 'files were read; default /run/keepalived.reload (keepalived 2.2.7 deletes a default-named one at start only)',
    reload_time_file: "watched: its first line schedules a reload (`HH:MM:SS`, `[YY]YY-MM-DD HH:MM:SS`, `Z` for UTC) that goes as SIGHUP's, "
      + "with keepalived's lines (Scheduling / Cancelling / in the past / format); the file is deleted at the reload",
    reload_repeat: 'the time file is kept at its reload; a time without a date reloads every day',
    enable_dbus: "keepalived 2.2.7's D-Bus interface while the VRRP half runs: on the system bus (DBUS_SYSTEM_BUS_ADDRESS, else "
      + '/run/dbus/system_bus_socket), /org/keepalived/Vrrp1/Vrrp (PrintData, PrintStats, PrintStatsClear write the --json-file state as SIGUSR2; '
      + 'ReloadConfig reloads as SIGHUP) and one /org/keepalived/Vrrp1/Instance/IFNAME/VRID/IPv4|IPv6 per instance (SendGarp, Name, State), '
      + 'the signals and log lines at start, transition, reload and stop as keepalived\'s; a bus that cannot be reached is logged and the daemon runs without',
    dbus_service_name: 'the name owned on the bus (default org.keepalived.Vrrp1; the object paths and interface names stay); with enable_dbus only',
    fifo_write_vrrp_states_on_reload: 'after each reload, every sync group\'s state (`GROUP "G" MASTER 0`) to the FIFOs, no instance\'s, as keepalived 2.2.7; '
      + 'the FIFOs and their scripts stay open across the reload (keepalived reopens them and starts the scripts anew)',
  },
  vrrp_instance: {
    interface: 'without one (or with `lo`, ignored) keepalived 2.2.7\'s "Unknown interface!" (-t exits 5) stops the start, as keepalived\'s '
      + 'VRRP process exits at it (status 2); a reload to such a file is refused (the running configuration stays)',
    virtual_ipaddress: 'the options as keepalived 2.2.7 adds them: `brd +`/`brd -` '
      + 'worked out from the prefix, `peer` (the prefix then dropped), IPv6 without DAD unless `-nodad`, an IPv6 /128 deprecated unless '
      + '`preferred_lft`, `home`/`mngtmpaddr`/`preferred_lft` on IPv6 only'
      + '; `use_vmac` (IPv4) puts the address on a VMAC on its interface (on the instance\'s own interface only without the instance\'s '
      + 'use_vmac, whose VMAC takes it): ' + ADDRESS_VMACS + '; `track_group` (static lines only) is keepalived\'s unknown option, '
      + 'its value too, each with its line, the address kept',
    virtual_ipaddress_excluded: 'as virtual_ipaddress (moved with the state, not advertised)',
    strict_mode: 'as vrrp_strict, for the instance',
    no_accept: "while master (and not the owner, priority 255) the VIPs (link-local ones with their interface) are in the sets of keepalived's "
      + 'nftables table, whose input and output chains drop them; the table is made on first use (a stale one deleted), deleted at stop',
    track_process: 'quorum held = OK; weight 0 = FAULT while not held, as track_script',
    notify_priority_changes: PRIORITY_LINES,
    unicast_fault_no_peer: 'without unicast_peer: FAULT for as long as the file runs, with keepalived\'s line, instead of multicast',
    unicast_peer: 'a peer\'s `min_ttl` / `max_ttl`: its adverts arriving with a TTL (hop limit) outside the range are dropped, counted as '
      + 'TTL errors and as received, and logged (`TTL/HL N not in range MIN - MAX`), as keepalived 2.2.7 does',
    garp_extra_if: GARP_EXTRA_IF,
    vmac_garp_intvl: 'deprecated name of garp_extra_if (keepalived warns, and so does the reader)',
    old_unicast_checksum: 'IPv4 VRRPv3 with unicast peers: the checksum\'s pseudo-header names the multicast group (keepalived before 1.3.6) in '
      + 'the adverts sent and expected; without it a peer\'s advert in that form switches the instance to it for good, with keepalived\'s '
      + 'line (`never`: no switch), as keepalived 2.2.7; a reload changing it keeps the instance\'s state (`never` drops a switch made)',
    kernel_rx_buf_size: 'SO_RCVBUF of the instance\'s advert socket, as keepalived 2.2.7 sets it on its receiving socket (seen with strace); '
      + '0 leaves the kernel\'s default; a reload changing it opens the socket again with the new size, the state kept, as keepalived does',
    linkbeat_use_polling: 'deprecated (keepalived says so, `-t` exits 5); the instance\'s own interface is read as by linkbeat_interfaces',
    promote_secondaries: 'the interface\'s promote_secondaries sysctl is 1 from the instance\'s start (or the reload adding it), its old value back at stop',
  },
  virtual_server: {
    ha_suspend: 'checks pause while the address is not here; on a firewall-mark service, or a group with a fwmark entry, keepalived 2.2.7\'s '
      + '"Virtual server FWM N: cannot use ha_suspend with fwmarks - clearing ha_suspend" (`-t` exit 5) and the checks always run',
  },
  vrrp_script: {
    init_fail: "the script is failed until its first result, which decides at once whatever `rise` (keepalived 2.2.7 logs "
      + '"VRRP_Script(chk) succeeded" at the first good run with `rise 3`, and after a first bad one waits for `rise` good ones); '
      + "KEEPALIVED-MIB's vrrpScriptResult says init(1) until then",
  },
  vrrp_sync_group: {
    track_process: 'applied to every member, as track_script',
    sync_group_tracking_weight: "members' own weighted trackers keep their weights (without it keepalived 2.2.7 drops them, with its lines); "
      + "the group's own tracker lines keep theirs either way",
    track_interface: "applied to every member; a weight moves every member's priority with or without sync_group_tracking_weight, "
      + 'as keepalived 2.2.7 (its adverts measured, ±weights, link down and up); so do the group\'s weighted track_script, track_file, '
      + 'track_process and track_bfd lines',
  },
  garp_group: {
    garp_interval: 'seconds (µs resolution, up to 2147.483647) between GARPs on the group\'s interfaces, whichever instance sends them; 0 or unset: not paced',
    gna_interval: 'as garp_interval, for unsolicited NAs (paced apart from the GARPs)',
    interface: 'an interface of the group (its macvlans take its pace); one already in a group is keepalived\'s "already specified" line and ignored',
    interfaces: 'the group\'s interfaces, one or more a line; what keepalived says of them it says at the block\'s `}`, and so does the reader',
  },
  vrrp_track_process: {
    process: 'matched against comm (at most 15 characters), or argv[0] of the command line with ARGS, param_match or full_command',
    fork_delay: 'applies to a quorum gained by a fork (others count at once), as keepalived',
    terminate_delay: 'applies to a quorum lost by an exit (others count at once), as keepalived',
  },
};

/**
 * A checker's `bind_if` and `fwmark`: set on the socket as keepalived 2.2.7
 * does, which is not on every checker's (layer4.c: UDP_CHECK's socket gets
 * the mark only; check_ping.c: PING_CHECK's neither).
 */
function checkerSocketStatus(block: string, keyword: string): { status: KeywordStatus; note: string } {
  if (block === 'PING_CHECK') return { status: 'no effect', note: 'keepalived sets no device or mark on the echo socket either' };
  if (block === 'UDP_CHECK' && keyword === 'bind_if') return { status: 'no effect', note: 'keepalived marks UDP_CHECK\'s socket but does not bind it to a device' };
  return {
    status: 'runs',
    note: keyword === 'bind_if'
      ? 'SO_BINDTODEVICE on the checker\'s socket (opened by the addon); a missing interface fails every attempt (ENODEV)'
      : 'SO_MARK on the checker\'s socket (opened by the addon), 0 = none; without CAP_NET_ADMIN every attempt fails (EPERM)',
  };
}

function statusOf(block: string, keyword: string): { status: KeywordStatus; note: string } {
  const checker = ALL_CHECKERS.includes(block) || block === 'host (SMTP_CHECK)';
  const refusedNote = REFUSED_EXTRA[block]?.[keyword];
  if (refusedNote !== undefined) return { status: 'refused', note: refusedNote };
  if (block === 'top level' && NOT_SUPPORTED_YET.includes(keyword)) return { status: 'refused', note: REFUSED };
  if (block === 'vrrp_instance' && VRRP_INSTANCE_UNSUPPORTED.includes(keyword)) return { status: 'refused', note: REFUSED };
  if (block === 'vrrp_sync_group' && SYNC_GROUP_UNSUPPORTED.includes(keyword)) return { status: 'refused', note: REFUSED };
  if (checker && (keyword === 'bind_if' || keyword === 'fwmark')) return checkerSocketStatus(block, keyword);
  if (block === 'global_defs') {
    const lost = GLOBAL_REFUSED[keyword];
    if (lost !== undefined) return { status: 'refused', note: `${lost}: refused unless --allow-unsupported` };
  }
  const partly = PARTLY[block]?.[keyword];
  if (partly !== undefined) return { status: 'partly', note: partly };
  const runs = RUNS_NOTES[block]?.[keyword];
  if (runs !== undefined && block === 'global_defs') return { status: 'runs', note: runs };
  const noEffect = NO_EFFECT_EXTRA[block]?.[keyword] ?? (block === 'global_defs' && OTHER_KEYWORDS.includes(keyword) ? NO_EFFECT : undefined);
  if (noEffect !== undefined) return { status: 'no effect', note: noEffect };
  return { status: 'runs', note: RUNS_NOTES[block]?.[keyword] ?? '' };
}

/** Every keyword the reader accepts, block by block, with its status. */
export function keywordRows(): KeywordRow[] {
  const rows: KeywordRow[] = [];
  for (const [block, grammar] of blocks()) {
    for (const keyword of [...grammar.keywords.keys()].sort()) rows.push({ block, keyword, ...statusOf(block, keyword) });
  }
  return rows;
}

let known: ReadonlySet<string> | undefined;

/** A keyword of any block, or an address option (what `--allow-unsupported=` may name). */
export function isKeepalivedKeyword(word: string): boolean {
  known ??= new Set([...keywordRows().map((r) => r.keyword), 'brd', 'min_ttl', 'max_ttl']);
  return known.has(word);
}

/** The markdown table of docs/keepalived.md. */
export function keywordTable(): string {
  const lines = ['| Block | Keyword | Status | Note |', '|---|---|---|---|'];
  for (const r of keywordRows()) lines.push(`| ${r.block} | \`${r.keyword}\` | ${r.status} | ${r.note} |`);
  return `${lines.join('\n')}\n`;
}

/** Where the table starts and ends in docs/keepalived.md. */
export const KEYWORD_TABLE_MARKERS = ['<!-- keyword-status: generated by npm run docs:keywords -->', '<!-- keyword-status: end -->'] as const;

/** `markdown` with the text between the markers replaced by {@link keywordTable}. */
export function withKeywordTable(markdown: string): string {
  const [begin, end] = KEYWORD_TABLE_MARKERS;
  const from = markdown.indexOf(begin);
  const to = markdown.indexOf(end);
  if (from < 0 || to < from) throw new Error(`the keyword-status markers are missing: ${begin} ... ${end}`);
  return `${markdown.slice(0, from + begin.length)}\n\n${keywordTable()}\n${markdown.slice(to)}`;
}
