#include "module/module.hh"

#include "module/builtin_module.h"

namespace tessera {

uintptr_t Module::find_symbol(ktl::StringView name) const {
  if (builtin_) {
    for (unsigned long i = 0; i < builtin_->export_count; ++i)
      if (ktl::StringView(builtin_->exports[i].name) == name) return reinterpret_cast<uintptr_t>(builtin_->exports[i].address);
    return 0;
  }
  size_t index = image_.find_symbol(name);
  if (index == ElfImage::kNoSymbol) return 0;
  const elf::Sym& symbol = image_.symbols()[index];
  if (symbol.type() == elf::kSttTls) return 0;
  if (symbol.st_shndx == elf::kShnAbs) return symbol.st_value;
  return address_of(symbol.st_value);
}

void Module::set_name(ktl::StringView name) {
  size_t length = name.length() < kMaxNameLength ? name.length() : kMaxNameLength;
  if (length) __builtin_memcpy(name_, name.data(), length);
  name_[length] = '\0';
  name_length_ = length;
}

}  // namespace tessera
