#pragma once
// The platform boundary: the only way kernel and module code reaches the machine.
//
// Implemented by platform-linux (a Linux process), platform-vm (x86-64 under QEMU) and
// tests/fake_platform (unit tests, deterministic time). Exactly one is linked into a binary.
// The kernel runs on one guest CPU and is cooperatively scheduled, so every function
// here is called from guest thread context, never concurrently, and only between the
// platform's call of kernel_main() and its own platform::exit(). None of them may
// switch guest threads or call back into the kernel.
//
// RAM, the boot image, the command line and the TLS template arrive in BootInfo.
// Context switching is not here: it is architecture code (kernel/arch/x86_64).
#include <stddef.h>
#include <stdint.h>
#include <tessera/result.hh>

namespace tessera::platform {

// --- Console ---------------------------------------------------------------------

// Writes bytes to the console as they are, in order. Never fails and never blocks
// for long; output that cannot be delivered is dropped.
void console_write(const char* bytes, size_t length);

// --- Time ------------------------------------------------------------------------

// Nanoseconds since an arbitrary origin fixed before kernel_main; never goes backwards.
uint64_t monotonic_ns();

// Nanoseconds since 1970-01-01T00:00:00Z; may jump when the host's clock is set.
uint64_t wall_clock_ns();

// --- Timer and events ------------------------------------------------------------

using EventMask = uint64_t;
namespace event {
inline constexpr EventMask kTimer = 1u << 0;            // the deadline armed below passed
inline constexpr EventMask kShutdownRequest = 1u << 1;  // the host asked the guest to stop (Ctrl-C, ACPI)
// Bits 8..63: device interrupt lines, as numbered by the platform's device discovery.
inline constexpr EventMask device_line(unsigned line) { return EventMask{1} << (8 + line); }
}  // namespace event

inline constexpr uint64_t kNoDeadline = ~uint64_t{0};

// Arms the one-shot timer for monotonic time `deadline_ns`, replacing any earlier
// deadline; kNoDeadline disarms it. A deadline already past fires at once.
void timer_arm(uint64_t deadline_ns);

// Returns the events that became pending since the last call and clears them.
// With `block`, first waits (the CPU idles) until at least one is pending.
EventMask take_events(bool block);

// --- Memory ----------------------------------------------------------------------

enum class Protection : uint8_t { kNone = 0, kRead = 1, kWrite = 2, kExecute = 4 };
constexpr Protection operator|(Protection a, Protection b) {
  return Protection(uint8_t(a) | uint8_t(b));
}
constexpr bool has(Protection set, Protection bit) { return (uint8_t(set) & uint8_t(bit)) != 0; }

inline constexpr size_t kPageSize = 4096;

// Sets the access rights of whole pages inside a RAM region from BootInfo.
// Errors: EINVAL for an unaligned or foreign range, and for write+execute together (W^X).
Result<void> protect(void* start, size_t length, Protection protection);

// --- Thread pointer (TLS) ---------------------------------------------------------

// Makes `incoming_tp` the thread pointer seen by guest code (x86-64: %fs). Below it
// lies the thread's TLS block laid out from BootInfo::tls; at it, the thread control
// block: a self pointer at offset 0 and the stack-protector canary at 0x28.
// `outgoing_tp` is the thread being left (0 at the first call): when the platform
// cannot move the thread pointer cheaply it saves the live TLS contents there instead.
// Called by the scheduler on every switch between guest threads.
void switch_thread_pointer(uintptr_t outgoing_tp, uintptr_t incoming_tp);

// --- Entropy ---------------------------------------------------------------------

// Fills `buffer` with random bytes: from the host's or CPU's generator where the machine
// has one, otherwise from clock jitter (documented as weak by the platform).
void fill_random(void* buffer, size_t length);

// --- Devices ---------------------------------------------------------------------

// What the platform found at boot, fixed until exit. Hosted: one kHostNetwork port per
// `tessera run --net` option. VM: each virtio-mmio window QEMU declared (microvm); PCI
// functions are not listed here, the kernel enumerates them through pci_config_*.
enum class DeviceKind : uint8_t { kHostNetwork = 1, kVirtioMmio = 2 };
struct Device {
  DeviceKind kind;
  unsigned line;      // event::device_line(line) reports its interrupt; kNoLine: none
  uint64_t base;      // kVirtioMmio: physical address; kHostNetwork: port number
  uint64_t size;      // kVirtioMmio: window length
};
inline constexpr unsigned kNoLine = ~0u;

// True with the index-th device in *out; false past the last.
bool device_at(size_t index, Device* out);

// PCI configuration mechanism #1: `address` = bus << 16 | device << 11 | function << 8 |
// register (4-aligned). All ones where nothing answers and on machines without PCI.
uint32_t pci_config_read(uint32_t address);
void pci_config_write(uint32_t address, uint32_t value);

// Maps device registers at `physical` uncached and never executable.
// Errors: ENODEV without a physical address space (hosted); EINVAL for RAM or overflow.
Result<volatile void*> map_device_memory(uint64_t physical, size_t length);

// The address a DMA device uses for guest RAM at `memory`. Errors: ENODEV hosted.
Result<uint64_t> dma_address(const void* memory);

// A message-signalled interrupt raising a new device line. Errors: ENOTSUP.
struct MsiRoute {
  unsigned line;
  uint64_t address;
  uint32_t data;
};
Result<MsiRoute> allocate_msi();

// Hosted network ports (kHostNetwork devices). send never blocks: ENOBUFS when the
// backend cannot take the frame now, EMSGSIZE beyond mtu + 14. receive copies the next
// waiting frame and returns its length, 0 when none waits (a frame longer than
// `capacity` is dropped: EMSGSIZE). Errors on the VM: ENODEV.
struct HostNetworkInfo {
  uint8_t mac[6];
  uint16_t mtu;
};
Result<HostNetworkInfo> host_network_info(unsigned port);
Result<void> host_network_send(unsigned port, const void* frame, size_t length);
Result<size_t> host_network_receive(unsigned port, void* buffer, size_t capacity);

// --- Exit ------------------------------------------------------------------------

// Ends this boot. `status` (0..255) becomes the exit status that `tessera run` returns.
[[noreturn]] void exit(int status);

}  // namespace tessera::platform
