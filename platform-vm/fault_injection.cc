#include "fault_injection.hh"

#include <stdint.h>

namespace tessera::vm::fault_injection {
namespace {

enum class Kind { kNone, kNull, kWriteRodata, kExecuteData, kStackOverflow, kInvalidOpcode, kDivide };

struct Name {
  const char* text;
  Kind kind;
};
constexpr Name kNames[] = {{"null", Kind::kNull},
                           {"write-rodata", Kind::kWriteRodata},
                           {"execute-data", Kind::kExecuteData},
                           {"stack-overflow", Kind::kStackOverflow},
                           {"invalid-opcode", Kind::kInvalidOpcode},
                           {"divide", Kind::kDivide}};

constinit Kind g_selected = Kind::kNone;
const uint32_t kReadOnlyWord = 0x600df00d;
// A `ret` in writable data: jumping here must fault on the fetch, not return.
constinit uint8_t g_data_code[16] = {0xc3};

// noinline + a frame that survives optimisation: each level really uses stack. The
// bound is far beyond any stack this kernel has; it only keeps the compiler honest.
[[gnu::noinline]] uint64_t recurse(uint64_t depth) {
  volatile uint8_t frame[512];
  frame[0] = uint8_t(depth);
  if (depth > 100'000'000) return frame[0];
  return recurse(depth + 1) + frame[0];
}

}  // namespace

bool select(const char* kind, unsigned length) {
  for (const Name& name : kNames) {
    if (__builtin_strlen(name.text) == length && __builtin_memcmp(name.text, kind, length) == 0) {
      g_selected = name.kind;
      return true;
    }
  }
  return false;
}

void trigger_selected() {
  switch (g_selected) {
    case Kind::kNone:
      return;
    case Kind::kNull:
      (void)*static_cast<volatile uint64_t*>(nullptr);
      break;
    case Kind::kWriteRodata:
      *const_cast<volatile uint32_t*>(&kReadOnlyWord) = 0;
      break;
    case Kind::kExecuteData:
      reinterpret_cast<void (*)()>(reinterpret_cast<uintptr_t>(g_data_code))();
      break;
    case Kind::kStackOverflow:
      (void)recurse(0);
      break;
    case Kind::kInvalidOpcode:
      asm volatile("ud2");
      break;
    case Kind::kDivide: {
      volatile uint32_t zero = 0;
      asm volatile("divl %1" : : "a"(1u), "r"(uint32_t(zero)), "d"(0u));
      break;
    }
  }
}

}  // namespace tessera::vm::fault_injection
