#include "module/module_symbolizer.hh"

#include <tessera/format.hh>

#include "module/elf.hh"
#include "module/module.hh"
#include "module/module_loader.hh"

namespace tessera {
namespace {

struct Search {
  uintptr_t address;
  const Module* found = nullptr;
};

}  // namespace

bool describe_module_address(uintptr_t address, char* out, size_t capacity) {
  Search search{address};
  for_each_module(
      [](Module& module, void* context) {
        auto& s = *static_cast<Search*>(context);
        if (s.address >= module.mapping_start() && s.address - module.mapping_start() < module.mapping_size())
          s.found = &module;
      },
      &search);
  if (!search.found) return false;
  const Module& module = *search.found;
  uint64_t offset = address - module.base();

  // Only a defined function whose extent holds the address names it: never a guess.
  const ElfImage& image = module.image();
  auto symbols = image.symbols();
  for (size_t i = 1; i < symbols.size(); ++i) {
    const elf::Sym& symbol = symbols[i];
    if (symbol.type() != elf::kSttFunc || symbol.st_shndx == elf::kShnUndef || symbol.st_size == 0) continue;
    if (offset >= symbol.st_value && offset - symbol.st_value < symbol.st_size) {
      ktl::StringView name = image.symbol_name(i);
      format(out, capacity, "%.*s+0x%lx (%.*s+0x%lx)", int(module.name().length()), module.name().data(), offset,
             int(name.length()), name.data(), offset - symbol.st_value);
      return true;
    }
  }
  format(out, capacity, "%.*s+0x%lx", int(module.name().length()), module.name().data(), offset);
  return true;
}

}  // namespace tessera
