// End to end through the real kernel ABI: the sample modules, built by tessera_add_module
// against the generated libtessera_kernel.so, load with the kernel's own export table as
// their symbol source, run their entry points, call into the kernel, and unload. The
// ABI-mismatch fixture is refused, naming the symbol.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "fake_platform/fake_platform.hh"
#include "log/log.hh"
#include "module/elf_image.hh"
#include "module/module.hh"
#include "module/module_loader.hh"

namespace tessera {
namespace {

struct File {
  std::vector<uint64_t> words;
  size_t size = 0;
  ktl::Bytes bytes() const { return {reinterpret_cast<const uint8_t*>(words.data()), size}; }
};

std::unique_ptr<File> read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return nullptr;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto file = std::make_unique<File>();
  file->size = data.size();
  file->words.resize(data.size() / 8 + 1);
  std::memcpy(file->words.data(), data.data(), data.size());
  return file;
}

std::string log_ring() {
  std::vector<char> buffer(log::kRingCapacity + 1);
  size_t length = log::read_ring(buffer.data(), buffer.size());
  return std::string(buffer.data(), length);
}

class ModuleAbiLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    reset_modules();
    fake::boot_core(ram_);
    fake::clear_console();
  }
  void TearDown() override { reset_modules(); }

  Result<Module*> load(const char* path, const char* name, Module::Kind kind = Module::Kind::kModule) {
    files_.push_back(read_file(path));
    if (!files_.back()) {
      ADD_FAILURE() << "cannot read " << path;
      return Error::with_message(kENOENT, "missing %s", path);
    }
    LoadOptions options;  // the kernel's export table, as at boot
    options.kind = kind;
    return load_from_bytes(files_.back()->bytes(), name, options);
  }

  fake::Ram ram_{32u << 20};
  std::vector<std::unique_ptr<File>> files_;
};

TEST_F(ModuleAbiLoadTest, HelloLoadsRunsItsEntriesAndUnloads) {
  auto loaded = load(TESSERA_HELLO_MODULE, "hello.so");
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  Module* hello = loaded.value();
  EXPECT_NE(log_ring().find("hello: init"), std::string::npos) << log_ring();

  using Greeting = const char* (*)();
  auto greeting = reinterpret_cast<Greeting>(hello->find_symbol("hello_greeting"));
  ASSERT_NE(greeting, nullptr);
  // The module formats with the kernel's snprintf, reached through its PLT.
  EXPECT_STREQ(greeting(), "Hello from the hello module (call 1)");
  EXPECT_STREQ(greeting(), "Hello from the hello module (call 2)");
  // Only the declared exports are visible.
  EXPECT_EQ(hello->find_symbol("calls"), 0u);
  EXPECT_EQ(hello->find_symbol("greeting"), 0u);

  ASSERT_TRUE(unload_module(*hello).is_ok());
  EXPECT_NE(log_ring().find("hello: exit after 2 greetings"), std::string::npos) << log_ring();
}

// What tessera_add_module's link flags promise (docs/modules.md): bound at load time,
// RELRO, text on pages of its own, no executable stack, GNU hash, explicit exports only.
TEST(ModuleBuild, SampleModulesHaveTheDocumentedLayout) {
  for (const char* path : {TESSERA_HELLO_MODULE, TESSERA_HELLO_APP, TESSERA_HELLO_USER_MODULE}) {
    SCOPED_TRACE(path);
    auto file = read_file(path);
    ASSERT_TRUE(file);
    auto validated = ElfImage::try_validate(file->bytes(), path);
    ASSERT_TRUE(validated.is_ok()) << validated.error().message();
    const ElfImage& image = validated.value();
    EXPECT_TRUE((image.dynamic().flags & elf::kDfBindNow) || (image.dynamic().flags_1 & elf::kDf1Now));
    EXPECT_FALSE(image.relro().empty());
    size_t executable = 0;
    for (const auto& segment : image.load_segments()) {
      EXPECT_FALSE(segment.writable() && segment.executable());
      if (!segment.executable()) continue;
      ++executable;
      // -z separate-code: no other PT_LOAD shares a page with the text.
      for (const auto& other : image.load_segments()) {
        if (&other == &segment) continue;
        bool apart = other.vaddr + other.memory_size <= (segment.vaddr & ~0xfffull) ||
                     other.vaddr >= ((segment.vaddr + segment.memory_size + 0xfff) & ~0xfffull);
        EXPECT_TRUE(apart) << "PT_LOAD at " << other.vaddr << " shares a page with the text";
      }
    }
    EXPECT_EQ(executable, 1u);
    bool gnu_hash = false, executable_stack = false;
    for (const auto& entry : image.dynamic_entries()) gnu_hash |= entry.d_tag == elf::kDtGnuHash;
    for (const auto& header : image.program_headers())
      if (header.p_type == elf::kPtGnuStack) executable_stack = header.p_flags & elf::kPfExecute;
    EXPECT_TRUE(gnu_hash);
    EXPECT_FALSE(executable_stack);
    // Nothing is exported but what the declaration lists.
    size_t exported = 0;
    for (size_t i = 1; i < image.symbols().size(); ++i) {
      const auto& symbol = image.symbols()[i];
      if (symbol.is_defined() && symbol.binding() != elf::kStbLocal) ++exported;
    }
    EXPECT_LE(exported, 3u);
    EXPECT_GE(exported, 1u);
  }
}

