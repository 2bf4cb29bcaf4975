#include "module/module_loader.hh"

#include <tessera/format.hh>

#include "debug/debugger_interface.hh"

#include <tessera/ktl/intrusive_list.hh>
#include <tessera/ktl/utility.hh>
#include <tessera/module_note.hh>
#include <tessera/panic.hh>
#include <tessera/platform.hh>
#include <tessera/vfs.hh>

#include "log/log.hh"
#include "fs/vfs/vfs.hh"
#include "mm/heap.hh"
#include "module/api/module_filesystems.hh"
#include "module/builtin_modules.hh"
#include "module/export_table.hh"
#include "module/lazy_binding.hh"
#include "module/module_entry.hh"
#include "module/module_format.hh"
#include "module/module_file.hh"
#include "module/module_linker.hh"
#include "module/module_tls.hh"
#include "sched/mutex.hh"
#include "sched/thread.hh"

namespace tessera {

using ModuleList = ktl::IntrusiveList<Module, &Module::list_node_>;

namespace {

constinit ModuleList g_modules;

// Loads and unloads are serialised: an init or exit entry may block, letting another
// thread in. A loader call from inside one (same thread) would deadlock: refused.
struct LoaderLock {
  Mutex mutex;
  bool busy = false;
  Thread* owner = nullptr;
};
constinit LoaderLock g_lock;

class LoaderSection {
 public:
  // The mutex is taken only when there are threads (not in early boot, tests, the
  // fuzzer): a conditional lock the analysis cannot follow, hence the opt-out.
  static Result<LoaderSection> enter(const char* operation) TS_NO_THREAD_SAFETY_ANALYSIS {
    Thread* current = Thread::current();
    if (g_lock.busy && g_lock.owner == current)
      return Error::with_message(kEDEADLK, "module loader: %s from inside a module's init or exit entry", operation);
    if (current) g_lock.mutex.lock();
    g_lock.busy = true;
    g_lock.owner = current;
    return LoaderSection(current != nullptr);
  }
  LoaderSection(LoaderSection&& other)
      : locked_(ktl::exchange(other.locked_, false)), active_(ktl::exchange(other.active_, false)) {}
  ~LoaderSection() TS_NO_THREAD_SAFETY_ANALYSIS {
    if (!active_) return;
    g_lock.busy = false;
    g_lock.owner = nullptr;
    if (locked_) g_lock.mutex.unlock();
  }

 private:
  explicit LoaderSection(bool locked) : locked_(locked), active_(true) {}
  bool locked_;
  bool active_;
};


bool contains(ModuleList& list, const Module* module) {
  for (Module& candidate : list)
    if (&candidate == module) return true;
  return false;
}

uint64_t read_word(uintptr_t address) {
  uint64_t value;
  __builtin_memcpy(&value, reinterpret_cast<const void*>(address), sizeof(value));
  return value;
}

}  // namespace

// The lifecycle: a load maps the requested module and every dependency not yet loaded
// (a "batch"), then relocates all of them, then runs initialisers dependencies first --
// so that within a dependency cycle every object is relocated before any code runs.
class ModuleLoader {
 public:
  struct Batch {
    Module* modules[kMaxLoadedModules] = {};  // in creation order: dependents first
    size_t count = 0;
    Module* ordered[kMaxLoadedModules] = {};  // dependencies first (post-order): init order
    size_t ordered_count = 0;
  };

  static Result<Module*> load(FileBytes file, ktl::StringView file_name, const LoadOptions& options) {
    uint64_t started = platform::monotonic_ns();
    Batch batch;
    auto root = load_tree(file, file_name, options, batch, 0);
    if (root.is_error()) {
      abandon(batch);
      return root.release_error();
    }
    Module* module = root.value();
    if (auto linked = link(batch, options); linked.is_error()) {
      abandon(batch);
      return linked.release_error();
    }
    for (size_t i = 0; i < batch.ordered_count; ++i) {
      if (auto initialized = initialize(*batch.ordered[i], options); initialized.is_error()) {
        abandon(batch);
        return initialized.release_error();
      }
    }
    module->explicitly_loaded_ = true;
    // The module list keeps dependencies before what needs them.
    for (size_t i = 0; i < batch.ordered_count; ++i) {
      ModuleList::remove(*batch.ordered[i]);
      g_modules.push_back(*batch.ordered[i]);
    }
    uint64_t elapsed = platform::monotonic_ns() - started;
    for (size_t i = 0; i < batch.ordered_count; ++i) {
      Module& loaded = *batch.ordered[i];
      loaded.load_time_ns_ = elapsed;
      log::info("module %.*s: loaded %zu KiB at %p in %llu.%03llu ms%s", TESSERA_NAME_ARG(loaded.name()),
                loaded.mapping_size_ / 1024, reinterpret_cast<void*>(loaded.mapping_start_),
                static_cast<unsigned long long>(elapsed / 1000000),
                static_cast<unsigned long long>(elapsed / 1000 % 1000),
                &loaded == module ? "" : " (dependency)");
    }
    return module;
  }

