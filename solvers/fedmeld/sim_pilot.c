/* Pilot run: estimates of the constants of the FedMeld convergence bound
 * (PAPERS.md §4.2) from the initial model on the simulator's own split.
 *
 *   F0 − F*  mean cross-entropy over all clients' data at w0 (F* >= 0 for
 *            cross-entropy and ~0 for a model that can fit its data, so
 *            F0 is the estimate; an over-estimate only slows the planner's τ*)
 *   ζ²       (1/K) Σ_k ‖∇F_k(w0) − ∇F(w0)‖², ∇F the mean of the ∇F_k
 *   σ²       mean over clients and draws of ‖g_b − ∇F_k(w0)‖², g_b a
 *            mini-batch gradient of the simulator's batch size
 *   G²       mean over clients and draws of ‖g_b‖²
 *   L        max over clients of ‖∇F_k(w_k) − ∇F_k(w0)‖ / ‖w_k − w0‖, w_k
 *            after `steps` local SGD steps (a secant estimate of smoothness)
 * All on the cpu (host gradients), clients in parallel, sums in client order. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/fl.h"
#include "fluidai/rng.h"

#define PILOT_DRAWS 4

static double dist2(int64_t n, const float *a, const float *b) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = (double)a[i] - (double)b[i];
    s += d * d;
  }
  return s;
}

fai_status fai_fl_pilot(const fai_fl_model *m, const fai_fl_dataset *train,
                        const fai_fl_partition *part, int batch, double lr, int steps,
                        uint64_t seed, int threads, fai_fl_constants *out, fai_error *err) {
  const int K = part->n_areas * part->clients_per_area, S = part->samples_per_client;
  const int64_t P = m->n_params;
  if (batch < 1 || batch > S || steps < 1 || !(lr > 0))
    return fai_error_set(err, FAI_EINVAL, "pilot: batch %d (of %d samples), steps %d, lr %g",
                         batch, S, steps, lr);
  float *w0 = malloc((size_t)P * sizeof(float));
  float *gk = malloc((size_t)K * P * sizeof(float));
  double *loss = calloc((size_t)K, sizeof(double)), *sig = calloc((size_t)K, sizeof(double));
  double *g2 = calloc((size_t)K, sizeof(double)), *lk = calloc((size_t)K, sizeof(double));
  int failed = 0;
  if (!w0 || !gk || !loss || !sig || !g2 || !lk) {
    free(w0), free(gk), free(loss), free(sig), free(g2), free(lk);
    return fai_error_set(err, FAI_ENOMEM, "pilot: out of memory");
  }
  fai_fl_model_init_params(m, seed, w0);
  const int nt = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel num_threads(nt)
  {
    float *g = malloc((size_t)P * sizeof(float)), *w = malloc((size_t)P * sizeof(float));
    int32_t *mb = malloc((size_t)batch * sizeof(int32_t));
    if (!g || !w || !mb) {
#pragma omp atomic write
      failed = 1;
    }
#pragma omp for schedule(dynamic, 1)
    for (int k = 0; k < K; ++k) {
      if (!g || !w || !mb) continue;
      const int32_t *idx = part->idx + (int64_t)k * S;
      float *full = gk + (int64_t)k * P;
      loss[k] = fai_fl_gradient(m, w0, train, idx, S, full);
      for (int d = 0; d < PILOT_DRAWS; ++d) {
        for (int b = 0; b < batch; ++b)
          mb[b] = idx[(int)(fai_rng_uniform(seed, FAI_FL_STREAM_MINIBATCH,
                                            ((uint64_t)1 << 60) + ((uint64_t)k * PILOT_DRAWS + d) *
                                                                     (uint64_t)batch + b) * S)];
        fai_fl_gradient(m, w0, train, mb, batch, g);
        sig[k] += dist2(P, g, full) / PILOT_DRAWS;
        double n2 = 0.0;
        for (int64_t i = 0; i < P; ++i) n2 += (double)g[i] * g[i];
        g2[k] += n2 / PILOT_DRAWS;
      }
      /* `steps` full-data gradient steps, then the secant. */
      memcpy(w, w0, (size_t)P * sizeof(float));
      memcpy(g, full, (size_t)P * sizeof(float));
      for (int t = 0; t < steps; ++t) {
        for (int64_t i = 0; i < P; ++i) w[i] -= (float)lr * g[i];
        fai_fl_gradient(m, w, train, idx, S, g);
      }
      const double dw = sqrt(dist2(P, w, w0)), dg = sqrt(dist2(P, g, full));
      lk[k] = dw > 0 ? dg / dw : 0.0;
    }
    free(g);
    free(w);
    free(mb);
  }
  if (failed) {
    free(w0), free(gk), free(loss), free(sig), free(g2), free(lk);
    return fai_error_set(err, FAI_ENOMEM, "pilot: out of memory");
  }
  /* Means in client order. */
  double *gm = calloc((size_t)P, sizeof(double));
  double F0 = 0, s2 = 0, G2 = 0, L = 0, z2 = 0;
  if (!gm) {
    free(w0), free(gk), free(loss), free(sig), free(g2), free(lk);
    return fai_error_set(err, FAI_ENOMEM, "pilot: out of memory");
  }
  for (int k = 0; k < K; ++k) {
    F0 += loss[k] / K;
    s2 += sig[k] / K;
    G2 += g2[k] / K;
    if (lk[k] > L) L = lk[k];
    for (int64_t i = 0; i < P; ++i) gm[i] += (double)gk[(int64_t)k * P + i] / K;
  }
  for (int k = 0; k < K; ++k) {
    double d2 = 0.0;
    for (int64_t i = 0; i < P; ++i) {
      const double d = (double)gk[(int64_t)k * P + i] - gm[i];
      d2 += d * d;
    }
    z2 += d2 / K;
  }
  memset(out, 0, sizeof *out);
  out->eta = lr;
  out->batch = batch;
  out->c2 = out->c3 = 1;
  out->L = L;
  out->sigma2 = s2;
  out->zeta2 = z2;
  out->G2 = G2;
  out->F0_minus_Fstar = F0;
  free(gm), free(w0), free(gk), free(loss), free(sig), free(g2), free(lk);
  return FAI_OK;
}

