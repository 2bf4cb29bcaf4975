"""Prints the side-by-side ratios from Google Benchmark JSON files (bench/run)."""
import json
import re
import sys

times = {}
for path in sys.argv[1:]:
    with open(path) as f:
        for b in json.load(f)["benchmarks"]:
            if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
                continue
            scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]]
            name = re.sub(r"/min_time:[0-9.]+", "", b["name"])
            times[name] = b["real_time"] * scale  # ns per iteration (wall clock)

def ratio(label, ours, theirs, note=""):
    if ours in times and theirs in times:
        print(f"{label:58s} {times[ours]:12.1f} ns vs {times[theirs]:12.1f} ns  ratio {times[ours] / times[theirs]:7.3f} {note}")

print("\nratios (ours / reference; below 1 means ours is faster)")
ratio("hosted boot-to-shutdown vs fork+exec /bin/true", "BM_HostedBootToShutdown", "BM_ForkExecTrue")
ratio("guest platform::monotonic_ns vs host clock_gettime", "BM_Guest_PlatformMonotonicNs", "BM_Host_ClockGettime")
ratio("guest take_events(non-blocking) vs host clock_gettime", "BM_Guest_PlatformTakeEventsNonBlocking", "BM_Host_ClockGettime")
ratio("guest context switch vs one arch_prctl(SET_FS)", "BM_GuestContextSwitch", "BM_Host_ArchPrctlSetFs")
ratio("TLS window copy vs one arch_prctl(SET_FS)", "BM_Guest_TlsWindowSwitch", "BM_Host_ArchPrctlSetFs")
for name in sorted(times):
    if name.startswith("BM_Heap"):
        reference = name.replace("BM_Heap", "BM_Glibc", 1)
        ratio(f"{name} vs glibc", name, reference)
