#!/usr/bin/env bash
# The package as a user gets it: `npm pack`, then an install of the tarball
# into an empty project on a PATH with no compiler or make (so the install
# must take the prebuild), imports from ES modules and CommonJS, the typed
# consumer check for both module systems, and then, in the kernel lab, the
# seed scenario, every guide program and the forwarding guide's direct
# routing and tunnelling setups run from the installed package. Fails loudly at the first surprise.
#
# Usage: scripts/package-test.sh [REPORT.json]. The optional report has the
# fields of jest's JSON report that scripts/check-results.js reads, one
# passed test per stage, so `npm test` counts this test with the others.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
report=${1:+$(realpath -m "$1")}

fail() {
  echo "package test: $*" >&2
  exit 1
}

stages=0
passed() {
  stages=$((stages + 1))
  echo "package test: ok - $*"
}

outside=
finish() {
  local status=$?
  [ -z "$outside" ] || rm -rf "$outside"
  if [ -n "$report" ]; then
    mkdir -p "$(dirname "$report")"
    local failed=$((status == 0 ? 0 : 1)) success=$([ "$status" = 0 ] && echo true || echo false)
    printf '{"numPassedTests":%d,"numFailedTests":%d,"numTotalTests":%d,"numPendingTests":0,"numTodoTests":0,"numTotalTestSuites":1,"success":%s}\n' \
      "$stages" "$failed" "$((stages + failed))" "$success" > "$report"
  fi
}
trap finish EXIT

bash scripts/setup.sh

# Inside the checkout (git-ignored): the kernel lab VM sees only the checkout.
work=.package-test
rm -rf "$work" && mkdir -p "$work"

# --- pack (prepack compiles the TypeScript and builds the prebuild) --------
tarball=$(npm pack --pack-destination "$work" 2> "$work/pack.log" | tail -n 1)
[ -f "$work/$tarball" ] || { cat "$work/pack.log" >&2; fail "npm pack produced no tarball"; }
tar -tzf "$work/$tarball" | sed 's|^package/||' | sort > "$work/contents.txt"
for file in package.json README.md LICENSE CHANGELOG.md binding.gyp native/addon.cc bin/ipvs dist/lib/cli/ipvs.bundle.js \
  prebuilds/linux-x64/ipvs.glibc.node prebuilds/linux-arm64/ipvs.glibc.node dist/lib/index.js dist/lib/index.d.ts dist/lib/index.mjs dist/lib/index.d.mts \
  dist/lib/keepalived/index.js dist/lib/keepalived/index.d.ts dist/lib/keepalived/index.mjs dist/lib/keepalived/index.d.mts \
  dist/lib/vrrp/index.js dist/lib/vrrp/index.mjs dist/lib/vrrp/index.d.mts schema/apply.schema.json; do
  grep -qx "$file" "$work/contents.txt" || fail "the tarball lacks $file"
done
# Nothing a user does not need: tests, sources of the TypeScript, maps, tools.
unwanted=$(grep -E '^(test|bench|demo|docs|lab|scripts|lib|build|dist/(test|bench|demo|docs))/|\.map$|(^|[^d])\.[mc]?ts$' "$work/contents.txt" \
  | grep -vE '\.d\.[mc]?ts$' || true)
[ -z "$unwanted" ] || fail "the tarball holds files users do not need: $unwanted"
passed "$tarball holds what users need and nothing else: $(wc -l < "$work/contents.txt") files, $(du -k "$work/$tarball" | cut -f1) KiB"

# --- install with no toolchain reachable -----------------------------------
# Outside the checkout, so that neither the checkout's node_modules (module
# resolution walks up) nor its node_modules/.bin (npm puts ancestors' on the
# PATH of install scripts) can stand in for what the package brings.
outside=$(mktemp -d /tmp/ipvs-package-test.XXXXXX)
consumer="$outside/consumer"
mkdir -p "$consumer" "$outside/bin"
for tool in node npm npx sh bash env; do
  ln -s "$(command -v "$tool")" "$outside/bin/$tool"
