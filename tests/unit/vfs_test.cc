// The VFS (kernel/fs/vfs) against an in-test filesystem whose tree each test builds:
// path resolution, descriptors, readdir, symlinks, mounts, writable-filesystem hooks.
// Real ROFS images through the same VFS are covered by rofs_filesystem_test and
// tests/image/rofs_round_trip_test.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <tessera/vfs.hh>

#include "fake_platform/fake_platform.hh"
#include "fs/vfs/file_system.hh"
#include "fs/vfs/vfs.hh"
#include "mm/heap.hh"

namespace tessera {
namespace {

using vfs::open_flag::kReadOnly;

// A tree in host memory. Inode numbers are 1 + the index in nodes_.
class FakeFileSystem final : public FileSystem {
 public:
  struct Node {
    uint32_t mode = 0;
    std::string data;  // file bytes or symlink target
    std::map<std::string, uint64_t> children;
    uint32_t uid = 0, gid = 0;
    int64_t mtime_ns = 0;
  };

  explicit FakeFileSystem(bool writable = false) : writable_(writable) {
    nodes_.push_back(Node{vfs::file_type::kDirectory | 0755});
  }

  uint64_t add_directory(const std::string& path) { return add(path, Node{vfs::file_type::kDirectory | 0755}); }
  uint64_t add_file(const std::string& path, const std::string& data) {
    return add(path, Node{vfs::file_type::kRegular | 0644, data, {}, 1000, 100, 42});
  }
  uint64_t add_symlink(const std::string& path, const std::string& target) {
    return add(path, Node{vfs::file_type::kSymlink | 0777, target});
  }
  Node& node(uint64_t inode) { return nodes_.at(inode - 1); }
  // Lookups of this name fail as a corrupt filesystem's would.
  void poison(const std::string& name) { poisoned_ = name; }

  int opens = 0;
  int closes = 0;
  int lookups = 0;

  const char* type_name() const override { return "fakefs"; }
  FileSystem::Node root() const override { return {1, vfs::file_type::kDirectory}; }
  bool is_read_only() const override { return !writable_; }

  Result<FileSystem::Node> lookup(uint64_t directory, ktl::StringView name) override {
    ++lookups;
    std::string key(name.data(), name.length());
    if (key == poisoned_) return Error::with_message(kEINVAL, "fakefs: entry '%s' is corrupt", key.c_str());
    Node& dir = node(directory);
    auto found = dir.children.find(key);
    if (found == dir.children.end()) return Error::from_code(kENOENT);
    return FileSystem::Node{found->second, node(found->second).mode & vfs::file_type::kMask};
  }
  Result<vfs::Stat> stat(uint64_t inode) override {
    Node& n = node(inode);
    vfs::Stat stat;
    stat.inode = inode;
    stat.mode = n.mode;
    stat.link_count = 1;
    stat.uid = n.uid;
    stat.gid = n.gid;
    stat.size = int64_t(n.data.size());
    stat.modify_time_ns = n.mtime_ns;
    return stat;
  }
  Result<size_t> read(uint64_t inode, uint64_t offset, ktl::MutableBytes buffer) override {
    Node& n = node(inode);
    if (offset >= n.data.size()) return size_t(0);
    size_t count = std::min(buffer.size(), size_t(n.data.size() - offset));
    std::memcpy(buffer.data(), n.data.data() + offset, count);
    return count;
  }
  Result<bool> read_directory(uint64_t directory, uint64_t index, vfs::DirectoryEntry& entry) override {
    Node& dir = node(directory);
    if (index >= dir.children.size()) return false;
    auto it = std::next(dir.children.begin(), long(index));
    entry.inode = it->second;
    entry.type = vfs::entry_type::from_mode(node(it->second).mode);
    entry.name_length = uint16_t(it->first.size());
    std::memcpy(entry.name, it->first.c_str(), it->first.size() + 1);
    return true;
  }
  Result<size_t> read_link(uint64_t inode, ktl::MutableBytes buffer) override {
    Node& n = node(inode);
    size_t count = std::min(buffer.size(), n.data.size());
    std::memcpy(buffer.data(), n.data.data(), count);
    return count;
  }
  Result<ktl::Bytes> map(uint64_t inode) override {
    Node& n = node(inode);
    return ktl::Bytes(reinterpret_cast<const uint8_t*>(n.data.data()), n.data.size());
  }
  Result<void> open_inode(uint64_t, int) override {
    ++opens;
    return {};
  }
  void close_inode(uint64_t) override { ++closes; }
  Result<FileSystem::Node> create(uint64_t directory, ktl::StringView name, uint32_t mode) override {
    nodes_.push_back(Node{mode});
    uint64_t inode = nodes_.size();
    node(directory).children[std::string(name.data(), name.length())] = inode;
    return FileSystem::Node{inode, mode & vfs::file_type::kMask};
  }
  Result<size_t> write(uint64_t inode, uint64_t offset, ktl::Bytes data) override {
    Node& n = node(inode);
    if (n.data.size() < offset + data.size()) n.data.resize(offset + data.size());
    std::memcpy(n.data.data() + offset, data.data(), data.size());
    return data.size();
  }
  Result<void> truncate(uint64_t inode, uint64_t size) override {
    node(inode).data.resize(size);
    return {};
  }

