// Host trees -> image builder (hosted/image) -> kernel ROFS driver mounted in the kernel's
// VFS -> every file's bytes and every stat field compared with the host tree. Also the
// driver's own behaviour on real images: zero-copy mapping, data checksums on demand and
// at open, bad images refused at mount, the boot-image mount and its log line.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <tessera/vfs.hh>

#include "fake_platform/fake_platform.hh"
#include "fs/boot_image.hh"
#include "fs/rofs/rofs_filesystem.hh"
#include "fs/vfs/vfs.hh"
#include "image/image_builder.hh"
#include "mm/heap.hh"

namespace tessera {
namespace {

namespace fs = std::filesystem;
using vfs::open_flag::kReadOnly;

ktl::StringView view(const std::string& text) { return {text.data(), text.size()}; }

// A fresh host directory, removed at the end. In memory (/dev/shm) where there is one:
// creating 100,000 files on a disk filesystem would take most of the test's time.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    fs::path base = ::access("/dev/shm", W_OK) == 0 ? fs::path("/dev/shm") : fs::temp_directory_path();
    std::string pattern = (base / "tessera-round-trip-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp " << pattern << " failed";
    path_ = pattern;
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& relative) const { return path_ / relative; }

 private:
  fs::path path_;
};

// A file's contents from a fast deterministic generator, so large files cost little to make.
std::string pattern_bytes(size_t size, uint64_t seed) {
  std::string bytes(size, '\0');
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    std::memcpy(&bytes[i], &state, 8);
  }
  for (; i < size; ++i) bytes[i] = char(state >> (8 * (i % 8)));
  return bytes;
}

void write_host_file(const fs::path& path, const std::string& contents, mode_t mode = 0644) {
  fs::create_directories(path.parent_path());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0) << path;
  for (size_t done = 0; done < contents.size();) {
    ssize_t written = ::write(fd, contents.data() + done, contents.size() - done);
    ASSERT_GT(written, 0) << path;
    done += size_t(written);
  }
  ::close(fd);
  ::chmod(path.c_str(), mode);
}

