// Switching between guest execution contexts. Everything the SysV ABI asks a callee to
// preserve goes onto the outgoing stack, so a context is nothing but its stack pointer.
//
// Saved frame, from the saved stack pointer upwards:
//   +0  MXCSR (4 bytes)   +4  x87 control word (2 bytes)   +6  padding
//   +8  r15   +16 r14   +24 r13   +32 r12   +40 rbx   +48 rbp   +56 return address
// context.cc builds the same frame for a context that has never run.

        .text

// void tessera_arch_switch(uintptr_t* save_stack_pointer, uintptr_t load_stack_pointer)
        .globl  tessera_arch_switch
        .type   tessera_arch_switch, @function
        .p2align 4
tessera_arch_switch:
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        subq    $8, %rsp
        stmxcsr (%rsp)
        fnstcw  4(%rsp)
        movq    %rsp, (%rdi)

        movq    %rsi, %rsp
        ldmxcsr (%rsp)
        fldcw   4(%rsp)
        addq    $8, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
        .size   tessera_arch_switch, . - tessera_arch_switch

// Where a new context's first switch "returns" to: r12 holds the entry function and
// r13 its argument (both restored from the prepared frame). The stack pointer is
// 16-byte aligned here; pushing a null return address and jumping gives the callee the
// ABI's entry alignment (rsp + 8 aligned), and together with the null rbp restored
// from the frame it ends every frame-pointer walk and debugger unwind at this point.
        .globl  tessera_arch_context_start
        .type   tessera_arch_context_start, @function
        .p2align 4
tessera_arch_context_start:
        .cfi_startproc
        .cfi_undefined %rip
        movq    %r12, %rdi
        movq    %r13, %rsi
        pushq   $0
        jmp     tessera_arch_context_begin
        .cfi_endproc
        .size   tessera_arch_context_start, . - tessera_arch_context_start

        .section .note.GNU-stack,"",@progbits
