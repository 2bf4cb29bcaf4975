#!/usr/bin/env bash
# Built-in modules keep to themselves (cmake/TesseraBuiltin.cmake):
# 1. each built-in object defines no global but its exports, prefixed __tessera_module_;
#    lwIP's internals (tcp_input) are there, local;
# 2. a kernel executable with modules built in defines no global the same executable
#    without them does not, except the prefixed ones (so no plain C name: the check
#    tests/freestanding makes on the kernel archive holds for the variants too);
# 3. a built-in module calls the kernel directly: ramfs_init's calls of the module API
#    are `call <kernel function>`, none through a GOT or PLT.
#   check_builtin_symbols.sh BUILD_DIR NM OBJDUMP TESSERA TESSERA_BUILTIN [VM_KERNEL VM_BUILTIN_KERNEL]
set -euo pipefail
build=$1 nm=$2 objdump=$3
shift 3
fail() { echo "FAILED: $*"; exit 1; }

for module in net-lwip net-dhcp net-hostport virtio-net virtio-mmio ramfs; do
  object=$build/builtin/$module.o
  [ -f "$object" ] || fail "$object was not built"
  globals=$("$nm" --defined-only --extern-only "$object" | awk '{ print $3 }')
  [ -n "$globals" ] || fail "$module.o exports nothing"
  bad=$(grep -v '^__tessera_module_' <<<"$globals" || true)
  [ -z "$bad" ] || fail "$module.o defines globals that are not its prefixed exports: $bad"
done
"$nm" "$build/builtin/net-lwip.o" | grep ' t tcp_input$' >/dev/null || fail "net-lwip.o has no local tcp_input"
"$nm" "$build/builtin/ramfs.o" | grep ' T __tessera_module_ramfs_init$' >/dev/null || fail "ramfs.o: no __tessera_module_ramfs_init"
echo "ok: built-in objects define only their prefixed exports"

globals() { "$nm" --defined-only --extern-only "$1" | awk 'NF == 3 { print $3 }' | sort -u; }
while [ $# -ge 2 ]; do
  normal=$1 variant=$2
  shift 2
  [ -n "$normal" ] || continue  # no VM kernels (the asan preset)
  added=$(comm -13 <(globals "$normal") <(globals "$variant"))
  bad=$(grep -Ev '^(__tessera_module_|__tessera_kernel_|__start_tessera_|__stop_tessera_)' <<<"$added" || true)
  [ -z "$bad" ] || fail "$variant defines plain globals $normal does not: $bad"
  grep -q '^__tessera_module_net_lwip_init$' <<<"$added" || fail "$variant: net-lwip's init is not in it"
  grep -q '^__tessera_kernel_memcpy$' <<<"$added" || fail "$variant: no kernel alias __tessera_kernel_memcpy"
  "$nm" "$variant" | grep ' t tcp_input$' >/dev/null || fail "$variant: tcp_input is not a local symbol"
  if "$nm" --extern-only "$variant" | grep ' tcp_input$'; then fail "$variant: tcp_input is global"; fi
  body=$("$objdump" -d --no-show-raw-insn "$variant" | awk '/<__tessera_module_ramfs_init>:/,/^$/')
  [ -n "$body" ] || fail "$variant: no __tessera_module_ramfs_init to disassemble"
  grep -Eq 'call +[0-9a-f]+ <_ZN7tessera3api' <<<"$body" || fail "$variant: ramfs_init calls no kernel API function directly: $body"
  if grep -Eq 'call +\*' <<<"$body"; then fail "$variant: ramfs_init calls indirectly: $body"; fi
  echo "ok: $variant adds only prefixed globals ($(wc -l <<<"$added")), calls the kernel directly"
done
