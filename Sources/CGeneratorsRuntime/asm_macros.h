// Assembler macros shared by the context-switch files: a global, hidden
// function symbol in the object format of the target (Mach-O or ELF).
#ifndef CGR_ASM_MACROS_H
#define CGR_ASM_MACROS_H

#if defined(__APPLE__)
#define CGR_SYMBOL(name) _##name
        .macro CGR_BEGIN name
        .globl _\name
        .private_extern _\name
        .p2align 4
_\name:
        .endm
        .macro CGR_END name
        .endm
#else
#define CGR_SYMBOL(name) name
        .macro CGR_BEGIN name
        .globl \name
        .hidden \name
        .type \name, %function
        .p2align 4
\name:
        .endm
        .macro CGR_END name
        .size \name, .-\name
        .endm
#endif

#endif
