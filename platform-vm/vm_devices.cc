// Devices of the VM platform (platform.hh, Devices section).
//
// Discovery. microvm has no PCI and we read no ACPI: with auto-kernel-cmdline on and
// acpi=off (the runner sets both when there are networks), QEMU appends one word per
// virtio-mmio window that has a device, "virtio_mmio.device=512@0xfeb00e00:12" (window
// size, physical address, GSI on the I/O APIC), after everything else on the command
// line. take_declarations() takes these trailing words off before the kernel, which
// rejects options it does not know, sees the command line. q35 has PCI (configuration
// mechanism #1, ports 0xcf8/0xcfc); the kernel enumerates it itself.
//
// Interrupts. Window N gets device line N: its GSI is routed (edge, see io_apic.hh) to
// vector kDeviceVectorBase + N, whose stub sets bit N of tessera_vm_device_lines;
// take_events reports it as event::device_line(N). allocate_msi() hands out the next free
// line with the MSI address and data that make a device raise that vector. PCI INTx is
// not routed (that needs ACPI's _PRT): PCI drivers use MSI-X.
//
// Memory. Physical = virtual. Device registers are mapped on request, uncached (PCD+PWT),
// RW, NX; the page-table pool keeps room for kMaxDeviceChains far-apart mappings.
// Guest RAM is refused. DMA addresses are the identity for kernel RAM and the kernel
// image's data (boot stack, .bss).
#include "vm_devices.hh"

#include <tessera/errno.hh>
#include <tessera/platform.hh>

#include "cpu.hh"
#include "interrupt_table.hh"
#include "io_apic.hh"
#include "local_apic.hh"
#include "page_tables.hh"
#include "serial_port.hh"
#include "vm_start.hh"

extern "C" volatile uint64_t tessera_vm_device_lines;
extern "C" const char __tessera_data_start[], __tessera_image_end[];

namespace tessera::vm::devices {
namespace {

constexpr size_t kMaxWindows = 16;
constexpr size_t kMaxRam = 16;
constexpr const char kDeclaration[] = "virtio_mmio.device=";
constexpr uint16_t kPciAddressPort = 0xcf8, kPciDataPort = 0xcfc;
constexpr uint64_t kPhysicalLimit = uint64_t{1} << 46;  // identity-mapped, canonical, below QEMU's 40+ bits

struct Window {
  uint64_t base, size;
  unsigned gsi, line;
};
struct Span {
  uint64_t start, end;
};

constinit Window g_windows[kMaxWindows] = {};
constinit size_t g_window_count = 0;
constinit Span g_ram[kMaxRam] = {};
constinit size_t g_ram_count = 0;
constinit unsigned g_next_line = 0;
constinit bool g_has_pci = false;

// A number as Linux's memparse reads it: 0x-prefixed hex or decimal, then an optional
// K/M/G. Advances `text`; false when there are no digits or it overflows.
bool parse_number(const char*& text, uint64_t& value, bool allow_suffix) {
  unsigned base = 10;
  if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text += 2;
  }
  value = 0;
  const char* start = text;
  for (;; ++text) {
    unsigned digit;
    char c = *text;
    if (c >= '0' && c <= '9') digit = unsigned(c - '0');
    else if (base == 16 && c >= 'a' && c <= 'f') digit = unsigned(c - 'a' + 10);
    else if (base == 16 && c >= 'A' && c <= 'F') digit = unsigned(c - 'A' + 10);
    else break;
    if (value > (~uint64_t{0} - digit) / base) return false;
    value = value * base + digit;
  }
  if (text == start) return false;
  if (allow_suffix) {
    unsigned shift = *text == 'K' || *text == 'k' ? 10 : *text == 'M' || *text == 'm' ? 20 : *text == 'G' || *text == 'g' ? 30 : 0;
    if (shift) {
      if (value >> (64 - shift)) return false;
      value <<= shift;
      ++text;
    }
  }
  return true;
}

bool starts_with(const char* text, const char* prefix) {
  while (*prefix)
    if (*text++ != *prefix++) return false;
  return true;
}

// "SIZE@ADDRESS:GSI" (Linux also allows ":ID" after the GSI; QEMU never writes it).
bool parse_window(const char* text, const char* end, Window& window) {
  uint64_t size, base, gsi;
  if (!parse_number(text, size, true) || *text++ != '@') return false;
  if (!parse_number(text, base, false) || *text++ != ':') return false;
  if (!parse_number(text, gsi, false) || text != end) return false;
  if (size == 0 || size > 0x100000 || base >= kPhysicalLimit || size > kPhysicalLimit - base || gsi > 255) return false;
  window = {base, size, unsigned(gsi), platform::kNoLine};
  return true;
}

bool overlaps_ram(uint64_t start, uint64_t end) {
  for (size_t i = 0; i < g_ram_count; ++i)
    if (start < g_ram[i].end && g_ram[i].start < end) return true;
  return false;
}

uint32_t pci_address(uint32_t address) { return 0x80000000u | (address & 0x00fffffcu); }

}  // namespace

