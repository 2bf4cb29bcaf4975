#pragma once
// The module loader: loads ELF64 shared objects (modules and applications) from the VFS,
// links them against each other and the kernel's export table, runs their initialisers,
// and unloads them. See docs/modules.md ("Loading").
//
// Everything runs in the calling guest thread. Loads and unloads are serialised between
// guest threads (an init entry may block); a load or unload from inside a module's init
// or exit entry is refused with EDEADLK. An application's main runs outside the loader
// and may load modules.
#include <stddef.h>
#include <stdint.h>
#include <tessera/ktl/span.hh>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>

#include "module/module.hh"

namespace tessera {

// Where a module's undefined symbols go when no loaded module defines them: the kernel's
// export table by default; tests and the fuzzer inject their own.
struct ExternalSymbol {
  uintptr_t address = 0;
  uint32_t abi_hash = 0;  // compared with a TESSERA_<hash> version the module requires
};
struct SymbolSource {
  // false when `name` is unknown.
  bool (*lookup)(void* context, ktl::StringView name, ExternalSymbol& out) = nullptr;
  void* context = nullptr;
};
SymbolSource kernel_symbol_source();

// Where DT_NEEDED dependencies come from: the VFS's /lib/modules/ by default. A provider
// returns the file's bytes (8-byte aligned, alive until reset_modules()).
struct FileProvider {
  Result<ktl::Bytes> (*open)(void* context, ktl::StringView needed_name) = nullptr;
  void* context = nullptr;
};

// Lazy import stubs (lazy_binding.hh): how the loader learns which of an application's
// DT_NEEDED modules may wait for the first call into them. Without exporter_of (the
// default, and for everything that is not an application) every dependency loads at once.
struct LazyPolicy {
  // The module exporting `symbol` (the module index's exports=), empty when none.
  ktl::StringView (*exporter_of)(void* context, ktl::StringView symbol) = nullptr;
  // Why `module` must load with the application (a static string), or null when it may
  // be lazy.
  const char* (*must_load_with_app)(void* context, ktl::StringView module) = nullptr;
  void* context = nullptr;
  bool enabled() const { return exporter_of != nullptr; }
};

struct LoadOptions {
  SymbolSource symbols = kernel_symbol_source();
  FileProvider files;  // null: the VFS
  LazyPolicy lazy;     // applications only
  // false: no code of the module runs (no IRELATIVE or IFUNC resolvers -- their targets
  // get 0 -- no initialisers, no init entry). For fuzzing.
  bool run_code = true;
  Module::Kind kind = Module::Kind::kModule;
};

inline constexpr const char* kModuleDirectory = "/lib/modules/";
inline constexpr size_t kMaxLoadedModules = 64;
inline constexpr size_t kMaxDependencyDepth = 16;

// Loads a module: `path_or_name` is a path ("/lib/modules/hello.so", "/apps/x.so") or a
// bare name ("hello", meaning /lib/modules/hello.so). A module already loaded (same name)
// is returned as it is. Errors name the module and what was wrong; nothing of a failed
// load stays behind.
Result<Module*> load_module(ktl::StringView path_or_name);
// Runs the module's exit entry and fini functions and unmaps it, then unloads the
// dependencies it alone kept. EBUSY while it is in use (acquire_module) or while other
// modules depend on it; the message names one of them.
Result<void> unload_module(Module& module);
// Loads the application at `path`, calls its main(argc, argv), unloads it, and returns
// main's return value.
Result<int> run_application(ktl::StringView path, int argc, char** argv);
// nullptr when no module of that name is loaded.
Module* find_module(ktl::StringView name);
// In load order (dependencies before what needs them).
void for_each_module(void (*visit)(Module& module, void* context), void* context);
size_t loaded_module_count();
// "In use": while held, unload_module refuses the module.
void acquire_module(Module& module);
void release_module(Module& module);
// Forgets every module (a new boot): their memory went with the previous boot's heap.
void reset_modules();

// Built-in modules (builtin_modules.hh): puts one, made without a file, in the list; and
// runs its init entry (dependencies first) under the loader's lock unless it is live.
void adopt_module(Module& module);
Result<void> start_builtin_module(Module& module, const char* reason);

// For lazy_binding.cc, on the first call through a stub: under the loader's lock, loads
// the deferred dependency `needed` of application `dependent` (from `options.files`, else
// /lib/modules/) unless loaded, makes it one of `dependent`'s dependencies (it unloads
// with the application unless loaded explicitly) and then, still under the lock, calls
// `bind`. `loaded_now` says whether this call loaded it.
Result<Module*> load_deferred_dependency(Module& dependent, ktl::StringView needed, const LoadOptions& options,
                                         Result<void> (*bind)(Module& dependency, void* context), void* context,
                                         bool& loaded_now);

// For tests and fuzzing: loads from bytes already in memory (8-byte aligned, alive until
// the module unloads) with injectable symbols and dependency files.
Result<Module*> load_from_bytes(ktl::Bytes file, ktl::StringView name, const LoadOptions& options);

}  // namespace tessera
