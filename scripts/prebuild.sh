#!/usr/bin/env bash
# Builds the prebuild that ships in the package (`npm pack` runs this from
# `prepack`): prebuilds/linux-x64/node.napi.glibc.node, which node-gyp-build
# picks at install time instead of compiling. Node-API keeps one build valid
# for every Node version from the one it targets on. libnl stays a shared
# system library (Debian's static libnl is not position-independent), so the
# build is checked to need libnl-3, libnl-genl-3, libnl-route-3 and nothing
# unusual.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/nodedir.sh

# prebuildify rebuilds and then moves the addon out of build/, so it works on
# a copy of the sources and leaves the development build alone.
work=build-prebuild
rm -rf "$work" prebuilds && mkdir -p "$work"
cp -r binding.gyp native "$work/"
ln -sfn ../node_modules "$work/node_modules"
# Without --target prebuildify aims at the newest Node it knows, whose
# headers it would download; the installed Node's headers serve every
# Node-API build the same.
(cd "$work" && npx --no-install prebuildify --napi --strip --tag-libc --name ipvs --target "$(node -p process.versions.node)")
mv "$work/prebuilds" prebuilds
rm -rf "$work"

built=prebuilds/linux-x64/ipvs.glibc.node
[ -f "$built" ] || { echo "prebuild: $built was not produced" >&2; exit 1; }
needed=$(readelf -d "$built" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
expected='libc.so.6 libgcc_s.so.1 libnl-3.so.200 libnl-genl-3.so.200 libnl-route-3.so.200 libstdc++.so.6 '
if [ "$needed" != "$expected" ]; then
  echo "prebuild: $built needs [$needed], expected [$expected]" >&2
  exit 1
fi
echo "prebuild: $built ($(stat -c %s "$built") bytes) needs $needed"
