// The bad-ELF corpus: each case starts from a valid fixture, changes exactly one thing
// and expects the validator to refuse it with that check's own message, naming the file.
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>

#include "elf/elf_fixture.hh"
#include "module/elf_image.hh"

namespace tessera {
namespace {

using elf_test::MutableElf;
using namespace elf;

struct BadCase {
  const char* name;
  const char* fixture;
  std::function<void(MutableElf&)> mutate;
  const char* expected;  // a fragment of the message after "<file>: "
  int code = kENOEXEC;
};

constexpr uint64_t kFar = 0x7fff0000;

// The first symbol-table section (.dynsym or .symtab) of `type`.
size_t section_of_type(MutableElf& e, uint32_t type) {
  for (size_t i = 0; i < e.header().e_shnum; ++i)
    if (e.section(i).sh_type == type) return i;
  ADD_FAILURE() << "no section of type " << type;
  return 0;
}

Verdef& verdef(MutableElf& e, size_t n) {
  uint64_t offset = e.dynamic(kDtVerdef).d_val;
  for (size_t i = 0; i < n; ++i) offset += e.at_vaddr<Verdef>(offset).vd_next;
  return e.at_vaddr<Verdef>(offset);
}
Verneed& verneed(MutableElf& e) { return e.at_vaddr<Verneed>(e.dynamic(kDtVerneed).d_val); }
Vernaux& vernaux(MutableElf& e) {
  return e.at_vaddr<Vernaux>(e.dynamic(kDtVerneed).d_val + verneed(e).vn_aux);
}
uint32_t* gnu_hash(MutableElf& e) { return &e.at_vaddr<uint32_t>(e.dynamic(kDtGnuHash).d_val); }
uint32_t* sysv_hash(MutableElf& e) { return &e.at_vaddr<uint32_t>(e.dynamic(kDtHash).d_val); }
// A tag the validator ignores: turns an entry into nothing.
void erase(Dyn& entry) { entry.d_tag = kDtDebug; }
Phdr& writable_load(MutableElf& e) {
  for (size_t i = 0;; ++i)
    if (e.segment(kPtLoad, i).p_flags & kPfWrite) return e.segment(kPtLoad, i);
}

const BadCase kCases[] = {
    // File and identity
    {"Truncated", "module_gnu.so", [](MutableElf& e) { e.size() = 40; }, "file size 40 is smaller than the ELF header (64)"},
    {"Magic", "module_gnu.so", [](MutableElf& e) { e.header().e_ident[1] = 'X'; }, "bad ELF magic 7f 58 4c 46"},
    {"Class32", "module_gnu.so", [](MutableElf& e) { e.header().e_ident[kIdentClass] = 1; }, "EI_CLASS 1 is not ELFCLASS64 (2)"},
    {"BigEndian", "module_gnu.so", [](MutableElf& e) { e.header().e_ident[kIdentData] = 2; }, "EI_DATA 2 is not little-endian (1)"},
    {"IdentVersion", "module_gnu.so", [](MutableElf& e) { e.header().e_ident[kIdentVersion] = 0; }, "EI_VERSION 0 is not 1"},
    {"OsAbi", "module_gnu.so", [](MutableElf& e) { e.header().e_ident[kIdentOsAbi] = 9; }, "EI_OSABI 9 is neither SYSV (0) nor GNU (3)"},
    {"Executable", "module_gnu.so", [](MutableElf& e) { e.header().e_type = kTypeExecutable; }, "e_type ET_EXEC (2): only shared objects (ET_DYN) are loaded", kENOTSUP},
    {"Relocatable", "module_gnu.so", [](MutableElf& e) { e.header().e_type = kTypeRelocatable; }, "e_type 1 is not ET_DYN (3)"},
    {"Machine", "module_gnu.so", [](MutableElf& e) { e.header().e_machine = 3; }, "e_machine 3 is not x86-64 (62)"},
    {"Version", "module_gnu.so", [](MutableElf& e) { e.header().e_version = 2; }, "e_version 2 is not 1"},
    {"EhSize", "module_gnu.so", [](MutableElf& e) { e.header().e_ehsize = 52; }, "e_ehsize 52 is not 64"},
    {"PhEntSize", "module_gnu.so", [](MutableElf& e) { e.header().e_phentsize = 32; }, "e_phentsize 32 is not 56"},
    // Program header table
    {"NoProgramHeaders", "module_gnu.so", [](MutableElf& e) { e.header().e_phnum = 0; }, "e_phnum is 0: no program headers"},
    {"TooManyProgramHeaders", "module_gnu.so", [](MutableElf& e) { e.header().e_phnum = 300; }, "e_phnum 300 exceeds the limit 256"},
    {"PhOffMisaligned", "module_gnu.so", [](MutableElf& e) { e.header().e_phoff = 0x44; }, "e_phoff 0x44 is not 8-byte aligned"},
    {"PhOffInHeader", "module_gnu.so", [](MutableElf& e) { e.header().e_phoff = 8; }, "e_phoff 0x8 overlaps the ELF header"},
    {"PhTablePastEnd", "module_gnu.so", [](MutableElf& e) { e.header().e_phoff = e.size() - 64; }, "program headers at 0x"},
    // PT_LOAD
    {"LoadAlignNotPowerOfTwo", "module_gnu.so", [](MutableElf& e) { e.segment(kPtLoad).p_align = 0x3000; }, "PT_LOAD 0 p_align 0x3000 is not a power of two"},
    {"LoadAlignTooLarge", "module_gnu.so", [](MutableElf& e) { e.segment(kPtLoad).p_align = 1ull << 31; }, "PT_LOAD 0 p_align 0x80000000 exceeds the limit 0x40000000"},
    {"LoadIncongruent", "module_gnu.so", [](MutableElf& e) { e.segment(kPtLoad, 1).p_offset += 8; }, "PT_LOAD 1 p_offset 0x1008 and p_vaddr 0x1000 differ modulo 0x1000"},
    {"LoadMemSmallerThanFile", "module_gnu.so", [](MutableElf& e) { e.segment(kPtLoad, 1).p_memsz = 4; }, "PT_LOAD 1 p_memsz 0x4 is smaller than p_filesz"},
    {"LoadPastFile", "module_gnu.so", [](MutableElf& e) { auto& p = e.segment(kPtLoad, 1); p.p_filesz = p.p_memsz = 0x100000; }, "PT_LOAD 1 file range 0x1000+0x100000 ends past the file"},
    {"LoadAddressOverflow", "module_gnu.so", [](MutableElf& e) { e.segment(kPtLoad, 2).p_memsz = ~0ull - 0x1000; }, "PT_LOAD 2 p_vaddr 0x2000 + p_memsz 0xffffffffffffefff overflows"},
    {"LoadWritableAndExecutable", "module_gnu.so", [](MutableElf& e) { e.segment(kPtLoad, 1).p_flags |= kPfWrite; }, "PT_LOAD 1 is both writable and executable (p_flags 0x7)", kENOTSUP},
    {"LoadNotAscending", "module_gnu.so", [](MutableElf& e) { std::swap(e.segment(kPtLoad, 1), e.segment(kPtLoad, 2)); }, "PT_LOAD 2 vaddr 0x1000 is below the previous PT_LOAD's 0x2000 (not ascending)"},
    {"LoadOverlap", "module_gnu.so", [](MutableElf& e) { e.segment(kPtLoad, 0).p_memsz = 0x1800; }, "PT_LOAD 1 vaddr 0x1000 overlaps the previous PT_LOAD ending at 0x1800"},
    {"LoadSharesPage", "module_gnu.so", [](MutableElf& e) {
       auto& rw = writable_load(e);
       auto& before = *(&rw - 1);
       before.p_memsz = (rw.p_vaddr & ~0xfffull) + 8 - before.p_vaddr;
     }, "with the previous PT_LOAD (different p_flags)"},
    {"NoLoad", "module_gnu.so", [](MutableElf& e) { for (int i = 3; i >= 0; --i) e.segment(kPtLoad, i).p_type = kPtNull; }, "no PT_LOAD segment"},
    {"LoadsEmpty", "module_gnu.so", [](MutableElf& e) {
       for (int i = 3; i >= 1; --i) e.segment(kPtLoad, i).p_type = kPtNull;
       e.segment(kPtLoad).p_memsz = e.segment(kPtLoad).p_filesz = 0;
     }, "PT_LOAD segments are all empty (p_memsz 0)"},
    {"LoadSpanTooLarge", "module_gnu.so", [](MutableElf& e) { writable_load(e).p_vaddr += 1ull << 31; }, "PT_LOAD segments span 0x8000"},
    {"EntryNotExecutable", "module_gnu.so", [](MutableElf& e) { e.header().e_entry = 0x10; }, "e_entry 0x10 is not inside an executable PT_LOAD"},
    // PT_DYNAMIC
    {"TwoDynamic", "module_gnu.so", [](MutableElf& e) { e.segment(kPtGnuStack) = e.segment(kPtDynamic); }, "more than one PT_DYNAMIC (program headers 4 and 7)"},
    {"DynamicSizeOdd", "module_gnu.so", [](MutableElf& e) { e.segment(kPtDynamic).p_filesz = 8; }, "PT_DYNAMIC p_filesz 0x8 is not a non-zero multiple of 16"},
    {"DynamicOutsideLoads", "module_gnu.so", [](MutableElf& e) { e.segment(kPtDynamic).p_vaddr = kFar; }, "PT_DYNAMIC 0x7fff0000 size 0x170 is not inside the file part of a PT_LOAD"},
    {"DynamicOffsetDisagrees", "module_gnu.so", [](MutableElf& e) { e.segment(kPtDynamic).p_offset += 16; }, "PT_DYNAMIC p_offset 0x2e50 disagrees with its p_vaddr 0x3e40"},
    {"DynamicUnterminated", "module_gnu.so", [](MutableElf& e) {
       auto& segment = e.segment(kPtDynamic);
       for (uint64_t o = 0; o < segment.p_filesz; o += 16)
         if (e.at<Dyn>(segment.p_offset + o).d_tag == kDtNull) e.at<Dyn>(segment.p_offset + o).d_tag = kDtDebug;
     }, "PT_DYNAMIC has no DT_NULL within its 23 entries"},
    // PT_TLS, PT_GNU_RELRO, PT_NOTE
    {"TlsMemSmallerThanFile", "tls.so", [](MutableElf& e) { e.segment(kPtTls).p_memsz = 2; }, "PT_TLS p_memsz 0x2 is smaller than p_filesz 0x4"},
    {"TlsAlign", "tls.so", [](MutableElf& e) { e.segment(kPtTls).p_align = 3; }, "PT_TLS p_align 0x3 is not a power of two up to the page size"},
    {"TlsTooLarge", "tls.so", [](MutableElf& e) { e.segment(kPtTls).p_memsz = 1ull << 40; }, "PT_TLS p_memsz 0x10000000000 exceeds the limit"},
    {"TlsOffsetDisagrees", "tls.so", [](MutableElf& e) { e.segment(kPtTls).p_offset += 4; }, "PT_TLS p_offset 0x2e74 disagrees with its p_vaddr 0x3e70"},
    {"TwoTls", "tls.so", [](MutableElf& e) { e.segment(kPtGnuStack) = e.segment(kPtTls); }, "more than one PT_TLS"},
    {"RelroNotWritable", "module_gnu.so", [](MutableElf& e) { e.segment(kPtGnuRelro).p_vaddr = 0; }, "PT_GNU_RELRO 0x0+0x270 is not inside a writable PT_LOAD"},
    {"NoteAlign", "module_gnu.so", [](MutableElf& e) { e.segment(kPtNote).p_align = 16; }, "PT_NOTE 5 p_align 16 is not 4 or 8"},
    {"NoteOffsetMisaligned", "module_gnu.so", [](MutableElf& e) { e.segment(kPtNote).p_offset += 2; }, "PT_NOTE 5 p_offset 0x23a is not 4-byte aligned"},
    {"NotePastFile", "module_gnu.so", [](MutableElf& e) { e.segment(kPtNote).p_filesz = 0x100000; }, "PT_NOTE 5 file range 0x238+0x100000 ends past the file"},
    {"NoteHeaderTruncated", "module_gnu.so", [](MutableElf& e) { e.segment(kPtNote).p_filesz = 4; }, "PT_NOTE 5 note at 0x0: header truncated"},
    {"NoteSizesPastEnd", "module_gnu.so", [](MutableElf& e) { e.at<Nhdr>(e.segment(kPtNote).p_offset).n_descsz = 0x1000; }, "name size 4 and descriptor size 4096 pass the segment end"},
    {"NoteNameUnterminated", "module_gnu.so", [](MutableElf& e) { e.at<char>(e.segment(kPtNote).p_offset + 12 + 3) = 'X'; }, "PT_NOTE 5 note at 0x0: name is not NUL-terminated"},
    // Section headers
    {"ShEntSize", "module_gnu.so", [](MutableElf& e) { e.header().e_shentsize = 40; }, "e_shentsize 40 is not 64"},
    {"ShOffMisaligned", "module_gnu.so", [](MutableElf& e) { e.header().e_shoff += 4; }, "is not 8-byte aligned"},
    {"ShOffPastFile", "module_gnu.so", [](MutableElf& e) { e.header().e_shoff = 0x100000; }, "e_shoff 0x100000 is past the file"},
    {"ShNumPastFile", "module_gnu.so", [](MutableElf& e) { e.header().e_shnum = 200; }, "(200 entries) end past the file"},
    {"ShNumWithoutTable", "module_gnu.so", [](MutableElf& e) { e.header().e_shoff = 0; }, "e_shnum 23 with e_shoff 0"},
    {"ExtendedCountMissing", "module_gnu.so", [](MutableElf& e) { e.header().e_shnum = 0; }, "e_shnum is 0 and section 0 holds no count"},
    {"ShStrNdxRange", "module_gnu.so", [](MutableElf& e) { e.header().e_shstrndx = 23; }, "e_shstrndx 23 is not below the section count 23"},
    {"ShStrNdxNotStrtab", "module_gnu.so", [](MutableElf& e) { e.header().e_shstrndx = 1; }, "section-name table (section 1) has type 7, not SHT_STRTAB"},
    {"ShStrTabEmpty", "module_gnu.so", [](MutableElf& e) { e.section(e.header().e_shstrndx).sh_size = 0; }, "section-name table (section 22) is empty"},
    {"Section0Type", "module_gnu.so", [](MutableElf& e) { e.section(0).sh_type = kShtProgbits; }, "section 0 has type 1, not SHT_NULL"},
    {"Section0NotZero", "module_gnu.so", [](MutableElf& e) { e.section(0).sh_addr = 0x1000; }, "section 0 (SHT_NULL) has a non-zero address, offset, flags or size"},
    {"SectionPastFile", "module_gnu.so", [](MutableElf& e) { e.section(8).sh_size = 0x100000; }, "section 8 offset 0x1020 size 0x100000 ends past the file"},
    {"SectionAlign", "module_gnu.so", [](MutableElf& e) { e.section(8).sh_addralign = 3; }, "section 8 sh_addralign 0x3 is not a power of two"},
    {"SectionLink", "module_gnu.so", [](MutableElf& e) { e.section(8).sh_link = 99; }, "section 8 sh_link 99 is not below the section count 23"},
    {"SectionName", "module_gnu.so", [](MutableElf& e) { e.section(8).sh_name = 0x5000; }, "section 8 sh_name 0x5000 is outside the section-name table"},
    {"StrtabUnterminated", "module_gnu.so", [](MutableElf& e) { auto& s = e.section(e.section_index(".strtab")); e.at<char>(s.sh_offset + s.sh_size - 1) = 'X'; }, "(SHT_STRTAB) does not end with NUL"},
    {"RelaSectionEntSize", "module_gnu.so", [](MutableElf& e) { e.section(e.section_index(".rela.dyn")).sh_entsize = 16; }, "(SHT_RELA) sh_entsize 16 is not 24"},
    {"SymtabEntSize", "module_gnu.so", [](MutableElf& e) { e.section(section_of_type(e, kShtDynsym)).sh_entsize = 16; }, "(symbol table) sh_entsize 16 is not 24"},
    {"SymtabNotWhole", "module_gnu.so", [](MutableElf& e) { e.section(section_of_type(e, kShtDynsym)).sh_size -= 4; }, "(symbol table) offset 0x2a0 size 0xec is not a whole aligned table"},
    {"SymtabLinksNobits", "module_gnu.so", [](MutableElf& e) { auto i = section_of_type(e, kShtSymtab); e.section(e.section(i).sh_link).sh_type = kShtNobits; }, "is not a non-empty SHT_STRTAB (type 8)"},
    {"SymtabLinksNull", "module_gnu.so", [](MutableElf& e) { e.section(section_of_type(e, kShtSymtab)).sh_link = 0; }, "sh_link 0 is not a non-empty SHT_STRTAB (type 0)"},
    {"SymtabName", "module_gnu.so", [](MutableElf& e) { auto& s = e.section(section_of_type(e, kShtSymtab)); e.at<Sym>(s.sh_offset + 24).st_name = 0x9999; }, "symbol 1 st_name 0x9999 is outside its string table"},
    {"SymtabSectionIndex", "module_gnu.so", [](MutableElf& e) { auto& s = e.section(section_of_type(e, kShtSymtab)); e.at<Sym>(s.sh_offset + 24).st_shndx = 500; }, "symbol 1 st_shndx 500 is not below the section count 23"},
    // The dynamic section
    {"DtRel", "module_gnu.so", [](MutableElf& e) { e.dynamic(kDtRelaEntry).d_tag = kDtRelEntry; }, "DT_REL/DT_RELSZ/DT_RELENT (tag 19): x86-64 uses RELA", kENOTSUP},
    {"DtTextRel", "module_gnu.so", [](MutableElf& e) { e.dynamic(kDtRelaEntry).d_tag = kDtTextRel; }, "DT_TEXTREL: text relocations are not supported", kENOTSUP},
    {"DfTextRel", "module_gnu.so", [](MutableElf& e) { auto& d = e.dynamic(kDtRelaEntry); d.d_tag = kDtFlags; d.d_val = kDfTextRel; }, "DT_FLAGS 0x4 has DF_TEXTREL", kENOTSUP},
    {"DuplicateTag", "module_gnu.so", [](MutableElf& e) { e.dynamic(kDtRelaEntry).d_tag = kDtSymEntry; }, "duplicate DT_SYMENT (0x18 and 0x18)"},
    {"StrTabWithoutSize", "module_gnu.so", [](MutableElf& e) { erase(e.dynamic(kDtStrSize)); }, "DT_STRTAB without DT_STRSZ"},
    {"RelaWithoutSize", "module_gnu.so", [](MutableElf& e) { erase(e.dynamic(kDtRelaSize)); }, "DT_RELA without DT_RELASZ"},
    {"JmpRelWithoutPltRel", "module_gnu.so", [](MutableElf& e) { erase(e.dynamic(kDtPltRel)); }, "DT_JMPREL without DT_PLTREL"},
    {"InitArraySizeWithoutArray", "module_gnu.so", [](MutableElf& e) { erase(e.dynamic(kDtInitArray)); }, "DT_INIT_ARRAYSZ without DT_INIT_ARRAY"},
    {"HashWithoutSymtab", "versioned.so", [](MutableElf& e) { erase(e.dynamic(kDtSymTab)); }, "DT_GNU_HASH without DT_SYMTAB"},
    {"NamesWithoutStrtab", "module_gnu.so", [](MutableElf& e) { erase(e.dynamic(kDtStrTab)); erase(e.dynamic(kDtStrSize)); }, "names (DT_SYMTAB, DT_NEEDED, DT_SONAME or versions) without DT_STRTAB"},
    {"StrSizeZero", "module_gnu.so", [](MutableElf& e) { e.dynamic(kDtStrSize).d_val = 0; }, "DT_STRSZ is 0"},
    {"StrTabPastSegment", "module_gnu.so", [](MutableElf& e) { e.dynamic(kDtStrSize).d_val = 0x10000; }, "DT_STRTAB 0x390 size 0x10000 is not inside the file part of a PT_LOAD"},
    {"StrTabUnterminated", "module_gnu.so", [](MutableElf& e) { e.dynamic(kDtStrSize).d_val -= 1; }, "dynamic string table (DT_STRSZ 0x87) does not end with NUL"},
    {"SonameOutside", "module_gnu.so", [](MutableElf& e) { e.dynamic(kDtSoname).d_val = 0x88; }, "DT_SONAME 0 name offset 0x88 is outside the string table (size 0x88)"},
    {"NeededOutside", "versioned.so", [](MutableElf& e) { e.dynamic(kDtNeeded).d_val = 0x1000; }, "DT_NEEDED 0 name offset 0x1000 is outside the string table"},
    {"NeededEmpty", "versioned.so", [](MutableElf& e) { e.dynamic(kDtNeeded).d_val = e.dynamic(kDtStrSize).d_val - 1; }, "DT_NEEDED 0 name is empty"},
    // Symbols and hash tables
    {"SymEnt", "module_gnu.so", [](MutableElf& e) { e.dynamic(kDtSymEntry).d_val = 16; }, "DT_SYMENT 16 is not 24"},
    {"NoHash", "module_gnu.so", [](MutableElf& e) { erase(e.dynamic(kDtGnuHash)); }, "DT_SYMTAB without DT_HASH or DT_GNU_HASH: the symbol count is unknown"},
    {"SymtabOutside", "module_gnu.so", [](MutableElf& e) { e.dynamic(kDtSymTab).d_val = kFar; }, "DT_SYMTAB 0x7fff0000 is not inside the file part of a PT_LOAD"},
    {"SymtabMisaligned", "module_gnu.so", [](MutableElf& e) { e.dynamic(kDtSymTab).d_val += 4; }, "DT_SYMTAB 0x2a4 is at file offset 0x2a4, not 8-byte aligned"},
    {"SysvBucketsZero", "module_sysv.so", [](MutableElf& e) { sysv_hash(e)[0] = 0; }, "DT_HASH nbucket is 0"},
    {"SysvPastSegment", "module_sysv.so", [](MutableElf& e) { sysv_hash(e)[1] = 0x1000000; }, "DT_HASH with 3 buckets and 16777216 chains ends past its PT_LOAD"},
    {"SysvBucketRange", "module_sysv.so", [](MutableElf& e) { sysv_hash(e)[2] = 200; }, "DT_HASH bucket 0 leads to symbol 200, not below nchain 10"},
    {"SysvChainLoop", "module_sysv.so", [](MutableElf& e) { uint32_t* h = sysv_hash(e); uint32_t first = h[2] ? h[2] : h[3]; h[2 + h[0] + first] = first; }, "DT_HASH chains loop or share symbols"},
    {"GnuBucketsZero", "module_gnu.so", [](MutableElf& e) { gnu_hash(e)[0] = 0; }, "DT_GNU_HASH nbuckets is 0"},
    {"GnuBloomSize", "module_gnu.so", [](MutableElf& e) { gnu_hash(e)[2] = 3; }, "DT_GNU_HASH bloom size 3 is not a power of two"},
    {"GnuBloomShift", "module_gnu.so", [](MutableElf& e) { gnu_hash(e)[3] = 64; }, "DT_GNU_HASH bloom shift 64 is not below 64"},
    {"GnuPastSegment", "module_gnu.so", [](MutableElf& e) { gnu_hash(e)[2] = 1u << 20; }, "DT_GNU_HASH with 1048576 bloom words and 3 buckets ends past its PT_LOAD"},
    {"GnuSymOffset", "module_gnu.so", [](MutableElf& e) { gnu_hash(e)[1] = 1000; }, "DT_GNU_HASH symoffset 1000 exceeds"},
    {"GnuBucketBelowSymOffset", "module_gnu.so", [](MutableElf& e) { uint32_t* h = gnu_hash(e); h[4 + 2 * h[2]] = 1; }, "DT_GNU_HASH bucket 0 value 1 is outside symbols"},
    {"GnuCountBeyondSysv", "module_both.so", [](MutableElf& e) {
       // Drop the last symbol from DT_HASH (and its chains) only.
       uint32_t* h = sysv_hash(e);
       uint32_t last = --h[1];
       for (uint32_t i = 0; i < h[0] + h[1]; ++i)
         if (h[2 + i] == last) h[2 + i] = 0;
     }, "DT_GNU_HASH covers 10 symbols but DT_HASH nchain is 9"},
    {"RelocationSymbolPastTable", "module_gnu.so", [](MutableElf& e) { auto& r = e.relocation(0); r.r_info = (uint64_t{100000} << 32) | r.type(); }, "relocations use symbol 100000, past the"},
    {"NullSymbol", "module_gnu.so", [](MutableElf& e) { e.drop_sections(); e.symbol(size_t{0}).st_shndx = 1; }, "symbol 0 is not the null symbol"},
    {"SymbolName", "module_gnu.so", [](MutableElf& e) { e.drop_sections(); e.symbol("module_apply").st_name = 0x500; }, "name offset 0x500 is outside the string table (size 0x88)"},
    {"SymbolReservedIndex", "module_gnu.so", [](MutableElf& e) { e.symbol("module_apply").st_shndx = 0xff05; }, "st_shndx 0xff05 is a reserved index"},
    {"SymbolSectionIndex", "module_gnu.so", [](MutableElf& e) { e.section(section_of_type(e, kShtDynsym)).sh_type = kShtProgbits; e.symbol("module_apply").st_shndx = 40; }, "st_shndx 40 is not below the section count 23"},
    {"SymbolOutsideSpan", "module_gnu.so", [](MutableElf& e) { e.drop_sections(); e.symbol("module_apply").st_value = kFar; }, "value 0x7fff0000 size 0x"},
    {"TlsSymbolWithoutTls", "tls.so", [](MutableElf& e) { e.segment(kPtTls).p_type = kPtNull; }, "is STT_TLS but there is no PT_TLS"},
    {"TlsSymbolOutsideTls", "tls.so", [](MutableElf& e) { e.drop_sections(); e.symbol("tls_counter").st_value = 0x1000; }, "TLS offset 0x1000 size 0x4 is outside PT_TLS (size 0x50)"},
    // Versions
    {"VersymUndefinedIndex", "versioned.so", [](MutableElf& e) { e.at_vaddr<uint16_t>(e.dynamic(kDtVersym).d_val + 2 * 3) = 9; }, "symbol 3 version index 9 is not defined by DT_VERDEF or DT_VERNEED"},
    {"VersymOutside", "versioned.so", [](MutableElf& e) { e.dynamic(kDtVersym).d_val = kFar; }, "DT_VERSYM 0x7fff0000 size 0x10 is not inside the file part"},
    {"VerdefNumZero", "versioned.so", [](MutableElf& e) { e.dynamic(kDtVerdefNum).d_val = 0; }, "DT_VERDEFNUM 0 is not between 1 and 4095"},
    {"VerdefOutside", "versioned.so", [](MutableElf& e) { e.dynamic(kDtVerdef).d_val = kFar; }, "DT_VERDEF 0x7fff0000 is not inside the file part of a PT_LOAD"},
    {"VerdefVersion", "versioned.so", [](MutableElf& e) { verdef(e, 0).vd_version = 2; }, "DT_VERDEF entry 0 version 2 is not 1"},
    {"VerdefIndexZero", "versioned.so", [](MutableElf& e) { verdef(e, 1).vd_ndx = 0; }, "DT_VERDEF entry 1 index 0 is not between 1 and 4095"},
    {"VerdefIndexTwice", "versioned.so", [](MutableElf& e) { verdef(e, 2).vd_ndx = 2; }, "DT_VERDEF entry 2 index 2 is defined twice"},
    {"VerdefCountZero", "versioned.so", [](MutableElf& e) { verdef(e, 1).vd_cnt = 0; }, "DT_VERDEF entry 1 vd_cnt 0 is not between 1 and 256"},
    {"VerdefChainShort", "versioned.so", [](MutableElf& e) { e.dynamic(kDtVerdefNum).d_val = 4; }, "DT_VERDEF chain ends after 3 entries but DT_VERDEFNUM is 4"},
    {"VerdefAuxChainShort", "versioned.so", [](MutableElf& e) { verdef(e, 1).vd_cnt = 2; }, "DT_VERDEF entry 1 has 2 names but its chain ends after 1"},
    {"VerdefEntryMisaligned", "versioned.so", [](MutableElf& e) { verdef(e, 0).vd_next += 2; }, "DT_VERDEF entry 1 at offset 0x1e is misaligned or past its PT_LOAD"},
    {"VerdefAuxPastSegment", "versioned.so", [](MutableElf& e) { verdef(e, 1).vd_aux = 0x10000; }, "DT_VERDEF entry 1 name 0 at offset 0x1001c is misaligned or past its PT_LOAD"},
    {"VerdefName", "versioned.so", [](MutableElf& e) { auto& d = verdef(e, 1); e.at<Verdaux>(reinterpret_cast<uint8_t*>(&d) - e.data() + d.vd_aux).vda_name = 0x4000; }, "DT_VERDEF entry 1 name offset 0x4000 is outside the string table"},
    {"VerneedNumZero", "versioned.so", [](MutableElf& e) { e.dynamic(kDtVerneedNum).d_val = 0; }, "DT_VERNEEDNUM 0 is not between 1 and 4095"},
    {"VerneedVersion", "versioned.so", [](MutableElf& e) { verneed(e).vn_version = 0; }, "DT_VERNEED entry 0 version 0 is not 1"},
    {"VerneedFile", "versioned.so", [](MutableElf& e) { verneed(e).vn_file = 0x4000; }, "DT_VERNEED file 0 name offset 0x4000 is outside the string table"},
    {"VerneedCountZero", "versioned.so", [](MutableElf& e) { verneed(e).vn_cnt = 0; }, "DT_VERNEED entry 0 vn_cnt 0 is not between 1 and 256"},
    {"VerneedChainShort", "versioned.so", [](MutableElf& e) { e.dynamic(kDtVerneedNum).d_val = 2; }, "DT_VERNEED chain ends after 1 entries but DT_VERNEEDNUM is 2"},
    {"VerneedAuxChainShort", "versioned.so", [](MutableElf& e) { verneed(e).vn_cnt = 2; }, "DT_VERNEED entry 0 has 2 versions but its chain ends after 1"},
    {"VerneedAuxPastSegment", "versioned.so", [](MutableElf& e) { verneed(e).vn_aux = 0x10000; }, "DT_VERNEED entry 0 version 0 at offset 0x10000 is misaligned or past its PT_LOAD"},
    {"VerneedEntryPastSegment", "versioned.so", [](MutableElf& e) { e.dynamic(kDtVerneedNum).d_val = 2; verneed(e).vn_next = 0x10000; }, "DT_VERNEED entry 1 at offset 0x10000 is misaligned or past its PT_LOAD"},
    {"VernauxName", "versioned.so", [](MutableElf& e) { vernaux(e).vna_name = 0x4000; }, "DT_VERNEED version 0 name offset 0x4000 is outside the string table"},
    {"VernauxReservedIndex", "versioned.so", [](MutableElf& e) { vernaux(e).vna_other = 1; }, "DT_VERNEED entry 0 version 0 index 1 is not between 2 and 4095"},
    {"VernauxIndexTwice", "versioned.so", [](MutableElf& e) { vernaux(e).vna_other = 3; }, "DT_VERNEED entry 0 version 0 index 3 is defined twice"},
    // Relocations
    {"RelaEnt", "module_gnu.so", [](MutableElf& e) { e.dynamic(kDtRelaEntry).d_val = 16; }, "DT_RELAENT 16 is not 24"},
    {"RelaSizeNotMultiple", "module_gnu.so", [](MutableElf& e) { e.dynamic(kDtRelaSize).d_val -= 8; }, "DT_RELASZ 0x268 is not a multiple of 24"},
    {"RelaOutside", "module_gnu.so", [](MutableElf& e) { e.dynamic(kDtRela).d_val = kFar; }, "DT_RELA 0x7fff0000 size 0x270 is not inside the file part of a PT_LOAD"},
    {"PltRelIsRel", "module_gnu.so", [](MutableElf& e) { e.dynamic(kDtPltRel).d_val = kDtRel; }, "DT_PLTREL 17 is not DT_RELA (7)", kENOTSUP},
    {"PltRelSizeNotMultiple", "module_gnu.so", [](MutableElf& e) { e.dynamic(kDtPltRelSize).d_val = 20; }, "DT_PLTRELSZ 0x14 is not a multiple of 24"},
    {"CopyRelocation", "module_gnu.so", [](MutableElf& e) { auto& r = e.relocation(0); r.r_info = (r.r_info & ~0xffffffffull) | kRX86_64Copy; }, "DT_RELA relocation 0: R_X86_64_COPY is for executables, not shared objects", kENOTSUP},
    {"UnknownRelocation", "module_gnu.so", [](MutableElf& e) { auto& r = e.relocation(1); r.r_info = (r.r_info & ~0xffffffffull) | 99; }, "DT_RELA relocation 1: unsupported type 99 (unknown)", kENOTSUP},
    {"UnsupportedRelocation", "module_gnu.so", [](MutableElf& e) { auto& r = e.plt_relocation(0); r.r_info = (r.r_info & ~0xffffffffull) | kRX86_64_32; }, "DT_JMPREL relocation 0: unsupported type 10 (R_X86_64_32)", kENOTSUP},
    {"RelocationSymbolIndex", "module_sysv.so", [](MutableElf& e) { auto& r = e.relocation(0); r.r_info = (uint64_t{10} << 32) | r.type(); }, "DT_RELA relocation 0: symbol index 10 is not below the symbol count 10"},
    {"RelocationTargetReadOnly", "module_gnu.so", [](MutableElf& e) { e.relocation(2).r_offset = 0x10; }, "DT_RELA relocation 2 (R_X86_64_RELATIVE): target 0x10 is not inside a writable PT_LOAD"},
    {"RelocationTargetStraddles", "module_gnu.so", [](MutableElf& e) { auto& w = writable_load(e); e.relocation(2).r_offset = w.p_vaddr + w.p_memsz - 4; }, "(R_X86_64_RELATIVE): target 0x4014 is not inside a writable PT_LOAD"},
    {"PltTargetOutside", "module_gnu.so", [](MutableElf& e) { e.plt_relocation(0).r_offset = kFar; }, "DT_JMPREL relocation 0 (R_X86_64_JUMP_SLOT): target 0x7fff0000"},
#if TESSERA_ELF_HAVE_RELR
    {"RelrEnt", "module_relr.so", [](MutableElf& e) { e.dynamic(kDtRelrEntry).d_val = 4; }, "DT_RELRENT 4 is not 8"},
    {"RelrSize", "module_relr.so", [](MutableElf& e) { e.dynamic(kDtRelrSize).d_val = 12; }, "DT_RELRSZ 0xc is not a multiple of 8"},
    {"RelrOutside", "module_relr.so", [](MutableElf& e) { e.dynamic(kDtRelr).d_val = kFar; }, "DT_RELR 0x7fff0000 size 0x10 is not inside the file part"},
    {"RelrWithoutSize", "module_relr.so", [](MutableElf& e) { erase(e.dynamic(kDtRelrSize)); }, "DT_RELR without DT_RELRSZ"},
    {"RelrBitmapFirst", "module_relr.so", [](MutableElf& e) { e.relr(0) |= 1; }, "DT_RELR entry 0: bitmap 0x3d71 before any address"},
    {"RelrAddressReadOnly", "module_relr.so", [](MutableElf& e) { e.relr(0) = 0x10; }, "DT_RELR entry 0: address 0x10 is not inside a writable PT_LOAD"},
    {"RelrBitmapOutside", "module_relr.so", [](MutableElf& e) { auto& w = writable_load(e); e.relr(0) = w.p_vaddr + w.p_memsz - 8; e.relr(1) = 0x3; }, "DT_RELR entry 1: bit 1 address 0x"},
#endif
    // Init and fini
    {"InitNotExecutable", "module_gnu.so", [](MutableElf& e) { auto& d = e.dynamic(kDtRelaEntry); d.d_tag = kDtInit; d.d_val = 0x10; }, "DT_INIT 0x10 is not inside an executable PT_LOAD"},
    {"InitArrayMisaligned", "module_gnu.so", [](MutableElf& e) { e.dynamic(kDtInitArray).d_val += 4; }, "DT_INIT_ARRAY 0x3d94 size 0x8 is not 8-byte aligned"},
    {"InitArrayOutside", "module_gnu.so", [](MutableElf& e) { e.dynamic(kDtInitArray).d_val = kFar; }, "DT_INIT_ARRAY 0x7fff0000 size 0x8 is not inside a PT_LOAD"},
    {"FiniArrayOutside", "module_gnu.so", [](MutableElf& e) { e.dynamic(kDtFiniArray).d_val = kFar; }, "DT_FINI_ARRAY 0x7fff0000 size 0x8 is not inside a PT_LOAD"},
    {"PltGotOutside", "module_gnu.so", [](MutableElf& e) { e.dynamic(kDtPltGot).d_val = kFar; }, "DT_PLTGOT 0x7fff0000 is not inside a PT_LOAD"},
};

class BadElf : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadElf, IsRefusedWithItsOwnMessage) {
  const BadCase& bad = GetParam();
  MutableElf elf(bad.fixture);
  ASSERT_TRUE(elf.validate().is_ok()) << "the fixture itself must validate";
  bad.mutate(elf);
  auto result = elf.validate();
  ASSERT_TRUE(result.is_error()) << bad.name << " was accepted";
  std::string message = result.error().message();
  EXPECT_EQ(message.rfind(std::string(bad.fixture) + ": ", 0), 0u) << message;
  EXPECT_NE(message.find(bad.expected), std::string::npos) << "expected \"" << bad.expected << "\" in\n  " << message;
  EXPECT_EQ(result.error().code(), bad.code) << message;
  EXPECT_LT(message.size(), Error::kMessageCapacity - 1) << "cut short: " << message;
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadElf, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<BadCase>& info) { return std::string(info.param.name); });

TEST(BadElfCorpus, EveryCaseExpectsADifferentMessage) {
  std::set<std::string> seen;
  for (const BadCase& bad : kCases) EXPECT_TRUE(seen.insert(bad.expected).second) << bad.name;
  EXPECT_GE(seen.size(), 100u);
}

}  // namespace
}  // namespace tessera
