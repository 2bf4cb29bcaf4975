#pragma once
// Errors about a path: "vfs: <path>: <what>". A long path is shortened to its last bytes
// ("vfs: ...d/d/too-deep: deeper than 64 components") so that what went wrong, and the
// part of the path where it did, still fit in an Error's message.
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>

namespace tessera {

Error path_error(int code, ktl::StringView path, const char* format, ...) __attribute__((format(printf, 3, 4)));

}  // namespace tessera
