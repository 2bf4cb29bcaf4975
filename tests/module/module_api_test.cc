// The C module API (tessera/module_api.h), called the way a module calls it: through the
// addresses in the kernel's export table, cast to the header's prototypes. Files go to a
// small filesystem mounted at "/" of the kernel VFS; threads run on the fake core.
#define TESSERA_MODULE_API_NO_LIBC  // glibc is here too; the libc rows are checked elsewhere
#include <tessera/module_api.h>

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <tessera/errno.hh>
#include <tessera/vfs.hh>

#include "fake_platform/fake_platform.hh"
#include "fs/vfs/file_system.hh"
#include "fs/vfs/vfs.hh"
#include "log/log.hh"
#include "module/export_table.hh"
#include "sched/thread.hh"

namespace tessera {
namespace {

uintptr_t exported(const char* name) {
  const KernelExport* row = find_kernel_export(name);
  if (!row) ADD_FAILURE() << name << " is not exported";
  return row ? reinterpret_cast<uintptr_t>(row->address) : 0;
}
// The kernel function behind a C name, typed as module_api.h declares it.
#define KERNEL(name) (reinterpret_cast<decltype(&::name)>(exported(#name)))

// "/" holds motd (a file), link -> motd, and dir/ (empty).
class TinyFileSystem final : public FileSystem {
 public:
  static constexpr uint64_t kRoot = 1, kMotd = 2, kLink = 3, kDirectory = 4;
  static constexpr const char* kText = "Welcome to Tessera\n";

  const char* type_name() const override { return "tinyfs"; }
  Result<Node> lookup(uint64_t directory, ktl::StringView name) override {
    if (directory != kRoot) return Error::from_code(kENOENT);
    if (name == "motd") return Node{kMotd, vfs::file_type::kRegular};
    if (name == "link") return Node{kLink, vfs::file_type::kSymlink};
    if (name == "dir") return Node{kDirectory, vfs::file_type::kDirectory};
    return Error::from_code(kENOENT);
  }
  Result<vfs::Stat> stat(uint64_t inode) override {
    vfs::Stat stat;
    stat.inode = inode;
    stat.link_count = 1;
    stat.uid = 7;
    stat.modify_time_ns = 1234;
    if (inode == kMotd) stat.mode = vfs::file_type::kRegular | 0644, stat.size = int64_t(std::strlen(kText));
    else if (inode == kLink) stat.mode = vfs::file_type::kSymlink | 0777, stat.size = 4;
    else stat.mode = vfs::file_type::kDirectory | 0755;
    return stat;
  }
  Result<size_t> read(uint64_t, uint64_t offset, ktl::MutableBytes buffer) override {
    size_t length = std::strlen(kText);
    if (offset >= length) return size_t(0);
    size_t count = std::min(buffer.size(), size_t(length - offset));
    std::memcpy(buffer.data(), kText + offset, count);
    return count;
  }
  Result<bool> read_directory(uint64_t directory, uint64_t index, vfs::DirectoryEntry& entry) override {
    static const char* const kNames[] = {"dir", "link", "motd"};
    static const uint64_t kInodes[] = {kDirectory, kLink, kMotd};
    static const uint8_t kTypes[] = {vfs::entry_type::kDirectory, vfs::entry_type::kSymlink, vfs::entry_type::kRegular};
    if (directory != kRoot || index >= 3) return false;
    entry.inode = kInodes[index];
    entry.type = kTypes[index];
    entry.name_length = uint16_t(std::strlen(kNames[index]));
    std::memcpy(entry.name, kNames[index], entry.name_length + 1);
    return true;
  }
  Result<size_t> read_link(uint64_t, ktl::MutableBytes buffer) override {
    size_t count = std::min(buffer.size(), size_t(4));
    std::memcpy(buffer.data(), "motd", count);
    return count;
  }
};

std::string log_ring() {
  std::vector<char> buffer(log::kRingCapacity + 1);
  return std::string(buffer.data(), log::read_ring(buffer.data(), buffer.size()));
}

class ModuleApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake::boot_core(ram_);
    kernel_vfs().reset();
    ASSERT_TRUE(kernel_vfs().mount("/", fs_).is_ok());
    fake::clear_console();
  }
  void TearDown() override { kernel_vfs().reset(); }

