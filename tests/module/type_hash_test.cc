// type_hash (kernel/include/tessera/ktl/type_hash.hh): the hashes that version the
// kernel's exports must not change with the compiler or the build, and must change with
// the signature.
#include <tessera/ktl/type_hash.hh>

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <sstream>
#include <string>

#include "module/fixtures/type_hash_cases.hh"

namespace {

using tessera::ktl::type_hash;

// Computed once (GCC 12 and clang 14 agreed) and kept: a change here means every module
// built before it would be refused, so it must be deliberate (a new stream code is
// appended, never renumbered).
const std::map<std::string, uint32_t> kPinned = {
    {"void_fn", 0xb3d17e23},     {"int_int", 0xc7c0b423},       {"memcpy", 0xcb65c06c},
    {"snprintf", 0x87bdcfc0},    {"vsnprintf", 0x55004288},     {"strtol", 0x4c92f440},
    {"strtoul", 0xe00cc841},     {"long_long", 0x26a560a3},     {"callback", 0x2e33114b},
    {"noexcept_fn", 0x56701f02}, {"tagged", 0x04cfe731},        {"untagged", 0x4e77df5c},
    {"opaque", 0x689cf707},      {"enumeration", 0x9270ec8e},   {"union_ptr", 0x5d447a23},
    {"scalars", 0x7d69204f},     {"array_pointer", 0xd56af10f}, {"nullptr_type", 0x9293bf17},
    {"layout", 0x3aa4d996},
};

std::map<std::string, uint32_t> computed_here() {
  std::map<std::string, uint32_t> values;
#define RECORD_CASE(label, ...) values[#label] = type_hash<__VA_ARGS__>();
  TYPE_HASH_CASES(RECORD_CASE)
#undef RECORD_CASE
  return values;
}

TEST(TypeHash, MatchesThePinnedValues) {
  auto values = computed_here();
  ASSERT_EQ(values.size(), kPinned.size());
  for (const auto& [label, expected] : kPinned) {
    ASSERT_TRUE(values.count(label)) << label;
    EXPECT_EQ(values[label], expected) << label << ": got 0x" << std::hex << values[label];
  }
}

TEST(TypeHash, EveryCompilerAgrees) {
#ifndef TESSERA_TYPE_HASH_PROBES
  GTEST_SKIP() << "no probe programs were built";
#else
  std::stringstream list(TESSERA_TYPE_HASH_PROBES);
  std::string probe;
  int probes = 0;
  while (std::getline(list, probe, ',')) {
    if (probe.empty()) continue;
    ++probes;
    FILE* pipe = popen(probe.c_str(), "r");
    ASSERT_NE(pipe, nullptr) << probe;
    char label[64];
    unsigned value = 0;
    int lines = 0;
    while (std::fscanf(pipe, "%63s %x", label, &value) == 2) {
      ++lines;
      ASSERT_TRUE(kPinned.count(label)) << probe << ": unknown case " << label;
      EXPECT_EQ(value, kPinned.at(label)) << probe << ": " << label;
    }
    EXPECT_EQ(pclose(pipe), 0) << probe;
    EXPECT_EQ(lines, static_cast<int>(kPinned.size())) << probe;
  }
  EXPECT_GE(probes, 1);
#endif
}

// What the hash must see and what it must not.
static_assert(type_hash<void*(void*, const void*, size_t)>() == type_hash<void*(void*, const void*, unsigned long)>(),
              "typedefs are transparent");
static_assert(type_hash<int(const int)>() == type_hash<int(int)>(), "top-level const is not part of a function type");
static_assert(type_hash<long(long)>() != type_hash<long long(long long)>(), "long and long long are distinct");
static_assert(type_hash<int(int)>() != type_hash<unsigned(int)>(), "the return type counts");
static_assert(type_hash<void(int, long)>() != type_hash<void(long, int)>(), "parameter order counts");
static_assert(type_hash<void(int)>() != type_hash<void(int, ...)>(), "variadic counts");
static_assert(type_hash<void(int)>() != type_hash<void(int) noexcept>(), "noexcept counts");
static_assert(type_hash<void(const char*)>() != type_hash<void(char*)>(), "const counts");
static_assert(type_hash<void(int*)>() != type_hash<void(int&)>(), "pointer and reference differ");
static_assert(type_hash<void(int**)>() != type_hash<void(int*)>(), "indirection depth counts");

struct SixteenA { uint64_t a, b; };
struct SixteenB { uint32_t a, b, c, d; };
struct TwentyFour { uint64_t a, b, c; };
struct Renamed { static constexpr const char* kAbiTag = "renamed/2"; uint64_t a, b; };
static_assert(type_hash<void(TwentyFour*)>() != type_hash<void(SixteenA*)>(), "untagged structs: size counts");
static_assert(type_hash<void(SixteenA*)>() != type_hash<void(SixteenB*)>(), "untagged structs: alignment counts");
static_assert(type_hash<void(Renamed*)>() != type_hash<void(SixteenA*)>(), "a tag distinguishes equal layouts");

// With TESSERA_ABI_LAYOUT the hash sees the fields: a callback whose signature changed
// leaves the struct's size alone but not its hash.
struct CallbacksV1 {
  int (*open)(const char* path);
  long (*read)(void* buffer, size_t size);
};
struct CallbacksV2 {
  int (*open)(const char* path, int flags);
  long (*read)(void* buffer, size_t size);
};
struct CallbacksSwapped {
  long (*read)(void* buffer, size_t size);
  int (*open)(const char* path);
};
}  // namespace
TESSERA_ABI_LAYOUT(CallbacksV1, TESSERA_ABI_FIELD(CallbacksV1, open), TESSERA_ABI_FIELD(CallbacksV1, read));
TESSERA_ABI_LAYOUT(CallbacksV2, TESSERA_ABI_FIELD(CallbacksV2, open), TESSERA_ABI_FIELD(CallbacksV2, read));
TESSERA_ABI_LAYOUT(CallbacksSwapped, TESSERA_ABI_FIELD(CallbacksSwapped, read),
                   TESSERA_ABI_FIELD(CallbacksSwapped, open));
namespace {
static_assert(sizeof(CallbacksV1) == sizeof(CallbacksV2));
static_assert(type_hash<void(CallbacksV1*)>() != type_hash<void(CallbacksV2*)>(), "a callback's signature counts");
static_assert(type_hash<void(CallbacksV1*)>() != type_hash<void(CallbacksSwapped*)>(), "field order counts");

TEST(TypeHash, StructsWithoutALayoutAreKnownOnlyBySizeAndAlignment) {
  // The documented limit: same size and alignment, different fields, same hash.
  struct Swapped { uint32_t b; uint64_t a; };
  struct Original { uint64_t a; uint32_t b; };
  EXPECT_EQ(type_hash<void(Swapped*)>(), type_hash<void(Original*)>());
}

}  // namespace
