"""Helpers for the end-to-end network tests: boot a guest with `tessera run`, watch its
console, pick free ports, run host clients. Python 3 standard library only."""
import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

# What the pieces print (read from their code on main; kept in one place so a change of
# wording breaks here, visibly). Regular expressions over the guest console.
LISTENING_HTTPD = r"httpd: listening on 0\.0\.0\.0:(\d+)"
LISTENING_ECHO = r"echo: listening on 0\.0\.0\.0:(\d+)"
DHCP_LEASE = r"net-dhcp: eth0 leased 10\.0\.2\.15/24 gw 10\.0\.2\.2 from 10\.0\.2\.2"
# Counter lines printed at exit, by the kernel (kernel/net/net_device_registry.cc: one
# per network device) and by the stack (modules/net-lwip/statistics.cc: one per layer).
KERNEL_NETDEV_COUNTERS = r"net: (eth\d+) rx (\d+) frames \((\d+) dropped\) tx (\d+) frames \((\d+) dropped\)"
STACK_COUNTERS = r"net-lwip: (\w+) rx (\d+) tx (\d+) drop (\d+) \(([^)]*)\)"
SYN_FLOOD_EVICTIONS = r"net-lwip: tcp connections .*syn-flood evictions (\d+)"


def parse_counters(output):
    """The counters printed at exit: {"eth0.rx_dropped": 4, "ip.chksum": 20, "tcp.drop": 3, ...}."""
    counters = {}
    for line in output.splitlines():
        match = re.search(KERNEL_NETDEV_COUNTERS, line)
        if match:
            device = match.group(1)
            for name, value in zip(("rx", "rx_dropped", "tx", "tx_dropped"), match.groups()[1:]):
                counters[f"{device}.{name}"] = int(value)
        match = re.search(STACK_COUNTERS, line)
        if match:
            layer = match.group(1)
            for name, value in zip(("rx", "tx", "drop"), match.groups()[1:4]):
                counters[f"{layer}.{name}"] = int(value)
            for name, value in re.findall(r"([a-z][a-z ]*?) (\d+)", match.group(5)):
                counters[f"{layer}.{name.strip().replace(' ', '_')}"] = int(value)
        match = re.search(SYN_FLOOD_EVICTIONS, line)
        if match:
            counters["tcp.syn_flood_evictions"] = int(match.group(1))
    return counters


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def log(message):
    print(message, flush=True)


def free_port(kind=socket.SOCK_STREAM):
    """A port free right now on 127.0.0.1 (tests pick ports at run time, never fixed ones)."""
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Guest:
    """One `tessera run` process; its console (stdout and stderr merged) collected by a
    reader thread so tests can wait for lines while it runs."""

    def __init__(self, command, name="guest", env=None):
        self.command = command
        self.name = name
        self.lines = []
        self.cond = threading.Condition()
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.started = time.monotonic()

    def _read(self):
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def output(self):
        with self.cond:
            return "\n".join(self.lines)

    def wait_for(self, pattern, timeout):
        """The first match of `pattern` in a console line, waiting up to `timeout` s."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        seen = 0
        with self.cond:
            while True:
                for line in self.lines[seen:]:
                    match = regex.search(line)
                    if match:
                        return match
                seen = len(self.lines)
                if self.process.poll() is not None and not self.reader.is_alive():
                    raise Failure(f"{self.name} exited with status {self.process.returncode} before printing "
                                  f"/{pattern}/; its output:\n{self.tail()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Failure(f"{self.name}: no /{pattern}/ within {timeout} s; its output:\n{self.tail()}")
                self.cond.wait(min(left, 0.5))

    def tail(self, count=60):
        with self.cond:
            return "\n".join(self.lines[-count:])

    def interrupt(self, timeout=60):
        """Ctrl-C, as a user would: returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            status = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Failure(f"{self.name} still running {timeout} s after SIGINT; its output:\n{self.tail()}")
        self.reader.join(10)
        return status

    def kill(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
        self.reader.join(10)


def run(command, timeout=120, check_status=True, input_bytes=None):
    """Runs a host client; returns CompletedProcess with bytes stdout/stderr."""
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, input=input_bytes,
                            timeout=timeout)
    if check_status and result.returncode != 0:
        raise Failure(f"{' '.join(command)} exited with {result.returncode}: "
                      f"{result.stderr.decode('utf-8', 'replace')[-2000:]}")
    return result


def curl(url, *extra, timeout=120, check_status=True):
    return run(["curl", "-sS", "--max-time", str(timeout), *extra, url], timeout=timeout + 10,
               check_status=check_status)


def http_status(url, *extra):
    result = curl(url, "-o", "/dev/null", "-w", "%{http_code}", *extra, check_status=False, timeout=30)
    return result.stdout.decode().strip()


def files_under(tree):
    """(url path, host path) of every regular file under `tree`, sorted."""
    found = []
    for directory, _, names in os.walk(tree):
        for name in names:
            host = os.path.join(directory, name)
            if os.path.isfile(host) and not os.path.islink(host):
                found.append(("/" + os.path.relpath(host, tree).replace(os.sep, "/"), host))
    return sorted(found)


def run_checks(checks):
    """Runs checks(): status 0 when every check passed, 1 with the failure printed."""
    started = time.monotonic()
    try:
        checks()
    except Failure as failure:
        print(f"FAILED: {failure}", flush=True)
        return 1
    except subprocess.TimeoutExpired as timeout:
        print(f"FAILED: timed out: {timeout}", flush=True)
        return 1
    log(f"all checks passed in {time.monotonic() - started:.1f} s")
    return 0


def skip(reason):
    """CTest's SKIP_RETURN_CODE for these tests is 77; the reason is printed."""
    print(f"SKIPPED: {reason}", flush=True)
    sys.exit(77)
