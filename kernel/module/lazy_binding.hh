#pragma once
// Lazy import stubs: an application's function imports from a module that is not loaded
// (a DT_NEEDED that the module index lists) are bound to stubs instead of loading the
// module with the application. The first call through a stub loads the module with its
// dependencies and init (serialised by the module loader, logged, in the boot chart),
// binds every import of the application from it, patches the application's PLT slots
// (GOT pages under RELRO are writable only for the patch, under the loader's lock) and
// jumps to the function with the caller's registers and stack as they were; later calls
// through the PLT go straight to it. The rules (what can be lazy, opting out, failures)
// are in docs/modularity.md, "Lazy import stubs".
//
// A stub is 16 bytes in pages of its own, written once, then read+execute (W^X):
//   movabs $import, %r11 ; jmp *trampoline_pointer(%rip)
// with the trampoline's address at the start of the first page. tessera_lazy_trampoline
// (arch/x86_64/lazy_trampoline.S) jumps to import->target when bound, else saves every
// argument register and calls tessera_lazy_bind().
#include <stddef.h>
#include <stdint.h>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>

#include "module/elf_image.hh"
#include "module/module.hh"
#include "module/module_loader.hh"

namespace tessera {

struct LazyDecision {
  bool lazy = false;
  const char* reason = nullptr;  // why the module loads with the application
  ktl::StringView symbol;        // the import that decided it, when one did
  size_t functions = 0;          // GOT and PLT slots of functions that get stubs
};

// May `module` (a DT_NEEDED of `app` by its name, not loaded yet) wait for the first
// call? Only when the policy allows it and every reference of `app` to a symbol the
// module exports is a GOT or PLT slot (R_X86_64_GLOB_DAT, R_X86_64_JUMP_SLOT) of an
// STT_FUNC symbol.
LazyDecision decide_lazy_binding(const ElfImage& app, ktl::StringView module, const LazyPolicy& policy);

// The kernel's policy: the boot image's module index, unless modules.lazy=0,
// modules.on_demand=0 or the image has no index (then nothing is lazy). Modules that
// provide a capability load with the application: their init registers things (a
// filesystem, a driver) that the kernel reaches without any call through an import.
LazyPolicy kernel_lazy_policy();

class LazyImports {
 public:
  // One per imported symbol. `target` first: the trampoline reads it at offset 0.
  struct Import {
    uintptr_t target = 0;  // the function once bound
    LazyImports* owner = nullptr;
    uint32_t symbol = 0;  // in the application's dynamic symbol table
    uint32_t module = 0;  // in modules_
  };
  static constexpr size_t kStubSize = 16;
  static constexpr size_t kHeaderSize = 16;  // the trampoline's address, then padding

  // While loading `app`'s dependencies: true when `needed` waits for the first call
  // (then it is not loaded now). Logs the decision at debug level.
  static Result<bool> defer(Module& app, ktl::StringView needed, const LoadOptions& options);
  // After the dependencies: one stub per function imported from a deferred module,
  // before relocation binds them.
  static Result<void> prepare(Module& app);
  // At the application's teardown.
  static void release(Module& app);

  // The stub of the application's dynamic symbol `index`, 0 when it has none.
  uintptr_t stub_of(uint32_t index) const;
  size_t stub_count() const { return import_count_; }
  // Whether the import of symbol `index` is bound to its function yet.
  bool is_bound(uint32_t index) const;

  // The first call through a stub: loads, binds, patches, returns the function. Panics
  // naming the symbol, the module and why when the module cannot be loaded or lacks it.
  static uintptr_t bind(Import& import);

  LazyImports(Module& app, const LoadOptions& options) : app_(app), options_(options) {}

 private:
  struct Deferred {
    ktl::StringView needed;  // DT_NEEDED text, in the application's image
    ktl::StringView name;    // the module's name in the index
  };
  struct BindRequest {
    LazyImports* owner;
    uint32_t module;
  };

  static Result<void> bind_loaded(Module& dependency, void* context);
  Result<void> patch_plt_slots(uint32_t module);
  int deferred_module_of(ktl::StringView exporter) const;

  Module& app_;
  LoadOptions options_;
  Deferred modules_[Module::kMaxDependencies] = {};
  size_t module_count_ = 0;
  Import* imports_ = nullptr;
  size_t import_count_ = 0;
  uint8_t* stub_pages_ = nullptr;
  size_t stub_page_count_ = 0;
};

}  // namespace tessera
