// Per-call overhead of module calls, loaded vs built in (cmake/TesseraBuiltin.cmake).
//
// The same two fixture modules (fixtures/call_caller.c, fixtures/call_callee.c), built
// twice: as shared objects that Tessera's loader loads (their calls go through the
// caller's PLT and GOT, bound at load time, -z now), and linked into this benchmark as
// built-in objects (their calls are direct `call` instructions to the kernel function
// or the other module's function). Each iteration calls the caller's loop once, which
// makes kCalls calls; the time per call is the iteration time / kCalls.
//   - module -> kernel export (strnlen): PLT + GOT vs direct;
//   - module (or application, same mechanism) -> another module's export: PLT vs direct.
// Both run in guest context (a booted hosted kernel). Prints the ratios of the medians of
// 7 repetitions at the end, in CPU time: these machines are shared, and wall-clock time
// includes the time other processes had the core (--benchmark_enable_random_interleaving
// interleaves the repetitions).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "guest_runner.hh"
#include "module/module.hh"
#include "module/module_loader.hh"

// The built-in copies: the build renamed the modules' exports (TesseraBuiltinObject.cmake).
extern "C" long __tessera_module_bench_calls_to_kernel(long count);
extern "C" long __tessera_module_bench_calls_to_module(long count);

namespace {

constexpr long kCalls = 1000;

struct FileBytes {
  std::vector<uint64_t> words;  // 8-byte aligned, as the loader wants
  size_t size = 0;
};

const FileBytes* fixture(const std::string& name) {
  static std::map<std::string, FileBytes> files;
  auto found = files.find(name);
  if (found != files.end()) return found->second.size ? &found->second : nullptr;
  FileBytes& file = files[name];
  std::ifstream in(std::string(TESSERA_CALL_FIXTURES) + "/" + name, std::ios::binary);
  if (!in) return nullptr;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  file.words.resize(data.size() / 8 + 1);
  std::memcpy(file.words.data(), data.data(), data.size());
  file.size = data.size();
  return &file;
}

tessera::Result<tessera::ktl::Bytes> open_dependency(void*, tessera::ktl::StringView needed) {
  const FileBytes* file = fixture(std::string(needed.data(), needed.size()));
  if (!file) return tessera::Error::with_message(tessera::kENOENT, "no fixture %.*s", int(needed.size()), needed.data());
  return tessera::ktl::Bytes(reinterpret_cast<const uint8_t*>(file->words.data()), file->size);
}

using Loop = long (*)(long);

// Loads bench-call-caller.so (and bench-call-callee.so, its DT_NEEDED) and runs `body`
// with the loaded `symbol`.
template <typename Body> void with_loaded(benchmark::State& state, const char* symbol, Body body) {
  tessera::bench::run_in_guest(state, [&](benchmark::State& s) {
    const FileBytes* caller = fixture("bench-call-caller.so");
    if (!caller || !fixture("bench-call-callee.so")) {
      s.SkipWithError("fixtures missing in " TESSERA_CALL_FIXTURES);
      return;
    }
    tessera::LoadOptions options;
    options.files.open = &open_dependency;
    auto loaded = tessera::load_from_bytes(
        tessera::ktl::Bytes(reinterpret_cast<const uint8_t*>(caller->words.data()), caller->size),
        "bench-call-caller.so", options);
    if (loaded.is_error()) {
      s.SkipWithError(loaded.error().message());
      return;
    }
    auto loop = reinterpret_cast<Loop>(loaded.value()->find_symbol(symbol));
    if (!loop) s.SkipWithError("no loop symbol");
    else body(s, loop);
    (void)tessera::unload_module(*loaded.value());
  });
}

void measure(benchmark::State& state, Loop loop) {
  Loop volatile call = loop;
  for (auto _ : state) benchmark::DoNotOptimize(call(kCalls));
  state.SetItemsProcessed(state.iterations() * kCalls);
}

void BM_LoadedModuleCallsKernel(benchmark::State& state) {
  with_loaded(state, "bench_calls_to_kernel", measure);
}
BENCHMARK(BM_LoadedModuleCallsKernel)->Repetitions(7)->ReportAggregatesOnly(true);

void BM_BuiltinModuleCallsKernel(benchmark::State& state) {
  tessera::bench::run_in_guest(state, [](benchmark::State& s) { measure(s, &__tessera_module_bench_calls_to_kernel); });
}
BENCHMARK(BM_BuiltinModuleCallsKernel)->Repetitions(7)->ReportAggregatesOnly(true);

void BM_LoadedCallsModuleExport(benchmark::State& state) {
  with_loaded(state, "bench_calls_to_module", measure);
}
BENCHMARK(BM_LoadedCallsModuleExport)->Repetitions(7)->ReportAggregatesOnly(true);

void BM_BuiltinCallsModuleExport(benchmark::State& state) {
  tessera::bench::run_in_guest(state, [](benchmark::State& s) { measure(s, &__tessera_module_bench_calls_to_module); });
}
BENCHMARK(BM_BuiltinCallsModuleExport)->Repetitions(7)->ReportAggregatesOnly(true);

// Collects each run's time per call for the ratios printed after the table.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs)
      if (!run.error_occurred && run.run_type == Run::RT_Aggregate && run.aggregate_name == "median")
        per_call_ns[run.run_name.function_name] = run.GetAdjustedCPUTime() / kCalls;
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> per_call_ns;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  auto ratio = [&](const char* label, const char* loaded, const char* builtin) {
    auto a = reporter.per_call_ns.find(loaded), b = reporter.per_call_ns.find(builtin);
    if (a == reporter.per_call_ns.end() || b == reporter.per_call_ns.end()) return;
    std::printf("%-44s loaded %6.2f ns/call, built in %6.2f ns/call, loaded/built-in %.2f\n", label, a->second,
                b->second, a->second / b->second);
  };
  std::printf("\nper call, CPU time, medians (the table's times are per %ld calls)\n", kCalls);
  ratio("module -> kernel export (strnlen)", "BM_LoadedModuleCallsKernel", "BM_BuiltinModuleCallsKernel");
  ratio("caller -> module export", "BM_LoadedCallsModuleExport", "BM_BuiltinCallsModuleExport");
  benchmark::Shutdown();
  return 0;
}
