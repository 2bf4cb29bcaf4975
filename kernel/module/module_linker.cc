#include "module/module_linker.hh"

#include <tessera/ktl/utility.hh>
#include <tessera/panic.hh>
#include <tessera/platform.hh>

#include "mm/page_allocator.hh"
#include "module/export_table.hh"
#include "module/module_format.hh"
#include "module/module_symbol_resolver.hh"
#include "module/module_tls.hh"

namespace tessera {
namespace {

using platform::Protection;

template <typename T> void write_at(uintptr_t address, T value) {
  __builtin_memcpy(reinterpret_cast<void*>(address), &value, sizeof(value));
}

uint64_t read_u64(uintptr_t address) {
  uint64_t value;
  __builtin_memcpy(&value, reinterpret_cast<const void*>(address), sizeof(value));
  return value;
}

class Relocator {
 public:
  Relocator(Module& module, const LoadOptions& options, bool ifunc_pass)
      : module_(module), options_(options), resolver_(module, options), ifunc_pass_(ifunc_pass) {}

  Result<void> run() {
    if (!ifunc_pass_) apply_relr();
    TRY(apply_table(module_.image().relocations(), "DT_RELA"));
    TRY(apply_table(module_.image().plt_relocations(), "DT_JMPREL"));
    return {};
  }

 private:
  void apply_relr() {
    uintptr_t base = module_.base();
    uintptr_t where = 0;
    for (uint64_t entry : module_.image().relr()) {
      if ((entry & 1) == 0) {
        where = base + entry;
        write_at<uint64_t>(where, read_u64(where) + base);
        where += 8;
        continue;
      }
      // A bitmap: bit i (from 1) relocates the word i - 1 after `where`. The validator
      // checked every such address, so nothing here leaves the writable segments.
      uint64_t bits = entry >> 1;
      for (unsigned bit = 0; bits; ++bit, bits >>= 1)
        if (bits & 1) write_at<uint64_t>(where + bit * 8, read_u64(where + bit * 8) + base);
      where += 63 * 8;
    }
  }

  Result<void> apply_table(ktl::Span<const elf::Rela> table, const char* table_name) {
    for (size_t i = 0; i < table.size(); ++i) TRY(apply(table[i], table_name, i));
    return {};
  }

  Result<uintptr_t> call_resolver(uintptr_t resolver) {
    if (!options_.run_code) return uintptr_t{0};
    using IfuncResolver = uintptr_t (*)();
    return reinterpret_cast<IfuncResolver>(resolver)();
  }