/* ---- calibration of c2, c3 and the drift exponent ----------------------------
 *
 * The §4.2 bound (a proposal, [P]) has the right shape in α but its
 * worst-case constants make it vacuous for a neural network: with the pilot's
 * L (a max-over-clients secant) and c2 = c3 = 1 the drift terms
 * c2η²L²τ²(σ²+ζ²/p) and c3η²L²τ²δ²G²α² exceed F0 − F* at τ = 1, so the
 * design degenerates to τ* = 1 (rounds as short as the communication allows),
 * a staleness δ in the thousands and α* ≈ 0.  Its τ² is also a worst case:
 * the loss a network loses to client drift grows more slowly in τ (measured
 * on Fashion-MNIST: ≈ τ^0.6).  The calibration measures, on the simulator's
 * own split, model and step size, what the terms stand for, and sets c2, c3
 * and the exponent γ of the bound's τ^γ (PAPERS' τ² is γ = 2) so that the
 * bound is a model of the training loss:
 *
 *   runs   global FedAvg of all K clients, first W warm-up steps with τ = 1
 *          from w0 (training is judged where it runs, not at a random
 *          start, where one long round costs far more than later on), then
 *          from that model S local SGD steps in all (mini-batches of the
 *          simulator's size b, step η), τ steps per round, for τ ∈ {1, S/8,
 *          S}; F_τ = training loss of the averaged model after the S steps
 *          (every client's first ≤ 100 samples), and F_1(S/2) from the τ = 1
 *          run.
 *   c0     the bound's first term in steps is 4ΔF/(η s); the τ = 1 run's loss
 *          falls as a/s (F = F∞ + a/s, s counted from w0) with
 *          a = (F_1(S/2) − F_1(S)) / (1/(W+S/2) − 1/(W+S)), so one unit of
 *          the bound is worth c0 = a·η/(4ΔF) units of loss.
 *   γ      at an equal number of steps the runs differ only by the drift
 *          term c2η²L²τ^γ(σ²+ζ²) (exact averaging, p = 1): γ solves
 *          ((S)^γ − 1)/((S/8)^γ − 1) = (F_S − F_1)/(F_{S/8} − F_1) in
 *          [0.05, 2] (bisection; the ratio rises with γ), clamped at the
 *          ends; 2 when F_S − F_1 <= 0 or F_{S/8} − F_1 <= 0 or S < 16
 *          (nothing to fit).
 *          A fixed γ (the pilot's --drift-exponent X) skips the fit.
 *   c2     d = least squares through 0 of F_τ − F_1 on η²L²(σ²+ζ²)(τ^γ−1), and
 *          c2 = d/c0 (in bound units).  When larger τ does not raise the
 *          loss (d below 1% of F_1(S) at the largest τ) that 1% is used: the
 *          measurement cannot resolve less.
 *   c3     the staleness term stands for the loss of mixing in a model that
 *          moved since it was carried.  It gets the same loss per squared
 *          distance as the drift term, with each distance model corrected by
 *          what was measured:
 *            c3 = c2 · (M / (η²(S/2)²G²)) / (D / (η²S^γ(σ²+ζ²)))
 *          M = ‖w(S) − w(S/2)‖² of the τ = 1 run (how far the model moves in
 *          S/2 steps of one-step rounds: δ = S/2, τ = 1 in the term),
 *          D = mean ‖w_k − w̄‖² of the clients before the averaging of the
 *          τ = S run (how far they drift apart in S steps).
 * Everything on the cpu, clients in parallel, sums in client order (so the
 * constants are identical for any thread count). */

