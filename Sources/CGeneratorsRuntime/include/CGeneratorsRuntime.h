// CGeneratorsRuntime: the machine-level half of swift-generators.
//
// Stacks (mmap'd, guarded, pooled per thread) and the context switch that
// runs a generator body on its own stack. Everything here is prefixed `cgr_`.
// Swift code reaches it only through the Generators module.
#ifndef CGENERATORS_RUNTIME_H
#define CGENERATORS_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#if !(defined(__x86_64__) || defined(__aarch64__) || defined(__arm64__)) || defined(_WIN32)
#error "swift-generators supports x86_64 (System V) and arm64 (AAPCS64) on Linux and macOS only"
#endif
#if !defined(__linux__) && !defined(__APPLE__)
#error "swift-generators supports Linux and macOS only"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/// How a stack's lowest page is protected against overflow.
typedef enum cgr_guard_kind {
  /// No guard page: a canary word at the bottom is checked at every suspension.
  CGR_GUARD_CANARY = 0,
  /// `madvise(MADV_GUARD_INSTALL)` (Linux 6.13+): a guard that takes no extra mapping.
  CGR_GUARD_MADVISE = 1,
  /// `mprotect(PROT_NONE)`: a guard that costs a second memory mapping.
  CGR_GUARD_MPROTECT = 2,
} cgr_guard_kind;

/// One coroutine stack.
typedef struct cgr_stack {
  void *mapping;          ///< start of the whole mapping (guard included)
  size_t mapping_size;    ///< length of the whole mapping
  size_t usable_size;     ///< bytes above the guard
  cgr_guard_kind guard;   ///< how the bottom is protected
} cgr_stack;

/// The switch state of one coroutine; lives at the top of its stack.
typedef struct cgr_context {
  void *coroutine_sp;          ///< where the body's registers were saved
  void *caller_sp;             ///< where the resumer's registers were saved
  void (*entry)(void *arg);    ///< the body, run once on the new stack
  void *arg;
  /// The Swift runtime's exclusivity access set of the body while it is
  /// suspended, as `swift_task_enter/exitThreadLocalContext` keep it for tasks.
  void *access_state[2];
  /// Room for the values that cross the switch (the yielded value and the
  /// sent value), so the Swift object holds no generic stored properties.
  void *slots;
  /// Bookkeeping for Address and Thread Sanitizer, used only when a
  /// sanitizer runtime is linked (see sanitizers.c).
  void *stack_bottom;
  size_t stack_size;
  const void *caller_bottom;
  size_t caller_size;
  void *asan_fake_stack_caller;
  void *asan_fake_stack_body;
  void *tsan_fiber;
  void *tsan_caller_fiber;
} cgr_context;

/// Where the guard strategy comes from; tests force the fallbacks.
typedef enum cgr_guard_policy {
  CGR_POLICY_AUTOMATIC = 0,   ///< madvise guard, else mprotect up to a budget, else canary
  CGR_POLICY_MPROTECT = 1,    ///< as if madvise guards were unsupported
  CGR_POLICY_CANARY = 2,      ///< no guard pages at all
} cgr_guard_policy;

/// Counters for the whole process.
typedef struct cgr_stats {
  int64_t mapped_stacks;      ///< stacks mapped: in use, or pooled for reuse
  int64_t mprotect_guarded;   ///< of which guarded with a second mapping
  int64_t canary_only;        ///< of which without a guard page
  int64_t mprotect_budget;    ///< how many mprotect guards may exist at once
} cgr_stats;

/// Gets a stack with at least `usable_size` bytes (rounded up to pages),
/// from this thread's pool when one fits. Returns 0 or an errno value.
int cgr_stack_acquire(size_t usable_size, cgr_stack *out);
/// Returns a stack to this thread's pool, or unmaps it.
void cgr_stack_release(const cgr_stack *stack);
/// Whether the canary at the bottom of a guardless stack is intact.
int cgr_stack_intact(const cgr_stack *stack);
/// The page size.
size_t cgr_page_size(void);
void cgr_get_stats(cgr_stats *out);
void cgr_set_guard_policy(cgr_guard_policy policy);
/// Frees this thread's pooled stacks now (they are also freed at thread exit).
void cgr_pool_drain(void);

