/* cuda backend op of LEOEdge (issue 6, leoedge): one thread per
 * replication runs fai_leo_rep_rule (kernels/leoedge_core.h) over its own
 * slice of device scratch, so the results equal the cpu backend's bit for
 * bit (--fmad=false; the core has no transcendental functions).
 * Replications go in chunks that keep the scratch near LEO_BUDGET_BYTES;
 * fai_interrupted() is polled between chunks.  Never prints or exits. */
#include <cuda_runtime.h>
#include <stdio.h>

#include "fluidai/backend.h"
#include "fluidai/log.h"
#include "cuda_leoedge.h"
#include "leoedge_core.h"

#define LEO_BUDGET_BYTES ((size_t)256 << 20)
#define LEO_BLOCK 64

static fai_status leo_fail(cudaError_t e, const char *what, fai_error *err) {
  fai_status code = FAI_EINTERNAL;
  if (e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver ||
      e == cudaErrorNoKernelImageForDevice || e == cudaErrorInvalidDevice)
    code = FAI_ENODEV;
  else if (e == cudaErrorMemoryAllocation)
    code = FAI_ENOMEM;
  return fai_error_set(err, code, "cuda: %s: %s (%s)", what, cudaGetErrorString(e),
                       cudaGetErrorName(e));
}

#define LEO_TRY(call)                    \
  do {                                   \
    const cudaError_t e_ = (call);       \
    if (e_ != cudaSuccess) {             \
      st = leo_fail(e_, #call, err);     \
      goto cleanup;                      \
    }                                    \
  } while (0)

__global__ void leo_k_reps(const double *cfg, uint64_t seed, int scheme, int r0, int n, int64_t per,
                           int T, double *scratch, double *rep_out, double *util) {
  const int q = (int)(blockIdx.x * blockDim.x + threadIdx.x);
  if (q >= n) return;
  const int ns = (int)cfg[FAI_LEO_CFG_N_SATS];
  double *scr = scratch + (size_t)q * per;
  double *next_t = scr + fai_leo_scratch_len(cfg), *next_j = next_t + ns, *acc = next_j + ns;
  fai_leo_rep_rule(cfg, seed, r0 + q, scheme, scr, next_t, next_j, acc,
                   util ? util + (size_t)q * T : NULL, rep_out + (size_t)q * FAI_LEO_REP_FIELDS);
}

extern "C" fai_status fai__cu_leoedge_reps(const fai_backend *be, const double *cfg, uint64_t seed,
                                           int scheme, int r0, int n_reps, double *rep_out,
                                           double *util, fai_error *err) {
  fai_status st = FAI_OK;
  double *d_cfg = NULL, *d_scr = NULL, *d_out = NULL, *d_util = NULL;
  const int ns = (int)cfg[FAI_LEO_CFG_N_SATS], no = (int)cfg[FAI_LEO_CFG_N_CONT];
  const double dur = cfg[FAI_LEO_CFG_DURATION_S];
  const int T = (int)dur + ((double)(int)dur < dur ? 1 : 0);
  const int len = fai_leo_cfg_len(ns, no);
  const int64_t per = fai_leo_scratch_len(cfg) + 2 * (int64_t)ns + T;
  const size_t per_bytes = sizeof(double) * ((size_t)per + FAI_LEO_REP_FIELDS + (util ? T : 0));
  int chunk = (int)(LEO_BUDGET_BYTES / per_bytes), c0;
  if (chunk < 1) chunk = 1;
  if (chunk > n_reps) chunk = n_reps;
  if (n_reps <= 0) return FAI_OK;
  LEO_TRY(cudaSetDevice(be->device));
  LEO_TRY(cudaMalloc((void **)&d_cfg, sizeof(double) * (size_t)len));
  LEO_TRY(cudaMemcpy(d_cfg, cfg, sizeof(double) * (size_t)len, cudaMemcpyHostToDevice));
  LEO_TRY(cudaMalloc((void **)&d_scr, sizeof(double) * (size_t)per * (size_t)chunk));
  LEO_TRY(cudaMalloc((void **)&d_out, sizeof(double) * FAI_LEO_REP_FIELDS * (size_t)chunk));
  if (util) LEO_TRY(cudaMalloc((void **)&d_util, sizeof(double) * (size_t)T * (size_t)chunk));
  for (c0 = 0; c0 < n_reps; c0 += chunk) {
    const int cnt = c0 + chunk < n_reps ? chunk : n_reps - c0;
    if (fai_interrupted()) {
      st = fai_error_set(err, FAI_EINTR, "leoedge_reps interrupted after %d of %d replications",
                         c0, n_reps);
      goto cleanup;
    }
    leo_k_reps<<<(unsigned)((cnt + LEO_BLOCK - 1) / LEO_BLOCK), LEO_BLOCK>>>(
        d_cfg, seed, scheme, r0 + c0, cnt, per, T, d_scr, d_out, d_util);
    LEO_TRY(cudaGetLastError());
    LEO_TRY(cudaMemcpy(rep_out + (size_t)c0 * FAI_LEO_REP_FIELDS, d_out,
                       sizeof(double) * FAI_LEO_REP_FIELDS * (size_t)cnt, cudaMemcpyDeviceToHost));
    if (util)
      LEO_TRY(cudaMemcpy(util + (size_t)c0 * T, d_util, sizeof(double) * (size_t)T * (size_t)cnt,
                         cudaMemcpyDeviceToHost));
  }
cleanup:
  cudaFree(d_cfg);
  cudaFree(d_scr);
  cudaFree(d_out);
  cudaFree(d_util);
  return st;
}
