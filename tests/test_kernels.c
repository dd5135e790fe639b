/* Evaluation kernels: propagation, visibility and ISL rules on the cpu
 * backend against direct computations, thread-count determinism, backend
 * selection, and cpu-vs-cuda parity (suite `parity`, skipped without a
 * device).  Orbit tables are built by hand here so the tests do not depend on
 * orbitgen. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/backend.h"
#include "fluidai/log.h"
#include "fluidai/rng.h"
#include "fluidai/status.h"
#include "rng_core.h"

/* ------------------------------------------------------------ helpers */

static uint64_t tk_next(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
static double tk_unit(uint64_t *s) {
  return (double)(tk_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

static void tk_select_cpu(fai_backend *be, int threads) {
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, threads, be, &err), FAI_OK, "%s", err.msg);
}

static void tk_select_cuda_or_skip(fai_backend *be) {
  fai_error err;
  fai_error_clear(&err);
  if (fai_backend_select(FAI_BACKEND_CUDA, 0, be, &err) != FAI_OK)
    cr_skip_test("no CUDA device: %s", err.msg);
}

/* One Walker-delta shell (P planes × S satellites, phasing 1) at 550 km and
 * 53°, sampled every step_s: the propagation tables by hand, plus the RAANs
 * for the direct-trig reference. */
typedef struct tk_orbit {
  fai_prop_tables tab;
  int P, S, T;
  double step_s, a, inc, udot, wdot;
  int *shell, *plane;
  double *cu0, *su0, *u0, *raan;
  double sh_a, sh_ci, sh_si, sh_udot, sh_wdot;
  double *cut, *sut, *cw, *sw;
} tk_orbit;

static void tk_orbit_build(tk_orbit *o, int P, int S, int T, double step_s) {
  const int N = P * S;
  int p, s, t;
  memset(o, 0, sizeof *o);
  o->P = P;
  o->S = S;
  o->T = T;
  o->step_s = step_s;
  o->a = FAI_R_EARTH_M + 550e3;
  o->inc = 53.0 * FAI_DEG;
  o->udot = sqrt(FAI_MU_EARTH_M3_S2 / (o->a * o->a * o->a));
  o->wdot = -FAI_OMEGA_EARTH_RAD_S; /* no nodal regression in this test */
  o->shell = malloc(sizeof(int) * N);
  o->plane = malloc(sizeof(int) * N);
  o->cu0 = malloc(sizeof(double) * N);
  o->su0 = malloc(sizeof(double) * N);
  o->u0 = malloc(sizeof(double) * N);
  o->raan = malloc(sizeof(double) * P);
  o->cut = malloc(sizeof(double) * T);
  o->sut = malloc(sizeof(double) * T);
  o->cw = malloc(sizeof(double) * (size_t)T * P);
  o->sw = malloc(sizeof(double) * (size_t)T * P);
  cr_assert(o->shell && o->plane && o->cu0 && o->su0 && o->u0 && o->raan && o->cut && o->sut &&
            o->cw && o->sw);
  for (p = 0; p < P; ++p) {
    o->raan[p] = FAI_TWO_PI * p / P;
    for (s = 0; s < S; ++s) {
      const int k = p * S + s;
      o->shell[k] = 0;
      o->plane[k] = p;
      o->u0[k] = FAI_TWO_PI * s / S + FAI_TWO_PI * p / (P * S);
      o->cu0[k] = cos(o->u0[k]);
      o->su0[k] = sin(o->u0[k]);
    }
  }
  for (t = 0; t < T; ++t) {
    const double tt = t * step_s;
    o->cut[t] = cos(o->udot * tt);
    o->sut[t] = sin(o->udot * tt);
    for (p = 0; p < P; ++p) {
      o->cw[t * P + p] = cos(o->raan[p] + o->wdot * tt);
      o->sw[t * P + p] = sin(o->raan[p] + o->wdot * tt);
    }
  }
  o->sh_a = o->a;
  o->sh_ci = cos(o->inc);
  o->sh_si = sin(o->inc);
  o->sh_udot = o->udot;
  o->sh_wdot = o->wdot;
  o->tab.n_sats = N;
  o->tab.n_snaps = T;
  o->tab.n_shells = 1;
  o->tab.n_planes = P;
  o->tab.sat_shell = o->shell;
  o->tab.sat_plane = o->plane;
  o->tab.sat_cos_u0 = o->cu0;
  o->tab.sat_sin_u0 = o->su0;
  o->tab.shell_a_m = &o->sh_a;
  o->tab.shell_cos_i = &o->sh_ci;
  o->tab.shell_sin_i = &o->sh_si;
  o->tab.shell_udot = &o->sh_udot;
  o->tab.shell_wdot = &o->sh_wdot;
  o->tab.snap_cos_ut = o->cut;
  o->tab.snap_sin_ut = o->sut;
  o->tab.snap_cos_w = o->cw;
  o->tab.snap_sin_w = o->sw;
}

static void tk_orbit_free(tk_orbit *o) {
  free(o->shell);
  free(o->plane);
  free(o->cu0);
  free(o->su0);
  free(o->u0);
  free(o->raan);
  free(o->cut);
  free(o->sut);
  free(o->cw);
  free(o->sw);
}

/* +Grid candidate links of the shell: intra-plane (s, s+1) and inter-plane
 * (p, p+1) at the same slot.  Arrays sized 2N. */
static int tk_grid_links(const tk_orbit *o, int *a, int *b, uint8_t *inter) {
  int p, s, L = 0;
  for (p = 0; p < o->P; ++p) {
    for (s = 0; s < o->S; ++s) {
      a[L] = p * o->S + s;
      b[L] = p * o->S + (s + 1) % o->S;
      inter[L++] = 0;
      a[L] = p * o->S + s;
      b[L] = ((p + 1) % o->P) * o->S + s;
      inter[L++] = 1;
    }
  }
  return L;
}

/* Random ground points (|lat| <= 70°) on the mean sphere with masks in
 * [-10°, 40°]; arrays [G][3], [G][3], [G]. */
static void tk_ground(uint64_t *rng, int G, double *pos, double *up, double *smin) {
  int g;
  for (g = 0; g < G; ++g) {
    const double lat = (tk_unit(rng) * 140.0 - 70.0) * FAI_DEG;
    const double lon = tk_unit(rng) * FAI_TWO_PI;
    up[3 * g + 0] = cos(lat) * cos(lon);
    up[3 * g + 1] = cos(lat) * sin(lon);
    up[3 * g + 2] = sin(lat);
    pos[3 * g + 0] = FAI_R_EARTH_M * up[3 * g + 0];
    pos[3 * g + 1] = FAI_R_EARTH_M * up[3 * g + 1];
    pos[3 * g + 2] = FAI_R_EARTH_M * up[3 * g + 2];
    smin[g] = sin((tk_unit(rng) * 50.0 - 10.0) * FAI_DEG);
  }
}

static fai_link_rules tk_rules_none(void) {
  fai_link_rules r;
  memset(&r, 0, sizeof r);
  r.block_radius_m = FAI_R_EARTH_M + 80e3;
  r.max_range_m = 0.0;
  r.max_rate_rad_s = 0.0;
  r.polar_sin_lat = 1.0;
  r.survival_p = 1.0;
  r.seed = 1;
  r.draw = 0;
  return r;
}

/* Judge one link between two given states on the cpu backend. */
static int tk_judge(const double ra[3], const double rb[3], const double va[3], const double vb[3],
                    int inter, const fai_link_rules *r, double *dist) {
  double pos[6], vel[6], d;
  const int a = 0, b = 1;
  const uint8_t in = (uint8_t)inter;
  uint8_t alive = 7;
  fai_backend be;
  fai_error err;
  memcpy(pos, ra, 3 * sizeof(double));
  memcpy(pos + 3, rb, 3 * sizeof(double));
  memcpy(vel, va, 3 * sizeof(double));
  memcpy(vel + 3, vb, 3 * sizeof(double));
  tk_select_cpu(&be, 1);
  fai_error_clear(&err);
  cr_assert_eq(be.links(&be, 1, 2, pos, vel, 1, &a, &b, &in, r, &alive, &d, &err), FAI_OK, "%s",
               err.msg);
  cr_assert(alive == 0 || alive == 1);
  if (dist) *dist = d;
  return alive;
}

static const double tk_zero[3] = {0, 0, 0};

/* ----------------------------------------------------------- propagate */

Test(kernels, propagate_matches_direct_trigonometry) {
  tk_orbit o;
  double *pos, *vel;
  fai_backend be;
  fai_error err;
  int t, k;
  tk_orbit_build(&o, 3, 4, 6, 97.0);
  pos = malloc(sizeof(double) * 3 * 12 * 6);
  vel = malloc(sizeof(double) * 3 * 12 * 6);
  tk_select_cpu(&be, 2);
  fai_error_clear(&err);
  cr_assert_eq(be.propagate(&be, &o.tab, pos, vel, &err), FAI_OK, "%s", err.msg);
  for (t = 0; t < 6; ++t) {
    for (k = 0; k < 12; ++k) {
      const double tt = t * o.step_s;
      const double u = o.u0[k] + o.udot * tt;
      const double w = o.raan[o.plane[k]] + o.wdot * tt;
      const double xp = o.a * cos(u), yp = o.a * sin(u) * cos(o.inc), z = o.a * sin(u) * sin(o.inc);
      const double ex[3] = {xp * cos(w) - yp * sin(w), xp * sin(w) + yp * cos(w), z};
      /* d/dt of R_z(w)·p(u): rotate p'(u)·udot, plus wdot·ẑ × r. */
      const double dxp = -o.a * sin(u) * o.udot, dyp = o.a * cos(u) * cos(o.inc) * o.udot;
      const double ev[3] = {dxp * cos(w) - dyp * sin(w) - o.wdot * ex[1],
                            dxp * sin(w) + dyp * cos(w) + o.wdot * ex[0],
                            o.a * cos(u) * sin(o.inc) * o.udot};
      const double *p = pos + 3 * (t * 12 + k), *v = vel + 3 * (t * 12 + k);
      int c;
      for (c = 0; c < 3; ++c) {
        cr_assert(fabs(p[c] - ex[c]) < 1e-6, "t %d sat %d axis %d: %.9f vs %.9f", t, k, c, p[c],
                  ex[c]);
        cr_assert(fabs(v[c] - ev[c]) < 1e-9, "t %d sat %d vel axis %d: %.12f vs %.12f", t, k, c,
                  v[c], ev[c]);
      }
    }
  }
  /* Velocity may be omitted. */
  cr_assert_eq(be.propagate(&be, &o.tab, pos, NULL, &err), FAI_OK);
  free(pos);
  free(vel);
  tk_orbit_free(&o);
}

Test(kernels, propagate_rejects_bad_plane_index) {
  tk_orbit o;
  double pos[3 * 12 * 2];
  fai_backend be;
  fai_error err;
  tk_orbit_build(&o, 3, 4, 2, 60.0);
  o.plane[5] = 3;
  tk_select_cpu(&be, 1);
  fai_error_clear(&err);
  cr_assert_eq(be.propagate(&be, &o.tab, pos, NULL, &err), FAI_EINVAL);
  cr_assert(strstr(err.msg, "sat_plane[5] = 3") != NULL, "%s", err.msg);
  tk_orbit_free(&o);
}

Test(kernels, interrupt_flag_stops_a_loop_with_eintr) {
  tk_orbit o;
  double pos[3 * 12 * 2];
  fai_backend be;
  fai_error err;
  tk_orbit_build(&o, 3, 4, 2, 60.0);
  tk_select_cpu(&be, 1);
  fai_interrupt_request();
  fai_error_clear(&err);
  cr_assert_eq(be.propagate(&be, &o.tab, pos, NULL, &err), FAI_EINTR);
  fai_interrupt_reset();
  cr_assert_eq(be.propagate(&be, &o.tab, pos, NULL, &err), FAI_OK);
  tk_orbit_free(&o);
}

/* ---------------------------------------------------------- visibility */

Test(kernels, visibility_matches_elevation_from_asin) {
  enum { T = 3, N = 70, G = 15, W = (N + 31) / 32 };
  uint64_t rng = 4242;
  double pos[T * N * 3], gpos[G * 3], up[G * 3], smin[G];
  uint32_t words[T * G * W];
  fai_ground_points gp;
  fai_backend be;
  fai_error err;
  int t, g, k, seen = 0, hidden = 0, near = 0;
  tk_ground(&rng, G, gpos, up, smin);
  /* Satellites scattered around random stations (so both outcomes occur)
   * at 500–2000 km. */
  for (t = 0; t < T; ++t) {
    for (k = 0; k < N; ++k) {
      const int g0 = (int)(tk_next(&rng) % G);
      const double r = FAI_R_EARTH_M + 500e3 + 1500e3 * tk_unit(&rng);
      double d[3], len;
      int c;
      for (c = 0; c < 3; ++c) d[c] = up[3 * g0 + c] + 0.6 * (tk_unit(&rng) - 0.5);
      len = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
      for (c = 0; c < 3; ++c) pos[(t * N + k) * 3 + c] = r * d[c] / len;
    }
  }
  gp.n = G;
  gp.pos_m = gpos;
  gp.up = up;
  gp.sin_min_elev = smin;
  tk_select_cpu(&be, 2);
  memset(words, 0xAB, sizeof words);
  fai_error_clear(&err);
  cr_assert_eq(be.visibility(&be, T, N, pos, &gp, words, &err), FAI_OK, "%s", err.msg);
  for (t = 0; t < T; ++t) {
    for (g = 0; g < G; ++g) {
      const uint32_t *wd = words + (t * G + g) * W;
      const double mask = asin(smin[g]);
      cr_assert_eq(wd[W - 1] >> (N % 32), 0u, "padding bits must be clear");
      for (k = 0; k < N; ++k) {
        const double *ps = pos + (t * N + k) * 3;
        const double d[3] = {ps[0] - gpos[3 * g], ps[1] - gpos[3 * g + 1], ps[2] - gpos[3 * g + 2]};
        const double len = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        const double elev =
            asin((up[3 * g] * d[0] + up[3 * g + 1] * d[1] + up[3 * g + 2] * d[2]) / len);
        const int bit = (int)((wd[k / 32] >> (k % 32)) & 1u);
        if (fabs(elev - mask) < 1e-9) {
          near++;
          continue; /* on the mask: rounding decides, nothing to check */
        }
        cr_assert_eq(bit, elev > mask, "t %d g %d sat %d: elev %.6f° mask %.6f°", t, g, k,
                     elev / FAI_DEG, mask / FAI_DEG);
        if (bit)
          seen++;
        else
          hidden++;
      }
    }
  }
  cr_assert_gt(seen, 20);
  cr_assert_gt(hidden, 20);
  cr_assert_lt(near, 3);
}

Test(kernels, visibility_handles_negative_masks_and_coincident_points) {
  /* Station on the equator looking along +x; mask −10°.  A satellite 5°
   * below the horizon is visible, one 15° below is not, one at the station
   * counts as visible. */
  const double gpos[3] = {FAI_R_EARTH_M, 0, 0}, up[3] = {1, 0, 0};
  const double smin = sin(-10.0 * FAI_DEG);
  const double r = 1000e3;
  const double pos[9] = {FAI_R_EARTH_M - r * sin(5 * FAI_DEG),
                         r * cos(5 * FAI_DEG),
                         0,
                         FAI_R_EARTH_M - r * sin(15 * FAI_DEG),
                         r * cos(15 * FAI_DEG),
                         0,
                         FAI_R_EARTH_M,
                         0,
                         0};
  fai_ground_points gp = {1, gpos, up, &smin};
  uint32_t word = 0;
  fai_backend be;
  fai_error err;
  tk_select_cpu(&be, 1);
  cr_assert_eq(be.visibility(&be, 1, 3, pos, &gp, &word, &err), FAI_OK);
  cr_assert_eq(word, 0x5u, "word %#x", word);
}

/* ---------------------------------------------------------- link rules */

Test(kernels, link_blocked_by_the_earth) {
  const fai_link_rules r = tk_rules_none();
  const double R = r.block_radius_m;
  const double a1[3] = {7e6, 0, 0}, b1[3] = {-7e6, 0, 0};
  const double b2[3] = {7e6 * cos(30 * FAI_DEG), 7e6 * sin(30 * FAI_DEG), 0};
  const double b3[3] = {8e6, 0, 0};
  const double in_a[3] = {R - 1.0, -3e6, 0}, in_b[3] = {R - 1.0, 3e6, 0};
  const double out_a[3] = {R + 1.0, -3e6, 0}, out_b[3] = {R + 1.0, 3e6, 0};
  cr_assert_eq(tk_judge(a1, b1, tk_zero, tk_zero, 0, &r, NULL), 0, "through the Earth");
  cr_assert_eq(tk_judge(a1, b2, tk_zero, tk_zero, 0, &r, NULL), 1, "30° apart at 7000 km");
  cr_assert_eq(tk_judge(a1, b3, tk_zero, tk_zero, 0, &r, NULL), 1, "radial pair");
  cr_assert_eq(tk_judge(in_a, in_b, tk_zero, tk_zero, 0, &r, NULL), 0, "grazes 1 m inside");
  cr_assert_eq(tk_judge(out_a, out_b, tk_zero, tk_zero, 0, &r, NULL), 1, "passes 1 m outside");
}

Test(kernels, link_beyond_max_range_is_cut) {
  fai_link_rules r = tk_rules_none();
  const double a[3] = {7e6, 0, 0};
  const double b[3] = {7e6 * cos(30 * FAI_DEG), 7e6 * sin(30 * FAI_DEG), 0};
  const double expect = 2.0 * 7e6 * sin(15 * FAI_DEG); /* chord ≈ 3623.5 km */
  double d;
  cr_assert_eq(tk_judge(a, b, tk_zero, tk_zero, 0, &r, &d), 1);
  cr_assert(fabs(d - expect) < 1e-6, "dist %.9f vs %.9f", d, expect);
  r.max_range_m = 3000e3;
  cr_assert_eq(tk_judge(a, b, tk_zero, tk_zero, 0, &r, &d), 0);
  cr_assert(fabs(d - expect) < 1e-6, "dist is set for dead links too");
  r.max_range_m = 4000e3;
  cr_assert_eq(tk_judge(a, b, tk_zero, tk_zero, 0, &r, NULL), 1);
}

Test(kernels, link_over_the_pointing_rate_limit_is_cut) {
  fai_link_rules r = tk_rules_none();
  const double a[3] = {7e6, 0, 0}, b[3] = {7e6, 1e6, 0};
  const double vb[3] = {0, 0, 7500.0}; /* crossing at 7.5 km/s over 1000 km: ~7.5 mrad/s */
  r.max_rate_rad_s = 5e-3;
  cr_assert_eq(tk_judge(a, b, tk_zero, vb, 0, &r, NULL), 0);
  r.max_rate_rad_s = 1e-2;
  cr_assert_eq(tk_judge(a, b, tk_zero, vb, 0, &r, NULL), 1);
  /* At rest in ECEF with r_ab in the equatorial plane the inertial rate is
   * exactly ω_E: the Earth-rotation term is included. */
  r.max_rate_rad_s = 1.01 * FAI_OMEGA_EARTH_RAD_S;
  cr_assert_eq(tk_judge(a, b, tk_zero, tk_zero, 0, &r, NULL), 1);
  r.max_rate_rad_s = 0.99 * FAI_OMEGA_EARTH_RAD_S;
  cr_assert_eq(tk_judge(a, b, tk_zero, tk_zero, 0, &r, NULL), 0);
}

Test(kernels, polar_cutoff_cuts_only_inter_plane_links) {
  fai_link_rules r = tk_rules_none();
  const double R = 7e6;
  const double lat80a[3] = {R * cos(80 * FAI_DEG), 0, R * sin(80 * FAI_DEG)};
  const double lat80b[3] = {R * cos(80 * FAI_DEG) * cos(20 * FAI_DEG),
                            R * cos(80 * FAI_DEG) * sin(20 * FAI_DEG), R * sin(80 * FAI_DEG)};
  const double lat70a[3] = {R * cos(70 * FAI_DEG), 0, R * sin(70 * FAI_DEG)};
  const double lat70b[3] = {R * cos(70 * FAI_DEG) * cos(10 * FAI_DEG),
                            R * cos(70 * FAI_DEG) * sin(10 * FAI_DEG), R * sin(70 * FAI_DEG)};
  const double south70[3] = {R * cos(70 * FAI_DEG), 0, -R * sin(70 * FAI_DEG)};
  const double south80[3] = {R * cos(80 * FAI_DEG) * cos(20 * FAI_DEG),
                             R * cos(80 * FAI_DEG) * sin(20 * FAI_DEG), -R * sin(80 * FAI_DEG)};
  cr_assert_eq(tk_judge(lat80a, lat80b, tk_zero, tk_zero, 1, &r, NULL), 1, "cut-off disabled");
  r.polar_sin_lat = sin(75 * FAI_DEG);
  cr_assert_eq(tk_judge(lat80a, lat80b, tk_zero, tk_zero, 1, &r, NULL), 0, "both ends above");
  cr_assert_eq(tk_judge(lat80a, lat80b, tk_zero, tk_zero, 0, &r, NULL), 1, "intra-plane kept");
  cr_assert_eq(tk_judge(lat70a, lat80b, tk_zero, tk_zero, 1, &r, NULL), 0, "one end above");
  cr_assert_eq(tk_judge(lat70a, lat70b, tk_zero, tk_zero, 1, &r, NULL), 1, "both ends below");
  cr_assert_eq(tk_judge(south70, south80, tk_zero, tk_zero, 1, &r, NULL), 0,
               "southern hemisphere too");
}

Test(kernels, survival_fraction_is_p_and_draws_are_indexed_by_draw_snapshot_link) {
  enum { T = 50, L = 400, N = 2 };
  const double pos1[6] = {7e6, 0, 0, 7e6, 1e6, 0};
  static double pos[T * N * 3];
  static int a[L], b[L];
  static uint8_t alive[T * L], alive2[T * L];
  static double dist[T * L];
  fai_link_rules r = tk_rules_none();
  fai_backend be;
  fai_error err;
  int t, l, n_alive = 0, differ = 0;
  for (t = 0; t < T; ++t) memcpy(pos + t * N * 3, pos1, sizeof pos1);
  for (l = 0; l < L; ++l) {
    a[l] = 0;
    b[l] = 1;
  }
  r.survival_p = 0.7;
  r.seed = 0x5EEDULL;
  r.draw = 3;
  tk_select_cpu(&be, 2);
  fai_error_clear(&err);
  cr_assert_eq(be.links(&be, T, N, pos, NULL, L, a, b, NULL, &r, alive, dist, &err), FAI_OK, "%s",
               err.msg);
  for (t = 0; t < T; ++t) {
    for (l = 0; l < L; ++l) {
      const uint64_t idx = ((uint64_t)r.draw * T + t) * L + l;
      const int expect = fai_rng_u01_hd(r.seed, FAI_STREAM_ISL_SURVIVAL, idx) < r.survival_p;
      cr_assert_eq(alive[t * L + l], expect, "t %d l %d", t, l);
      n_alive += alive[t * L + l];
    }
  }
  /* 20000 Bernoulli(0.7) draws: σ of the fraction ≈ 0.0032. */
  cr_assert(fabs((double)n_alive / (T * L) - 0.7) < 0.015, "fraction %.4f",
            (double)n_alive / (T * L));
  r.draw = 4;
  cr_assert_eq(be.links(&be, T, N, pos, NULL, L, a, b, NULL, &r, alive2, dist, &err), FAI_OK);
  for (l = 0; l < T * L; ++l) differ += alive[l] != alive2[l];
  cr_assert_gt(differ, T * L / 10, "another draw is another realisation");
  r.survival_p = 1.0;
  cr_assert_eq(be.links(&be, T, N, pos, NULL, L, a, b, NULL, &r, alive2, dist, &err), FAI_OK);
  for (l = 0; l < T * L; ++l) cr_assert_eq(alive2[l], 1);
  r.survival_p = 0.0;
  cr_assert_eq(be.links(&be, T, N, pos, NULL, L, a, b, NULL, &r, alive2, dist, &err), FAI_OK);
  for (l = 0; l < T * L; ++l) cr_assert_eq(alive2[l], 0);
  /* The rate rule needs velocities. */
  r.max_rate_rad_s = 0.1;
  cr_assert_eq(be.links(&be, T, N, pos, NULL, L, a, b, NULL, &r, alive2, dist, &err), FAI_EINVAL);
}

/* ------------------------------------------------ determinism / parity */

/* A realistic small run: shell, +Grid links with every rule active, ground
 * points. */
typedef struct tk_run {
  tk_orbit o;
  int N, T, L, G, W;
  double *pos, *vel, *gpos, *up, *smin, *dist;
  int *a, *b;
  uint8_t *inter, *alive;
  uint32_t *words;
  fai_link_rules rules;
} tk_run;

static void tk_run_init(tk_run *r) {
  uint64_t rng = 31337;
  memset(r, 0, sizeof *r);
  tk_orbit_build(&r->o, 12, 22, 40, 61.0);
  r->N = 12 * 22;
  r->T = 40;
  r->G = 37;
  r->W = (r->N + 31) / 32;
  r->pos = calloc((size_t)r->T * r->N * 3, sizeof(double));
  r->vel = calloc((size_t)r->T * r->N * 3, sizeof(double));
  r->a = calloc((size_t)2 * r->N, sizeof(int));
  r->b = calloc((size_t)2 * r->N, sizeof(int));
  r->inter = calloc((size_t)2 * r->N, 1);
  r->gpos = calloc((size_t)r->G * 3, sizeof(double));
  r->up = calloc((size_t)r->G * 3, sizeof(double));
  r->smin = calloc((size_t)r->G, sizeof(double));
  r->words = calloc((size_t)r->T * r->G * r->W, sizeof(uint32_t));
  r->alive = calloc((size_t)r->T * 2 * r->N, 1);
  r->dist = calloc((size_t)r->T * 2 * r->N, sizeof(double));
  cr_assert(r->pos && r->vel && r->a && r->b && r->inter && r->gpos && r->up && r->smin &&
            r->words && r->alive && r->dist);
  r->L = tk_grid_links(&r->o, r->a, r->b, r->inter);
  tk_ground(&rng, r->G, r->gpos, r->up, r->smin);
  r->rules = tk_rules_none();
  r->rules.max_range_m = 5000e3;
  r->rules.max_rate_rad_s = 0.012;
  r->rules.polar_sin_lat = sin(70 * FAI_DEG);
  r->rules.survival_p = 0.95;
  r->rules.seed = 20250101u;
  r->rules.draw = 2;
}

static void tk_run_free(tk_run *r) {
  tk_orbit_free(&r->o);
  free(r->pos);
  free(r->vel);
  free(r->a);
  free(r->b);
  free(r->inter);
  free(r->gpos);
  free(r->up);
  free(r->smin);
  free(r->words);
  free(r->alive);
  free(r->dist);
}

static void tk_run_exec(tk_run *r, const fai_backend *be) {
  fai_ground_points gp;
  fai_error err;
  gp.n = r->G;
  gp.pos_m = r->gpos;
  gp.up = r->up;
  gp.sin_min_elev = r->smin;
  fai_error_clear(&err);
  cr_assert_eq(be->propagate(be, &r->o.tab, r->pos, r->vel, &err), FAI_OK, "%s: %s", be->name,
               err.msg);
  cr_assert_eq(be->visibility(be, r->T, r->N, r->pos, &gp, r->words, &err), FAI_OK, "%s: %s",
               be->name, err.msg);
  cr_assert_eq(be->links(be, r->T, r->N, r->pos, r->vel, r->L, r->a, r->b, r->inter, &r->rules,
                         r->alive, r->dist, &err),
               FAI_OK, "%s: %s", be->name, err.msg);
}

static void tk_run_compare(const tk_run *x, const tk_run *y) {
  const size_t states = (size_t)x->T * x->N * 3, links = (size_t)x->T * x->L;
  cr_assert_eq(memcmp(x->pos, y->pos, states * sizeof(double)), 0, "positions differ");
  cr_assert_eq(memcmp(x->vel, y->vel, states * sizeof(double)), 0, "velocities differ");
  cr_assert_eq(memcmp(x->words, y->words, (size_t)x->T * x->G * x->W * sizeof(uint32_t)), 0,
               "visibility words differ");
  cr_assert_eq(memcmp(x->alive, y->alive, links), 0, "alive flags differ");
  cr_assert_eq(memcmp(x->dist, y->dist, links * sizeof(double)), 0, "distances differ");
}

Test(kernels, outputs_do_not_depend_on_thread_count) {
  tk_run r1, r2;
  fai_backend be;
  size_t i, n_alive = 0, n_vis = 0;
  tk_run_init(&r1);
  tk_run_init(&r2);
  tk_select_cpu(&be, 1);
  tk_run_exec(&r1, &be);
  tk_select_cpu(&be, 2);
  tk_run_exec(&r2, &be);
  tk_run_compare(&r1, &r2);
  /* The rules bite but do not kill everything. */
  for (i = 0; i < (size_t)r1.T * r1.L; ++i) n_alive += r1.alive[i];
  for (i = 0; i < (size_t)r1.T * r1.G * r1.W; ++i) n_vis += (size_t)__builtin_popcount(r1.words[i]);
  cr_assert(n_alive > (size_t)r1.T * r1.L / 2 && n_alive < (size_t)r1.T * r1.L, "alive %zu",
            n_alive);
  cr_assert_gt(n_vis, 0);
  tk_run_free(&r1);
  tk_run_free(&r2);
}

Test(kernels, backend_kinds_parse_and_select) {
  fai_backend_kind k;
  fai_backend be;
  fai_error err;
  char buf[512];
  cr_assert_eq(fai_backend_kind_parse("auto", &k), 0);
  cr_assert_eq(k, FAI_BACKEND_AUTO);
  cr_assert_eq(fai_backend_kind_parse("cpu", &k), 0);
  cr_assert_eq(k, FAI_BACKEND_CPU);
  cr_assert_eq(fai_backend_kind_parse("cuda", &k), 0);
  cr_assert_eq(k, FAI_BACKEND_CUDA);
  cr_assert_neq(fai_backend_kind_parse("gpu", &k), 0);
  cr_assert_neq(fai_backend_kind_parse(NULL, &k), 0);
  fai_error_clear(&err);
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, 3, &be, &err), FAI_OK);
  cr_assert_str_eq(be.name, "cpu");
  cr_assert_eq(be.threads, 3);
  cr_assert_eq(be.probe(&be, buf, sizeof buf), FAI_OK);
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, -1, &be, &err), FAI_EINVAL);
  fai_log_set_level(FAI_LOG_WARN); /* keep the AUTO fallback note out of the output */
  cr_assert_eq(fai_backend_select(FAI_BACKEND_AUTO, 0, &be, &err), FAI_OK);
  cr_assert(strcmp(be.name, "cpu") == 0 || strcmp(be.name, "cuda") == 0);
  fai_backend_cuda_describe(buf, sizeof buf);
  cr_assert_gt(strlen(buf), 0);
  if (fai_backend_select(FAI_BACKEND_CUDA, 0, &be, &err) != FAI_OK) {
    cr_assert_eq(err.code, FAI_ENODEV);
    cr_assert(strncmp(buf, "no CUDA device: ", 16) == 0, "%s", buf);
    if (!fai_backend_cuda_compiled()) {
      cr_assert(strstr(err.msg, "built without CUDA") != NULL, "%s", err.msg);
      cr_assert_eq(
          fai_backend_cuda()->sssp(fai_backend_cuda(), NULL, 0, NULL, NULL, NULL, NULL, &err),
          FAI_ENODEV);
    }
  }
}

