#pragma once
// Builds a ROFS image (docs/rofs.md) from host directories, manifests (docs/rofs-builder.md)
// and entries added directly, e.g. by tests. The same inputs always give the same bytes.
//
//   ImageBuilder builder(options);
//   IMAGE_CHECK(builder.add_directory("rootfs"));
//   IMAGE_CHECK(builder.add_manifest("extra.manifest"));
//   auto summary = IMAGE_TRY(builder.write_file("out.img"));
#include <stdint.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "image/build_options.hh"
#include "image/expected.hh"
#include "image/source_tree.hh"

namespace tessera::image {

struct BuildSummary {
  uint64_t image_size = 0;
  uint32_t inode_count = 0;
  uint32_t entry_count = 0;
  uint64_t file_bytes = 0;  // sum of the regular files' sizes
};

class ImageBuilder {
 public:
  explicit ImageBuilder(BuildOptions options = {}) : options_(options) {}

  // The host directory's contents go under `image_path` (by default, the image root).
  Expected<void> add_directory(const std::filesystem::path& host_directory, std::string_view image_path = "/");
  Expected<void> add_manifest(const std::filesystem::path& manifest);
  Expected<void> add_manifest_text(std::string_view text, const std::string& name = "<text>",
                                   const std::filesystem::path& base_directory = ".");
  // Entries straight from memory; permissions default like a typical umask-022 host.
  Expected<void> add_file(std::string_view image_path, std::string contents, uint16_t permissions = 0644);
  Expected<void> add_symlink(std::string_view image_path, std::string target);
  Expected<void> add_empty_directory(std::string_view image_path, uint16_t permissions = 0755);

  SourceTree& tree() { return tree_; }

  Expected<BuildSummary> write_file(const std::filesystem::path& output);
  Expected<std::vector<uint8_t>> build_in_memory();

 private:
  Expected<void> check_options() const;
  BuildOptions options_;
  SourceTree tree_;
};

// SOURCE_DATE_EPOCH from the environment: nullopt when unset; a failure when malformed.
Expected<std::optional<int64_t>> source_date_epoch_from_environment();

}  // namespace tessera::image
