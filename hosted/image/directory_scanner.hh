#pragma once
// Copies a host directory tree into a SourceTree: regular files, directories and symlinks
// (stored as links, never followed). Anything else on the host (fifo, socket, device) is
// refused with its path, as is a name or depth over the format's limits.
#include <filesystem>
#include <string_view>

#include "image/expected.hh"
#include "image/source_tree.hh"

namespace tessera::image {

// Puts the contents of `host_directory` at `image_path` (which takes the host directory's
// own attributes). `origin` prefixes nothing: errors name host paths.
Expected<void> add_host_directory(SourceTree& tree, const std::filesystem::path& host_directory,
                                  std::string_view image_path);

// Reads one host file system object's metadata into a new node (lstat; symlinks are not
// followed unless `follow`). Used by the scanner and by the manifest's 'file' lines.
Expected<std::unique_ptr<SourceNode>> scan_host_object(const std::filesystem::path& host_path, bool follow,
                                                       std::string origin);

}  // namespace tessera::image
