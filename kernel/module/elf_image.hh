#pragma once
// A validated, read-only view of an ELF64 x86-64 shared object (ET_DYN) in memory: what
// the module loader maps and relocates. try_validate checks everything the loader will
// later use (headers, segments, the dynamic section and every table it points to,
// symbols, hashes, versions, relocations, notes, section headers when present) with
// overflow-checked arithmetic, so that nothing reached through the view can lie outside
// the file or outside the loaded image. The checks and their messages are listed in
// docs/modules.md ("Validation").
//
// Addresses in the view are link-time virtual addresses; the loader adds its load bias.
// The view borrows the file bytes and the file name: both must outlive it.
#include <stddef.h>
#include <stdint.h>
#include <tessera/ktl/span.hh>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>

#include "module/elf.hh"

namespace tessera {

class ElfValidator;

class ElfImage {
 public:
  // Limits. Inputs past them are refused before anything is read or sized from them
  // (syzkaller's lesson: a loader must never size work from what a file claims).
  static constexpr size_t kMaxFileSize = 64u << 20;       // EFBIG beyond
  static constexpr size_t kMaxProgramHeaders = 256;
  static constexpr size_t kMaxLoadSegments = 16;
  static constexpr uint64_t kMaxLoadSpan = 1ull << 30;    // lowest to highest loaded byte
  static constexpr uint64_t kPageSize = 4096;
  static constexpr uint64_t kMaxAlignment = 1ull << 30;
  static constexpr uint16_t kMaxVersionIndex = 4095;
  static constexpr size_t kNoSymbol = static_cast<size_t>(-1);

  // Errors: ENOEXEC for a malformed file, ENOTSUP for a well-formed one that uses
  // something Tessera does not load (executables, text or copy relocations, DT_REL,
  // unknown relocation types), EFBIG past kMaxFileSize, EINVAL for a misaligned buffer.
  // Messages read "<file_name>: <check>: <values>".
  static Result<ElfImage> try_validate(ktl::Bytes file, ktl::StringView file_name);

  struct LoadSegment {
    uint64_t vaddr;
    uint64_t memory_size;
    uint64_t file_offset;
    uint64_t file_size;
    uint64_t alignment;  // 0 and 1 both mean none
    uint32_t flags;      // elf::kPf*
    ktl::Bytes contents; // the file_size bytes the segment starts with; zeros follow

    bool readable() const { return flags & elf::kPfRead; }
    bool writable() const { return flags & elf::kPfWrite; }
    bool executable() const { return flags & elf::kPfExecute; }
  };

  struct TlsSegment {
    uint64_t vaddr;
    uint64_t memory_size;
    uint64_t alignment;   // a power of two, at least 1
    ktl::Bytes initial;   // the initialised part (.tdata); .tbss follows as zeros
  };

  struct AddressRange {
    uint64_t start = 0;
    uint64_t end = 0;  // exclusive
    bool empty() const { return start == end; }
  };

  // An array of 64-bit addresses in the image (init/fini arrays). Its words are
  // relocated before use, so the view gives its place, not its file contents.
  struct AddressArray {
    uint64_t vaddr = 0;
    size_t count = 0;
  };

  // What the dynamic section says, after validation. 0 means absent for addresses.
  struct DynamicInfo {
    uint64_t init = 0;
    uint64_t fini = 0;
    AddressArray init_array;
    AddressArray fini_array;
    uint64_t pltgot = 0;
    uint64_t flags = 0;    // DT_FLAGS
    uint64_t flags_1 = 0;  // DT_FLAGS_1
    size_t needed_count = 0;
    bool has_soname = false;
    bool bind_now = false;
  };

  struct SymbolVersion {
    uint16_t index = elf::kVerNdxGlobal;  // without the hidden bit
    bool hidden = false;
    bool defined_here = false;   // from DT_VERDEF; otherwise required from `file`
    ktl::StringView name;        // empty for the local and global indexes
    ktl::StringView file;        // DT_VERNEED's file name, empty for definitions
  };

  struct Note {
    uint32_t type;
    ktl::StringView name;  // without its NUL
    ktl::Bytes descriptor;
  };

  // Walks every note of every PT_NOTE segment in order. The notes were validated, so
  // iteration cannot fail.
  class NoteIterator {
   public:
    bool next(Note& out);

   private:
    friend class ElfImage;
    explicit NoteIterator(const ElfImage& image) : image_(&image) {}
    const ElfImage* image_;
    size_t header_index_ = 0;
    size_t offset_ = 0;  // inside the current PT_NOTE
  };

  ktl::StringView file_name() const { return file_name_; }
  ktl::Bytes file() const { return file_; }
  const elf::Ehdr& header() const { return *header_; }
  ktl::Span<const elf::Phdr> program_headers() const { return program_headers_; }
  ktl::Span<const elf::Shdr> section_headers() const { return section_headers_; }
  // "" for section 0 or when there is no section-name table.
  ktl::StringView section_name(size_t index) const;

