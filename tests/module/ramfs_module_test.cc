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
#include "module/module_loader.hh"

namespace tessera {
namespace {

using namespace vfs::open_flag;

// The boot image's part: a read-only root with empty /tmp (or without one) and /mnt.
class ImageRoot final : public FileSystem {
 public:
  explicit ImageRoot(bool has_tmp) : has_tmp_(has_tmp) {}
  const char* type_name() const override { return "image"; }
  Result<Node> lookup(uint64_t directory, ktl::StringView name) override {
    if (has_tmp_ && directory == 1 && name == "tmp") return Node{2, vfs::file_type::kDirectory};
    if (directory == 1 && name == "mnt") return Node{3, vfs::file_type::kDirectory};
    return Error::from_code(kENOENT);
  }
  Result<vfs::Stat> stat(uint64_t inode) override {
    vfs::Stat stat;
    stat.inode = inode;
    stat.mode = vfs::file_type::kDirectory | 0755;
    return stat;
  }

 private:
  bool has_tmp_;
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
  ImageRoot root(/*has_tmp=*/true);
  ASSERT_TRUE(kernel_vfs().mount("/", root).is_ok());
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
