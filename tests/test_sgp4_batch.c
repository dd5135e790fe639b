/* Near-Earth SGP4 on the backend (kernels/sgp4_core.h, propagate_sgp4):
 *   - fmath_core.h's sin, cos, atan2 and fmod against glibc;
 *   - the batch core against the scalar fai_sgp4_propagate on the
 *     near-Earth verification cases (data/sgp4-verification/) and on the
 *     whole Starlink snapshot over a day: states and error codes;
 *   - the cpu backend against the host path fai__sgp4_ecef, byte for byte
 *     (this also checks that the AVX2/AVX-512 clones of the block give the
 *     default code's bits), 1 vs 2 threads, fai_elements_propagate against
 *     fai_propagate_sat, and cpu vs cuda (suite `parity`, skipped without a
 *     device).
 * Maximum deviations are logged with cr_log_info (run with --verbose). */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/backend.h"
#include "fluidai/elements.h"
#include "fluidai/orbit.h"
#include "fluidai/sgp4.h"
#include "fluidai/tle.h"
#include "sgp4_core.h"

#define VER_TLE "data/sgp4-verification/SGP4-VER.TLE"
#define STARLINK_TLE "data/tle/starlink-20250123.tle"

/* Deviation bounds of the batch core from the scalar code. */
#define TOL_R_KM 1e-9
#define TOL_V_KMS 1e-12