 private:
  uint64_t add(const std::string& path, Node node) {
    uint64_t directory = 1;
    size_t start = 0;
    for (;;) {
      size_t slash = path.find('/', start);
      std::string name = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
      if (slash == std::string::npos) {
        nodes_.push_back(std::move(node));
        nodes_[directory - 1].children[name] = nodes_.size();
        return nodes_.size();
      }
      directory = nodes_[directory - 1].children.at(name);
      start = slash + 1;
    }
  }
  std::vector<Node> nodes_;
  bool writable_;
  std::string poisoned_;
};

// Views of host strings; the view of a temporary is used before the statement ends.
ktl::StringView view(const std::string& text) { return {text.data(), text.size()}; }
ktl::MutableBytes bytes(std::string& buffer) { return {reinterpret_cast<uint8_t*>(buffer.data()), buffer.size()}; }
ktl::Bytes bytes(const char* text) { return {reinterpret_cast<const uint8_t*>(text), std::strlen(text)}; }

class VfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake::boot_core(ram_);
    fs_.add_directory("etc");
    fs_.add_file("etc/hello.txt", "hello, world\n");
    fs_.add_file("etc/empty", "");
    fs_.add_directory("etc/sub");
    fs_.add_file("etc/sub/deep", "deep file");
    fs_.add_symlink("etc/link-relative", "sub/deep");
    fs_.add_symlink("etc/link-absolute", "/etc/hello.txt");
    fs_.add_symlink("etc/link-up", "../etc/./sub/");
    fs_.add_symlink("etc/link-dir", "sub");
    fs_.add_symlink("etc/dangling", "nowhere");
    fs_.add_symlink("etc/loop-a", "loop-b");
    fs_.add_symlink("etc/loop-b", "loop-a");
    fs_.add_symlink("etc/self", "self");
    fs_.add_symlink("etc/empty-link", "");
    fs_.add_directory("mnt");
    fs_.add_file("mnt/under", "hidden by a mount");
    ASSERT_TRUE(vfs_.mount("/", fs_).is_ok());
  }

  // The whole contents of the file, read through a descriptor in small pieces.
  std::string slurp(const char* path) {
    auto fd = vfs_.open(path, kReadOnly);
    EXPECT_TRUE(fd.is_ok()) << path << ": " << fd.error().message();
    if (fd.is_error()) return "<error>";
    std::string out, chunk(5, '\0');
    for (;;) {
      auto got = vfs_.read(fd.value(), bytes(chunk));
      EXPECT_TRUE(got.is_ok());
      if (got.is_error() || got.value() == 0) break;
      out.append(chunk, 0, got.value());
    }
    EXPECT_TRUE(vfs_.close(fd.value()).is_ok());
    return out;
  }
  template <typename T> void expect_error(const Result<T>& result, int code, const char* message_part) {
    ASSERT_TRUE(result.is_error()) << "expected " << errno_name(code);
    EXPECT_EQ(result.error().code(), code) << result.error().message();
    EXPECT_NE(std::strstr(result.error().message(), message_part), nullptr)
        << "message '" << result.error().message() << "' lacks '" << message_part << "'";
  }
  std::vector<std::string> list(const char* path) {
    std::vector<std::string> names;
    auto fd = vfs_.open(path, vfs::open_flag::kDirectory);
    EXPECT_TRUE(fd.is_ok()) << path;
    if (fd.is_error()) return names;
    vfs::DirectoryEntry entry;
    for (;;) {
      auto more = vfs_.readdir(fd.value(), entry);
      EXPECT_TRUE(more.is_ok());
      if (more.is_error() || !more.value()) break;
      EXPECT_EQ(std::strlen(entry.name), entry.name_length);
      names.emplace_back(entry.name, entry.name_length);
    }
    EXPECT_TRUE(vfs_.close(fd.value()).is_ok());
    return names;
  }

