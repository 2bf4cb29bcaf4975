#include "image/source_tree.hh"

#include <tessera/rofs/format.hh>

namespace tessera::image {

namespace {

std::string join(const std::string& directory, const std::string& name) {
  return directory == "/" ? "/" + name : directory + "/" + name;
}

const char* kind_name(const SourceNode& node) {
  switch (node.kind) {
    case SourceNode::Kind::kDirectory: return "directory";
    case SourceNode::Kind::kFile: return "file";
    case SourceNode::Kind::kSymlink: return "symlink";
  }
  return "?";
}

}  // namespace

SourceTree::SourceTree() : root_(std::make_unique<SourceNode>()) {
  root_->origin = "the image root";
  root_->implicit = true;
}

Expected<void> SourceTree::check_name(std::string_view name, const std::string& origin) {
  if (name.empty()) return fail(origin + ": empty name");
  if (name == "." || name == "..") return fail(origin + ": '" + std::string(name) + "' cannot be a name in the image");
  if (name.find('\0') != std::string_view::npos) return fail(origin + ": name contains a NUL byte");
  if (name.find('/') != std::string_view::npos) return fail(origin + ": name '" + std::string(name) + "' contains '/'");
  if (name.size() > rofs::limit::kMaxNameLength)
    return fail(origin + ": name '" + std::string(name.substr(0, 40)) + "...' is " + std::to_string(name.size()) +
                " bytes, longer than the limit of " + std::to_string(rofs::limit::kMaxNameLength));
  return {};
}

Expected<std::vector<std::string>> SourceTree::split_path(std::string_view path, const std::string& origin) {
  if (path.empty() || path.front() != '/')
    return fail(origin + ": image path '" + std::string(path) + "' must be absolute (start with '/')");
  std::vector<std::string> components;
  size_t position = 0;
  while (position < path.size()) {
    size_t slash = path.find('/', position);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view name = path.substr(position, slash - position);
    position = slash + 1;
    if (name.empty()) continue;
    if (name == "." || name == "..")
      return fail(origin + ": image path '" + std::string(path) + "' contains '" + std::string(name) +
                  "'; write the path without it");
    IMAGE_CHECK(check_name(name, origin));
    components.emplace_back(name);
  }
  if (components.size() > rofs::limit::kMaxPathDepth)
    return fail(origin + ": image path '" + std::string(path) + "' is " + std::to_string(components.size()) +
                " levels deep, deeper than the limit of " + std::to_string(rofs::limit::kMaxPathDepth));
  return components;
}

Expected<SourceNode*> SourceTree::add_child(SourceNode& parent, const std::string& parent_path, std::string name,
                                            std::unique_ptr<SourceNode> child) {
  auto [slot, inserted] = parent.children.try_emplace(std::move(name));
  if (inserted) {
    slot->second = std::move(child);
    return slot->second.get();
  }
  SourceNode& existing = *slot->second;
  std::string path = join(parent_path, slot->first);
  if (existing.is_directory() && child->is_directory()) {
    if (child->implicit) return &existing;
    // A directory declared again (a manifest 'dir' over a scanned one, say) takes the
    // later declaration's attributes and keeps its children.
    child->children = std::move(existing.children);
    existing = std::move(*child);
    return &existing;
  }
  return fail(child->origin + ": '" + path + "' is already in the image as a " + kind_name(existing) + " (from " +
              existing.origin + ")");
}

Expected<SourceNode*> SourceTree::walk_to_parent(const std::vector<std::string>& components,
                                                 const std::string& origin) {
  SourceNode* directory = root_.get();
  std::string path = "/";
  for (size_t i = 0; i + 1 < components.size(); ++i) {
    auto found = directory->children.find(components[i]);
    if (found != directory->children.end() && !found->second->is_directory())
      return fail(origin + ": '" + join(path, components[i]) + "' is a " + kind_name(*found->second) + " (from " +
                  found->second->origin + "), not a directory");
    auto implicit = std::make_unique<SourceNode>();
    implicit->implicit = true;
    implicit->origin = origin;
    directory = IMAGE_TRY(add_child(*directory, path, components[i], std::move(implicit)));
    path = join(path, components[i]);
  }
  return directory;
}

Expected<SourceNode*> SourceTree::insert(std::string_view path, std::unique_ptr<SourceNode> node) {
  auto components = IMAGE_TRY(split_path(path, node->origin));
  if (components.empty()) {
    if (!node->is_directory()) return fail(node->origin + ": the image root '/' can only be a directory");
    node->children = std::move(root_->children);
    *root_ = std::move(*node);
    return root_.get();
  }
  SourceNode* parent = IMAGE_TRY(walk_to_parent(components, node->origin));
  std::string parent_path = "/";
  for (size_t i = 0; i + 1 < components.size(); ++i) parent_path = join(parent_path, components[i]);
  return add_child(*parent, parent_path, components.back(), std::move(node));
}

Expected<SourceNode*> SourceTree::directory(std::string_view path, const std::string& origin) {
  auto node = std::make_unique<SourceNode>();
  node->implicit = true;
  node->origin = origin;
  auto components = IMAGE_TRY(split_path(path, origin));
  if (components.empty()) return root_.get();
  SourceNode* parent = IMAGE_TRY(walk_to_parent(components, origin));
  std::string parent_path = "/";
  for (size_t i = 0; i + 1 < components.size(); ++i) parent_path = join(parent_path, components[i]);
  auto found = parent->children.find(components.back());
  if (found != parent->children.end() && !found->second->is_directory())
    return fail(origin + ": '" + std::string(path) + "' is a " + kind_name(*found->second) + " (from " +
                found->second->origin + "), not a directory");
  return add_child(*parent, parent_path, components.back(), std::move(node));
}

const SourceNode* SourceTree::find(std::string_view path) const {
  const SourceNode* node = root_.get();
  size_t position = 0;
  while (position < path.size()) {
    size_t slash = path.find('/', position);
    if (slash == std::string_view::npos) slash = path.size();
    std::string name(path.substr(position, slash - position));
    position = slash + 1;
    if (name.empty()) continue;
    if (!node->is_directory()) return nullptr;
    auto it = node->children.find(name);
    if (it == node->children.end()) return nullptr;
    node = it->second.get();
  }
  return node;
}

bool SourceTree::remove(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return false;
  const SourceNode* parent = find(path.substr(0, slash));
  if (parent == nullptr || !parent->is_directory()) return false;
  // find() hands out const nodes; the tree owns them, so this one may change.
  return const_cast<SourceNode*>(parent)->children.erase(std::string(path.substr(slash + 1))) > 0;
}

namespace {

// Walks symlink targets the way the kernel's path resolution will, counting hops.
class SymlinkResolver {
 public:
  explicit SymlinkResolver(const SourceNode& root) : root_(root) {}

