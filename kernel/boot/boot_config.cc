#include "boot/boot_config.hh"

#include <tessera/vfs.hh>

namespace tessera {
namespace {

ktl::StringView trim(ktl::StringView text) {
  size_t begin = 0, end = text.length();
  while (begin < end && (text[begin] == ' ' || text[begin] == '\t' || text[begin] == '\r')) ++begin;
  while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\t' || text[end - 1] == '\r')) --end;
  return text.substr(begin, end - begin);
}

// Drops a '#' comment, unless the '#' sits inside double quotes.
ktl::StringView strip_comment(ktl::StringView line) {
  bool quoted = false;
  for (size_t i = 0; i < line.length(); ++i) {
    if (line[i] == '\\' && quoted) ++i;
    else if (line[i] == '"') quoted = !quoted;
    else if (line[i] == '#' && !quoted) return line.substr(0, i);
  }
  return line;
}

// Names taken from the file must outlive the per-line CommandLine they were parsed from:
// they are copied here, where they stay for the whole boot. Reset at every parse.
struct NameStorage {
  char bytes[2 * 1024];
  size_t used;
};
constinit NameStorage g_names = {};

bool keep(ktl::StringView& name) {
  if (name.length() + 1 > sizeof g_names.bytes - g_names.used) return false;
  char* copy = g_names.bytes + g_names.used;
  __builtin_memcpy(copy, name.data(), name.length());
  copy[name.length()] = 0;
  g_names.used += name.length() + 1;
  name = ktl::StringView(copy, name.length());
  return true;
}

}  // namespace

Result<KernelOptions> parse_boot_config(ktl::StringView text, ktl::StringView path) {
  g_names.used = 0;
  KernelOptions options;
  size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    size_t newline = text.find('\n');
    ktl::StringView line = text.substr(0, newline);
    text = newline == ktl::StringView::npos ? ktl::StringView() : text.substr(newline + 1);
    line = trim(strip_comment(line));
    if (line.empty()) continue;
    auto parsed = CommandLine::parse(line);
    if (parsed.is_error())
      return Error::with_message(kEINVAL, "%.*s:%zu: %s", int(path.length()), path.data(), line_number,
                                 parsed.error().message());
    if (!parsed.value().arguments().empty())
      return Error::with_message(kEINVAL, "%.*s:%zu: application arguments ('--') do not belong in the kernel "
                                 "configuration", int(path.length()), path.data(), line_number);
    auto applied = KernelOptions::from(parsed.value(), options);
    if (applied.is_error())
      return Error::with_message(kEINVAL, "%.*s:%zu: %s", int(path.length()), path.data(), line_number,
                                 applied.error().message());
    KernelOptions next = applied.release_value();
    // Every text option views the line just parsed: copy what this line changed.
    bool kept = (next.app.data() == options.app.data() || keep(next.app)) &&
                (next.modules.data() == options.modules.data() || keep(next.modules)) &&
                (next.mounts.data() == options.mounts.data() || keep(next.mounts)) &&
                (next.net_ip.data() == options.net_ip.data() || keep(next.net_ip));
    if (!kept)
      return Error::with_message(kE2BIG, "%.*s:%zu: names in the configuration exceed %zu bytes in all",
                                 int(path.length()), path.data(), line_number, sizeof g_names.bytes);
    options = next;
  }
  return options;
}

Result<KernelOptions> load_kernel_options(const CommandLine& command_line, bool have_root) {
  KernelOptions from_file;
  if (have_root) {
    auto opened = vfs::open(kBootConfigPath, vfs::open_flag::kReadOnly);
    if (opened.is_error() && opened.error().code() != kENOENT)
      return Error::with_message(kEINVAL, "cannot open %s: %s", kBootConfigPath, opened.error().message());
    if (opened.is_ok()) {
      int fd = opened.value();
      static char text[kMaxBootConfigSize + 1];  // boot runs once, on one thread
      size_t length = 0;
      for (;;) {  // read() may return less than asked
        auto got = vfs::read(fd, ktl::MutableBytes(reinterpret_cast<uint8_t*>(text) + length, sizeof text - length));
        if (got.is_error()) {
          (void)vfs::close(fd);
          return Error::with_message(kEINVAL, "cannot read %s: %s", kBootConfigPath, got.error().message());
        }
        length += got.value();
        if (got.value() == 0 || length == sizeof text) break;
      }
      (void)vfs::close(fd);
      if (length > kMaxBootConfigSize)
        return Error::with_message(kEFBIG, "%s is larger than %zu bytes", kBootConfigPath, kMaxBootConfigSize);
      from_file = TRY(parse_boot_config(ktl::StringView(text, length), kBootConfigPath));
    }
  }
  return KernelOptions::from(command_line, from_file);
}

}  // namespace tessera
