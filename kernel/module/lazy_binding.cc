#include "module/lazy_binding.hh"

#include <tessera/ktl/utility.hh>
#include <tessera/panic.hh>
#include <tessera/platform.hh>

#include "boot/boot_chart.hh"
#include "boot/kernel_options.hh"
#include "log/log.hh"
#include "mm/heap.hh"
#include "mm/page_allocator.hh"
#include "module/module_file.hh"
#include "module/module_format.hh"
#include "module/module_index.hh"
#include "module/module_symbol_resolver.hh"

extern "C" void tessera_lazy_trampoline();
// Called by the trampoline with the stub's import; returns the function to jump to.
extern "C" uintptr_t tessera_lazy_bind(tessera::LazyImports::Import* import);

namespace tessera {
namespace {

using platform::Protection;


// Calls visit(rela, symbol index) for each relocation of `image` against a symbol it
// does not define, until visit returns false.
template <typename Visit> void for_each_import(const ElfImage& image, Visit visit) {
  ktl::Span<const elf::Rela> tables[] = {image.relocations(), image.plt_relocations()};
  for (const auto& table : tables)
    for (const elf::Rela& rela : table) {
      uint32_t index = rela.symbol();
      if (index == 0 || image.symbols()[index].is_defined()) continue;
      if (!visit(rela, index)) return;
    }
}

struct Milliseconds {
  unsigned long long whole, thousandths;
};
Milliseconds milliseconds(uint64_t ns) { return {ns / 1000000, ns / 1000 % 1000}; }

}  // namespace

LazyDecision decide_lazy_binding(const ElfImage& app, ktl::StringView module, const LazyPolicy& policy) {
  LazyDecision decision;
  if (!policy.enabled()) {
    decision.reason = "lazy binding is off";
    return decision;
  }
  // Initialisers and finalisers run under the loader's lock, where a first call through a
  // stub could not load anything: an application with any keeps its modules eager.
  const auto& dynamic = app.dynamic();
  if (dynamic.init || dynamic.init_array.count || dynamic.fini || dynamic.fini_array.count) {
    decision.reason = "the application has constructors or destructors (they run under the loader's lock)";
    return decision;
  }
  if (policy.must_load_with_app) {
    if (const char* reason = policy.must_load_with_app(policy.context, module)) {
      decision.reason = reason;
      return decision;
    }
  }
  for_each_import(app, [&](const elf::Rela& rela, uint32_t index) {
    ktl::StringView name = app.symbol_name(index);
    if (policy.exporter_of(policy.context, name) != module) return true;
    uint32_t type = rela.type();
    if (type != elf::kRX86_64GlobDat && type != elf::kRX86_64JumpSlot) {
      decision.reason = "it is referenced by a relocation other than a GOT or PLT slot (an address in data, or TLS)";
      decision.symbol = name;
      return false;
    }
    if (app.symbols()[index].type() != elf::kSttFunc) {
      decision.reason = "a data symbol is imported from it (only calls can wait for a load)";
      decision.symbol = name;
      return false;
    }
    ++decision.functions;
    return true;
  });
  decision.lazy = decision.reason == nullptr;
  return decision;
}

LazyPolicy kernel_lazy_policy() {
  const KernelOptions* options = current_kernel_options();
  if (options && (!options->modules_lazy || !options->modules_on_demand)) return {};
  if (ModuleIndex::empty()) return {};
  LazyPolicy policy;
  policy.exporter_of = [](void*, ktl::StringView symbol) { return ModuleIndex::exporter_of(symbol); };
  policy.must_load_with_app = [](void*, ktl::StringView module) -> const char* {
    ktl::StringView provides;
    if (!ModuleIndex::capabilities_of(module, provides)) return "the module index does not list it";
    if (!provides.empty()) return "it provides a capability (its init registers what the kernel reaches without a call)";
    return nullptr;
  };
  return policy;
}

Result<bool> LazyImports::defer(Module& app, ktl::StringView needed, const LoadOptions& options) {
  ktl::StringView name = module_name_from_path(needed);
  LazyDecision decision = decide_lazy_binding(app.image(), name, options.lazy);
  if (!decision.lazy) {
    log::debug("module %.*s: loads with %.*s: %s%s%.*s%s", TESSERA_NAME_ARG(name), TESSERA_NAME_ARG(app.name()),
               decision.reason, decision.symbol.empty() ? "" : " ('", TESSERA_NAME_ARG(decision.symbol),
               decision.symbol.empty() ? "" : "')");
    return false;
  }
  if (!app.lazy_imports_) app.lazy_imports_ = TRY(try_make<LazyImports>(app, options));
  LazyImports& self = *app.lazy_imports_;
  if (self.module_count_ == Module::kMaxDependencies) return false;
  self.modules_[self.module_count_++] = {needed, name};
  log::info("module %.*s: waits for %.*s's first call into it (%zu function slots)", TESSERA_NAME_ARG(name),
             TESSERA_NAME_ARG(app.name()), decision.functions);
  return true;
}

int LazyImports::deferred_module_of(ktl::StringView exporter) const {
  if (exporter.empty()) return -1;
  for (size_t i = 0; i < module_count_; ++i)
    if (modules_[i].name == exporter) return int(i);
  return -1;
}

Result<void> LazyImports::prepare(Module& app) {
  LazyImports& self = *app.lazy_imports_;
  const ElfImage& image = app.image();
  const LazyPolicy& policy = self.options_.lazy;
  size_t slots = 0;
  for_each_import(image, [&](const elf::Rela&, uint32_t index) {
    if (self.deferred_module_of(policy.exporter_of(policy.context, image.symbol_name(index))) >= 0) ++slots;
    return true;
  });
  if (slots == 0) return {};  // nothing imported: the module is simply never loaded

  auto* imports = static_cast<Import*>(heap().allocate(slots * sizeof(Import)));
  if (!imports)
    return Error::with_message(kENOMEM, "module %.*s: no memory for %zu lazy imports", TESSERA_NAME_ARG(app.name()),
                               slots);
  self.imports_ = imports;
  for_each_import(image, [&](const elf::Rela&, uint32_t index) {
    int module = self.deferred_module_of(policy.exporter_of(policy.context, image.symbol_name(index)));
    if (module < 0 || self.stub_of(index) != 0) return true;
    self.imports_[self.import_count_++] = {0, &self, index, uint32_t(module)};
    return true;
  });

  size_t bytes = kHeaderSize + self.import_count_ * kStubSize;
  size_t pages = (bytes + platform::kPageSize - 1) / platform::kPageSize;
  auto allocated = page_allocator().allocate(pages);
  if (allocated.is_error())
    return Error::with_message(kENOMEM, "module %.*s: no memory for its lazy stubs: %s", TESSERA_NAME_ARG(app.name()),
                               allocated.error().message());
  self.stub_pages_ = static_cast<uint8_t*>(allocated.value());
  self.stub_page_count_ = pages;
  uint8_t* page = self.stub_pages_;
  __builtin_memset(page, 0xcc, pages * platform::kPageSize);  // int3 around the stubs
  auto trampoline = reinterpret_cast<uintptr_t>(&tessera_lazy_trampoline);
  __builtin_memcpy(page, &trampoline, sizeof trampoline);
  for (size_t i = 0; i < self.import_count_; ++i) {
    uint8_t* stub = page + kHeaderSize + i * kStubSize;
    auto import = reinterpret_cast<uintptr_t>(&self.imports_[i]);
    // movabs $import, %r11
    stub[0] = 0x49;
    stub[1] = 0xbb;
    __builtin_memcpy(stub + 2, &import, 8);
    // jmp *header(%rip): the displacement counts from the end of the instruction.
    stub[10] = 0xff;
    stub[11] = 0x25;
    auto displacement = int32_t(intptr_t(page) - intptr_t(stub + kStubSize));
    __builtin_memcpy(stub + 12, &displacement, 4);
  }
  if (auto protected_ = platform::protect(page, pages * platform::kPageSize, Protection::kRead | Protection::kExecute);
      protected_.is_error())
    return Error::with_message(protected_.error().code(), "module %.*s: cannot make its lazy stubs executable: %s",
                               TESSERA_NAME_ARG(app.name()), protected_.error().message());
  return {};
}

void LazyImports::release(Module& app) {
  LazyImports* self = app.lazy_imports_;
  if (!self) return;
  app.lazy_imports_ = nullptr;
  if (self->stub_pages_) {
    size_t length = self->stub_page_count_ * platform::kPageSize;
    // The page allocator hands pages out again to callers that expect them writable.
    if (auto result = platform::protect(self->stub_pages_, length, Protection::kRead | Protection::kWrite);
        result.is_error())
      panic("module %.*s: cannot make its lazy stubs writable again: %s", TESSERA_NAME_ARG(app.name()),
            result.error().message());
    page_allocator().free(self->stub_pages_, self->stub_page_count_);
  }
  if (self->imports_) heap().free(self->imports_);
  destroy(self);
}

uintptr_t LazyImports::stub_of(uint32_t index) const {
  for (size_t i = 0; i < import_count_; ++i)
    if (imports_[i].symbol == index) return reinterpret_cast<uintptr_t>(stub_pages_ + kHeaderSize + i * kStubSize);
  return 0;
}

bool LazyImports::is_bound(uint32_t index) const {
  for (size_t i = 0; i < import_count_; ++i)
    if (imports_[i].symbol == index) return __atomic_load_n(&imports_[i].target, __ATOMIC_ACQUIRE) != 0;
  return false;
}

// Under the loader's lock, the module loaded: every import of the application from it
// gets its function, then the PLT slots are patched.
Result<void> LazyImports::bind_loaded(Module& dependency, void* context) {
  auto& request = *static_cast<BindRequest*>(context);
  LazyImports& self = *request.owner;
  const ElfImage& image = self.app_.image();
  for (size_t i = 0; i < self.import_count_; ++i) {
    Import& import = self.imports_[i];
    if (import.module != request.module || import.target != 0) continue;
    ktl::StringView name = image.symbol_name(import.symbol);
    SymbolDefinition definition =
        ModuleSymbolResolver::find_in_module(dependency, name, image.symbol_version(import.symbol));
    if (!definition.found)
      return Error::with_message(kENOEXEC, "module %.*s does not export '%.*s' (the module index says it does)",
                                 TESSERA_NAME_ARG(dependency.name()), TESSERA_NAME_ARG(name));
    uintptr_t value = definition.value;
    if (definition.is_ifunc()) value = reinterpret_cast<uintptr_t (*)()>(definition.value)();
    else if (definition.type != elf::kSttFunc)
      return Error::with_message(kENOEXEC, "'%.*s' in module %.*s is not a function", TESSERA_NAME_ARG(name),
                                 TESSERA_NAME_ARG(dependency.name()));
    if (value == 0)
      return Error::with_message(kENOEXEC, "'%.*s' in module %.*s resolved to address 0", TESSERA_NAME_ARG(name),
                                 TESSERA_NAME_ARG(dependency.name()));
    // A failure further on panics before any caller runs: publishing one by one is safe.
    __atomic_store_n(&import.target, value, __ATOMIC_RELEASE);
  }
  return self.patch_plt_slots(request.module);
}

// PLT slots (R_X86_64_JUMP_SLOT) of the bound imports get the function itself. GOT
// slots (R_X86_64_GLOB_DAT) keep the stub: that is the function's address as the
// application sees it everywhere, so two of its pointers to one function stay equal.
Result<void> LazyImports::patch_plt_slots(uint32_t module) {
  const ElfImage& image = app_.image();
  auto relro = image.relro();
  uintptr_t relro_start = ktl::align_down(app_.address_of(relro.start), uintptr_t{platform::kPageSize});
  uintptr_t relro_end = ktl::align_down(app_.address_of(relro.end), uintptr_t{platform::kPageSize});
  uintptr_t low = ~uintptr_t{0}, high = 0;  // the read-only pages to open, if any
  auto each_slot = [&](auto action) {
    for (const elf::Rela& rela : image.plt_relocations()) {
      if (rela.type() != elf::kRX86_64JumpSlot) continue;
      for (size_t i = 0; i < import_count_; ++i)
        if (imports_[i].symbol == rela.symbol() && imports_[i].module == module)
          action(app_.address_of(rela.r_offset), imports_[i].target);
    }
  };
  each_slot([&](uintptr_t slot, uintptr_t) {
    if (slot < relro_start || slot >= relro_end) return;
    low = ktl::min(low, ktl::align_down(slot, uintptr_t{platform::kPageSize}));
    high = ktl::max(high, ktl::align_down(slot, uintptr_t{platform::kPageSize}) + platform::kPageSize);
  });
  bool opened = low < high;
  if (opened) {
    if (auto result = platform::protect(reinterpret_cast<void*>(low), high - low, Protection::kRead | Protection::kWrite);
        result.is_error())
      return Error::with_message(result.error().code(), "cannot open %.*s's GOT for the patch: %s",
                                 TESSERA_NAME_ARG(app_.name()), result.error().message());
  }
  each_slot([](uintptr_t slot, uintptr_t target) { __builtin_memcpy(reinterpret_cast<void*>(slot), &target, 8); });
  if (opened) {
    if (auto result = platform::protect(reinterpret_cast<void*>(low), high - low, Protection::kRead);
        result.is_error())
      return Error::with_message(result.error().code(), "cannot make %.*s's GOT read-only again: %s",
                                 TESSERA_NAME_ARG(app_.name()), result.error().message());
  }
  return {};
}

uintptr_t LazyImports::bind(Import& import) {
  if (uintptr_t target = __atomic_load_n(&import.target, __ATOMIC_ACQUIRE)) return target;
  LazyImports& self = *import.owner;
  const Deferred& module = self.modules_[import.module];
  ktl::StringView symbol = self.app_.image().symbol_name(import.symbol);
  uint64_t started = platform::monotonic_ns();
  BindRequest request{&self, import.module};
  bool loaded_now = false;
  auto loaded = load_deferred_dependency(self.app_, module.needed, self.options_, &bind_loaded, &request, loaded_now);
  if (loaded.is_error())
    panic("lazy binding: %.*s called '%.*s' of module %.*s, which cannot be loaded or bound: %s",
          TESSERA_NAME_ARG(self.app_.name()), TESSERA_NAME_ARG(symbol), TESSERA_NAME_ARG(module.name),
          loaded.error().message());
  uintptr_t target = __atomic_load_n(&import.target, __ATOMIC_ACQUIRE);
  if (!target)
    panic("lazy binding: '%.*s' of module %.*s is still unbound after the load", TESSERA_NAME_ARG(symbol),
          TESSERA_NAME_ARG(module.name));
  if (loaded_now) {
    auto took = milliseconds(platform::monotonic_ns() - started);
    log::info("module %.*s: loaded for symbol %.*s (first call from %.*s) in %llu.%03llu ms",
              TESSERA_NAME_ARG(module.name), TESSERA_NAME_ARG(symbol), TESSERA_NAME_ARG(self.app_.name()),
              took.whole, took.thousandths);
    boot_chart::record("module loaded for a symbol");
  }
  return target;
}

}  // namespace tessera

extern "C" uintptr_t tessera_lazy_bind(tessera::LazyImports::Import* import) {
  return tessera::LazyImports::bind(*import);
}
