// Coroutine stacks: mmap'd, guarded, pooled per thread.
//
// Linux allows about 65,530 memory mappings per process. A guard page made
// with mprotect splits a stack into two mappings, so guarded stacks would stop
// at about 32,700. We therefore prefer MADV_GUARD_INSTALL (Linux 6.13+), which
// guards without a new mapping (neighbouring stacks even merge into one), and
// fall back to mprotect guards up to a budget derived from vm.max_map_count,
// then to guardless stacks whose bottom canary is checked at every suspension.
#define _GNU_SOURCE
#include "include/CGeneratorsRuntime.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0
#endif
#ifndef MAP_STACK
#define MAP_STACK 0
#endif

#define CGR_CANARY 0x5347454e43414e59ull  // "SGENCANY"
#define CGR_POOL_CAPACITY 16

// The guard pages the overflow handler recognises (stack_overflow.c).
void cgr_guard_register(const cgr_stack *stack);
void cgr_guard_unregister(const cgr_stack *stack);
void cgr_overflow_install_handler(void);

static _Atomic int64_t mapped_stacks;   // changed only by mmap and munmap, not by the pool
static _Atomic int64_t mprotect_guarded;
static _Atomic int64_t canary_only;
static _Atomic int64_t mprotect_budget = -1;   // computed on first use
static _Atomic int madvise_guard_supported = 1;
static _Atomic int guard_policy = CGR_POLICY_AUTOMATIC;

size_t cgr_page_size(void) {
  static _Atomic size_t cached;
  size_t size = atomic_load_explicit(&cached, memory_order_relaxed);
  if (!size) {
    size = (size_t)sysconf(_SC_PAGESIZE);
    atomic_store_explicit(&cached, size, memory_order_relaxed);
  }
  return size;
}

// Half of what the mapping limit leaves after a reserve for the rest of the
// process (malloc arenas, libraries, threads), since each guard costs two.
static int64_t compute_mprotect_budget(void) {
#if defined(__linux__)
  long limit = 65530;
  FILE *file = fopen("/proc/sys/vm/max_map_count", "r");
  if (file) {
    long value;
    if (fscanf(file, "%ld", &value) == 1 && value > 0) limit = value;
    fclose(file);
  }
  long reserve = limit / 4 > 4096 ? limit / 4 : 4096;
  long budget = (limit - reserve) / 2;
  return budget > 0 ? budget : 0;
#else
  return INT64_MAX;   // Mach has no small per-process mapping limit
#endif
}

static int64_t current_budget(void) {
  int64_t budget = atomic_load_explicit(&mprotect_budget, memory_order_relaxed);
  if (budget < 0) {
    budget = compute_mprotect_budget();
    atomic_store_explicit(&mprotect_budget, budget, memory_order_relaxed);
  }
  return budget;
}

static void write_canary(const cgr_stack *stack) {
  char *bottom = (char *)stack->mapping + (stack->mapping_size - stack->usable_size);
  *(volatile uint64_t *)bottom = CGR_CANARY;
}

int cgr_stack_intact(const cgr_stack *stack) {
  if (stack->guard != CGR_GUARD_CANARY) return 1;
  char *bottom = (char *)stack->mapping + (stack->mapping_size - stack->usable_size);
  return *(volatile uint64_t *)bottom == CGR_CANARY;
}

// Chooses and installs the guard for a fresh mapping of `page` + usable bytes.
static cgr_guard_kind install_guard(void *mapping, size_t page) {
  int policy = atomic_load_explicit(&guard_policy, memory_order_relaxed);
#if defined(__linux__)
  if (policy == CGR_POLICY_AUTOMATIC &&
      atomic_load_explicit(&madvise_guard_supported, memory_order_relaxed)) {
    if (madvise(mapping, page, MADV_GUARD_INSTALL) == 0) return CGR_GUARD_MADVISE;
    if (errno == EINVAL) atomic_store(&madvise_guard_supported, 0);
  }
#endif
  if (policy != CGR_POLICY_CANARY) {
    int64_t used = atomic_fetch_add(&mprotect_guarded, 1);
    if (used < current_budget() && mprotect(mapping, page, PROT_NONE) == 0)
      return CGR_GUARD_MPROTECT;
    atomic_fetch_sub(&mprotect_guarded, 1);
  }
  atomic_fetch_add(&canary_only, 1);
  return CGR_GUARD_CANARY;
}

