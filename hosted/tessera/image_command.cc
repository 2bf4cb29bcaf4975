#include "tessera/image_command.hh"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>

#include <tessera/exit_status.hh>

#include "fs/rofs/rofs_image.hh"
#include "image/image_builder.hh"
#include "image/module_planner.hh"
#include "lib/crc32c.hh"

namespace tessera::cli {

namespace {

constexpr int kFailure = 1;

using rofs::Inode;
using rofs::RofsImage;

std::string text(ktl::StringView view) { return std::string(view.data(), view.size()); }
uint16_t type_of(const Inode& inode) { return inode.mode & rofs::mode::kTypeMask; }

// The image file mapped read-only; the reader works on it in place, like the kernel does.
class MappedImage {
 public:
  static std::unique_ptr<MappedImage> open(const std::string& path, std::string& error) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      error = path + ": cannot open: " + strerror(errno);
      return nullptr;
    }
    struct stat status {};
    if (fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
      error = path + ": not a regular file";
      close(fd);
      return nullptr;
    }
    auto size = static_cast<size_t>(status.st_size);
    // An empty file cannot be mapped; give the reader an empty (aligned) view instead.
    void* base = size ? mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : nullptr;
    close(fd);
    if (base == MAP_FAILED) {
      error = path + ": cannot map: " + strerror(errno);
      return nullptr;
    }
    return std::unique_ptr<MappedImage>(new MappedImage(base, size));
  }
  ~MappedImage() {
    if (base_) munmap(base_, size_);
  }
  ktl::Bytes bytes() const {
    static const uint64_t kEmpty = 0;
    return base_ ? ktl::Bytes(static_cast<const uint8_t*>(base_), size_)
                 : ktl::Bytes(reinterpret_cast<const uint8_t*>(&kEmpty), 0);
  }

 private:
  MappedImage(void* base, size_t size) : base_(base), size_(size) {}
  void* base_;
  size_t size_;
};

// Path resolution inside the image, the way the kernel's VFS does it: '.', '..' (the
// parent field; at the root it stays), symlinks followed with a hop limit.
class ImagePathResolver {
 public:
  explicit ImagePathResolver(const RofsImage& image) : image_(image) {}

  std::optional<uint32_t> resolve(const std::string& path, bool follow_last, std::string& error) {
    std::deque<std::string> pending = split(path);
    uint32_t current = image_.root();
    uint32_t hops = 0;
    while (!pending.empty()) {
      std::string name = std::move(pending.front());
      pending.pop_front();
      if (name == ".") continue;
      auto directory = image_.inode(current);
      if (directory.is_error()) return fault(directory.error(), error);
      if (type_of(*directory.value()) != rofs::mode::kDirectory) {
        error = path + ": Not a directory";
        return std::nullopt;
      }
      if (name == "..") {
        current = directory.value()->parent;
        continue;
      }
      auto child = image_.lookup(current, ktl::StringView(name.data(), name.size()));
      if (child.is_error()) {
        if (child.error().code() == kENOENT) {
          error = path + ": No such file or directory";
          return std::nullopt;
        }
        return fault(child.error(), error);
      }
      auto child_inode = image_.inode(child.value());
      if (child_inode.is_error()) return fault(child_inode.error(), error);
      if (type_of(*child_inode.value()) == rofs::mode::kSymlink && (follow_last || !pending.empty())) {
        if (++hops > rofs::limit::kMaxSymlinkHops) {
          error = path + ": Too many levels of symbolic links";
          return std::nullopt;
        }
        auto target = image_.symlink_target(child.value());
        if (target.is_error()) return fault(target.error(), error);
        std::string target_text = text(target.value());
        if (target_text.front() == '/') current = image_.root();
        auto more = split(target_text);
        pending.insert(pending.begin(), more.begin(), more.end());
        continue;
      }
      current = child.value();
    }
    return current;
  }

 private:
  static std::deque<std::string> split(const std::string& path) {
    std::deque<std::string> components;
    size_t position = 0;
    while (position <= path.size()) {
      size_t slash = path.find('/', position);
      if (slash == std::string::npos) slash = path.size();
      if (slash > position) components.push_back(path.substr(position, slash - position));
      position = slash + 1;
    }
    return components;
  }
  static std::optional<uint32_t> fault(const Error& fault, std::string& error) {
    error = fault.message();
    return std::nullopt;
  }
  const RofsImage& image_;
};

