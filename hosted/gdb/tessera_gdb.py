# gdb extension for Tessera (docs/debugging.md): loaded by `tessera run --gdb`, or by hand
# with `source build/default/bin/tessera_gdb.py`. Works the same on the hosted kernel
# (the tessera process) and on the VM kernel through QEMU's gdbstub, because it reads only
# what the kernel publishes in `tessera_debugger` (kernel/debug/debugger_interface.hh).
#
#   tessera modules        loaded modules and applications: base, size, symbol file
#   tessera threads        every guest thread: id, state, what it waits on
#   tessera bt ID          backtrace of guest thread ID from its saved context
#   tessera log            the kernel log ring
#   tessera mounts         what is mounted where
#   tessera module-path D  look for module symbol files in D too (D/NAME.so, D/debug/NAME.so)
#   tessera connect H:P    target remote, retried while QEMU's gdbstub comes up
#
# Module symbols: the kernel calls tessera_debugger_module_event() once a module is
# relocated and before its code runs; a silent breakpoint there adds the module's full
# symbol file (build/*/modules/debug/NAME.so) at its load address, so breakpoints on
# module functions, set before the module exists, resolve and are hit.
import os

import gdb

THREAD_STATES = ["runnable", "running", "blocked", "sleeping", "finished"]
MAGIC = 0x42445354
search_directories = []
loaded_symbol_files = {}  # slot -> file added


def interface():
    value = gdb.parse_and_eval("tessera_debugger")
    if int(value["magic"]) != MAGIC:
        raise gdb.GdbError("tessera: the kernel has not published its debugger interface yet (not booted)")
    return value


def read_u64(address):
    return int.from_bytes(gdb.selected_inferior().read_memory(address, 8).tobytes(), "little")


def read_u8(address):
    return gdb.selected_inferior().read_memory(address, 1).tobytes()[0]


def read_c_string(address, limit=256):
    if address == 0:
        return ""
    data = gdb.selected_inferior().read_memory(address, limit).tobytes()
    return data.split(b"\0", 1)[0].decode("utf-8", "replace")


def text(array):
    return bytes(int(array[i]) for i in range(array.type.range()[1] + 1)).split(b"\0", 1)[0].decode()


def default_search_directories():
    # Beside the tessera executable (hosted) or the VM kernel: build/PRESET/bin -> modules, apps.
    found = []
    progspace = gdb.current_progspace()
    filename = progspace.filename if progspace else None
    if filename:
        build = os.path.dirname(os.path.dirname(os.path.realpath(filename)))
        found += [os.path.join(build, "modules"), os.path.join(build, "apps")]
    env = os.environ.get("TESSERA_MODULE_PATH")
    if env:
        found += env.split(":")
    return found


def symbol_file_for(name):
    for directory in search_directories + default_search_directories():
        for candidate in (os.path.join(directory, "debug", name + ".so"), os.path.join(directory, name + ".so")):
            if os.path.isfile(candidate):
                return candidate
    return None


def add_module_symbols(slot, entry):
    if int(entry["kind"]) == 2:
        return  # built into the kernel: its symbols are the kernel's
    name = text(entry["name"])
    path = symbol_file_for(name)
    if not path:
        gdb.write("tessera: no symbol file for module %s (tessera module-path DIR)\n" % name)
        return
    gdb.execute("add-symbol-file %s -o %#x" % (path, int(entry["base"])), to_string=True)
    loaded_symbol_files[slot] = path


def drop_module_symbols(slot):
    path = loaded_symbol_files.pop(slot, None)
    if path:
        try:
            gdb.execute("remove-symbol-file %s" % path, to_string=True)
        except gdb.error:
            pass


class ModuleEventBreakpoint(gdb.Breakpoint):
    def __init__(self):
        super().__init__("tessera_debugger_module_event", internal=True)
        self.silent = True

    def stop(self):
        frame = gdb.selected_frame()
        try:
            slot, event = int(frame.read_var("slot")), int(frame.read_var("event"))
        except (gdb.error, ValueError):
            slot, event = int(frame.read_register("rdi")) & 0xffffffff, int(frame.read_register("rsi")) & 0xffffffff
        entry = gdb.parse_and_eval("tessera_debugger")["modules"][slot]
        if event == 1:
            add_module_symbols(slot, entry)
        elif event == 2:
            drop_module_symbols(slot)
        return False  # never stop the user's session here


class TesseraCommand(gdb.Command):
    """Tessera kernel commands: modules, threads, bt ID, log, mounts, module-path DIR, sync."""

    def __init__(self):
        super().__init__("tessera", gdb.COMMAND_USER, prefix=True)


