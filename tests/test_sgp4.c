/* SGP4/SDP4 against the standard verification set of Vallado et al. (2006):
 * data/sgp4-verification/SGP4-VER.TLE (33 element sets, each with a
 * start/stop/step in minutes after column 69 of line 2) and tcppver.out, the
 * reference C++ code's TEME states (km, km/s) at those times.
 *
 * The TLE lines are read here with a minimal column reader (independent of
 * the catalogue parser).  Times follow the generator of tcppver.out as
 * distributed with python-sgp4: t = 0, then start, start + step, ... while
 * <= stop, then stop itself if the grid missed it.  A case whose block ends
 * early stopped on an SGP4 error at the next time; that file keeps only the
 * states, so the codes come from the same distribution's test of the
 * reference (errors 1, 1, 6, 6, 4, 3, 6 in file order) and are tabulated
 * below with the time at which the block stops.
 *
 * Operation mode: tcppver.out is reproduced in the improved mode 'i' (the
 * revised code's default), for every case.  AFSPC mode 'a' reproduces all
 * but one: see afspc_mode_matches_except_lyddane_node_wrap. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/orbit.h"
#include "fluidai/sgp4.h"

#define VER_TLE "data/sgp4-verification/SGP4-VER.TLE"
#define VER_OUT "data/sgp4-verification/tcppver.out"
#define MAX_CASES 64
#define MAX_ROWS 256

/* Tolerances per component, near-Earth and deep space alike (the file prints
 * 1e-8 km and 1e-9 km/s). */
#define TOL_R_KM 1e-6
#define TOL_V_KMS 1e-9

typedef struct ver_row {
  double t_min, r[3], v[3];
} ver_row;

typedef struct ver_case {
  fai_tle tle;
  double start, stop, step; /* minutes from epoch */
  int norad_block;          /* id heading the tcppver.out block */
  int n_rows;
  ver_row rows[MAX_ROWS];
} ver_case;

typedef struct ver_set {
  int n;
  ver_case c[MAX_CASES];
} ver_set;

/* Columns c0..c1 (1-based, inclusive) of `line` as text. */
static void cols(const char *line, int c0, int c1, char *buf) {
  const int len = (int)strlen(line);
  int k = 0;
  for (int c = c0; c <= c1 && c - 1 < len; c++) buf[k++] = line[c - 1];
  buf[k] = '\0';
}
static double col_double(const char *line, int c0, int c1) {
  char buf[32];
  cols(line, c0, c1, buf);
  return strtod(buf, NULL);
}
/* TLE "assumed decimal point" field such as " 28098-4" = 0.28098e-4. */
static double col_implied(const char *line, int c0) {
  char mant[8], ex[4];
  cols(line, c0 + 1, c0 + 5, mant);
  cols(line, c0 + 6, c0 + 7, ex);
  const double sign = line[c0 - 1] == '-' ? -1.0 : 1.0;
  return sign * strtod(mant, NULL) * 1e-5 * pow(10.0, strtod(ex, NULL));
}

static void parse_tle(const char *l1, const char *l2, ver_case *vc) {
  fai_tle *t = &vc->tle;
  memset(t, 0, sizeof *t);
  t->norad = (int)col_double(l1, 3, 7);
  snprintf(t->name, sizeof t->name, "NORAD %d", t->norad);
  const int yy = (int)col_double(l1, 19, 20);
  t->epoch_year = yy < 57 ? 2000 + yy : 1900 + yy;
  t->epoch_day = col_double(l1, 21, 32);
  char iso[16];
  snprintf(iso, sizeof iso, "%04d-01-01", t->epoch_year);
  double jan1;
  cr_assert_eq(fai_time_parse_iso8601(iso, &jan1, NULL), FAI_OK);
  t->epoch_unix = jan1 + (t->epoch_day - 1.0) * 86400.0;
  t->ndot = col_double(l1, 34, 43);
  t->nddot = col_implied(l1, 45);
  t->bstar = col_implied(l1, 54);
  t->inclination_deg = col_double(l2, 9, 16);
  t->raan_deg = col_double(l2, 18, 25);
  char ecc[16] = "0.";
  cols(l2, 27, 33, ecc + 2);
  t->eccentricity = strtod(ecc, NULL);
  t->arg_perigee_deg = col_double(l2, 35, 42);
  t->mean_anomaly_deg = col_double(l2, 44, 51);
  t->mean_motion_rev_day = col_double(l2, 53, 63);
  cr_assert_eq(sscanf(l2 + 69, "%lf %lf %lf", &vc->start, &vc->stop, &vc->step), 3,
               "start/stop/step after column 69 of: %s", l2);
}

