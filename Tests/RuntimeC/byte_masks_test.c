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
  // JSON Lines' eight masks, one block inline and runs of blocks (AVX2 where
  // the processor has it), against a plain loop.
  const uint8_t json[] = {'"', ' ', ':', ',', '{', '}', '\n', '\\', '\r', 0x1F, 0x7F, 0x80, 0xFF, 'a', '0', 0x00};
  uint8_t blocks[64 * 5 + 64];
  cbs_json_lines_masks run[5];
  for (int round = 0; round < 4000; round++) {
    for (size_t i = 0; i < sizeof blocks; i++) blocks[i] = json[rand() % sizeof json];
    int offset = round % 64;
    cbs_masks_json_lines_run(blocks + offset, 5, run);
    for (int b = 0; b < 5; b++) {
      const uint8_t *p = blocks + offset + 64 * b;
      cbs_json_lines_masks want = {0, 0, 0, 0, 0, 0, 0, 0};
      for (int i = 0; i < 64; i++) {
        uint64_t bit = (uint64_t)1 << i;
        if (p[i] == '"') want.quotes |= bit;
        if (p[i] == ' ') want.spaces |= bit;
        if (p[i] == ':') want.colons |= bit;
        if (p[i] == ',') want.commas |= bit;
        if (p[i] == '{') want.opens |= bit;
        if (p[i] == '}') want.closes |= bit;
        if (p[i] == '\n') want.newlines |= bit;
        if (p[i] < 0x20 || p[i] >= 0x80 || p[i] == '\\') want.attention |= bit;
      }
      cbs_json_lines_masks one = cbs_masks_json_lines(p);
      check(memcmp(&one, &want, sizeof want) == 0, "cbs_masks_json_lines", round, offset + 64 * b);
      check(memcmp(&run[b], &want, sizeof want) == 0, "cbs_masks_json_lines_run", round, offset + 64 * b);
    }
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
