// From the PVH entry (boot.S) to kernel_main: read the loader's hvm_start_info, take the
// command line, the boot image (the first module) and the RAM map, build 4 KiB page
// tables with W^X for the kernel image, install the IDT, calibrate the clocks, set up the
// boot thread's TLS block, and call kernel_main on the boot stack.
//
// Memory layout (physical = virtual):
//   0 .. 1 MiB          firmware, start_info; left unmapped, so null pointers fault
//   1 MiB ..            the kernel image (text R-X, rodata R, data/bss RW incl. the boot
//                       stack below which one page stays unmapped as its guard)
//   then                the page-table pool, then RAM for the kernel
//   wherever QEMU put it  the boot image (initrd), mapped read-only
//
// Platform words: the command line may start with words "platform.KEY=VALUE", which are
// for this file and removed before the kernel sees the rest, so its "command line:" log
// matches the hosted one:
//   platform.ram=BYTES   hand the kernel at most BYTES of RAM. The runner (hosted/tessera/
//                        qemu_runner.cc) gives QEMU room for the image, page tables and
//                        firmware on top of `--memory`, and passes `--memory` here, so
//                        the kernel sees the same amount of RAM as on the hosted platform.
//   platform.verbose=1   print the memory map and clock calibration before kernel_main.
//   platform.fault=KIND  cause a CPU fault instead of calling kernel_main (tests; see
//                        fault_injection.hh).
// and the trailing words QEMU's microvm appends for its virtio-mmio windows
// ("virtio_mmio.device=512@0xfeb00e00:12") are taken off too: they are the platform's
// device list (vm_devices.cc).
#include "vm_start.hh"

#include <stdarg.h>
#include <stdint.h>

#include <tessera/exit_status.hh>
#include <tessera/format.hh>
#include <tessera/ktl/utility.hh>
#include <tessera/platform.hh>

#include "clock.hh"
#include "cpu.hh"
#include "fault_injection.hh"
#include "interrupt_table.hh"
#include "io_apic.hh"
#include "local_apic.hh"
#include "page_tables.hh"
#include "serial_port.hh"
#include "vm_devices.hh"

extern "C" {
extern const char __ehdr_start[];
extern const char __tessera_image_start[], __tessera_text_end[], __tessera_rodata_start[], __tessera_rodata_end[];
extern const char __tessera_data_start[], __tessera_image_end[];
extern void (*const __tessera_init_array_start[])();
extern void (*const __tessera_init_array_end[])();
extern char tessera_boot_stack_guard[], tessera_boot_stack_bottom[], tessera_boot_stack_top[];
extern char tessera_boot_tls_area[], tessera_boot_tcb[];
[[noreturn]] void tessera_vm_start(uint32_t start_info_address);
}

namespace tessera::vm {
namespace {

constexpr uintptr_t kPage = platform::kPageSize;
constexpr uintptr_t kLowMemoryEnd = 1024 * 1024;
constexpr uint32_t kStartInfoMagic = 0x336ec578;
constexpr uint32_t kE820Ram = 1;
constexpr size_t kMaxRanges = 64;
constexpr size_t kCommandLineCapacity = 4096;
constexpr size_t kMaxDeviceChains = 8;

// Xen's public/arch-x86/hvm/start_info.h layout (version 1).
struct StartInfo {
  uint32_t magic;
  uint32_t version;
  uint32_t flags;
  uint32_t module_count;
  uint64_t module_list;
  uint64_t command_line;
  uint64_t rsdp;
  uint64_t memory_map;      // version >= 1
  uint32_t memory_map_entries;
  uint32_t reserved;
};
struct ModuleEntry {
  uint64_t address;
  uint64_t size;
  uint64_t command_line;
  uint64_t reserved;
};
struct MemoryMapEntry {
  uint64_t address;
  uint64_t size;
  uint32_t type;
  uint32_t reserved;
};

struct Elf64Header {
  uint8_t ident[16];
  uint16_t type, machine;
  uint32_t version;
  uint64_t entry, program_headers, section_headers;
  uint32_t flags;
  uint16_t header_size, program_header_size, program_header_count;
};
struct Elf64ProgramHeader {
  uint32_t type, flags;
  uint64_t offset, virtual_address, physical_address, file_size, memory_size, alignment;
};
constexpr uint32_t kPtTls = 7;

struct Range {
  uintptr_t start, end;
};

struct RangeList {
  Range ranges[kMaxRanges];
  size_t count = 0;

