#!/usr/bin/env bash
# gdb, in batch mode, on a booting kernel: a pending breakpoint in a module function is
# hit, and the extension's commands list the modules, the threads, a blocked thread's
# frames (kernel and module, with file:line) and the mounts. Same checks on both platforms.
#   gdb_session_test.sh hosted|qemu TESSERA
set -euo pipefail
platform=$1
tessera=$2
command -v gdb >/dev/null || { echo "skipped: gdb is not installed"; exit 77; }
if [ "$platform" = qemu ] && ! command -v qemu-system-x86_64 >/dev/null; then
  echo "skipped: qemu-system-x86_64 is not installed"; exit 77
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
start=run
[ "$platform" = qemu ] && start=continue
# take_turns is a hidden function of the demo application (/apps/demo.so): the module
# is not loaded when the breakpoint is set.
cat > "$scratch/commands.gdb" <<GDB
break take_turns
$start
tessera modules
tessera threads
tessera bt 1
tessera mounts
tessera log
kill
GDB
set +e
timeout 300 "$tessera" run --platform "$platform" --gdb-batch "$scratch/commands.gdb" >"$scratch/out" 2>&1
set -e
cat "$scratch/out"
fail() { echo "FAILED: $1"; exit 1; }
grep -q "running: .*gdb .*tessera_gdb.py" "$scratch/out" || fail "tessera did not print the gdb command"
grep -Eq "^Breakpoint 1\.[0-9]+, .*take_turns .* at .*modules/demo/demo.cc:[0-9]+" "$scratch/out" ||
  fail "the breakpoint in the demo module was not hit"
grep -Eq "^demo +app +0x[0-9a-f]+ +[0-9]+ +.*apps/debug/demo.so" "$scratch/out" || fail "tessera modules lacks demo"
grep -Eq "^ramfs +module +0x[0-9a-f]+ +[0-9]+ +.*modules/debug/ramfs.so" "$scratch/out" ||
  fail "tessera modules lacks ramfs"
grep -Eq "^  1 +main +blocked +join" "$scratch/out" || fail "tessera threads: main should be blocked in join"
grep -Eq "^\* [0-9]+ +turns +running" "$scratch/out" || fail "tessera threads: no running worker"
grep -Eq "^#[0-9]+ +0x[0-9a-f]+ in tessera::Thread::join\(\)" "$scratch/out" || fail "tessera bt 1: no kernel frame"
grep -Eq "^#[0-9]+ +0x[0-9a-f]+ in main\(int, char\*\*\) at .*modules/demo/demo.cc:[0-9]+" "$scratch/out" ||
  fail "tessera bt 1: no module frame with file:line"
grep -Eq "^/tmp +ramfs" "$scratch/out" || fail "tessera mounts lacks /tmp"
# Debug lines reach the ring, not the console (loglevel=info): only tessera log shows them.
grep -Eq '^\[ *[0-9.]+\] command line:' "$scratch/out" || fail "tessera log did not print the ring"
echo "ok: gdb session on the $platform platform"
