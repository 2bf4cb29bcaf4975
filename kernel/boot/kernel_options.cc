#include "boot/kernel_options.hh"

#include <tessera/format.hh>

#include "fs/vfs/boot_mounts.hh"
#include "net/net_config.hh"

namespace tessera {
namespace {

enum class Kind : uint8_t {
  kBool,    // bare key = true, or =yes/no/true/false/on/off/1/0
  kNumber,  // decimal whole number within [min, max]
  kLevel,   // a log level name
  kChoice,  // one of `choices`
  kNames,   // comma-separated names of [a-z0-9._-], each 1..kMaxNameLength bytes (or one when max == 1)
  kNetwork, // NetConfig's syntax (net/net_config.hh)
  kMounts,  // TYPE:/PATH[,TYPE:/PATH...] (fs/vfs/boot_mounts.hh)
};

constexpr size_t kMaxNameLength = 64;

// A parsed value: the member matching the row's kind is meaningful.
struct Value {
  bool flag = false;
  uint32_t number = 0;
  log::Level level = log::Level::kInfo;
  ktl::StringView text;

  static Value of_flag(bool flag) { Value v; v.flag = flag; return v; }
  static Value of_number(uint32_t number) { Value v; v.number = number; return v; }
  static Value of_level(log::Level level) { Value v; v.level = level; return v; }
  static Value of_text(ktl::StringView text) { Value v; v.text = text; return v; }
};

struct OptionRow {
  const char* name;
  Kind kind;
  const char* help;
  void (*set)(KernelOptions&, const Value&);
  Value (*get)(const KernelOptions&);  // so help shows the real defaults
  uint32_t min = 0;
  uint32_t max = 0;
  ktl::Span<const ktl::StringView> choices = {};
};

constexpr ktl::StringView kBuiltinApps[] = {"demo", "exit", "panic", "oom", "sleep"};

// Sorted by name, which is the order "known: ..." and help list them in.
constexpr OptionRow kOptionTable[] = {
    {"app", Kind::kNames, "application to run: /apps/NAME.so on the image, else a built-in app",
     [](KernelOptions& o, const Value& v) { o.app = v.text; },
     [](const KernelOptions& o) { return Value::of_text(o.app); }, 1, 1},
    {"bootchart", Kind::kBool, "print how long each boot phase took",
     [](KernelOptions& o, const Value& v) { o.bootchart = v.flag; },
     [](const KernelOptions& o) { return Value::of_flag(o.bootchart); }},
    {"demo.rounds", Kind::kNumber, "rounds each thread of the demo app runs",
     [](KernelOptions& o, const Value& v) { o.demo_rounds = v.number; },
     [](const KernelOptions& o) { return Value::of_number(o.demo_rounds); }, 1, 1000},
    {"demo.threads", Kind::kNumber, "threads the demo app starts",
     [](KernelOptions& o, const Value& v) { o.demo_threads = v.number; },
     [](const KernelOptions& o) { return Value::of_number(o.demo_threads); }, 1, 64},
    {"help", Kind::kBool, "print this table instead of running an application",
     [](KernelOptions& o, const Value& v) { o.show_help = v.flag; },
     [](const KernelOptions& o) { return Value::of_flag(o.show_help); }},
    {"loglevel", Kind::kLevel, "most detailed log level shown on the console",
     [](KernelOptions& o, const Value& v) { o.log_level = v.level; },
     [](const KernelOptions& o) { return Value::of_level(o.log_level); }},
    {"modules", Kind::kNames, "modules to load at boot from /lib/modules, in order",
     [](KernelOptions& o, const Value& v) { o.modules = v.text; },
     [](const KernelOptions& o) { return Value::of_text(o.modules); }, 0, KernelOptions::kMaxBootModules},
    {"modules.lazy", Kind::kBool, "bind an application's imports from unloaded modules to stubs that load them on first call",
     [](KernelOptions& o, const Value& v) { o.modules_lazy = v.flag; },
     [](const KernelOptions& o) { return Value::of_flag(o.modules_lazy); }},
    {"modules.on_demand", Kind::kBool, "load modules when first needed; off: every module of the index at boot",
     [](KernelOptions& o, const Value& v) { o.modules_on_demand = v.flag; },
     [](const KernelOptions& o) { return Value::of_flag(o.modules_on_demand); }},
    {"mount", Kind::kMounts, "filesystems to mount at boot, loading each type's module on first use",
     [](KernelOptions& o, const Value& v) { o.mounts = v.text; },
     [](const KernelOptions& o) { return Value::of_text(o.mounts); }},
    {"net.dhcp.timeout", Kind::kNumber, "seconds to wait for a DHCP lease (net.ip=dhcp)",
     [](KernelOptions& o, const Value& v) { o.net_dhcp_timeout = v.number; },
     [](const KernelOptions& o) { return Value::of_number(o.net_dhcp_timeout); }, 1, 600},
    {"net.ip", Kind::kNetwork, "network address: dhcp, or static with prefix length and optional gateway",
     [](KernelOptions& o, const Value& v) { o.net_ip = v.text; },
     [](const KernelOptions& o) { return Value::of_text(o.net_ip); }},
};

constexpr bool table_is_sorted() {
  for (size_t i = 1; i < ktl::size(kOptionTable); ++i)
    if (compare(ktl::StringView(kOptionTable[i - 1].name), ktl::StringView(kOptionTable[i].name)) >= 0)
      return false;
  return true;
}
static_assert(table_is_sorted(), "keep kOptionTable sorted by name");

constexpr log::Level kLevels[] = {log::Level::kError, log::Level::kWarn, log::Level::kInfo, log::Level::kDebug,
                                  log::Level::kTrace};

// Builds "a, b, c" style lists for messages; silently stops when full.
class NameList {
 public:
  explicit NameList(const char* separator) : separator_(separator) {}
  void add(ktl::StringView name) {
    const char* separator = used_ ? separator_ : "";
    size_t written = format(text_ + used_, sizeof(text_) - used_, "%s%.*s", separator,
                            static_cast<int>(name.length()), name.data());
    used_ = ktl::min(used_ + written, sizeof(text_) - 1);
  }
  const char* text() const { return text_; }
  bool empty() const { return used_ == 0; }

