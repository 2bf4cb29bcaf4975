#include "image/image_layout.hh"

#include <cstring>
#include <deque>
#include <unordered_map>

namespace tessera::image {

namespace {

constexpr int64_t kNanosecondsPerSecond = 1'000'000'000;

uint64_t align_up(uint64_t value, uint64_t alignment) { return (value + alignment - 1) & ~(alignment - 1); }

class LayoutBuilder {
 public:
  explicit LayoutBuilder(const BuildOptions& options) : options_(options) {
    if (options.source_date_epoch) fixed_time_ns_ = *options.source_date_epoch * kNanosecondsPerSecond;
  }

  Expected<ImageLayout> run(const SourceTree& tree) {
    IMAGE_CHECK(number_inodes(tree.root()));
    IMAGE_CHECK(place_tables());
    IMAGE_CHECK(place_data());
    return std::move(layout_);
  }

 private:
  uint16_t type_bits(const SourceNode& node) const {
    switch (node.kind) {
      case SourceNode::Kind::kDirectory: return rofs::mode::kDirectory;
      case SourceNode::Kind::kFile: return rofs::mode::kRegular;
      case SourceNode::Kind::kSymlink: return rofs::mode::kSymlink;
    }
    return 0;
  }

  rofs::Inode make_inode(const SourceNode& node, uint32_t parent) const {
    rofs::Inode inode{};
    inode.mode = static_cast<uint16_t>(type_bits(node) | (node.permissions & rofs::mode::kPermissionMask));
    inode.uid = node.uid.value_or(options_.keep_owner ? node.host_uid : 0);
    inode.gid = node.gid.value_or(options_.keep_owner ? node.host_gid : 0);
    int64_t mtime = fixed_time_ns_;
    if (options_.keep_mtime) {
      mtime = node.host_mtime_ns;
      // The reproducible-builds convention: nothing newer than SOURCE_DATE_EPOCH.
      if (options_.source_date_epoch && mtime > fixed_time_ns_) mtime = fixed_time_ns_;
    }
    inode.mtime_ns = node.mtime_ns.value_or(mtime);
    inode.parent = node.is_directory() ? parent : 0;
    return inode;
  }

  Expected<uint64_t> intern(const std::string& text) {
    auto [slot, inserted] = string_offsets_.try_emplace(text, layout_.strings.size());
    if (inserted) {
      layout_.strings += text;
      if (layout_.strings.size() > rofs::limit::kMaxStringTable)
        return fail("the image's names and symlink targets need more than " +
                    std::to_string(rofs::limit::kMaxStringTable) + " bytes of string table (limit); at '" +
                    text.substr(0, 40) + "'");
    }
    return slot->second;
  }

  Expected<uint32_t> add_inode(const SourceNode& node, uint32_t parent) {
    if (layout_.inodes.size() >= rofs::limit::kMaxInodes)
      return fail(node.origin + ": the image would have more than " + std::to_string(rofs::limit::kMaxInodes) +
                  " inodes (limit)");
    layout_.inodes.push_back(make_inode(node, parent));
    layout_.sources.push_back(&node);
    auto number = static_cast<uint32_t>(layout_.inodes.size() - 1);
    if (node.kind == SourceNode::Kind::kSymlink) {
      layout_.inodes[number].size = node.target.size();
      layout_.inodes[number].offset = IMAGE_TRY(intern(node.target));
    } else if (node.kind == SourceNode::Kind::kFile) {
      layout_.inodes[number].size = node.size;
    }
    return number;
  }

