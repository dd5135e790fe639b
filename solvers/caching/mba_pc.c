/* MBA power control (PAPERS §5.2): Lambert W, the closed-form schedule by
 * bisection on the multiplier, the NLopt cross-check, and the one-payload
 * multicast used by FedMeld. */
#include <float.h>
#include <math.h>
#include <nlopt.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/mba.h"

/* 1/e as a double plus the remainder, so x + 1/e is exact near the branch point. */
#define EM1_HI 0.36787944117144233
#define EM1_LO (-1.2428753672788363e-17)
#define LN2 0.69314718055994530942

/* W₀ near the branch point from p = sqrt(2(e·x + 1)) (series to p⁶). */
static double w0_branch_series(double p) {
  return -1.0 +
         p * (1.0 + p * (-1.0 / 3 + p * (11.0 / 72 + p * (-43.0 / 540 + p * (769.0 / 17280 +
                                                                            p * (-221.0 / 8505))))));
}

double fai_lambert_w0(double x) {
  if (isnan(x)) return NAN;
  if (x == 0 || isinf(x)) return x > 0 || x == 0 ? x : NAN;
  const double q = (x + EM1_HI) + EM1_LO; /* x + 1/e, accurate near the branch point */
  if (q < 0) return q > -4 * DBL_EPSILON ? -1.0 : NAN;
  double w;
  if (x < -0.25) {
    const double p = sqrt(2.0 * M_E * q);
    w = w0_branch_series(p);
    if (p < 1e-3) return w; /* series error below p⁷ ≈ 1e-21 */
  } else if (x < 3) {
    w = x < 0 ? x * (1 - x) : log1p(x) * (1 - log1p(log1p(x)) / (2 + log1p(x)));
  } else {
    const double l1 = log(x), l2 = log(l1);
    w = l1 - l2 + l2 / l1;
  }
  if (x < 1e4) {
    /* Halley on f(w) = w e^w − x. */
    for (int it = 0; it < 30; it++) {
      const double ew = exp(w), f = w * ew - x;
      const double fp = ew * (w + 1);
      const double dw = f / (fp - (w + 2) * f / (2 * w + 2));
      if (!isfinite(dw)) break;
      w -= dw;
      if (fabs(dw) <= 2 * DBL_EPSILON * fabs(w)) break;
    }
  } else {
    /* Halley on g(w) = w + ln w − ln x: no overflow, well conditioned for large x. */
    const double lx = log(x);
    for (int it = 0; it < 30; it++) {
      const double g = w + log(w) - lx, gp = 1 + 1 / w, gpp = -1 / (w * w);
      const double dw = 2 * g * gp / (2 * gp * gp - g * gpp);
      w -= dw;
      if (fabs(dw) <= 2 * DBL_EPSILON * fabs(w)) break;
    }
  }
  return w;
}

/* --- closed form ---------------------------------------------------------------------- */

typedef struct pc_ctx {
  const fai_pc_problem *pr;
  double *a;     /* [n] N0 W / γ_b (W): power per unit of (2^r − 1) */
  double *rmax;  /* [n] spectral efficiency at P_max (+inf: none) */
} pc_ctx;

/* Block energy at spectral efficiency r (bits/s/Hz): a (2^r − 1) S / (W r). */
static double block_energy(double a, double bits, double W, double r) {
  return a * expm1(r * LN2) * bits / (W * r);
}

/* Spectral efficiency of block b at multiplier λ = e^L, clamped at P_max. */
static double rate_at(const pc_ctx *c, int b, double L) {
  /* γ/(λ N0 W) = 1/(λ a); the argument of W₀ is (1/(λa) − 1)/e >= −1/e. */
  const double inv = exp(-L - log(c->a[b]));
  double r = (1.0 + fai_lambert_w0((inv - 1.0) / M_E)) / LN2;
  if (!(r > 0)) r = 0x1p-60; /* λ so large that W₀ sits on the branch point */
  return r < c->rmax[b] ? r : c->rmax[b];
}

static double energy_at(const pc_ctx *c, double L) {
  double e = 0;
  for (int b = 0; b < c->pr->n; b++)
    e += block_energy(c->a[b], c->pr->bits[b], c->pr->bandwidth_hz, rate_at(c, b, L));
  return e;
}

