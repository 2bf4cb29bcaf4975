// ramfs (modules/ramfs) through the kernel's module-filesystem adapter and a VFS, the
// way the kernel drives it once the module is loaded: POSIX-like semantics of files,
// directories, symlinks and renames; the VFS's namespace rules (EEXIST, ENOTEMPTY, EXDEV,
// EROFS, EINVAL); running out of space (capacity: ENOSPC) and heap (ENOMEM) at every
// allocation, leaving the filesystem as it was; and random operations checked against a
// model kept in host memory. Also filesystem types by name, with RamFs instances.
#define TESSERA_MODULE_API_NO_LIBC  // glibc is here too
#include <tessera/module_api.h>

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <tessera/vfs.hh>

#include "fake_platform/fake_platform.hh"
#include "fs/vfs/filesystem_types.hh"
#include "fs/vfs/vfs.hh"
#include "mm/heap.hh"
#include "module/api/module_filesystems.hh"
#include "module/api/vfs_api.hh"
#include "ramfs.hh"
#include "ramfs_operations.hh"
#include "ramfs_test_filesystem.hh"

namespace tessera {
namespace {

using ramfs::RamFs;
using namespace vfs::open_flag;

// Allocations for ramfs from the kernel heap, with a fault to inject: the allocation
// numbered `fail_at` (counting from 0 since the last arm()) fails, and so do all after it
// when `fail_all` is set.
struct TestAllocator {
  uint64_t count = 0;
  int64_t fail_at = -1;
  bool fail_all = false;
  uint64_t live = 0;

  void arm(int64_t at, bool all = false) {
    count = 0;
    fail_at = at;
    fail_all = all;
  }
  void disarm() { fail_at = -1; }

  static void* allocate(void* context, size_t size) {
    auto* self = static_cast<TestAllocator*>(context);
    uint64_t number = self->count++;
    if (self->fail_at >= 0 && (number == uint64_t(self->fail_at) || (self->fail_all && number > uint64_t(self->fail_at))))
      return nullptr;
    void* pointer = heap().allocate(size);
    if (pointer) ++self->live;
    return pointer;
  }
  static void free(void* context, void* pointer) {
    if (!pointer) return;
    --static_cast<TestAllocator*>(context)->live;
    heap().free(pointer);
  }
};

int64_t fake_clock(void*) { return int64_t(fake::now_ns()); }

ktl::Bytes bytes(const std::string& text) { return {reinterpret_cast<const uint8_t*>(text.data()), text.size()}; }

class RamFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake::boot_core(ram_);
    vfs_.reset();
    reset_module_filesystems();
    fs_ = make_ramfs(0);
    ASSERT_TRUE(mount_module_filesystem(vfs_, "/", ramfs::ramfs_operations(), fs_).is_ok());
  }
  void TearDown() override {
    EXPECT_EQ(fs_->find_inconsistency(), nullptr) << fs_->find_inconsistency();
  }

  RamFs* make_ramfs(uint64_t capacity) {
    RamFs::Environment environment;
    environment.allocator = {TestAllocator::allocate, TestAllocator::free, &allocator_};
    environment.now_ns = fake_clock;
    RamFs* filesystem = nullptr;
    EXPECT_EQ(RamFs::try_create(environment, RamFs::Options{.capacity_bytes = capacity}, &filesystem), 0);
    return filesystem;
  }

  template <typename T> void expect_error(const Result<T>& result, int code, const char* message_part = "") {
    ASSERT_TRUE(result.is_error()) << "expected " << errno_name(code);
    EXPECT_EQ(result.error().code(), code) << result.error().message();
    EXPECT_NE(std::strstr(result.error().message(), message_part), nullptr)
        << "message '" << result.error().message() << "' lacks '" << message_part << "'";
  }

  int open(const char* path, int flags) {
    auto fd = vfs_.open(path, flags);
    EXPECT_TRUE(fd.is_ok()) << path << ": " << fd.error().message();
    return fd.is_ok() ? fd.value() : -1;
  }
  void put(const char* path, const std::string& data) {
    int fd = open(path, kCreate | kWriteOnly | kTruncate);
    ASSERT_GE(fd, 0);
    auto written = vfs_.write(fd, bytes(data));
    ASSERT_TRUE(written.is_ok()) << written.error().message();
    EXPECT_EQ(written.value(), data.size());
    ASSERT_TRUE(vfs_.close(fd).is_ok());
  }
  std::string read_fd(int fd) {
    std::string out;
    char chunk[777];
    for (;;) {
      auto got = vfs_.read(fd, ktl::MutableBytes(reinterpret_cast<uint8_t*>(chunk), sizeof chunk));
      EXPECT_TRUE(got.is_ok()) << got.error().message();
      if (got.is_error() || got.value() == 0) return out;
      out.append(chunk, got.value());
    }
  }
  std::string get(const char* path) {
    int fd = open(path, kReadOnly);
    if (fd < 0) return "<error>";
    std::string out = read_fd(fd);
    EXPECT_TRUE(vfs_.close(fd).is_ok());
    return out;
  }
  std::vector<std::string> list(const char* path) {
    std::vector<std::string> names;
    int fd = open(path, kDirectory);
    if (fd < 0) return names;
    vfs::DirectoryEntry entry;
    while (vfs_.readdir(fd, entry).value()) names.emplace_back(entry.name, entry.name_length);
    EXPECT_TRUE(vfs_.close(fd).is_ok());
    return names;
  }
  bool exists(const char* path) { return vfs_.lstat(path).is_ok(); }

  // The whole tree as text: every path, its type, and a file's or link's contents.
  std::string snapshot(const std::string& directory = "/") {
    std::string out;
    for (const std::string& name : list(directory.c_str())) {
      if (name == "." || name == "..") continue;
      std::string path = directory + (directory == "/" ? "" : "/") + name;
      auto stat = vfs_.lstat(path.c_str()).release_value();
      out += path;
      if (stat.is_directory()) {
        out += "/\n" + snapshot(path);
      } else if (stat.is_symlink()) {
        char target[256];
        size_t length = vfs_.readlink(path.c_str(), ktl::MutableBytes(reinterpret_cast<uint8_t*>(target), sizeof target)).value();
        out += " -> " + std::string(target, length) + "\n";
      } else {
        out += " = " + get(path.c_str()) + "\n";
      }
    }
    return out;
  }

  fake::Ram ram_{16 << 20};
  TestAllocator allocator_;
  RamFs* fs_ = nullptr;
  Vfs vfs_;
};

