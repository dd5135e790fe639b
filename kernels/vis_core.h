/* Per-(snapshot, ground point, word) visibility (internal, shared by gcc and
 * nvcc).
 *
 * Satellite j is visible from ground point g when its elevation is at or
 * above the mask: sin(elev) = up·d / |d| >= s with d = r_sat − r_g and
 * s = sin_min_elev[g].  Written without division or sqrt as
 *   up·d >= s·|d|   <=>   (up·d >= 0 and (s <= 0 or (up·d)² >= s²·|d|²))
 *                      or (up·d <  0 and s <  0 and (up·d)² <= s²·|d|²)
 * so only multiplications and additions are involved and gcc
 * (-ffp-contract=off) and nvcc (--fmad=false) give the same bits.  A
 * satellite exactly at the station (d = 0) counts as visible. */
#ifndef FLUIDAI_VIS_CORE_H
#define FLUIDAI_VIS_CORE_H

#include "fluidai/backend.h"
#include "fluidai/common.h"
#include "fluidai/status.h"

/* One satellite against one ground point: 1 when at or above the mask. */
FAI_HD int fai_vis_one(const double *r_sat, const double *r_g, const double *up, double s) {
  const double dx = r_sat[0] - r_g[0];
  const double dy = r_sat[1] - r_g[1];
  const double dz = r_sat[2] - r_g[2];
  const double h = up[0] * dx + up[1] * dy + up[2] * dz; /* |d|·sin(elev) */
  const double d2 = dx * dx + dy * dy + dz * dz;
  const double lhs = h * h;
  const double rhs = s * s * d2;
  if (h >= 0.0) return s <= 0.0 || lhs >= rhs;
  /* Below the horizon: only a negative mask can still admit it. */
  return s < 0.0 && lhs <= rhs;
}

/* Word j of the visibility bitset of ground point g: bit k is satellite
 * j·32 + k.  pos_t is the snapshot's [N][3] satellite positions; bits at or
 * beyond n_sats stay 0.  Cost: 32 dot products. */
FAI_HD uint32_t fai_vis_word(const double *pos_t, int n_sats, const double *r_g, const double *up,
                             double s, int j) {
  uint32_t word = 0u;
  const int first = j * 32;
  int end = first + 32;
  int k;
  if (end > n_sats) end = n_sats;
  for (k = first; k < end; ++k) {
    if (fai_vis_one(pos_t + 3 * (size_t)k, r_g, up, s)) word |= 1u << (k - first);
  }
  return word;
}

/* Host-side validation shared by both backends.  Propagation tables live
 * here too (prop_core.h is arithmetic only): every satellite's shell and plane
 * index must be in range, or the cores would read out of bounds. */
static inline fai_status fai__prop_tables_check(const fai_prop_tables *tab, fai_error *err) {
  int s;
  if (tab->n_sats < 0 || tab->n_snaps < 0)
    return fai_error_set(err, FAI_EINVAL, "propagate: n_sats = %d, n_snaps = %d (must be >= 0)",
                         tab->n_sats, tab->n_snaps);
  for (s = 0; s < tab->n_sats; ++s) {
    if (tab->sat_shell[s] < 0 || tab->sat_shell[s] >= tab->n_shells)
      return fai_error_set(err, FAI_EINVAL, "propagate: sat_shell[%d] = %d out of range [0, %d)", s,
                           tab->sat_shell[s], tab->n_shells);
    if (tab->sat_plane[s] < 0 || tab->sat_plane[s] >= tab->n_planes)
      return fai_error_set(err, FAI_EINVAL, "propagate: sat_plane[%d] = %d out of range [0, %d)", s,
                           tab->sat_plane[s], tab->n_planes);
  }
  return FAI_OK;
}

static inline fai_status fai__vis_check(int n_snaps, int n_sats, const fai_ground_points *gp,
                                        fai_error *err) {
  if (n_snaps < 0 || n_sats < 0 || gp->n < 0)
    return fai_error_set(err, FAI_EINVAL,
                         "visibility: n_snaps = %d, n_sats = %d, ground points = %d (must be >= 0)",
                         n_snaps, n_sats, gp->n);
  return FAI_OK;
}

#endif
