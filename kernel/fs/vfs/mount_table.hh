#pragma once
// Which filesystem is mounted where. A mount covers a directory of another mount (or
// nothing, for "/"); path resolution crosses from a covered directory to the mounted
// root. Small and fixed: a unikernel mounts its boot image and a few more at most.
#include <stddef.h>
#include <stdint.h>
#include <tessera/result.hh>
#include "fs/vfs/vnode.hh"

namespace tessera {

class MountTable {
 public:
  static constexpr uint32_t kCapacity = 16;

  constexpr MountTable() = default;

  // Forgets every mount without touching the filesystems (they may belong to a previous
  // boot's heap).
  void reset();

  // The root of the tree; null until something is mounted at "/".
  const Vnode* root() const { return mounts_[0].fs ? &mounts_[0].root : nullptr; }
  // Mounts `fs` at "/" (covered == null) or over the directory `covered`, which the
  // caller has checked is a directory and not already a mount's root.
  Result<Vnode> add(const Vnode* covered, FileSystem& fs);
  // Removes the mount whose root is `root`. EBUSY when another mount sits inside it.
  // With `check_only`, only says whether it could.
  Result<void> remove(const Vnode& root, bool check_only = false);
  // The root of the mount of `fs`; null when `fs` is not mounted.
  const Vnode* root_of(const FileSystem& fs) const;
  // `node`, or the root of what is mounted over it.
  Vnode cross(Vnode node) const {
    if (count_ <= 1) return node;  // only "/": nothing to cross, the common case
    return cross_slow(node);
  }
  bool is_mount_root(const Vnode& node) const;
  uint32_t count() const { return count_; }

 private:
  struct Mount {
    FileSystem* fs = nullptr;  // null: free slot
    Vnode covered;
    Vnode root;
  };
  Vnode cross_slow(Vnode node) const;

  Mount mounts_[kCapacity] = {};
  uint32_t count_ = 0;
};

}  // namespace tessera
