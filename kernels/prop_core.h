/* Per-(snapshot, satellite) circular-orbit state from precomputed tables
 * (internal, shared by gcc and nvcc).
 *
 * Only multiplications and additions: cos/sin of u(t) = u0 + udot·t come
 * from the angle-addition formula, cos/sin of the node longitude w(t) from
 * the per-(snapshot, plane) table.  With -ffp-contract=off / --fmad=false
 * both backends produce the same bits.  Agreement with the direct-trig host
 * propagator (fai_propagate_sat) is ~1e-9 m relative to the orbit radius. */
#ifndef FLUIDAI_PROP_CORE_H
#define FLUIDAI_PROP_CORE_H

#include "fluidai/backend.h"

FAI_HD void fai_prop_state(const fai_prop_tables *tab, int t, int sat, double *pos, double *vel) {
  const int sh = tab->sat_shell[sat];
  const int pl = tab->sat_plane[sat];
  const double cn = tab->snap_cos_ut[t * tab->n_shells + sh];
  const double sn = tab->snap_sin_ut[t * tab->n_shells + sh];
  const double cu = tab->sat_cos_u0[sat] * cn - tab->sat_sin_u0[sat] * sn;
  const double su = tab->sat_sin_u0[sat] * cn + tab->sat_cos_u0[sat] * sn;
  const double a = tab->shell_a_m[sh];
  const double ci = tab->shell_cos_i[sh];
  const double si = tab->shell_sin_i[sh];
  const double cw = tab->snap_cos_w[t * tab->n_planes + pl];
  const double sw = tab->snap_sin_w[t * tab->n_planes + pl];
  /* In-orbit-plane frame rotated by the node longitude w. */
  const double xp = a * cu;
  const double yp = a * su * ci;
  const double z = a * su * si;
  const double x = xp * cw - yp * sw;
  const double y = xp * sw + yp * cw;
  pos[0] = x;
  pos[1] = y;
  pos[2] = z;
  if (vel) {
    const double ud = tab->shell_udot[sh];
    const double wd = tab->shell_wdot[sh];
    const double dxp = -a * ud * su;
    const double dyp = a * ud * cu * ci;
    vel[0] = dxp * cw - dyp * sw - wd * y;
    vel[1] = dxp * sw + dyp * cw + wd * x;
    vel[2] = a * ud * cu * si;
  }
}

#endif
