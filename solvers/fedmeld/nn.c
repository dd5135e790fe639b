/* Models of the FedMeld simulator: shapes, initial weights, aggregation,
 * evaluation and host gradients.  The training arithmetic itself is
 * kernels/fl_core.h behind the backend ops fl_local_sgd and fl_logits. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_fl.h"
#include "fl_core.h"
#include "fluidai/fl.h"
#include "fluidai/rng.h"

fai_status fai_fl_model_init(fai_fl_model *m, fai_fl_model_kind kind, int n_in, int hidden,
                             int n_classes, fai_error *err) {
  fai_fl_shape s;
  memset(m, 0, sizeof *m);
  m->kind = kind;
  if (kind == FAI_FL_LOGREG) {
    m->n_dims = 2;
    m->dims[0] = n_in;
    m->dims[1] = n_classes;
  } else {
    m->n_dims = 4;
    m->dims[0] = n_in;
    m->dims[1] = hidden;
    m->dims[2] = hidden;
    m->dims[3] = n_classes;
  }
  if (fai_fl_shape_init(&s, m->n_dims, m->dims))
    return fai_error_set(err, FAI_EINVAL, "model: inputs %d, hidden %d, classes %d; expected "
                                          "positive widths and at most %d classes",
                         n_in, hidden, n_classes, FAI_FL_MAX_OUT);
  m->n_params = s.n_params;
  return FAI_OK;
}

void fai_fl_model_init_params(const fai_fl_model *m, uint64_t seed, float *params) {
  fai_fl_shape s;
  if (fai_fl_shape_init(&s, m->n_dims, m->dims)) return;
  memset(params, 0, (size_t)s.n_params * sizeof(float));
  if (m->kind == FAI_FL_LOGREG) return;
  for (int l = 0; l + 1 < s.nd; ++l) {
    const double r = sqrt(6.0 / (s.dims[l] + s.dims[l + 1]));
    const int64_t n = (int64_t)s.dims[l] * s.dims[l + 1];
    for (int64_t k = 0; k < n; ++k) {
      const double u = fai_rng_uniform(seed, FAI_FL_STREAM_INIT, (uint64_t)(s.w_off[l] + k));
      params[s.w_off[l] + k] = (float)((2.0 * u - 1.0) * r);
    }
  }
}

void fai_fl_average(int64_t n_params, int n, const float *const *models, float *out) {
#pragma omp parallel for schedule(static) if (n_params * n > (1 << 18))
  for (int64_t p = 0; p < n_params; ++p) {
    double s = 0.0;
    for (int k = 0; k < n; ++k) s += (double)models[k][p];
    out[p] = (float)(s / n);
  }
}

void fai_fl_mix(int64_t n_params, double alpha, const float *own, const float *carried,
                float *out) {
  const double a0 = 1.0 - alpha;
#pragma omp parallel for schedule(static) if (n_params > (1 << 18))
  for (int64_t p = 0; p < n_params; ++p)
    out[p] = (float)(a0 * (double)own[p] + alpha * (double)carried[p]);
}

fai_status fai_fl_evaluate(const fai_backend *be, const fai_fl_model *m, int n_models,
                           const float *params, const fai_fl_dataset *test, int64_t n,
                           double *loss, double *accuracy, fai_error *err) {
  const int K = m->dims[m->n_dims - 1];
  if (n <= 0 || n > test->n) n = test->n;
  float *logits = malloc((size_t)n_models * (size_t)n * K * sizeof(float) + 1);
  if (!logits) return fai_error_set(err, FAI_ENOMEM, "evaluate: out of memory");
  fai_status st = be->fl_logits(be, m->n_dims, m->dims, n_models, params, n, test->x, logits, err);
  if (st != FAI_OK) {
    free(logits);
    return st;
  }
  for (int j = 0; j < n_models; ++j) {
    double ce = 0.0;
    int64_t ok = 0;
    for (int64_t i = 0; i < n; ++i) {
      const float *z = logits + ((int64_t)j * n + i) * K;
      int best = 0;
      double mx = z[0], s = 0.0;
      for (int k = 1; k < K; ++k)
        if (z[k] > z[best]) best = k;
      mx = z[best];
      for (int k = 0; k < K; ++k) s += exp((double)z[k] - mx);
      ce += log(s) + mx - (double)z[test->y[i]];
      ok += best == test->y[i];
    }
    if (loss) loss[j] = ce / (double)n;
    if (accuracy) accuracy[j] = (double)ok / (double)n;
  }
  free(logits);
  return FAI_OK;
}

double fai_fl_gradient(const fai_fl_model *m, const float *params, const fai_fl_dataset *d,
                       const int32_t *idx, int n, float *grad) {
  fai_fl_shape s;
  if (fai_fl_shape_init(&s, m->n_dims, m->dims)) return NAN;
  uint8_t *x = malloc((size_t)n * d->dim + 1), *y = malloc((size_t)n + 1);
  float *work = malloc((size_t)fai_fl_cpu_work_floats(&s, n) * sizeof(float));
  float *tmp = malloc((size_t)s.n_params * sizeof(float));
  double ce = NAN;
  if (x && y && work && tmp) {
    for (int i = 0; i < n; ++i) {
      memcpy(x + (size_t)i * d->dim, d->x + (size_t)idx[i] * d->dim, (size_t)d->dim);
      y[i] = d->y[idx[i]];
    }
    memcpy(tmp, params, (size_t)s.n_params * sizeof(float));
    fai_fl_cpu_pass(&s, n, x, y, tmp, 0.0f, 0, grad, work);
    for (int64_t p = 0; p < s.n_params; ++p) grad[p] /= (float)n;
    /* Mean loss from the logits (host log). */
    fai_fl_cpu_forward(&s, n, x, params, work + 0, work + (int64_t)n * s.dims[s.nd - 1]);
    ce = 0.0;
    const int K = s.dims[s.nd - 1];
    for (int i = 0; i < n; ++i) {
      const float *z = work + (int64_t)i * K;
      double mx = z[0], sum = 0.0;
      for (int k = 1; k < K; ++k)
        if (z[k] > mx) mx = z[k];
      for (int k = 0; k < K; ++k) sum += exp((double)z[k] - mx);
      ce += log(sum) + mx - (double)z[y[i]];
    }
    ce /= n;
  }
  free(x);
  free(y);
  free(work);
  free(tmp);
  return ce;
}
