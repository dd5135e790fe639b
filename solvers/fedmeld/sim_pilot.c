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

/* ---- calibration of c2 and c3 ------------------------------------------------
 *
 * The §4.2 bound (a proposal, [P]) has the right shape in τ and α but its
 * worst-case constants make it vacuous for a neural network: with the pilot's
 * L (a max-over-clients secant) and c2 = c3 = 1 the drift terms
 * c2η²L²τ²(σ²+ζ²/p) and c3η²L²τ²δ²G²α² exceed F0 − F* at τ = 1, so the
 * design degenerates to τ* = 1 (rounds as short as the communication allows),
 * a staleness δ in the thousands and α* ≈ 0.  The calibration measures, on
 * the simulator's own split, model and step size, what the terms stand for,
 * and sets c2, c3 so that the bound is a model of the training loss:
 *
 *   runs   global FedAvg of all K clients from w0, S local SGD steps in all
 *          (mini-batches of the simulator's size b, step η), τ steps per
 *          round, for τ ∈ {1, S/8, S}; F_τ = training loss of the averaged
 *          model after S steps (every client's first ≤ 100 samples), and
 *          F_1(S/2) from the τ = 1 run.
 *   c0     the bound's first term in steps is 4ΔF/(η s); the τ = 1 run's loss
 *          falls as a/s with a = S·(F_1(S/2) − F_1(S)) (F = F∞ + a/s), so one
 *          unit of the bound is worth c0 = a·η/(4ΔF) units of loss.
 *   c2     at an equal number of steps the runs differ only by the drift
 *          term, which with exact averaging (p = 1) is c2η²L²τ²(σ²+ζ²):
 *          d = least squares through 0 of F_τ − F_1 on η²L²(σ²+ζ²)(τ²−1), and
 *          c2 = d/c0 (in bound units).  When larger τ does not raise the
 *          loss (d below 1% of F_1(S) at the largest τ) that 1% is used: the
 *          measurement cannot resolve less.
 *   c3     the staleness term stands for the loss of mixing in a model that
 *          moved ≈ δτηG since it was carried.  It gets the same loss per
 *          squared distance as the drift term, with each distance model
 *          corrected by what was measured:
 *            c3 = c2 · (M / (η²(S/2)²G²)) / (D / (η²τ_S²(σ²+ζ²)))
 *          M = ‖w(S) − w(S/2)‖² of the τ = 1 run (how far the model moves in
 *          S/2 steps), D = mean ‖w_k − w̄‖² of the clients before the averaging
 *          of the τ = S run (how far they drift apart in S steps).
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

/* FedAvg from w0 (in *wbar on entry) for c->S steps, tau per round; the run
 * number selects the Philox counters.  wmid: the average after S/2 steps
 * (NULL: not needed); *drift: mean ‖w_k − w̄‖² before the last averaging. */
static fai_status cal_run(cal_ctx *c, int run, int tau, float *wbar, float *wmid, double *drift,
                          fai_error *err) {
  const int64_t P = c->m->n_params;
  const int K = c->K, S = c->part->samples_per_client, R = c->S / tau;
  int failed = 0;
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
        memcpy(w, wbar, (size_t)P * sizeof(float));
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
    if (failed) return fai_error_set(err, FAI_ENOMEM, "pilot: out of memory (calibration)");
    for (int k = 0; k < K; ++k) c->ms[k] = c->clients + (int64_t)k * P;
    fai_fl_average(P, K, c->ms, wbar);
    if (wmid && (r + 1) * tau == c->S / 2) memcpy(wmid, wbar, (size_t)P * sizeof(float));
  }
  double d = 0.0;
  for (int k = 0; k < K; ++k) d += dist2(P, c->clients + (int64_t)k * P, wbar) / K;
  *drift = d;
  return FAI_OK;
}

/* Training loss of w over every client's first min(S, 100) samples. */
static double cal_loss(const cal_ctx *c, const float *w, float *g) {
  const int S = c->part->samples_per_client, E = S < 100 ? S : 100;
  double f = 0.0;
  for (int k = 0; k < c->K; ++k)
    f += fai_fl_gradient(c->m, w, c->train, c->part->idx + (int64_t)k * S, E, g) / c->K;
  return f;
}

