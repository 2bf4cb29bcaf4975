#pragma once
// Test helpers: load a fixture shared object built by tests/elf/CMakeLists.txt into an
// 8-byte aligned buffer, and edit single fields of a copy. Editing goes through a
// validated view of the pristine file, so "the symbol module_apply" or "the DT_STRSZ
// entry" name the very bytes to change.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "module/elf.hh"
#include "module/elf_image.hh"

#ifndef TESSERA_ELF_FIXTURE_DIR
#error "TESSERA_ELF_FIXTURE_DIR must name the directory of the built ELF fixtures"
#endif

namespace tessera::elf_test {

// File bytes in 64-bit words: the validator needs an 8-byte aligned buffer.
struct FileBuffer {
  std::vector<uint64_t> words;
  size_t size = 0;

  uint8_t* data() { return reinterpret_cast<uint8_t*>(words.data()); }
  ktl::Bytes bytes() const { return {reinterpret_cast<const uint8_t*>(words.data()), size}; }
};

inline std::string fixture_path(const std::string& name) { return std::string(TESSERA_ELF_FIXTURE_DIR) + "/" + name; }

inline FileBuffer load_fixture(const std::string& name) {
  std::ifstream in(fixture_path(name), std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open fixture " << fixture_path(name);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  FileBuffer buffer;
  buffer.size = bytes.size();
  buffer.words.resize((bytes.size() + 7) / 8 + 1);
  std::memcpy(buffer.data(), bytes.data(), bytes.size());
  return buffer;
}

class MutableElf {
 public:
  explicit MutableElf(const std::string& name)
      : name_(name), pristine_(load_fixture(name)), buffer_(pristine_) {
    auto result = ElfImage::try_validate(pristine_.bytes(), name_.c_str());
    if (result.is_error()) ADD_FAILURE() << "fixture does not validate: " << result.error().message();
    else view_.emplace(result.release_value());
  }

  const std::string& name() const { return name_; }
  const ElfImage& pristine() const { return *view_; }
  uint8_t* data() { return buffer_.data(); }
  size_t& size() { return buffer_.size; }

  elf::Ehdr& header() { return at<elf::Ehdr>(0); }
  elf::Phdr& program_header(size_t index) { return at<elf::Phdr>(header().e_phoff + index * sizeof(elf::Phdr)); }
  // The nth program header of `type`.
  elf::Phdr& segment(uint32_t type, size_t nth = 0) {
    for (size_t i = 0; i < header().e_phnum; ++i)
      if (program_header(i).p_type == type && nth-- == 0) return program_header(i);
    ADD_FAILURE() << name_ << " has no such program header " << type;
    return program_header(0);
  }
  size_t segment_index(uint32_t type, size_t nth = 0) {
    return static_cast<size_t>(&segment(type, nth) - &program_header(0));
  }
  elf::Shdr& section(size_t index) { return at<elf::Shdr>(header().e_shoff + index * sizeof(elf::Shdr)); }
  size_t section_index(const char* section_name) {
    for (size_t i = 0; i < view_->section_headers().size(); ++i)
      if (view_->section_name(i) == section_name) return i;
    ADD_FAILURE() << name_ << " has no section " << section_name;
    return 0;
  }
  // The dynamic entry with `tag` (the first one).
  elf::Dyn& dynamic(int64_t tag) {
    for (const elf::Dyn& entry : view_->dynamic_entries())
      if (entry.d_tag == tag) return mirror(entry);
    ADD_FAILURE() << name_ << " has no dynamic tag " << tag;
    return mirror(view_->dynamic_entries()[0]);
  }
  // The terminating DT_NULL entry.
  elf::Dyn& dynamic_null() {
    auto entries = view_->dynamic_entries();
    return mirror(*(entries.data() + entries.size()));
  }
  elf::Sym& symbol(size_t index) { return mirror(view_->symbols()[index]); }
  size_t symbol_index(const char* symbol_name) {
    for (size_t i = 0; i < view_->symbols().size(); ++i)
      if (view_->symbol_name(i) == symbol_name) return i;
    ADD_FAILURE() << name_ << " has no symbol " << symbol_name;
    return 0;
  }
  elf::Sym& symbol(const char* symbol_name) { return symbol(symbol_index(symbol_name)); }
  elf::Rela& relocation(size_t index) { return mirror(view_->relocations()[index]); }
  elf::Rela& plt_relocation(size_t index) { return mirror(view_->plt_relocations()[index]); }
  uint64_t& relr(size_t index) { return mirror(view_->relr()[index]); }
  // A field in the file behind a virtual address of the pristine object.
  template <typename T> T& at_vaddr(uint64_t vaddr) {
    for (const auto& segment : view_->load_segments())
      if (vaddr >= segment.vaddr && vaddr + sizeof(T) <= segment.vaddr + segment.file_size)
        return at<T>(segment.file_offset + (vaddr - segment.vaddr));
    ADD_FAILURE() << name_ << ": vaddr " << vaddr << " is not in the file";
    return at<T>(0);
  }
  template <typename T> T& at(uint64_t offset) { return *reinterpret_cast<T*>(buffer_.data() + offset); }

  // Section headers are optional: drop them, so that checks behind them are reached.
  void drop_sections() {
    header().e_shoff = 0;
    header().e_shnum = 0;
    header().e_shstrndx = 0;
  }

  Result<ElfImage> validate() { return ElfImage::try_validate(buffer_.bytes(), name_.c_str()); }

 private:
  template <typename T> T& mirror(const T& in_pristine) {
    auto offset = reinterpret_cast<const uint8_t*>(&in_pristine) - pristine_.bytes().data();
    return at<T>(static_cast<uint64_t>(offset));
  }

  std::string name_;
  FileBuffer pristine_;
  FileBuffer buffer_;
  std::optional<ElfImage> view_;
};

}  // namespace tessera::elf_test
