#pragma once
// `tessera run`: boot the kernel in this process (hosted) or under QEMU (qemu).
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace tessera::cli {

struct RunOptions {
  std::string image;     // empty: the default image next to this program
  bool no_image = false;
  std::string memory = "64M";
  std::string log_level;
  std::string log_file;
  std::string platform = "hosted";  // or "qemu": boot bin/tessera-vm.elf under QEMU
  std::string machine = "microvm";  // QEMU machine model: microvm or q35
  std::string accel = "tcg";        // QEMU accelerator: tcg or kvm
  std::string vm_kernel;            // --vm-kernel FILE: another VM kernel (e.g. with built-in modules)
  bool verbose = false;             // print the QEMU command and the VM's boot details
  bool gdb = false;                 // boot under gdb with the Tessera extension
  std::string gdb_batch;            // --gdb-batch FILE: gdb -batch running FILE's commands
  std::string record;               // --record FILE: every input the guest takes, for --replay
  std::string replay;               // --replay FILE: the run again, inputs from FILE
  std::vector<std::string> networks;  // --net SPEC, repeatable: one guest network port each
  std::vector<std::string> kernel_words;  // everything after the first "--"
};

void add_run_command(CLI::App& app, RunOptions& options);
// Returns the process exit status: the guest's, or 64 for bad host-side arguments.
int run_hosted(const RunOptions& options);
// default.img in the folder of the running tessera executable.
std::string default_image_path();

}  // namespace tessera::cli
