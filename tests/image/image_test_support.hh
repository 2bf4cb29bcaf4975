#pragma once
// Shared by the image tests: scratch directories and reading images back.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace tessera::image::testing {

// A fresh directory under TMPDIR, removed with everything in it at the end of the test.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tessera-image-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& relative) const { return path_ / relative; }

  // Writes `contents` to the relative path, creating parent directories.
  std::filesystem::path write(const std::string& relative, const std::string& contents, mode_t mode = 0644) const {
    auto file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << contents;
    chmod(file.c_str(), mode);
    return file;
  }
  std::filesystem::path mkdir(const std::string& relative) const {
    auto directory = path_ / relative;
    std::filesystem::create_directories(directory);
    return directory;
  }
  std::filesystem::path symlink(const std::string& relative, const std::string& target) const {
    auto link = path_ / relative;
    std::filesystem::create_directories(link.parent_path());
    std::filesystem::create_directory_symlink(target, link);
    return link;
  }

 private:
  std::filesystem::path path_;
};

inline std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>());
}

}  // namespace tessera::image::testing
