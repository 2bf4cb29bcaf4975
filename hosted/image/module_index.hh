#pragma once
// /lib/modules/index: what every module on an image provides and needs, written by the
// builder so the kernel can load a provider the first time a capability or symbol is
// asked for without opening every module (format: docs/modularity.md, "Module index").
#include <string>
#include <vector>

#include "image/module_catalog.hh"

namespace tessera::image {

inline constexpr const char* kModuleIndexPath = "/lib/modules/index";

// One line per module (applications are not indexed: nothing loads them on demand).
std::string render_module_index(const std::vector<ModuleRecord>& records);

}  // namespace tessera::image
