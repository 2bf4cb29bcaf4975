#include "image/module_planner.hh"

#include "image/module_index.hh"

namespace tessera::image {
namespace {

constexpr const char* kKernelConfPath = "/etc/tessera/kernel.conf";

// --app makes APP the image's application: its kernel.conf line app= is replaced (or
// added), so the image boots what it was shaken for.
Expected<void> set_configured_app(SourceTree& tree, const std::string& conf, const std::string& app) {
  std::string updated;
  bool replaced = false;
  size_t start = 0;
  while (start < conf.size()) {
    size_t end = conf.find('\n', start);
    std::string line = conf.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? conf.size() : end + 1;
    if (line.rfind("app=", 0) == 0) {
      line = "app=" + app;
      replaced = true;
    }
    updated += line + "\n";
  }
  if (!replaced) updated += "app=" + app + "\n";
  tree.remove(kKernelConfPath);
  auto node = std::make_unique<SourceNode>();
  node->kind = SourceNode::Kind::kFile;
  node->permissions = 0644;
  node->origin = std::string(kKernelConfPath) + " (app= set by --app)";
  node->has_inline_data = true;
  node->inline_data = std::move(updated);
  node->size = node->inline_data.size();
  IMAGE_CHECK(tree.insert(kKernelConfPath, std::move(node)));
  return {};
}

}  // namespace

Expected<ModulePlan> plan_modules(SourceTree& tree, const ShakeRequest* shake_request) {
  if (const SourceNode* existing = tree.find(kModuleIndexPath))
    return fail(existing->origin + ": " + kModuleIndexPath + " is written by the builder; remove it from the input");
  ModulePlan plan;
  plan.records = IMAGE_TRY(catalog_modules(tree));
  if (shake_request) {
    ShakeRequest request = *shake_request;
    if (const SourceNode* conf = tree.find(kKernelConfPath); conf && conf->kind == SourceNode::Kind::kFile)
      request.kernel_conf = IMAGE_TRY(read_node_bytes(*conf));
    plan.shake = IMAGE_TRY(shake(plan.records, request));
    if (!request.app.empty()) IMAGE_CHECK(set_configured_app(tree, request.kernel_conf, request.app));
    for (const auto& path : plan.shake->left_out) tree.remove(path);
    std::erase_if(plan.records, [&](const ModuleRecord& record) {
      for (const auto& path : plan.shake->left_out)
        if (path == record.image_path) return true;
      return false;
    });
  }
  bool any_module = false;
  for (const auto& record : plan.records) any_module |= record.kind == "module";
  if (any_module) {
    auto node = std::make_unique<SourceNode>();
    node->kind = SourceNode::Kind::kFile;
    node->permissions = 0644;
    node->origin = std::string("the module index ") + kModuleIndexPath;
    node->has_inline_data = true;
    node->inline_data = render_module_index(plan.records);
    node->size = node->inline_data.size();
    IMAGE_CHECK(tree.insert(kModuleIndexPath, std::move(node)));
  }
  return plan;
}

}  // namespace tessera::image
