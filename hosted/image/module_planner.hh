#pragma once
// The builder's last step before layout when an image carries modules: catalogue them,
// drop what --shake finds unreachable, and add /lib/modules/index.
#include <optional>

#include "image/module_catalog.hh"
#include "image/source_tree.hh"
#include "image/tree_shaker.hh"

namespace tessera::image {

struct ModulePlan {
  std::vector<ModuleRecord> records;  // what stays on the image
  std::optional<ShakeResult> shake;   // with --shake
};

// `shake` null: keep everything. Refuses an image that brings its own /lib/modules/index.
Expected<ModulePlan> plan_modules(SourceTree& tree, const ShakeRequest* shake);

}  // namespace tessera::image