  fake::Ram ram_{16u << 20};
  TinyFileSystem fs_;
};

TEST_F(ModuleApiTest, ReadsFilesThroughTheCApi) {
  int fd = KERNEL(tessera_vfs_open)("/motd", TESSERA_O_RDONLY);
  ASSERT_GE(fd, 3);
  char buffer[64] = {};
  EXPECT_EQ(KERNEL(tessera_vfs_read)(fd, buffer, 7), 7);
  EXPECT_EQ(std::string(buffer, 7), "Welcome");
  EXPECT_EQ(KERNEL(tessera_vfs_pread)(fd, buffer, sizeof buffer, 11), 8);
  EXPECT_EQ(std::string(buffer, 8), "Tessera\n");
  EXPECT_EQ(KERNEL(tessera_vfs_lseek)(fd, -3, TESSERA_SEEK_END), 16);
  EXPECT_EQ(KERNEL(tessera_vfs_read)(fd, buffer, sizeof buffer), 3);
  EXPECT_EQ(KERNEL(tessera_vfs_read)(fd, buffer, sizeof buffer), 0);

  struct tessera_stat st;
  std::memset(&st, 0xff, sizeof st);
  ASSERT_EQ(KERNEL(tessera_vfs_fstat)(fd, &st), 0);
  EXPECT_EQ(st.inode, TinyFileSystem::kMotd);
  EXPECT_EQ(st.mode, TESSERA_S_IFREG | 0644u);
  EXPECT_EQ(st.size, 19);
  EXPECT_EQ(st.uid, 7u);
  EXPECT_EQ(st.modify_time_ns, 1234);
  EXPECT_EQ(st.device, 1u);
  EXPECT_EQ(KERNEL(tessera_vfs_close)(fd), 0);

  ASSERT_EQ(KERNEL(tessera_vfs_stat)("/link", &st), 0);  // followed
  EXPECT_EQ(st.mode & TESSERA_S_IFMT, unsigned(TESSERA_S_IFREG));
  ASSERT_EQ(KERNEL(tessera_vfs_lstat)("/link", &st), 0);  // not followed
  EXPECT_EQ(st.mode & TESSERA_S_IFMT, unsigned(TESSERA_S_IFLNK));
  char target[8] = {};
  EXPECT_EQ(KERNEL(tessera_vfs_readlink)("/link", target, sizeof target), 4);
  EXPECT_STREQ(target, "motd");
}

TEST_F(ModuleApiTest, ListsDirectories) {
  int fd = KERNEL(tessera_vfs_open)("/", TESSERA_O_RDONLY | TESSERA_O_DIRECTORY);
  ASSERT_GE(fd, 3);
  std::map<std::string, int> entries;
  struct tessera_dirent entry;
  int status;
  while ((status = KERNEL(tessera_vfs_readdir)(fd, &entry)) == 1) {
    EXPECT_EQ(entry.name_length, std::strlen(entry.name));
    entries[entry.name] = entry.type;
  }
  EXPECT_EQ(status, 0);
  EXPECT_EQ(entries.size(), 5u);
  EXPECT_EQ(entries["motd"], TESSERA_DT_REG);
  EXPECT_EQ(entries["link"], TESSERA_DT_LNK);
  EXPECT_EQ(entries["dir"], TESSERA_DT_DIR);
  EXPECT_TRUE(entries.count(".") && entries.count(".."));
  EXPECT_EQ(KERNEL(tessera_vfs_close)(fd), 0);
}