// Serves DT_NEEDED files from the build: hello.so is the sample module.
Result<ktl::Bytes> serve_hello(void* context, ktl::StringView needed) {
  auto* file = static_cast<File*>(context);
  if (!(needed == "hello.so")) return Error::with_message(kENOENT, "no %.*s here", int(needed.size()), needed.data());
  return file->bytes();
}

TEST_F(ModuleAbiLoadTest, AModuleLoadsItsDependencyFirstAndCallsIt) {
  auto hello_file = read_file(TESSERA_HELLO_MODULE);
  auto user_file = read_file(TESSERA_HELLO_USER_MODULE);
  ASSERT_TRUE(hello_file && user_file);
  LoadOptions options;
  options.files = {&serve_hello, hello_file.get()};
  auto loaded = load_from_bytes(user_file->bytes(), "hello-user.so", options);
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  std::string ring = log_ring();
  size_t hello_init = ring.find("hello: init"), user_init = ring.find("hello-user: Hello from the hello module (call 1)");
  ASSERT_NE(hello_init, std::string::npos) << ring;
  ASSERT_NE(user_init, std::string::npos) << ring;
  EXPECT_LT(hello_init, user_init) << "dependencies are initialised first";
  EXPECT_EQ(loaded_module_count(), 2u);
  ASSERT_TRUE(unload_module(*loaded.value()).is_ok());
  EXPECT_EQ(loaded_module_count(), 0u) << "hello was loaded only for hello-user";
}

TEST_F(ModuleAbiLoadTest, HelloAppPrintsItsArgumentsAndReturnsTheirCount) {
  auto loaded = load(TESSERA_HELLO_APP, "hello-app.so", Module::Kind::kApplication);
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  using Main = int (*)(int, char**);
  auto main_function = reinterpret_cast<Main>(loaded.value()->find_symbol("main"));
  ASSERT_NE(main_function, nullptr);
  fake::clear_console();  // the loader's own log line
  char arg0[] = "hello-app", arg1[] = "one", arg2[] = "two";
  char* argv[] = {arg0, arg1, arg2, nullptr};
  EXPECT_EQ(main_function(3, argv), 3);
  EXPECT_EQ(fake::console_output(),
            "hello-app: 3 arguments\n  argv[0] = hello-app\n  argv[1] = one\n  argv[2] = two\n");
  ASSERT_TRUE(unload_module(*loaded.value()).is_ok());
}

TEST_F(ModuleAbiLoadTest, AModuleBuiltAgainstAnotherPrototypeIsRefusedNamingTheSymbol) {
  auto loaded = load(TESSERA_ABI_MISMATCH_MODULE, "abi-mismatch.so");
  ASSERT_TRUE(loaded.is_error());
  std::string message = loaded.error().message();
  EXPECT_NE(message.find("tessera_log"), std::string::npos) << message;
  EXPECT_EQ(log_ring().find("this init must never run"), std::string::npos);
  EXPECT_EQ(loaded_module_count(), 0u);
}

}  // namespace
}  // namespace tessera
