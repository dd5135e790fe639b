/* Per-(snapshot, candidate link) ISL judgement (internal, shared by gcc and
 * nvcc); the rules of PAPERS.md §0.4 "ISL graph".
 *
 * Only one sqrt (the distance, correctly rounded on both sides); every
 * threshold is compared in squared form, so with -ffp-contract=off /
 * --fmad=false the cpu and cuda backends agree bit for bit.  The survival
 * draw is the counter-based Philox uniform of rng_core.h, indexed by
 * (draw, snapshot, link), so it depends on nothing else. */
#ifndef FLUIDAI_LINK_CORE_H
#define FLUIDAI_LINK_CORE_H

#include <math.h>

#include "fluidai/backend.h"
#include "fluidai/common.h"
#include "fluidai/rng.h"
#include "fluidai/status.h"
#include "rng_core.h"

/* Does the segment ra–rb stay strictly outside the sphere of radius R
 * centred at the origin?  The closest point is ra + τ·d (d = rb − ra) with
 * τ = −(ra·d)/|d|² clamped to [0, 1]; in the interior case its squared
 * distance is |ra × d|²/|d|² (Lagrange identity, better conditioned than
 * |ra|² − (ra·d)²/|d|²), compared as |ra × d|² > R²·|d|² to avoid the
 * division.  Touching the sphere counts as blocked. */
FAI_HD int fai_link_clears_sphere(const double *ra, const double *rb, double R) {
  const double dx = rb[0] - ra[0];
  const double dy = rb[1] - ra[1];
  const double dz = rb[2] - ra[2];
  const double R2 = R * R;
  const double p = -(ra[0] * dx + ra[1] * dy + ra[2] * dz); /* τ·|d|² */
  const double dd = dx * dx + dy * dy + dz * dz;
  if (p <= 0.0) return ra[0] * ra[0] + ra[1] * ra[1] + ra[2] * ra[2] > R2;
  if (p >= dd) return rb[0] * rb[0] + rb[1] * rb[1] + rb[2] * rb[2] > R2;
  {
    const double cx = ra[1] * dz - ra[2] * dy;
    const double cy = ra[2] * dx - ra[0] * dz;
    const double cz = ra[0] * dy - ra[1] * dx;
    return cx * cx + cy * cy + cz * cz > R2 * dd;
  }
}

/* Is the inertial line-of-sight rate |r × v|/|r|² below max_rate (rad/s)?
 * r = rb − ra and v the ECEF relative velocity; the inertial relative
 * velocity adds ω_E ẑ × r.  Compared as |r × v|² < max²·|r|⁴; a zero-length
 * r (coincident ends) fails. */
FAI_HD int fai_link_rate_ok(const double *ra, const double *rb, const double *va, const double *vb,
                            double max_rate) {
  const double rx = rb[0] - ra[0];
  const double ry = rb[1] - ra[1];
  const double rz = rb[2] - ra[2];
  const double vx = (vb[0] - va[0]) - FAI_OMEGA_EARTH_RAD_S * ry;
  const double vy = (vb[1] - va[1]) + FAI_OMEGA_EARTH_RAD_S * rx;
  const double vz = vb[2] - va[2];
  const double cx = ry * vz - rz * vy;
  const double cy = rz * vx - rx * vz;
  const double cz = rx * vy - ry * vx;
  const double r2 = rx * rx + ry * ry + rz * rz;
  return cx * cx + cy * cy + cz * cz < max_rate * max_rate * (r2 * r2);
}

/* |sin(geocentric latitude)| <= ps, i.e. z² <= ps²·|r|²; ps < 0 admits
 * nothing. */
FAI_HD int fai_link_below_lat(const double *r, double ps) {
  if (ps < 0.0) return 0;
  return r[2] * r[2] <= ps * ps * (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
}

/* Judge candidate link l at snapshot t (of T snapshots, L links): returns 1
 * when alive, and always stores |rb − ra| in *dist_m.  Rules in order:
 * Earth blockage, range, pointing rate, polar cut-off (inter-plane only),
 * survival draw u01(seed, FAI_STREAM_ISL_SURVIVAL, (draw·T + t)·L + l) < p.
 * The draw is skipped when the link is already dead or p >= 1; that changes
 * nothing because draws are counter-based, not sequential.  va/vb are only
 * read by the rate rule and may be NULL when max_rate_rad_s <= 0; the
 * backends also accept inter == NULL (every link intra-plane). */
FAI_HD int fai_link_judge(const double *ra, const double *rb, const double *va, const double *vb,
                          int inter, const fai_link_rules *ru, int T, int t, int L, int l,
                          double *dist_m) {
  const double dx = rb[0] - ra[0];
  const double dy = rb[1] - ra[1];
  const double dz = rb[2] - ra[2];
  const double dist = sqrt(dx * dx + dy * dy + dz * dz);
  *dist_m = dist;
  if (!fai_link_clears_sphere(ra, rb, ru->block_radius_m)) return 0;
  if (ru->max_range_m > 0.0 && !(dist <= ru->max_range_m)) return 0;
  if (ru->max_rate_rad_s > 0.0 && !fai_link_rate_ok(ra, rb, va, vb, ru->max_rate_rad_s)) return 0;
  if (inter && ru->polar_sin_lat < 1.0 &&
      !(fai_link_below_lat(ra, ru->polar_sin_lat) && fai_link_below_lat(rb, ru->polar_sin_lat)))
    return 0;
  if (ru->survival_p < 1.0) {
    const uint64_t idx = (ru->draw * (uint64_t)T + (uint64_t)t) * (uint64_t)L + (uint64_t)l;
    if (!(fai_rng_u01_hd(ru->seed, FAI_STREAM_ISL_SURVIVAL, idx) < ru->survival_p)) return 0;
  }
  return 1;
}

/* Host-side validation shared by both backends: endpoints in [0, N), and
 * velocities present when the pointing-rate rule needs them (vel may be NULL
 * otherwise). */
static inline fai_status fai__links_check(int n_snaps, int n_sats, int n_links, const int *a,
                                          const int *b, const double *vel,
                                          const fai_link_rules *rules, fai_error *err) {
  int l;
  if (n_snaps < 0 || n_sats < 0 || n_links < 0)
    return fai_error_set(err, FAI_EINVAL,
                         "links: n_snaps = %d, n_sats = %d, n_links = %d (must be >= 0)", n_snaps,
                         n_sats, n_links);
  if (!vel && rules->max_rate_rad_s > 0.0)
    return fai_error_set(err, FAI_EINVAL,
                         "links: max_rate_rad_s = %g needs velocities, but vel is NULL",
                         rules->max_rate_rad_s);
  for (l = 0; l < n_links; ++l) {
    if (a[l] < 0 || a[l] >= n_sats || b[l] < 0 || b[l] >= n_sats)
      return fai_error_set(err, FAI_EINVAL, "links: link %d = (%d, %d) out of range [0, %d)", l,
                           a[l], b[l], n_sats);
  }
  return FAI_OK;
}

#endif
