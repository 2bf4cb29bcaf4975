#pragma once
// CRC-32C (Castagnoli), the checksum of ROFS images (docs/rofs.md) and of iSCSI, ext4
// and btrfs: reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF.
// crc32c("123456789") == 0xE3069283. Uses the SSE4.2 crc32 instruction when the CPU has
// it, a slicing-by-8 table otherwise; both give the same value.
#include <stddef.h>
#include <stdint.h>
#include <tessera/ktl/span.hh>

namespace tessera {

// Incremental: feeding a buffer in pieces gives the CRC of the whole.
class Crc32c {
 public:
  constexpr Crc32c() = default;
  void update(ktl::Bytes data);
  uint32_t value() const { return ~state_; }

  // The portable table path only, so tests can check it against the instruction.
  static uint32_t update_portable(uint32_t state, const uint8_t* data, size_t size);

 private:
  uint32_t state_ = 0xFFFFFFFFu;
};

uint32_t crc32c(ktl::Bytes data);

}  // namespace tessera
