// Context switch for x86_64, System V ABI (Linux ELF and macOS Mach-O).
//
//   void cgr_switch(void **save_sp, void *to_sp)
//   (and cgr_switch_in / cgr_switch_out: identical copies, see the header)
//
// Pushes the callee-saved registers, stores the stack pointer in *save_sp,
// loads to_sp and pops the registers saved there. It leaves with pop + jmp
// rather than ret: a ret onto another stack always misses the return-stack
// buffer (measured 20.4 ns vs 4.0 ns a round trip).
//
// MXCSR and the x87 control word are not saved (5 ns a round trip); a body
// that changes the floating-point environment must restore it before yielding.
#if defined(__x86_64__) && !defined(_WIN32)

#include "asm_macros.h"

        .text

.macro CGR_SWITCH_BODY
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    %rsp, (%rdi)
        movq    %rsi, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        popq    %rcx
        jmpq    *%rcx
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
// in r12, so the frame it builds pops straight into here.
CGR_BEGIN cgr_trampoline
        movq    %r12, %rdi
        xorl    %ebp, %ebp              // end of the frame-pointer chain
        callq   CGR_SYMBOL(cgr_start)
        ud2
CGR_END cgr_trampoline

#endif

#if defined(__ELF__)
        .section .note.GNU-stack,"",@progbits
#endif
