#!/usr/bin/env python3
"""End to end over user networking (libslirp hosted, QEMU's -netdev user in a VM): boots
the network image with `tessera run --net user,hostfwd=...`, then real clients (curl,
wrk, Python sockets) check what httpd and echo serve, and Ctrl-C ends the guest.

  e2e_user.py --tessera T --tree images/httpd --manifest M... [--platform hosted|qemu]
              [--machine microvm|q35] [--smoke] [--big-mib 100]

--platform linux: the same checks against httpd and echo built as Linux programs
(tests/net/linux_shim), where the lease and counter checks do not apply.
--smoke: one boot of the image as built, one curl (q35). Otherwise the test builds its
own variant of the image (the tree plus a random file of --big-mib MiB, never committed)
and runs every check. Ports are picked free at run time."""
import argparse
import contextlib
import hashlib
import os
import random
import re
import shutil
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlib  # noqa: E402
from netlib import Failure, check, log  # noqa: E402


class Run:
    def __init__(self, args):
        self.args = args
        self.vm = args.platform == "qemu"
        self.linux = args.platform == "linux"
        self.boot_timeout = 240 if self.vm else 60
        self.timings = []

    def tessera_command(self, image, forwards, kernel_words=()):
        if self.linux:
            # The apps built as Linux programs listen on the host port themselves.
            app = self.args.echo_binary if "app=echo" in kernel_words else self.args.httpd_binary
            port = str(forwards[0][1])
            return [app, port] if "app=echo" in kernel_words else [app, port, image]
        command = [self.args.tessera, "run"]
        if self.vm:
            command += ["--platform", "qemu", "--machine", self.args.machine]
        command += ["--memory", self.args.memory]
        net = "user" + "".join(f",hostfwd={proto}:127.0.0.1:{host}-:{guest}" for proto, host, guest in forwards)
        # The image before --net: tessera's --net (repeatable) currently also takes the
        # words after it.
        command += [image, f"--net={net}"]
        if kernel_words:
            command += ["--", *kernel_words]
        return command

    def timed(self, name, function, *arguments):
        start = time.monotonic()
        result = function(*arguments)
        elapsed = time.monotonic() - start
        self.timings.append((name, elapsed))
        log(f"ok: {name} ({elapsed:.1f} s)")
        return result

    def boot(self, image, forwards, pattern, kernel_words=(), name="guest"):
        command = self.tessera_command(image, forwards, kernel_words)
        log("$ " + " ".join(command))
        guest = netlib.Guest(command, name=name)
        guest.wait_for(pattern, self.boot_timeout)
        log(f"{name}: ready after {time.monotonic() - guest.started:.1f} s")
        return guest

    @contextlib.contextmanager
    def running(self, guest):
        """Stops the guest with SIGINT (and checks how it ended) when the block succeeds;
        kills it when the block failed, so the first failure is the one reported."""
        try:
            yield guest
        except BaseException:
            guest.kill()
            log(f"{guest.name}'s last output:\n{guest.tail(30)}")
            raise
        self.stop(guest)

    def stop(self, guest):
        status = guest.interrupt()
        if self.linux:
            check(status == -2, f"{guest.name}: status {status} after SIGINT, expected death by SIGINT")
            return guest.output()
        output = guest.output()
        check(status == 130, f"{guest.name}: exit status {status} after SIGINT, expected 130; output:\n{guest.tail()}")
        check("shutdown requested by the host" in output, f"{guest.name}: no shutdown line after SIGINT")
        for pattern in (netlib.KERNEL_NETDEV_COUNTERS, netlib.STACK_COUNTERS):
            check(re.search(pattern, output, re.M),
                  f"{guest.name}: no counter line /{pattern}/ at shutdown; output:\n{guest.tail()}")
        check(not re.search(r"PANIC|panic:", output), f"{guest.name}: kernel panic:\n{guest.tail()}")
        return output