TEST_F(ModuleApiTest, FailuresAreNegativeErrnosAndTheMessageIsLogged) {
  log::set_console_level(log::Level::kDebug);
  EXPECT_EQ(KERNEL(tessera_vfs_open)("/missing", TESSERA_O_RDONLY), -kENOENT);
  EXPECT_NE(log_ring().find("/missing"), std::string::npos) << log_ring();
  EXPECT_EQ(KERNEL(tessera_vfs_open)(nullptr, TESSERA_O_RDONLY), -kEFAULT);
  EXPECT_EQ(KERNEL(tessera_vfs_close)(77), -kEBADF);
  EXPECT_EQ(KERNEL(tessera_vfs_read)(77, nullptr, 0), -kEBADF);
  char byte;
  EXPECT_EQ(KERNEL(tessera_vfs_read)(3, nullptr, 1), -kEFAULT);
  int fd = KERNEL(tessera_vfs_open)("/motd", TESSERA_O_RDONLY);
  ASSERT_GE(fd, 3);
  EXPECT_EQ(KERNEL(tessera_vfs_write)(fd, "x", 1), -kEBADF);  // opened read-only
  EXPECT_EQ(KERNEL(tessera_vfs_lseek)(fd, 0, 7), -kEINVAL);
  EXPECT_EQ(KERNEL(tessera_vfs_pread)(fd, &byte, 1, 1000), 0);
  EXPECT_EQ(KERNEL(tessera_vfs_fstat)(fd, nullptr), -kEFAULT);
  EXPECT_EQ(KERNEL(tessera_vfs_readlink)("/motd", &byte, 1), -kEINVAL);
  EXPECT_EQ(KERNEL(tessera_vfs_close)(fd), 0);
  EXPECT_STREQ(KERNEL(tessera_errno_name)(-kENOENT), "ENOENT");
  EXPECT_STREQ(KERNEL(tessera_errno_name)(kEBADF), "EBADF");
  EXPECT_STREQ(KERNEL(tessera_errno_name)(100000), "E?");
}

TEST_F(ModuleApiTest, LogsPrintsAndTellsTime) {
  KERNEL(tessera_log)(TESSERA_LOG_WARN, "module says %d", 42);
  KERNEL(tessera_log)(-5, "clamped to error");
  KERNEL(tessera_log)(99, "clamped to trace, below the console threshold");
  std::string ring = log_ring();
  EXPECT_NE(ring.find("warning: module says 42"), std::string::npos) << ring;
  EXPECT_NE(ring.find("error: clamped to error"), std::string::npos) << ring;
  EXPECT_NE(ring.find("clamped to trace"), std::string::npos) << ring;
  std::string console = fake::console_output();
  EXPECT_EQ(console.find("clamped to trace"), std::string::npos) << console;

  fake::clear_console();
  KERNEL(tessera_print)("raw bytes\n", 10);
  EXPECT_EQ(KERNEL(tessera_printf)("%s=%d\n", "answer", 42), 10);
  EXPECT_EQ(fake::console_output(), "raw bytes\nanswer=42\n");

  fake::advance_ns(5000);
  EXPECT_EQ(KERNEL(tessera_monotonic_ns)(), fake::now_ns());
  uint8_t random[32] = {};
  KERNEL(tessera_random)(random, sizeof random);
  int nonzero = 0;
  for (uint8_t byte : random) nonzero += byte != 0;
  EXPECT_GT(nonzero, 0);
}

// Threads that add to a shared counter under a C-API mutex, yielding inside the
// critical section so that the others really contend for it.
struct Shared {
  tessera_mutex* mutex = nullptr;
  tessera_cond* cond = nullptr;
  int counter = 0;
  int ready = 0;
  bool go = false;
};

void add_under_lock(void* argument) {
  auto* shared = static_cast<Shared*>(argument);
  for (int i = 0; i < 10; ++i) {
    KERNEL(tessera_mutex_lock)(shared->mutex);
    int seen = shared->counter;
    KERNEL(tessera_thread_yield)();
    shared->counter = seen + 1;
    KERNEL(tessera_mutex_unlock)(shared->mutex);
    KERNEL(tessera_thread_yield)();
  }
}