  static Result<void> unload(Module& module) {
    if (module.is_builtin())
      return Error::with_message(kEPERM, "module %.*s is built into the kernel", TESSERA_NAME_ARG(module.name()));
    if (module.state_ != Module::State::kLive && module.state_ != Module::State::kRelocated)
      return Error::with_message(kEBUSY, "module %.*s is being loaded or unloaded", TESSERA_NAME_ARG(module.name()));
    if (module.references_ > 0) {
      for (Module& other : g_modules)
        for (size_t i = 0; i < other.dependency_count_; ++i)
          if (other.dependencies_[i] == &module && !(other.back_edges_ & (1u << i)))
            return Error::with_message(kEBUSY, "module %.*s is needed by module %.*s",
                                       TESSERA_NAME_ARG(module.name()), TESSERA_NAME_ARG(other.name()));
      return Error::with_message(kEBUSY, "module %.*s is in use (%zu references)", TESSERA_NAME_ARG(module.name()),
                                 module.references_);
    }
    // The VFS may still call into filesystems the module mounted (open files, mounts
    // inside them): its code must stay.
    if (auto idle = check_module_filesystems_idle(kernel_vfs(), module.mapping_start_,
                                                  module.mapping_start_ + module.mapping_size_);
        idle.is_error())
      return Error::with_message(idle.error().code(), "module %.*s is in use: %s", TESSERA_NAME_ARG(module.name()),
                                 idle.error().message());
    teardown(module);
    return {};
  }

  static void mark_explicit(Module& module) { module.explicitly_loaded_ = true; }
  static void add_reference(Module& module) { ++module.references_; }
  static bool drop_reference(Module& module) {
    if (module.references_ == 0) return false;
    --module.references_;
    return true;
  }

  static Module* find_loaded_dependency(ktl::StringView needed) {
    for (Module& module : g_modules)
      if (module.image().soname() == needed || module.name() == module_name_from_path(needed) ||
          module_name_from_path(module.image().file_name()) == module_name_from_path(needed))
        return &module;
    return nullptr;
  }

 private:
  static Result<Module*> create(FileBytes& file, ktl::StringView file_name, const LoadOptions& options) {
    if (g_modules.size() >= kMaxLoadedModules)
      return Error::with_message(kENOMEM, "%.*s: %zu modules are loaded, the limit", TESSERA_NAME_ARG(file_name),
                                 kMaxLoadedModules);
    // The image view borrows its file name: keep a copy as long as the module.
    auto* name_copy = static_cast<char*>(heap().allocate(file_name.length() + 1));
    if (!name_copy) return Error::with_message(kENOMEM, "%.*s: out of memory", TESSERA_NAME_ARG(file_name));
    if (file_name.length()) __builtin_memcpy(name_copy, file_name.data(), file_name.length());
    name_copy[file_name.length()] = '\0';
    ktl::StringView stored_name(name_copy, file_name.length());

    auto image = ElfImage::try_validate(file.bytes, stored_name);
    if (image.is_error()) {
      heap().free(name_copy);
      return image.release_error();
    }
    auto metadata = ModuleMetadata::try_parse(image.value());
    if (metadata.is_error()) {
      heap().free(name_copy);
      return metadata.release_error();
    }
    auto made = try_make<Module>(image.value());
    if (made.is_error()) {
      heap().free(name_copy);
      return made.release_error();
    }
    Module* module = made.value();
    module->file_name_ = name_copy;
    module->metadata_ = metadata.value();
    if (!module->metadata_.name.empty()) module->set_name(module->metadata_.name);
    else if (!image.value().soname().empty()) module->set_name(module_name_from_path(image.value().soname()));
    else module->set_name(module_name_from_path(stored_name));
    module->kind_ = options.kind;
    if (module->metadata_.kind == "app") module->kind_ = Module::Kind::kApplication;
    if (find_module(module->name())) {
      Error error = Error::with_message(kEEXIST, "%.*s: a module named %.*s is already loaded",
                                        TESSERA_NAME_ARG(stored_name), TESSERA_NAME_ARG(module->name()));
      heap().free(name_copy);
      destroy(module);
      return error;
    }
    if (module->metadata_.present && module->metadata_.abi != 0 && module->metadata_.abi != module_note::kAbiRevision) {
      Error error = Error::with_message(kENOEXEC, "module %.*s: built for kernel ABI revision %u, this kernel is %u",
                                        TESSERA_NAME_ARG(module->name()), module->metadata_.abi,
                                        module_note::kAbiRevision);
      heap().free(name_copy);
      destroy(module);
      return error;
    }
    // From here on the module owns the file and is torn down as a whole.
    module->file_descriptor_ = file.file_descriptor;
    module->file_copy_ = file.copy;
    file = FileBytes{};
    g_modules.push_back(*module);
    return module;
  }

