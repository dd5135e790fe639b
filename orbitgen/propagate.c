/* Circular-orbit propagation with secular J2: the direct-trigonometry
 * reference (fai_propagate_sat) and the tables the kernels evaluate
 * (fai_prop_tables_build, evaluated by kernels/prop_core.h).
 *
 * Model (PAPERS.md §0.4): a = R_E + h, argument of latitude u(t) = u0 + u̇·t,
 * RAAN Ω(t) = Ω0 + Ω̇·t, and the node's Earth-fixed longitude
 *   w(t) = Ω(t) − θ(t),  θ(t) = GMST(epoch) + ω_E·t.
 * θ is advanced linearly from the epoch (rather than recomputing GMST at
 * epoch + t) so that w is exactly linear in t, the velocity formula is its
 * exact derivative, and the tables and the direct evaluation use the same
 * angles.  θ(t) departs from IAU 1982 GMST(epoch + t) by < 1e-8 rad per day
 * of propagation (ω_E vs the polynomial's rate), i.e. < 0.1 m on the ground. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/orbit.h"
#include "fluidai/sgp4.h"

double fai_mean_motion(double a_m) { return sqrt(FAI_MU_EARTH_M3_S2 / (a_m * a_m * a_m)); }

/* Secular J2 rates for a circular orbit (e = 0), with k = J2·(R_eq/a)²:
 *   Ω̇ = −1.5·n·k·cos i                       (nodal regression)
 *   ω̇ = 0.75·n·k·(5cos²i − 1)                (apsidal rotation)
 *   Ṁ = n·(1 + 0.75·k·sqrt(1 − e²)·(3cos²i − 1))
 * The argument of latitude u = ω + M (e = 0) therefore advances at
 *   u̇ = ω̇ + Ṁ = n·(1 + 0.75·k·(8cos²i − 2)).
 * For 550 km, 53° this is Ω̇ ≈ −4.5°/day and u̇ − n ≈ +0.06 % of n. */
void fai_j2_rates(double a_m, double incl_rad, fai_j2_mode mode, double *udot,
                  double *raan_dot) {
  const double n = fai_mean_motion(a_m);
  const double ratio = FAI_R_EQ_M / a_m;
  const double k = FAI_J2 * ratio * ratio;
  const double ci = cos(incl_rad);
  double ud = n, rd = 0.0;
  if (mode == FAI_J2_NODE || mode == FAI_J2_FULL) rd = -1.5 * n * k * ci;
  if (mode == FAI_J2_FULL) ud = n * (1.0 + 0.75 * k * (8.0 * ci * ci - 2.0));
  if (udot) *udot = ud;
  if (raan_dot) *raan_dot = rd;
}

/* Per-shell constants shared by the direct and the tabulated evaluation. */
typedef struct shell_consts {
  double a, ci, si, udot, wdot; /* m, -, -, rad/s, rad/s (Ω̇ − ω_E) */
} shell_consts;

static shell_consts shell_constants(const fai_shell *s, fai_j2_mode j2) {
  shell_consts k;
  k.a = FAI_R_EARTH_M + s->altitude_m;
  k.ci = cos(s->inclination_rad);
  k.si = sin(s->inclination_rad);
  double rd;
  fai_j2_rates(k.a, s->inclination_rad, j2, &k.udot, &rd);
  k.wdot = rd - FAI_OMEGA_EARTH_RAD_S;
  return k;
}

/* Node longitude w(t) = (Ω0 − GMST(epoch)) + (Ω̇ − ω_E)·t, written once so
 * both evaluations round identically. */
static double node_longitude(double raan0, double gmst0, double wdot, double t_s) {
  return (raan0 - gmst0) + wdot * t_s;
}

