// The kernel's C library subset against the host's glibc, which is the reference.
#include <gtest/gtest.h>

#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "fake_platform/fake_platform.hh"
#include "libc/errno.hh"
#include "libc/exports.hh"
#include "libc/stdio.hh"
#include "libc/stdlib.hh"
#include "libc/string.hh"
#include "mm/heap.hh"
#include "mm/page_allocator.hh"
#include "sched/thread.hh"

namespace tessera {
namespace {

namespace k = tessera::libc;

// Gives every test a fresh kernel heap over its own RAM.
class LibcTest : public testing::Test {
 protected:
  void SetUp() override {
    fake::reset();
    page_allocator().reset();
    ASSERT_TRUE(page_allocator().add_region(ram_.region()).is_ok());
    heap().reset(page_allocator());
    *k::errno_location() = 0;
  }
  fake::Ram ram_{4 * 1024 * 1024};
};

std::vector<unsigned char> pattern(size_t size, unsigned seed) {
  std::vector<unsigned char> bytes(size);
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<unsigned char>((i * 131 + seed * 17 + 7) ^ (i >> 3));
  return bytes;
}

int sign(int value) { return (value > 0) - (value < 0); }

// --- memory ------------------------------------------------------------------------

TEST_F(LibcTest, MemcpyMatchesForEverySizeAndAlignment) {
  for (size_t offset = 0; offset < 9; ++offset) {
    for (size_t size : {0, 1, 7, 8, 9, 15, 16, 31, 64, 100, 1000}) {
      auto source = pattern(size + 16, static_cast<unsigned>(size));
      std::vector<unsigned char> ours(size + 32, 0xee), theirs(size + 32, 0xee);
      EXPECT_EQ(k::memcpy(ours.data() + offset, source.data() + (offset + 3) % 8, size), ours.data() + offset);
      std::memcpy(theirs.data() + offset, source.data() + (offset + 3) % 8, size);
      EXPECT_EQ(ours, theirs) << "offset " << offset << " size " << size;
    }
  }
}

TEST_F(LibcTest, MemmoveHandlesOverlapBothWays) {
  for (size_t size : {0, 1, 5, 8, 13, 64, 257}) {
    for (int shift : {-9, -8, -3, -1, 0, 1, 3, 8, 9, 40}) {
      auto ours = pattern(size + 100, 3), theirs = ours;
      size_t from = 50, to = static_cast<size_t>(50 + shift);
      EXPECT_EQ(k::memmove(ours.data() + to, ours.data() + from, size), ours.data() + to);
      std::memmove(theirs.data() + to, theirs.data() + from, size);
      EXPECT_EQ(ours, theirs) << "size " << size << " shift " << shift;
    }
  }
}

TEST_F(LibcTest, MemsetUsesOnlyTheLowByte) {
  for (size_t size : {0, 1, 7, 8, 9, 33, 200}) {
    for (int value : {0, 0x5a, 0xff, 0x1234, -1}) {
      std::vector<unsigned char> ours(size + 8, 1), theirs(size + 8, 1);
      EXPECT_EQ(k::memset(ours.data() + 3, value, size), ours.data() + 3);
      std::memset(theirs.data() + 3, value, size);
      EXPECT_EQ(ours, theirs);
    }
  }
}

TEST_F(LibcTest, MemcmpComparesAsUnsignedBytes) {
  const unsigned char a[] = {1, 2, 3, 0x80, 5};
  const unsigned char b[] = {1, 2, 3, 0x01, 5};
  EXPECT_EQ(sign(k::memcmp(a, b, 5)), sign(std::memcmp(a, b, 5)));
  EXPECT_GT(k::memcmp(a, b, 5), 0);
  EXPECT_LT(k::memcmp(b, a, 5), 0);
  EXPECT_EQ(k::memcmp(a, b, 3), 0);
  EXPECT_EQ(k::memcmp(a, b, 0), 0);
  EXPECT_EQ(k::memcmp(a, a, 5), 0);
}

TEST_F(LibcTest, Memchr) {
  const char text[] = "abc\0def\xff";
  for (int c : {int{'a'}, int{'c'}, 0, int{'f'}, 0xff, -1, int{'z'}, 0x100 + 'd'}) {
    EXPECT_EQ(k::memchr(text, c, sizeof(text)), std::memchr(text, c, sizeof(text))) << c;
  }
  EXPECT_EQ(k::memchr(text, 'd', 4), nullptr);
  EXPECT_EQ(k::memchr(text, 'a', 0), nullptr);
}

// --- strings -----------------------------------------------------------------------

const char* const kStrings[] = {"", "a", "ab", "abc", "abd", "abcd", "b", "\x80", "\x7f", "hello world", "hello"};

TEST_F(LibcTest, LengthsAndComparisons) {
  for (const char* s : kStrings) {
    EXPECT_EQ(k::strlen(s), std::strlen(s));
    for (size_t n : {0, 1, 3, 100}) EXPECT_EQ(k::strnlen(s, n), ::strnlen(s, n)) << s << " " << n;
    for (const char* t : kStrings) {
      EXPECT_EQ(sign(k::strcmp(s, t)), sign(std::strcmp(s, t))) << '"' << s << "\" vs \"" << t << '"';
      for (size_t n : {0, 1, 2, 3, 50})
        EXPECT_EQ(sign(k::strncmp(s, t, n)), sign(std::strncmp(s, t, n))) << s << " " << t << " " << n;
    }
  }
}

TEST_F(LibcTest, StrchrAndStrrchr) {
  const char text[] = "a/b/c\xe9/";
  for (int c : {int{'a'}, int{'/'}, int{'c'}, int{'z'}, 0, 0xe9, static_cast<int>(static_cast<char>(0xe9))}) {
    EXPECT_EQ(k::strchr(text, c), std::strchr(text, c)) << c;
    EXPECT_EQ(k::strrchr(text, c), std::strrchr(text, c)) << c;
  }
  EXPECT_EQ(k::strchr(text, 0), text + std::strlen(text)) << "the terminator is part of the string";
}

TEST_F(LibcTest, Strstr) {
  const char* haystacks[] = {"", "a", "aaab", "hello world", "abcabcabd", "mississippi"};
  const char* needles[] = {"", "a", "aab", "world", "abd", "issip", "ppi", "xyz", "hello world!"};
  for (const char* h : haystacks)
    for (const char* n : needles) EXPECT_EQ(k::strstr(h, n), std::strstr(h, n)) << h << " / " << n;
}

TEST_F(LibcTest, StrcpyStrcatStrncpy) {
  char ours[32], theirs[32];
  std::memset(ours, 'x', sizeof(ours));
  std::memset(theirs, 'x', sizeof(theirs));
  EXPECT_EQ(k::strcpy(ours, "one"), ours);
  std::strcpy(theirs, "one");
  EXPECT_EQ(k::strcat(ours, ", two"), ours);
  std::strcat(theirs, ", two");
  EXPECT_EQ(std::string(ours, sizeof(ours)), std::string(theirs, sizeof(theirs)));
  EXPECT_STREQ(ours, "one, two");

  for (size_t n : {0, 2, 5, 6, 10}) {
    std::memset(ours, 'x', sizeof(ours));
    std::memset(theirs, 'x', sizeof(theirs));
    EXPECT_EQ(k::strncpy(ours, "hello", n), ours);
    std::strncpy(theirs, "hello", n);
    // Pads with NULs up to n, writes nothing past n, no terminator when the source is longer.
    EXPECT_EQ(std::string(ours, sizeof(ours)), std::string(theirs, sizeof(theirs))) << n;
  }
}

TEST_F(LibcTest, StrdupAndStrndupUseTheHeap) {
  size_t before = heap().stats().allocations;
  char* copy = k::strdup("duplicate me");
  ASSERT_NE(copy, nullptr);
  EXPECT_STREQ(copy, "duplicate me");
  EXPECT_EQ(heap().stats().allocations, before + 1);
  k::free(copy);

  char* prefix = k::strndup("truncated", 5);
  ASSERT_NE(prefix, nullptr);
  EXPECT_STREQ(prefix, "trunc");
  k::free(prefix);

  char unterminated[4] = {'a', 'b', 'c', 'd'};
  char* bounded = k::strndup(unterminated, 4);  // never reads past the bound
  EXPECT_STREQ(bounded, "abcd");
  k::free(bounded);
  EXPECT_EQ(heap().stats().bytes_in_use, 0u) << "every copy was freed";
}

// --- formatting --------------------------------------------------------------------

TEST_F(LibcTest, SnprintfMatchesHost) {
  char ours[64], theirs[64];
  int a = k::snprintf(ours, sizeof(ours), "%s:%05d:%-4x|%c%%", "id", -42, 0xbeefu, 'z');
  int b = std::snprintf(theirs, sizeof(theirs), "%s:%05d:%-4x|%c%%", "id", -42, 0xbeefu, 'z');
  EXPECT_EQ(a, b);
  EXPECT_STREQ(ours, theirs);

  a = k::snprintf(ours, 6, "%lu-%zu", 1234567ul, size_t{89});
  b = std::snprintf(theirs, 6, "%lu-%zu", 1234567ul, size_t{89});
  EXPECT_EQ(a, b);
  EXPECT_STREQ(ours, theirs);

  EXPECT_EQ(k::snprintf(nullptr, 0, "%d", 12345), 5);
}

TEST_F(LibcTest, Vsnprintf) {
  auto call = [](char* buffer, size_t capacity, const char* format, ...) {
    va_list args;
    va_start(args, format);
    int length = k::vsnprintf(buffer, capacity, format, args);
    va_end(args);
    return length;
  };
  char buffer[16];
  EXPECT_EQ(call(buffer, sizeof(buffer), "[%8.3s]", "abcdef"), 10);
  EXPECT_STREQ(buffer, "[     abc]");
}

// --- allocation --------------------------------------------------------------------

TEST_F(LibcTest, MallocFreeRealloc) {
  auto* bytes = static_cast<unsigned char*>(k::malloc(100));
  ASSERT_NE(bytes, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(bytes) % 16, 0u);
  for (int i = 0; i < 100; ++i) bytes[i] = static_cast<unsigned char>(i);
  auto* grown = static_cast<unsigned char*>(k::realloc(bytes, 5000));
  ASSERT_NE(grown, nullptr);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(grown[i], i) << "realloc lost contents";
  auto* shrunk = static_cast<unsigned char*>(k::realloc(grown, 10));
  ASSERT_NE(shrunk, nullptr);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(shrunk[i], i);
  k::free(shrunk);
  k::free(nullptr);  // allowed, does nothing
  EXPECT_EQ(heap().stats().bytes_in_use, 0u);

  void* fresh = k::realloc(nullptr, 32);  // realloc(nullptr, n) is malloc(n)
  ASSERT_NE(fresh, nullptr);
  k::free(fresh);
}

TEST_F(LibcTest, MallocFailureSetsEnomem) {
  EXPECT_EQ(k::malloc(size_t{1} << 40), nullptr);
  EXPECT_EQ(*k::errno_location(), ENOMEM);
}

TEST_F(LibcTest, CallocZeroesRecycledMemory) {
  // Dirty a block, free it, and ask calloc for the same size class.
  auto* dirty = static_cast<unsigned char*>(k::malloc(64));
  ASSERT_NE(dirty, nullptr);
  std::memset(dirty, 0xab, 64);
  k::free(dirty);
  auto* clean = static_cast<unsigned char*>(k::calloc(8, 8));
  ASSERT_NE(clean, nullptr);
  for (int i = 0; i < 64; ++i) ASSERT_EQ(clean[i], 0) << i;
  k::free(clean);
}

TEST_F(LibcTest, CallocOverflowReturnsNull) {
  size_t failed_before = heap().stats().failed_allocations;
  size_t allocations_before = heap().stats().allocations;
  EXPECT_EQ(k::calloc(SIZE_MAX / 2, 3), nullptr);
  EXPECT_EQ(*k::errno_location(), ENOMEM);
  *k::errno_location() = 0;
  EXPECT_EQ(k::calloc(size_t{1} << 33, size_t{1} << 33), nullptr);
  EXPECT_EQ(*k::errno_location(), ENOMEM);
  // Refused before reaching the heap: a wrapped product would have been a small request.
  EXPECT_EQ(heap().stats().allocations, allocations_before);
  EXPECT_EQ(heap().stats().failed_allocations, failed_before);
}

TEST_F(LibcTest, AlignedAllocation) {
  for (size_t alignment : {1, 8, 16, 64, 256, 4096}) {
    void* memory = k::aligned_alloc(alignment, 100);
    ASSERT_NE(memory, nullptr) << alignment;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(memory) % alignment, 0u);
    k::free(memory);
  }
  EXPECT_EQ(k::aligned_alloc(48, 96), nullptr);
  EXPECT_EQ(*k::errno_location(), EINVAL);
  EXPECT_EQ(k::aligned_alloc(0, 16), nullptr);

