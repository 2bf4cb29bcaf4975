#include "module/module_metadata.hh"

#include <tessera/module_note.hh>

#include "module/elf_image.hh"
#include "module/module_format.hh"

namespace tessera {
namespace {

bool parse_decimal(ktl::StringView text, uint32_t& out) {
  if (text.empty() || text.length() > 9) return false;
  uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  out = value;
  return true;
}

}  // namespace

Result<ModuleMetadata> ModuleMetadata::try_parse(const ElfImage& image) {
  auto notes = image.notes();
  ElfImage::Note note;
  while (notes.next(note)) {
    if (note.type != module_note::kModuleInfoNoteType || !(note.name == module_note::kName)) continue;
    if (note.descriptor.size() > module_note::kMaxDescriptorSize)
      return Error::with_message(kENOEXEC, "%.*s: Tessera note descriptor of %zu bytes exceeds the limit %u",
                                 TESSERA_NAME_ARG(image.file_name()), note.descriptor.size(), module_note::kMaxDescriptorSize);
    return try_parse_strings(note.descriptor, image.file_name());
  }
  return ModuleMetadata{};
}

Result<ModuleMetadata> ModuleMetadata::try_parse_strings(ktl::Bytes descriptor, ktl::StringView what) {
  ModuleMetadata metadata;
  auto* text = reinterpret_cast<const char*>(descriptor.data());
  size_t size = descriptor.size();
  size_t at = 0;
  bool ended = false;
  while (at < size) {
    size_t end = at;
    while (end < size && text[end] != '\0') ++end;
    if (end == size)
      return Error::with_message(kENOEXEC, "%.*s: Tessera note entry at %zu is not NUL-terminated",
                                 TESSERA_NAME_ARG(what), at);
    ktl::StringView entry(text + at, end - at);
    at = end + 1;
    if (entry.empty()) {
      ended = true;
      break;
    }
    size_t equals = entry.find('=');
    if (equals == ktl::StringView::npos)
      return Error::with_message(kENOEXEC, "%.*s: Tessera note entry '%.*s' has no '='", TESSERA_NAME_ARG(what),
                                 TESSERA_NAME_ARG(entry));
    ktl::StringView key = entry.substr(0, equals), value = entry.substr(equals + 1);
    if (key == "name") metadata.name = value;
    else if (key == "version") metadata.version = value;
    else if (key == "description") metadata.description = value;
    else if (key == "license") metadata.license = value;
    else if (key == "kind") metadata.kind = value;
    else if (key == "provides") metadata.provides = value;
    else if (key == "requires") metadata.required = value;
    else if (key == "init") metadata.init = value;
    else if (key == "exit") metadata.exit = value;
    else if (key == "abi" && !parse_decimal(value, metadata.abi))
      return Error::with_message(kENOEXEC, "%.*s: Tessera note abi '%.*s' is not a number", TESSERA_NAME_ARG(what),
                                 TESSERA_NAME_ARG(value));
    // Unknown keys are ignored: newer tools may add some.
  }
  if (!ended)
    return Error::with_message(kENOEXEC, "%.*s: Tessera note does not end with an empty entry", TESSERA_NAME_ARG(what));
  metadata.present = true;
  return metadata;
}

}  // namespace tessera
