#include "fs/vfs/path_error.hh"

#include <stdarg.h>
#include <tessera/format.hh>

namespace tessera {

Error path_error(int code, ktl::StringView path, const char* format, ...) {
  constexpr size_t kShownPathBytes = 64;
  char what[Error::kMessageCapacity];
  va_list args;
  va_start(args, format);
  vformat(what, sizeof what, format, args);
  va_end(args);
  if (path.length() <= kShownPathBytes)
    return Error::with_message(code, "vfs: %.*s: %s", int(path.length()), path.data(), what);
  ktl::StringView tail = path.substr(path.length() - kShownPathBytes);
  return Error::with_message(code, "vfs: ...%.*s: %s", int(tail.length()), tail.data(), what);
}

}  // namespace tessera
