# bash completion for ipvs, generated from the command line's own tables
# (lib/cli/completion/; regenerate with `npm run completion`, do not edit).

# The service addresses that `ipvs -Sn` (on standard input) lists after FLAG ($1).
_ipvs_services() {
  local -a word
  while read -r -a word; do
    if [[ ${word[0]} == -A && ${word[1]} == "$1" ]]; then printf '%s\n' "${word[2]}"; fi
  done
}

# The network interfaces of this namespace.
_ipvs_interfaces() {
  local d
  for d in /sys/class/net/*; do [[ -e $d ]] && printf '%s\n' "${d##*/}"; done
}

# COMPREPLY: the words given, or the lines of $1, that start with the current word.
_ipvs_reply_words() { local IFS=$'\n'; COMPREPLY=($(compgen -W "$*" -- "$cur")); }
_ipvs_reply_lines() { local IFS=$'\n'; COMPREPLY=($(compgen -W "$1" -- "$cur")); }
_ipvs_reply_files() { compopt -o filenames 2>/dev/null; local IFS=$'\n'; COMPREPLY=($(compgen -f -- "$cur")); }

# ipvsadm: the value after option $1 (status 1: $1 takes none), its options, its other words.
_ipvs_value_ipvsadm() {
  case $1 in
    --start-daemon) _ipvs_reply_words 'master' 'backup'; return 0 ;;
    --stop-daemon) _ipvs_reply_words 'master' 'backup'; return 0 ;;
    -t|--tcp-service) _ipvs_reply_lines "$("$cmd" -Sn 2>/dev/null | _ipvs_services '-t')"; return 0 ;;
    -u|--udp-service) _ipvs_reply_lines "$("$cmd" -Sn 2>/dev/null | _ipvs_services '-u')"; return 0 ;;
    --sctp-service) _ipvs_reply_lines "$("$cmd" -Sn 2>/dev/null | _ipvs_services '--sctp-service')"; return 0 ;;
    -f|--fwmark-service) _ipvs_reply_lines "$("$cmd" -Sn 2>/dev/null | _ipvs_services '-f')"; return 0 ;;
    -s|--scheduler) _ipvs_reply_words 'rr' 'wrr' 'lc' 'wlc' 'lblc' 'lblcr' 'dh' 'sh' 'sed' 'nq' 'fo' 'ovf' 'mh' 'twos'; return 0 ;;
    -M|--netmask) COMPREPLY=(); return 0 ;;
    -r|--real-server) COMPREPLY=(); return 0 ;;
    -w|--weight) COMPREPLY=(); return 0 ;;
    -x|--u-threshold) COMPREPLY=(); return 0 ;;
    -y|--l-threshold) COMPREPLY=(); return 0 ;;
    --mcast-interface) _ipvs_reply_lines "$(_ipvs_interfaces)"; return 0 ;;
    --syncid) COMPREPLY=(); return 0 ;;
    --pe) _ipvs_reply_words 'sip'; return 0 ;;
    -b|--sched-flags) COMPREPLY=(); return 0 ;;
    --mcast-group) COMPREPLY=(); return 0 ;;
    --mcast-port) COMPREPLY=(); return 0 ;;
    --mcast-ttl) COMPREPLY=(); return 0 ;;
    --sync-maxlen) COMPREPLY=(); return 0 ;;
    --tun-type) _ipvs_reply_words 'ipip' 'gue' 'gre'; return 0 ;;
    --tun-port) COMPREPLY=(); return 0 ;;
  esac
  return 1
}
_ipvs_options_ipvsadm() { _ipvs_reply_words '-A' '--add-service' '-E' '--edit-service' '-D' '--delete-service' '-C' '--clear' '-L' '--list' '-l' '-Z' '--zero' '-a' '--add-server' '-e' '--edit-server' '-d' '--delete-server' '--set' '-h' '--help' '-v' '--version' '-R' '--restore' '-S' '--save' '--start-daemon' '--stop-daemon' '-t' '--tcp-service' '-u' '--udp-service' '--sctp-service' '-f' '--fwmark-service' '-s' '--scheduler' '-p' '--persistent' '-M' '--netmask' '-r' '--real-server' '-m' '--masquerading' '-i' '--ipip' '-g' '--gatewaying' '-w' '--weight' '-x' '--u-threshold' '-y' '--l-threshold' '-n' '--numeric' '-c' '--connection' '--mcast-interface' '--syncid' '--timeout' '--daemon' '--stats' '--rate' '--thresholds' '--persistent-conn' '--nosort' '--sort' '-X' '--exact' '-6' '--ipv6' '-o' '--ops' '--pe' '-b' '--sched-flags' '--mcast-group' '--mcast-port' '--mcast-ttl' '--sync-maxlen' '--tun-info' '--tun-type' '--tun-port' '--tun-nocsum' '--tun-csum' '--tun-remcsum' '--json'; }
_ipvs_operand_ipvsadm() { :; }

