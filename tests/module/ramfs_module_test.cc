// The ramfs module as built for the boot image (modules/ramfs.so), loaded by the kernel's
// loader against the kernel's real export table: its init entry mounts /tmp through the
// C API, files live there through the ordinary VFS calls, its exit entry unmounts and
// frees everything. The filesystem's own semantics are ramfs_test's.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <tessera/vfs.hh>

#include "fake_platform/fake_platform.hh"
#include "fs/vfs/vfs.hh"
#include "mm/heap.hh"
#include "module/api/module_filesystems.hh"
#include "module/module_loader.hh"

namespace tessera {
namespace {

using namespace vfs::open_flag;

// The boot image's part: a read-only root with an empty /tmp (or without one).
class ImageRoot final : public FileSystem {
 public:
  explicit ImageRoot(bool has_tmp) : has_tmp_(has_tmp) {}
  const char* type_name() const override { return "image"; }
  Result<Node> lookup(uint64_t directory, ktl::StringView name) override {
    if (has_tmp_ && directory == 1 && name == "tmp") return Node{2, vfs::file_type::kDirectory};
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

TEST_F(RamfsModuleTest, InitMountsTmpAndExitUnmountsIt) {
  ImageRoot root(/*has_tmp=*/true);
  ASSERT_TRUE(kernel_vfs().mount("/", root).is_ok());
  size_t heap_before = heap().stats().bytes_in_use;

  auto loaded = load();
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  Module* module = loaded.value();
  EXPECT_TRUE(module->metadata().provides == ktl::StringView("fs:ramfs"));
  EXPECT_EQ(module_filesystem_count(), 1u);
  EXPECT_NE(fake::console_output().find("vfs: ramfs mounted at /tmp"), std::string::npos) << fake::console_output();

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
  EXPECT_EQ(vfs::rename("/tmp/work", "/elsewhere").error().code(), kEXDEV) << "out of the mount";
  ASSERT_TRUE(vfs::close(fd).is_ok());

  auto unloaded = unload_module(*module);
  ASSERT_TRUE(unloaded.is_ok()) << unloaded.error().message();
  EXPECT_EQ(module_filesystem_count(), 0u);
  EXPECT_EQ(kernel_vfs().mount_count(), 1u);
  EXPECT_EQ(vfs::stat("/tmp/work").error().code(), kENOENT) << "the image's /tmp shows again";
  EXPECT_EQ(heap().stats().bytes_in_use, heap_before) << "ramfs or its module mapping leaked";
}

TEST_F(RamfsModuleTest, WithoutTmpInitFailsAndNothingStays) {
  ImageRoot root(/*has_tmp=*/false);
  ASSERT_TRUE(kernel_vfs().mount("/", root).is_ok());
  size_t heap_before = heap().stats().bytes_in_use;
  auto loaded = load();
  ASSERT_TRUE(loaded.is_error());
  EXPECT_NE(fake::console_output().find("ramfs: cannot mount at /tmp: ENOENT"), std::string::npos)
      << fake::console_output();
  EXPECT_EQ(module_filesystem_count(), 0u);
  EXPECT_EQ(loaded_module_count(), 0u);
  EXPECT_EQ(heap().stats().bytes_in_use, heap_before);
}

// The module's code must stay while the VFS can still call it: the loader asks
// check_module_filesystems_idle() before running the exit entry.
TEST_F(RamfsModuleTest, UnloadWhileAFileIsOpenIsRefused) {
  ImageRoot root(/*has_tmp=*/true);
  ASSERT_TRUE(kernel_vfs().mount("/", root).is_ok());
  auto loaded = load();
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  Module* module = loaded.value();
  int fd = vfs::open("/tmp/open", kCreate | kWriteOnly).release_value();
  auto unloaded = unload_module(*module);
  if (unloaded.is_ok()) {
    // The descriptor now points into unmapped code: leave it alone (SetUp forgets it).
    FAIL() << "the loader unloaded ramfs while a file on it was open";
  }
  EXPECT_EQ(unloaded.error().code(), kEBUSY) << unloaded.error().message();
  EXPECT_NE(std::strstr(unloaded.error().message(), "ramfs"), nullptr) << unloaded.error().message();
  ASSERT_TRUE(vfs::close(fd).is_ok());
  EXPECT_TRUE(unload_module(*module).is_ok());
}

}  // namespace
}  // namespace tessera
