#!/usr/bin/env bash
# The asan preset: heap mistakes made on purpose in module code (modules/heap-misuse) are
# reported by AddressSanitizer at the faulting access, with the kernel heap's history of
# the block (allocated by, freed by) naming the module's functions.
#   asan_module_test.sh TESSERA
set -uo pipefail
tessera=$1
fail() { echo "FAILED: $*"; exit 1; }
check() {  # check KIND PATTERN...: the run's output must match every pattern
  local kind=$1
  shift
  local out
  out=$("$tessera" run -- app=heap-misuse -- "$kind" 2>&1)
  echo "$out" | sed -n '/heap-misuse: /,$p' | head -30
  for pattern in "$@"; do
    grep -Eq -- "$pattern" <<<"$out" || fail "$kind: no line matching '$pattern'"
  done
  grep -q "heap-misuse: no report" <<<"$out" && fail "$kind: the mistake went unreported"
  return 0
}
check use-after-free "8 bytes inside the 40-byte block 0x[0-9a-f]+ \(freed\)" \
  "allocated by:" "in heap-misuse\+0x[0-9a-f]+ \(allocate_block\+0x[0-9a-f]+\)" "freed by:" \
  "in heap-misuse\+0x[0-9a-f]+ \(misuse\+0x[0-9a-f]+\)" "ERROR: AddressSanitizer: use-after-poison"
check overflow "0 bytes past the end of the 40-byte block 0x[0-9a-f]+ \(allocated\)" \
  "in heap-misuse\+0x[0-9a-f]+ \(allocate_block\+0x[0-9a-f]+\)" "ERROR: AddressSanitizer: use-after-poison"
check underflow "1 bytes before the 40-byte block 0x[0-9a-f]+ \(allocated\)" \
  "in heap-misuse\+0x[0-9a-f]+ \(allocate_block\+0x[0-9a-f]+\)" "ERROR: AddressSanitizer: use-after-poison"
# The heap's own bookkeeping finds a double free; ASan then reports it with both stacks.
check double-free "kernel heap: double free of 0x[0-9a-f]+" "freed by:" \
  "in heap-misuse\+0x[0-9a-f]+ \(misuse\+0x[0-9a-f]+\)" "ERROR: AddressSanitizer: use-after-poison"
echo "ok: heap mistakes in module code are reported"