  Result<void> apply(const elf::Rela& rela, const char* table_name, size_t index) {
    uint32_t type = rela.type();
    uintptr_t place = module_.address_of(rela.r_offset);
    uintptr_t base = module_.base();
    auto addend = static_cast<uint64_t>(rela.r_addend);
    if (type == elf::kRX86_64None) return {};
    if (type == elf::kRX86_64Relative) {
      if (!ifunc_pass_) write_at<uint64_t>(place, base + addend);
      return {};
    }
    if (type == elf::kRX86_64IRelative) {
      if (ifunc_pass_) write_at<uint64_t>(place, TRY(call_resolver(base + addend)));
      return {};
    }
    SymbolDefinition definition = TRY(resolver_.resolve(rela.symbol()));
    bool deferred = definition.is_ifunc();
    if (deferred != ifunc_pass_) return {};
    uint64_t value = definition.value;
    if (deferred) {
      if (definition.provider && definition.provider->state() == Module::State::kLoading)
        return refuse(rela, table_name, index, "IFUNC resolver of a module that is not relocated yet");
      value = TRY(call_resolver(definition.value));
    }
    switch (type) {
      case elf::kRX86_64_64:
        write_at<uint64_t>(place, value + addend);
        return {};
      case elf::kRX86_64GlobDat:
      case elf::kRX86_64JumpSlot:
        write_at<uint64_t>(place, value);
        return {};
      case elf::kRX86_64Pc32: {
        int64_t relative = static_cast<int64_t>(value + addend - place);
        if (relative != static_cast<int32_t>(relative))
          return refuse(rela, table_name, index, "R_X86_64_PC32 target out of 32-bit range");
        write_at<int32_t>(place, static_cast<int32_t>(relative));
        return {};
      }
      case elf::kRX86_64DtpMod64: {
        const Module* provider = TRY(tls_provider(definition, rela, table_name, index));
        write_at<uint64_t>(place, provider->tls().id);
        return {};
      }
      case elf::kRX86_64DtpOff64:
        TRY(tls_provider(definition, rela, table_name, index));
        write_at<uint64_t>(place, value + addend);
        return {};
      case elf::kRX86_64TpOff64: {
        const Module* provider = TRY(tls_provider(definition, rela, table_name, index));
        if (!provider->tls().is_static)
          return refuse(rela, table_name, index, "initial-exec TLS of a module outside static TLS");
        write_at<uint64_t>(place, static_cast<uint64_t>(provider->tls().tp_offset) + value + addend);
        return {};
      }
      case elf::kRX86_64TlsDesc: {
        const Module* provider = TRY(tls_provider(definition, rela, table_name, index));
        uint64_t offset = value + addend;
        if (provider->tls().is_static) {
          write_at<uint64_t>(place, reinterpret_cast<uintptr_t>(&module_tls::tessera_tlsdesc_static));
          write_at<uint64_t>(place + 8, static_cast<uint64_t>(provider->tls().tp_offset) + offset);
        } else {
          if (offset >> module_tls::kDescriptorOffsetBits)
            return refuse(rela, table_name, index, "TLS descriptor offset too large");
          write_at<uint64_t>(place, reinterpret_cast<uintptr_t>(&module_tls::tessera_tlsdesc_dynamic));
          write_at<uint64_t>(place + 8, module_tls::encode_dynamic(provider->tls().id, offset));
        }
        return {};
      }
      default:
        // The validator admits only the types above; anything else is refused by name.
        return refuse(rela, table_name, index, ElfImage::relocation_name(type));
    }
  }

  Result<const Module*> tls_provider(const SymbolDefinition& definition, const elf::Rela& rela, const char* table_name,
                                     size_t index) {
    if (!definition.provider) {
      if (!definition.found) return refuse(rela, table_name, index, "TLS relocation against an undefined weak symbol");
      return refuse(rela, table_name, index, "TLS symbol outside any module (the kernel exports no TLS)");
    }
    if (rela.symbol() != 0 && definition.type != elf::kSttTls)
      return refuse(rela, table_name, index, "TLS relocation against a non-TLS symbol");
    if (definition.provider->tls().id == 0)
      return refuse(rela, table_name, index, "TLS relocation but the defining module has no PT_TLS");
    return definition.provider;
  }

  Error refuse(const elf::Rela& rela, const char* table_name, size_t index, const char* reason) {
    ktl::StringView symbol = rela.symbol() ? module_.image().symbol_name(rela.symbol()) : ktl::StringView("-");
    return Error::with_message(kENOEXEC, "module %.*s: %s relocation %zu (%s, symbol '%.*s'): %s",
                               TESSERA_NAME_ARG(module_.name()), table_name, index,
                               ElfImage::relocation_name(rela.type()), TESSERA_NAME_ARG(symbol), reason);
  }

