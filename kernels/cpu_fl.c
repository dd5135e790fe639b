/* cpu backend ops of issue 7: local SGD of many clients and batched logits.
 *
 * Clients (and, for logits, (model, sample block) pairs) are independent
 * OpenMP items; inside an item the loops are blocked for the cache (a weight
 * row is read once per mini-batch and applied to every sample while the
 * batch's outputs stay in L1), but every element is summed in the order
 * kernels/fl_core.h defines, so results do not depend on the thread count and
 * equal the CUDA kernels' bits. */
#include "cpu_fl.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>

#include "fluidai/log.h"

#define FL_LOGIT_BLOCK 64 /* samples per logits item */

static int fl_threads(const fai_backend *be) {
  return be->threads > 0 ? be->threads : omp_get_max_threads();
}

int64_t fai_fl_cpu_work_floats(const fai_fl_shape *s, int batch) {
  int64_t wt = 0; /* transposed hidden-layer weights (delta) */
  for (int l = 1; l + 1 < s->nd; ++l)
    if ((int64_t)s->dims[l] * s->dims[l + 1] > wt) wt = (int64_t)s->dims[l] * s->dims[l + 1];
  return 2 * (int64_t)batch * s->act_floats + s->max_width + wt + 16;
}

/* h[b][j] = bias[j] + Σ_i a[b][i]·W[i][j] (ReLU when relu). */
static void fwd_layer(const float *a, int B, int n_in, const float *W, const float *bias,
                      int n_out, float *h, int relu) {
  for (int b = 0; b < B; ++b)
    for (int j = 0; j < n_out; ++j) h[(size_t)b * n_out + j] = bias[j];
  for (int i = 0; i < n_in; ++i) {
    const float *w = W + (size_t)i * n_out;
    for (int b = 0; b < B; ++b) {
      const float ai = a[(size_t)b * n_in + i];
      float *hb = h + (size_t)b * n_out;
      if (ai == 0.0f) continue; /* fai_fl_mac's skip rule */
#pragma omp simd
      for (int j = 0; j < n_out; ++j) hb[j] = hb[j] + ai * w[j];
    }
  }
  if (relu)
    for (int64_t k = 0; k < (int64_t)B * n_out; ++k) h[k] = fai_fl_relu(h[k]);
}

static void input_layer(const fai_fl_shape *s, int B, const uint8_t *x, float *a0) {
  const int64_t n = (int64_t)B * s->dims[0];
  for (int64_t k = 0; k < n; ++k) a0[k] = fai_fl_pixel(x[k]);
}

void fai_fl_cpu_forward(const fai_fl_shape *s, int n, const uint8_t *x, const float *params,
                        float *logits, float *work) {
  const int L = s->nd - 1;
  float *a = work, *h = work + (int64_t)n * s->max_width;
  input_layer(s, n, x, a);
  for (int l = 0; l < L; ++l) {
    float *out = l == L - 1 ? logits : h;
    fwd_layer(a, n, s->dims[l], params + s->w_off[l], params + s->b_off[l], s->dims[l + 1], out,
              l < L - 1);
    if (l < L - 1) {
      float *t = a;
      a = h;
      h = t;
    }
  }
}

double fai_fl_cpu_pass(const fai_fl_shape *s, int B, const uint8_t *x, const uint8_t *y,
                       float *params, float lr, int update, float *grad, float *work) {
  const int L = s->nd - 1;
  const float scale = fai_fl_step_scale(lr, B);
  float *act[FAI_FL_MAX_DIMS] = {0}, *del[FAI_FL_MAX_DIMS] = {0};
  float *g = work + 2 * (int64_t)B * s->act_floats;
  int64_t off = 0;
  double psum = 0.0;
  for (int l = 0; l <= L; ++l) {
    act[l] = work + off;
    del[l] = work + (int64_t)B * s->act_floats + off;
    off += (int64_t)B * s->dims[l];
  }
  input_layer(s, B, x, act[0]);
  for (int l = 0; l < L; ++l)
    fwd_layer(act[l], B, s->dims[l], params + s->w_off[l], params + s->b_off[l], s->dims[l + 1],
              act[l + 1], l < L - 1);
  for (int b = 0; b < B; ++b)
    psum += fai_fl_softmax_grad(act[L] + (size_t)b * s->dims[L], s->dims[L], y[b],
                                del[L] + (size_t)b * s->dims[L]);
  for (int l = L - 1; l >= 0; --l) {
    const int n_in = s->dims[l], n_out = s->dims[l + 1];
    float *W = params + s->w_off[l], *bias = params + s->b_off[l];
    const float *a = act[l], *e = del[l + 1];
    if (l > 0) {
      /* Delta of the layer below, from the weights before this step:
       * fai_fl_delta_elem's sums (j ascending, zero e skipped), vectorised
       * over i through a transposed copy of W. */
      float *wt = work + 2 * (int64_t)B * s->act_floats + s->max_width;
      for (int i = 0; i < n_in; ++i)
        for (int j = 0; j < n_out; ++j) wt[(size_t)j * n_in + i] = W[(size_t)i * n_out + j];
      for (int b = 0; b < B; ++b) {
        float *d = del[l] + (size_t)b * n_in;
        const float *ab = a + (size_t)b * n_in, *eb = e + (size_t)b * n_out;
        for (int i = 0; i < n_in; ++i) d[i] = 0.0f;
        for (int j = 0; j < n_out; ++j) {
          const float ej = eb[j];
          const float *row = wt + (size_t)j * n_in;
          if (ej == 0.0f) continue;
#pragma omp simd
          for (int i = 0; i < n_in; ++i) d[i] = d[i] + ej * row[i];
        }
        for (int i = 0; i < n_in; ++i) d[i] = ab[i] > 0.0f ? d[i] : 0.0f;
      }
    }
    for (int i = 0; i < n_in; ++i) {
      float *w = W + (size_t)i * n_out;
      for (int j = 0; j < n_out; ++j) g[j] = 0.0f;
      for (int b = 0; b < B; ++b) {
        const float ai = a[(size_t)b * n_in + i];
        const float *eb = e + (size_t)b * n_out;
        if (ai == 0.0f) continue;
#pragma omp simd
        for (int j = 0; j < n_out; ++j) g[j] = g[j] + ai * eb[j];
      }
      if (update) {
#pragma omp simd
        for (int j = 0; j < n_out; ++j) w[j] = fai_fl_update(w[j], scale, g[j]);
      } else {
        for (int j = 0; j < n_out; ++j) grad[s->w_off[l] + (int64_t)i * n_out + j] = g[j];
      }
    }
    for (int j = 0; j < n_out; ++j) g[j] = 0.0f;
    for (int b = 0; b < B; ++b)
      for (int j = 0; j < n_out; ++j) g[j] = g[j] + e[(size_t)b * n_out + j];
    for (int j = 0; j < n_out; ++j) {
      if (update) bias[j] = fai_fl_update(bias[j], scale, g[j]);
      else grad[s->b_off[l] + j] = g[j];
    }
  }
  return psum;
}

