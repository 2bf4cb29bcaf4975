#include "fs/vfs/mount_table.hh"

namespace tessera {

void MountTable::reset() {
  for (Mount& mount : mounts_) mount = Mount{};
  count_ = 0;
}

Result<Vnode> MountTable::add(const Vnode* covered, FileSystem& fs) {
  if (!covered) {
    if (mounts_[0].fs) return Error::with_message(kEBUSY, "vfs: a filesystem is already mounted at /");
    FileSystem::Node root = fs.root();
    mounts_[0] = Mount{&fs, Vnode{}, Vnode{&fs, root.inode, root.type, 0}};
    ++count_;
    return mounts_[0].root;
  }
  if (!mounts_[0].fs) return Error::with_message(kENOENT, "vfs: nothing is mounted at / yet");
  for (uint32_t index = 1; index < kCapacity; ++index) {
    if (mounts_[index].fs) continue;
    FileSystem::Node root = fs.root();
    mounts_[index] = Mount{&fs, *covered, Vnode{&fs, root.inode, root.type, index}};
    ++count_;
    return mounts_[index].root;
  }
  return Error::with_message(kENOSPC, "vfs: the mount table is full (%u mounts)", kCapacity);
}

Result<void> MountTable::remove(const Vnode& root, bool check_only) {
  for (uint32_t index = 0; index < kCapacity; ++index) {
    Mount& mount = mounts_[index];
    if (!mount.fs || !mount.root.same_node(root) || mount.root.mount != root.mount) continue;
    for (const Mount& other : mounts_)
      if (other.fs && &other != &mount && other.covered.mount == index)
        return Error::with_message(kEBUSY, "vfs: another filesystem is mounted inside this one");
    if (check_only) return {};
    mount = Mount{};
    --count_;
    return {};
  }
  return Error::with_message(kEINVAL, "vfs: not a mount point");
}

const Vnode* MountTable::root_of(const FileSystem& fs) const {
  for (const Mount& mount : mounts_)
    if (mount.fs == &fs) return &mount.root;
  return nullptr;
}

bool MountTable::is_mount_root(const Vnode& node) const {
  const Mount& mount = mounts_[node.mount < kCapacity ? node.mount : 0];
  return mount.fs && mount.root.same_node(node);
}

Vnode MountTable::cross_slow(Vnode node) const {
  // One crossing is enough: mounting over the root of a mount is refused (EBUSY).
  for (uint32_t index = 1; index < kCapacity; ++index) {
    const Mount& mount = mounts_[index];
    if (mount.fs && mount.covered.mount == node.mount && mount.covered.same_node(node)) return mount.root;
  }
  return node;
}

}  // namespace tessera
