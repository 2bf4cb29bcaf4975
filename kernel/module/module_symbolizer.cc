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

// The full symbol table (.symtab), which images keep (only DWARF is stripped): names
// hidden functions too. Every offset is checked against the file, since a crash report
// must not fault. Writes the function's name and start when one holds `offset`.
bool find_in_symtab(const ElfImage& image, uint64_t offset, ktl::StringView& name, uint64_t& start) {
  ktl::Bytes file = image.file();
  auto sections = image.section_headers();
  for (const elf::Shdr& table : sections) {
    if (table.sh_type != elf::kShtSymtab || table.sh_entsize != sizeof(elf::Sym) || table.sh_link >= sections.size())
      continue;
    const elf::Shdr& strings = sections[table.sh_link];
    if (table.sh_offset > file.size() || table.sh_size > file.size() - table.sh_offset ||
        strings.sh_offset > file.size() || strings.sh_size > file.size() - strings.sh_offset || table.sh_offset % 8)
      continue;
    const auto* symbols = reinterpret_cast<const elf::Sym*>(file.data() + table.sh_offset);
    const char* names = reinterpret_cast<const char*>(file.data() + strings.sh_offset);
    for (size_t i = 1; i < table.sh_size / sizeof(elf::Sym); ++i) {
      const elf::Sym& symbol = symbols[i];
      if (symbol.type() != elf::kSttFunc || symbol.st_shndx == elf::kShnUndef || symbol.st_size == 0) continue;
      if (offset < symbol.st_value || offset - symbol.st_value >= symbol.st_size) continue;
      if (symbol.st_name >= strings.sh_size) return false;
      size_t length = 0;
      while (symbol.st_name + length < strings.sh_size && names[symbol.st_name + length]) ++length;
      name = ktl::StringView(names + symbol.st_name, length);
      start = symbol.st_value;
      return true;
    }
  }
  return false;
}

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
  ktl::StringView name;
  uint64_t start = 0;
  if (find_in_symtab(image, offset, name, start)) {
    format(out, capacity, "%.*s+0x%lx (%.*s+0x%lx)", int(module.name().length()), module.name().data(), offset,
           int(name.length()), name.data(), offset - start);
    return true;
  }
  format(out, capacity, "%.*s+0x%lx", int(module.name().length()), module.name().data(), offset);
  return true;
}

}  // namespace tessera
