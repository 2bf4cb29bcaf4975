// The dynamic section and every table it points to: strings, symbols, hash tables,
// versions, relocations, init/fini. Each address is translated through the PT_LOAD map
// into a file range before anything behind it is read.
#include <tessera/ktl/utility.hh>

#include "module/elf_validator.hh"

namespace tessera {

namespace {

constexpr uint64_t kMaxVersionEntries = ElfImage::kMaxVersionIndex;
constexpr uint16_t kMaxVersionAux = 256;

template <typename T> ktl::Span<const T> span_of(ktl::Bytes bytes) {
  return {reinterpret_cast<const T*>(bytes.data()), bytes.size() / sizeof(T)};
}

struct SlotTag {
  int64_t tag;
  const char* name;
};

}  // namespace

// Indexed by Slot.
static constexpr SlotTag kSlotTags[] = {
    {elf::kDtHash, "DT_HASH"},
    {elf::kDtStrTab, "DT_STRTAB"},
    {elf::kDtSymTab, "DT_SYMTAB"},
    {elf::kDtRela, "DT_RELA"},
    {elf::kDtRelaSize, "DT_RELASZ"},
    {elf::kDtRelaEntry, "DT_RELAENT"},
    {elf::kDtStrSize, "DT_STRSZ"},
    {elf::kDtSymEntry, "DT_SYMENT"},
    {elf::kDtInit, "DT_INIT"},
    {elf::kDtFini, "DT_FINI"},
    {elf::kDtSoname, "DT_SONAME"},
    {elf::kDtPltRel, "DT_PLTREL"},
    {elf::kDtJmpRel, "DT_JMPREL"},
    {elf::kDtPltRelSize, "DT_PLTRELSZ"},
    {elf::kDtInitArray, "DT_INIT_ARRAY"},
    {elf::kDtInitArraySize, "DT_INIT_ARRAYSZ"},
    {elf::kDtFiniArray, "DT_FINI_ARRAY"},
    {elf::kDtFiniArraySize, "DT_FINI_ARRAYSZ"},
    {elf::kDtFlags, "DT_FLAGS"},
    {elf::kDtFlags1, "DT_FLAGS_1"},
    {elf::kDtRelr, "DT_RELR"},
    {elf::kDtRelrSize, "DT_RELRSZ"},
    {elf::kDtRelrEntry, "DT_RELRENT"},
    {elf::kDtGnuHash, "DT_GNU_HASH"},
    {elf::kDtVersym, "DT_VERSYM"},
    {elf::kDtVerdef, "DT_VERDEF"},
    {elf::kDtVerdefNum, "DT_VERDEFNUM"},
    {elf::kDtVerneed, "DT_VERNEED"},
    {elf::kDtVerneedNum, "DT_VERNEEDNUM"},
    {elf::kDtPltGot, "DT_PLTGOT"},
};

const char* ElfValidator::slot_name(Slot slot) { return kSlotTags[slot].name; }

Result<void> ElfValidator::check_dynamic() {
  if (!dynamic_header_) return {};
  DynamicValues values;
  TRY(read_dynamic_entries(values));
  TRY(check_required_pairs(values));
  TRY(check_strings(values));
  TRY(check_symbol_table(values));
  TRY(check_versions(values));
  TRY(check_relocations(values));
  TRY(check_init_and_fini(values));
  return {};
}

Result<void> ElfValidator::read_dynamic_entries(DynamicValues& values) {
  static_assert(sizeof(kSlotTags) / sizeof(kSlotTags[0]) == kSlotCount);
  const elf::Phdr& header = *dynamic_header_;
  ktl::Span<const elf::Dyn> entries = {reinterpret_cast<const elf::Dyn*>(file_.data() + header.p_offset),
                                       header.p_filesz / sizeof(elf::Dyn)};
  size_t count = 0;
  while (count < entries.size() && entries[count].d_tag != elf::kDtNull) ++count;
  if (count == entries.size())
    return refuse(kENOEXEC, "PT_DYNAMIC has no DT_NULL within its %zu entries", entries.size());
  image_.dynamic_ = entries.subspan(0, count);

  for (size_t i = 0; i < count; ++i) {
    const elf::Dyn& entry = entries[i];
    switch (entry.d_tag) {
      case elf::kDtNeeded:
        ++image_.info_.needed_count;
        continue;
      case elf::kDtRel:
      case elf::kDtRelSize:
      case elf::kDtRelEntry:
        return refuse(kENOTSUP, "dynamic entry %zu: DT_REL/DT_RELSZ/DT_RELENT (tag %ld): x86-64 uses RELA", i,
                      entry.d_tag);
      case elf::kDtTextRel:
        return refuse(kENOTSUP, "dynamic entry %zu: DT_TEXTREL: text relocations are not supported", i);
      case elf::kDtBindNow:
        image_.info_.bind_now = true;
        continue;
      default:
        break;
    }
    for (size_t slot = 0; slot < kSlotCount; ++slot) {
      if (kSlotTags[slot].tag != entry.d_tag) continue;
      if (values.present[slot])
        return refuse(kENOEXEC, "dynamic entry %zu: duplicate %s (0x%lx and 0x%lx)", i, kSlotTags[slot].name,
                      values.value[slot], entry.d_val);
      values.present[slot] = true;
      values.value[slot] = entry.d_val;
      break;
    }
    // Other tags (DT_DEBUG, DT_RELACOUNT, DT_RUNPATH, ...) carry nothing the loader uses.
  }
  return {};
}

Result<void> ElfValidator::check_required_pairs(const DynamicValues& values) {
  // Each table needs its size (and the reverse): {table, size} pairs.
  static constexpr Slot kPairs[][2] = {
      {kStrTab, kStrSize},       {kRela, kRelaSize},   {kJmpRel, kPltRelSize}, {kJmpRel, kPltRel},
      {kInitArray, kInitArraySize}, {kFiniArray, kFiniArraySize}, {kRelr, kRelrSize},
      {kVerdef, kVerdefNum},     {kVerneed, kVerneedNum},
  };
  for (const auto& pair : kPairs) {
    if (values.present[pair[0]] && !values.present[pair[1]])
      return refuse(kENOEXEC, "%s without %s", slot_name(pair[0]), slot_name(pair[1]));
    if (values.present[pair[1]] && !values.present[pair[0]] && pair[1] != kPltRel)
      return refuse(kENOEXEC, "%s without %s", slot_name(pair[1]), slot_name(pair[0]));
  }
  static constexpr Slot kNeedSymbols[] = {kHash, kGnuHash, kVersym};
  for (Slot slot : kNeedSymbols)
    if (values.present[slot] && !values.present[kSymTab])
      return refuse(kENOEXEC, "%s without DT_SYMTAB", slot_name(slot));
  bool uses_strings = values.present[kSymTab] || values.present[kSoname] || image_.info_.needed_count > 0 ||
                      values.present[kVerdef] || values.present[kVerneed];
  if (uses_strings && !values.present[kStrTab])
    return refuse(kENOEXEC, "names (DT_SYMTAB, DT_NEEDED, DT_SONAME or versions) without DT_STRTAB");
  if (values.present[kFlags] && (values.value[kFlags] & elf::kDfTextRel))
    return refuse(kENOTSUP, "DT_FLAGS 0x%lx has DF_TEXTREL: text relocations are not supported", values.value[kFlags]);
  image_.info_.flags = values.value[kFlags];
  image_.info_.flags_1 = values.value[kFlags1];
  image_.info_.bind_now |= (image_.info_.flags & elf::kDfBindNow) || (image_.info_.flags_1 & elf::kDf1Now);
  return {};
}

Result<void> ElfValidator::check_strings(const DynamicValues& values) {
  if (!values.present[kStrTab]) return {};
  uint64_t size = values.value[kStrSize];
  if (size == 0) return refuse(kENOEXEC, "DT_STRSZ is 0");
  ktl::Bytes strings = TRY(bytes_at("DT_STRTAB", values.value[kStrTab], size, 1));
  // One NUL at the end terminates every name that starts inside the table.
  if (strings.data()[size - 1] != 0)
    return refuse(kENOEXEC, "dynamic string table (DT_STRSZ 0x%lx) does not end with NUL", size);
  image_.strings_ = {reinterpret_cast<const char*>(strings.data()), strings.size()};

  size_t needed = 0;
  for (size_t i = 0; i < image_.dynamic_.size(); ++i) {
    const elf::Dyn& entry = image_.dynamic_[i];
    if (entry.d_tag == elf::kDtNeeded) {
      TRY(check_string_offset("DT_NEEDED", needed++, entry.d_val));
      if (image_.strings_[entry.d_val] == 0) return refuse(kENOEXEC, "DT_NEEDED %zu name is empty", needed - 1);
    }
  }
  if (values.present[kSoname]) {
    TRY(check_string_offset("DT_SONAME", 0, values.value[kSoname]));
    image_.soname_offset_ = values.value[kSoname];
    image_.info_.has_soname = true;
  }
  return {};
}

Result<void> ElfValidator::check_string_offset(const char* what, size_t index, uint64_t offset) {
  if (offset >= image_.strings_.size())
    return refuse(kENOEXEC, "%s %zu name offset 0x%lx is outside the string table (size 0x%zx)", what, index, offset,
                  image_.strings_.size());
  return {};
}

Result<void> ElfValidator::check_symbol_table(const DynamicValues& values) {
  if (!values.present[kSymTab]) return {};
  if (values.present[kSymEntry] && values.value[kSymEntry] != sizeof(elf::Sym))
    return refuse(kENOEXEC, "DT_SYMENT %lu is not 24", values.value[kSymEntry]);
  if (!values.present[kHash] && !values.present[kGnuHash])
    return refuse(kENOEXEC, "DT_SYMTAB without DT_HASH or DT_GNU_HASH: the symbol count is unknown");
  // A hash table's idea of the symbol count is believed only up to what fits.
  ktl::Bytes room = TRY(bytes_from("DT_SYMTAB", values.value[kSymTab], 8));
  size_t capacity = room.size() / sizeof(elf::Sym);
  size_t count = 0;
  if (values.present[kHash]) count = TRY(check_sysv_hash(values.value[kHash], capacity));
  if (values.present[kGnuHash]) {
    size_t gnu_count = TRY(check_gnu_hash(values.value[kGnuHash], capacity));
    if (values.present[kHash] && gnu_count > count)
      return refuse(kENOEXEC, "DT_GNU_HASH covers %zu symbols but DT_HASH nchain is %zu", gnu_count, count);
    if (!values.present[kHash]) {
      // DT_GNU_HASH only covers the symbols it hashes, from symoffset on. Undefined
      // symbols below symoffset are known through the relocations that use them (ld
      // even writes symoffset 1 when nothing is hashed), so those count too.
      size_t used = TRY(highest_relocation_symbol(values));
      if (used >= capacity && used > 0)
        return refuse(kENOEXEC, "relocations use symbol %zu, past the %zu symbols DT_SYMTAB's PT_LOAD holds", used,
                      capacity);
      count = ktl::max(gnu_count, used + 1);
    }
  }
  image_.symbols_ = span_of<elf::Sym>(room).subspan(0, count);
  for (size_t i = 0; i < count; ++i) TRY(check_symbol(i, image_.symbols_[i]));
  return {};
}

Result<size_t> ElfValidator::highest_relocation_symbol(const DynamicValues& values) {
  static constexpr Slot kTables[][2] = {{kRela, kRelaSize}, {kJmpRel, kPltRelSize}};
  size_t highest = 0;
  for (const auto& table : kTables) {
    if (!values.present[table[0]]) continue;
    uint64_t size = values.value[table[1]] - values.value[table[1]] % sizeof(elf::Rela);
    ktl::Bytes bytes = TRY(bytes_at(slot_name(table[0]), values.value[table[0]], size, 8));
    for (const elf::Rela& relocation : span_of<elf::Rela>(bytes)) highest = ktl::max<size_t>(highest, relocation.symbol());
  }
  return highest;
}

Result<size_t> ElfValidator::check_sysv_hash(uint64_t vaddr, size_t capacity) {
  ktl::Span<const uint32_t> words = span_of<uint32_t>(TRY(bytes_from("DT_HASH", vaddr, 4)));
  if (words.size() < 2) return refuse(kENOEXEC, "DT_HASH 0x%lx header ends past its PT_LOAD", vaddr);
  uint32_t nbucket = words[0], nchain = words[1];
  if (nbucket == 0) return refuse(kENOEXEC, "DT_HASH nbucket is 0");
  if (2 + uint64_t{nbucket} + nchain > words.size())
    return refuse(kENOEXEC, "DT_HASH with %u buckets and %u chains ends past its PT_LOAD", nbucket, nchain);
  if (nchain > capacity)
    return refuse(kENOEXEC, "DT_HASH nchain %u exceeds the %zu symbols DT_SYMTAB's PT_LOAD holds", nchain, capacity);
  ktl::Span<const uint32_t> table = words.subspan(0, 2 + uint64_t{nbucket} + nchain);
  ktl::Span<const uint32_t> buckets = table.subspan(2, nbucket), chains = table.subspan(2 + uint64_t{nbucket});
  // Every symbol sits on at most one chain, so all chains together take fewer than
  // nchain steps; more means a loop or shared tails.
  uint64_t steps = 0;
  for (size_t b = 0; b < buckets.size(); ++b) {
    for (uint32_t i = buckets[b]; i != 0; i = chains[i]) {
      if (i >= nchain)
        return refuse(kENOEXEC, "DT_HASH bucket %zu leads to symbol %u, not below nchain %u", b, i, nchain);
      if (++steps >= nchain) return refuse(kENOEXEC, "DT_HASH chains loop or share symbols (bucket %zu)", b);
    }
  }
  image_.sysv_hash_ = table;
  return static_cast<size_t>(nchain);
}

Result<size_t> ElfValidator::check_gnu_hash(uint64_t vaddr, size_t capacity) {
  ktl::Span<const uint32_t> words = span_of<uint32_t>(TRY(bytes_from("DT_GNU_HASH", vaddr, 8)));
  if (words.size() < 4) return refuse(kENOEXEC, "DT_GNU_HASH 0x%lx header ends past its PT_LOAD", vaddr);
  elf::GnuHashHeader header = {words[0], words[1], words[2], words[3]};
  if (header.nbuckets == 0) return refuse(kENOEXEC, "DT_GNU_HASH nbuckets is 0");
  if (!ktl::is_power_of_two(header.bloom_size))
    return refuse(kENOEXEC, "DT_GNU_HASH bloom size %u is not a power of two", header.bloom_size);
  if (header.bloom_shift >= 64)
    return refuse(kENOEXEC, "DT_GNU_HASH bloom shift %u is not below 64", header.bloom_shift);
  uint64_t chains_start = 4 + 2 * uint64_t{header.bloom_size} + header.nbuckets;
  if (chains_start > words.size())
    return refuse(kENOEXEC, "DT_GNU_HASH with %u bloom words and %u buckets ends past its PT_LOAD", header.bloom_size,
                  header.nbuckets);
  if (header.symoffset > capacity)
    return refuse(kENOEXEC, "DT_GNU_HASH symoffset %u exceeds the %zu symbols DT_SYMTAB's PT_LOAD holds",
                  header.symoffset, capacity);
  ktl::Span<const uint32_t> buckets = words.subspan(chains_start - header.nbuckets, header.nbuckets);
  ktl::Span<const uint32_t> chains = words.subspan(chains_start);
  uint32_t highest = 0;
  for (size_t b = 0; b < buckets.size(); ++b) {
    uint32_t first = buckets[b];
    if (first == 0) continue;
    if (first < header.symoffset || first >= capacity)
      return refuse(kENOEXEC, "DT_GNU_HASH bucket %zu value %u is outside symbols %u..%zu", b, first,
                    header.symoffset, capacity);
    highest = ktl::max(highest, first);
  }
  // Chains are contiguous and the last one ends the table: walk it to find the count.
  size_t count = header.symoffset;
  if (highest != 0) {
    for (size_t i = highest;; ++i) {
      if (i >= capacity || i - header.symoffset >= chains.size())
        return refuse(kENOEXEC, "DT_GNU_HASH chain from bucket value %u runs past the symbol table", highest);
      if (chains[i - header.symoffset] & 1) {
        count = i + 1;
        break;
      }
    }
  }
  image_.gnu_hash_ = words.subspan(0, chains_start + (count - header.symoffset));
  return count;
}

Result<void> ElfValidator::check_symbol(size_t index, const elf::Sym& symbol) {
  if (symbol.st_name >= image_.strings_.size())
    return refuse(kENOEXEC, "symbol %zu name offset 0x%x is outside the string table (size 0x%zx)", index,
                  symbol.st_name, image_.strings_.size());
  if (index == 0 && (symbol.is_defined() || symbol.st_value != 0))
    return refuse(kENOEXEC, "symbol 0 is not the null symbol");
  uint16_t section = symbol.st_shndx;
  if (section >= elf::kShnLoReserve && section != elf::kShnAbs && section != elf::kShnCommon)
    return refuse(kENOEXEC, "symbol %zu st_shndx 0x%x is a reserved index", index, section);
  if (section < elf::kShnLoReserve && section_count_ > 0 && section >= section_count_)
    return refuse(kENOEXEC, "symbol %zu st_shndx %u is not below the section count %zu", index, section,
                  section_count_);
  if (section == elf::kShnUndef || section == elf::kShnAbs || section == elf::kShnCommon) return {};
  uint64_t end;
  if (symbol.type() == elf::kSttTls) {
    const ElfImage::TlsSegment* tls = image_.tls();
    if (!tls) return refuse(kENOEXEC, "symbol %zu is STT_TLS but there is no PT_TLS", index);
    if (!ktl::checked_add(symbol.st_value, symbol.st_size, end) || end > tls->memory_size)
      return refuse(kENOEXEC, "symbol %zu TLS offset 0x%lx size 0x%lx is outside PT_TLS (size 0x%lx)", index,
                    symbol.st_value, symbol.st_size, tls->memory_size);
    return {};
  }
  ElfImage::AddressRange span = image_.load_span();
  if (symbol.st_value < span.start || !ktl::checked_add(symbol.st_value, symbol.st_size, end) || end > span.end)
    return refuse(kENOEXEC, "symbol %zu value 0x%lx size 0x%lx is outside the loaded span 0x%lx-0x%lx", index,
                  symbol.st_value, symbol.st_size, span.start, span.end);
  return {};
}

Result<void> ElfValidator::check_versions(const DynamicValues& values) {
  // Which version indexes exist; 0 (local) and 1 (global) always do.
  uint8_t defined[(ElfImage::kMaxVersionIndex + 1) / 8] = {};
  defined[0] = 0b11;
  if (values.present[kVerdef]) {
    TRY(check_version_definitions(values.value[kVerdef], values.value[kVerdefNum], defined));
    image_.verdef_count_ = values.value[kVerdefNum];
  }
  if (values.present[kVerneed]) {
    TRY(check_version_needs(values.value[kVerneed], values.value[kVerneedNum], defined));
    image_.verneed_count_ = values.value[kVerneedNum];
  }
  if (!values.present[kVersym]) return {};
  size_t count = image_.symbols_.size();
  ktl::Bytes bytes = TRY(bytes_at("DT_VERSYM", values.value[kVersym], count * sizeof(uint16_t), 2));
  image_.versym_ = span_of<uint16_t>(bytes);
  for (size_t i = 0; i < count; ++i) {
    uint16_t version = image_.versym_[i] & elf::kVersymIndexMask;
    if (version > ElfImage::kMaxVersionIndex || !(defined[version / 8] & (1u << (version % 8))))
      return refuse(kENOEXEC, "symbol %zu version index %u is not defined by DT_VERDEF or DT_VERNEED", i, version);
  }
  return {};
}

Result<void> ElfValidator::check_version_definitions(uint64_t vaddr, uint64_t count, uint8_t* defined) {
  if (count == 0 || count > kMaxVersionEntries)
    return refuse(kENOEXEC, "DT_VERDEFNUM %lu is not between 1 and %lu", count, kMaxVersionEntries);
  ktl::Bytes bytes = TRY(bytes_from("DT_VERDEF", vaddr, 4));
  image_.verdef_ = bytes;
  uint64_t offset = 0;
  for (uint64_t n = 0; n < count; ++n) {
    if (offset % 4 != 0 || bytes.size() < sizeof(elf::Verdef) || offset > bytes.size() - sizeof(elf::Verdef))
      return refuse(kENOEXEC, "DT_VERDEF entry %lu at offset 0x%lx is misaligned or past its PT_LOAD", n, offset);
    elf::Verdef entry;
    __builtin_memcpy(&entry, bytes.data() + offset, sizeof(entry));
    if (entry.vd_version != elf::kVerDefCurrent)
      return refuse(kENOEXEC, "DT_VERDEF entry %lu version %u is not 1", n, entry.vd_version);
    if (entry.vd_ndx == 0 || entry.vd_ndx > ElfImage::kMaxVersionIndex)
      return refuse(kENOEXEC, "DT_VERDEF entry %lu index %u is not between 1 and %u", n, entry.vd_ndx,
                    ElfImage::kMaxVersionIndex);
    if (entry.vd_ndx > elf::kVerNdxGlobal && (defined[entry.vd_ndx / 8] & (1u << (entry.vd_ndx % 8))))
      return refuse(kENOEXEC, "DT_VERDEF entry %lu index %u is defined twice", n, entry.vd_ndx);
    defined[entry.vd_ndx / 8] |= static_cast<uint8_t>(1u << (entry.vd_ndx % 8));
    if (entry.vd_cnt == 0 || entry.vd_cnt > kMaxVersionAux)
      return refuse(kENOEXEC, "DT_VERDEF entry %lu vd_cnt %u is not between 1 and %u", n, entry.vd_cnt,
                    kMaxVersionAux);
    uint64_t aux = offset + entry.vd_aux;
    for (uint16_t a = 0; a < entry.vd_cnt; ++a) {
      if (aux % 4 != 0 || aux > bytes.size() - sizeof(elf::Verdaux))
        return refuse(kENOEXEC, "DT_VERDEF entry %lu name %u at offset 0x%lx is misaligned or past its PT_LOAD", n,
                      a, aux);
      elf::Verdaux name;
      __builtin_memcpy(&name, bytes.data() + aux, sizeof(name));
      TRY(check_string_offset("DT_VERDEF entry", n, name.vda_name));
      if (a + 1 < entry.vd_cnt && name.vda_next == 0)
        return refuse(kENOEXEC, "DT_VERDEF entry %lu has %u names but its chain ends after %u", n, entry.vd_cnt, a + 1);
      aux += name.vda_next;
    }
    if (n + 1 < count) {
      if (entry.vd_next == 0)
        return refuse(kENOEXEC, "DT_VERDEF chain ends after %lu entries but DT_VERDEFNUM is %lu", n + 1, count);
      offset += entry.vd_next;
    }
  }
  return {};
}

Result<void> ElfValidator::check_version_needs(uint64_t vaddr, uint64_t count, uint8_t* defined) {
  if (count == 0 || count > kMaxVersionEntries)
    return refuse(kENOEXEC, "DT_VERNEEDNUM %lu is not between 1 and %lu", count, kMaxVersionEntries);
  ktl::Bytes bytes = TRY(bytes_from("DT_VERNEED", vaddr, 4));
  image_.verneed_ = bytes;
  uint64_t offset = 0;
  for (uint64_t n = 0; n < count; ++n) {
    if (offset % 4 != 0 || bytes.size() < sizeof(elf::Verneed) || offset > bytes.size() - sizeof(elf::Verneed))
      return refuse(kENOEXEC, "DT_VERNEED entry %lu at offset 0x%lx is misaligned or past its PT_LOAD", n, offset);
    elf::Verneed entry;
    __builtin_memcpy(&entry, bytes.data() + offset, sizeof(entry));
    if (entry.vn_version != elf::kVerNeedCurrent)
      return refuse(kENOEXEC, "DT_VERNEED entry %lu version %u is not 1", n, entry.vn_version);
    TRY(check_string_offset("DT_VERNEED file", n, entry.vn_file));
    if (entry.vn_cnt == 0 || entry.vn_cnt > kMaxVersionAux)
      return refuse(kENOEXEC, "DT_VERNEED entry %lu vn_cnt %u is not between 1 and %u", n, entry.vn_cnt,
                    kMaxVersionAux);
    uint64_t aux = offset + entry.vn_aux;
    for (uint16_t a = 0; a < entry.vn_cnt; ++a) {
      if (aux % 4 != 0 || bytes.size() < sizeof(elf::Vernaux) || aux > bytes.size() - sizeof(elf::Vernaux))
        return refuse(kENOEXEC, "DT_VERNEED entry %lu version %u at offset 0x%lx is misaligned or past its PT_LOAD",
                      n, a, aux);
      elf::Vernaux need;
      __builtin_memcpy(&need, bytes.data() + aux, sizeof(need));
      TRY(check_string_offset("DT_VERNEED version", n, need.vna_name));
      uint16_t version = need.vna_other & elf::kVersymIndexMask;
      if (version <= elf::kVerNdxGlobal || version > ElfImage::kMaxVersionIndex)
        return refuse(kENOEXEC, "DT_VERNEED entry %lu version %u index %u is not between 2 and %u", n, a, version,
                      ElfImage::kMaxVersionIndex);
      if (defined[version / 8] & (1u << (version % 8)))
        return refuse(kENOEXEC, "DT_VERNEED entry %lu version %u index %u is defined twice", n, a, version);
      defined[version / 8] |= static_cast<uint8_t>(1u << (version % 8));
      if (a + 1 < entry.vn_cnt && need.vna_next == 0)
        return refuse(kENOEXEC, "DT_VERNEED entry %lu has %u versions but its chain ends after %u", n, entry.vn_cnt,
                      a + 1);
      aux += need.vna_next;
    }
    if (n + 1 < count) {
      if (entry.vn_next == 0)
        return refuse(kENOEXEC, "DT_VERNEED chain ends after %lu entries but DT_VERNEEDNUM is %lu", n + 1, count);
      offset += entry.vn_next;
    }
  }
  return {};
}

Result<void> ElfValidator::check_relocations(const DynamicValues& values) {
  if (values.present[kRela]) {
    if (values.present[kRelaEntry] && values.value[kRelaEntry] != sizeof(elf::Rela))
      return refuse(kENOEXEC, "DT_RELAENT %lu is not 24", values.value[kRelaEntry]);
    if (values.value[kRelaSize] % sizeof(elf::Rela) != 0)
      return refuse(kENOEXEC, "DT_RELASZ 0x%lx is not a multiple of 24", values.value[kRelaSize]);
    ktl::Bytes bytes = TRY(bytes_at("DT_RELA", values.value[kRela], values.value[kRelaSize], 8));
    image_.rela_ = span_of<elf::Rela>(bytes);
    TRY(check_rela_table("DT_RELA", image_.rela_));
  }
  if (values.present[kJmpRel]) {
    if (values.value[kPltRel] != static_cast<uint64_t>(elf::kDtRela))
      return refuse(values.value[kPltRel] == static_cast<uint64_t>(elf::kDtRel) ? kENOTSUP : kENOEXEC,
                    "DT_PLTREL %lu is not DT_RELA (7)", values.value[kPltRel]);
    if (values.value[kPltRelSize] % sizeof(elf::Rela) != 0)
      return refuse(kENOEXEC, "DT_PLTRELSZ 0x%lx is not a multiple of 24", values.value[kPltRelSize]);
    ktl::Bytes bytes = TRY(bytes_at("DT_JMPREL", values.value[kJmpRel], values.value[kPltRelSize], 8));
    image_.plt_rela_ = span_of<elf::Rela>(bytes);
    TRY(check_rela_table("DT_JMPREL", image_.plt_rela_));
  }
  if (values.present[kRelr]) {
    if (values.present[kRelrEntry] && values.value[kRelrEntry] != sizeof(uint64_t))
      return refuse(kENOEXEC, "DT_RELRENT %lu is not 8", values.value[kRelrEntry]);
    if (values.value[kRelrSize] % sizeof(uint64_t) != 0)
      return refuse(kENOEXEC, "DT_RELRSZ 0x%lx is not a multiple of 8", values.value[kRelrSize]);
    ktl::Bytes bytes = TRY(bytes_at("DT_RELR", values.value[kRelr], values.value[kRelrSize], 8));
    image_.relr_ = span_of<uint64_t>(bytes);
    TRY(check_relr_table(image_.relr_));
  }
  return {};
}

// Targets: every relocation writes inside a writable PT_LOAD (which contains RELRO, made
// read-only only after relocation). Text relocations are refused, so nothing may write
// into a read-only or executable segment -- RELATIVE and IRELATIVE included.
Result<void> ElfValidator::check_rela_table(const char* what, ktl::Span<const elf::Rela> table) {
  for (size_t i = 0; i < table.size(); ++i) {
    const elf::Rela& relocation = table[i];
    uint32_t type = relocation.type();
    if (type == elf::kRX86_64Copy)
      return refuse(kENOTSUP, "%s relocation %zu: R_X86_64_COPY is for executables, not shared objects", what, i);
    uint64_t width = ElfImage::relocation_width(type);
    if (width == 0 && type != elf::kRX86_64None)
      return refuse(kENOTSUP, "%s relocation %zu: unsupported type %u (%s)", what, i, type,
                    ElfImage::relocation_name(type));
    if (relocation.symbol() != 0 && relocation.symbol() >= image_.symbols_.size())
      return refuse(kENOEXEC, "%s relocation %zu: symbol index %u is not below the symbol count %zu", what, i,
                    relocation.symbol(), image_.symbols_.size());
    if (type == elf::kRX86_64None) continue;
    if (!image_.writable_segment_containing(relocation.r_offset, width))
      return refuse(kENOEXEC, "%s relocation %zu (%s): target 0x%lx is not inside a writable PT_LOAD", what, i,
                    ElfImage::relocation_name(type), relocation.r_offset);
  }
  return {};
}

// RELR: an even entry is an address to relocate; an odd entry is a bitmap whose bits
// 1..63 cover the 63 words after the last address (or the previous bitmap's words).
Result<void> ElfValidator::check_relr_table(ktl::Span<const uint64_t> table) {
  constexpr uint64_t kWord = sizeof(uint64_t);
  uint64_t base = 0;
  bool have_base = false;
  for (size_t i = 0; i < table.size(); ++i) {
    uint64_t entry = table[i];
    if ((entry & 1) == 0) {
      if (!image_.writable_segment_containing(entry, kWord))
        return refuse(kENOEXEC, "DT_RELR entry %zu: address 0x%lx is not inside a writable PT_LOAD", i, entry);
      base = entry + kWord;  // cannot wrap: the word lies inside a segment
      have_base = true;
      continue;
    }
    if (!have_base) return refuse(kENOEXEC, "DT_RELR entry %zu: bitmap 0x%lx before any address", i, entry);
    for (unsigned bit = 1; bit < 64; ++bit) {
      if (!(entry & (uint64_t{1} << bit))) continue;
      uint64_t target = base + (bit - 1) * kWord;
      if (target < base || !image_.writable_segment_containing(target, kWord))
        return refuse(kENOEXEC, "DT_RELR entry %zu: bit %u address 0x%lx is not inside a writable PT_LOAD", i, bit,
                      target);
    }
    if (!ktl::checked_add(base, 63 * kWord, base))
      return refuse(kENOEXEC, "DT_RELR entry %zu: bitmap addresses overflow", i);
  }
  return {};
}

Result<void> ElfValidator::check_init_and_fini(const DynamicValues& values) {
  static constexpr Slot kFunctions[] = {kInit, kFini};
  for (Slot slot : kFunctions) {
    if (!values.present[slot] || values.value[slot] == 0) continue;
    const ElfImage::LoadSegment* segment = image_.segment_containing(values.value[slot], 1);
    if (!segment || !segment->executable())
      return refuse(kENOEXEC, "%s 0x%lx is not inside an executable PT_LOAD", slot_name(slot), values.value[slot]);
  }
  image_.info_.init = values.value[kInit];
  image_.info_.fini = values.value[kFini];
  if (values.present[kInitArray])
    image_.info_.init_array = TRY(check_address_array("DT_INIT_ARRAY", values.value[kInitArray],
                                                      values.value[kInitArraySize]));
  if (values.present[kFiniArray])
    image_.info_.fini_array = TRY(check_address_array("DT_FINI_ARRAY", values.value[kFiniArray],
                                                      values.value[kFiniArraySize]));
  if (values.present[kPltGot]) {
    if (!image_.segment_containing(values.value[kPltGot], sizeof(uint64_t)))
      return refuse(kENOEXEC, "DT_PLTGOT 0x%lx is not inside a PT_LOAD", values.value[kPltGot]);
    image_.info_.pltgot = values.value[kPltGot];
  }
  return {};
}

Result<ElfImage::AddressArray> ElfValidator::check_address_array(const char* what, uint64_t vaddr, uint64_t size) {
  if (vaddr % 8 != 0 || size % 8 != 0)
    return refuse(kENOEXEC, "%s 0x%lx size 0x%lx is not 8-byte aligned", what, vaddr, size);
  if (size > 0 && !image_.segment_containing(vaddr, size))
    return refuse(kENOEXEC, "%s 0x%lx size 0x%lx is not inside a PT_LOAD", what, vaddr, size);
  return ElfImage::AddressArray{vaddr, static_cast<size_t>(size / 8)};
}

}  // namespace tessera
