// platform.hh implemented on an x86-64 VM (QEMU microvm or q35, booted through PVH).
// One CPU; interrupts are enabled only while take_events idles in `sti; hlt`.
//
// The console is also the host's channel to the runner (hosted/tessera/qemu_runner.cc):
//  - host -> guest: the byte 0x03 (ETX, "Ctrl-C") on the serial input is a shutdown
//    request (event::kShutdownRequest); other input bytes are ignored for now.
//  - guest -> host: exit() ends the output with "ESC _ tessera-exit N ESC \" (an APC
//    string, which terminals do not display; the runner strips it) before writing N to
//    isa-debug-exit. QEMU's own exit status, (N << 1) | 1, loses the top bit of N in the
//    8-bit process status; the trailer carries all of it.
#include <tessera/exit_status.hh>
#include <tessera/format.hh>
#include <tessera/platform.hh>

#include "clock.hh"
#include "cpu.hh"
#include "local_apic.hh"
#include "page_tables.hh"
#include "serial_port.hh"
#include "vm_devices.hh"
#include "vm_start.hh"

extern "C" volatile uint64_t tessera_vm_timer_fired;
extern "C" volatile uint64_t tessera_vm_serial_received;

namespace tessera::platform {
namespace {

constexpr uint16_t kDebugExitPort = 0xf4;  // QEMU's isa-debug-exit as the runner configures it
constexpr uint16_t kQ35AcpiPm1aControl = 0x604;
constexpr uint16_t kAcpiSleepS5 = 0x2000;  // SLP_EN with QEMU's S5 sleep type 0
constexpr uint8_t kShutdownByte = 0x03;

constinit uint64_t g_armed_deadline = kNoDeadline;
constinit EventMask g_pending = 0;

void arm_apic_for(uint64_t deadline_ns) {
  uint64_t now = monotonic_ns();
  uint64_t delay = deadline_ns > now ? deadline_ns - now : 0;
  unsigned __int128 ticks = static_cast<unsigned __int128>(delay) * vm::clock::apic_timer_hz() / 1'000'000'000u;
  // Too far away for the 32-bit counter: fire early, take_events re-arms.
  uint32_t count = ticks > 0xffffffffu ? 0xffffffffu : ticks == 0 ? 1u : uint32_t(ticks);
  vm::local_apic::arm_one_shot(count);
}

// Turns an expired deadline into kTimer; re-arms when the APIC fired early.
void note_timer() {
  bool fired = tessera_vm_timer_fired != 0;
  tessera_vm_timer_fired = 0;
  if (g_armed_deadline == kNoDeadline) return;
  if (monotonic_ns() >= g_armed_deadline) {
    g_pending |= event::kTimer;
    g_armed_deadline = kNoDeadline;
    vm::local_apic::arm_one_shot(0);
  } else if (fired) {
    arm_apic_for(g_armed_deadline);
  }
}

// Reads what the host sent. Polled on every take_events (one port read) as well as after
// the receive interrupt, which is what wakes an idle CPU.
void note_host_input() {
  tessera_vm_serial_received = 0;
  uint8_t byte;
  for (int i = 0; i < 64 && vm::serial_port::read_byte(byte); ++i)
    if (byte == kShutdownByte) g_pending |= event::kShutdownRequest;
}

const MemoryRegion* ram_region_holding(uintptr_t start, size_t length) {
  const BootInfo& boot = vm::boot_info();
  for (size_t i = 0; i < boot.memory_region_count; ++i) {
    const MemoryRegion& region = boot.memory[i];
    if (start >= region.start && start - region.start <= region.size && length <= region.size - (start - region.start))
      return &region;
  }
  return nullptr;
}

bool rdrand64(uint64_t& value) {
  for (int tries = 0; tries < 10; ++tries) {
    unsigned char ok;
    asm volatile("rdrand %0; setc %1" : "=r"(value), "=qm"(ok));
    if (ok) return true;
  }
  return false;
}

// Weak: without RDRAND, randomness comes from the low bits of TSC reads around port I/O
// (whose timing TCG and real hardware both jitter), mixed by a 64-bit finalizer.
uint64_t tsc_jitter64() {
  uint64_t mix = 0;
  for (int i = 0; i < 16; ++i) {
    uint64_t before = vm::cpu::rdtsc();
    (void)vm::cpu::inb(0x80);
    mix = (mix ^ (vm::cpu::rdtsc() - before) ^ before) * 0x9e3779b97f4a7c15u;
    mix ^= mix >> 29;
  }
  return mix;
}

}  // namespace

void console_write(const char* bytes, size_t length) { vm::serial_port::write(bytes, length); }

uint64_t monotonic_ns() { return vm::clock::monotonic_ns(); }
uint64_t wall_clock_ns() { return vm::clock::wall_clock_ns(); }

void timer_arm(uint64_t deadline_ns) {
  g_armed_deadline = deadline_ns;
  tessera_vm_timer_fired = 0;
  if (deadline_ns == kNoDeadline) {
    vm::local_apic::arm_one_shot(0);
    return;
  }
  arm_apic_for(deadline_ns);
}

EventMask take_events(bool block) {
  for (;;) {
    // Interrupts are off here, so a timer interrupt cannot slip in between the check and
    // the hlt: `sti` takes effect after the next instruction, and the pending interrupt
    // then wakes the hlt instead of being lost.
    note_timer();
    note_host_input();
    g_pending |= vm::devices::take_line_events();
    if (g_pending != 0 || !block) break;
    asm volatile("sti; hlt; cli" ::: "memory");
  }
  EventMask events = g_pending;
  g_pending = 0;
  return events;
}

Result<void> protect(void* start, size_t length, Protection protection) {
  auto begin = reinterpret_cast<uintptr_t>(start);
  if (begin % kPageSize || length % kPageSize || length == 0)
    return Error::with_message(kEINVAL, "protect: range %p+%zu is not whole pages", start, length);
  if (!ram_region_holding(begin, length))
    return Error::with_message(kEINVAL, "protect: range %p+%zu is not guest RAM", start, length);
  if (has(protection, Protection::kWrite) && has(protection, Protection::kExecute))
    return Error::with_message(kEINVAL, "protect: write+execute refused (W^X) at %p", start);
  uint64_t flags = 0;
  // x86 pages cannot be writable without being readable or present without being
  // readable: write implies read, and kNone is "not present".
  if (protection != Protection::kNone) {
    flags = vm::PageTables::kPresent;
    if (has(protection, Protection::kWrite)) flags |= vm::PageTables::kWritable;
    if (!has(protection, Protection::kExecute)) flags |= vm::PageTables::kNoExecute;
  }
  for (uintptr_t page = begin; page < begin + length; page += kPageSize)
    if (!vm::PageTables::set_page(page, flags))
      return Error::with_message(kEINVAL, "protect: page %p is not mapped", reinterpret_cast<void*>(page));
  return {};
}

void switch_thread_pointer(uintptr_t, uintptr_t incoming_tp) { vm::cpu::wrmsr(vm::cpu::kMsrFsBase, incoming_tp); }

void fill_random(void* buffer, size_t length) {
  static constinit int s_has_rdrand = -1;
  if (s_has_rdrand < 0) s_has_rdrand = vm::cpu::has_rdrand() ? 1 : 0;
  auto* bytes = static_cast<unsigned char*>(buffer);
  while (length > 0) {
    uint64_t value;
    if (!s_has_rdrand || !rdrand64(value)) value = tsc_jitter64();
    size_t chunk = length < sizeof value ? length : sizeof value;
    __builtin_memcpy(bytes, &value, chunk);
    bytes += chunk;
    length -= chunk;
  }
}

[[noreturn]] void exit(int status) {
  vm::cpu::disable_interrupts();
  status &= 0xff;
  char trailer[32];
  size_t length = format(trailer, sizeof trailer, "\x1b_tessera-exit %d\x1b\\", status);
  vm::serial_port::write(trailer, length);
  vm::cpu::outl(kDebugExitPort, uint32_t(status));
  // Still here: the machine has no isa-debug-exit device.
  static constexpr char kNoDebugExit[] =
      "platform-vm: no isa-debug-exit device at port 0xf4; powering off (the status is in the console trailer only)\n";
  vm::serial_port::write(kNoDebugExit, sizeof kNoDebugExit - 1);
  vm::cpu::outw(kQ35AcpiPm1aControl, kAcpiSleepS5);  // q35: ACPI S5 through QEMU's PM block
  vm::cpu::halt_forever();  // anywhere else: stop with interrupts off
}

}  // namespace tessera::platform
