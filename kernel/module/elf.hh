#pragma once
// ELF64 for x86-64: the structures and constants the module loader reads, written from
// the System V gABI, the x86-64 psABI and the GNU extensions (hash, versions, RELR).
// Only what Tessera uses is here. Little-endian layouts, read in place from an 8-byte
// aligned buffer; every value in them is untrusted until ElfImage has validated it.
#include <stddef.h>
#include <stdint.h>

namespace tessera::elf {

// e_ident
inline constexpr uint8_t kMagic[4] = {0x7f, 'E', 'L', 'F'};
inline constexpr size_t kIdentClass = 4;
inline constexpr size_t kIdentData = 5;
inline constexpr size_t kIdentVersion = 6;
inline constexpr size_t kIdentOsAbi = 7;
inline constexpr size_t kIdentAbiVersion = 8;
inline constexpr size_t kIdentSize = 16;
inline constexpr uint8_t kClass64 = 2;
inline constexpr uint8_t kDataLittleEndian = 1;
inline constexpr uint8_t kVersionCurrent = 1;
inline constexpr uint8_t kOsAbiSysv = 0;
inline constexpr uint8_t kOsAbiGnu = 3;

// e_type, e_machine
inline constexpr uint16_t kTypeRelocatable = 1;
inline constexpr uint16_t kTypeExecutable = 2;
inline constexpr uint16_t kTypeShared = 3;
inline constexpr uint16_t kTypeCore = 4;
inline constexpr uint16_t kMachineX86_64 = 62;

struct Ehdr {
  uint8_t e_ident[kIdentSize];
  uint16_t e_type;
  uint16_t e_machine;
  uint32_t e_version;
  uint64_t e_entry;
  uint64_t e_phoff;
  uint64_t e_shoff;
  uint32_t e_flags;
  uint16_t e_ehsize;
  uint16_t e_phentsize;
  uint16_t e_phnum;
  uint16_t e_shentsize;
  uint16_t e_shnum;
  uint16_t e_shstrndx;
};
static_assert(sizeof(Ehdr) == 64);

// p_type
inline constexpr uint32_t kPtNull = 0;
inline constexpr uint32_t kPtLoad = 1;
inline constexpr uint32_t kPtDynamic = 2;
inline constexpr uint32_t kPtInterp = 3;
inline constexpr uint32_t kPtNote = 4;
inline constexpr uint32_t kPtShlib = 5;
inline constexpr uint32_t kPtPhdr = 6;
inline constexpr uint32_t kPtTls = 7;
inline constexpr uint32_t kPtGnuEhFrame = 0x6474e550;
inline constexpr uint32_t kPtGnuStack = 0x6474e551;
inline constexpr uint32_t kPtGnuRelro = 0x6474e552;
inline constexpr uint32_t kPtGnuProperty = 0x6474e553;

// p_flags
inline constexpr uint32_t kPfExecute = 1;
inline constexpr uint32_t kPfWrite = 2;
inline constexpr uint32_t kPfRead = 4;

struct Phdr {
  uint32_t p_type;
  uint32_t p_flags;
  uint64_t p_offset;
  uint64_t p_vaddr;
  uint64_t p_paddr;
  uint64_t p_filesz;
  uint64_t p_memsz;
  uint64_t p_align;
};
static_assert(sizeof(Phdr) == 56);

// sh_type
inline constexpr uint32_t kShtNull = 0;
inline constexpr uint32_t kShtProgbits = 1;
inline constexpr uint32_t kShtSymtab = 2;
inline constexpr uint32_t kShtStrtab = 3;
inline constexpr uint32_t kShtRela = 4;
inline constexpr uint32_t kShtHash = 5;
inline constexpr uint32_t kShtDynamic = 6;
inline constexpr uint32_t kShtNote = 7;
inline constexpr uint32_t kShtNobits = 8;
inline constexpr uint32_t kShtRel = 9;
inline constexpr uint32_t kShtDynsym = 11;
inline constexpr uint32_t kShtGnuHash = 0x6ffffff6;
inline constexpr uint32_t kShtGnuVerdef = 0x6ffffffd;
inline constexpr uint32_t kShtGnuVerneed = 0x6ffffffe;
inline constexpr uint32_t kShtGnuVersym = 0x6fffffff;

// Special section indexes
inline constexpr uint16_t kShnUndef = 0;
inline constexpr uint16_t kShnLoReserve = 0xff00;
inline constexpr uint16_t kShnAbs = 0xfff1;
inline constexpr uint16_t kShnCommon = 0xfff2;
inline constexpr uint16_t kShnXindex = 0xffff;

struct Shdr {
  uint32_t sh_name;
  uint32_t sh_type;
  uint64_t sh_flags;
  uint64_t sh_addr;
  uint64_t sh_offset;
  uint64_t sh_size;
  uint32_t sh_link;
  uint32_t sh_info;
  uint64_t sh_addralign;
  uint64_t sh_entsize;
};
static_assert(sizeof(Shdr) == 64);

// d_tag
inline constexpr int64_t kDtNull = 0;
inline constexpr int64_t kDtNeeded = 1;
inline constexpr int64_t kDtPltRelSize = 2;
inline constexpr int64_t kDtPltGot = 3;
inline constexpr int64_t kDtHash = 4;
inline constexpr int64_t kDtStrTab = 5;
inline constexpr int64_t kDtSymTab = 6;
inline constexpr int64_t kDtRela = 7;
inline constexpr int64_t kDtRelaSize = 8;
inline constexpr int64_t kDtRelaEntry = 9;
inline constexpr int64_t kDtStrSize = 10;
inline constexpr int64_t kDtSymEntry = 11;
inline constexpr int64_t kDtInit = 12;
inline constexpr int64_t kDtFini = 13;
inline constexpr int64_t kDtSoname = 14;
inline constexpr int64_t kDtRpath = 15;
inline constexpr int64_t kDtSymbolic = 16;
inline constexpr int64_t kDtRel = 17;
inline constexpr int64_t kDtRelSize = 18;
inline constexpr int64_t kDtRelEntry = 19;
inline constexpr int64_t kDtPltRel = 20;
inline constexpr int64_t kDtDebug = 21;
inline constexpr int64_t kDtTextRel = 22;
inline constexpr int64_t kDtJmpRel = 23;
inline constexpr int64_t kDtBindNow = 24;
inline constexpr int64_t kDtInitArray = 25;
inline constexpr int64_t kDtFiniArray = 26;
inline constexpr int64_t kDtInitArraySize = 27;
inline constexpr int64_t kDtFiniArraySize = 28;
inline constexpr int64_t kDtRunpath = 29;
inline constexpr int64_t kDtFlags = 30;
inline constexpr int64_t kDtPreinitArray = 32;
inline constexpr int64_t kDtPreinitArraySize = 33;
inline constexpr int64_t kDtRelrSize = 35;
inline constexpr int64_t kDtRelr = 36;
inline constexpr int64_t kDtRelrEntry = 37;
inline constexpr int64_t kDtGnuHash = 0x6ffffef5;
inline constexpr int64_t kDtVersym = 0x6ffffff0;
inline constexpr int64_t kDtRelaCount = 0x6ffffff9;
inline constexpr int64_t kDtFlags1 = 0x6ffffffb;
inline constexpr int64_t kDtVerdef = 0x6ffffffc;
inline constexpr int64_t kDtVerdefNum = 0x6ffffffd;
inline constexpr int64_t kDtVerneed = 0x6ffffffe;
inline constexpr int64_t kDtVerneedNum = 0x6fffffff;

// DT_FLAGS, DT_FLAGS_1
inline constexpr uint64_t kDfTextRel = 0x4;
inline constexpr uint64_t kDfBindNow = 0x8;
inline constexpr uint64_t kDfStaticTls = 0x10;
inline constexpr uint64_t kDf1Now = 0x1;
inline constexpr uint64_t kDf1Pie = 0x08000000;

struct Dyn {
  int64_t d_tag;
  uint64_t d_val;  // d_val or d_ptr: one 64-bit word either way
};
static_assert(sizeof(Dyn) == 16);

// Symbol binding (st_info >> 4) and type (st_info & 0xf)
inline constexpr uint8_t kStbLocal = 0;
inline constexpr uint8_t kStbGlobal = 1;
inline constexpr uint8_t kStbWeak = 2;
inline constexpr uint8_t kStbGnuUnique = 10;
inline constexpr uint8_t kSttNoType = 0;
inline constexpr uint8_t kSttObject = 1;
inline constexpr uint8_t kSttFunc = 2;
inline constexpr uint8_t kSttSection = 3;
inline constexpr uint8_t kSttFile = 4;
inline constexpr uint8_t kSttCommon = 5;
inline constexpr uint8_t kSttTls = 6;
inline constexpr uint8_t kSttGnuIfunc = 10;

struct Sym {
  uint32_t st_name;
  uint8_t st_info;
  uint8_t st_other;
  uint16_t st_shndx;
  uint64_t st_value;
  uint64_t st_size;

