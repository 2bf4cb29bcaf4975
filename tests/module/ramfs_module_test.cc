// The ramfs module as built for the boot image (modules/ramfs.so), loaded by the kernel's
// loader against the kernel's real export table: its init entry registers the filesystem
// type "ramfs", each mount(2) of it makes an instance, files live there through the
// ordinary VFS calls, its exit entry unregisters the type, which unmounts and frees every
// instance. The filesystem's own semantics are ramfs_test's.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <tessera/vfs.hh>

#include "fake_platform/fake_platform.hh"
#include "fs/vfs/filesystem_types.hh"
#include "fs/vfs/vfs.hh"
#include "mm/heap.hh"
#include "module/api/module_filesystems.hh"
#include "module/module_index.hh"
#include "module/module_loader.hh"
#include "sched/thread.hh"

namespace tessera {
namespace {

using namespace vfs::open_flag;

// The boot image's part: a read-only root with empty /tmp (or without one) and /mnt, and
// optionally files in /lib/modules (the module, a module index).
class ImageRoot final : public FileSystem {
 public:
  explicit ImageRoot(bool has_tmp, ktl::Bytes module = {}, ktl::Bytes index = {})
      : has_tmp_(has_tmp), files_{module, index} {}
  const char* type_name() const override { return "image"; }
  Result<Node> lookup(uint64_t directory, ktl::StringView name) override {
    if (has_tmp_ && directory == 1 && name == "tmp") return Node{2, vfs::file_type::kDirectory};
    if (directory == 1 && name == "mnt") return Node{3, vfs::file_type::kDirectory};
    if (directory == 1 && name == "lib") return Node{4, vfs::file_type::kDirectory};
    if (directory == 4 && name == "modules") return Node{5, vfs::file_type::kDirectory};
    if (directory == 5 && name == "ramfs.so" && !files_[0].empty()) return Node{6, vfs::file_type::kRegular};
    if (directory == 5 && name == "index" && !files_[1].empty()) return Node{7, vfs::file_type::kRegular};
    return Error::from_code(kENOENT);
  }
  Result<vfs::Stat> stat(uint64_t inode) override {
    vfs::Stat stat;
    stat.inode = inode;
    stat.mode = inode >= 6 ? vfs::file_type::kRegular | 0644 : vfs::file_type::kDirectory | 0755;
    stat.size = inode >= 6 ? int64_t(files_[inode - 6].size()) : 0;
    return stat;
  }
  Result<size_t> read(uint64_t inode, uint64_t offset, ktl::MutableBytes buffer) override {
    if (inode < 6) return Error::from_code(kEISDIR);
    ktl::Bytes file = files_[inode - 6];
    if (offset >= file.size()) return size_t{0};
    size_t count = ktl::min(buffer.size(), size_t(file.size() - offset));
    std::memcpy(buffer.data(), file.data() + offset, count);
    return count;
  }

 private:
  bool has_tmp_;
  ktl::Bytes files_[2];
};

ktl::Bytes bytes(const std::string& text) { return {reinterpret_cast<const uint8_t*>(text.data()), text.size()}; }

class RamfsModuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef TESSERA_RAMFS_MODULE
    GTEST_SKIP() << "modules/ramfs is not part of this build (modules/ not added to the top-level CMakeLists.txt)";
#else
    reset_modules();
    fake::boot_core(ram_);
    ModuleIndex::reset();
    kernel_vfs().reset();
    reset_module_filesystems();
    std::ifstream in(TESSERA_RAMFS_MODULE, std::ios::binary);
    ASSERT_TRUE(in) << "cannot read " << TESSERA_RAMFS_MODULE;
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    file_size_ = data.size();
    file_.resize(data.size() / 8 + 1);
    std::memcpy(file_.data(), data.data(), data.size());
#endif
  }
  void TearDown() override {
    ModuleIndex::reset();
    reset_modules();
    kernel_vfs().reset();
    reset_module_filesystems();
  }

  Result<Module*> load() {
    return load_from_bytes({reinterpret_cast<const uint8_t*>(file_.data()), file_size_}, "ramfs.so", LoadOptions{});
  }

  fake::Ram ram_{32u << 20};
  std::vector<uint64_t> file_;
  size_t file_size_ = 0;
};

Result<void> mount_ramfs(const char* path, const char* data = nullptr) {
  return mount_filesystem(kernel_vfs(), "none", path, "ramfs", 0, data);
}

