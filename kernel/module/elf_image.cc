// The read side of ElfImage. Everything here walks tables try_validate already checked;
// the bounds tests that remain keep each accessor total on its own (an index out of
// range gives an empty answer) rather than trusting a caller's arithmetic.
#include "module/elf_image.hh"

#include <tessera/ktl/utility.hh>

#include "module/elf_validator.hh"

namespace tessera {

namespace {

ktl::StringView c_string_in(ktl::Span<const char> table, uint64_t offset) {
  if (offset >= table.size()) return {};
  const char* start = table.data() + offset;
  size_t length = 0;
  while (offset + length < table.size() && start[length] != 0) ++length;
  return {start, length};
}

template <typename T> bool read_at(ktl::Bytes bytes, uint64_t offset, T& out) {
  if (bytes.size() < sizeof(T) || offset > bytes.size() - sizeof(T)) return false;
  __builtin_memcpy(&out, bytes.data() + offset, sizeof(T));
  return true;
}

}  // namespace

Result<ElfImage> ElfImage::try_validate(ktl::Bytes file, ktl::StringView file_name) {
  ElfImage image;
  TRY(ElfValidator(file, file_name, image).run());
  return image;
}

ktl::StringView ElfImage::section_name(size_t index) const {
  if (index >= section_headers_.size()) return {};
  return c_string_in(section_names_, section_headers_[index].sh_name);
}

ktl::StringView ElfImage::string_at(uint64_t offset) const { return c_string_in(strings_, offset); }

ktl::StringView ElfImage::needed(size_t index) const {
  for (const elf::Dyn& entry : dynamic_) {
    if (entry.d_tag != elf::kDtNeeded) continue;
    if (index-- == 0) return string_at(entry.d_val);
  }
  return {};
}

ktl::StringView ElfImage::symbol_name(size_t index) const {
  if (index >= symbols_.size()) return {};
  return string_at(symbols_[index].st_name);
}

ElfImage::SymbolVersion ElfImage::symbol_version(size_t index) const {
  SymbolVersion version;
  if (index >= symbols_.size() || index >= versym_.size()) return version;
  version.index = versym_[index] & elf::kVersymIndexMask;
  version.hidden = versym_[index] & elf::kVersymHidden;
  if (version.index <= elf::kVerNdxGlobal) return version;

  uint64_t offset = 0;
  for (size_t n = 0; n < verdef_count_; ++n) {
    elf::Verdef entry;
    if (!read_at(verdef_, offset, entry)) break;
    elf::Verdaux name;
    if (entry.vd_ndx == version.index && read_at(verdef_, offset + entry.vd_aux, name)) {
      version.defined_here = true;
      version.name = string_at(name.vda_name);
      return version;
    }
    offset += entry.vd_next;
  }
  offset = 0;
  for (size_t n = 0; n < verneed_count_; ++n) {
    elf::Verneed entry;
    if (!read_at(verneed_, offset, entry)) break;
    uint64_t aux = offset + entry.vn_aux;
    for (uint16_t a = 0; a < entry.vn_cnt; ++a) {
      elf::Vernaux need;
      if (!read_at(verneed_, aux, need)) break;
      if ((need.vna_other & elf::kVersymIndexMask) == version.index) {
        version.name = string_at(need.vna_name);
        version.file = string_at(entry.vn_file);
        return version;
      }
      aux += need.vna_next;
    }
    offset += entry.vn_next;
  }
  return version;
}

bool ElfImage::symbol_matches(size_t index, ktl::StringView name) const {
  const elf::Sym& symbol = symbols_[index];
  if (!symbol.is_defined() || symbol.binding() == elf::kStbLocal) return false;
  if (index < versym_.size()) {
    uint16_t version = versym_[index];
    // Hidden versions (foo@V1 beside foo@@V2) and local ones are not found by name alone.
    if ((version & elf::kVersymHidden) || (version & elf::kVersymIndexMask) == elf::kVerNdxLocal) return false;
  }
  return symbol_name(index) == name;
}

size_t ElfImage::find_symbol(ktl::StringView name) const {
  if (!gnu_hash_.empty()) return find_symbol_gnu(name);
  if (!sysv_hash_.empty()) return find_symbol_sysv(name);
  return find_symbol_linear(name);
}

size_t ElfImage::find_symbol_gnu(ktl::StringView name) const {
  uint32_t nbuckets = gnu_hash_[0], symoffset = gnu_hash_[1], bloom_size = gnu_hash_[2];
  size_t buckets_start = 4 + 2 * size_t{bloom_size};
  uint32_t hash = elf::gnu_hash(name.data(), name.length());
  uint32_t first = gnu_hash_[buckets_start + hash % nbuckets];
  if (first == 0) return kNoSymbol;
  size_t chains_start = buckets_start + nbuckets;
  for (size_t i = first; i < symbols_.size() && chains_start + (i - symoffset) < gnu_hash_.size(); ++i) {
    uint32_t chain = gnu_hash_[chains_start + (i - symoffset)];
    if ((chain | 1) == (hash | 1) && symbol_matches(i, name)) return i;
    if (chain & 1) break;
  }
  return kNoSymbol;
}

size_t ElfImage::find_symbol_sysv(ktl::StringView name) const {
  uint32_t nbucket = sysv_hash_[0], nchain = sysv_hash_[1];
  uint32_t hash = elf::sysv_hash(name.data(), name.length());
  size_t steps = 0;
  for (uint32_t i = sysv_hash_[2 + hash % nbucket]; i != 0 && i < nchain && steps++ < nchain;
       i = sysv_hash_[2 + size_t{nbucket} + i]) {
    if (symbol_matches(i, name)) return i;
  }
  return kNoSymbol;
}

size_t ElfImage::find_symbol_linear(ktl::StringView name) const {
  for (size_t i = 1; i < symbols_.size(); ++i)
    if (symbol_matches(i, name)) return i;
  return kNoSymbol;
}

bool ElfImage::NoteIterator::next(Note& out) {
  ktl::Span<const elf::Phdr> headers = image_->program_headers_;
  for (; header_index_ < headers.size(); ++header_index_, offset_ = 0) {
    const elf::Phdr& header = headers[header_index_];
    if (header.p_type != elf::kPtNote) continue;
    ktl::Bytes notes = image_->file_.subspan(header.p_offset, header.p_filesz);
    size_t alignment = header.p_align == 8 ? 8 : 4;
    elf::Nhdr note;
    if (!read_at(notes, offset_, note)) continue;
    size_t name_offset = offset_ + sizeof(elf::Nhdr);
    size_t descriptor_offset =
        ktl::min((name_offset + note.n_namesz + alignment - 1) & ~(alignment - 1), notes.size());
    ktl::Bytes name = notes.subspan(name_offset, note.n_namesz);
    out.type = note.n_type;
    out.name = {reinterpret_cast<const char*>(name.data()), name.size() ? name.size() - 1 : 0};
    out.descriptor = notes.subspan(descriptor_offset, note.n_descsz);
    offset_ = descriptor_offset + ((size_t{note.n_descsz} + alignment - 1) & ~(alignment - 1));
    return true;
  }
  return false;
}

const ElfImage::LoadSegment* ElfImage::segment_containing(uint64_t vaddr, uint64_t size) const {
  uint64_t end;
  if (!ktl::checked_add(vaddr, size, end)) return nullptr;
  for (size_t i = 0; i < load_segment_count_; ++i) {
    const LoadSegment& segment = load_segments_[i];
    if (vaddr >= segment.vaddr && end <= segment.vaddr + segment.memory_size) return &segment;
  }
  return nullptr;
}

const ElfImage::LoadSegment* ElfImage::writable_segment_containing(uint64_t vaddr, uint64_t size) const {
  const LoadSegment* segment = segment_containing(vaddr, size);
  return segment && segment->writable() ? segment : nullptr;
}

uint64_t ElfImage::relocation_width(uint32_t type) {
  switch (type) {
    case elf::kRX86_64_64:
    case elf::kRX86_64GlobDat:
    case elf::kRX86_64JumpSlot:
    case elf::kRX86_64Relative:
    case elf::kRX86_64IRelative:
    case elf::kRX86_64DtpMod64:
    case elf::kRX86_64DtpOff64:
    case elf::kRX86_64TpOff64:
      return 8;
    case elf::kRX86_64Pc32:
      return 4;
    case elf::kRX86_64TlsDesc:
      return 16;  // the resolver and its argument
    default:
      return 0;
  }
}

const char* ElfImage::relocation_name(uint32_t type) {
  switch (type) {
    case elf::kRX86_64None: return "R_X86_64_NONE";
    case elf::kRX86_64_64: return "R_X86_64_64";
    case elf::kRX86_64Pc32: return "R_X86_64_PC32";
    case elf::kRX86_64Copy: return "R_X86_64_COPY";
    case elf::kRX86_64GlobDat: return "R_X86_64_GLOB_DAT";
    case elf::kRX86_64JumpSlot: return "R_X86_64_JUMP_SLOT";
    case elf::kRX86_64Relative: return "R_X86_64_RELATIVE";
    case elf::kRX86_64_32: return "R_X86_64_32";
    case elf::kRX86_64DtpMod64: return "R_X86_64_DTPMOD64";
    case elf::kRX86_64DtpOff64: return "R_X86_64_DTPOFF64";
    case elf::kRX86_64TpOff64: return "R_X86_64_TPOFF64";
    case elf::kRX86_64Size32: return "R_X86_64_SIZE32";
    case elf::kRX86_64Size64: return "R_X86_64_SIZE64";
    case elf::kRX86_64TlsDesc: return "R_X86_64_TLSDESC";
    case elf::kRX86_64IRelative: return "R_X86_64_IRELATIVE";
    case elf::kRX86_64Relative64: return "R_X86_64_RELATIVE64";
    default: return "unknown";
  }
}

}  // namespace tessera