/// Places a context at the top of `stack` whose first resume calls `entry(arg)`,
/// with `slot_bytes` bytes aligned to `slot_alignment` reserved below it.
cgr_context *cgr_context_init(const cgr_stack *stack, void (*entry)(void *arg), void *arg,
                              size_t slot_bytes, size_t slot_alignment);

/// Saves callee-saved registers and sp to *save_sp; continues at to_sp.
void cgr_switch(void **save_sp, void *to_sp);
/// The same switch, in two more copies: one only ever enters bodies, one only
/// ever leaves them, so each copy's final indirect jump keeps one kind of
/// target and the branch predictor gets it right (a shared copy alternates
/// between two targets: 24 ns a round trip instead of a few).
void cgr_switch_in(void **save_sp, void *to_sp);
void cgr_switch_out(void **save_sp, void *to_sp);

// The Swift runtime's hooks that move a task's exclusivity accesses on and
// off the current thread; a coroutine is a task in this respect.
#if defined(__clang__)
#define CGR_SWIFTCALL __attribute__((swiftcall))
#else
#define CGR_SWIFTCALL   // the C-only test of the switch never calls these
#endif
CGR_SWIFTCALL extern void swift_task_enterThreadLocalContext(char *state);
CGR_SWIFTCALL extern void swift_task_exitThreadLocalContext(char *state);

/// This thread's exclusivity list head in the Swift runtime, found once per
/// thread by cgr_lookup_thread_access_head (see access_context.c); NULL until
/// then, CGR_ACCESS_HEAD_UNUSABLE where only the runtime's calls may be used.
extern __thread void **cgr_thread_access_head __attribute__((tls_model("initial-exec")));
#define CGR_ACCESS_HEAD_UNUSABLE ((void **)1)
void **cgr_lookup_thread_access_head(void);
/// The first switch into a generator on this thread (the access head is still
/// NULL): prepares the thread (cgr_overflow_prepare_thread), then looks the
/// head up. Costs the hot path nothing: it rides on the lookup's branch.
void **cgr_first_resume_on_thread(void);

/// Gives this thread an alternate signal stack, unless it has one, so that a
/// generator body overflowing its stack on it can be reported (stack_overflow.c).
/// Idempotent; the stack is freed at thread exit.
void cgr_overflow_prepare_thread(void);
/// The usable size of the live generator stack whose guard page holds
/// `address`, or 0. Async-signal-safe.
size_t cgr_guard_lookup(const void *address);

/// The runtime's access record: the next link is the third word, its low bit a flag.
typedef struct cgr_access {
  void *pointer;
  void *pc;
  uintptr_t next_and_action;
} cgr_access;

static inline __attribute__((always_inline)) void **cgr_access_head(void) {
  void **head = cgr_thread_access_head;
  if (__builtin_expect(head == NULL, 0)) head = cgr_first_resume_on_thread();
  return head;
}

/// Puts the body's suspended accesses in front of the thread's, and remembers
/// the thread's head (swift_task_enterThreadLocalContext, inline).
static inline __attribute__((always_inline)) void cgr_enter_accesses(cgr_context *context) {
  void **head = cgr_access_head();
  if (__builtin_expect(head == CGR_ACCESS_HEAD_UNUSABLE, 0)) {
    swift_task_enterThreadLocalContext((char *)context->access_state);
    return;
  }
  void *body_first = context->access_state[0];
  void *thread_first = *head;
  if (__builtin_expect(body_first == NULL, 1)) {
    context->access_state[0] = thread_first;
    return;
  }
  cgr_access *body_last = (cgr_access *)context->access_state[1];
  *head = body_first;
  body_last->next_and_action = (body_last->next_and_action & 1) | (uintptr_t)thread_first;
  context->access_state[0] = thread_first;
  context->access_state[1] = NULL;
}