  fake::Ram ram_{8 << 20};
  FakeFileSystem fs_;
  Vfs vfs_;
};

TEST_F(VfsTest, NothingMountedRefusesPathsAndNonRootMounts) {
  Vfs empty;
  expect_error(empty.open("/etc/hello.txt", kReadOnly), kENOENT, "nothing is mounted at /");
  FakeFileSystem other;
  expect_error(empty.mount("/mnt", other), kENOENT, "nothing is mounted at / yet");
  EXPECT_TRUE(empty.mount("//", other).is_ok());
  expect_error(empty.mount("/", fs_), kEBUSY, "already a mount point");
}

TEST_F(VfsTest, ReadsAFileInPiecesAndReportsEndOfFile) {
  EXPECT_EQ(slurp("/etc/hello.txt"), "hello, world\n");
  EXPECT_EQ(slurp("/etc/empty"), "");
}

TEST_F(VfsTest, PreadLeavesTheOffsetAlone) {
  int fd = vfs_.open("/etc/hello.txt", kReadOnly).release_value();
  std::string buffer(5, '\0');
  ASSERT_EQ(vfs_.pread(fd, bytes(buffer), 7).value(), 5u);
  EXPECT_EQ(buffer, "world");
  EXPECT_EQ(vfs_.pread(fd, bytes(buffer), 100).value(), 0u);
  ASSERT_EQ(vfs_.read(fd, bytes(buffer)).value(), 5u);
  EXPECT_EQ(buffer, "hello");
  expect_error(vfs_.pread(fd, bytes(buffer), uint64_t(1) << 63), kEINVAL, "negative");
}

TEST_F(VfsTest, LseekMovesWithinAndPastTheFile) {
  int fd = vfs_.open("/etc/hello.txt", kReadOnly).release_value();
  EXPECT_EQ(vfs_.lseek(fd, -6, vfs::Whence::kEnd).value(), 7u);
  std::string buffer(5, '\0');
  ASSERT_EQ(vfs_.read(fd, bytes(buffer)).value(), 5u);
  EXPECT_EQ(buffer, "world");
  EXPECT_EQ(vfs_.lseek(fd, -10, vfs::Whence::kCurrent).value(), 2u);
  EXPECT_EQ(vfs_.lseek(fd, 1000, vfs::Whence::kSet).value(), 1000u);
  EXPECT_EQ(vfs_.read(fd, bytes(buffer)).value(), 0u);
  expect_error(vfs_.lseek(fd, -1, vfs::Whence::kSet), kEINVAL, "negative");
  expect_error(vfs_.lseek(fd, INT64_MAX, vfs::Whence::kCurrent), kEOVERFLOW, "overflows");
  expect_error(vfs_.lseek(fd, 0, vfs::Whence(7)), kEINVAL, "whence 7");
  EXPECT_EQ(vfs_.lseek(fd, 0, vfs::Whence::kCurrent).value(), 1000u) << "a failed lseek moved the offset";
}

TEST_F(VfsTest, StatReportsTheFilesystemsAttributesAndTheMount) {
  auto stat = vfs_.stat("/etc/hello.txt").release_value();
  EXPECT_EQ(stat.device, 1u);
  EXPECT_EQ(stat.inode, fs_.lookup(fs_.lookup(1, "etc").value().inode, "hello.txt").value().inode);
  EXPECT_TRUE(stat.is_regular());
  EXPECT_EQ(stat.mode & 07777, 0644u);
  EXPECT_EQ(stat.size, 13);
  EXPECT_EQ(stat.uid, 1000u);
  EXPECT_EQ(stat.gid, 100u);
  EXPECT_EQ(stat.modify_time_ns, 42);
  int fd = vfs_.open("/etc/hello.txt", kReadOnly).release_value();
  auto fstat = vfs_.fstat(fd).release_value();
  EXPECT_EQ(fstat.inode, stat.inode);
  EXPECT_EQ(fstat.device, 1u);
  EXPECT_TRUE(vfs_.stat("/").value().is_directory());
  EXPECT_EQ(vfs_.stat("/").value().inode, 1u);
}