std::string permission_string(uint16_t mode) {
  std::string out;
  switch (mode & rofs::mode::kTypeMask) {
    case rofs::mode::kDirectory: out = "d"; break;
    case rofs::mode::kSymlink: out = "l"; break;
    default: out = "-";
  }
  const char* letters = "rwxrwxrwx";
  for (int bit = 0; bit < 9; ++bit) out += (mode & (0400 >> bit)) ? letters[bit] : '-';
  if (mode & 04000) out[3] = (mode & 0100) ? 's' : 'S';
  if (mode & 02000) out[6] = (mode & 0010) ? 's' : 'S';
  if (mode & 01000) out[9] = (mode & 0001) ? 't' : 'T';
  return out;
}

std::string time_string(int64_t nanoseconds) {
  int64_t seconds = nanoseconds / 1'000'000'000;
  int64_t fraction = nanoseconds % 1'000'000'000;
  if (fraction < 0) {
    fraction += 1'000'000'000;
    --seconds;
  }
  time_t as_time = static_cast<time_t>(seconds);
  struct tm parts {};
  char buffer[64] = "?";
  if (gmtime_r(&as_time, &parts)) strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%S", &parts);
  char full[96];
  snprintf(full, sizeof(full), "%s.%09lldZ", buffer, static_cast<long long>(fraction));
  return full;
}

const char* type_name(const Inode& inode) {
  switch (type_of(inode)) {
    case rofs::mode::kDirectory: return "directory";
    case rofs::mode::kRegular: return "regular file";
    case rofs::mode::kSymlink: return "symbolic link";
  }
  return "invalid";
}

// Everything the reading subcommands share: the mapped image, opened and resolved.
class ImageSession {
 public:
  static std::unique_ptr<ImageSession> open(const std::string& path, bool verify_checksum) {
    std::string error;
    auto mapped = MappedImage::open(path, error);
    if (!mapped) {
      spdlog::get("tessera")->error("{}", error);
      return nullptr;
    }
    auto image = RofsImage::try_open(mapped->bytes(), RofsImage::OpenOptions{verify_checksum});
    if (image.is_error()) {
      spdlog::get("tessera")->error("{}: {}", path, image.error().message());
      return nullptr;
    }
    return std::unique_ptr<ImageSession>(new ImageSession(path, std::move(mapped), image.release_value()));
  }

  const RofsImage& image() const { return image_; }

  std::optional<uint32_t> resolve(const std::string& path, bool follow_last) const {
    std::string error;
    auto number = ImagePathResolver(image_).resolve(path, follow_last, error);
    if (!number) report(error);
    return number;
  }
  const Inode* inode(uint32_t number) const {
    auto inode = image_.inode(number);
    if (inode.is_error()) {
      report(inode.error().message());
      return nullptr;
    }
    return inode.value();
  }
  void report(const std::string& message) const { spdlog::get("tessera")->error("{}: {}", path_, message); }

 private:
  ImageSession(std::string path, std::unique_ptr<MappedImage> mapped, RofsImage image)
      : path_(std::move(path)), mapped_(std::move(mapped)), image_(std::move(image)) {}
  std::string path_;
  std::unique_ptr<MappedImage> mapped_;
  RofsImage image_;
};

std::string join_path(const std::string& directory, const std::string& name) {
  if (directory.empty() || directory.back() == '/') return directory + name;
  return directory + "/" + name;
}

// One `ls -l`-like line, or just the name.
bool print_entry(const ImageSession& session, uint32_t number, const std::string& shown, bool long_format) {
  if (!long_format) {
    std::printf("%s\n", shown.c_str());
    return true;
  }
  const Inode* inode = session.inode(number);
  if (!inode) return false;
  std::string line = permission_string(inode->mode) + " " + std::to_string(inode->uid) + " " +
                     std::to_string(inode->gid) + " " + std::to_string(inode->size) + " " +
                     time_string(inode->mtime_ns) + " " + shown;
  if (type_of(*inode) == rofs::mode::kSymlink) {
    auto target = session.image().symlink_target(number);
    if (target.is_error()) {
      session.report(target.error().message());
      return false;
    }
    line += " -> " + text(target.value());
  }
  std::printf("%s\n", line.c_str());
  return true;
}

