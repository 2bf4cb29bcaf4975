#pragma once
// A fake lower layer for unit tests of kernel libraries: time only moves when a test
// (or an idle wait) moves it, so timer and scheduler tests are exact and instant.
// Console output is captured; exit() ends the test process with the status (death tests).
#include <cstddef>
#include <cstdint>
#include <string>
#include <tessera/boot_info.hh>
#include <tessera/platform.hh>

namespace tessera::fake {

// Guest RAM for a test: mmap'd, page-aligned, unmapped by the destructor.
class Ram {
 public:
  explicit Ram(size_t bytes);
  ~Ram();
  Ram(const Ram&) = delete;
  Ram& operator=(const Ram&) = delete;
  MemoryRegion region() const { return {reinterpret_cast<uintptr_t>(base_), size_}; }

 private:
  void* base_;
  size_t size_;
};

// Back to time 0, no events, no console output; RAM regions for protect() are forgotten.
void reset();
void add_ram(MemoryRegion region);

uint64_t now_ns();
void advance_ns(uint64_t delta);
// The currently armed timer deadline, or kNoDeadline.
uint64_t armed_deadline();
void raise_events(platform::EventMask events);
// How many times take_events(true) had to idle (advance time to the deadline).
uint64_t idle_count();

std::string console_output();
void clear_console();

// Devices (fake_devices.cc): what device_at reports, a PCI configuration space, and
// whether devices can reach RAM by DMA (at an address `dma_offset` above the pointer).
// reset_devices() goes back to a machine without devices.
void reset_devices();
void add_device(const platform::Device& device);
// Registers 0..0x3f of one PCI function: vendor/device, class, header type, and for a
// bridge (header type 1) its secondary bus. `multi_function` sets bit 7 of the header.
void add_pci_function(uint32_t bus, uint32_t device, uint32_t function, uint16_t vendor_id, uint16_t device_id,
                      uint32_t class_code, bool multi_function = false, int secondary_bus = -1);
// How many configuration reads the kernel made (enumeration must stay cheap).
uint64_t pci_config_reads();
void enable_dma(uint64_t dma_offset);

// The executable's TLS template, as a platform would put it in BootInfo.
TlsTemplate tls_template();
// Boots the kernel's core pieces (heap over `ram`, log, scheduler on the calling
// thread's stack) the way kernel_main would, for tests that need threads.
void boot_core(const Ram& ram);

}  // namespace tessera::fake
