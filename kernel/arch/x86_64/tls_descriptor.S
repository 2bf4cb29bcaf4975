// TLS descriptor resolvers for modules (R_X86_64_TLSDESC). Compiled code calls
// *descriptor[0] with %rax = the descriptor's address and expects the variable's offset
// from the thread pointer back in %rax, with every other register preserved.

  .text

// Static TLS: the descriptor's second word is the offset itself.
  .globl tessera_tlsdesc_static
  .type tessera_tlsdesc_static, @function
tessera_tlsdesc_static:
  movq 8(%rax), %rax
  ret
  .size tessera_tlsdesc_static, . - tessera_tlsdesc_static

// Dynamic TLS: the C++ side may allocate the thread's block, so save everything the
// psABI lets a call clobber (integer and SSE registers, x87 state) around it.
  .globl tessera_tlsdesc_dynamic
  .type tessera_tlsdesc_dynamic, @function
tessera_tlsdesc_dynamic:
  pushq %rbp
  movq %rsp, %rbp
  pushq %rdi
  pushq %rsi
  pushq %rdx
  pushq %rcx
  pushq %r8
  pushq %r9
  pushq %r10
  pushq %r11
  subq $512, %rsp
  andq $-64, %rsp
  fxsave64 (%rsp)
  movq 8(%rax), %rdi
  call tessera_tlsdesc_dynamic_address
  subq %fs:0, %rax
  fxrstor64 (%rsp)
  leaq -64(%rbp), %rsp
  popq %r11
  popq %r10
  popq %r9
  popq %r8
  popq %rcx
  popq %rdx
  popq %rsi
  popq %rdi
  popq %rbp
  ret
  .size tessera_tlsdesc_dynamic, . - tessera_tlsdesc_dynamic

  .section .note.GNU-stack, "", @progbits
