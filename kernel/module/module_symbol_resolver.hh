#pragma once
// Symbol resolution for relocations (docs/modules.md, "Symbol resolution"): the module's
// own definitions, then its dependencies breadth first (with symbol versions), then the
// external source (the kernel's export table, with ABI hash versions), then the loader's
// own __tls_get_addr; weak references to nothing are 0, strong ones refuse the load.
#include <stdint.h>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>

#include "module/elf.hh"
#include "module/module.hh"
#include "module/module_loader.hh"

namespace tessera {

// What a symbol reference resolved to.
struct SymbolDefinition {
  uintptr_t value = 0;               // run-time address; for STT_TLS the offset in its PT_TLS
  const Module* provider = nullptr;  // the defining module; null for the kernel or nothing
  uint8_t type = elf::kSttNoType;
  bool found = false;

  bool is_ifunc() const { return found && type == elf::kSttGnuIfunc; }
};

class ModuleSymbolResolver {
 public:
  ModuleSymbolResolver(const Module& module, const LoadOptions& options) : module_(module), options_(options) {}

  // Symbol index 0 resolves to nothing in `module` (TLS relocations without a symbol).
  // ENOEXEC names an undefined strong symbol or a kernel ABI version mismatch.
  Result<SymbolDefinition> resolve(uint32_t index);
  // `name` defined in `provider` itself in the version asked for; not found when absent.
  static SymbolDefinition find_in_module(const Module& provider, ktl::StringView name,
                                         const ElfImage::SymbolVersion& version);

 private:
  SymbolDefinition search_dependencies(ktl::StringView name, const ElfImage::SymbolVersion& version);

  const Module& module_;
  const LoadOptions& options_;
};

}  // namespace tessera