TEST_F(VfsTest, ResolvesDotsSlashesAndRelativePaths) {
  EXPECT_EQ(slurp("//etc///./sub/../hello.txt"), "hello, world\n");
  EXPECT_EQ(slurp("/../../etc/hello.txt"), "hello, world\n") << "'..' at / stays at /";
  EXPECT_EQ(slurp("etc/sub/deep"), "deep file") << "relative paths start at /";
  EXPECT_EQ(vfs_.stat("/etc/sub/..").value().inode, vfs_.stat("/etc").value().inode);
  EXPECT_EQ(vfs_.stat("/etc/.").value().inode, vfs_.stat("/etc").value().inode);
  EXPECT_EQ(vfs_.stat("/..").value().inode, 1u);
  EXPECT_EQ(vfs_.stat("/etc/sub/").value().inode, vfs_.stat("/etc/sub").value().inode);
}

TEST_F(VfsTest, RefusesMalformedPathsWithTheirOwnErrors) {
  expect_error(vfs_.stat(""), kENOENT, "empty path");
  expect_error(vfs_.stat("/etc/missing"), kENOENT, "/etc/missing: no such file");
  expect_error(vfs_.stat("/etc/missing/more"), kENOENT, "no such file");
  expect_error(vfs_.stat("/etc/hello.txt/"), kENOTDIR, "not a directory");
  expect_error(vfs_.stat("/etc/hello.txt/x"), kENOTDIR, "'hello.txt' is not a directory");
  expect_error(vfs_.stat("/etc/hello.txt/.."), kENOTDIR, "is not a directory");
  expect_error(vfs_.stat(view("/" + std::string(256, 'n'))), kENAMETOOLONG, "longer than 255");
  EXPECT_EQ(vfs_.stat(view("/" + std::string(255, 'n'))).error().code(), kENOENT) << "255 bytes is a valid name";
  std::string long_path;
  while (long_path.size() < 4096) long_path += "/.";
  expect_error(vfs_.stat(view(long_path)), kENAMETOOLONG, "longer than the limit of 4095");
  expect_error(vfs_.stat(ktl::StringView("/etc\0x", 6)), kEINVAL, "NUL");
}

TEST_F(VfsTest, ErrorsOfTheFilesystemPassThroughWithTheirMessage) {
  fs_.poison("bad");
  expect_error(vfs_.stat("/etc/bad"), kEINVAL, "fakefs: entry 'bad' is corrupt");
}

TEST_F(VfsTest, FollowsSymlinksRelativeAbsoluteAndInTheMiddle) {
  EXPECT_EQ(slurp("/etc/link-relative"), "deep file");
  EXPECT_EQ(slurp("/etc/link-absolute"), "hello, world\n");
  EXPECT_EQ(slurp("/etc/link-dir/deep"), "deep file");
  EXPECT_EQ(slurp("/etc/link-up/deep"), "deep file") << "'..' in a target is relative to the link's directory";
  EXPECT_EQ(slurp("/etc/link-dir/../hello.txt"), "hello, world\n") << "'..' after a symlink goes to its target's parent";
  EXPECT_EQ(vfs_.stat("/etc/link-relative").value().size, 9);
  EXPECT_TRUE(vfs_.stat("/etc/link-dir/").value().is_directory());
}

TEST_F(VfsTest, LstatAndReadlinkDescribeTheLinkItself) {
  auto link = vfs_.lstat("/etc/link-absolute").release_value();
  EXPECT_TRUE(link.is_symlink());
  EXPECT_EQ(link.size, int64_t(std::strlen("/etc/hello.txt")));
  EXPECT_TRUE(vfs_.lstat("/etc/link-dir/").value().is_directory()) << "a trailing slash follows the link";
  EXPECT_TRUE(vfs_.lstat("/etc/dangling").value().is_symlink());

  std::string buffer(64, '\0');
  size_t length = vfs_.readlink("/etc/link-absolute", bytes(buffer)).release_value();
  EXPECT_EQ(buffer.substr(0, length), "/etc/hello.txt");
  std::string small(4, '\0');
  EXPECT_EQ(vfs_.readlink("/etc/link-absolute", bytes(small)).value(), 4u);
  EXPECT_EQ(small, "/etc") << "readlink truncates to the buffer, like readlink(2)";
  length = vfs_.readlink("/etc/link-dir/../dangling", bytes(buffer)).release_value();
  EXPECT_EQ(buffer.substr(0, length), "nowhere") << "links on the way are followed";
  expect_error(vfs_.readlink("/etc/hello.txt", bytes(buffer)), kEINVAL, "not a symlink");
}