class ModulesCommand(gdb.Command):
    """List loaded modules and applications."""

    def __init__(self):
        super().__init__("tessera modules", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        value = interface()
        gdb.write("%-20s %-7s %-18s %-10s %s\n" % ("name", "kind", "base", "size", "symbols"))
        for slot in range(int(value["module_capacity"])):
            entry = value["modules"][slot]
            if int(entry["in_use"]) == 0:
                continue
            kind = {1: "app", 2: "builtin"}.get(int(entry["kind"]), "module")
            gdb.write("%-20s %-7s %#-18x %-10d %s\n" % (text(entry["name"]), kind, int(entry["base"]),
                                                       int(entry["size"]), loaded_symbol_files.get(slot, "-")))


def each_thread(value):
    head = int(value["thread_list_head"])
    node_offset = int(value["thread_node_offset"])
    node = read_u64(head)
    seen = 0
    while node != head and node != 0 and seen < 4096:
        yield node - node_offset
        node = read_u64(node)
        seen += 1


def thread_info(value, thread):
    return {
        "id": read_u64(thread + int(value["thread_id_offset"])),
        "name": read_c_string(thread + int(value["thread_name_offset"]), 32),
        "state": read_u8(thread + int(value["thread_state_offset"])),
        "waits": read_c_string(read_u64(thread + int(value["thread_wait_reason_offset"]))),
        "sp": read_u64(thread + int(value["thread_stack_pointer_offset"])),
    }


class ThreadsCommand(gdb.Command):
    """List every guest thread with its state and what it waits on."""

    def __init__(self):
        super().__init__("tessera threads", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        value = interface()
        current = read_u64(int(value["current_thread"]))
        gdb.write("  %-4s %-20s %-9s %s\n" % ("id", "name", "state", "waits on"))
        for thread in each_thread(value):
            info = thread_info(value, thread)
            state = THREAD_STATES[info["state"]] if info["state"] < len(THREAD_STATES) else "?"
            waits = info["waits"] if state in ("blocked", "sleeping") else ""
            gdb.write("%s %-4d %-20s %-9s %s\n" % ("*" if thread == current else " ", info["id"], info["name"],
                                                  state, waits))


def describe_pc(pc):
    block_function = None
    try:
        block = gdb.block_for_pc(pc - 1)
        while block and not block.function:
            block = block.superblock
        block_function = block.function.print_name if block else None
    except RuntimeError:
        pass
    line = gdb.find_pc_line(pc - 1)
    where = ""
    if line.symtab:
        where = " at %s:%d" % (line.symtab.filename, line.line)
    if not block_function:
        symbol = gdb.execute("info symbol %#x" % (pc - 1), to_string=True).strip()
        block_function = symbol.split(" in section")[0] if not symbol.startswith("No symbol") else "??"
    return "%s%s" % (block_function, where)


class BacktraceCommand(gdb.Command):
    """Backtrace of guest thread ID (tessera threads lists them) from its saved context."""

    def __init__(self):
        super().__init__("tessera bt", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        value = interface()
        if not argument.strip():
            raise gdb.GdbError("usage: tessera bt THREAD-ID")
        wanted = int(argument.strip(), 0)
        current = read_u64(int(value["current_thread"]))
        for thread in each_thread(value):
            info = thread_info(value, thread)
            if info["id"] != wanted:
                continue
            if thread == current:
                gdb.write("thread %d is running: its frames are gdb's own `bt`\n" % wanted)
                gdb.execute("bt")
                return
            sp = info["sp"]
            frame_pointer = read_u64(sp + int(value["saved_rbp_offset"]))
            pc = read_u64(sp + int(value["saved_rip_offset"]))
            gdb.write("thread %d (%s), %s:\n" % (wanted, info["name"], THREAD_STATES[info["state"]]))
            for depth in range(64):
                if pc == 0:
                    break
                gdb.write("#%-2d %#018x in %s\n" % (depth, pc, describe_pc(pc)))
                if frame_pointer == 0:
                    break
                pc = read_u64(frame_pointer + 8)
                frame_pointer = read_u64(frame_pointer)
            return
        raise gdb.GdbError("tessera: no guest thread %d (see tessera threads)" % wanted)


class LogCommand(gdb.Command):
    """Print the kernel log ring buffer."""

    def __init__(self):
        super().__init__("tessera log", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        value = interface()
        capacity = int(value["log_capacity"])
        start, used = read_u64(int(value["log_start"])), read_u64(int(value["log_used"]))
        data = gdb.selected_inferior().read_memory(int(value["log_bytes"]), capacity).tobytes()
        ring = (data[start:] + data[:start])[:used]
        gdb.write(ring.decode("utf-8", "replace"))


class MountsCommand(gdb.Command):
    """List mounted filesystems."""

    def __init__(self):
        super().__init__("tessera mounts", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        value = interface()
        for i in range(int(value["mount_capacity"])):
            entry = value["mounts"][i]
            if int(entry["in_use"]):
                gdb.write("%-24s %s\n" % (text(entry["path"]), text(entry["type"])))


class ModulePathCommand(gdb.Command):
    """tessera module-path DIR: also look for module symbol files in DIR."""

    def __init__(self):
        super().__init__("tessera module-path", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        search_directories.append(os.path.expanduser(argument.strip()))


class ConnectCommand(gdb.Command):
    """tessera connect HOST:PORT: target remote, retried for up to 10 s while QEMU starts."""

    def __init__(self):
        super().__init__("tessera connect", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        import time
        for attempt in range(100):
            try:
                gdb.execute("target remote %s" % argument.strip())
                return
            except gdb.error:
                time.sleep(0.1)
        raise gdb.GdbError("tessera: nothing answers on %s (did QEMU start?)" % argument.strip())


class SyncCommand(gdb.Command):
    """Add symbols for every module loaded before gdb attached."""

    def __init__(self):
        super().__init__("tessera sync", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        value = interface()
        for slot in range(int(value["module_capacity"])):
            entry = value["modules"][slot]
            if int(entry["in_use"]) and slot not in loaded_symbol_files:
                add_module_symbols(slot, entry)


gdb.execute("set breakpoint pending on")
TesseraCommand()
ModulesCommand()
ThreadsCommand()
BacktraceCommand()
LogCommand()
MountsCommand()
ModulePathCommand()
SyncCommand()
ConnectCommand()
ModuleEventBreakpoint()
