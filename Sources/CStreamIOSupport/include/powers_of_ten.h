// Exact powers of ten for the CSV reader's number parsing: an integer
// mantissa divided by 10^e (e <= 22, each exact in a double) is correctly
// rounded. A table in C: a Swift switch compiled to a jump table (an
// indirect branch per number), and a Swift global array is checked for lazy
// initialization on every access.
#ifndef CSTREAMIO_POWERS_OF_TEN_H
#define CSTREAMIO_POWERS_OF_TEN_H

/// 10^e for e in 0...22.
static inline double cbs_exact_power_of_ten(unsigned e) {
  static const double powers[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
  };
  return powers[e];
}

#endif
