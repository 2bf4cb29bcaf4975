#pragma once
// One file, directory or symlink that will go into an image, as collected from a host
// directory or a manifest, before inode numbers and offsets are assigned.
#include <stdint.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace tessera::image {

struct SourceNode {
  enum class Kind { kDirectory, kFile, kSymlink };

  Kind kind = Kind::kDirectory;
  uint16_t permissions = 0755;
  // What the host says; BuildOptions decide whether they are kept. A manifest's explicit
  // uid=/gid=/mtime= always win (the optionals below).
  uint32_t host_uid = 0;
  uint32_t host_gid = 0;
  int64_t host_mtime_ns = 0;
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
  std::optional<int64_t> mtime_ns;
  // Names where this node came from in every error message: "host path 'a/b'" or
  // "manifest 'x.manifest' line 7".
  std::string origin;
  // Directories created only because something was put inside them; a later explicit
  // declaration may still set their attributes.
  bool implicit = false;

  // kFile: the bytes come from host_path, whose size was `size` when it was scanned, or
  // (has_inline_data) from inline_data.
  std::filesystem::path host_path;
  uint64_t size = 0;
  bool has_inline_data = false;
  std::string inline_data;
  // kSymlink
  std::string target;
  // kDirectory. std::map orders std::string keys bytewise (unsigned, shorter first on a
  // tie), which is exactly the on-disk directory order.
  std::map<std::string, std::unique_ptr<SourceNode>> children;

  bool is_directory() const { return kind == Kind::kDirectory; }
};

}  // namespace tessera::image