TEST_F(VfsTest, DanglingLoopingAndEmptySymlinksFail) {
  expect_error(vfs_.stat("/etc/dangling"), kENOENT, "/etc/dangling: no such file");
  expect_error(vfs_.stat("/etc/loop-a"), kELOOP, "more than 40 symlinks");
  expect_error(vfs_.stat("/etc/self/x"), kELOOP, "more than 40 symlinks");
  expect_error(vfs_.stat("/etc/empty-link"), kENOENT, "empty");
  EXPECT_TRUE(vfs_.lstat("/etc/loop-a").is_ok());
}

TEST_F(VfsTest, FollowsExactlyTheSymlinkHopLimit) {
  // chain0 -> chain1 -> ... -> chainN -> hello.txt: N+1 hops.
  const int hops = int(vfs::kMaxSymlinkHops);
  for (int i = 0; i < hops; ++i) fs_.add_symlink("etc/chain" + std::to_string(i), "chain" + std::to_string(i + 1));
  fs_.add_symlink("etc/chain" + std::to_string(hops), "hello.txt");
  EXPECT_EQ(slurp("/etc/chain1"), "hello, world\n") << "40 hops are allowed";
  expect_error(vfs_.stat("/etc/chain0"), kELOOP, "more than 40");
}

TEST_F(VfsTest, EnforcesThePathDepthLimit) {
  std::string path;
  for (uint32_t depth = 1; depth <= vfs::kMaxPathDepth; ++depth) {
    path += (depth > 1 ? "/d" : "d");
    fs_.add_directory(path);
  }
  fs_.add_file(path + "/too-deep", "x");
  EXPECT_TRUE(vfs_.stat(view("/" + path)).value().is_directory()) << "64 components are allowed";
  expect_error(vfs_.stat(view("/" + path + "/too-deep")), kENAMETOOLONG, "deeper than 64");
  EXPECT_TRUE(vfs_.stat(view("/" + path + "/../" + path.substr(0, 2) + "/../..")).is_ok())
      << "the limit is on the resolved depth, not the number of components";
}

TEST_F(VfsTest, OpenFlagsAreCheckedAgainstTheNode) {
  using namespace vfs::open_flag;
  expect_error(vfs_.open("/etc/link-absolute", kNoFollow), kELOOP, "O_NOFOLLOW");
  EXPECT_TRUE(vfs_.open("/etc/link-dir/", kNoFollow | kDirectory).is_ok()) << "a trailing slash follows";
  expect_error(vfs_.open("/etc/hello.txt", kDirectory), kENOTDIR, "not a directory");
  expect_error(vfs_.open("/etc", kWriteOnly), kEISDIR, "is a directory");
  expect_error(vfs_.open("/etc/hello.txt", kReadWrite), kEROFS, "read-only filesystem");
  expect_error(vfs_.open("/etc/hello.txt", kTruncate), kEROFS, "read-only filesystem");
  expect_error(vfs_.open("/etc/new", kCreate | kWriteOnly), kEROFS, "cannot create");
  expect_error(vfs_.open("/etc/hello.txt", kCreate | kExclusive), kEEXIST, "already exists");
  expect_error(vfs_.open("/etc/nodir/new", kCreate), kENOENT, "no such file");
}

