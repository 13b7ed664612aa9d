#!/usr/bin/env bash
# The native layer under AddressSanitizer and UndefinedBehaviorSanitizer:
# builds a sanitized copy of the addon in build-sanitize/ and runs the
# native-codec tests (golden bytes, reply decoding, contract abuse and
# fuzzing) against it. Any report fails the run. Used by `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

out=build-sanitize
mkdir -p "$out"
# -p keeps the time stamp: a binding.gyp newer than the Makefile (a new
# source file) makes the sanitized build configure again.
cp -p binding.gyp "$out/"
rm -rf "$out/native" && cp -r native "$out/native"
ln -sfn ../node_modules "$out/node_modules"
(
  cd "$out"
  export CXXFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g"
  export LDFLAGS="-fsanitize=address,undefined"
  [ build/Makefile -nt binding.gyp ] || npx --no-install node-gyp configure --silent
  npx --no-install node-gyp build --silent
)

# Node itself is not instrumented, so the runtime is preloaded; V8's own
# allocations are not ours to judge, hence no leak checking here (the
# kernel lifecycle tests check descriptors and RSS instead).
IPVS_NATIVE_PATH="$out/build/Release/ipvs.node" \
LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)" \
ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  node node_modules/jest/bin/jest.js --selectProjects native --forceExit --json --outputFile="${1:-dist/test-results/sanitize.json}"
