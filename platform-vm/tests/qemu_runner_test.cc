// The host side of platform-vm: the QEMU command line, exit status decoding and the
// console's exit trailer. Booting itself is covered by the vm.* scenarios.
#include "tessera/qemu_runner.hh"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace tessera::cli {
namespace {

bool has_pair(const std::vector<std::string>& command, const std::string& flag, const std::string& value) {
  for (size_t i = 0; i + 1 < command.size(); ++i)
    if (command[i] == flag && command[i + 1] == value) return true;
  return false;
}

TEST(QemuCommand, MicrovmBootsPvhWithDebugExitAndTheKernelsRamShare) {
  QemuConfig config;
  config.kernel_path = "/k/tessera-vm.elf";
  config.image_path = "/i/default.img";
  config.image_bytes = 4096;
  config.memory_bytes = 8 * 1024 * 1024;
  config.command_line = "app=exit -- 3";
  auto command = qemu_command(config);
  EXPECT_EQ(command.front(), "qemu-system-x86_64");
  EXPECT_TRUE(has_pair(command, "-M", "microvm,auto-kernel-cmdline=off"));
  EXPECT_TRUE(has_pair(command, "-kernel", "/k/tessera-vm.elf"));
  EXPECT_TRUE(has_pair(command, "-initrd", "/i/default.img"));
  EXPECT_TRUE(has_pair(command, "-append", "platform.ram=8388608 app=exit -- 3"));
  EXPECT_TRUE(has_pair(command, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"));
  EXPECT_TRUE(has_pair(command, "-serial", "stdio"));
  EXPECT_NE(std::find(command.begin(), command.end(), "-nodefaults"), command.end());
}

TEST(QemuCommand, Q35NoImageVerbose) {
  QemuConfig config;
  config.kernel_path = "k.elf";
  config.machine = "q35";
  config.verbose = true;
  auto command = qemu_command(config);
  EXPECT_TRUE(has_pair(command, "-M", "q35"));
  EXPECT_EQ(std::find(command.begin(), command.end(), "-initrd"), command.end());
  EXPECT_TRUE(has_pair(command, "-append", "platform.ram=67108864 platform.verbose=1"));
}

size_t count_of(const std::vector<std::string>& command, const std::string& word) {
  return size_t(std::count(command.begin(), command.end(), word));
}

NetworkOption user_network(std::vector<PortForward> forwards = {}) {
  NetworkOption network;
  network.backend = NetworkOption::Backend::kUser;
  network.forwards = std::move(forwards);
  network.spec = "user";
  return network;
}

TEST(QemuNetwork, NoNetworkNoNetdevAndNoCommandLineDeclarations) {
  QemuConfig config;
  auto command = qemu_command(config);
  EXPECT_EQ(count_of(command, "-netdev"), 0u);
  EXPECT_EQ(count_of(command, "-global"), 0u);
  EXPECT_TRUE(has_pair(command, "-M", "microvm,auto-kernel-cmdline=off"));
}

TEST(QemuNetwork, MicrovmUserWithForwardsGetsModernVirtioMmio) {
  QemuConfig config;
  config.networks.push_back(user_network({{"tcp", "127.0.0.1", 8080, "", 80}, {"udp", "", 5353, "10.0.2.15", 53}}));
  auto command = qemu_command(config);
  EXPECT_TRUE(has_pair(command, "-M", "microvm,auto-kernel-cmdline=on,acpi=off"));
  EXPECT_TRUE(has_pair(command, "-netdev", "user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp::5353-10.0.2.15:53"));
  EXPECT_TRUE(has_pair(command, "-device", "virtio-net-device,netdev=net0,mac=52:54:00:12:34:56"));
  EXPECT_TRUE(has_pair(command, "-global", "virtio-mmio.force-legacy=false"));
  // The platform words stay first: QEMU appends its declarations after them.
  EXPECT_TRUE(has_pair(command, "-append", "platform.ram=67108864"));
}

TEST(QemuNetwork, Q35TapAndUserGetModernOnlyVirtioPciWithDistinctMacs) {
  QemuConfig config;
  config.machine = "q35";
  NetworkOption tap;
  tap.backend = NetworkOption::Backend::kTap;
  tap.tap_name = "tess0";
  config.networks.push_back(tap);
  config.networks.push_back(user_network());
  auto command = qemu_command(config);
  EXPECT_TRUE(has_pair(command, "-M", "q35"));
  EXPECT_TRUE(has_pair(command, "-netdev", "tap,id=net0,ifname=tess0,script=no,downscript=no"));
  EXPECT_TRUE(has_pair(command, "-netdev", "user,id=net1"));
  EXPECT_TRUE(has_pair(command, "-device",
                       "virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56,disable-legacy=on,disable-modern=off,romfile="));
  EXPECT_TRUE(has_pair(command, "-device",
                       "virtio-net-pci,netdev=net1,mac=52:54:00:12:34:57,disable-legacy=on,disable-modern=off,romfile="));
  EXPECT_EQ(count_of(command, "-global"), 0u);  // no virtio-mmio on q35
}

TEST(QemuNetwork, CommasInNamesCannotAddQemuOptions) {
  QemuConfig config;
  NetworkOption tap;
  tap.backend = NetworkOption::Backend::kTap;
  tap.tap_name = "x,script=/tmp/evil";
  config.networks.push_back(tap);
  auto command = qemu_command(config);
  EXPECT_TRUE(has_pair(command, "-netdev", "tap,id=net0,ifname=x,,script=/tmp/evil,script=no,downscript=no"));
}

TEST(QemuCommand, QemuGetsRoomBeyondTheKernelsShareInWholeMiB) {
  QemuConfig config;
  for (size_t memory : {size_t{256 * 1024}, size_t{1} << 20, size_t{64} << 20, size_t{1} << 30}) {
    config.memory_bytes = memory;
    config.image_bytes = 3 * 1024 * 1024 + 5;
    size_t qemu = qemu_memory_bytes(config);
    EXPECT_EQ(qemu % (1024 * 1024), 0u);
    EXPECT_GE(qemu, memory + config.image_bytes + memory / 512 + 2 * 1024 * 1024);
  }
}

TEST(QemuStatus, DebugExitStatusesDecodeAndOthersAreNotTheGuests) {
  EXPECT_EQ(guest_status_from_qemu(1), 0);
  EXPECT_EQ(guest_status_from_qemu(85), 42);
  EXPECT_EQ(guest_status_from_qemu(141), 70);
  EXPECT_EQ(guest_status_from_qemu(143), 71);
  EXPECT_EQ(guest_status_from_qemu(0), std::nullopt);
  EXPECT_EQ(guest_status_from_qemu(2), std::nullopt);
}

struct Captured {
  std::string text;
  ExitTrailerFilter filter{[this](const char* bytes, size_t length) { text.append(bytes, length); }};
};

TEST(ExitTrailer, IsRemovedAndCarriesTheFullStatus) {
  Captured c;
  std::string console = "exit: exiting with status 200\n\x1b_tessera-exit 200\x1b\\";
  c.filter.feed(console.data(), console.size());
  c.filter.finish();
  EXPECT_EQ(c.text, "exit: exiting with status 200\n");
  EXPECT_EQ(c.filter.status(), 200);
}

TEST(ExitTrailer, SplitAtEveryByteStillRecognised) {
  std::string console = "line one\nline two\n\x1b_tessera-exit 7\x1b\\after\n";
  for (size_t cut = 0; cut <= console.size(); ++cut) {
    Captured c;
    c.filter.feed(console.data(), cut);
    c.filter.feed(console.data() + cut, console.size() - cut);
    c.filter.finish();
    EXPECT_EQ(c.text, "line one\nline two\nafter\n") << "cut at " << cut;
    EXPECT_EQ(c.filter.status(), 7) << "cut at " << cut;
  }
}

TEST(ExitTrailer, OtherEscapesAndLookalikesPassUnchanged) {
  Captured c;
  std::string console = "\x1b[1mbold\x1b[0m \x1b_tessera-exit oops\x1b\\ \x1b_tess";
  c.filter.feed(console.data(), console.size());
  c.filter.finish();
  EXPECT_EQ(c.text, console);
  EXPECT_EQ(c.filter.status(), std::nullopt);
}

}  // namespace
}  // namespace tessera::cli
