// The kernel's export table (kernel/module/export_table.hh, kernel_exports.cc): sorted,
// unique, resolvable, in step with the C library table and with module_api.h.
#include "mm/address_sanitizer.hh"
#include "module/export_table.hh"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <vector>
#include <sstream>
#include <string>

#include "libc/exports.hh"

namespace {

using tessera::KernelExport;
using tessera::ktl::StringView;

std::string text(StringView view) { return std::string(view.data(), view.size()); }

TEST(ExportTable, IsSortedUniqueAndComplete) {
  auto table = tessera::kernel_exports();
  ASSERT_GT(table.size(), 40u);
  for (size_t i = 0; i < table.size(); ++i) {
    const KernelExport& row = table[i];
    ASSERT_NE(row.name, nullptr);
    EXPECT_NE(row.address, nullptr) << row.name;
    EXPECT_NE(row.abi_hash, 0u) << row.name;
    if (i > 0) EXPECT_LT(std::string(table[i - 1].name), std::string(row.name));
  }
}

TEST(ExportTable, EveryNameResolvesToItsRow) {
  for (const KernelExport& row : tessera::kernel_exports()) {
    const KernelExport* found = tessera::find_kernel_export(row.name);
    ASSERT_NE(found, nullptr) << row.name;
    EXPECT_EQ(found, &row);
  }
}

TEST(ExportTable, UnknownNamesAreNotFound) {
  for (const char* name : {"", "a", "tessera_", "tessera_vfs_opens", "memcp", "zzz", "printf", "vfs_open",
                           "_ZN7tessera3vfs4openENS_3ktl10StringViewEi"})
    EXPECT_EQ(tessera::find_kernel_export(name), nullptr) << name;
}

TEST(ExportTable, AgreesWithTheLibcTable) {
  // kernel/libc/exports.cc publishes the same functions to the loader; the two lists
  // must name the same C functions at the same addresses.
  for (auto* symbol = tessera::libc::libc_symbols_begin(); symbol != tessera::libc::libc_symbols_end(); ++symbol) {
    const KernelExport* row = tessera::find_kernel_export(symbol->name);
    ASSERT_NE(row, nullptr) << symbol->name << " is in the libc table but not exported";
    EXPECT_EQ(row->address, symbol->address) << symbol->name;
  }
}

TEST(ExportTable, SameSignaturesShareAHashOthersDoNot) {
  auto hash = [](const char* name) { return tessera::find_kernel_export(name)->abi_hash; };
  EXPECT_EQ(hash("memcpy"), hash("memmove"));
  EXPECT_EQ(hash("strcpy"), hash("strcat"));
  EXPECT_NE(hash("strcmp"), hash("strncmp"));
  EXPECT_NE(hash("snprintf"), hash("vsnprintf"));
  EXPECT_EQ(hash("tessera_vfs_stat"), hash("tessera_vfs_lstat"));
  EXPECT_NE(hash("tessera_mutex_create"), hash("tessera_cond_create"));  // opaque handles by tag
}

TEST(AbiVersion, FormatsAndParses) {
  char name[tessera::kAbiVersionNameLength + 1];
  tessera::format_abi_version(0x0123abcd, name);
  EXPECT_STREQ(name, "TESSERA_0123abcd");
  uint32_t parsed = 0;
  EXPECT_TRUE(tessera::parse_abi_version(name, parsed));
  EXPECT_EQ(parsed, 0x0123abcdu);
  tessera::format_abi_version(0xffffffff, name);
  EXPECT_TRUE(tessera::parse_abi_version(name, parsed));
  EXPECT_EQ(parsed, 0xffffffffu);
  for (const char* bad : {"", "TESSERA_", "TESSERA_0123abc", "TESSERA_0123abcde", "TESSERA_0123ABCD",
                          "TESSERX_0123abcd", "GLIBC_2.2.5", "TESSERA_0123abcg"})
    EXPECT_FALSE(tessera::parse_abi_version(bad, parsed)) << bad;
}

// The function names declared in module_api.h and the headers it includes (device_api.h,
// socket_api.h), read from the header text: every declaration is a single line ending
// in ");" or a line that starts a prototype.
std::set<std::string> header_functions() {
  std::string main_header = TESSERA_MODULE_API_HEADER;
  std::string directory = main_header.substr(0, main_header.rfind('/') + 1);
  std::stringstream contents;
  std::vector<const char*> headers = {"module_api.h", "device_api.h", "socket_api.h"};
  // ASan's check functions are exported in the asan preset only (tessera/asan_api.h).
  if (tessera::asan::kEnabled) headers.push_back("asan_api.h");
  for (const char* header : headers) {
    std::ifstream in(directory + header);
    contents << in.rdbuf() << "\n";
  }
  std::string source = contents.str();
  // Drop comments and preprocessor lines.
  source = std::regex_replace(source, std::regex(R"(/\*[\s\S]*?\*/)"), " ");
  source = std::regex_replace(source, std::regex(R"(^\s*#.*$)", std::regex::multiline), " ");
  // Struct bodies hold function-pointer members, which are not kernel functions.
  source = std::regex_replace(source, std::regex(R"(struct\s+\w+\s*\{[^}]*\})"), " ");
  // Inline helpers (htons and friends) are defined in the header, not exported.
  source = std::regex_replace(source, std::regex(R"(static\s+inline[^{;]*\{[^}]*\})"), " ");
  source = std::regex_replace(source, std::regex(R"(__attribute__\(\([^;]*?\)\))"), " ");
  std::set<std::string> names;
  // A declaration: something, then NAME( ... ); at file scope (struct bodies hold no '(').
  std::regex declaration(R"(([A-Za-z_][A-Za-z0-9_]*)\s*\(([^;{}]*)\)\s*;)");
  for (std::sregex_iterator it(source.begin(), source.end(), declaration), end; it != end; ++it)
    names.insert((*it)[1]);
  return names;
}

TEST(ExportTable, EveryPrototypeInModuleApiIsExportedAndViceVersa) {
  auto declared = header_functions();
  ASSERT_GT(declared.size(), 40u) << "the header parser found too little in " << TESSERA_MODULE_API_HEADER;
  for (const auto& name : declared)
    EXPECT_NE(tessera::find_kernel_export(StringView(name.data(), name.size())), nullptr)
        << name << " is declared in module_api.h (or device_api.h, socket_api.h) but has no row in kernel_exports.cc";
  for (const KernelExport& row : tessera::kernel_exports())
    EXPECT_TRUE(declared.count(row.name)) << row.name << " is exported but not declared in module_api.h";
}

}  // namespace
