/* SC-MR design of FedMeld (PAPERS §4.2): the convergence bound, the mixing
 * ratio α*(δ) (semi-closed form by bisection, NLopt cross-check), the local
 * steps τ*(δ) (closed form, rounded, clipped into δ's range) and the outer
 * loop over the staleness δ.
 *
 * For fixed δ the bound is a + b/τ + τ^γ·c2η²L²(σ² + A(α)) with
 *   A(α) = ζ²/(2α(1−α)κ_N) + (c3/c2)δ²G²α²
 * (γ = 2 in PAPERS §4.2; the pilot fits γ to the simulator, see sim_pilot.c),
 * so α* minimises A alone (whatever τ is) and, given α*, the bound's
 * derivative in τ, (γKτ^{γ+1} − b)/τ², changes sign once, at
 * τ_c = (b/(γK))^{1/(γ+1)} (for γ = 2 the cube root of b/2K): the bound falls
 * before and rises after, so the better of ⌊τ_c⌋ and ⌈τ_c⌉ clipped into the
 * range is the best integer there.  The design is therefore exact for this bound; the grid
 * oracle in tests/test_fedmeld_plan.c checks it. */
#include <float.h>
#include <math.h>
#include <nlopt.h>
#include <string.h>

#include "fluidai/common.h"
#include "fluidai/fedmeld.h"
#include "fluidai/json.h"

void fai_fedmeld_constants_init(fai_fedmeld_constants *k) {
  k->L = 1;
  k->sigma2 = 1;
  k->zeta2 = 4;
  k->G2 = 10;
  k->F_gap = 2.3;
  k->eta = 0.05;
  k->batch = 32;
  k->c1 = 1;
  k->c2 = 1;
  k->c3 = 1;
  k->t_cmp_s = 0.05;
  k->drift_exponent = 2;
}

#define CONST_FIELDS(X) \
  X(L) X(sigma2) X(zeta2) X(G2) X(F_gap) X(eta) X(batch) X(c1) X(c2) X(c3) X(t_cmp_s) \
  X(drift_exponent)