done
for tool in cc gcc g++ c++ clang make cmake; do
  if PATH="$outside/bin" command -v "$tool" >/dev/null; then fail "$tool is reachable on the stripped PATH"; fi
done
cp test/package/*.mjs test/package/*.cjs test/package/*.mts test/package/*.cts test/package/tsconfig.json "$consumer/"
cp docs/examples/nat-lab.sh docs/examples/real-server-*.sh dist/docs/examples/getting-started.mjs "$consumer/"
mkdir "$consumer/examples"
find dist/docs/examples -name '*.mjs' ! -name getting-started.mjs -exec cp {} "$consumer/examples/" \;
echo '{ "name": "consumer", "private": true }' > "$consumer/package.json"
typescript="$PWD/node_modules/typescript/bin/tsc"
cp "$work/$tarball" "$outside/"
# Fill npm's cache first, with the network, in a throwaway project: `npm ci`
# in the checkout fetches tarballs by the lockfile's addresses and leaves no
# package documents in the cache, so on a fresh machine the offline install
# below would fail to resolve the package's dependencies (ENOTCACHED). No
# scripts run here, so nothing is built or installed that the real install
# could reuse.
mkdir "$outside/warm"
(
  cd "$outside/warm"
  echo '{ "name": "warm-cache", "private": true }' > package.json
  npm install --ignore-scripts --no-audit --no-fund --loglevel=error "../$tarball" > /dev/null
)
rm -rf "$outside/warm"
(
  cd "$consumer"
  # No network and no compiler: dependencies come from npm's cache and the
  # addon must come from the prebuild, or the install script fails.
  PATH="$outside/bin" npm install --offline --no-audit --no-fund --foreground-scripts "../$tarball"
)
installed="$consumer/node_modules/ipvs"
for prebuild in linux-x64:'Advanced Micro Devices X86-64' linux-arm64:AArch64; do
  file="$installed/prebuilds/${prebuild%%:*}/ipvs.glibc.node"
  [ -f "$file" ] || fail "the installed package has no ${prebuild%%:*} prebuild"
  machine=$(readelf -h "$file" | sed -n 's/^ *Machine: *//p')
  [ "$machine" = "${prebuild#*:}" ] || fail "the ${prebuild%%:*} prebuild is for '$machine'"
done
[ ! -e "$installed/build" ] || fail "the install compiled the addon ($installed/build exists): the prebuild was not taken"
passed "installed with no compiler, make or network: the linux-x64 prebuild was taken; the linux-arm64 one is there"

