// The loader's public API on top of the VFS, as kernel_main uses it: modules by name from
// /lib/modules/, dependencies from there too, applications by path with their
// arguments, zero-copy mappings of the boot image or heap copies of unaligned files.
#include <string>

#include <tessera/vfs.hh>

#include "fs/rofs/rofs_filesystem.hh"
#include "fs/vfs/vfs.hh"
#include "loader_harness.hh"
#include "mm/heap.hh"
#include "unit/rofs_test_image.hh"

namespace tessera::loader_test {
namespace {

std::string contents_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class LoaderVfsTest : public LoaderTest, public ::testing::WithParamInterface<uint32_t> {
 public:
  void SetUp() override {
    LoaderTest::SetUp();
    rofs::test::TestImageWriter writer(GetParam());
    // Four bytes of data first, so that with 4-byte alignment the modules land off 8.
    writer.file(writer.kRoot, "0pad", "four");
    uint32_t lib = writer.directory(writer.kRoot, "lib");
    uint32_t modules = writer.directory(lib, "modules");
    uint32_t apps = writer.directory(writer.kRoot, "apps");
    writer.file(modules, "hello.so", contents_of(TESSERA_HELLO_MODULE));
    writer.file(modules, "loader_versions_new.so", contents_of(fixture_path("loader_versions_new.so")));
    writer.file(modules, "loader_versions_provider.so", contents_of(fixture_path("loader_versions_provider.so")));
    writer.file(apps, "hello-app.so", contents_of(TESSERA_HELLO_APP));
    image_ = std::make_unique<rofs::test::TestImage>(writer.build());
    auto fs = RofsFileSystem::try_create(image_->bytes(), {});
    ASSERT_TRUE(fs.is_ok()) << fs.error().message();
    fs_ = fs.value();
    kernel_vfs().reset();
    ASSERT_TRUE(kernel_vfs().mount("/", *fs_).is_ok());
  }
  void TearDown() override {
    reset_modules();
    kernel_vfs().reset();
    destroy(fs_);
  }

  // The lowest free descriptor: every descriptor the loader opened must be closed again.
  int next_descriptor() {
    auto fd = vfs::open("/apps/hello-app.so", vfs::open_flag::kReadOnly);
    EXPECT_TRUE(fd.is_ok());
    int number = fd.value();
    EXPECT_TRUE(vfs::close(number).is_ok());
    return number;
  }

  std::unique_ptr<rofs::test::TestImage> image_;
  RofsFileSystem* fs_ = nullptr;
};

TEST_P(LoaderVfsTest, ModulesLoadByNameOrPath) {
  // The layout this instance means to exercise: in place, or misaligned (copied).
  auto fd = vfs::open("/lib/modules/hello.so", vfs::open_flag::kReadOnly);
  ASSERT_TRUE(fd.is_ok());
  auto mapped = vfs::map(fd.value());
  ASSERT_TRUE(mapped.is_ok());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(mapped.value().data()) % 8 == 0, GetParam() == 4096u);
  ASSERT_TRUE(vfs::close(fd.value()).is_ok());
  int first_free = next_descriptor();
  fake::clear_console();
  auto hello = load_module("hello");
  ASSERT_TRUE(hello.is_ok()) << hello.error().message();
  EXPECT_EQ(hello.value()->name(), "hello");
  EXPECT_NE(fake::console_output().find("hello: init"), std::string::npos);
  auto again = load_module("/lib/modules/hello.so");
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again.value(), hello.value());
  ASSERT_TRUE(unload_module(*hello.value()).is_ok());
  EXPECT_EQ(next_descriptor(), first_free);
}

TEST_P(LoaderVfsTest, DependenciesComeFromTheModuleDirectory) {
  auto user = load_module("loader_versions_new");
  ASSERT_TRUE(user.is_ok()) << user.error().message();
  EXPECT_NE(find_module("loader_versions_provider"), nullptr);
  using IntFunction = int (*)();
  EXPECT_EQ(symbol<IntFunction>(user.value(), "user_value")(), 2);
  ASSERT_TRUE(unload_module(*user.value()).is_ok());
  EXPECT_EQ(loaded_module_count(), 0u);
}

TEST_P(LoaderVfsTest, ApplicationsRunWithTheirArgumentsAndUnload) {
  int first_free = next_descriptor();
  size_t heap_bytes = heap().stats().bytes_in_use;
  char arg0[] = "hello-app", arg1[] = "one", arg2[] = "two";
  char* argv[] = {arg0, arg1, arg2, nullptr};
  fake::clear_console();
  auto status = run_application("/apps/hello-app.so", 3, argv);
  ASSERT_TRUE(status.is_ok()) << status.error().message();
  EXPECT_EQ(status.value(), 3);
  EXPECT_NE(fake::console_output().find("argv[2] = two"), std::string::npos) << fake::console_output();
  EXPECT_EQ(loaded_module_count(), 0u);
  EXPECT_EQ(next_descriptor(), first_free);
  EXPECT_EQ(heap().stats().bytes_in_use, heap_bytes);
}

TEST_P(LoaderVfsTest, MissingModulesAreNamed) {
  auto missing = load_module("nope");
  ASSERT_TRUE(missing.is_error());
  EXPECT_EQ(missing.error().code(), kENOENT);
  EXPECT_NE(std::string(missing.error().message()).find("/lib/modules/nope.so"), std::string::npos)
      << missing.error().message();
  auto bad_app = run_application("/apps/none.so", 0, nullptr);
  ASSERT_TRUE(bad_app.is_error());
  EXPECT_EQ(bad_app.error().code(), kENOENT);
}

// 4096: file data page-aligned, mapped in place (zero copy, the descriptor stays open
// while the module lives). 4: misaligned for the validator, so the loader reads a copy.
INSTANTIATE_TEST_SUITE_P(DataAlignment, LoaderVfsTest, ::testing::Values(4096u, 4u),
                         [](const auto& info) { return "align" + std::to_string(info.param); });

}  // namespace
}  // namespace tessera::loader_test