static uint64_t sb_next(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
static double sb_unit(uint64_t *s) {
  return (double)(sb_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* |a − ref| in units of the last place of ref. */
static double ulps(double a, double ref) {
  if (a == ref) return 0.0;
  const double u = nextafter(fabs(ref), INFINITY) - fabs(ref);
  return fabs(a - ref) / u;
}

/* ---------------------------------------------------------------- fmath */

Test(sgp4_batch, sin_cos_within_one_ulp_of_libm) {
  static const double ranges[] = {0.785398163, 6.3, 100.0, 1e4, 8.2e5};
  uint64_t rng = 7;
  double worst = 0.0;
  for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
    double w = 0.0;
    for (int i = 0; i < 200000; i++) {
      const double x = (2.0 * sb_unit(&rng) - 1.0) * ranges[r];
      double s, c;
      fai_m_sincos(x, &s, &c);
      w = fmax(w, fmax(ulps(s, sin(x)), ulps(c, cos(x))));
      cr_assert_eq(fai_m_sin(x), s, "sin and sincos differ at %.17g", x);
      cr_assert_eq(fai_m_cos(x), c, "cos and sincos differ at %.17g", x);
    }
    cr_log_info("sin/cos, |x| < %g: max %.3f ulp from glibc", ranges[r], w);
    worst = fmax(worst, w);
  }
  /* Next to multiples of π/2, where the reduction cancels most. */
  for (int k = -2000; k <= 2000; k++) {
    const double x0 = k * (FAI_PI / 2);
    double x = x0;
    for (int d = 0; d < 4; d++, x = nextafter(x, INFINITY)) {
      double s, c;
      fai_m_sincos(x, &s, &c);
      if (fabs(sin(x)) > 1e-300) worst = fmax(worst, ulps(s, sin(x)));
      if (fabs(cos(x)) > 1e-300) worst = fmax(worst, ulps(c, cos(x)));
    }
  }
  cr_log_info("sin/cos: max %.3f ulp from glibc overall", worst);
  cr_assert_leq(worst, 1.0, "sin/cos %.3f ulp from glibc", worst);
}

Test(sgp4_batch, atan2_within_two_ulp_of_libm) {
  uint64_t rng = 11;
  double worst = 0.0;
  for (int i = 0; i < 400000; i++) {
    /* Magnitudes over 12 decades, every quadrant. */
    const double y = (2.0 * sb_unit(&rng) - 1.0) * pow(10.0, 12.0 * sb_unit(&rng) - 6.0);
    const double x = (2.0 * sb_unit(&rng) - 1.0) * pow(10.0, 12.0 * sb_unit(&rng) - 6.0);
    worst = fmax(worst, ulps(fai_m_atan2(y, x), atan2(y, x)));
  }
  for (int i = 0; i < 100000; i++) { /* unit circle, as SGP4 calls it */
    const double a = (2.0 * sb_unit(&rng) - 1.0) * FAI_PI;
    worst = fmax(worst, ulps(fai_m_atan2(sin(a), cos(a)), atan2(sin(a), cos(a))));
  }
  cr_assert_eq(fai_m_atan2(1.0, 0.0), atan2(1.0, 0.0));
  cr_assert_eq(fai_m_atan2(-1.0, 0.0), atan2(-1.0, 0.0));
  cr_assert_eq(fai_m_atan2(0.0, -1.0), atan2(0.0, -1.0));
  cr_assert_eq(fai_m_atan2(0.0, 1.0), 0.0);
  cr_log_info("atan2: max %.3f ulp from glibc", worst);
  cr_assert_leq(worst, 2.0, "atan2 %.3f ulp from glibc", worst);
}

Test(sgp4_batch, fmod_2pi_is_exact) {
  uint64_t rng = 13;
  for (int i = 0; i < 400000; i++) {
    const double x = (2.0 * sb_unit(&rng) - 1.0) * pow(10.0, 9.0 * sb_unit(&rng) - 2.0);
    const double got = fai_m_fmod_2pi(x), want = fmod(x, FAI_TWO_PI);
    cr_assert(got == want && signbit(got) == signbit(want), "fmod(%.17g): %.17g, libm %.17g", x,
              got, want);
  }
  for (int k = -100000; k <= 100000; k += 7) { /* at and next to multiples of 2π */
    double x = nextafter(k * FAI_TWO_PI, -INFINITY);
    for (int d = 0; d < 3; d++, x = nextafter(x, INFINITY)) {
      const double got = fai_m_fmod_2pi(x), want = fmod(x, FAI_TWO_PI);
      cr_assert(got == want && signbit(got) == signbit(want), "fmod(%.17g): %.17g, libm %.17g", x,
                got, want);
    }
  }
}

/* ------------------------------------------------------ core vs scalar */

/* Worst deviation of the core from fai_sgp4_propagate. */
typedef struct dev {
  double dr_km, dv_kms;
  int states, errors;
} dev;

/* Satellite s (near-Earth, initialised) at tsince: core vs scalar. */
static void compare_core(const fai_sgp4 *s, double tsince, dev *d) {
  fai_sgp4_ne ne;
  fai_sgp4_batch one;
  double r0[3], v0[3], r1[3], v1[3];
  fai_sgp4_ne_fill(s, s->epoch_unix, &ne);
  fai_sgp4_batch_view(&ne, s->grav, &one);
  const int c0 = fai_sgp4_propagate(s, tsince, r0, v0);
  const int c1 = fai_sgp4_eval(&one, 0, tsince, r1, v1);
  cr_assert_eq(c1, c0, "NORAD %d t = %.6f min: core code %d, scalar %d", s->norad, tsince, c1, c0);
  if (c0 != 0 && c0 != 6) { /* 6 still has a state; 1 and 4 do not */
    d->errors++;
    return;
  }
  d->errors += c0 != 0;
  for (int k = 0; k < 3; k++) {
    d->dr_km = fmax(d->dr_km, fabs(r1[k] - r0[k]));
    d->dv_kms = fmax(d->dv_kms, fabs(v1[k] - v0[k]));
  }
  d->states++;
}

/* Column 69 of a 69-character TLE line: digits summed, '-' counting 1. */
static void fix_checksum(char *line) {
  int sum = 0;
  for (int c = 0; c < 68 && line[c]; c++) {
    if (line[c] >= '0' && line[c] <= '9') sum += line[c] - '0';
    if (line[c] == '-') sum++;
  }
  line[68] = (char)('0' + sum % 10);
}

/* The verification TLEs carry start/stop/step after column 69, which the
 * catalogue parser rejects: lines are cut at 69 for it, the grid kept.  A
 * few of their checksums are wrong (the reference code ignores them), so
 * they are recomputed. */
typedef struct ver_set {
  fai_tle_set set;
  double start[64], stop[64], step[64];
} ver_set;

static void load_verification(ver_set *vs) {
  FILE *f = fopen(VER_TLE, "r");
  cr_assert_not_null(f, "cannot open %s (tests run from the repository root)", VER_TLE);
  char line[256], l1[80] = "", l2[80], text[200];
  int n = 0;
  memset(&vs->set, 0, sizeof vs->set);
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '1') {
      snprintf(l1, sizeof l1, "%.69s", line);
      fix_checksum(l1);
    } else if (line[0] == '2') {
      fai_tle_set one;
      fai_error err;
      cr_assert_lt(n, 64);
      cr_assert_eq(sscanf(line + 69, "%lf %lf %lf", &vs->start[n], &vs->stop[n], &vs->step[n]),
                   3);
      snprintf(l2, sizeof l2, "%.69s", line);
      fix_checksum(l2);
      /* One set at a time: the catalogue parser would merge duplicate ids. */
      snprintf(text, sizeof text, "%s\n%s\n", l1, l2);
      memset(&one, 0, sizeof one);
      fai_error_clear(&err);
      cr_assert_eq(fai_tle_parse(text, VER_TLE, &one, NULL, &err), FAI_OK, "%s", err.msg);
      cr_assert_eq(one.n, 1);
      cr_assert_eq(fai_tle_set_push(&vs->set, &one.v[0]), 0);
      fai_tle_set_free(&one);
      n++;
    }
  }
  fclose(f);
  cr_assert_eq(n, 33);
}