# --- imports and types, on this machine -------------------------------------
cd "$consumer"
# Each prints "<system>: <entry> [<exported names>] loaded <addon>".
prebuild=node_modules/ipvs/prebuilds/linux-x64/ipvs.glibc.node
esm=$(PATH="$outside/bin" node esm.mjs)
cjs=$(PATH="$outside/bin" node cjs.cjs)
[[ "$esm" =~ ^esm:\ node_modules/ipvs/dist/lib/index\.mjs\ (\[[^]]*Ipvs[^]]*\])\ loaded\ $prebuild$ ]] || fail "ESM import: $esm"
esm_names=${BASH_REMATCH[1]}
passed "$esm"
[[ "$cjs" =~ ^cjs:\ node_modules/ipvs/dist/lib/index\.js\ (\[[^]]*\])\ loaded\ $prebuild$ ]] || fail "CommonJS require: $cjs"
[ "$esm_names" = "${BASH_REMATCH[1]}" ] || fail "ESM and CommonJS export different names: $esm_names, ${BASH_REMATCH[1]}"
passed "$cjs"
# The published types, strictly (no skipLibCheck), from an ES module and a
# CommonJS module; each must get its own entry's types. Like a Node project,
# the consumer has @types/node: VirtualServerManager's types extend Node's
# EventEmitter.
PATH="$outside/bin" node "$typescript" -p tsconfig.json --typeRoots "$root/node_modules/@types" --types node --explainFiles > types.out || { cat types.out; fail "the packed types do not compile"; }
grep -q '^node_modules/ipvs/dist/lib/index.d.mts$' types.out || fail "types.mts did not get index.d.mts"
grep -q '^node_modules/ipvs/dist/lib/index.d.ts$' types.out || fail "types.cts did not get index.d.ts"
grep -q '^node_modules/ipvs/dist/lib/keepalived/index.d.mts$' types.out || fail "types.mts did not get keepalived/index.d.mts"
grep -q '^node_modules/ipvs/dist/lib/keepalived/index.d.ts$' types.out || fail "types.cts did not get keepalived/index.d.ts"
passed "typed consumers compile (module nodenext, .mts and .cts)"
# The command line the package installs.
version=$(PATH="$outside/bin" node_modules/.bin/ipvs -v) || fail "the installed ipvs command does not run"
[[ "$version" == ipvsadm\ v1.31* ]] || fail "ipvs -v printed: $version"
# From its bundle (scripts/bundle-cli.js): bin/ipvs, the dispatch and the bundle are all it loads of the package.
trace="$outside/ipvs-modules.json"
PATH="$outside/bin" MODULE_TRACE_FILE="$trace" node -r "$root/dist/test/support/module-trace.js" node_modules/ipvs/bin/ipvs -v > /dev/null
loaded=$(node -p "require('$trace').map((f) => require('path').relative('$PWD', f)).join(' ')")
[ "$loaded" = "node_modules/ipvs/bin/ipvs node_modules/ipvs/dist/lib/cli/dispatch.js node_modules/ipvs/dist/lib/cli/ipvs.bundle.js" ] || fail "the installed ipvs -v loaded $loaded, not its bundle"
passed "the installed ipvs command runs from its bundle: $version"
# What operators install from the package: completions, man pages, the
# systemd unit and the Grafana dashboard (package.json "files" and "man").
for file in completion/ipvs.bash completion/_ipvs man/man8/ipvs.8 man/man8/ipvs-keepalived.8 man/man8/ipvs-apply.8 \
  systemd/ipvs-keepalived.service dashboards/ipvs-keepalived.json native/js/notify.cc; do
  [ -f "node_modules/ipvs/$file" ] || fail "the installed package lacks $file"
done
overview=$(PATH="$outside/bin" node_modules/.bin/ipvs help) || fail "the installed ipvs help does not run"
[[ "$overview" == *"  keepalived  "* ]] || fail "ipvs help lists no keepalived subcommand: $overview"
MANWIDTH=80 man -l node_modules/ipvs/man/man8/ipvs-keepalived.8 | grep -q '^NAME' || fail "man cannot render the installed ipvs-keepalived(8)"
bash --norc --noprofile -c 'source node_modules/ipvs/completion/ipvs.bash && complete -p ipvs' > /dev/null || fail "the installed bash completion does not load"
passed "the installed package holds its completions, man pages, systemd unit and dashboard; ipvs help runs"
cd "$root"

# --- the linux-arm64 prebuild, under Debian's arm64 Node.js (qemu-user) -----
# lab/arm64-node runs Debian 12's nodejs:arm64 on this x64 machine; the
# wrapper it writes is the `node` of a second stripped PATH, so the install
# script (node-gyp-build) runs as arm64: it must find the arm64 prebuild, as
# there is still no compiler to fall back on. npm itself stays x64 (it is
# only the installer; under emulation it would cost minutes).
arm64_start=$SECONDS
lab/arm64-node --bin "$outside/arm64-bin"
for tool in npm npx sh bash env; do
  ln -s "$(command -v "$tool")" "$outside/arm64-bin/$tool"
