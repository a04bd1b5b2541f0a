// Bit masks of byte positions, 64 bytes at a time, for the line and CSV
// readers: bit i of the result is set when p[i] is one of the bytes asked
// for. Static inline so the Swift optimizer inlines them into the readers'
// loops: SSE2 on x86_64 (its baseline), NEON on arm64, plain C elsewhere.
// `p` must have 64 readable bytes (ReadBuffer keeps 64 bytes of padding past
// its capacity for this).
#ifndef CSTREAMIO_BYTE_MASKS_H
#define CSTREAMIO_BYTE_MASKS_H

#include <stdint.h>

#if defined(__x86_64__) && defined(__SSE2__) && !defined(CBS_FORCE_PORTABLE)
#include <emmintrin.h>
#define CBS_SSE2 1
#elif defined(__aarch64__) && defined(__ARM_NEON) && !defined(CBS_FORCE_PORTABLE)
#include <arm_neon.h>
#define CBS_NEON 1
#endif

#if CBS_SSE2
static inline uint64_t cbs_movemask64(__m128i m0, __m128i m1, __m128i m2, __m128i m3) {
  uint64_t b0 = (uint32_t)_mm_movemask_epi8(m0), b1 = (uint32_t)_mm_movemask_epi8(m1);
  uint64_t b2 = (uint32_t)_mm_movemask_epi8(m2), b3 = (uint32_t)_mm_movemask_epi8(m3);
  return b0 | (b1 << 16) | (b2 << 32) | (b3 << 48);
}
#elif CBS_NEON
// No movemask on NEON: keep one bit per lane, then add lanes pairwise (simdjson's method).
static inline uint64_t cbs_movemask64(uint8x16_t m0, uint8x16_t m1, uint8x16_t m2, uint8x16_t m3) {
  const uint8x16_t bits = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
  uint8x16_t s0 = vpaddq_u8(vandq_u8(m0, bits), vandq_u8(m1, bits));
  uint8x16_t s1 = vpaddq_u8(vandq_u8(m2, bits), vandq_u8(m3, bits));
  s0 = vpaddq_u8(s0, s1);
  s0 = vpaddq_u8(s0, s0);
  return vgetq_lane_u64(vreinterpretq_u64_u8(s0), 0);
}
#endif

/// Bit i set when p[i] == a, for i in 0..<64.
static inline uint64_t cbs_mask_equal(const void *p, uint8_t a) {
  const uint8_t *bytes = (const uint8_t *)p;
#if CBS_SSE2
  const __m128i va = _mm_set1_epi8((char)a);
  __m128i m[4];
  for (int k = 0; k < 4; k++) {
    m[k] = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(bytes + 16 * k)), va);
  }
  return cbs_movemask64(m[0], m[1], m[2], m[3]);
#elif CBS_NEON
  const uint8x16_t va = vdupq_n_u8(a);
  uint8x16_t m[4];
  for (int k = 0; k < 4; k++) m[k] = vceqq_u8(vld1q_u8(bytes + 16 * k), va);
  return cbs_movemask64(m[0], m[1], m[2], m[3]);
#else
  uint64_t mask = 0;
  for (int i = 0; i < 64; i++) mask |= (uint64_t)(bytes[i] == a) << i;
  return mask;
#endif
}

/// Bit i set when p[i] is a, b, c or d, for i in 0..<64.
static inline uint64_t cbs_mask_any4(const void *p, uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  const uint8_t *bytes = (const uint8_t *)p;
#if CBS_SSE2
  const __m128i va = _mm_set1_epi8((char)a), vb = _mm_set1_epi8((char)b);
  const __m128i vc = _mm_set1_epi8((char)c), vd = _mm_set1_epi8((char)d);
  __m128i m[4];
  for (int k = 0; k < 4; k++) {
    __m128i v = _mm_loadu_si128((const __m128i *)(bytes + 16 * k));
    m[k] = _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)),
      _mm_or_si128(_mm_cmpeq_epi8(v, vc), _mm_cmpeq_epi8(v, vd)));
  }
  return cbs_movemask64(m[0], m[1], m[2], m[3]);
#elif CBS_NEON
  const uint8x16_t va = vdupq_n_u8(a), vb = vdupq_n_u8(b), vc = vdupq_n_u8(c), vd = vdupq_n_u8(d);
  uint8x16_t m[4];
  for (int k = 0; k < 4; k++) {
    uint8x16_t v = vld1q_u8(bytes + 16 * k);
    m[k] = vorrq_u8(vorrq_u8(vceqq_u8(v, va), vceqq_u8(v, vb)), vorrq_u8(vceqq_u8(v, vc), vceqq_u8(v, vd)));
  }
  return cbs_movemask64(m[0], m[1], m[2], m[3]);
