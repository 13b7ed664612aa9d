/**
 * The bash and zsh completion scripts for `ipvs`, generated from
 * {@link ipvsadmContext} and {@link subcommandContext}. Both complete
 * ipvsadm's options, the subcommands and their options, the live table's
 * services after `-t`/`-u`/`--sctp-service`/`-f` (from `ipvs -Sn`, run as
 * the command being completed), fixed values (schedulers, tunnel types,
 * daemon states), interfaces and files.
 * @internal
 * @module
 */
import { ipvsadmContext, subcommandContext, subcommandNames, type CompletionContext, type ValueCompletion } from './words';

/** `word` single-quoted for either shell. */
function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

const quoted = (words: readonly string[]): string => words.map(quote).join(' ');

/** Each completion context by its shell-function suffix: `ipvsadm` and every subcommand. */
function contexts(): [string, CompletionContext][] {
  return [['ipvsadm', ipvsadmContext()], ...subcommandNames().map((n): [string, CompletionContext] => [n, subcommandContext(n)])];
}

const HEADER = (shell: string) => [
  `# ${shell} completion for ipvs, generated from the command line's own tables`,
  '# (lib/cli/completion/; regenerate with `npm run completion`, do not edit).',
];

/** How one shell completes each kind of value. */
interface Shell {
  words(words: readonly string[]): string;
  value(value: ValueCompletion): string;
}

function valueCases(shell: Shell, context: CompletionContext): string[] {
  return context.valued.map((o) => `    ${o.names.join('|')}) ${shell.value(o.value)}; return 0 ;;`);
}

function operand(shell: Shell, context: CompletionContext): string {
  if (context.operand === 'file') return shell.value({ kind: 'file' });
  if (context.operand === 'subcommand') return shell.words(subcommandNames());
  if (typeof context.operand !== 'string') return shell.words(context.operand);
  return ':';
}

const bash: Shell = {
  words: (words) => `_ipvs_reply_words ${quoted(words)}`,
  value: (value) => {
    switch (value.kind) {
      case 'file': return '_ipvs_reply_files';
      case 'text': return 'COMPREPLY=()';
      case 'words': return bash.words(value.words);
      case 'services': return `_ipvs_reply_lines "$("$cmd" -Sn 2>/dev/null | _ipvs_services ${quote(value.flag)})"`;
      case 'interfaces': return '_ipvs_reply_lines "$(_ipvs_interfaces)"';
    }
  },
};

/** completion/ipvs.bash: `source` it, or install it as bash-completion's `ipvs`. */
export function bashScript(): string {
  const all = contexts();
  const subcommands = subcommandNames();
  return [
    ...HEADER('bash'),
    '',
    '# The service addresses that `ipvs -Sn` (on standard input) lists after FLAG ($1).',
    '_ipvs_services() {',
    '  local -a word',
    '  while read -r -a word; do',
    '    if [[ ${word[0]} == -A && ${word[1]} == "$1" ]]; then printf \'%s\\n\' "${word[2]}"; fi',
    '  done',
    '}',
    '',
    '# The network interfaces of this namespace.',
    '_ipvs_interfaces() {',
    '  local d',
    '  for d in /sys/class/net/*; do [[ -e $d ]] && printf \'%s\\n\' "${d##*/}"; done',
    '}',
    '',
    '# COMPREPLY: the words given, or the lines of $1, that start with the current word.',
    '_ipvs_reply_words() { local IFS=$\'\\n\'; COMPREPLY=($(compgen -W "$*" -- "$cur")); }',
    '_ipvs_reply_lines() { local IFS=$\'\\n\'; COMPREPLY=($(compgen -W "$1" -- "$cur")); }',
    '_ipvs_reply_files() { compopt -o filenames 2>/dev/null; local IFS=$\'\\n\'; COMPREPLY=($(compgen -f -- "$cur")); }',
    '',
    ...all.flatMap(([name, context]) => [
      `# ${name}: the value after option $1 (status 1: $1 takes none), its options, its other words.`,
      `_ipvs_value_${name}() {`,
      '  case $1 in',
      ...valueCases(bash, context),
      '  esac',
      '  return 1',
      '}',
      `_ipvs_options_${name}() { ${bash.words(context.options)}; }`,
      `_ipvs_operand_${name}() { ${operand(bash, context)}; }`,
      '',
    ]),
    '_ipvs() {',
    '  # Words split at blanks only, from the line up to the cursor.',
    '  local line=${COMP_LINE:0:COMP_POINT}',
    '  local -a words',
    '  read -r -a words <<<"$line"',
    '  if [[ ${#words[@]} -eq 0 || $line == *[[:blank:]] ]]; then words+=(\'\'); fi',
    '  local n=${#words[@]}',
    '  local cmd=${words[0]} cur=${words[n-1]} prev=${words[n-2]} ctx=ipvsadm',
    '  COMPREPLY=()',
    `  if (( n > 2 )); then case ${'${words[1]}'} in ${subcommands.join('|')}) ctx=${'${words[1]}'} ;; esac; fi`,
    '  if (( n > 2 )) && "_ipvs_value_$ctx" "$prev"; then :',
    `  elif (( n == 2 )); then ${bash.words([...subcommands, ...ipvsadmContext().options])}`,
    '  elif [[ $cur == -* ]]; then "_ipvs_options_$ctx"',
    '  else "_ipvs_operand_$ctx"',
    '  fi',
    "  # bash splits words at ':' too (COMP_WORDBREAKS): replies start after the last one.",
    '  if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then',
    '    local colon=${cur%"${cur##*:}"}',
    '    COMPREPLY=("${COMPREPLY[@]#"$colon"}")',
    '  fi',
    '}',
    'complete -F _ipvs ipvs',
    '',
  ].join('\n');
}

