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
  out->L = L;
  out->sigma2 = s2;
  out->zeta2 = z2;
  out->G2 = G2;
  out->F0_minus_Fstar = F0;
  free(gm), free(w0), free(gk), free(loss), free(sig), free(g2), free(lk);
  return FAI_OK;
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
  return o;
}
