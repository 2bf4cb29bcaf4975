#pragma once
// Turns a path into a node: components are looked up one directory at a time, "." and
// ".." are handled on a stack of the directories walked through (so ".." leaves a mounted
// filesystem the way it was entered, and stays at "/" at the top), mounts are crossed,
// symlinks are spliced into the rest of the path. Everything is bounded: at most
// vfs::kMaxSymlinkHops symlinks (ELOOP), vfs::kMaxPathDepth components deep
// (ENAMETOOLONG), paths and names as long as Linux allows (ENAMETOOLONG).
//
// A path without symlinks is resolved without allocating; the first symlink allocates a
// workspace for the spliced paths, freed with the resolver.
#include <stdint.h>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>
#include "fs/vfs/mount_table.hh"
#include "fs/vfs/vnode.hh"

namespace tessera {

class PathResolver {
 public:
  struct Options {
    bool follow_final_symlink = true;
    // A missing final component is not an error (open with O_CREAT): `found` is false.
    bool allow_missing_final = false;
    // When set, Resolved::below_watched says whether this directory is `parent` or one of
    // its ancestors: rename's check that a directory does not move into its own subtree.
    const Vnode* watched = nullptr;
  };
  struct Resolved {
    Vnode node;    // when found
    Vnode parent;  // the directory the final component is in (a root is its own parent)
    bool found = false;
    ktl::StringView missing_name;  // when !found; valid as long as the resolver and the path
    // The final component as named in `parent`: the missing name, or the name the node was
    // found under. Empty when the path ends in ".", ".." or is a root: there is no entry
    // to create, remove or rename. Valid as long as the resolver and the path.
    ktl::StringView name;
    bool below_watched = false;
  };

  explicit PathResolver(const MountTable& mounts) : mounts_(mounts) {}
  ~PathResolver();
  PathResolver(const PathResolver&) = delete;
  PathResolver& operator=(const PathResolver&) = delete;

  Result<Resolved> resolve(ktl::StringView path, Options options);

 private:
  // The symlink's target followed by `rest`, in a workspace buffer `rest` is not in.
  Result<ktl::StringView> splice(const Vnode& link, ktl::StringView rest, ktl::StringView path);

  const MountTable& mounts_;
  char* workspace_ = nullptr;  // two buffers of vfs::kPathMax bytes
  int next_buffer_ = 0;
};

}  // namespace tessera