static ver_set *load_set(void) {
  ver_set *s = calloc(1, sizeof *s);
  cr_assert_not_null(s);
  FILE *f = fopen(VER_TLE, "r");
  cr_assert_not_null(f, "cannot open %s (tests run from the repository root)", VER_TLE);
  char l1[256], l2[256];
  while (fgets(l1, sizeof l1, f)) {
    if (l1[0] != '1') continue;
    cr_assert_not_null(fgets(l2, sizeof l2, f));
    cr_assert_eq(l2[0], '2');
    cr_assert_lt(s->n, MAX_CASES);
    parse_tle(l1, l2, &s->c[s->n++]);
  }
  fclose(f);

  f = fopen(VER_OUT, "r");
  cr_assert_not_null(f, "cannot open %s", VER_OUT);
  char line[512];
  int k = -1;
  while (fgets(line, sizeof line, f)) {
    int id;
    char tag[8];
    if (strstr(line, "xx") && sscanf(line, "%d %7s", &id, tag) == 2) {
      k++;
      cr_assert_lt(k, s->n, "more blocks than element sets");
      s->c[k].norad_block = id;
      continue;
    }
    ver_row row;
    if (sscanf(line, "%lf %lf %lf %lf %lf %lf %lf", &row.t_min, &row.r[0], &row.r[1], &row.r[2],
               &row.v[0], &row.v[1], &row.v[2]) != 7)
      continue;
    cr_assert_geq(k, 0);
    cr_assert_lt(s->c[k].n_rows, MAX_ROWS);
    s->c[k].rows[s->c[k].n_rows++] = row;
  }
  fclose(f);
  cr_assert_eq(k + 1, s->n, "%d blocks for %d element sets", k + 1, s->n);
  return s;
}

/* The generator's times: 0, then the start/stop/step grid, then stop. */
static int case_times(const ver_case *vc, double *t, int cap) {
  int n = 0;
  t[n++] = 0.0;
  double ts = vc->start;
  for (; ts <= vc->stop && n < cap; ts += vc->step) {
    if (ts == 0.0 && vc->start == 0.0) continue;
    t[n++] = ts;
  }
  if (ts - vc->stop < vc->step - 1e-6 && n < cap) t[n++] = vc->stop;
  return n;
}

/* Cases of the set that stop on an SGP4 error, in file order: the time of
 * the failing evaluation (the grid time after the block's last row) and the
 * code.  33334 fails at its epoch: the reference printed a stale buffer for
 * t = 0 (the previous block's last state), so its one row is not a state. */
typedef struct ver_stop {
  int norad;
  double t_min;
  int code;
} ver_stop;
static const ver_stop k_stops[] = {
    {22312, 494.2028672, 1}, /* mean eccentricity < −0.001 (drag, ndot = 0.99999999) */
    {28350, 1560.0, 1},      /* mean eccentricity < −0.001 (perigee 127 km) */
    {28872, 55.0, 6},        /* decayed: sub-orbital Minotaur stage */
    {29141, 440.0, 6},       /* decayed: SL-14 debris */
    {33333, 25.0, 4},        /* semi-latus rectum < 0 */
    {33334, 0.0, 3},         /* perturbed eccentricity out of range at the epoch */
    {20413, 1844345.0, 6},   /* decayed, 3.5 years after its epoch */
};
#define N_STOPS ((int)(sizeof k_stops / sizeof k_stops[0]))

static const ver_stop *find_stop(int norad, double t0, double t1) {
  for (int i = 0; i < N_STOPS; i++)
    if (k_stops[i].norad == norad && k_stops[i].t_min >= t0 - 1e-6 && k_stops[i].t_min <= t1 + 1e-6)
      return &k_stops[i];
  return NULL;
}

/* Largest per-component deviations of one case from tcppver.out. */
typedef struct case_result {
  char method; /* 'n' or 'd' */
  double dr_km, dv_kms;
  int rows_checked;
  int worst_row; /* row of the largest position deviation */
} case_result;

/* Propagates one case at its times with the given opsmode, checks the
 * error stops of k_stops, and returns the deviations of the states.  Rows
 * with index >= max_rows are not compared (used for the 'a' mode check). */