TEST_F(RamFsTest, CreatesWritesAndReadsBack) {
  int fd = open("/notes.txt", kCreate | kReadWrite);
  EXPECT_EQ(vfs_.write(fd, bytes("hello, ")).value(), 7u);
  EXPECT_EQ(vfs_.write(fd, bytes("ramfs")).value(), 5u);
  EXPECT_EQ(vfs_.lseek(fd, 0, vfs::Whence::kSet).value(), 0u);
  EXPECT_EQ(read_fd(fd), "hello, ramfs");
  EXPECT_EQ(vfs_.fstat(fd).value().size, 12);
  ASSERT_TRUE(vfs_.close(fd).is_ok());
  EXPECT_EQ(get("/notes.txt"), "hello, ramfs");
  // Overwrite in the middle, then write past the end: the gap reads as zeros.
  fd = open("/notes.txt", kWriteOnly);
  ASSERT_TRUE(vfs_.lseek(fd, 7, vfs::Whence::kSet).is_ok());
  EXPECT_EQ(vfs_.write(fd, bytes("RAMFS")).value(), 5u);
  ASSERT_TRUE(vfs_.lseek(fd, 20, vfs::Whence::kSet).is_ok());
  EXPECT_EQ(vfs_.write(fd, bytes("!")).value(), 1u);
  ASSERT_TRUE(vfs_.close(fd).is_ok());
  EXPECT_EQ(get("/notes.txt"), std::string("hello, RAMFS") + std::string(8, '\0') + "!");
}

TEST_F(RamFsTest, LargeFilesGrowAndReadBackExactly) {
  std::string data;
  std::mt19937 random(7);
  for (int i = 0; i < 300000; ++i) data += char('a' + random() % 26);
  int fd = open("/big", kCreate | kWriteOnly);
  for (size_t offset = 0; offset < data.size(); offset += 4093)
    ASSERT_EQ(vfs_.write(fd, bytes(data.substr(offset, 4093))).value(), std::min<size_t>(4093, data.size() - offset));
  ASSERT_TRUE(vfs_.close(fd).is_ok());
  EXPECT_EQ(get("/big"), data);
  auto stat = vfs_.stat("/big").release_value();
  EXPECT_EQ(stat.size, int64_t(data.size()));
  EXPECT_GE(stat.blocks * 512, stat.size);
  EXPECT_EQ(stat.block_size, 4096);
}

TEST_F(RamFsTest, TruncateShrinksGrowsWithZerosAndOpenWithTruncEmpties) {
  put("/file", "0123456789");
  int fd = open("/file", kReadWrite);
  ASSERT_TRUE(vfs_.ftruncate(fd, 4).is_ok());
  EXPECT_EQ(get("/file"), "0123");
  ASSERT_TRUE(vfs_.ftruncate(fd, 8).is_ok());
  EXPECT_EQ(get("/file"), std::string("0123") + std::string(4, '\0'));
  expect_error(vfs_.ftruncate(fd, uint64_t(1) << 63), kEINVAL, "negative");
  ASSERT_TRUE(vfs_.close(fd).is_ok());
  int read_only = open("/file", kReadOnly);
  expect_error(vfs_.ftruncate(read_only, 0), kEINVAL, "not open for writing");
  ASSERT_TRUE(vfs_.close(read_only).is_ok());
  ASSERT_TRUE(vfs_.mkdir("/dir", 0755).is_ok());
  int directory = open("/dir", kDirectory);
  expect_error(vfs_.ftruncate(directory, 0), kEINVAL, "not a regular file");
  ASSERT_TRUE(vfs_.close(directory).is_ok());
  fd = open("/file", kWriteOnly | kTruncate);
  ASSERT_TRUE(vfs_.close(fd).is_ok());
  EXPECT_EQ(vfs_.stat("/file").value().size, 0);
  // A big file cut down gives its memory back.
  std::string big(100000, 'x');
  put("/file", big);
  uint64_t with_big = fs_->bytes_used();
  fd = open("/file", kWriteOnly);
  ASSERT_TRUE(vfs_.ftruncate(fd, 10).is_ok());
  ASSERT_TRUE(vfs_.close(fd).is_ok());
  EXPECT_LT(fs_->bytes_used() + 90000, with_big);
  EXPECT_EQ(get("/file"), std::string(10, 'x'));
}

TEST_F(RamFsTest, AppendWritesAtTheEndWhateverTheOffset) {
  put("/log", "one\n");
  int fd = open("/log", kWriteOnly | kAppend);
  ASSERT_TRUE(vfs_.lseek(fd, 0, vfs::Whence::kSet).is_ok());
  EXPECT_EQ(vfs_.write(fd, bytes("two\n")).value(), 4u);
  int other = open("/log", kWriteOnly | kAppend);
  EXPECT_EQ(vfs_.write(other, bytes("three\n")).value(), 6u);
  EXPECT_EQ(vfs_.write(fd, bytes("four\n")).value(), 5u);
  ASSERT_TRUE(vfs_.close(fd).is_ok());
  ASSERT_TRUE(vfs_.close(other).is_ok());
  EXPECT_EQ(get("/log"), "one\ntwo\nthree\nfour\n");
}

TEST_F(RamFsTest, CreateExclusiveRefusesAnExistingName) {
  put("/x", "data");
  expect_error(vfs_.open("/x", kCreate | kExclusive | kWriteOnly), kEEXIST, "already exists");
  EXPECT_EQ(get("/x"), "data");
  expect_error(vfs_.open("/missing/x", kCreate | kWriteOnly), kENOENT, "no such file");
  expect_error(vfs_.open("/x/y", kCreate | kWriteOnly), kENOTDIR, "not a directory");
  expect_error(vfs_.open("/dir/", kCreate | kWriteOnly), kEISDIR, "trailing slash");
  EXPECT_FALSE(exists("/dir"));
  // Through a dangling symlink, O_CREAT creates the link's target.
  ASSERT_TRUE(vfs_.symlink("target", "/dangling").is_ok());
  int fd = open("/dangling", kCreate | kWriteOnly);
  ASSERT_TRUE(vfs_.close(fd).is_ok());
  EXPECT_TRUE(vfs_.stat("/target").value().is_regular());
  expect_error(vfs_.open("/dangling", kCreate | kExclusive | kWriteOnly), kEEXIST, "already exists");
}

TEST_F(RamFsTest, UnlinkWhileOpenKeepsTheDataUntilTheLastClose) {
  uint64_t empty_bytes = fs_->bytes_used();
  uint64_t empty_inodes = fs_->inode_count();
  put("/victim", std::string(5000, 'v'));
  int reader = open("/victim", kReadOnly);
  int writer = open("/victim", kWriteOnly);
  ASSERT_TRUE(vfs_.unlink("/victim").is_ok());
  EXPECT_FALSE(exists("/victim"));
  expect_error(vfs_.open("/victim", kReadOnly), kENOENT);
  EXPECT_EQ(list("/"), (std::vector<std::string>{".", ".."}));
  // Both descriptors still work on the nameless file.
  ASSERT_TRUE(vfs_.lseek(writer, 0, vfs::Whence::kEnd).is_ok());
  EXPECT_EQ(vfs_.write(writer, bytes("tail")).value(), 4u);
  EXPECT_EQ(read_fd(reader), std::string(5000, 'v') + "tail");
  EXPECT_EQ(vfs_.fstat(reader).value().link_count, 0u);
  // A new file may take the name meanwhile; it is a different file.
  put("/victim", "new");
  EXPECT_NE(vfs_.stat("/victim").value().inode, vfs_.fstat(reader).value().inode);
  ASSERT_TRUE(vfs_.unlink("/victim").is_ok());
  EXPECT_EQ(fs_->inode_count(), empty_inodes + 1);
  ASSERT_TRUE(vfs_.close(reader).is_ok());
  EXPECT_EQ(fs_->inode_count(), empty_inodes + 1) << "freed while still open for writing";
  ASSERT_TRUE(vfs_.close(writer).is_ok());
  EXPECT_EQ(fs_->inode_count(), empty_inodes);
  EXPECT_EQ(fs_->bytes_used(), empty_bytes) << "the unlinked file's memory was not given back";
}

