#include "module/export_table.hh"

namespace tessera {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr ktl::StringView kVersionPrefix = "TESSERA_";

}  // namespace

void format_abi_version(uint32_t abi_hash, char* out) {
  for (size_t i = 0; i < kVersionPrefix.size(); ++i) out[i] = kVersionPrefix[i];
  for (size_t i = 0; i < 8; ++i) out[kVersionPrefix.size() + i] = kHexDigits[(abi_hash >> (28 - 4 * i)) & 0xf];
  out[kAbiVersionNameLength] = '\0';
}

bool parse_abi_version(ktl::StringView version, uint32_t& abi_hash) {
  if (version.size() != kAbiVersionNameLength || !version.starts_with(kVersionPrefix)) return false;
  uint32_t value = 0;
  for (size_t i = kVersionPrefix.size(); i < version.size(); ++i) {
    char c = version[i];
    uint32_t digit;
    if (c >= '0' && c <= '9') digit = static_cast<uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f') digit = static_cast<uint32_t>(c - 'a' + 10);
    else return false;  // upper case is not what format_abi_version writes
    value = value << 4 | digit;
  }
  abi_hash = value;
  return true;
}

const KernelExport* find_kernel_export(ktl::StringView name) {
  auto table = kernel_exports();
  size_t low = 0, high = table.size();
  while (low < high) {
    size_t middle = low + (high - low) / 2;
    int order = compare(ktl::StringView(table[middle].name), name);
    if (order == 0) return &table[middle];
    if (order < 0) low = middle + 1;
    else high = middle;
  }
  return nullptr;
}

}  // namespace tessera