  constexpr uint8_t binding() const { return st_info >> 4; }
  constexpr uint8_t type() const { return st_info & 0xf; }
  constexpr bool is_defined() const { return st_shndx != kShnUndef; }
};
static_assert(sizeof(Sym) == 24);

struct Rela {
  uint64_t r_offset;
  uint64_t r_info;
  int64_t r_addend;

  constexpr uint32_t symbol() const { return static_cast<uint32_t>(r_info >> 32); }
  constexpr uint32_t type() const { return static_cast<uint32_t>(r_info); }
};
static_assert(sizeof(Rela) == 24);

// x86-64 relocation types. The loader supports the ones marked; the others are
// listed so that refusals can name them.
inline constexpr uint32_t kRX86_64None = 0;          // supported
inline constexpr uint32_t kRX86_64_64 = 1;           // supported: S + A
inline constexpr uint32_t kRX86_64Pc32 = 2;          // supported: S + A - P, 32 bits
inline constexpr uint32_t kRX86_64Copy = 5;          // refused: executables only
inline constexpr uint32_t kRX86_64GlobDat = 6;       // supported: S
inline constexpr uint32_t kRX86_64JumpSlot = 7;      // supported: S
inline constexpr uint32_t kRX86_64Relative = 8;      // supported: B + A
inline constexpr uint32_t kRX86_64_32 = 10;
inline constexpr uint32_t kRX86_64DtpMod64 = 16;     // supported
inline constexpr uint32_t kRX86_64DtpOff64 = 17;     // supported
inline constexpr uint32_t kRX86_64TpOff64 = 18;      // supported
inline constexpr uint32_t kRX86_64Size32 = 32;
inline constexpr uint32_t kRX86_64Size64 = 33;
inline constexpr uint32_t kRX86_64TlsDesc = 36;      // supported: two words
inline constexpr uint32_t kRX86_64IRelative = 37;    // supported: call B + A
inline constexpr uint32_t kRX86_64Relative64 = 38;

// Symbol versioning (GNU)
inline constexpr uint16_t kVerNdxLocal = 0;
inline constexpr uint16_t kVerNdxGlobal = 1;
inline constexpr uint16_t kVersymHidden = 0x8000;
inline constexpr uint16_t kVersymIndexMask = 0x7fff;
inline constexpr uint16_t kVerFlagBase = 0x1;
inline constexpr uint16_t kVerFlagWeak = 0x2;
inline constexpr uint16_t kVerDefCurrent = 1;
inline constexpr uint16_t kVerNeedCurrent = 1;

struct Verdef {
  uint16_t vd_version;
  uint16_t vd_flags;
  uint16_t vd_ndx;
  uint16_t vd_cnt;
  uint32_t vd_hash;
  uint32_t vd_aux;   // offset from this entry to its first Verdaux
  uint32_t vd_next;  // offset from this entry to the next, 0 for the last
};
static_assert(sizeof(Verdef) == 20);

struct Verdaux {
  uint32_t vda_name;
  uint32_t vda_next;
};
static_assert(sizeof(Verdaux) == 8);

struct Verneed {
  uint16_t vn_version;
  uint16_t vn_cnt;
  uint32_t vn_file;
  uint32_t vn_aux;
  uint32_t vn_next;
};
static_assert(sizeof(Verneed) == 16);

struct Vernaux {
  uint32_t vna_hash;
  uint16_t vna_flags;
  uint16_t vna_other;  // the version index symbols use to refer to it
  uint32_t vna_name;
  uint32_t vna_next;
};
static_assert(sizeof(Vernaux) == 16);

struct Nhdr {
  uint32_t n_namesz;
  uint32_t n_descsz;
  uint32_t n_type;
};
static_assert(sizeof(Nhdr) == 12);

inline constexpr uint32_t kNtGnuBuildId = 3;
inline constexpr uint32_t kNtGnuPropertyType0 = 5;

// DT_HASH starts with these two words, then nbucket buckets and nchain chain entries.
struct HashHeader {
  uint32_t nbucket;
  uint32_t nchain;
};

// DT_GNU_HASH starts with this, then bloom_size 64-bit bloom words, nbuckets bucket
// words and one chain word per symbol from symoffset on.
struct GnuHashHeader {
  uint32_t nbuckets;
  uint32_t symoffset;
  uint32_t bloom_size;
  uint32_t bloom_shift;
};

// The SysV ELF hash of DT_HASH.
constexpr uint32_t sysv_hash(const char* name, size_t length) {
  uint32_t h = 0;
  for (size_t i = 0; i < length; ++i) {
    h = (h << 4) + static_cast<uint8_t>(name[i]);
    uint32_t high = h & 0xf0000000u;
    if (high) h ^= high >> 24;
    h &= ~high;
  }
  return h;
}

// The GNU hash of DT_GNU_HASH (Bernstein's h * 33 + c).
constexpr uint32_t gnu_hash(const char* name, size_t length) {
  uint32_t h = 5381;
  for (size_t i = 0; i < length; ++i) h = h * 33 + static_cast<uint8_t>(name[i]);
  return h;
}

}  // namespace tessera::elf