TEST_F(RamFsTest, MkdirAndRmdirFollowPosixRules) {
  ASSERT_TRUE(vfs_.mkdir("/a", 0750).is_ok());
  ASSERT_TRUE(vfs_.mkdir("/a/b", 0755).is_ok());
  ASSERT_TRUE(vfs_.mkdir("/a/b/c/", 0755).is_ok()) << "a trailing slash names the directory to make";
  auto stat = vfs_.stat("/a").release_value();
  EXPECT_TRUE(stat.is_directory());
  EXPECT_EQ(stat.mode & 07777, 0750u);
  EXPECT_EQ(stat.link_count, 3u) << "its entry, its '.', and b's '..'";
  expect_error(vfs_.mkdir("/a", 0755), kEEXIST, "already exists");
  expect_error(vfs_.mkdir("/", 0755), kEEXIST, "already exists");
  put("/a/file", "f");
  expect_error(vfs_.mkdir("/a/file", 0755), kEEXIST, "already exists");
  ASSERT_TRUE(vfs_.symlink("/nowhere", "/dangling").is_ok());
  expect_error(vfs_.mkdir("/dangling", 0755), kEEXIST, "already exists");
  expect_error(vfs_.mkdir("/missing/x", 0755), kENOENT, "no such file");
  expect_error(vfs_.mkdir("/a/file/x", 0755), kENOTDIR, "not a directory");

  expect_error(vfs_.rmdir("/a"), kENOTEMPTY, "rmdir 'a'");
  expect_error(vfs_.rmdir("/a/file"), kENOTDIR, "not a directory");
  expect_error(vfs_.unlink("/a/b"), kEISDIR, "is a directory");
  expect_error(vfs_.rmdir("/"), kEBUSY, "mount point");
  expect_error(vfs_.rmdir("/a/b/."), kEINVAL, "ends in '.' or '..'");
  expect_error(vfs_.rmdir("/a/b/c/.."), kEINVAL, "ends in '.' or '..'");
  expect_error(vfs_.rmdir("/a/missing"), kENOENT, "no such file");
  ASSERT_TRUE(vfs_.rmdir("/a/b/c").is_ok());
  ASSERT_TRUE(vfs_.rmdir("/a/b").is_ok());
  EXPECT_EQ(vfs_.stat("/a").value().link_count, 2u);
  ASSERT_TRUE(vfs_.unlink("/a/file").is_ok());
  ASSERT_TRUE(vfs_.rmdir("/a").is_ok());
  EXPECT_FALSE(exists("/a"));
}

TEST_F(RamFsTest, AnOpenRemovedDirectoryListsNothingAndTakesNoEntries) {
  ASSERT_TRUE(vfs_.mkdir("/gone", 0755).is_ok());
  int fd = open("/gone", kDirectory);
  ASSERT_TRUE(vfs_.rmdir("/gone").is_ok());
  vfs::DirectoryEntry entry;
  EXPECT_TRUE(vfs_.readdir(fd, entry).value());  // "."
  EXPECT_TRUE(vfs_.readdir(fd, entry).value());  // ".."
  EXPECT_FALSE(vfs_.readdir(fd, entry).value());
  EXPECT_EQ(vfs_.fstat(fd).value().link_count, 0u);
  ASSERT_TRUE(vfs_.close(fd).is_ok());
}

TEST_F(RamFsTest, ReaddirListsEntriesSortedWithTheirTypesAndInodes) {
  ASSERT_TRUE(vfs_.mkdir("/d", 0755).is_ok());
  put("/d/zeta", "z");
  put("/d/alpha", "a");
  ASSERT_TRUE(vfs_.mkdir("/d/mid", 0755).is_ok());
  ASSERT_TRUE(vfs_.symlink("alpha", "/d/link").is_ok());
  int fd = open("/d", kDirectory);
  std::vector<std::pair<std::string, uint8_t>> seen;
  vfs::DirectoryEntry entry;
  while (vfs_.readdir(fd, entry).value()) {
    seen.emplace_back(entry.name, entry.type);
    std::string path = std::string("/d/") + entry.name;
    if (seen.size() > 2) EXPECT_EQ(vfs_.lstat(path.c_str()).value().inode, entry.inode) << path;
  }
  ASSERT_TRUE(vfs_.close(fd).is_ok());
  using vfs::entry_type::kDirectory, vfs::entry_type::kRegular, vfs::entry_type::kSymlink;
  std::vector<std::pair<std::string, uint8_t>> expected = {
      {".", kDirectory}, {"..", kDirectory}, {"alpha", kRegular}, {"link", kSymlink}, {"mid", kDirectory}, {"zeta", kRegular}};
  EXPECT_EQ(seen, expected);
}

TEST_F(RamFsTest, StatReportsModesCountsAndTimes) {
  fake::advance_ns(1000);
  put("/f", "abc");
  auto created = vfs_.stat("/f").release_value();
  EXPECT_TRUE(created.is_regular());
  EXPECT_EQ(created.mode & 07777, 0644u) << "open(O_CREAT) makes 0644 files";
  EXPECT_EQ(created.link_count, 1u);
  EXPECT_EQ(created.size, 3);
  EXPECT_EQ(created.device, 1u);
  EXPECT_EQ(created.modify_time_ns, 1000);
  EXPECT_EQ(created.change_time_ns, 1000);
  EXPECT_EQ(vfs_.stat("/").value().mode & 07777, 01777u) << "like /tmp";
  EXPECT_EQ(vfs_.stat("/").value().inode, RamFs::kRootInode);
  fake::advance_ns(500);
  int fd = open("/f", kWriteOnly | kAppend);
  ASSERT_TRUE(vfs_.write(fd, bytes("d")).is_ok());
  ASSERT_TRUE(vfs_.close(fd).is_ok());
  auto written = vfs_.stat("/f").release_value();
  EXPECT_EQ(written.modify_time_ns, 1500);
  EXPECT_EQ(written.size, 4);
  fake::advance_ns(500);
  ASSERT_TRUE(vfs_.rename("/f", "/g").is_ok());
  auto renamed = vfs_.stat("/g").release_value();
  EXPECT_EQ(renamed.inode, created.inode);
  EXPECT_EQ(renamed.modify_time_ns, 1500) << "a rename changes the inode, not the data";
  EXPECT_EQ(renamed.change_time_ns, 2000);
  EXPECT_EQ(vfs_.stat("/").value().modify_time_ns, 2000) << "the directory changed";
}

