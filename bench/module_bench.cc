// The module loader against glibc's, and module calls against kernel calls.
//
// - Load + link + unload of one shared object (tests/module/fixtures/loader_bench.c:
//   ~40 relocations, PLT/GOT references to C library functions, a constructor): by
//   Tessera's loader inside a booted hosted kernel, resolving against the kernel's export
//   table, vs glibc's dlopen(RTLD_NOW) + dlclose on the host, resolving against glibc.
//   Tessera loads from bytes in memory (as from the boot image's zero-copy mapping);
//   dlopen opens and maps the file (page cache). Hosted, each page protection is an
//   mprotect system call (~1 us), which a VM pays as a page-table write.
// - Symbol lookup: Module::find_symbol (GNU hash) vs dlsym; find_kernel_export.
// - A call from a module into the kernel (host -> module function -> PLT -> kernel
//   strlen) vs the same kernel function called directly.
//
// The fixture is found next to the test fixtures of the same build
// (tests/module/loader_fixtures/, built with tests on), or at $TESSERA_LOADER_BENCH_SO.
#include <benchmark/benchmark.h>
#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "guest_runner.hh"
#include "hosted_machine.hh"
#include "module/export_table.hh"
#include "module/module.hh"
#include "module/module_loader.hh"

namespace {

using tessera::linux_host::HostedMachine;
using tessera::linux_host::MachineConfig;

std::string fixture_path() {
  if (const char* path = std::getenv("TESSERA_LOADER_BENCH_SO")) return path;
  char self[PATH_MAX] = {};
  ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
  std::string directory = length > 0 ? std::string(self, static_cast<size_t>(length)) : std::string(".");
  directory = directory.substr(0, directory.rfind('/'));  // .../bench
  directory = directory.substr(0, directory.rfind('/'));  // the build directory
  return directory + "/tests/module/loader_fixtures/loader_bench.so";
}

struct FixtureBytes {
  std::vector<uint64_t> words;
  size_t size = 0;
  bool ok = false;
  tessera::ktl::Bytes bytes() const { return {reinterpret_cast<const uint8_t*>(words.data()), size}; }
};

const FixtureBytes& fixture() {
  static FixtureBytes file = [] {
    FixtureBytes f;
    std::ifstream in(fixture_path(), std::ios::binary);
    if (!in) return f;
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    f.size = data.size();
    f.words.resize(data.size() / 8 + 1);
    std::memcpy(f.words.data(), data.data(), data.size());
    f.ok = true;
    return f;
  }();
  return file;
}

bool have_fixture(benchmark::State& state);

template <typename Body> void run_with_fixture(benchmark::State& state, Body body) {
  if (!have_fixture(state)) return;
  tessera::bench::run_in_guest(state, body, 64 << 20);
}

tessera::Module* load_fixture(benchmark::State& state) {
  auto loaded = tessera::load_from_bytes(fixture().bytes(), "loader_bench.so", tessera::LoadOptions{});
  if (loaded.is_error()) {
    state.SkipWithError(loaded.error().message());
    return nullptr;
  }
  return loaded.value();
}

void BM_TesseraLoadLinkUnload(benchmark::State& state) {
  run_with_fixture(state, [](benchmark::State& s) {
    for (auto _ : s) {
      tessera::Module* module = load_fixture(s);
      if (!module) return;
      if (tessera::unload_module(*module).is_error()) s.SkipWithError("unload failed");
    }
  });
}
BENCHMARK(BM_TesseraLoadLinkUnload);

// dlopen("") would hand back the main program and measure nothing: both sides need the file.
bool have_fixture(benchmark::State& state) {
  if (fixture().ok) return true;
  state.SkipWithError(("missing " + fixture_path()).c_str());
  return false;
}

void BM_GlibcDlopenDlclose(benchmark::State& state) {
  if (!have_fixture(state)) return;
  std::string path = fixture_path();
  for (auto _ : state) {
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      state.SkipWithError(dlerror());
      return;
    }
    dlclose(handle);
  }
}
BENCHMARK(BM_GlibcDlopenDlclose);

void BM_TesseraSymbolLookup(benchmark::State& state) {
  run_with_fixture(state, [](benchmark::State& s) {
    tessera::Module* module = load_fixture(s);
    if (!module) return;
    for (auto _ : s) benchmark::DoNotOptimize(module->find_symbol("bench_function_3"));
    (void)tessera::unload_module(*module);
  });
}
BENCHMARK(BM_TesseraSymbolLookup);

void BM_GlibcDlsym(benchmark::State& state) {
  if (!have_fixture(state)) return;
  void* handle = dlopen(fixture_path().c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    state.SkipWithError(dlerror());
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(dlsym(handle, "bench_function_3"));
  dlclose(handle);
}
BENCHMARK(BM_GlibcDlsym);

void BM_KernelExportLookup(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(tessera::find_kernel_export("strlen"));
}
BENCHMARK(BM_KernelExportLookup);

void BM_CallIntoKernelFromModule(benchmark::State& state) {
  run_with_fixture(state, [](benchmark::State& s) {
    tessera::Module* module = load_fixture(s);
    if (!module) return;
    auto function = reinterpret_cast<size_t (*)(const char*)>(module->find_symbol("bench_strlen"));
    size_t (*volatile call)(const char*) = function;
    for (auto _ : s) benchmark::DoNotOptimize(call("tessera"));
    (void)tessera::unload_module(*module);
  });
}
BENCHMARK(BM_CallIntoKernelFromModule);

void BM_CallInsideKernel(benchmark::State& state) {
  run_with_fixture(state, [](benchmark::State& s) {
    const tessera::KernelExport* strlen_export = tessera::find_kernel_export("strlen");
    if (!strlen_export) {
      s.SkipWithError("strlen is not exported");
      return;
    }
    size_t (*volatile call)(const char*) = reinterpret_cast<size_t (*)(const char*)>(const_cast<void*>(strlen_export->address));
    for (auto _ : s) benchmark::DoNotOptimize(call("tessera"));
  });
}
BENCHMARK(BM_CallInsideKernel);

}  // namespace

BENCHMARK_MAIN();
