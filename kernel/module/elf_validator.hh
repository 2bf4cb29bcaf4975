#pragma once
// The checks behind ElfImage::try_validate, in the order they run: file size and
// identity, program headers and segments, section headers (optional), then the
// dynamic section and every table it points to. Each check that fails returns an Error
// "<file>: <check>: <values>"; each that passes fills in part of the ElfImage, so that
// later checks (and the loader) only ever use what was already validated.
//
// File-level checks live in elf_validator.cc, dynamic-section checks in
// elf_dynamic_checks.cc. Internal to kernel/module.
#include <stddef.h>
#include <stdint.h>
#include <tessera/ktl/span.hh>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>

#include "module/elf.hh"
#include "module/elf_image.hh"

namespace tessera {

class ElfValidator {
 public:
  ElfValidator(ktl::Bytes file, ktl::StringView file_name, ElfImage& image)
      : file_(file), file_name_(file_name), image_(image) {}

  Result<void> run();

 private:
  // The singular dynamic tags the validator reads; each may appear at most once.
  enum Slot : uint8_t {
    kHash, kStrTab, kSymTab, kRela, kRelaSize, kRelaEntry, kStrSize, kSymEntry, kInit, kFini,
    kSoname, kPltRel, kJmpRel, kPltRelSize, kInitArray, kInitArraySize, kFiniArray,
    kFiniArraySize, kFlags, kFlags1, kRelr, kRelrSize, kRelrEntry, kGnuHash, kVersym, kVerdef,
    kVerdefNum, kVerneed, kVerneedNum, kPltGot, kSlotCount
  };
  struct DynamicValues {
    uint64_t value[kSlotCount] = {};
    bool present[kSlotCount] = {};
  };

  Error refuse(int code, const char* format, ...) __attribute__((format(printf, 3, 4)));

  // elf_validator.cc
  Result<void> check_identity();
  Result<void> check_program_header_table();
  Result<void> check_load_segment(size_t index, const elf::Phdr& header);
  Result<void> check_load_span();
  Result<void> check_dynamic_segment(size_t index, const elf::Phdr& header);
  Result<void> check_tls_segment(size_t index, const elf::Phdr& header);
  Result<void> check_relro_segment(size_t index, const elf::Phdr& header);
  Result<void> check_note_segment(size_t index, const elf::Phdr& header);
  Result<void> check_entry();
  Result<void> check_section_headers();
  Result<void> check_section(size_t index, const elf::Shdr& section);
  Result<void> check_section_symbols(size_t index, const elf::Shdr& section);

  // The file bytes behind [vaddr, vaddr + size): wholly inside the file-backed part of
  // one PT_LOAD, with a file offset that is a multiple of `alignment`.
  Result<ktl::Bytes> bytes_at(const char* what, uint64_t vaddr, uint64_t size, uint64_t alignment);
  // From vaddr to the end of the file-backed part of its PT_LOAD: the most a table of
  // unknown length can occupy.
  Result<ktl::Bytes> bytes_from(const char* what, uint64_t vaddr, uint64_t alignment);

  // elf_dynamic_checks.cc
  Result<void> check_dynamic();
  Result<void> read_dynamic_entries(DynamicValues& values);
  Result<void> check_required_pairs(const DynamicValues& values);
  Result<void> check_strings(const DynamicValues& values);
  Result<void> check_string_offset(const char* what, size_t index, uint64_t offset);
  Result<void> check_symbol_table(const DynamicValues& values);
  Result<size_t> highest_relocation_symbol(const DynamicValues& values);
  Result<size_t> check_sysv_hash(uint64_t vaddr, size_t capacity);
  Result<size_t> check_gnu_hash(uint64_t vaddr, size_t capacity);
  Result<void> check_symbol(size_t index, const elf::Sym& symbol);
  Result<void> check_versions(const DynamicValues& values);
  Result<void> check_version_definitions(uint64_t vaddr, uint64_t count, uint8_t* defined);
  Result<void> check_version_needs(uint64_t vaddr, uint64_t count, uint8_t* defined);
  Result<void> check_relocations(const DynamicValues& values);
  Result<void> check_rela_table(const char* what, ktl::Span<const elf::Rela> table);
  Result<void> check_relr_table(ktl::Span<const uint64_t> table);
  Result<void> check_init_and_fini(const DynamicValues& values);
  Result<ElfImage::AddressArray> check_address_array(const char* what, uint64_t vaddr, uint64_t size);

  static const char* slot_name(Slot slot);

  ktl::Bytes file_;
  ktl::StringView file_name_;
  ElfImage& image_;
  size_t section_count_ = 0;
  const elf::Phdr* dynamic_header_ = nullptr;
};

}  // namespace tessera
