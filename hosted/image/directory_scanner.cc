#include "image/directory_scanner.hh"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include <tessera/rofs/format.hh>

namespace tessera::image {

namespace {

std::string quoted(const std::filesystem::path& path) { return "host path '" + path.string() + "'"; }

std::string system_error(int error) { return strerror(error); }

const char* host_type_name(mode_t mode) {
  if (S_ISFIFO(mode)) return "a fifo";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "of an unknown type";
}

class Scanner {
 public:
  Expected<void> scan(SourceNode& directory, const std::filesystem::path& host_path, const std::string& image_path,
                      size_t depth) {
    DIR* handle = opendir(host_path.c_str());
    if (handle == nullptr)
      return fail(quoted(host_path) + ": cannot read directory: " + system_error(errno));
    std::vector<std::string> names;
    errno = 0;
    while (dirent* entry = readdir(handle)) {
      std::string_view name = entry->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    int read_error = errno;
    closedir(handle);
    if (read_error != 0) return fail(quoted(host_path) + ": cannot read directory: " + system_error(read_error));
    // Host order is arbitrary; sorting makes the first error reported the same every time.
    std::sort(names.begin(), names.end());

    for (auto& name : names) {
      std::filesystem::path child_host_path = host_path / name;
      IMAGE_CHECK(SourceTree::check_name(name, quoted(child_host_path)));
      if (depth + 1 > rofs::limit::kMaxPathDepth)
        return fail(quoted(child_host_path) + ": " + std::to_string(depth + 1) +
                    " levels deep in the image, deeper than the limit of " +
                    std::to_string(rofs::limit::kMaxPathDepth));
      auto node = IMAGE_TRY(scan_host_object(child_host_path, false, quoted(child_host_path)));
      bool is_directory = node->is_directory();
      std::string child_image_path = image_path == "/" ? "/" + name : image_path + "/" + name;
      SourceNode* added = IMAGE_TRY(SourceTree::add_child(directory, image_path, name, std::move(node)));
      if (is_directory) IMAGE_CHECK(scan(*added, child_host_path, child_image_path, depth + 1));
    }
    return {};
  }
};

}  // namespace

Expected<std::unique_ptr<SourceNode>> scan_host_object(const std::filesystem::path& host_path, bool follow,
                                                       std::string origin) {
  struct stat status {};
  int result = follow ? stat(host_path.c_str(), &status) : lstat(host_path.c_str(), &status);
  if (result != 0) return fail(origin + ": cannot stat: " + system_error(errno));
  auto node = std::make_unique<SourceNode>();
  node->origin = std::move(origin);
  node->permissions = static_cast<uint16_t>(status.st_mode & rofs::mode::kPermissionMask);
  node->host_uid = status.st_uid;
  node->host_gid = status.st_gid;
  node->host_mtime_ns = static_cast<int64_t>(status.st_mtim.tv_sec) * 1'000'000'000 + status.st_mtim.tv_nsec;
  if (S_ISDIR(status.st_mode)) {
    node->kind = SourceNode::Kind::kDirectory;
  } else if (S_ISREG(status.st_mode)) {
    node->kind = SourceNode::Kind::kFile;
    node->host_path = host_path;
    node->size = static_cast<uint64_t>(status.st_size);
  } else if (S_ISLNK(status.st_mode)) {
    node->kind = SourceNode::Kind::kSymlink;
    std::error_code error;
    auto target = std::filesystem::read_symlink(host_path, error);
    if (error) return fail(node->origin + ": cannot read symlink: " + error.message());
    node->target = target.string();
    if (node->target.empty()) return fail(node->origin + ": symlink has an empty target");
    if (node->target.size() > rofs::limit::kMaxSymlinkLength)
      return fail(node->origin + ": symlink target is " + std::to_string(node->target.size()) +
                  " bytes, longer than the limit of " + std::to_string(rofs::limit::kMaxSymlinkLength));
  } else {
    return fail(node->origin + ": is " + host_type_name(status.st_mode) +
                "; an image holds only regular files, directories and symlinks");
  }
  return node;
}

Expected<void> add_host_directory(SourceTree& tree, const std::filesystem::path& host_directory,
                                  std::string_view image_path) {
  auto top = IMAGE_TRY(scan_host_object(host_directory, true, quoted(host_directory)));
  if (!top->is_directory()) return fail(quoted(host_directory) + ": not a directory");
  auto components = IMAGE_TRY(SourceTree::split_path(image_path, quoted(host_directory)));
  SourceNode* directory = IMAGE_TRY(tree.insert(image_path, std::move(top)));
  std::string normalized = "/";
  for (size_t i = 0; i < components.size(); ++i) normalized += (i ? "/" : "") + components[i];
  return Scanner{}.scan(*directory, host_directory, normalized, components.size());
}

}  // namespace tessera::image
