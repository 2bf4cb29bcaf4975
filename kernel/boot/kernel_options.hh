#pragma once
// The kernel options Tessera knows, with their typed values. Each option is one row of
// a table in kernel_options.cc (name, kind, limits, help, setter): adding an option
// means adding a field here and a row there.
#include <stdint.h>
#include <tessera/ktl/span.hh>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>

#include "boot/command_line.hh"
#include "log/log.hh"

namespace tessera {

struct KernelOptions {
  log::Level log_level = log::Level::kInfo;
  bool bootchart = false;
  static constexpr uint32_t kMaxBootModules = 16;
  // The application to run: /apps/<app>.so on the boot image, else the built-in app of that
  // name (builtin_app_names()). Views the command line or the configuration text, which
  // live for the whole boot.
  ktl::StringView app = "demo";
  // Comma-separated names of modules to load at boot from /lib/modules/<name>.so.
  ktl::StringView modules = "";
  // mount: "TYPE:/PATH[,TYPE:/PATH...]", filesystems mounted at boot (fs/vfs/boot_mounts.hh;
  // already validated here). Views the command line or configuration text.
  ktl::StringView mounts = "";
  // modules.on_demand: load a module when its capability is first asked for (the index
  // of the boot image says which); off, every indexed module loads at boot instead.
  bool modules_on_demand = true;
  // modules.lazy: an application's function imports from an indexed module not yet loaded
  // are bound to stubs that load it on the first call (module/lazy_binding.hh); off (or
  // modules.on_demand=0), its DT_NEEDED modules load with it.
  bool modules_lazy = true;
  // net.ip: empty (no network), "dhcp" or "A.B.C.D/N[,gw=A.B.C.D]" (net/net_config.hh
  // parses it; already validated here). Views the command line or configuration text.
  ktl::StringView net_ip = "";
  // net.dhcp.timeout: seconds the DHCP client waits for a lease before the boot fails.
  uint32_t net_dhcp_timeout = 10;
  uint32_t demo_threads = 4;
  uint32_t demo_rounds = 3;
  bool show_help = false;

  // Options left out keep the defaults above. Errors (EINVAL) name the option and the
  // rejected value: "unknown kernel option 'foo' (known: ...)",
  // "kernel option 'demo.threads' expects a whole number from 1 to 64, got 'x'".
  static Result<KernelOptions> from(const CommandLine& line) { return from(line, KernelOptions{}); }
  // The same, starting from `base` instead of the defaults: how the boot command line
  // overrides the boot image's configuration file.
  static Result<KernelOptions> from(const CommandLine& line, const KernelOptions& base);
};

// Any known option's value as text, as the module API's tessera_kernel_option gives it:
// the length written (NUL added); ENOENT for an unknown option, ERANGE when `capacity`
// is too small. Flags are "yes"/"no", absent texts "".
Result<size_t> kernel_option_text(const KernelOptions& options, ktl::StringView name, char* out, size_t capacity);

// The options of the running boot (set by kernel_main once they are final), or null.
const KernelOptions* current_kernel_options();
void set_current_kernel_options(const KernelOptions* options);

// The names `app=` accepts, in the order help lists them.
ktl::Span<const ktl::StringView> builtin_app_names();

// Prints the table of kernel options (syntax, meaning, default) with tessera::print.
void print_kernel_option_help();

}  // namespace tessera
