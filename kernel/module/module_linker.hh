#pragma once
// The loader's middle: maps a module's segments, resolves its symbols and applies its
// relocations, sets page protections. Lifecycle (which modules, in which order, init and
// fini) is module_loader.cc's.
#include <tessera/result.hh>

#include "module/module.hh"
#include "module/module_loader.hh"

namespace tessera {

class ModuleLinker {
 public:
  // Allocates the module's span, copies the file parts of its segments and zeroes the
  // rest. Everything is read-write until protect().
  static Result<void> map(Module& module);
  // Gives the module's TLS an id and a place (module_tls.hh).
  static Result<void> attach_tls(Module& module);
  // First pass: every relocation except IRELATIVE and references to IFUNC symbols, which
  // run code and so wait for resolve_ifuncs() after protect().
  static Result<void> relocate(Module& module, const LoadOptions& options);
  // Text read+execute, read-only data read-only, data read-write, gaps inaccessible.
  static Result<void> protect(Module& module);
  // Second pass: IRELATIVE and IFUNC references (resolvers called when options.run_code).
  static Result<void> resolve_ifuncs(Module& module, const LoadOptions& options);
  // PT_GNU_RELRO becomes read-only: after the last relocation.
  static Result<void> protect_relro(Module& module);
  // Back to read-write and returned to the page allocator; TLS released.
  static void unmap(Module& module);
};

}  // namespace tessera