TEST_F(RamFsTest, SymlinksAreCreatedFollowedAndRemoved) {
  ASSERT_TRUE(vfs_.mkdir("/dir", 0755).is_ok());
  put("/dir/target", "through the link");
  ASSERT_TRUE(vfs_.symlink("dir/target", "/relative").is_ok());
  ASSERT_TRUE(vfs_.symlink("/dir", "/absolute-dir").is_ok());
  EXPECT_EQ(get("/relative"), "through the link");
  EXPECT_EQ(get("/absolute-dir/target"), "through the link");
  auto link = vfs_.lstat("/relative").release_value();
  EXPECT_TRUE(link.is_symlink());
  EXPECT_EQ(link.size, 10);
  char target[64];
  EXPECT_EQ(vfs_.readlink("/relative", ktl::MutableBytes(reinterpret_cast<uint8_t*>(target), sizeof target)).value(), 10u);
  EXPECT_EQ(std::string(target, 10), "dir/target");
  expect_error(vfs_.symlink("", "/empty"), kENOENT, "target is empty");
  expect_error(vfs_.symlink("x", "/relative"), kEEXIST, "already exists");
  // Creating through a link writes to its target; unlink removes the link itself.
  int fd = open("/relative", kWriteOnly | kTruncate);
  ASSERT_TRUE(vfs_.write(fd, bytes("rewritten")).is_ok());
  ASSERT_TRUE(vfs_.close(fd).is_ok());
  EXPECT_EQ(get("/dir/target"), "rewritten");
  ASSERT_TRUE(vfs_.unlink("/relative").is_ok());
  EXPECT_EQ(get("/dir/target"), "rewritten");
  expect_error(vfs_.rmdir("/absolute-dir"), kENOTDIR, "not a directory");
  ASSERT_TRUE(vfs_.unlink("/absolute-dir").is_ok());
  EXPECT_TRUE(exists("/dir"));
}

TEST_F(RamFsTest, RenameMovesAndReplacesFiles) {
  put("/a", "A");
  put("/b", "B");
  ASSERT_TRUE(vfs_.mkdir("/dir", 0755).is_ok());
  uint64_t inode_a = vfs_.stat("/a").value().inode;
  ASSERT_TRUE(vfs_.rename("/a", "/dir/a2").is_ok());
  EXPECT_FALSE(exists("/a"));
  EXPECT_EQ(get("/dir/a2"), "A");
  EXPECT_EQ(vfs_.stat("/dir/a2").value().inode, inode_a);
  // Over an existing file: the old target goes away (unless open: then on its last close).
  int open_b = open("/b", kReadOnly);
  ASSERT_TRUE(vfs_.rename("/dir/a2", "/b").is_ok());
  EXPECT_EQ(get("/b"), "A");
  EXPECT_EQ(read_fd(open_b), "B");
  ASSERT_TRUE(vfs_.close(open_b).is_ok());
  EXPECT_EQ(list("/dir"), (std::vector<std::string>{".", ".."}));
  // Onto itself: nothing happens.
  ASSERT_TRUE(vfs_.rename("/b", "/b").is_ok());
  ASSERT_TRUE(vfs_.rename("/b", "/dir/../b").is_ok());
  EXPECT_EQ(get("/b"), "A");
  expect_error(vfs_.rename("/missing", "/x"), kENOENT, "no such file");
  expect_error(vfs_.rename("/b", "/missing/x"), kENOENT, "no such file");
  expect_error(vfs_.rename("/b", "/dir"), kEISDIR, "non-directory over a directory");
  expect_error(vfs_.rename("/b", "/dir/."), kEINVAL, "ends in '.' or '..'");
  expect_error(vfs_.rename("/", "/x"), kEBUSY, "mount point");
}

TEST_F(RamFsTest, RenameMovesDirectoriesButNotIntoThemselves) {
  ASSERT_TRUE(vfs_.mkdir("/src", 0755).is_ok());
  ASSERT_TRUE(vfs_.mkdir("/src/sub", 0755).is_ok());
  put("/src/sub/file", "deep");
  ASSERT_TRUE(vfs_.mkdir("/empty", 0755).is_ok());
  ASSERT_TRUE(vfs_.mkdir("/full", 0755).is_ok());
  put("/full/x", "x");
  put("/plain", "p");

  expect_error(vfs_.rename("/src", "/src/sub/inside"), kEINVAL, "own subtree");
  expect_error(vfs_.rename("/src", "/src/new"), kEINVAL, "own subtree");
  expect_error(vfs_.rename("/src", "/full"), kENOTEMPTY, "rename 'src'");
  expect_error(vfs_.rename("/src", "/plain"), kENOTDIR, "directory over a non-directory");
  expect_error(vfs_.rename("/src/sub", "/src"), kENOTEMPTY);
  // Over an empty directory, which disappears.
  ASSERT_TRUE(vfs_.rename("/src", "/empty").is_ok());
  EXPECT_FALSE(exists("/src"));
  EXPECT_EQ(get("/empty/sub/file"), "deep");
  EXPECT_EQ(vfs_.stat("/").value().link_count, 2u + 2u) << "empty, full";
  // Up the tree and into a sibling.
  ASSERT_TRUE(vfs_.rename("/empty/sub", "/full/sub").is_ok());
  EXPECT_EQ(get("/full/sub/file"), "deep");
  EXPECT_EQ(vfs_.stat("/full").value().link_count, 3u);
  EXPECT_EQ(vfs_.stat("/empty").value().link_count, 2u);
  // Going through ".." is not moving into oneself.
  ASSERT_TRUE(vfs_.rename("/full/sub", "/full/sub/../sub2").is_ok());
  EXPECT_EQ(get("/full/sub2/file"), "deep");
}

TEST_F(RamFsTest, RenameAcrossMountsIsRefusedAndBusyMountsStay) {
  ASSERT_TRUE(vfs_.mkdir("/mnt", 0755).is_ok());
  RamFs* other = make_ramfs(0);
  ASSERT_TRUE(mount_module_filesystem(vfs_, "/mnt", ramfs::ramfs_operations(), other).is_ok());
  put("/here", "h");
  put("/mnt/there", "t");
  expect_error(vfs_.rename("/here", "/mnt/here"), kEXDEV, "across filesystems");
  expect_error(vfs_.rename("/mnt/there", "/there"), kEXDEV, "across filesystems");
  expect_error(vfs_.rename("/here", "/mnt"), kEBUSY, "mount point");
  expect_error(vfs_.rmdir("/mnt"), kEBUSY, "mount point");
  EXPECT_EQ(vfs_.stat("/mnt/there").value().device, 2u);
  int fd = open("/mnt/there", kReadOnly);
  expect_error(unmount_module_filesystem(vfs_, "/mnt"), kEBUSY, "files are open");
  ASSERT_TRUE(vfs_.close(fd).is_ok());
  expect_error(unmount_module_filesystem(vfs_, "/"), kEBUSY, "ramfs: another filesystem is mounted inside it");
  ASSERT_TRUE(unmount_module_filesystem(vfs_, "/mnt").is_ok());
  EXPECT_EQ(module_filesystem_count(), 1u);
  EXPECT_FALSE(exists("/mnt/there"));
  EXPECT_EQ(other->find_inconsistency(), nullptr);
  RamFs::destroy(other);
}

