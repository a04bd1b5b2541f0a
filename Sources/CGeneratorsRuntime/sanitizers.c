// Telling Address Sanitizer and Thread Sanitizer about coroutine stacks.
//
// Both sanitizers assume one stack per thread unless told otherwise: ASan
// reports stack-buffer errors on memory it believes belongs to no stack, and
// TSan's shadow call stack and happens-before tracking break when the stack
// pointer jumps. Their fiber APIs fix that. The runtimes are referenced weakly,
// so an ordinary build calls none of this (cgr_sanitized stays 0).
#include "include/CGeneratorsRuntime.h"

#include <stddef.h>

extern void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size)
    __attribute__((weak));
extern void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old,
                                            size_t *size_old) __attribute__((weak));
extern void __asan_unpoison_memory_region(const volatile void *addr, size_t size) __attribute__((weak));
extern void *__tsan_get_current_fiber(void) __attribute__((weak));
extern void *__tsan_create_fiber(unsigned flags) __attribute__((weak));
extern void __tsan_destroy_fiber(void *fiber) __attribute__((weak));
extern void __tsan_switch_to_fiber(void *fiber, unsigned flags) __attribute__((weak));

// These functions switch TSan's notion of the current fiber, so they must not
// be instrumented themselves: their function-exit hook would run on the
// other fiber and pop a shadow-stack entry it never pushed.
#if defined(__has_attribute)
#if __has_attribute(disable_sanitizer_instrumentation)
#define CGR_UNINSTRUMENTED __attribute__((disable_sanitizer_instrumentation))
#endif
#endif
#ifndef CGR_UNINSTRUMENTED
#define CGR_UNINSTRUMENTED
#endif

extern void __tsan_acquire(void *address) __attribute__((weak));
extern void __tsan_release(void *address) __attribute__((weak));

int cgr_sanitized = 0;
int cgr_tsan_active = 0;

__attribute__((constructor)) static void cgr_detect_tsan(void) { cgr_tsan_active = __tsan_acquire != NULL; }
void cgr_tsan_acquire_slow(void *address) { __tsan_acquire(address); }
void cgr_tsan_release_slow(void *address) { __tsan_release(address); }
static int looked;  // every thread computes the same answer, so a race is harmless

CGR_UNINSTRUMENTED static int asan(void) { return __sanitizer_start_switch_fiber != NULL; }
CGR_UNINSTRUMENTED static int tsan(void) { return __tsan_switch_to_fiber != NULL; }

// Called for every new context, before its first resume.
CGR_UNINSTRUMENTED void cgr_sanitizer_setup(cgr_context *context) {
  if (!looked) {
    cgr_sanitized = asan() || tsan();
    looked = 1;
  }
  if (!cgr_sanitized) return;
  if (__asan_unpoison_memory_region) {
    // A pooled stack may keep the poisoned redzones of an abandoned body.
    __asan_unpoison_memory_region(context->stack_bottom, context->stack_size);
  }
  if (tsan()) context->tsan_fiber = __tsan_create_fiber(0);
}

CGR_UNINSTRUMENTED void cgr_context_dispose(cgr_context *context) {
  if (context->tsan_fiber && __tsan_destroy_fiber) {
    __tsan_destroy_fiber(context->tsan_fiber);
    context->tsan_fiber = NULL;
  }
}

CGR_UNINSTRUMENTED void cgr_sanitizer_before_resume(cgr_context *context) {
  if (asan()) __sanitizer_start_switch_fiber(&context->asan_fake_stack_caller, context->stack_bottom,
                                             context->stack_size);
  if (tsan()) {
    context->tsan_caller_fiber = __tsan_get_current_fiber();
    __tsan_switch_to_fiber(context->tsan_fiber, 0);
  }
}

CGR_UNINSTRUMENTED void cgr_sanitizer_after_resume(cgr_context *context) {
  if (asan()) __sanitizer_finish_switch_fiber(context->asan_fake_stack_caller, NULL, NULL);
}

CGR_UNINSTRUMENTED void cgr_sanitizer_before_suspend(cgr_context *context) {
  if (asan()) __sanitizer_start_switch_fiber(&context->asan_fake_stack_body, context->caller_bottom,
                                             context->caller_size);
  if (tsan()) __tsan_switch_to_fiber(context->tsan_caller_fiber, 0);
}

CGR_UNINSTRUMENTED void cgr_sanitizer_after_suspend(cgr_context *context) {
  // The resumer may be another thread, on another stack: learn it each time.
  if (asan()) __sanitizer_finish_switch_fiber(context->asan_fake_stack_body, &context->caller_bottom,
                                              &context->caller_size);
}

// The body's first code on its new stack.
CGR_UNINSTRUMENTED void cgr_sanitizer_started(cgr_context *context) {
  if (asan()) __sanitizer_finish_switch_fiber(NULL, &context->caller_bottom, &context->caller_size);
}

// The body's last switch: its fake stack is discarded (NULL save slot).
CGR_UNINSTRUMENTED void cgr_sanitizer_finishing(cgr_context *context) {
  if (asan()) __sanitizer_start_switch_fiber(NULL, context->caller_bottom, context->caller_size);
  if (tsan()) __tsan_switch_to_fiber(context->tsan_caller_fiber, 0);
}
