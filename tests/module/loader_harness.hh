#pragma once
// Shared by the loader's tests: a booted fake kernel core, the fixtures' bytes, a fake
// kernel export table (kernel_add, kernel_record, kernel_value) and dependency files
// served from the fixture directory.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fake_platform/fake_platform.hh"
#include "module/module.hh"
#include "module/module_loader.hh"

namespace tessera::loader_test {

// What the fixtures' kernel_record() calls saw, in order.
inline std::vector<std::string>& events() {
  static std::vector<std::string> list;
  return list;
}
inline int kernel_value = 1234;
inline int kernel_add(int a, int b) { return a + b; }
inline void kernel_record(const char* event) { events().push_back(event); }
// What loader_nested's init calls; a test sets it.
inline int (*nested_hook)() = nullptr;
inline int kernel_nested() { return nested_hook ? nested_hook() : 0; }

// An 8-byte aligned copy of a fixture file.
struct FixtureFile {
  std::vector<uint64_t> words;
  size_t size = 0;
  ktl::Bytes bytes() const { return {reinterpret_cast<const uint8_t*>(words.data()), size}; }
};

inline std::string fixture_path(const std::string& name) {
  return std::string(TESSERA_LOADER_FIXTURE_DIR) + "/" + name;
}

inline std::unique_ptr<FixtureFile> read_fixture(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return nullptr;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto file = std::make_unique<FixtureFile>();
  file->size = data.size();
  file->words.resize((data.size() + 7) / 8 + 1);
  std::memcpy(file->words.data(), data.data(), data.size());
  return file;
}

class LoaderTest : public ::testing::Test {
 public:
  void SetUp() override {
    reset_modules();  // before the scheduler builds TLS blocks from stale module state
    fake::boot_core(ram_);
    events().clear();
    kernel_abi_hash_ = 0;
    nested_hook = nullptr;
  }
  void TearDown() override { reset_modules(); }

  // Fixture NAME.so's bytes, kept for the whole test. `alias` serves them under another
  // dependency name.
  ktl::Bytes fixture(const std::string& name) {
    auto& file = files_[name];
    if (!file) file = read_fixture(fixture_path(name + ".so"));
    if (!file) ADD_FAILURE() << "missing fixture " << name;
    return file ? file->bytes() : ktl::Bytes();
  }
  // Dependencies named `needed` load from fixture `name` instead of needed's own file.
  void serve_dependency_as(const std::string& needed, const std::string& name) { aliases_[needed] = name; }

  LoadOptions options() {
    LoadOptions options;
    options.symbols = {&LoaderTest::lookup, this};
    options.files = {&LoaderTest::open_dependency, this};
    return options;
  }

  Result<Module*> load(const std::string& name, LoadOptions load_options) {
    ktl::Bytes bytes = fixture(name);
    names_.push_back(std::make_unique<std::string>(name + ".so"));
    return load_from_bytes(bytes, ktl::StringView(names_.back()->c_str()), load_options);
  }
  Result<Module*> load(const std::string& name) { return load(name, options()); }

  template <typename Function> Function symbol(Module* module, const char* name) {
    uintptr_t address = module->find_symbol(name);
    EXPECT_NE(address, 0u) << name;
    return reinterpret_cast<Function>(address);
  }

  uint32_t kernel_abi_hash_ = 0;
  size_t lookups_ = 0;

 private:
  static bool lookup(void* context, ktl::StringView name, ExternalSymbol& out) {
    auto* self = static_cast<LoaderTest*>(context);
    ++self->lookups_;
    std::string key(name.data(), name.length());
    out.abi_hash = self->kernel_abi_hash_;
    if (key == "kernel_add") out.address = reinterpret_cast<uintptr_t>(&kernel_add);
    else if (key == "kernel_record") out.address = reinterpret_cast<uintptr_t>(&kernel_record);
    else if (key == "kernel_value") out.address = reinterpret_cast<uintptr_t>(&kernel_value);
    else if (key == "kernel_nested") out.address = reinterpret_cast<uintptr_t>(&kernel_nested);
    else return false;
    return true;
  }

  static Result<ktl::Bytes> open_dependency(void* context, ktl::StringView needed) {
    auto* self = static_cast<LoaderTest*>(context);
    std::string name(needed.data(), needed.length());
    if (auto alias = self->aliases_.find(name); alias != self->aliases_.end()) name = alias->second;
    else if (name.size() > 3 && name.substr(name.size() - 3) == ".so") name.resize(name.size() - 3);
    auto& file = self->files_[name];
    if (!file) file = read_fixture(fixture_path(name + ".so"));
    if (!file) return Error::with_message(kENOENT, "no fixture %s", name.c_str());
    return file->bytes();
  }

  fake::Ram ram_{32u << 20};
  std::map<std::string, std::unique_ptr<FixtureFile>> files_;
  std::map<std::string, std::string> aliases_;
  std::vector<std::unique_ptr<std::string>> names_;
};

}  // namespace tessera::loader_test
