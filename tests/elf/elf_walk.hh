#pragma once
// Walks everything a validated ElfImage exposes and checks what validation promises:
// every view lies inside the file, every name is NUL-terminated inside it, every index
// is in range, every relocation target is in a writable segment, and symbol lookup
// through the hash tables finds what it should. Returns "" or the first broken promise.
// Shared by the unit tests, the system-objects test and the elf_module fuzzer.
#include <stdint.h>

#include <string>

#include "module/elf_image.hh"

namespace tessera::elf_test {

class ElfWalker {
 public:
  // `strict`: the file is a real, well-formed object, so every exported symbol must be
  // found through its hash table. Fuzzed files may hash symbols into the wrong bucket.
  ElfWalker(const ElfImage& image, bool strict) : image_(image), strict_(strict) {}

  std::string walk() {
    walk_segments();
    walk_dynamic();
    walk_symbols();
    walk_relocations();
    walk_notes();
    walk_sections();
    return problem_;
  }

  size_t items() const { return items_; }

 private:
  void fail(const std::string& what) {
    if (problem_.empty()) problem_ = what;
  }

  bool in_file(const void* pointer, size_t size) {
    if (size == 0) return true;  // empty views may point anywhere (or nowhere)
    auto* begin = image_.file().data();
    auto* p = static_cast<const uint8_t*>(pointer);
    return p >= begin && p <= begin + image_.file().size() && size <= static_cast<size_t>(begin + image_.file().size() - p);
  }

  // Non-empty names must lie in the file and be followed by a NUL inside it.
  void check_name(ktl::StringView name, const std::string& what) {
    ++items_;
    if (name.empty()) return;
    if (!in_file(name.data(), name.length() + 1) || name.data()[name.length()] != 0)
      fail(what + ": name not NUL-terminated inside the file");
  }

  void walk_segments() {
    auto span = image_.load_span();
    if (span.start % ElfImage::kPageSize || span.end % ElfImage::kPageSize || span.end <= span.start ||
        span.end - span.start > ElfImage::kMaxLoadSpan)
      fail("load span");
    uint64_t previous_end = 0;
    for (const auto& segment : image_.load_segments()) {
      ++items_;
      if (!in_file(segment.contents.data(), segment.contents.size())) fail("segment contents outside the file");
      if (segment.contents.size() != segment.file_size || segment.file_size > segment.memory_size)
        fail("segment sizes");
      if (segment.vaddr < previous_end || segment.vaddr < span.start || segment.vaddr + segment.memory_size > span.end)
        fail("segment order or span");
      if (segment.writable() && segment.executable()) fail("W+X segment");
      previous_end = segment.vaddr + segment.memory_size;
    }
    if (const auto* tls = image_.tls()) {
      if (!in_file(tls->initial.data(), tls->initial.size()) || tls->initial.size() > tls->memory_size ||
          (tls->alignment & (tls->alignment - 1)))
        fail("TLS segment");
    }
    // RELRO starts inside a writable segment and ends no later than that segment's last
    // page (GNU ld may round it past the segment's memory size; the loader protects only
    // whole pages below its end).
    auto relro = image_.relro();
    if (!relro.empty()) {
      const auto* segment = image_.writable_segment_containing(relro.start, 1);
      uint64_t page = tessera::ElfImage::kPageSize;
      if (!segment || relro.end < relro.start ||
          relro.end > ((segment->vaddr + segment->memory_size + page - 1) & ~(page - 1)))
        fail("RELRO outside a writable segment");
    }
  }

  void walk_dynamic() {
    const auto& info = image_.dynamic();
    for (size_t i = 0; i < info.needed_count; ++i) {
      auto name = image_.needed(i);
      if (name.empty()) fail("empty DT_NEEDED");
      check_name(name, "DT_NEEDED");
    }
    check_name(image_.soname(), "DT_SONAME");
    if (!in_file(image_.dynamic_entries().data(), image_.dynamic_entries().size() * sizeof(elf::Dyn)))
      fail("dynamic entries outside the file");
    for (auto array : {info.init_array, info.fini_array})
      if (array.count && !image_.segment_containing(array.vaddr, array.count * 8)) fail("init/fini array");
    for (uint64_t function : {info.init, info.fini}) {
      if (!function) continue;
      auto* segment = image_.segment_containing(function, 1);
      if (!segment || !segment->executable()) fail("DT_INIT/DT_FINI");
    }
  }