static fai_status calibrate(const fai_fl_model *m, const fai_fl_dataset *train,
                            const fai_fl_partition *part, int batch, double lr, int cal_steps,
                            uint64_t seed, int nt, fai_fl_constants *k, fai_error *err) {
  const int64_t P = m->n_params;
  const int K = part->n_areas * part->clients_per_area, S = cal_steps;
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
  k->cal_n_taus = 3;
  k->cal_taus[0] = 1;
  k->cal_taus[1] = S / 8;
  k->cal_taus[2] = S;
  double drift[4] = {0, 0, 0, 0};
  for (int i = 0; i < k->cal_n_taus; ++i) {
    memcpy(w, w0, (size_t)P * sizeof(float));
    FAI_TRY(cal_run(&c, i, k->cal_taus[i], w, i == 0 ? wmid : NULL, &drift[i], err));
    k->cal_loss[i] = cal_loss(&c, w, g);
    if (i == 0) {
      k->cal_loss_half = cal_loss(&c, wmid, g);
      k->cal_move_ratio = dist2(P, w, wmid) / (lr * lr * (S / 2.0) * (S / 2.0) * k->G2);
    }
  }
  const double a = S * (k->cal_loss_half - k->cal_loss[0]);
  if (!(a > 0) || !isfinite(k->cal_loss[0])) {
    st = fai_error_set(err, FAI_EINVAL,
                       "pilot: the training loss did not fall in the calibration run (%.6g after "
                       "%d steps, %.6g after %d) with step size %g; choose a step size that "
                       "trains", k->cal_loss_half, S / 2, k->cal_loss[0], S, lr);
    goto done;
  }
  k->cal_c0 = a * lr / (4 * k->F0_minus_Fstar);
  const double unit = lr * lr * k->L * k->L * (k->sigma2 + k->zeta2);
  double sxy = 0, sxx = 0;
  for (int i = 1; i < k->cal_n_taus; ++i) {
    const double x = unit * ((double)k->cal_taus[i] * k->cal_taus[i] - 1);
    sxy += x * (k->cal_loss[i] - k->cal_loss[0]);
    sxx += x * x;
  }
  const double xmax = unit * ((double)S * S - 1);
  const double floor_d = 0.01 * k->cal_loss[0] / xmax;
  k->cal_drift_fit = sxx > 0 ? sxy / sxx : 0;
  const double d = k->cal_drift_fit > floor_d ? k->cal_drift_fit : floor_d;
  k->cal_drift_ratio = drift[2] / (lr * lr * (double)S * S * (k->sigma2 + k->zeta2));
  k->c2 = d / k->cal_c0;
  k->c3 = k->cal_drift_ratio > 0 && k->cal_move_ratio > 0
              ? k->c2 * k->cal_move_ratio / k->cal_drift_ratio
              : k->c2;
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

fai_status fai_fl_pilot_calibrated(const fai_fl_model *m, const fai_fl_dataset *train,
                                   const fai_fl_partition *part, int batch, double lr, int steps,
                                   int cal_steps, uint64_t seed, int threads,
                                   fai_fl_constants *out, fai_error *err) {
  if (cal_steps != 0 && (cal_steps < 8 || cal_steps % 8))
    return fai_error_set(err, FAI_EINVAL, "pilot: %d calibration steps; expected 0 or a multiple "
                                          "of 8", cal_steps);
  fai_status st = fai_fl_pilot(m, train, part, batch, lr, steps, seed, threads, out, err);
  if (st != FAI_OK || cal_steps == 0) return st;
  return calibrate(m, train, part, batch, lr, cal_steps, seed,
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
    json_t *taus = json_array(), *loss = json_array();
    for (int i = 0; i < c->cal_n_taus; ++i) {
      json_array_append_new(taus, json_integer(c->cal_taus[i]));
      json_array_append_new(loss, json_real(c->cal_loss[i]));
    }
    json_t *cal = json_object();
    json_object_set_new(cal, "steps", json_integer(c->cal_steps));
    json_object_set_new(cal, "taus", taus);
    json_object_set_new(cal, "loss", loss);
    json_object_set_new(cal, "loss_half_steps", json_real(c->cal_loss_half));
    json_object_set_new(cal, "c0", json_real(c->cal_c0));
    json_object_set_new(cal, "drift_fit", json_real(c->cal_drift_fit));
    json_object_set_new(cal, "drift_ratio", json_real(c->cal_drift_ratio));
    json_object_set_new(cal, "move_ratio", json_real(c->cal_move_ratio));
    json_object_set_new(o, "calibration", cal);
  }
  return o;
}
