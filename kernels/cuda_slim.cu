/* The cuda backend's SlimCaching ops.  moe_latency: one thread per
 * (placement, user) item calling fai_mc_user (kernels/cache_core.h), then one
 * thread per placement adding the users in index order, as kernels/cpu_slim.c
 * does; moe_gains: one thread per (node, layer, mask) item calling
 * fai_mc_gain.  With --fmad=false the bytes match the cpu backend (tests:
 * parity suite).
 * Placements go in chunks near MOE_BUDGET_BYTES; fai_interrupted() is polled
 * between chunks.  Every CUDA call is checked; this file never prints. */
#include <cuda_runtime.h>
#include <stdio.h>

#include "cache_core.h"
#include "cuda_slim.h"
#include "fluidai/log.h"

#define MOE_BUDGET_BYTES ((size_t)256 << 20)
#define MOE_BLOCK 128

__global__ void fai_cu_k_moe_user(fai_moe_view v, const uint8_t *x, int64_t count, double *su,
                                  double *lat) {
  const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  const int64_t c = i / v.U;
  const int u = (int)(i % v.U);
  su[i] = fai_mc_user(&v, u, x + (size_t)c * (size_t)v.V * v.L * v.E,
                      lat ? lat + (size_t)i * v.L : NULL);
}

__global__ void fai_cu_k_moe_total(int U, const double *w, int64_t count, const double *su,
                                   double *total) {
  const int64_t c = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= count) return;
  double s = 0.0;
  for (int u = 0; u < U; u++) s += w[u] * su[(size_t)c * U + u];
  total[c] = s;
}

static fai_status moe_fail(cudaError_t e, const char *what, fai_error *err) {
  (void)cudaGetLastError();
  fai_status st = FAI_EINTERNAL;
  if (e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver ||
      e == cudaErrorNoKernelImageForDevice || e == cudaErrorInvalidDevice)
    st = FAI_ENODEV;
  else if (e == cudaErrorMemoryAllocation)
    st = FAI_ENOMEM;
  return fai_error_set(err, st, "cuda: %s: %s (%s)", what, cudaGetErrorString(e), cudaGetErrorName(e));
}