typedef struct cal_ctx {
  const fai_fl_model *m;
  const fai_fl_dataset *train;
  const fai_fl_partition *part;
  int batch, K, S, nt;
  double lr;
  uint64_t seed;
  float *clients;      /* [K][P] */
  const float **ms;    /* [K] */
} cal_ctx;

/* The protocol of a calibration run: global FedAvg of all clients (ring 0),
 * or FedMeld's dispersal (ring 1): area models, FedAvg inside each area, then
 * w_n ← (1−α)·ŵ_n^r + α·ŵ_{n−1}^{r−δ} (a carried model from before the run's
 * start is the start model).  The model of a ring run is the mean of the
 * area models, as in the simulator. */
typedef struct cal_proto {
  int ring;
  double alpha;
  int delta;
} cal_proto;

/* `steps` local steps from the model in *wbar, tau per round, under protocol
 * pr (NULL: global FedAvg); the run number selects the Philox counters.  On
 * return *wbar is the (mean) model; wmid: the model after steps/2 (NULL: not
 * needed); *drift: mean ‖w_k − w̄‖² of the clients before the last averaging. */
static fai_status cal_run(cal_ctx *c, int run, int steps, int tau, const cal_proto *pr,
                          float *wbar, float *wmid, double *drift, fai_error *err) {
  const int64_t P = c->m->n_params;
  const int K = c->K, S = c->part->samples_per_client, R = steps / tau;
  const int N = c->part->n_areas, cpa = c->part->clients_per_area;
  const int ring = pr && pr->ring, G = ring ? pr->delta + 1 : 0;
  int failed = 0;
  fai_status st = FAI_OK;
  float *area = NULL, *hist = NULL, *start = NULL;
  if (ring) {
    area = malloc((size_t)N * P * sizeof(float));
    hist = malloc((size_t)G * N * P * sizeof(float));
    start = malloc((size_t)P * sizeof(float));
    if (!area || !hist || !start) {
      st = fai_error_set(err, FAI_ENOMEM, "pilot: out of memory (calibration, %d generations "
                                          "of %d area models)", G, N);
      goto out;
    }
    memcpy(start, wbar, (size_t)P * sizeof(float));
    for (int n = 0; n < N; ++n) memcpy(area + (int64_t)n * P, wbar, (size_t)P * sizeof(float));
  }
  for (int r = 0; r < R; ++r) {
#pragma omp parallel num_threads(c->nt)
    {
      float *g = malloc((size_t)P * sizeof(float));
      int32_t *mb = malloc((size_t)c->batch * sizeof(int32_t));
      if (!g || !mb) {
#pragma omp atomic write
        failed = 1;
      }
#pragma omp for schedule(dynamic, 1)
      for (int k = 0; k < K; ++k) {
        if (!g || !mb) continue;
        float *w = c->clients + (int64_t)k * P;
        const int32_t *idx = c->part->idx + (int64_t)k * S;
        memcpy(w, ring ? area + (int64_t)(k / cpa) * P : wbar, (size_t)P * sizeof(float));
        for (int t = 0; t < tau; ++t) {
          const uint64_t step = ((uint64_t)r * K + (uint64_t)k) * (uint64_t)tau + (uint64_t)t;
          for (int b = 0; b < c->batch; ++b)
            mb[b] = idx[(int)(fai_rng_uniform(c->seed, FAI_FL_STREAM_MINIBATCH,
                                              ((uint64_t)(2 + run) << 58) +
                                                  step * (uint64_t)c->batch + (uint64_t)b) *
                              S)];
          fai_fl_gradient(c->m, w, c->train, mb, c->batch, g);
          for (int64_t i = 0; i < P; ++i) w[i] -= (float)c->lr * g[i];
        }
      }
      free(g);
      free(mb);
    }
    if (failed) {
      st = fai_error_set(err, FAI_ENOMEM, "pilot: out of memory (calibration)");
      goto out;
    }
    for (int k = 0; k < K; ++k) c->ms[k] = c->clients + (int64_t)k * P;
    if (ring) {
      float *cur = hist + (int64_t)(r % G) * N * P;
      for (int n = 0; n < N; ++n) fai_fl_average(P, cpa, c->ms + n * cpa, cur + (int64_t)n * P);
      for (int n = 0; n < N; ++n) {
        const int from = (n + N - 1) % N;
        const float *carried = r - pr->delta >= 0
                                   ? hist + ((int64_t)((r - pr->delta) % G) * N + from) * P
                                   : start;
        fai_fl_mix(P, pr->alpha, cur + (int64_t)n * P, carried, area + (int64_t)n * P);
      }
      for (int n = 0; n < N; ++n) c->ms[n] = area + (int64_t)n * P;
      fai_fl_average(P, N, c->ms, wbar);
    } else {
      fai_fl_average(P, K, c->ms, wbar);
    }
    if (wmid && (r + 1) * tau == steps / 2) memcpy(wmid, wbar, (size_t)P * sizeof(float));
  }
  {
    double d = 0.0;
    for (int k = 0; k < K; ++k) d += dist2(P, c->clients + (int64_t)k * P, wbar) / K;
    *drift = d;
  }
out:
  free(area), free(hist), free(start);
  return st;
}

