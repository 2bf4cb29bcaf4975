#!/usr/bin/env python3
"""Sends bad traffic at a guest over a TAP interface, from the namespace that holds it:
raw Ethernet frames through an AF_PACKET socket (runts, truncated and malformed headers,
bad IPv4/TCP/UDP/ICMP checksums, garbage) and a SYN flood from many forged source
addresses and ports. Needs root (AF_PACKET). Prints how many frames of each kind went out.

  bad_traffic.py --ifname TAP --dst-mac aa:bb:.. --dst-ip 192.168.77.2 --port 80"""
import argparse
import os
import random
import socket
import struct
import sys


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4(src, dst, proto, payload, ttl=64, ident=0, bad_checksum=False, total_length=None, version_ihl=0x45):
    length = total_length if total_length is not None else 20 + len(payload)
    header = struct.pack("!BBHHHBBH4s4s", version_ihl, 0, length, ident, 0x4000, ttl, proto, 0,
                         socket.inet_aton(src), socket.inet_aton(dst))
    value = checksum(header)
    if bad_checksum:
        value ^= 0x5A5A
    return header[:10] + struct.pack("!H", value) + header[12:] + payload


def pseudo_header(src, dst, proto, length):
    return socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, proto, length)


def tcp_segment(src, dst, sport, dport, flags=0x02, seq=None, bad_checksum=False, data_offset=5, payload=b""):
    seq = random.getrandbits(32) if seq is None else seq
    header = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, data_offset << 4, flags, 64240, 0, 0)
    segment = header + payload
    value = checksum(pseudo_header(src, dst, 6, len(segment)) + segment)
    if bad_checksum:
        value ^= 0x1234
    return segment[:16] + struct.pack("!H", value) + segment[18:]


def udp_datagram(src, dst, sport, dport, payload, bad_checksum=False):
    header = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    value = checksum(pseudo_header(src, dst, 17, 8 + len(payload)) + header + payload) or 0xFFFF
    if bad_checksum:
        value ^= 0x4321
    return header[:6] + struct.pack("!H", value) + payload


def icmp_echo(payload, bad_checksum=False):
    header = struct.pack("!BBHHH", 8, 0, 0, 0x7E55, 1)
    value = checksum(header + payload)
    if bad_checksum:
        value ^= 0x0F0F
    return header[:2] + struct.pack("!H", value) + header[4:] + payload


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ifname", required=True)
    parser.add_argument("--dst-mac", required=True)
    parser.add_argument("--dst-ip", required=True)
    parser.add_argument("--src-ip", required=True)
    parser.add_argument("--port", type=int, default=80)
    parser.add_argument("--garbage", type=int, default=300)
    parser.add_argument("--syn-flood", type=int, default=3000)
    args = parser.parse_args()
    random.seed(6)

    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    raw.bind((args.ifname, 0))
    src_mac = raw.getsockname()[4][:6]  # (ifname, proto, pkttype, hatype, address)
    dst_mac = bytes.fromhex(args.dst_mac.replace(":", ""))
    eth = lambda ethertype: dst_mac + src_mac + struct.pack("!H", ethertype)  # noqa: E731
    src, dst = args.src_ip, args.dst_ip
    sent = {}

    def send(kind, frame):
        try:
            raw.send(frame)
            sent[kind] = sent.get(kind, 0) + 1
        except OSError as error:  # the host refuses some (too short for its own checks)
            sent.setdefault(kind + " (refused by the host: " + error.strerror + ")", 0)

    for _ in range(20):
        send("runt frames (6-13 bytes)", eth(0x0800)[: random.randint(6, 13)])
        send("Ethernet header only", eth(0x0800))
        send("truncated IPv4 header", eth(0x0800) + os.urandom(10))
        send("IPv4 version 6", eth(0x0800) + ipv4(src, dst, 1, icmp_echo(b"x" * 32), version_ihl=0x65))
        send("IPv4 IHL below 5", eth(0x0800) + ipv4(src, dst, 1, icmp_echo(b"x" * 32), version_ihl=0x43))
        send("IPv4 total length past the frame", eth(0x0800) + ipv4(src, dst, 1, icmp_echo(b"x" * 32), total_length=1400))
        send("bad IPv4 header checksum", eth(0x0800) + ipv4(src, dst, 1, icmp_echo(b"x" * 32), bad_checksum=True))
        send("bad ICMP checksum", eth(0x0800) + ipv4(src, dst, 1, icmp_echo(b"y" * 32, bad_checksum=True)))
        sport = random.randint(20000, 60000)
        send("bad TCP checksum", eth(0x0800) + ipv4(src, dst, 6, tcp_segment(src, dst, sport, args.port, bad_checksum=True)))
        send("TCP data offset below 5",
             eth(0x0800) + ipv4(src, dst, 6, tcp_segment(src, dst, sport, args.port, data_offset=2)))
        send("truncated TCP header", eth(0x0800) + ipv4(src, dst, 6, tcp_segment(src, dst, sport, args.port)[:9]))
        send("bad UDP checksum",
             eth(0x0800) + ipv4(src, dst, 17, udp_datagram(src, dst, sport, 7, b"bad", bad_checksum=True)))
        send("truncated ARP", eth(0x0806) + os.urandom(12))
        send("unknown ethertype", eth(0x88B5) + os.urandom(random.randint(46, 200)))
        send("oversized frames (past mtu + 14)", eth(0x0800) + ipv4(src, dst, 17, udp_datagram(src, dst, sport, 7, b"z" * 1600)))
    for _ in range(args.garbage):
        send("random garbage to the guest's MAC", dst_mac + os.urandom(random.randint(1, 1500)))
    for _ in range(args.garbage // 3):
        send("random garbage, IPv4 ethertype", eth(0x0800) + os.urandom(random.randint(20, 1400)))
    # SYN flood: forged sources on the guest's subnet (none answers its ARP or SYN-ACK),
    # random source ports, all at the listening port.
    prefix = src.rsplit(".", 1)[0]
    for _ in range(args.syn_flood):
        forged = f"{prefix}.{random.randint(10, 250)}"
        if forged in (src, dst):
            continue
        segment = tcp_segment(forged, dst, random.randint(1024, 65535), args.port)
        send("SYN flood segments", eth(0x0800) + ipv4(forged, dst, 6, segment, ident=random.getrandbits(16)))
    for kind, count in sent.items():
        print(f"sent {count:6d} {kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
