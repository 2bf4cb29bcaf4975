#pragma once
// A deliberately small ROFS writer for tests of the reader (docs/rofs.md): it lays out a
// tree the way the spec says and, unlike the real builder, accepts anything as a name or
// target, so that tests can then corrupt any field and reseal the metadata checksum.
// Inodes are numbered breadth-first, the root's children from 1 in name order.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include <tessera/rofs/format.hh>
#include "lib/crc32c.hh"

namespace tessera::rofs::test {

// An image in an 8-byte aligned buffer, with typed access to its fields.
class TestImage {
 public:
  explicit TestImage(size_t size) : words_((size + 7) / 8 + 1, 0), size_(size) {}

  uint8_t* data() { return reinterpret_cast<uint8_t*>(words_.data()); }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(words_.data()); }
  size_t size() const { return size_; }
  ktl::Bytes bytes() const { return ktl::Bytes(data(), size_); }
  // Grows or shrinks the mapped length (the superblock's image_size is untouched).
  void resize(size_t size) {
    words_.resize((size + 7) / 8 + 1, 0);
    size_ = size;
  }

  Superblock& superblock() { return *reinterpret_cast<Superblock*>(data()); }
  Inode& inode(uint32_t number) { return reinterpret_cast<Inode*>(data() + superblock().inode_table_offset)[number]; }
  DirectoryEntry& entry(uint64_t index) {
    return reinterpret_cast<DirectoryEntry*>(data() + superblock().entry_table_offset)[index];
  }
  uint8_t* string_table() { return data() + superblock().string_table_offset; }

  uint32_t compute_metadata_crc() const {
    // Clamped, so that resealing an image whose metadata_size is itself corrupt is safe.
    uint64_t length = std::min<uint64_t>(reinterpret_cast<const Superblock*>(data())->metadata_size, size_);
    std::vector<uint8_t> metadata(data(), data() + length);
    if (length >= sizeof(Superblock)) std::memset(metadata.data() + offsetof(Superblock, metadata_crc32c), 0, 4);
    return crc32c(ktl::Bytes(metadata.data(), metadata.size()));
  }
  // After editing metadata: make the checksum right again, so the edit reaches its check.
  void reseal() { superblock().metadata_crc32c = compute_metadata_crc(); }

 private:
  std::vector<uint64_t> words_;
  size_t size_;
};

class TestImageWriter {
 public:
  static constexpr uint32_t kRoot = 0;

  explicit TestImageWriter(uint32_t data_alignment = 8, bool page_aligned_flag = false)
      : alignment_(data_alignment), page_aligned_flag_(page_aligned_flag) {
    nodes_.push_back(Node{"", static_cast<uint16_t>(mode::kDirectory | 0755), "", kNone});
  }

  // Each returns a handle (not the final inode number; see number_of()).
  uint32_t directory(uint32_t parent, std::string name, uint16_t permissions = 0755) {
    return add(parent, std::move(name), mode::kDirectory | permissions, "");
  }
  uint32_t file(uint32_t parent, std::string name, std::string contents, uint16_t permissions = 0644) {
    return add(parent, std::move(name), mode::kRegular | permissions, std::move(contents));
  }
  uint32_t symlink(uint32_t parent, std::string name, std::string target) {
    return add(parent, std::move(name), mode::kSymlink | 0777, std::move(target));
  }
  void set_owner(uint32_t handle, uint32_t uid, uint32_t gid) {
    nodes_[handle].uid = uid;
    nodes_[handle].gid = gid;
  }
  void set_mtime(uint32_t handle, int64_t mtime_ns) { nodes_[handle].mtime_ns = mtime_ns; }