#else
  uint64_t mask = 0;
  for (int i = 0; i < 64; i++) {
    uint8_t x = bytes[i];
    mask |= (uint64_t)(x == a || x == b || x == c || x == d) << i;
  }
  return mask;
#endif
}

/// For CSV, three masks of p[0..<64] at once: `delimiters` (== delimiter),
/// `newlines` (== LF) and `special` (== quote or CR), the bytes that need the
/// careful path.
static inline void cbs_masks_csv(const void *p, uint8_t delimiter, uint8_t quote, uint64_t *delimiters,
                                 uint64_t *newlines, uint64_t *special) {
  const uint8_t *bytes = (const uint8_t *)p;
#if CBS_SSE2
  const __m128i vd = _mm_set1_epi8((char)delimiter), vq = _mm_set1_epi8((char)quote);
  const __m128i vn = _mm_set1_epi8('\n'), vr = _mm_set1_epi8('\r');
  __m128i d[4], n[4], s[4];
  for (int k = 0; k < 4; k++) {
    __m128i v = _mm_loadu_si128((const __m128i *)(bytes + 16 * k));
    d[k] = _mm_cmpeq_epi8(v, vd);
    n[k] = _mm_cmpeq_epi8(v, vn);
    s[k] = _mm_or_si128(_mm_cmpeq_epi8(v, vq), _mm_cmpeq_epi8(v, vr));
  }
  *delimiters = cbs_movemask64(d[0], d[1], d[2], d[3]);
  *newlines = cbs_movemask64(n[0], n[1], n[2], n[3]);
  *special = cbs_movemask64(s[0], s[1], s[2], s[3]);
#elif CBS_NEON
  const uint8x16_t vd = vdupq_n_u8(delimiter), vq = vdupq_n_u8(quote);
  const uint8x16_t vn = vdupq_n_u8('\n'), vr = vdupq_n_u8('\r');
  uint8x16_t d[4], n[4], s[4];
  for (int k = 0; k < 4; k++) {
    uint8x16_t v = vld1q_u8(bytes + 16 * k);
    d[k] = vceqq_u8(v, vd);
    n[k] = vceqq_u8(v, vn);
    s[k] = vorrq_u8(vceqq_u8(v, vq), vceqq_u8(v, vr));
  }
  *delimiters = cbs_movemask64(d[0], d[1], d[2], d[3]);
  *newlines = cbs_movemask64(n[0], n[1], n[2], n[3]);
  *special = cbs_movemask64(s[0], s[1], s[2], s[3]);
#else
  uint64_t dm = 0, nm = 0, sm = 0;
  for (int i = 0; i < 64; i++) {
    uint8_t x = bytes[i];
    dm |= (uint64_t)(x == delimiter) << i;
    nm |= (uint64_t)(x == '\n') << i;
    sm |= (uint64_t)(x == quote || x == '\r') << i;
  }
  *delimiters = dm;
  *newlines = nm;
  *special = sm;
#endif
}

/// For JSON: bit i set when p[i] is a byte a plain string or line cannot
/// hold as is: a control byte (below 0x20), a byte from 0x80, or a backslash.
static inline uint64_t cbs_mask_json_attention(const void *p) {
  const uint8_t *bytes = (const uint8_t *)p;
#if CBS_SSE2
  // (Signed: bytes from 0x80 are negative, so one compare finds them and the controls.)
  const __m128i space = _mm_set1_epi8(0x20), backslash = _mm_set1_epi8('\\');
  __m128i m[4];
  for (int k = 0; k < 4; k++) {
    __m128i v = _mm_loadu_si128((const __m128i *)(bytes + 16 * k));
    m[k] = _mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, backslash));
  }
  return cbs_movemask64(m[0], m[1], m[2], m[3]);
#elif CBS_NEON
  const uint8x16_t space = vdupq_n_u8(0x20), high = vdupq_n_u8(0x80), backslash = vdupq_n_u8('\\');
  uint8x16_t m[4];
  for (int k = 0; k < 4; k++) {
    uint8x16_t v = vld1q_u8(bytes + 16 * k);
    m[k] = vorrq_u8(vorrq_u8(vcltq_u8(v, space), vcgeq_u8(v, high)), vceqq_u8(v, backslash));
  }
  return cbs_movemask64(m[0], m[1], m[2], m[3]);
#else
  uint64_t mask = 0;
  for (int i = 0; i < 64; i++) {
    uint8_t x = bytes[i];
    mask |= (uint64_t)(x < 0x20 || x >= 0x80 || x == '\\') << i;
  }
  return mask;
#endif
}


