// Checks StreamIO's C helpers (Sources/CStreamIOSupport) against plain loops:
// the 64-byte masks on random bytes at every alignment, built with SSE2 or
// NEON (the native build), or with the portable code (-DCBS_FORCE_PORTABLE),
// and the table of powers of ten.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "CStreamIOSupport.h"

static int failures = 0;

static void check(int ok, const char *what, int round, int offset) {
  if (!ok && failures++ < 10) fprintf(stderr, "FAIL %s (round %d, offset %d)\n", what, round, offset);
}

int main(void) {
  // Mostly the bytes the readers look for, plus high bytes (signedness bugs).
  const uint8_t alphabet[] = {',', '"', '\n', '\r', '\t', 'a', '0', 0x00, 0x80, 0xFF, 0x2C, 0xAC};
  uint8_t buffer[64 + 64];
  srand(12345);
  for (int round = 0; round < 20000; round++) {
    for (size_t i = 0; i < sizeof buffer; i++) buffer[i] = alphabet[rand() % sizeof alphabet];
    int offset = round % 64;
    const uint8_t *p = buffer + offset;
    uint8_t a = alphabet[rand() % sizeof alphabet];
    uint64_t equal = 0, any = 0;
    for (int i = 0; i < 64; i++) {
      equal |= (uint64_t)(p[i] == a) << i;
      any |= (uint64_t)(p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r') << i;
    }
    check(cbs_mask_equal(p, a) == equal, "cbs_mask_equal", round, offset);
    check(cbs_mask_any4(p, ',', '"', '\n', '\r') == any, "cbs_mask_any4", round, offset);
    uint64_t delimiters, newlines, special, d = 0, n = 0, q = 0;
    for (int i = 0; i < 64; i++) {
      d |= (uint64_t)(p[i] == a) << i;
      n |= (uint64_t)(p[i] == '\n') << i;
      q |= (uint64_t)(p[i] == '"' || p[i] == '\r') << i;
    }
    cbs_masks_csv(p, a, '"', &delimiters, &newlines, &special);
    check(delimiters == d && newlines == n && special == q, "cbs_masks_csv", round, offset);
  }
  double power = 1;
  for (unsigned e = 0; e <= 22; e++) {
    check(cbs_exact_power_of_ten(e) == power, "cbs_exact_power_of_ten", (int)e, 0);
    power *= 10;
  }
#if CBS_SSE2
  const char *kind = "SSE2";
#elif CBS_NEON
  const char *kind = "NEON";
#else
  const char *kind = "portable";
#endif
  if (failures) {
    fprintf(stderr, "%d byte-mask failures (%s)\n", failures, kind);
    return 1;
  }
  printf("byte masks and powers of ten agree with plain loops (%s)\n", kind);
  return 0;
}
