// Context switch for arm64, AAPCS64 (Linux ELF and macOS Mach-O).
//
//   void cgr_switch(void **save_sp, void *to_sp)
//   (and cgr_switch_in / cgr_switch_out: identical copies, see the header)
//
// Saves x19-x28, the frame pointer x29, the link register x30 and the low
// halves of d8-d15 (all callee-saved), stores sp in *save_sp, loads to_sp,
// restores the registers saved there and branches to the saved x30 with br
// (not ret) so the return-address predictor is not unbalanced by a return
// that lands on another stack. x18 (the platform register on Apple) is left
// alone. FPCR is not saved, as on x86_64.
#if defined(__aarch64__) || defined(__arm64__)

#include "asm_macros.h"

        .text

.macro CGR_SWITCH_BODY
        sub     sp, sp, #160
        stp     x19, x20, [sp, #0]
        stp     x21, x22, [sp, #16]
        stp     x23, x24, [sp, #32]
        stp     x25, x26, [sp, #48]
        stp     x27, x28, [sp, #64]
        stp     x29, x30, [sp, #80]
        stp     d8, d9, [sp, #96]
        stp     d10, d11, [sp, #112]
        stp     d12, d13, [sp, #128]
        stp     d14, d15, [sp, #144]
        mov     x9, sp
        str     x9, [x0]
        mov     sp, x1
        ldp     x19, x20, [sp, #0]
        ldp     x21, x22, [sp, #16]
        ldp     x23, x24, [sp, #32]
        ldp     x25, x26, [sp, #48]
        ldp     x27, x28, [sp, #64]
        ldp     x29, x30, [sp, #80]
        ldp     d8, d9, [sp, #96]
        ldp     d10, d11, [sp, #112]
        ldp     d12, d13, [sp, #128]
        ldp     d14, d15, [sp, #144]
        add     sp, sp, #160
        br      x30
.endm

// Three copies of one switch (see the header for why).
CGR_BEGIN cgr_switch
        CGR_SWITCH_BODY
CGR_END cgr_switch

CGR_BEGIN cgr_switch_in
        CGR_SWITCH_BODY
CGR_END cgr_switch_in

CGR_BEGIN cgr_switch_out
        CGR_SWITCH_BODY
CGR_END cgr_switch_out


// First code run on a new stack: cgr_context_init leaves the context pointer
// in x19 and this address in x30.
CGR_BEGIN cgr_trampoline
        mov     x0, x19
        mov     x29, #0                 // end of the frame-pointer chain
        mov     x30, #0
        bl      CGR_SYMBOL(cgr_start)
        brk     #0
CGR_END cgr_trampoline

#endif

#if defined(__ELF__)
        .section .note.GNU-stack,"",%progbits
#endif