/// For JSON Lines, eight masks of p[0..<64] at once: bit i of each is set
/// when p[i] is a quote, a space (0x20), a colon, a comma, `{`, `}`, a line
/// feed, or one of ``cbs_mask_json_attention``'s bytes (line feeds included).
typedef struct {
  uint64_t quotes, spaces, colons, commas, opens, closes, newlines, attention;
} cbs_json_lines_masks;

static inline cbs_json_lines_masks cbs_masks_json_lines(const void *p) {
  const uint8_t *bytes = (const uint8_t *)p;
  cbs_json_lines_masks out = {0, 0, 0, 0, 0, 0, 0, 0};
#if CBS_SSE2
  const __m128i vq = _mm_set1_epi8('"'), vs = _mm_set1_epi8(0x20), vc = _mm_set1_epi8(':');
  const __m128i vk = _mm_set1_epi8(','), vl = _mm_set1_epi8('{'), vr = _mm_set1_epi8('}');
  const __m128i vn = _mm_set1_epi8('\n'), backslash = _mm_set1_epi8('\\');
#define CBS_JSON_LINES_CHUNK(k)                                                                            \
  do {                                                                                                     \
    __m128i v = _mm_loadu_si128((const __m128i *)(bytes + 16 * (k)));                                    \
    out.quotes |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vq)) << (16 * (k));           \
    out.spaces |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vs)) << (16 * (k));           \
    out.colons |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vc)) << (16 * (k));           \
    out.commas |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vk)) << (16 * (k));           \
    out.opens |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vl)) << (16 * (k));            \
    out.closes |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vr)) << (16 * (k));           \
    out.newlines |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vn)) << (16 * (k));         \
    /* (Signed: bytes from 0x80 are negative, so one compare finds them and the controls.) */            \
    out.attention |= (uint64_t)(uint32_t)_mm_movemask_epi8(                                              \
      _mm_or_si128(_mm_cmplt_epi8(v, vs), _mm_cmpeq_epi8(v, backslash))) << (16 * (k));                 \
  } while (0)
  CBS_JSON_LINES_CHUNK(0);
  CBS_JSON_LINES_CHUNK(1);
  CBS_JSON_LINES_CHUNK(2);
  CBS_JSON_LINES_CHUNK(3);
#undef CBS_JSON_LINES_CHUNK
#elif CBS_NEON
  const uint8x16_t vq = vdupq_n_u8('"'), vs = vdupq_n_u8(0x20), vc = vdupq_n_u8(':');
  const uint8x16_t vk = vdupq_n_u8(','), vl = vdupq_n_u8('{'), vr = vdupq_n_u8('}');
  const uint8x16_t vn = vdupq_n_u8('\n'), high = vdupq_n_u8(0x80), backslash = vdupq_n_u8('\\');
  uint8x16_t q[4], s[4], c[4], k[4], l[4], r[4], n[4], a[4];
  for (int i = 0; i < 4; i++) {
    uint8x16_t v = vld1q_u8(bytes + 16 * i);
    q[i] = vceqq_u8(v, vq);
    s[i] = vceqq_u8(v, vs);
    c[i] = vceqq_u8(v, vc);
    k[i] = vceqq_u8(v, vk);
    l[i] = vceqq_u8(v, vl);
    r[i] = vceqq_u8(v, vr);
    n[i] = vceqq_u8(v, vn);
    a[i] = vorrq_u8(vorrq_u8(vcltq_u8(v, vs), vcgeq_u8(v, high)), vceqq_u8(v, backslash));
  }
  out.quotes = cbs_movemask64(q[0], q[1], q[2], q[3]);
  out.spaces = cbs_movemask64(s[0], s[1], s[2], s[3]);
  out.colons = cbs_movemask64(c[0], c[1], c[2], c[3]);
  out.commas = cbs_movemask64(k[0], k[1], k[2], k[3]);
  out.opens = cbs_movemask64(l[0], l[1], l[2], l[3]);
  out.closes = cbs_movemask64(r[0], r[1], r[2], r[3]);
  out.newlines = cbs_movemask64(n[0], n[1], n[2], n[3]);
  out.attention = cbs_movemask64(a[0], a[1], a[2], a[3]);
#else
  for (int i = 0; i < 64; i++) {
    uint8_t x = bytes[i];
    uint64_t bit = (uint64_t)1 << i;
    if (x == '"') out.quotes |= bit;
    if (x == 0x20) out.spaces |= bit;
    if (x == ':') out.colons |= bit;
    if (x == ',') out.commas |= bit;
    if (x == '{') out.opens |= bit;
    if (x == '}') out.closes |= bit;
    if (x == '\n') out.newlines |= bit;
    if (x < 0x20 || x >= 0x80 || x == '\\') out.attention |= bit;
  }
#endif
  return out;
}

#endif
