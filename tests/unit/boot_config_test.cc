// The boot image's kernel.conf: its options sit under the command line's.
#include <gtest/gtest.h>

#include <string>

#include "boot/boot_config.hh"

namespace tessera {
namespace {

KernelOptions parse_ok(const char* text) {
  auto parsed = parse_boot_config(text, "/etc/tessera/kernel.conf");
  EXPECT_TRUE(parsed.is_ok()) << (parsed.is_error() ? parsed.error().message() : "");
  return parsed.is_ok() ? parsed.release_value() : KernelOptions{};
}

std::string parse_error(const char* text) {
  auto parsed = parse_boot_config(text, "/etc/tessera/kernel.conf");
  EXPECT_TRUE(parsed.is_error()) << "accepted: " << text;
  return parsed.is_error() ? parsed.error().message() : "";
}

TEST(BootConfig, EmptyFileGivesDefaults) {
  KernelOptions options = parse_ok("");
  EXPECT_EQ(options.app, ktl::StringView("demo"));
  EXPECT_EQ(options.demo_threads, 4u);
}

// Text options view the line they came from: each must outlive it (the bug was net.ip
// reading the next line's bytes once another option followed it).
TEST(BootConfig, TextOptionsSurviveTheLinesAfterThem) {
  KernelOptions options = parse_ok(
      "net.ip=10.0.2.15/24,gw=10.0.2.2\n"
      "app=httpd\n"
      "modules=ramfs\n"
      "loglevel=info\n");
  EXPECT_EQ(options.net_ip, ktl::StringView("10.0.2.15/24,gw=10.0.2.2"));
  EXPECT_EQ(options.app, ktl::StringView("httpd"));
  EXPECT_EQ(options.modules, ktl::StringView("ramfs"));
}

TEST(BootConfig, OptionsCommentsAndBlankLines) {
  KernelOptions options = parse_ok(
      "# kernel options for the default image\n"
      "\n"
      "demo.threads=6   # six threads\r\n"
      "bootchart loglevel=warn\n"
      "   \t\n");
  EXPECT_EQ(options.demo_threads, 6u);
  EXPECT_TRUE(options.bootchart);
  EXPECT_EQ(options.log_level, log::Level::kWarn);
}

TEST(BootConfig, NamesOutliveTheLinesTheyCameFrom) {
  KernelOptions options = parse_ok("app=hello-app\nmodules=ramfs,hello\ndemo.threads=3\n");
  EXPECT_EQ(options.app, ktl::StringView("hello-app"));
  EXPECT_EQ(options.modules, ktl::StringView("ramfs,hello"));
}

TEST(BootConfig, LaterLinesOverrideEarlierOnes) {
  EXPECT_EQ(parse_ok("demo.rounds=5\ndemo.rounds=7\n").demo_rounds, 7u);
}

TEST(BootConfig, HashInsideQuotesIsNotAComment) {
  // No option takes free text yet; a quoted '#' must at least reach the option parser.
  EXPECT_NE(parse_error("app=\"exit # not a comment\"\n").find("kernel option 'app' expects a name"), std::string::npos);
}

TEST(BootConfig, LastLineWithoutNewline) { EXPECT_EQ(parse_ok("demo.threads=9").demo_threads, 9u); }

TEST(BootConfig, ErrorsNameTheFileAndLine) {
  EXPECT_EQ(parse_error("demo.threads=2\n\nnosuch=1\n").rfind("/etc/tessera/kernel.conf:3: unknown kernel option 'nosuch'", 0), 0u);
  EXPECT_EQ(parse_error("demo.threads=zero\n").rfind("/etc/tessera/kernel.conf:1: kernel option 'demo.threads' expects", 0), 0u);
  EXPECT_EQ(parse_error("app=\"exit\n").rfind("/etc/tessera/kernel.conf:1: unterminated quote", 0), 0u);
  EXPECT_EQ(parse_error("app=exit -- 3\n"),
            "/etc/tessera/kernel.conf:1: application arguments ('--') do not belong in the kernel configuration");
}

TEST(BootConfig, CommandLineOverridesTheFile) {
  KernelOptions from_file = parse_ok("demo.threads=6\napp=exit\n");
  auto line = CommandLine::parse("demo.threads=2");
  ASSERT_TRUE(line.is_ok());
  auto merged = KernelOptions::from(line.value(), from_file);
  ASSERT_TRUE(merged.is_ok());
  EXPECT_EQ(merged.value().demo_threads, 2u);           // the command line wins
  EXPECT_EQ(merged.value().app, ktl::StringView("exit"));  // the file's value stays
}

}  // namespace
}  // namespace tessera