static fai_status check_problem(const fai_pc_problem *pr, fai_error *err) {
  if (pr->n < 0) return fai_error_set(err, FAI_EINVAL, "power control: %d transmissions", pr->n);
  if (!(pr->bandwidth_hz > 0) || !isfinite(pr->bandwidth_hz))
    return fai_error_set(err, FAI_EINVAL, "power control: bandwidth %g Hz; expected > 0",
                         pr->bandwidth_hz);
  if (!(pr->noise_w_hz > 0) || !isfinite(pr->noise_w_hz))
    return fai_error_set(err, FAI_EINVAL, "power control: noise density %g W/Hz; expected > 0",
                         pr->noise_w_hz);
  if (!(pr->energy_j > 0) || !(pr->max_power_w > 0))
    return fai_error_set(err, FAI_EINVAL,
                         "power control: energy budget %g J, power cap %g W; expected > 0",
                         pr->energy_j, pr->max_power_w);
  if (isinf(pr->energy_j) && isinf(pr->max_power_w))
    return fai_error_set(err, FAI_EINVAL,
                         "power control: neither an energy budget nor a power cap is given");
  for (int b = 0; b < pr->n; b++) {
    if (!(pr->bits[b] > 0) || !isfinite(pr->bits[b]))
      return fai_error_set(err, FAI_EINVAL, "power control: transmission %d has %g bits; "
                           "expected > 0", b, pr->bits[b]);
    if (!(pr->gain[b] > 0) || !isfinite(pr->gain[b]))
      return fai_error_set(err, FAI_EINVAL, "power control: transmission %d has gain %g; "
                           "expected > 0", b, pr->gain[b]);
  }
  return FAI_OK;
}

/* Fill p/t from spectral efficiencies r[n]; returns the latency. */
static void finish(const pc_ctx *c, const double *r, double *p_w, double *t_s, fai_pc_result *res) {
  const fai_pc_problem *pr = c->pr;
  double T = 0, E = 0;
  for (int b = 0; b < pr->n; b++) {
    const double t = pr->bits[b] / (pr->bandwidth_hz * r[b]);
    const double p = c->a[b] * expm1(r[b] * LN2);
    if (p_w) p_w[b] = p;
    if (t_s) t_s[b] = t;
    T += t;
    E += p * t;
  }
  res->latency_s = T;
  res->energy_j = E;
}

static fai_status solve_closed(const pc_ctx *c, double *r, fai_pc_result *res) {
  const fai_pc_problem *pr = c->pr;
  const int n = pr->n;
  /* Energy at the caps: when within budget (or no budget), every block is capped. */
  double ecap = 0;
  for (int b = 0; b < n; b++)
    ecap += isinf(c->rmax[b]) ? INFINITY
                              : block_energy(c->a[b], pr->bits[b], pr->bandwidth_hz, c->rmax[b]);
  if (isinf(pr->energy_j) || ecap <= pr->energy_j) {
    for (int b = 0; b < n; b++) r[b] = c->rmax[b];
    res->lambda = 0;
    return FAI_OK;
  }
  /* Energy falls monotonically in L = log λ: bracket the root, then bisect
   * until the bracket is two adjacent doubles. */
  double lo = 0, hi = 0, step = 1;
  if (energy_at(c, 0) > pr->energy_j) {
    do {
      lo = hi;
      hi += step;
      step *= 2;
    } while (energy_at(c, hi) > pr->energy_j && hi < 1e4);
  } else {
    do {
      hi = lo;
      lo -= step;
      step *= 2;
    } while (energy_at(c, lo) <= pr->energy_j && lo > -1e4);
  }
  for (int it = 0; it < 2000; it++) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (energy_at(c, mid) > pr->energy_j) lo = mid;
    else hi = mid;
  }
  for (int b = 0; b < n; b++) r[b] = rate_at(c, b, hi); /* energy <= E_max side */
  res->lambda = exp(hi);
  return FAI_OK;
}

/* --- NLopt ------------------------------------------------------------------------------ */

