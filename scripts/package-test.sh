#!/usr/bin/env bash
# The package as a user gets it: `npm pack`, then an install of the tarball
# into an empty project on a PATH with no compiler or make (so the install
# must take the prebuild), imports from ES modules and CommonJS, the typed
# consumer check for both module systems, and the seed scenario run from the
# installed package in the kernel lab. Fails loudly at the first surprise.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "package test: $*" >&2
  exit 1
}

bash scripts/setup.sh

# Inside the checkout (git-ignored): the kernel lab VM sees only the checkout.
work=.package-test
rm -rf "$work" && mkdir -p "$work/consumer" "$work/bin"

# --- pack (prepack compiles the TypeScript and builds the prebuild) --------
tarball=$(npm pack --pack-destination "$work" 2>/dev/null | tail -n 1)
[ -f "$work/$tarball" ] || fail "npm pack produced no tarball"
tar -tzf "$work/$tarball" | sed 's|^package/||' | sort > "$work/contents.txt"
for file in package.json README.md LICENSE CHANGELOG.md binding.gyp native/addon.cc \
  prebuilds/linux-x64/ipvs.glibc.node dist/lib/index.js dist/lib/index.d.ts dist/lib/index.mjs dist/lib/index.d.mts; do
  grep -qx "$file" "$work/contents.txt" || fail "the tarball lacks $file"
done
# Nothing a user does not need: tests, sources of the TypeScript, maps, tools.
unwanted=$(grep -E '^(test|bench|demo|docs|lab|scripts|lib|build|dist/(test|bench|demo|docs))/|\.map$|(^|[^d])\.[mc]?ts$' "$work/contents.txt" \
  | grep -vE '\.d\.[mc]?ts$' || true)
[ -z "$unwanted" ] || fail "the tarball holds files users do not need: $unwanted"
echo "package test: $tarball, $(wc -l < "$work/contents.txt") files, $(du -k "$work/$tarball" | cut -f1) KiB"

# --- install with no toolchain reachable -----------------------------------
for tool in node npm npx sh bash env; do
  ln -s "$(command -v "$tool")" "$work/bin/$tool"
done
for tool in cc gcc g++ c++ clang make cmake; do
  if PATH="$PWD/$work/bin" command -v "$tool" >/dev/null; then fail "$tool is reachable on the stripped PATH"; fi
done
cp test/package/*.mjs test/package/*.cjs test/package/*.mts test/package/*.cts test/package/tsconfig.json "$work/consumer/"
cp docs/examples/nat-lab.sh dist/docs/examples/getting-started.mjs "$work/consumer/"
echo '{ "name": "consumer", "private": true }' > "$work/consumer/package.json"
(
  cd "$work/consumer"
  # No network and no compiler: dependencies come from npm's cache and the
  # addon must come from the prebuild, or the install script fails.
  PATH="$PWD/../bin" npm install --offline --no-audit --no-fund --foreground-scripts "../$tarball"
)
installed="$work/consumer/node_modules/ipvs"
[ -f "$installed/prebuilds/linux-x64/ipvs.glibc.node" ] || fail "the installed package has no prebuild"
[ ! -e "$installed/build" ] || fail "the install compiled the addon ($installed/build exists): the prebuild was not taken"

# --- imports and types, on this machine -------------------------------------
(
  cd "$work/consumer"
  expected='dist/lib/index.%s [Batch,Ipvs,IpvsArgumentError,IpvsError] loaded node_modules/ipvs/prebuilds/linux-x64/ipvs.glibc.node'
  esm=$(PATH="$PWD/../bin" node esm.mjs)
  cjs=$(PATH="$PWD/../bin" node cjs.cjs)
  echo "$esm"; echo "$cjs"
  [ "$esm" = "esm: node_modules/ipvs/$(printf "$expected" mjs)" ] || fail "ESM import: $esm"
  [ "$cjs" = "cjs: node_modules/ipvs/$(printf "$expected" js)" ] || fail "CommonJS require: $cjs"
  # The published types, strictly (no skipLibCheck, no @types/node), from
  # an ES module and a CommonJS module; each must get its own entry's types.
  node ../../node_modules/typescript/bin/tsc -p tsconfig.json --explainFiles > types.out || { cat types.out; fail "the packed types do not compile"; }
  grep -q '^node_modules/ipvs/dist/lib/index.d.mts$' types.out || fail "types.mts did not get index.d.mts"
  grep -q '^node_modules/ipvs/dist/lib/index.d.ts$' types.out || fail "types.cts did not get index.d.ts"
  echo "package test: typed consumers compile (module nodenext, .mts and .cts)"
)

# --- the seed scenario from the installed package, against real IPVS -------
bash scripts/kernel.sh bash test/package/in-vm.sh "$work/consumer"
echo "package test: passed"
