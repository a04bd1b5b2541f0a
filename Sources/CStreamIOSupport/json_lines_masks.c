// cbs_masks_json_lines for many 64-byte blocks at once, with AVX2 where the
// processor has it (chosen once, at the first call): 32 bytes a compare, half
// of SSE2's work for these eight masks. Out of line, so the choice is made
// here and not in every caller; a call covers many blocks.
#include "json_lines_masks.h"

#if CBS_SSE2
#include <cpuid.h>
#include <immintrin.h>

__attribute__((target("avx2"))) static inline uint64_t cbs_movemask64_avx2(__m256i low, __m256i high) {
  return (uint64_t)(uint32_t)_mm256_movemask_epi8(low) | ((uint64_t)(uint32_t)_mm256_movemask_epi8(high) << 32);
}

__attribute__((target("avx2"))) static void cbs_masks_json_lines_run_avx2(const void *p, size_t blocks,
                                                                           cbs_json_lines_masks *out) {
  const __m256i vq = _mm256_set1_epi8('"'), vs = _mm256_set1_epi8(0x20), vc = _mm256_set1_epi8(':');
  const __m256i vk = _mm256_set1_epi8(','), vl = _mm256_set1_epi8('{'), vr = _mm256_set1_epi8('}');
  const __m256i vn = _mm256_set1_epi8('\n'), backslash = _mm256_set1_epi8('\\');
  const uint8_t *bytes = (const uint8_t *)p;
  for (size_t b = 0; b < blocks; b++, bytes += 64) {
    __m256i v0 = _mm256_loadu_si256((const __m256i *)bytes), v1 = _mm256_loadu_si256((const __m256i *)(bytes + 32));
    cbs_json_lines_masks m;
    m.quotes = cbs_movemask64_avx2(_mm256_cmpeq_epi8(v0, vq), _mm256_cmpeq_epi8(v1, vq));
    m.spaces = cbs_movemask64_avx2(_mm256_cmpeq_epi8(v0, vs), _mm256_cmpeq_epi8(v1, vs));
    m.colons = cbs_movemask64_avx2(_mm256_cmpeq_epi8(v0, vc), _mm256_cmpeq_epi8(v1, vc));
    m.commas = cbs_movemask64_avx2(_mm256_cmpeq_epi8(v0, vk), _mm256_cmpeq_epi8(v1, vk));
    m.opens = cbs_movemask64_avx2(_mm256_cmpeq_epi8(v0, vl), _mm256_cmpeq_epi8(v1, vl));
    m.closes = cbs_movemask64_avx2(_mm256_cmpeq_epi8(v0, vr), _mm256_cmpeq_epi8(v1, vr));
    m.newlines = cbs_movemask64_avx2(_mm256_cmpeq_epi8(v0, vn), _mm256_cmpeq_epi8(v1, vn));
    // (Signed: bytes from 0x80 are negative, so one compare finds them and the controls.)
    m.attention = cbs_movemask64_avx2(_mm256_or_si256(_mm256_cmpgt_epi8(vs, v0), _mm256_cmpeq_epi8(v0, backslash)),
                                      _mm256_or_si256(_mm256_cmpgt_epi8(vs, v1), _mm256_cmpeq_epi8(v1, backslash)));
    out[b] = m;
  }
}

static int cbs_has_avx2(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) || !(c & bit_AVX)) return 0;
  unsigned xcr0_low, xcr0_high;
  __asm__("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
  if ((xcr0_low & 6) != 6) return 0;  // the OS saves the YMM registers
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  return (b & bit_AVX2) != 0;
}
#endif

static void cbs_masks_json_lines_run_baseline(const void *p, size_t blocks, cbs_json_lines_masks *out) {
  const uint8_t *bytes = (const uint8_t *)p;
  for (size_t b = 0; b < blocks; b++) out[b] = cbs_masks_json_lines(bytes + 64 * b);
}

void cbs_masks_json_lines_run(const void *p, size_t blocks, cbs_json_lines_masks *out) {
#if CBS_SSE2
  // 0: not chosen yet; 1: baseline; 2: AVX2. (Atomic: threads may race to choose, the same way.)
  static int choice = 0;
  int chosen = __atomic_load_n(&choice, __ATOMIC_RELAXED);
  if (chosen == 0) {
    chosen = cbs_has_avx2() ? 2 : 1;
    __atomic_store_n(&choice, chosen, __ATOMIC_RELAXED);
  }
  if (chosen == 2) {
    cbs_masks_json_lines_run_avx2(p, blocks, out);
    return;
  }
#endif
  cbs_masks_json_lines_run_baseline(p, blocks, out);
}