fai_status fai_cpu_fl_local_sgd(const fai_backend *be, int n_dims, const int *dims,
                                int n_clients, int tau, int batch, float lr, const uint8_t *x,
                                const uint8_t *y, float *params, fai_error *err) {
  fai_fl_shape s;
  int failed = 0;
  if (fai_fl_shape_init(&s, n_dims, dims))
    return fai_error_set(err, FAI_EINVAL, "fl_local_sgd: bad layer widths");
  if (n_clients < 0 || tau < 1 || batch < 1)
    return fai_error_set(err, FAI_EINVAL, "fl_local_sgd: clients %d, tau %d, batch %d", n_clients,
                         tau, batch);
  if (fai_interrupted())
    return fai_error_set(err, FAI_EINTR, "fl_local_sgd interrupted before it started");
  const int64_t wf = fai_fl_cpu_work_floats(&s, batch);
  /* One thread when the whole call is tiny (a parallel region costs more). */
  const int nt = (double)n_clients * tau * batch * (double)s.n_params < 2e6 ? 1 : fl_threads(be);
#pragma omp parallel num_threads(nt)
  {
    float *work = malloc((size_t)wf * sizeof(float));
    if (!work) {
#pragma omp atomic write
      failed = 1;
    }
#pragma omp for schedule(dynamic, 1)
    for (int c = 0; c < n_clients; ++c) {
      if (!work) continue;
      float *p = params + (int64_t)c * s.n_params;
      for (int t = 0; t < tau; ++t) {
        const int64_t row = ((int64_t)c * tau + t) * batch;
        fai_fl_cpu_pass(&s, batch, x + row * s.dims[0], y + row, p, lr, 1, NULL, work);
      }
    }
    free(work);
  }
  if (failed) return fai_error_set(err, FAI_ENOMEM, "fl_local_sgd: cannot allocate scratch");
  return FAI_OK;
}

fai_status fai_cpu_fl_logits(const fai_backend *be, int n_dims, const int *dims, int n_models,
                             const float *params, int64_t n, const uint8_t *x, float *logits,
                             fai_error *err) {
  fai_fl_shape s;
  int failed = 0;
  if (fai_fl_shape_init(&s, n_dims, dims))
    return fai_error_set(err, FAI_EINVAL, "fl_logits: bad layer widths");
  if (n_models < 0 || n < 0)
    return fai_error_set(err, FAI_EINVAL, "fl_logits: models %d, samples %lld", n_models,
                         (long long)n);
  const int nt = (double)n_models * n * (double)s.n_params < 2e6 ? 1 : fl_threads(be);
  const int64_t blocks = (n + FL_LOGIT_BLOCK - 1) / FL_LOGIT_BLOCK;
  const int64_t items = blocks * n_models;
  const int n_out = s.dims[s.nd - 1];
  const int64_t wf = 2 * (int64_t)FL_LOGIT_BLOCK * s.max_width;
#pragma omp parallel num_threads(nt)
  {
    float *work = malloc((size_t)wf * sizeof(float));
    if (!work) {
#pragma omp atomic write
      failed = 1;
    }
#pragma omp for schedule(dynamic, 1)
    for (int64_t it = 0; it < items; ++it) {
      if (!work) continue;
      const int m = (int)(it / blocks);
      const int64_t i0 = (it % blocks) * FL_LOGIT_BLOCK;
      const int cnt = (int)(n - i0 < FL_LOGIT_BLOCK ? n - i0 : FL_LOGIT_BLOCK);
      fai_fl_cpu_forward(&s, cnt, x + i0 * s.dims[0], params + (int64_t)m * s.n_params,
                         logits + ((int64_t)m * n + i0) * n_out, work);
    }
    free(work);
  }
  if (failed) return fai_error_set(err, FAI_ENOMEM, "fl_logits: cannot allocate scratch");
  return FAI_OK;
}
