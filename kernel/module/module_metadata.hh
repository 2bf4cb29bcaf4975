#pragma once
// The Tessera note of a module or application (format in tessera/module_note.hh), parsed
// into views of the file's bytes: valid as long as the file bytes are.
#include <stdint.h>
#include <tessera/ktl/span.hh>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>

namespace tessera {

class ElfImage;

struct ModuleMetadata {
  bool present = false;  // the file has a Tessera note
  ktl::StringView name;
  ktl::StringView version;
  ktl::StringView description;
  ktl::StringView license;
  ktl::StringView kind;      // "module" or "app"; empty when unspecified
  ktl::StringView provides;  // comma-separated capabilities
  ktl::StringView required;  // the note's "requires"
  ktl::StringView init;      // entry point symbol names, empty when absent
  ktl::StringView exit;
  uint32_t abi = 0;          // kernel ABI revision; 0 when absent

  // Parses the first Tessera note of `image`. ENOEXEC names a malformed note (a string
  // not terminated inside the descriptor, no '=', an unparsable abi, a descriptor over
  // module_note::kMaxDescriptorSize). No note at all is not an error: present stays false.
  static Result<ModuleMetadata> try_parse(const ElfImage& image);
  // The note's descriptor alone (a built-in module's record carries the same strings);
  // `what` names it in errors.
  static Result<ModuleMetadata> try_parse_strings(ktl::Bytes descriptor, ktl::StringView what);
};

}  // namespace tessera
