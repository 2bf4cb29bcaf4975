#!/usr/bin/env bash
# Captures the frames a real curl exchange sends to the stack and writes them as
# fuzz/net_rx seeds: a TAP device (root needed) with the host at 10.0.0.2, the hosted
# kernel at 10.0.0.1 serving bin/httpd.img, curl fetching a few URLs; a packet socket on
# the TAP device records the frames going to the guest, whose destination MAC is then
# rewritten to the fuzzer's device (02:00:00:00:00:01; same address 10.0.0.1).
#
#   fuzz/net_rx_capture_curl.sh BUILD_DIR OUT_DIR     e.g. build/default fuzz/corpus/net_rx
set -euo pipefail
if [[ $# -ne 2 ]]; then echo "usage: $0 BUILD_DIR OUT_DIR" >&2; exit 64; fi
if [[ $(id -u) -ne 0 ]]; then echo "$0: needs root (creates a TAP device)" >&2; exit 77; fi
build=$(cd "$1" && pwd)
out=$(mkdir -p "$2" && cd "$2" && pwd)
tap=tsnr$$
cleanup() {
  [[ -n ${guest:-} ]] && kill "$guest" 2>/dev/null || true
  [[ -n ${sniffer:-} ]] && kill "$sniffer" 2>/dev/null || true
  ip link del "$tap" 2>/dev/null || true
}
trap cleanup EXIT
ip tuntap add dev "$tap" mode tap
ip addr add 10.0.0.2/24 dev "$tap"
ip link set "$tap" up

frames=$(mktemp)
python3 - "$tap" "$frames" <<'PY' &
import socket, struct, sys
tap, path = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(3))
s.bind((tap, 0))
with open(path, "wb", buffering=0) as out:
    while True:
        frame, address = s.recvfrom(65535)
        if address[2] == socket.PACKET_OUTGOING:  # host -> TAP -> guest
            out.write(struct.pack(">H", len(frame)) + frame)
PY
sniffer=$!
sleep 0.5  # the sniffer is listening before the first frame
"$build/bin/tessera" run "$build/bin/httpd.img" --net "tap,ifname=$tap" -- net.ip=10.0.0.1/24 >/dev/null 2>&1 &
guest=$!
for _ in $(seq 50); do curl -s -m 1 -o /dev/null http://10.0.0.1/ && break; sleep 0.1; done
curl -s -m 5 -o /dev/null http://10.0.0.1/ -o /dev/null http://10.0.0.1/missing -o /dev/null http://10.0.0.1/docs/
curl -s -m 5 -o /dev/null -I http://10.0.0.1/
curl -s -m 5 -o /dev/null -H "Connection: close" http://10.0.0.1/hello.txt
sleep 0.5
python3 - "$frames" "$out" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
frames, at = [], 0
while at + 2 <= len(data):
    (length,) = struct.unpack(">H", data[at:at + 2]); at += 2
    frame = bytearray(data[at:at + length]); at += length
    if frame[0:6] != b"\xff" * 6:
        frame[0:6] = bytes([2, 0, 0, 0, 0, 1])
    frames.append(bytes(frame))
for seed in range(0, len(frames), 12):
    with open(f"{sys.argv[2]}/curl-{seed // 12}", "wb") as out:
        for frame in frames[seed:seed + 12]:
            out.write(struct.pack(">H", len(frame)) + frame)
print(f"net_rx_capture_curl: {len(frames)} frames to the guest, {(len(frames) + 11) // 12} seeds in {sys.argv[2]}")
PY
rm -f "$frames"
