// A C test of the context switch and the stacks, without Swift: create a
// coroutine, switch in and back many times, check that callee-saved registers
// survive, that the stack is aligned as the ABI requires, and that the pool
// and guard pages behave. Built natively and, for arm64, cross-compiled and
// run under qemu-user by .ci/run.
#include "../../Sources/CGeneratorsRuntime/include/CGeneratorsRuntime.h"

#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

typedef struct counter {
  cgr_context *context;
  long value;
  long limit;
  int aligned;
  int finished;
} counter;

static void count_body(void *arg) {
  counter *c = arg;
  // A local with a known alignment need: the ABI promises 16 bytes.
  char probe[16] __attribute__((aligned(16)));
  c->aligned = (((uintptr_t)probe) & 15) == 0;
  for (long i = 1; i <= c->limit; i++) {
    c->value = i;
    cgr_switch(&c->context->coroutine_sp, c->context->caller_sp);
  }
  c->finished = 1;
}

// Values held in callee-saved registers across switches must survive. Many
// live variables in a loop force the compiler to keep some in them.
static long __attribute__((noinline)) registers_survive(counter *c, long rounds) {
  long a = 1, b = 2, d = 3, e = 4, f = 5, g = 6, h = 7, k = 8;
  double x = 1.5, y = 2.5, z = 3.5;
  long sum = 0;
  for (long r = 0; r < rounds; r++) {
    cgr_switch(&c->context->caller_sp, c->context->coroutine_sp);
    sum += c->value;
    a += 1; b += 2; d += 3; e += 4; f += 5; g += 6; h += 7; k += 8;
    x += 1.0; y += 2.0; z += 3.0;
  }
  long expected_a = 1 + rounds;
  CHECK(a == expected_a && b == 2 + 2 * rounds && d == 3 + 3 * rounds && e == 4 + 4 * rounds &&
            f == 5 + 5 * rounds && g == 6 + 6 * rounds && h == 7 + 7 * rounds && k == 8 + 8 * rounds,
        "integer registers changed across switches");
  CHECK(x == 1.5 + rounds && y == 2.5 + 2.0 * rounds && z == 3.5 + 3.0 * rounds,
        "floating-point registers changed across switches");
  return sum;
}

static void clobber_body(void *arg) {
  counter *c = arg;
  for (;;) {
    // Dirty every callee-saved register the compiler can reach.
    volatile long sink = 0;
    long r0 = c->value * 3, r1 = r0 ^ 0x55, r2 = r1 + 7, r3 = r2 * 5, r4 = r3 - 9, r5 = r4 ^ r0;
    double f0 = (double)r0 * 0.5, f1 = f0 + 1.25, f2 = f1 * 3.0;
    sink = r0 + r1 + r2 + r3 + r4 + r5 + (long)(f0 + f1 + f2);
    (void)sink;
    c->value += 1;
    cgr_switch(&c->context->coroutine_sp, c->context->caller_sp);
  }
}

static sigjmp_buf fault_jump;
static void on_fault(int sig) { (void)sig; siglongjmp(fault_jump, 1); }

