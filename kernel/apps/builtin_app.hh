#pragma once
// Applications compiled into the kernel, chosen with the `app=` kernel option. They
// stand in for real applications until those are loaded from the boot image, and they
// give the scenario tests a way to exercise exits, panics and out-of-memory on purpose.
#include <tessera/ktl/string_view.hh>
#include "boot/kernel_options.hh"

namespace tessera {

struct AppContext {
  int argc;
  char** argv;  // argv[0] is the app's name; argv[argc] is null
  const KernelOptions& options;
};

struct BuiltinApp {
  const char* name;
  const char* summary;
  int (*main)(const AppContext& context);
};

// Null when no built-in app has that name (KernelOptions has already validated it).
const BuiltinApp* find_builtin_app(ktl::StringView name);

int demo_app_main(const AppContext& context);
int exit_app_main(const AppContext& context);
int panic_app_main(const AppContext& context);
int oom_app_main(const AppContext& context);
int sleep_app_main(const AppContext& context);

}  // namespace tessera
