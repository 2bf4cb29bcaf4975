// Feeds arbitrary bytes to ElfImage::try_validate as a module file. Beyond "no crash, no
// sanitizer report, no hang" it checks what validation promises, trapping on any
// violation: a refusal names the file and fits its buffer; an accepted file's whole
// view (segments, dynamic entries, names, symbols, versions, hash lookups, relocations,
// RELR, notes, sections) stays inside the file and inside the loaded image.
// Later (issue 4, loader): map accepted files into a sandbox arena and relocate them
// against a fake export table.
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <string>
#include <vector>

#include "elf/elf_walk.hh"
#include "module/elf_image.hh"

namespace {

void check(bool condition) {
  if (!condition) __builtin_trap();
}

constexpr char kName[] = "fuzz.so";

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
  return 0;
}
