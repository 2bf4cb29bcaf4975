#include "clock.hh"

#include "cpu.hh"
#include "local_apic.hh"

namespace tessera::vm::clock {
namespace {

constexpr uint64_t kPitHz = 1193182;
// 5 ms of PIT ticks: long enough that TCG's timing noise stays well under 1 %, short
// enough not to dominate a boot that otherwise takes a few milliseconds.
constexpr uint32_t kCalibrationPitTicks = kPitHz / 200;

constinit uint64_t g_tsc_hz = 0;
constinit uint64_t g_tsc_at_boot = 0;
constinit uint64_t g_ns_per_tsc_32 = 0;  // nanoseconds per TSC tick, 32.32 fixed point
constinit uint64_t g_apic_hz = 0;
constinit uint64_t g_wall_ns_at_boot = 0;
constinit const char* g_source = "pit";

uint16_t read_pit_channel0() {
  cpu::outb(0x43, 0x00);  // latch channel 0
  uint8_t low = cpu::inb(0x40);
  uint8_t high = cpu::inb(0x40);
  return uint16_t(low | (high << 8));
}

// Counts PIT channel 0 down (mode 2, full 16-bit period) and measures the TSC and the
// APIC timer over the same interval. Reading the counter back works on every machine
// model with a PIT, unlike the channel 2 gate at port 0x61, which microvm lacks.
void calibrate_against_pit(bool need_tsc) {
  cpu::outb(0x43, 0x34);  // channel 0, low then high byte, mode 2, binary
  cpu::outb(0x40, 0);
  cpu::outb(0x40, 0);
  local_apic::start_counting(0xffffffff);
  uint16_t previous = read_pit_channel0();
  uint64_t tsc_start = cpu::rdtsc();
  uint32_t apic_start = local_apic::current_count();
  uint64_t elapsed = 0;
  while (elapsed < kCalibrationPitTicks) {
    uint16_t now = read_pit_channel0();
    elapsed += uint16_t(previous - now);
    previous = now;
  }
  uint64_t tsc_ticks = cpu::rdtsc() - tsc_start;
  uint32_t apic_ticks = apic_start - local_apic::current_count();
  local_apic::start_counting(0);
  cpu::outb(0x43, 0x30);  // channel 0 mode 0 with a count of 1: one edge, then quiet
  cpu::outb(0x40, 1);
  cpu::outb(0x40, 0);
  if (need_tsc) g_tsc_hz = tsc_ticks * kPitHz / elapsed;
  g_apic_hz = uint64_t(apic_ticks) * kPitHz / elapsed;
}

uint64_t tsc_hz_from_cpuid() {
  uint32_t max_leaf = cpu::max_cpuid_leaf();
  if (max_leaf >= 0x15) {
    auto leaf = cpu::cpuid(0x15);  // TSC/crystal ratio ebx/eax, crystal Hz in ecx
    if (leaf.eax && leaf.ebx && leaf.ecx) return uint64_t(leaf.ecx) * leaf.ebx / leaf.eax;
  }
  if (max_leaf >= 0x16) {
    auto leaf = cpu::cpuid(0x16);  // base frequency in MHz
    if (leaf.eax) return uint64_t(leaf.eax) * 1'000'000;
  }
  return 0;
}

uint8_t read_cmos(uint8_t index) {
  cpu::outb(0x70, index);
  return cpu::inb(0x71);
}

struct RtcTime {
  uint8_t second, minute, hour, day, month, year;
  bool operator==(const RtcTime&) const = default;
};

RtcTime read_rtc_once() {
  while (read_cmos(0x0a) & 0x80) {  // update in progress
  }
  return {read_cmos(0x00), read_cmos(0x02), read_cmos(0x04), read_cmos(0x07), read_cmos(0x08), read_cmos(0x09)};
}

uint8_t from_bcd(uint8_t value) { return uint8_t((value >> 4) * 10 + (value & 0x0f)); }

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  int64_t era = (year >= 0 ? year : year - 399) / 400;
  unsigned year_of_era = unsigned(year - era * 400);
  unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + int64_t(day_of_era) - 719468;
}

// The RTC holds local time on some hosts; QEMU's defaults to UTC, which is assumed.
uint64_t read_rtc_ns() {
  RtcTime time = read_rtc_once();
  for (int tries = 0; tries < 5; ++tries) {
    RtcTime again = read_rtc_once();
    if (again == time) break;
    time = again;
  }
  uint8_t status_b = read_cmos(0x0b);
  bool pm = !(status_b & 0x02) && (time.hour & 0x80);
  time.hour &= 0x7f;
  if (!(status_b & 0x04)) {
    time.second = from_bcd(time.second);
    time.minute = from_bcd(time.minute);
    time.hour = from_bcd(time.hour);
    time.day = from_bcd(time.day);
    time.month = from_bcd(time.month);
    time.year = from_bcd(time.year);
  }
  if (!(status_b & 0x02)) time.hour = uint8_t(time.hour % 12 + (pm ? 12 : 0));
  // No RTC (the port reads all ones) or nonsense: start the wall clock at the epoch.
  if (time.month < 1 || time.month > 12 || time.day < 1 || time.day > 31 || time.hour > 23 || time.minute > 59 ||
      time.second > 60)
    return 0;
  int64_t days = days_from_civil(2000 + time.year, time.month, time.day);
  uint64_t seconds = uint64_t(days) * 86400 + time.hour * 3600u + time.minute * 60u + time.second;
  return seconds * 1'000'000'000u;
}

}  // namespace

void calibrate() {
  g_tsc_hz = tsc_hz_from_cpuid();
  g_source = g_tsc_hz ? "cpuid" : "pit";
  calibrate_against_pit(g_tsc_hz == 0);
  if (g_tsc_hz == 0) g_tsc_hz = 1'000'000'000;  // no PIT either: better wrong than dividing by zero
  if (g_apic_hz == 0) g_apic_hz = 1'000'000'000;
  g_ns_per_tsc_32 = (uint64_t{1'000'000'000} << 32) / g_tsc_hz;
  g_tsc_at_boot = cpu::rdtsc();
  g_wall_ns_at_boot = read_rtc_ns();
}

uint64_t monotonic_ns() {
  uint64_t ticks = cpu::rdtsc() - g_tsc_at_boot;
  return uint64_t((static_cast<unsigned __int128>(ticks) * g_ns_per_tsc_32) >> 32);
}

uint64_t wall_clock_ns() { return g_wall_ns_at_boot + monotonic_ns(); }
uint64_t tsc_hz() { return g_tsc_hz; }
uint64_t apic_timer_hz() { return g_apic_hz; }
const char* calibration_source() { return g_source; }

}  // namespace tessera::vm::clock