#define MOE_TRY(call)                      \
  do {                                     \
    const cudaError_t moe_e_ = (call);     \
    if (moe_e_ != cudaSuccess) {           \
      st = moe_fail(moe_e_, #call, err);   \
      goto cleanup;                        \
    }                                      \
  } while (0)

template <typename T>
static cudaError_t moe_upload(T **dev, const T *host, size_t n) {
  *dev = NULL;
  if (n == 0 || !host) return cudaSuccess;
  cudaError_t e = cudaMalloc((void **)dev, n * sizeof(T));
  if (e != cudaSuccess) return e;
  return cudaMemcpy(*dev, host, n * sizeof(T), cudaMemcpyHostToDevice);
}

template <typename T>
static cudaError_t moe_alloc(T **dev, size_t n) {
  *dev = NULL;
  if (n == 0) return cudaSuccess;
  return cudaMalloc((void **)dev, n * sizeof(T));
}

static void moe_free(const void *p) {
  if (p) (void)cudaFree((void *)p);
}

fai_status fai_cu_moe_latency(const fai_backend *be, const fai_moe_view *v, int n_place,
                              const uint8_t *x, double *lat, double *total, fai_error *err) {
  fai_status st = fai__moe_view_check("moe_latency", v, n_place, err);
  fai_moe_view d;
  double *d_w = NULL, *d_tau = NULL, *d_far = NULL, *d_prob = NULL;
  int64_t *d_off = NULL;
  uint64_t *d_mask = NULL;
  uint8_t *d_x = NULL;
  double *d_su = NULL, *d_lat = NULL, *d_tot = NULL;
  size_t xs = 0, UL = 0, sets = 0, per = 0;
  int64_t chunk = 0;
  if (st != FAI_OK) return st;
  if ((int64_t)n_place * v->U == 0) {
    for (int c = 0; c < n_place && total; c++) total[c] = 0.0;
    return FAI_OK;
  }
  xs = (size_t)v->V * v->L * v->E;
  UL = (size_t)v->U * v->L;
  sets = (size_t)v->set_off[UL];
  /* Device bytes per placement: its x, user sums, per-layer values, total. */
  per = xs + (size_t)v->U * sizeof(double) + (lat ? UL * sizeof(double) : 0) + sizeof(double);
  chunk = (int64_t)(MOE_BUDGET_BYTES / per);
  if (chunk < 1) chunk = 1;
  if (chunk > n_place) chunk = n_place;
  d = *v;
  MOE_TRY(cudaSetDevice(be->device));
  MOE_TRY(moe_upload(&d_w, v->w, (size_t)v->U));
  MOE_TRY(moe_upload(&d_tau, v->tau, UL * (size_t)v->V));
  MOE_TRY(moe_upload(&d_far, v->tau_far, UL));
  MOE_TRY(moe_upload(&d_off, v->set_off, UL + 1));
  MOE_TRY(moe_upload(&d_mask, v->set_mask, sets));
  MOE_TRY(moe_upload(&d_prob, v->set_prob, sets));
  d.w = d_w, d.tau = d_tau, d.tau_far = d_far, d.set_off = d_off, d.set_mask = d_mask, d.set_prob = d_prob;
  MOE_TRY(moe_alloc(&d_x, (size_t)chunk * xs + 1));
  MOE_TRY(moe_alloc(&d_su, (size_t)chunk * v->U));
  if (lat) MOE_TRY(moe_alloc(&d_lat, (size_t)chunk * UL));
  MOE_TRY(moe_alloc(&d_tot, (size_t)chunk));
  for (int64_t c0 = 0; c0 < n_place; c0 += chunk) {
    const int64_t cnt = chunk < n_place - c0 ? chunk : n_place - c0;
    const int64_t items = cnt * v->U;
    if (fai_interrupted()) {
      st = fai_error_set(err, FAI_EINTR, "moe_latency interrupted after %lld of %lld placements",
                         (long long)c0, (long long)n_place);
      goto cleanup;
    }
    if (xs > 0) MOE_TRY(cudaMemcpy(d_x, x + (size_t)c0 * xs, (size_t)cnt * xs, cudaMemcpyHostToDevice));
    fai_cu_k_moe_user<<<(unsigned)((items + MOE_BLOCK - 1) / MOE_BLOCK), MOE_BLOCK>>>(d, d_x, items, d_su,
                                                                                      d_lat);
    MOE_TRY(cudaGetLastError());
    if (total) {
      fai_cu_k_moe_total<<<(unsigned)((cnt + MOE_BLOCK - 1) / MOE_BLOCK), MOE_BLOCK>>>(v->U, d_w, cnt, d_su,
                                                                                      d_tot);
      MOE_TRY(cudaGetLastError());
      MOE_TRY(cudaMemcpy(total + c0, d_tot, (size_t)cnt * sizeof(double), cudaMemcpyDeviceToHost));
    }
    if (lat)
      MOE_TRY(cudaMemcpy(lat + (size_t)c0 * UL, d_lat, (size_t)cnt * UL * sizeof(double),
                         cudaMemcpyDeviceToHost));
    MOE_TRY(cudaDeviceSynchronize());
  }
cleanup:
  moe_free(d_w), moe_free(d_tau), moe_free(d_far), moe_free(d_off), moe_free(d_mask), moe_free(d_prob);
  moe_free(d_x), moe_free(d_su), moe_free(d_lat), moe_free(d_tot);
  return st;
}

__global__ void fai_cu_k_moe_gains(fai_moe_view v, const double *cur, int64_t count, const int *node,
                                   const int *layer, const uint64_t *mask, double *gain) {
  const int64_t q = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (q >= count) return;
  gain[q] = fai_mc_gain(&v, cur, node[q], layer[q], mask[q]);
}

fai_status fai_cu_moe_gains(const fai_backend *be, const fai_moe_view *v, const double *cur,
                            int64_t n, const int *node, const int *layer, const uint64_t *mask,
                            double *gain, fai_error *err) {
  fai_status st = fai__moe_view_check("moe_gains", v, 0, err);
  fai_moe_view d;
  double *d_w = NULL, *d_tau = NULL, *d_far = NULL, *d_prob = NULL, *d_cur = NULL, *d_gain = NULL;
  int64_t *d_off = NULL;
  uint64_t *d_mask = NULL, *d_items = NULL;
  int *d_node = NULL, *d_layer = NULL;
  size_t UL = 0, sets = 0;
  if (st != FAI_OK) return st;
  if (n < 0 || (n > 0 && (!cur || !node || !layer || !mask || !gain)))
    return fai_error_set(err, FAI_EINVAL, "moe_gains: bad arguments");
  if (n == 0) return FAI_OK;
  UL = (size_t)v->U * v->L;
  sets = (size_t)v->set_off[UL];
  d = *v;
  MOE_TRY(cudaSetDevice(be->device));
  MOE_TRY(moe_upload(&d_w, v->w, (size_t)v->U));
  MOE_TRY(moe_upload(&d_tau, v->tau, UL * (size_t)v->V));
  MOE_TRY(moe_upload(&d_far, v->tau_far, UL));
  MOE_TRY(moe_upload(&d_off, v->set_off, UL + 1));
  MOE_TRY(moe_upload(&d_mask, v->set_mask, sets));
  MOE_TRY(moe_upload(&d_prob, v->set_prob, sets));
  d.w = d_w, d.tau = d_tau, d.tau_far = d_far, d.set_off = d_off, d.set_mask = d_mask, d.set_prob = d_prob;
  MOE_TRY(moe_upload(&d_cur, cur, UL * (size_t)v->E));
  MOE_TRY(moe_upload(&d_node, node, (size_t)n));
  MOE_TRY(moe_upload(&d_layer, layer, (size_t)n));
  MOE_TRY(moe_upload(&d_items, mask, (size_t)n));
  MOE_TRY(moe_alloc(&d_gain, (size_t)n));
  if (fai_interrupted()) {
    st = fai_error_set(err, FAI_EINTR, "moe_gains interrupted before its %lld items", (long long)n);
    goto cleanup;
  }
  fai_cu_k_moe_gains<<<(unsigned)((n + MOE_BLOCK - 1) / MOE_BLOCK), MOE_BLOCK>>>(d, d_cur, n, d_node, d_layer,
                                                                                d_items, d_gain);
  MOE_TRY(cudaGetLastError());
  MOE_TRY(cudaMemcpy(gain, d_gain, (size_t)n * sizeof(double), cudaMemcpyDeviceToHost));
cleanup:
  moe_free(d_w), moe_free(d_tau), moe_free(d_far), moe_free(d_off), moe_free(d_mask), moe_free(d_prob);
  moe_free(d_cur), moe_free(d_node), moe_free(d_layer), moe_free(d_items), moe_free(d_gain);
  return st;
}