  void* out = reinterpret_cast<void*>(0x1);
  EXPECT_EQ(k::posix_memalign(&out, 4, 16), EINVAL) << "must be a multiple of sizeof(void*)";
  EXPECT_EQ(k::posix_memalign(&out, 24, 16), EINVAL) << "must be a power of two";
  EXPECT_EQ(out, reinterpret_cast<void*>(0x1)) << "left untouched on failure";
  *k::errno_location() = 0;
  EXPECT_EQ(k::posix_memalign(&out, 128, size_t{1} << 40), ENOMEM);
  EXPECT_EQ(*k::errno_location(), 0) << "posix_memalign reports through its result only";
  ASSERT_EQ(k::posix_memalign(&out, 512, 1000), 0);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(out) % 512, 0u);
  k::free(out);
}

// --- errno -------------------------------------------------------------------------

TEST_F(LibcTest, ErrnoBeforeTheSchedulerIsOneStableVariable) {
  int* location = k::errno_location();
  ASSERT_NE(location, nullptr);
  *location = 1234;
  EXPECT_EQ(k::errno_location(), location);
  EXPECT_EQ(*k::errno_location(), 1234);
}

TEST(LibcThreads, ErrnoIsTheCurrentThreads) {
  fake::Ram ram(8 * 1024 * 1024);
  fake::boot_core(ram);
  Thread* main_thread = Thread::current();
  ASSERT_NE(main_thread, nullptr);
  EXPECT_EQ(k::errno_location(), &main_thread->errno_value());

  struct Seen {
    int* location = nullptr;
    Thread* thread = nullptr;
  } seen;
  auto entry = [](void* argument) {
    auto* s = static_cast<Seen*>(argument);
    s->location = k::errno_location();
    s->thread = Thread::current();
    *s->location = EDOM;
  };
  *k::errno_location() = EPERM;
  Result<Thread*> worker = Thread::try_create("errno-worker", entry, &seen);
  ASSERT_TRUE(worker.is_ok());
  Thread* thread = worker.value();
  ASSERT_TRUE(thread->join().is_ok());
  EXPECT_NE(seen.location, &main_thread->errno_value());
  EXPECT_EQ(*k::errno_location(), EPERM) << "another thread's errno leaked into this one";
}

