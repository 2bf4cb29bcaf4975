// File-level checks: size, identity, program headers and segments, section headers.
#include "module/elf_validator.hh"

#include <stdarg.h>
#include <tessera/format.hh>
#include <tessera/ktl/utility.hh>

namespace tessera {

namespace {

// File names are cut in messages so that the check and its values always fit.
constexpr int kMaxNameInMessage = 48;

template <typename T> const T* at(ktl::Bytes file, uint64_t offset) {
  return reinterpret_cast<const T*>(file.data() + offset);
}

// Both 0 and 1 mean "no alignment" in p_align and sh_addralign.
constexpr bool valid_alignment(uint64_t alignment) {
  return alignment <= 1 || ktl::is_power_of_two(alignment);
}

// True when [offset, offset + size) lies inside a file of `file_size` bytes.
constexpr bool inside_file(uint64_t offset, uint64_t size, uint64_t file_size) {
  uint64_t end;
  return ktl::checked_add(offset, size, end) && end <= file_size;
}

}  // namespace

Error ElfValidator::refuse(int code, const char* format, ...) {
  char detail[Error::kMessageCapacity];
  va_list args;
  va_start(args, format);
  vformat(detail, sizeof(detail), format, args);
  va_end(args);
  int name_length = static_cast<int>(ktl::min(file_name_.length(), static_cast<size_t>(kMaxNameInMessage)));
  return Error::with_message(code, "%.*s: %s", name_length, file_name_.data(), detail);
}

Result<void> ElfValidator::run() {
  // Before anything is read: an oversized input is refused by its size alone.
  if (file_.size() > ElfImage::kMaxFileSize)
    return refuse(kEFBIG, "file size %zu exceeds the limit %zu", file_.size(), ElfImage::kMaxFileSize);
  if (reinterpret_cast<uintptr_t>(file_.data()) % 8 != 0)
    return refuse(kEINVAL, "file buffer %p is not 8-byte aligned", file_.data());
  if (file_.size() < sizeof(elf::Ehdr))
    return refuse(kENOEXEC, "file size %zu is smaller than the ELF header (64)", file_.size());
  image_.file_ = file_;
  image_.file_name_ = file_name_;
  image_.header_ = at<elf::Ehdr>(file_, 0);
  TRY(check_identity());
  TRY(check_program_header_table());
  TRY(check_entry());
  TRY(check_section_headers());
  TRY(check_dynamic());
  return {};
}

Result<void> ElfValidator::check_identity() {
  const elf::Ehdr& header = *image_.header_;
  const uint8_t* ident = header.e_ident;
  if (__builtin_memcmp(ident, elf::kMagic, sizeof(elf::kMagic)) != 0)
    return refuse(kENOEXEC, "bad ELF magic %02x %02x %02x %02x", ident[0], ident[1], ident[2], ident[3]);
  if (ident[elf::kIdentClass] != elf::kClass64)
    return refuse(kENOEXEC, "EI_CLASS %u is not ELFCLASS64 (2)", ident[elf::kIdentClass]);
  if (ident[elf::kIdentData] != elf::kDataLittleEndian)
    return refuse(kENOEXEC, "EI_DATA %u is not little-endian (1)", ident[elf::kIdentData]);
  if (ident[elf::kIdentVersion] != elf::kVersionCurrent)
    return refuse(kENOEXEC, "EI_VERSION %u is not 1", ident[elf::kIdentVersion]);
  uint8_t abi = ident[elf::kIdentOsAbi];
  if (abi != elf::kOsAbiSysv && abi != elf::kOsAbiGnu)
    return refuse(kENOEXEC, "EI_OSABI %u is neither SYSV (0) nor GNU (3)", abi);
  if (header.e_type == elf::kTypeExecutable)
    return refuse(kENOTSUP, "e_type ET_EXEC (2): only shared objects (ET_DYN) are loaded");
  if (header.e_type != elf::kTypeShared)
    return refuse(kENOEXEC, "e_type %u is not ET_DYN (3)", header.e_type);
  if (header.e_machine != elf::kMachineX86_64)
    return refuse(kENOEXEC, "e_machine %u is not x86-64 (62)", header.e_machine);
  if (header.e_version != elf::kVersionCurrent)
    return refuse(kENOEXEC, "e_version %u is not 1", header.e_version);
  if (header.e_ehsize != sizeof(elf::Ehdr))
    return refuse(kENOEXEC, "e_ehsize %u is not 64", header.e_ehsize);
  if (header.e_phentsize != sizeof(elf::Phdr))
    return refuse(kENOEXEC, "e_phentsize %u is not 56", header.e_phentsize);
  return {};
}

Result<void> ElfValidator::check_program_header_table() {
  const elf::Ehdr& header = *image_.header_;
  if (header.e_phnum == 0) return refuse(kENOEXEC, "e_phnum is 0: no program headers");
  if (header.e_phnum > ElfImage::kMaxProgramHeaders)
    return refuse(kENOEXEC, "e_phnum %u exceeds the limit %zu", header.e_phnum, ElfImage::kMaxProgramHeaders);
  if (header.e_phoff % 8 != 0) return refuse(kENOEXEC, "e_phoff 0x%lx is not 8-byte aligned", header.e_phoff);
  if (header.e_phoff < sizeof(elf::Ehdr))
    return refuse(kENOEXEC, "e_phoff 0x%lx overlaps the ELF header", header.e_phoff);
  uint64_t table_size = uint64_t{header.e_phnum} * sizeof(elf::Phdr);
  if (!inside_file(header.e_phoff, table_size, file_.size()))
    return refuse(kENOEXEC, "program headers at 0x%lx size 0x%lx end past the file (size 0x%zx)",
                  header.e_phoff, table_size, file_.size());
  image_.program_headers_ = {at<elf::Phdr>(file_, header.e_phoff), header.e_phnum};

  // PT_LOAD first: every other segment is checked against the load map.
  for (size_t i = 0; i < image_.program_headers_.size(); ++i) {
    const elf::Phdr& segment = image_.program_headers_[i];
    if (segment.p_type == elf::kPtLoad) TRY(check_load_segment(i, segment));
  }
  TRY(check_load_span());

  size_t dynamic_index = 0, tls_index = 0, relro_index = 0;
  for (size_t i = 0; i < image_.program_headers_.size(); ++i) {
    const elf::Phdr& segment = image_.program_headers_[i];
    switch (segment.p_type) {
      case elf::kPtDynamic:
        if (dynamic_header_)
          return refuse(kENOEXEC, "more than one PT_DYNAMIC (program headers %zu and %zu)", dynamic_index, i);
        dynamic_index = i;
        TRY(check_dynamic_segment(i, segment));
        break;
      case elf::kPtTls:
        if (image_.has_tls_)
          return refuse(kENOEXEC, "more than one PT_TLS (program headers %zu and %zu)", tls_index, i);
        tls_index = i;
        TRY(check_tls_segment(i, segment));
        break;
      case elf::kPtGnuRelro:
        if (!image_.relro_.empty())
          return refuse(kENOEXEC, "more than one PT_GNU_RELRO (program headers %zu and %zu)", relro_index, i);
        relro_index = i;
        TRY(check_relro_segment(i, segment));
        break;
      case elf::kPtNote:
        TRY(check_note_segment(i, segment));
        break;
      default:
        break;  // PT_PHDR, PT_INTERP, PT_GNU_STACK, PT_GNU_EH_FRAME, ...: not used
    }
  }
  return {};
}

Result<void> ElfValidator::check_load_segment(size_t index, const elf::Phdr& header) {
  if (image_.load_segment_count_ == ElfImage::kMaxLoadSegments)
    return refuse(kENOEXEC, "PT_LOAD %zu: more than %zu PT_LOAD segments", index, ElfImage::kMaxLoadSegments);
  if (!valid_alignment(header.p_align))
    return refuse(kENOEXEC, "PT_LOAD %zu p_align 0x%lx is not a power of two", index, header.p_align);
  if (header.p_align > ElfImage::kMaxAlignment)
    return refuse(kENOEXEC, "PT_LOAD %zu p_align 0x%lx exceeds the limit 0x%lx", index, header.p_align,
                  ElfImage::kMaxAlignment);
  // The gABI requires p_offset and p_vaddr to agree modulo the page size (and modulo
  // p_align), which lets a loader map file pages straight to their addresses.
  uint64_t congruence = ktl::max(header.p_align, ElfImage::kPageSize);
  if ((header.p_offset - header.p_vaddr) % congruence != 0)
    return refuse(kENOEXEC, "PT_LOAD %zu p_offset 0x%lx and p_vaddr 0x%lx differ modulo 0x%lx", index,
                  header.p_offset, header.p_vaddr, congruence);
  if (header.p_memsz < header.p_filesz)
    return refuse(kENOEXEC, "PT_LOAD %zu p_memsz 0x%lx is smaller than p_filesz 0x%lx", index, header.p_memsz,
                  header.p_filesz);
  if (!inside_file(header.p_offset, header.p_filesz, file_.size()))
    return refuse(kENOEXEC, "PT_LOAD %zu file range 0x%lx+0x%lx ends past the file (size 0x%zx)", index,
                  header.p_offset, header.p_filesz, file_.size());
  // Ends stay at or below the last page boundary, so rounding them up cannot wrap.
  constexpr uint64_t kHighestEnd = ~(ElfImage::kPageSize - 1);
  uint64_t end;
  if (!ktl::checked_add(header.p_vaddr, header.p_memsz, end) || end > kHighestEnd)
    return refuse(kENOEXEC, "PT_LOAD %zu p_vaddr 0x%lx + p_memsz 0x%lx overflows", index, header.p_vaddr,
                  header.p_memsz);
  if ((header.p_flags & elf::kPfWrite) && (header.p_flags & elf::kPfExecute))
    return refuse(kENOTSUP, "PT_LOAD %zu is both writable and executable (p_flags 0x%x)", index, header.p_flags);

  if (image_.load_segment_count_ > 0) {
    const ElfImage::LoadSegment& previous = image_.load_segments_[image_.load_segment_count_ - 1];
    uint64_t previous_end = previous.vaddr + previous.memory_size;
    if (header.p_vaddr < previous.vaddr)
      return refuse(kENOEXEC, "PT_LOAD %zu vaddr 0x%lx is below the previous PT_LOAD's 0x%lx (not ascending)",
                    index, header.p_vaddr, previous.vaddr);
    if (header.p_vaddr < previous_end)
      return refuse(kENOEXEC, "PT_LOAD %zu vaddr 0x%lx overlaps the previous PT_LOAD ending at 0x%lx", index,
                    header.p_vaddr, previous_end);
    // Page protections are per page: two segments that want different ones cannot share.
    uint64_t previous_last_page = ktl::align_down(previous_end - 1, ElfImage::kPageSize);
    if (previous.memory_size > 0 && header.p_memsz > 0 && previous.flags != header.p_flags &&
        ktl::align_down(header.p_vaddr, ElfImage::kPageSize) == previous_last_page)
      return refuse(kENOEXEC, "PT_LOAD %zu shares page 0x%lx with the previous PT_LOAD (different p_flags)",
                    index, previous_last_page);
  }

  ElfImage::LoadSegment& segment = image_.load_segments_[image_.load_segment_count_++];
  segment.vaddr = header.p_vaddr;
  segment.memory_size = header.p_memsz;
  segment.file_offset = header.p_offset;
  segment.file_size = header.p_filesz;
  segment.alignment = header.p_align;
  segment.flags = header.p_flags;
  segment.contents = file_.subspan(header.p_offset, header.p_filesz);
  image_.max_alignment_ = ktl::max(image_.max_alignment_, header.p_align);
  return {};
}

Result<void> ElfValidator::check_load_span() {
  if (image_.load_segment_count_ == 0) return refuse(kENOEXEC, "no PT_LOAD segment");
  const ElfImage::LoadSegment& first = image_.load_segments_[0];
  const ElfImage::LoadSegment& last = image_.load_segments_[image_.load_segment_count_ - 1];
  uint64_t start = ktl::align_down(first.vaddr, ElfImage::kPageSize);
  uint64_t end;
  // check_load_segment kept every end at least a page below the top of the address space.
  ktl::align_up(last.vaddr + last.memory_size, ElfImage::kPageSize, end);
  if (end == start) return refuse(kENOEXEC, "PT_LOAD segments are all empty (p_memsz 0)");
  if (end - start > ElfImage::kMaxLoadSpan)
    return refuse(kENOEXEC, "PT_LOAD segments span 0x%lx bytes, over the limit 0x%lx", end - start,
                  ElfImage::kMaxLoadSpan);
  image_.load_span_ = {start, end};
  return {};
}

Result<void> ElfValidator::check_dynamic_segment(size_t index, const elf::Phdr& header) {
  if (header.p_filesz < sizeof(elf::Dyn) || header.p_filesz % sizeof(elf::Dyn) != 0)
    return refuse(kENOEXEC, "PT_DYNAMIC p_filesz 0x%lx is not a non-zero multiple of 16", header.p_filesz);
  ktl::Bytes bytes = TRY(bytes_at("PT_DYNAMIC", header.p_vaddr, header.p_filesz, 8));
  uint64_t offset = static_cast<uint64_t>(bytes.data() - file_.data());
  if (offset != header.p_offset)
    return refuse(kENOEXEC, "PT_DYNAMIC p_offset 0x%lx disagrees with its p_vaddr 0x%lx (file offset 0x%lx)",
                  header.p_offset, header.p_vaddr, offset);
  dynamic_header_ = &header;
  return {};
}

Result<void> ElfValidator::check_tls_segment(size_t index, const elf::Phdr& header) {
  if (header.p_memsz < header.p_filesz)
    return refuse(kENOEXEC, "PT_TLS p_memsz 0x%lx is smaller than p_filesz 0x%lx", header.p_memsz,
                  header.p_filesz);
  if (!valid_alignment(header.p_align) || header.p_align > ElfImage::kPageSize)
    return refuse(kENOEXEC, "PT_TLS p_align 0x%lx is not a power of two up to the page size", header.p_align);
  if (header.p_memsz > ElfImage::kMaxLoadSpan)
    return refuse(kENOEXEC, "PT_TLS p_memsz 0x%lx exceeds the limit 0x%lx", header.p_memsz,
                  ElfImage::kMaxLoadSpan);
  // The initialisation image (.tdata) is read from the file; .tbss is only a size.
  ktl::Bytes initial = TRY(bytes_at("PT_TLS", header.p_vaddr, header.p_filesz, 1));
  if (header.p_filesz > 0 && static_cast<uint64_t>(initial.data() - file_.data()) != header.p_offset)
    return refuse(kENOEXEC, "PT_TLS p_offset 0x%lx disagrees with its p_vaddr 0x%lx", header.p_offset,
                  header.p_vaddr);
  image_.tls_ = {header.p_vaddr, header.p_memsz, header.p_align ? header.p_align : 1, initial};
  image_.has_tls_ = true;
  return {};
}

Result<void> ElfValidator::check_relro_segment(size_t index, const elf::Phdr& header) {
  if (header.p_memsz == 0) return {};
  // GNU ld may end PT_GNU_RELRO past the writable PT_LOAD's memory size, within its last
  // page (seen with TLS and nothing after .got): the start must lie in a writable
  // segment and the end within that segment's end rounded up to a page. The loader
  // protects whole pages below the end rounded down, so nothing outside is touched.
  uint64_t end = 0;
  if (!ktl::checked_add(header.p_vaddr, header.p_memsz, end))
    return refuse(kENOEXEC, "PT_GNU_RELRO 0x%lx+0x%lx overflows", header.p_vaddr, header.p_memsz);
  const ElfImage::LoadSegment* segment = image_.writable_segment_containing(header.p_vaddr, 1);
  uint64_t segment_end = 0;
  bool fits = segment && ktl::align_up(segment->vaddr + segment->memory_size, ElfImage::kPageSize, segment_end) &&
              end <= segment_end;
  if (!fits)
    return refuse(kENOEXEC, "PT_GNU_RELRO 0x%lx+0x%lx is not inside a writable PT_LOAD", header.p_vaddr,
                  header.p_memsz);
  image_.relro_ = {header.p_vaddr, header.p_vaddr + header.p_memsz};
  return {};
}

Result<void> ElfValidator::check_note_segment(size_t index, const elf::Phdr& header) {
  if (header.p_align > 8 || !valid_alignment(header.p_align))
    return refuse(kENOEXEC, "PT_NOTE %zu p_align %lu is not 4 or 8", index, header.p_align);
  if (header.p_offset % 4 != 0)
    return refuse(kENOEXEC, "PT_NOTE %zu p_offset 0x%lx is not 4-byte aligned", index, header.p_offset);
  if (!inside_file(header.p_offset, header.p_filesz, file_.size()))
    return refuse(kENOEXEC, "PT_NOTE %zu file range 0x%lx+0x%lx ends past the file (size 0x%zx)", index,
                  header.p_offset, header.p_filesz, file_.size());
  uint64_t alignment = header.p_align == 8 ? 8 : 4;
  ktl::Bytes notes = file_.subspan(header.p_offset, header.p_filesz);
  // Every quantity below is a sum of a few 32-bit values: 64-bit arithmetic cannot wrap.
  for (uint64_t offset = 0; offset < notes.size();) {
    if (notes.size() - offset < sizeof(elf::Nhdr))
      return refuse(kENOEXEC, "PT_NOTE %zu note at 0x%lx: header truncated", index, offset);
    elf::Nhdr note;
    __builtin_memcpy(&note, notes.data() + offset, sizeof(note));
    // The descriptor starts at the next aligned offset after the name (the alignment is
    // of offsets within the segment, so 8-aligned notes pad "GNU\0" to 16 bytes, not 20).
    uint64_t name_offset = offset + sizeof(elf::Nhdr);
    uint64_t descriptor_offset = (name_offset + note.n_namesz + alignment - 1) & ~(alignment - 1);
    uint64_t descriptor_end = descriptor_offset + note.n_descsz;
    if (name_offset + note.n_namesz > notes.size() || descriptor_end > notes.size())
      return refuse(kENOEXEC, "PT_NOTE %zu note at 0x%lx: name size %u and descriptor size %u pass the segment end",
                    index, offset, note.n_namesz, note.n_descsz);
    if (note.n_namesz > 0 && notes.data()[name_offset + note.n_namesz - 1] != 0)
      return refuse(kENOEXEC, "PT_NOTE %zu note at 0x%lx: name is not NUL-terminated", index, offset);
    offset = (descriptor_end + alignment - 1) & ~(alignment - 1);
  }
  return {};
}

Result<void> ElfValidator::check_entry() {
  uint64_t entry = image_.header_->e_entry;
  if (entry == 0) return {};
  const ElfImage::LoadSegment* segment = image_.segment_containing(entry, 1);
  if (!segment || !segment->executable())
    return refuse(kENOEXEC, "e_entry 0x%lx is not inside an executable PT_LOAD", entry);
  return {};
}

Result<ktl::Bytes> ElfValidator::bytes_at(const char* what, uint64_t vaddr, uint64_t size, uint64_t alignment) {
  uint64_t end;
  if (!ktl::checked_add(vaddr, size, end))
    return refuse(kENOEXEC, "%s 0x%lx size 0x%lx overflows", what, vaddr, size);
  for (const ElfImage::LoadSegment& segment : image_.load_segments()) {
    if (vaddr < segment.vaddr || end > segment.vaddr + segment.file_size) continue;
    uint64_t offset = segment.file_offset + (vaddr - segment.vaddr);
    if (offset % alignment != 0)
      return refuse(kENOEXEC, "%s 0x%lx is at file offset 0x%lx, not %lu-byte aligned", what, vaddr, offset,
                    alignment);
    return file_.subspan(offset, size);
  }
  return refuse(kENOEXEC, "%s 0x%lx size 0x%lx is not inside the file part of a PT_LOAD", what, vaddr, size);
}

Result<ktl::Bytes> ElfValidator::bytes_from(const char* what, uint64_t vaddr, uint64_t alignment) {
  for (const ElfImage::LoadSegment& segment : image_.load_segments()) {
    if (vaddr < segment.vaddr || vaddr >= segment.vaddr + segment.file_size) continue;
    return bytes_at(what, vaddr, segment.vaddr + segment.file_size - vaddr, alignment);
  }
  return refuse(kENOEXEC, "%s 0x%lx is not inside the file part of a PT_LOAD", what, vaddr);
}

Result<void> ElfValidator::check_section_headers() {
  const elf::Ehdr& header = *image_.header_;
  // Section headers are optional for loading; when present they must be sound.
  if (header.e_shoff == 0) {
    if (header.e_shnum != 0) return refuse(kENOEXEC, "e_shnum %u with e_shoff 0", header.e_shnum);
    return {};
  }
  if (header.e_shentsize != sizeof(elf::Shdr))
    return refuse(kENOEXEC, "e_shentsize %u is not 64", header.e_shentsize);
  if (header.e_shoff % 8 != 0) return refuse(kENOEXEC, "e_shoff 0x%lx is not 8-byte aligned", header.e_shoff);
  if (!inside_file(header.e_shoff, sizeof(elf::Shdr), file_.size()))
    return refuse(kENOEXEC, "e_shoff 0x%lx is past the file (size 0x%zx)", header.e_shoff, file_.size());
  const elf::Shdr& first = *at<elf::Shdr>(file_, header.e_shoff);
  // With 0xff00 or more sections the real count and name-table index move to section 0.
  uint64_t count = header.e_shnum ? header.e_shnum : first.sh_size;
  if (count == 0) return refuse(kENOEXEC, "e_shnum is 0 and section 0 holds no count");
  uint64_t table_size;
  if (!ktl::checked_mul(count, uint64_t{sizeof(elf::Shdr)}, table_size) ||
      !inside_file(header.e_shoff, table_size, file_.size()))
    return refuse(kENOEXEC, "section headers at 0x%lx (%lu entries) end past the file (size 0x%zx)",
                  header.e_shoff, count, file_.size());
  section_count_ = count;
  image_.section_headers_ = {&first, section_count_};

  if (first.sh_type != elf::kShtNull)
    return refuse(kENOEXEC, "section 0 has type %u, not SHT_NULL", first.sh_type);
  if (first.sh_addr != 0 || first.sh_offset != 0 || first.sh_flags != 0 || (header.e_shnum != 0 && first.sh_size != 0))
    return refuse(kENOEXEC, "section 0 (SHT_NULL) has a non-zero address, offset, flags or size");

  uint32_t names_index = header.e_shstrndx == elf::kShnXindex ? first.sh_link : header.e_shstrndx;
  if (names_index != elf::kShnUndef) {
    if (names_index >= section_count_)
      return refuse(kENOEXEC, "e_shstrndx %u is not below the section count %zu", names_index, section_count_);
    const elf::Shdr& names = image_.section_headers_[names_index];
    if (names.sh_type != elf::kShtStrtab)
      return refuse(kENOEXEC, "section-name table (section %u) has type %u, not SHT_STRTAB", names_index,
                    names.sh_type);
    if (names.sh_size == 0)
      return refuse(kENOEXEC, "section-name table (section %u) is empty", names_index);
  }
  for (size_t i = 1; i < section_count_; ++i) TRY(check_section(i, image_.section_headers_[i]));
  if (names_index != elf::kShnUndef) {
    const elf::Shdr& names = image_.section_headers_[names_index];
    image_.section_names_ = {reinterpret_cast<const char*>(file_.data() + names.sh_offset), names.sh_size};
    for (size_t i = 1; i < section_count_; ++i) {
      uint32_t name = image_.section_headers_[i].sh_name;
      if (name >= names.sh_size)
        return refuse(kENOEXEC, "section %zu sh_name 0x%x is outside the section-name table (size 0x%lx)", i,
                      name, names.sh_size);
    }
  }
  for (size_t i = 1; i < section_count_; ++i) TRY(check_section_symbols(i, image_.section_headers_[i]));
  return {};
}

Result<void> ElfValidator::check_section(size_t index, const elf::Shdr& section) {
  if (section.sh_type != elf::kShtNobits && section.sh_type != elf::kShtNull &&
      !inside_file(section.sh_offset, section.sh_size, file_.size()))
    return refuse(kENOEXEC, "section %zu offset 0x%lx size 0x%lx ends past the file (size 0x%zx)", index,
                  section.sh_offset, section.sh_size, file_.size());
  if (!valid_alignment(section.sh_addralign))
    return refuse(kENOEXEC, "section %zu sh_addralign 0x%lx is not a power of two", index, section.sh_addralign);
  if (section.sh_link >= section_count_)
    return refuse(kENOEXEC, "section %zu sh_link %u is not below the section count %zu", index, section.sh_link,
                  section_count_);
  if (section.sh_type == elf::kShtStrtab && section.sh_size > 0 &&
      file_.data()[section.sh_offset + section.sh_size - 1] != 0)
    return refuse(kENOEXEC, "section %zu (SHT_STRTAB) does not end with NUL", index);
  if (section.sh_type == elf::kShtRela && section.sh_entsize != sizeof(elf::Rela))
    return refuse(kENOEXEC, "section %zu (SHT_RELA) sh_entsize %lu is not 24", index, section.sh_entsize);
  return {};
}

Result<void> ElfValidator::check_section_symbols(size_t index, const elf::Shdr& section) {
  if (section.sh_type != elf::kShtSymtab && section.sh_type != elf::kShtDynsym) return {};
  if (section.sh_entsize != sizeof(elf::Sym))
    return refuse(kENOEXEC, "section %zu (symbol table) sh_entsize %lu is not 24", index, section.sh_entsize);
  if (section.sh_size % sizeof(elf::Sym) != 0 || section.sh_offset % 8 != 0)
    return refuse(kENOEXEC, "section %zu (symbol table) offset 0x%lx size 0x%lx is not a whole aligned table",
                  index, section.sh_offset, section.sh_size);
  // sh_link < section_count_ was checked; section 0 (SHT_NULL) and SHT_NOBITS fail here.
  const elf::Shdr& strings = image_.section_headers_[section.sh_link];
  if (strings.sh_type != elf::kShtStrtab || strings.sh_size == 0)
    return refuse(kENOEXEC, "section %zu (symbol table) sh_link %u is not a non-empty SHT_STRTAB (type %u)", index,
                  section.sh_link, strings.sh_type);
  ktl::Span<const elf::Sym> symbols = {at<elf::Sym>(file_, section.sh_offset), section.sh_size / sizeof(elf::Sym)};
  for (size_t i = 0; i < symbols.size(); ++i) {
    const elf::Sym& symbol = symbols[i];
    if (symbol.st_name >= strings.sh_size)
      return refuse(kENOEXEC, "section %zu symbol %zu st_name 0x%x is outside its string table (size 0x%lx)",
                    index, i, symbol.st_name, strings.sh_size);
    if (symbol.st_shndx < elf::kShnLoReserve && symbol.st_shndx >= section_count_)
      return refuse(kENOEXEC, "section %zu symbol %zu st_shndx %u is not below the section count %zu", index, i,
                    symbol.st_shndx, section_count_);
  }
  return {};
}

}  // namespace tessera
