// The validator over every shared object of the build machine
// (/usr/lib/x86_64-linux-gnu/**/*.so*): each one validates, or is refused with a
// message that names the file, the check and the value. Nothing may crash, and every
// object that validates must survive a full walk of its view.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "elf/elf_walk.hh"
#include "module/elf_image.hh"

namespace {

using tessera::ElfImage;
namespace fs = std::filesystem;

const char* const kRoot = "/usr/lib/x86_64-linux-gnu";

bool looks_like_shared_object(const fs::path& path) {
  return path.filename().string().find(".so") != std::string::npos;
}

// 8-byte aligned, as the validator requires of its buffer.
std::vector<uint64_t> read_file(const fs::path& path, size_t& size) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(0, std::ios::end);
  size = static_cast<size_t>(in.tellg());
  in.seekg(0);
  std::vector<uint64_t> words((size + 7) / 8);
  in.read(reinterpret_cast<char*>(words.data()), static_cast<std::streamsize>(size));
  return words;
}

// "libfoo.so: PT_LOAD 2 vaddr 0x3000 ..." -> "PT_LOAD # vaddr # ...": a refusal's kind.
std::string reason_of(const std::string& message, const std::string& name) {
  std::string rest = message.substr(std::min(message.size(), name.size() + 2));
  std::string reason;
  for (size_t i = 0; i < rest.size();) {
    if (rest.compare(i, 2, "0x") == 0 || isdigit(static_cast<unsigned char>(rest[i]))) {
      i += rest.compare(i, 2, "0x") == 0 ? 2 : 0;
      while (i < rest.size() && isxdigit(static_cast<unsigned char>(rest[i]))) ++i;
      reason += '#';
    } else {
      reason += rest[i++];
    }
  }
  return reason;
}

TEST(SystemObjects, EachValidatesOrIsRefusedWithAReason) {
  if (!fs::is_directory(kRoot)) GTEST_SKIP() << kRoot << " does not exist";
  size_t validated = 0, skipped_large = 0, walked_items = 0;
  std::map<std::string, std::vector<std::string>> refused;  // reason -> files
  std::vector<fs::path> paths;
  for (auto it = fs::recursive_directory_iterator(kRoot, fs::directory_options::skip_permission_denied);
       it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_regular_file() && !it->is_symlink() && looks_like_shared_object(it->path())) paths.push_back(it->path());
  }
  std::sort(paths.begin(), paths.end());
  ASSERT_FALSE(paths.empty());

  for (const fs::path& path : paths) {
    std::string name = fs::relative(path, kRoot).string();
    if (fs::file_size(path) > ElfImage::kMaxFileSize) {
      auto words = std::vector<uint64_t>(1);
      auto result = ElfImage::try_validate({reinterpret_cast<const uint8_t*>(words.data()), fs::file_size(path)},
                                           name.c_str());
      // Refused by size alone, before a byte is read (the buffer here is one word).
      ASSERT_TRUE(result.is_error()) << name;
      EXPECT_EQ(result.error().code(), tessera::kEFBIG) << name;
      std::printf("note: skipped %s (%ju bytes, over the %zu-byte cap)\n", name.c_str(),
                  static_cast<uintmax_t>(fs::file_size(path)), ElfImage::kMaxFileSize);
      ++skipped_large;
      continue;
    }
    size_t size = 0;
    auto words = read_file(path, size);
    auto result = ElfImage::try_validate({reinterpret_cast<const uint8_t*>(words.data()), size}, name.c_str());
    if (result.is_ok()) {
      ++validated;
      tessera::elf_test::ElfWalker walker(result.value(), /*strict=*/true);
      EXPECT_EQ(walker.walk(), "") << name;
      walked_items += walker.items();
      continue;
    }
    std::string message = result.error().message();
    std::string shown_name = name.substr(0, 48);
    EXPECT_EQ(message.compare(0, shown_name.size() + 2, shown_name + ": "), 0) << message;
    EXPECT_GT(message.size(), shown_name.size() + 2) << message;
    EXPECT_LT(message.size(), tessera::Error::kMessageCapacity);
    EXPECT_NE(result.error().code(), 0);
    refused[reason_of(message, shown_name)].push_back(name);
  }

  size_t refused_count = 0;
  for (const auto& [reason, files] : refused) refused_count += files.size();
  std::printf("system objects under %s: %zu files, %zu validated, %zu refused, %zu skipped (over the cap); "
              "%zu items walked\n",
              kRoot, paths.size(), validated, refused_count, skipped_large, walked_items);
  for (const auto& [reason, files] : refused) {
    std::printf("  refused %4zu  %s  (e.g. %s)\n", files.size(), reason.c_str(), files.front().c_str());
  }
  RecordProperty("validated", static_cast<int>(validated));
  RecordProperty("refused", static_cast<int>(refused_count));
  // Nearly every object is a well-formed x86-64 shared object.
  EXPECT_GT(validated, refused_count);
}

}  // namespace