// A read-only root, the way the boot image is, with ramfs mounted on a directory of it.
class ReadOnlyRoot final : public FileSystem {
 public:
  const char* type_name() const override { return "rootfs"; }
  Result<Node> lookup(uint64_t directory, ktl::StringView name) override {
    if (directory == 1 && name == "tmp") return Node{2, vfs::file_type::kDirectory};
    return Error::from_code(kENOENT);
  }
  Result<vfs::Stat> stat(uint64_t inode) override {
    vfs::Stat stat;
    stat.inode = inode;
    stat.mode = vfs::file_type::kDirectory | 0755;
    return stat;
  }
  Result<bool> read_directory(uint64_t, uint64_t, vfs::DirectoryEntry&) override { return false; }
};

TEST_F(RamFsTest, OnlyTheWritableMountTakesChangesAndKernelMountsAreNotUnmountedByModules) {
  ReadOnlyRoot root;
  Vfs vfs;
  ASSERT_TRUE(vfs.mount("/", root).is_ok());
  RamFs* tmp = make_ramfs(0);
  ASSERT_TRUE(mount_module_filesystem(vfs, "/tmp", ramfs::ramfs_operations(), tmp).is_ok());
  expect_error(vfs.mkdir("/new", 0755), kEROFS, "read-only");
  expect_error(vfs.open("/new", kCreate | kWriteOnly), kEROFS, "read-only");
  expect_error(vfs.rmdir("/tmp"), kEBUSY, "mount point");
  expect_error(vfs.symlink("x", "/link"), kEROFS, "read-only");
  expect_error(vfs.rename("/tmp", "/tmp2"), kEBUSY, "mount point");
  ASSERT_TRUE(vfs.mkdir("/tmp/work", 0700).is_ok());
  ASSERT_TRUE(vfs.rename("/tmp/work", "/tmp/done").is_ok());
  EXPECT_TRUE(vfs.stat("/tmp/done").value().is_directory());
  expect_error(unmount_module_filesystem(vfs, "/"), kEPERM, "not mounted by a module");
  expect_error(unmount_module_filesystem(vfs, "/tmp/done"), kEINVAL, "not a mount point");
  ASSERT_TRUE(unmount_module_filesystem(vfs, "/tmp").is_ok());
  RamFs::destroy(tmp);
}

TEST_F(RamFsTest, CapacityLimitGivesEnospcAndFreeingMakesRoom) {
  RamFs* small = make_ramfs(64 * 1024);
  Vfs vfs;
  ASSERT_TRUE(mount_module_filesystem(vfs, "/", ramfs::ramfs_operations(), small).is_ok());
  int fd = vfs.open("/fill", kCreate | kWriteOnly).release_value();
  std::string chunk(1000, 'c');
  size_t written = 0;
  for (;;) {
    auto result = vfs.write(fd, bytes(chunk));
    if (result.is_error()) {
      expect_error(result, kENOSPC, "ramfs: write of inode");
      if (chunk.size() == 1) break;
      chunk = "c";  // fill the last bytes too
      continue;
    }
    written += result.value();
    ASSERT_LT(written, 64u * 1024) << "wrote past the capacity";
  }
  EXPECT_GT(written, 60u * 1024) << "doubling must fall back to exact growth near the limit, "
                                    "and a buffer being copied must not count twice";
  EXPECT_LE(small->bytes_used(), small->capacity());
  EXPECT_EQ(vfs.fstat(fd).value().size, int64_t(written)) << "a failed write changed the file";
  expect_error(vfs.mkdir("/dir-with-a-long-name-that-needs-memory", 0755), kENOSPC);
  EXPECT_EQ(small->find_inconsistency(), nullptr);
  ASSERT_TRUE(vfs.close(fd).is_ok());
  ASSERT_TRUE(vfs.unlink("/fill").is_ok());
  ASSERT_TRUE(vfs.mkdir("/dir-with-a-long-name-that-needs-memory", 0755).is_ok());
  EXPECT_EQ(small->find_inconsistency(), nullptr);
  ASSERT_TRUE(unmount_module_filesystem(vfs, "/").is_ok());
  RamFs::destroy(small);
}

TEST_F(RamFsTest, TheKernelHeapRunningOutGivesEnomemAndLeavesRamfsIntact) {
  put("/keep", "kept");
  int fd = open("/hog", kCreate | kWriteOnly);
  std::string chunk(256 * 1024, 'h');
  size_t written = 0;
  for (;;) {
    auto result = vfs_.write(fd, bytes(chunk));
    if (result.is_error()) {
      expect_error(result, kENOMEM, "ENOMEM");
      break;
    }
    written += result.value();
  }
  EXPECT_GT(written, 0u);
  EXPECT_EQ(vfs_.fstat(fd).value().size, int64_t(written));
  EXPECT_EQ(fs_->find_inconsistency(), nullptr);
  ASSERT_TRUE(vfs_.close(fd).is_ok());
  ASSERT_TRUE(vfs_.unlink("/hog").is_ok());
  EXPECT_EQ(get("/keep"), "kept");
  put("/after", std::string(100000, 'a'));
  EXPECT_EQ(get("/after"), std::string(100000, 'a'));
}

// Every operation that allocates, failed at each of its allocations in turn: it reports
// ENOMEM, and the tree, the memory held and the consistency checks are as before.
TEST_F(RamFsTest, EveryFailedAllocationLeavesTheTreeAsItWas) {
  put("/file", "0123456789");
  ASSERT_TRUE(vfs_.mkdir("/dir", 0755).is_ok());
  for (int i = 0; i < 8; ++i) put(("/dir/f" + std::to_string(i)).c_str(), "x");  // the next entry grows the table
  struct Operation {
    const char* name;
    std::function<Result<void>()> run;
  };
  std::vector<Operation> operations = {
      {"create", [&] { auto fd = vfs_.open("/dir/new", kCreate | kWriteOnly); if (fd.is_error()) return Result<void>(fd.release_error()); return vfs_.close(fd.value()); }},
      {"mkdir", [&] { return vfs_.mkdir("/dir/newdir", 0755); }},
      {"symlink", [&] { return vfs_.symlink("/file", "/dir/newlink"); }},
      {"rename to a new name", [&] { return vfs_.rename("/dir/f0", "/dir/g0"); }},
      {"write", [&] {
         int fd = vfs_.open("/file", kWriteOnly | kAppend).release_value();
         auto written = vfs_.write(fd, bytes(std::string(5000, 'w')));
         (void)vfs_.close(fd);
         return written.is_error() ? Result<void>(written.release_error()) : Result<void>();
       }},
      {"truncate up", [&] {
         int fd = vfs_.open("/file", kWriteOnly).release_value();
         auto truncated = vfs_.ftruncate(fd, 100000);
         (void)vfs_.close(fd);
         return truncated;
       }},
  };
  for (const Operation& operation : operations) {
    std::string before = snapshot();
    uint64_t bytes_before = fs_->bytes_used();
    uint64_t live_before = allocator_.live;
    int failures = 0;
    for (int64_t fail_at = 0;; ++fail_at) {
      allocator_.arm(fail_at);
      Result<void> result = operation.run();
      allocator_.disarm();
      if (result.is_ok()) break;
      ++failures;
      EXPECT_EQ(result.error().code(), kENOMEM) << operation.name << ": " << result.error().message();
      EXPECT_EQ(snapshot(), before) << operation.name << " failing at allocation " << fail_at;
      EXPECT_EQ(fs_->bytes_used(), bytes_before) << operation.name;
      EXPECT_EQ(allocator_.live, live_before) << operation.name << " leaked";
      ASSERT_EQ(fs_->find_inconsistency(), nullptr) << operation.name << ": " << fs_->find_inconsistency();
      ASSERT_LT(fail_at, 20) << operation.name << " never succeeds";
    }
    EXPECT_GT(failures, 0) << operation.name << " allocated nothing: the test tests nothing";
    EXPECT_NE(snapshot(), before) << operation.name << " succeeded without changing anything";
  }
}

