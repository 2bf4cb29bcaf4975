#include "module/module_symbol_resolver.hh"

#include "module/export_table.hh"
#include "module/lazy_binding.hh"
#include "module/module_format.hh"
#include "module/module_tls.hh"

namespace tessera {
namespace {

// The index of `name` in `provider` in the version the reference asks for: the default
// version when it names none (or the provider has no versions), else that version,
// hidden or not.
size_t find_in(const Module& provider, ktl::StringView name, const ElfImage::SymbolVersion& wanted) {
  const ElfImage& image = provider.image();
  size_t index = image.find_symbol(name);
  if (wanted.name.empty()) return index;
  if (index != ElfImage::kNoSymbol) {
    auto found = image.symbol_version(index);
    if (found.name.empty() || found.name == wanted.name) return index;
  }
  auto symbols = image.symbols();
  for (size_t i = 1; i < symbols.size(); ++i) {
    const elf::Sym& symbol = symbols[i];
    if (!symbol.is_defined() || symbol.binding() == elf::kStbLocal) continue;
    if (image.symbol_name(i) == name && image.symbol_version(i).name == wanted.name) return i;
  }
  return ElfImage::kNoSymbol;
}

// A built-in module has no symbol table: its record lists its exports. Versions are not
// checked: built-in modules define none, like most modules.
SymbolDefinition builtin_definition(const Module& provider, ktl::StringView name) {
  SymbolDefinition definition;
  if (uintptr_t address = provider.find_symbol(name)) {
    definition.found = true;
    definition.provider = &provider;
    definition.value = address;
    definition.type = elf::kSttNoType;
  }
  return definition;
}

SymbolDefinition definition_in(const Module& provider, size_t index) {
  const elf::Sym& symbol = provider.image().symbols()[index];
  SymbolDefinition definition;
  definition.found = true;
  definition.provider = &provider;
  definition.type = symbol.type();
  if (symbol.type() == elf::kSttTls || symbol.st_shndx == elf::kShnAbs) definition.value = symbol.st_value;
  else definition.value = provider.address_of(symbol.st_value);
  return definition;
}

}  // namespace

Result<SymbolDefinition> ModuleSymbolResolver::resolve(uint32_t index) {
  if (index == 0) {
    SymbolDefinition none;
    none.provider = &module_;  // TLS relocations without a symbol are the module's own
    return none;
  }
  const ElfImage& image = module_.image();
  const elf::Sym& symbol = image.symbols()[index];
  // The module's own definitions come first (as -Bsymbolic): a module cannot be
  // interposed on by another.
  if (symbol.is_defined()) return definition_in(module_, index);

  ktl::StringView name = image.symbol_name(index);
  auto version = image.symbol_version(index);
  bool kernel_only = version.file == kKernelAbiSoname;
  if (!kernel_only) {
    if (auto definition = search_dependencies(name, version); definition.found) return definition;
    // A function of a dependency that waits for its first call (lazy_binding.hh): its stub.
    if (const LazyImports* lazy = module_.lazy_imports())
      if (uintptr_t stub = lazy->stub_of(index)) {
        SymbolDefinition definition;
        definition.found = true;
        definition.value = stub;
        definition.type = elf::kSttFunc;
        return definition;
      }
  }
  ExternalSymbol external;
  if (options_.symbols.lookup && options_.symbols.lookup(options_.symbols.context, name, external)) {
    uint32_t wanted_hash = 0;
    if (parse_abi_version(version.name, wanted_hash) && wanted_hash != external.abi_hash)
      return Error::with_message(kENOEXEC,
                                 "module %.*s: kernel symbol '%.*s' version %.*s does not match this kernel's "
                                 "TESSERA_%08x (built against another kernel ABI)",
                                 TESSERA_NAME_ARG(module_.name()), TESSERA_NAME_ARG(name),
                                 TESSERA_NAME_ARG(version.name), external.abi_hash);
    SymbolDefinition definition;
    definition.found = true;
    definition.value = external.address;
    definition.type = elf::kSttFunc;
    return definition;
  }
  if (name == "__tls_get_addr") {
    SymbolDefinition definition;
    definition.found = true;
    definition.value = reinterpret_cast<uintptr_t>(&module_tls::tls_get_addr);
    definition.type = elf::kSttFunc;
    return definition;
  }
  if (symbol.binding() == elf::kStbWeak) return SymbolDefinition{};  // weak undefined: 0
  if (!version.name.empty())
    return Error::with_message(kENOEXEC, "module %.*s: undefined symbol '%.*s' (version %.*s)",
                               TESSERA_NAME_ARG(module_.name()), TESSERA_NAME_ARG(name),
                               TESSERA_NAME_ARG(version.name));
  return Error::with_message(kENOEXEC, "module %.*s: undefined symbol '%.*s'", TESSERA_NAME_ARG(module_.name()),
                             TESSERA_NAME_ARG(name));
}

SymbolDefinition ModuleSymbolResolver::find_in_module(const Module& provider, ktl::StringView name,
                                                     const ElfImage::SymbolVersion& version) {
  if (provider.is_builtin()) return builtin_definition(provider, name);
  size_t index = find_in(provider, name, version);
  return index == ElfImage::kNoSymbol ? SymbolDefinition{} : definition_in(provider, index);
}

// Breadth first through DT_NEEDED: direct dependencies in order, then theirs.
SymbolDefinition ModuleSymbolResolver::search_dependencies(ktl::StringView name,
                                                          const ElfImage::SymbolVersion& version) {
  const Module* queue[kMaxLoadedModules];
  size_t head = 0, tail = 0;
  auto enqueue = [&](const Module* candidate) {
    if (candidate == &module_) return;
    for (size_t i = 0; i < tail; ++i)
      if (queue[i] == candidate) return;
    if (tail < kMaxLoadedModules) queue[tail++] = candidate;
  };
  for (const Module* dependency : module_.dependencies()) enqueue(dependency);
  while (head < tail) {
    const Module* candidate = queue[head++];
    if (candidate->is_builtin()) {
      if (auto definition = builtin_definition(*candidate, name); definition.found) return definition;
      for (const Module* next : candidate->dependencies()) enqueue(next);
      continue;
    }
    size_t index = find_in(*candidate, name, version);
    if (index != ElfImage::kNoSymbol) return definition_in(*candidate, index);
    for (const Module* next : candidate->dependencies()) enqueue(next);
  }
  return SymbolDefinition{};
}

}  // namespace tessera