  ktl::Span<const LoadSegment> load_segments() const { return {load_segments_, load_segment_count_}; }
  // Page-aligned: [lowest PT_LOAD page, end of the highest PT_LOAD rounded up to a page).
  AddressRange load_span() const { return load_span_; }
  // The largest PT_LOAD alignment (at least kPageSize): the load base must honour it.
  uint64_t max_alignment() const { return max_alignment_; }
  const TlsSegment* tls() const { return has_tls_ ? &tls_ : nullptr; }
  // PT_GNU_RELRO: made read-only after relocation. Empty when absent.
  AddressRange relro() const { return relro_; }
  uint64_t entry() const { return header_->e_entry; }

  // Entries before DT_NULL.
  ktl::Span<const elf::Dyn> dynamic_entries() const { return dynamic_; }
  const DynamicInfo& dynamic() const { return info_; }

  // The dynamic string at `offset`; "" for an offset outside the table (offsets taken
  // from validated structures are always inside).
  ktl::StringView string_at(uint64_t offset) const;
  ktl::StringView soname() const { return info_.has_soname ? string_at(soname_offset_) : ktl::StringView(); }
  // DT_NEEDED names in dynamic-section order; index < dynamic().needed_count.
  ktl::StringView needed(size_t index) const;

  // The dynamic symbol table; entry 0 is the null symbol. Empty without DT_SYMTAB.
  ktl::Span<const elf::Sym> symbols() const { return symbols_; }
  ktl::StringView symbol_name(size_t index) const;
  SymbolVersion symbol_version(size_t index) const;
  // The index of the defined, non-local symbol `name` in its default (not hidden)
  // version, through DT_GNU_HASH or else DT_HASH; kNoSymbol when there is none.
  size_t find_symbol(ktl::StringView name) const;
  // The same answer by walking the whole table, for tests and hash-less objects.
  size_t find_symbol_linear(ktl::StringView name) const;

  // DT_RELA (relative relocations first when DT_RELACOUNT was honoured by the linker),
  // DT_JMPREL, DT_RELR. Each entry was checked: known type, symbol index in range,
  // target inside a writable PT_LOAD.
  ktl::Span<const elf::Rela> relocations() const { return rela_; }
  ktl::Span<const elf::Rela> plt_relocations() const { return plt_rela_; }
  ktl::Span<const uint64_t> relr() const { return relr_; }

  NoteIterator notes() const { return NoteIterator(*this); }

  // The writable PT_LOAD wholly containing [vaddr, vaddr + size), or nullptr.
  const LoadSegment* writable_segment_containing(uint64_t vaddr, uint64_t size) const;
  // Any PT_LOAD containing [vaddr, vaddr + size) in memory, or nullptr.
  const LoadSegment* segment_containing(uint64_t vaddr, uint64_t size) const;

  // How many bytes a relocation of `type` writes at r_offset; 0 for an unsupported type.
  static uint64_t relocation_width(uint32_t type);
  // "R_X86_64_RELATIVE" etc., or "unknown".
  static const char* relocation_name(uint32_t type);

 private:
  friend class ElfValidator;
  friend class Module;  // a built-in module has no image
  ElfImage() = default;

  bool is_hidden_or_local(size_t index) const;
  size_t find_symbol_gnu(ktl::StringView name) const;
  size_t find_symbol_sysv(ktl::StringView name) const;
  bool symbol_matches(size_t index, ktl::StringView name) const;

  ktl::Bytes file_;
  ktl::StringView file_name_;
  const elf::Ehdr* header_ = nullptr;
  ktl::Span<const elf::Phdr> program_headers_;
  ktl::Span<const elf::Shdr> section_headers_;
  ktl::Span<const char> section_names_;

  LoadSegment load_segments_[kMaxLoadSegments] = {};
  size_t load_segment_count_ = 0;
  AddressRange load_span_;
  uint64_t max_alignment_ = kPageSize;
  TlsSegment tls_ = {};
  bool has_tls_ = false;
  AddressRange relro_;

  ktl::Span<const elf::Dyn> dynamic_;
  DynamicInfo info_;
  uint64_t soname_offset_ = 0;
  ktl::Span<const char> strings_;
  ktl::Span<const elf::Sym> symbols_;
  ktl::Span<const uint32_t> sysv_hash_;   // the whole DT_HASH table, header included
  ktl::Span<const uint32_t> gnu_hash_;    // the whole DT_GNU_HASH table, header included
  ktl::Span<const uint16_t> versym_;      // one per symbol, or empty
  ktl::Bytes verdef_;                     // from DT_VERDEF to the end of its segment
  size_t verdef_count_ = 0;
  ktl::Bytes verneed_;
  size_t verneed_count_ = 0;
  ktl::Span<const elf::Rela> rela_;
  ktl::Span<const elf::Rela> plt_rela_;
  ktl::Span<const uint64_t> relr_;
};

}  // namespace tessera