/* Training loss of w over every client's first min(S, 100) samples. */
static double cal_loss(const cal_ctx *c, const float *w, float *g) {
  const int S = c->part->samples_per_client, E = S < 100 ? S : 100;
  double f = 0.0;
  for (int k = 0; k < c->K; ++k)
    f += fai_fl_gradient(c->m, w, c->train, c->part->idx + (int64_t)k * S, E, g) / c->K;
  return f;
}

#define CAL_GAMMA_MIN 0.05
#define CAL_GAMMA_MAX 2.0

/* (S^γ − 1)/((S/8)^γ − 1): the drift excess of τ = S over that of τ = S/8. */
static double gamma_ratio(int S, double g) {
  return (pow(S, g) - 1) / (pow(S / 8.0, g) - 1);
}

/* γ from the loss excesses e1 (τ = S/8) and e2 (τ = S); see above. */
static double fit_gamma(int S, double e1, double e2) {
  if (S < 16 || !(e1 > 0) || !(e2 > 0)) return 2.0; /* S < 16: τ = S/8 is τ = 1 */
  const double q = e2 / e1;
  if (q <= gamma_ratio(S, CAL_GAMMA_MIN)) return CAL_GAMMA_MIN;
  if (q >= gamma_ratio(S, CAL_GAMMA_MAX)) return CAL_GAMMA_MAX;
  double lo = CAL_GAMMA_MIN, hi = CAL_GAMMA_MAX;
  for (int it = 0; it < 200 && hi - lo > 1e-12; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (gamma_ratio(S, mid) < q) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

static fai_status calibrate(const fai_fl_model *m, const fai_fl_dataset *train,
                            const fai_fl_partition *part, int batch, double lr,
                            const fai_fl_calibration *cp, uint64_t seed, int nt,
                            fai_fl_constants *k, fai_error *err) {
  const int64_t P = m->n_params;
  const int K = part->n_areas * part->clients_per_area, S = cp->steps, W = cp->warmup;
  fai_status st = FAI_OK;
  cal_ctx c = {m, train, part, batch, K, S, nt, lr, seed, NULL, NULL};
  float *w0 = malloc((size_t)P * sizeof(float)), *w = malloc((size_t)P * sizeof(float));
  float *wmid = malloc((size_t)P * sizeof(float)), *g = malloc((size_t)P * sizeof(float));
  c.clients = malloc((size_t)K * P * sizeof(float));
  c.ms = malloc((size_t)K * sizeof *c.ms);
  if (!w0 || !w || !wmid || !g || !c.clients || !c.ms) {
    st = fai_error_set(err, FAI_ENOMEM, "pilot: out of memory (calibration)");
    goto done;
  }
  fai_fl_model_init_params(m, seed, w0);
  k->cal_steps = S;
  k->cal_warmup = W;
  k->cal_n_taus = 3;
  k->cal_taus[0] = 1;
  k->cal_taus[1] = S / 8;
  k->cal_taus[2] = S;
  double drift[4] = {0, 0, 0, 0}, dw = 0, f_wh = 0;
  if (W > 0) {
    FAI_TRY(cal_run(&c, 3, W, 1, NULL, w0, wmid, &dw, err));
    f_wh = cal_loss(&c, wmid, g);
  }
  k->cal_loss_start = cal_loss(&c, w0, g);
  for (int i = 0; i < k->cal_n_taus; ++i) {
    memcpy(w, w0, (size_t)P * sizeof(float));
    FAI_TRY(cal_run(&c, i, S, k->cal_taus[i], NULL, w, i == 0 ? wmid : NULL, &drift[i], err));
    k->cal_loss[i] = cal_loss(&c, w, g);
    if (i == 0) k->cal_loss_half = cal_loss(&c, wmid, g);
  }
  /* Staleness: FedMeld's dispersal with α = ½, τ = S/8, carried models 0 or
   * D rounds old. */
  k->cal_stale_tau = S / 8;
  k->cal_stale_rounds = cp->stale_rounds;
  for (int i = 0; i < 2; ++i) {
    const cal_proto pr = {1, 0.5, i ? cp->stale_rounds : 0};
    memcpy(w, w0, (size_t)P * sizeof(float));
    FAI_TRY(cal_run(&c, 4 + i, S, S / 8, &pr, w, NULL, &dw, err));
    k->cal_stale_loss[i] = cal_loss(&c, w, g);
  }
  /* The 1/s slope from the longest τ = 1 stretch: the warm-up when there is one. */
  const double fa = W > 0 ? f_wh : k->cal_loss_half, fb = W > 0 ? k->cal_loss_start : k->cal_loss[0];
  const int sa = W > 0 ? W / 2 : S / 2, sb = W > 0 ? W : S;
  const double a = (fa - fb) / (1.0 / sa - 1.0 / sb);
  if (!(a > 0) || !isfinite(k->cal_loss[0])) {
    st = fai_error_set(err, FAI_EINVAL,
                       "pilot: the training loss did not fall in the calibration run (%.6g after "
                       "%d steps, %.6g after %d) with step size %g; choose a step size that "
                       "trains", fa, sa, fb, sb, lr);
    goto done;
  }
  k->cal_c0 = a * lr / (4 * k->F0_minus_Fstar);
  k->drift_exponent = cp->drift_exponent > 0
                          ? cp->drift_exponent
                          : fit_gamma(S, k->cal_loss[1] - k->cal_loss[0],
                                      k->cal_loss[2] - k->cal_loss[0]);
  k->drift_exponent_fitted = !(cp->drift_exponent > 0);
  const double gam = k->drift_exponent;
  const double unit = lr * lr * k->L * k->L * (k->sigma2 + k->zeta2);
  double sxy = 0, sxx = 0;
  for (int i = 1; i < k->cal_n_taus; ++i) {
    const double x = unit * (pow(k->cal_taus[i], gam) - 1);
    sxy += x * (k->cal_loss[i] - k->cal_loss[0]);
    sxx += x * x;
  }
  const double xmax = unit * (pow(S, gam) - 1);
  const double floor_d = 0.01 * k->cal_loss[0] / xmax;
  k->cal_drift_fit = sxx > 0 ? sxy / sxx : 0;
  const double d = k->cal_drift_fit > floor_d ? k->cal_drift_fit : floor_d;
  k->c2 = d / k->cal_c0;
  {
    /* The staleness term at the runs' setting, c3·η²L²(S/8)^γ·D²·G²·¼, is the
     * loss excess of the stale run (1% of its loss at least, as above). */
    const double D = (double)cp->stale_rounds;
    const double x3 = lr * lr * k->L * k->L * pow(S / 8.0, gam) * D * D * k->G2 * 0.25;
    double e3 = k->cal_stale_loss[1] - k->cal_stale_loss[0];
    if (!(e3 > 0.01 * k->cal_stale_loss[0])) e3 = 0.01 * k->cal_stale_loss[0];
    k->c3 = e3 / x3 / k->cal_c0;
  }
  if (!(k->c2 > 0) || !isfinite(k->c2) || !(k->c3 > 0) || !isfinite(k->c3)) {
    st = fai_error_set(err, FAI_EINTERNAL, "pilot: calibration gave c2 %g, c3 %g", k->c2, k->c3);
    goto done;
  }
  k->calibrated = 1;
cleanup:
done:
  free(w0), free(w), free(wmid), free(g), free(c.clients), free(c.ms);
  return st;
}

void fai_fl_calibration_init(fai_fl_calibration *cp) {
  cp->steps = 256;
  cp->warmup = 1024;
  cp->drift_exponent = 2;
  cp->stale_rounds = 4;
}

fai_status fai_fl_pilot_calibrated(const fai_fl_model *m, const fai_fl_dataset *train,
                                   const fai_fl_partition *part, int batch, double lr, int steps,
                                   const fai_fl_calibration *cal, uint64_t seed, int threads,
                                   fai_fl_constants *out, fai_error *err) {
  if (cal->steps != 0 && (cal->steps < 8 || cal->steps % 8))
    return fai_error_set(err, FAI_EINVAL, "pilot: %d calibration steps; expected 0 or a multiple "
                                          "of 8", cal->steps);
  if (cal->stale_rounds < 1 || cal->stale_rounds > 64)
    return fai_error_set(err, FAI_EINVAL, "pilot: staleness %d rounds; expected 1 to 64",
                         cal->stale_rounds);
  if (cal->warmup < 0)
    return fai_error_set(err, FAI_EINVAL, "pilot: %d warm-up steps; expected >= 0", cal->warmup);
  if (!(cal->drift_exponent >= 0) || !isfinite(cal->drift_exponent))
    return fai_error_set(err, FAI_EINVAL, "pilot: drift exponent %g; expected 0 (fit) or a "
                                          "positive number", cal->drift_exponent);
  fai_status st = fai_fl_pilot(m, train, part, batch, lr, steps, seed, threads, out, err);
  if (st != FAI_OK || cal->steps == 0) return st;
  return calibrate(m, train, part, batch, lr, cal, seed,
                   threads > 0 ? threads : omp_get_max_threads(), out, err);
}

json_t *fai_fl_constants_json(const fai_fl_constants *c) {
  json_t *o = json_object();
  /* The planner's constants file (fluidai-fedmeld-constants: `fedmeld plan --constants`). */
  json_object_set_new(o, "format", json_string("fluidai-fedmeld-constants"));
  json_object_set_new(o, "version", json_integer(1));
  json_object_set_new(o, "L", json_real(c->L));
  json_object_set_new(o, "sigma2", json_real(c->sigma2));
  json_object_set_new(o, "zeta2", json_real(c->zeta2));
  json_object_set_new(o, "G2", json_real(c->G2));
  json_object_set_new(o, "F_gap", json_real(c->F0_minus_Fstar));
  if (c->eta > 0) json_object_set_new(o, "eta", json_real(c->eta));
  if (c->batch > 0) json_object_set_new(o, "batch", json_real(c->batch));
  if (c->calibrated) {
    json_object_set_new(o, "c2", json_real(c->c2));
    json_object_set_new(o, "c3", json_real(c->c3));
    json_object_set_new(o, "drift_exponent", json_real(c->drift_exponent));
    json_t *taus = json_array(), *loss = json_array();
    for (int i = 0; i < c->cal_n_taus; ++i) {
      json_array_append_new(taus, json_integer(c->cal_taus[i]));
      json_array_append_new(loss, json_real(c->cal_loss[i]));
    }
    json_t *cal = json_object();
    json_object_set_new(cal, "steps", json_integer(c->cal_steps));
    json_object_set_new(cal, "warmup_steps", json_integer(c->cal_warmup));
    json_object_set_new(cal, "loss_start", json_real(c->cal_loss_start));
    json_object_set_new(cal, "drift_exponent_fitted", json_boolean(c->drift_exponent_fitted));
    json_object_set_new(cal, "taus", taus);
    json_object_set_new(cal, "loss", loss);
    json_object_set_new(cal, "loss_half_steps", json_real(c->cal_loss_half));
    json_object_set_new(cal, "c0", json_real(c->cal_c0));
    json_object_set_new(cal, "drift_fit", json_real(c->cal_drift_fit));
    json_object_set_new(cal, "stale_tau", json_integer(c->cal_stale_tau));
    json_object_set_new(cal, "stale_rounds", json_integer(c->cal_stale_rounds));
    json_object_set_new(cal, "stale_loss", json_pack("[f, f]", c->cal_stale_loss[0],
                                                     c->cal_stale_loss[1]));
    json_object_set_new(o, "calibration", cal);
  }
  return o;
}