TEST_F(RamfsModuleTest, InitRegistersTheTypeEachMountMakesAnInstanceExitFreesThem) {
  ImageRoot root(/*has_tmp=*/true);
  ASSERT_TRUE(kernel_vfs().mount("/", root).is_ok());
  size_t heap_before = heap().stats().bytes_in_use;

  auto loaded = load();
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  Module* module = loaded.value();
  EXPECT_TRUE(module->metadata().provides == ktl::StringView("fs:ramfs"));
  EXPECT_EQ(FileSystemTypes::count(), 1u);
  EXPECT_EQ(module_filesystem_count(), 0u) << "registering the type mounts nothing";

  ASSERT_TRUE(mount_ramfs("/tmp").is_ok());
  ASSERT_TRUE(mount_ramfs("/mnt").is_ok());
  EXPECT_EQ(module_filesystem_count(), 2u);
  EXPECT_NE(fake::console_output().find("vfs: ramfs mounted at /tmp"), std::string::npos) << fake::console_output();
  EXPECT_EQ(mount_ramfs("/tmp").error().code(), kEBUSY) << "a mount point already";

  ASSERT_TRUE(vfs::mkdir("/tmp/work", 0700).is_ok());
  int fd = vfs::open("/tmp/work/file", kCreate | kReadWrite).release_value();
  ASSERT_EQ(vfs::write(fd, bytes("written into a module's filesystem")).value(), 34u);
  ASSERT_TRUE(vfs::lseek(fd, 0, vfs::Whence::kSet).is_ok());
  char buffer[64] = {};
  ASSERT_EQ(vfs::read(fd, ktl::MutableBytes(reinterpret_cast<uint8_t*>(buffer), sizeof buffer)).value(), 34u);
  EXPECT_STREQ(buffer, "written into a module's filesystem");
  auto stat = vfs::fstat(fd).release_value();
  EXPECT_EQ(stat.device, 2u) << "on the second mount";
  EXPECT_GT(stat.modify_time_ns, 0) << "times come from the kernel's wall clock";
  EXPECT_EQ(vfs::rename("/tmp/work", "/mnt/work").error().code(), kEXDEV) << "two instances, two filesystems";
  EXPECT_EQ(vfs::stat("/mnt/work").error().code(), kENOENT) << "instances share nothing";
  ASSERT_TRUE(vfs::close(fd).is_ok());

  ASSERT_TRUE(unmount_filesystem(kernel_vfs(), "/mnt").is_ok());
  EXPECT_EQ(module_filesystem_count(), 1u);
  EXPECT_EQ(unmount_filesystem(kernel_vfs(), "/mnt").error().code(), kEINVAL) << "not a mount point any more";

  auto unloaded = unload_module(*module);
  ASSERT_TRUE(unloaded.is_ok()) << unloaded.error().message();
  EXPECT_EQ(module_filesystem_count(), 0u);
  EXPECT_EQ(FileSystemTypes::count(), 0u);
  EXPECT_EQ(kernel_vfs().mount_count(), 1u);
  EXPECT_EQ(vfs::stat("/tmp/work").error().code(), kENOENT) << "the image's /tmp shows again";
  EXPECT_EQ(heap().stats().bytes_in_use, heap_before) << "ramfs or its module mapping leaked";
  EXPECT_EQ(fake::console_output().find("left"), std::string::npos) << "exit unregistered everything itself";
}

TEST_F(RamfsModuleTest, MountWithoutTheDirectoryFailsAndReleasesTheInstance) {
  ImageRoot root(/*has_tmp=*/false);
  ASSERT_TRUE(kernel_vfs().mount("/", root).is_ok());
  auto loaded = load();
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  size_t heap_after_load = heap().stats().bytes_in_use;
  auto mounted = mount_ramfs("/tmp");
  ASSERT_TRUE(mounted.is_error());
  EXPECT_EQ(mounted.error().code(), kENOENT) << mounted.error().message();
  EXPECT_EQ(module_filesystem_count(), 0u);
  EXPECT_EQ(heap().stats().bytes_in_use, heap_after_load) << "the instance was released";
  EXPECT_TRUE(unload_module(*loaded.value()).is_ok());
}

TEST_F(RamfsModuleTest, MountDataSetsTheCapacityAndBadDataIsRefused) {
  ImageRoot root(/*has_tmp=*/true);
  ASSERT_TRUE(kernel_vfs().mount("/", root).is_ok());
  auto loaded = load();
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  EXPECT_EQ(mount_ramfs("/tmp", "size=x").error().code(), kEINVAL);
  EXPECT_EQ(mount_ramfs("/tmp", "mode=0700").error().code(), kEINVAL);
  EXPECT_NE(fake::console_output().find("ramfs: unknown mount option 'mode=0700' (known: size=BYTES)"),
            std::string::npos);
  EXPECT_EQ(module_filesystem_count(), 0u);
  ASSERT_TRUE(mount_ramfs("/tmp", "size=4096").is_ok());
  int fd = vfs::open("/tmp/big", kCreate | kWriteOnly).release_value();
  std::string big(8192, 'x');
  EXPECT_EQ(vfs::write(fd, bytes(big)).error().code(), kENOSPC);
  ASSERT_TRUE(vfs::close(fd).is_ok());
  EXPECT_TRUE(unload_module(*loaded.value()).is_ok());
}

