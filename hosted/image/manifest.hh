#pragma once
// The builder's manifest: a text file mapping host paths to image paths, plus directories
// and symlinks declared inline. Grammar in docs/rofs-builder.md. Every error names the
// manifest file and line.
#include <filesystem>
#include <string>
#include <string_view>

#include "image/expected.hh"
#include "image/source_tree.hh"

namespace tessera::image {

// Reads `manifest_path` and adds its entries to `tree`. Relative host paths are relative
// to the manifest's own directory.
Expected<void> add_manifest_file(SourceTree& tree, const std::filesystem::path& manifest_path);
// The same for manifest text already in memory; `name` is what errors call it and
// `base_directory` what relative host paths are relative to.
Expected<void> add_manifest_text(SourceTree& tree, std::string_view text, const std::string& name,
                                 const std::filesystem::path& base_directory);

}  // namespace tessera::image
