// Feeds arbitrary bytes to CommandLine::parse and KernelOptions::from. Beyond "no crash,
// no sanitizer report" it checks what the parser promises, trapping on any violation:
// limits hold, views stay inside the object (also after copies), strings are
// NUL-terminated, errors carry a message, and printing a parsed line back as text and
// parsing that gives the same line.
#include <stddef.h>
#include <stdint.h>

#include <string>

#include "boot/command_line.hh"
#include "boot/kernel_options.hh"

namespace {

using tessera::CommandLine;
using tessera::KernelOptions;
using tessera::ktl::StringView;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

bool inside(const char* pointer, size_t length, const CommandLine& line) {
  auto* begin = reinterpret_cast<const char*>(&line);
  auto* end = begin + sizeof(line);
  // The string and its terminator both lie inside the object.
  return pointer >= begin && pointer + length < end;
}

bool is_key_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

void check_line(const CommandLine& line) {
  check(line.options().size() <= CommandLine::kMaxOptions);
  check(line.arguments().size() <= CommandLine::kMaxArguments);
  for (size_t i = 0; i < line.options().size(); ++i) {
    const auto& option = line.options()[i];
    check(inside(option.key.data(), option.key.length(), line));
    check(inside(option.value.data(), option.value.length(), line));
    check(option.key.data()[option.key.length()] == '\0');
    check(option.value.data()[option.value.length()] == '\0');
    check(option.key.length() >= 1 && option.key.length() <= CommandLine::kMaxKeyLength);
    check(option.key[0] >= 'a' && option.key[0] <= 'z');
    for (char c : option.key) check(is_key_character(c));
    check(option.value.length() <= CommandLine::kMaxValueLength);
    check(option.has_value || option.value.empty());
    check(line.find(option.key) == &option);  // keys are unique
  }
  for (const char* argument : line.arguments()) check(inside(argument, __builtin_strlen(argument), line));
  check(line.arguments().data()[line.arguments().size()] == nullptr);
}

bool same(const CommandLine& a, const CommandLine& b) {
  if (a.options().size() != b.options().size() || a.arguments().size() != b.arguments().size()) return false;
  for (size_t i = 0; i < a.options().size(); ++i) {
    const auto &x = a.options()[i], &y = b.options()[i];
    if (!(x.key == y.key) || !(x.value == y.value) || x.has_value != y.has_value) return false;
  }
  for (size_t i = 0; i < a.arguments().size(); ++i)
    if (!(StringView(a.arguments()[i]) == StringView(b.arguments()[i]))) return false;
  return true;
}

void append_quoted(std::string& out, StringView text) {
  out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

std::string serialise(const CommandLine& line) {
  std::string out;
  for (const auto& option : line.options()) {
    out.append(option.key.data(), option.key.length());
    if (option.has_value) {
      out += '=';
      append_quoted(out, option.value);
    }
    out += ' ';
  }
  if (!line.arguments().empty()) {
    out += "--";
    for (const char* argument : line.arguments()) {
      out += ' ';
      append_quoted(out, argument);
    }
  }
  return out;
}

void check_options(const CommandLine& line) {
  auto result = KernelOptions::from(line);
  if (result.is_error()) {
    check(result.error().code() == tessera::kEINVAL);
    check(__builtin_strlen(result.error().message()) > 0);
    return;
  }
  const KernelOptions& options = result.value();
  check(options.demo_threads >= 1 && options.demo_threads <= 64);
  check(options.demo_rounds >= 1 && options.demo_rounds <= 1000);
  check(options.log_level <= tessera::log::Level::kTrace);
  // app= and modules= are names: either the defaults, or views of the value given on the
  // line (inside the object), made only of a-z, 0-9, '.', '_', '-' and, for modules, ','.
  auto name_ok = [&](StringView value, bool list) {
    for (char c : value)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || (list && c == ',')))
        return false;
    return true;
  };
  const auto* app = line.find("app");
  check(app ? options.app == app->value && inside(options.app.data(), options.app.length(), line)
            : options.app == StringView("demo"));
  check(!options.app.empty() && name_ok(options.app, false));
  const auto* modules = line.find("modules");
  check(modules ? options.modules == modules->value && inside(options.modules.data(), options.modules.length(), line)
                : options.modules.empty());
  check(name_ok(options.modules, true));
  // An option that parsed cleanly is one that was given, or the default.
  const auto* help = line.find("help");
  check(options.show_help == (help != nullptr && (!help->has_value || help->value == "yes" ||
                                                  help->value == "true" || help->value == "on" ||
                                                  help->value == "1")));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  StringView text(reinterpret_cast<const char*>(data), size);
  auto result = CommandLine::parse(text);
  if (result.is_error()) {
    check(result.error().code() == tessera::kEINVAL || result.error().code() == tessera::kE2BIG);
    size_t length = __builtin_strlen(result.error().message());
    check(length > 0 && length < tessera::Error::kMessageCapacity);
    return 0;
  }
  const CommandLine& line = result.value();
  check_line(line);

  // Copies and moves rebase their views onto themselves.
  CommandLine copy(line);
  check_line(copy);
  check(same(copy, line));
  CommandLine moved(tessera::ktl::move(copy));
  check_line(moved);
  check(same(moved, line));
  CommandLine assigned = CommandLine::parse("scratch=1 -- x").release_value();
  assigned = moved;
  check_line(assigned);
  check(same(assigned, line));

  // Round trip. Quoting may push a line that was within the limit past it.
  std::string printed = serialise(line);
  if (printed.size() <= CommandLine::kMaxLength) {
    auto again = CommandLine::parse(StringView(printed.data(), printed.size()));
    check(again.is_ok());
    check(same(again.value(), line));
    check(serialise(again.value()) == printed);
  }

  check_options(line);
  return 0;
}