TEST_F(RamfsModuleTest, UnknownTypeWithNoProviderIsEnodevNamingCapabilityAndFix) {
  const std::string index =
      "tessera-module-index 1\nramfs /lib/modules/ramfs.so provides=fs:ramfs requires= needs= exports=\n";
  ImageRoot root(/*has_tmp=*/true, {}, bytes(index));
  ASSERT_TRUE(kernel_vfs().mount("/", root).is_ok());
  ASSERT_TRUE(ModuleIndex::load().is_ok());
  auto mounted = mount_filesystem(kernel_vfs(), "none", "/tmp", "nosuchfs", 0, nullptr);
  ASSERT_TRUE(mounted.is_error());
  EXPECT_EQ(mounted.error().code(), kENODEV) << mounted.error().message();
  EXPECT_NE(fake::console_output().find("no module on the boot image provides fs:nosuchfs (needed by the first mount "
                                        "of nosuchfs on /tmp): an image built with --shake needs --require MODULE"),
            std::string::npos)
      << fake::console_output();
  EXPECT_EQ(mount_filesystem(kernel_vfs(), "none", "/tmp", "Bad/Type", 0, nullptr).error().code(), kENODEV);
  EXPECT_EQ(mount_filesystem(kernel_vfs(), "none", "/tmp", "ramfs", 1, nullptr).error().code(), kEINVAL)
      << "no MS_* flag is supported";
}

// The first mount of a type nobody registered loads its provider (here through the
// fallback: the image has no index) -- once, though two threads ask at the same time.
struct MountRequest {
  const char* path;
  Result<void> result = {};
};

TEST_F(RamfsModuleTest, FirstMountLoadsTheModuleOnceForTwoThreads) {
  ImageRoot root(/*has_tmp=*/true, ktl::Bytes(reinterpret_cast<const uint8_t*>(file_.data()), file_size_));
  ASSERT_TRUE(kernel_vfs().mount("/", root).is_ok());
  ASSERT_EQ(FileSystemTypes::count(), 0u);
  MountRequest tmp{"/tmp"}, mnt{"/mnt"};
  auto mount_in_thread = [](void* argument) {
    auto* request = static_cast<MountRequest*>(argument);
    request->result = mount_ramfs(request->path);
  };
  auto first = Thread::try_create("first", mount_in_thread, &tmp);
  auto second = Thread::try_create("second", mount_in_thread, &mnt);
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  ASSERT_TRUE(first.value()->join().is_ok());
  ASSERT_TRUE(second.value()->join().is_ok());
  ASSERT_TRUE(tmp.result.is_ok()) << tmp.result.error().message();
  ASSERT_TRUE(mnt.result.is_ok()) << mnt.result.error().message();
  EXPECT_EQ(loaded_module_count(), 1u);
  EXPECT_EQ(module_filesystem_count(), 2u);
  std::string console = fake::console_output();
  const std::string loaded = "module ramfs: loaded for fs:ramfs (the first mount of ramfs on /tmp)";
  EXPECT_NE(console.find(loaded), std::string::npos) << console;
  EXPECT_EQ(console.find("loaded for", console.find(loaded) + loaded.size()), std::string::npos)
      << "loaded or logged twice";
  ASSERT_TRUE(unmount_filesystem(kernel_vfs(), "/tmp").is_ok());
  ASSERT_TRUE(unmount_filesystem(kernel_vfs(), "/mnt").is_ok());
}

// The module's code must stay while the VFS can still call it: the loader asks
// check_module_filesystems_idle() before running the exit entry.
TEST_F(RamfsModuleTest, UnloadWhileAFileIsOpenIsRefused) {
  ImageRoot root(/*has_tmp=*/true);
  ASSERT_TRUE(kernel_vfs().mount("/", root).is_ok());
  auto loaded = load();
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  Module* module = loaded.value();
  ASSERT_TRUE(mount_ramfs("/tmp").is_ok());
  int fd = vfs::open("/tmp/open", kCreate | kWriteOnly).release_value();
  auto unloaded = unload_module(*module);
  if (unloaded.is_ok()) {
    // The descriptor now points into unmapped code: leave it alone (SetUp forgets it).
    FAIL() << "the loader unloaded ramfs while a file on it was open";
  }
  EXPECT_EQ(unloaded.error().code(), kEBUSY) << unloaded.error().message();
  EXPECT_NE(std::strstr(unloaded.error().message(), "ramfs"), nullptr) << unloaded.error().message();
  EXPECT_EQ(FileSystemTypes::count(), 1u) << "a refused unload keeps the type";
  ASSERT_TRUE(vfs::close(fd).is_ok());
  EXPECT_TRUE(unload_module(*module).is_ok());
  EXPECT_EQ(FileSystemTypes::count(), 0u);
}

}  // namespace
}  // namespace tessera