  static Result<Module*> load_tree(FileBytes& file, ktl::StringView file_name, const LoadOptions& options,
                                   Batch& batch, size_t depth) {
    if (depth > kMaxDependencyDepth) {
      release_module_file(file);
      return Error::with_message(kELOOP, "%.*s: dependency chain deeper than %zu", TESSERA_NAME_ARG(file_name),
                                 kMaxDependencyDepth);
    }
    auto created = create(file, file_name, options);
    if (created.is_error()) {
      release_module_file(file);
      return created.release_error();
    }
    Module* module = created.value();
    batch.modules[batch.count++] = module;  // create() bounds the count by kMaxLoadedModules
    TRY(ModuleLinker::map(*module));
    TRY(ModuleLinker::attach_tls(*module));

    const ElfImage& image = module->image();
    module->on_load_path_ = true;
    for (size_t i = 0; i < image.dynamic().needed_count; ++i) {
      ktl::StringView needed = image.needed(i);
      if (needed == kKernelAbiSoname) {
        module->uses_kernel_ = true;
        continue;
      }
      if (module->dependency_count_ == Module::kMaxDependencies)
        return Error::with_message(kENOEXEC, "module %.*s: more than %zu dependencies",
                                   TESSERA_NAME_ARG(module->name()), Module::kMaxDependencies);
      Module* dependency = find_loaded_dependency(needed);
      if (dependency && dependency->is_builtin()) TRY(BuiltinModules::start(*dependency, "a module linked against it"));
      // An application's import from a module not loaded yet may wait for its first call.
      if (!dependency && module->kind_ == Module::Kind::kApplication && options.lazy.enabled() &&
          TRY(LazyImports::defer(*module, needed, options)))
        continue;
      if (!dependency) {
        FileBytes dependency_file = TRY(open_dependency(*module, needed, options));
        dependency = TRY(load_tree(dependency_file, needed, dependency_options(options), batch, depth + 1));
      }
      size_t slot = module->dependency_count_++;
      module->dependencies_[slot] = dependency;
      // A dependency still loading its own dependencies is an ancestor: this edge closes
      // a cycle and holds no reference, or the cycle could never be unloaded.
      if (dependency->on_load_path_)
        module->back_edges_ |= 1u << slot;
      else
        ++dependency->references_;
    }
    module->on_load_path_ = false;
    if (module->lazy_imports_) TRY(LazyImports::prepare(*module));
    batch.ordered[batch.ordered_count++] = module;
    return module;
  }

  static LoadOptions dependency_options(const LoadOptions& options) {
    LoadOptions dependency_options = options;
    dependency_options.kind = Module::Kind::kModule;
    dependency_options.lazy = {};
    return dependency_options;
  }

