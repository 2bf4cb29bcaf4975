#!/usr/bin/env bash
# tessera run --record / --replay: a replayed run prints exactly what the recorded one did,
# for the demo (threads, sleeps, timers) and for httpd serving real curl requests; a
# replay of another run, or of a damaged recording, is refused and says why.
#   replay_test.sh TESSERA HTTPD_IMAGE
set -uo pipefail
tessera=$1
httpd_image=$2
scratch=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$scratch"' EXIT
fail() { echo "FAILED: $*"; exit 1; }

"$tessera" run --record "$scratch/demo.rec" > "$scratch/demo.out" 2>&1 || fail "recording the demo failed"
"$tessera" run --replay "$scratch/demo.rec" > "$scratch/demo.replay" 2>&1 || fail "replaying the demo failed"
diff "$scratch/demo.out" "$scratch/demo.replay" || fail "the demo's replay differs"
grep -q "demo: all checks passed" "$scratch/demo.replay" || fail "the demo did not run"

# The same replay under gdb: the breakpoint is hit in the recorded run.
if command -v gdb >/dev/null; then
  printf 'break take_turns\nrun\ntessera threads\nkill\n' > "$scratch/replay.gdb"
  out=$("$tessera" run --replay "$scratch/demo.rec" --gdb-batch "$scratch/replay.gdb" 2>&1)
  grep -q -- "--replay $scratch/demo.rec" <<<"$out" || fail "gdb did not run the replay: $out"
  grep -Eq "^Breakpoint 1\.[0-9]+, .*take_turns" <<<"$out" || fail "no breakpoint hit in the replay under gdb: $out"
  grep -Eq "^\* [0-9]+ +turns +running" <<<"$out" || fail "tessera threads in the replay under gdb: $out"
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
net="user,hostfwd=tcp:127.0.0.1:$port-:80"
"$tessera" run "$httpd_image" --net "$net" --record "$scratch/httpd.rec" > "$scratch/httpd.out" 2>/dev/null &
for _ in $(seq 100); do grep -q "httpd: listening" "$scratch/httpd.out" && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/" -o /dev/null || fail "curl / during the recording"
curl -s "http://127.0.0.1:$port/missing" -o /dev/null
curl -sf "http://127.0.0.1:$port/" "http://127.0.0.1:$port/" -o /dev/null -o /dev/null || fail "keep-alive curl"
sleep 0.3
kill -INT %1
wait %1
status=$?
[ "$status" = 130 ] || fail "the recorded httpd ended with $status, not 130"
"$tessera" run "$httpd_image" --net "$net" --replay "$scratch/httpd.rec" > "$scratch/httpd.replay" 2>/dev/null
status=$?
[ "$status" = 130 ] || fail "the replayed httpd ended with $status, not 130"
diff "$scratch/httpd.out" "$scratch/httpd.replay" || fail "httpd's replay differs"
grep -q "net-dhcp: eth0 leased" "$scratch/httpd.replay" || fail "no lease in the replay"

out=$("$tessera" run --replay "$scratch/demo.rec" -- demo.threads=2 2>&1)
[ $? = 71 ] && grep -q "was recorded from another run" <<<"$out" || fail "a replay of another run was not refused: $out"
head -c 400 "$scratch/demo.rec" > "$scratch/short.rec"
out=$("$tessera" run --replay "$scratch/short.rec" 2>&1)
[ $? = 71 ] && grep -q "replay diverged at input [0-9]*: the guest asked for .*, but the recording \(ended\|is cut short\)" <<<"$out" ||
  fail "a cut recording was not reported: $out"
echo "ok: record and replay"
