#!/usr/bin/env bash
# gdb on the hosted kernel with modules built in: a breakpoint on a built-in module's
# function (by its source name) is hit at its source line, and `tessera modules` lists
# the built-in modules as such (no mapping, symbols in the kernel's own) beside a loaded
# application.
#   gdb_builtin_test.sh TESSERA_BUILTIN
set -euo pipefail
tessera=$1
command -v gdb >/dev/null || { echo "skipped: gdb is not installed"; exit 77; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The default image: ramfs is started for the /tmp mount, then demo (loaded) runs.
cat > "$scratch/commands.gdb" <<GDB
break ramfs_init
break take_turns
run
bt 1
continue
tessera modules
kill
GDB
set +e
timeout 300 "$tessera" run --gdb-batch "$scratch/commands.gdb" >"$scratch/out" 2>&1
set -e
cat "$scratch/out"
fail() { echo "FAILED: $1"; exit 1; }
grep -Eq "^Breakpoint 1, ramfs_init \(\) at .*modules/ramfs/ramfs_module.cc:[0-9]+" "$scratch/out" ||
  fail "the breakpoint in the built-in ramfs was not hit"
grep -Eq "^ramfs +builtin +0x0 +0 +-$" "$scratch/out" || fail "tessera modules does not list ramfs as built in"
grep -Eq "^net-lwip +builtin " "$scratch/out" || fail "tessera modules does not list net-lwip as built in"
grep -Eq "^demo +app +0x[0-9a-f]+ +[0-9]+ +.*apps/debug/demo.so" "$scratch/out" || fail "tessera modules lacks demo"
echo "ok: gdb sees the built-in modules"
