// The loader's relocation engine and symbol resolution, one fixture feature at a time.
#include <cstring>
#include <fstream>
#include <sstream>

#include "loader_harness.hh"
#include "module/elf.hh"
#include "module/elf_image.hh"
#include "mm/heap.hh"
#include "mm/page_allocator.hh"

namespace tessera::loader_test {
namespace {

class LoaderRelocationTest : public LoaderTest {};

void check_basic(LoaderTest& test, Module* module) {
  using IntFunction = int (*)();
  // RELATIVE: a pointer to the module's own static data.
  EXPECT_EQ(test.symbol<IntFunction>(module, "basic_local_value")(), 41);
  // R_X86_64_64: a pointer to an exported (preemptible) variable of its own.
  auto* absolute = reinterpret_cast<int**>(module->find_symbol("absolute_pointer"));
  ASSERT_NE(absolute, nullptr);
  EXPECT_EQ(*absolute, reinterpret_cast<int*>(module->find_symbol("exported_data")));
  // GLOB_DAT: the address of a kernel variable.
  using AddressFunction = int* (*)();
  EXPECT_EQ(test.symbol<AddressFunction>(module, "basic_kernel_value_address")(), &kernel_value);
  // JUMP_SLOT: a call into the kernel.
  using AddFunction = int (*)(int, int);
  EXPECT_EQ(test.symbol<AddFunction>(module, "basic_add")(20, 22), 42);
  // PC32: the 32-bit distance from the slot to exported_data.
  auto slot = module->find_symbol("pc32_slot");
  ASSERT_NE(slot, 0u);
  int32_t distance;
  std::memcpy(&distance, reinterpret_cast<void*>(slot), 4);
  EXPECT_EQ(slot + distance, module->find_symbol("exported_data"));
}

TEST_F(LoaderRelocationTest, EverydayRelocationsBindAtLoad) {
  auto loaded = load("loader_basic");
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  check_basic(*this, loaded.value());
  EXPECT_EQ(loaded.value()->name(), "loader_basic");
  EXPECT_EQ(loaded.value()->metadata().version, "1.2");
}

TEST_F(LoaderRelocationTest, SysvHashObjectsLinkTheSame) {
  auto loaded = load("loader_basic_sysv");
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  check_basic(*this, loaded.value());
}

#if TESSERA_LOADER_HAVE_RELR
TEST_F(LoaderRelocationTest, RelrRelativeRelocations) {
  auto image = ElfImage::try_validate(fixture("loader_basic_relr"), "relr");
  ASSERT_TRUE(image.is_ok());
  ASSERT_FALSE(image.value().relr().empty());
  auto loaded = load("loader_basic_relr");
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  check_basic(*this, loaded.value());
}
#endif

TEST_F(LoaderRelocationTest, NoneRelocationLeavesItsTargetAlone) {
  // Turn the RELATIVE relocation of relative_pointer into R_X86_64_NONE: the word keeps
  // its file value (the link-time address), unrelocated.
  ktl::Bytes original = fixture("loader_basic");
  std::vector<uint64_t> copy((original.size() + 7) / 8);
  std::memcpy(copy.data(), original.data(), original.size());
  ktl::Bytes bytes(reinterpret_cast<const uint8_t*>(copy.data()), original.size());
  auto image = ElfImage::try_validate(bytes, "none");
  ASSERT_TRUE(image.is_ok());
  // The relocation of relative_pointer (not, say, an init_array entry's).
  size_t symbol = image.value().find_symbol("relative_pointer");
  ASSERT_NE(symbol, ElfImage::kNoSymbol);
  uint64_t target = image.value().symbols()[symbol].st_value;
  size_t index = SIZE_MAX;
  for (size_t i = 0; i < image.value().relocations().size(); ++i)
    if (image.value().relocations()[i].r_offset == target) index = i;
  ASSERT_NE(index, SIZE_MAX);
  EXPECT_EQ(image.value().relocations()[index].type(), elf::kRX86_64Relative);
  auto& rela = const_cast<elf::Rela&>(image.value().relocations()[index]);
  uint64_t offset = rela.r_offset;
  rela.r_info = elf::kRX86_64None;
  auto loaded = load_from_bytes(bytes, "loader_none.so", options());
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  uint64_t word;
  std::memcpy(&word, reinterpret_cast<void*>(loaded.value()->address_of(offset)), 8);
  // Not relocated: the word the file holds there.
  const auto* segment = image.value().segment_containing(target, 8);
  ASSERT_NE(segment, nullptr);
  uint64_t in_file = 0;
  std::memcpy(&in_file, segment->contents.data() + (target - segment->vaddr), 8);
  EXPECT_EQ(word, in_file);
  EXPECT_LT(word, loaded.value()->base());
}

TEST_F(LoaderRelocationTest, IfuncResolversRunOnceAtLoad) {
  auto loaded = load("loader_ifunc");
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  using IntFunction = int (*)();
  EXPECT_EQ(symbol<IntFunction>(loaded.value(), "call_local_ifunc")(), 2);   // IRELATIVE
  EXPECT_EQ(symbol<IntFunction>(loaded.value(), "call_local_ifunc")(), 2);
  EXPECT_EQ(symbol<IntFunction>(loaded.value(), "call_global_ifunc")(), 1);  // IFUNC via GOT
  EXPECT_EQ(*reinterpret_cast<int*>(loaded.value()->find_symbol("resolver_calls")), 1);
}

TEST_F(LoaderRelocationTest, WithoutRunningCodeIfuncTargetsAreZero) {
  LoadOptions no_code = options();
  no_code.run_code = false;
  auto loaded = load("loader_ifunc", no_code);
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  EXPECT_EQ(*reinterpret_cast<int*>(loaded.value()->find_symbol("resolver_calls")), 0);
  auto* pointer = reinterpret_cast<void**>(loaded.value()->find_symbol("local_ifunc_pointer"));
  EXPECT_EQ(*pointer, nullptr);
}

TEST_F(LoaderRelocationTest, WeakUndefinedSymbolsAreZero) {
  auto loaded = load("loader_weak");
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  using IntFunction = int (*)();
  EXPECT_EQ(symbol<IntFunction>(loaded.value(), "weak_function_is_null")(), 1);
  EXPECT_EQ(symbol<IntFunction>(loaded.value(), "weak_data_is_null")(), 1);
  EXPECT_EQ(symbol<IntFunction>(loaded.value(), "weak_defined_works")(), 5);
}

TEST_F(LoaderRelocationTest, UnresolvedStrongSymbolRefusesTheLoadNamingIt) {
  auto pages_outside_heap = [] { return page_allocator().stats().free_pages + heap().stats().pages_held; };
  size_t pages_before = pages_outside_heap();
  auto loaded = load("loader_strong_missing");
  ASSERT_TRUE(loaded.is_error());
  EXPECT_EQ(loaded.error().code(), kENOEXEC);
  EXPECT_STREQ(loaded.error().message(), "module loader_strong_missing: undefined symbol 'no_such_kernel_function'");
  EXPECT_EQ(loaded_module_count(), 0u);
  EXPECT_EQ(pages_outside_heap(), pages_before);
}

TEST_F(LoaderRelocationTest, SymbolVersionsPickTheRequestedDefinition) {
  auto newer = load("loader_versions_new");
  ASSERT_TRUE(newer.is_ok()) << newer.error().message();
  using IntFunction = int (*)();
  EXPECT_EQ(symbol<IntFunction>(newer.value(), "user_value")(), 2);
  auto older = load("loader_versions_old");
  ASSERT_TRUE(older.is_ok()) << older.error().message();
  EXPECT_EQ(symbol<IntFunction>(older.value(), "user_value")(), 1);
}

TEST_F(LoaderRelocationTest, MissingVersionRefusesTheLoad) {
  // The user needs versioned_value@VER_2 but the "provider" served defines no versions
  // of it at all: loader_dep_base stands in.
  serve_dependency_as("loader_versions_provider.so", "loader_dep_base");
  auto loaded = load("loader_versions_new");
  ASSERT_TRUE(loaded.is_error());
  EXPECT_STREQ(loaded.error().message(), "module loader_versions_new: undefined symbol 'versioned_value' (version VER_2)");
  EXPECT_EQ(loaded_module_count(), 0u);
}

TEST_F(LoaderRelocationTest, KernelAbiVersionMustMatch) {
  kernel_abi_hash_ = 0xabcd;
  auto loaded = load("loader_kernel_user");
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  EXPECT_TRUE(loaded.value()->uses_kernel());
  EXPECT_TRUE(loaded.value()->dependencies().empty());  // the kernel is not a module
  using AddFunction = int (*)(int, int);
  EXPECT_EQ(symbol<AddFunction>(loaded.value(), "kernel_user_add")(3, 4), 7);
  ASSERT_TRUE(unload_module(*loaded.value()).is_ok());

  kernel_abi_hash_ = 0x1234;
  auto refused = load("loader_kernel_user");
  ASSERT_TRUE(refused.is_error());
  EXPECT_EQ(refused.error().code(), kENOEXEC);
  EXPECT_STREQ(refused.error().message(),
               "module loader_kernel_user: kernel symbol 'kernel_add' version TESSERA_0000abcd does not match "
               "this kernel's TESSERA_00001234 (built against another kernel ABI)");
}

TEST_F(LoaderRelocationTest, ModuleBuiltAgainstAChangedPrototypeIsRefused) {
  // module-abi's fixture: built with tessera_add_module against a stub in which
  // tessera_log's version was tampered with; resolved against the real export table.
#ifndef TESSERA_ABI_MISMATCH_MODULE
  GTEST_SKIP() << "module-abi's abi-mismatch fixture is not part of this build";
#else
  auto file = read_fixture(TESSERA_ABI_MISMATCH_MODULE);
  if (!file) GTEST_SKIP() << TESSERA_ABI_MISMATCH_MODULE << " is not built (ninja abi-mismatch_module)";
  LoadOptions kernel = options();
  kernel.symbols = kernel_symbol_source();
  auto loaded = load_from_bytes(file->bytes(), "abi-mismatch.so", kernel);
  ASSERT_TRUE(loaded.is_error());
  EXPECT_EQ(loaded.error().code(), kENOEXEC);
  EXPECT_NE(std::string(loaded.error().message()).find("kernel symbol 'tessera_log' version TESSERA_"),
            std::string::npos)
      << loaded.error().message();
#endif
}

// Each relocation type the loader supports is exercised by a fixture above or in
// loader_tls_test: make sure the fixtures really contain them, so that a toolchain change
// cannot quietly drop a type from the tests.
TEST_F(LoaderRelocationTest, FixturesCoverEverySupportedRelocationType) {
  struct Expectation {
    const char* fixture;
    uint32_t type;
  };
  std::vector<Expectation> expectations = {
      {"loader_basic", elf::kRX86_64Relative},   {"loader_basic", elf::kRX86_64_64},
      {"loader_basic", elf::kRX86_64GlobDat},    {"loader_basic", elf::kRX86_64JumpSlot},
      {"loader_basic", elf::kRX86_64Pc32},       {"loader_ifunc", elf::kRX86_64IRelative},
      {"loader_tls_gd", elf::kRX86_64DtpMod64},  {"loader_tls_gd", elf::kRX86_64DtpOff64},
      {"loader_tls_ie", elf::kRX86_64TpOff64},
#if TESSERA_LOADER_HAVE_TLSDESC
      {"loader_tls_desc", elf::kRX86_64TlsDesc},
#endif
  };
  for (const auto& expected : expectations) {
    auto image = ElfImage::try_validate(fixture(expected.fixture), expected.fixture);
    ASSERT_TRUE(image.is_ok()) << image.error().message();
    bool found = false;
    for (auto table : {image.value().relocations(), image.value().plt_relocations()})
      for (const auto& rela : table) found |= rela.type() == expected.type;
    EXPECT_TRUE(found) << expected.fixture << " has no " << ElfImage::relocation_name(expected.type);
  }
}

TEST_F(LoaderRelocationTest, CopyAndUnknownRelocationsAreRefusedWithAReason) {
  for (uint32_t type : {elf::kRX86_64Copy, uint32_t{99}}) {
    ktl::Bytes original = fixture("loader_basic");
    std::vector<uint64_t> copy((original.size() + 7) / 8);
    std::memcpy(copy.data(), original.data(), original.size());
    ktl::Bytes bytes(reinterpret_cast<const uint8_t*>(copy.data()), original.size());
    auto image = ElfImage::try_validate(bytes, "patched");
    ASSERT_TRUE(image.is_ok());
    ASSERT_FALSE(image.value().relocations().empty());
    auto& rela = const_cast<elf::Rela&>(image.value().relocations()[0]);
    rela.r_info = (rela.r_info & ~uint64_t{0xffffffff}) | type;
    auto loaded = load_from_bytes(bytes, "loader_patched.so", options());
    ASSERT_TRUE(loaded.is_error());
    EXPECT_EQ(loaded.error().code(), kENOTSUP);
    std::string message = loaded.error().message();
    EXPECT_NE(message.find(type == elf::kRX86_64Copy ? "R_X86_64_COPY is for executables" : "unsupported type 99"),
              std::string::npos)
        << message;
    EXPECT_EQ(loaded_module_count(), 0u);
  }
}

// The protections the platform was asked for, as /proc/self/maps shows them.
std::string protection_at(uintptr_t address) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream fields(line);
    std::string range, permissions;
    fields >> range >> permissions;
    auto dash = range.find('-');
    uintptr_t start = std::stoull(range.substr(0, dash), nullptr, 16);
    uintptr_t end = std::stoull(range.substr(dash + 1), nullptr, 16);
    if (address >= start && address < end) return permissions.substr(0, 3);
  }
  return "unmapped";
}