bool list_directory(const ImageSession& session, uint32_t directory, const std::string& path,
                    const ImageOptions& options) {
  const Inode* inode = session.inode(directory);
  if (!inode) return false;
  for (uint64_t index = 0; index < inode->size; ++index) {
    auto entry = session.image().entry(directory, index);
    if (entry.is_error()) {
      session.report(entry.error().message());
      return false;
    }
    std::string name = text(entry.value().name);
    std::string shown = options.recursive ? join_path(path, name) : name;
    if (!print_entry(session, entry.value().inode, shown, options.long_format)) return false;
    if (options.recursive) {
      const Inode* child = session.inode(entry.value().inode);
      if (!child) return false;
      if (type_of(*child) == rofs::mode::kDirectory &&
          !list_directory(session, entry.value().inode, shown, options))
        return false;
    }
  }
  return true;
}

int run_ls(const ImageOptions& options) {
  auto session = ImageSession::open(options.image, true);
  if (!session) return kFailure;
  // Like ls: a symlink named on the command line is listed itself unless it names a directory.
  auto number = session->resolve(options.path, false);
  if (!number) return kFailure;
  const Inode* inode = session->inode(*number);
  if (!inode) return kFailure;
  if (type_of(*inode) == rofs::mode::kSymlink) {
    std::string ignored;
    auto followed = ImagePathResolver(session->image()).resolve(options.path, true, ignored);
    const Inode* target = followed ? session->inode(*followed) : nullptr;
    if (target && type_of(*target) == rofs::mode::kDirectory && !options.long_format) {
      number = followed;
      inode = target;
    }
  }
  if (type_of(*inode) != rofs::mode::kDirectory)
    return print_entry(*session, *number, options.path, options.long_format) ? 0 : kFailure;
  return list_directory(*session, *number, options.path, options) ? 0 : kFailure;
}

int run_cat(const ImageOptions& options) {
  auto session = ImageSession::open(options.image, true);
  if (!session) return kFailure;
  auto number = session->resolve(options.path, true);
  if (!number) return kFailure;
  auto data = session->image().file_data(*number);
  if (data.is_error()) {
    session->report(options.path + ": " +
                    (data.error().code() == kEISDIR ? std::string("Is a directory") : data.error().message()));
    return kFailure;
  }
  if (std::fwrite(data.value().data(), 1, data.value().size(), stdout) != data.value().size() ||
      std::fflush(stdout) != 0) {
    spdlog::get("tessera")->error("writing to standard output failed: {}", strerror(errno));
    return kFailure;
  }
  return 0;
}

int run_stat(const ImageOptions& options) {
  auto session = ImageSession::open(options.image, true);
  if (!session) return kFailure;
  auto number = session->resolve(options.path, options.follow);
  if (!number) return kFailure;
  const Inode* inode = session->inode(*number);
  if (!inode) return kFailure;
  std::printf("path: %s\n", options.path.c_str());
  std::printf("inode: %u\n", *number);
  std::printf("type: %s\n", type_name(*inode));
  std::printf("mode: %04o (%s)\n", inode->mode & rofs::mode::kPermissionMask, permission_string(inode->mode).c_str());
  std::printf("uid: %u\ngid: %u\n", inode->uid, inode->gid);
  std::printf("mtime: %s (%lld ns)\n", time_string(inode->mtime_ns).c_str(), static_cast<long long>(inode->mtime_ns));
  switch (type_of(*inode)) {
    case rofs::mode::kDirectory:
      std::printf("entries: %llu\n", static_cast<unsigned long long>(inode->size));
      std::printf("parent: %u\n", inode->parent);
      break;
    case rofs::mode::kRegular:
      std::printf("size: %llu\n", static_cast<unsigned long long>(inode->size));
      std::printf("data offset: %llu\n", static_cast<unsigned long long>(inode->offset));
      std::printf("crc32c: 0x%08x\n", inode->data_crc32c);
      break;
    case rofs::mode::kSymlink: {
      auto target = session->image().symlink_target(*number);
      if (target.is_error()) {
        session->report(target.error().message());
        return kFailure;
      }
      std::printf("size: %llu\n", static_cast<unsigned long long>(inode->size));
      std::printf("target: %s\n", text(target.value()).c_str());
      break;
    }
  }
  return 0;
}