Test(sgp4_batch, core_matches_scalar_on_near_earth_verification_cases) {
  ver_set *vs = calloc(1, sizeof *vs);
  dev d = {0, 0, 0, 0};
  int near = 0;
  cr_assert_not_null(vs);
  load_verification(vs);
  for (int i = 0; i < vs->set.n; i++) {
    fai_sgp4 s;
    fai_error err;
    fai_error_clear(&err);
    if (fai_sgp4_init(&vs->set.v[i], FAI_GRAV_WGS72, 'i', &s, &err) != FAI_OK) continue;
    if (s.method != 'n') continue;
    near++;
    /* The case's grid, then 40 more times of the same span off the grid. */
    for (double t = vs->start[i]; t <= vs->stop[i]; t += vs->step[i]) compare_core(&s, t, &d);
    for (int k = 0; k <= 40; k++)
      compare_core(&s, vs->start[i] + (vs->stop[i] - vs->start[i]) * (k + 0.37) / 41.0, &d);
  }
  cr_log_info("verification, %d near-Earth cases, %d states (+%d error stops): max %.3g km, %.3g km/s",
              near, d.states, d.errors, d.dr_km, d.dv_kms);
  cr_assert_geq(near, 9);
  cr_assert_gt(d.errors, 0, "the error stops are exercised");
  cr_assert_leq(d.dr_km, TOL_R_KM, "position %.3g km from the scalar code", d.dr_km);
  cr_assert_leq(d.dv_kms, TOL_V_KMS, "velocity %.3g km/s from the scalar code", d.dv_kms);
  fai_tle_set_free(&vs->set);
  free(vs);
}

/* The Starlink snapshot, initialised. */
typedef struct fleet {
  fai_tle_set set;
  fai_sgp4 *sat;
  double ref_unix; /* newest epoch, whole second */
} fleet;

static void fleet_load(fleet *f) {
  fai_error err;
  fai_error_clear(&err);
  memset(f, 0, sizeof *f);
  cr_assert_eq(fai_tle_load(STARLINK_TLE, &f->set, NULL, &err), FAI_OK, "%s", err.msg);
  f->sat = calloc((size_t)f->set.n, sizeof *f->sat);
  cr_assert_not_null(f->sat);
  f->ref_unix = -INFINITY;
  for (int i = 0; i < f->set.n; i++) {
    fai_error e;
    fai_error_clear(&e);
    (void)fai_sgp4_init(&f->set.v[i], FAI_GRAV_WGS72, 'i', &f->sat[i], &e);
    f->ref_unix = fmax(f->ref_unix, f->set.v[i].epoch_unix);
  }
  f->ref_unix = floor(f->ref_unix);
}

static void fleet_free(fleet *f) {
  free(f->sat);
  fai_tle_set_free(&f->set);
}