 private:
  const char* separator_;
  char text_[192] = {};
  size_t used_ = 0;
};

// The whole table no longer fits an error message, so a misspelt key is shown its
// family: the options sharing its first dotted word ("modules.lazyy" -> "modules,
// modules.lazy, modules.on_demand"). `help` lists them all.
NameList related_option_names(ktl::StringView key) {
  size_t dot = 0;
  while (dot < key.length() && key[dot] != '.') ++dot;
  ktl::StringView family = key.substr(0, dot);
  NameList list(", ");
  for (const auto& row : kOptionTable) {
    ktl::StringView name = row.name;
    bool same_word = name.starts_with(family) && (name.length() == family.length() || name[family.length()] == '.');
    if (same_word) list.add(name);
  }
  return list;
}

NameList choice_names(const OptionRow& row, const char* separator) {
  NameList list(separator);
  if (row.kind == Kind::kLevel) {
    for (auto level : kLevels) list.add(log::level_name(level));
  } else {
    for (auto choice : row.choices) list.add(choice);
  }
  return list;
}

const OptionRow* find_row(ktl::StringView name) {
  for (const auto& row : kOptionTable)
    if (name == row.name) return &row;
  return nullptr;
}

// Strict: decimal digits only, no sign, no spaces, nothing after them, no overflow.
bool parse_whole_number(ktl::StringView text, uint32_t& out) {
  if (text.empty()) return false;
  uint32_t number = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    if (!ktl::checked_mul(number, uint32_t{10}, number) ||
        !ktl::checked_add(number, static_cast<uint32_t>(c - '0'), number))
      return false;
  }
  out = number;
  return true;
}

// Names as module and application files use them: a-z, 0-9, '.', '_', '-'.
bool parse_names(ktl::StringView text, uint32_t max_count, uint32_t& count) {
  count = 0;
  size_t length = 0;
  for (size_t i = 0; i <= text.length(); ++i) {
    if (i == text.length() || text[i] == ',') {
      if (length == 0 || length > kMaxNameLength) return false;
      ++count;
      length = 0;
      continue;
    }
    char c = text[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
    ++length;
  }
  return count <= max_count;
}

bool parse_bool(ktl::StringView text, bool& out) {
  constexpr ktl::StringView kTrue[] = {"yes", "true", "on", "1"};
  constexpr ktl::StringView kFalse[] = {"no", "false", "off", "0"};
  for (size_t i = 0; i < ktl::size(kTrue); ++i) {
    if (text == kTrue[i] || text == kFalse[i]) {
      out = text == kTrue[i];
      return true;
    }
  }
  return false;
}

Result<Value> parse_value(const OptionRow& row, const CommandLine::Option& option) {
  Value value;
  if (!option.has_value) {
    if (row.kind != Kind::kBool) return Error::with_message(kEINVAL, "kernel option '%s' needs a value", row.name);
    value.flag = true;
    return value;
  }
  auto shown = CommandLine::excerpt(option.value);
  switch (row.kind) {
    case Kind::kBool:
      if (parse_bool(option.value, value.flag)) return value;
      return Error::with_message(kEINVAL, "kernel option '%s' expects yes/no, true/false, on/off or 1/0, got '%.*s%s'",
                                 row.name, shown.length, shown.data, shown.ellipsis);
    case Kind::kNumber:
      if (parse_whole_number(option.value, value.number) && value.number >= row.min && value.number <= row.max)
        return value;
      return Error::with_message(kEINVAL, "kernel option '%s' expects a whole number from %u to %u, got '%.*s%s'",
                                 row.name, row.min, row.max, shown.length, shown.data, shown.ellipsis);
    case Kind::kLevel: {
      auto level = log::parse_level(option.value);
      if (level.is_ok()) {
        value.level = level.value();
        return value;
      }
      break;
    }
    case Kind::kChoice:
      for (auto choice : row.choices) {
        if (option.value == choice) {
          value.text = choice;  // the table's string, which outlives the command line
          return value;
        }
      }
      break;
    case Kind::kNetwork: {
      auto config = NetConfig::parse(option.value);
      if (config.is_error()) return config.release_error();
      value.text = option.value;
      return value;
    }
    case Kind::kMounts: {
      if (auto valid = BootMounts::validate(option.value); valid.is_error()) return valid.release_error();
      value.text = option.value;
      return value;
    }
    case Kind::kNames: {
      // The value views the command line or the configuration text, which both live for
      // the whole boot (kernel_main's frame; a static buffer).
      uint32_t count = 0;
      if (parse_names(option.value, row.max, count)) {
        value.text = option.value;
        return value;
      }
      if (row.max == 1)
        return Error::with_message(kEINVAL, "kernel option '%s' expects a name of a-z, 0-9, '.', '_', '-' (at most "
                                   "%zu bytes), got '%.*s%s'", row.name, kMaxNameLength, shown.length, shown.data,
                                   shown.ellipsis);
      return Error::with_message(kEINVAL, "kernel option '%s' expects up to %u comma-separated names of a-z, 0-9, "
                                 "'.', '_', '-', got '%.*s%s'", row.name, row.max, shown.length, shown.data,
                                 shown.ellipsis);
    }
  }
  return Error::with_message(kEINVAL, "kernel option '%s' expects one of %s; got '%.*s%s'", row.name,
                             choice_names(row, ", ").text(), shown.length, shown.data, shown.ellipsis);
}

// "loglevel=<error|warn|info|debug|trace>" and the like, for help.
void describe_syntax(const OptionRow& row, char* out, size_t capacity) {
  switch (row.kind) {
    case Kind::kBool:
      format(out, capacity, "%s[=yes|no]", row.name);
      return;
    case Kind::kNumber:
      format(out, capacity, "%s=<%u..%u>", row.name, row.min, row.max);
      return;
    case Kind::kLevel:
    case Kind::kChoice:
      format(out, capacity, "%s=<%s>", row.name, choice_names(row, "|").text());
      return;
    case Kind::kNames:
      format(out, capacity, row.max == 1 ? "%s=<name>" : "%s=<name,...>", row.name);
      return;
    case Kind::kNetwork:
      format(out, capacity, "%s=<dhcp|A.B.C.D/N[,gw=A.B.C.D]>", row.name);
      return;
    case Kind::kMounts:
      format(out, capacity, "%s=<type:/path,...>", row.name);
      return;
  }
}

void describe_value(const OptionRow& row, const Value& value, char* out, size_t capacity) {
  switch (row.kind) {
    case Kind::kBool:
      format(out, capacity, "%s", value.flag ? "yes" : "no");
      return;
    case Kind::kNumber:
      format(out, capacity, "%u", value.number);
      return;
    case Kind::kLevel:
      format(out, capacity, "%s", log::level_name(value.level));
      return;
    case Kind::kChoice:
    case Kind::kNames:
    case Kind::kNetwork:
    case Kind::kMounts:
      if (value.text.empty()) format(out, capacity, "none");
      else format(out, capacity, "%.*s", static_cast<int>(value.text.length()), value.text.data());
      return;
  }
}

}  // namespace

Result<KernelOptions> KernelOptions::from(const CommandLine& line, const KernelOptions& base) {
  KernelOptions options = base;
  for (const auto& option : line.options()) {
    const OptionRow* row = find_row(option.key);
    if (!row) {
      auto shown = CommandLine::excerpt(option.key);
      NameList related = related_option_names(option.key);
      if (related.empty())
        return Error::with_message(kEINVAL, "unknown kernel option '%.*s%s'", shown.length, shown.data, shown.ellipsis);
      return Error::with_message(kEINVAL, "unknown kernel option '%.*s%s' (did you mean: %s)", shown.length,
                                 shown.data, shown.ellipsis, related.text());
    }
    Value value = TRY(parse_value(*row, option));
    row->set(options, value);
  }
  return options;
}

ktl::Span<const ktl::StringView> builtin_app_names() { return kBuiltinApps; }

Result<size_t> kernel_option_text(const KernelOptions& options, ktl::StringView name, char* out, size_t capacity) {
  const OptionRow* row = find_row(name);
  if (!row) {
    auto shown = CommandLine::excerpt(name);
    return Error::with_message(kENOENT, "unknown kernel option '%.*s%s'", shown.length, shown.data, shown.ellipsis);
  }
  // Large enough for any value: texts are checked against `capacity` separately.
  char text[kMaxNameLength * KernelOptions::kMaxBootModules + KernelOptions::kMaxBootModules + 1];
  Value value = row->get(options);
  size_t length = 0;
  if (row->kind == Kind::kChoice || row->kind == Kind::kNames || row->kind == Kind::kNetwork ||
      row->kind == Kind::kMounts) {
    length = value.text.length();
    if (length >= capacity)
      return Error::with_message(kERANGE, "kernel option '%s': %zu bytes do not fit in %zu", row->name, length + 1, capacity);
    __builtin_memcpy(out, value.text.data(), length);
    out[length] = '\0';
    return length;
  }
  describe_value(*row, value, text, sizeof text);
  length = __builtin_strlen(text);
  if (length >= capacity)
    return Error::with_message(kERANGE, "kernel option '%s': %zu bytes do not fit in %zu", row->name, length + 1, capacity);
  __builtin_memcpy(out, text, length + 1);
  return length;
}

namespace {
constinit const KernelOptions* g_current_options = nullptr;
}  // namespace

const KernelOptions* current_kernel_options() { return g_current_options; }
void set_current_kernel_options(const KernelOptions* options) { g_current_options = options; }

void print_kernel_option_help() {
  constexpr size_t kSyntaxCapacity = 96;
  int width = 0;
  for (const auto& row : kOptionTable) {
    char syntax[kSyntaxCapacity];
    describe_syntax(row, syntax, sizeof(syntax));
    width = ktl::max(width, static_cast<int>(__builtin_strlen(syntax)));
  }
  const KernelOptions defaults;
  print("Kernel options come first, as key or key=value; application arguments follow a lone '--'.\n");
  print("Quote values with spaces: key=\"a b\" (\\\" and \\\\ are escapes inside quotes).\n");
  for (const auto& row : kOptionTable) {
    char syntax[kSyntaxCapacity];
    char default_value[64];
    describe_syntax(row, syntax, sizeof(syntax));
    describe_value(row, row.get(defaults), default_value, sizeof(default_value));
    print("  %-*s  %s (default: %s)\n", width, syntax, row.help, default_value);
  }
}

}  // namespace tessera
