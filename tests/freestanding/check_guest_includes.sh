#!/usr/bin/env bash
# Guest sources (kernel/, modules/) include only compiler headers, our own headers and
# relative paths. The compiler flags already enforce this; this names the offender early.
set -euo pipefail
root=$1
allowed='^(stddef|stdint|stdarg|stdbool|float|limits|stdalign|stdnoreturn|cpuid|immintrin|x86intrin|emmintrin|xmmintrin)\.h$'
status=0
while IFS= read -r line; do
  [[ $line == *tessera-allow-host-header* ]] && continue  # guarded by #if __STDC_HOSTED__
  file=${line%%:*}
  header=$(sed -E 's/.*#\s*include\s*<([^>]+)>.*/\1/' <<<"$line")
  if [[ $header != tessera/* ]] && ! [[ $header =~ $allowed ]]; then
    echo "$file: host header <$header> in guest code"
    status=1
  fi
done < <(grep -rnE '^\s*#\s*include\s*<' "$root/kernel" $( [ -d "$root/modules" ] && echo "$root/modules") --include='*.cc' --include='*.hh' --include='*.h' --include='*.S' || true)
[ $status -eq 0 ] && echo "ok: guest sources include only compiler and tessera headers"
exit $status
