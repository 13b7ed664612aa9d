/**
 * ipvsadm 1.31's vocabulary: its commands and options in the order of its
 * internal tables (the order decides which message a bad line gets), the
 * popt option table, and which option each command requires or refuses.
 * @internal
 * @module
 */
import type { OptionSpec } from './popt';

/** Command names as ipvsadm prints them in messages, in its table order. */
export const COMMANDS = [
  'add-service', 'edit-service', 'delete-service', 'flush', 'list', 'add-server', 'delete-server', 'edit-server',
  'set', 'start-daemon', 'stop-daemon', 'restore', 'save', 'zero',
] as const;
export type CommandName = (typeof COMMANDS)[number];

/** Option names as ipvsadm prints them in messages, in its table order. */
export const OPTIONS = [
  'numeric', 'connection', 'service-address', 'scheduler', 'persistent', 'netmask', 'real-server',
  'forwarding-method', 'weight', 'u-threshold', 'l-threshold', 'mcast-interface', 'timeout', 'daemon', 'stats',
  'rate', 'thresholds', 'persistent-conn', 'nosort', 'syncid', 'exact', 'ops', 'pe', 'sched-flags', 'mcast-group',
  'mcast-port', 'mcast-ttl', 'sync-maxlen', 'tun-info', 'tun-type', 'tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum',
] as const;
export type OptionName = (typeof OPTIONS)[number];

/**
 * One row per command, one column per option (in {@link OPTIONS} order):
 * `+` required, `x` refused, `1` at most one of the `1`s, `.` optional.
 */
const LEGALITY: Record<CommandName, string> = {
  'add-service':    'xx+...xxxxxxxxxxxxxxx...xxxxxxxxxx',
  'edit-service':   'xx+...xxxxxxxxxxxxxxx...xxxxxxxxxx',
  'delete-service': 'xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  flush:            'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  list:             '.11xxxxxxxxx11.......xxxxxxx.xxxxx',
  'add-server':     'xx+xxx+....xxxxxxxxxxxxxxxxxx.....',
  'delete-server':  'xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'edit-server':    'xx+xxx+....xxxxxxxxxxxxxxxxxx.....',
  set:              'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'start-daemon':   'xxxxxxxxxxx.xxxxxxx.xxxx....xxxxxx',
  'stop-daemon':    'xxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxx',
  restore:          'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  save:             '.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  zero:             'xx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
};

/** The legality of `option` with `command`. */
export function legality(command: CommandName, option: number): string {
  return LEGALITY[command][option]!;
}

/** Tunnel options checked per tunnel type, in ipvsadm's order. */
export const TUNNEL_OPTIONS = ['tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum'] as const satisfies readonly OptionName[];
export const TUNNEL_TYPES = ['ipip', 'gue', 'gre'] as const;
export type TunnelTypeName = (typeof TUNNEL_TYPES)[number];
/** Per tunnel type, legality of each of {@link TUNNEL_OPTIONS}. */
export const TUNNEL_LEGALITY: Record<TunnelTypeName, string> = { ipip: 'xxxx', gue: '+111', gre: 'x11x' };

const none = (long: string, short?: string, tag = short ?? long): OptionSpec => ({ long, short, argument: 'none', tag });
const arg = (long: string, short?: string, tag = short ?? long): OptionSpec => ({ long, short, argument: 'required', tag });

/** ipvsadm's popt table (`--list` appears twice there, for `-L` and `-l`). */
export const POPT_TABLE: readonly OptionSpec[] = [
  none('add-service', 'A'), none('edit-service', 'E'), none('delete-service', 'D'), none('clear', 'C'),
  none('list', 'L'), none('list', 'l'), none('zero', 'Z'), none('add-server', 'a'), none('edit-server', 'e'),
  none('delete-server', 'd'), none('set'), none('help', 'h'), none('version', 'v'), none('restore', 'R'),
  none('save', 'S'), arg('start-daemon'), arg('stop-daemon'), arg('tcp-service', 't'), arg('udp-service', 'u'),
  arg('sctp-service'), arg('fwmark-service', 'f'), arg('scheduler', 's'),
  { long: 'persistent', short: 'p', argument: 'optional', tag: 'p' },
  arg('netmask', 'M'), arg('real-server', 'r'), none('masquerading', 'm'), none('ipip', 'i'), none('gatewaying', 'g'),
  arg('weight', 'w'), arg('u-threshold', 'x'), arg('l-threshold', 'y'), none('numeric', 'n'), none('connection', 'c'),
  arg('mcast-interface'), arg('syncid'), none('timeout'), none('daemon'), none('stats'), none('rate'),
  none('thresholds'), none('persistent-conn'), none('nosort'), none('sort'), none('exact', 'X'), none('ipv6', '6'),
  none('ops', 'o'), arg('pe'), arg('sched-flags', 'b'), arg('mcast-group'), arg('mcast-port'), arg('mcast-ttl'),
  arg('sync-maxlen'), none('tun-info'), arg('tun-type'), arg('tun-port'), none('tun-nocsum'), none('tun-csum'),
  none('tun-remcsum'),
];