  TestImage build() {
    number_nodes();
    const uint32_t inode_count = static_cast<uint32_t>(nodes_.size());
    uint64_t entry_count = inode_count - 1;

    std::string strings;
    for (auto& node : nodes_) {
      if (node.handle_parent != kNone) {
        node.name_offset = strings.size();
        strings += node.name;
      }
      if ((node.mode & mode::kTypeMask) == mode::kSymlink) {
        node.target_offset = strings.size();
        strings += node.contents;
      }
    }

    uint64_t inode_table = sizeof(Superblock);
    uint64_t entry_table = inode_table + uint64_t{inode_count} * sizeof(Inode);
    uint64_t string_table = entry_table + entry_count * sizeof(DirectoryEntry);
    uint64_t metadata_size = round_up(string_table + strings.size(), 8);
    uint64_t data_offset = round_up(metadata_size, alignment_);
    uint64_t cursor = data_offset;
    for (auto& node : nodes_) {
      if ((node.mode & mode::kTypeMask) != mode::kRegular || node.contents.empty()) continue;
      cursor = round_up(cursor, alignment_);
      node.data_offset = cursor;
      cursor += node.contents.size();
    }
    uint64_t image_size = cursor;

    TestImage image(image_size);
    Superblock& sb = image.superblock();
    std::memcpy(sb.magic, kMagic, sizeof(kMagic));
    sb.version_major = kVersionMajor;
    sb.version_minor = kVersionMinor;
    sb.superblock_size = sizeof(Superblock);
    sb.compatible_features = page_aligned_flag_ ? feature::kPageAlignedData : 0;
    sb.data_alignment = alignment_;
    sb.image_size = image_size;
    sb.metadata_size = metadata_size;
    sb.inode_table_offset = inode_table;
    sb.inode_count = inode_count;
    sb.inode_size = sizeof(Inode);
    sb.entry_table_offset = entry_table;
    sb.entry_count = static_cast<uint32_t>(entry_count);
    sb.entry_size = sizeof(DirectoryEntry);
    sb.string_table_offset = string_table;
    sb.string_table_size = strings.size();
    sb.data_offset = data_offset;
    sb.data_size = image_size - data_offset;
    sb.build_time_ns = 1'700'000'000'000'000'000;
    std::memcpy(image.string_table(), strings.data(), strings.size());

    uint64_t next_entry = 0;
    for (uint32_t number = 0; number < inode_count; ++number) {
      const Node& node = nodes_[order_[number]];
      Inode& inode = image.inode(number);
      inode.mode = node.mode;
      inode.uid = node.uid;
      inode.gid = node.gid;
      inode.mtime_ns = node.mtime_ns;
      switch (node.mode & mode::kTypeMask) {
        case mode::kDirectory:
          inode.parent = node.handle_parent == kNone ? 0 : nodes_[node.handle_parent].number;
          inode.size = node.children.size();
          inode.offset = next_entry;
          for (uint32_t child : node.children) {
            DirectoryEntry& entry = image.entry(next_entry++);
            entry.name_offset = static_cast<uint32_t>(nodes_[child].name_offset);
            entry.name_length = static_cast<uint16_t>(nodes_[child].name.size());
            entry.inode = nodes_[child].number;
          }
          break;
        case mode::kRegular:
          inode.size = node.contents.size();
          inode.offset = node.data_offset;
          inode.data_crc32c =
              crc32c(ktl::Bytes(reinterpret_cast<const uint8_t*>(node.contents.data()), node.contents.size()));
          if (!node.contents.empty())
            std::memcpy(image.data() + node.data_offset, node.contents.data(), node.contents.size());
          break;
        case mode::kSymlink:
          inode.size = node.contents.size();
          inode.offset = node.target_offset;
          break;
      }
    }
    image.reseal();
    return image;
  }

  // The inode number a handle got in the last build().
  uint32_t number_of(uint32_t handle) const { return nodes_[handle].number; }

 private:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  struct Node {
    std::string name;
    uint16_t mode;
    std::string contents;  // file bytes or symlink target
    uint32_t handle_parent;
    uint32_t uid = 0, gid = 0;
    int64_t mtime_ns = 1'600'000'000'123'456'789;
    std::vector<uint32_t> children;
    uint32_t number = 0;
    uint64_t name_offset = 0, target_offset = 0, data_offset = 0;
  };

  static uint64_t round_up(uint64_t value, uint64_t alignment) {
    return (value + alignment - 1) / alignment * alignment;
  }

  uint32_t add(uint32_t parent, std::string name, uint16_t mode, std::string contents) {
    nodes_.push_back(Node{std::move(name), mode, std::move(contents), parent});
    auto handle = static_cast<uint32_t>(nodes_.size() - 1);
    nodes_[parent].children.push_back(handle);
    return handle;
  }

  // Breadth-first, children in name order: child directories get larger numbers than
  // their parents, and a directory's entries are contiguous.
  void number_nodes() {
    order_.clear();
    std::deque<uint32_t> queue{0};
    while (!queue.empty()) {
      uint32_t handle = queue.front();
      queue.pop_front();
      nodes_[handle].number = static_cast<uint32_t>(order_.size());
      order_.push_back(handle);
      auto& children = nodes_[handle].children;
      std::sort(children.begin(), children.end(),
                [&](uint32_t a, uint32_t b) { return compare_names(nodes_[a].name, nodes_[b].name) < 0; });
      for (uint32_t child : children) queue.push_back(child);
    }
  }
  static int compare_names(const std::string& a, const std::string& b) {
    return compare(ktl::StringView(a.data(), a.size()), ktl::StringView(b.data(), b.size()));
  }

  uint32_t alignment_;
  bool page_aligned_flag_;
  std::vector<Node> nodes_;
  std::vector<uint32_t> order_;  // inode number -> handle
};

}  // namespace tessera::rofs::test