void fai_propagate_sat(const fai_propagator *p, int sat, double t_s, double pos[3],
                       double vel[3]) {
  if (p && p->sgp4) {
    /* Element sets: SGP4 in TEME, rotated to ECEF as the batch path does. */
    const double t_unix = p->epoch_unix + t_s;
    const double th = fai_gmst_rad(t_unix);
    if (fai__sgp4_ecef(&p->sgp4[sat], p->epoch_unix, t_s, cos(th), sin(th), pos, vel, NULL,
                       NULL) != 0) {
      pos[0] = pos[1] = pos[2] = NAN;
      if (vel) vel[0] = vel[1] = vel[2] = NAN;
    }
    return;
  }
  const fai_sat_id id = fai_sat_id_of(p ? p->c : NULL, sat);
  if (id.shell < 0) {
    pos[0] = pos[1] = pos[2] = 0.0;
    if (vel) vel[0] = vel[1] = vel[2] = 0.0;
    return;
  }
  const shell_consts k = shell_constants(&p->c->shells[id.shell], p->j2);
  double raan0, u0;
  fai_sat_elements(p->c, sat, &raan0, &u0);
  const double u = u0 + k.udot * t_s;
  const double w = node_longitude(raan0, fai_gmst_rad(p->epoch_unix), k.wdot, t_s);
  const double cu = cos(u), su = sin(u), cw = cos(w), sw = sin(w);
  /* Position in the orbit-plane frame (x toward the node), rotated by w. */
  const double xp = k.a * cu, yp = k.a * su * k.ci;
  const double x = xp * cw - yp * sw;
  const double y = xp * sw + yp * cw;
  pos[0] = x;
  pos[1] = y;
  pos[2] = k.a * su * k.si;
  if (vel) {
    /* d/dt R_z(w)·p(u) = R_z(w)·ṗ + ẇ·[−y, x, 0] (the Earth-fixed velocity). */
    const double dxp = -k.a * k.udot * su, dyp = k.a * k.udot * cu * k.ci;
    vel[0] = dxp * cw - dyp * sw - k.wdot * y;
    vel[1] = dxp * sw + dyp * cw + k.wdot * x;
    vel[2] = k.a * k.udot * cu * k.si;
  }
}

void fai_prop_tables_free(fai_prop_storage *s) {
  if (!s) return;
  free(s->sat_shell);
  free(s->sat_plane);
  free(s->sat_cos_u0);
  free(s->sat_sin_u0);
  free(s->shell_a_m);
  free(s->shell_cos_i);
  free(s->shell_sin_i);
  free(s->shell_udot);
  free(s->shell_wdot);
  free(s->snap_cos_ut);
  free(s->snap_sin_ut);
  free(s->snap_cos_w);
  free(s->snap_sin_w);
  memset(s, 0, sizeof *s);
}

/* malloc of rows·cols·size bytes with overflow checks; NULL on failure. */
static void *alloc_array(size_t rows, size_t cols, size_t size) {
  if (rows == 0 || cols == 0) rows = cols = 1;
  if (rows > SIZE_MAX / cols || rows * cols > SIZE_MAX / size) return NULL;
  return malloc(rows * cols * size);
}

/* Cost: O(N + T·(S_h + P)) trigonometric calls; the kernels then do
 * O(T·N) multiply-adds. */
