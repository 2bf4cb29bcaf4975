// ElfImage over well-formed shared objects built by the build (tests/elf/fixtures):
// they validate, and the view exposes what the loader needs.
#include "module/elf_image.hh"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "elf/elf_fixture.hh"
#include "elf/elf_walk.hh"

namespace tessera {
namespace {

using elf_test::FileBuffer;
using elf_test::load_fixture;
using elf_test::MutableElf;

std::string str(ktl::StringView view) { return std::string(view.data(), view.length()); }

ElfImage validate_ok(const FileBuffer& buffer, const char* name) {
  auto result = ElfImage::try_validate(buffer.bytes(), name);
  if (result.is_error()) {
    ADD_FAILURE() << result.error().message();
    abort();
  }
  return result.release_value();
}

std::set<uint32_t> relocation_types(const ElfImage& image) {
  std::set<uint32_t> types;
  for (const auto& r : image.relocations()) types.insert(r.type());
  for (const auto& r : image.plt_relocations()) types.insert(r.type());
  return types;
}

class EveryFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(EveryFixture, ValidatesAndSurvivesAFullWalk) {
  FileBuffer buffer = load_fixture(GetParam());
  ElfImage image = validate_ok(buffer, GetParam());
  elf_test::ElfWalker walker(image, /*strict=*/true);
  EXPECT_EQ(walker.walk(), "");
  EXPECT_GT(walker.items(), 10u);
  EXPECT_EQ(image.header().e_type, elf::kTypeShared);
  ASSERT_GE(image.load_segments().size(), 2u);
  EXPECT_EQ(image.load_span().start, 0u);
  EXPECT_EQ(image.load_span().end % ElfImage::kPageSize, 0u);
  EXPECT_FALSE(image.section_headers().empty());
  EXPECT_EQ(str(image.section_name(1)).substr(0, 1), ".");
  EXPECT_FALSE(image.relro().empty());
}

TEST_P(EveryFixture, ValidatesWithoutSectionHeaders) {
  MutableElf elf(GetParam());
  elf.drop_sections();
  auto result = elf.validate();
  ASSERT_TRUE(result.is_ok()) << result.error().message();
  EXPECT_TRUE(result.value().section_headers().empty());
  EXPECT_EQ(elf_test::ElfWalker(result.value(), true).walk(), "");
}

TEST_P(EveryFixture, EveryTruncationIsRefusedNotCrashed) {
  FileBuffer buffer = load_fixture(GetParam());
  // Cut the file short everywhere an eighth of the way: each prefix is refused (or, past
  // the last byte any table uses, still valid) and never read beyond its end.
  for (size_t size = 0; size < buffer.size; size += buffer.size / 64 + 1) {
    std::vector<uint64_t> copy(buffer.words.begin(), buffer.words.begin() + static_cast<long>((size + 7) / 8));
    auto result = ElfImage::try_validate({reinterpret_cast<const uint8_t*>(copy.data()), size}, GetParam());
    if (result.is_error()) EXPECT_EQ(std::string(result.error().message()).find(GetParam()), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, EveryFixture,
                         ::testing::Values("module_gnu.so", "module_sysv.so", "module_both.so", "tls.so",
                                           "versioned.so", "ifunc.so"
#if TESSERA_ELF_HAVE_TLSDESC
                                           ,
                                           "tls_desc.so"
#endif
#if TESSERA_ELF_HAVE_RELR
                                           ,
                                           "module_relr.so"
#endif
                                           ),
                         [](const auto& info) {
                           std::string name = info.param;
                           return name.substr(0, name.find('.'));
                         });

class HashStyles : public ::testing::TestWithParam<const char*> {};

TEST_P(HashStyles, SymbolLookupAgreesWithALinearWalk) {
  FileBuffer buffer = load_fixture(GetParam());
  ElfImage image = validate_ok(buffer, GetParam());
  for (const char* name : {"module_apply", "module_entry", "module_counter", "module_name", "module_operations",
                           "module_strings", "host_value_pointer"}) {
    size_t index = image.find_symbol(name);
    ASSERT_NE(index, ElfImage::kNoSymbol) << name;
    EXPECT_EQ(index, image.find_symbol_linear(name)) << name;
    EXPECT_EQ(str(image.symbol_name(index)), name);
    EXPECT_TRUE(image.symbols()[index].is_defined());
  }
  // Static functions are not exported; undefined imports are not definitions.
  for (const char* name : {"step", "twice", "host_log", "host_value", "", "module_apply_", "module_appl"}) {
    EXPECT_EQ(image.find_symbol(name), ElfImage::kNoSymbol) << name;
    EXPECT_EQ(image.find_symbol_linear(name), ElfImage::kNoSymbol) << name;
  }
  const auto& symbol = image.symbols()[image.find_symbol("module_counter")];
  EXPECT_EQ(symbol.type(), elf::kSttObject);
  EXPECT_EQ(symbol.st_size, 4u);
  auto* segment = image.writable_segment_containing(symbol.st_value, symbol.st_size);
  ASSERT_NE(segment, nullptr);
  // The initial value (7) is in the file behind the symbol.
  int value = 0;
  std::memcpy(&value, segment->contents.data() + (symbol.st_value - segment->vaddr), sizeof(value));
  EXPECT_EQ(value, 7);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, HashStyles, ::testing::Values("module_gnu.so", "module_sysv.so", "module_both.so"),
                         [](const auto& info) {
                           std::string name = info.param;
                           return name.substr(0, name.find('.'));
                         });

TEST(ElfImage, ModuleExposesDynamicInformation) {
  FileBuffer buffer = load_fixture("module_gnu.so");
  ElfImage image = validate_ok(buffer, "module_gnu.so");
  EXPECT_EQ(str(image.soname()), "module.so");
  EXPECT_EQ(image.dynamic().needed_count, 0u);
  EXPECT_EQ(image.dynamic().init_array.count, 1u);
  EXPECT_EQ(image.dynamic().fini_array.count, 1u);
  EXPECT_NE(image.segment_containing(image.dynamic().init_array.vaddr, 8), nullptr);
  EXPECT_NE(image.dynamic().pltgot, 0u);
  EXPECT_EQ(image.tls(), nullptr);
  EXPECT_EQ(image.entry(), 0u);
  auto types = relocation_types(image);
  EXPECT_TRUE(types.count(elf::kRX86_64Relative));
  EXPECT_TRUE(types.count(elf::kRX86_64GlobDat));
  EXPECT_TRUE(types.count(elf::kRX86_64_64));
  ASSERT_EQ(image.plt_relocations().size(), 1u);
  EXPECT_EQ(image.plt_relocations()[0].type(), elf::kRX86_64JumpSlot);
  EXPECT_EQ(str(image.symbol_name(image.plt_relocations()[0].symbol())), "host_log");
  // The code segment is read-execute, the data segment read-write; none is both W and X.
  bool saw_code = false, saw_data = false;
  for (const auto& segment : image.load_segments()) {
    saw_code |= segment.executable() && !segment.writable();
    saw_data |= segment.writable() && !segment.executable();
  }
  EXPECT_TRUE(saw_code && saw_data);
}

TEST(ElfImage, NotesIncludeTheBuildId) {
  FileBuffer buffer = load_fixture("module_gnu.so");
  ElfImage image = validate_ok(buffer, "module_gnu.so");
  auto notes = image.notes();
  ElfImage::Note note;
  bool found = false;
  while (notes.next(note)) {
    if (note.type == elf::kNtGnuBuildId && note.name == "GNU") {
      found = true;
      EXPECT_EQ(note.descriptor.size(), 20u);  // SHA-1, ld's default
    }
  }
  EXPECT_TRUE(found);
  EXPECT_FALSE(notes.next(note));  // stays at the end
}

TEST(ElfImage, TlsSegmentAndTlsRelocations) {
  FileBuffer buffer = load_fixture("tls.so");
  ElfImage image = validate_ok(buffer, "tls.so");
  const auto* tls = image.tls();
  ASSERT_NE(tls, nullptr);
  EXPECT_GE(tls->memory_size, 4u + 64u);
  ASSERT_EQ(tls->initial.size(), 4u);  // tls_counter = 5; tls_buffer is .tbss
  int initial = 0;
  std::memcpy(&initial, tls->initial.data(), sizeof(initial));
  EXPECT_EQ(initial, 5);
  size_t counter = image.find_symbol("tls_counter");
  ASSERT_NE(counter, ElfImage::kNoSymbol);
  EXPECT_EQ(image.symbols()[counter].type(), elf::kSttTls);
  EXPECT_LT(image.symbols()[counter].st_value, tls->memory_size);
  auto types = relocation_types(image);
  EXPECT_TRUE(types.count(elf::kRX86_64DtpMod64));
  EXPECT_TRUE(types.count(elf::kRX86_64DtpOff64));
  EXPECT_TRUE(types.count(elf::kRX86_64TpOff64));
}

#if TESSERA_ELF_HAVE_TLSDESC
TEST(ElfImage, TlsDescriptors) {
  FileBuffer buffer = load_fixture("tls_desc.so");
  ElfImage image = validate_ok(buffer, "tls_desc.so");
  EXPECT_TRUE(relocation_types(image).count(elf::kRX86_64TlsDesc));
  for (const auto& r : image.plt_relocations())
    if (r.type() == elf::kRX86_64TlsDesc) EXPECT_NE(image.writable_segment_containing(r.r_offset, 16), nullptr);
}

#endif

TEST(ElfImage, IfuncUsesIrelative) {
  FileBuffer buffer = load_fixture("ifunc.so");
  ElfImage image = validate_ok(buffer, "ifunc.so");
  EXPECT_TRUE(relocation_types(image).count(elf::kRX86_64IRelative));
  EXPECT_NE(image.find_symbol("ifunc_add"), ElfImage::kNoSymbol);
}

TEST(ElfImage, VersionDefinitionsAndNeeds) {
  FileBuffer buffer = load_fixture("versioned.so");
  ElfImage image = validate_ok(buffer, "versioned.so");
  ASSERT_EQ(image.dynamic().needed_count, 1u);
  EXPECT_EQ(str(image.needed(0)), "libc.so.6");
  EXPECT_EQ(str(image.needed(1)), "");

  // api@@V2 is found by name; api@V1 is hidden.
  size_t api = image.find_symbol("api");
  ASSERT_NE(api, ElfImage::kNoSymbol);
  auto version = image.symbol_version(api);
  EXPECT_EQ(str(version.name), "V2");
  EXPECT_TRUE(version.defined_here);
  EXPECT_FALSE(version.hidden);
  size_t hidden_count = 0;
  for (size_t i = 0; i < image.symbols().size(); ++i) {
    auto v = image.symbol_version(i);
    if (image.symbol_name(i) == "api" && v.hidden) {
      ++hidden_count;
      EXPECT_EQ(str(v.name), "V1");
    }
  }
  EXPECT_EQ(hidden_count, 1u);
  EXPECT_EQ(str(image.symbol_version(image.find_symbol("versioned_helper")).name), "V1");

  // Imports from libc carry the version they need and the file that provides it.
  size_t strlen_index = ElfImage::kNoSymbol;
  for (size_t i = 0; i < image.symbols().size(); ++i)
    if (image.symbol_name(i) == "strlen") strlen_index = i;
  ASSERT_NE(strlen_index, ElfImage::kNoSymbol);
  auto needed = image.symbol_version(strlen_index);
  EXPECT_EQ(str(needed.name), "GLIBC_2.2.5");
  EXPECT_EQ(str(needed.file), "libc.so.6");
  EXPECT_FALSE(needed.defined_here);
}

#if TESSERA_ELF_HAVE_RELR
TEST(ElfImage, PackedRelativeRelocations) {
  FileBuffer buffer = load_fixture("module_relr.so");
  ElfImage image = validate_ok(buffer, "module_relr.so");
  ASSERT_FALSE(image.relr().empty());
  EXPECT_EQ(image.relr()[0] & 1, 0u);  // starts with an address
  // Decode: the 12 operations and 6 strings pointers (and init/fini) are all there.
  std::set<uint64_t> targets;
  uint64_t base = 0;
  for (uint64_t entry : image.relr()) {
    if (!(entry & 1)) {
      targets.insert(entry);
      base = entry + 8;
      continue;
    }
    for (unsigned bit = 1; bit < 64; ++bit)
      if ((entry >> bit) & 1) targets.insert(base + (bit - 1) * 8);
    base += 63 * 8;
  }
  EXPECT_GE(targets.size(), 12u + 6u);
  const auto& operations = image.symbols()[image.find_symbol("module_operations")];
  for (uint64_t i = 0; i < 12; ++i) EXPECT_TRUE(targets.count(operations.st_value + 8 * i)) << i;
  EXPECT_FALSE(relocation_types(image).count(elf::kRX86_64Relative));
}
#endif

TEST(ElfImage, RefusesAnUnalignedBuffer) {
  FileBuffer buffer = load_fixture("module_gnu.so");
  std::vector<uint64_t> shifted(buffer.words.size() + 1);
  auto* start = reinterpret_cast<uint8_t*>(shifted.data()) + 1;
  std::memcpy(start, buffer.data(), buffer.size);
  auto result = ElfImage::try_validate({start, buffer.size}, "module_gnu.so");
  ASSERT_TRUE(result.is_error());
  EXPECT_EQ(result.error().code(), kEINVAL);
  EXPECT_NE(std::string(result.error().message()).find("is not 8-byte aligned"), std::string::npos);
}

TEST(ElfImage, RefusesAnOversizedFileBeforeReadingIt) {
  uint64_t word = 0;
  // The size alone is refused: the 8-byte buffer is never read past.
  auto result = ElfImage::try_validate({reinterpret_cast<const uint8_t*>(&word), ElfImage::kMaxFileSize + 1}, "big.so");
  ASSERT_TRUE(result.is_error());
  EXPECT_EQ(result.error().code(), kEFBIG);
  EXPECT_STREQ(result.error().message(), "big.so: file size 67108865 exceeds the limit 67108864");
}

TEST(ElfImage, LongFileNamesAreCutSoTheCheckFits) {
  std::string name(300, 'n');
  uint64_t word = 0;
  auto result = ElfImage::try_validate({reinterpret_cast<const uint8_t*>(&word), 8}, name.c_str());
  ASSERT_TRUE(result.is_error());
  std::string message = result.error().message();
  EXPECT_EQ(message, std::string(48, 'n') + ": file size 8 is smaller than the ELF header (64)");
}

TEST(ElfImage, RelocationNamesAndWidths) {
  EXPECT_EQ(ElfImage::relocation_width(elf::kRX86_64Relative), 8u);
  EXPECT_EQ(ElfImage::relocation_width(elf::kRX86_64Pc32), 4u);
  EXPECT_EQ(ElfImage::relocation_width(elf::kRX86_64TlsDesc), 16u);
  EXPECT_EQ(ElfImage::relocation_width(elf::kRX86_64Copy), 0u);
  EXPECT_EQ(ElfImage::relocation_width(elf::kRX86_64None), 0u);
  EXPECT_STREQ(ElfImage::relocation_name(elf::kRX86_64IRelative), "R_X86_64_IRELATIVE");
  EXPECT_STREQ(ElfImage::relocation_name(1000), "unknown");
}

TEST(ElfImage, HashFunctions) {
  // Reference values from the gABI and GNU documentation.
  EXPECT_EQ(elf::gnu_hash("", 0), 5381u);
  EXPECT_EQ(elf::gnu_hash("printf", 6), 0x156b2bb8u);
  EXPECT_EQ(elf::sysv_hash("", 0), 0u);
  EXPECT_EQ(elf::sysv_hash("printf", 6), 0x077905a6u);
}

}  // namespace
}  // namespace tessera