// --- strtol / strtoul ----------------------------------------------------------------

const char* const kNumbers[] = {
    "0", "42", "-42", "  +17", "\t\n\v\f\r 5", "0x1f", "0X1F", "-0x10", "0x", "0xg", "017", "08", "0b1",
    "z", "ZZ", "", "   ", "-", "+", "+-1", "123abc", "1e5", "9223372036854775807", "9223372036854775808",
    "-9223372036854775808", "-9223372036854775809", "18446744073709551615", "18446744073709551616",
    "-18446744073709551615", "-18446744073709551616", "99999999999999999999999999xyz", "-1", "0777777777777777777777",
    "1777777777777777777777", "2000000000000000000000", "7fffffffffffffff", "ffffffffffffffff", "10000000000000000",
    "11111111111111111111111111111111111111111111111111111111111111111"};

TEST_F(LibcTest, StrtolMatchesGlibc) {
  for (const char* text : kNumbers) {
    for (int base : {0, 2, 8, 10, 16, 36}) {
      char* our_end = nullptr;
      char* their_end = nullptr;
      *k::errno_location() = 0;
      errno = 0;
      long ours = k::strtol(text, &our_end, base);
      long theirs = std::strtol(text, &their_end, base);
      EXPECT_EQ(ours, theirs) << '"' << text << "\" base " << base;
      EXPECT_EQ(our_end - text, their_end - text) << '"' << text << "\" base " << base;
      EXPECT_EQ(*k::errno_location(), errno) << '"' << text << "\" base " << base;
    }
  }
}

