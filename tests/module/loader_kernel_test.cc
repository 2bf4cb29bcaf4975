// End to end against the real kernel export table: the sample module and application,
// built by tessera_add_module/tessera_add_app, load, link against the kernel, run their
// entries and unload.
#include <string>

#include "loader_harness.hh"

namespace tessera::loader_test {
namespace {

class LoaderKernelTest : public LoaderTest {
 protected:
  LoadOptions kernel_options() {
    LoadOptions kernel = options();
    kernel.symbols = kernel_symbol_source();
    return kernel;
  }
};

TEST_F(LoaderKernelTest, HelloModuleInitRunsAndItsExportWorks) {
  auto file = read_fixture(TESSERA_HELLO_MODULE);
  ASSERT_NE(file, nullptr) << TESSERA_HELLO_MODULE;
  fake::clear_console();
  auto loaded = load_from_bytes(file->bytes(), "/lib/modules/hello.so", kernel_options());
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  Module* hello = loaded.value();
  EXPECT_EQ(hello->name(), "hello");
  EXPECT_TRUE(hello->uses_kernel());
  EXPECT_EQ(hello->metadata().init, "hello_init");
  EXPECT_NE(fake::console_output().find("hello: init"), std::string::npos) << fake::console_output();
  using Greeting = const char* (*)();
  auto greeting = symbol<Greeting>(hello, "hello_greeting");
  EXPECT_STREQ(greeting(), "Hello from the hello module (call 1)");  // snprintf from the kernel's libc
  ASSERT_TRUE(unload_module(*hello).is_ok());
  EXPECT_NE(fake::console_output().find("hello: exit after 1 greetings"), std::string::npos)
      << fake::console_output();
}

TEST_F(LoaderKernelTest, HelloAppMainGetsItsArguments) {
  auto file = read_fixture(TESSERA_HELLO_APP);
  ASSERT_NE(file, nullptr) << TESSERA_HELLO_APP;
  LoadOptions app = kernel_options();
  app.kind = Module::Kind::kApplication;
  auto loaded = load_from_bytes(file->bytes(), "/apps/hello-app.so", app);
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  EXPECT_EQ(loaded.value()->kind(), Module::Kind::kApplication);
  using Main = int (*)(int, char**);
  auto main = symbol<Main>(loaded.value(), "main");
  char arg0[] = "hello-app", arg1[] = "a", arg2[] = "b";
  char* argv[] = {arg0, arg1, arg2, nullptr};
  fake::clear_console();
  EXPECT_EQ(main(3, argv), 3);
  EXPECT_NE(fake::console_output().find("argv[2] = b"), std::string::npos) << fake::console_output();
  ASSERT_TRUE(unload_module(*loaded.value()).is_ok());
}

}  // namespace
}  // namespace tessera::loader_test