static int map_stack(size_t usable, cgr_stack *out) {
  size_t page = cgr_page_size();
  size_t length = usable + page;
  void *mapping = mmap(NULL, length, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (mapping == MAP_FAILED) return errno ? errno : ENOMEM;
  atomic_fetch_add_explicit(&mapped_stacks, 1, memory_order_relaxed);
  out->mapping = mapping;
  out->mapping_size = length;
  out->usable_size = usable;
  out->guard = install_guard(mapping, page);
  if (out->guard == CGR_GUARD_CANARY) {
    write_canary(out);
  } else {
    cgr_overflow_install_handler();
    cgr_guard_register(out);
  }
  return 0;
}

static void unmap_stack(const cgr_stack *stack) {
  if (stack->guard == CGR_GUARD_MPROTECT) atomic_fetch_sub(&mprotect_guarded, 1);
  if (stack->guard == CGR_GUARD_CANARY) atomic_fetch_sub(&canary_only, 1);
  // Before munmap: once unmapped, the address may be mapped again for anything.
  if (stack->guard != CGR_GUARD_CANARY) cgr_guard_unregister(stack);
  munmap(stack->mapping, stack->mapping_size);
  atomic_fetch_sub_explicit(&mapped_stacks, 1, memory_order_relaxed);
}

// A small per-thread free list, so creating and destroying a generator in a
// loop does not mmap and munmap each time. Drained at thread exit.
typedef struct cgr_pool {
  int count;
  cgr_stack stacks[CGR_POOL_CAPACITY];
} cgr_pool;

static _Thread_local cgr_pool thread_pool;
static _Thread_local int thread_pool_registered;
static pthread_key_t pool_key;
static pthread_once_t pool_key_once = PTHREAD_ONCE_INIT;

void cgr_pool_drain(void) {
  while (thread_pool.count > 0) unmap_stack(&thread_pool.stacks[--thread_pool.count]);
}

static void pool_thread_exit(void *unused) {
  (void)unused;
  cgr_pool_drain();
}

static void make_pool_key(void) { pthread_key_create(&pool_key, pool_thread_exit); }

int cgr_stack_acquire(size_t usable_size, cgr_stack *out) {
  size_t page = cgr_page_size();
  if (usable_size < 4 * page) usable_size = 4 * page;
  usable_size = (usable_size + page - 1) & ~(page - 1);
  cgr_pool *pool = &thread_pool;
  for (int i = pool->count - 1; i >= 0; i--) {
    if (pool->stacks[i].usable_size == usable_size) {
      *out = pool->stacks[i];
      pool->stacks[i] = pool->stacks[--pool->count];
      return 0;
    }
  }
  return map_stack(usable_size, out);
}

// No atomic counter is touched on the pooled path: a locked instruction on
// each acquire and release cost about 40 ns of a generator's creation.
void cgr_stack_release(const cgr_stack *stack) {
  cgr_pool *pool = &thread_pool;
  if (pool->count < CGR_POOL_CAPACITY && cgr_stack_intact(stack)) {
    if (!thread_pool_registered) {
      pthread_once(&pool_key_once, make_pool_key);
      pthread_setspecific(pool_key, (void *)1);
      thread_pool_registered = 1;
    }
    pool->stacks[pool->count++] = *stack;
    return;
  }
  unmap_stack(stack);
}

void cgr_get_stats(cgr_stats *out) {
  out->mapped_stacks = atomic_load(&mapped_stacks);
  out->mprotect_guarded = atomic_load(&mprotect_guarded);
  out->canary_only = atomic_load(&canary_only);
  out->mprotect_budget = current_budget();
}

void cgr_set_guard_policy(cgr_guard_policy policy) {
  atomic_store(&guard_policy, (int)policy);
}
