#include "module/module_index.hh"

#include <tessera/platform.hh>
#include <tessera/vfs.hh>

#include "boot/boot_chart.hh"
#include "lib/comma_list.hh"
#include "log/log.hh"
#include "mm/heap.hh"
#include "module/builtin_modules.hh"
#include "module/module_format.hh"
#include "module/module_loader.hh"

namespace tessera {
namespace {

constexpr const char* kIndexPath = "/lib/modules/index";
constexpr ktl::StringView kHeader = "tessera-module-index 1";
// Far above any real image (a line per module, 64 modules at most): refuse, don't guess.
constexpr size_t kMaxIndexSize = 1024 * 1024;

struct IndexText {
  char* bytes = nullptr;
  size_t size = 0;
};
constinit IndexText g_index;

ktl::StringView next_line(ktl::StringView& rest) {
  size_t end = rest.find('\n');
  ktl::StringView line = rest.substr(0, end);
  rest = end == ktl::StringView::npos ? ktl::StringView() : rest.substr(end + 1);
  return line;
}

ktl::StringView next_word(ktl::StringView& rest) {
  size_t end = rest.find(' ');
  ktl::StringView word = rest.substr(0, end);
  rest = end == ktl::StringView::npos ? ktl::StringView() : rest.substr(end + 1);
  return word;
}

// The comma-separated value of `key=` in a module line, empty when absent.
ktl::StringView field(ktl::StringView line, ktl::StringView key) {
  next_word(line);  // name
  next_word(line);  // path
  while (!line.empty()) {
    ktl::StringView word = next_word(line);
    if (word.length() > key.length() && word.substr(0, key.length()) == key && word[key.length()] == '=')
      return word.substr(key.length() + 1);
  }
  return {};
}

// Calls visit(name, line) for each module line until it returns true; returns that name.
template <typename Visit> ktl::StringView find_line(Visit visit) {
  ktl::StringView rest(g_index.bytes, g_index.size);
  next_line(rest);  // header
  while (!rest.empty()) {
    ktl::StringView line = next_line(rest);
    if (line.empty()) continue;
    ktl::StringView words = line;
    ktl::StringView name = next_word(words);
    if (visit(name, line)) return name;
  }
  return {};
}

}  // namespace

Result<void> ModuleIndex::load() {
  reset();
  auto stat = vfs::stat(kIndexPath);
  if (stat.is_error()) return {};  // no modules on this image, or an image from before the index
  if (uint64_t(stat.value().size) > kMaxIndexSize)
    return Error::with_message(kEFBIG, "%s: %lld bytes is over the %zu-byte limit", kIndexPath,
                               static_cast<long long>(stat.value().size), kMaxIndexSize);
  size_t size = size_t(stat.value().size);
  auto* bytes = static_cast<char*>(heap().allocate(size + 1));
  if (!bytes) return Error::with_message(kENOMEM, "%s: out of memory for %zu bytes", kIndexPath, size);
  int fd = TRY(vfs::open(kIndexPath, vfs::open_flag::kReadOnly));
  auto read = vfs::read(fd, ktl::MutableBytes(reinterpret_cast<uint8_t*>(bytes), size));
  (void)vfs::close(fd);
  if (read.is_error() || read.value() != size) {
    heap().free(bytes);
    return Error::with_message(kEIO, "%s: short read", kIndexPath);
  }
  bytes[size] = '\0';
  ktl::StringView text(bytes, size);
  ktl::StringView rest = text;
  if (next_line(rest) != kHeader) {
    heap().free(bytes);
    return Error::with_message(kEBADMSG, "%s: line 1 is not '%.*s'", kIndexPath, int(kHeader.length()), kHeader.data());
  }
  for (size_t number = 2; !rest.empty(); ++number) {
    ktl::StringView line = next_line(rest);
    ktl::StringView words = line;
    ktl::StringView name = next_word(words), path = next_word(words);
    if (line.empty()) continue;
    if (name.empty() || path.empty() || path[0] != '/') {
      heap().free(bytes);
      return Error::with_message(kEBADMSG, "%s: line %zu: expected 'NAME /PATH key=value...'", kIndexPath, number);
    }
  }
  g_index = {bytes, size};
  return {};
}

void ModuleIndex::reset() {
  // The previous boot's heap is gone with it: forget, don't free.
  g_index = {};
}

bool ModuleIndex::empty() { return g_index.size == 0; }

ktl::StringView ModuleIndex::provider_of(ktl::StringView capability) {
  return find_line([&](ktl::StringView, ktl::StringView line) { return comma_list_contains(field(line, "provides"), capability); });
}

ktl::StringView ModuleIndex::exporter_of(ktl::StringView symbol) {
  return find_line([&](ktl::StringView, ktl::StringView line) { return comma_list_contains(field(line, "exports"), symbol); });
}

bool ModuleIndex::capabilities_of(ktl::StringView name, ktl::StringView& provides) {
  bool found = false;
  find_line([&](ktl::StringView candidate, ktl::StringView line) {
    if (candidate != name) return false;
    provides = field(line, "provides");
    found = true;
    return true;
  });
  return found;
}

void ModuleIndex::for_each(void (*visit)(ktl::StringView name, void* context), void* context) {
  find_line([&](ktl::StringView name, ktl::StringView) {
    visit(name, context);
    return false;
  });
}

Result<Module*> require_capability(ktl::StringView capability, const char* reason, const char* fallback) {
  // A built-in provider wins over the image's: it is there already, only its init may
  // still have to run.
  if (Module* builtin = BuiltinModules::provider_of(capability)) {
    if (auto started = start_builtin_module(*builtin, reason); started.is_error())
      return Error::with_message(started.error().code(), "%.*s for %.*s (%s): %s", TESSERA_NAME_ARG(builtin->name()),
                                 int(capability.length()), capability.data(), reason, started.error().message());
    return builtin;
  }
  ktl::StringView provider = ModuleIndex::provider_of(capability);
  if (provider.empty() && ModuleIndex::empty() && fallback) provider = fallback;
  if (provider.empty())
    return Error::with_message(kENOENT,
                               "no module on the boot image provides %.*s (needed by %s): an image built with "
                               "--shake needs --require MODULE for it",
                               int(capability.length()), capability.data(), reason);
  Module* present = find_module(provider);
  if (present && present->state() == Module::State::kLive) return present;
  // Absent, or another thread is loading it right now (modules join the list before
  // their init has run): load_module waits for the loader and then finds it.
  uint64_t start = platform::monotonic_ns();
  auto loaded = load_module(provider);
  if (loaded.is_error())
    return Error::with_message(loaded.error().code(), "%.*s for %.*s (%s): %s", int(provider.length()), provider.data(),
                               int(capability.length()), capability.data(), reason, loaded.error().message());
  if (present) return loaded.value();  // loaded for whoever asked first, and logged there
  uint64_t took = platform::monotonic_ns() - start;
  log::info("module %.*s: loaded for %.*s (%s) in %llu.%03llu ms", int(provider.length()), provider.data(),
            int(capability.length()), capability.data(), reason, static_cast<unsigned long long>(took / 1000000),
            static_cast<unsigned long long>(took / 1000 % 1000));
  boot_chart::record("module loaded for a capability");
  return loaded.value();
}

Result<void> load_every_indexed_module() {
  TRY(BuiltinModules::start_all());
  Result<void> outcome = {};
  ModuleIndex::for_each(
      [](ktl::StringView name, void* context) {
        auto& first_error = *static_cast<Result<void>*>(context);
        if (first_error.is_error()) return;
        // Built in: started (or found to have no device) by start_all() above.
        if (Module* builtin = find_module(name); builtin && builtin->is_builtin()) return;
        auto loaded = load_module(name);
        // A driver finds no device of its kind on this machine: nothing to load it for.
        if (loaded.is_error() && loaded.error().code() == kENODEV) {
          log::info("module %.*s: not loaded, no device for it (%s)", int(name.length()), name.data(),
                    loaded.error().message());
          return;
        }
        if (loaded.is_error()) first_error = Result<void>(loaded.error());
      },
      &outcome);
  return outcome;
}

}  // namespace tessera