# apply: the value after option $1 (status 1: $1 takes none), its options, its other words.
_ipvs_value_apply() {
  case $1 in
  esac
  return 1
}
_ipvs_options_apply() { _ipvs_reply_words '--prune' '--dry-run' '--json' '-h' '--help'; }
_ipvs_operand_apply() { _ipvs_reply_files; }

# export: the value after option $1 (status 1: $1 takes none), its options, its other words.
_ipvs_value_export() {
  case $1 in
  esac
  return 1
}
_ipvs_options_export() { _ipvs_reply_words '--yaml' '--json' '-h' '--help'; }
_ipvs_operand_export() { :; }

# keepalived: the value after option $1 (status 1: $1 takes none), its options, its other words.
_ipvs_value_keepalived() {
  case $1 in
    -f|--use-file) _ipvs_reply_files; return 0 ;;
    -i|--config-id) COMPREPLY=(); return 0 ;;
    --status-listen) COMPREPLY=(); return 0 ;;
    --status-token-file) _ipvs_reply_files; return 0 ;;
    --json-file) _ipvs_reply_files; return 0 ;;
    --reconcile-interval) COMPREPLY=(); return 0 ;;
    --drain-on) _ipvs_reply_words 'never' 'reload' 'all'; return 0 ;;
    --drain-timeout) COMPREPLY=(); return 0 ;;
    --control-socket) _ipvs_reply_files; return 0 ;;
    --announce-table) COMPREPLY=(); return 0 ;;
    --announce-settle) COMPREPLY=(); return 0 ;;
    --announce-hold-down) COMPREPLY=(); return 0 ;;
    --announce-routing-status) _ipvs_reply_words 'frr'; return 0 ;;
    --announce-routing-interval) COMPREPLY=(); return 0 ;;
    --announce-routing-timeout) COMPREPLY=(); return 0 ;;
    --announce-routing-vtysh) _ipvs_reply_files; return 0 ;;
    --announce-routing-vty-socket) _ipvs_reply_files; return 0 ;;
    --announce-routing-pathspace) COMPREPLY=(); return 0 ;;
  esac
  return 1
}
_ipvs_options_keepalived() { _ipvs_reply_words '-f' '--use-file' '-t' '--config-test' '-P' '--vrrp' '-C' '--check' '-B' '--no_bfd' '-i' '--config-id' '-I' '--dont-release-ipvs' '--status-listen' '--status-token-file' '--json-file' '--reconcile-interval' '--force-reload' '--allow-unsupported' '--drain-on' '--drain-timeout' '--control-socket' '--announce' '--announce-table' '--announce-settle' '--announce-hold-down' '--announce-keep-on-stop' '--announce-routing-status' '--announce-routing-interval' '--announce-routing-timeout' '--announce-routing-vtysh' '--announce-routing-vty-socket' '--announce-routing-pathspace' '-n' '-l' '-D' '-h' '--help'; }
_ipvs_operand_keepalived() { :; }

# ctl: the value after option $1 (status 1: $1 takes none), its options, its other words.
_ipvs_value_ctl() {
  case $1 in
    --socket) _ipvs_reply_files; return 0 ;;
    --net-namespace) COMPREPLY=(); return 0 ;;
    --timeout) COMPREPLY=(); return 0 ;;
    --weight) COMPREPLY=(); return 0 ;;
    --forwarding) _ipvs_reply_words 'masq' 'route' 'tunnel' 'local' 'bypass'; return 0 ;;
    --spec) COMPREPLY=(); return 0 ;;
    -n|--count) COMPREPLY=(); return 0 ;;
  esac
  return 1
}
_ipvs_options_ctl() { _ipvs_reply_words '--socket' '--net-namespace' '--json' '--timeout' '--weight' '--forwarding' '--spec' '--all' '-n' '--count' '-h' '--help'; }
_ipvs_operand_ctl() { _ipvs_reply_words 'show' 'drain' 'disable' 'enable' 'weight' 'add' 'remove' 'clear' 'watch'; }

# genhash: the value after option $1 (status 1: $1 takes none), its options, its other words.
_ipvs_value_genhash() {
  case $1 in
    -s|--server) COMPREPLY=(); return 0 ;;
    -p|--port) COMPREPLY=(); return 0 ;;
    -u|--url) COMPREPLY=(); return 0 ;;
    -V|--use-virtualhost) COMPREPLY=(); return 0 ;;
    -P|--protocol) _ipvs_reply_words '1.0' '1.0c' '1.1'; return 0 ;;
    -t|--timeout) COMPREPLY=(); return 0 ;;
    -m|--fwmark) COMPREPLY=(); return 0 ;;
  esac
  return 1
}
_ipvs_options_genhash() { _ipvs_reply_words '-s' '--server' '-p' '--port' '-u' '--url' '-S' '--use-ssl' '-I' '--use-sni' '-V' '--use-virtualhost' '-P' '--protocol' '-t' '--timeout' '-m' '--fwmark' '-v' '--verbose' '-h' '--help'; }
_ipvs_operand_genhash() { :; }

