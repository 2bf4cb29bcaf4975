#include "lib/crc32c.hh"

namespace tessera {
namespace {

constexpr uint32_t kPolynomial = 0x82F63B78u;

// tables[k][b] is the CRC contribution of byte b followed by k zero bytes, so eight bytes
// are folded in with eight independent lookups instead of eight dependent shifts.
struct SlicingTables {
  uint32_t t[8][256];
};

constexpr SlicingTables make_tables() {
  SlicingTables tables{};
  for (uint32_t byte = 0; byte < 256; ++byte) {
    uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? kPolynomial : 0);
    tables.t[0][byte] = crc;
  }
  for (int k = 1; k < 8; ++k)
    for (uint32_t byte = 0; byte < 256; ++byte) {
      uint32_t previous = tables.t[k - 1][byte];
      tables.t[k][byte] = (previous >> 8) ^ tables.t[0][previous & 0xFF];
    }
  return tables;
}

constexpr SlicingTables kTables = make_tables();
static_assert(kTables.t[0][1] == 0xF26B8303u, "CRC32C table");

uint64_t load_le64(const uint8_t* p) {
  uint64_t value;
  __builtin_memcpy(&value, p, sizeof(value));
  return value;  // x86-64 and every target we run on are little-endian
}

#if defined(__x86_64__)
// 0 not probed yet, 1 absent, 2 present. Probing twice is harmless, so no lock; the
// answer is a property of the CPU, so it survives reboots of the hosted kernel unchanged.
int g_have_crc32_instruction = 0;

bool have_crc32_instruction() {
  int known = __atomic_load_n(&g_have_crc32_instruction, __ATOMIC_RELAXED);
  if (known == 0) {
    uint32_t eax = 1, ebx, ecx = 0, edx;
    asm volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    known = (ecx & (1u << 20)) ? 2 : 1;  // CPUID.1:ECX.SSE4_2
    __atomic_store_n(&g_have_crc32_instruction, known, __ATOMIC_RELAXED);
  }
  return known == 2;
}

__attribute__((target("sse4.2"))) uint32_t update_hardware(uint32_t state, const uint8_t* data, size_t size) {
  uint64_t crc = state;
  for (; size >= 8; data += 8, size -= 8) crc = __builtin_ia32_crc32di(crc, load_le64(data));
  auto crc32 = static_cast<uint32_t>(crc);
  for (; size > 0; ++data, --size) crc32 = __builtin_ia32_crc32qi(crc32, *data);
  return crc32;
}
#endif

}  // namespace

uint32_t Crc32c::update_portable(uint32_t crc, const uint8_t* data, size_t size) {
  const auto& t = kTables.t;
  for (; size >= 8; data += 8, size -= 8) {
    uint64_t word = load_le64(data) ^ crc;
    crc = t[7][word & 0xFF] ^ t[6][(word >> 8) & 0xFF] ^ t[5][(word >> 16) & 0xFF] ^ t[4][(word >> 24) & 0xFF] ^
          t[3][(word >> 32) & 0xFF] ^ t[2][(word >> 40) & 0xFF] ^ t[1][(word >> 48) & 0xFF] ^ t[0][word >> 56];
  }
  for (; size > 0; ++data, --size) crc = (crc >> 8) ^ t[0][(crc ^ *data) & 0xFF];
  return crc;
}

void Crc32c::update(ktl::Bytes data) {
  if (data.empty()) return;
#if defined(__x86_64__)
  if (have_crc32_instruction()) {
    state_ = update_hardware(state_, data.data(), data.size());
    return;
  }
#endif
  state_ = update_portable(state_, data.data(), data.size());
}

uint32_t crc32c(ktl::Bytes data) {
  Crc32c crc;
  crc.update(data);
  return crc.value();
}

}  // namespace tessera