TEST_F(VfsTest, DirectoriesListDotDotDotThenEntries) {
  EXPECT_EQ(list("/etc/sub"), (std::vector<std::string>{".", "..", "deep"}));
  EXPECT_EQ(list("/"), (std::vector<std::string>{".", "..", "etc", "mnt"}));

  int fd = vfs_.open("/etc/link-dir", kReadOnly).release_value();
  vfs::DirectoryEntry entry;
  ASSERT_TRUE(vfs_.readdir(fd, entry).value());
  EXPECT_EQ(entry.inode, vfs_.stat("/etc/sub").value().inode);
  EXPECT_EQ(entry.type, vfs::entry_type::kDirectory);
  ASSERT_TRUE(vfs_.readdir(fd, entry).value());
  EXPECT_EQ(entry.name_view(), "..");
  EXPECT_EQ(entry.inode, vfs_.stat("/etc").value().inode) << "'..' is the target's parent";
  ASSERT_TRUE(vfs_.readdir(fd, entry).value());
  EXPECT_EQ(entry.name_view(), "deep");
  EXPECT_EQ(entry.type, vfs::entry_type::kRegular);
  EXPECT_FALSE(vfs_.readdir(fd, entry).value());
  EXPECT_FALSE(vfs_.readdir(fd, entry).value()) << "the end stays the end";
  EXPECT_EQ(vfs_.lseek(fd, 0, vfs::Whence::kSet).value(), 0u);
  ASSERT_TRUE(vfs_.readdir(fd, entry).value());
  EXPECT_EQ(entry.name_view(), ".") << "lseek to 0 rewinds";
  expect_error(vfs_.lseek(fd, 0, vfs::Whence::kEnd), kEINVAL, "SEEK_END on a directory");
  std::string buffer(4, '\0');
  expect_error(vfs_.read(fd, bytes(buffer)), kEISDIR, "is a directory");

  int root = vfs_.open("/", kReadOnly).release_value();
  ASSERT_TRUE(vfs_.readdir(root, entry).value());
  ASSERT_TRUE(vfs_.readdir(root, entry).value());
  EXPECT_EQ(entry.inode, 1u) << "'..' of / is /";
  int file = vfs_.open("/etc/hello.txt", kReadOnly).release_value();
  expect_error(vfs_.readdir(file, entry), kENOTDIR, "not a directory");
}

TEST_F(VfsTest, DescriptorsAreLowestFreeFirstAndBounded) {
  int first = vfs_.open("/etc/hello.txt", kReadOnly).release_value();
  EXPECT_EQ(first, vfs::kFirstFileDescriptor);
  int second = vfs_.open("/etc/hello.txt", kReadOnly).release_value();
  EXPECT_EQ(second, first + 1);
  ASSERT_TRUE(vfs_.close(first).is_ok());
  EXPECT_EQ(vfs_.open("/etc/empty", kReadOnly).value(), first) << "the lowest free number is reused";
  expect_error(vfs_.close(999), kEBADF, "999 is not open");
  expect_error(vfs_.close(-1), kEBADF, "-1 is not open");
  expect_error(vfs_.close(0), kEBADF, "0 is not open");

  std::vector<int> fds;
  for (;;) {
    auto fd = vfs_.open("/etc/empty", kReadOnly);
    if (fd.is_error()) {
      expect_error(fd, kEMFILE, "file descriptors are in use");
      break;
    }
    fds.push_back(fd.value());
  }
  EXPECT_EQ(vfs_.open_descriptor_count(), vfs::kMaxFileDescriptors - vfs::kFirstFileDescriptor);
  EXPECT_EQ(fs_.opens - fs_.closes, vfs_.open_descriptor_count()) << "a refused open must not leak an inode open";
  for (int fd : fds) ASSERT_TRUE(vfs_.close(fd).is_ok());
  ASSERT_TRUE(vfs_.close(first).is_ok());
  ASSERT_TRUE(vfs_.close(second).is_ok());
  EXPECT_EQ(vfs_.open_descriptor_count(), 0);
  EXPECT_EQ(fs_.opens, fs_.closes);
  expect_error(vfs_.read(second, ktl::MutableBytes()), kEBADF, "not open");
}

TEST_F(VfsTest, ClosingFreesTheDescriptionFromTheHeap) {
  size_t before = heap().stats().bytes_in_use;
  int fd = vfs_.open("/etc/hello.txt", kReadOnly).release_value();
  EXPECT_GT(heap().stats().bytes_in_use, before);
  ASSERT_TRUE(vfs_.close(fd).is_ok());
  EXPECT_EQ(heap().stats().bytes_in_use, before);
  ASSERT_TRUE(vfs_.stat("/etc/link-up/deep").is_ok());
  EXPECT_EQ(heap().stats().bytes_in_use, before) << "the symlink workspace was not freed";
}

TEST_F(VfsTest, MapGivesTheFilesystemsBytes) {
  int fd = vfs_.open("/etc/hello.txt", kReadOnly).release_value();
  ktl::Bytes mapped = vfs_.map(fd).release_value();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(mapped.data()), mapped.size()), "hello, world\n");
  int dir = vfs_.open("/etc", kReadOnly).release_value();
  expect_error(vfs_.map(dir), kENODEV, "not a regular file");
  expect_error(vfs_.verify(fd), kENOTSUP, "fakefs: files have no checksums");
}