  void walk_symbols() {
    auto symbols = image_.symbols();
    if (!in_file(symbols.data(), symbols.size() * sizeof(elf::Sym))) fail("symbol table outside the file");
    auto span = image_.load_span();
    for (size_t i = 0; i < symbols.size(); ++i) {
      const auto& symbol = symbols[i];
      auto name = image_.symbol_name(i);
      check_name(name, "symbol " + std::to_string(i));
      auto version = image_.symbol_version(i);
      check_name(version.name, "version of symbol " + std::to_string(i));
      check_name(version.file, "version file of symbol " + std::to_string(i));
      bool special = symbol.st_shndx == elf::kShnUndef || symbol.st_shndx >= elf::kShnLoReserve;
      if (!special && symbol.type() != elf::kSttTls && (symbol.st_value < span.start || symbol.st_value > span.end))
        fail("symbol " + std::to_string(i) + " value outside the span");
      size_t found = image_.find_symbol(name);
      if (found != ElfImage::kNoSymbol) {
        if (found >= symbols.size() || !(image_.symbol_name(found) == name) || !symbols[found].is_defined())
          fail("find_symbol returned a wrong symbol for " + std::string(name.data(), name.length()));
      }
      // Without DT_VERSYM every symbol reads as version index 1 (global).
      bool exported = symbol.is_defined() && symbol.binding() != elf::kStbLocal && !version.hidden &&
                      version.index != elf::kVerNdxLocal;
      if (strict_ && exported && i > 0 && !name.empty() && found == ElfImage::kNoSymbol)
        fail("find_symbol misses exported symbol " + std::string(name.data(), name.length()));
      // The linear walk is quadratic over a whole table: sample it.
      if (i < 64) {
        size_t linear = image_.find_symbol_linear(name);
        if ((linear == ElfImage::kNoSymbol) != (found == ElfImage::kNoSymbol) && strict_)
          fail("hash and linear lookup disagree on " + std::string(name.data(), name.length()));
      }
    }
    if (image_.find_symbol("") != ElfImage::kNoSymbol && strict_) fail("found the empty name");
  }

  void check_relocations(ktl::Span<const elf::Rela> table, const char* what) {
    if (!in_file(table.data(), table.size() * sizeof(elf::Rela))) fail(std::string(what) + " outside the file");
    for (const auto& relocation : table) {
      ++items_;
      uint64_t width = ElfImage::relocation_width(relocation.type());
      if (relocation.type() == elf::kRX86_64None) continue;
      if (width == 0) fail(std::string(what) + ": unsupported type accepted");
      if (relocation.symbol() >= image_.symbols().size() && relocation.symbol() != 0)
        fail(std::string(what) + ": symbol index out of range");
      if (!image_.writable_segment_containing(relocation.r_offset, width))
        fail(std::string(what) + ": target outside a writable segment");
    }
  }

  void walk_relocations() {
    check_relocations(image_.relocations(), "DT_RELA");
    check_relocations(image_.plt_relocations(), "DT_JMPREL");
    uint64_t base = 0;
    for (uint64_t entry : image_.relr()) {
      ++items_;
      if (!(entry & 1)) {
        if (!image_.writable_segment_containing(entry, 8)) fail("DT_RELR address");
        base = entry + 8;
        continue;
      }
      for (unsigned bit = 1; bit < 64; ++bit)
        if ((entry >> bit) & 1 && !image_.writable_segment_containing(base + (bit - 1) * 8, 8))
          fail("DT_RELR bitmap address");
      base += 63 * 8;
    }
  }

  void walk_notes() {
    auto notes = image_.notes();
    ElfImage::Note note;
    size_t count = 0;
    while (notes.next(note)) {
      ++items_;
      if (++count > image_.file().size() / sizeof(elf::Nhdr) + 1) {
        fail("note iteration does not end");
        return;
      }
      if (!note.name.empty()) check_name(note.name, "note");
      if (!in_file(note.descriptor.data(), note.descriptor.size())) fail("note descriptor outside the file");
    }
  }

  void walk_sections() {
    auto sections = image_.section_headers();
    if (!in_file(sections.data(), sections.size() * sizeof(elf::Shdr))) fail("section headers outside the file");
    for (size_t i = 0; i < sections.size(); ++i) check_name(image_.section_name(i), "section " + std::to_string(i));
  }

  const ElfImage& image_;
  bool strict_;
  std::string problem_;
  size_t items_ = 0;
};

}  // namespace tessera::elf_test