const char* take_declarations(char* command_line) {
  // Words are taken from the end while they are declarations; QEMU appends them there.
  size_t length = __builtin_strlen(command_line);
  Window found[kMaxWindows];
  size_t count = 0;
  for (;;) {
    while (length > 0 && command_line[length - 1] == ' ') --length;
    size_t start = length;
    while (start > 0 && command_line[start - 1] != ' ') --start;
    if (start == length || !starts_with(command_line + start, kDeclaration)) break;
    if (count == kMaxWindows) return "more than 16 virtio_mmio.device= words on the command line";
    if (!parse_window(command_line + start + sizeof kDeclaration - 1, command_line + length, found[count]))
      return "malformed virtio_mmio.device= word on the command line (expected SIZE@0xADDRESS:GSI)";
    ++count;
    length = start;
  }
  command_line[length] = 0;
  // Taken from the end: reverse back to the command line's order, which is the order of
  // the -device options (net0 first, at the highest window).
  for (size_t i = count; i > 0; --i) g_windows[g_window_count++] = found[i - 1];
  return nullptr;
}

void note_ram(uint64_t start, uint64_t end) {
  if (start < end && g_ram_count < kMaxRam) g_ram[g_ram_count++] = {start, end};
}

void initialize() {
  unsigned pins = io_apic::pin_count();
  for (size_t i = 0; i < g_window_count; ++i) {
    Window& window = g_windows[i];
    unsigned line = g_next_line++;
    if (window.gsi >= pins || line >= interrupt_table::kDeviceLines) {
      serial_port::print("platform-vm: virtio-mmio window 0x%lx: GSI %u is not on the I/O APIC (%u pins); no interrupt\n",
                         window.base, window.gsi, pins);
      continue;
    }
    window.line = line;
    io_apic::route(window.gsi, uint8_t(interrupt_table::kDeviceVectorBase + line), local_apic::id());
  }
  // Mechanism #1 answers with the address just written; nothing does on microvm.
  cpu::outl(kPciAddressPort, 0x80000000u);
  g_has_pci = cpu::inl(kPciAddressPort) == 0x80000000u;
  cpu::outl(kPciAddressPort, 0);
}

uint64_t take_line_events() {
  uint64_t lines = __atomic_exchange_n(&tessera_vm_device_lines, 0, __ATOMIC_SEQ_CST);
  return lines << 8;  // event::device_line(0) is bit 8
}

void print_summary() {
  for (size_t i = 0; i < g_window_count; ++i)
    serial_port::print("platform-vm: virtio-mmio window 0x%lx+%lu GSI %u -> device line %d\n", g_windows[i].base,
                       g_windows[i].size, g_windows[i].gsi, g_windows[i].line == platform::kNoLine ? -1 : int(g_windows[i].line));
  serial_port::print("platform-vm: PCI configuration mechanism #1 %s\n", g_has_pci ? "present" : "absent");
}

}  // namespace tessera::vm::devices

