/**
 * What each subcommand of `ipvs` is and takes: the descriptions `ipvs help`
 * prints and the shell completions (`completion/`) are generated from.
 * Apart from the registry of loaders (subcommands.ts), which loads
 * `help` itself.
 * @internal
 * @module
 */
import type { CliCommand } from './context';
import type { SubcommandName } from './dispatch';

/** Loads a subcommand. */
export type SubcommandLoader = () => Promise<CliCommand>;

export type { SubcommandName };

/** What an option's value is, for completion: a file name, free text, or one of a list. */
export type OptionValue = 'file' | 'text' | readonly string[];

/** One option of a subcommand: its spellings and the value it takes, if any. */
export interface SubcommandOption {
  readonly names: readonly string[];
  readonly value?: OptionValue;
}

/** A subcommand as `ipvs help` and the completions present it. */
export interface SubcommandInfo {
  /** One line, lower case, no full stop. */
  readonly summary: string;
  readonly options: readonly SubcommandOption[];
  /** What its words other than options are (`apply FILE`, `help SUBCOMMAND`, or one of a list: `ctl VERB`). */
  readonly operand?: 'file' | 'subcommand' | readonly string[];
}

const flag = (...names: string[]): SubcommandOption => ({ names });
const valued = (value: OptionValue, ...names: string[]): SubcommandOption => ({ names, value });
const HELP = flag('-h', '--help');

/** Subcommand name → what it does and takes, in the order `ipvs help` lists them. */
export const SUBCOMMAND_INFO: Readonly<Record<SubcommandName, SubcommandInfo>> = {
  apply: {
    summary: 'make the IPVS table match a YAML or JSON desired-state file',
    options: [flag('--prune'), flag('--dry-run'), flag('--json'), HELP],
    operand: 'file',
  },
  export: {
    summary: 'print the IPVS table as a desired-state file apply reads',
    options: [flag('--yaml'), flag('--json'), HELP],
  },
  keepalived: {
    summary: 'run a keepalived.conf: health checkers, virtual servers and VRRP',
    options: [
      valued('file', '-f', '--use-file'), flag('-t', '--config-test'), flag('-P', '--vrrp'), flag('-C', '--check'), flag('-B', '--no_bfd'),
      valued('text', '-i', '--config-id'), flag('-I', '--dont-release-ipvs'), valued('text', '--status-listen'),
      valued('file', '--status-token-file'), valued('file', '--json-file'), valued('text', '--reconcile-interval'), flag('--force-reload'), flag('--allow-unsupported'),
      valued(['never', 'reload', 'all'], '--drain-on'), valued('text', '--drain-timeout'), valued('file', '--control-socket'),
      flag('--announce'), valued('text', '--announce-table'), valued('text', '--announce-settle'), valued('text', '--announce-hold-down'),
      flag('--announce-keep-on-stop'), valued(['frr'], '--announce-routing-status'), valued('text', '--announce-routing-interval'), valued('text', '--announce-routing-timeout'),
      valued('file', '--announce-routing-vtysh'), valued('file', '--announce-routing-vty-socket'), valued('text', '--announce-routing-pathspace'),
      flag('-n'), flag('-l'), flag('-D'), HELP,
    ],
  },
  ctl: {
    summary: 'change a running ipvs keepalived: drain, disable, enable, weight, add, remove, clear; show, watch',
    options: [valued('file', '--socket'), valued('text', '--net-namespace'), flag('--json'), valued('text', '--timeout'), valued('text', '--weight'),
      valued(['masq', 'route', 'tunnel', 'local', 'bypass'], '--forwarding'), valued('text', '--spec'), flag('--all'), valued('text', '-n', '--count'), HELP],
    operand: ['show', 'drain', 'disable', 'enable', 'weight', 'add', 'remove', 'clear', 'watch'],
  },
  genhash: {
    summary: "print a URL's MD5 digest for HTTP_GET/SSL_GET, as keepalived's genhash",
    options: [
      valued('text', '-s', '--server'), valued('text', '-p', '--port'), valued('text', '-u', '--url'),
      flag('-S', '--use-ssl'), flag('-I', '--use-sni'), valued('text', '-V', '--use-virtualhost'),
      valued(['1.0', '1.0c', '1.1'], '-P', '--protocol'), valued('text', '-t', '--timeout'), valued('text', '-m', '--fwmark'), flag('-v', '--verbose'),
      HELP,
    ],
  },
  bench: {
    summary: 'benchmark IPVS here beside ipvsadm, in a fresh network namespace by default',
    options: [
      valued('text', '--services'), valued('text', '--dests'), valued('text', '--runs'), valued('text', '--ops'), valued('file', '--json'),
      valued('text', '--netns'), flag('--here'), valued('file', '--ipvsadm'), flag('--no-ipvsadm'), HELP,
    ],
  },
  top: {
    summary: 'live view of services and real servers: connections, rates, health, VRRP',
    options: [
      valued('text', '-d', '--interval'), valued('text', '-n', '--iterations'), flag('--once'),
      valued(['active', 'inactive', 'conn-rate', 'packet-rate', 'byte-rate', 'weight', 'name'], '-s', '--sort'),
      valued('text', '--status'), valued('file', '--status-token-file'), HELP,
    ],
  },
  help: {
    summary: "list the subcommands and ipvsadm's commands; help SUBCOMMAND shows its options",
    options: [],
    operand: 'subcommand',
  },
};