  // `directory` is the components of the link's parent. Returns the chain of link paths
  // followed when resolution needs more hops than the limit, or an empty vector.
  std::vector<std::string> find_loop(std::vector<std::string> directory, const std::string& link_path,
                                     const std::string& target) {
    std::vector<std::string> chain{link_path};
    std::vector<std::string> pending = split(target);  // components still to walk, reversed
    if (!target.empty() && target.front() == '/') directory.clear();
    uint32_t hops = 1;
    while (!pending.empty()) {
      std::string name = std::move(pending.back());
      pending.pop_back();
      if (name == ".") continue;
      if (name == "..") {
        if (!directory.empty()) directory.pop_back();
        continue;
      }
      const SourceNode* parent = lookup(directory);
      if (parent == nullptr || !parent->is_directory()) return {};
      auto it = parent->children.find(name);
      if (it == parent->children.end()) return {};  // dangling: the kernel says ENOENT
      const SourceNode& child = *it->second;
      if (child.kind != SourceNode::Kind::kSymlink) {
        directory.push_back(name);
        continue;
      }
      std::string child_path = path_of(directory, name);
      chain.push_back(child_path);
      if (++hops > rofs::limit::kMaxSymlinkHops) return chain;
      if (!child.target.empty() && child.target.front() == '/') directory.clear();
      auto more = split(child.target);
      pending.insert(pending.end(), more.begin(), more.end());
    }
    return {};
  }

 private:
  static std::vector<std::string> split(const std::string& target) {
    std::vector<std::string> reversed;
    size_t end = target.size();
    while (end > 0) {
      size_t slash = target.rfind('/', end - 1);
      size_t start = slash == std::string::npos ? 0 : slash + 1;
      if (end > start) reversed.push_back(target.substr(start, end - start));
      if (slash == std::string::npos) break;
      end = slash;
    }
    return reversed;
  }
  static std::string path_of(const std::vector<std::string>& directory, const std::string& name) {
    std::string path;
    for (const auto& component : directory) path += "/" + component;
    return path + "/" + name;
  }
  const SourceNode* lookup(const std::vector<std::string>& components) const {
    const SourceNode* node = &root_;
    for (const auto& name : components) {
      if (!node->is_directory()) return nullptr;
      auto it = node->children.find(name);
      if (it == node->children.end()) return nullptr;
      node = it->second.get();
    }
    return node;
  }
  const SourceNode& root_;
};

Expected<void> check_directory_links(SymlinkResolver& resolver, const SourceNode& directory,
                                     std::vector<std::string>& components) {
  for (const auto& [name, child] : directory.children) {
    if (child->kind == SourceNode::Kind::kSymlink) {
      std::string path;
      for (const auto& component : components) path += "/" + component;
      path += "/" + name;
      auto chain = resolver.find_loop(components, path, child->target);
      if (!chain.empty()) {
        std::string shown;
        for (size_t i = 0; i < chain.size() && i < 6; ++i) shown += (i ? " -> " : "") + chain[i];
        if (chain.size() > 6) shown += " -> ...";
        return fail(child->origin + ": symlink '" + path + "' -> '" + child->target + "' loops (more than " +
                    std::to_string(rofs::limit::kMaxSymlinkHops) + " hops: " + shown + ")");
      }
    } else if (child->is_directory()) {
      components.push_back(name);
      IMAGE_CHECK(check_directory_links(resolver, *child, components));
      components.pop_back();
    }
  }
  return {};
}

}  // namespace

Expected<void> SourceTree::check_symlinks() const {
  SymlinkResolver resolver(*root_);
  std::vector<std::string> components;
  return check_directory_links(resolver, *root_, components);
}

}  // namespace tessera::image