  void add(uintptr_t start, uintptr_t end) {
    if (start < end && count < kMaxRanges) ranges[count++] = {start, end};
  }
  // Removes [start, end) from every range, splitting where needed.
  void remove(uintptr_t start, uintptr_t end) {
    RangeList result;
    for (size_t i = 0; i < count; ++i) {
      const Range& r = ranges[i];
      if (end <= r.start || start >= r.end) {
        result.add(r.start, r.end);
        continue;
      }
      result.add(r.start, start);
      result.add(end, r.end);
    }
    *this = result;
  }
  void sort() {
    for (size_t i = 1; i < count; ++i)
      for (size_t j = i; j > 0 && ranges[j].start < ranges[j - 1].start; --j) ktl::swap(ranges[j], ranges[j - 1]);
  }
};

constinit BootInfo g_boot_info = {};
constinit char g_command_line[kCommandLineCapacity] = {};
constinit bool g_verbose = false;


[[noreturn]] void refuse(int status, const char* message) {
  serial_port::print("platform-vm: %s\n", message);
  platform::exit(status);
}

uintptr_t page_down(uintptr_t value) { return value & ~(kPage - 1); }
uintptr_t page_up(uintptr_t value) { return (value + kPage - 1) & ~(kPage - 1); }

bool starts_with(const char* text, const char* prefix) {
  while (*prefix)
    if (*text++ != *prefix++) return false;
  return true;
}

// Copies the command line and strips the leading platform words (see the top of the
// file). Returns the RAM limit from platform.ram=, or SIZE_MAX.
size_t take_command_line(uint64_t address) {
  const char* source = address ? reinterpret_cast<const char*>(address) : "";
  size_t ram_limit = SIZE_MAX;
  for (;;) {
    while (*source == ' ') ++source;
    if (!starts_with(source, "platform.")) break;
    const char* word = source;
    while (*source && *source != ' ') ++source;
    if (starts_with(word, "platform.ram=")) {
      size_t value = 0;
      for (const char* digit = word + 13; digit < source && *digit >= '0' && *digit <= '9'; ++digit)
        value = value * 10 + size_t(*digit - '0');
      ram_limit = value;
    } else if (starts_with(word, "platform.verbose=1")) {
      g_verbose = true;
    } else if (starts_with(word, "platform.fault=")) {
      if (!fault_injection::select(word + 15, unsigned(source - word - 15)))
        refuse(exit_status::kUsage, "unknown platform.fault kind");
    } else {
      refuse(exit_status::kUsage, "unknown platform word (platform.ram, platform.verbose, platform.fault)");
    }
  }
  size_t length = __builtin_strlen(source);
  if (length >= kCommandLineCapacity) refuse(exit_status::kUsage, "the command line is longer than 4095 bytes");
  __builtin_memcpy(g_command_line, source, length + 1);
  if (const char* problem = devices::take_declarations(g_command_line)) refuse(exit_status::kUsage, problem);
  return ram_limit;
}

void check_no_global_constructors() {
  if (+__tessera_init_array_start != +__tessera_init_array_end)
    refuse(exit_status::kSoftware, "the kernel image has global constructors (.init_array); the kernel must not");
}

TlsTemplate kernel_tls_template() {
  const auto* header = reinterpret_cast<const Elf64Header*>(__ehdr_start);
  const auto* programs = reinterpret_cast<const Elf64ProgramHeader*>(__ehdr_start + header->program_headers);
  for (unsigned i = 0; i < header->program_header_count; ++i) {
    const Elf64ProgramHeader& program = programs[i];
    if (program.type != kPtTls) continue;
    return TlsTemplate{reinterpret_cast<const void*>(program.virtual_address), program.file_size, program.memory_size,
                       program.alignment ? program.alignment : 1};
  }
  return TlsTemplate{};
}

// The boot thread's TLS block, just below the control block that boot.S installed.
void set_up_boot_tls(const TlsTemplate& tls) {
  size_t block = 0;
  auto tcb = reinterpret_cast<uintptr_t>(tessera_boot_tcb);
  if (!ktl::align_up(tls.total_size, tls.alignment, block) || tls.alignment > kPage ||
      block > tcb - reinterpret_cast<uintptr_t>(tessera_boot_tls_area))
    refuse(exit_status::kSoftware, "the kernel's TLS segment does not fit the boot TLS area");
  auto* start = reinterpret_cast<char*>(tcb - block);
  __builtin_memcpy(start, tls.initial_image, tls.initial_size);
  __builtin_memset(start + tls.initial_size, 0, block - tls.initial_size);
}

void map_or_refuse(uintptr_t start, uintptr_t end, uint64_t flags) {
  if (!PageTables::map(start, end, flags)) refuse(exit_status::kOsError, "ran out of page-table pages");
}

}  // namespace

const BootInfo& boot_info() { return g_boot_info; }

}  // namespace tessera::vm

