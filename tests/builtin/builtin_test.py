#!/usr/bin/env python3
"""Built-in modules end to end: httpd on an image shaken WITHOUT the network modules
(`--builtin`) boots on a kernel that has them built in, and curl gets every file of the
site, byte for byte. Hosted, also: the same image on the normal kernel is refused (the
modules really are not on it); an application on the image linked against a built-in
module binds to the kernel's copy; a module both built in and on the image: the built-in
one is used, said once.

  builtin_test.py --platform hosted|microvm --kernel FILE --tessera FILE --source DIR
                  --loadables MANIFEST --import-app FILE --nm NM
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "net"))
import netlib  # noqa: E402
from netlib import Failure, check, log  # noqa: E402

BUILT_IN = {
    "hosted": ["net-lwip", "net-dhcp", "net-hostport"],
    "microvm": ["net-lwip", "net-dhcp", "virtio-mmio", "virtio-net"],
}


def build_image(args, output, *extra):
    result = netlib.run([args.tessera, "image", "build", "-o", output, *extra])
    return result.stdout.decode()


def image_modules(args, image):
    result = netlib.run([args.tessera, "image", "ls", image, "/lib/modules"], check_status=False)
    return set(result.stdout.decode().split()) if result.returncode == 0 else set()


def boot(args, image, port, *kernel_options):
    net = ["--net", f"user,hostfwd=tcp:127.0.0.1:{port}-:80"] if port else []
    if args.platform == "hosted":
        command = [args.kernel, "run", image, *net]
    else:
        command = [args.tessera, "run", "--platform", "qemu", "--machine", "microvm", "--vm-kernel", args.kernel,
                   image, *net]
    if kernel_options:
        command += ["--", *kernel_options]
    return netlib.Guest(command, name=os.path.basename(command[0]))


def httpd_on_builtin_kernel(args, scratch):
    image = os.path.join(scratch, "httpd.img")
    tree = os.path.join(args.source, "images", "httpd")
    builtin = BUILT_IN[args.platform]
    report = build_image(args, image, "--from", tree, "--manifest", tree + ".manifest", "--manifest", args.loadables,
                         "--shake", "--platform", args.platform, *[f"--builtin={name}" for name in builtin])
    for name in builtin:
        check(f"shake: built in {name}: " in report, f"the shake report does not say {name} is built in:\n{report}")
    on_image = image_modules(args, image)
    for name in builtin:
        check(name + ".so" not in on_image, f"{name}.so is on the image: {sorted(on_image)}")
    log(f"ok: httpd image shaken without {', '.join(builtin)} (on it: {sorted(on_image) or 'no modules'})")

    port = netlib.free_port()
    guest = boot(args, image, port)
    try:
        guest.wait_for(netlib.LISTENING_HTTPD, 60 if args.platform == "hosted" else 240)
        output = guest.output()
        check(re.search(r"built-in modules: \d+ registered in [0-9.]+ ms", output), "no registration line")
        check("module net-lwip 2.1.3: built in, provides net:stack" in output, "net-lwip not registered as built in")
        for name in builtin:
            check(re.search(rf"module {name}: built in, started for .+ in [0-9.]+ ms", output),
                  f"{name} was not started as a built-in module:\n{guest.tail()}")
            check(f"module {name}: loaded" not in output, f"{name} was loaded from somewhere:\n{guest.tail()}")
        files = netlib.files_under(os.path.join(tree, "www"))
        check(files, "no files under the site")
        for url_path, host_path in files:
            body = netlib.curl(f"http://127.0.0.1:{port}{url_path}").stdout
            with open(host_path, "rb") as f:
                check(body == f.read(), f"{url_path}: {len(body)} bytes differ from {host_path}")
        log(f"ok: {len(files)} files served byte for byte by httpd on the built-in {args.platform} kernel")
    finally:
        status = guest.interrupt()
    output = guest.output()
    check("memory:" in output and "bytes in use at shutdown" in output, f"no orderly shutdown:\n{guest.tail()}")
    log(f"ok: shut down (status {status})")
    return image


def refused_by_normal_kernel(args, image):
    result = subprocess.run([args.tessera, "run", image, "--net", "user"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, timeout=60)
    output = result.stdout.decode("utf-8", "replace")
    # No module on it, so no index either: the kernel looks for the driver by its name.
    check(result.returncode == 65 and "/lib/modules/net-hostport.so: no such file" in output,
          f"the normal kernel did not refuse the image without network modules (status {result.returncode}):\n"
          f"{output[-2000:]}")
    log("ok: the same image on the normal kernel is refused: it has no network driver")


def import_binds_to_builtin(args, scratch):
    manifest = os.path.join(scratch, "import.manifest")
    with open(manifest, "w") as f:
        f.write("dir /lib/modules mode=0755\ndir /apps mode=0755\n"
                f'file /apps/builtin-import.so "{args.import_app}" mode=0644\n')
    image = os.path.join(scratch, "import.img")
    build_image(args, image, "--manifest", manifest, "--manifest", args.loadables)
    check("virtio-net.so" in image_modules(args, image), "the generic image has no virtio-net.so")
    guest = boot(args, image, None, "app=builtin-import")
    status = guest.process.wait(60)
    guest.reader.join(10)
    output = guest.output()
    check(status == 0, f"builtin-import exited with {status}:\n{guest.tail()}")
    bound = re.search(r"builtin-import: virtio_net_interrupt at (0x[0-9a-f]+)", output)
    check(bound, f"builtin-import printed no address:\n{guest.tail()}")
    symbols = netlib.run([args.nm, args.kernel]).stdout.decode()
    kernel = re.search(r"^([0-9a-f]+) T __tessera_module_virtio_net_interrupt$", symbols, re.M)
    check(kernel, "the kernel has no __tessera_module_virtio_net_interrupt")
    check(int(bound.group(1), 16) == int(kernel.group(1), 16),
          f"the import bound to {bound.group(1)}, the built-in module's function is at 0x{kernel.group(1)}")
    check(output.count("/lib/modules/virtio-net.so on the boot image is not used") == 1,
          f"no single line saying the image's virtio-net is not used:\n{guest.tail()}")
    check("module virtio-net: built in, started for a module linked against it" in output,
          f"virtio-net not started for the application:\n{guest.tail()}")
    log(f"ok: an application linked against virtio-net bound to the built-in one at {bound.group(1)}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--platform", choices=sorted(BUILT_IN), required=True)
    for option in ("--kernel", "--tessera", "--source", "--loadables", "--import-app", "--nm"):
        parser.add_argument(option, required=True)
    args = parser.parse_args()
    if not netlib.run(["sh", "-c", "command -v curl"], check_status=False).stdout:
        netlib.skip("curl is not installed")
    with tempfile.TemporaryDirectory() as scratch:
        try:
            image = httpd_on_builtin_kernel(args, scratch)
            if args.platform == "hosted":
                refused_by_normal_kernel(args, image)
                import_binds_to_builtin(args, scratch)
        except Failure as failure:
            print(f"FAILED: {failure}", flush=True)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
