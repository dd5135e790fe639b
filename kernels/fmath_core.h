/* Elementary functions for the evaluation cores (internal, shared by gcc and
 * nvcc).
 *
 * libm's transcendental functions round differently on the host and on the
 * device (and glibc's are not inlined, which stops gcc from vectorising a
 * loop that calls them).  These are written with + − × ÷, sqrt, fabs and
 * selects only: operations that both compilers round identically under
 * -ffp-contract=off / --fmad=false, so every function returns the same bits
 * on the cpu and the cuda backend, and a loop over them vectorises.  No
 * tables (no gathers): every branch is a select on values computed for all
 * lanes.  Both arms of every select are computed before it, and conditions
 * combine with & and |, not && and ||: under -ftrapping-math (the default)
 * gcc will not speculate a floating-point operation or comparison that the
 * C semantics evaluate conditionally, and so would not vectorise the loop
 * (except with AVX-512's masked operations).
 *
 * Accuracy, measured against glibc in tests/test_sgp4_batch.c:
 *   fai_m_sin, fai_m_cos, fai_m_sincos  < 1 ulp for |x| < 2^19·π/2 (~8.2e5):
 *       Cody–Waite reduction by π/2 carried to ~118 bits, then the
 *       minimax kernels of fdlibm's k_sin/k_cos (FreeBSD form, no bit
 *       tricks).  Larger arguments lose accuracy gradually.
 *   fai_m_atan2  < 2 ulp: one division y/x (≤ 0.5 ulp) and fdlibm's
 *       argument-reduced atan (< 1 ulp).
 *   fai_m_fmod_2pi  exact (equal to libm's fmod(x, FAI_TWO_PI)) for
 *       |x| < 2^28·2π (~1.7e9).
 * The round-to-nearest helper relies on IEEE round-to-nearest-even and on
 * the compiler not re-associating (x + M) − M: true without -ffast-math. */
#ifndef FLUIDAI_FMATH_CORE_H
#define FLUIDAI_FMATH_CORE_H

#include <math.h>

#include "fluidai/common.h"

/* Force inlining: the vectoriser only sees through inlined calls. */
#if defined(__CUDACC__)
#define FAI_HDI __host__ __device__ static __forceinline__
#elif defined(__GNUC__)
#define FAI_HDI static inline __attribute__((always_inline))
#else
#define FAI_HDI static inline
#endif

/* Nearest integer (ties to even) as a double, for |x| < 2^51. */
FAI_HDI double fai_m_rnint(double x) {
  const double magic = 6755399441055744.0; /* 1.5·2^52: its ulp is 1 */
  return (x + magic) - magic;
}

/* fmod(x, FAI_TWO_PI), exactly.  The remainder of two doubles is always
 * representable; with 2π split into two 25-bit halves (C1 + C2 == the double
 * FAI_TWO_PI), k·C1 and k·C2 are exact for |k| < 2^28, x − k·C1 is exact
 * (Sterbenz), and so the one rounding of (x − k·C1) − k·C2 returns the exact
 * remainder.  k from a rounded quotient may be one off: the first result's
 * sign says so, and the second pass uses the corrected k. */
FAI_HDI double fai_m_fmod_2pi(double x) {
  const double c = FAI_TWO_PI;
  const double c1 = 0x1.921fb5p+2;     /* upper bits of FAI_TWO_PI */
  const double c2 = 0x1.110b46p-24;    /* FAI_TWO_PI − c1 */
  double k = fai_m_rnint(x / c);
  double r = (x - k * c1) - k * c2;
  /* fmod's result has the sign of x: move k one toward zero if needed. */
  const int down = (x >= 0.0) & (r < 0.0), up = (x < 0.0) & (r > 0.0);
  const double km = k - 1.0, kp = k + 1.0;
  k = down ? km : (up ? kp : k);
  r = (x - k * c1) - k * c2;
  return copysign(r, x); /* only changes an exact zero: fmod(−2π, 2π) = −0 */
}

