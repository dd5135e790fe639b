/* cuda backend: offloading ratio by bisection, one thread per (snapshot,
 * remote-sensing satellite) item, calling the same FAI_HD core as the cpu
 * backend (kernels/offload_core.h), so with --fmad=false the outputs match
 * bit for bit.  Items go in chunks of CU_LSM_CHUNK with fai_interrupted()
 * polled between them; every CUDA call is checked and becomes a fai_error
 * (this file never prints or exits). */
#include <cuda_runtime.h>

#include "cuda_lsm.h"
#include "fluidai/log.h"
#include "offload_core.h"

#define CU_LSM_BLOCK 256
#define CU_LSM_CHUNK ((int64_t)1 << 22) /* items per launch: 160 MiB of terms + outputs */

__global__ void cu_k_lsm(int64_t count, const double *terms, double tol, int max_steps,
                         double *lam, double *delay) {
  const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  fai_lsm_item(terms + (size_t)i * FAI_LSM_TERMS, tol, max_steps, lam + i, delay + i);
}

static fai_status cu_lsm_fail(cudaError_t e, const char *what, fai_error *err) {
  fai_status code = FAI_EINTERNAL;
  (void)cudaGetLastError();
  if (e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver ||
      e == cudaErrorNoKernelImageForDevice || e == cudaErrorInvalidDevice)
    code = FAI_ENODEV;
  else if (e == cudaErrorMemoryAllocation)
    code = FAI_ENOMEM;
  return fai_error_set(err, code, "cuda: %s: %s (%s)", what, cudaGetErrorString(e),
                       cudaGetErrorName(e));
}

#define CU_LSM_TRY(call)                     \
  do {                                       \
    const cudaError_t e_ = (call);           \
    if (e_ != cudaSuccess) {                 \
      st = cu_lsm_fail(e_, #call, err);      \
      goto cleanup;                          \
    }                                        \
  } while (0)

fai_status fai__cuda_lsm_ratio(const fai_backend *be, int64_t n, const double *terms, double tol,
                               int max_steps, double *lam, double *delay_s, fai_error *err) {
  fai_status st = fai__lsm_check(n, terms, tol, max_steps, lam, delay_s, err);
  double *d_terms = NULL, *d_lam = NULL, *d_delay = NULL;
  int64_t chunk = 0, i0 = 0;
  if (st != FAI_OK || n == 0) return st;
  chunk = n < CU_LSM_CHUNK ? n : CU_LSM_CHUNK;
  CU_LSM_TRY(cudaSetDevice(be->device));
  CU_LSM_TRY(cudaMalloc((void **)&d_terms, (size_t)chunk * FAI_LSM_TERMS * sizeof(double)));
  CU_LSM_TRY(cudaMalloc((void **)&d_lam, (size_t)chunk * sizeof(double)));
  CU_LSM_TRY(cudaMalloc((void **)&d_delay, (size_t)chunk * sizeof(double)));
  for (i0 = 0; i0 < n; i0 += chunk) {
    const int64_t count = n - i0 < chunk ? n - i0 : chunk;
    if (fai_interrupted()) {
      st = fai_error_set(err, FAI_EINTR, "lsm_ratio interrupted after %lld of %lld items",
                         (long long)i0, (long long)n);
      goto cleanup;
    }
    CU_LSM_TRY(cudaMemcpy(d_terms, terms + (size_t)i0 * FAI_LSM_TERMS,
                          (size_t)count * FAI_LSM_TERMS * sizeof(double),
                          cudaMemcpyHostToDevice));
    cu_k_lsm<<<(unsigned)((count + CU_LSM_BLOCK - 1) / CU_LSM_BLOCK), CU_LSM_BLOCK>>>(
        count, d_terms, tol, max_steps, d_lam, d_delay);
    CU_LSM_TRY(cudaGetLastError());
    CU_LSM_TRY(cudaMemcpy(lam + i0, d_lam, (size_t)count * sizeof(double),
                          cudaMemcpyDeviceToHost));
    CU_LSM_TRY(cudaMemcpy(delay_s + i0, d_delay, (size_t)count * sizeof(double),
                          cudaMemcpyDeviceToHost));
  }
cleanup:
  if (d_terms) (void)cudaFree(d_terms);
  if (d_lam) (void)cudaFree(d_lam);
  if (d_delay) (void)cudaFree(d_delay);
  return st;
}