Test(sgp4_batch, core_matches_scalar_on_starlink_over_a_day, .timeout = 120) {
  fleet f;
  dev d = {0, 0, 0, 0};
  fleet_load(&f);
  cr_assert_gt(f.set.n, 6000);
  for (int i = 0; i < f.set.n; i++) {
    const fai_sgp4 *s = &f.sat[i];
    if (s->error || s->method != 'n') continue;
    const double off = fai_sgp4_epoch_offset_min(s, f.ref_unix);
    /* The offset agrees with the unix epochs (to their ~1e-7 s rounding). */
    cr_assert_float_eq(off * 60.0, s->epoch_unix - f.ref_unix, 1e-5, "NORAD %d", s->norad);
    for (int k = 0; k <= 24; k++) compare_core(s, k * 60.0 + 0.123 * i / f.set.n - off, &d);
  }
  cr_log_info("Starlink, %d states (+%d errors): max %.3g km, %.3g km/s", d.states, d.errors,
              d.dr_km, d.dv_kms);
  cr_assert_gt(d.states, 24 * 6000);
  cr_assert_leq(d.dr_km, TOL_R_KM, "position %.3g km from the scalar code", d.dr_km);
  cr_assert_leq(d.dv_kms, TOL_V_KMS, "velocity %.3g km/s from the scalar code", d.dv_kms);
  fleet_free(&f);
}

/* ------------------------------------------- backend vs host, threads */

/* Outputs of one propagate_sgp4 call over the fleet at T snapshots. */
typedef struct run {
  int T, N;
  double *t_s, *dt, *cs, *pos, *vel, *teme;
  int8_t *code;
} run;

static void run_init(run *r, const fleet *f, int T, double step_s) {
  r->T = T;
  r->N = f->set.n;
  const size_t TN = (size_t)T * (size_t)r->N;
  r->t_s = calloc((size_t)T, sizeof(double));
  r->dt = calloc((size_t)T, sizeof(double));
  r->cs = calloc((size_t)T * 2, sizeof(double));
  r->pos = calloc(TN * 3, sizeof(double));
  r->vel = calloc(TN * 3, sizeof(double));
  r->teme = calloc(TN * 3, sizeof(double));
  r->code = calloc(TN, 1);
  cr_assert(r->t_s && r->dt && r->cs && r->pos && r->vel && r->teme && r->code);
  for (int t = 0; t < T; t++) {
    r->t_s[t] = t * step_s;
    const double th = fai_gmst_rad(f->ref_unix + r->t_s[t]);
    r->dt[t] = r->t_s[t] / 60.0;
    r->cs[2 * t] = cos(th);
    r->cs[2 * t + 1] = sin(th);
  }
}

static void run_exec(run *r, const fleet *f, const fai_backend *be) {
  fai_sgp4_batch b;
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_sgp4_batch_build(f->sat, r->N, FAI_GRAV_WGS72, f->ref_unix, &b, NULL, &err),
               FAI_OK, "%s", err.msg);
  cr_assert_eq(be->propagate_sgp4(be, &b, r->T, r->dt, r->cs, r->pos, r->vel, r->teme, r->code,
                                  &err),
               FAI_OK, "%s: %s", be->name, err.msg);
  fai_sgp4_batch_free(&b);
}

static void run_free(run *r) {
  free(r->t_s);
  free(r->dt);
  free(r->cs);
  free(r->pos);
  free(r->vel);
  free(r->teme);
  free(r->code);
}

static void run_compare(const run *a, const run *b) {
  const size_t TN = (size_t)a->T * (size_t)a->N;
  cr_assert_eq(memcmp(a->pos, b->pos, TN * 3 * sizeof(double)), 0, "positions differ");
  cr_assert_eq(memcmp(a->vel, b->vel, TN * 3 * sizeof(double)), 0, "velocities differ");
  cr_assert_eq(memcmp(a->teme, b->teme, TN * 3 * sizeof(double)), 0, "TEME positions differ");
  cr_assert_eq(memcmp(a->code, b->code, TN), 0, "codes differ");
}

static void select_cpu(fai_backend *be, int threads) {
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, threads, be, &err), FAI_OK, "%s", err.msg);
}