TEST_F(LibcTest, StrtoulMatchesGlibc) {
  for (const char* text : kNumbers) {
    for (int base : {0, 2, 8, 10, 16, 36}) {
      char* our_end = nullptr;
      char* their_end = nullptr;
      *k::errno_location() = 0;
      errno = 0;
      unsigned long ours = k::strtoul(text, &our_end, base);
      unsigned long theirs = std::strtoul(text, &their_end, base);
      EXPECT_EQ(ours, theirs) << '"' << text << "\" base " << base;
      EXPECT_EQ(our_end - text, their_end - text) << '"' << text << "\" base " << base;
      EXPECT_EQ(*k::errno_location(), errno) << '"' << text << "\" base " << base;
    }
  }
}

TEST_F(LibcTest, StrtolEdgeCases) {
  char* end = nullptr;
  EXPECT_EQ(k::strtol("9223372036854775808", &end, 10), LONG_MAX);
  EXPECT_EQ(*k::errno_location(), ERANGE);
  EXPECT_EQ(*end, '\0') << "all digits are consumed even on overflow";
  *k::errno_location() = 0;
  EXPECT_EQ(k::strtol("-9223372036854775808", nullptr, 10), LONG_MIN);
  EXPECT_EQ(*k::errno_location(), 0) << "LONG_MIN itself is in range";
  EXPECT_EQ(k::strtol("0x", &end, 16), 0);
  EXPECT_STREQ(end, "x") << "a bare 0x prefix parses as the 0 before it";
  const char* blank = "   ";
  EXPECT_EQ(k::strtol(blank, &end, 10), 0);
  EXPECT_EQ(end, blank) << "no digits: nothing consumed, not even the spaces";
  for (int base : {-1, 1, 37}) {
    *k::errno_location() = 0;
    EXPECT_EQ(k::strtol("10", &end, base), 0);
    EXPECT_EQ(*k::errno_location(), EINVAL) << base;
    EXPECT_EQ(k::strtoul("10", nullptr, base), 0u);
  }
  EXPECT_EQ(k::strtoul("-1", nullptr, 10), ULONG_MAX);
  EXPECT_EQ(k::strtol("zz", nullptr, 36), 35 * 36 + 35);
}

