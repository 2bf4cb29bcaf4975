#pragma once
// The boot image's kernel configuration, /etc/tessera/kernel.conf: kernel options one or
// more per line (key or key=value, quoting as on the command line), '#' starts a comment,
// later lines override earlier ones. The boot command line overrides the file.
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>
#include "boot/command_line.hh"
#include "boot/kernel_options.hh"

namespace tessera {

inline constexpr const char* kBootConfigPath = "/etc/tessera/kernel.conf";
inline constexpr size_t kMaxBootConfigSize = 16 * 1024;

// Options from `text` applied over the defaults; errors name `path` and the line.
Result<KernelOptions> parse_boot_config(ktl::StringView text, ktl::StringView path);

// Reads kBootConfigPath through the VFS (a missing file is no error: defaults), then
// applies `command_line` over it.
Result<KernelOptions> load_kernel_options(const CommandLine& command_line, bool have_root);

}  // namespace tessera