Test(sgp4_batch, cpu_backend_matches_host_path_bytes, .timeout = 120) {
  fleet f;
  run r;
  fai_backend be;
  fleet_load(&f);
  run_init(&r, &f, 9, 1800.0 + 0.25);
  select_cpu(&be, 0);
  run_exec(&r, &f, &be);
  size_t checked = 0;
  for (int t = 0; t < r.T; t++) {
    for (int j = 0; j < r.N; j++) {
      const size_t row = (size_t)t * r.N + j;
      double p[3], v[3], pt[3];
      const fai_sgp4 *s = &f.sat[j];
      if (s->error || s->method != 'n') continue;
      const int c = fai__sgp4_ecef(s, f.ref_unix, r.t_s[t], r.cs[2 * t], r.cs[2 * t + 1], p, v,
                                   pt, NULL);
      cr_assert_eq(r.code[row], c, "NORAD %d t=%d: code %d, host %d", s->norad, t, r.code[row], c);
      if (c) continue;
      cr_assert_eq(memcmp(p, r.pos + 3 * row, sizeof p), 0, "NORAD %d t=%d: position", s->norad, t);
      cr_assert_eq(memcmp(v, r.vel + 3 * row, sizeof v), 0, "NORAD %d t=%d: velocity", s->norad, t);
      cr_assert_eq(memcmp(pt, r.teme + 3 * row, sizeof pt), 0, "NORAD %d t=%d: TEME", s->norad, t);
      checked++;
    }
  }
  cr_assert_gt(checked, (size_t)r.T * 6000);
  run_free(&r);
  fleet_free(&f);
}

Test(sgp4_batch, one_and_two_threads_give_the_same_bytes, .timeout = 120) {
  fleet f;
  run r1, r2;
  fai_backend be;
  fleet_load(&f);
  run_init(&r1, &f, 30, 61.0);
  run_init(&r2, &f, 30, 61.0);
  select_cpu(&be, 1);
  run_exec(&r1, &f, &be);
  select_cpu(&be, 2);
  run_exec(&r2, &f, &be);
  run_compare(&r1, &r2);
  run_free(&r1);
  run_free(&r2);
  fleet_free(&f);
}

/* fai_elements_propagate on a mix of near-Earth and deep-space sets, one of
 * which decays: the batch path and the continuous path (fai_propagate_sat)
 * agree bit for bit, the decayed series is NaN from its error on, and 1 and
 * 2 threads give the same bytes. */
