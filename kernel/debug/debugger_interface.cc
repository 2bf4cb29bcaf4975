#include "debug/debugger_interface.hh"

#include "log/log.hh"
#include "module/module.hh"
#include "sched/scheduler.hh"

// Zero until reset(): a debugger attached before boot sees magic 0 and waits.
constinit tessera::debugger::Interface tessera_debugger = {};

// Kept out of line and with a side effect the compiler cannot drop, so a breakpoint on it
// is hit exactly once per event.
extern "C" __attribute__((noinline, used)) void tessera_debugger_module_event(uint32_t slot, uint32_t event) {
  asm volatile("" : : "r"(slot), "r"(event) : "memory");
}

namespace tessera::debugger {
namespace {

void copy_text(char* out, size_t capacity, const char* text, size_t length) {
  if (length >= capacity) length = capacity - 1;
  __builtin_memcpy(out, text, length);
  out[length] = '\0';
}

size_t text_length(const char* text) {
  size_t length = 0;
  while (text && text[length]) ++length;
  return length;
}

bool same_text(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}

}  // namespace

void reset() {
  Interface& out = tessera_debugger;
  __builtin_memset(&out, 0, sizeof out);
  out.version = kVersion;
  out.module_capacity = kMaxModules;
  out.mount_capacity = kMaxMounts;
  Scheduler::describe_for_debugger(out);
  // From the saved stack pointer, as kernel/arch/x86_64/context_switch.S lays them out.
  out.saved_rbp_offset = 48;
  out.saved_rip_offset = 56;
  log::describe_for_debugger(out.log_bytes, out.log_start, out.log_used, out.log_capacity);
  // Last: a debugger reads nothing before the magic says the rest is filled in.
  asm volatile("" ::: "memory");
  out.magic = kMagic;
}

void module_loaded(const Module& module, const char* path) {
  for (uint32_t slot = 0; slot < kMaxModules; ++slot) {
    ModuleEntry& entry = tessera_debugger.modules[slot];
    if (entry.in_use) continue;
    copy_text(entry.name, sizeof entry.name, module.name().data(), module.name().length());
    copy_text(entry.path, sizeof entry.path, path, text_length(path));
    entry.base = module.base();
    entry.start = module.mapping_start();
    entry.size = module.mapping_size();
    entry.kind = module.is_builtin() ? 2 : module.kind() == Module::Kind::kModule ? 0 : 1;
    entry.in_use = 1;
    tessera_debugger_module_event(slot, uint32_t(ModuleEvent::kLoaded));
    return;
  }
}

void module_unloading(const Module& module) {
  for (uint32_t slot = 0; slot < kMaxModules; ++slot) {
    ModuleEntry& entry = tessera_debugger.modules[slot];
    if (!entry.in_use || entry.kind == 2 || entry.start != module.mapping_start()) continue;
    tessera_debugger_module_event(slot, uint32_t(ModuleEvent::kUnloading));
    entry.in_use = 0;
    return;
  }
}

void mounted(const char* path, size_t path_length, const char* type) {
  for (auto& entry : tessera_debugger.mounts) {
    if (entry.in_use) continue;
    copy_text(entry.path, sizeof entry.path, path, path_length);
    copy_text(entry.type, sizeof entry.type, type, text_length(type));
    entry.in_use = 1;
    return;
  }
}

void unmounted(const char* type) {
  // The VFS unmounts by filesystem; the newest mount of that type is the one going.
  for (size_t i = kMaxMounts; i-- > 0;) {
    MountEntry& entry = tessera_debugger.mounts[i];
    if (entry.in_use && same_text(entry.type, type)) {
      entry.in_use = 0;
      return;
    }
  }
}

}  // namespace tessera::debugger
