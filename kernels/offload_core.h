/* Large–small model collaboration: per-item delay and offloading ratio
 * (internal, shared by gcc and nvcc); PAPERS.md §7.2.
 *
 * One item is one (snapshot, remote-sensing satellite) pair whose route and
 * loads were tabulated on the host into FAI_LSM_TERMS numbers:
 *   local_s  = D κ_S / f_r                       all-local delay T_loc(0)
 *   fixed_s  = Σ_{(a,b)∈P} d_ab / c  (× 2 with a result return)
 *   slope_s  = D [ (1 + ρ) Σ_{(a,b)∈P} n_ab / R_ab + κ_L n_c / f_c ]
 *   lam_fix  = ratio to evaluate, or < 0: find the optimal ratio
 * so that, for a ratio λ ∈ [0, 1],
 *   T_loc(λ) = (1 − λ) local_s
 *   T_off(λ) = fixed_s + λ slope_s   (λ > 0);   T_off(0) = 0 (nothing is sent)
 *   T(λ)     = max(T_loc(λ), T_off(λ)).
 *
 * Monotonicity used by the bisection: with local_s > 0 and slope_s >= 0,
 * g(λ) = T_loc(λ) − T_off(λ) is continuous and strictly decreasing on
 * (0, 1].  T equals T_loc (decreasing) where g > 0 and T_off
 * (non-decreasing) where g <= 0, so T is unimodal on (0, 1] with its
 * minimum at the root of g.  g(1) = −T_off(1) <= 0 always; if g(0+) =
 * local_s − fixed_s <= 0 there is no interior root and T(λ) >= local_s =
 * T(0) for every λ, so λ* = 0 (stay local).  Otherwise the root is found by
 * bisection on [0, 1] to `tol` (or max_steps halvings) and the better end
 * of the final bracket is returned (ties to the smaller λ).  The exact root
 * is (local_s − fixed_s) / (local_s + slope_s); bisection is kept because
 * it is the paper's online step and only adds, multiplies and compares.
 *
 * Only +, −, ×, / and comparisons: cpu and cuda results are identical bit
 * for bit (gcc -ffp-contract=off, nvcc --fmad=false). */
#ifndef FLUIDAI_OFFLOAD_CORE_H
#define FLUIDAI_OFFLOAD_CORE_H

#include "fluidai/backend.h"
#include "fluidai/common.h"
#include "fluidai/status.h"

#define FAI_LSM_T_LOCAL 0 /* D κ_S / f_r (s) */
#define FAI_LSM_T_FIXED 1 /* propagation along the route (and back) (s) */
#define FAI_LSM_T_SLOPE 2 /* offload time per unit ratio, transmission + compute (s) */
#define FAI_LSM_T_FIX 3   /* ratio to evaluate; < 0: optimise */
#define FAI_LSM_TERMS 4

/* T(λ) of one item (s). */
FAI_HD double fai_lsm_delay(const double *t, double lam) {
  const double loc = (1.0 - lam) * t[FAI_LSM_T_LOCAL];
  const double off = lam > 0.0 ? t[FAI_LSM_T_FIXED] + lam * t[FAI_LSM_T_SLOPE] : 0.0;
  return loc > off ? loc : off;
}

/* Optimal ratio by bisection (see the header comment); returns the number
 * of halvings done.  *lam_out in [0, 1], *delay_out = T(*lam_out). */
FAI_HD int fai_lsm_bisect(const double *t, double tol, int max_steps, double *lam_out,
                          double *delay_out) {
  const double local = t[FAI_LSM_T_LOCAL];
  const double fixed = t[FAI_LSM_T_FIXED];
  const double slope = t[FAI_LSM_T_SLOPE];
  double lo = 0.0, hi = 1.0, tlo, thi;
  int steps = 0;
  if (!(local > fixed)) { /* no interior root: offloading anything is no faster */
    *lam_out = 0.0;
    *delay_out = local;
    return 0;
  }
  while (hi - lo > tol && steps < max_steps) {
    const double mid = 0.5 * (lo + hi);
    const double g = (1.0 - mid) * local - (fixed + mid * slope);
    if (g > 0.0)
      lo = mid;
    else
      hi = mid;
    ++steps;
  }
  tlo = fai_lsm_delay(t, lo);
  thi = fai_lsm_delay(t, hi);
  if (thi < tlo) {
    *lam_out = hi;
    *delay_out = thi;
  } else {
    *lam_out = lo;
    *delay_out = tlo;
  }
  return steps;
}

/* One item of the backend op: evaluate at lam_fix, or optimise. */
FAI_HD void fai_lsm_item(const double *t, double tol, int max_steps, double *lam_out,
                         double *delay_out) {
  const double fix = t[FAI_LSM_T_FIX];
  if (fix >= 0.0) {
    *lam_out = fix;
    *delay_out = fai_lsm_delay(t, fix);
  } else {
    (void)fai_lsm_bisect(t, tol, max_steps, lam_out, delay_out);
  }
}

/* Argument check shared by the backends (host only). */
static inline fai_status fai__lsm_check(int64_t n, const double *terms, double tol, int max_steps,
                                        const double *lam, const double *delay, fai_error *err) {
  if (n < 0) return fai_error_set(err, FAI_EINVAL, "lsm_ratio: %lld items", (long long)n);
  if (n > 0 && (!terms || !lam || !delay))
    return fai_error_set(err, FAI_EINVAL, "lsm_ratio: NULL array");
  if (!(tol > 0.0) || max_steps < 1 || max_steps > 1100)
    return fai_error_set(err, FAI_EINVAL, "lsm_ratio: tolerance %g / %d steps", tol, max_steps);
  return FAI_OK;
}

#endif
