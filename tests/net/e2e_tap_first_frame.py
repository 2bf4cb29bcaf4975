#!/usr/bin/env python3
"""A NIC's first received frame as the trigger that loads the network stack: the hosted
kernel on a TAP interface in a network namespace this test creates, with a static
address and an application that never opens a socket (the built-in `sleep`). The boot
loads the TAP port's driver but no stack; a ping from the namespace makes Linux send an
ARP request, the first frame on eth0, which loads net-lwip on the deferred-work thread
and applies net.ip; the pings that follow get replies. Frames that arrived before the
stack are dropped and counted in eth0's rx_dropped. Needs root and /dev/net/tun:
skipped (status 77) with the reason otherwise.

With --platform qemu the same boot runs under QEMU microvm with user networking: a
connection to a hostfwd'd port makes libslirp send an ARP request to the guest, which
is the first frame there (no root needed).

  e2e_tap_first_frame.py --tessera T --image bin/httpd.img [--platform qemu]"""
import argparse
import os
import re
import shutil
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlib  # noqa: E402
from netlib import Failure, check, log  # noqa: E402
from e2e_tap import GUEST_ADDRESS, Namespace  # noqa: E402

DEFERRED = r"net: eth0: static address; the network stack loads on the first socket call or the first frame received"
LOADED = r"module net-lwip: loaded for net:stack \(the first frame on eth0\) in \d+\.\d+ ms"


def check_boot_deferred(guest):
    boot = guest.output()
    check(re.search(DEFERRED, boot), f"the boot did not defer the stack:\n{guest.tail()}")
    check(re.search(r"module (net-hostport|virtio-mmio): loaded", boot), "the NIC's driver did not load at boot")
    check(not re.search(r"module net-lwip: loaded", boot), "net-lwip loaded at boot, before any frame")
    log("ok: driver at boot, no stack")


def check_exit(guest):
    """Stops the guest with SIGINT; the stack loaded once and the frames before it count as dropped."""
    status = guest.interrupt()
    output = guest.output()
    check(status == 130, f"exit status {status} after SIGINT, expected 130:\n{guest.tail()}")
    check(len(re.findall(r"module net-lwip: loaded for", output)) == 1, "net-lwip loaded more than once")
    counters = netlib.parse_counters(output)
    log("counters at exit: " + ", ".join(f"{k}={v}" for k, v in sorted(counters.items())))
    # At least the frame that triggered the load arrived with no stack to take it.
    check(counters.get("eth0.rx_dropped", 0) >= 1, "the frames before the stack are not counted as dropped")
    return counters


def run_qemu(args):
    if not shutil.which("qemu-system-x86_64"):
        netlib.skip("qemu-system-x86_64 is not installed")
    port = netlib.free_port()
    command = [args.tessera, "run", "--platform", "qemu", "--machine", "microvm", args.image,
               "--net", f"user,hostfwd=tcp:127.0.0.1:{port}-:80", "--",
               "net.ip=10.0.2.15/24,gw=10.0.2.2", "app=sleep", "--", "120000"]
    log("$ " + " ".join(command))
    guest = netlib.Guest(command, name="sleep (qemu)")
    try:
        guest.wait_for(r"sleep: sleeping 120000 ms", 120)
        check_boot_deferred(guest)
        # Nothing listens on port 80 in the guest: the connection is refused or reset once
        # the stack answers; until then libslirp retries. Either way the ARP request comes first.
        deadline = time.monotonic() + 60
        while not re.search(LOADED, guest.output()) and time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
                    connection.settimeout(5)
                    connection.recv(1)
            except OSError:
                pass
            time.sleep(0.5)
        guest.wait_for(LOADED, 5)
        guest.wait_for(r"net: eth0 10\.0\.2\.15/24 gw 10\.0\.2\.2 \(static\)", 10)
        log("ok: a hostfwd'd connection's ARP request loaded the stack and net.ip applied: "
            + re.search(LOADED, guest.output()).group(0))
    except BaseException:
        guest.kill()
        log(f"guest's last output:\n{guest.tail(40)}")
        raise
    check_exit(guest)


def run_tap(args):
    with Namespace() as namespace:
        # Linux sends IPv6 router solicitations and MLD reports on an interface that
        # comes up: a first frame nobody asked for. Without IPv6 the namespace is
        # silent until the ping.
        for interface in ("all", "default", namespace.tap):
            namespace.run("sysctl", "-q", "-w", f"net.ipv6.conf.{interface}.disable_ipv6=1")
        command = namespace.command(args.tessera, "run", args.image, f"--net=tap,ifname={namespace.tap}",
                                    "--", f"net.ip={GUEST_ADDRESS}/24", "app=sleep", "--", "120000")
        log("$ " + " ".join(command))
        guest = netlib.Guest(command, name="sleep (tap)")
        try:
            guest.wait_for(r"sleep: sleeping 120000 ms", 60)
            check_boot_deferred(guest)
            # The first echo (and the ARP request before it) may be dropped while the
            # stack loads; ping's status is 0 once any reply came back.
            namespace.run("ping", "-c", "8", "-i", "0.5", "-W", "3", GUEST_ADDRESS, timeout=60)
            guest.wait_for(LOADED, 10)
            check(re.search(r"net: eth0 192\.168\.77\.2/24 \(static\)", guest.output()),
                  f"net.ip was not applied after the stack loaded:\n{guest.tail()}")
            log("ok: the first frame loaded the stack and ping got replies: "
                + re.search(LOADED, guest.output()).group(0))
            reply = namespace.run("ping", "-c", "2", "-W", "2", GUEST_ADDRESS, timeout=30)
            check(b" 0% packet loss" in reply.stdout, f"pings lost after the load:\n{reply.stdout.decode()}")
        except BaseException:
            guest.kill()
            log(f"guest's last output:\n{guest.tail(40)}")
            raise
        counters = check_exit(guest)
        check(counters.get("eth0.rx", 0) >= 2, "no frame reached the stack after it loaded")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tessera", required=True)
    parser.add_argument("--image", required=True)
    parser.add_argument("--platform", choices=["hosted", "qemu"], default="hosted")
    args = parser.parse_args()
    if args.platform == "hosted":
        if os.geteuid() != 0:
            netlib.skip("TAP and network namespaces need root")
        if not os.path.exists("/dev/net/tun"):
            netlib.skip("/dev/net/tun is missing (modprobe tun)")
        for tool in ("ip", "ping"):
            if not shutil.which(tool):
                netlib.skip(f"{tool} is not installed (iproute2, iputils-ping)")
    run = run_qemu if args.platform == "qemu" else run_tap
    return netlib.run_checks(lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
