#!/bin/sh
# Boot-to-exit wall time of QEMU running the Tessera VM kernel (app=exit) against a PVH
# kernel that exits at once (platform-vm/tools/null_kernel.S), on microvm and q35 under
# whatever accelerator QEMU picks (TCG where there is no /dev/kvm). Prints the median of
# N runs of each and the ratio, then the smallest --memory with which app=exit boots.
#   bench/vm_boot.sh [BUILD_DIR] [N] [IMAGE]   (defaults: build/default, 21)
# With IMAGE (e.g. an image shaken for hello-app), also the whole `tessera run --platform
# qemu IMAGE` on microvm against the null kernel: the hello-world boot of issue 7.
set -eu
build=${1:-build/default}
runs=${2:-21}
image=${3:-}
bin=$build/bin
for file in "$bin/tessera" "$bin/tessera-vm.elf" "$bin/tessera-vm-null.elf"; do
  [ -e "$file" ] || { echo "missing $file: build tessera, tessera_vm_kernel and tessera_vm_null_kernel" >&2; exit 2; }
done
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 not found (apt-get install qemu-system-x86)" >&2; exit 2; }

common="-m 70M -nodefaults -no-reboot -nographic -serial stdio -monitor none -display none -device isa-debug-exit,iobase=0xf4,iosize=0x04"

# median_ms COMMAND...: runs it $runs times (output discarded), prints the median in ms.
median_ms() {
  i=0
  : > /tmp/vm_boot_times.$$
  while [ $i -lt "$runs" ]; do
    start=$(date +%s%N)
    "$@" </dev/null >/dev/null 2>&1 || true
    end=$(date +%s%N)
    echo $(( (end - start) / 1000 )) >> /tmp/vm_boot_times.$$
    i=$((i + 1))
  done
  sort -n /tmp/vm_boot_times.$$ | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }'
  rm -f /tmp/vm_boot_times.$$
}

echo "runs per measurement: $runs (median wall time of the whole QEMU process)"
printf '%-8s %12s %16s %7s\n' machine "null kernel" "tessera app=exit" ratio
for machine in microvm q35; do
  m=$machine
  [ "$machine" = microvm ] && m="microvm,auto-kernel-cmdline=off"
  # shellcheck disable=SC2086
  null=$(median_ms qemu-system-x86_64 -M "$m" -kernel "$bin/tessera-vm-null.elf" $common)
  # shellcheck disable=SC2086
  kernel=$(median_ms qemu-system-x86_64 -M "$m" -kernel "$bin/tessera-vm.elf" \
    -append "platform.ram=67108864 app=exit" $common)
  ratio=$(awk -v a="$kernel" -v b="$null" 'BEGIN { printf "%.2f", a / b }')
  printf '%-8s %9s ms %13s ms %6sx\n' "$machine" "$null" "$kernel" "$ratio"
done

if [ -n "$image" ]; then
  # shellcheck disable=SC2086
  null=$(median_ms qemu-system-x86_64 -M "microvm,auto-kernel-cmdline=off" -kernel "$bin/tessera-vm-null.elf" $common)
  whole=$(median_ms "$bin/tessera" run --platform qemu "$image")
  ratio=$(awk -v a="$whole" -v b="$null" 'BEGIN { printf "%.2f", a / b }')
  echo "microvm: tessera run --platform qemu $(basename "$image"): $whole ms, null kernel $null ms, ratio ${ratio}x"
fi

# Smallest --memory (in 64 KiB steps from 4 MiB down) with which app=exit exits 0.
size_kib=4096
smallest=""
while [ $size_kib -ge 64 ]; do
  if "$bin/tessera" run --no-image --platform qemu --memory "${size_kib}K" -- app=exit >/dev/null 2>&1; then
    smallest=$size_kib
    size_kib=$((size_kib - 64))
  else
    break
  fi
done
echo "smallest --memory for app=exit on microvm: ${smallest:-none} KiB (QEMU gets more: see qemu_memory_bytes)"
