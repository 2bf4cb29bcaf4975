#!/usr/bin/env bash
# `tessera image build --shake --app lazy-app` keeps lazy-probe, which lazy-app reaches only
# through imports bound to lazy stubs; the shaken image loads it on the first call only.
#   lazy_shake_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source=$1
build=$2
tessera=$build/bin/tessera
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "FAILED: $*"; exit 1; }

"$tessera" image build -o "$scratch/lazy.img" --from "$source/images/default" \
  --manifest "$source/images/default.manifest" --manifest "$build/images/loadables.manifest" --shake --app lazy-app \
  > "$scratch/report"
cat "$scratch/report"
modules=$("$tessera" image ls "$scratch/lazy.img" /lib/modules | tr '\n' ' ')
[[ " $modules " == *" lazy-probe.so "* ]] || fail "the shaken image lost lazy-probe: $modules"
grep -q "shake: keep lazy-probe" "$scratch/report" || fail "no reason given for lazy-probe"

out=$("$tessera" run "$scratch/lazy.img") || fail "no-call run: status $?: $out"
grep -q "module lazy-probe: waits for lazy-app's first call" <<<"$out" || fail "lazy-probe not deferred: $out"
! grep -q "lazy-probe: init" <<<"$out" || fail "lazy-probe loaded without a call: $out"

out=$("$tessera" run "$scratch/lazy.img" -- -- call) || fail "call run: status $?: $out"
grep -q "module lazy-probe: loaded for symbol lazy_probe_sum8 (first call from lazy-app)" <<<"$out" ||
  fail "no lazy load on the first call: $out"
grep -q "lazy-app: all calls returned what was passed" <<<"$out" || fail "calls failed: $out"
echo "ok: the shaken lazy-app image keeps lazy-probe and loads it on the first call"