/* sin(x + y) and cos(x + y) for |x + y| <= π/4, |y| <= ulp(x)/2: fdlibm's
 * minimax polynomials (error < 1 ulp before the quadrant sign). */
FAI_HDI double fai_m_ksin(double x, double y) {
  const double s1 = -1.66666666666666324348e-01, s2 = 8.33333333332248946124e-03,
               s3 = -1.98412698298579493134e-04, s4 = 2.75573137070700676789e-06,
               s5 = -2.50507602534068634195e-08, s6 = 1.58969099521155010221e-10;
  const double z = x * x, w = z * z;
  const double r = s2 + z * (s3 + z * s4) + z * w * (s5 + z * s6);
  const double v = z * x;
  return x - ((z * (0.5 * y - v * r) - y) - v * s1);
}

FAI_HDI double fai_m_kcos(double x, double y) {
  const double c1 = 4.16666666666666019037e-02, c2 = -1.38888888888741095749e-03,
               c3 = 2.48015872894767294178e-05, c4 = -2.75573143513906633035e-07,
               c5 = 2.08757232129817482790e-09, c6 = -1.13596475577881948265e-11;
  const double z = x * x;
  double w = z * z;
  const double r = z * (c1 + z * (c2 + z * c3)) + w * w * (c4 + z * (c5 + z * c6));
  const double hz = 0.5 * z;
  w = 1.0 - hz;
  /* 1 − z/2 rounded, plus what that rounding lost, plus the tail. */
  return w + (((1.0 - w) - hz) + (z * r - x * y));
}

/* x = n·π/2 + (y0 + y1) with |y0 + y1| <= ~π/4; returns n mod 4 in
 * {−2, −1, 0, 1, 2} as a double.  π/2 in three 33-bit pieces: n·piece is
 * exact for |n| < 2^20, and two rounds keep ~118 bits of π/2, more than the
 * worst cancellation (~61 bits) of a double near a multiple of π/2. */
FAI_HDI double fai_m_rem_pio2(double x, double *y0, double *y1) {
  const double invpio2 = 6.36619772367581382433e-01;
  const double pio2_1 = 1.57079632673412561417e+00;  /* first 33 bits of π/2 */
  const double pio2_2 = 6.07710050630396597660e-11;  /* next 33 bits */
  const double pio2_2t = 2.02226624879595063154e-21; /* π/2 − (pio2_1 + pio2_2) */
  const double fn = fai_m_rnint(x * invpio2);
  const double t = x - fn * pio2_1;
  double w = fn * pio2_2;
  const double r = t - w;
  w = fn * pio2_2t - ((t - r) - w);
  *y0 = r - w;
  *y1 = (r - *y0) - w;
  return fn - 4.0 * fai_m_rnint(fn * 0.25);
}

/* sin and cos of one argument with one reduction. */
FAI_HDI void fai_m_sincos(double x, double *s, double *c) {
  double y0, y1;
  const double q = fai_m_rem_pio2(x, &y0, &y1);
  const double ks = fai_m_ksin(y0, y1), kc = fai_m_kcos(y0, y1);
  /* Quadrant q: (sin, cos) = (ks, kc), (kc, −ks), (−ks, −kc), (−kc, ks). */
  const int odd = (q == 1.0) | (q == -1.0);
  const int half = (q == 2.0) | (q == -2.0);
  const double ss = ((q == -1.0) | half) ? -1.0 : 1.0;
  const double sc = ((q == 1.0) | half) ? -1.0 : 1.0;
  *s = ss * (odd ? kc : ks);
  *c = sc * (odd ? ks : kc);
}

FAI_HDI double fai_m_sin(double x) {
  double y0, y1;
  const double q = fai_m_rem_pio2(x, &y0, &y1);
  const double ks = fai_m_ksin(y0, y1), kc = fai_m_kcos(y0, y1);
  const int odd = (q == 1.0) | (q == -1.0);
  const double sign = ((q == -1.0) | (q == 2.0) | (q == -2.0)) ? -1.0 : 1.0;
  return sign * (odd ? kc : ks);
}

