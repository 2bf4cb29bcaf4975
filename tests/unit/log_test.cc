// The kernel log: console echo and its threshold, the timestamp prefix, and the ring.
#include "log/log.hh"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fake_platform/fake_platform.hh"

namespace tessera {
namespace {

class LogTest : public testing::Test {
 protected:
  void SetUp() override {
    fake::reset();
    log::reset(0);
  }

  static std::string ring() {
    std::vector<char> buffer(log::kRingCapacity + 1);
    size_t length = log::read_ring(buffer.data(), buffer.size());
    EXPECT_EQ(length, std::string(buffer.data()).size());
    return std::string(buffer.data(), length);
  }

  static std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> result;
    size_t start = 0;
    for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
      result.push_back(text.substr(start, end - start));
    EXPECT_EQ(start, text.size()) << "text does not end with a complete line";
    return result;
  }
};

TEST_F(LogTest, PrefixIsSecondsSinceOriginWithMicroseconds) {
  log::info("booting");
  fake::advance_ns(1'234'567);  // the nanoseconds below a microsecond are dropped
  log::info("step %d", 2);
  fake::advance_ns(12'345'678'901);
  log::info("later");
  EXPECT_EQ(fake::console_output(),
            "[    0.000000] booting\n"
            "[    0.001234] step 2\n"
            "[   12.346913] later\n");
}

TEST_F(LogTest, OriginIsWhatResetWasGiven) {
  fake::advance_ns(5'000'000'000);
  log::reset(1'500'000'000);
  log::info("at 3.5 s");
  fake::advance_ns(123'450'000'000'000);
  log::info("much later");
  EXPECT_EQ(fake::console_output(),
            "[    3.500000] at 3.5 s\n"
            "[123453.500000] much later\n");
}

TEST_F(LogTest, TimeBeforeOriginShowsAsZero) {
  log::reset(10'000);
  log::info("early");
  EXPECT_EQ(fake::console_output(), "[    0.000000] early\n");
}

TEST_F(LogTest, WarningsAndErrorsAreTagged) {
  log::warn("low on %s", "pages");
  log::error("failed: %d", -5);
  EXPECT_EQ(fake::console_output(),
            "[    0.000000] warning: low on pages\n"
            "[    0.000000] error: failed: -5\n");
}

TEST_F(LogTest, ThresholdFiltersConsoleButNotRing) {
  EXPECT_EQ(log::console_level(), log::Level::kInfo);
  log::debug("hidden debug");
  log::trace("hidden trace");
  log::info("shown info");
  EXPECT_EQ(fake::console_output(), "[    0.000000] shown info\n");
  EXPECT_EQ(ring(),
            "[    0.000000] hidden debug\n"
            "[    0.000000] hidden trace\n"
            "[    0.000000] shown info\n");

  fake::clear_console();
  log::set_console_level(log::Level::kError);
  EXPECT_EQ(log::console_level(), log::Level::kError);
  log::warn("quiet warning");
  log::error("loud error");
  EXPECT_EQ(fake::console_output(), "[    0.000000] error: loud error\n");

  fake::clear_console();
  log::set_console_level(log::Level::kTrace);
  log::trace("now visible");
  EXPECT_EQ(fake::console_output(), "[    0.000000] now visible\n");
}

TEST_F(LogTest, ResetForgetsRingAndThreshold) {
  log::set_console_level(log::Level::kTrace);
  log::info("from the previous boot");
  log::reset(0);
  EXPECT_EQ(log::console_level(), log::Level::kInfo);
  EXPECT_EQ(ring(), "");
  log::info("fresh");
  EXPECT_EQ(ring(), "[    0.000000] fresh\n");
}

TEST_F(LogTest, VwriteUsesTheGivenLevel) {
  auto write = [](log::Level level, const char* format, ...) {
    va_list args;
    va_start(args, format);
    log::vwrite(level, format, args);
    va_end(args);
  };
  write(log::Level::kWarn, "%s=%u", "x", 3u);
  EXPECT_EQ(fake::console_output(), "[    0.000000] warning: x=3\n");
}

TEST_F(LogTest, TrailingNewlinesDoNotMakeBlankLines) {
  log::info("one\n");
  log::info("two\n\n");
  EXPECT_EQ(fake::console_output(), "[    0.000000] one\n[    0.000000] two\n");
}

TEST_F(LogTest, LongLinesAreCutWithMarker) {
  std::string long_text(1000, 'x');
  log::info("%s", long_text.c_str());
  std::string line = lines(fake::console_output()).at(0);
  const std::string prefix = "[    0.000000] ";
  ASSERT_EQ(line.substr(0, prefix.size()), prefix);
  std::string message = line.substr(prefix.size());
  EXPECT_LT(message.size(), 300u);
  EXPECT_GT(message.size(), 200u);
  EXPECT_EQ(message.substr(message.size() - 3), "...");
  EXPECT_EQ(message.find_first_not_of('x'), message.size() - 3);
  EXPECT_EQ(ring(), line + "\n");
}

TEST_F(LogTest, RingKeepsOnlyNewestCompleteLines) {
  const int kLines = 2000;  // ~60 KiB of lines, several times the ring
  for (int i = 0; i < kLines; ++i) {
    fake::advance_ns(1000);
    log::debug("line %d of the wraparound test", i);
  }
  std::string contents = ring();
  EXPECT_LE(contents.size(), log::kRingCapacity);
  // Nearly full: at most one line's worth is lost to keeping lines whole.
  EXPECT_GT(contents.size(), log::kRingCapacity - 64);
  std::vector<std::string> kept = lines(contents);
  ASSERT_FALSE(kept.empty());
  int expected = kLines - static_cast<int>(kept.size());
  for (const std::string& line : kept) {
    ASSERT_EQ(line[0], '[') << line;
    EXPECT_NE(line.find("] line " + std::to_string(expected) + " of the wraparound test"), std::string::npos)
        << line;
    ++expected;
  }
  EXPECT_EQ(expected, kLines);
}

TEST_F(LogTest, SmallReadGetsNewestCompleteLines) {
  for (int i = 0; i < 10; ++i) log::info("entry %d", i);  // 23 bytes each
  char buffer[60];
  size_t length = log::read_ring(buffer, sizeof(buffer));
  EXPECT_EQ(std::string(buffer, length), "[    0.000000] entry 8\n[    0.000000] entry 9\n");
  EXPECT_EQ(buffer[length], '\0');

  EXPECT_EQ(log::read_ring(buffer, 10), 0u) << "no complete line fits";
  EXPECT_EQ(buffer[0], '\0');
  EXPECT_EQ(log::read_ring(buffer, 0), 0u);
}

TEST(LogLevel, ParsesEveryName) {
  const std::pair<const char*, log::Level> names[] = {
      {"error", log::Level::kError}, {"warn", log::Level::kWarn}, {"info", log::Level::kInfo},
      {"debug", log::Level::kDebug}, {"trace", log::Level::kTrace}};
  for (auto [name, level] : names) {
    Result<log::Level> parsed = log::parse_level(name);
    ASSERT_TRUE(parsed.is_ok()) << name;
    EXPECT_EQ(parsed.value(), level);
    EXPECT_STREQ(log::level_name(level), name);
  }
}

TEST(LogLevel, RejectsOtherTextNamingIt) {
  for (const char* bad : {"", "INFO", "warning", "inf", "info "}) {
    Result<log::Level> parsed = log::parse_level(bad);
    ASSERT_TRUE(parsed.is_error()) << bad;
    EXPECT_EQ(parsed.error().code(), kEINVAL);
    EXPECT_EQ(std::string(parsed.error().message()),
              std::string("unknown log level '") + bad + "' (expected error, warn, info, debug or trace)");
  }
  // A view into a longer string: only the view's bytes are named.
  Result<log::Level> parsed = log::parse_level(ktl::StringView("debugger", 6));
  ASSERT_TRUE(parsed.is_error());
  EXPECT_EQ(std::string(parsed.error().message()).substr(0, 27), "unknown log level 'debugg' ");
}

}  // namespace
}  // namespace tessera
