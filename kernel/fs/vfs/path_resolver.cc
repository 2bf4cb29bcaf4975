#include "fs/vfs/path_resolver.hh"

#include <tessera/vfs.hh>
#include "fs/vfs/path_error.hh"
#include "mm/heap.hh"

namespace tessera {
namespace {

size_t leading_slashes(ktl::StringView text) {
  size_t count = 0;
  while (count < text.length() && text[count] == '/') ++count;
  return count;
}

}  // namespace

PathResolver::~PathResolver() { heap().free(workspace_); }

Result<PathResolver::Resolved> PathResolver::resolve(ktl::StringView path, Options options) {
  if (path.empty()) return Error::with_message(kENOENT, "vfs: empty path");
  if (path.length() >= vfs::kPathMax)
    return Error::with_message(kENAMETOOLONG, "vfs: path of %zu bytes is longer than the limit of %zu",
                               path.length(), vfs::kPathMax - 1);
  if (path.find('\0') != ktl::StringView::npos) return Error::with_message(kEINVAL, "vfs: path contains a NUL byte");
  const Vnode* root = mounts_.root();
  if (!root) return path_error(kENOENT, path, "nothing is mounted at /");

  // stack[0..depth]: the directories from the root to the current one. Left uninitialised
  // (a union with an empty constructor): zeroing 1.5 KiB would cost more than a lookup.
  union DirectoryStack {
    DirectoryStack() {}
    Vnode nodes[vfs::kMaxPathDepth + 1];
  } storage;
  Vnode* stack = storage.nodes;
  uint32_t depth = 0;
  stack[0] = *root;
  uint32_t hops = 0;
  ktl::StringView remaining = path;  // relative paths start at "/", the only current directory
  // stack[0..top] are the parent of what is returned and all its ancestors.
  auto finish = [&](Resolved resolved, uint32_t top) {
    if (options.watched)
      for (uint32_t index = 0; index <= top && !resolved.below_watched; ++index)
        resolved.below_watched = stack[index].same_node(*options.watched) && stack[index].mount == options.watched->mount;
    return resolved;
  };

  for (;;) {
    if (!remaining.empty() && remaining[0] == '/') remaining = remaining.substr(leading_slashes(remaining));
    if (remaining.empty()) {
      // "/", or a path ending in "." / ".." / a slash after a directory.
      uint32_t parent = depth > 0 ? depth - 1 : 0;
      return finish(Resolved{stack[depth], stack[parent], true, {}, {}}, parent);
    }
    size_t end = remaining.find('/');
    ktl::StringView name = remaining.substr(0, end);
    ktl::StringView rest = remaining.substr(name.length());  // empty or starting with '/'
    bool last = leading_slashes(rest) == rest.length();
    bool trailing_slash = !rest.empty();

    if (name == ".") {
      remaining = rest;
      continue;
    }
    if (name == "..") {
      if (depth > 0) --depth;
      remaining = rest;
      continue;
    }
    if (name.length() > vfs::kNameMax)
      return path_error(kENAMETOOLONG, path, "a component is longer than %zu bytes", vfs::kNameMax);

    const Vnode& directory = stack[depth];
    auto looked_up = directory.fs->lookup(directory.inode, name);
    if (looked_up.is_error()) {
      if (looked_up.error().code() != kENOENT) return looked_up.release_error();
      if (last && options.allow_missing_final) return finish(Resolved{{}, directory, false, name, name}, depth);
      return path_error(kENOENT, path, "no such file or directory");
    }
    FileSystem::Node found = looked_up.value();
    Vnode child = mounts_.cross(Vnode{directory.fs, found.inode, found.type, directory.mount});

    if (child.is_symlink() && (!last || trailing_slash || options.follow_final_symlink)) {
      if (++hops > vfs::kMaxSymlinkHops)
        return path_error(kELOOP, path, "more than %u symlinks followed", vfs::kMaxSymlinkHops);
      remaining = TRY(splice(child, rest, path));
      if (remaining[0] == '/') depth = 0;
      continue;
    }
    if (depth + 1 > vfs::kMaxPathDepth)
      return path_error(kENAMETOOLONG, path, "deeper than %u components", vfs::kMaxPathDepth);
    if (last) {
      if (trailing_slash && !child.is_directory()) return path_error(kENOTDIR, path, "not a directory");
      return finish(Resolved{child, directory, true, {}, name}, depth);
    }
    if (!child.is_directory())
      return path_error(kENOTDIR, path, "'%.*s' is not a directory", int(name.length()), name.data());
    stack[++depth] = child;
    remaining = rest;
  }
}

Result<ktl::StringView> PathResolver::splice(const Vnode& link, ktl::StringView rest, ktl::StringView path) {
  if (!workspace_) {
    workspace_ = static_cast<char*>(heap().allocate(2 * vfs::kPathMax));
    if (!workspace_) return Error::with_message(kENOMEM, "vfs: out of memory following a symlink");
  }
  // `rest` lives in the path given or in the buffer filled last time: fill the other one.
  char* buffer = workspace_ + next_buffer_ * vfs::kPathMax;
  next_buffer_ ^= 1;
  size_t length = TRY(link.fs->read_link(link.inode, ktl::MutableBytes(reinterpret_cast<uint8_t*>(buffer), vfs::kPathMax)));
  if (length == 0) return path_error(kENOENT, path, "a symlink on the way is empty");
  if (length + rest.length() >= vfs::kPathMax)
    return path_error(kENAMETOOLONG, path, "a symlink's target makes the path longer than %zu", vfs::kPathMax - 1);
  __builtin_memcpy(buffer + length, rest.data(), rest.length());
  return ktl::StringView(buffer, length + rest.length());
}

}  // namespace tessera
