// Raw x86-64 context switching, without the scheduler: two stacks handing control back
// and forth, what survives a switch, where a new context starts, and frame walking.
#include <pthread.h>
#include <sys/mman.h>

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "arch/x86_64/context.hh"

#if defined(__SANITIZE_ADDRESS__)
#define TEST_WITH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_WITH_ASAN 1
#endif
#endif
#if defined(TEST_WITH_ASAN)
constexpr bool kWithAsan = true;
#else
constexpr bool kWithAsan = false;
#endif

extern "C" void tessera_arch_switch(uintptr_t* save_stack_pointer, uintptr_t load_stack_pointer);

namespace tessera::arch {
namespace {

constexpr size_t kStackSize = 64 * 1024;

class GuestStack {
 public:
  GuestStack() {
    memory_ = mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_NE(memory_, MAP_FAILED);
  }
  ~GuestStack() { munmap(memory_, kStackSize); }
  void* bottom() const { return memory_; }
  uintptr_t low() const { return reinterpret_cast<uintptr_t>(memory_); }
  uintptr_t high() const { return low() + kStackSize; }

 private:
  void* memory_;
};

struct PingPong {
  Context host;
  Context guest;
  const GuestStack* stack = nullptr;
  void* host_stack_bottom = nullptr;
  size_t host_stack_size = 0;
  std::vector<int> trace;
  uintptr_t entry_frame = 0;
  void* argument_seen = nullptr;
};

void host_stack(void*& bottom, size_t& size) {
  pthread_attr_t attributes;
  pthread_getattr_np(pthread_self(), &attributes);
  pthread_attr_getstack(&attributes, &bottom, &size);
  pthread_attr_destroy(&attributes);
}

void switch_to_host(PingPong& p) { switch_context(p.guest, p.host, p.host_stack_bottom, p.host_stack_size); }
void switch_to_guest(PingPong& p) { switch_context(p.host, p.guest, p.stack->bottom(), kStackSize); }

[[noreturn]] void ping_pong_entry(void* argument) {
  auto& p = *static_cast<PingPong*>(argument);
  p.argument_seen = argument;
  p.entry_frame = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  for (int round = 0;; ++round) {
    p.trace.push_back(100 + round);
    switch_to_host(p);
  }
}

TEST(ContextTest, SwitchesBackAndForthBetweenTwoStacks) {
  GuestStack stack;
  PingPong p;
  p.stack = &stack;
  host_stack(p.host_stack_bottom, p.host_stack_size);
  prepare_context(p.guest, stack.bottom(), kStackSize, ping_pong_entry, &p);
  EXPECT_GE(p.guest.stack_pointer, stack.low());
  EXPECT_LT(p.guest.stack_pointer, stack.high());

  for (int round = 0; round < 5; ++round) {
    p.trace.push_back(round);
    switch_to_guest(p);
  }
  EXPECT_EQ(p.trace, (std::vector<int>{0, 100, 1, 101, 2, 102, 3, 103, 4, 104}));
  EXPECT_EQ(p.argument_seen, &p);
}

TEST(ContextTest, NewContextStartsWithAbiAlignmentInsideItsStack) {
  GuestStack stack;
  PingPong p;
  p.stack = &stack;
  host_stack(p.host_stack_bottom, p.host_stack_size);
  prepare_context(p.guest, stack.bottom(), kStackSize, ping_pong_entry, &p);
  switch_to_guest(p);
  // rsp + 8 is 16-byte aligned at entry, so after `push rbp` the frame pointer is aligned.
  EXPECT_EQ(p.entry_frame % 16, 0u);
  EXPECT_GT(p.entry_frame, stack.low());
  EXPECT_LT(p.entry_frame, stack.high());
}

// --- Registers the ABI makes callee-saved -----------------------------------------------

struct RegisterValues {
  uint64_t rbx, rbp, r12, r13, r14, r15;
};

// Loads known values into every callee-saved register, switches away, and stores what
// those registers hold once something switches back. Plain assembly, so no compiler
// code between the loads and the switch could save them for us.
extern "C" void context_test_switch_with_values(uintptr_t* save, uintptr_t load, const RegisterValues* in,
                                                RegisterValues* out);
asm(R"(
  .text
  .globl context_test_switch_with_values
  .type context_test_switch_with_values, @function
context_test_switch_with_values:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  pushq %rcx              # out
  subq $8, %rsp           # alignment for the call
  movq 0(%rdx), %rbx
  movq 8(%rdx), %rbp
  movq 16(%rdx), %r12
  movq 24(%rdx), %r13
  movq 32(%rdx), %r14
  movq 40(%rdx), %r15
  call tessera_arch_switch
  addq $8, %rsp
  popq %rcx
  movq %rbx, 0(%rcx)
  movq %rbp, 8(%rcx)
  movq %r12, 16(%rcx)
  movq %r13, 24(%rcx)
  movq %r14, 32(%rcx)
  movq %r15, 40(%rcx)
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size context_test_switch_with_values, . - context_test_switch_with_values
)");

struct RegisterTest {
  Context host;
  Context guest;
  uint32_t guest_mxcsr_at_start = 0;
  uint16_t guest_x87_at_start = 0;
  uint32_t guest_mxcsr_after = 0;
  uint16_t guest_x87_after = 0;
};

uint32_t read_mxcsr() {
  uint32_t value;
  asm volatile("stmxcsr %0" : "=m"(value));
  return value;
}
void write_mxcsr(uint32_t value) { asm volatile("ldmxcsr %0" : : "m"(value)); }
uint16_t read_x87_control() {
  uint16_t value;
  asm volatile("fnstcw %0" : "=m"(value));
  return value;
}
void write_x87_control(uint16_t value) { asm volatile("fldcw %0" : : "m"(value)); }

constexpr uint32_t kGuestMxcsr = 0x3f80;   // round down, all exceptions masked
constexpr uint16_t kGuestX87 = 0x0c7f;     // round toward zero, single precision
constexpr uint32_t kHostMxcsr = 0x7f80;    // round toward zero, flush-to-zero off
constexpr uint16_t kHostX87 = 0x027f;      // double precision

[[noreturn]] void register_guest_entry(void* argument) {
  auto& t = *static_cast<RegisterTest*>(argument);
  t.guest_mxcsr_at_start = read_mxcsr();
  t.guest_x87_at_start = read_x87_control();
  write_mxcsr(kGuestMxcsr);
  write_x87_control(kGuestX87);
  // Back with the callee-saved registers full of values the host never loaded.
  RegisterValues garbage{0xbad0, 0xbad1, 0xbad2, 0xbad3, 0xbad4, 0xbad5}, ignored;
  context_test_switch_with_values(&t.guest.stack_pointer, t.host.stack_pointer, &garbage, &ignored);
  t.guest_mxcsr_after = read_mxcsr();
  t.guest_x87_after = read_x87_control();
  context_test_switch_with_values(&t.guest.stack_pointer, t.host.stack_pointer, &garbage, &ignored);
  __builtin_trap();
}

TEST(ContextTest, PreservesCalleeSavedRegistersMxcsrAndX87ControlWord) {
  // The raw switches below bypass switch_context, so AddressSanitizer would not be told.
  if (kWithAsan) GTEST_SKIP() << "raw switches without sanitizer annotations";
  GuestStack stack;
  RegisterTest t;
  prepare_context(t.guest, stack.bottom(), kStackSize, register_guest_entry, &t);

  uint32_t saved_mxcsr = read_mxcsr();
  uint16_t saved_x87 = read_x87_control();
  write_mxcsr(kHostMxcsr);
  write_x87_control(kHostX87);

  const RegisterValues patterns{0x1111111111111111, 0x2222222222222222, 0x3333333333333333,
                                0x4444444444444444, 0x5555555555555555, 0x6666666666666666};
  RegisterValues after{};
  context_test_switch_with_values(&t.host.stack_pointer, t.guest.stack_pointer, &patterns, &after);
  uint32_t host_mxcsr = read_mxcsr();
  uint16_t host_x87 = read_x87_control();
  RegisterValues second{};
  context_test_switch_with_values(&t.host.stack_pointer, t.guest.stack_pointer, &patterns, &second);
  write_mxcsr(saved_mxcsr);
  write_x87_control(saved_x87);

  for (const RegisterValues* values : {&after, &second}) {
    EXPECT_EQ(values->rbx, patterns.rbx);
    EXPECT_EQ(values->rbp, patterns.rbp);
    EXPECT_EQ(values->r12, patterns.r12);
    EXPECT_EQ(values->r13, patterns.r13);
    EXPECT_EQ(values->r14, patterns.r14);
    EXPECT_EQ(values->r15, patterns.r15);
  }
  EXPECT_EQ(host_mxcsr, kHostMxcsr);
  EXPECT_EQ(host_x87, kHostX87);
  // A new context starts from the power-on defaults, not from its creator's settings...
  EXPECT_EQ(t.guest_mxcsr_at_start, 0x1f80u);
  EXPECT_EQ(t.guest_x87_at_start, 0x037fu);
  // ...and keeps its own across switches.
  EXPECT_EQ(t.guest_mxcsr_after, kGuestMxcsr);
  EXPECT_EQ(t.guest_x87_after, kGuestX87);
}

// --- Backtraces ------------------------------------------------------------------------

// Test code may be built without -fno-omit-frame-pointer; taking the frame address
// makes the compiler keep a frame record in each function of the chain anyway.
#define KEEP_FRAME_POINTER() asm volatile("" : : "r"(__builtin_frame_address(0)))

struct BacktraceTest {
  Context host;
  Context guest;
  const GuestStack* stack = nullptr;
  void* host_bottom = nullptr;
  size_t host_size = 0;
  uintptr_t expected[4] = {};  // what each frame's __builtin_return_address(0) said
  uintptr_t found[16] = {};
  size_t count = 0;
  size_t count_clipped = 0;
};

__attribute__((noinline)) void innermost(BacktraceTest& t) {
  t.expected[0] = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
  t.count = backtrace(reinterpret_cast<uintptr_t>(__builtin_frame_address(0)), t.stack->low(), t.stack->high(),
                      t.found, 16);
  // A stack bound just above our own frame record leaves nothing valid to walk.
  auto frame = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  t.count_clipped = backtrace(frame, t.stack->low(), frame + 8, t.found + 8, 8);
  asm volatile("" ::: "memory");
}
__attribute__((noinline)) void middle(BacktraceTest& t) {
  KEEP_FRAME_POINTER();
  t.expected[1] = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
  innermost(t);
  asm volatile("" ::: "memory");  // no tail call
}
__attribute__((noinline)) void outer(BacktraceTest& t) {
  KEEP_FRAME_POINTER();
  t.expected[2] = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
  middle(t);
  asm volatile("" ::: "memory");
}
[[noreturn]] void backtrace_entry(void* argument) {
  KEEP_FRAME_POINTER();
  auto& t = *static_cast<BacktraceTest*>(argument);
  t.expected[3] = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
  outer(t);
  switch_context(t.guest, t.host, t.host_bottom, t.host_size);
  __builtin_trap();
}

TEST(ContextTest, BacktraceWalksEveryFrameAndStopsAtTheContextStart) {
  GuestStack stack;
  BacktraceTest t;
  t.stack = &stack;
  prepare_context(t.guest, stack.bottom(), kStackSize, backtrace_entry, &t);
  host_stack(t.host_bottom, t.host_size);
  switch_context(t.host, t.guest, stack.bottom(), kStackSize);

  // innermost -> middle -> outer -> backtrace_entry -> the start trampoline, whose null
  // return address ends the walk: exactly these four, nothing read past the start.
  ASSERT_EQ(t.count, 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(t.found[i], t.expected[i]) << "frame " << i;
  EXPECT_EQ(t.count_clipped, 0u);
}

TEST(ContextTest, BacktraceRejectsBrokenChains) {
  alignas(16) uintptr_t memory[16] = {};
  auto low = reinterpret_cast<uintptr_t>(memory);
  auto high = low + sizeof(memory);
  uintptr_t out[8];

  // Two good frames, then a link that points back down: the walk stops there.
  memory[0] = reinterpret_cast<uintptr_t>(&memory[4]);
  memory[1] = 0x1001;
  memory[4] = reinterpret_cast<uintptr_t>(&memory[2]);
  memory[5] = 0x1002;
  EXPECT_EQ(backtrace(low, low, high, out, 8), 2u);
  EXPECT_EQ(out[0], 0x1001u);
  EXPECT_EQ(out[1], 0x1002u);

  // A frame pointing at itself would loop forever.
  memory[4] = reinterpret_cast<uintptr_t>(&memory[4]);
  EXPECT_EQ(backtrace(low, low, high, out, 8), 2u);

  // Misaligned or out-of-bounds starting frames yield nothing.
  EXPECT_EQ(backtrace(low + 3, low, high, out, 8), 0u);
  EXPECT_EQ(backtrace(low - 16, low, high, out, 8), 0u);
  EXPECT_EQ(backtrace(high - 8, low, high, out, 8), 0u);
  EXPECT_EQ(backtrace(0, 0, 0, out, 8), 0u);

  // A link leaving the stack ends the walk after the frame that holds it.
  memory[4] = high + 64;
  EXPECT_EQ(backtrace(low, low, high, out, 8), 2u);

  // The capacity is respected.
  EXPECT_EQ(backtrace(low, low, high, out, 1), 1u);
}

TEST(ContextTest, ReadsTheThreadPointerAndCanaryThroughFs) {
  // On Linux %fs:0 is glibc's thread control block self pointer, i.e. pthread_self().
  EXPECT_EQ(read_thread_pointer(), reinterpret_cast<uintptr_t>(pthread_self()));
  EXPECT_NE(read_stack_canary(), 0u);
  EXPECT_EQ(read_stack_canary(), read_stack_canary());
}

}  // namespace
}  // namespace tessera::arch