int run_verify(const ImageOptions& options) {
  auto session = ImageSession::open(options.image, true);
  if (!session) return kFailure;
  auto result = session->image().verify();
  if (result.is_error()) {
    session->report(result.error().message());
    return kFailure;
  }
  const auto& superblock = session->image().superblock();
  std::printf("%s: ok (%u inodes, %u directory entries, data area of %llu bytes checked)\n", options.image.c_str(),
              superblock.inode_count, superblock.entry_count, static_cast<unsigned long long>(superblock.data_size));
  return 0;
}

int run_inspect(const ImageOptions& options) {
  // Without the checksum, so a damaged image can still be looked at; the checksum is
  // reported below instead of refusing.
  auto session = ImageSession::open(options.image, false);
  if (!session) return kFailure;
  const auto& image = session->image();
  const auto& sb = image.superblock();
  auto ull = [](uint64_t value) { return static_cast<unsigned long long>(value); };
  uint32_t counts[3] = {};
  uint64_t invalid = 0;
  for (uint32_t number = 0; number < sb.inode_count; ++number) {
    auto inode = image.inode(number);
    if (inode.is_error()) ++invalid;
    else if (type_of(*inode.value()) == rofs::mode::kDirectory) ++counts[0];
    else if (type_of(*inode.value()) == rofs::mode::kRegular) ++counts[1];
    else ++counts[2];
  }
  // The CRC as the reader computes it: the superblock's own field counted as zero.
  std::vector<uint8_t> metadata(sb.metadata_size);
  std::memcpy(metadata.data(), &sb, metadata.size());
  std::memset(metadata.data() + offsetof(rofs::Superblock, metadata_crc32c), 0, sizeof(sb.metadata_crc32c));
  uint32_t computed = crc32c(ktl::Bytes(metadata.data(), metadata.size()));

  std::printf("image: %s\n", options.image.c_str());
  std::printf("format: ROFS %u.%u\n", sb.version_major, sb.version_minor);
  std::printf("features: compatible 0x%x%s, incompatible 0x%x\n", sb.compatible_features,
              (sb.compatible_features & rofs::feature::kPageAlignedData) ? " (page_aligned_data)" : "",
              sb.incompatible_features);
  std::printf("image size: %llu bytes\n", ull(sb.image_size));
  std::printf("build time: %s\n", time_string(sb.build_time_ns).c_str());
  char checksum_status[48] = "matches";
  if (computed != sb.metadata_crc32c) snprintf(checksum_status, sizeof(checksum_status), "MISMATCH: computed 0x%08x", computed);
  std::printf("metadata: [0, +%llu) crc32c 0x%08x (%s)\n", ull(sb.metadata_size), sb.metadata_crc32c, checksum_status);
  std::printf("inode table: [%llu, +%llu) %u inodes of %u bytes\n", ull(sb.inode_table_offset),
              ull(uint64_t{sb.inode_count} * sb.inode_size), sb.inode_count, sb.inode_size);
  std::printf("entry table: [%llu, +%llu) %u entries of %u bytes\n", ull(sb.entry_table_offset),
              ull(uint64_t{sb.entry_count} * sb.entry_size), sb.entry_count, sb.entry_size);
  std::printf("string table: [%llu, +%llu)\n", ull(sb.string_table_offset), ull(sb.string_table_size));
  std::printf("data area: [%llu, +%llu) aligned to %u\n", ull(sb.data_offset), ull(sb.data_size), sb.data_alignment);
  std::printf("inodes: %u directories, %u regular files, %u symlinks", counts[0], counts[1], counts[2]);
  if (invalid) std::printf(", %llu invalid", ull(invalid));
  std::printf("\n");
  return computed == sb.metadata_crc32c && invalid == 0 ? 0 : kFailure;
}

void print_shake_report(const image::ShakeResult& result) {
  std::printf("shake: application %s\n", result.app.c_str());
  for (const auto& [name, reason] : result.kept) std::printf("shake: keep %s: %s\n", name.c_str(), reason.c_str());
  for (const auto& [name, reason] : result.built_in)
    std::printf("shake: built in %s: %s (in the kernel, not on the image)\n", name.c_str(), reason.c_str());
  for (const auto& path : result.left_out) {
    bool built_in = false;
    for (const auto& entry : result.built_in) built_in = built_in || path == "/lib/modules/" + entry.first + ".so";
    if (!built_in) std::printf("shake: leave out %s: nothing reachable needs it\n", path.c_str());
  }
  for (const auto& warning : result.warnings) std::printf("shake: note: %s\n", warning.c_str());
}

