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

// The names `app=` accepts, in the order help lists them.
ktl::Span<const ktl::StringView> builtin_app_names();

// Prints the table of kernel options (syntax, meaning, default) with tessera::print.
void print_kernel_option_help();

}  // namespace tessera