const zsh: Shell = {
  words: (words) => `compadd -- ${quoted(words)}`,
  value: (value) => {
    switch (value.kind) {
      case 'file': return '_files';
      case 'text': return ':';
      case 'words': return zsh.words(value.words);
      case 'services': return `values=(\${(f)"$("$cmd" -Sn 2>/dev/null | _ipvs_services ${quote(value.flag)})"}); compadd -a values`;
      case 'interfaces': return 'values=(/sys/class/net/*(N:t)); compadd -a values';
    }
  },
};

/** completion/_ipvs: a `#compdef` function for a directory on `$fpath`. */
export function zshScript(): string {
  const all = contexts();
  const subcommands = subcommandNames();
  return [
    '#compdef ipvs',
    ...HEADER('zsh'),
    '',
    '# The service addresses that `ipvs -Sn` (on standard input) lists after FLAG ($1).',
    '_ipvs_services() {',
    '  local -a word',
    '  while read -r -A word; do',
    '    if [[ ${word[1]} == -A && ${word[2]} == "$1" ]]; then print -r -- "${word[3]}"; fi',
    '  done',
    '}',
    '',
    ...all.flatMap(([name, context]) => [
      `# ${name}: the value after option $1 (status 1: $1 takes none), its options, its other words.`,
      `_ipvs_value_${name}() {`,
      '  local -a values',
      '  case $1 in',
      ...valueCases(zsh, context),
      '  esac',
      '  return 1',
      '}',
      `_ipvs_options_${name}() { ${zsh.words(context.options)}; }`,
      `_ipvs_operand_${name}() { ${operand(zsh, context)}; }`,
      '',
    ]),
    '_ipvs_main() {',
    '  local cmd=${words[1]} cur=${words[CURRENT]} prev=${words[CURRENT-1]} ctx=ipvsadm',
    `  if (( CURRENT > 2 )); then case ${'${words[2]}'} in ${subcommands.join('|')}) ctx=${'${words[2]}'} ;; esac; fi`,
    '  if (( CURRENT > 2 )) && "_ipvs_value_$ctx" "$prev"; then :',
    `  elif (( CURRENT == 2 )); then ${zsh.words([...subcommands, ...ipvsadmContext().options])}`,
    '  elif [[ $cur == -* ]]; then "_ipvs_options_$ctx"',
    '  else "_ipvs_operand_$ctx"',
    '  fi',
    '}',
    '',
    '_ipvs_main "$@"',
    '',
  ].join('\n');
}

/** Generated file (relative to the package root) → its text. */
export function completionFiles(): Record<string, string> {
  return { 'completion/ipvs.bash': bashScript(), 'completion/_ipvs': zshScript() };
}
