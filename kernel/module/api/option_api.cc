// Kernel options and module loading for modules (declared in module/api/device_api.hh).
#include "boot/kernel_options.hh"
#include "log/log.hh"
#include "module/api/api_error.hh"
#include "module/api/device_api.hh"
#include "module/module_loader.hh"

namespace tessera::api {

int kernel_option(const char* name, char* buffer, size_t capacity) {
  if (!name || (!buffer && capacity)) return -kEFAULT;
  // Before kernel_main has final options (a module loaded by a test harness), the
  // defaults are what holds.
  static constinit KernelOptions defaults;
  const KernelOptions* options = current_kernel_options();
  auto text = kernel_option_text(options ? *options : defaults, name, buffer, capacity);
  if (text.is_error()) return negative_errno(text.error());
  return int(text.value());
}

int module_load(const char* name) {
  if (!name) return -kEFAULT;
  auto loaded = load_module(name);
  if (loaded.is_error()) {
    log::error("cannot load module '%s': %s", name, loaded.error().message());
    return -loaded.error().code();
  }
  return 0;
}

}  // namespace tessera::api
