#pragma once
// Built-in modules: modules linked into this kernel executable (cmake/TesseraBuiltin.cmake,
// option TESSERA_BUILTIN_MODULES) rather than loaded from the boot image.
//
// register_all() puts each one in the module list at boot exactly as a loaded module
// stands there -- name, metadata (the same note strings as its .so), dependencies, exports
// that later-loaded applications and modules bind to -- but its init entry runs only
// where the loaded module's would: the first require_capability() for what it provides,
// a load_module() of its name (kernel.conf modules=, tessera_module_load), an application
// or module that links against it, or modules.on_demand=0. Why not all at boot: a driver
// found no device before network bring-up looks for one, and an unused stack would cost
// boot time, exactly what on-demand loading avoids; registration itself is a few
// microseconds. Exit entries run at shutdown, in reverse order of the inits. A built-in
// module is never unloaded. One built in AND on the image: the built-in one is used (the
// loader finds it by name), the image's is ignored, said once in the log.
#include <stddef.h>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>

#include "module/module.hh"

namespace tessera {

class BuiltinModules {
 public:
  // After the module index is read, before anything is loaded. EBADMSG/EEXIST name a
  // broken record or a name built in twice.
  static Result<void> register_all();
  // How many this executable has (registered or not).
  static size_t count();
  // The built-in module that provides `capability`, or null.
  static Module* provider_of(ktl::StringView capability);
  // Runs the init entries of `module`'s dependencies and then its own, unless it is live
  // already. The loader's lock must be held (module_loader.cc calls it).
  static Result<void> start(Module& module, const char* reason);
  // modules.on_demand=0: starts every registered one (a driver without a device, ENODEV,
  // is logged and skipped as the loader does for the index).
  static Result<void> start_all();
  // Shutdown: exit entries in reverse order of the inits.
  static void stop_all();
};

}  // namespace tessera