  static Result<FileBytes> open_dependency(const Module& module, ktl::StringView needed, const LoadOptions& options) {
    FileBytes dependency_file;
    if (options.files.open) {
      auto bytes = options.files.open(options.files.context, needed);
      if (bytes.is_error())
        return Error::with_message(bytes.error().code(), "module %.*s: dependency %.*s: %s",
                                   TESSERA_NAME_ARG(module.name()), TESSERA_NAME_ARG(needed), bytes.error().message());
      dependency_file.bytes = bytes.value();
      return dependency_file;
    }
    char path[vfs::kNameMax + 32];
    size_t prefix = __builtin_strlen(kModuleDirectory);
    if (needed.length() > vfs::kNameMax)
      return Error::with_message(kENAMETOOLONG, "module %.*s: dependency name too long",
                                 TESSERA_NAME_ARG(module.name()));
    __builtin_memcpy(path, kModuleDirectory, prefix);
    __builtin_memcpy(path + prefix, needed.data(), needed.length());
    auto read = read_module_file({path, prefix + needed.length()});
    if (read.is_error())
      return Error::with_message(read.error().code(), "module %.*s: dependency %.*s: %s",
                                 TESSERA_NAME_ARG(module.name()), TESSERA_NAME_ARG(needed), read.error().message());
    return read.value();
  }

 public:
  // The first call through a lazy stub: see load_deferred_dependency().
  static Result<Module*> load_deferred(Module& dependent, ktl::StringView needed, const LoadOptions& options,
                                       Result<void> (*bind)(Module&, void*), void* context, bool& loaded_now) {
    loaded_now = false;
    Module* dependency = nullptr;
    for (Module* existing : dependent.dependencies())
      if (existing->image().soname() == needed || existing->name() == module_name_from_path(needed)) dependency = existing;
    if (!dependency) {
      if (dependent.dependency_count_ == Module::kMaxDependencies)
        return Error::with_message(kENOEXEC, "module %.*s: more than %zu dependencies",
                                   TESSERA_NAME_ARG(dependent.name()), Module::kMaxDependencies);
      dependency = find_loaded_dependency(needed);
      if (!dependency) {
        FileBytes file = TRY(open_dependency(dependent, needed, options));
        dependency = TRY(load(file, needed, dependency_options(options)));
        // As if it had been loaded with the application: it goes when the application does.
        dependency->explicitly_loaded_ = false;
        loaded_now = true;
      }
      dependent.dependencies_[dependent.dependency_count_++] = dependency;
      ++dependency->references_;
    }
    TRY(bind(*dependency, context));
    return dependency;
  }

 private:

  static Result<void> link(Batch& batch, const LoadOptions& options) {
    for (size_t i = 0; i < batch.count; ++i) TRY(ModuleLinker::relocate(*batch.modules[i], options));
    for (size_t i = 0; i < batch.count; ++i) {
      TRY(ModuleLinker::protect(*batch.modules[i]));
      batch.modules[i]->state_ = Module::State::kRelocated;
    }
    for (size_t i = 0; i < batch.count; ++i) TRY(ModuleLinker::resolve_ifuncs(*batch.modules[i], options));
    for (size_t i = 0; i < batch.count; ++i) TRY(ModuleLinker::protect_relro(*batch.modules[i]));
    // Before any code of the batch runs (resolvers aside): a debugger adds the symbols now.
    for (size_t i = 0; i < batch.count; ++i) announce_to_debugger(*batch.modules[i]);
    return {};
  }

  static void announce_to_debugger(const Module& module) {
    char path[96];
    if (module.kind() == Module::Kind::kModule)
      format(path, sizeof path, "%s%.*s.so", kModuleDirectory, TESSERA_NAME_ARG(module.name()));
    else
      format(path, sizeof path, "/apps/%.*s.so", TESSERA_NAME_ARG(module.name()));
    debugger::module_loaded(module, path);
  }