def check_files(base, www):
    files = [(path, host) for path, host in netlib.files_under(www) if not path.startswith("/big")]
    check(files, f"no files under {www}")
    for path, host in files:
        body = netlib.curl(base + path).stdout
        expected = open(host, "rb").read()
        check(body == expected, f"GET {path}: {len(body)} bytes differ from {host} ({len(expected)} bytes)")
    index = open(os.path.join(www, "index.html"), "rb").read()
    check(netlib.curl(base + "/").stdout == index, "GET / is not /www/index.html")
    docs_index = open(os.path.join(www, "docs", "index.html"), "rb").read()
    check(netlib.curl(base + "/docs/").stdout == docs_index, "GET /docs/ is not docs/index.html")
    check(netlib.curl(base + "/docs").stdout == docs_index, "GET /docs is not docs/index.html")
    check(netlib.curl(base + "/hello.txt?query=1").stdout == open(os.path.join(www, "hello.txt"), "rb").read(),
          "a query string changed the file served")
    return len(files)


def header_map(raw):
    lines = raw.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return lines[0], headers


def check_head_and_errors(base, www):
    result = netlib.curl(base + "/index.html", "-I")
    status, headers = header_map(result.stdout)
    check(status.startswith("HTTP/1.1 200"), f"HEAD /index.html: {status}")
    size = os.path.getsize(os.path.join(www, "index.html"))
    check(headers.get("content-length") == str(size), f"HEAD: Content-Length {headers.get('content-length')} != {size}")
    check(headers.get("content-type", "").startswith("text/html"), f"HEAD: Content-Type {headers.get('content-type')}")
    types = {"/hello.txt": "text/plain", "/assets/style.css": "text/css", "/assets/data.json": "application/json",
             "/assets/logo.svg": "image/svg+xml"}
    for path, expected in types.items():
        _, headers = header_map(netlib.curl(base + path, "-I").stdout)
        check(headers.get("content-type", "").startswith(expected), f"{path}: Content-Type {headers.get('content-type')}")
    expectations = [
        ("/missing.html", [], "404"),
        ("/docs/missing/", [], "404"),
        ("/../etc/tessera/kernel.conf", ["--path-as-is"], "400"),
        ("/docs/%2e%2e/%2e%2e/etc/tessera/kernel.conf", ["--path-as-is"], "400"),
        ("/index.html", ["-X", "DELETE"], "405"),
        ("/index.html", ["-X", "POST", "--data", "x=1"], "405"),
        ("/" + "a" * 5000, [], "414"),
        ("/index.html", ["-H", "X-Large: " + "b" * 9000], "431"),
        ("/index.html", ["-0"], "200"),
    ]
    for path, extra, expected in expectations:
        got = netlib.http_status(base + path, *extra)
        check(got == expected, f"{' '.join(extra)} {path[:60]}: status {got}, expected {expected}")
    # Connection: close is honoured (the response says so).
    result = netlib.curl(base + "/hello.txt", "-D", "-", "-o", "/dev/null", "-H", "Connection: close")
    check(b"connection: close" in result.stdout.lower(), "Connection: close not echoed in the response")


def check_keep_alive(base):
    result = netlib.curl(base + "/index.html", "-v", "-o", "/dev/null", base + "/hello.txt", "-o", "/dev/null")
    errors = result.stderr.decode("utf-8", "replace")
    check(re.search(r"Re-using existing connection", errors), f"curl did not reuse the connection:\n{errors[-3000:]}")
    connects = len(re.findall(r"^\* +Connected to ", errors, re.M))
    check(connects == 1, f"curl opened {connects} connections for two URLs, expected 1")


