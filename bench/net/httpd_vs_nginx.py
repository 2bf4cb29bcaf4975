"""bench/net/run's body: see that script. Both servers serve the same files (the network
image's /www plus a 1 MiB and a 100 MiB random file); runs alternate between them so
drift on a shared machine hits both alike; the median of the rounds is reported."""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "net"))
import netlib  # noqa: E402

CLIENT_TAP, GUEST = "192.168.88.1", "192.168.88.2"
CLIENT_VETH, NGINX = "192.168.89.1", "192.168.89.2"

NGINX_CONF = """
worker_processes 1;
daemon off;
error_log {dir}/nginx-error.log warn;
pid {dir}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types {{ text/html html; text/plain txt; application/octet-stream bin; }}
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  server {{
    listen {address}:80;
    root {root};
  }}
}}
"""


def sh(*words, check=True):
    return subprocess.run(words, check=check, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wrk(client, url, connections, seconds):
    # --timeout 10s: a 1 MiB response shared 50 ways can take over wrk's default 2 s on
    # one core; a slow response is then counted in the rate instead of as an error.
    result = sh("ip", "netns", "exec", client, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
                url)
    text = result.stdout.decode()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", text)
    scale = {"B": 1, "KB": 1024, "MB": 1 << 20, "GB": 1 << 30}[transfer.group(2)]
    errors = "; ".join(line.strip() for line in text.splitlines() if "Socket errors" in line or "Non-2xx" in line)
    return rps, float(transfer.group(1)) * scale / 1e6, errors


def download(client, url, size):
    start = time.monotonic()
    result = sh("ip", "netns", "exec", client, "curl", "-sS", "-o", "/dev/null", "-w", "%{size_download}", url)
    elapsed = time.monotonic() - start
    got = int(result.stdout.decode())
    if got != size:
        raise SystemExit(f"download of {url}: {got} bytes, expected {size}")
    return size / elapsed / 1e6


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build/default")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--qemu", action="store_true", help="also: 100 MiB over QEMU user networking (TCG)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bench/net/run needs root (network namespaces, TAP)")
    for tool in ("wrk", "curl", "nginx", "ip"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed")
    tessera = os.path.join(args.build, "bin", "tessera")
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "images")
    manifests = [os.path.join(source, "httpd.manifest"), os.path.join(args.build, "images", "httpd-loadables.manifest")]
    pid = os.getpid()
    client, server, tap = f"tbench-c-{pid}", f"tbench-s-{pid}", f"tbt{pid}"[:15]
    veth_c, veth_s = f"tbv{pid}c"[:15], f"tbv{pid}s"[:15]
    with tempfile.TemporaryDirectory(prefix="tessera-bench-net-") as work:
        root = os.path.join(work, "www")
        shutil.copytree(os.path.join(source, "httpd", "www"), root)
        with open(os.path.join(root, "1m.bin"), "wb") as f:
            f.write(os.urandom(1 << 20))
        with open(os.path.join(root, "100m.bin"), "wb") as f:
            for _ in range(100):
                f.write(os.urandom(1 << 20))
        os.chmod(work, 0o755)
        manifest = os.path.join(work, "extra.manifest")
        with open(manifest, "w") as f:
            f.write(f'file /www/1m.bin "{root}/1m.bin" mode=0644\nfile /www/100m.bin "{root}/100m.bin" mode=0644\n')
        image = os.path.join(work, "bench.img")
        command = [tessera, "image", "build", "-o", image, "--from", os.path.join(source, "httpd")]
        for m in manifests + [manifest]:
            command += ["--manifest", m]
        sh(*command)
        with open(os.path.join(work, "nginx.conf"), "w") as f:
            f.write(NGINX_CONF.format(dir=work, root=root, address=NGINX))

        guest = nginx = None
        sh("ip", "netns", "add", client)
        sh("ip", "netns", "add", server)
        try:
            for ns in (client, server):
                sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "-n", client, "tuntap", "add", "dev", tap, "mode", "tap")
            sh("ip", "-n", client, "addr", "add", f"{CLIENT_TAP}/24", "dev", tap)
            sh("ip", "-n", client, "link", "set", tap, "up")
            sh("ip", "link", "add", veth_c, "netns", client, "type", "veth", "peer", "name", veth_s, "netns", server)
            sh("ip", "-n", client, "addr", "add", f"{CLIENT_VETH}/24", "dev", veth_c)
            sh("ip", "-n", server, "addr", "add", f"{NGINX}/24", "dev", veth_s)
            sh("ip", "-n", client, "link", "set", veth_c, "up")
            sh("ip", "-n", server, "link", "set", veth_s, "up")

            guest = netlib.Guest(["ip", "netns", "exec", client, tessera, "run", "--memory", "256M",
                                  image, f"--net=tap,ifname={tap}", "--", f"net.ip={GUEST}/24", "loglevel=warn"],
                                 name="tessera httpd")
            guest.wait_for(netlib.LISTENING_HTTPD, 60)
            nginx = subprocess.Popen(["ip", "netns", "exec", server, "nginx", "-c", os.path.join(work, "nginx.conf"),
                                      "-p", work], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)
            servers = {"tessera": f"http://{GUEST}", "nginx": f"http://{NGINX}"}
            for url in servers.values():  # warm up, and check both serve the same bytes
                sh("ip", "netns", "exec", client, "curl", "-sS", "-o", "/dev/null", "--max-time", "30", url + "/1m.bin")
            results = {name: {"rps": [], "mbps_1m": [], "bulk": []} for name in servers}
            errors = set()
            for round_index in range(args.rounds):
                for name, url in servers.items():
                    rps, _, bad = wrk(client, url + "/index.html", args.connections, args.duration)
                    results[name]["rps"].append(rps)
                    if bad:
                        errors.add(f"{name} index.html: {bad}")
                for name, url in servers.items():
                    _, mbps, bad = wrk(client, url + "/1m.bin", args.connections, args.duration)
                    results[name]["mbps_1m"].append(mbps)
                    if bad:
                        errors.add(f"{name} 1m.bin: {bad}")
                for name, url in servers.items():
                    results[name]["bulk"].append(download(client, url + "/100m.bin", 100 << 20))
                print(f"round {round_index + 1}: " + "; ".join(
                    f"{n} {r['rps'][-1]:.0f} req/s, {r['mbps_1m'][-1]:.1f} MB/s (1 MiB), {r['bulk'][-1]:.1f} MB/s (100 MiB)"
                    for n, r in results.items()), flush=True)
        finally:
            if nginx:
                nginx.terminate()
                nginx.wait(10)
            if guest:
                status = guest.interrupt()
                counters = [line for line in guest.lines if re.search(netlib.STACK_COUNTERS, line)]
            sh("ip", "netns", "delete", client, check=False)
            sh("ip", "netns", "delete", server, check=False)

        median = {n: {k: statistics.median(v) for k, v in r.items()} for n, r in results.items()}
        t, n = median["tessera"], median["nginx"]
        print(f"\nhttpd (hosted kernel, TAP) vs nginx 1 worker (veth), wrk -t1 -c{args.connections} "
              f"-d{args.duration}s, median of {args.rounds} alternating rounds")
        print(f"{'':34s} {'tessera':>12s} {'nginx':>12s} {'ratio':>8s}")
        print(f"{'index.html requests/s':34s} {t['rps']:12.0f} {n['rps']:12.0f} {t['rps'] / n['rps']:8.3f}")
        print(f"{'1 MiB file MB/s (wrk)':34s} {t['mbps_1m']:12.1f} {n['mbps_1m']:12.1f} {t['mbps_1m'] / n['mbps_1m']:8.3f}")
        print(f"{'100 MiB download MB/s (curl)':34s} {t['bulk']:12.1f} {n['bulk']:12.1f} {t['bulk'] / n['bulk']:8.3f}")
        print("(ratio: tessera / nginx; above 1 means tessera is faster)")
        if errors:
            print("wrk reported errors or non-2xx:\n  " + "\n  ".join(sorted(errors)))

        if args.qemu:
            port = netlib.free_port()
            vm = netlib.Guest([tessera, "run", "--platform", "qemu", "--memory", "256M",
                               image, f"--net=user,hostfwd=tcp:127.0.0.1:{port}-:80", "--", "loglevel=warn"], name="vm")
            try:
                vm.wait_for(netlib.LISTENING_HTTPD, 240)
                start = time.monotonic()
                result = sh("curl", "-sS", "-o", "/dev/null", "-w", "%{size_download}", f"http://127.0.0.1:{port}/100m.bin")
                elapsed = time.monotonic() - start
                print(f"100 MiB over QEMU user networking (microvm, TCG): {int(result.stdout) / elapsed / 1e6:.1f} MB/s")
            finally:
                vm.interrupt()


if __name__ == "__main__":
    main()
