#!/usr/bin/env bash
# `tessera image build --shake` on the build's real modules: the hello, demo (ramfs),
# notes-app (ramfs it mounts itself) and httpd images keep only what they reach, and
# still boot and do their job; the notes-app image also under QEMU microvm when the VM
# kernel is built.
#   shaken_images_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source=$1
build=$2
tessera=$build/bin/tessera
scratch=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$scratch"' EXIT
fail() { echo "FAILED: $*"; exit 1; }

shake() {  # shake NAME TREE ARGS...: prints the report, leaves $scratch/NAME.img
  local name=$1 tree=$2
  shift 2
  "$tessera" image build -o "$scratch/$name.img" --from "$source/images/$tree" \
    --manifest "$source/images/$tree.manifest" --manifest "$build/images/loadables.manifest" --shake "$@" \
    > "$scratch/$name.report"
  cat "$scratch/$name.report"
}
modules_of() { "$tessera" image ls "$scratch/$1.img" /lib/modules | tr '\n' ' '; }

# hello-app calls nothing of any module: no module at all but ramfs (kernel.conf's
# mount=ramfs:/tmp, which the boot does whatever the application).
shake hello default --app hello-app
[ "$(modules_of hello)" = "index ramfs.so " ] || fail "hello image has modules: $(modules_of hello)"
[ "$("$tessera" image ls "$scratch/hello.img" /apps)" = "hello-app.so" ] || fail "hello image has other apps"
out=$("$tessera" run "$scratch/hello.img" -- -- a) || true
grep -q "hello-app: 2 arguments" <<<"$out" || fail "hello image did not run hello-app: $out"

# demo uses ramfs (kernel.conf: mount=ramfs:/tmp) and checks it end to end.
shake demo default
[ "$(modules_of demo)" = "index ramfs.so " ] || fail "demo image modules: $(modules_of demo)"
grep -q "shake: keep ramfs: kernel.conf mount=ramfs:/tmp -> fs:ramfs" "$scratch/demo.report" || fail "no reason for ramfs"
out=$("$tessera" run "$scratch/demo.img") || fail "demo image: status $?"
grep -q "demo: all checks passed" <<<"$out" || fail "demo image failed its checks: $out"

# notes-app on the default tree whose kernel.conf mounts nothing: ramfs stays only because
# the application REQUIRES fs:ramfs (it mounts by type name, a string no symbol analysis
# sees), and loads only at its mount() call.
mkdir -p "$scratch/notes-tree"
cp -r "$source/images/default/." "$scratch/notes-tree/"
printf 'app=notes-app\nloglevel=info\n' > "$scratch/notes-tree/etc/tessera/kernel.conf"
"$tessera" image build -o "$scratch/notes.img" --from "$scratch/notes-tree" \
  --manifest "$source/images/default.manifest" --manifest "$build/images/loadables.manifest" --shake \
  > "$scratch/notes.report"
cat "$scratch/notes.report"
[ "$(modules_of notes)" = "index ramfs.so " ] || fail "notes image modules: $(modules_of notes)"
[ "$("$tessera" image ls "$scratch/notes.img" /apps)" = "notes-app.so" ] || fail "notes image has other apps"
grep -q "shake: keep ramfs: notes-app requires -> fs:ramfs" "$scratch/notes.report" || fail "no reason for ramfs"
check_notes() {  # check_notes LOG: the application mounted ramfs, loading it on demand
  grep -q "module ramfs: loaded for fs:ramfs (the first mount of ramfs on /mnt)" "$1" || fail "ramfs not on demand: $(cat "$1")"
  grep -q "notes: all checks passed" "$1" || fail "notes failed: $(cat "$1")"
}
"$tessera" run "$scratch/notes.img" > "$scratch/notes.log" 2>&1 || fail "notes image: status $?: $(cat "$scratch/notes.log")"
check_notes "$scratch/notes.log"
if [ -f "$build/bin/tessera-vm.elf" ] && command -v qemu-system-x86_64 > /dev/null; then
  "$tessera" run --platform qemu --machine microvm "$scratch/notes.img" > "$scratch/notes-vm.log" 2>&1 ||
    fail "notes image under QEMU microvm: status $?: $(cat "$scratch/notes-vm.log")"
  check_notes "$scratch/notes-vm.log"
  echo "ok: the shaken notes-app image passes under QEMU microvm"
fi

# httpd for the hosted platform: the stack (it calls socket), DHCP (net.ip=dhcp) and the
# hosted NIC driver, and none of the virtio modules.
shake httpd httpd --platform hosted
[ "$(modules_of httpd)" = "index net-dhcp.so net-hostport.so net-lwip.so " ] ||
  fail "httpd image modules: $(modules_of httpd)"
grep -q "shake: keep net-lwip: httpd calls .* -> net:stack" "$scratch/httpd.report" || fail "no reason for net-lwip"
grep -q "shake: leave out /lib/modules/virtio-pci.so" "$scratch/httpd.report" || fail "virtio-pci not left out"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$tessera" run "$scratch/httpd.img" --net "user,hostfwd=tcp:127.0.0.1:$port-:80" > "$scratch/httpd.log" 2>&1 &
for _ in $(seq 100); do grep -q "httpd: listening" "$scratch/httpd.log" && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/index.html" -o "$scratch/index.html" || { cat "$scratch/httpd.log"; fail "curl"; }
cmp "$scratch/index.html" "$source/images/httpd/www/index.html" || fail "index.html differs"
kill -INT %1; wait %1 || true
echo "ok: shaken hello, demo, notes-app and httpd images"
