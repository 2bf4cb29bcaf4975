#include "apps/builtin_app.hh"

#include <tessera/ktl/utility.hh>

namespace tessera {
namespace {

constexpr BuiltinApp kApps[] = {
    {"demo", "self-checks of memory, threads, timers and TLS, then a scheduling demo", demo_app_main},
    {"exit", "exits with the status given as its first argument", exit_app_main},
    {"oom", "exhausts the heap on purpose and shows that it recovers", oom_app_main},
    {"panic", "panics on purpose, to show the crash report", panic_app_main},
    {"sleep", "sleeps for the milliseconds given as its first argument", sleep_app_main},
};

}  // namespace

const BuiltinApp* find_builtin_app(ktl::StringView name) {
  for (const auto& app : kApps)
    if (name == app.name) return &app;
  return nullptr;
}

}  // namespace tessera
