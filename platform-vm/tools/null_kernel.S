// The smallest PVH kernel: exits through isa-debug-exit at once (QEMU status 1 = guest 0).
// bench/vm_boot.sh times it against tessera-vm.elf to show what the kernel's own boot
// costs on top of QEMU's start-up.
        .section .note.null.pvh, "a", @note
        .p2align 2
        .long   4, 4, 18
        .asciz  "Xen"
        .long   null_entry

        .text
        .code32
        .globl  null_entry
null_entry:
        movw    $0xf4, %dx
        xorl    %eax, %eax
        outl    %eax, %dx
1:      cli
        hlt
        jmp     1b