// --- the export table ----------------------------------------------------------------

struct Expected {
  const char* name;
  void* address;
};

const Expected kExpected[] = {
    {"__errno_location", reinterpret_cast<void*>(&k::errno_location)},
    {"aligned_alloc", reinterpret_cast<void*>(&k::aligned_alloc)},
    {"calloc", reinterpret_cast<void*>(&k::calloc)},
    {"free", reinterpret_cast<void*>(&k::free)},
    {"malloc", reinterpret_cast<void*>(&k::malloc)},
    {"memchr", reinterpret_cast<void*>(&k::memchr)},
    {"memcmp", reinterpret_cast<void*>(&k::memcmp)},
    {"memcpy", reinterpret_cast<void*>(&k::memcpy)},
    {"memmove", reinterpret_cast<void*>(&k::memmove)},
    {"memset", reinterpret_cast<void*>(&k::memset)},
    {"posix_memalign", reinterpret_cast<void*>(&k::posix_memalign)},
    {"realloc", reinterpret_cast<void*>(&k::realloc)},
    {"snprintf", reinterpret_cast<void*>(&k::snprintf)},
    {"strcat", reinterpret_cast<void*>(&k::strcat)},
    {"strchr", reinterpret_cast<void*>(&k::strchr)},
    {"strcmp", reinterpret_cast<void*>(&k::strcmp)},
    {"strcpy", reinterpret_cast<void*>(&k::strcpy)},
    {"strdup", reinterpret_cast<void*>(&k::strdup)},
    {"strlen", reinterpret_cast<void*>(&k::strlen)},
    {"strncmp", reinterpret_cast<void*>(&k::strncmp)},
    {"strncpy", reinterpret_cast<void*>(&k::strncpy)},
    {"strndup", reinterpret_cast<void*>(&k::strndup)},
    {"strnlen", reinterpret_cast<void*>(&k::strnlen)},
    {"strrchr", reinterpret_cast<void*>(&k::strrchr)},
    {"strstr", reinterpret_cast<void*>(&k::strstr)},
    {"strtol", reinterpret_cast<void*>(&k::strtol)},
    {"strtoul", reinterpret_cast<void*>(&k::strtoul)},
    {"vsnprintf", reinterpret_cast<void*>(&k::vsnprintf)},
};

