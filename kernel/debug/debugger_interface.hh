#pragma once
// What the kernel tells debuggers about itself (tools/gdb/tessera.py reads it, hosted and
// under QEMU's gdbstub alike): one structure at the symbol tessera_debugger holding the
// loaded modules, where the thread list and the log ring are, the field offsets needed to
// walk them, and the mounts. Raw addresses and offsets rather than debug-info types, so
// the extension works the same on every build and a stripped kernel keeps its symbol.
//
// The loader calls tessera_debugger_module_event() after a module is relocated and before
// any of its code runs, and before it is unmapped: a debugger breaks there, adds or drops
// the module's symbols at its load address, and continues, so breakpoints set on module
// functions (pending ones included) are hit from the module's first instruction on.
#include <stddef.h>
#include <stdint.h>

namespace tessera { class Module; }

namespace tessera::debugger {

inline constexpr uint32_t kMagic = 0x42445354;  // "TSDB"
inline constexpr uint32_t kVersion = 1;
inline constexpr size_t kMaxModules = 64;
inline constexpr size_t kMaxMounts = 16;

enum class ModuleEvent : uint32_t { kLoaded = 1, kUnloading = 2 };

struct ModuleEntry {
  char name[32];
  char path[64];       // where the loader read it: /lib/modules/NAME.so, /apps/NAME.so
  uint64_t base;       // load bias: file virtual address + base = run-time address
  uint64_t start;      // the mapping
  uint64_t size;
  uint32_t kind;       // 0 module, 1 application, 2 module built into the kernel (no mapping, no file)
  uint32_t in_use;     // 0: free slot
};

struct MountEntry {
  char path[64];
  char type[16];
  uint32_t in_use;
  uint32_t padding;
};

struct Interface {
  uint32_t magic;
  uint32_t version;
  uint32_t module_capacity;
  uint32_t mount_capacity;
  ModuleEntry modules[kMaxModules];
  MountEntry mounts[kMaxMounts];
  // Threads: a circular intrusive list (node = {next, prev}) of every live thread.
  uint64_t thread_list_head;     // address of the head node
  uint64_t current_thread;       // address of the Thread* of the running thread
  uint32_t thread_node_offset;   // the list node inside a Thread
  uint32_t thread_id_offset;     // uint64_t
  uint32_t thread_name_offset;   // char[]
  uint32_t thread_state_offset;  // uint8_t: 0 runnable, 1 running, 2 blocked, 3 sleeping, 4 finished
  uint32_t thread_wait_reason_offset;  // const char*
  uint32_t thread_stack_pointer_offset;  // the saved stack pointer of a thread not running
  // Saved by the context switch, from the saved stack pointer (kernel/arch/x86_64).
  uint32_t saved_rbp_offset;
  uint32_t saved_rip_offset;
  // The log ring: `capacity` bytes at `bytes`, lines from `*start` for `*used` bytes, wrapping.
  uint64_t log_bytes;
  uint64_t log_start;   // address of a size_t
  uint64_t log_used;    // address of a size_t
  uint64_t log_capacity;
};

// Module table upkeep, called by the loader.
void module_loaded(const Module& module, const char* path);
void module_unloading(const Module& module);
// Mount table upkeep, called by the VFS.
void mounted(const char* path, size_t path_length, const char* type);
void unmounted(const char* type);
// Fills in the addresses and offsets; forgets modules and mounts of an earlier boot.
void reset();

}  // namespace tessera::debugger

// The structure, and the function a debugger breaks on (`slot` indexes modules[]).
extern "C" tessera::debugger::Interface tessera_debugger;
extern "C" void tessera_debugger_module_event(uint32_t slot, uint32_t event);
