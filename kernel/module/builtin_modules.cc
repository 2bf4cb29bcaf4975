#include "module/builtin_modules.hh"

#include <tessera/errno.hh>
#include <tessera/format.hh>
#include <tessera/platform.hh>

#include "boot/boot_chart.hh"
#include "debug/debugger_interface.hh"
#include "lib/comma_list.hh"
#include "log/log.hh"
#include "mm/heap.hh"
#include "module/builtin_module.h"
#include "module/module_entry.hh"
#include "module/module_format.hh"
#include "module/module_index.hh"
#include "module/module_loader.hh"

// The linker brackets the section of records; weak, so a kernel without built-in modules
// links (both are then null).
extern "C" const tessera_builtin_module* const __start_tessera_builtin_modules[] __attribute__((weak));
extern "C" const tessera_builtin_module* const __stop_tessera_builtin_modules[] __attribute__((weak));

namespace tessera {
namespace {

ktl::Span<const tessera_builtin_module* const> records() {
  if (!__start_tessera_builtin_modules || !__stop_tessera_builtin_modules) return {};
  return {__start_tessera_builtin_modules,
          static_cast<size_t>(__stop_tessera_builtin_modules - __start_tessera_builtin_modules)};
}

// Registered modules, and the order their inits ran in (for the exits).
struct Registry {
  Module* started[kMaxLoadedModules] = {};
  size_t started_count = 0;
};
constinit Registry g_registry;

bool on_image(ktl::StringView name) {
  struct Search {
    ktl::StringView name;
    bool found = false;
  } search{name};
  ModuleIndex::for_each(
      [](ktl::StringView indexed, void* context) {
        auto& state = *static_cast<Search*>(context);
        if (indexed == state.name) state.found = true;
      },
      &search);
  return search.found;
}

}  // namespace

// A friend of Module: fills in what the loader would have from the file.
class BuiltinModuleFactory {
 public:
  static Result<Module*> make(const tessera_builtin_module& record) {
    if (record.magic != TESSERA_BUILTIN_MODULE_MAGIC || !record.note || !record.depends)
      return Error::with_message(kEBADMSG, "built-in module record at %p is damaged", static_cast<const void*>(&record));
    ktl::Bytes note(reinterpret_cast<const uint8_t*>(record.note), record.note_size);
    auto metadata = TRY(ModuleMetadata::try_parse_strings(note, "built-in module"));
    if (metadata.name.empty() || metadata.name.length() > Module::kMaxNameLength)
      return Error::with_message(kEBADMSG, "built-in module record at %p has no usable name",
                                 static_cast<const void*>(&record));
    if (find_module(metadata.name))
      return Error::with_message(kEEXIST, "built-in module %.*s: a module of that name is already registered",
                                 TESSERA_NAME_ARG(metadata.name));
    Module* module = TRY(try_make<Module>());
    module->set_name(metadata.name);
    module->metadata_ = metadata;
    module->builtin_ = &record;
    module->kind_ = Module::Kind::kModule;
    module->state_ = Module::State::kRelocated;  // linked, not initialised
    module->uses_kernel_ = true;
    module->explicitly_loaded_ = true;  // nothing may unload it as an unused dependency
    return module;
  }

  static Result<void> link_dependencies(Module& module) {
    Result<void> outcome = {};
    for_each_in_comma_list(ktl::StringView(module.builtin_->depends), [&](ktl::StringView name) {
      Module* dependency = find_module(name);
      if (!dependency || !dependency->builtin_) {
        outcome = Error::with_message(kENOENT, "built-in module %.*s: dependency %.*s is not built in",
                                      TESSERA_NAME_ARG(module.name()), TESSERA_NAME_ARG(name));
        return false;
      }
      if (module.dependency_count_ == Module::kMaxDependencies) {
        outcome = Error::with_message(kENOEXEC, "built-in module %.*s: more than %zu dependencies",
                                      TESSERA_NAME_ARG(module.name()), Module::kMaxDependencies);
        return false;
      }
      module.dependencies_[module.dependency_count_++] = dependency;
      ++dependency->references_;
      return true;
    });
    return outcome;
  }

  static Result<void> run_init(Module& module) {
    module.state_ = Module::State::kInitializing;
    // Constructors once, even if the init entry fails and is tried again later.
    if (!module.initialized_) {
      module.initialized_ = true;
      const tessera_builtin_module& record = *module.builtin_;
      for (auto* function = record.init_array; function && function < record.init_array_end; ++function)
        if (*function) (*function)();
    }
    if (!module.metadata_.init.empty()) {
      uintptr_t init = module.find_symbol(module.metadata_.init);
      if (!init) {
        module.state_ = Module::State::kRelocated;
        return Error::with_message(kENOEXEC, "module %.*s: init entry '%.*s' is not an exported symbol",
                                   TESSERA_NAME_ARG(module.name()), TESSERA_NAME_ARG(module.metadata_.init));
      }
      int status = reinterpret_cast<ModuleInitFunction>(init)();
      if (status != 0) {
        // As a failed load leaves nothing behind, a failed init leaves the module as it
        // was: a later request tries again.
        module.state_ = Module::State::kRelocated;
        return init_entry_failure(module.name(), module.metadata_.init, status);
      }
      module.init_entry_ran_ = true;
    }
    module.state_ = Module::State::kLive;
    return {};
  }

