#include "image/module_catalog.hh"

#include <cstring>
#include <fstream>
#include <sstream>

#include "module/elf_image.hh"
#include "module/export_table.hh"
#include "module/module_metadata.hh"

namespace tessera::image {
namespace {

std::string text(ktl::StringView view) { return std::string(view.data(), view.size()); }

std::vector<std::string> split_list(ktl::StringView list) {
  std::vector<std::string> items;
  std::string all = text(list), item;
  std::stringstream stream(all);
  while (std::getline(stream, item, ','))
    if (!item.empty()) items.push_back(item);
  return items;
}

std::string strip_so(std::string name) {
  if (name.size() > 3 && name.compare(name.size() - 3, 3, ".so") == 0) name.resize(name.size() - 3);
  return name;
}

bool is_exported(const elf::Sym& symbol) {
  constexpr uint8_t kVisibilityMask = 3;  // STV_DEFAULT 0, STV_PROTECTED 3
  uint8_t visibility = symbol.st_other & kVisibilityMask;
  return symbol.is_defined() && (symbol.binding() == elf::kStbGlobal || symbol.binding() == elf::kStbWeak) &&
         (visibility == 0 || visibility == 3);
}

}  // namespace

Expected<std::string> read_node_bytes(const SourceNode& node) {
  if (node.has_inline_data) return node.inline_data;
  std::ifstream in(node.host_path, std::ios::binary);
  if (!in) return fail(node.origin + ": cannot open " + node.host_path.string() + ": " + std::strerror(errno));
  std::stringstream contents;
  contents << in.rdbuf();
  if (!in && !in.eof()) return fail(node.origin + ": cannot read " + node.host_path.string());
  return contents.str();
}

Expected<ModuleRecord> read_module_record(const std::string& bytes, const std::string& image_path) {
  // The validator wants the file 8-byte aligned, as the kernel's loader has it.
  std::vector<uint64_t> words((bytes.size() + 7) / 8, 0);
  std::memcpy(words.data(), bytes.data(), bytes.size());
  ktl::Bytes file(reinterpret_cast<const uint8_t*>(words.data()), bytes.size());
  auto validated = ElfImage::try_validate(file, ktl::StringView(image_path.data(), image_path.size()));
  if (validated.is_error()) return fail(validated.error().message());
  const ElfImage& elf = validated.value();
  auto metadata = ModuleMetadata::try_parse(elf);
  if (metadata.is_error()) return fail(image_path + ": " + metadata.error().message());

  ModuleRecord record;
  record.image_path = image_path;
  record.file_size = bytes.size();
  std::string file_name = image_path.substr(image_path.rfind('/') + 1);
  record.name = metadata.value().present && !metadata.value().name.empty() ? text(metadata.value().name)
                                                                           : strip_so(file_name);
  record.kind = image_path.rfind("/apps/", 0) == 0 ? "app" : "module";
  record.provides = split_list(metadata.value().provides);
  record.requires_ = split_list(metadata.value().required);
  for (size_t i = 0; i < elf.dynamic().needed_count; ++i) {
    std::string needed = text(elf.needed(i));
    if (needed != kKernelAbiSoname) record.needed.push_back(strip_so(needed));
  }
  uint64_t low = UINT64_MAX, high = 0;
  for (const auto& segment : elf.load_segments()) {
    low = std::min(low, segment.vaddr);
    high = std::max(high, segment.vaddr + segment.memory_size);
  }
  if (high > low) record.memory_size = high - low;

  auto symbols = elf.symbols();
  for (size_t i = 1; i < symbols.size(); ++i) {
    const elf::Sym& symbol = symbols[i];
    std::string name = text(elf.symbol_name(i));
    if (is_exported(symbol)) {
      record.exports.push_back(name);
    } else if (!symbol.is_defined() && symbol.binding() == elf::kStbGlobal) {
      if (elf.symbol_version(i).file == kKernelAbiSoname) record.kernel_imports.push_back(name);
      else record.imports.push_back(name);
    }
  }
  return record;
}

Expected<std::vector<ModuleRecord>> catalog_modules(const SourceTree& tree) {
  std::vector<ModuleRecord> records;
  for (const char* directory : {"/lib/modules", "/apps"}) {
    const SourceNode* folder = tree.find(directory);
    if (folder == nullptr || !folder->is_directory()) continue;
    for (const auto& [name, child] : folder->children) {
      if (child->kind != SourceNode::Kind::kFile || name.size() <= 3 || name.compare(name.size() - 3, 3, ".so") != 0)
        continue;
      auto bytes = IMAGE_TRY(read_node_bytes(*child));
      records.push_back(IMAGE_TRY(read_module_record(bytes, std::string(directory) + "/" + name)));
    }
  }
  return records;
}

}  // namespace tessera::image