TEST_F(RamFsTest, TheCApiChangesTheKernelsTree) {
  kernel_vfs().reset();
  ASSERT_TRUE(mount_module_filesystem(kernel_vfs(), "/", ramfs::ramfs_operations(), make_ramfs(0)).is_ok());
  EXPECT_EQ(api::vfs_mkdir("/c", 0700), 0);
  EXPECT_EQ(api::vfs_mkdir("/c", 0700), -kEEXIST);
  EXPECT_EQ(api::vfs_symlink("/c", "/link"), 0);
  auto fd = vfs::open("/c/file", kCreate | kWriteOnly);
  ASSERT_TRUE(fd.is_ok());
  ASSERT_TRUE(vfs::write(fd.value(), bytes("12345")).is_ok());
  EXPECT_EQ(api::vfs_ftruncate(fd.value(), 2), 0);
  EXPECT_EQ(api::vfs_ftruncate(99, 2), -kEBADF);
  EXPECT_EQ(vfs::fstat(fd.value()).value().size, 2);
  ASSERT_TRUE(vfs::close(fd.value()).is_ok());
  EXPECT_EQ(api::vfs_rename("/c/file", "/c/renamed"), 0);
  EXPECT_EQ(api::vfs_rmdir("/c"), -kENOTEMPTY);
  EXPECT_EQ(api::vfs_unlink("/link/renamed"), 0);
  EXPECT_EQ(api::vfs_unlink("/link"), 0);
  EXPECT_EQ(api::vfs_rmdir("/c"), 0);
  EXPECT_EQ(api::vfs_rmdir(nullptr), -kEFAULT);
  EXPECT_EQ(api::vfs_mkdir("/mnt", 0755), 0);
  EXPECT_EQ(api::mount("/mnt", &ramfs::ramfs_operations(), make_ramfs(0)), 0);
  EXPECT_EQ(api::mount("/mnt", &ramfs::ramfs_operations(), fs_), -kEBUSY);
  EXPECT_EQ(api::mount("/nowhere", &ramfs::ramfs_operations(), fs_), -kENOENT);
  EXPECT_EQ(module_filesystem_count(), 3u) << "the fixture's, the kernel root, /mnt";
  EXPECT_EQ(api::unmount("/mnt"), 0);
  EXPECT_EQ(api::unmount("/mnt"), -kEINVAL);
  kernel_vfs().reset();
}

TEST_F(RamFsTest, AModulesNonsenseBecomesEio) {
  char type_name[] = "liarfs-with-a-name-longer-than-the-kernel-keeps";
  const tessera_filesystem_ops& ops = lying_filesystem_operations(type_name, 1);
  ASSERT_TRUE(vfs_.mkdir("/liar", 0755).is_ok());
  ASSERT_TRUE(mount_module_filesystem(vfs_, "/liar", ops, nullptr).is_ok());
  std::strcpy(type_name, "changed");  // the kernel keeps its own copy
  expect_error(vfs_.stat("/liar/x"), kEIO, "liarfs-with-a-name-longer-than");
  expect_error(vfs_.open("/liar/x", kReadOnly), kEIO, "of type 0123");
  int fd = open("/liar", kReadOnly | kDirectory);
  vfs::DirectoryEntry entry;
  ASSERT_TRUE(vfs_.readdir(fd, entry).is_ok());
  ASSERT_TRUE(vfs_.readdir(fd, entry).is_ok());
  expect_error(vfs_.readdir(fd, entry), kEIO, "300-byte name");
  ASSERT_TRUE(vfs_.close(fd).is_ok());
  // No create: the default refuses, as a read-only filesystem's would.
  expect_error(vfs_.mkdir("/liar/new", 0755), kEROFS, "read-only filesystem");
  ASSERT_TRUE(unmount_module_filesystem(vfs_, "/liar").is_ok());
  expect_error(mount_module_filesystem(vfs_, "/liar", lying_filesystem_operations(type_name, 0), nullptr), kEINVAL,
               "root inode 0");
}

// Random operations on a small namespace (names a..e, three levels deep), each checked
// against a model of the tree in host memory: the error code or success, file contents,
// and, every few operations, the whole tree and ramfs's own consistency checks. Some
// files are held open while others rename over or unlink them.
class Model {
 public:
  struct Node {
    bool directory = false;
    std::string data;
    std::map<std::string, std::shared_ptr<Node>> children;
  };
  struct Found {
    int error = 0;
    Node* parent = nullptr;
    std::shared_ptr<Node> node;  // null when the last component is missing
    std::vector<Node*> directories;  // from the root to the parent
  };

  Model() : root_(std::make_shared<Node>()) { root_->directory = true; }

  Found resolve(const std::vector<std::string>& parts) const {
    Found found;
    Node* directory = root_.get();
    found.directories.push_back(directory);
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      auto child = directory->children.find(parts[i]);
      if (child == directory->children.end()) return {kENOENT};
      if (!child->second->directory) return {kENOTDIR};
      directory = child->second.get();
      found.directories.push_back(directory);
    }
    found.parent = directory;
    auto child = directory->children.find(parts.back());
    if (child != directory->children.end()) found.node = child->second;
    return found;
  }

  std::string snapshot() const { return snapshot(*root_, "/"); }

 private:
  std::string snapshot(const Node& directory, const std::string& path) const {
    std::string out;
    for (const auto& [name, node] : directory.children) {
      std::string child = path + (path == "/" ? "" : "/") + name;
      out += child + (node->directory ? "/\n" + snapshot(*node, child) : " = " + node->data + "\n");
    }
    return out;
  }

  std::shared_ptr<Node> root_;
};