fai_status fai_fedmeld_constants_check(const fai_fedmeld_constants *k, fai_error *err) {
#define CHECK(f)                                                                           \
  if (!(k->f > 0) || !isfinite(k->f))                                                      \
    return fai_error_set(err, FAI_EINVAL, "constant %s = %g; expected a positive finite number", \
                         #f, k->f);
  CONST_FIELDS(CHECK)
#undef CHECK
  return FAI_OK;
}

fai_status fai_fedmeld_constants_load_file(const char *path, fai_fedmeld_constants *k,
                                           fai_error *err) {
  static const char *const keys[] = {"format", "version", "L", "sigma2", "zeta2", "G2", "F_gap",
                                     "eta", "batch", "c1", "c2", "c3", "t_cmp_s",
                                     "drift_exponent", "calibration", NULL};
  fai_json_doc *doc = NULL;
  fai_status st = fai_json_load_file(path, &doc, err);
  if (st != FAI_OK) return st;
  fai_jv root = fai_jv_root(doc);
  fai_fedmeld_constants c = *k;
  const char *fmt = NULL;
  long long ver = 0;
  if (!json_is_object(root.v)) {
    st = fai_jv_error(&root, FAI_EINVAL, err, "expected an object (fluidai-fedmeld-constants)");
    goto done;
  }
  if ((st = fai_jv_expect_object(&root, keys, err))) goto done;
  if ((st = fai_jv_string(&root, "format", 1, NULL, &fmt, err))) goto done;
  if (strcmp(fmt, "fluidai-fedmeld-constants")) {
    fai_jv m;
    fai_jv_member(&root, "format", &m);
    st = fai_jv_error(&m, FAI_EINVAL, err, "format \"%s\"; expected \"fluidai-fedmeld-constants\"",
                      fmt);
    goto done;
  }
  if ((st = fai_jv_int(&root, "version", 1, 1, 1, 1, &ver, err))) goto done;
  {
    /* "calibration": what the pilot fitted c2, c3, γ from (informational, not read). */
    fai_jv cal;
    if (fai_jv_member(&root, "calibration", &cal) && !json_is_object(cal.v)) {
      st = fai_jv_error(&cal, FAI_EINVAL, err, "expected an object (the pilot's calibration)");
      goto done;
    }
  }
#define LOAD(f)                                                                              \
  if ((st = fai_jv_number(&root, #f, 0, c.f, -HUGE_VAL, HUGE_VAL, &c.f, err))) goto done;    \
  if (!(c.f > 0)) {                                                                          \
    fai_jv m;                                                                                \
    fai_jv_member(&root, #f, &m);                                                            \
    st = fai_jv_error(&m, FAI_EINVAL, err, "%s %g; expected a positive number", #f, c.f);    \
    goto done;                                                                               \
  }
  CONST_FIELDS(LOAD)
#undef LOAD
  *k = c;
done:
  fai_json_doc_free(doc);
  return st;
}

static double kappa(int n_areas) { return 1.0 - cos(FAI_TWO_PI / n_areas); }

/* τ^γ (τ·τ for PAPERS' γ = 2, so those designs keep their bits). */
static double tau_pow(const fai_fedmeld_constants *k, double tau) {
  return k->drift_exponent == 2 ? tau * tau : pow(tau, k->drift_exponent);
}

/* The real minimiser (b/(γK))^{1/(γ+1)} of b/τ + Kτ^γ (cube root for γ = 2). */
static double tau_star(const fai_fedmeld_constants *k, double b, double K) {
  if (!(b > 0)) return 0;
  const double g = k->drift_exponent;
  return g == 2 ? cbrt(b / (2 * K)) : pow(b / (g * K), 1 / (g + 1));
}

double fai_fedmeld_bound(const fai_fedmeld_constants *k, int n_areas, double horizon_s,
                         double t_com_s, int delta, double tau, double alpha) {
  if (!(alpha > 0 && alpha < 1) || !(tau > 0)) return HUGE_VAL;
  const double p = 2 * alpha * (1 - alpha) * kappa(n_areas);
  const double e2l2 = k->eta * k->eta * k->L * k->L;
  const double d = (double)delta;
  const double tg = tau_pow(k, tau);
  return 4 * k->F_gap * (k->t_cmp_s + t_com_s / tau) / (k->eta * horizon_s) +
         k->c1 * k->eta * k->L * k->sigma2 / (n_areas * k->batch) +
         k->c2 * e2l2 * tg * (k->sigma2 + k->zeta2 / p) +
         k->c3 * e2l2 * tg * d * d * k->G2 * alpha * alpha;
}

/* A(α) of the header comment. */
static double mr_objective(const fai_fedmeld_constants *k, double kap, int delta, double a) {
  const double d = (double)delta;
  return k->zeta2 / (2 * a * (1 - a) * kap) + (k->c3 / k->c2) * d * d * k->G2 * a * a;
}

double fai_fedmeld_alpha_bisect(const fai_fedmeld_constants *k, int n_areas, int delta) {
  if (delta <= 0) return 0.5;
  const double kap = kappa(n_areas);
  const double d = (double)delta;
  const double q = 4 * kap * (k->c3 / k->c2) * d * d * k->G2;
  /* f falls from ζ² at 0 to −q/32 at ½: one sign change. */
  double lo = 0, hi = 0.5;
  for (int it = 0; it < 400; it++) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    const double f = (1 - 2 * mid) * k->zeta2 - q * mid * mid * mid * (1 - mid) * (1 - mid);
    if (f > 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

typedef struct mr_ctx {
  const fai_fedmeld_constants *k;
  double kap;
  int delta;
} mr_ctx;

/* A(α) scaled by its value at the start point so NLopt's tolerances are relative. */
static double mr_nlopt_f(unsigned n, const double *x, double *grad, void *data) {
  (void)n;
  const mr_ctx *c = data;
  const double a = x[0], d = (double)c->delta;
  const double r = (c->k->c3 / c->k->c2) * d * d * c->k->G2;
  if (grad) {
    const double den = a * (1 - a);
    grad[0] = -c->k->zeta2 * (1 - 2 * a) / (2 * c->kap * den * den) + 2 * r * a;
  }
  return mr_objective(c->k, c->kap, c->delta, a);
}

fai_status fai_fedmeld_alpha_nlopt(const fai_fedmeld_constants *k, int n_areas, int delta,
                                   double *alpha, fai_error *err) {
  mr_ctx c = {k, kappa(n_areas), delta};
  nlopt_opt opt = nlopt_create(NLOPT_LD_MMA, 1);
  if (!opt) return fai_error_set(err, FAI_ENOMEM, "NLopt: cannot create an optimiser");
  /* The minimiser lies in (0, ½]; keep away from the poles at 0 and 1. */
  double lb = 1e-12, ub = 1 - 1e-12;
  nlopt_set_lower_bounds(opt, &lb);
  nlopt_set_upper_bounds(opt, &ub);
  nlopt_set_min_objective(opt, mr_nlopt_f, &c);
  nlopt_set_xtol_abs1(opt, 1e-14);
  nlopt_set_ftol_rel(opt, 0);
  nlopt_set_maxeval(opt, 5000);
  /* Start from the small-α asymptote (ζ²/(4κ r δ²G²))^{1/3}, capped at ¼. */
  double x = 0.25;
  if (delta > 0) {
    const double d = (double)delta;
    const double s = cbrt(k->zeta2 / (4 * c.kap * (k->c3 / k->c2) * d * d * k->G2));
    if (s < x) x = s;
  }
  double fmin = 0;
  nlopt_result r = nlopt_optimize(opt, &x, &fmin);
  nlopt_destroy(opt);
  if (r < 0) return fai_error_set(err, FAI_EINTERNAL, "NLopt failed on the mixing ratio (code %d)", (int)r);
  *alpha = x;
  return FAI_OK;
}

int fai_fedmeld_delta_of(double t_travel_s, double round_s) {
  if (!(t_travel_s > 0)) return 0;
  const double q = ceil(t_travel_s / round_s);
  return q > 2e9 ? 2000000000 : (int)q;
}

/* Smallest τ >= 1 with δ(τ) <= delta (the first τ of δ's range). */
static long long tau_first(const fai_fedmeld_constants *k, double t_com, double t_travel, int delta,
                           long long tau_max) {
  double g = ceil((t_travel / delta - t_com) / k->t_cmp_s);
  long long t = g < 1 ? 1 : (g > (double)tau_max + 1 ? tau_max + 1 : (long long)g);
  while (t > 1 && fai_fedmeld_delta_of(t_travel, (double)(t - 1) * k->t_cmp_s + t_com) <= delta) t--;
  while (t <= tau_max && fai_fedmeld_delta_of(t_travel, (double)t * k->t_cmp_s + t_com) > delta) t++;
  return t;
}

fai_status fai_fedmeld_design_solve(const fai_fedmeld_constants *k, int n_areas, double horizon_s,
                                    double t_com_s, double t_travel_s, int delta_cap,
                                    fai_fedmeld_design *out, fai_error *err) {
  fai_status st = fai_fedmeld_constants_check(k, err);
  if (st != FAI_OK) return st;
  if (n_areas < 2) return fai_error_set(err, FAI_EINVAL, "%d areas; expected at least 2", n_areas);
  if (!(t_com_s >= 0) || !isfinite(t_com_s) || !(t_travel_s >= 0) || !isfinite(t_travel_s))
    return fai_error_set(err, FAI_EINVAL, "t_com %g s, t_travel %g s; expected finite values >= 0",
                         t_com_s, t_travel_s);
  if (!(horizon_s >= k->t_cmp_s + t_com_s))
    return fai_error_set(err, FAI_EINVAL,
                         "time budget %g s is shorter than one round (one local step %g s + "
                         "communication %g s = %g s)",
                         horizon_s, k->t_cmp_s, t_com_s, k->t_cmp_s + t_com_s);
  memset(out, 0, sizeof *out);
  const double tm = floor((horizon_s - t_com_s) / k->t_cmp_s);
  const long long tau_max = tm > 1e15 ? (long long)1e15 : (long long)tm;
  const double e2l2 = k->eta * k->eta * k->L * k->L;
  const double bcoef = 4 * k->F_gap * t_com_s / (k->eta * horizon_s);
  const double kap = kappa(n_areas);
  int d_hi = fai_fedmeld_delta_of(t_travel_s, k->t_cmp_s + t_com_s);
  const int d_lo = fai_fedmeld_delta_of(t_travel_s, (double)tau_max * k->t_cmp_s + t_com_s);
  if (delta_cap > 0 && d_hi > delta_cap) d_hi = delta_cap;
  if (d_hi < d_lo)
    return fai_error_set(err, FAI_EINVAL,
                         "staleness cap %d is below the least staleness %d the carry time %g s "
                         "allows within the budget", delta_cap, d_lo, t_travel_s);
  double best = HUGE_VAL;
  out->delta_lo = -1;
  for (int d = d_lo; d <= d_hi; d++) {
    long long lo = 1, hi = tau_max;
    if (d > 0) {
      lo = tau_first(k, t_com_s, t_travel_s, d, tau_max);
      if (d > 1) hi = tau_first(k, t_com_s, t_travel_s, d - 1, tau_max) - 1;
      if (hi > tau_max) hi = tau_max;
    }
    if (lo > hi) continue;
    if (out->delta_lo < 0) out->delta_lo = d;
    out->delta_hi = d;
    const double a = fai_fedmeld_alpha_bisect(k, n_areas, d);
    const double K = k->c2 * e2l2 * (k->sigma2 + mr_objective(k, kap, d, a));
    const double tc = tau_star(k, bcoef, K);
    double cand[2] = {floor(tc), ceil(tc)};
    for (int i = 0; i < 2; i++) {
      double t = cand[i];
      if (t < (double)lo) t = (double)lo;
      if (t > (double)hi) t = (double)hi;
      const double B = fai_fedmeld_bound(k, n_areas, horizon_s, t_com_s, d, t, a);
      if (B < best) {
        best = B;
        out->delta = d;
        out->tau = (int)(t > 2e9 ? 2e9 : t);
        out->tau_cont = tc;
        out->alpha = a;
        out->bound = B;
        out->tau_lo = (int)(lo > 2000000000LL ? 2000000000LL : lo);
        out->tau_hi = (int)(hi > 2000000000LL ? 2000000000LL : hi);
      }
    }
  }
  if (!(best < HUGE_VAL))
    return fai_error_set(err, FAI_EINVAL, "no (τ, δ) pair fits the budget %g s", horizon_s);
  out->round_s = out->tau * k->t_cmp_s + t_com_s;
  out->rounds = (long long)floor(horizon_s / out->round_s);
  return fai_fedmeld_alpha_nlopt(k, n_areas, out->delta, &out->alpha_nlopt, err);
}
