// `tessera module info` and `tessera module abi-stub`, run as the user runs them, on the
// sample modules (modules/hello, modules/hello-app) and on the ABI-mismatch fixture.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

struct CommandRun {
  int status = -1;
  std::string output;
};

CommandRun run(const std::string& arguments) {
  CommandRun result;
  std::string command = std::string(TESSERA_BINARY) + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer;
  size_t count;
  while ((count = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), count);
  int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(ModuleInfo, DescribesTheHelloModule) {
  CommandRun info = run(std::string("module info ") + TESSERA_HELLO_MODULE);
  EXPECT_EQ(info.status, 0) << info.output;
  EXPECT_TRUE(contains(info.output, "name:        hello\n")) << info.output;
  EXPECT_TRUE(contains(info.output, "kind:        module\n")) << info.output;
  EXPECT_TRUE(contains(info.output, "version:     1.0.0\n")) << info.output;
  EXPECT_TRUE(contains(info.output, "license:     MIT\n")) << info.output;
  EXPECT_TRUE(contains(info.output, "provides:    demo:greeting\n")) << info.output;
  EXPECT_TRUE(contains(info.output, "init:        hello_init\n")) << info.output;
  EXPECT_TRUE(contains(info.output, "exit:        hello_exit\n")) << info.output;
  EXPECT_TRUE(contains(info.output, "abi:         1 (this kernel: 1)\n")) << info.output;
  EXPECT_TRUE(contains(info.output, "soname:      hello.so\n")) << info.output;
  EXPECT_TRUE(contains(info.output, "needed:      libtessera_kernel.so\n")) << info.output;
  // Exactly the listed exports: hello_greeting and the two entry points, nothing else
  // (the static greeting buffer and counter stay local).
  EXPECT_TRUE(contains(info.output, "exports (3):\n")) << info.output;
  EXPECT_TRUE(contains(info.output, "  hello_greeting (function)\n")) << info.output;
  EXPECT_TRUE(contains(info.output, "  hello_init (function)\n")) << info.output;
  EXPECT_TRUE(contains(info.output, "  hello_exit (function)\n")) << info.output;
  // Kernel imports carry versions that this kernel accepts.
  EXPECT_TRUE(contains(info.output, "  tessera_log TESSERA_")) << info.output;
  EXPECT_TRUE(contains(info.output, "  snprintf TESSERA_")) << info.output;
  EXPECT_FALSE(contains(info.output, "MISMATCH")) << info.output;
  EXPECT_TRUE(contains(info.output, "other imports (0):\n")) << info.output;
  EXPECT_TRUE(contains(info.output, "status:      loadable by this kernel\n")) << info.output;
}

TEST(ModuleInfo, DescribesTheHelloApp) {
  CommandRun info = run(std::string("module info ") + TESSERA_HELLO_APP);
  EXPECT_EQ(info.status, 0) << info.output;
  EXPECT_TRUE(contains(info.output, "name:        hello-app\n")) << info.output;
  EXPECT_TRUE(contains(info.output, "kind:        app\n")) << info.output;
  EXPECT_TRUE(contains(info.output, "init:        -\n")) << info.output;
  EXPECT_TRUE(contains(info.output, "exports (1):\n  main (function)\n")) << info.output;
  EXPECT_TRUE(contains(info.output, "  tessera_printf TESSERA_")) << info.output;
}

TEST(ModuleInfo, NamesTheSymbolWhoseVersionDiffers) {
  CommandRun info = run(std::string("module info ") + TESSERA_ABI_MISMATCH_MODULE);
  EXPECT_EQ(info.status, 2) << info.output;
  EXPECT_TRUE(contains(info.output, "  tessera_log TESSERA_")) << info.output;
  EXPECT_TRUE(contains(info.output, " MISMATCH: this kernel has TESSERA_")) << info.output;
  EXPECT_TRUE(contains(info.output, "status:      REFUSED by this kernel\n")) << info.output;
}

TEST(ModuleInfo, RefusesWhatIsNotAModule) {
  CommandRun missing = run("module info /nonexistent/module.so");
  EXPECT_EQ(missing.status, 1);
  EXPECT_TRUE(contains(missing.output, "/nonexistent/module.so: cannot open")) << missing.output;
  CommandRun not_elf = run(std::string("module info ") + TESSERA_BINARY);  // an executable, not ET_DYN
  EXPECT_EQ(not_elf.status, 1) << not_elf.output;
  EXPECT_TRUE(contains(not_elf.output, "e_type")) << not_elf.output;
}

TEST(ModuleInfo, TheStubItselfHasNoNoteButVersionsEverything) {
  CommandRun info = run(std::string("module info ") + TESSERA_KERNEL_ABI_STUB);
  EXPECT_EQ(info.status, 0) << info.output;
  EXPECT_TRUE(contains(info.output, "note:        none")) << info.output;
  EXPECT_TRUE(contains(info.output, "soname:      libtessera_kernel.so\n")) << info.output;
  EXPECT_TRUE(contains(info.output, "  tessera_vfs_open (function)\n")) << info.output;
}

TEST(ModuleAbiStub, WritesOneVersionNodePerHashAndRefusesUnknownTamper) {
  char directory[] = "/tmp/tessera-abi-stub-XXXXXX";
  ASSERT_NE(mkdtemp(directory), nullptr);
  CommandRun stub = run(std::string("module abi-stub ") + directory);
  ASSERT_EQ(stub.status, 0) << stub.output;
  std::ifstream map(std::string(directory) + "/libtessera_kernel.map");
  std::stringstream contents;
  contents << map.rdbuf();
  std::string script = contents.str();
  EXPECT_TRUE(contains(script, "TESSERA_")) << script;
  // memcpy and memmove share a signature, hence a node; the script stays valid.
  size_t memcpy_at = script.find("    memcpy;"), memmove_at = script.find("    memmove;");
  ASSERT_NE(memcpy_at, std::string::npos);
  ASSERT_NE(memmove_at, std::string::npos);
  EXPECT_EQ(script.rfind("TESSERA_", memcpy_at), script.rfind("TESSERA_", memmove_at));
  std::ifstream assembly(std::string(directory) + "/libtessera_kernel.S");
  std::stringstream source;
  source << assembly.rdbuf();
  EXPECT_TRUE(contains(source.str(), ".globl tessera_vfs_open\n")) << source.str().substr(0, 400);

  CommandRun bad = run(std::string("module abi-stub ") + directory + " --tamper no_such_symbol");
  EXPECT_EQ(bad.status, 1);
  EXPECT_TRUE(contains(bad.output, "no_such_symbol: not a kernel export")) << bad.output;
  std::system((std::string("rm -rf ") + directory).c_str());
}

}  // namespace

namespace {

TEST(ModuleInfo, ShowsImportsFromOtherModules) {
  CommandRun info = run(std::string("module info ") + TESSERA_HELLO_USER_MODULE);
  EXPECT_EQ(info.status, 0) << info.output;
  EXPECT_TRUE(contains(info.output, "needed:      hello.so libtessera_kernel.so\n")) << info.output;
  EXPECT_TRUE(contains(info.output, "other imports (1):\n  hello_greeting\n")) << info.output;
  EXPECT_TRUE(contains(info.output, "  tessera_log TESSERA_")) << info.output;
}

}  // namespace
