#pragma once
// `tessera run --platform qemu`: boots bin/tessera-vm.elf under qemu-system-x86_64
// through PVH, streams the guest's serial console to stdout and returns the guest's exit
// status (decoded from isa-debug-exit).
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tessera/network_option.hh"

namespace tessera::cli {

struct QemuConfig {
  std::string qemu = "qemu-system-x86_64";
  std::string kernel_path;   // the VM kernel ELF
  std::string image_path;    // passed as -initrd; empty: none
  std::string machine = "microvm";  // or "q35"
  size_t memory_bytes = 64 * 1024 * 1024;  // RAM the kernel gets, as on the hosted platform
  size_t image_bytes = 0;    // size of the image file (QEMU needs room for it too)
  std::string command_line;  // the kernel's
  bool verbose = false;      // print the QEMU command; the platform prints its memory map
  bool use_kvm = false;      // -accel kvm -cpu host; otherwise -accel tcg
  std::vector<NetworkOption> networks;
  int gdb_port = 0;          // nonzero: gdbstub on 127.0.0.1:PORT, the guest waits for gdb (-S)  // each a -netdev plus the machine's virtio-net device
};

// The guest RAM given to QEMU: the kernel's share plus room for what the VM needs
// besides (firmware area, kernel image, page tables, the boot image).
size_t qemu_memory_bytes(const QemuConfig& config);
std::vector<std::string> qemu_command(const QemuConfig& config);
// isa-debug-exit makes QEMU exit with (v << 1) | 1; returns v, or nullopt for an even
// status (QEMU itself stopped: error, signal, or a guest power-off without the device).
// The process status has 8 bits, so guest statuses 128..255 arrive as status - 128.
std::optional<int> guest_status_from_qemu(int qemu_status);
// tessera-vm.elf in the folder of the running tessera executable.
std::string default_vm_kernel_path();
// Passes the guest console through to `output`, minus the exit trailer
// "ESC _ tessera-exit N ESC \\" that platform-vm writes before it exits (it carries the
// full 8-bit status, which QEMU's own exit status cannot). Trailers split across reads
// are recognised; anything else, escape sequences included, passes unchanged.
class ExitTrailerFilter {
 public:
  using Output = std::function<void(const char* bytes, size_t length)>;
  explicit ExitTrailerFilter(Output output) : output_(std::move(output)) {}
  void feed(const char* bytes, size_t length);
  void finish();  // at end of output: flushes what was held back
  std::optional<int> status() const { return status_; }

 private:
  static constexpr std::string_view kStart = "\x1b_tessera-exit ";
  static constexpr std::string_view kEnd = "\x1b\\";
  static constexpr size_t kMaxTrailer = 32;
  Output output_;
  std::string held_;
  std::optional<int> status_;
};

// Runs QEMU to completion. Ctrl-C or SIGTERM asks the guest to shut down (it exits 130
// itself); a second one, or no exit within 10 s, stops QEMU and returns 130.
int run_qemu(const QemuConfig& config);

}  // namespace tessera::cli