Test(sgp4_batch, elements_propagate_matches_propagate_sat_and_stops_at_errors) {
  ver_set *vs = calloc(1, sizeof *vs);
  cr_assert_not_null(vs);
  load_verification(vs);
  const int N = vs->set.n, T = 48;
  fai_sgp4 *sat = calloc((size_t)N, sizeof *sat);
  double *t_s = calloc(T, sizeof *t_s);
  const size_t TN3 = (size_t)T * N * 3;
  double *pos[2], *vel[2], *teme[2];
  int n_deep = 0, n_near = 0, decayed = -1;
  cr_assert(sat && t_s);
  for (int i = 0; i < N; i++) {
    fai_error e;
    fai_error_clear(&e);
    (void)fai_sgp4_init(&vs->set.v[i], FAI_GRAV_WGS72, 'i', &sat[i], &e);
    n_deep += !sat[i].error && sat[i].method == 'd';
    n_near += !sat[i].error && sat[i].method == 'n';
    if (vs->set.v[i].norad == 28872) decayed = i; /* decays 55 min after its epoch */
  }
  cr_assert(n_deep > 0 && n_near > 0 && decayed >= 0);
  const double epoch = floor(sat[decayed].epoch_unix);
  for (int t = 0; t < T; t++) t_s[t] = t * 150.0;
  for (int k = 0; k < 2; k++) {
    fai_backend be;
    fai_error err;
    fai_error_list warn;
    memset(&warn, 0, sizeof warn);
    fai_error_clear(&err);
    pos[k] = calloc(TN3, sizeof(double));
    vel[k] = calloc(TN3, sizeof(double));
    teme[k] = calloc(TN3, sizeof(double));
    select_cpu(&be, k + 1);
    cr_assert_eq(fai_elements_propagate(&be, sat, N, epoch, t_s, T, pos[k], vel[k], teme[k], &warn,
                                        &err),
                 FAI_OK, "%s", err.msg);
    int found = 0;
    for (int w = 0; w < warn.n; w++) found += strstr(warn.v[w].msg, "NORAD 28872") != NULL;
    cr_assert_eq(found, 1, "one warning for the decayed satellite");
    fai_error_list_free(&warn);
  }
  cr_assert_eq(memcmp(pos[0], pos[1], TN3 * sizeof(double)), 0);
  cr_assert_eq(memcmp(vel[0], vel[1], TN3 * sizeof(double)), 0);
  cr_assert_eq(memcmp(teme[0], teme[1], TN3 * sizeof(double)), 0);
  const fai_propagator prop = {NULL, epoch, FAI_J2_NONE, sat};
  int *stopped = calloc((size_t)N, sizeof *stopped);
  int dead = 0;
  cr_assert_not_null(stopped);
  for (int t = 0; t < T; t++) {
    for (int j = 0; j < N; j++) {
      const double *p = pos[0] + ((size_t)t * N + j) * 3, *v = vel[0] + ((size_t)t * N + j) * 3;
      double q[3], w[3];
      fai_propagate_sat(&prop, j, t_s[t], q, w);
      if (stopped[j]) { /* NaN from the first error on */
        cr_assert(isnan(p[0]) && isnan(v[0]), "satellite %d t=%d: state after its error", j, t);
        dead += j == decayed;
        continue;
      }
      if (isnan(p[0])) { /* the first error: the continuous path fails there too */
        cr_assert(isnan(q[0]), "satellite %d t=%d: NaN on the batch path only", j, t);
        stopped[j] = 1;
        continue;
      }
      cr_assert_eq(memcmp(p, q, sizeof q), 0, "satellite %d (%c) t=%d: position differs", j,
                   sat[j].method, t);
      cr_assert_eq(memcmp(v, w, sizeof w), 0, "satellite %d (%c) t=%d: velocity differs", j,
                   sat[j].method, t);
    }
  }
  cr_assert(stopped[decayed], "the decaying satellite stopped");
  free(stopped);
  cr_assert_gt(dead, 0);
  for (int k = 0; k < 2; k++) {
    free(pos[k]);
    free(vel[k]);
    free(teme[k]);
  }
  free(t_s);
  free(sat);
  fai_tle_set_free(&vs->set);
  free(vs);
}

Test(sgp4_batch, propagate_sgp4_rejects_bad_output_rows) {
  fai_sgp4_ne ne;
  fai_sgp4_batch b;
  fai_backend be;
  fai_error err;
  const int bad_index = 5;
  double dt = 0.0, cs[2] = {1.0, 0.0}, pos[3];
  memset(&ne, 0, sizeof ne);
  fai_sgp4_batch_view(&ne, FAI_GRAV_WGS72, &b);
  b.out_index = &bad_index;
  b.n_out = 3;
  fai_error_clear(&err);
  select_cpu(&be, 1);
  cr_assert_eq(be.propagate_sgp4(&be, &b, 1, &dt, cs, pos, NULL, NULL, NULL, &err), FAI_EINVAL);
  cr_assert(strstr(err.msg, "out_index[0] = 5") != NULL, "%s", err.msg);
}

/* ------------------------------------------------------------- parity */

Test(parity, sgp4_cuda_matches_cpu_bytes, .timeout = 120) {
  fai_backend cpu, cuda;
  fai_error err;
  fai_error_clear(&err);
  if (fai_backend_select(FAI_BACKEND_CUDA, 0, &cuda, &err) != FAI_OK)
    cr_skip_test("no CUDA device: %s", err.msg);
  select_cpu(&cpu, 0);
  fleet f;
  run r1, r2;
  fleet_load(&f);
  run_init(&r1, &f, 97, 900.0 + 0.5);
  run_init(&r2, &f, 97, 900.0 + 0.5);
  run_exec(&r1, &f, &cpu);
  run_exec(&r2, &f, &cuda);
  run_compare(&r1, &r2);
  run_free(&r1);
  run_free(&r2);
  fleet_free(&f);
}