TEST_F(LoaderRelocationTest, SegmentsGetWriteXorExecuteProtections) {
  auto loaded = load("loader_basic");
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  Module* module = loaded.value();
  const ElfImage& image = module->image();
  int checked_text = 0, checked_data = 0, checked_readonly = 0;
  for (const auto& segment : image.load_segments()) {
    uintptr_t address = module->address_of(segment.vaddr);
    std::string expected = std::string(segment.readable() ? "r" : "-") + (segment.writable() ? "w" : "-") +
                           (segment.executable() ? "x" : "-");
    auto relro = image.relro();
    if (segment.writable() && !relro.empty() && segment.vaddr >= relro.start &&
        (segment.vaddr & ~uint64_t{4095}) < (relro.end & ~uint64_t{4095}))
      expected = "r--";  // its first page is RELRO: read-only after relocation
    EXPECT_EQ(protection_at(address), expected) << "segment at " << std::hex << segment.vaddr;
    EXPECT_FALSE(segment.writable() && segment.executable());
    if (segment.executable()) ++checked_text;
    else if (segment.writable()) ++checked_data;
    else ++checked_readonly;
  }
  EXPECT_EQ(checked_text, 1);
  EXPECT_GE(checked_data, 1);
  EXPECT_GE(checked_readonly, 1);
  // The data after RELRO stays writable.
  EXPECT_EQ(protection_at(module->find_symbol("exported_data")), "rw-");
  // RELRO (the GOT) became read-only.
  auto relro = image.relro();
  ASSERT_FALSE(relro.empty());
  EXPECT_EQ(protection_at(module->address_of(relro.start)), "r--");
  // After unloading, the pages are back to read-write for the page allocator.
  uintptr_t text = 0;
  for (const auto& segment : image.load_segments())
    if (segment.executable()) text = module->address_of(segment.vaddr);
  ASSERT_TRUE(unload_module(*module).is_ok());
  EXPECT_EQ(protection_at(text), "rw-");
}

}  // namespace
}  // namespace tessera::loader_test
