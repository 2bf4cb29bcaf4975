#!/usr/bin/env bash
# Fails if the kernel archive defines a global symbol with a plain C name. Allowed:
# C++-mangled names (_Z...), our own prefixed ones (tessera_..., __tessera_...) and the
# markers AddressSanitizer adds to instrumented globals (__odr_asan...).
set -euo pipefail
archive=$1
nm=${2:-nm}
bad=$("$nm" --defined-only --extern-only "$archive" 2>/dev/null |
  awk 'NF == 3 && $2 != "V" && $2 != "W" && $2 != "u" { print $3 }' |
  grep -Ev '^(_Z|tessera_|__tessera_|__odr_asan[._])' || true)  # __odr_asan: ASan's own ODR markers
count=$("$nm" --defined-only --extern-only "$archive" | awk 'NF == 3' | wc -l)
if [ -n "$bad" ]; then
  echo "kernel archive defines plain C symbols (would clash with the host's libc):"
  echo "$bad"
  exit 1
fi
if [ "$count" -lt 10 ]; then
  echo "only $count global symbols found in $archive: is this the kernel?"
  exit 1
fi
echo "ok: $count global symbols, all C++-mangled or tessera_-prefixed"
