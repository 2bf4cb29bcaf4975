// PVH entry: QEMU (or any PVH loader) jumps to tessera_pvh_entry in 32-bit protected mode,
// paging off, with %ebx = physical address of struct hvm_start_info. This file gets the
// CPU into long mode on a temporary identity map of the first 4 GiB (2 MiB pages), turns
// on SSE and NX, installs the boot thread control block (so %fs:0x28, the stack-protector
// canary, is valid before any C++ runs) and calls tessera_vm_start(start_info) on the boot
// stack. vm_start.cc then replaces the temporary map with 4 KiB page tables.

#define MSR_EFER        0xc0000080
#define MSR_FS_BASE     0xc0000100
#define EFER_LME        (1 << 8)
#define EFER_NXE        (1 << 11)
#define CR0_PE          (1 << 0)
#define CR0_MP          (1 << 1)
#define CR0_EM          (1 << 2)
#define CR0_WP          (1 << 16)
#define CR0_PG          (1 << 31)
#define CR4_PAE         (1 << 5)
#define CR4_OSFXSR      (1 << 9)
#define CR4_OSXMMEXCPT  (1 << 10)
#define PTE_PRESENT     1
#define PTE_WRITE       2
#define PTE_HUGE        0x80

// The PVH note: Xen's ELF note type 18 (XEN_ELFNOTE_PHYS32_ENTRY), name "Xen", descriptor
// the 32-bit physical entry address. The linker script puts .note.tessera.pvh into a
// PT_NOTE segment, which is where QEMU looks for it.
        .section .note.tessera.pvh, "a", @note
        .p2align 2
        .long   4               // name size ("Xen\0")
        .long   4               // descriptor size
        .long   18              // XEN_ELFNOTE_PHYS32_ENTRY
        .asciz  "Xen"
        .long   tessera_pvh_entry

        .section .boot.text, "ax", @progbits
        .code32
        .globl  tessera_pvh_entry
        .type   tessera_pvh_entry, @function
tessera_pvh_entry:
        cli
        cld
        movl    %ebx, %edi                      // start_info, kept until the 64-bit call

        // Zero .bss (QEMU's loader does, but another PVH loader need not).
        movl    $__tessera_bss_start, %eax
        movl    %edi, %ebp
        movl    %eax, %edi
        movl    $__tessera_bss_end, %ecx
        subl    %eax, %ecx
        xorl    %eax, %eax
        rep stosb
        movl    %ebp, %edi

        // Temporary page tables: PML4[0] -> PDPT, PDPT[0..3] -> 4 page directories of
        // 2 MiB pages mapping 0..4 GiB one to one.
        movl    $tessera_early_pdpt, %eax
        orl     $(PTE_PRESENT | PTE_WRITE), %eax
        movl    %eax, tessera_early_pml4
        movl    $tessera_early_pd, %eax
        orl     $(PTE_PRESENT | PTE_WRITE), %eax
        xorl    %ecx, %ecx
1:      movl    %eax, tessera_early_pdpt(,%ecx,8)
        addl    $4096, %eax
        incl    %ecx
        cmpl    $4, %ecx
        jb      1b
        movl    $(PTE_PRESENT | PTE_WRITE | PTE_HUGE), %eax
        xorl    %ecx, %ecx
2:      movl    %eax, tessera_early_pd(,%ecx,8)
        addl    $0x200000, %eax
        incl    %ecx
        cmpl    $2048, %ecx
        jb      2b

        movl    %cr4, %eax
        orl     $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
        movl    %eax, %cr4
        movl    $tessera_early_pml4, %eax
        movl    %eax, %cr3
        // NXE only where the CPU has NX (setting it otherwise faults); vm_start.cc
        // refuses to boot without it, with a message, once it can print.
        movl    %edi, %ebp
        movl    $0x80000001, %eax
        cpuid
        movl    $EFER_LME, %esi
        btl     $20, %edx
        jnc     3f
        orl     $EFER_NXE, %esi
3:      movl    $MSR_EFER, %ecx
        rdmsr
        orl     %esi, %eax
        wrmsr
        movl    %ebp, %edi
        movl    %cr0, %eax
        andl    $~CR0_EM, %eax
        orl     $(CR0_PE | CR0_MP | CR0_WP | CR0_PG), %eax
        movl    %eax, %cr0

        lgdt    tessera_gdt_pointer
        ljmp    $0x08, $long_mode
        .size   tessera_pvh_entry, . - tessera_pvh_entry

        .code64
long_mode:
        movl    $0x10, %eax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        xorl    %eax, %eax
        movw    %ax, %fs
        movw    %ax, %gs
        fninit
        movq    $tessera_boot_stack_top, %rsp
        xorl    %ebp, %ebp

        // The boot thread control block: self pointer at 0, canary at 0x28.
        movq    $tessera_boot_tcb, %rax
        movq    %rax, (%rax)
        movl    %edi, %r12d                     // start_info survives cpuid/rdrand
        movl    $1, %eax
        cpuid
        btl     $30, %ecx                       // CPUID.1:ECX.RDRAND
        jnc     4f
        movl    $32, %ecx
3:      rdrand  %rax
        jc      5f
        loop    3b
4:      // No RDRAND (or it kept failing): mix the TSC. Weak, but a canary only has to
        // be unguessable by data the kernel parses, not by an attacker with a clock.
        rdtsc
        shlq    $32, %rdx
        orq     %rdx, %rax
        movabsq $0x9e3779b97f4a7c15, %rdx
        imulq   %rdx, %rax
        rorq    $29, %rax
5:      xorb    %al, %al                        // a zero byte stops string overruns
        movq    $tessera_boot_tcb, %rdx
        movq    %rax, 0x28(%rdx)
        movq    %rdx, %rax
        shrq    $32, %rdx
        movl    $MSR_FS_BASE, %ecx
        wrmsr

        movl    %r12d, %edi
        pushq   $0                              // null return address ends backtraces
        jmp     tessera_vm_start

        // Writable (the CPU marks a TSS descriptor busy on ltr); accessed bits preset so
        // loading a segment never writes the table.
        .data
        .p2align 3
        .globl  tessera_gdt
tessera_gdt:
        .quad   0
        .quad   0x00af9b000000ffff              // 0x08: 64-bit code, ring 0
        .quad   0x00cf93000000ffff              // 0x10: data, ring 0
        .quad   0, 0                            // 0x18: 64-bit TSS, filled by interrupts.cc
tessera_gdt_end:
        .p2align 3
        .globl  tessera_gdt_pointer
tessera_gdt_pointer:
        .word   tessera_gdt_end - tessera_gdt - 1
        .quad   tessera_gdt

        .section .bss.tessera_early, "aw", @nobits
        .p2align 12
tessera_early_pml4:
        .skip   4096
tessera_early_pdpt:
        .skip   4096
tessera_early_pd:
        .skip   4 * 4096

// The boot stack, with a guard page below it that vm_start.cc leaves unmapped.
        .section .bss.tessera_stack, "aw", @nobits
        .p2align 12
        .globl  tessera_boot_stack_guard, tessera_boot_stack_bottom, tessera_boot_stack_top
tessera_boot_stack_guard:
        .skip   4096
tessera_boot_stack_bottom:
        .skip   256 * 1024
tessera_boot_stack_top:

// The boot thread's TLS area: the control block sits 12 KiB in (page aligned, so any
// TLS alignment up to 4 KiB holds) and the kernel's TLS block is copied just below it.
        .p2align 12
        .globl  tessera_boot_tls_area, tessera_boot_tcb
tessera_boot_tls_area:
        .skip   12 * 1024
tessera_boot_tcb:
        .skip   4096