typedef struct nl_data {
  const pc_ctx *c;
  double tscale, escale;
} nl_data;

static double nl_objective(unsigned n, const double *r, double *grad, void *data) {
  const nl_data *d = data;
  const fai_pc_problem *pr = d->c->pr;
  double T = 0;
  for (unsigned b = 0; b < n; b++) {
    const double t = pr->bits[b] / (pr->bandwidth_hz * r[b]);
    T += t;
    if (grad) grad[b] = -t / r[b] / d->tscale;
  }
  return T / d->tscale;
}

static double nl_energy(unsigned n, const double *r, double *grad, void *data) {
  const nl_data *d = data;
  const fai_pc_problem *pr = d->c->pr;
  double E = 0;
  for (unsigned b = 0; b < n; b++) {
    const double k = d->c->a[b] * pr->bits[b] / pr->bandwidth_hz;
    const double em = expm1(r[b] * LN2);
    E += k * em / r[b];
    if (grad) grad[b] = k * (LN2 * (em + 1) * r[b] - em) / (r[b] * r[b]) / d->escale;
  }
  return (E - pr->energy_j) / d->escale;
}

static fai_status solve_nlopt(const pc_ctx *c, double *r, fai_pc_result *res, fai_error *err) {
  const fai_pc_problem *pr = c->pr;
  const unsigned n = (unsigned)pr->n;
  double *lb = malloc(n * sizeof *lb), *ub = malloc(n * sizeof *ub);
  nlopt_opt opt = nlopt_create(NLOPT_LD_SLSQP, n);
  fai_status st = FAI_OK;
  if (!lb || !ub || !opt) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  /* Start: one common spectral efficiency spending 90 % of the budget above
   * the vanishing-rate minimum (found by bisection, independent of the closed form). */
  double r0 = 1;
  if (isfinite(pr->energy_j)) {
    const double target = res->min_energy_j + 0.9 * (pr->energy_j - res->min_energy_j);
    double a = 0, b = 1;
    for (;;) {
      double e = 0;
      for (unsigned i = 0; i < n; i++)
        e += block_energy(c->a[i], pr->bits[i], pr->bandwidth_hz, fmin(b, c->rmax[i]));
      if (e >= target || b > 1e4) break;
      a = b;
      b *= 2;
    }
    for (int it = 0; it < 200; it++) {
      const double m = 0.5 * (a + b);
      double e = 0;
      for (unsigned i = 0; i < n; i++)
        e += block_energy(c->a[i], pr->bits[i], pr->bandwidth_hz, fmin(m, c->rmax[i]));
      if (e > target) b = m;
      else a = m;
    }
    r0 = a > 0 ? a : b * 1e-3;
  }
  double T0 = 0;
  for (unsigned b = 0; b < n; b++) {
    lb[b] = 1e-12;
    /* A block alone cannot spend more than E_max: a finite upper bound keeps
     * SLSQP's line search out of 2^r overflow. */
    double hi = isinf(c->rmax[b]) ? 1e4 : c->rmax[b];
    if (isfinite(pr->energy_j) &&
        block_energy(c->a[b], pr->bits[b], pr->bandwidth_hz, hi) > pr->energy_j) {
      double lo = 0;
      for (int it = 0; it < 200; it++) {
        const double m = 0.5 * (lo + hi);
        if (block_energy(c->a[b], pr->bits[b], pr->bandwidth_hz, m) > pr->energy_j) hi = m;
        else lo = m;
      }
    }
    ub[b] = hi;
    r[b] = fmin(r0, ub[b]);
    T0 += pr->bits[b] / (pr->bandwidth_hz * r[b]);
  }
  nl_data d = {c, T0 > 0 ? T0 : 1, isfinite(pr->energy_j) ? pr->energy_j : 1};
  nlopt_set_lower_bounds(opt, lb);
  nlopt_set_upper_bounds(opt, ub);
  nlopt_set_min_objective(opt, nl_objective, &d);
  if (isfinite(pr->energy_j)) nlopt_add_inequality_constraint(opt, nl_energy, &d, 1e-14);
  nlopt_set_xtol_rel(opt, 1e-13);
  nlopt_set_ftol_rel(opt, 0);
  nlopt_set_maxeval(opt, 20000);
  /* SLSQP's line search sometimes stops early with ROUNDOFF_LIMITED far from
   * the optimum; restarting from where it stopped resets its quasi-Newton
   * model and gets it going again. */
  double f = 0, fprev = INFINITY;
  for (int restart = 0; restart < 50; restart++) {
    const nlopt_result nr = nlopt_optimize(opt, r, &f);
    if (nr < 0 && nr != NLOPT_ROUNDOFF_LIMITED) {
      st = fai_error_set(err, FAI_EINTERNAL, "power control: NLopt SLSQP failed (code %d)", (int)nr);
      goto cleanup;
    }
    if (nr != NLOPT_ROUNDOFF_LIMITED && !(f < fprev * (1 - 1e-13))) break;
    fprev = f;
  }
  res->lambda = NAN;
cleanup:
  if (opt) nlopt_destroy(opt);
  free(lb);
  free(ub);
  return st;
}