  static Result<void> initialize(Module& module, const LoadOptions& options) {
    if (!options.run_code) {
      module.state_ = Module::State::kLive;
      return {};
    }
    module.state_ = Module::State::kInitializing;
    const auto& dynamic = module.image().dynamic();
    module.initialized_ = true;  // from the first constructor on, the destructors must run
    if (dynamic.init) reinterpret_cast<void (*)()>(module.address_of(dynamic.init))();
    for (size_t i = 0; i < dynamic.init_array.count; ++i) {
      uint64_t function = read_word(module.address_of(dynamic.init_array.vaddr) + 8 * i);
      if (function != 0 && function != ~uint64_t{0}) reinterpret_cast<void (*)()>(function)();
    }
    if (!module.metadata_.init.empty()) {
      uintptr_t init = module.find_symbol(module.metadata_.init);
      if (!init)
        return Error::with_message(kENOEXEC, "module %.*s: init entry '%.*s' is not an exported symbol",
                                   TESSERA_NAME_ARG(module.name()), TESSERA_NAME_ARG(module.metadata_.init));
      int status = reinterpret_cast<ModuleInitFunction>(init)();
      if (status != 0) {
        return init_entry_failure(module.name(), module.metadata_.init, status);
      }
      module.init_entry_ran_ = true;
    }
    module.state_ = Module::State::kLive;
    return {};
  }

  static void finalize(Module& module) {
    if (module.init_entry_ran_ && !module.metadata_.exit.empty()) {
      if (uintptr_t exit = module.find_symbol(module.metadata_.exit))
        reinterpret_cast<ModuleExitFunction>(exit)();
      else
        log::warn("module %.*s: exit entry '%.*s' is not an exported symbol", TESSERA_NAME_ARG(module.name()),
                  TESSERA_NAME_ARG(module.metadata_.exit));
    }
    module.init_entry_ran_ = false;
    if (!module.initialized_) return;
    module.initialized_ = false;
    const auto& dynamic = module.image().dynamic();
    for (size_t i = dynamic.fini_array.count; i-- > 0;) {
      uint64_t function = read_word(module.address_of(dynamic.fini_array.vaddr) + 8 * i);
      if (function != 0 && function != ~uint64_t{0}) reinterpret_cast<void (*)()>(function)();
    }
    if (dynamic.fini) reinterpret_cast<void (*)()>(module.address_of(dynamic.fini))();
  }

  // Exit entry and destructors (if they ran), memory, file; then the dependencies only
  // this module kept.
  static void teardown(Module& module) {
    module.state_ = Module::State::kUnloading;
    finalize(module);
    // Filesystems the module left mounted go now; one that cannot (the VFS still
    // reaches into it) keeps the module's pages mapped for good, rather than letting the
    // VFS call into freed memory.
    uintptr_t begin = module.mapping_start_, end = begin + module.mapping_size_;
    if (auto unmounted = unmount_module_filesystems(kernel_vfs(), begin, end); unmounted.is_error()) {
      log::error("module %.*s: %s; its %zu KiB stay mapped", TESSERA_NAME_ARG(module.name()),
                 unmounted.error().message(), module.mapping_size_ / 1024);
      module.mapping_start_ = 0;  // unmap() leaves it alone
      module.mapping_size_ = 0;
    }
    debugger::module_unloading(module);
    LazyImports::release(module);
    ModuleLinker::unmap(module);
    FileBytes file{{}, module.file_descriptor_, module.file_copy_};
    release_module_file(file);
    ModuleList::remove(module);
    Module* dependencies[Module::kMaxDependencies];
    size_t count = 0;
    for (size_t i = 0; i < module.dependency_count_; ++i) {
      if (module.back_edges_ & (1u << i)) continue;
      Module* dependency = module.dependencies_[i];
      if (dependency->references_ > 0) --dependency->references_;
      dependencies[count++] = dependency;
    }
    heap().free(module.file_name_);
    destroy(&module);
    for (size_t i = 0; i < count; ++i) {
      Module* dependency = dependencies[i];
      if (contains(g_modules, dependency) && !dependency->explicitly_loaded_ && dependency->references_ == 0 &&
          dependency->state_ != Module::State::kUnloading)
        teardown(*dependency);
    }
  }