# bench: the value after option $1 (status 1: $1 takes none), its options, its other words.
_ipvs_value_bench() {
  case $1 in
    --services) COMPREPLY=(); return 0 ;;
    --dests) COMPREPLY=(); return 0 ;;
    --runs) COMPREPLY=(); return 0 ;;
    --ops) COMPREPLY=(); return 0 ;;
    --json) _ipvs_reply_files; return 0 ;;
    --netns) COMPREPLY=(); return 0 ;;
    --ipvsadm) _ipvs_reply_files; return 0 ;;
  esac
  return 1
}
_ipvs_options_bench() { _ipvs_reply_words '--services' '--dests' '--runs' '--ops' '--json' '--netns' '--here' '--ipvsadm' '--no-ipvsadm' '-h' '--help'; }
_ipvs_operand_bench() { :; }

# top: the value after option $1 (status 1: $1 takes none), its options, its other words.
_ipvs_value_top() {
  case $1 in
    -d|--interval) COMPREPLY=(); return 0 ;;
    -n|--iterations) COMPREPLY=(); return 0 ;;
    -s|--sort) _ipvs_reply_words 'active' 'inactive' 'conn-rate' 'packet-rate' 'byte-rate' 'weight' 'name'; return 0 ;;
    --status) COMPREPLY=(); return 0 ;;
    --status-token-file) _ipvs_reply_files; return 0 ;;
  esac
  return 1
}
_ipvs_options_top() { _ipvs_reply_words '-d' '--interval' '-n' '--iterations' '--once' '-s' '--sort' '--status' '--status-token-file' '-h' '--help'; }
_ipvs_operand_top() { :; }

# help: the value after option $1 (status 1: $1 takes none), its options, its other words.
_ipvs_value_help() {
  case $1 in
  esac
  return 1
}
_ipvs_options_help() { _ipvs_reply_words ; }
_ipvs_operand_help() { _ipvs_reply_words 'apply' 'export' 'keepalived' 'ctl' 'genhash' 'bench' 'top' 'help'; }

_ipvs() {
  # Words split at blanks only, from the line up to the cursor.
  local line=${COMP_LINE:0:COMP_POINT}
  local -a words
  read -r -a words <<<"$line"
  if [[ ${#words[@]} -eq 0 || $line == *[[:blank:]] ]]; then words+=(''); fi
  local n=${#words[@]}
  local cmd=${words[0]} cur=${words[n-1]} prev=${words[n-2]} ctx=ipvsadm
  COMPREPLY=()
  if (( n > 2 )); then case ${words[1]} in apply|export|keepalived|ctl|genhash|bench|top|help) ctx=${words[1]} ;; esac; fi
  if (( n > 2 )) && "_ipvs_value_$ctx" "$prev"; then :
  elif (( n == 2 )); then _ipvs_reply_words 'apply' 'export' 'keepalived' 'ctl' 'genhash' 'bench' 'top' 'help' '-A' '--add-service' '-E' '--edit-service' '-D' '--delete-service' '-C' '--clear' '-L' '--list' '-l' '-Z' '--zero' '-a' '--add-server' '-e' '--edit-server' '-d' '--delete-server' '--set' '-h' '--help' '-v' '--version' '-R' '--restore' '-S' '--save' '--start-daemon' '--stop-daemon' '-t' '--tcp-service' '-u' '--udp-service' '--sctp-service' '-f' '--fwmark-service' '-s' '--scheduler' '-p' '--persistent' '-M' '--netmask' '-r' '--real-server' '-m' '--masquerading' '-i' '--ipip' '-g' '--gatewaying' '-w' '--weight' '-x' '--u-threshold' '-y' '--l-threshold' '-n' '--numeric' '-c' '--connection' '--mcast-interface' '--syncid' '--timeout' '--daemon' '--stats' '--rate' '--thresholds' '--persistent-conn' '--nosort' '--sort' '-X' '--exact' '-6' '--ipv6' '-o' '--ops' '--pe' '-b' '--sched-flags' '--mcast-group' '--mcast-port' '--mcast-ttl' '--sync-maxlen' '--tun-info' '--tun-type' '--tun-port' '--tun-nocsum' '--tun-csum' '--tun-remcsum' '--json'
  elif [[ $cur == -* ]]; then "_ipvs_options_$ctx"
  else "_ipvs_operand_$ctx"
  fi
  # bash splits words at ':' too (COMP_WORDBREAKS): replies start after the last one.
  if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
    local colon=${cur%"${cur##*:}"}
    COMPREPLY=("${COMPREPLY[@]#"$colon"}")
  fi
}
complete -F _ipvs ipvs