namespace tessera::platform {

using vm::devices::g_has_pci;
using vm::devices::g_window_count;
using vm::devices::g_windows;

bool device_at(size_t index, Device* out) {
  if (index >= g_window_count) return false;
  *out = Device{DeviceKind::kVirtioMmio, g_windows[index].line, g_windows[index].base, g_windows[index].size};
  return true;
}

uint32_t pci_config_read(uint32_t address) {
  if (!g_has_pci || (address & 0xff000003u)) return ~uint32_t{0};
  vm::cpu::outl(vm::devices::kPciAddressPort, vm::devices::pci_address(address));
  return vm::cpu::inl(vm::devices::kPciDataPort);
}

void pci_config_write(uint32_t address, uint32_t value) {
  if (!g_has_pci || (address & 0xff000003u)) return;
  vm::cpu::outl(vm::devices::kPciAddressPort, vm::devices::pci_address(address));
  vm::cpu::outl(vm::devices::kPciDataPort, value);
}

Result<volatile void*> map_device_memory(uint64_t physical, size_t length) {
  using F = vm::PageTables;
  if (length == 0 || physical >= vm::devices::kPhysicalLimit || length > vm::devices::kPhysicalLimit - physical)
    return Error::with_message(kEINVAL, "map_device_memory: 0x%lx+%zu is not a device range", physical, length);
  uint64_t start = physical & ~uint64_t{kPageSize - 1};
  uint64_t end = (physical + length + kPageSize - 1) & ~uint64_t{kPageSize - 1};
  if (vm::devices::overlaps_ram(start, end))
    return Error::with_message(kEINVAL, "map_device_memory: 0x%lx+%zu overlaps guest RAM", physical, length);
  if (!F::map(start, end, F::kPresent | F::kWritable | F::kNoExecute | F::kCacheDisable | F::kWriteThrough))
    return Error::with_message(kENOMEM, "map_device_memory: no page-table pages left for 0x%lx+%zu", physical, length);
  for (uint64_t page = start; page < end; page += kPageSize) vm::cpu::invlpg(page);
  return reinterpret_cast<volatile void*>(physical);
}

Result<uint64_t> dma_address(const void* memory) {
  auto address = reinterpret_cast<uintptr_t>(memory);
  const BootInfo& boot = vm::boot_info();
  for (size_t i = 0; i < boot.memory_region_count; ++i)
    if (address >= boot.memory[i].start && address - boot.memory[i].start < boot.memory[i].size) return uint64_t{address};
  if (address >= reinterpret_cast<uintptr_t>(__tessera_data_start) && address < reinterpret_cast<uintptr_t>(__tessera_image_end))
    return uint64_t{address};
  return Error::with_message(kEINVAL, "dma_address: %p is not kernel RAM", memory);
}

Result<MsiRoute> allocate_msi() {
  if (vm::devices::g_next_line >= vm::interrupt_table::kDeviceLines)
    return Error::with_message(kENOSPC, "allocate_msi: all %u device lines are taken", vm::interrupt_table::kDeviceLines);
  unsigned line = vm::devices::g_next_line++;
  // Fixed delivery, physical destination, edge: the vector alone in the data word.
  uint64_t address = vm::local_apic::kDefaultBase | (uint64_t(vm::local_apic::id()) << 12);
  return MsiRoute{line, address, uint32_t(vm::interrupt_table::kDeviceVectorBase + line)};
}

Result<HostNetworkInfo> host_network_info(unsigned) { return Error::from_code(kENODEV); }
Result<void> host_network_send(unsigned, const void*, size_t) { return Error::from_code(kENODEV); }
Result<size_t> host_network_receive(unsigned, void*, size_t) { return Error::from_code(kENODEV); }

}  // namespace tessera::platform
