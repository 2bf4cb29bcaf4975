// Lazy import stubs (kernel/module/lazy_binding.hh) inside a booted hosted kernel:
//
// - the first call through a stub, which loads the module (map, link, constructor),
//   binds the application's imports and patches its PLT slots, against loading the same
//   module explicitly (what an eager DT_NEEDED costs the application's load);
// - later calls through a patched PLT slot, against the same call in an application
//   loaded eagerly (they should be equal: the same PLT jump to the same function), and
//   to a function whose address the application takes (its GOT slot keeps the bound
//   stub: one extra check and jump).
//
// Fixtures: lazy_user.so and lazy_provider.so next to the test fixtures of the same build
// (tests/module/loader_fixtures/), or in $TESSERA_LOADER_FIXTURE_DIR.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "guest_runner.hh"
#include "module/lazy_binding.hh"
#include "module/module.hh"
#include "module/module_loader.hh"

namespace {

std::string fixture_directory() {
  if (const char* path = std::getenv("TESSERA_LOADER_FIXTURE_DIR")) return path;
  char self[PATH_MAX] = {};
  ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
  std::string directory = length > 0 ? std::string(self, static_cast<size_t>(length)) : std::string(".");
  directory = directory.substr(0, directory.rfind('/'));  // .../bench
  directory = directory.substr(0, directory.rfind('/'));  // the build directory
  return directory + "/tests/module/loader_fixtures";
}

struct FixtureBytes {
  std::vector<uint64_t> words;
  size_t size = 0;
  tessera::ktl::Bytes bytes() const { return {reinterpret_cast<const uint8_t*>(words.data()), size}; }
};

const FixtureBytes* fixture(const std::string& name) {
  static std::map<std::string, FixtureBytes> files;
  auto found = files.find(name);
  if (found != files.end()) return &found->second;
  std::ifstream in(fixture_directory() + "/" + name + ".so", std::ios::binary);
  if (!in) return nullptr;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  FixtureBytes& file = files[name];
  file.size = data.size();
  file.words.resize(data.size() / 8 + 1);
  std::memcpy(file.words.data(), data.data(), data.size());
  return &file;
}

tessera::Result<tessera::ktl::Bytes> open_dependency(void*, tessera::ktl::StringView needed) {
  std::string name(needed.data(), needed.length());
  if (name.size() > 3 && name.substr(name.size() - 3) == ".so") name.resize(name.size() - 3);
  const FixtureBytes* file = fixture(name);
  if (!file) return tessera::Error::with_message(tessera::kENOENT, "no fixture %s", name.c_str());
  return file->bytes();
}

// The fixtures' calls into "the kernel" (kernel_record, kernel_nested): no-ops here.
void record(const char*) {}
int nested() { return 0; }
bool lookup(void*, tessera::ktl::StringView name, tessera::ExternalSymbol& out) {
  if (name == "kernel_record") out.address = reinterpret_cast<uintptr_t>(&record);
  else if (name == "kernel_nested") out.address = reinterpret_cast<uintptr_t>(&nested);
  else return false;
  return true;
}

tessera::LoadOptions options(bool lazy) {
  tessera::LoadOptions options;
  options.symbols = {&lookup, nullptr};
  options.files = {&open_dependency, nullptr};
  if (lazy) {
    options.lazy.exporter_of = [](void*, tessera::ktl::StringView symbol) {
      return symbol.starts_with("lazy_") ? tessera::ktl::StringView("lazy_provider") : tessera::ktl::StringView();
    };
  }
  return options;
}

tessera::Module* load(benchmark::State& state, const char* name, bool lazy) {
  const FixtureBytes* file = fixture(name);
  if (!file) {
    state.SkipWithError(("missing fixture " + fixture_directory() + "/" + name + ".so").c_str());
    return nullptr;
  }
  auto loaded = tessera::load_from_bytes(file->bytes(), std::string(name).append(".so").c_str(), options(lazy));
  if (loaded.is_error()) {
    state.SkipWithError(loaded.error().message());
    return nullptr;
  }
  return loaded.value();
}

using Add8 = long (*)(long, long, long, long, long, long, long, long);

void BM_LazyFirstCall(benchmark::State& state) {
  tessera::bench::run_in_guest(state, [](benchmark::State& s) {
    for (auto _ : s) {
      s.PauseTiming();
      tessera::Module* user = load(s, "lazy_user", true);
      if (!user) return;
      auto add8 = reinterpret_cast<Add8>(user->find_symbol("user_add8"));
      s.ResumeTiming();
      benchmark::DoNotOptimize(add8(1, 2, 3, 4, 5, 6, 7, 8));
      s.PauseTiming();
      (void)tessera::unload_module(*user);
      s.ResumeTiming();
    }
  }, 64 << 20);
}
BENCHMARK(BM_LazyFirstCall);

// What the same module costs when loaded up front (eager DT_NEEDED, or modules=).
void BM_ExplicitLoadOfTheModule(benchmark::State& state) {
  tessera::bench::run_in_guest(state, [](benchmark::State& s) {
    for (auto _ : s) {
      tessera::Module* provider = load(s, "lazy_provider", false);
      if (!provider) return;
      s.PauseTiming();
      (void)tessera::unload_module(*provider);
      s.ResumeTiming();
    }
  }, 64 << 20);
}
BENCHMARK(BM_ExplicitLoadOfTheModule);

using Calls = int (*)();

// Calls `entry` of lazy_user in a loop, after a first call that binds (when lazy).
template <typename Function, typename Call>
void call_loop(benchmark::State& state, bool lazy, const char* entry, Call call) {
  struct Context {
    bool lazy;
    const char* entry;
    Call call;
  } context{lazy, entry, call};
  tessera::bench::run_in_guest(state, [&context](benchmark::State& s) {
    tessera::Module* user = load(s, "lazy_user", context.lazy);
    if (!user) return;
    Function volatile function = reinterpret_cast<Function>(user->find_symbol(context.entry));
    context.call(function);  // binds, when lazy
    for (auto _ : s) benchmark::DoNotOptimize(context.call(function));
    (void)tessera::unload_module(*user);
  }, 64 << 20);
}

long call_add8(Add8 function) { return function(1, 2, 3, 4, 5, 6, 7, 8); }
int call_calls(Calls function) { return function(); }

// user_calls -> lazy_calls through its PLT slot: patched at the first call (lazy) or
// bound at load (eager). These two should be equal.
void BM_PltCallAfterLazyBind(benchmark::State& state) { call_loop<Calls>(state, true, "user_calls", call_calls); }
BENCHMARK(BM_PltCallAfterLazyBind);
void BM_PltCallEagerlyBound(benchmark::State& state) { call_loop<Calls>(state, false, "user_calls", call_calls); }
BENCHMARK(BM_PltCallEagerlyBound);
// user_add8 -> lazy_add8, whose address lazy_user takes: its PLT entry jumps through the
// GOT slot, which keeps the bound stub (one check and one more jump) when lazy.
void BM_GotCallAfterLazyBind(benchmark::State& state) { call_loop<Add8>(state, true, "user_add8", call_add8); }
BENCHMARK(BM_GotCallAfterLazyBind);
void BM_GotCallEagerlyBound(benchmark::State& state) { call_loop<Add8>(state, false, "user_add8", call_add8); }
BENCHMARK(BM_GotCallEagerlyBound);

}  // namespace

BENCHMARK_MAIN();