TEST_F(ModuleApiTest, ThreadsAndMutexes) {
  Shared shared;
  ASSERT_EQ(KERNEL(tessera_mutex_create)(&shared.mutex), 0);
  tessera_thread* threads[3];
  for (auto*& thread : threads) ASSERT_EQ(KERNEL(tessera_thread_create)(&thread, "adder", add_under_lock, &shared), 0);
  for (auto* thread : threads) EXPECT_EQ(KERNEL(tessera_thread_join)(thread), 0);
  EXPECT_EQ(shared.counter, 30);
  EXPECT_EQ(KERNEL(tessera_mutex_trylock)(shared.mutex), 1);
  EXPECT_EQ(KERNEL(tessera_mutex_trylock)(shared.mutex), 0);  // not recursive
  KERNEL(tessera_mutex_unlock)(shared.mutex);
  KERNEL(tessera_mutex_destroy)(shared.mutex);
  EXPECT_EQ(KERNEL(tessera_thread_create)(nullptr, "x", add_under_lock, &shared), -kEFAULT);
  EXPECT_EQ(KERNEL(tessera_thread_id)(), Thread::current()->id());
}

void wait_for_go(void* argument) {
  auto* shared = static_cast<Shared*>(argument);
  KERNEL(tessera_mutex_lock)(shared->mutex);
  ++shared->ready;
  while (!shared->go) KERNEL(tessera_cond_wait)(shared->cond, shared->mutex);
  ++shared->counter;
  KERNEL(tessera_mutex_unlock)(shared->mutex);
}

TEST_F(ModuleApiTest, ConditionVariables) {
  Shared shared;
  ASSERT_EQ(KERNEL(tessera_mutex_create)(&shared.mutex), 0);
  ASSERT_EQ(KERNEL(tessera_cond_create)(&shared.cond), 0);
  tessera_thread* threads[2];
  for (auto*& thread : threads) ASSERT_EQ(KERNEL(tessera_thread_create)(&thread, "waiter", wait_for_go, &shared), 0);
  while (shared.ready < 2) KERNEL(tessera_thread_yield)();
  EXPECT_EQ(shared.counter, 0);
  KERNEL(tessera_mutex_lock)(shared.mutex);
  shared.go = true;
  KERNEL(tessera_cond_broadcast)(shared.cond);
  KERNEL(tessera_mutex_unlock)(shared.mutex);
  for (auto* thread : threads) EXPECT_EQ(KERNEL(tessera_thread_join)(thread), 0);
  EXPECT_EQ(shared.counter, 2);

  // Nobody signals: the deadline passes (the fake clock moves when the core idles).
  KERNEL(tessera_mutex_lock)(shared.mutex);
  uint64_t deadline = KERNEL(tessera_monotonic_ns)() + 1000000;
  EXPECT_EQ(KERNEL(tessera_cond_timedwait)(shared.cond, shared.mutex, deadline), -kETIMEDOUT);
  EXPECT_GE(fake::now_ns(), deadline);
  KERNEL(tessera_mutex_unlock)(shared.mutex);
  KERNEL(tessera_cond_destroy)(shared.cond);
  KERNEL(tessera_mutex_destroy)(shared.mutex);
}

TEST_F(ModuleApiTest, SleepMovesTheClock) {
  uint64_t before = fake::now_ns();
  KERNEL(tessera_thread_sleep_ns)(2000000);
  EXPECT_GE(fake::now_ns(), before + 2000000);
}

TEST(ModuleApiDeathTest, PanicEndsTheBootWithStatus70) {
  fake::Ram ram{8u << 20};
  EXPECT_EXIT(
      {
        fake::boot_core(ram);
        KERNEL(tessera_panic)("module gave up at %d", 42);
      },
      ::testing::ExitedWithCode(70), "");
  EXPECT_EXIT(
      {
        fake::boot_core(ram);
        KERNEL(__stack_chk_fail)();
      },
      ::testing::ExitedWithCode(70), "");
}

}  // namespace
}  // namespace tessera
