#include "tessera/size_parser.hh"

#include <cctype>
#include <cstdint>

namespace tessera::cli {

std::optional<size_t> parse_size(std::string_view text) {
  constexpr uint64_t kMax = uint64_t{1} << 40;
  size_t i = 0;
  uint64_t value = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
    if (__builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, uint64_t(text[i] - '0'), &value))
      return std::nullopt;
  }
  if (i == 0) return std::nullopt;
  std::string_view unit = text.substr(i);
  int shift = 0;
  if (!unit.empty()) {
    switch (std::toupper(static_cast<unsigned char>(unit[0]))) {
      case 'K': shift = 10; break;
      case 'M': shift = 20; break;
      case 'G': shift = 30; break;
      case 'T': shift = 40; break;
      case 'B': shift = 0; break;
      default: return std::nullopt;
    }
    std::string_view rest = unit.substr(1);
    bool plain_bytes = std::toupper(static_cast<unsigned char>(unit[0])) == 'B';
    if (!(rest.empty() || (!plain_bytes && (rest == "B" || rest == "iB" || rest == "IB" || rest == "b")))) return std::nullopt;
  }
  if (value > (kMax >> shift)) return std::nullopt;
  value <<= shift;
  if (value == 0) return std::nullopt;
  return static_cast<size_t>(value);
}

}  // namespace tessera::cli
