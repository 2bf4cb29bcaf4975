// The `tessera` command: run the kernel hosted (and, in later issues, under QEMU),
// build and inspect boot images.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <string>
#include <vector>

#include <tessera/exit_status.hh>

#include "tessera/image_command.hh"
#include "tessera/module_command.hh"
#include "tessera/run_command.hh"

int main(int argc, char** argv) {
  auto host_log = spdlog::stderr_color_mt("tessera");
  host_log->set_pattern("tessera: %^%l%$: %v");

  // Words after the first "--" belong to the kernel; CLI11 never sees them, so kernel
  // options can look like anything without clashing with tessera's own flags.
  std::vector<std::string> kernel_words;
  int host_argc = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") {
      kernel_words.assign(argv + i + 1, argv + argc);
      host_argc = i;
      break;
    }
  }

  CLI::App app{"Tessera: a modular library unikernel. Runs its kernel as a Linux process or a VM."};
  app.set_version_flag("--version", "tessera 0.1.0");
  app.require_subcommand(1);
  tessera::cli::RunOptions run_options;
  tessera::cli::add_run_command(app, run_options);
  tessera::cli::ImageOptions image_options;
  tessera::cli::add_image_command(app, image_options);
  tessera::cli::ModuleOptions module_options;
  tessera::cli::add_module_command(app, module_options);

  try {
    app.parse(host_argc, argv);
  } catch (const CLI::ParseError& e) {
    int status = app.exit(e);
    return status == 0 ? 0 : tessera::exit_status::kUsage;
  }
  if (app.got_subcommand("run")) {
    run_options.kernel_words = std::move(kernel_words);
    return tessera::cli::run_hosted(run_options);
  }
  if (!kernel_words.empty()) {
    host_log->error("'--' and kernel words only go with 'tessera run'");
    return tessera::exit_status::kUsage;
  }
  if (app.got_subcommand("image")) return tessera::cli::run_image_command(app, image_options);
  if (app.got_subcommand("module")) return tessera::cli::run_module_command(app, module_options);
  return 0;
}
