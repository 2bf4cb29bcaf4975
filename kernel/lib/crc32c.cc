#include "lib/crc32c.hh"

namespace tessera {
namespace {

constexpr uint32_t kPolynomial = 0x82F63B78u;

// tables[k][b] is the CRC contribution of byte b followed by k zero bytes, so eight bytes
// are folded in with eight independent lookups instead of eight dependent shifts.
// Filled on first use rather than at compile time: 8 KiB of .bss instead of 8 KiB of the
// kernel image (a few microseconds, once). Two threads may fill it at once; they store the
// same values, atomically, and publish with g_tables_ready.
struct SlicingTables {
  uint32_t t[8][256];
};
constinit SlicingTables g_tables{};  // zeros: still .bss
bool g_tables_ready = false;

const SlicingTables& tables() {
  if (__atomic_load_n(&g_tables_ready, __ATOMIC_ACQUIRE)) return g_tables;
  auto set = [](int k, uint32_t byte, uint32_t value) { __atomic_store_n(&g_tables.t[k][byte], value, __ATOMIC_RELAXED); };
  auto get = [](int k, uint32_t byte) { return __atomic_load_n(&g_tables.t[k][byte], __ATOMIC_RELAXED); };
  for (uint32_t byte = 0; byte < 256; ++byte) {
    uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? kPolynomial : 0);
    set(0, byte, crc);
  }
  for (int k = 1; k < 8; ++k)
    for (uint32_t byte = 0; byte < 256; ++byte) {
      uint32_t previous = get(k - 1, byte);
      set(k, byte, (previous >> 8) ^ get(0, previous & 0xFF));
    }
  __atomic_store_n(&g_tables_ready, true, __ATOMIC_RELEASE);
  return g_tables;
}

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
  const auto& t = tables().t;
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
