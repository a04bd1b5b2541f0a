// A C test of the stack overflow report (stack_overflow.c): each case runs in
// a child process, since it ends in a crash, and the parent checks how the
// child died and what it wrote to stderr.
//  - A body that recurses past its stack's guard page (mprotect guard, and the
//    madvise guard where the kernel has it) prints the message naming the
//    stack size and dies of SIGSEGV, on the main thread and on another thread.
//  - Any other fault goes to the handler installed before ours, or, if there
//    was none, kills with SIGSEGV and no message; so does a fault at the
//    address of a stack that has been unmapped.
#include "../../Sources/CGeneratorsRuntime/include/CGeneratorsRuntime.h"

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

#define STACK_SIZE (64 * 1024)
static const char *expected_message =
    "generator stack overflow: the body used all of its 65536-byte stack; pass a larger stackSize";

static volatile long depth_limit = LONG_MAX;   // volatile: the recursion cannot be proven endless

static long __attribute__((noinline)) recurse(long depth) {
  volatile char frame[512];
  frame[0] = (char)depth;
  if (depth >= depth_limit) return depth;
  return recurse(depth + 1) + frame[0];
}

typedef struct body_state {
  cgr_context *context;
} body_state;

static void overflowing_body(void *arg) {
  (void)arg;
  recurse(0);
}

// Runs a body that overflows its stack on the calling thread.
static void overflow_here(cgr_guard_policy policy) {
  cgr_set_guard_policy(policy);
  cgr_stack stack;
  if (cgr_stack_acquire(STACK_SIZE, &stack) != 0) _exit(90);
  if (stack.guard == CGR_GUARD_CANARY) _exit(91);
  if (cgr_guard_lookup(stack.mapping) != STACK_SIZE) _exit(92);
  body_state state;
  state.context = cgr_context_init(&stack, overflowing_body, &state, 0, 0);
  cgr_overflow_prepare_thread();   // what the first resume on a thread does
  cgr_switch(&state.context->caller_sp, state.context->coroutine_sp);
  _exit(93);   // not reached: the body never comes back
}

static void *overflow_on_thread(void *arg) {
  overflow_here((cgr_guard_policy)(intptr_t)arg);
  return NULL;
}

static void case_overflow_main_mprotect(void) { overflow_here(CGR_POLICY_MPROTECT); }
static void case_overflow_main_madvise(void) { overflow_here(CGR_POLICY_AUTOMATIC); }
static void case_overflow_other_thread(void) {
  pthread_t thread;
  if (pthread_create(&thread, NULL, overflow_on_thread, (void *)(intptr_t)CGR_POLICY_MPROTECT) != 0) _exit(94);
  pthread_join(thread, NULL);
  _exit(95);
}

static void previous_handler(int signal, siginfo_t *info, void *context) {
  (void)info;
  (void)context;
  static const char text[] = "previous handler ran\n";
  write(2, text, sizeof text - 1);
  _exit(signal == SIGSEGV ? 42 : 43);
}

static volatile char *inaccessible_page(void) {
  void *page = mmap(NULL, cgr_page_size(), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) _exit(96);
  return page;
}

// A fault that is not an overflow reaches the handler that was there before.
static void case_other_fault_chains(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = previous_handler;
  action.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &action, NULL);
  cgr_stack stack;
  if (cgr_stack_acquire(STACK_SIZE, &stack) != 0) _exit(90);   // installs ours
  cgr_overflow_prepare_thread();
  struct sigaction now;
  sigaction(SIGSEGV, NULL, &now);
  if (now.sa_sigaction == previous_handler) _exit(97);   // ours was not installed
  inaccessible_page()[0] = 1;
  _exit(98);
}

// With no handler before ours, other faults kill as they always did, and so
// does one in the guard page of a stack that has since been unmapped.
static void case_other_fault_default(void) {
  cgr_set_guard_policy(CGR_POLICY_MPROTECT);
  cgr_stack stack;
  if (cgr_stack_acquire(STACK_SIZE, &stack) != 0) _exit(90);
  cgr_overflow_prepare_thread();
  void *guard = stack.mapping;
  cgr_stack_release(&stack);
  cgr_pool_drain();
  if (cgr_guard_lookup(guard) != 0) _exit(99);
  // Map something else there, inaccessible, so the fault is at that address.
  void *again = mmap(guard, cgr_page_size(), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (again == MAP_FAILED) _exit(96);
  ((volatile char *)again)[0] = 1;
  _exit(98);
}

typedef struct outcome {
  int status;
  char stderr_text[4096];
} outcome;

static outcome run_child(void (*child)(void)) {
  outcome result;
  memset(&result, 0, sizeof result);
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) { perror("pipe"); exit(2); }
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) { perror("fork"); exit(2); }
  if (pid == 0) {
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);   // the crash is expected: no core file
    dup2(pipe_fds[1], 2);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    child();
    _exit(100);
  }
  close(pipe_fds[1]);
  size_t used = 0;
  ssize_t got;
  while ((got = read(pipe_fds[0], result.stderr_text + used, sizeof result.stderr_text - 1 - used)) > 0)
    used += (size_t)got;
  close(pipe_fds[0]);
  waitpid(pid, &result.status, 0);
  return result;
}

static int died_of(const outcome *result, int signal) {
  return WIFSIGNALED(result->status) && WTERMSIG(result->status) == signal;
}

static void describe(const char *name, const outcome *result) {
  if (WIFSIGNALED(result->status))
    fprintf(stderr, "  %s: killed by signal %d; stderr: %s\n", name, WTERMSIG(result->status), result->stderr_text);
  else
    fprintf(stderr, "  %s: exit %d; stderr: %s\n", name, WEXITSTATUS(result->status), result->stderr_text);
}

static void expect_overflow_report(const char *name, void (*child)(void)) {
  outcome result = run_child(child);
  int ok = died_of(&result, SIGSEGV) && strstr(result.stderr_text, expected_message) != NULL &&
           strstr(result.stderr_text, "Generator(stackSize: 262144)") != NULL;
  CHECK(ok, "%s: expected the overflow message and death by SIGSEGV", name);
  if (!ok) describe(name, &result);
}

int main(void) {
  expect_overflow_report("overflow on the main thread, mprotect guard", case_overflow_main_mprotect);
  // qemu-user accepts MADV_GUARD_INSTALL but ignores it, so the madvise
  // guard is checked natively only (as in switch_test.c).
  if (!getenv("CGR_TEST_UNDER_EMULATOR"))
    expect_overflow_report("overflow on the main thread, madvise guard", case_overflow_main_madvise);
  expect_overflow_report("overflow on another thread", case_overflow_other_thread);

  outcome chained = run_child(case_other_fault_chains);
  int ok = WIFEXITED(chained.status) && WEXITSTATUS(chained.status) == 42 &&
           strstr(chained.stderr_text, "previous handler ran") && !strstr(chained.stderr_text, "generator stack");
  CHECK(ok, "another fault: expected the previous handler to run (exit 42) and no overflow message");
  if (!ok) describe("other fault, previous handler", &chained);

  outcome plain = run_child(case_other_fault_default);
  ok = died_of(&plain, SIGSEGV) && !strstr(plain.stderr_text, "generator stack");
  CHECK(ok, "another fault: expected death by SIGSEGV and no overflow message");
  if (!ok) describe("other fault, default action", &plain);

  if (failures) { fprintf(stderr, "%d failure(s)\n", failures); return 1; }
  printf("overflow_test: all checks passed\n");
  return 0;
}