TEST_F(RamFsTest, RandomOperationsAgreeWithAModel) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    SetUp();  // a fresh filesystem for each seed
    Model model;
    std::mt19937 random(seed);
    auto pick = [&](uint32_t n) { return uint32_t(random() % n); };
    auto random_path = [&] {
      std::vector<std::string> parts(1 + pick(3));
      for (auto& part : parts) part = std::string(1, char('a' + pick(5)));
      return parts;
    };
    auto text = [](const std::vector<std::string>& parts) {
      std::string path;
      for (const auto& part : parts) path += "/" + part;
      return path;
    };
    auto random_data = [&] {
      std::string data(pick(3) == 0 ? pick(5000) : pick(40), '\0');
      for (char& c : data) c = char('A' + pick(26));
      return data;
    };
    auto check = [&](const char* what, const std::string& path, int expected, int actual) {
      EXPECT_EQ(actual, expected) << what << " " << path << ": expected " << (expected ? errno_name(expected) : "success")
                                  << ", got " << (actual ? errno_name(actual) : "success");
      return actual == expected;
    };
    auto code = [](const auto& result) { return result.is_ok() ? 0 : result.error().code(); };
    struct Held {
      int fd;
      std::shared_ptr<Model::Node> node;
    };
    std::vector<Held> held;

    for (int step = 0; step < 1500 && !HasFailure(); ++step) {
      auto parts = random_path();
      std::string path = text(parts);
      Model::Found found = model.resolve(parts);
      switch (pick(10)) {
        case 0: {  // create (or open) a file for writing
          int expected = found.error ? found.error : (found.node && found.node->directory ? kEISDIR : 0);
          auto fd = vfs_.open(path.c_str(), kCreate | kWriteOnly);
          if (check("create", path, expected, code(fd)) && fd.is_ok()) {
            (void)vfs_.close(fd.value());
            if (!found.node) found.parent->children[parts.back()] = std::make_shared<Model::Node>();
          }
          break;
        }
        case 1:
        case 2: {  // write at an offset, possibly past the end
          int expected = found.error ? found.error : !found.node ? kENOENT : found.node->directory ? kEISDIR : 0;
          auto fd = vfs_.open(path.c_str(), kWriteOnly);
          if (!check("open for writing", path, expected, code(fd)) || fd.is_error()) break;
          std::string data = random_data();
          uint64_t offset = pick(4) == 0 ? found.node->data.size() + pick(100) : pick(uint32_t(found.node->data.size()) + 1);
          ASSERT_TRUE(vfs_.lseek(fd.value(), int64_t(offset), vfs::Whence::kSet).is_ok());
          ASSERT_EQ(vfs_.write(fd.value(), bytes(data)).value(), data.size());
          (void)vfs_.close(fd.value());
          if (!data.empty()) {
            if (found.node->data.size() < offset + data.size()) found.node->data.resize(offset + data.size(), '\0');
            found.node->data.replace(offset, data.size(), data);
          }
          break;
        }
        case 3: {  // truncate
          int expected = found.error ? found.error : !found.node ? kENOENT : found.node->directory ? kEISDIR : 0;
          auto fd = vfs_.open(path.c_str(), kWriteOnly);
          if (!check("open for truncating", path, expected, code(fd)) || fd.is_error()) break;
          uint64_t size = pick(6000);
          ASSERT_TRUE(vfs_.ftruncate(fd.value(), size).is_ok());
          (void)vfs_.close(fd.value());
          found.node->data.resize(size, '\0');
          break;
        }
        case 4: {  // mkdir
          int expected = found.error ? found.error : found.node ? kEEXIST : 0;
          if (check("mkdir", path, expected, code(vfs_.mkdir(path.c_str(), 0755))) && !expected) {
            auto directory = std::make_shared<Model::Node>();
            directory->directory = true;
            found.parent->children[parts.back()] = directory;
          }
          break;
        }
        case 5: {  // unlink or rmdir
          bool directory = pick(2);
          int expected = found.error ? found.error : !found.node ? kENOENT : 0;
          if (!expected && directory) expected = !found.node->directory ? kENOTDIR : found.node->children.empty() ? 0 : kENOTEMPTY;
          if (!expected && !directory && found.node->directory) expected = kEISDIR;
          auto result = directory ? vfs_.rmdir(path.c_str()) : vfs_.unlink(path.c_str());
          if (check(directory ? "rmdir" : "unlink", path, expected, code(result)) && !expected)
            found.parent->children.erase(parts.back());
          break;
        }
        case 6:
        case 7: {  // rename
          auto to_parts = random_path();
          std::string to = text(to_parts);
          Model::Found target = model.resolve(to_parts);
          int expected = found.error ? found.error : !found.node ? kENOENT : target.error;
          bool same = !expected && target.node == found.node;
          if (!expected && !same && target.node) {
            if (found.node->directory && !target.node->directory) expected = kENOTDIR;
            if (!found.node->directory && target.node->directory) expected = kEISDIR;
          }
          if (!expected && !same && found.node->directory)
            for (Model::Node* directory : target.directories)
              if (directory == found.node.get()) expected = kEINVAL;
          if (!expected && !same && target.node && target.node->directory && !target.node->children.empty())
            expected = kENOTEMPTY;
          if (check("rename", path + " -> " + to, expected, code(vfs_.rename(path.c_str(), to.c_str()))) && !expected &&
              !same) {
            std::shared_ptr<Model::Node> moved = found.node;
            found.parent->children.erase(parts.back());
            target.parent->children[to_parts.back()] = moved;
          }
          break;
        }
        case 8: {  // read a file back, or hold it open
          int expected = found.error ? found.error : !found.node ? kENOENT : 0;
          auto fd = vfs_.open(path.c_str(), kReadOnly);
          if (!check("open for reading", path, expected, code(fd)) || fd.is_error()) break;
          if (found.node->directory) {
            expect_error(vfs_.read(fd.value(), ktl::MutableBytes()), kEISDIR);
            (void)vfs_.close(fd.value());
          } else if (pick(3) == 0 && held.size() < 4) {
            held.push_back({fd.value(), found.node});
          } else {
            EXPECT_EQ(read_fd(fd.value()), found.node->data) << path;
            (void)vfs_.close(fd.value());
          }
          break;
        }
        case 9: {  // a held file still reads as its inode, whatever happened to its name
          if (held.empty()) break;
          Held file = held.back();
          held.pop_back();
          ASSERT_TRUE(vfs_.lseek(file.fd, 0, vfs::Whence::kSet).is_ok());
          EXPECT_EQ(read_fd(file.fd), file.node->data);
          ASSERT_TRUE(vfs_.close(file.fd).is_ok());
          break;
        }
      }
      if (step % 100 == 99) {
        ASSERT_EQ(snapshot(), model.snapshot()) << "after step " << step;
        ASSERT_EQ(fs_->find_inconsistency(), nullptr) << fs_->find_inconsistency();
      }
    }
    for (const Held& file : held) ASSERT_TRUE(vfs_.close(file.fd).is_ok());
    EXPECT_EQ(snapshot(), model.snapshot());
    ASSERT_EQ(fs_->find_inconsistency(), nullptr) << fs_->find_inconsistency();
  }
}