def raw_request(host, port, data, timeout=20):
    with socket.create_connection((host, port), timeout=timeout) as connection:
        connection.sendall(data)
        chunks = []
        connection.settimeout(timeout)
        while True:
            try:
                chunk = connection.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def check_raw_requests(port, www, host="127.0.0.1"):
    # Two pipelined requests in one segment, the second closing: two answers, then EOF.
    hello = open(os.path.join(www, "hello.txt"), "rb").read()
    reply = raw_request(host, port, b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n"
                        b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    check(reply.count(b"HTTP/1.1 200 OK") == 2 and reply.count(hello) == 2, f"pipelined requests: {reply[:400]!r}")
    # Malformed: 400 and the connection closes.
    reply = raw_request(host, port, b"GARBAGE\r\n\r\n")
    check(reply.startswith(b"HTTP/1.1 400 "), f"malformed request: {reply[:200]!r}")
    # HTTP/1.0 without keep-alive closes after the answer.
    reply = raw_request(host, port, b"GET /hello.txt HTTP/1.0\r\n\r\n")
    check(reply.startswith(b"HTTP/1.1 200 ") and reply.endswith(hello), f"HTTP/1.0: {reply[:300]!r}")
    # No Host in HTTP/1.1: 400.
    reply = raw_request(host, port, b"GET / HTTP/1.1\r\n\r\n")
    check(reply.startswith(b"HTTP/1.1 400 "), f"no Host: {reply[:200]!r}")


def check_load(base, connections, seconds):
    wrk = shutil.which("wrk")
    check(wrk, "wrk is not installed (the dev script installs it)")
    result = netlib.run([wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", base + "/index.html"],
                        timeout=seconds + 60)
    text = result.stdout.decode()
    log("\n".join("  wrk: " + line for line in text.splitlines()))
    requests = re.search(r"(\d+) requests in", text)
    check(requests and int(requests.group(1)) > 0, f"wrk made no requests:\n{text}")
    check("Non-2xx" not in text, f"wrk saw non-2xx responses:\n{text}")
    check("Socket errors" not in text, f"wrk saw socket errors:\n{text}")
    return int(requests.group(1))


def check_big(base, path, digest, size):
    start = time.monotonic()
    result = netlib.run(["curl", "-sS", "--max-time", "600", "-o", "-", base + path], timeout=620)
    elapsed = time.monotonic() - start
    check(len(result.stdout) == size, f"GET {path}: {len(result.stdout)} bytes, expected {size}")
    check(hashlib.sha256(result.stdout).hexdigest() == digest, f"GET {path}: sha256 differs")
    log(f"  {size >> 20} MiB in {elapsed:.2f} s: {size / elapsed / 1e6:.1f} MB/s")


def check_echo(run, image):
    tcp, udp = netlib.free_port(), netlib.free_port(socket.SOCK_DGRAM)
    if run.linux:
        udp = tcp  # one port for both: no forwarding in between
    guest = run.boot(image, [("tcp", tcp, 7), ("udp", udp, 7)], netlib.LISTENING_ECHO, ["app=echo"], name="echo")
    with run.running(guest):
        payload = os.urandom(200_000)
        with socket.create_connection(("127.0.0.1", tcp), timeout=30) as connection:
            connection.sendall(payload)
            connection.shutdown(socket.SHUT_WR)
            back = bytearray()
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                back += chunk
        check(bytes(back) == payload, f"TCP echo: {len(back)} bytes back of {len(payload)}, or different bytes")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as datagram:
            datagram.settimeout(2)
            for attempt in range(10):  # UDP may be lost; slirp forwards the first one a bit late
                message = b"tessera echo %d" % attempt
                datagram.sendto(message, ("127.0.0.1", udp))
                try:
                    reply, _ = datagram.recvfrom(2048)
                except socket.timeout:
                    continue
                check(reply == message, f"UDP echo: {reply!r} for {message!r}")
                break
            else:
                raise Failure("UDP echo: no reply to 10 datagrams")
        log("ok: echo over TCP (200000 bytes) and UDP")


def build_big_image(args, workdir):
    if args.platform == "linux":
        shutil.copytree(os.path.join(args.tree, "www"), workdir, dirs_exist_ok=True)
    big = os.path.join(workdir, "big.bin")
    if not args.big_mib:
        if args.platform == "linux":
            return workdir, None, 0
        image = os.path.join(workdir, "httpd.img")
        command = [args.tessera, "image", "build", "-o", image, "--from", args.tree]
        for extra in args.manifest:
            command += ["--manifest", extra]
        netlib.run(command)
        return image, None, 0
    digest = hashlib.sha256()
    generator = random.Random(os.getpid())  # fast, and random enough to defeat any compression
    with open(big, "wb") as f:
        for _ in range(args.big_mib):
            block = generator.randbytes(1 << 20)
            digest.update(block)
            f.write(block)
    if args.platform == "linux":
        return workdir, digest.hexdigest(), args.big_mib << 20
    manifest = os.path.join(workdir, "big.manifest")
    with open(manifest, "w") as f:
        f.write(f'file /www/big.bin "{big}" mode=0644\n')
    image = os.path.join(workdir, "httpd-big.img")
    command = [args.tessera, "image", "build", "-o", image, "--from", args.tree]
    for extra in args.manifest + [manifest]:
        command += ["--manifest", extra]
    netlib.run(command)
    os.unlink(big)  # the image holds the bytes now
    return image, digest.hexdigest(), args.big_mib << 20


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tessera", required=True)
    parser.add_argument("--image", help="the network image as built (bin/httpd.img), for --smoke")
    parser.add_argument("--tree", required=True, help="images/httpd: the image's source tree")
    parser.add_argument("--manifest", action="append", default=[])
    parser.add_argument("--platform", default="hosted", choices=["hosted", "qemu", "linux"],
                        help="linux: httpd and echo built as Linux programs (--httpd-binary, --echo-binary), "
                             "to check the applications' own logic over the host's stack")
    parser.add_argument("--httpd-binary")
    parser.add_argument("--echo-binary")
    parser.add_argument("--machine", default="microvm", choices=["microvm", "q35"])
    parser.add_argument("--memory", default="128M")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--big-mib", type=int, default=100, help="0: no big file, no big download")
    parser.add_argument("--connections", type=int, default=100)
    args = parser.parse_args()
    for tool in ("curl",):
        if not shutil.which(tool):
            netlib.skip(f"{tool} is not installed")
    run = Run(args)
    www = os.path.join(args.tree, "www")

    def checks():
        if args.smoke:
            port = netlib.free_port()
            guest = run.boot(args.image, [("tcp", port, 80)], netlib.LISTENING_HTTPD)
            with run.running(guest):
                guest.wait_for(netlib.DHCP_LEASE, 5)
                body = netlib.curl(f"http://127.0.0.1:{port}/").stdout
                check(body == open(os.path.join(www, "index.html"), "rb").read(), "GET / differs from index.html")
                log("ok: GET / over the network image")
        else:
            with tempfile.TemporaryDirectory(prefix="tessera-net-") as workdir:
                image, digest, size = run.timed(f"build a test image with a {args.big_mib} MiB file",
                                                build_big_image, args, workdir)
                port = netlib.free_port()
                base = f"http://127.0.0.1:{port}"
                if run.linux:
                    image = workdir  # the document root: www and the big file
                guest = run.boot(image, [("tcp", port, 80)], netlib.LISTENING_HTTPD, name="httpd")
                with run.running(guest):
                    if not run.linux:
                        lease = guest.wait_for(netlib.DHCP_LEASE, 5)
                        log(f"ok: lease line: {lease.group(0)}")
                    count = run.timed("every file of /www, bytes equal", check_files, base, www)
                    log(f"  ({count} files)")
                    run.timed("HEAD, Content-Type, 404/400/405/414/431, HTTP/1.0, Connection: close",
                              check_head_and_errors, base, www)
                    run.timed("keep-alive: two URLs over one connection", check_keep_alive, base)
                    run.timed("pipelining, malformed requests", check_raw_requests, port, www)
                    run.timed(f"wrk, {args.connections} connections, 3 s, no errors", check_load, base,
                              args.connections, 3)
                    if args.big_mib:
                        run.timed(f"{args.big_mib} MiB download, sha256 equal", check_big, base, "/big.bin", digest,
                                  size)
                    check(netlib.curl(base + "/hello.txt").stdout == open(os.path.join(www, "hello.txt"), "rb").read(),
                          "httpd stopped serving after the load")
                log("ok: SIGINT ended it" + ("" if run.linux else " with status 130 and the counter lines"))
                run.timed("echo over TCP and UDP", check_echo, run, image)

    return netlib.run_checks(checks)


if __name__ == "__main__":
    sys.exit(main())
