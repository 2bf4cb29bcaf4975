// Lazy import stubs (module/lazy_binding.hh). A stub loads %r11 with its import record
// and jumps here, in the middle of a call: the caller's arguments are live in
// %rdi %rsi %rdx %rcx %r8 %r9, %xmm0-%xmm7 (and x87 state), %al counts the vector
// registers of a varargs call, %r10 is a static chain, and further arguments sit on the
// stack above the return address at (%rsp). %r11 and the flags are free at a call
// (the psABI's scratch register for PLT code), so the bound path uses nothing else.

  .text

  .globl tessera_lazy_trampoline
  .type tessera_lazy_trampoline, @function
tessera_lazy_trampoline:
  .cfi_startproc
  // Bound: Import::target (offset 0) is the function.
  cmpq $0, (%r11)
  je 1f
  jmpq *(%r11)
1:
  // Unbound: tessera_lazy_bind loads a module, which runs arbitrary kernel and module
  // code; keep every argument register and the SSE/x87 state across it. The stack
  // arguments stay where they are: everything here lives below the return address.
  pushq %rbp
  .cfi_def_cfa_offset 16
  .cfi_offset %rbp, -16
  movq %rsp, %rbp
  .cfi_def_cfa_register %rbp
  pushq %rax
  pushq %rdi
  pushq %rsi
  pushq %rdx
  pushq %rcx
  pushq %r8
  pushq %r9
  pushq %r10
  // fxsave64 needs 16-byte alignment; the call below needs %rsp 16-aligned too.
  subq $512, %rsp
  andq $-64, %rsp
  fxsave64 (%rsp)
  movq %r11, %rdi
  call tessera_lazy_bind
  movq %rax, %r11
  fxrstor64 (%rsp)
  leaq -64(%rbp), %rsp
  popq %r10
  popq %r9
  popq %r8
  popq %rcx
  popq %rdx
  popq %rsi
  popq %rdi
  popq %rax
  popq %rbp
  .cfi_def_cfa %rsp, 8
  // The caller's frame as it was at the call: the function returns straight to it.
  jmpq *%r11
  .cfi_endproc
  .size tessera_lazy_trampoline, . - tessera_lazy_trampoline

  .section .note.GNU-stack, "", @progbits
