#!/usr/bin/env bash
# Fails, naming them, when files under native/ differ from what clang-format
# makes of them (style: native/.clang-format). Fix with:
#   clang-format -i $(git ls-files 'native/*.cc' 'native/*.h')
set -euo pipefail
cd "$(dirname "$0")/.."

command -v clang-format >/dev/null || {
  echo "format-check: clang-format not found (lab/ensure-packages installs it)" >&2
  exit 1
}
unformatted=()
while IFS= read -r -d '' file; do
  clang-format --style=file "$file" | cmp -s - "$file" || unformatted+=("$file")
done < <(find native -type f \( -name '*.cc' -o -name '*.h' \) -print0 | sort -z)
if [ ${#unformatted[@]} -ne 0 ]; then
  echo "format-check: not formatted with clang-format:" >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  exit 1
fi