// Per module and application: the file on the image and what it takes once loaded.
int print_sizes(const ImageOptions& options) {
  auto session = ImageSession::open(options.image, true);
  if (!session) return kFailure;
  const auto& image = session->image();
  uint64_t loadable_bytes = 0, loaded_bytes = 0;
  std::printf("%-32s %10s %10s\n", "file", "bytes", "loaded");
  for (const char* directory : {"/lib/modules", "/apps"}) {
    std::string ignored;
    auto number = ImagePathResolver(image).resolve(directory, true, ignored);
    if (!number) continue;
    for (uint64_t index = 0;; ++index) {
      auto entry = image.entry(*number, index);
      if (entry.is_error()) break;
      std::string name = text(entry.value().name);
      std::string path = std::string(directory) + "/" + name;
      auto data = image.file_data(entry.value().inode);
      if (data.is_error()) continue;
      std::string bytes(reinterpret_cast<const char*>(data.value().data()), data.value().size());
      uint64_t loaded = 0;
      if (name.size() > 3 && name.compare(name.size() - 3, 3, ".so") == 0)
        if (auto record = image::read_module_record(bytes, path); record.ok()) loaded = record.value().memory_size;
      std::printf("%-32s %10zu %10llu\n", path.c_str(), bytes.size(), static_cast<unsigned long long>(loaded));
      loadable_bytes += bytes.size();
      loaded_bytes += loaded;
    }
  }
  uint64_t image_size = image.superblock().image_size;
  std::printf("%-32s %10llu %10llu\n", "modules and apps", static_cast<unsigned long long>(loadable_bytes),
              static_cast<unsigned long long>(loaded_bytes));
  std::printf("%-32s %10llu\n", "image", static_cast<unsigned long long>(image_size));
  if (!options.kernel.empty()) {
    std::error_code error;
    uint64_t kernel_size = std::filesystem::file_size(options.kernel, error);
    if (error) {
      spdlog::get("tessera")->error("{}: {}", options.kernel, error.message());
      return kFailure;
    }
    std::printf("%-32s %10llu\n", "kernel", static_cast<unsigned long long>(kernel_size));
    std::printf("%-32s %10llu\n", "kernel + image", static_cast<unsigned long long>(kernel_size + image_size));
  }
  return 0;
}

int run_build(const ImageOptions& options) {
  auto log = spdlog::get("tessera");
  if (options.from.empty() && options.manifests.empty()) {
    log->error("image build needs --from DIR and/or --manifest FILE");
    return exit_status::kUsage;
  }
  auto epoch = image::source_date_epoch_from_environment();
  if (!epoch.ok()) {
    log->error("{}", epoch.error());
    return exit_status::kUsage;
  }
  image::BuildOptions build_options;
  build_options.page_align = options.page_align;
  build_options.source_date_epoch = epoch.value();
  build_options.keep_mtime = options.keep_mtime;
  build_options.keep_owner = options.keep_owner;
  build_options.check_symlinks = !options.allow_symlink_loops;

  image::ImageBuilder builder(build_options);
  for (const auto& directory : options.from) {
    if (auto added = builder.add_directory(directory); !added.ok()) {
      log->error("{}", added.error());
      return kFailure;
    }
  }
  for (const auto& manifest : options.manifests) {
    if (auto added = builder.add_manifest(manifest); !added.ok()) {
      log->error("{}", added.error());
      return kFailure;
    }
  }
  std::optional<image::ShakeRequest> shake;
  if (options.shake)
    shake = image::ShakeRequest{options.app, "", options.required, options.target_platform, options.builtin};
  else if (!options.app.empty() || !options.required.empty() || !options.builtin.empty())
    log->warn("--app, --require and --builtin only matter with --shake: every module on the input is kept");
  auto plan = image::plan_modules(builder.tree(), shake ? &*shake : nullptr);
  if (!plan.ok()) {
    log->error("{}", plan.error());
    return kFailure;
  }
  if (plan.value().shake) print_shake_report(*plan.value().shake);
  auto summary = builder.write_file(options.output);
  if (!summary.ok()) {
    log->error("{}", summary.error());
    return kFailure;
  }
  std::printf("%s: %u inodes, %llu bytes of file data, image %llu bytes\n", options.output.c_str(),
              summary.value().inode_count, static_cast<unsigned long long>(summary.value().file_bytes),
              static_cast<unsigned long long>(summary.value().image_size));
  return 0;
}

}  // namespace

