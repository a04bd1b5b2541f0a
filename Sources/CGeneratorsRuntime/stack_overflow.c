// Reporting a generator body that overflows its stack.
//
// A body that recurses too deep touches the guard page below its stack and
// the kernel sends SIGSEGV (SIGBUS on macOS). Without help that is a bare
// segmentation fault, and on a thread without an alternate signal stack no
// handler can even run, since the faulting stack is full. So, as Rust does for
// threads: a handler on an alternate signal stack looks the fault address up
// in a registry of live guard pages; on a hit it writes what happened and how
// to fix it, puts back the default action and returns, so the faulting
// instruction runs again and the process dies of the same signal as before
// (same exit status, same core dump). Any other fault goes to the handler that
// was installed before ours (Swift's backtracer, a sanitizer's), as if we were
// not there.
//
// The handler is installed once, when the first stack is mapped. Each thread
// gets a signal stack the first time it switches into a generator
// (cgr_overflow_prepare_thread), unless it already has one, and frees it at
// exit. The registry is an open-addressing hash table of guard page addresses:
// writers (mapping and unmapping stacks) take a lock, the handler reads it
// without one. Everything the handler calls is async-signal-safe.
#define _GNU_SOURCE
#include "include/CGeneratorsRuntime.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0
#endif

// ---- The registry of guard pages -------------------------------------------

#define EMPTY ((uintptr_t)0)
#define DELETED ((uintptr_t)1)   // a removed entry: lookups probe past it
#define MIN_CAPACITY 1024

typedef struct guard_entry {
  _Atomic uintptr_t page;    // the guard page's address, or EMPTY or DELETED
  _Atomic size_t usable;     // bytes of stack above it; written before page
} guard_entry;

typedef struct guard_table {
  size_t capacity;           // a power of two; fixed once published
  size_t used;               // entries not EMPTY (live or DELETED); writers only
  size_t live;
  guard_entry entries[];
} guard_table;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(guard_table *) registry;
// Handlers reading a table right now. A writer that replaces the table frees
// the old one only when none is, else leaves it mapped: a handler is then
// reporting a crash, and the process is about to end.
static _Atomic int registry_readers;

static size_t table_bytes(size_t capacity) {
  return sizeof(guard_table) + capacity * sizeof(guard_entry);
}

static size_t slot_of(uintptr_t page, size_t capacity) {
  uint64_t hash = (uint64_t)(page / cgr_page_size()) * 0x9E3779B97F4A7C15ull;
  return (size_t)(hash >> 20) & (capacity - 1);
}

