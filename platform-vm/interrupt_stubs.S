// Interrupt and exception entry points.
//
// Exceptions (vectors 0-31) are fatal: each stub pushes a uniform frame (a zero where
// the CPU pushes no error code, then the vector, then the general registers) and calls
// tessera_vm_exception(TrapFrame*), which reports and exits; it never returns.
//
// The timer and serial interrupts only record that it fired and acknowledges the local APIC: it
// touches %rax alone (saved and restored here; iretq restores the flags), so it needs no
// FPU/SSE save and never runs C++. Interrupts are enabled only inside take_events'
// `sti; hlt`, so nothing else runs concurrently with it.

        .text

.macro exception_stub vector, has_error_code
        .p2align 4
tessera_vm_exception_\vector:
        .if \has_error_code == 0
        pushq   $0
        .endif
        pushq   $\vector
        jmp     exception_common
.endm

exception_stub 0, 0
exception_stub 1, 0
exception_stub 2, 0
exception_stub 3, 0
exception_stub 4, 0
exception_stub 5, 0
exception_stub 6, 0
exception_stub 7, 0
exception_stub 8, 1
exception_stub 9, 0
exception_stub 10, 1
exception_stub 11, 1
exception_stub 12, 1
exception_stub 13, 1
exception_stub 14, 1
exception_stub 15, 0
exception_stub 16, 0
exception_stub 17, 1
exception_stub 18, 0
exception_stub 19, 0
exception_stub 20, 0
exception_stub 21, 1
exception_stub 22, 0
exception_stub 23, 0
exception_stub 24, 0
exception_stub 25, 0
exception_stub 26, 0
exception_stub 27, 0
exception_stub 28, 0
exception_stub 29, 1
exception_stub 30, 1
exception_stub 31, 0

        .p2align 4
exception_common:
        pushq   %rax
        pushq   %rbx
        pushq   %rcx
        pushq   %rdx
        pushq   %rsi
        pushq   %rdi
        pushq   %rbp
        pushq   %r8
        pushq   %r9
        pushq   %r10
        pushq   %r11
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    %rsp, %rdi
        andq    $-16, %rsp
        xorl    %ebp, %ebp
        call    tessera_vm_exception
        ud2

        .globl  tessera_vm_timer_interrupt
        .p2align 4
tessera_vm_timer_interrupt:
        pushq   %rax
        movq    $1, tessera_vm_timer_fired(%rip)
        movq    tessera_vm_lapic_eoi(%rip), %rax
        movl    $0, (%rax)
        popq    %rax
        iretq

// The serial port received a byte (the host may be asking the guest to shut down):
// take_events reads it. Same rules as the timer interrupt.
        .globl  tessera_vm_serial_interrupt
        .p2align 4
tessera_vm_serial_interrupt:
        pushq   %rax
        movq    $1, tessera_vm_serial_received(%rip)
        movq    tessera_vm_lapic_eoi(%rip), %rax
        movl    $0, (%rax)
        popq    %rax
        iretq

// Device lines (vm_devices.cc): vector kDeviceVectorBase + N sets bit N of
// tessera_vm_device_lines, which take_events turns into event::device_line(N) (it reads
// and clears the word with interrupts off). Same rules as the timer interrupt.
.macro device_stub line
        .p2align 4
tessera_vm_device_interrupt_\line:
        pushq   %rax
        btsq     $\line, tessera_vm_device_lines(%rip)
        movq    tessera_vm_lapic_eoi(%rip), %rax
        movl    $0, (%rax)
        popq    %rax
        iretq
.endm

        .irp    line, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55
        device_stub \line
        .endr

        .data
        .p2align 3
        .globl  tessera_vm_device_lines
tessera_vm_device_lines:
        .quad   0
        .text

// The APIC's spurious vector: no EOI is due for it.
        .globl  tessera_vm_spurious_interrupt
        .p2align 4
tessera_vm_spurious_interrupt:
        iretq

        .section .rodata
        .p2align 3
        .globl  tessera_vm_exception_stubs
tessera_vm_exception_stubs:
        .irp    vector, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        .quad   tessera_vm_exception_\vector
        .endr

        .globl  tessera_vm_device_stubs
tessera_vm_device_stubs:
        .irp    line, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55
        .quad   tessera_vm_device_interrupt_\line
        .endr