  // A failed load: everything the batch created goes, in creation order (dependents
  // before their dependencies, which teardown() may already take along); modules loaded
  // earlier only lose the references the batch took.
  static void abandon(Batch& batch) {
    for (size_t i = 0; i < batch.count; ++i)
      if (contains(g_modules, batch.modules[i])) {
        batch.modules[i]->explicitly_loaded_ = false;
        teardown(*batch.modules[i]);
      }
  }
};

Result<Module*> load_from_bytes(ktl::Bytes file, ktl::StringView name, const LoadOptions& options) {
  auto section = TRY(LoaderSection::enter("load"));
  if (Module* loaded = find_module(module_name_from_path(name))) {
    ModuleLoader::mark_explicit(*loaded);
    TRY(BuiltinModules::start(*loaded, "a load by name"));
    return loaded;
  }
  FileBytes bytes;
  bytes.bytes = file;
  return ModuleLoader::load(bytes, name, options);
}

Result<Module*> load_module(ktl::StringView path_or_name) {
  char path[vfs::kNameMax + 32];
  ktl::StringView full = path_or_name;
  if (path_or_name.find('/') == ktl::StringView::npos) {
    size_t prefix = __builtin_strlen(kModuleDirectory);
    if (path_or_name.empty() || path_or_name.length() > vfs::kNameMax - 3)
      return Error::with_message(kEINVAL, "bad module name '%.*s'", TESSERA_NAME_ARG(path_or_name));
    __builtin_memcpy(path, kModuleDirectory, prefix);
    __builtin_memcpy(path + prefix, path_or_name.data(), path_or_name.length());
    __builtin_memcpy(path + prefix + path_or_name.length(), ".so", 3);
    full = {path, prefix + path_or_name.length() + 3};
  }
  auto section = TRY(LoaderSection::enter("load"));
  if (Module* loaded = find_module(module_name_from_path(full))) {
    ModuleLoader::mark_explicit(*loaded);
    TRY(BuiltinModules::start(*loaded, "a load by name"));
    return loaded;
  }
  FileBytes file = TRY(read_module_file(full));
  return ModuleLoader::load(file, full, LoadOptions{});
}

Result<Module*> load_deferred_dependency(Module& dependent, ktl::StringView needed, const LoadOptions& options,
                                         Result<void> (*bind)(Module& dependency, void* context), void* context,
                                         bool& loaded_now) {
  auto section = TRY(LoaderSection::enter("lazy load"));
  return ModuleLoader::load_deferred(dependent, needed, options, bind, context, loaded_now);
}

Result<void> unload_module(Module& module) {
  auto section = TRY(LoaderSection::enter("unload"));
  return ModuleLoader::unload(module);
}

Result<int> run_application(ktl::StringView path, int argc, char** argv) {
  Module* application;
  {
    auto section = TRY(LoaderSection::enter("load"));
    FileBytes file = TRY(read_module_file(path));
    LoadOptions options;
    options.kind = Module::Kind::kApplication;
    options.lazy = kernel_lazy_policy();
    application = TRY(ModuleLoader::load(file, path, options));
  }
  // main runs outside the loader: it may load and unload modules itself.
  uintptr_t main = application->find_symbol("main");
  if (!main) {
    (void)unload_module(*application);
    return Error::with_message(kENOEXEC, "application %.*s: no exported 'main'", TESSERA_NAME_ARG(application->name()));
  }
  int status = reinterpret_cast<ApplicationMain>(main)(argc, argv);
  if (auto unloaded = unload_module(*application); unloaded.is_error())
    log::warn("application: %s", unloaded.error().message());
  return status;
}

Module* find_module(ktl::StringView name) {
  for (Module& module : g_modules)
    if (module.name() == name) return &module;
  return nullptr;
}

void for_each_module(void (*visit)(Module& module, void* context), void* context) {
  for (auto it = g_modules.begin(); it != g_modules.end();) {
    Module& module = *it;
    ++it;  // `visit` may not unload, but keep the walk valid if it inspects only
    visit(module, context);
  }
}

size_t loaded_module_count() { return g_modules.size(); }

void acquire_module(Module& module) { ModuleLoader::add_reference(module); }

void release_module(Module& module) {
  if (!ModuleLoader::drop_reference(module))
    panic("module %.*s released more often than acquired", TESSERA_NAME_ARG(module.name()));
}

void adopt_module(Module& module) { g_modules.push_back(module); }

Result<void> start_builtin_module(Module& module, const char* reason) {
  auto section = TRY(LoaderSection::enter("start"));
  return BuiltinModules::start(module, reason);
}

void reset_modules() {
  new (&g_modules) ModuleList();
  reset_module_filesystems();
  new (&g_lock) LoaderLock();
  module_tls::reset();
}

}  // namespace tessera