static guard_table *make_table(size_t capacity) {
  void *memory = mmap(NULL, table_bytes(capacity), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return NULL;
  guard_table *table = memory;   // mmap gives zeroes: every entry EMPTY
  table->capacity = capacity;
  return table;
}

// Under the lock. Puts an entry in the first EMPTY or DELETED slot.
static void insert(guard_table *table, uintptr_t page, size_t usable) {
  size_t mask = table->capacity - 1;
  for (size_t i = slot_of(page, table->capacity);; i = (i + 1) & mask) {
    uintptr_t current = atomic_load_explicit(&table->entries[i].page, memory_order_relaxed);
    if (current == EMPTY || current == DELETED) {
      if (current == EMPTY) table->used++;
      table->live++;
      atomic_store_explicit(&table->entries[i].usable, usable, memory_order_relaxed);
      atomic_store_explicit(&table->entries[i].page, page, memory_order_release);
      return;
    }
  }
}

// Under the lock: a table with room for one more entry, rebuilt (without its
// DELETED entries) when more than half full. Returns NULL if none can be mapped.
static guard_table *table_with_room(void) {
  guard_table *table = atomic_load_explicit(&registry, memory_order_relaxed);
  if (table && (table->used + 1) * 2 <= table->capacity) return table;
  size_t live = table ? table->live : 0;
  size_t capacity = MIN_CAPACITY;
  while (capacity < (live + 1) * 4) capacity *= 2;
  guard_table *fresh = make_table(capacity);
  if (!fresh) return NULL;
  if (table) {
    for (size_t i = 0; i < table->capacity; i++) {
      uintptr_t page = atomic_load_explicit(&table->entries[i].page, memory_order_relaxed);
      if (page != EMPTY && page != DELETED)
        insert(fresh, page, atomic_load_explicit(&table->entries[i].usable, memory_order_relaxed));
    }
  }
  atomic_store(&registry, fresh);   // seq_cst, paired with the handler's
  if (table && atomic_load(&registry_readers) == 0) munmap(table, table_bytes(table->capacity));
  return fresh;
}

void cgr_guard_register(const cgr_stack *stack) {
  pthread_mutex_lock(&registry_lock);
  guard_table *table = table_with_room();
  // Without a table the stack is still guarded; only the report is lost.
  if (table) insert(table, (uintptr_t)stack->mapping, stack->usable_size);
  pthread_mutex_unlock(&registry_lock);
}

void cgr_guard_unregister(const cgr_stack *stack) {
  uintptr_t page = (uintptr_t)stack->mapping;
  pthread_mutex_lock(&registry_lock);
  guard_table *table = atomic_load_explicit(&registry, memory_order_relaxed);
  if (table) {
    size_t mask = table->capacity - 1;
    for (size_t i = slot_of(page, table->capacity);; i = (i + 1) & mask) {
      uintptr_t current = atomic_load_explicit(&table->entries[i].page, memory_order_relaxed);
      if (current == EMPTY) break;
      if (current == page) {
        atomic_store_explicit(&table->entries[i].page, DELETED, memory_order_release);
        table->live--;
        break;
      }
    }
  }
  pthread_mutex_unlock(&registry_lock);
}

// Async-signal-safe: atomics only. The usable size of the stack whose guard
// page holds `address`, or 0.
size_t cgr_guard_lookup(const void *address) {
  uintptr_t page = (uintptr_t)address & ~(uintptr_t)(cgr_page_size() - 1);
  size_t usable = 0;
  atomic_fetch_add(&registry_readers, 1);   // seq_cst, paired with the writer's
  guard_table *table = atomic_load(&registry);
  if (table && page > DELETED) {
    size_t mask = table->capacity - 1;
    size_t i = slot_of(page, table->capacity);
    for (size_t probes = 0; probes < table->capacity; probes++, i = (i + 1) & mask) {
      uintptr_t current = atomic_load_explicit(&table->entries[i].page, memory_order_acquire);
      if (current == EMPTY) break;
      if (current == page) {
        usable = atomic_load_explicit(&table->entries[i].usable, memory_order_relaxed);
        break;
      }
    }
  }
  atomic_fetch_sub(&registry_readers, 1);
  return usable;
}

// ---- The handler -------------------------------------------------------------

static struct sigaction previous_segv;
#if defined(__APPLE__)
static struct sigaction previous_bus;
#endif

static void write_all(const char *text, size_t length) {
  while (length > 0) {
    ssize_t written = write(STDERR_FILENO, text, length);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;
    text += written;
    length -= (size_t)written;
  }
}

static void write_text(const char *text) { write_all(text, strlen(text)); }

static void write_number(size_t value) {
  char digits[24];
  size_t at = sizeof digits;
  do {
    digits[--at] = (char)('0' + value % 10);
    value /= 10;
  } while (value > 0);
  write_all(digits + at, sizeof digits - at);
}

static void report_overflow(size_t usable) {
  write_text("generator stack overflow: the body used all of its ");
  write_number(usable);
  write_text("-byte stack; pass a larger stackSize, as in Generator(stackSize: ");
  write_number(usable * 4);
  write_text(") { co in ... } (Coroutine takes it too)\n");
}

static void set_action(int signal, const struct sigaction *action) { sigaction(signal, action, NULL); }

// What the kernel would have done had our handler not been installed.
static void chain(int signal, siginfo_t *info, void *context, const struct sigaction *previous) {
  if (previous->sa_flags & SA_SIGINFO) {
    if (previous->sa_flags & SA_RESETHAND) set_action(signal, &(struct sigaction){.sa_handler = SIG_DFL});
    previous->sa_sigaction(signal, info, context);
    return;
  }
  if (previous->sa_handler == SIG_DFL || previous->sa_handler == SIG_IGN) {
    // Put it back: a fault happens again when we return and meets it. A
    // signal sent with kill() does not, so it is sent again (it waits until
    // the handler returns, the signal being blocked here).
    set_action(signal, previous);
    if (info->si_code <= 0) raise(signal);
    return;
  }
  if (previous->sa_flags & SA_RESETHAND) set_action(signal, &(struct sigaction){.sa_handler = SIG_DFL});
  previous->sa_handler(signal);
}

static void on_fault(int signal, siginfo_t *info, void *context) {
  int saved_errno = errno;
  // si_code > 0: sent by the kernel for a fault, so si_addr is the address.
  size_t usable = info->si_code > 0 ? cgr_guard_lookup(info->si_addr) : 0;
  if (usable) {
    report_overflow(usable);
    // Die of the fault itself: with the default action back, the faulting
    // instruction runs again when we return.
    set_action(signal, &(struct sigaction){.sa_handler = SIG_DFL});
  } else {
#if defined(__APPLE__)
    chain(signal, info, context, signal == SIGBUS ? &previous_bus : &previous_segv);
#else
    chain(signal, info, context, &previous_segv);
#endif
  }
  errno = saved_errno;
}

// Ours runs with the previous handler's mask and SA_NODEFER, so that a
// handler we chain to runs as it expects (Swift's backtracer relies on
// SA_NODEFER to catch faults while it reads memory).
static void install_for(int signal, struct sigaction *previous) {
  if (sigaction(signal, NULL, previous) != 0) return;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_fault;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | (previous->sa_flags & SA_NODEFER);
  int chains = (previous->sa_flags & SA_SIGINFO) || (previous->sa_handler != SIG_DFL && previous->sa_handler != SIG_IGN);
  if (chains) action.sa_mask = previous->sa_mask;
  else sigemptyset(&action.sa_mask);
  sigaction(signal, &action, NULL);
}

static pthread_once_t handler_once = PTHREAD_ONCE_INIT;

// A fork while another thread holds the registry lock would leave the
// child's copy locked for good: fork waits for the lock instead.
static void lock_registry(void) { pthread_mutex_lock(&registry_lock); }
static void unlock_registry(void) { pthread_mutex_unlock(&registry_lock); }

static void install_handler(void) {
  pthread_atfork(lock_registry, unlock_registry, unlock_registry);
  install_for(SIGSEGV, &previous_segv);
#if defined(__APPLE__)
  install_for(SIGBUS, &previous_bus);   // macOS reports guard page faults as SIGBUS
#endif
}

void cgr_overflow_install_handler(void) { pthread_once(&handler_once, install_handler); }

// ---- Per-thread signal stacks ------------------------------------------------

// Room for our handler and for the one it chains to (Swift's backtracer asks
// for SIGSTKSZ + 16 KiB on the thread where it installs its own stack).
#define SIGNAL_STACK_SIZE (64 * 1024)

static pthread_key_t signal_stack_key;
static pthread_once_t signal_stack_key_once = PTHREAD_ONCE_INIT;
static _Thread_local int thread_prepared;

static size_t signal_stack_size(void) {
  size_t size = SIGNAL_STACK_SIZE;
#if defined(_SC_SIGSTKSZ)
  long wanted = sysconf(_SC_SIGSTKSZ);   // larger on CPUs with wide vector state
  if (wanted > 0 && (size_t)wanted * 4 > size) size = (size_t)wanted * 4;
#endif
  size_t page = cgr_page_size();
  return (size + page - 1) & ~(page - 1);
}

// At thread exit: stop using the signal stack (if it is still ours), then unmap it.
static void free_signal_stack(void *mapping) {
  size_t page = cgr_page_size();
  stack_t current;
  if (sigaltstack(NULL, &current) == 0 && current.ss_sp == (char *)mapping + page) {
    stack_t off;
    memset(&off, 0, sizeof off);
    off.ss_flags = SS_DISABLE;
    sigaltstack(&off, NULL);
  }
  munmap(mapping, page + signal_stack_size());
}

static void make_signal_stack_key(void) { pthread_key_create(&signal_stack_key, free_signal_stack); }

void cgr_overflow_prepare_thread(void) {
  if (thread_prepared) return;
  thread_prepared = 1;
  stack_t current;
  if (sigaltstack(NULL, &current) != 0) return;
  if (!(current.ss_flags & SS_DISABLE)) return;   // the thread has one already
  size_t page = cgr_page_size();
  size_t size = signal_stack_size();
  char *mapping = mmap(NULL, page + size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mapping == MAP_FAILED) return;   // no report for this thread; nothing else changes
  mprotect(mapping, page, PROT_NONE);  // a guard below the signal stack too
  stack_t stack;
  memset(&stack, 0, sizeof stack);
  stack.ss_sp = mapping + page;
  stack.ss_size = size;
  if (sigaltstack(&stack, NULL) != 0) {
    munmap(mapping, page + size);
    return;
  }
  pthread_once(&signal_stack_key_once, make_signal_stack_key);
  pthread_setspecific(signal_stack_key, mapping);
}
