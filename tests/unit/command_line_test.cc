#include "boot/command_line.hh"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace tessera {
namespace {

ktl::StringView view(std::string_view text) { return {text.data(), text.size()}; }
std::string str(ktl::StringView text) { return {text.data(), text.length()}; }

struct ExpectedOption {
  std::string key;
  std::string value;
  bool has_value;
  bool operator==(const ExpectedOption&) const = default;
};

void PrintTo(const ExpectedOption& option, std::ostream* out) {
  *out << "{" << option.key << (option.has_value ? "=" + option.value : std::string(" (bare)")) << "}";
}

std::vector<ExpectedOption> options_of(const CommandLine& line) {
  std::vector<ExpectedOption> result;
  for (const auto& option : line.options()) result.push_back({str(option.key), str(option.value), option.has_value});
  return result;
}

std::vector<std::string> arguments_of(const CommandLine& line) {
  std::vector<std::string> result;
  for (const char* argument : line.arguments()) result.emplace_back(argument);
  return result;
}

bool inside(const void* pointer, const CommandLine& line) {
  auto* p = static_cast<const char*>(pointer);
  auto* begin = reinterpret_cast<const char*>(&line);
  return p >= begin && p < begin + sizeof(line);
}

// Every view points into `line` itself and every string is NUL-terminated in place.
void expect_self_contained(const CommandLine& line) {
  for (const auto& option : line.options()) {
    EXPECT_TRUE(inside(option.key.data(), line));
    EXPECT_TRUE(inside(option.value.data(), line));
    EXPECT_EQ(option.key.data()[option.key.length()], '\0');
    EXPECT_EQ(option.value.data()[option.value.length()], '\0');
  }
  for (const char* argument : line.arguments()) EXPECT_TRUE(inside(argument, line));
  EXPECT_EQ(line.arguments().data()[line.arguments().size()], nullptr) << "argv must end with nullptr";
}

struct ValidCase {
  std::string text;
  std::vector<ExpectedOption> options;
  std::vector<std::string> arguments;
};

class CommandLineValid : public testing::TestWithParam<ValidCase> {};

TEST_P(CommandLineValid, SplitsIntoOptionsAndArguments) {
  const auto& c = GetParam();
  auto result = CommandLine::parse(view(c.text));
  ASSERT_TRUE(result.is_ok()) << result.error().message();
  const CommandLine& line = result.value();
  EXPECT_EQ(options_of(line), c.options);
  EXPECT_EQ(arguments_of(line), c.arguments);
  expect_self_contained(line);
}

INSTANTIATE_TEST_SUITE_P(
    Syntax, CommandLineValid,
    testing::Values(
        ValidCase{"", {}, {}},
        ValidCase{" \t\r\n\v\f ", {}, {}},
        ValidCase{"loglevel=debug", {{"loglevel", "debug", true}}, {}},
        ValidCase{"bootchart", {{"bootchart", "", false}}, {}},
        ValidCase{"key=", {{"key", "", true}}, {}},
        ValidCase{"a=b=c", {{"a", "b=c", true}}, {}},
        ValidCase{"  a=1\tb\nc=3  ", {{"a", "1", true}, {"b", "", false}, {"c", "3", true}}, {}},
        ValidCase{"x.y_z-9=ok", {{"x.y_z-9", "ok", true}}, {}},
        ValidCase{"msg=Hello,World!", {{"msg", "Hello,World!", true}}, {}},
        ValidCase{"name=\xc3\xa9t\xc3\xa9", {{"name", "\xc3\xa9t\xc3\xa9", true}}, {}},
        // Quoting.
        ValidCase{"\"msg=hello world\"", {{"msg", "hello world", true}}, {}},
        ValidCase{"key=\"a b\"", {{"key", "a b", true}}, {}},
        ValidCase{"key=\"\"", {{"key", "", true}}, {}},
        ValidCase{"k\"ey\"=v", {{"key", "v", true}}, {}},
        ValidCase{"key=\"a\"\"b\"c", {{"key", "abc", true}}, {}},
        ValidCase{"key=\"tab\tand\nnewline\"", {{"key", "tab\tand\nnewline", true}}, {}},
        ValidCase{"key=\"with = sign\"", {{"key", "with = sign", true}}, {}},
        ValidCase{"key=\"  spaces  \" next", {{"key", "  spaces  ", true}, {"next", "", false}}, {}},
        // Escapes: only \" and \\ inside quotes; other backslashes are literal.
        ValidCase{"key=\"a\\\"b\"", {{"key", "a\"b", true}}, {}},
        ValidCase{"key=\"a\\\\b\"", {{"key", "a\\b", true}}, {}},
        ValidCase{"key=\"a\\nb\"", {{"key", "a\\nb", true}}, {}},
        ValidCase{"key=\"\\\\\"", {{"key", "\\", true}}, {}},
        ValidCase{"key=a\\b", {{"key", "a\\b", true}}, {}},
        ValidCase{"key=\"\\\"quoted\\\"\"", {{"key", "\"quoted\"", true}}, {}},
        // The "--" separator.
        ValidCase{"--", {}, {}},
        ValidCase{"-- x", {}, {"x"}},
        ValidCase{"a=1 -- b=2 \"c d\"", {{"a", "1", true}}, {"b=2", "c d"}},
        ValidCase{"-- -- --", {}, {"--", "--"}},
        ValidCase{"-- \"\" x", {}, {"", "x"}},
        ValidCase{"-- Foo=1 =5 \"-v\" -v", {}, {"Foo=1", "=5", "-v", "-v"}},
        ValidCase{"-- x\"y z\"w a\\b \"q\\\"\"", {}, {"xy zw", "a\\b", "q\""}},
        // Outside quotes a backslash is literal, so it cannot stop a quote from opening.
        ValidCase{"-- a\\\"b c\"", {}, {"a\\b c"}},
        ValidCase{"-- loglevel=1 loglevel=2", {}, {"loglevel=1", "loglevel=2"}},
        ValidCase{"a=1--", {{"a", "1--", true}}, {}},
        ValidCase{"a --\tb", {{"a", "", false}}, {"b"}}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

struct InvalidCase {
  std::string text;
  std::string message;
  int code;
};

class CommandLineInvalid : public testing::TestWithParam<InvalidCase> {};

TEST_P(CommandLineInvalid, FailsWithAMessageNamingTheProblem) {
  const auto& c = GetParam();
  auto result = CommandLine::parse(view(c.text));
  ASSERT_TRUE(result.is_error());
  EXPECT_STREQ(result.error().message(), c.message.c_str());
  EXPECT_EQ(result.error().code(), c.code);
}

const std::string kKeyCharacters = "keys use lowercase letters, digits, '.', '_' and '-'";

INSTANTIATE_TEST_SUITE_P(
    Syntax, CommandLineInvalid,
    testing::Values(
        InvalidCase{"Foo=1", "kernel option 'Foo=1' at column 1: " + kKeyCharacters, kEINVAL},
        InvalidCase{"app=demo Foo=1", "kernel option 'Foo=1' at column 10: " + kKeyCharacters, kEINVAL},
        InvalidCase{"a+b", "kernel option 'a+b' at column 1: " + kKeyCharacters, kEINVAL},
        InvalidCase{"\"a b=1\"", "kernel option '\"a b=1\"' at column 1: " + kKeyCharacters, kEINVAL},
        InvalidCase{"k\xc3\xa9y=1", "kernel option 'k\xc3\xa9y=1' at column 1: " + kKeyCharacters, kEINVAL},
        InvalidCase{"1abc=x", "kernel option '1abc=x' at column 1: keys start with a lowercase letter", kEINVAL},
        InvalidCase{"_a", "kernel option '_a' at column 1: keys start with a lowercase letter", kEINVAL},
        InvalidCase{"-v",
                    "kernel option '-v' at column 1: keys start with a lowercase letter; application arguments "
                    "go after a lone '--'",
                    kEINVAL},
        InvalidCase{"\"--\"",
                    "kernel option '\"--\"' at column 1: keys start with a lowercase letter; application arguments "
                    "go after a lone '--'",
                    kEINVAL},
        InvalidCase{"---", "kernel option '---' at column 1: keys start with a lowercase letter; application "
                           "arguments go after a lone '--'",
                    kEINVAL},
        InvalidCase{"=5", "empty key in '=5' at column 1", kEINVAL},
        InvalidCase{"a=1 =", "empty key in '=' at column 5", kEINVAL},
        InvalidCase{"\"\"", "empty key in '\"\"' at column 1", kEINVAL},
        InvalidCase{"a key=\"unterminated", "unterminated quote starting at column 7", kEINVAL},
        InvalidCase{"\"", "unterminated quote starting at column 1", kEINVAL},
        InvalidCase{"key=\"a\\\"", "unterminated quote starting at column 5", kEINVAL},
        InvalidCase{"key=\"a\\", "unterminated quote starting at column 5", kEINVAL},
        InvalidCase{"-- ok \"a", "unterminated quote starting at column 7", kEINVAL},
        InvalidCase{"loglevel=1 loglevel=2", "kernel option 'loglevel' given twice (again at column 12)", kEINVAL},
        InvalidCase{"a b a=1", "kernel option 'a' given twice (again at column 5)", kEINVAL},
        InvalidCase{"a \"a\"", "kernel option 'a' given twice (again at column 3)", kEINVAL},
        InvalidCase{"a=1\x01", "control character 0x01 at column 4; the command line is text", kEINVAL},
        InvalidCase{std::string("a=\0b", 4), "control character 0x00 at column 3; the command line is text",
                    kEINVAL},
        InvalidCase{"-- \"x\x1b[31m\"", "control character 0x1b at column 6; the command line is text", kEINVAL},
        InvalidCase{"-- x\x7f", "control character 0x7f at column 5; the command line is text", kEINVAL}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

// --- Limits, at the boundary -----------------------------------------------------------

std::string repeat(char c, size_t n) { return std::string(n, c); }

TEST(CommandLineLimits, TotalLength) {
  std::string longest = "-- " + repeat('x', CommandLine::kMaxLength - 3);
  ASSERT_EQ(longest.size(), CommandLine::kMaxLength);
  auto result = CommandLine::parse(view(longest));
  ASSERT_TRUE(result.is_ok()) << result.error().message();
  ASSERT_EQ(result.value().arguments().size(), 1u);
  EXPECT_EQ(std::string(result.value().arguments()[0]), repeat('x', CommandLine::kMaxLength - 3));

  auto too_long = CommandLine::parse(view(longest + " "));
  ASSERT_TRUE(too_long.is_error());
  EXPECT_STREQ(too_long.error().message(), "command line is 4097 bytes long; the limit is 4096");
  EXPECT_EQ(too_long.error().code(), kE2BIG);
}

TEST(CommandLineLimits, AllLimitsAtOnce) {
  // 64 options, 64 arguments with quotes and escapes, and exactly kMaxLength bytes.
  std::string text;
  std::vector<ExpectedOption> options;
  for (size_t i = 0; i < CommandLine::kMaxOptions; ++i) {
    text += "o" + std::to_string(i) + "=\"v \\\"" + std::to_string(i) + "\" ";
    options.push_back({"o" + std::to_string(i), "v \"" + std::to_string(i), true});
  }
  text += "--";
  std::vector<std::string> arguments;
  for (size_t i = 0; i < CommandLine::kMaxArguments; ++i) {
    text += " \"a\\\\" + std::to_string(i) + "\"";
    arguments.push_back("a\\" + std::to_string(i));
  }
  ASSERT_LT(text.size(), CommandLine::kMaxLength);
  std::string padding(CommandLine::kMaxLength - text.size(), 'p');
  text += padding;
  arguments.back() += padding;
  ASSERT_EQ(text.size(), CommandLine::kMaxLength);

  auto result = CommandLine::parse(view(text));
  ASSERT_TRUE(result.is_ok()) << result.error().message();
  EXPECT_EQ(options_of(result.value()), options);
  EXPECT_EQ(arguments_of(result.value()), arguments);
  expect_self_contained(result.value());
}

std::string numbered_options(size_t count) {
  std::string text;
  for (size_t i = 0; i < count; ++i) text += "o" + std::to_string(i) + "=" + std::to_string(i) + " ";
  return text;
}

TEST(CommandLineLimits, OptionCount) {
  auto at_limit = CommandLine::parse(view(numbered_options(CommandLine::kMaxOptions)));
  ASSERT_TRUE(at_limit.is_ok()) << at_limit.error().message();
  EXPECT_EQ(at_limit.value().options().size(), 64u);
  EXPECT_EQ(str(at_limit.value().options()[63].key), "o63");

  std::string text = numbered_options(CommandLine::kMaxOptions + 1);
  auto column = text.find("o64=") + 1;
  auto result = CommandLine::parse(view(text));
  ASSERT_TRUE(result.is_error());
  EXPECT_EQ(std::string(result.error().message()),
            "more than 64 kernel options ('o64=64' at column " + std::to_string(column) + " is one too many)");
  EXPECT_EQ(result.error().code(), kE2BIG);
}

std::string numbered_arguments(size_t count) {
  std::string text = "a=1 --";
  for (size_t i = 0; i < count; ++i) text += " arg" + std::to_string(i);
  return text;
}

TEST(CommandLineLimits, ArgumentCount) {
  auto at_limit = CommandLine::parse(view(numbered_arguments(CommandLine::kMaxArguments)));
  ASSERT_TRUE(at_limit.is_ok()) << at_limit.error().message();
  EXPECT_EQ(at_limit.value().arguments().size(), 64u);
  EXPECT_STREQ(at_limit.value().arguments()[63], "arg63");
  expect_self_contained(at_limit.value());

  std::string text = numbered_arguments(CommandLine::kMaxArguments + 1);
  auto column = text.find("arg64") + 1;
  auto result = CommandLine::parse(view(text));
  ASSERT_TRUE(result.is_error());
  EXPECT_EQ(std::string(result.error().message()),
            "more than 64 application arguments ('arg64' at column " + std::to_string(column) +
                " is one too many)");
  EXPECT_EQ(result.error().code(), kE2BIG);
}

TEST(CommandLineLimits, KeyLength) {
  std::string key = "k" + repeat('e', CommandLine::kMaxKeyLength - 1);
  auto at_limit = CommandLine::parse(view(key + "=1"));
  ASSERT_TRUE(at_limit.is_ok()) << at_limit.error().message();
  EXPECT_EQ(at_limit.value().options()[0].key.length(), 64u);

  auto result = CommandLine::parse(view(key + "e=1"));
  ASSERT_TRUE(result.is_error());
  // The word is cut in the message so that the message itself still fits.
  EXPECT_EQ(std::string(result.error().message()),
            "kernel option '" + key.substr(0, CommandLine::kExcerptLength) +
                "...' at column 1: keys are at most 64 characters");
  EXPECT_EQ(result.error().code(), kE2BIG);
}

TEST(CommandLineLimits, ValueLength) {
  std::string value = repeat('v', CommandLine::kMaxValueLength);
  auto at_limit = CommandLine::parse(view("a=1 key=" + value));
  ASSERT_TRUE(at_limit.is_ok()) << at_limit.error().message();
  EXPECT_EQ(str(at_limit.value().options()[1].value), value);

  // Quotes do not count, the characters they enclose do.
  auto quoted = CommandLine::parse(view("key=\"" + value + "\""));
  ASSERT_TRUE(quoted.is_ok()) << quoted.error().message();

  auto result = CommandLine::parse(view("a=1 key=\"" + value + "v\""));
  ASSERT_TRUE(result.is_error());
  EXPECT_STREQ(result.error().message(), "kernel option 'key' at column 5: values are at most 1024 characters");
  EXPECT_EQ(result.error().code(), kE2BIG);
}

TEST(CommandLineLimits, LongWordsAreCutInMessages) {
  std::string word = "Bad" + repeat('x', 50);
  auto result = CommandLine::parse(view(word));
  ASSERT_TRUE(result.is_error());
  EXPECT_EQ(std::string(result.error().message()),
            "kernel option '" + word.substr(0, 40) + "...' at column 1: " + kKeyCharacters);
}

// --- Accessors ------------------------------------------------------------------------

TEST(CommandLine, DefaultIsEmpty) {
  CommandLine line;
  EXPECT_TRUE(line.options().empty());
  EXPECT_TRUE(line.arguments().empty());
  EXPECT_EQ(line.arguments().data()[0], nullptr);
  EXPECT_EQ(line.find("anything"), nullptr);
}

TEST(CommandLine, FindMatchesWholeKeysOnly) {
  auto result = CommandLine::parse("loglevel=debug bootchart demo.threads=8 -- loglevel=trace");
  ASSERT_TRUE(result.is_ok());
  const CommandLine& line = result.value();
  const auto* level = line.find("loglevel");
  ASSERT_NE(level, nullptr);
  EXPECT_EQ(str(level->value), "debug");  // not the application argument
  EXPECT_TRUE(level->has_value);
  const auto* chart = line.find("bootchart");
  ASSERT_NE(chart, nullptr);
  EXPECT_FALSE(chart->has_value);
  EXPECT_EQ(line.find("demo"), nullptr);
  EXPECT_EQ(line.find("demo.threads.x"), nullptr);
  EXPECT_EQ(line.find(""), nullptr);
  EXPECT_EQ(line.find(ktl::StringView("bootchartX", 9)), chart);
}

TEST(CommandLine, ArgumentsWorkAsArgv) {
  auto result = CommandLine::parse("app=demo -- one \"two words\" three");
  ASSERT_TRUE(result.is_ok());
  const char* const* argv = result.value().arguments().data();
  std::vector<std::string> seen;
  for (const char* const* arg = argv; *arg; ++arg) seen.emplace_back(*arg);
  EXPECT_EQ(seen, (std::vector<std::string>{"one", "two words", "three"}));
}

// --- Copies and moves keep views valid ----------------------------------------------

const char* kRich = "loglevel=debug \"msg=hello world\" bare -- x \"y z\" --";

void expect_rich(const CommandLine& line) {
  EXPECT_EQ(options_of(line),
            (std::vector<ExpectedOption>{{"loglevel", "debug", true}, {"msg", "hello world", true}, {"bare", "", false}}));
  EXPECT_EQ(arguments_of(line), (std::vector<std::string>{"x", "y z", "--"}));
  expect_self_contained(line);
}

TEST(CommandLineCopy, CopyConstructionRebasesViews) {
  auto* original = new CommandLine(CommandLine::parse(kRich).release_value());
  CommandLine copy(*original);
  // Scribble over and free the original: the copy must not look at it.
  *original = CommandLine::parse("other=1 -- q").release_value();
  delete original;
  expect_rich(copy);
}

TEST(CommandLineCopy, AssignmentRebasesViews) {
  CommandLine target = CommandLine::parse("a b c d e f g -- 1 2 3 4 5 6 7 8").release_value();
  {
    CommandLine source = CommandLine::parse(kRich).release_value();
    target = source;
  }
  expect_rich(target);
  CommandLine& alias = target;
  target = alias;  // self-assignment keeps everything
  expect_rich(target);
}

TEST(CommandLineCopy, MoveKeepsViewsValid) {
  CommandLine source = CommandLine::parse(kRich).release_value();
  CommandLine moved(ktl::move(source));
  expect_rich(moved);
  CommandLine assigned;
  assigned = ktl::move(moved);
  expect_rich(assigned);
}

TEST(CommandLineCopy, ResultMovesKeepViewsValid) {
  auto make = [] { return CommandLine::parse(kRich); };
  Result<CommandLine> first = make();
  Result<CommandLine> second(ktl::move(first));
  ASSERT_TRUE(second.is_ok());
  expect_rich(second.value());
}

TEST(CommandLine, ExcerptCutsLongText) {
  auto short_one = CommandLine::excerpt("short");
  EXPECT_EQ(short_one.length, 5);
  EXPECT_STREQ(short_one.ellipsis, "");
  std::string exact(CommandLine::kExcerptLength, 'e');
  EXPECT_STREQ(CommandLine::excerpt(view(exact)).ellipsis, "");
  std::string longer(CommandLine::kExcerptLength + 1, 'e');
  auto cut = CommandLine::excerpt(view(longer));
  EXPECT_EQ(cut.length, static_cast<int>(CommandLine::kExcerptLength));
  EXPECT_STREQ(cut.ellipsis, "...");
}

}  // namespace
}  // namespace tessera
