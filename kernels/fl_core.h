/* Per-element arithmetic of federated training (internal; gcc and nvcc).
 *
 * Models are stacks of dense layers over the layer widths dims[0..nd-1]
 * (nd = 2: softmax regression dims {784, 10}; nd = 4: the MLP
 * {784, 200, 200, 10}); hidden layers use ReLU, the last layer feeds a
 * softmax cross-entropy.  Parameters of one model are one float array:
 * for each layer l, W_l [dims[l]][dims[l+1]] (row i = input i) then
 * b_l [dims[l+1]] (fai_fl_shape gives the offsets).
 *
 * Every sum has ONE order, shared by the cpu loops (kernels/cpu_fl.c, blocked
 * for the cache but summing each element in the same order) and the CUDA
 * kernels (kernels/cuda_fl.cu, one thread per element):
 *   forward    h[b][j] = b[j] + Σ_{i ascending, a[b][i] != 0} a[b][i]·W[i][j]
 *   delta      d[b][i] = [a[b][i] > 0] · Σ_{j ascending, e[b][j] != 0} e[b][j]·W[i][j]
 *   gradient   gW[i][j] = Σ_{b ascending, a[b][i] != 0} a[b][i]·e[b][j],
 *              gb[j] = Σ_{b ascending} e[b][j]
 *   update     W ← W − (lr / B)·g   (one rounding for the scale, computed once)
 * Terms with a zero factor are skipped (fai_fl_mac) on both sides, so the
 * bits agree (and sparse pixels/ReLU outputs cost nothing).
 *
 * Softmax needs exp: fai_fl_exp below is written with + − × ÷ and an exact
 * power-of-two scaling only, evaluated in double, so the cpu and the GPU give
 * the same bits (gcc -ffp-contract=off, nvcc --fmad=false).  The loss value
 * (a log) is only ever computed on the host from logits. */
#ifndef FLUIDAI_FL_CORE_H
#define FLUIDAI_FL_CORE_H

#include <string.h>

#include "fluidai/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FAI_FL_MAX_DIMS 4     /* input, up to two hidden layers, output */
#define FAI_FL_MAX_OUT 16     /* classes */

typedef struct fai_fl_shape {
  int nd;                          /* widths: 2 or 4 (3 accepted: one hidden layer) */
  int dims[FAI_FL_MAX_DIMS];
  int64_t w_off[FAI_FL_MAX_DIMS];  /* offset of W_l (l < nd − 1) */
  int64_t b_off[FAI_FL_MAX_DIMS];  /* offset of b_l */
  int64_t n_params;                /* P */
  int max_width;                   /* max dims[l] */
  int act_floats;                  /* Σ_l dims[l]: activations of one sample */
} fai_fl_shape;

/* 0 ok, -1 bad widths. */
FAI_HD int fai_fl_shape_init(fai_fl_shape *s, int nd, const int *dims) {
  int l;
  int64_t off = 0;
  if (nd < 2 || nd > FAI_FL_MAX_DIMS) return -1;
  memset(s, 0, sizeof *s);
  s->nd = nd;
  for (l = 0; l < nd; ++l) {
    if (dims[l] < 1 || dims[l] > (1 << 20)) return -1;
    s->dims[l] = dims[l];
    s->act_floats += dims[l];
    if (dims[l] > s->max_width) s->max_width = dims[l];
  }
  if (dims[nd - 1] > FAI_FL_MAX_OUT) return -1;
  for (l = 0; l + 1 < nd; ++l) {
    s->w_off[l] = off;
    off += (int64_t)dims[l] * dims[l + 1];
    s->b_off[l] = off;
    off += dims[l + 1];
  }
  s->n_params = off;
  return 0;
}

/* A pixel byte as an input activation. */
FAI_HD float fai_fl_pixel(uint8_t u) {
  return (float)u * (1.0f / 255.0f);
}

/* acc + a·w, skipping a zero factor (the sparsity rule both sides share). */
FAI_HD float fai_fl_mac(float acc, float a, float w) {
  return a != 0.0f ? acc + a * w : acc;
}

FAI_HD float fai_fl_relu(float v) {
  return v > 0.0f ? v : 0.0f;
}

/* The SGD scale lr / B, rounded once. */
FAI_HD float fai_fl_step_scale(float lr, int batch) {
  return lr / (float)batch;
}

FAI_HD float fai_fl_update(float w, float scale, float g) {
  return w - scale * g;
}

/* e^x for x <= 0 (softmax arguments z − max z), relative error a few ulp:
 * x = k·ln2 + r with |r| <= ln2/2 (ln 2 split in two parts so k·ln2_hi is
 * exact), e^r by its Taylor polynomial to degree 13 (truncation < 2e-18),
 * times 2^k built from its exponent bits.  Below −700 the value is 0 (a
 * class probability under 1e-304 is 0 for every purpose here). */
FAI_HD double fai_fl_exp(double x) {
  const double inv_ln2 = 1.4426950408889634;
  const double ln2_hi = 6.93147180369123816490e-01; /* 32 significant bits */
  const double ln2_lo = 1.90821492927058770002e-10;
  double k, r, p;
  int64_t e;
  uint64_t bits;
  double scale;
  if (!(x > -700.0)) return 0.0;
  if (x > 0.0) x = 0.0;
  k = x * inv_ln2;
  k = (k + 6755399441055744.0) - 6755399441055744.0; /* nearest integer */
  r = (x - k * ln2_hi) - k * ln2_lo;
  p = 1.0 / 6227020800.0;                 /* 1/13! */
  p = p * r + 1.0 / 479001600.0;          /* 1/12! */
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  e = (int64_t)k + 1023;
  bits = (uint64_t)e << 52;
  memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

/* Softmax cross-entropy gradient of one sample: dz[k] = p_k − [k == label]
 * (float), with p = softmax(z) in double.  Returns p_label. */
FAI_HD double fai_fl_softmax_grad(const float *z, int n_out, int label, float *dz) {
  double m = z[0], s = 0.0, e[FAI_FL_MAX_OUT], pl = 0.0;
  int k;
  for (k = 1; k < n_out; ++k)
    if (z[k] > m) m = z[k];
  for (k = 0; k < n_out; ++k) {
    e[k] = fai_fl_exp((double)z[k] - m);
    s += e[k];
  }
  for (k = 0; k < n_out; ++k) {
    const double p = e[k] / s;
    if (k == label) pl = p;
    dz[k] = (float)(k == label ? p - 1.0 : p);
  }
  return pl;
}

/* One forward element: h = bias + Σ_i a[i]·W[i][j] (stride n_out), ReLU when
 * relu != 0.  The CUDA kernels call this; the cpu computes the same sums row
 * by row. */
FAI_HD float fai_fl_forward_elem(const float *a, int n_in, const float *W, const float *bias,
                                 int n_out, int j, int relu) {
  float acc = bias[j];
  int i;
  for (i = 0; i < n_in; ++i) acc = fai_fl_mac(acc, a[i], W[(size_t)i * n_out + j]);
  return relu ? fai_fl_relu(acc) : acc;
}

/* One delta element of a hidden layer: [a_i > 0]·Σ_j e[j]·W[i][j]. */
FAI_HD float fai_fl_delta_elem(float a_i, const float *e, const float *W_row, int n_out) {
  float acc = 0.0f;
  int j;
  if (!(a_i > 0.0f)) return 0.0f;
  for (j = 0; j < n_out; ++j) acc = fai_fl_mac(acc, e[j], W_row[j]);
  return acc;
}

#ifdef __cplusplus
}
#endif
#endif