extern "C" [[noreturn]] void tessera_vm_start(uint32_t start_info_address) {
  using namespace tessera;
  using namespace tessera::vm;
  using F = PageTables;
  serial_port::initialize();
  interrupt_table::install();
  check_no_global_constructors();
  constexpr uint32_t kMsrEfer = 0xc0000080;
  constexpr uint64_t kEferNoExecuteEnable = 1u << 11;
  if (!(cpu::rdmsr(kMsrEfer) & kEferNoExecuteEnable))
    refuse(exit_status::kOsError, "the CPU has no NX (execute-disable) bit; W^X cannot be enforced");

  // Everything the loader left in low memory is copied now: it is unmapped below.
  const StartInfo start_copy = *reinterpret_cast<const StartInfo*>(uintptr_t(start_info_address));
  const StartInfo* start = &start_copy;
  if (start->magic != kStartInfoMagic) refuse(exit_status::kOsError, "not started through PVH (bad start_info magic)");
  if (start->version < 1 || start->memory_map == 0)
    refuse(exit_status::kOsError, "the loader passed no memory map (PVH start_info version 0)");
  size_t ram_limit = take_command_line(start->command_line);

  Range image{0, 0};
  if (start->module_count > 0) {
    const auto* module = reinterpret_cast<const ModuleEntry*>(start->module_list);
    image = {uintptr_t(module->address), uintptr_t(module->address + module->size)};
  }

  // Free RAM: the loader's RAM ranges minus low memory, the kernel image and the boot image.
  RangeList free_ram;
  uintptr_t highest = reinterpret_cast<uintptr_t>(__tessera_image_end);
  MemoryMapEntry map[kMaxRanges];
  uint32_t map_entries = ktl::min(start->memory_map_entries, uint32_t(kMaxRanges));
  __builtin_memcpy(map, reinterpret_cast<const MemoryMapEntry*>(start->memory_map), map_entries * sizeof(MemoryMapEntry));
  for (uint32_t i = 0; i < map_entries; ++i) {
    if (map[i].type != kE820Ram) continue;
    devices::note_ram(map[i].address, map[i].address + map[i].size);
    uintptr_t begin = page_up(ktl::max(uintptr_t(map[i].address), kLowMemoryEnd));
    uintptr_t end = page_down(uintptr_t(map[i].address + map[i].size));
    free_ram.add(begin, end);
    highest = ktl::max(highest, end);
  }
  highest = ktl::max(highest, page_up(image.end));
  free_ram.remove(reinterpret_cast<uintptr_t>(__tessera_image_start), reinterpret_cast<uintptr_t>(__tessera_image_end));
  if (image.end > image.start) free_ram.remove(page_down(image.start), page_up(image.end));
  free_ram.sort();

  // The page-table pool comes out of the first range large enough.
  // Extra chains: the two APIC pages and device mappings (vm_devices.cc).
  size_t pool_size = F::pool_pages_needed(highest, 2 + kMaxDeviceChains) * kPage;
  Range pool{0, 0};
  for (size_t i = 0; i < free_ram.count && pool.end == 0; ++i)
    if (free_ram.ranges[i].end - free_ram.ranges[i].start >= pool_size)
      pool = {free_ram.ranges[i].start, free_ram.ranges[i].start + pool_size};
  if (pool.end == 0) refuse(exit_status::kOsError, "not enough RAM for the page tables");
  free_ram.remove(pool.start, pool.end);

  BootInfo& boot = g_boot_info;
  boot = BootInfo{};
  boot.platform_name = "vm";
  size_t remaining = ram_limit;
  for (size_t i = 0; i < free_ram.count && remaining >= kPage && boot.memory_region_count < BootInfo::kMaxMemoryRegions;
       ++i) {
    size_t size = page_down(ktl::min(free_ram.ranges[i].end - free_ram.ranges[i].start, remaining));
    if (size == 0) continue;
    boot.memory[boot.memory_region_count++] = {free_ram.ranges[i].start, size};
    remaining -= size;
  }

  F::begin(pool.start, pool.end - pool.start);
  constexpr uint64_t kRead = F::kPresent | F::kNoExecute, kReadWrite = kRead | F::kWritable;
  map_or_refuse(reinterpret_cast<uintptr_t>(__tessera_image_start), reinterpret_cast<uintptr_t>(__tessera_text_end),
                F::kPresent);
  map_or_refuse(reinterpret_cast<uintptr_t>(__tessera_rodata_start),
                reinterpret_cast<uintptr_t>(__tessera_rodata_end), kRead);
  map_or_refuse(reinterpret_cast<uintptr_t>(__tessera_data_start), reinterpret_cast<uintptr_t>(__tessera_image_end),
                kReadWrite);
  F::set_page(reinterpret_cast<uintptr_t>(tessera_boot_stack_guard), 0);
  map_or_refuse(pool.start, pool.end, kReadWrite);
  for (size_t i = 0; i < boot.memory_region_count; ++i)
    map_or_refuse(boot.memory[i].start, boot.memory[i].start + boot.memory[i].size, kReadWrite);
  if (image.end > image.start) map_or_refuse(page_down(image.start), page_up(image.end), kRead);
  uintptr_t apic = local_apic::base();
  map_or_refuse(apic, apic + kPage, kReadWrite | F::kCacheDisable | F::kWriteThrough);
  map_or_refuse(io_apic::kBase, io_apic::kBase + kPage, kReadWrite | F::kCacheDisable | F::kWriteThrough);
  F::activate();

  // The legacy PIC may deliver on vectors that overlap the exceptions: remap it away
  // (0x28..0x37) and mask every line. Harmless where there is none.
  constexpr uint8_t kPicInit[] = {0x11, 0x28, 0x04, 0x01};
  constexpr uint8_t kPic2Init[] = {0x11, 0x30, 0x02, 0x01};
  for (int i = 0; i < 4; ++i) {
    cpu::outb(0x20 + (i ? 1 : 0), kPicInit[i]);
    cpu::outb(0xa0 + (i ? 1 : 0), kPic2Init[i]);
  }
  cpu::outb(0x21, 0xff);
  cpu::outb(0xa1, 0xff);

  local_apic::initialize();
  clock::calibrate();
  io_apic::route(4, interrupt_table::kSerialVector, local_apic::id());  // COM1 is ISA IRQ 4
  serial_port::enable_receive_interrupt();
  devices::initialize();

  boot.command_line = g_command_line;
  boot.boot_image = {image.start, image.end - image.start};
  boot.tls = kernel_tls_template();
  set_up_boot_tls(boot.tls);
  boot.boot_stack_bottom = reinterpret_cast<uintptr_t>(tessera_boot_stack_bottom);
  boot.boot_stack_size = size_t(tessera_boot_stack_top - tessera_boot_stack_bottom);

  if (g_verbose) {
    serial_port::print("platform-vm: start_info v%u, %u memory map entries, %u module(s)\n", start->version,
        start->memory_map_entries, start->module_count);
    for (uint32_t i = 0; i < map_entries; ++i)
      serial_port::print("platform-vm:   e820 0x%lx..0x%lx type %u\n", map[i].address, map[i].address + map[i].size, map[i].type);
    serial_port::print("platform-vm: kernel image 0x%lx..0x%lx, page tables 0x%lx..0x%lx, boot image 0x%lx+%zu\n",
        reinterpret_cast<uintptr_t>(__tessera_image_start), reinterpret_cast<uintptr_t>(__tessera_image_end),
        pool.start, pool.end, boot.boot_image.start, boot.boot_image.size);
    for (size_t i = 0; i < boot.memory_region_count; ++i)
      serial_port::print("platform-vm:   RAM 0x%lx+%zu KiB\n", boot.memory[i].start, boot.memory[i].size / 1024);
    serial_port::print("platform-vm: TSC %lu kHz (%s), APIC timer %lu kHz, TLS %zu+%zu bytes align %zu\n", clock::tsc_hz() / 1000,
        clock::calibration_source(), clock::apic_timer_hz() / 1000, boot.tls.initial_size,
        boot.tls.total_size - boot.tls.initial_size, boot.tls.alignment);
    serial_port::print("platform-vm: wall clock %lu s since 1970 (CMOS RTC)\n", clock::wall_clock_ns() / 1'000'000'000u);
    devices::print_summary();
  }
  fault_injection::trigger_selected();
  kernel_main(boot);
}