done
npm_cli=$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js
[ -f "$npm_cli" ] || fail "cannot find npm's npm-cli.js (from $(command -v npm))"
consumer_arm64="$outside/consumer-arm64"
mkdir -p "$consumer_arm64"
cp test/package/esm.mjs test/package/loaded-addon.cjs test/package/arm64.cjs "$consumer_arm64/"
echo '{ "name": "consumer-arm64", "private": true }' > "$consumer_arm64/package.json"
(
  cd "$consumer_arm64"
  PATH="$outside/arm64-bin" "$(command -v node)" "$npm_cli" install --offline --no-audit --no-fund --foreground-scripts "../$tarball"
)
[ ! -e "$consumer_arm64/node_modules/ipvs/build" ] || fail "the arm64 install compiled the addon: the arm64 prebuild was not taken"
arm64_prebuild=node_modules/ipvs/prebuilds/linux-arm64/ipvs.glibc.node
cd "$consumer_arm64"
esm=$(PATH="$outside/arm64-bin" node esm.mjs)
[[ "$esm" =~ ^esm:\ node_modules/ipvs/dist/lib/index\.mjs\ \[[^]]*Ipvs[^]]*\]\ loaded\ $arm64_prebuild$ ]] || fail "arm64 ESM import: $esm"
arm64=$(PATH="$outside/arm64-bin" node arm64.cjs)
[[ "$arm64" =~ ^arm64:\ node\ [0-9.]+\ loaded\ $arm64_prebuild\;\ Ipvs.open:\ IpvsError\  ]] || fail "arm64 call into the kernel: $arm64"
cd "$root"
passed "installed for arm64 Node.js with no compiler (the arm64 prebuild was taken); its ES module import loaded $arm64_prebuild; $arm64"
# Unit tests as arm64, with the installed arm64 addon (IPVS_NATIVE_PATH).
# Not the whole unit layer: under qemu-user it costs 10-25 times its host CPU
# time (about 15 minutes, past this stage's budget of ~3), and parts of it
# cannot pass there (generic-netlink sockets and some raw-socket options, which
# the VRRP link sets, are not emulated; worker threads outlast jest's 5 s
# default). These files are the ones whose outcome depends on the machine:
# every request's netlink bytes encoded and every kind of reply decoded by the
# arm64 addon (the golden bytes of codec.test), the TypeScript packing of
# binary structures, and the Ipvs API end to end against the fake kernel.
# (Every load of the addon checks it has each member of the native contract.)
ARM64_TESTS=(dist/test/native/codec.test.js dist/test/unit/native/pack.test.js dist/test/unit/core/api.test.js)
arm64_report="$work/arm64-jest.json"
IPVS_NATIVE_PATH="$consumer_arm64/$arm64_prebuild" lab/arm64-node node_modules/jest/bin/jest.js --runInBand --ci \
  --selectProjects unit native --json --outputFile="$arm64_report" "${ARM64_TESTS[@]}" || fail "unit tests failed under arm64 Node.js"
arm64_counts=$(node -p "const r = require('./$arm64_report'); r.numFailedTests + ' ' + r.numPassedTests + ' ' + r.numTotalTestSuites")
[ "${arm64_counts%% *}" = 0 ] && [ "$(cut -d' ' -f2 <<<"$arm64_counts")" -gt 0 ] || fail "arm64 unit tests: $arm64_counts (failed passed suites)"
passed "$(cut -d' ' -f2 <<<"$arm64_counts") unit and native tests in $(cut -d' ' -f3 <<<"$arm64_counts") files passed under arm64 Node.js ($((SECONDS - arm64_start)) s for the arm64 stage)"

# --- the seed scenario from the installed package, against real IPVS -------
# The VM sees only the checkout: the installed project goes there, and
# in-vm.sh copies it out of the checkout again before running it.
cp -a "$consumer" "$work/consumer"
bash scripts/kernel.sh bash test/package/in-vm.sh "$work/consumer"
passed "the getting-started scenario and every guide program ran from the installed package against real IPVS"