static void run_case(const ver_case *vc, char opsmode, int max_rows, case_result *res) {
  memset(res, 0, sizeof *res);
  double times[MAX_ROWS + 8];
  const int nt = case_times(vc, times, MAX_ROWS + 8);
  cr_assert_leq(vc->n_rows, nt, "NORAD %d: %d rows but %d times", vc->tle.norad, vc->n_rows, nt);
  const ver_stop *stop = find_stop(vc->tle.norad, times[0], times[nt - 1]);
  fai_sgp4 s;
  fai_error err;
  fai_error_clear(&err);
  const fai_status st = fai_sgp4_init(&vc->tle, FAI_GRAV_WGS72, opsmode, &s, &err);
  res->method = s.method;
  if (stop && stop->t_min == 0.0) {
    /* Fails at the epoch: init says so, and so does every later time. */
    cr_assert_eq(st, FAI_EINVAL, "NORAD %d: init should fail", vc->tle.norad);
    cr_assert_eq(s.error, stop->code, "NORAD %d: init error %d, expected %d", vc->tle.norad,
                 s.error, stop->code);
    cr_assert(strstr(err.msg, "33334") != NULL, "message names the satellite: %s", err.msg);
    double r[3], v[3];
    cr_assert_eq(fai_sgp4_propagate(&s, times[1], r, v), stop->code);
    return;
  }
  cr_assert_eq(st, FAI_OK, "NORAD %d: %s", vc->tle.norad, err.msg);
  for (int k = 0; k < vc->n_rows && k < max_rows; k++) {
    const ver_row *row = &vc->rows[k];
    cr_assert_float_eq(row->t_min, times[k], 1e-6, "NORAD %d row %d: time %.8f, expected %.8f",
                       vc->tle.norad, k, row->t_min, times[k]);
    double r[3], v[3];
    const int code = fai_sgp4_propagate(&s, row->t_min, r, v);
    cr_assert_eq(code, 0, "NORAD %d t=%.8f min: SGP4 error %d where the reference has a state",
                 vc->tle.norad, row->t_min, code);
    for (int j = 0; j < 3; j++) {
      const double dr = fabs(r[j] - row->r[j]);
      if (dr > res->dr_km) {
        res->dr_km = dr;
        res->worst_row = k;
      }
      res->dv_kms = fmax(res->dv_kms, fabs(v[j] - row->v[j]));
    }
    res->rows_checked++;
  }
  if (vc->n_rows < nt) {
    /* The block stops early: the next time must fail with the same code. */
    cr_assert_not_null(stop, "NORAD %d: block ends at %.8f min but no error is expected",
                       vc->tle.norad, vc->rows[vc->n_rows - 1].t_min);
    cr_assert_float_eq(times[vc->n_rows], stop->t_min, 1e-6);
    double r[3], v[3];
    const int code = fai_sgp4_propagate(&s, times[vc->n_rows], r, v);
    cr_assert_eq(code, stop->code, "NORAD %d t=%.8f min: SGP4 error %d, expected %d", vc->tle.norad,
                 times[vc->n_rows], code, stop->code);
  } else {
    cr_assert_null(stop, "NORAD %d: expected error %d at %.8f min, the reference has states",
                   vc->tle.norad, stop ? stop->code : 0, stop ? stop->t_min : 0.0);
  }
}

#define N_CASES 33
ParameterizedTestParameters(sgp4, reproduces_reference_states_and_error_stops) {
  static int ids[N_CASES];
  for (int i = 0; i < N_CASES; i++) ids[i] = i;
  return cr_make_param_array(int, ids, N_CASES);
}

/* Every case, near-Earth and deep space alike, within 1e-6 km and 1e-9
 * km/s per component at every listed time (opsmode 'i', WGS-72). */
ParameterizedTest(int *id, sgp4, reproduces_reference_states_and_error_stops) {
  ver_set *set = load_set();
  cr_assert_eq(set->n, N_CASES);
  const ver_case *vc = &set->c[*id];
  case_result res;
  run_case(vc, 'i', MAX_ROWS, &res);
  cr_log_info("NORAD %5d (%c) rows %3d max |dr| %.2e km max |dv| %.2e km/s", vc->tle.norad,
              res.method, res.rows_checked, res.dr_km, res.dv_kms);
  cr_expect_leq(res.dr_km, TOL_R_KM, "NORAD %d (%c): position off by %.3e km (row %d, t=%.3f)",
                vc->tle.norad, res.method, res.dr_km, res.worst_row, vc->rows[res.worst_row].t_min);
  cr_expect_leq(res.dv_kms, TOL_V_KMS, "NORAD %d (%c): velocity off by %.3e km/s", vc->tle.norad,
                res.method, res.dv_kms);
  free(set);
}

