#pragma once
// Memory sizes as people write them on a command line: 64M, 512K, 1G, 1048576, 64MiB.
#include <cstddef>
#include <optional>
#include <string_view>

namespace tessera::cli {

// Binary units (K = 1024). Nullopt for anything malformed, zero, or above 1 TiB.
std::optional<size_t> parse_size(std::string_view text);

}  // namespace tessera::cli