Test(parity, propagate_visibility_links_cuda_match_cpu_bytes) {
  tk_run r1, r2;
  fai_backend cpu, cuda;
  tk_select_cuda_or_skip(&cuda);
  tk_select_cpu(&cpu, 0);
  tk_run_init(&r1);
  tk_run_init(&r2);
  tk_run_exec(&r1, &cpu);
  tk_run_exec(&r2, &cuda);
  tk_run_compare(&r1, &r2);
  tk_run_free(&r1);
  tk_run_free(&r2);
}

Test(parity, cuda_visibility_and_links_match_cpu_on_shared_inputs) {
  /* Same pos/vel fed to both (not each backend's own propagation), with
   * velocities omitted and the rate rule off. */
  tk_run r1, r2;
  fai_backend cpu, cuda;
  fai_ground_points gp;
  fai_error err;
  tk_select_cuda_or_skip(&cuda);
  tk_select_cpu(&cpu, 0);
  tk_run_init(&r1);
  tk_run_init(&r2);
  tk_run_exec(&r1, &cpu);
  memcpy(r2.pos, r1.pos, (size_t)r1.T * r1.N * 3 * sizeof(double));
  r1.rules.max_rate_rad_s = 0.0;
  r2.rules.max_rate_rad_s = 0.0;
  gp.n = r1.G;
  gp.pos_m = r1.gpos;
  gp.up = r1.up;
  gp.sin_min_elev = r1.smin;
  fai_error_clear(&err);
  cr_assert_eq(cpu.links(&cpu, r1.T, r1.N, r1.pos, NULL, r1.L, r1.a, r1.b, r1.inter, &r1.rules,
                         r1.alive, r1.dist, &err),
               FAI_OK, "%s", err.msg);
  cr_assert_eq(cuda.links(&cuda, r2.T, r2.N, r2.pos, NULL, r2.L, r2.a, r2.b, r2.inter, &r2.rules,
                          r2.alive, r2.dist, &err),
               FAI_OK, "%s", err.msg);
  cr_assert_eq(cuda.visibility(&cuda, r2.T, r2.N, r2.pos, &gp, r2.words, &err), FAI_OK, "%s",
               err.msg);
  cr_assert_eq(memcmp(r1.words, r2.words, (size_t)r1.T * r1.G * r1.W * sizeof(uint32_t)), 0);
  cr_assert_eq(memcmp(r1.alive, r2.alive, (size_t)r1.T * r1.L), 0);
  cr_assert_eq(memcmp(r1.dist, r2.dist, (size_t)r1.T * r1.L * sizeof(double)), 0);
  tk_run_free(&r1);
  tk_run_free(&r2);
}