/* AFSPC mode ('a') differs from 'i' in two places: the sidereal angle at
 * epoch (an older formula; ~1e-9 rad, invisible here) and, under Lyddane's
 * low-inclination branch, a node kept in [0, 2π).  The node enters the
 * perturbed longitude through the non-periodic term pinc·sin i·Ω, so when
 * the mean node of 23599 (i = 6.9°) wraps through zero its 'a' states jump
 * away from tcppver.out (from 420 min on, by ~1 km at 720 min).  All other
 * cases agree in both modes, which shows tcppver.out was made in 'i' mode. */
Test(sgp4, afspc_mode_matches_except_lyddane_node_wrap) {
  ver_set *set = load_set();
  for (int i = 0; i < set->n; i++) {
    const ver_case *vc = &set->c[i];
    case_result res;
    if (vc->tle.norad == 23599) {
      /* Identical up to 400 min (rows 0..20) ... */
      run_case(vc, 'a', 21, &res);
      cr_expect_leq(res.dr_km, TOL_R_KM, "23599 'a' before the wrap: %.3e km", res.dr_km);
      /* ... then departs by more than a tolerance can hide. */
      run_case(vc, 'a', MAX_ROWS, &res);
      cr_log_info("NORAD 23599 opsmode 'a': max |dr| %.3f km from 420 min on", res.dr_km);
      cr_expect_gt(res.dr_km, 0.1);
      cr_expect_lt(res.dr_km, 2.0);
      continue;
    }
    run_case(vc, 'a', MAX_ROWS, &res);
    cr_expect_leq(res.dr_km, TOL_R_KM, "NORAD %d 'a': %.3e km", vc->tle.norad, res.dr_km);
    cr_expect_leq(res.dv_kms, TOL_V_KMS, "NORAD %d 'a': %.3e km/s", vc->tle.norad, res.dv_kms);
  }
  free(set);
}

/* The resonance integrator restarts at the epoch on each call, so a state
 * does not depend on what was evaluated before (the reference resumes from
 * its last step, which gives the same numbers). */
Test(sgp4, resonant_state_does_not_depend_on_call_order) {
  ver_set *set = load_set();
  int checked = 0;
  for (int i = 0; i < set->n; i++) {
    fai_sgp4 s;
    if (fai_sgp4_init(&set->c[i].tle, FAI_GRAV_WGS72, 'i', &s, NULL) != FAI_OK || s.irez == 0)
      continue;
    double ra[3], va[3], rb[3], vb[3], rx[3], vx[3];
    fai_sgp4_propagate(&s, 2880.0, ra, va);
    fai_sgp4_propagate(&s, -1440.0, rx, vx);
    fai_sgp4_propagate(&s, 1000.0, rx, vx);
    fai_sgp4_propagate(&s, 2880.0, rb, vb);
    cr_assert(memcmp(ra, rb, sizeof ra) == 0 && memcmp(va, vb, sizeof va) == 0, "NORAD %d",
              s.norad);
    checked++;
  }
  cr_assert_geq(checked, 8, "resonant cases found: %d", checked);
  free(set);
}

/* --- invalid element sets -------------------------------------------------- */

static fai_tle good_tle(void) {
  fai_tle t;
  memset(&t, 0, sizeof t);
  t.norad = 88888; /* the report's SGP4 test case */
  t.epoch_year = 1980;
  t.epoch_day = 275.98708465;
  t.ndot = 0.00073094;
  t.nddot = 0.13844e-3;
  t.bstar = 0.66816e-4;
  t.inclination_deg = 72.8435;
  t.raan_deg = 115.9689;
  t.eccentricity = 0.0086731;
  t.arg_perigee_deg = 52.6988;
  t.mean_anomaly_deg = 110.5714;
  t.mean_motion_rev_day = 16.05824518;
  return t;
}

static void expect_error1(const fai_tle *t, const char *what) {
  fai_sgp4 s;
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_sgp4_init(t, FAI_GRAV_WGS72, 'i', &s, &err), FAI_EINVAL, "%s", what);
  cr_assert_eq(s.error, 1, "%s: error %d", what, s.error);
  cr_assert(strstr(err.msg, "88888") != NULL, "%s: message names the satellite: %s", what, err.msg);
}

Test(sgp4, eccentricity_out_of_range_or_nonpositive_mean_motion_is_error_1) {
  fai_tle t = good_tle();
  fai_sgp4 s;
  cr_assert_eq(fai_sgp4_init(&t, FAI_GRAV_WGS72, 'i', &s, NULL), FAI_OK);
  t.eccentricity = 1.0;
  expect_error1(&t, "e = 1");
  t.eccentricity = 1.5;
  expect_error1(&t, "e = 1.5");
  t.eccentricity = -0.01;
  expect_error1(&t, "e < 0");
  t = good_tle();
  t.mean_motion_rev_day = -16.0;
  expect_error1(&t, "n < 0");
  t.mean_motion_rev_day = 0.0;
  expect_error1(&t, "n = 0");
  t = good_tle();
  fai_error err;
  cr_assert_eq(fai_sgp4_init(&t, FAI_GRAV_WGS72, 'x', &s, &err), FAI_EINVAL);
}

/* --- constants ------------------------------------------------------------- */

Test(sgp4, gravity_constants) {
  fai_sgp4_consts c;
  fai_sgp4_constants(FAI_GRAV_WGS72, &c);
  cr_assert_float_eq(c.xke, 0.0743669161331734, 1e-15);
  cr_assert_float_eq(c.tumin * c.xke, 1.0, 1e-15);
  cr_assert_float_eq(c.j3oj2, -0.00000253881 / 0.001082616, 1e-18);
  fai_sgp4_constants(FAI_GRAV_WGS72OLD, &c);
  cr_assert_eq(c.xke, 0.0743669161);
  fai_sgp4_constants(FAI_GRAV_WGS84, &c);
  cr_assert_eq(c.radius_km, 6378.137);
  cr_assert_float_eq(c.xke, 60.0 / sqrt(6378.137 * 6378.137 * 6378.137 / 398600.5), 1e-16);
}

/* --- TEME → ECEF ----------------------------------------------------------- */

/* At 2000-01-01T12:00:00 UT1 (J2000.0) IAU 1982 GMST is 67310.54841 s of
 * time = 280.46061837504°: the frame rotates by exactly that about z. */
Test(sgp4, teme_to_ecef_rotates_by_gmst_at_j2000) {
  const double unix_j2000 = 946728000.0;
  const double g = 67310.54841 / 86400.0 * 2.0 * M_PI;
  const double r[3] = {7000.0, -1200.0, 1000.0}, v[3] = {0.5, 7.0, 1.0};
  double re[3], ve[3];
  fai_teme_to_ecef(unix_j2000, r, v, re, ve);
  /* Earth-fixed x is TEME x rotated by −g. */
  const double ex = cos(g) * r[0] + sin(g) * r[1];
  const double ey = -sin(g) * r[0] + cos(g) * r[1];
  cr_assert_float_eq(re[0], ex, 1e-9);
  cr_assert_float_eq(re[1], ey, 1e-9);
  cr_assert_eq(re[2], r[2]);
  /* Lengths and the z component are preserved. */
  cr_assert_float_eq(hypot(re[0], re[1]), hypot(r[0], r[1]), 1e-9);
  /* Velocity: the rotated inertial velocity less ω_E ẑ × r_ecef (km/s). */
  const double w = 7.2921159e-5;
  cr_assert_float_eq(ve[0], cos(g) * v[0] + sin(g) * v[1] + w * ey, 1e-12);
  cr_assert_float_eq(ve[1], -sin(g) * v[0] + cos(g) * v[1] - w * ex, 1e-12);
  cr_assert_eq(ve[2], v[2]);
}

/* A point co-rotating with the Earth has zero Earth-fixed velocity, and a
 * point at rest in TEME moves westward at ω_E·r. */
Test(sgp4, teme_to_ecef_velocity_of_corotating_and_inertial_points) {
  const double w = 7.2921159e-5;
  const double t = 1767225600.0; /* 2026-01-01T00:00:00Z */
  const double r[3] = {42164.0 * cos(0.3), 42164.0 * sin(0.3), 0.0};
  const double v_co[3] = {-w * r[1], w * r[0], 0.0};
  double re[3], ve[3];
  fai_teme_to_ecef(t, r, v_co, re, ve);
  cr_assert_float_eq(ve[0], 0.0, 1e-12);
  cr_assert_float_eq(ve[1], 0.0, 1e-12);
  const double zero[3] = {0.0, 0.0, 0.0};
  fai_teme_to_ecef(t, r, zero, re, ve);
  cr_assert_float_eq(hypot(ve[0], ve[1]), w * 42164.0, 1e-12);
  /* Westward: ve is r_ecef turned by −90° about z. */
  cr_assert_float_eq(ve[0] * re[1] - ve[1] * re[0], w * 42164.0 * 42164.0, 1e-6);
  /* The longitude of a TEME point decreases at ω_E over time. */
  double re2[3];
  fai_teme_to_ecef(t + 60.0, r, NULL, re2, NULL);
  const double dlon = remainder(atan2(re2[1], re2[0]) - atan2(re[1], re[0]), 2.0 * M_PI);
  cr_assert_float_eq(dlon, -60.0 * 1.00273790935 * 2.0 * M_PI / 86400.0, 1e-9);
}