// What the loader does around a module's exit: refuse while its filesystems are in use,
// and unmount whatever the exit left mounted -- nested mounts included.
TEST_F(RamFsTest, TheLoaderCanCheckAndUnmountAModulesFilesystems) {
  ReadOnlyRoot root;
  Vfs vfs;
  ASSERT_TRUE(vfs.mount("/", root).is_ok());
  RamFs* tmp = make_ramfs(0);
  RamFs* inner = make_ramfs(0);
  ASSERT_TRUE(mount_module_filesystem(vfs, "/tmp", ramfs::ramfs_operations(), tmp).is_ok());
  ASSERT_TRUE(vfs.mkdir("/tmp/inner", 0755).is_ok());
  ASSERT_TRUE(mount_module_filesystem(vfs, "/tmp/inner", ramfs::ramfs_operations(), inner).is_ok());
  auto table = reinterpret_cast<uintptr_t>(&ramfs::ramfs_operations());
  // Code elsewhere: nothing of this module.
  EXPECT_TRUE(check_module_filesystems_idle(vfs, table + 1, table + 2).is_ok());
  EXPECT_TRUE(unmount_module_filesystems(vfs, table + 1, table + 2).is_ok());
  EXPECT_EQ(vfs.mount_count(), 3u);

  int fd = vfs.open("/tmp/inner/file", kCreate | kWriteOnly).release_value();
  expect_error(check_module_filesystems_idle(vfs, table, table + 1), kEBUSY, "ramfs");
  expect_error(unmount_module_filesystems(vfs, table, table + 1), kEBUSY, "files are open");
  EXPECT_EQ(vfs.mount_count(), 3u) << "a busy filesystem was unmounted";
  ASSERT_TRUE(vfs.close(fd).is_ok());
  // Busy only because of each other: the check looks at one at a time.
  expect_error(check_module_filesystems_idle(vfs, table, table + 1), kEBUSY, "mounted inside it");
  EXPECT_TRUE(unmount_module_filesystems(vfs, table, table + 1).is_ok());
  EXPECT_EQ(vfs.mount_count(), 1u);
  EXPECT_EQ(module_filesystem_count(), 1u) << "only the fixture's root is left";
  EXPECT_EQ(tmp->find_inconsistency(), nullptr);
  EXPECT_EQ(inner->find_inconsistency(), nullptr);
  RamFs::destroy(tmp);
  RamFs::destroy(inner);
}


// Filesystem types by name (fs/vfs/filesystem_types): a type whose instances are RamFs
// objects, registered the way the module's init does, mounted the way mount(2) does.
TestAllocator g_type_allocator;
int g_type_instances = 0;

int mount_test_type(const char*, unsigned long, const void* data, const tessera_filesystem_ops** ops, void** out) {
  if (data && std::strcmp(static_cast<const char*>(data), "refuse") == 0) return -kEPERM;
  RamFs::Environment environment;
  environment.allocator = {TestAllocator::allocate, TestAllocator::free, &g_type_allocator};
  environment.now_ns = fake_clock;
  RamFs* filesystem = nullptr;
  if (int error = RamFs::try_create(environment, RamFs::Options{}, &filesystem)) return error;
  *ops = &ramfs::ramfs_operations();
  *out = filesystem;
  ++g_type_instances;
  return 0;
}

void release_test_type(void* filesystem) {
  RamFs::destroy(static_cast<RamFs*>(filesystem));
  --g_type_instances;
}

constexpr tessera_filesystem_type kTestType = {mount_test_type, release_test_type};

TEST_F(RamFsTest, FilesystemTypesRegisterByNameAndRefuseBadOnes) {
  EXPECT_EQ(FileSystemTypes::count(), 0u);
  ASSERT_TRUE(FileSystemTypes::add("testfs", kTestType).is_ok());
  EXPECT_EQ(FileSystemTypes::find("testfs")->mount, mount_test_type);
  EXPECT_EQ(FileSystemTypes::find("nope"), nullptr);
  expect_error(FileSystemTypes::add("testfs", kTestType), kEEXIST, "registered already");
  expect_error(FileSystemTypes::add("TestFS", kTestType), kEINVAL, "'TestFS' is not 1 to 31 bytes");
  expect_error(FileSystemTypes::add("", kTestType), kEINVAL, "type name");
  expect_error(FileSystemTypes::add(std::string(32, 'a').c_str(), kTestType), kEINVAL, "type name");
  expect_error(FileSystemTypes::add("half", tessera_filesystem_type{mount_test_type, nullptr}), kEINVAL,
               "no mount or release entry");
  for (uint32_t i = 1; i < FileSystemTypes::kCapacity; ++i)
    ASSERT_TRUE(FileSystemTypes::add(("fs" + std::to_string(i)).c_str(), kTestType).is_ok());
  expect_error(FileSystemTypes::add("onemore", kTestType), kENOSPC, "8 types are registered");
  expect_error(FileSystemTypes::remove("nope"), kENOENT, "no filesystem type nope");
  ASSERT_TRUE(FileSystemTypes::remove("fs1").is_ok());
  EXPECT_EQ(FileSystemTypes::count(), FileSystemTypes::kCapacity - 1);
}

TEST_F(RamFsTest, MountByTypeMakesInstancesAndRemovingTheTypeUnmountsThemUnlessBusy) {
  ASSERT_TRUE(FileSystemTypes::add("testfs", kTestType).is_ok());
  ASSERT_TRUE(vfs_.mkdir("/a", 0755).is_ok());
  ASSERT_TRUE(vfs_.mkdir("/b", 0755).is_ok());
  ASSERT_TRUE(mount_filesystem(vfs_, "none", "/a", "testfs", 0, nullptr).is_ok());
  ASSERT_TRUE(mount_filesystem(vfs_, "none", "/b", "testfs", 0, nullptr).is_ok());
  EXPECT_EQ(g_type_instances, 2);
  expect_error(mount_filesystem(vfs_, "none", "/a", "testfs", 0, nullptr), kEBUSY, "");
  EXPECT_EQ(g_type_instances, 2) << "the refused mount's instance was released";
  expect_error(mount_filesystem(vfs_, "none", "/b", "testfs", 0, "refuse"), kEPERM, "filesystem testfs refused");
  expect_error(mount_filesystem(vfs_, "none", "/b", "testfs", 0x1, nullptr), kEINVAL, "flags 0x1");

  int fd = open("/b/file", kCreate | kWriteOnly);
  expect_error(FileSystemTypes::remove("testfs"), kEBUSY, "");
  EXPECT_EQ(g_type_instances, 2) << "a busy type is left whole";
  EXPECT_NE(FileSystemTypes::find("testfs"), nullptr);
  ASSERT_TRUE(vfs_.close(fd).is_ok());
  ASSERT_TRUE(unmount_filesystem(vfs_, "/a").is_ok());
  EXPECT_EQ(g_type_instances, 1) << "umount releases its instance";
  ASSERT_TRUE(FileSystemTypes::remove("testfs").is_ok());
  EXPECT_EQ(g_type_instances, 0);
  EXPECT_EQ(vfs_.mount_count(), 1u);
  EXPECT_EQ(g_type_allocator.live, 0u);
}

TEST_F(RamFsTest, TheLoaderForgetsTypesAModuleLeftRegistered) {
  ASSERT_TRUE(FileSystemTypes::add("testfs", kTestType).is_ok());
  ASSERT_TRUE(vfs_.mkdir("/a", 0755).is_ok());
  ASSERT_TRUE(mount_filesystem(vfs_, "none", "/a", "testfs", 0, nullptr).is_ok());
  auto release = reinterpret_cast<uintptr_t>(&release_test_type);
  // Code elsewhere: not this type's module.
  ASSERT_TRUE(FileSystemTypes::forget_provided_by(release + 1, release + 2).is_ok());
  EXPECT_EQ(FileSystemTypes::count(), 1u);
  ASSERT_TRUE(FileSystemTypes::forget_provided_by(release, release + 1).is_ok());
  EXPECT_EQ(FileSystemTypes::count(), 0u);
  EXPECT_EQ(g_type_instances, 0);
  EXPECT_NE(fake::console_output().find("vfs: forgot filesystem type testfs, which its module left registered"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera
