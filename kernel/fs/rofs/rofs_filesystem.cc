#include "fs/rofs/rofs_filesystem.hh"

#include "mm/heap.hh"

namespace tessera {
namespace {

constexpr int64_t kBlockSize = 4096;

size_t copy_out(ktl::Bytes from, uint64_t offset, ktl::MutableBytes to) {
  if (offset >= from.size()) return 0;
  size_t count = ktl::min(to.size(), size_t(from.size() - offset));
  __builtin_memcpy(to.data(), from.data() + offset, count);
  return count;
}

}  // namespace

Result<RofsFileSystem*> RofsFileSystem::try_create(ktl::Bytes image, Options options) {
  auto opened = TRY(rofs::RofsImage::try_open(image, {.verify_metadata_checksum = options.verify_metadata_checksum}));
  return try_make<RofsFileSystem>(ktl::move(opened), options);
}

Result<uint32_t> RofsFileSystem::image_number(uint64_t inode) const {
  // The VFS only passes numbers this filesystem handed out; anything else is refused.
  if (inode == 0 || inode - 1 >= image_.superblock().inode_count)
    return Error::with_message(kEINVAL, "rofs: no inode %lu", inode);
  return uint32_t(inode - 1);
}

Result<FileSystem::Node> RofsFileSystem::node(uint32_t number) const {
  const rofs::Inode* inode = TRY(image_.inode(number));
  return Node{uint64_t(number) + 1, uint32_t(inode->mode & rofs::mode::kTypeMask)};
}

Result<FileSystem::Node> RofsFileSystem::lookup(uint64_t directory, ktl::StringView name) {
  uint32_t child = TRY(image_.lookup(TRY(image_number(directory)), name));
  return node(child);
}

Result<vfs::Stat> RofsFileSystem::stat(uint64_t inode) {
  const rofs::Inode& node = *TRY(image_.inode(TRY(image_number(inode))));
  vfs::Stat stat;
  stat.inode = inode;
  stat.mode = node.mode;
  stat.link_count = 1;
  stat.uid = node.uid;
  stat.gid = node.gid;
  // Regular: bytes; symlink: target length; directory: its number of entries.
  stat.size = int64_t(node.size);
  stat.block_size = kBlockSize;
  if ((node.mode & rofs::mode::kTypeMask) == rofs::mode::kRegular) stat.blocks = int64_t(node.size / 512 + (node.size % 512 != 0));
  stat.access_time_ns = stat.modify_time_ns = stat.change_time_ns = node.mtime_ns;
  return stat;
}

Result<size_t> RofsFileSystem::read(uint64_t inode, uint64_t offset, ktl::MutableBytes buffer) {
  ktl::Bytes data = TRY(image_.file_data(TRY(image_number(inode))));
  return copy_out(data, offset, buffer);
}

Result<bool> RofsFileSystem::read_directory(uint64_t directory, uint64_t index, vfs::DirectoryEntry& entry) {
  auto found = image_.entry(TRY(image_number(directory)), index);
  if (found.is_error()) {
    if (found.error().code() == kENOENT) return false;
    return found.release_error();
  }
  const rofs::RofsImage::Entry& listed = found.value();
  Node child = TRY(node(listed.inode));
  size_t length = ktl::min(listed.name.length(), vfs::kNameMax);
  entry.inode = child.inode;
  entry.type = vfs::entry_type::from_mode(child.type);
  entry.name_length = uint16_t(length);
  __builtin_memcpy(entry.name, listed.name.data(), length);
  entry.name[length] = '\0';
  return true;
}

Result<size_t> RofsFileSystem::read_link(uint64_t inode, ktl::MutableBytes buffer) {
  ktl::StringView target = TRY(image_.symlink_target(TRY(image_number(inode))));
  return copy_out(ktl::Bytes(reinterpret_cast<const uint8_t*>(target.data()), target.length()), 0, buffer);
}

Result<ktl::Bytes> RofsFileSystem::map(uint64_t inode) { return image_.file_data(TRY(image_number(inode))); }

Result<void> RofsFileSystem::verify(uint64_t inode) { return image_.verify_file(TRY(image_number(inode))); }

Result<void> RofsFileSystem::open_inode(uint64_t inode, int) {
  if (!options_.verify_data_on_open) return {};
  uint32_t number = TRY(image_number(inode));
  if ((TRY(image_.inode(number))->mode & rofs::mode::kTypeMask) != rofs::mode::kRegular) return {};
  return image_.verify_file(number);
}

}  // namespace tessera
