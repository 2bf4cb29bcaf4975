#include "image/module_index.hh"

namespace tessera::image {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

}  // namespace

// Plain text on purpose: `tessera image cat IMG /lib/modules/index` is the way to read it,
// and the kernel's parser is a few lines. Names, capabilities and symbols never contain
// spaces, commas or '=' (the module declaration and the ELF rules see to that).
std::string render_module_index(const std::vector<ModuleRecord>& records) {
  std::string out = "tessera-module-index 1\n";
  for (const auto& record : records) {
    if (record.kind != "module") continue;
    out += record.name + " " + record.image_path + " provides=" + joined(record.provides) +
           " requires=" + joined(record.requires_) + " needs=" + joined(record.needed) +
           " exports=" + joined(record.exports) + "\n";
  }
  return out;
}

}  // namespace tessera::image
