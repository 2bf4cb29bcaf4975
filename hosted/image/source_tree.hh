#pragma once
// The tree of everything that goes into an image, keyed by image path. Enforces the
// format's naming and depth limits as entries arrive, so each error can name the host
// path or manifest line that broke them.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "image/expected.hh"
#include "image/source_node.hh"

namespace tessera::image {

class SourceTree {
 public:
  SourceTree();

  SourceNode& root() { return *root_; }
  const SourceNode& root() const { return *root_; }

  // Splits an absolute image path into its components: "/a//b/" -> {"a", "b"}; "/" -> {}.
  // Refuses relative paths, "." and "..", NUL bytes, names over the length limit and
  // paths deeper than the depth limit.
  static Expected<std::vector<std::string>> split_path(std::string_view path, const std::string& origin);
  // Checks one name as it will appear in a directory entry.
  static Expected<void> check_name(std::string_view name, const std::string& origin);

  // Puts `node` at `path`, creating missing parent directories. Refuses to replace an
  // existing entry, except that a directory may be declared over a directory (its
  // attributes are then taken from `node`, its children kept).
  Expected<SourceNode*> insert(std::string_view path, std::unique_ptr<SourceNode> node);
  // The directory at `path`, created (implicitly) when missing.
  Expected<SourceNode*> directory(std::string_view path, const std::string& origin);
  // Adds `child` to the directory `parent` under `name` (already checked) with the same
  // replacement rule as insert(). Scanners call this directly: no path re-parsing per entry.
  static Expected<SourceNode*> add_child(SourceNode& parent, const std::string& parent_path, std::string name,
                                         std::unique_ptr<SourceNode> child);
  // nullptr when nothing is at `path` (no symlinks are followed).
  const SourceNode* find(std::string_view path) const;
  // Takes the entry at `path` (and everything under it) out of the tree; false when absent.
  bool remove(std::string_view path);

  // Resolves every symlink inside the image and refuses one whose resolution loops (or
  // needs more hops than the kernel will follow). Dangling links are fine.
  Expected<void> check_symlinks() const;

 private:
  Expected<SourceNode*> walk_to_parent(const std::vector<std::string>& components, const std::string& origin);
  std::unique_ptr<SourceNode> root_;
};

}  // namespace tessera::image