  Module& module_;
  const LoadOptions& options_;
  ModuleSymbolResolver resolver_;
  bool ifunc_pass_;
};

Protection protection_of(const ElfImage::LoadSegment& segment) {
  Protection protection = Protection::kNone;
  if (segment.readable()) protection = protection | Protection::kRead;
  if (segment.writable()) protection = protection | Protection::kWrite;
  if (segment.executable()) protection = protection | Protection::kExecute;
  return protection;
}

Result<void> protect_range(Module& module, uintptr_t start, uintptr_t end, Protection protection) {
  if (end <= start) return {};
  if (auto result = platform::protect(reinterpret_cast<void*>(start), end - start, protection); result.is_error())
    return Error::with_message(result.error().code(), "module %.*s: cannot protect %p+%zu: %s",
                               TESSERA_NAME_ARG(module.name()), reinterpret_cast<void*>(start),
                               static_cast<size_t>(end - start), result.error().message());
  return {};
}

}  // namespace

Result<void> ModuleLinker::map(Module& module) {
  const ElfImage& image = module.image();
  auto span = image.load_span();
  size_t size = span.end - span.start;
  size_t pages = size / platform::kPageSize;
  uint64_t alignment = image.max_alignment();
  size_t alignment_pages = alignment / platform::kPageSize;
  // base = start - span.start must be a multiple of the largest p_align, so the page of
  // the run that lands on an alignment boundary is the one holding link address 0 mod it.
  size_t aligned_index = ((alignment - span.start % alignment) % alignment) / platform::kPageSize;
  if (aligned_index >= pages) aligned_index = 0, alignment_pages = 1;
  auto allocated = page_allocator().allocate_offset(pages, alignment_pages, aligned_index);
  if (allocated.is_error())
    return Error::with_message(kENOMEM, "module %.*s: no memory for its %zu pages: %s",
                               TESSERA_NAME_ARG(module.name()), pages, allocated.error().message());
  auto* start = static_cast<uint8_t*>(allocated.value());
  __builtin_memset(start, 0, size);
  module.mapping_start_ = reinterpret_cast<uintptr_t>(start);
  module.mapping_size_ = size;
  module.base_ = module.mapping_start_ - span.start;
  for (const auto& segment : image.load_segments())
    if (segment.file_size)
      __builtin_memcpy(reinterpret_cast<void*>(module.address_of(segment.vaddr)), segment.contents.data(),
                       segment.file_size);
  return {};
}

Result<void> ModuleLinker::attach_tls(Module& module) {
  const auto* segment = module.image().tls();
  if (!segment) return {};
  bool needs_static = module.image().dynamic().flags & elf::kDfStaticTls;
  for (const auto& rela : module.image().relocations())
    if (rela.type() == elf::kRX86_64TpOff64 &&
        (rela.symbol() == 0 || module.image().symbols()[rela.symbol()].is_defined()))
      needs_static = true;
  return module_tls::attach(module.tls_, *segment, needs_static, module.name());
}

Result<void> ModuleLinker::relocate(Module& module, const LoadOptions& options) {
  return Relocator(module, options, false).run();
}

Result<void> ModuleLinker::resolve_ifuncs(Module& module, const LoadOptions& options) {
  return Relocator(module, options, true).run();
}

Result<void> ModuleLinker::protect(Module& module) {
  uintptr_t cursor = module.mapping_start_;
  uintptr_t end = module.mapping_start_ + module.mapping_size_;
  for (const auto& segment : module.image().load_segments()) {
    if (segment.memory_size == 0) continue;
    uintptr_t first = ktl::align_down(module.address_of(segment.vaddr), uintptr_t{platform::kPageSize});
    uintptr_t last = 0;
    ktl::align_up(module.address_of(segment.vaddr + segment.memory_size), uintptr_t{platform::kPageSize}, last);
    if (first < cursor) first = cursor;  // a page shared with the previous segment (same flags)
    TRY(protect_range(module, cursor, first, Protection::kNone));
    TRY(protect_range(module, first, last, protection_of(segment)));
    if (last > cursor) cursor = last;
  }
  return protect_range(module, cursor, end, Protection::kNone);
}

Result<void> ModuleLinker::protect_relro(Module& module) {
  auto relro = module.image().relro();
  if (relro.empty()) return {};
  uintptr_t start = ktl::align_down(module.address_of(relro.start), uintptr_t{platform::kPageSize});
  uintptr_t end = ktl::align_down(module.address_of(relro.end), uintptr_t{platform::kPageSize});
  return protect_range(module, start, end, Protection::kRead);
}

void ModuleLinker::unmap(Module& module) {
  module_tls::detach(module.tls_);
  if (!module.mapping_start_) return;
  auto* start = reinterpret_cast<void*>(module.mapping_start_);
  // The page allocator hands these pages out again to callers that expect them writable.
  if (auto result = platform::protect(start, module.mapping_size_, Protection::kRead | Protection::kWrite);
      result.is_error())
    panic("module %.*s: cannot make its pages writable again: %s", TESSERA_NAME_ARG(module.name()),
          result.error().message());
  page_allocator().free(start, module.mapping_size_ / platform::kPageSize);
  module.mapping_start_ = 0;
  module.mapping_size_ = 0;
  module.base_ = 0;
}

}  // namespace tessera