TEST(LibcExports, TableIsStrictlySortedWithoutDuplicates) {
  const k::LibcSymbol* begin = k::libc_symbols_begin();
  const k::LibcSymbol* end = k::libc_symbols_end();
  ASSERT_LT(begin, end);
  std::set<std::string> names;
  for (const k::LibcSymbol* s = begin; s != end; ++s) {
    ASSERT_NE(s->name, nullptr);
    ASSERT_NE(s->address, nullptr) << s->name;
    EXPECT_TRUE(names.insert(s->name).second) << "duplicate " << s->name;
    if (s != begin) EXPECT_LT(std::strcmp(s[-1].name, s->name), 0) << s[-1].name << " before " << s->name;
  }
}

TEST(LibcExports, EveryFunctionIsExportedUnderItsCName) {
  EXPECT_EQ(static_cast<size_t>(k::libc_symbols_end() - k::libc_symbols_begin()), std::size(kExpected))
      << "the table and this list disagree on how many functions there are";
  for (const Expected& expected : kExpected) {
    const k::LibcSymbol* symbol = k::find_libc_symbol(expected.name);
    ASSERT_NE(symbol, nullptr) << expected.name;
    EXPECT_STREQ(symbol->name, expected.name);
    EXPECT_EQ(symbol->address, expected.address) << expected.name;
  }
}

TEST(LibcExports, UnknownNamesAreNotFound) {
  for (const char* name : {"", "_", "__", "mem", "memcpyx", "memcp", "printf", "zzzz", "MALLOC", "a"})
    EXPECT_EQ(k::find_libc_symbol(name), nullptr) << name;
  // A view that is not NUL-terminated matches by its length only.
  EXPECT_NE(k::find_libc_symbol(ktl::StringView("strlenXYZ", 6)), nullptr);
  EXPECT_EQ(k::find_libc_symbol(ktl::StringView("strlenXYZ", 6))->address, reinterpret_cast<void*>(&k::strlen));
}

TEST(LibcExports, ExportedAddressesWorkThroughCPointers) {
  // What a loaded module would do after relocation: call through the C signature.
  using StrlenC = size_t (*)(const char*);
  auto* c_strlen = reinterpret_cast<StrlenC>(k::find_libc_symbol("strlen")->address);
  EXPECT_EQ(c_strlen("seven!!"), 7u);
  using StrtolC = long (*)(const char*, char**, int);
  auto* c_strtol = reinterpret_cast<StrtolC>(k::find_libc_symbol("strtol")->address);
  EXPECT_EQ(c_strtol("-0x20", nullptr, 0), -32);
}

}  // namespace
}  // namespace tessera
