#pragma once
// `tessera image build|ls|cat|stat|verify|inspect`: build ROFS boot images (docs/rofs-builder.md)
// and look inside them with the kernel's own validating reader (kernel/fs/rofs/rofs_image.hh).
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace tessera::cli {

struct ImageOptions {
  // build
  std::string output;
  std::vector<std::string> from;
  std::vector<std::string> manifests;
  bool page_align = false;
  bool keep_mtime = false;
  bool keep_owner = false;
  bool allow_symlink_loops = false;
  std::string app;                    // --app: the application --shake keeps
  bool shake = false;
  std::vector<std::string> required;  // --require MODULE
  std::vector<std::string> builtin;   // --builtin MODULE
  std::string target_platform = "all";
  // ls, cat, stat, verify, inspect
  std::string image;
  std::string path = "/";
  bool long_format = false;
  bool recursive = false;
  bool follow = false;
  bool sizes = false;                 // inspect --sizes
  std::string kernel;                 // inspect --kernel FILE: counted in the total
};

void add_image_command(CLI::App& app, ImageOptions& options);
// Runs the `tessera image` subcommand that was parsed. Returns the exit status: 0, 1 when
// the build failed or the image or path is bad, 64 for unusable arguments.
int run_image_command(const CLI::App& app, const ImageOptions& options);

}  // namespace tessera::cli
