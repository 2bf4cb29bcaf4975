#pragma once
// The boot image's module index, /lib/modules/index (written by `tessera image build`;
// format in docs/modularity.md): which module provides a capability such as net:stack,
// and which exports a symbol, without opening every module.
//
// require_capability() is on-demand loading: the first request for a capability loads
// its provider (with its dependencies) once, logs how long it took and adds it to the
// boot chart; later requests find it loaded. Loads are serialised by the module loader,
// so two threads asking at once load it once. Called from thread context only.
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>

#include "module/module.hh"

namespace tessera {

class ModuleIndex {
 public:
  // Reads the index from the VFS; an image without one has an empty index. EBADMSG names
  // a malformed line.
  static Result<void> load();
  static void reset();
  static bool empty();
  // The first module whose provides= lists `capability`; empty when none does.
  static ktl::StringView provider_of(ktl::StringView capability);
  // The module whose exports= lists `symbol`; empty when none does.
  static ktl::StringView exporter_of(ktl::StringView symbol);
  // The provides= list of module `name` into `provides`; false when the index lacks it.
  static bool capabilities_of(ktl::StringView name, ktl::StringView& provides);
  // Every indexed module's name, in index order.
  static void for_each(void (*visit)(ktl::StringView name, void* context), void* context);
};

// Loads the provider of `capability` unless loaded. `reason` says who asked ("the first
// socket call"); `fallback` names the module to try when the image has no index (images
// built before there was one), or is null.
Result<Module*> require_capability(ktl::StringView capability, const char* reason, const char* fallback = nullptr);

// modules.on_demand=0: loads every module the index lists, for comparison with on demand.
Result<void> load_every_indexed_module();

}  // namespace tessera
