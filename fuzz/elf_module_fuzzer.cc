// Feeds arbitrary bytes to ElfImage::try_validate as a module file. Beyond "no crash, no
// sanitizer report, no hang" it checks what validation promises, trapping on any
// violation: a refusal names the file and fits its buffer; an accepted file's whole
// view (segments, dynamic entries, names, symbols, versions, hash lookups, relocations,
// RELR, notes, sections) stays inside the file and inside the loaded image.
// Accepted files then go through the loader (no code executed: no IFUNC resolvers, no
// initialisers): mapped into a sandbox arena of guest RAM, relocated against a fake export
// table (names of even length resolve, odd ones do not), dependencies served from the
// input itself, then unloaded -- and every page and heap byte must come back.
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <string>
#include <vector>

#include "elf/elf_walk.hh"
#include "fake_platform/fake_platform.hh"
#include "log/log.hh"
#include "mm/heap.hh"
#include "mm/page_allocator.hh"
#include "module/elf_image.hh"
#include "module/module_loader.hh"

namespace {

void check(bool condition) {
  if (!condition) __builtin_trap();
}

constexpr char kName[] = "fuzz.so";

bool fake_export(void*, tessera::ktl::StringView name, tessera::ExternalSymbol& out) {
  if (name.length() % 2) return false;
  out.address = 0x10000 + name.length() * 16;
  out.abi_hash = static_cast<uint32_t>(name.length());
  return true;
}

struct Input {
  const uint8_t* bytes;
  size_t size;
};

tessera::Result<tessera::ktl::Bytes> serve_input(void* context, tessera::ktl::StringView) {
  auto* input = static_cast<Input*>(context);
  return tessera::ktl::Bytes(input->bytes, input->size);
}

// A fresh page allocator and heap over the same arena for every input.
void reset_sandbox() {
  static tessera::fake::Ram arena(64u << 20);
  static bool once = [] {
    tessera::fake::reset();
    tessera::fake::add_ram(arena.region());
    tessera::log::reset(0);
    tessera::log::set_console_level(tessera::log::Level::kError);
    return true;
  }();
  (void)once;
  tessera::reset_modules();
  tessera::page_allocator().reset();
  check(tessera::page_allocator().add_region(arena.region()).is_ok());
  tessera::heap().reset(tessera::page_allocator());
}

void load_and_unload(const uint8_t* bytes, size_t size) {
  reset_sandbox();
  size_t free_pages = tessera::page_allocator().stats().free_pages;
  size_t heap_bytes = tessera::heap().stats().bytes_in_use;
  Input input{bytes, size};
  tessera::LoadOptions options;
  options.symbols = {&fake_export, nullptr};
  options.files = {&serve_input, &input};
  options.run_code = false;
  auto loaded = tessera::load_from_bytes({bytes, size}, kName, options);
  if (loaded.is_error()) {
    size_t length = strlen(loaded.error().message());
    check(length > 0 && length < tessera::Error::kMessageCapacity);
    check(tessera::loaded_module_count() == 0);
  } else {
    check(tessera::unload_module(*loaded.value()).is_ok());
    check(tessera::loaded_module_count() == 0);
  }
  check(tessera::heap().stats().bytes_in_use == heap_bytes);
  check(tessera::page_allocator().stats().free_pages + tessera::heap().stats().pages_held >= free_pages);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The validator wants an 8-byte aligned buffer; copy into one, as the loader would.
  static std::vector<uint64_t> buffer;
  buffer.assign((size + 7) / 8, 0);
  if (size) memcpy(buffer.data(), data, size);
  auto* bytes = reinterpret_cast<const uint8_t*>(buffer.data());

  auto result = tessera::ElfImage::try_validate({bytes, size}, kName);
  if (result.is_error()) {
    int code = result.error().code();
    check(code == tessera::kENOEXEC || code == tessera::kENOTSUP);
    const char* message = result.error().message();
    size_t length = strlen(message);
    check(length < tessera::Error::kMessageCapacity);
    check(strncmp(message, "fuzz.so: ", 9) == 0 && length > 9);
    return 0;
  }
  tessera::elf_test::ElfWalker walker(result.value(), /*strict=*/false);
  std::string problem = walker.walk();
  if (!problem.empty()) fprintf(stderr, "accepted file breaks a promise: %s\n", problem.c_str());
  check(problem.empty());
  load_and_unload(bytes, size);
  return 0;
}