fai_status fai_pc_solve(const fai_pc_problem *pr, fai_mba_pc method, double *p_w, double *t_s,
                        fai_pc_result *res, fai_error *err) {
  fai_status st = check_problem(pr, err);
  if (st != FAI_OK) return st;
  const int n = pr->n;
  memset(res, 0, sizeof *res);
  double *buf = malloc((size_t)(3 * n + 1) * sizeof *buf);
  if (!buf) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  pc_ctx c = {pr, buf, buf + n};
  double *r = buf + 2 * n;
  double emin = 0;
  for (int b = 0; b < n; b++) {
    c.a[b] = pr->noise_w_hz * pr->bandwidth_hz / pr->gain[b];
    c.rmax[b] = isinf(pr->max_power_w) ? INFINITY : log2(1 + pr->max_power_w / c.a[b]);
    emin += c.a[b] * pr->bits[b] * LN2 / pr->bandwidth_hz;
  }
  res->min_energy_j = emin;
  if (n == 0) {
    res->feasible = 1;
    free(buf);
    return FAI_OK;
  }
  if (isfinite(pr->energy_j) && !(pr->energy_j > emin)) {
    /* Σ E_b > emin for every finite schedule: no schedule meets the budget. */
    res->feasible = 0;
    res->latency_s = INFINITY;
    res->energy_j = NAN;
    res->lambda = INFINITY;
    for (int b = 0; b < n; b++) {
      if (p_w) p_w[b] = 0;
      if (t_s) t_s[b] = INFINITY;
    }
    free(buf);
    return FAI_OK;
  }
  res->feasible = 1;
  st = method == FAI_MBA_PC_NLOPT ? solve_nlopt(&c, r, res, err) : solve_closed(&c, r, res);
  if (st == FAI_OK) finish(&c, r, p_w, t_s, res);
  free(buf);
  return st;
}

fai_status fai_multicast_solve(double bits, const double *gains, int n, double bandwidth_hz,
                               double noise_w_hz, double energy_j, double max_power_w,
                               fai_multicast *out, fai_error *err) {
  memset(out, 0, sizeof *out);
  if (n < 1) return fai_error_set(err, FAI_EINVAL, "multicast: no receivers");
  double g = INFINITY;
  for (int k = 0; k < n; k++) {
    if (!(gains[k] > 0) || !isfinite(gains[k]))
      return fai_error_set(err, FAI_EINVAL, "multicast: receiver %d has gain %g; expected > 0", k,
                           gains[k]);
    if (gains[k] < g) g = gains[k];
  }
  fai_pc_problem pr = {1, &bits, &g, bandwidth_hz, noise_w_hz, energy_j, max_power_w};
  fai_pc_result res;
  double p, t;
  fai_status st = fai_pc_solve(&pr, FAI_MBA_PC_CLOSED, &p, &t, &res, err);
  if (st != FAI_OK) return st;
  out->feasible = res.feasible;
  out->gain = g;
  out->duration_s = t;
  out->power_w = p;
  out->energy_j = res.feasible ? p * t : NAN;
  out->rate_bps = res.feasible ? bits / t : 0;
  return FAI_OK;
}
