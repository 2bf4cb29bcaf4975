// The kernel's printf engine against the host's snprintf, which is the reference for
// every conversion both support.
#include <tessera/format.hh>

#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <sys/types.h>
#include <string>

#include "fake_platform/fake_platform.hh"

// The tables pass formats as variables; the compiler cannot check them, the host can.
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"

namespace {

template <typename... Args> std::string ours(const char* format, Args... args) {
  char buffer[512];
  size_t length = tessera::format(buffer, sizeof(buffer), format, args...);
  EXPECT_EQ(length, std::string(buffer).size()) << format;
  return buffer;
}

template <typename... Args> std::string host(const char* format, Args... args) {
  char buffer[512];
  std::snprintf(buffer, sizeof(buffer), format, args...);
  return buffer;
}

template <typename... Args> void expect_like_host(const char* format, Args... args) {
  EXPECT_EQ(ours(format, args...), host(format, args...)) << "format \"" << format << "\"";
}

// Flag, width and precision combinations applied to every integer conversion.
const char* const kIntegerShapes[] = {
    "%",     "%5",    "%-5",   "%05",    "%+",    "% ",    "%+5",   "% 05",  "%.0",
    "%.3",   "%8.3",  "%-8.3", "%08.3",  "%#",    "%#8",   "%#08",  "%#.0",  "%#-12",
    "%+.0",  "%1",    "%-1",   "%020",   "%+-7",  "%#.5",  "% -6",  "%-+08", "%.20",
};

template <typename T> void check_integers(const char* length, const char* conversions, std::initializer_list<T> values) {
  for (const char* shape : kIntegerShapes) {
    for (const char* c = conversions; *c; ++c) {
      std::string format = std::string("<") + shape + length + *c + ">";
      for (T value : values) expect_like_host(format.c_str(), value);
    }
  }
}

TEST(Format, IntLikeHost) {
  check_integers<int>("", "dixXou", {0, 1, -1, 7, 8, 42, -42, 255, 4096, INT_MAX, INT_MIN, 123456789});
}

TEST(Format, LengthModifiersLikeHost) {
  check_integers<int>("hh", "dixXou", {0, 1, -1, 127, -128, 255, 256, 300, -129});
  check_integers<int>("h", "dixXou", {0, 1, -1, 32767, -32768, 65535, 65536, 70000});
  check_integers<long>("l", "dixXou", {0L, 1L, -1L, LONG_MAX, LONG_MIN, 0x123456789abL});
  check_integers<long long>("ll", "dixXou", {0LL, -1LL, LLONG_MAX, LLONG_MIN, 1LL << 40});
  check_integers<size_t>("z", "uxXo", {size_t{0}, size_t{1}, SIZE_MAX, size_t{1} << 63});
  check_integers<ssize_t>("z", "di", {ssize_t{0}, ssize_t{-1}, SSIZE_MAX});
  check_integers<ptrdiff_t>("t", "dixu", {ptrdiff_t{0}, ptrdiff_t{-5}, PTRDIFF_MAX, PTRDIFF_MIN});
  check_integers<intmax_t>("j", "dixu", {intmax_t{0}, INTMAX_MIN, INTMAX_MAX});
}

TEST(Format, StringsAndCharactersLikeHost) {
  const char* shapes[] = {"%s", "%10s", "%-10s|", "%.2s", "%10.2s", "%-10.0s|", "%.20s", "%1s", "%.*s"};
  const char* strings[] = {"", "a", "hello", "hello, world, and a longer string too"};
  for (const char* shape : shapes) {
    for (const char* s : strings) {
      if (std::string(shape) == "%.*s") {
        for (int precision : {-1, 0, 3, 100}) expect_like_host(shape, precision, s);
      } else {
        expect_like_host(shape, s);
      }
    }
  }
  for (const char* shape : {"%c", "%3c", "%-3c|", "[%c%c%c]"}) expect_like_host(shape, 'x', 'y', 'z');
  expect_like_host("%c", 0xff41);  // the int is converted to unsigned char
}

TEST(Format, NullStringPrintsNull) {
  EXPECT_EQ(ours("[%s]", static_cast<const char*>(nullptr)), "[(null)]");
  EXPECT_EQ(ours("[%8s]", static_cast<const char*>(nullptr)), "[  (null)]");
  EXPECT_EQ(ours("[%-8s]", static_cast<const char*>(nullptr)), "[(null)  ]");
}

TEST(Format, PrecisionDoesNotReadPastUnterminatedString) {
  char unterminated[3] = {'a', 'b', 'c'};
  EXPECT_EQ(ours("%.3s|", unterminated), "abc|");
}

TEST(Format, PointersLikeHost) {
  int object = 0;
  for (const char* shape : {"%p", "%20p", "%-20p|"}) {
    expect_like_host(shape, static_cast<void*>(&object));
    expect_like_host(shape, reinterpret_cast<void*>(uintptr_t{0xdeadbeef}));
    expect_like_host(shape, static_cast<void*>(nullptr));
  }
}

TEST(Format, PercentAndMixed) {
  expect_like_host("100%%");
  expect_like_host("%d%% of %s at %p, %5.1x|%-4c|", 50, "disk", reinterpret_cast<void*>(uintptr_t{0x1000}), 10, 'q');
  expect_like_host("no conversions at all");
  expect_like_host("");
}

TEST(Format, StarWidthAndPrecisionLikeHost) {
  for (int width : {-12, -1, 0, 1, 5, 20}) {
    for (int precision : {-3, 0, 2, 8}) {
      expect_like_host("[%*.*d]", width, precision, 1234);
      expect_like_host("[%*.*x]", width, precision, 0xabc);
      expect_like_host("[%*.*s]", width, precision, "string");
      expect_like_host("[%-*d]", width, 7);
      expect_like_host("[%0*d]", width, -7);
    }
  }
}

TEST(Format, ReturnsFullLengthAndTruncates) {
  char buffer[8];
  std::memset(buffer, 'X', sizeof(buffer));
  EXPECT_EQ(tessera::format(buffer, 5, "%d-%s", 123456, "abc"), 10u);
  EXPECT_STREQ(buffer, "1234");
  EXPECT_EQ(buffer[5], 'X') << "wrote past the capacity";

  std::memset(buffer, 'X', sizeof(buffer));
  EXPECT_EQ(tessera::format(buffer, 1, "hello"), 5u);
  EXPECT_EQ(buffer[0], '\0');
  EXPECT_EQ(buffer[1], 'X');

  // Exactly fitting: the whole text plus its NUL.
  EXPECT_EQ(tessera::format(buffer, 6, "hello"), 5u);
  EXPECT_STREQ(buffer, "hello");
}

TEST(Format, CapacityZeroWritesNothing) {
  char buffer[4] = {'A', 'B', 'C', 'D'};
  EXPECT_EQ(tessera::format(buffer, 0, "%s and %d", "text", 12345), 14u);
  EXPECT_EQ(std::string(buffer, 4), "ABCD");
  EXPECT_EQ(tessera::format(nullptr, 0, "%x", 0x1234), 4u);
}

TEST(Format, TruncationMatchesHostPrefix) {
  const char* text = "the quick brown fox";
  for (size_t capacity = 1; capacity < 24; ++capacity) {
    char mine[32], theirs[32];
    std::memset(mine, '#', sizeof(mine));
    size_t length = tessera::format(mine, capacity, "%s %d", text, -17);
    int host_length = std::snprintf(theirs, capacity, "%s %d", text, -17);
    EXPECT_EQ(length, static_cast<size_t>(host_length));
    EXPECT_STREQ(mine, theirs) << "capacity " << capacity;
    EXPECT_EQ(mine[capacity], '#') << "capacity " << capacity;
  }
}

TEST(Format, UnknownConversionsArePrintedLiterallyWithoutConsumingArguments) {
  const char* format = "%q %d";
  EXPECT_EQ(ours(format, 5), "%q 5");
  format = "%5.2k|%s";
  EXPECT_EQ(ours(format, "next"), "%5.2k|next");
  format = "%*y%d";  // the '*' of an unknown conversion takes no argument either
  EXPECT_EQ(ours(format, 9), "%*y9");
  format = "%lf %d";  // floating point is not supported: shown, not read
  EXPECT_EQ(ours(format, 3), "%lf 3");
  format = "%n%d";  // never writes through a pointer
  EXPECT_EQ(ours(format, 4), "%n4");
}

TEST(Format, FormatEndingInsideASpecIsPrintedLiterally) {
  const char* format = "50%";
  EXPECT_EQ(ours(format), "50%");
  format = "x%-08";
  EXPECT_EQ(ours(format), "x%-08");
  format = "%ll";
  EXPECT_EQ(ours(format), "%ll");
}

TEST(Format, VformatHonoursVaList) {
  auto call = [](char* buffer, size_t capacity, const char* format, ...) {
    va_list args;
    va_start(args, format);
    size_t length = tessera::vformat(buffer, capacity, format, args);
    va_end(args);
    return length;
  };
  char buffer[64];
  EXPECT_EQ(call(buffer, sizeof(buffer), "%s=%lu", "pages", 42ul), 8u);
  EXPECT_STREQ(buffer, "pages=42");
}

TEST(Print, WritesToConsoleWithoutPrefix) {
  tessera::fake::reset();
  tessera::print("hello %s %d\n", "world", 7);
  EXPECT_EQ(tessera::fake::console_output(), "hello world 7\n");
}

TEST(Print, LongOutputArrivesWhole) {
  tessera::fake::reset();
  std::string long_text(700, 'z');
  long_text[300] = 'A';
  tessera::print("<%s|%d>", long_text.c_str(), 99);
  EXPECT_EQ(tessera::fake::console_output(), "<" + long_text + "|99>");
}

}  // namespace
