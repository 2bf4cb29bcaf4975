#include "tessera/run_command.hh"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <tessera/exit_status.hh>

#include "hosted_machine.hh"
#include "tessera/kernel_command_line.hh"
#include "tessera/network_option.hh"
#include "tessera/gdb_launcher.hh"
#include "tessera/qemu_runner.hh"
#include "tessera/size_parser.hh"

namespace tessera::cli {

void add_run_command(CLI::App& app, RunOptions& options) {
  auto* run = app.add_subcommand("run", "Boot the kernel as this Linux process (hosted platform)");
  run->footer(
      "Words after '--' go to the kernel: key=value kernel options, then optionally another '--'\n"
      "and the application's arguments. Example: tessera run -- app=exit -- 3\n"
      "'tessera run -- help' lists the kernel options. The guest's exit status becomes tessera's.");
  run->add_option("image", options.image, "ROFS boot image to boot (default: default.img beside tessera)");
  run->add_flag("--no-image", options.no_image, "Boot with no boot image: the kernel core alone");
  run->add_option("--memory,-m", options.memory, "Guest RAM size, e.g. 64M, 512K, 1G")->capture_default_str();
  run->add_option("--log-level", options.log_level, "Kernel console log level (sets loglevel=)")
      ->check(CLI::IsMember({"error", "warn", "info", "debug", "trace"}));
  run->add_option("--log-file", options.log_file, "Also write the guest console, timestamped, to FILE");
  run->add_option("--platform", options.platform,
                  "hosted: this Linux process; qemu: tessera-vm.elf under qemu-system-x86_64")
      ->check(CLI::IsMember({"hosted", "qemu"}))
      ->capture_default_str();
  run->add_option("--machine", options.machine, "QEMU machine model (with --platform qemu)")
      ->check(CLI::IsMember({"microvm", "q35"}))
      ->capture_default_str();
  run->add_option("--vm-kernel", options.vm_kernel,
                  "VM kernel to boot (with --platform qemu), default tessera-vm.elf beside this program")
      ->check(CLI::ExistingFile);
  run->add_option("--accel", options.accel, "QEMU accelerator (with --platform qemu): tcg, or kvm where /dev/kvm works")
      ->check(CLI::IsMember({"tcg", "kvm"}))
      ->capture_default_str();
  run->add_option("--net", options.networks,
                  "A guest network port (repeatable): user[,hostfwd=tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT]...\n"
                  "(libslirp: guest 10.0.2.15 by DHCP, host 10.0.2.2, DNS 10.0.2.3) or tap,ifname=NAME (root)")
      ->type_name("SPEC")
      ->expected(1)
      ->allow_extra_args(false)  // one SPEC per --net: the next word may be the IMAGE
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  run->add_flag("--gdb", options.gdb,
                "Boot under gdb with the Tessera extension (tessera modules|threads|bt|log|mounts); "
                "with --platform qemu, QEMU waits for gdb on its gdbstub");
  run->add_option("--gdb-batch", options.gdb_batch, "Like --gdb, but gdb runs the commands in FILE and exits")
      ->check(CLI::ExistingFile);
  run->add_option("--record", options.record,
                  "Hosted: write every input the guest takes (clocks, events, frames, entropy) to FILE");
  run->add_option("--replay", options.replay,
                  "Hosted: run again with the inputs of a --record FILE: same output, same scheduling")
      ->check(CLI::ExistingFile);
  run->add_flag("--verbose", options.verbose, "Show the QEMU command line and the VM's memory map and clocks");
}

std::string default_image_path() {
  std::error_code error;
  auto executable = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return "default.img";
  return (executable.parent_path() / "default.img").string();
}

int run_hosted(const RunOptions& options) {
  auto host_log = spdlog::get("tessera");
  if (options.no_image && !options.image.empty()) {
    host_log->error("give an IMAGE or --no-image, not both");
    return exit_status::kUsage;
  }
  std::string image = options.image;
  if (image.empty() && !options.no_image) {
    image = default_image_path();
    if (!std::filesystem::exists(image)) {
      host_log->error("no IMAGE given and the default image {} does not exist (it is built with tessera; "
                      "or use --no-image)", image);
      return exit_status::kUsage;
    }
  }
  auto memory = parse_size(options.memory);
  if (!memory) {
    host_log->error("invalid --memory '{}': expected a size such as 64M, 512K or 1G (at most 1T)", options.memory);
    return exit_status::kUsage;
  }

  std::vector<std::string> words;
  if (!options.log_level.empty()) words.push_back("loglevel=" + options.log_level);
  words.insert(words.end(), options.kernel_words.begin(), options.kernel_words.end());

  std::vector<NetworkOption> networks;
  for (const auto& spec : options.networks) {
    auto network = parse_network_option(spec);
    if (!network) {
      host_log->error("{}", network.error());
      return exit_status::kUsage;
    }
    networks.push_back(std::move(*network));
  }

  if (options.platform == "qemu") {
    if (!options.record.empty() || !options.replay.empty()) {
      host_log->error("--record and --replay work with --platform hosted only");
      return exit_status::kUsage;
    }
    if (!options.log_file.empty()) {
      host_log->error("--log-file works with --platform hosted only (for now)");
      return exit_status::kUsage;
    }
    QemuConfig qemu;
    qemu.kernel_path = options.vm_kernel.empty() ? default_vm_kernel_path() : options.vm_kernel;
    qemu.image_path = image;
    if (!image.empty()) {
      // The same checks, and messages, as the hosted machine's (hosted_machine.cc).
      std::error_code error;
      auto status = std::filesystem::status(image, error);
      std::string problem;
      if (error || !std::filesystem::exists(status))
        problem = "cannot open boot image '" + image + "': " + std::strerror(ENOENT);
      else if (!std::filesystem::is_regular_file(status))
        problem = "boot image '" + image + "' is not a regular file";
      else if (std::filesystem::file_size(image, error) == 0 || error)
        problem = "boot image '" + image + "' is empty";
      if (!problem.empty()) {
        host_log->error("{}", problem);
        return exit_status::kOsError;
      }
      qemu.image_bytes = size_t(std::filesystem::file_size(image));
    }
    qemu.machine = options.machine;
    qemu.memory_bytes = *memory;
    qemu.command_line = join_kernel_command_line(words);
    qemu.verbose = options.verbose;
    qemu.use_kvm = options.accel == "kvm";
    qemu.networks = std::move(networks);
    if (options.gdb || !options.gdb_batch.empty()) return run_qemu_under_gdb(options, std::move(qemu));
    return run_qemu(qemu);
  }

  if (options.gdb || !options.gdb_batch.empty()) return run_hosted_under_gdb(options);

  linux_host::MachineConfig config;
  config.memory_bytes = *memory;
  config.command_line = join_kernel_command_line(words);
  config.image_path = image;
  config.networks = std::move(networks);
  config.record_path = options.record;
  config.replay_path = options.replay;

  std::string error;
  auto machine = linux_host::HostedMachine::create(config, error);
  if (!machine) {
    host_log->error("{}", error);
    return exit_status::kOsError;
  }
  if (!options.log_file.empty()) {
    try {
      auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.log_file, true);
      sink->set_pattern("[%Y-%m-%d %H:%M:%S.%f] %v");
      spdlog::get("guest")->sinks().push_back(sink);
    } catch (const spdlog::spdlog_ex& e) {
      host_log->error("cannot open --log-file '{}': {}", options.log_file, e.what());
      return exit_status::kUsage;
    }
  }
  return machine->run();
}

}  // namespace tessera::cli