  static void run_exit(Module& module) {
    if (module.init_entry_ran_ && !module.metadata_.exit.empty())
      if (uintptr_t exit = module.find_symbol(module.metadata_.exit)) reinterpret_cast<ModuleExitFunction>(exit)();
    module.init_entry_ran_ = false;
    if (module.initialized_) {
      module.initialized_ = false;
      const tessera_builtin_module& record = *module.builtin_;
      for (auto* function = record.fini_array_end; record.fini_array && function-- > record.fini_array;)
        if (*function) (*function)();
    }
    module.state_ = Module::State::kRelocated;
  }
};

Result<void> BuiltinModules::register_all() {
  g_registry = Registry{};
  auto all = records();
  if (all.empty()) return {};
  uint64_t started = platform::monotonic_ns();
  // Dependencies before what needs them, as the loader keeps its list: a record goes in
  // once everything it DEPENDS on is in. The build refuses a built-in set that is not
  // closed under DEPENDS, so every pass adds at least one.
  bool registered[kMaxLoadedModules] = {};
  if (all.size() > kMaxLoadedModules)
    return Error::with_message(kENOMEM, "%zu built-in modules, the limit is %zu", all.size(), kMaxLoadedModules);
  size_t done = 0;
  char list[512] = {};
  size_t listed = 0;
  while (done < all.size()) {
    size_t before = done;
    for (size_t i = 0; i < all.size(); ++i) {
      if (registered[i]) continue;
      bool ready = for_each_in_comma_list(ktl::StringView(all[i]->depends), [](ktl::StringView name) { return find_module(name) != nullptr; });
      if (!ready) continue;
      Module* module = TRY(BuiltinModuleFactory::make(*all[i]));
      adopt_module(*module);
      TRY(BuiltinModuleFactory::link_dependencies(*module));
      debugger::module_loaded(*module, "(built in)");
      registered[i] = true;
      ++done;
      const ModuleMetadata& metadata = module->metadata();
      log::debug("module %.*s %.*s: built in%s%.*s", TESSERA_NAME_ARG(module->name()), TESSERA_NAME_ARG(metadata.version),
                 metadata.provides.empty() ? "" : ", provides ", TESSERA_NAME_ARG(metadata.provides));
      // One line for all at info level: under QEMU every console line costs.
      listed += format(list + listed, sizeof list - listed, "%s%.*s %.*s", done == 1 ? "" : ", ",
                       TESSERA_NAME_ARG(module->name()), TESSERA_NAME_ARG(metadata.version));
      if (listed >= sizeof list) listed = sizeof list - 1;
      if (on_image(module->name()))
        log::info("module %.*s: built into the kernel; %s%.*s.so on the boot image is not used",
                  TESSERA_NAME_ARG(module->name()), kModuleDirectory, TESSERA_NAME_ARG(module->name()));
    }
    if (done == before)
      return Error::with_message(kENOENT, "built-in modules: %zu depend on modules that are not built in",
                                 all.size() - done);
  }
  uint64_t took = platform::monotonic_ns() - started;
  log::info("built-in modules: %s (%zu registered in %llu.%03llu ms)", list, done,
            static_cast<unsigned long long>(took / 1000000), static_cast<unsigned long long>(took / 1000 % 1000));
  boot_chart::record("builtins registered");
  return {};
}

size_t BuiltinModules::count() { return records().size(); }

Module* BuiltinModules::provider_of(ktl::StringView capability) {
  struct Search {
    ktl::StringView capability;
    Module* found = nullptr;
  } search{capability};
  for_each_module(
      [](Module& module, void* context) {
        auto& state = *static_cast<Search*>(context);
        if (!state.found && module.is_builtin() && comma_list_contains(module.metadata().provides, state.capability))
          state.found = &module;
      },
      &search);
  return search.found;
}

Result<void> BuiltinModules::start(Module& module, const char* reason) {
  if (!module.is_builtin() || module.state() == Module::State::kLive) return {};
  // A cycle of DEPENDS: the one already initialising goes on as a loaded cycle would.
  if (module.state() == Module::State::kInitializing) return {};
  for (Module* dependency : module.dependencies()) TRY(start(*dependency, reason));
  uint64_t begin = platform::monotonic_ns();
  TRY(BuiltinModuleFactory::run_init(module));
  uint64_t took = platform::monotonic_ns() - begin;
  if (g_registry.started_count < kMaxLoadedModules) g_registry.started[g_registry.started_count++] = &module;
  boot_chart::record("builtin started");
  log::info("module %.*s: built in, started for %s in %llu.%03llu ms", TESSERA_NAME_ARG(module.name()), reason,
            static_cast<unsigned long long>(took / 1000000), static_cast<unsigned long long>(took / 1000 % 1000));
  return {};
}

Result<void> BuiltinModules::start_all() {
  Result<void> outcome = {};
  for_each_module(
      [](Module& module, void* context) {
        auto& first_error = *static_cast<Result<void>*>(context);
        if (first_error.is_error() || !module.is_builtin()) return;
        auto started = start_builtin_module(module, "modules.on_demand=0");
        if (started.is_error() && started.error().code() == kENODEV) {
          log::info("module %.*s: not started, no device for it (%s)", TESSERA_NAME_ARG(module.name()),
                    started.error().message());
          return;
        }
        if (started.is_error()) first_error = Result<void>(started.error());
      },
      &outcome);
  return outcome;
}

void BuiltinModules::stop_all() {
  while (g_registry.started_count > 0) {
    Module& module = *g_registry.started[--g_registry.started_count];
    BuiltinModuleFactory::run_exit(module);
  }
}

}  // namespace tessera