FAI_HDI double fai_m_cos(double x) {
  double y0, y1;
  const double q = fai_m_rem_pio2(x, &y0, &y1);
  const double ks = fai_m_ksin(y0, y1), kc = fai_m_kcos(y0, y1);
  const int odd = (q == 1.0) | (q == -1.0);
  const double sign = ((q == 1.0) | (q == 2.0) | (q == -2.0)) ? -1.0 : 1.0;
  return sign * (odd ? ks : kc);
}

/* atan(t) for t >= 0 (including +inf): fdlibm's reduction to |x| < 7/16 by
 * atan(t) = atan(c) + atan((t − c)/(1 + c·t)) at c = 1/2, 1, 3/2, ∞, written
 * as one division with selected coefficients: (a·t − b)/(c + d·t). */
FAI_HDI double fai_m_atan_pos(double t) {
  const double at0 = 3.33333333333329318027e-01, at1 = -1.99999999998764832476e-01,
               at2 = 1.42857142725034663711e-01, at3 = -1.11111104054623557880e-01,
               at4 = 9.09088713343650656196e-02, at5 = -7.69187620504482999495e-02,
               at6 = 6.66107313738753120669e-02, at7 = -5.83357013379057348645e-02,
               at8 = 4.97687799461593236017e-02, at9 = -3.65315727442169155270e-02,
               at10 = 1.62858201153657823623e-02;
  /* Interval: 0 below 7/16, 1..4 for c = 1/2, 1, 3/2, ∞. */
  const int i1 = t >= 0.4375, i2 = t >= 0.6875, i3 = t >= 1.1875, i4 = t >= 2.4375;
  const double a = i4 ? 0.0 : (i3 ? 1.0 : (i2 ? 1.0 : (i1 ? 2.0 : 1.0)));
  const double b = i3 ? 1.5 : (i1 ? 1.0 : 0.0);
  const double c = i4 ? 0.0 : (i1 ? (i2 ? 1.0 : 2.0) : 1.0);
  const double d = i3 ? (i4 ? 1.0 : 1.5) : (i1 ? 1.0 : 0.0);
  const double hi = i4   ? 1.57079632679489655800e+00
                    : i3 ? 9.82793723247329054082e-01
                    : i2 ? 7.85398163397448278999e-01
                    : i1 ? 4.63647609000806093515e-01
                         : 0.0;
  const double lo = i4   ? 6.12323399573676603587e-17
                    : i3 ? 1.39033110312309984516e-17
                    : i2 ? 3.06161699786838301793e-17
                    : i1 ? 2.26987774529616870924e-17
                         : 0.0;
  /* At c = ∞ the numerator is −1 (a·t would be 0·∞ for t = ∞). */
  const double at_b = a * t - b;
  const double num = i4 ? -1.0 : at_b;
  const double x = num / (c + d * t);
  const double z = x * x, w = z * z;
  const double s1 = z * (at0 + w * (at2 + w * (at4 + w * (at6 + w * (at8 + w * at10)))));
  const double s2 = w * (at1 + w * (at3 + w * (at5 + w * (at7 + w * at9))));
  /* With hi = lo = 0 this is x − x·(s1 + s2), fdlibm's small-argument form. */
  return hi - ((x * (s1 + s2) - lo) - x);
}

/* atan2(y, x) for finite y, x, not both zero: the angle of (x, y) in
 * [−π, π]. */
FAI_HDI double fai_m_atan2(double y, double x) {
  const double pi = 3.1415926535897931160e+00, pi_lo = 1.2246467991473531772e-16;
  const double z = fai_m_atan_pos(fabs(y / x));
  /* x < 0: π − z above the axis, z − π below (π's tail kept). */
  const double above = pi - (z - pi_lo), below = (z - pi_lo) - pi, right = copysign(z, y);
  const int left = x < 0.0, up = y >= 0.0;
  return left ? (up ? above : below) : right;
}

#endif