/// Takes the accesses the body began (those in front of the remembered head)
/// off the thread (swift_task_exitThreadLocalContext, inline).
static inline __attribute__((always_inline)) void cgr_exit_accesses(cgr_context *context) {
  void **head = cgr_access_head();
  if (__builtin_expect(head == CGR_ACCESS_HEAD_UNUSABLE, 0)) {
    swift_task_exitThreadLocalContext((char *)context->access_state);
    return;
  }
  void *saved = context->access_state[0];
  void *current = *head;
  if (__builtin_expect(current == saved, 1)) {
    // access_state[1] is already NULL: enter cleared it. One 8-byte store, so
    // the next enter's 8-byte load is forwarded from it (a merged 16-byte
    // store was measured to stall that load).
    context->access_state[0] = NULL;
    return;
  }
  cgr_access *last = (cgr_access *)current;
  while ((void *)(last->next_and_action & ~(uintptr_t)1) != saved)
    last = (cgr_access *)(last->next_and_action & ~(uintptr_t)1);
  *head = saved;
  last->next_and_action &= 1;
  context->access_state[0] = current;
  context->access_state[1] = last;
}

/// Nonzero when an Address or Thread Sanitizer runtime is linked: every
/// switch is then announced to it (sanitizers.c). One predictable branch.
extern int cgr_sanitized;
void cgr_sanitizer_before_resume(cgr_context *context);
void cgr_sanitizer_after_resume(cgr_context *context);
void cgr_sanitizer_before_suspend(cgr_context *context);
void cgr_sanitizer_after_suspend(cgr_context *context);
/// A spin-wait hint: lets the other hyperthread run and saves power while a
/// buffered async generator briefly waits for the other side.
static inline __attribute__((always_inline)) void cgr_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield");
#endif
}

/// Thread Sanitizer cannot see Swift's `Mutex` on Linux (futexes and atomics
/// inside the uninstrumented standard library), so code that synchronizes with
/// one reports the lock to it: acquire after locking, release before unlocking.
/// One predictable branch when no sanitizer is linked.
extern int cgr_tsan_active;
void cgr_tsan_acquire_slow(void *address);
void cgr_tsan_release_slow(void *address);
static inline __attribute__((always_inline)) void cgr_tsan_acquire(void *address) {
  if (__builtin_expect(cgr_tsan_active, 0)) cgr_tsan_acquire_slow(address);
}
static inline __attribute__((always_inline)) void cgr_tsan_release(void *address) {
  if (__builtin_expect(cgr_tsan_active, 0)) cgr_tsan_release_slow(address);
}

/// Releases what a context holds besides its stack (a sanitizer fiber).
void cgr_context_dispose(cgr_context *context);

/// Switches from the resumer into the coroutine.
static inline __attribute__((always_inline)) void cgr_resume(cgr_context *context) {
  cgr_enter_accesses(context);
  if (__builtin_expect(cgr_sanitized, 0)) cgr_sanitizer_before_resume(context);
  cgr_switch_in(&context->caller_sp, context->coroutine_sp);
  if (__builtin_expect(cgr_sanitized, 0)) cgr_sanitizer_after_resume(context);
}

/// Switches from the coroutine back to whoever resumed it.
static inline __attribute__((always_inline)) void cgr_suspend(cgr_context *context) {
  cgr_exit_accesses(context);
  if (__builtin_expect(cgr_sanitized, 0)) cgr_sanitizer_before_suspend(context);
  cgr_switch_out(&context->coroutine_sp, context->caller_sp);
  if (__builtin_expect(cgr_sanitized, 0)) cgr_sanitizer_after_suspend(context);
}

/// Before a finished body's last switch: its accesses leave the thread.
static inline __attribute__((always_inline)) void cgr_leave_thread_context(cgr_context *context) {
  cgr_exit_accesses(context);
}

#ifdef __cplusplus
}
#endif

#endif
