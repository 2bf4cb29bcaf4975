#pragma once
// What the image builder knows about each module and application it packs: read from the
// ELF file itself (its Tessera note, DT_NEEDED, dynamic symbols), with the kernel's own
// validator, so the builder refuses exactly what the kernel would refuse.
#include <cstdint>
#include <string>
#include <vector>

#include "image/expected.hh"
#include "image/source_tree.hh"

namespace tessera::image {

struct ModuleRecord {
  std::string name;        // the note's name (the file name without .so when absent)
  std::string kind;        // "module" or "app"
  std::string image_path;  // /lib/modules/NAME.so or /apps/NAME.so
  uint64_t file_size = 0;
  uint64_t memory_size = 0;                 // what its loadable segments take once loaded
  std::vector<std::string> provides;        // capabilities
  std::vector<std::string> requires_;       // capabilities
  std::vector<std::string> needed;          // DT_NEEDED, as module names (no ".so")
  std::vector<std::string> exports;         // defined, default-visibility dynamic symbols
  std::vector<std::string> imports;         // undefined non-weak symbols not from the kernel
  std::vector<std::string> kernel_imports;  // symbols bound to the kernel's export table
};

// Parses one module or application file (8-byte aligned copy made here).
Expected<ModuleRecord> read_module_record(const std::string& bytes, const std::string& image_path);

// Every regular *.so file directly in /lib/modules and /apps of `tree`, in path order.
Expected<std::vector<ModuleRecord>> catalog_modules(const SourceTree& tree);

// The contents of a file node of the tree (host file or inline data).
Expected<std::string> read_node_bytes(const SourceNode& node);

}  // namespace tessera::image