int main(void) {
  // 1. Create, switch in, switch back, run to completion.
  {
    cgr_stack stack;
    CHECK(cgr_stack_acquire(64 * 1024, &stack) == 0, "acquire");
    counter c = {0};
    c.limit = 5;
    c.context = cgr_context_init(&stack, count_body, &c, 0, 0);
    long seen = 0;
    for (int i = 0; i < 6; i++) {
      cgr_switch(&c.context->caller_sp, c.context->coroutine_sp);
      if (!c.finished) seen += c.value;
    }
    CHECK(seen == 15, "count_up_to(5) summed %ld", seen);
    CHECK(c.finished, "body did not finish");
    CHECK(c.aligned, "stack not 16-byte aligned in the body");
    cgr_stack_release(&stack);
  }
  // 2. Callee-saved registers survive a body that dirties them; many round trips.
  {
    cgr_stack stack;
    CHECK(cgr_stack_acquire(64 * 1024, &stack) == 0, "acquire");
    counter c = {0};
    c.context = cgr_context_init(&stack, clobber_body, &c, 0, 0);
    long rounds = 1000000;
    long sum = registers_survive(&c, rounds);
    CHECK(sum == rounds * (rounds + 1) / 2, "sum over %ld round trips was %ld", rounds, sum);
    cgr_stack_release(&stack);  // never finished: the stack is simply dropped
  }
  // 3. Two coroutines interleaved.
  {
    cgr_stack s1, s2;
    CHECK(cgr_stack_acquire(64 * 1024, &s1) == 0 && cgr_stack_acquire(64 * 1024, &s2) == 0, "acquire");
    counter a = {0}, b = {0};
    a.limit = 100; b.limit = 100;
    a.context = cgr_context_init(&s1, count_body, &a, 0, 0);
    b.context = cgr_context_init(&s2, count_body, &b, 0, 0);
    long total = 0;
    for (int i = 0; i < 100; i++) {
      cgr_switch(&a.context->caller_sp, a.context->coroutine_sp);
      cgr_switch(&b.context->caller_sp, b.context->coroutine_sp);
      total += a.value * 1000 + b.value;
    }
    CHECK(total == 5050 * 1000 + 5050, "interleaved total %ld", total);
    cgr_stack_release(&s1);
    cgr_stack_release(&s2);
  }
  // 4. The pool hands a released stack back.
  {
    cgr_stack s1, s2;
    cgr_stack_acquire(128 * 1024, &s1);
    void *first = s1.mapping;
    cgr_stack_release(&s1);
    cgr_stack_acquire(128 * 1024, &s2);
    CHECK(s2.mapping == first, "pool did not reuse the stack");
    cgr_stack_release(&s2);
    cgr_pool_drain();
  }
  // 5. The guard page faults: the mprotect guard everywhere, and the madvise
  // guard natively (qemu-user accepts MADV_GUARD_INSTALL but ignores it).
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1 && getenv("CGR_TEST_UNDER_EMULATOR")) break;
    cgr_set_guard_policy(pass == 0 ? CGR_POLICY_MPROTECT : CGR_POLICY_AUTOMATIC);
    cgr_stack s;
    CHECK(cgr_stack_acquire(64 * 1024, &s) == 0, "acquire");
    CHECK(pass != 0 || s.guard == CGR_GUARD_MPROTECT, "mprotect policy gave guard kind %d", (int)s.guard);
    if (s.guard != CGR_GUARD_CANARY) {
      struct sigaction action;
      memset(&action, 0, sizeof action);
      action.sa_handler = on_fault;
      sigaction(SIGSEGV, &action, NULL);
      sigaction(SIGBUS, &action, NULL);
      volatile char *guard = (volatile char *)s.mapping;
      volatile int faulted = 0;
      if (sigsetjmp(fault_jump, 1) == 0) { guard[0] = 1; } else { faulted = 1; }
      CHECK(faulted, "writing the guard page did not fault (guard kind %d)", (int)s.guard);
      signal(SIGSEGV, SIG_DFL);
      signal(SIGBUS, SIG_DFL);
    }
    cgr_stack_release(&s);
    cgr_pool_drain();
  }
  cgr_set_guard_policy(CGR_POLICY_AUTOMATIC);
  // 6. The canary fallback notices an overwritten bottom.
  {
    cgr_set_guard_policy(CGR_POLICY_CANARY);
    cgr_stack s;
    CHECK(cgr_stack_acquire(64 * 1024, &s) == 0, "acquire");
    CHECK(s.guard == CGR_GUARD_CANARY, "policy not applied");
    CHECK(cgr_stack_intact(&s), "fresh canary broken");
    memset((char *)s.mapping + (s.mapping_size - s.usable_size), 0, 8);
    CHECK(!cgr_stack_intact(&s), "overwritten canary not noticed");
    cgr_stack_release(&s);
    cgr_set_guard_policy(CGR_POLICY_AUTOMATIC);
  }
  if (failures) { fprintf(stderr, "%d failure(s)\n", failures); return 1; }
  printf("switch_test: all checks passed\n");
  return 0;
}
