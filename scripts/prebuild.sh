#!/usr/bin/env bash
# Builds the prebuilds that ship in the package (`npm pack` runs this from
# `prepack`): prebuilds/linux-x64/ipvs.glibc.node and, cross-compiled with
# Debian's aarch64 toolchain against the arm64 libnl of multiarch,
# prebuilds/linux-arm64/ipvs.glibc.node. node-gyp-build picks the one for the
# running Node at install time instead of compiling. Node-API keeps one build
# valid for every Node version from the one it targets on. libnl stays a
# shared system library (Debian's static libnl is not position-independent),
# so each build is checked to be for its machine and to need libnl-3,
# libnl-genl-3, libnl-route-3 and nothing unusual.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/nodedir.sh

# Without --target prebuildify aims at the newest Node it knows, whose
# headers it would download; the installed Node's headers serve every
# Node-API build the same, whatever the target machine.
target=$(node -p process.versions.node)
rm -rf prebuilds

# prebuild ARCH MACHINE NEEDED [VAR=VALUE...]: builds prebuilds/linux-ARCH in
# a copy of the sources (prebuildify rebuilds and then moves the addon out of
# build/, so the development build stays alone), with the environment given,
# then checks the ELF machine and the shared libraries it needs.
prebuild() {
  local arch=$1 machine=$2 expected=$3
  shift 3
  local work=build-prebuild-$arch start=$SECONDS
  rm -rf "$work" && mkdir -p "$work"
  cp -r binding.gyp native "$work/"
  ln -sfn ../node_modules "$work/node_modules"
  (cd "$work" && env "$@" npx --no-install prebuildify --napi --strip --tag-libc --name ipvs --target "$target" --arch "$arch")
  mkdir -p prebuilds
  mv "$work/prebuilds/linux-$arch" prebuilds/
  rm -rf "$work"

  local built=prebuilds/linux-$arch/ipvs.glibc.node
  [ -f "$built" ] || { echo "prebuild: $built was not produced" >&2; exit 1; }
  local got
  got=$(readelf -h "$built" | sed -n 's/^ *Machine: *//p')
  [ "$got" = "$machine" ] || { echo "prebuild: $built is for '$got', expected '$machine'" >&2; exit 1; }
  local needed
  needed=$(readelf -d "$built" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
  if [ "$needed" != "$expected" ]; then
    echo "prebuild: $built needs [$needed], expected [$expected]" >&2
    exit 1
  fi
  echo "prebuild: $built ($machine, $(stat -c %s "$built") bytes, $((SECONDS - start)) s) needs $needed"
}

libs='libc.so.6 libgcc_s.so.1 libnl-3.so.200 libnl-genl-3.so.200 libnl-route-3.so.200 libstdc++.so.6 '
prebuild x64 'Advanced Micro Devices X86-64' "$libs"
# The cross build: node-gyp's make files take the compilers from CC, CXX and
# LINK; binding.gyp asks pkg-config, which must read the arm64 libnl's .pc
# files (their flags are those of the native ones, but the libraries the
# linker then finds are the arm64 ones under /usr/lib/aarch64-linux-gnu). On
# arm64 the stack protector's guard (__stack_chk_guard) is the dynamic
# loader's, so the addon names ld-linux-aarch64.so.1 too.
prebuild arm64 AArch64 "ld-linux-aarch64.so.1 $libs" \
  CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar \
  PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig PREBUILD_STRIP_BIN=aarch64-linux-gnu-strip