  // Breadth first: a directory's children get consecutive numbers right after those of the
  // directories before it, and a child directory is always numbered above its parent.
  Expected<void> number_inodes(const SourceNode& root) {
    IMAGE_CHECK(add_inode(root, 0));
    std::deque<uint32_t> directories{0};
    while (!directories.empty()) {
      uint32_t number = directories.front();
      directories.pop_front();
      const SourceNode& directory = *layout_.sources[number];
      layout_.inodes[number].offset = layout_.entries.size();
      layout_.inodes[number].size = directory.children.size();
      for (const auto& [name, child] : directory.children) {
        if (layout_.entries.size() >= rofs::limit::kMaxEntries)
          return fail(child->origin + ": the image would have more than " + std::to_string(rofs::limit::kMaxEntries) +
                      " directory entries (limit)");
        uint32_t child_number = IMAGE_TRY(add_inode(*child, number));
        rofs::DirectoryEntry entry{};
        entry.name_offset = static_cast<uint32_t>(IMAGE_TRY(intern(name)));
        entry.name_length = static_cast<uint16_t>(name.size());
        entry.inode = child_number;
        layout_.entries.push_back(entry);
        if (child->is_directory()) directories.push_back(child_number);
      }
    }
    return {};
  }

  Expected<void> place_tables() {
    rofs::Superblock& superblock = layout_.superblock;
    std::memcpy(superblock.magic, rofs::kMagic, sizeof(superblock.magic));
    superblock.version_major = rofs::kVersionMajor;
    superblock.version_minor = rofs::kVersionMinor;
    superblock.superblock_size = sizeof(rofs::Superblock);
    superblock.data_alignment = options_.page_align ? kPageSize : kDefaultDataAlignment;
    superblock.compatible_features = options_.page_align ? rofs::feature::kPageAlignedData : 0;
    superblock.incompatible_features = 0;
    superblock.inode_table_offset = sizeof(rofs::Superblock);
    superblock.inode_count = static_cast<uint32_t>(layout_.inodes.size());
    superblock.inode_size = sizeof(rofs::Inode);
    superblock.entry_table_offset =
        superblock.inode_table_offset + uint64_t{superblock.inode_count} * sizeof(rofs::Inode);
    superblock.entry_count = static_cast<uint32_t>(layout_.entries.size());
    superblock.entry_size = sizeof(rofs::DirectoryEntry);
    superblock.string_table_offset =
        superblock.entry_table_offset + uint64_t{superblock.entry_count} * sizeof(rofs::DirectoryEntry);
    superblock.string_table_size = layout_.strings.size();
    superblock.metadata_size = superblock.string_table_offset + superblock.string_table_size;
    superblock.data_offset = align_up(superblock.metadata_size, superblock.data_alignment);
    superblock.build_time_ns = fixed_time_ns_;
    return {};
  }

  // Files in inode order, each aligned; equal contents are not merged (reading every file
  // twice to find them would cost more than it saves on a boot image).
  Expected<void> place_data() {
    rofs::Superblock& superblock = layout_.superblock;
    uint64_t cursor = superblock.data_offset;
    for (size_t number = 0; number < layout_.inodes.size(); ++number) {
      rofs::Inode& inode = layout_.inodes[number];
      if ((inode.mode & rofs::mode::kTypeMask) != rofs::mode::kRegular || inode.size == 0) continue;
      inode.offset = cursor;
      if (inode.size > rofs::limit::kMaxImageSize ||
          (cursor = align_up(cursor + inode.size, superblock.data_alignment)) > rofs::limit::kMaxImageSize)
        return fail(layout_.sources[number]->origin + ": the image would be larger than " +
                    std::to_string(rofs::limit::kMaxImageSize) + " bytes (limit)");
    }
    superblock.image_size = cursor;
    superblock.data_size = cursor - superblock.data_offset;
    return {};
  }

  const BuildOptions& options_;
  int64_t fixed_time_ns_ = 0;
  ImageLayout layout_;
  std::unordered_map<std::string, uint64_t> string_offsets_;
};

}  // namespace

Expected<ImageLayout> lay_out(const SourceTree& tree, const BuildOptions& options) {
  return LayoutBuilder(options).run(tree);
}

}  // namespace tessera::image
