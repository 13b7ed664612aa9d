#!/usr/bin/env bash
# A stage of its own, apart from the test layers: checks a directory of
# third-party keepalived.conf files (keepalived's own samples, say) by
# comparing the status of `ipvs keepalived -t` with `keepalived -t` on every
# file. The package's tests read only configurations the project wrote.
#
#   scripts/samples.sh DIR        (or: npm run test:samples -- DIR)
#
# Both run as root in one fresh network namespace per file, holding the same
# interfaces as the unit tests' verdict namespace (lo, vrrp0, vrrp1), from
# the file's directory (includes are relative), with config id "test".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:?usage: scripts/samples.sh DIR}
[ -d "$dir" ] || { echo "samples: $dir is not a directory" >&2; exit 2; }
command -v keepalived >/dev/null || { echo "samples: keepalived is not installed (lab/ensure-packages)" >&2; exit 2; }
[ -f "$root/dist/lib/cli/bin.js" ] || { echo "samples: run scripts/setup.sh first" >&2; exit 2; }

# Exit status of one `-t` run: verdict FILE COMMAND...
verdict() {
  local file=$1; shift
  local rc=0
  (cd "$(dirname "$file")" && unshare --net sh -c \
    'ip link add vrrp0 type veth peer name vrrp1 && exec "$@"' sh "$@" -t -i test -f "$(basename "$file")") >/dev/null 2>&1 || rc=$?
  echo "$rc"
}

agree=0 differ=0
for file in "$dir"/*; do
  [ -f "$file" ] || continue
  case $(basename "$file") in README*|*.md) continue ;; esac
  theirs=$(verdict "$file" keepalived)
  ours=$(verdict "$file" node "$root/bin/ipvs" keepalived)
  if [ "$theirs" = "$ours" ]; then
    agree=$((agree + 1))
  else
    differ=$((differ + 1))
    echo "differs: $file: keepalived -t $theirs, ipvs keepalived -t $ours"
  fi
done
echo "samples: $agree agree, $differ differ ($dir)"
[ "$agree" -gt 0 ] && [ "$differ" -eq 0 ]
