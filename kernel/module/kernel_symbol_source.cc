// The loader's default symbol source: the kernel's export table (export_table.hh).
#include "module/export_table.hh"
#include "module/module_loader.hh"

namespace tessera {
namespace {

bool lookup_kernel_export(void*, ktl::StringView name, ExternalSymbol& out) {
  const KernelExport* found = find_kernel_export(name);
  if (!found) return false;
  out.address = reinterpret_cast<uintptr_t>(found->address);
  out.abi_hash = found->abi_hash;
  return true;
}

}  // namespace

SymbolSource kernel_symbol_source() { return {&lookup_kernel_export, nullptr}; }

}  // namespace tessera