void add_image_command(CLI::App& app, ImageOptions& options) {
  auto* image = app.add_subcommand("image", "Build a ROFS boot image or look inside one");
  image->require_subcommand(1);

  auto* build = image->add_subcommand("build", "Build an image from a host directory and/or a manifest");
  build->add_option("-o,--output", options.output, "The image file to write")->required();
  build->add_option("--from", options.from, "Host directory whose contents become the image's /")
      ->check(CLI::ExistingDirectory);
  build->add_option("--manifest", options.manifests, "Manifest of entries to add (docs/rofs-builder.md)")
      ->check(CLI::ExistingFile);
  build->add_option("--app", options.app, "With --shake: the application to keep (default: kernel.conf's app=)");
  build->add_flag("--shake", options.shake,
                  "Keep only the modules the application and kernel.conf can reach; print why each stays");
  build->add_option("--require", options.required, "With --shake: keep MODULE too (for lookups by name at run time)")
      ->type_name("MODULE");
  build->add_option("--builtin", options.builtin,
                    "With --shake: MODULE is built into the kernel the image is for: its needs count, its file "
                    "stays off the image")
      ->type_name("MODULE");
  build->add_option("--platform", options.target_platform, "With --shake: NIC drivers for hosted, microvm, q35 or all")
      ->check(CLI::IsMember({"hosted", "microvm", "q35", "all"}))->capture_default_str();
  build->add_flag("--page-align", options.page_align, "Start every file's data on a 4 KiB boundary");
  build->add_flag("--keep-mtime", options.keep_mtime,
                  "Keep host modification times (clamped to SOURCE_DATE_EPOCH) instead of fixing them");
  build->add_flag("--keep-owner", options.keep_owner, "Keep host uid/gid instead of 0/0");
  build->add_flag("--allow-symlink-loops", options.allow_symlink_loops,
                  "Do not refuse symlinks that loop inside the image");
  build->footer(
      "Reproducible: the same input gives the same bytes. Timestamps are SOURCE_DATE_EPOCH (or 0)\n"
      "unless --keep-mtime; owners are 0/0 unless --keep-owner; entries are sorted.");

  auto add_image = [&](CLI::App* command) { command->add_option("IMAGE", options.image, "Image file")->required(); };
  auto* ls = image->add_subcommand("ls", "List a directory of the image");
  add_image(ls);
  ls->add_option("PATH", options.path, "Path inside the image")->capture_default_str();
  ls->add_flag("-l,--long", options.long_format, "Mode, uid, gid, size, mtime and symlink targets");
  ls->add_flag("-R,--recursive", options.recursive, "List subdirectories too, with full paths");

  auto* cat = image->add_subcommand("cat", "Write a file of the image to standard output");
  add_image(cat);
  cat->add_option("PATH", options.path, "Path inside the image")->required();

  auto* stat = image->add_subcommand("stat", "Show an inode's metadata");
  add_image(stat);
  stat->add_option("PATH", options.path, "Path inside the image")->capture_default_str();
  stat->add_flag("-L,--dereference", options.follow, "Follow a symlink at the end of PATH");

  auto* verify = image->add_subcommand("verify", "Run every check of the format on every inode, entry and file");
  add_image(verify);
  auto* inspect = image->add_subcommand("inspect", "Show the superblock and the table layout");
  add_image(inspect);
  inspect->add_flag("--sizes", options.sizes, "Instead: bytes of each module and application, on the image and loaded");
  inspect->add_option("--kernel", options.kernel, "With --sizes: also count this kernel file in the total");
}

int run_image_command(const CLI::App& app, const ImageOptions& options) {
  const CLI::App* image = app.get_subcommand("image");
  if (image->got_subcommand("build")) return run_build(options);
  if (image->got_subcommand("ls")) return run_ls(options);
  if (image->got_subcommand("cat")) return run_cat(options);
  if (image->got_subcommand("stat")) return run_stat(options);
  if (image->got_subcommand("verify")) return run_verify(options);
  if (image->got_subcommand("inspect")) return options.sizes ? print_sizes(options) : run_inspect(options);
  return exit_status::kUsage;
}

}  // namespace tessera::cli
