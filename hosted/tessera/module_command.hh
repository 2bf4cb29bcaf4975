#pragma once
// `tessera module abi-stub|info` (docs/modules.md):
//   abi-stub OUTDIR  writes the source of libtessera_kernel.so, the stub modules link
//                    against: every kernel export (kernel/module/kernel_exports.cc) as a
//                    function symbol with ELF version TESSERA_<abi hash>, so that a module
//                    records the signature it was built against and a typo in a kernel
//                    call fails at build time (-Wl,--no-undefined).
//   info FILE        the module's note (name, version, ...), its DT_NEEDED, exports and
//                    kernel imports with their versions checked against this kernel.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace tessera::cli {

struct ModuleOptions {
  std::string output_directory;  // abi-stub
  // abi-stub, for tests only: give these symbols a version that differs from the
  // kernel's (the hash with its lowest bit flipped), to build a mismatching module.
  std::vector<std::string> tamper;
  std::string file;              // info
};

void add_module_command(CLI::App& app, ModuleOptions& options);
// Exit status: 0; 1 when a file cannot be read or written or is not a valid module; 2
// from `info` when the module is well-formed but this kernel would refuse its imports
// (a version mismatch, an import the kernel does not export, another ABI revision).
int run_module_command(const CLI::App& app, const ModuleOptions& options);

}  // namespace tessera::cli