fai_status fai_prop_tables_build(const fai_propagator *p, const double *t_s, int n_snaps,
                                 fai_prop_storage *out, fai_error *err) {
  fai_status st = FAI_OK;
  if (!out) return fai_error_set(err, FAI_EINVAL, "no output tables given");
  memset(out, 0, sizeof *out);
  if (!p || !p->c) return fai_error_set(err, FAI_EINVAL, "no propagator/constellation given");
  if (n_snaps < 1 || !t_s)
    return fai_error_set(err, FAI_EINVAL, "need at least one snapshot time (got %d)", n_snaps);
  if (p->j2 != FAI_J2_NONE && p->j2 != FAI_J2_NODE && p->j2 != FAI_J2_FULL)
    return fai_error_set(err, FAI_EINVAL, "unknown J2 mode %d", (int)p->j2);
  if (!isfinite(p->epoch_unix))
    return fai_error_set(err, FAI_EINVAL, "epoch %g is not finite", p->epoch_unix);
  FAI_TRY(fai_constellation_validate(p->c, "$.constellation", err));
  for (int t = 0; t < n_snaps; t++)
    if (!isfinite(t_s[t]))
      return fai_error_set(err, FAI_EINVAL, "snapshot time %d (%g s) is not finite", t, t_s[t]);

  const fai_constellation *c = p->c;
  const int N = fai_constellation_sat_count(c);
  const int P = fai_constellation_plane_count(c);
  const int H = c->n_shells;
  const size_t T = (size_t)n_snaps;

  out->sat_shell = alloc_array(1, (size_t)N, sizeof(int));
  out->sat_plane = alloc_array(1, (size_t)N, sizeof(int));
  out->sat_cos_u0 = alloc_array(1, (size_t)N, sizeof(double));
  out->sat_sin_u0 = alloc_array(1, (size_t)N, sizeof(double));
  out->shell_a_m = alloc_array(1, (size_t)H, sizeof(double));
  out->shell_cos_i = alloc_array(1, (size_t)H, sizeof(double));
  out->shell_sin_i = alloc_array(1, (size_t)H, sizeof(double));
  out->shell_udot = alloc_array(1, (size_t)H, sizeof(double));
  out->shell_wdot = alloc_array(1, (size_t)H, sizeof(double));
  out->snap_cos_ut = alloc_array(T, (size_t)H, sizeof(double));
  out->snap_sin_ut = alloc_array(T, (size_t)H, sizeof(double));
  out->snap_cos_w = alloc_array(T, (size_t)P, sizeof(double));
  out->snap_sin_w = alloc_array(T, (size_t)P, sizeof(double));
  if (!out->sat_shell || !out->sat_plane || !out->sat_cos_u0 || !out->sat_sin_u0 ||
      !out->shell_a_m || !out->shell_cos_i || !out->shell_sin_i || !out->shell_udot ||
      !out->shell_wdot || !out->snap_cos_ut || !out->snap_sin_ut || !out->snap_cos_w ||
      !out->snap_sin_w) {
    st = fai_error_set(err, FAI_ENOMEM,
                       "out of memory for propagation tables (%d satellites, %d planes, %d "
                       "snapshots)",
                       N, P, n_snaps);
    goto cleanup;
  }

  /* Per shell constants, then per plane node longitude at every snapshot. */
  const double gmst0 = fai_gmst_rad(p->epoch_unix);
  int plane_base = 0, sat_base = 0;
  for (int h = 0; h < H; h++) {
    const fai_shell *s = &c->shells[h];
    const shell_consts k = shell_constants(s, p->j2);
    out->shell_a_m[h] = k.a;
    out->shell_cos_i[h] = k.ci;
    out->shell_sin_i[h] = k.si;
    out->shell_udot[h] = k.udot;
    out->shell_wdot[h] = k.wdot;
    for (size_t t = 0; t < T; t++) {
      const double ut = k.udot * t_s[t];
      out->snap_cos_ut[t * (size_t)H + (size_t)h] = cos(ut);
      out->snap_sin_ut[t * (size_t)H + (size_t)h] = sin(ut);
    }
    for (int pl = 0; pl < s->planes; pl++) {
      /* The plane's RAAN at epoch is its slot-0 satellite's, computed by the
       * same call fai_propagate_sat uses, so the angles agree bit for bit. */
      double raan0;
      fai_sat_elements(c, sat_base + pl * s->sats_per_plane, &raan0, NULL);
      const int gp = plane_base + pl;
      for (size_t t = 0; t < T; t++) {
        const double w = node_longitude(raan0, gmst0, k.wdot, t_s[t]);
        out->snap_cos_w[t * (size_t)P + (size_t)gp] = cos(w);
        out->snap_sin_w[t * (size_t)P + (size_t)gp] = sin(w);
      }
    }
    plane_base += s->planes;
    sat_base += s->planes * s->sats_per_plane;
  }
  for (int i = 0; i < N; i++) {
    const fai_sat_id id = fai_sat_id_of(c, i);
    double raan0, u0;
    fai_sat_elements(c, i, &raan0, &u0);
    out->sat_shell[i] = id.shell;
    out->sat_plane[i] = id.plane_global;
    out->sat_cos_u0[i] = cos(u0);
    out->sat_sin_u0[i] = sin(u0);
  }

  fai_prop_tables *tab = &out->tab;
  tab->n_sats = N;
  tab->n_snaps = n_snaps;
  tab->n_shells = H;
  tab->n_planes = P;
  tab->sat_shell = out->sat_shell;
  tab->sat_plane = out->sat_plane;
  tab->sat_cos_u0 = out->sat_cos_u0;
  tab->sat_sin_u0 = out->sat_sin_u0;
  tab->shell_a_m = out->shell_a_m;
  tab->shell_cos_i = out->shell_cos_i;
  tab->shell_sin_i = out->shell_sin_i;
  tab->shell_udot = out->shell_udot;
  tab->shell_wdot = out->shell_wdot;
  tab->snap_cos_ut = out->snap_cos_ut;
  tab->snap_sin_ut = out->snap_sin_ut;
  tab->snap_cos_w = out->snap_cos_w;
  tab->snap_sin_w = out->snap_sin_w;

cleanup:
  if (st != FAI_OK) fai_prop_tables_free(out);
  return st;
}