TEST_F(VfsTest, MountsAreCrossedBothWays) {
  FakeFileSystem other;
  other.add_file("inside", "from the second filesystem");
  other.add_directory("dir");
  expect_error(vfs_.mount("/etc/hello.txt", other), kENOTDIR, "non-directory");
  ASSERT_TRUE(vfs_.mount("/mnt", other).is_ok());
  expect_error(vfs_.mount("/mnt", other), kEBUSY, "already a mount point");
  EXPECT_EQ(vfs_.mount_count(), 2u);

  EXPECT_EQ(slurp("/mnt/inside"), "from the second filesystem");
  expect_error(vfs_.stat("/mnt/under"), kENOENT, "no such file");
  EXPECT_EQ(vfs_.stat("/mnt/inside").value().device, 2u);
  EXPECT_EQ(vfs_.stat("/mnt").value().device, 2u);
  EXPECT_EQ(vfs_.stat("/mnt/dir/../..").value().inode, 1u);
  EXPECT_EQ(vfs_.stat("/mnt/dir/../../etc").value().device, 1u) << "'..' at a mount's root leaves the mount";
  EXPECT_EQ(list("/mnt"), (std::vector<std::string>{".", "..", "dir", "inside"}));

  fs_.add_symlink("etc/to-mount", "/mnt/inside");
  EXPECT_EQ(slurp("/etc/to-mount"), "from the second filesystem");

  int fd = vfs_.open("/mnt/inside", kReadOnly).release_value();
  expect_error(vfs_.unmount("/mnt"), kEBUSY, "files are open");
  expect_error(vfs_.unmount("/etc"), kEINVAL, "not a mount point");
  ASSERT_TRUE(vfs_.close(fd).is_ok());
  ASSERT_TRUE(vfs_.unmount("/mnt").is_ok());
  EXPECT_EQ(slurp("/mnt/under"), "hidden by a mount");
  EXPECT_EQ(vfs_.mount_count(), 1u);
}

TEST_F(VfsTest, AWritableFilesystemIsDrivenThroughTheSameCalls) {
  using namespace vfs::open_flag;
  FakeFileSystem scratch(/*writable=*/true);
  ASSERT_TRUE(vfs_.mount("/mnt", scratch).is_ok());
  int fd = vfs_.open("/mnt/log", kCreate | kWriteOnly).release_value();
  EXPECT_EQ(vfs_.write(fd, bytes("first ")).value(), 6u);
  EXPECT_EQ(vfs_.write(fd, bytes("second")).value(), 6u);
  std::string buffer(4, '\0');
  expect_error(vfs_.read(fd, bytes(buffer)), kEBADF, "not open for reading");
  ASSERT_TRUE(vfs_.close(fd).is_ok());
  EXPECT_EQ(slurp("/mnt/log"), "first second");

  fd = vfs_.open("/mnt/log", kWriteOnly | kAppend).release_value();
  ASSERT_TRUE(vfs_.write(fd, bytes("!")).is_ok());
  ASSERT_TRUE(vfs_.close(fd).is_ok());
  EXPECT_EQ(slurp("/mnt/log"), "first second!");

  fd = vfs_.open("/mnt/log", kReadWrite | kTruncate).release_value();
  EXPECT_EQ(vfs_.fstat(fd).value().size, 0);
  ASSERT_TRUE(vfs_.close(fd).is_ok());
  expect_error(vfs_.open("/mnt/log", kCreate | kExclusive), kEEXIST, "already exists");

  int read_only = vfs_.open("/etc/hello.txt", kReadOnly).release_value();
  expect_error(vfs_.write(read_only, bytes("x")), kEBADF, "not open for writing");
}

TEST_F(VfsTest, TheKernelsInstanceBacksThePublicCalls) {
  kernel_vfs().reset();
  ASSERT_TRUE(kernel_vfs().mount("/", fs_).is_ok());
  int fd = vfs::open("/etc/hello.txt", kReadOnly).release_value();
  std::string buffer(5, '\0');
  ASSERT_EQ(vfs::read(fd, bytes(buffer)).value(), 5u);
  EXPECT_EQ(buffer, "hello");
  EXPECT_EQ(vfs::fstat(fd).value().size, 13);
  ASSERT_TRUE(vfs::close(fd).is_ok());
  kernel_vfs().reset();
  EXPECT_EQ(vfs::stat("/etc").error().code(), kENOENT) << "reset forgets the mounts";
}

}  // namespace
}  // namespace tessera
