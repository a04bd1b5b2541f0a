// Moving a coroutine body's exclusivity accesses on and off the thread.
//
// The Swift runtime tracks dynamic exclusivity accesses in a per-thread
// linked list. A body that holds an access across a yield (an inout to a class
// property, say) must take it along when it switches out, or the list would
// point into a suspended stack, and into another thread's stack if the
// generator is then resumed elsewhere. Tasks solve this with
// swift_task_enterThreadLocalContext / swift_task_exitThreadLocalContext, and
// so do we, but each call costs a general-dynamic TLS lookup inside the
// runtime: 15 ns a round trip, three times the rest of a yield.
//
// So, once per thread, we find the address of the thread's list head: we
// begin a tracked access on a local, look for its address in the TLS blocks
// of the loaded modules (libswiftCore's is 24 bytes), end the access and check
// that the slot went back; then two nested accesses check the record layout the
// inline code relies on (the link field's place, the head's updates). The inline functions in the header then do what
// the runtime's enter/exit do (same algorithm, same record layout), on the
// cached slot. If anything about the probe does not check out (another
// platform, a runtime that changed, exclusivity checking disabled), the slot
// is marked unusable and the runtime's own functions are called instead.
#define _GNU_SOURCE
#include "include/CGeneratorsRuntime.h"

#if defined(__linux__)
#include <link.h>
#endif
#include <string.h>

__thread void **cgr_thread_access_head __attribute__((tls_model("initial-exec")));

// The runtime's access entry points (C calling convention).
extern void swift_beginAccess(void *pointer, void *buffer, uintptr_t flags, void *pc);
extern void swift_endAccess(void *buffer);

#define CGR_ACCESS_MODIFY 0x1
#define CGR_ACCESS_TRACKING 0x20

#if defined(__linux__)
typedef struct probe {
  void *sentinel;
  void **found;
  int matches;
} probe;

static int scan_module(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  probe *p = data;
  if (info->dlpi_tls_modid == 0 || info->dlpi_tls_data == NULL) return 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *header = &info->dlpi_phdr[i];
    if (header->p_type != PT_TLS) continue;
    void **words = info->dlpi_tls_data;
    size_t count = header->p_memsz / sizeof(void *);
    for (size_t w = 0; w < count; w++) {
      if (words[w] == p->sentinel) {
        p->found = &words[w];
        p->matches++;
      }
    }
  }
  return 0;
}
#endif

#if defined(__linux__)
// The inline enter/exit walk records by their link field (cgr_access, the
// third word) and write the head: check both with two nested accesses. The
// inner record must be the head and link to the outer one (the link's low bit
// is a flag), each record must hold the address accessed, and ending each must
// restore the head as it was.
static int record_layout_holds(void **head) {
  char first_target, second_target;
  void *first[3] = {0}, *second[3] = {0};
  void *before = *head;
  swift_beginAccess(&first_target, first, CGR_ACCESS_MODIFY | CGR_ACCESS_TRACKING, NULL);
  int ok = *head == (void *)first;
  swift_beginAccess(&second_target, second, CGR_ACCESS_MODIFY | CGR_ACCESS_TRACKING, NULL);
  const cgr_access *inner = (const cgr_access *)second, *outer = (const cgr_access *)first;
  ok = ok && *head == (void *)second;
  ok = ok && (void *)(inner->next_and_action & ~(uintptr_t)1) == (void *)first;
  ok = ok && (void *)(outer->next_and_action & ~(uintptr_t)1) == before;
  ok = ok && inner->pointer == (void *)&second_target && outer->pointer == (void *)&first_target;
  swift_endAccess(second);
  ok = ok && *head == (void *)first;
  swift_endAccess(first);
  return ok && *head == before;
}
#endif

void **cgr_lookup_thread_access_head(void) {
  void **slot = CGR_ACCESS_HEAD_UNUSABLE;
#if defined(__linux__)
  char target;
  void *buffer[3] = {0};
  probe p = {.sentinel = buffer, .found = NULL, .matches = 0};
  swift_beginAccess(&target, buffer, CGR_ACCESS_MODIFY | CGR_ACCESS_TRACKING, NULL);
  dl_iterate_phdr(scan_module, &p);
  void *inside = p.found ? *p.found : NULL;
  swift_endAccess(buffer);
  if (p.matches == 1 && inside == (void *)buffer && *p.found != (void *)buffer &&
      record_layout_holds(p.found)) {
    slot = p.found;
  }
#endif
  cgr_thread_access_head = slot;
  return slot;
}

// Once per thread, before its first switch into a generator: the thread gets a
// signal stack for overflow reports, and its access head is found.
void **cgr_first_resume_on_thread(void) {
  cgr_overflow_prepare_thread();
  return cgr_lookup_thread_access_head();
}
