#pragma once
// A loaded module or application: where its image lives, what it depends on, who holds
// it, its metadata (from its Tessera note) and its thread-local storage.
//
// Lifetime: created by the loader (module_loader.hh) and destroyed by unload_module()
// or a failed load; nothing else frees it. The validated ElfImage view stays valid for
// the module's life because the module keeps the file bytes it borrows (a zero-copy
// mapping of an open file, or a heap copy).
#include <stddef.h>
#include <stdint.h>
#include <tessera/ktl/intrusive_list.hh>
#include <tessera/ktl/span.hh>
#include <tessera/ktl/string_view.hh>

#include "module/elf_image.hh"
#include "module/module_metadata.hh"

struct tessera_builtin_module;  // module/builtin_module.h

namespace tessera {

class LazyImports;

class Module {
 public:
  enum class State : uint8_t {
    kLoading,       // mapped; dependencies being loaded, relocations pending
    kRelocated,     // relocated and protected; initialisers not yet run
    kInitializing,  // init_array / init entry running
    kLive,
    kUnloading,
  };
  enum class Kind : uint8_t { kModule, kApplication };

  static constexpr size_t kMaxDependencies = 16;
  static constexpr size_t kMaxNameLength = 63;

  // Thread-local storage of the module (PT_TLS), when it has one.
  struct Tls {
    size_t id = 0;              // the DTV index (tls_index::module), from 1; 0 without TLS
    bool is_static = false;     // placed in the kernel's static TLS reserve
    intptr_t tp_offset = 0;     // static only: block address minus the thread pointer
    uint64_t size = 0;          // p_memsz
    uint64_t alignment = 1;
    ktl::Bytes initial;         // .tdata; zeros follow up to `size`
  };

  ktl::StringView name() const { return {name_, name_length_}; }
  Kind kind() const { return kind_; }
  State state() const { return state_; }
  // Load bias: link-time address + base() = run-time address.
  uintptr_t base() const { return base_; }
  // The pages the module occupies.
  uintptr_t mapping_start() const { return mapping_start_; }
  size_t mapping_size() const { return mapping_size_; }
  const ElfImage& image() const { return image_; }
  const ModuleMetadata& metadata() const { return metadata_; }
  const Tls& tls() const { return tls_; }
  bool uses_kernel() const { return uses_kernel_; }
  // Linked into the kernel executable (module/builtin_modules.hh): no image, no mapping;
  // its exports come from the record the build made.
  bool is_builtin() const { return builtin_ != nullptr; }
  ktl::Span<Module* const> dependencies() const { return {dependencies_, dependency_count_}; }
  // Holders: one per dependent module plus every acquire() not yet released.
  size_t references() const { return references_; }
  // Loaded by an explicit request (not only as somebody's dependency).
  bool explicitly_loaded() const { return explicitly_loaded_; }
  // Nanoseconds the load took (mapping, linking, initialisers), for the boot log.
  uint64_t load_time_ns() const { return load_time_ns_; }

  // The application's imports bound to lazy stubs (lazy_binding.hh), or null.
  LazyImports* lazy_imports() const { return lazy_imports_; }

  // Run-time address of a link-time address inside the image.
  uintptr_t address_of(uint64_t vaddr) const { return base_ + vaddr; }
  // The run-time address of the defined, exported symbol `name` (default version), or 0.
  uintptr_t find_symbol(ktl::StringView name) const;

  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

 private:
  friend class ModuleLoader;
  friend class ModuleLinker;
  friend class BuiltinModuleFactory;
  friend class LazyImports;
  template <typename T, typename... Args> friend Result<T*> try_make(Args&&... args);
  Module(const ElfImage& image) : image_(image) {}
  Module() = default;  // built in
  template <typename T> friend void destroy(T* object);

  void set_name(ktl::StringView name);

  char name_[kMaxNameLength + 1] = {};
  size_t name_length_ = 0;
  Kind kind_ = Kind::kModule;
  State state_ = State::kLoading;
  ElfImage image_;
  ModuleMetadata metadata_;
  uintptr_t base_ = 0;
  uintptr_t mapping_start_ = 0;
  size_t mapping_size_ = 0;
  Tls tls_;
  Module* dependencies_[kMaxDependencies] = {};
  size_t dependency_count_ = 0;
  bool uses_kernel_ = false;
  size_t references_ = 0;
  bool explicitly_loaded_ = false;
  bool initialized_ = false;     // init_array ran: fini_array must run on unload
  bool init_entry_ran_ = false;  // the init entry succeeded: the exit entry must run
  uint64_t load_time_ns_ = 0;
  const tessera_builtin_module* builtin_ = nullptr;
  LazyImports* lazy_imports_ = nullptr;
  // What keeps image_'s bytes alive: an open descriptor mapping them, or a heap copy.
  int file_descriptor_ = -1;
  void* file_copy_ = nullptr;
  char* file_name_ = nullptr;    // heap copy: the image view borrows it
  uint32_t back_edges_ = 0;
  bool on_load_path_ = false;    // loading its dependencies (an ancestor of what loads now)      // bit i: dependencies_[i] closes a cycle and holds no reference

 public:
  ktl::IntrusiveListNode list_node_;  // the loader's list of modules, in load order
};

}  // namespace tessera