// Lowest nanosecond digits set explicitly, so the round trip shows they are kept.
void set_mtime(const fs::path& path, int64_t seconds, long nanoseconds) {
  timespec times[2] = {{seconds, nanoseconds}, {seconds, nanoseconds}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
}

class RofsRoundTripTest : public ::testing::Test {
 protected:
  void SetUp() override { fake::boot_core(ram_); }

  std::vector<uint8_t> build(const fs::path& tree, image::BuildOptions options = keep_host_metadata()) {
    image::ImageBuilder builder(options);
    auto added = builder.add_directory(tree);
    EXPECT_TRUE(added.ok()) << added.error();
    auto built = builder.build_in_memory();
    EXPECT_TRUE(built.ok()) << (built.ok() ? "" : built.error());
    return built.ok() ? std::move(built.value()) : std::vector<uint8_t>{};
  }
  static image::BuildOptions keep_host_metadata() {
    image::BuildOptions options;
    options.keep_mtime = true;
    options.keep_owner = true;
    return options;
  }

  // Mounts `bytes` at "/" of this test's VFS.
  void mount(const std::vector<uint8_t>& bytes, RofsFileSystem::Options options = {}) {
    auto created = RofsFileSystem::try_create(ktl::Bytes(bytes.data(), bytes.size()), options);
    ASSERT_TRUE(created.is_ok()) << created.error().message();
    fs_ = created.value();
    image_ = &bytes;
    ASSERT_TRUE(vfs_.mount("/", *fs_).is_ok());
  }

  // Compares the host object at `host` with the image's at `path`, recursively.
  void compare(const fs::path& host, const std::string& path) {
    ++compared_;
    SCOPED_TRACE(path);
    struct stat expected {};
    ASSERT_EQ(::lstat(host.c_str(), &expected), 0) << host;
    auto got = vfs_.lstat(view(path));
    ASSERT_TRUE(got.is_ok()) << got.error().message();
    const vfs::Stat& actual = got.value();
    EXPECT_EQ(actual.mode & vfs::file_type::kMask, expected.st_mode & S_IFMT);
    EXPECT_EQ(actual.mode & 07777, expected.st_mode & 07777);
    EXPECT_EQ(actual.uid, expected.st_uid);
    EXPECT_EQ(actual.gid, expected.st_gid);
    EXPECT_EQ(actual.modify_time_ns, int64_t(expected.st_mtim.tv_sec) * 1'000'000'000 + expected.st_mtim.tv_nsec);
    EXPECT_EQ(actual.device, 1u);
    EXPECT_NE(actual.inode, 0u);

    if (S_ISREG(expected.st_mode)) {
      EXPECT_EQ(actual.size, expected.st_size);
      compare_file(host, path, size_t(expected.st_size));
    } else if (S_ISLNK(expected.st_mode)) {
      compare_symlink(host, path, actual);
    } else {
      compare_directory(host, path, actual);
    }
  }

  void compare_file(const fs::path& host, const std::string& path, size_t size) {
    const uint8_t* host_bytes = nullptr;
    if (size > 0) {
      int host_fd = ::open(host.c_str(), O_RDONLY);
      ASSERT_GE(host_fd, 0);
      void* mapped = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, host_fd, 0);
      ::close(host_fd);
      ASSERT_NE(mapped, MAP_FAILED);
      host_bytes = static_cast<const uint8_t*>(mapped);
    }

    auto opened = vfs_.open(view(path), kReadOnly);
    ASSERT_TRUE(opened.is_ok()) << opened.error().message();
    int fd = opened.value();
    // Through read() in odd-sized pieces (so pieces straddle pages)...
    std::vector<uint8_t>& buffer = read_buffer_;
    size_t offset = 0;
    for (;;) {
      auto got = vfs_.read(fd, ktl::MutableBytes(buffer.data(), buffer.size()));
      ASSERT_TRUE(got.is_ok()) << got.error().message();
      if (got.value() == 0) break;
      ASSERT_LE(offset + got.value(), size);
      ASSERT_EQ(std::memcmp(buffer.data(), host_bytes + offset, got.value()), 0) << "bytes differ near " << offset;
      offset += got.value();
    }
    EXPECT_EQ(offset, size);
    // ...and zero copy: the bytes are the image's own.
    ktl::Bytes mapped = vfs_.map(fd).release_value();
    ASSERT_EQ(mapped.size(), size);
    if (size > 0) {
      EXPECT_GE(mapped.data(), image_->data());
      EXPECT_LE(mapped.data() + size, image_->data() + image_->size());
      EXPECT_EQ(std::memcmp(mapped.data(), host_bytes, size), 0);
    }
    EXPECT_TRUE(vfs_.verify(fd).is_ok());
    ASSERT_TRUE(vfs_.close(fd).is_ok());
    if (size > 0) ::munmap(const_cast<uint8_t*>(host_bytes), size);
  }

  void compare_symlink(const fs::path& host, const std::string& path, const vfs::Stat& actual) {
    std::string expected = fs::read_symlink(host).string();
    EXPECT_EQ(actual.size, int64_t(expected.size()));
    std::string target(vfs::kPathMax, '\0');
    auto length = vfs_.readlink(view(path), ktl::MutableBytes(reinterpret_cast<uint8_t*>(target.data()), target.size()));
    ASSERT_TRUE(length.is_ok()) << length.error().message();
    target.resize(length.value());
    EXPECT_EQ(target, expected);
    // A relative link resolves the same way in the image as on the host.
    if (!expected.empty() && expected[0] != '/') {
      struct stat followed {};
      auto resolved = vfs_.stat(view(path));
      if (::stat(host.c_str(), &followed) != 0) {
        ASSERT_TRUE(resolved.is_error());
        EXPECT_EQ(resolved.error().code(), kENOENT) << resolved.error().message();
      } else {
        ASSERT_TRUE(resolved.is_ok()) << resolved.error().message();
        EXPECT_EQ(resolved.value().mode, followed.st_mode);
        if (S_ISREG(followed.st_mode)) EXPECT_EQ(resolved.value().size, followed.st_size);
      }
    }
  }

  void compare_directory(const fs::path& host, const std::string& path, const vfs::Stat& actual) {
    std::vector<std::string> expected;
    for (const auto& child : fs::directory_iterator(host)) expected.push_back(child.path().filename().string());
    std::sort(expected.begin(), expected.end());  // bytewise, as the image sorts

    auto opened = vfs_.open(view(path), vfs::open_flag::kDirectory);
    ASSERT_TRUE(opened.is_ok()) << opened.error().message();
    std::vector<std::string> listed;
    std::vector<vfs::DirectoryEntry> entries;
    vfs::DirectoryEntry entry;
    for (;;) {
      auto more = vfs_.readdir(opened.value(), entry);
      ASSERT_TRUE(more.is_ok()) << more.error().message();
      if (!more.value()) break;
      if (entry.name_view() == "." || entry.name_view() == "..") {
        if (entry.name_view() == ".") EXPECT_EQ(entry.inode, actual.inode);
        continue;
      }
      listed.emplace_back(entry.name, entry.name_length);
      entries.push_back(entry);
    }
    ASSERT_TRUE(vfs_.close(opened.value()).is_ok());
    ASSERT_EQ(listed, expected);
    EXPECT_EQ(actual.size, int64_t(expected.size()));

    std::string prefix = path == "/" ? "/" : path + "/";
    for (size_t i = 0; i < listed.size(); ++i) {
      std::string child = prefix + listed[i];
      auto child_stat = vfs_.lstat(view(child));
      ASSERT_TRUE(child_stat.is_ok()) << child_stat.error().message();
      EXPECT_EQ(entries[i].inode, child_stat.value().inode) << child;
      EXPECT_EQ(entries[i].type, vfs::entry_type::from_mode(child_stat.value().mode)) << child;
      compare(host / listed[i], child);
      if (HasFatalFailure()) return;
    }
  }

  std::vector<uint8_t> read_buffer_ = std::vector<uint8_t>(size_t(1) << 20 | 13);
  fake::Ram ram_{16 << 20};
  Vfs vfs_;
  RofsFileSystem* fs_ = nullptr;
  const std::vector<uint8_t>* image_ = nullptr;
  size_t compared_ = 0;
};

// Names the builder must keep as they are: spaces, UTF-8, leading dashes, 255 bytes.
const std::vector<std::string>& odd_names() {
  static const std::vector<std::string> names = {
      "with space", " leading space", "trailing space ", "-leading-dash", "--", "-",
      "\xc3\xbcnic\xc3\xb6" "de-\xe5\x90\x8d\xe5\x89\x8d", "tab\there", "new\nline", "#hash;semi'quote\"",
      "...", ".hidden", std::string(255, 'L'), std::string(85, '\xe2') /* bytes, not valid UTF-8 */};
  return names;
}

TEST_F(RofsRoundTripTest, MixedTreeWithOddNamesAndSymlinks) {
  for (bool page_align : {false, true}) {
    SCOPED_TRACE(page_align ? "page-aligned data" : "8-byte-aligned data");
    ScratchDirectory tree;
    write_host_file(tree / "empty", "");
    write_host_file(tree / "one", "1");
    write_host_file(tree / "page-minus-one", pattern_bytes(4095, 1), 0600);
    write_host_file(tree / "page", pattern_bytes(4096, 2), 0755);
    write_host_file(tree / "page-plus-one", pattern_bytes(4097, 3), 0444);
    write_host_file(tree / "mebibyte", pattern_bytes(1 << 20, 4), 04750);
    write_host_file(tree / "dir/file", "in dir\n");
    write_host_file(tree / "dir/sub/deeper", "deeper\n");
    fs::create_directories(tree / "dir/empty-dir");
    ::chmod((tree / "dir/empty-dir").c_str(), 0700);
    for (size_t i = 0; i < odd_names().size(); ++i) write_host_file(tree / "odd" / odd_names()[i], odd_names()[i]);
    fs::create_directories(tree / "odd" / "-dir with space");
    write_host_file(tree / "odd" / "-dir with space" / "\xf0\x9f\x93\x81", "emoji");

    fs::create_symlink("dir/file", tree / "link-relative");
    fs::create_symlink("/dir/file", tree / "link-absolute");
    fs::create_symlink("link-relative", tree / "link-chain");
    fs::create_symlink("link-chain", tree / "link-chain-2");
    fs::create_symlink("nowhere/at/all", tree / "link-dangling");
    fs::create_symlink("dir", tree / "link-to-dir");
    fs::create_symlink("../../one", tree / "dir/sub/link-up");
    fs::create_symlink("../odd/with space", tree / "dir/link-odd");
    fs::create_symlink(std::string(255, 'L'), tree / "odd/link-long-name");
    set_mtime(tree / "one", 1'600'000'000, 123'456'789);
    set_mtime(tree / "link-relative", 1'500'000'000, 987'654'321);
    set_mtime(tree / "dir/sub", 1'400'000'000, 1);

    image::BuildOptions options = keep_host_metadata();
    options.page_align = page_align;
    auto bytes = build(tree.path(), options);
    ASSERT_FALSE(bytes.empty());
    mount(bytes);
    compared_ = 0;
    compare(tree.path(), "/");
    EXPECT_EQ(compared_, 38u) << "every host object was compared";

    // Absolute links resolve inside the image, not on the host.
    auto absolute = vfs_.stat("/link-absolute");
    ASSERT_TRUE(absolute.is_ok()) << absolute.error().message();
    EXPECT_EQ(absolute.value().inode, vfs_.stat("/dir/file").value().inode);
    EXPECT_EQ(vfs_.stat("/link-to-dir/sub/link-up").value().inode, vfs_.stat("/one").value().inode);
    EXPECT_EQ(vfs_.stat("/link-chain-2").value().inode, vfs_.stat("/dir/file").value().inode);
    EXPECT_EQ(vfs_.stat("/link-dangling").error().code(), kENOENT);

    if (page_align) {
      int fd = vfs_.open("/page-plus-one", kReadOnly).release_value();
      ktl::Bytes mapped = vfs_.map(fd).release_value();
      EXPECT_EQ((mapped.data() - bytes.data()) % 4096, 0) << "--page-align puts data on page boundaries";
      ASSERT_TRUE(vfs_.close(fd).is_ok());
    }
    vfs_.reset();
  }
}

TEST_F(RofsRoundTripTest, FileOverOneHundredMebibytes) {
  ScratchDirectory tree;
  const size_t size = (size_t(100) << 20) + 4099;
  write_host_file(tree / "large.bin", pattern_bytes(size, 42));
  write_host_file(tree / "after", "a file laid out after the large one");
  auto bytes = build(tree.path());
  ASSERT_GT(bytes.size(), size);
  mount(bytes);
  compare(tree.path(), "/");
  EXPECT_EQ(vfs_.stat("/large.bin").value().size, int64_t(size));
  EXPECT_EQ(vfs_.stat("/large.bin").value().blocks, int64_t((size + 511) / 512));

  // pread at the very end and across the end.
  int fd = vfs_.open("/large.bin", kReadOnly).release_value();
  std::string expected_tail = pattern_bytes(size, 42).substr(size - 10);
  std::string tail(64, '\0');
  auto got = vfs_.pread(fd, ktl::MutableBytes(reinterpret_cast<uint8_t*>(tail.data()), tail.size()), size - 10);
  ASSERT_EQ(got.value(), 10u);
  EXPECT_EQ(tail.substr(0, 10), expected_tail);
  EXPECT_EQ(vfs_.pread(fd, ktl::MutableBytes(reinterpret_cast<uint8_t*>(tail.data()), tail.size()), size).value(), 0u);
  EXPECT_EQ(vfs_.lseek(fd, 0, vfs::Whence::kEnd).value(), size);
}

TEST_F(RofsRoundTripTest, DirectoriesDownToTheDepthLimit) {
  ScratchDirectory tree;
  fs::path deepest = tree.path();
  std::string image_path;
  for (uint32_t depth = 1; depth < vfs::kMaxPathDepth; ++depth) {
    std::string name = "level" + std::to_string(depth);
    deepest /= name;
    image_path += "/" + name;
  }
  write_host_file(deepest / "leaf", "at the depth limit");
  fs::create_symlink("../level63/leaf", deepest / "back");
  auto bytes = build(tree.path());
  mount(bytes);
  compare(tree.path(), "/");
  EXPECT_EQ(vfs_.stat(view(image_path + "/leaf")).value().size, 18) << "64 components deep";
  EXPECT_TRUE(vfs_.stat(view(image_path + "/back")).is_ok());
  EXPECT_EQ(vfs_.stat(view(image_path + "/leaf/")).error().code(), kENOTDIR);
  EXPECT_EQ(vfs_.stat(view(image_path + "/leaf/more")).error().code(), kENOTDIR);
  // Climbing out and back in stays within the limit: it is on the resolved depth.
  EXPECT_TRUE(vfs_.stat(view(image_path + "/.." + image_path.substr(image_path.rfind('/')) + "/leaf")).is_ok());
}

TEST_F(RofsRoundTripTest, DirectoryWithOneHundredThousandEntries) {
  ScratchDirectory tree;
  fs::create_directories(tree / "big");
  constexpr int kEntries = 100'000;
  char name[32];
  for (int i = 0; i < kEntries; ++i) {
    std::snprintf(name, sizeof name, "entry-%06d", (i * 7919) % kEntries);  // created out of order
    int fd = ::open((tree / "big" / name).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    if (i % 1000 == 0) ASSERT_EQ(::write(fd, name, std::strlen(name)), ssize_t(std::strlen(name)));
    ::close(fd);
  }
  fs::create_symlink("big/entry-099999", tree / "last");
  auto bytes = build(tree.path());
  mount(bytes);
  compare(tree.path(), "/");
  EXPECT_EQ(compared_, size_t(kEntries) + 3);
  EXPECT_EQ(vfs_.stat("/last").value().inode, vfs_.stat("/big/entry-099999").value().inode);
  EXPECT_EQ(vfs_.stat("/big/entry-100000").error().code(), kENOENT);
  EXPECT_EQ(vfs_.stat("/big/entry-").error().code(), kENOENT);
}

class RofsDriverTest : public RofsRoundTripTest {
 protected:
  std::vector<uint8_t> small_image() {
    image::ImageBuilder builder;
    EXPECT_TRUE(builder.add_file("/etc/tessera/kernel.conf", "log=debug\n").ok());
    EXPECT_TRUE(builder.add_file("/app/data", pattern_bytes(10000, 7)).ok());
    EXPECT_TRUE(builder.add_file("/app/other", "untouched").ok());
    EXPECT_TRUE(builder.add_symlink("/conf", "etc/tessera/kernel.conf").ok());
    auto built = builder.build_in_memory();
    EXPECT_TRUE(built.ok());
    return built.ok() ? std::move(built.value()) : std::vector<uint8_t>{};
  }
  // Where a file's data starts in the image.
  size_t data_offset(const std::vector<uint8_t>& bytes, const char* path) {
    int fd = vfs_.open(path, kReadOnly).release_value();
    size_t offset = size_t(vfs_.map(fd).value().data() - bytes.data());
    EXPECT_TRUE(vfs_.close(fd).is_ok());
    return offset;
  }
};

TEST_F(RofsDriverTest, MountBootImageMountsTheKernelsRootAndLogsIt) {
  auto bytes = small_image();
  fake::clear_console();
  auto mounted = mount_boot_image(ktl::Bytes(bytes.data(), bytes.size()));
  ASSERT_TRUE(mounted.is_ok()) << mounted.error().message();
  char expected[80];
  std::snprintf(expected, sizeof expected, "rofs: mounted / (8 inodes, %zu KiB)", (bytes.size() + 1023) / 1024);
  EXPECT_NE(fake::console_output().find(expected), std::string::npos) << fake::console_output();

  int fd = vfs::open("/conf", kReadOnly).release_value();
  char buffer[32] = {};
  EXPECT_EQ(vfs::read(fd, ktl::MutableBytes(reinterpret_cast<uint8_t*>(buffer), sizeof buffer)).value(), 10u);
  EXPECT_STREQ(buffer, "log=debug\n");
  EXPECT_TRUE(vfs::close(fd).is_ok());

  ASSERT_TRUE(mount_boot_image({}).is_ok());
  EXPECT_EQ(vfs::stat("/conf").error().code(), kENOENT) << "a new boot forgets the previous mount";
  EXPECT_NE(fake::console_output().find("rofs: no boot image"), std::string::npos);
}

TEST_F(RofsDriverTest, BadImagesAreRefusedAtMountWithTheReadersMessage) {
  auto bytes = small_image();
  auto bad_magic = bytes;
  bad_magic[0] = 'X';
  auto refused = mount_boot_image(ktl::Bytes(bad_magic.data(), bad_magic.size()));
  ASSERT_TRUE(refused.is_error());
  EXPECT_EQ(std::strncmp(refused.error().message(), "rofs: ", 6), 0) << refused.error().message();
  EXPECT_EQ(vfs::stat("/").error().code(), kENOENT) << "nothing is mounted after a refusal";

  auto bad_metadata = bytes;
  bad_metadata[sizeof(rofs::Superblock) + 3] ^= 0x40;  // inside the inode table
  refused = mount_boot_image(ktl::Bytes(bad_metadata.data(), bad_metadata.size()));
  ASSERT_TRUE(refused.is_error());
  EXPECT_NE(std::strstr(refused.error().message(), "rofs: "), nullptr);

  auto truncated = mount_boot_image(ktl::Bytes(bytes.data(), bytes.size() - 1));
  ASSERT_TRUE(truncated.is_error());
  EXPECT_NE(std::strstr(truncated.error().message(), "rofs: "), nullptr);
}

TEST_F(RofsDriverTest, CorruptFileDataIsFoundOnDemandOrAtOpen) {
  auto bytes = small_image();
  mount(bytes);
  size_t offset = data_offset(bytes, "/app/data");
  vfs_.reset();
  auto corrupt = bytes;
  corrupt[offset + 5000] ^= 1;  // file data is outside the metadata checksum

  mount(corrupt);
  int fd = vfs_.open("/app/data", kReadOnly).release_value();
  auto checked = vfs_.verify(fd);
  ASSERT_TRUE(checked.is_error());
  EXPECT_EQ(checked.error().code(), kEBADMSG);
  EXPECT_NE(std::strstr(checked.error().message(), "checksum"), nullptr) << checked.error().message();
  int other = vfs_.open("/app/other", kReadOnly).release_value();
  EXPECT_TRUE(vfs_.verify(other).is_ok());
  vfs_.reset();

  mount(corrupt, {.verify_data_on_open = true});
  auto refused = vfs_.open("/app/data", kReadOnly);
  ASSERT_TRUE(refused.is_error());
  EXPECT_EQ(refused.error().code(), kEBADMSG);
  EXPECT_TRUE(vfs_.open("/app/other", kReadOnly).is_ok());
  EXPECT_TRUE(vfs_.open("/app", kReadOnly).is_ok()) << "directories have no data checksum";
}

TEST_F(RofsDriverTest, IsReadOnly) {
  auto bytes = small_image();
  mount(bytes);
  using namespace vfs::open_flag;
  EXPECT_EQ(vfs_.open("/app/data", kWriteOnly).error().code(), kEROFS);
  EXPECT_EQ(vfs_.open("/app/new", kCreate | kReadWrite).error().code(), kEROFS);
  EXPECT_EQ(vfs_.open("/app/data", kReadOnly | kTruncate).error().code(), kEROFS);
}

}  // namespace
}  // namespace tessera
