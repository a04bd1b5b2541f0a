// Building the first frame of a coroutine stack, and the C side of its start.
#include "include/CGeneratorsRuntime.h"

#include <stdlib.h>

extern void cgr_trampoline(void);
void cgr_sanitizer_setup(cgr_context *context);
void cgr_sanitizer_started(cgr_context *context);
void cgr_sanitizer_finishing(cgr_context *context);

// Called by cgr_trampoline on the new stack. When the body returns, the
// coroutine switches back for the last time and is never resumed again.
__attribute__((used, visibility("hidden"))) void cgr_start(cgr_context *context) {
  if (cgr_sanitized) cgr_sanitizer_started(context);
  context->entry(context->arg);
  if (cgr_sanitized) cgr_sanitizer_finishing(context);
  cgr_switch(&context->coroutine_sp, context->caller_sp);
  abort();  // a finished coroutine was resumed: the Swift side never does this
}

cgr_context *cgr_context_init(const cgr_stack *stack, void (*entry)(void *), void *arg,
                              size_t slot_bytes, size_t slot_alignment) {
  char *top = (char *)stack->mapping + stack->mapping_size;
  cgr_context *context = (cgr_context *)(((uintptr_t)top - sizeof(cgr_context)) & ~(uintptr_t)63);
  context->entry = entry;
  context->arg = arg;
  context->caller_sp = NULL;
  context->stack_bottom = (char *)stack->mapping + (stack->mapping_size - stack->usable_size);
  context->stack_size = stack->usable_size;
  context->caller_bottom = NULL;
  context->caller_size = 0;
  context->asan_fake_stack_caller = NULL;
  context->asan_fake_stack_body = NULL;
  context->tsan_fiber = NULL;
  context->tsan_caller_fiber = NULL;
  context->access_state[0] = NULL;
  context->access_state[1] = NULL;
  if (slot_alignment < 16) slot_alignment = 16;
  uintptr_t slots = ((uintptr_t)context - slot_bytes) & ~(uintptr_t)(slot_alignment - 1);
  context->slots = (void *)slots;
  // Below the slots: a frame in the layout cgr_switch pops, 16-byte aligned.
  uintptr_t *sp = (uintptr_t *)((slots - 64) & ~(uintptr_t)15);
#if defined(__x86_64__)
  // Popped in order r15 r14 r13 r12 rbx rbp, then the address jumped to.
  // After the last pop rsp is back at the aligned top, as a call expects.
  *--sp = (uintptr_t)cgr_trampoline;     // jump target
  *--sp = 0;                              // rbp
  *--sp = 0;                              // rbx
  *--sp = (uintptr_t)context;             // r12: the trampoline's argument
  *--sp = 0;                              // r13
  *--sp = 0;                              // r14
  *--sp = 0;                              // r15
#elif defined(__aarch64__) || defined(__arm64__)
  sp -= 20;                               // 160 bytes: x19..x30, d8..d15
  for (int i = 0; i < 20; i++) sp[i] = 0;
  sp[0] = (uintptr_t)context;             // x19: the trampoline's argument
  sp[11] = (uintptr_t)cgr_trampoline;     // x30: where br lands
#endif
  context->coroutine_sp = sp;
  cgr_sanitizer_setup(context);
  return context;
}
