#include "image/image_builder.hh"

#include <charconv>
#include <cstdlib>

#include "image/directory_scanner.hh"
#include "image/image_layout.hh"
#include "image/image_sink.hh"
#include "image/image_writer.hh"
#include "image/manifest.hh"

namespace tessera::image {

namespace {

constexpr int64_t kMaxEpochSeconds = INT64_MAX / 1'000'000'000;

BuildSummary summarize(const ImageLayout& layout) {
  BuildSummary summary;
  summary.image_size = layout.superblock.image_size;
  summary.inode_count = layout.superblock.inode_count;
  summary.entry_count = layout.superblock.entry_count;
  for (const auto& inode : layout.inodes)
    if ((inode.mode & rofs::mode::kTypeMask) == rofs::mode::kRegular) summary.file_bytes += inode.size;
  return summary;
}

std::string describe_api_entry(std::string_view image_path) { return "entry '" + std::string(image_path) + "'"; }

}  // namespace

Expected<void> ImageBuilder::add_directory(const std::filesystem::path& host_directory, std::string_view image_path) {
  return add_host_directory(tree_, host_directory, image_path);
}

Expected<void> ImageBuilder::add_manifest(const std::filesystem::path& manifest) {
  return add_manifest_file(tree_, manifest);
}

Expected<void> ImageBuilder::add_manifest_text(std::string_view text, const std::string& name,
                                               const std::filesystem::path& base_directory) {
  return image::add_manifest_text(tree_, text, name, base_directory);
}

Expected<void> ImageBuilder::add_file(std::string_view image_path, std::string contents, uint16_t permissions) {
  auto node = std::make_unique<SourceNode>();
  node->kind = SourceNode::Kind::kFile;
  node->permissions = permissions & rofs::mode::kPermissionMask;
  node->origin = describe_api_entry(image_path);
  node->size = contents.size();
  node->has_inline_data = true;
  node->inline_data = std::move(contents);
  IMAGE_CHECK(tree_.insert(image_path, std::move(node)));
  return {};
}

Expected<void> ImageBuilder::add_symlink(std::string_view image_path, std::string target) {
  auto node = std::make_unique<SourceNode>();
  node->kind = SourceNode::Kind::kSymlink;
  node->permissions = 0777;
  node->origin = describe_api_entry(image_path);
  if (target.empty() || target.size() > rofs::limit::kMaxSymlinkLength || target.find('\0') != std::string::npos)
    return fail(node->origin + ": symlink target must be 1.." + std::to_string(rofs::limit::kMaxSymlinkLength) +
                " bytes without NUL, got " + std::to_string(target.size()) + " bytes");
  node->target = std::move(target);
  IMAGE_CHECK(tree_.insert(image_path, std::move(node)));
  return {};
}

Expected<void> ImageBuilder::add_empty_directory(std::string_view image_path, uint16_t permissions) {
  auto node = std::make_unique<SourceNode>();
  node->permissions = permissions & rofs::mode::kPermissionMask;
  node->origin = describe_api_entry(image_path);
  IMAGE_CHECK(tree_.insert(image_path, std::move(node)));
  return {};
}

Expected<void> ImageBuilder::check_options() const {
  if (options_.source_date_epoch &&
      (*options_.source_date_epoch > kMaxEpochSeconds || *options_.source_date_epoch < -kMaxEpochSeconds))
    return fail("SOURCE_DATE_EPOCH " + std::to_string(*options_.source_date_epoch) + " is out of range");
  if (options_.check_symlinks) IMAGE_CHECK(tree_.check_symlinks());
  return {};
}

Expected<BuildSummary> ImageBuilder::write_file(const std::filesystem::path& output) {
  IMAGE_CHECK(check_options());
  auto layout = IMAGE_TRY(lay_out(tree_, options_));
  auto sink = IMAGE_TRY(FileSink::create(output));
  IMAGE_CHECK(write_image(layout, *sink));
  IMAGE_CHECK(sink->commit());
  return summarize(layout);
}

Expected<std::vector<uint8_t>> ImageBuilder::build_in_memory() {
  IMAGE_CHECK(check_options());
  auto layout = IMAGE_TRY(lay_out(tree_, options_));
  MemorySink sink;
  IMAGE_CHECK(write_image(layout, sink));
  return sink.release();
}

Expected<std::optional<int64_t>> source_date_epoch_from_environment() {
  const char* text = std::getenv("SOURCE_DATE_EPOCH");
  if (text == nullptr || *text == '\0') return std::optional<int64_t>{};
  std::string_view value = text;
  int64_t seconds = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (error != std::errc() || end != value.data() + value.size() || seconds > kMaxEpochSeconds ||
      seconds < -kMaxEpochSeconds)
    return fail("SOURCE_DATE_EPOCH '" + std::string(value) + "' is not a whole number of seconds since 1970");
  return std::optional<int64_t>{seconds};
}

}  // namespace tessera::image
