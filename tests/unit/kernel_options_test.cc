#include "boot/kernel_options.hh"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fake_platform/fake_platform.hh"
#include "fs/vfs/boot_mounts.hh"

namespace tessera {
namespace {

ktl::StringView view(std::string_view text) { return {text.data(), text.size()}; }
std::string str(ktl::StringView text) { return {text.data(), text.length()}; }

// Every field, so that a case also proves the options it does not mention kept their defaults.
std::string describe(const KernelOptions& o) {
  std::ostringstream out;
  out << "loglevel=" << log::level_name(o.log_level) << " bootchart=" << o.bootchart << " app=" << str(o.app)
      << " demo.threads=" << o.demo_threads << " demo.rounds=" << o.demo_rounds << " help=" << o.show_help;
  return out.str();
}

const std::string kDefaults = describe(KernelOptions{});

struct ValidCase {
  std::string text;
  std::string expected;  // describe() of the result
};

class KernelOptionsValid : public testing::TestWithParam<ValidCase> {};

TEST_P(KernelOptionsValid, SetsTypedValues) {
  const auto& c = GetParam();
  auto line = CommandLine::parse(view(c.text));
  ASSERT_TRUE(line.is_ok()) << line.error().message();
  auto options = KernelOptions::from(line.value());
  ASSERT_TRUE(options.is_ok()) << options.error().message();
  EXPECT_EQ(describe(options.value()), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Schema, KernelOptionsValid,
    testing::Values(
        ValidCase{"", "loglevel=info bootchart=0 app=demo demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"-- loglevel=trace app=panic", kDefaults},  // application arguments are not options
        ValidCase{"loglevel=error", "loglevel=error bootchart=0 app=demo demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"loglevel=warn", "loglevel=warn bootchart=0 app=demo demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"loglevel=info", "loglevel=info bootchart=0 app=demo demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"loglevel=debug", "loglevel=debug bootchart=0 app=demo demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"loglevel=trace", "loglevel=trace bootchart=0 app=demo demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"bootchart", "loglevel=info bootchart=1 app=demo demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"bootchart=yes", "loglevel=info bootchart=1 app=demo demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"bootchart=true", "loglevel=info bootchart=1 app=demo demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"bootchart=on", "loglevel=info bootchart=1 app=demo demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"bootchart=1", "loglevel=info bootchart=1 app=demo demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"bootchart=no", "loglevel=info bootchart=0 app=demo demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"bootchart=false", "loglevel=info bootchart=0 app=demo demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"bootchart=off", "loglevel=info bootchart=0 app=demo demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"bootchart=0", "loglevel=info bootchart=0 app=demo demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"app=demo", "loglevel=info bootchart=0 app=demo demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"app=exit", "loglevel=info bootchart=0 app=exit demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"app=panic", "loglevel=info bootchart=0 app=panic demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"app=oom", "loglevel=info bootchart=0 app=oom demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"app=sleep", "loglevel=info bootchart=0 app=sleep demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"app=\"sleep\"", "loglevel=info bootchart=0 app=sleep demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"demo.threads=1", "loglevel=info bootchart=0 app=demo demo.threads=1 demo.rounds=3 help=0"},
        ValidCase{"demo.threads=64", "loglevel=info bootchart=0 app=demo demo.threads=64 demo.rounds=3 help=0"},
        ValidCase{"demo.threads=007", "loglevel=info bootchart=0 app=demo demo.threads=7 demo.rounds=3 help=0"},
        ValidCase{"demo.rounds=1", "loglevel=info bootchart=0 app=demo demo.threads=4 demo.rounds=1 help=0"},
        ValidCase{"demo.rounds=1000", "loglevel=info bootchart=0 app=demo demo.threads=4 demo.rounds=1000 help=0"},
        ValidCase{"help", "loglevel=info bootchart=0 app=demo demo.threads=4 demo.rounds=3 help=1"},
        ValidCase{"help=no", "loglevel=info bootchart=0 app=demo demo.threads=4 demo.rounds=3 help=0"},
        ValidCase{"demo.rounds=10 app=sleep loglevel=debug demo.threads=2 bootchart -- x y",
                  "loglevel=debug bootchart=1 app=sleep demo.threads=2 demo.rounds=10 help=0"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

struct InvalidCase {
  std::string text;
  std::string message;
};

class KernelOptionsInvalid : public testing::TestWithParam<InvalidCase> {};

TEST_P(KernelOptionsInvalid, FailsNamingTheOptionAndValue) {
  const auto& c = GetParam();
  auto line = CommandLine::parse(view(c.text));
  ASSERT_TRUE(line.is_ok()) << line.error().message();
  auto options = KernelOptions::from(line.value());
  ASSERT_TRUE(options.is_error()) << describe(options.value());
  EXPECT_STREQ(options.error().message(), c.message.c_str());
  EXPECT_EQ(options.error().code(), kEINVAL);
}

const std::string kThreads = "kernel option 'demo.threads' expects a whole number from 1 to 64, got ";
const std::string kRounds = "kernel option 'demo.rounds' expects a whole number from 1 to 1000, got ";
const std::string kBootchart = "kernel option 'bootchart' expects yes/no, true/false, on/off or 1/0, got ";
const std::string kApp = "kernel option 'app' expects a name of a-z, 0-9, '.', '_', '-' (at most 64 bytes), got ";
const std::string kModules =
    "kernel option 'modules' expects up to 16 comma-separated names of a-z, 0-9, '.', '_', '-', got ";
const std::string kLevel = "kernel option 'loglevel' expects one of error, warn, info, debug, trace; got ";

INSTANTIATE_TEST_SUITE_P(
    Schema, KernelOptionsInvalid,
    testing::Values(
        // A misspelt key is shown the options of its family; the boot then points at `help`.
        InvalidCase{"foo", "unknown kernel option 'foo'"},
        InvalidCase{"app=demo demo=1", "unknown kernel option 'demo' (did you mean: demo.rounds, demo.threads)"},
        InvalidCase{"modules.lazyy=1", "unknown kernel option 'modules.lazyy' (did you mean: modules, modules.lazy, "
                                       "modules.on_demand)"},
        InvalidCase{"net.ip=10.0.2.15", "kernel option 'net.ip' expects dhcp or A.B.C.D/N[,gw=A.B.C.D], got "
                                        "'10.0.2.15': no /N prefix length after the address"},
        InvalidCase{"net.ip", "kernel option 'net.ip' needs a value"},
        InvalidCase{"loglevel", "kernel option 'loglevel' needs a value"},
        InvalidCase{"app", "kernel option 'app' needs a value"},
        InvalidCase{"demo.threads", "kernel option 'demo.threads' needs a value"},
        InvalidCase{"loglevel=", kLevel + "''"},
        InvalidCase{"loglevel=DEBUG", kLevel + "'DEBUG'"},
        InvalidCase{"loglevel=verbose", kLevel + "'verbose'"},
        InvalidCase{"loglevel=3", kLevel + "'3'"},
        InvalidCase{"app=Demo", kApp + "'Demo'"},
        InvalidCase{"app=a,b", kApp + "'a,b'"},
        InvalidCase{"app=../x", kApp + "'../x'"},
        InvalidCase{"modules=ramfs,", kModules + "'ramfs,'"},
        InvalidCase{"modules=,ramfs", kModules + "',ramfs'"},
        InvalidCase{"modules=\"ram fs\"", kModules + "'ram fs'"},
        InvalidCase{"modules=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", kModules + "'a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q'"},
        InvalidCase{"mount", "kernel option 'mount' needs a value"},
        InvalidCase{"mount=ramfs", "kernel option 'mount' expects TYPE:/PATH[,TYPE:/PATH...], got 'ramfs' in entry 1"},
        InvalidCase{"mount=ramfs:/tmp,ramfs:mnt",
                    "kernel option 'mount': entry 2 ('ramfs:mnt') needs an absolute path after the ':'"},
        InvalidCase{"mount=Ram:/tmp", "kernel option 'mount': entry 1 ('Ram:/tmp') needs a filesystem type of 1 to "
                                      "31 bytes of a-z, 0-9, '.', '_', '-' before the ':'"},
        InvalidCase{"mount=ramfs:/tmp,", "kernel option 'mount': empty entry after the last ','"},
        InvalidCase{"mount=a:/1,a:/2,a:/3,a:/4,a:/5,a:/6,a:/7,a:/8,a:/9", "kernel option 'mount': more than 8 entries"},
        InvalidCase{"app=", kApp + "''"},
        InvalidCase{"app=\"demo \"", kApp + "'demo '"},
        InvalidCase{"bootchart=maybe", kBootchart + "'maybe'"},
        InvalidCase{"bootchart=", kBootchart + "''"},
        InvalidCase{"bootchart=YES", kBootchart + "'YES'"},
        InvalidCase{"demo.threads=x", kThreads + "'x'"},
        InvalidCase{"demo.threads=0", kThreads + "'0'"},
        InvalidCase{"demo.threads=65", kThreads + "'65'"},
        InvalidCase{"demo.threads=", kThreads + "''"},
        InvalidCase{"demo.threads=+5", kThreads + "'+5'"},
        InvalidCase{"demo.threads=-1", kThreads + "'-1'"},
        InvalidCase{"demo.threads=\" 5\"", kThreads + "' 5'"},
        InvalidCase{"demo.threads=5x", kThreads + "'5x'"},
        InvalidCase{"demo.threads=0x10", kThreads + "'0x10'"},
        InvalidCase{"demo.threads=4.0", kThreads + "'4.0'"},
        InvalidCase{"demo.threads=4294967300", kThreads + "'4294967300'"},    // wraps to 4 in 32 bits
        InvalidCase{"demo.threads=18446744073709551620", kThreads + "'18446744073709551620'"},  // and in 64
        InvalidCase{"demo.rounds=0", kRounds + "'0'"},
        InvalidCase{"demo.rounds=1001", kRounds + "'1001'"},
        InvalidCase{"demo.rounds=4294967295", kRounds + "'4294967295'"},
        InvalidCase{"demo.rounds=" + std::string(60, '9'), kRounds + "'" + std::string(40, '9') + "...'"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

TEST(KernelOptions, FirstBadOptionIsReported) {
  auto line = CommandLine::parse("app=Nope demo.threads=0");
  ASSERT_TRUE(line.is_ok());
  auto options = KernelOptions::from(line.value());
  ASSERT_TRUE(options.is_error());
  EXPECT_EQ(std::string(options.error().message()), kApp + "'Nope'");
}

TEST(KernelOptions, UnknownLongKeyIsCut) {
  std::string key(64, 'z');
  auto line = CommandLine::parse(view(key));
  ASSERT_TRUE(line.is_ok());
  auto options = KernelOptions::from(line.value());
  ASSERT_TRUE(options.is_error());
  std::string message = options.error().message();
  EXPECT_EQ(message, "unknown kernel option '" + key.substr(0, 40) + "...'");
  EXPECT_EQ(message.find(key.substr(0, 41)), std::string::npos);
}

TEST(KernelOptions, AppViewsTheCommandLineItCameFrom) {
  // Documented contract: names are views into the text they were parsed from, which
  // kernel_main keeps for the whole boot.
  auto line = CommandLine::parse("app=oom");
  ASSERT_TRUE(line.is_ok());
  auto options = KernelOptions::from(line.value());
  ASSERT_TRUE(options.is_ok());
  EXPECT_EQ(options.value().app.data(), line.value().find("app")->value.data());
  EXPECT_EQ(str(options.value().app), "oom");
}

TEST(KernelOptions, BuiltinAppsIncludeTheDefault) {
  std::vector<std::string> names;
  for (auto name : builtin_app_names()) names.push_back(str(name));
  EXPECT_EQ(names, (std::vector<std::string>{"demo", "exit", "panic", "oom", "sleep"}));
  EXPECT_NE(std::find(names.begin(), names.end(), str(KernelOptions{}.app)), names.end());
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(KernelOptionHelp, ListsEveryOptionWithItsDefault) {
  fake::reset();
  print_kernel_option_help();
  auto lines = lines_of(fake::console_output());
  struct Row {
    std::string syntax;
    std::string default_value;
  };
  const std::vector<Row> rows = {
      {"app=<name>", "demo"},                      {"bootchart[=yes|no]", "no"},
      {"demo.rounds=<1..1000>", "3"},              {"demo.threads=<1..64>", "4"},
      {"help[=yes|no]", "no"},                     {"modules=<name,...>", "none"},
      {"loglevel=<error|warn|info|debug|trace>", "info"},  // the longest syntax: last, for the column check
  };
  std::vector<size_t> help_columns;
  for (const auto& row : rows) {
    auto it = std::find_if(lines.begin(), lines.end(),
                           [&](const std::string& line) { return line.rfind("  " + row.syntax + " ", 0) == 0; });
    ASSERT_NE(it, lines.end()) << "no help line for " << row.syntax << " in:\n" << fake::console_output();
    EXPECT_NE(it->find("(default: " + row.default_value + ")"), std::string::npos) << *it;
    help_columns.push_back(it->find_first_not_of(' ', 2 + row.syntax.size()));
  }
  // Descriptions line up in one column.
  for (size_t column : help_columns) EXPECT_EQ(column, help_columns.front());
  EXPECT_EQ(help_columns.front(), 2 + rows.back().syntax.size() + 2);
}

}  // namespace
}  // namespace tessera

namespace tessera {
namespace {

TEST(KernelOptionsNames, AppAndModulesTakeNamesResolvedAfterMount) {
  auto line = CommandLine::parse("modules=ramfs,hello app=hello-app");
  ASSERT_TRUE(line.is_ok());
  auto options = KernelOptions::from(line.value());
  ASSERT_TRUE(options.is_ok()) << options.error().message();
  EXPECT_EQ(options.value().modules, ktl::StringView("ramfs,hello"));
  EXPECT_EQ(options.value().app, ktl::StringView("hello-app"));
  EXPECT_EQ(KernelOptions{}.modules, ktl::StringView(""));
}

TEST(KernelOptionsMounts, ListOfTypeAndPathEntriesEachVisitedInOrder) {
  auto line = CommandLine::parse("mount=ramfs:/tmp,tmpfs:/var/run");
  ASSERT_TRUE(line.is_ok());
  auto options = KernelOptions::from(line.value());
  ASSERT_TRUE(options.is_ok()) << options.error().message();
  EXPECT_EQ(options.value().mounts, ktl::StringView("ramfs:/tmp,tmpfs:/var/run"));
  std::string seen;
  auto visited = BootMounts::for_each(options.value().mounts, [&](const BootMount& mount) -> Result<void> {
    seen += std::string(mount.type.data(), mount.type.length()) + " on " +
            std::string(mount.path.data(), mount.path.length()) + ";";
    return {};
  });
  ASSERT_TRUE(visited.is_ok());
  EXPECT_EQ(seen, "ramfs on /tmp;tmpfs on /var/run;");
  EXPECT_EQ(KernelOptions{}.mounts, ktl::StringView(""));
  char text[64];
  auto shown = kernel_option_text(options.value(), "mount", text, sizeof text);
  ASSERT_TRUE(shown.is_ok());
  EXPECT_STREQ(text, "ramfs:/tmp,tmpfs:/var/run");
}

TEST(KernelOptionsNames, SixteenModulesFitSeventeenDoNot) {
  auto sixteen = CommandLine::parse("modules=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p");
  ASSERT_TRUE(sixteen.is_ok());
  EXPECT_TRUE(KernelOptions::from(sixteen.value()).is_ok());
}

}  // namespace
}  // namespace tessera
