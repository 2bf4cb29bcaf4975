#include "lib/crc32c.hh"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace tessera {
namespace {

uint32_t crc_of(const std::string& text) {
  return crc32c(ktl::Bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

uint32_t crc_of(const std::vector<uint8_t>& bytes) { return crc32c(ktl::Bytes(bytes.data(), bytes.size())); }

// Bit by bit, straight from the definition: the reference the fast paths are held to.
uint32_t reference_crc32c(const uint8_t* data, size_t size) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? 0x82F63B78u : 0);
  }
  return ~crc;
}

TEST(Crc32c, CheckValueAndEmptyInput) {
  EXPECT_EQ(crc_of("123456789"), 0xE3069283u);
  EXPECT_EQ(crc_of(""), 0u);
  EXPECT_EQ(crc_of("The quick brown fox jumps over the lazy dog"), 0x22620404u);
}

// The test vectors of RFC 3720 (iSCSI), appendix B.4.
TEST(Crc32c, Rfc3720Vectors) {
  EXPECT_EQ(crc_of(std::vector<uint8_t>(32, 0x00)), 0x8A9136AAu);
  EXPECT_EQ(crc_of(std::vector<uint8_t>(32, 0xFF)), 0x62A8AB43u);
  std::vector<uint8_t> ascending(32), descending(32);
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<uint8_t>(i);
    descending[i] = static_cast<uint8_t>(31 - i);
  }
  EXPECT_EQ(crc_of(ascending), 0x46DD794Eu);
  EXPECT_EQ(crc_of(descending), 0x113FDB5Cu);
}

TEST(Crc32c, MatchesTheDefinitionForEveryLengthAndAlignment) {
  std::mt19937 random(42);
  std::vector<uint8_t> buffer(300);
  for (auto& byte : buffer) byte = static_cast<uint8_t>(random());
  for (size_t offset = 0; offset < 8; ++offset)
    for (size_t length = 0; offset + length <= 260; ++length) {
      const uint8_t* start = buffer.data() + offset;
      uint32_t expected = reference_crc32c(start, length);
      ASSERT_EQ(crc32c(ktl::Bytes(start, length)), expected) << "offset " << offset << " length " << length;
      // The table path too, whatever this CPU would pick.
      ASSERT_EQ(~Crc32c::update_portable(0xFFFFFFFFu, start, length), expected)
          << "offset " << offset << " length " << length;
    }
}

TEST(Crc32c, IncrementalEqualsOneShot) {
  std::mt19937 random(7);
  std::vector<uint8_t> buffer(100'000);
  for (auto& byte : buffer) byte = static_cast<uint8_t>(random());
  uint32_t whole = crc_of(buffer);
  EXPECT_EQ(whole, reference_crc32c(buffer.data(), buffer.size()));
  for (int round = 0; round < 20; ++round) {
    Crc32c crc;
    size_t position = 0;
    while (position < buffer.size()) {
      size_t piece = std::min<size_t>(random() % 3000, buffer.size() - position);
      crc.update(ktl::Bytes(buffer.data() + position, piece));
      position += piece;
    }
    ASSERT_EQ(crc.value(), whole) << "round " << round;
  }
}

TEST(Crc32c, DetectsEverySingleBitFlip) {
  std::vector<uint8_t> buffer(64, 0x5A);
  uint32_t original = crc_of(buffer);
  for (size_t bit = 0; bit < buffer.size() * 8; ++bit) {
    buffer[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    ASSERT_NE(crc_of(buffer), original) << "bit " << bit;
    buffer[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  }
}

}  // namespace
}  // namespace tessera
