#include "ramfs.hh"

#include <tessera/errno.hh>
#include <tessera/ktl/utility.hh>

namespace tessera::ramfs {
namespace {

// Names as the VFS hands them over; checked again because a filesystem must not trust
// its caller with its own invariants (sorted, unique, printable tables).
int check_name(ktl::StringView name) {
  if (name.empty() || name == "." || name == "..") return -kEINVAL;
  if (name.length() > vfs::kNameMax) return -kENAMETOOLONG;
  for (char c : name)
    if (c == '/' || c == '\0') return -kEINVAL;
  return 0;
}

uint8_t entry_type_of(const RamInode& inode) {
  if (inode.is_directory()) return vfs::entry_type::kDirectory;
  if (inode.is_regular()) return vfs::entry_type::kRegular;
  return vfs::entry_type::kSymlink;
}

}  // namespace

int RamFs::try_create(const Environment& environment, Options options, RamFs** out) {
  void* memory = environment.allocator.allocate(environment.allocator.context, sizeof(RamFs));
  if (!memory) return -kENOMEM;
  auto* filesystem = new (memory) RamFs(environment, options);
  RamInode* root = nullptr;
  int error = filesystem->new_inode(vfs::file_type::kDirectory | (options.root_mode & 07777), root);
  if (error) {
    destroy(filesystem);
    return error;
  }
  root->link_count = 1;  // named by the mount, for good
  *out = filesystem;
  return 0;
}

void RamFs::destroy(RamFs* filesystem) {
  if (!filesystem) return;
  for (uint64_t index = 0; index < filesystem->inodes_.slot_count(); ++index) {
    RamInode* inode = filesystem->inodes_.slot(index);
    if (!inode) continue;
    for (uint32_t entry = 0; entry < inode->entries.count(); ++entry)
      filesystem->memory_.release(inode->entries.at(entry).name, inode->entries.at(entry).length);
    inode->entries.release(filesystem->memory_);
    inode->data.release(filesystem->memory_);
    filesystem->memory_.release(inode, sizeof(RamInode));
  }
  filesystem->inodes_.release(filesystem->memory_);
  RamMemory::Allocator allocator = filesystem->environment_.allocator;
  filesystem->~RamFs();
  allocator.free(allocator.context, filesystem);
}

int64_t RamFs::now() const {
  return environment_.now_ns ? environment_.now_ns(environment_.clock_context) : 0;
}

int RamFs::live_directory(uint64_t number, RamInode*& out) const {
  RamInode* inode = find(number);
  if (!inode || inode->link_count == 0) return -kENOENT;  // a removed directory takes no entries
  if (!inode->is_directory()) return -kENOTDIR;
  out = inode;
  return 0;
}

int RamFs::new_inode(uint32_t mode, RamInode*& out) {
  int error = 0;
  void* memory = memory_.allocate(sizeof(RamInode), error);
  if (!memory) return error;
  auto* inode = new (memory) RamInode;
  error = inodes_.add(memory_, inode);
  if (error) {
    memory_.release(inode, sizeof(RamInode));
    return error;
  }
  inode->mode = mode;
  inode->access_time_ns = inode->modify_time_ns = inode->change_time_ns = now();
  out = inode;
  return 0;
}

int RamFs::copy_name(ktl::StringView name, char*& out) {
  int error = 0;
  auto* copy = static_cast<char*>(memory_.allocate(name.length(), error));
  if (!copy) return error;
  __builtin_memcpy(copy, name.data(), name.length());
  out = copy;
  return 0;
}

void RamFs::drop_link(RamInode* inode) {
  --inode->link_count;
  touch(inode, false);
  if (!inode->in_use()) free_inode(inode);
}

void RamFs::free_inode(RamInode* inode) {
  // A directory is only freed empty: its entries were removed one by one.
  inode->entries.release(memory_);
  inode->data.release(memory_);
  inodes_.remove(inode);
  inode->~RamInode();
  memory_.release(inode, sizeof(RamInode));
}

void RamFs::touch(RamInode* inode, bool modified) {
  int64_t time = now();
  inode->change_time_ns = time;
  if (modified) inode->modify_time_ns = time;
}

int RamFs::find_entry(RamInode* directory, ktl::StringView name, uint32_t& index) const {
  return directory->entries.find(name, index) ? 0 : -kENOENT;
}

int RamFs::lookup(uint64_t directory, ktl::StringView name, Node& out) {
  RamInode* parent = nullptr;
  if (int error = live_directory(directory, parent)) return error;
  uint32_t index = 0;
  if (int error = find_entry(parent, name, index)) return error;
  const RamInode* inode = parent->entries.at(index).inode;
  out = {inode->number, inode->type()};
  return 0;
}

int RamFs::stat(uint64_t number, vfs::Stat& out) {
  const RamInode* inode = find(number);
  if (!inode) return -kENOENT;
  out = vfs::Stat{};
  out.inode = inode->number;
  out.mode = inode->mode;
  // A directory is named by its entry, its own "." and each subdirectory's "..", as on Linux.
  out.link_count = inode->is_directory() && inode->link_count ? 2 + inode->subdirectories : inode->link_count;
  out.size = inode->is_directory() ? int64_t(inode->entries.count()) : int64_t(inode->data.size());
  out.block_size = 4096;
  out.blocks = int64_t((inode->data.capacity() + inode->entries.table_bytes() + 511) / 512);
  out.access_time_ns = inode->access_time_ns;
  out.modify_time_ns = inode->modify_time_ns;
  out.change_time_ns = inode->change_time_ns;
  return 0;
}

int64_t RamFs::read(uint64_t number, uint64_t offset, void* buffer, size_t size) {
  const RamInode* inode = find(number);
  if (!inode) return -kENOENT;
  if (inode->is_directory()) return -kEISDIR;
  if (!inode->is_regular()) return -kEINVAL;
  if (size > uint64_t(INT64_MAX)) size = size_t(INT64_MAX);
  return int64_t(inode->data.read(offset, buffer, size));
}

int RamFs::read_directory(uint64_t directory, uint64_t index, vfs::DirectoryEntry& out) {
  const RamInode* inode = find(directory);
  if (!inode) return -kENOENT;
  if (!inode->is_directory()) return -kENOTDIR;
  if (index >= inode->entries.count()) return 0;
  const DirectoryEntry& entry = inode->entries.at(uint32_t(index));
  out.inode = entry.inode->number;
  out.type = entry_type_of(*entry.inode);
  out.name_length = entry.length;
  __builtin_memcpy(out.name, entry.name, entry.length);
  out.name[entry.length] = '\0';
  return 1;
}

int64_t RamFs::read_link(uint64_t number, char* buffer, size_t size) {
  const RamInode* inode = find(number);
  if (!inode) return -kENOENT;
  if (!inode->is_symlink()) return -kEINVAL;
  return int64_t(inode->data.read(0, buffer, size));
}

int RamFs::open_inode(uint64_t number) {
  RamInode* inode = find(number);
  if (!inode) return -kENOENT;
  if (inode->open_count == UINT32_MAX) return -kENFILE;
  ++inode->open_count;
  return 0;
}

void RamFs::close_inode(uint64_t number) {
  RamInode* inode = find(number);
  if (!inode || inode->open_count == 0) return;  // a close without an open: nothing to undo
  --inode->open_count;
  if (!inode->in_use()) free_inode(inode);
}

int RamFs::add_entry(RamInode* directory, ktl::StringView name, uint32_t mode, ktl::StringView target, Node& out) {
  uint32_t index = 0;
  if (directory->entries.find(name, index)) return -kEEXIST;
  // Everything that can fail comes first, so a failure leaves the tree as it was; the
  // table grows last, so a failure does not even leave it bigger.
  char* name_copy = nullptr;
  if (int error = copy_name(name, name_copy)) return error;
  RamInode* inode = nullptr;
  int error = new_inode(mode, inode);
  if (!error) error = inode->data.write(memory_, 0, target.data(), target.length());
  if (!error) error = directory->entries.reserve_one(memory_);
  if (error) {
    if (inode) free_inode(inode);
    memory_.release(name_copy, name.length());
    return error;
  }
  directory->entries.insert(index, DirectoryEntry{name_copy, uint16_t(name.length()), inode});
  inode->link_count = 1;
  if (inode->is_directory()) ++directory->subdirectories;
  touch(directory, true);
  out = {inode->number, inode->type()};
  return 0;
}

int RamFs::create(uint64_t directory, ktl::StringView name, uint32_t mode, Node& out) {
  uint32_t type = mode & vfs::file_type::kMask;
  if (type != vfs::file_type::kRegular && type != vfs::file_type::kDirectory) return -kEINVAL;
  if (int error = check_name(name)) return error;
  RamInode* parent = nullptr;
  if (int error = live_directory(directory, parent)) return error;
  return add_entry(parent, name, type | (mode & 07777), {}, out);
}

int RamFs::create_symlink(uint64_t directory, ktl::StringView name, ktl::StringView target, Node& out) {
  if (target.empty()) return -kENOENT;
  if (target.length() >= vfs::kPathMax) return -kENAMETOOLONG;
  if (int error = check_name(name)) return error;
  RamInode* parent = nullptr;
  if (int error = live_directory(directory, parent)) return error;
  return add_entry(parent, name, vfs::file_type::kSymlink | 0777, target, out);
}

int64_t RamFs::write(uint64_t number, uint64_t offset, const void* data, size_t size) {
  RamInode* inode = find(number);
  if (!inode) return -kENOENT;
  if (inode->is_directory()) return -kEISDIR;
  if (!inode->is_regular()) return -kEINVAL;
  if (size > uint64_t(INT64_MAX)) return -kEINVAL;
  if (int error = inode->data.write(memory_, offset, data, size)) return error;
  if (size) touch(inode, true);
  return int64_t(size);
}

int RamFs::truncate(uint64_t number, uint64_t size) {
  RamInode* inode = find(number);
  if (!inode) return -kENOENT;
  if (inode->is_directory()) return -kEISDIR;
  if (!inode->is_regular()) return -kEINVAL;
  if (int error = inode->data.resize(memory_, size)) return error;
  touch(inode, true);
  return 0;
}

int RamFs::remove_entry(uint64_t directory, ktl::StringView name, bool want_directory) {
  if (int error = check_name(name)) return error;
  RamInode* parent = nullptr;
  if (int error = live_directory(directory, parent)) return error;
  uint32_t index = 0;
  if (int error = find_entry(parent, name, index)) return error;
  DirectoryEntry entry = parent->entries.at(index);
  RamInode* inode = entry.inode;
  if (want_directory && !inode->is_directory()) return -kENOTDIR;
  if (!want_directory && inode->is_directory()) return -kEISDIR;
  if (want_directory && inode->entries.count() > 0) return -kENOTEMPTY;
  parent->entries.remove(index);
  parent->entries.release_if_empty(memory_);
  memory_.release(entry.name, entry.length);
  if (inode->is_directory()) --parent->subdirectories;
  touch(parent, true);
  drop_link(inode);
  return 0;
}

int RamFs::unlink(uint64_t directory, ktl::StringView name) { return remove_entry(directory, name, false); }

int RamFs::remove_directory(uint64_t directory, ktl::StringView name) { return remove_entry(directory, name, true); }

int RamFs::rename(uint64_t from_directory, ktl::StringView from_name, uint64_t to_directory, ktl::StringView to_name) {
  if (int error = check_name(from_name)) return error;
  if (int error = check_name(to_name)) return error;
  RamInode* from_parent = nullptr;
  RamInode* to_parent = nullptr;
  if (int error = live_directory(from_directory, from_parent)) return error;
  if (int error = live_directory(to_directory, to_parent)) return error;
  uint32_t from_index = 0, to_index = 0;
  if (int error = find_entry(from_parent, from_name, from_index)) return error;
  RamInode* moved = from_parent->entries.at(from_index).inode;

  if (to_parent->entries.find(to_name, to_index)) {
    // Over an existing name: the entry (and its name) stays and points at the moved inode.
    RamInode* replaced = to_parent->entries.at(to_index).inode;
    if (replaced == moved) return 0;
    if (moved->is_directory() && !replaced->is_directory()) return -kENOTDIR;
    if (!moved->is_directory() && replaced->is_directory()) return -kEISDIR;
    if (replaced->is_directory() && replaced->entries.count() > 0) return -kENOTEMPTY;
    to_parent->entries.at(to_index).inode = moved;
    DirectoryEntry old = from_parent->entries.at(from_index);
    from_parent->entries.remove(from_index);
    memory_.release(old.name, old.length);
    if (replaced->is_directory()) --to_parent->subdirectories;
    drop_link(replaced);
  } else {
    char* name_copy = nullptr;
    if (int error = copy_name(to_name, name_copy)) return error;
    if (int error = to_parent->entries.reserve_one(memory_)) {
      memory_.release(name_copy, to_name.length());
      return error;
    }
    DirectoryEntry old = from_parent->entries.at(from_index);
    from_parent->entries.remove(from_index);
    memory_.release(old.name, old.length);
    to_parent->entries.find(to_name, to_index);  // the removal may have moved the spot
    to_parent->entries.insert(to_index, DirectoryEntry{name_copy, uint16_t(to_name.length()), moved});
  }
  from_parent->entries.release_if_empty(memory_);
  if (moved->is_directory()) {
    --from_parent->subdirectories;
    ++to_parent->subdirectories;
  }
  touch(from_parent, true);
  touch(to_parent, true);
  touch(moved, false);
  return 0;
}

bool RamFs::reachable_count(const RamInode* directory, uint64_t& count, uint32_t depth) const {
  // Deeper than any tree the VFS could build means a cycle.
  if (depth > 100000) return false;
  for (uint32_t index = 0; index < directory->entries.count(); ++index) {
    const RamInode* inode = directory->entries.at(index).inode;
    ++count;
    if (inode->is_directory() && !reachable_count(inode, count, depth + 1)) return false;
  }
  return true;
}

const char* RamFs::find_inconsistency() const {
  const RamInode* root = find(kRootInode);
  if (!root || !root->is_directory() || root->link_count != 1) return "the root is missing or not a live directory";
  uint64_t held = uint64_t(inodes_.slot_count()) * sizeof(uintptr_t);
  uint64_t linked = 0, open_unlinked = 0;
  for (uint64_t slot = 0; slot < inodes_.slot_count(); ++slot) {
    const RamInode* inode = inodes_.slot(slot);
    if (!inode) continue;
    if (inode->number != slot + 1) return "an inode's number disagrees with its slot";
    if (!inode->in_use()) return "an inode is neither named nor open but was not freed";
    if (inode->link_count > 1) return "an inode has more than one name (no hard links exist)";
    if (inode->link_count == 1) ++linked;
    else ++open_unlinked;
    if (!inode->is_directory() && !inode->is_regular() && !inode->is_symlink()) return "an inode has an unknown type";
    if (inode->data.size() > inode->data.capacity()) return "a file is larger than its buffer";
    if (!inode->is_directory() && inode->entries.count()) return "a non-directory has entries";
    if (inode->is_directory() && inode->data.capacity()) return "a directory has file data";
    if (inode->is_directory() && inode->link_count == 0 && inode->entries.count()) return "a removed directory has entries";
    if (inode->entries.count() == 0 && inode->entries.table_bytes()) return "an empty directory holds a table";
    held += sizeof(RamInode) + inode->data.capacity() + inode->entries.table_bytes();
    uint32_t subdirectories = 0;
    for (uint32_t index = 0; index < inode->entries.count(); ++index) {
      const DirectoryEntry& entry = inode->entries.at(index);
      held += entry.length;
      if (check_name(entry.name_view()) != 0) return "an entry has an invalid name";
      if (index > 0 && compare(inode->entries.at(index - 1).name_view(), entry.name_view()) >= 0)
        return "a directory's entries are not sorted and unique";
      if (!entry.inode || find(entry.inode->number) != entry.inode) return "an entry names an inode not in the table";
      if (entry.inode->link_count != 1) return "an entry names an inode whose link count is not 1";
      if (entry.inode->is_directory()) ++subdirectories;
    }
    if (subdirectories != inode->subdirectories) return "a directory's subdirectory count is wrong";
  }
  if (held != memory_.used()) return "the memory accounting disagrees with what the inodes hold";
  uint64_t reached = 1;  // the root
  if (!reachable_count(root, reached, 0)) return "the tree has a cycle";
  if (reached != linked) return "some named inodes are not reachable from the root, or reached twice";
  if (linked + open_unlinked != inodes_.count()) return "the inode table's count is wrong";
  return nullptr;
}

}  // namespace tessera::ramfs
