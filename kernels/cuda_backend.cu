/* The `cuda` evaluation backend: one CUDA thread per item, calling the same
 * FAI_HD cores as the cpu backend (prop_core.h, sgp4_core.h, vis_core.h,
 * link_core.h, sp_core.h, cascade_core.h, cache_core.h), so with --fmad=false the outputs match the cpu backend bit for
 * bit (tests/ suite `parity`).
 *
 * Host arrays are copied in, processed in chunks that keep the device working
 * set near CU_BUDGET_BYTES, and copied back chunk by chunk; fai_interrupted()
 * is polled between chunks (and between Floyd–Warshall steps), so on SIGINT
 * the finished chunks stay in the outputs and the call returns FAI_EINTR.
 * Every CUDA call is checked; failures become a fai_error (FAI_ENODEV for a
 * missing device or kernel image, FAI_ENOMEM for device allocation,
 * FAI_EINTERNAL otherwise) — this file never prints or exits. */
#include <cuda_runtime.h>
#include <math_constants.h>
#include <stdio.h>
#include <string.h>

#include "fluidai/backend.h"
#include "fluidai/log.h"
#include "cache_core.h"
#include "cascade_core.h"
#include "link_core.h"
#include "prop_core.h"
#include "sgp4_core.h"
#include "sp_core.h"
#include "vis_core.h"
/* issue 4 op declarations */
#include "cuda_slim.h"
/* issue 6 op declarations: lsm */
#include "cuda_lsm.h"
/* issue 6 op declarations: leoedge */
#include "cuda_leoedge.h"
/* issue 7 op declarations */
#include "cuda_fl.h"

/* Device bytes one chunk may use (outputs + scratch); inputs that every chunk
 * reads (tables, graphs, ground points) come on top. */
#define CU_BUDGET_BYTES ((size_t)512 << 20)
#define CU_BLOCK 256      /* threads per block, 1-D kernels */
#define CU_SSSP_BLOCK 128 /* Dijkstra threads hold more registers */
#define CU_FW_BX 32       /* Floyd–Warshall tile: 32 columns (coalesced) × 8 rows */
#define CU_FW_BY 8
#define CU_MAX_GRID_Z 65535 /* graphs per Floyd–Warshall launch (gridDim.z) */

/* ---------------------------------------------------------------- kernels */

__global__ void cu_k_propagate(fai_prop_tables tab, int t0, int64_t count, double *pos,
                               double *vel) {
  const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  fai_prop_state(&tab, t0 + (int)(i / tab.n_sats), (int)(i % tab.n_sats), pos + 3 * i,
                 vel ? vel + 3 * i : NULL);
}

/* Item (t, j) of the chunk: near-Earth SGP4 of batch satellite j at
 * snapshot t0 + t; outputs are chunk-relative [t][n_out][3]. */
__global__ void cu_k_sgp4(fai_sgp4_batch b, int t0, int64_t count, const double *dt_min,
                          const double *gmst_cs, double *pos, double *vel, double *teme,
                          int8_t *code) {
  const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  {
    const int tr = (int)(i / b.n);
    const int j = (int)(i % b.n);
    const int t = t0 + tr;
    const size_t row = (size_t)tr * (size_t)b.n_out + (size_t)(b.out_index ? b.out_index[j] : j);
    double r[3], v[3], p[3], pv[3], pt[3];
    const int c = fai_sgp4_eval(&b, j, dt_min[t] - b.epoch_min[j], r, v);
    int k;
    fai_sgp4_to_ecef(gmst_cs[2 * t], gmst_cs[2 * t + 1], r[0], r[1], r[2], v[0], v[1], v[2], p,
                     pv, pt, 1);
    for (k = 0; k < 3; ++k) {
      pos[3 * row + k] = c ? CUDART_NAN : p[k];
      if (vel) vel[3 * row + k] = c ? CUDART_NAN : pv[k];
      if (teme) teme[3 * row + k] = c ? CUDART_NAN : pt[k];
    }
    if (code) code[row] = (int8_t)c;
  }
}

/* Item (t, g, j) of the chunk; pos and words are chunk-relative. */
__global__ void cu_k_visibility(int n_sats, int G, int W, int64_t count, const double *pos,
                                const double *gpos, const double *up, const double *sin_min,
                                uint32_t *words) {
  const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  {
    const int64_t cell = i / W; /* t_rel·G + g */
    const int j = (int)(i % W);
    const int t = (int)(cell / G);
    const int g = (int)(cell % G);
    words[i] = fai_vis_word(pos + (size_t)t * (size_t)n_sats * 3, n_sats, gpos + 3 * (size_t)g,
                            up + 3 * (size_t)g, sin_min[g], j);
  }
}

/* Item (t, l) of the chunk; t0 makes the survival-draw index absolute. */
__global__ void cu_k_links(int T, int t0, int n_sats, int L, int64_t count, const double *pos,
                           const double *vel, const int *a, const int *b, const uint8_t *inter,
                           fai_link_rules rules, uint8_t *alive, double *dist_m) {
  const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  {
    const int t = (int)(i / L);
    const int l = (int)(i % L);
    const size_t base = (size_t)t * (size_t)n_sats;
    const size_t ia = 3 * (base + (size_t)a[l]);
    const size_t ib = 3 * (base + (size_t)b[l]);
    alive[i] =
        (uint8_t)fai_link_judge(pos + ia, pos + ib, vel ? vel + ia : NULL, vel ? vel + ib : NULL,
                                inter ? inter[l] != 0 : 0, &rules, T, t0 + t, L, l, dist_m + i);
  }
}

/* One (graph, source) search per thread; items i0 .. i0 + count − 1 of the
 * batch, outputs and heap scratch chunk-relative.  Edge arrays hold edges
 * from edge_off[0] (= ebase) on. */
__global__ void cu_k_sssp(int n, int n_transit, int n_src, int64_t i0, int64_t count,
                          const int64_t *edge_off, int64_t ebase, const int *row_ptr,
                          const int *col, const double *w, const int *src, double *dist, int *pred,
                          int *hops, int *scratch) {
  const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  {
    const int64_t item = i0 + i;
    const int g = (int)(item / n_src);
    const int s = (int)(item % n_src);
    const int64_t e0 = edge_off[g] - ebase;
    const size_t out = (size_t)i * (size_t)n;
    int *heap = scratch + 2 * out;
    fai_sp_dijkstra(n, n_transit, row_ptr + (size_t)g * (size_t)(n + 1), col + e0, w + e0, src[s],
                    dist + out, pred ? pred + out : NULL, hops ? hops + out : NULL, heap, heap + n);
  }
}

/* Row `row` of graph g0 + gr, for count = graphs·n rows. */
__global__ void cu_k_fw_init(int n, int g0, int64_t count, const int64_t *edge_off, int64_t ebase,
                             const int *row_ptr, const int *col, const double *w, double *d) {
  const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  {
    const int gr = (int)(i / n);
    const int row = (int)(i % n);
    const int g = g0 + gr;
    const int64_t e0 = edge_off[g] - ebase;
    fai_fw_init_row(n, row_ptr + (size_t)g * (size_t)(n + 1), col + e0, w + e0, row,
                    d + (size_t)gr * (size_t)n * (size_t)n);
  }
}

/* Step k for every cell of every graph in the chunk (blockIdx.z = graph). */
__global__ void cu_k_fw_relax(int n, int k, double *d) {
  const int j = blockIdx.x * CU_FW_BX + threadIdx.x;
  const int i = blockIdx.y * CU_FW_BY + threadIdx.y;
  if (i >= n || j >= n) return;
  fai_fw_relax(n, d + (size_t)blockIdx.z * (size_t)n * (size_t)n, k, i, j);
}

/* Items i0 .. i0 + count − 1 of the (placement, point) batch; outputs are
 * chunk-relative. */
__global__ void cu_k_cascade(fai_cascade_batch b, int64_t i0, int64_t count, double *time_s,
                             uint8_t *via) {
  const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  {
    const int64_t item = i0 + i;
    fai_cascade_eval_item(&b, (int)(item / b.n_points), item % b.n_points, time_s + i * b.n_sub,
                          via ? via + i * b.n_sub : NULL);
  }
}

/* Pairs i0 .. i0 + count − 1: marginal gain of model is[q] on cache ms[q]. */
__global__ void cu_k_cache_gains(fai_cache_view v, const uint32_t *covered, int64_t i0,
                                 int64_t count, const int *ms, const int *is, double *gain) {
  const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  gain[i] = fai_cc_gain(&v, ms[i0 + i], is[i0 + i], covered);
}

/* Items (c, t, k) of a chunk of placements x[c][M][I]: served mass of user k
 * in snapshot t, val[(c·T + t)·K + k]. */
__global__ void cu_k_cache_user_hit(fai_cache_view v, const uint8_t *x, int64_t count,
                                    double *val) {
  const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  {
    const int64_t tk = (int64_t)v.T * v.K;
    const int64_t c = i / tk, r = i % tk;
    val[i] = fai_cc_user_hit(&v, (int)(r / v.K), (int)(r % v.K),
                             x + (size_t)c * (size_t)v.M * (size_t)v.I);
  }
}

/* Items (c, t): users summed in index order, as on the cpu. */
__global__ void cu_k_cache_reduce(int K, int64_t count, const double *val, double *hit) {
  const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  {
    double s = 0.0;
    int k;
    for (k = 0; k < K; ++k) s += val[(size_t)i * K + k];
    hit[i] = s / K;
  }
}

/* ------------------------------------------------------------ host glue */

static fai_status cu_status_of(cudaError_t e) {
  switch (e) {
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorNoKernelImageForDevice:
    case cudaErrorInvalidDevice:
      return FAI_ENODEV;
    case cudaErrorMemoryAllocation:
      return FAI_ENOMEM;
    default:
      return FAI_EINTERNAL;
  }
}

static fai_status cu_fail(cudaError_t e, const char *what, fai_error *err) {
  (void)cudaGetLastError(); /* clear a non-sticky error so later calls start clean */
  return fai_error_set(err, cu_status_of(e), "cuda: %s: %s (%s)", what, cudaGetErrorString(e),
                       cudaGetErrorName(e));
}

/* Needs `fai_status st`, `fai_error *err` and a `cleanup:` label; every
 * function-scope variable is declared before the first CU_TRY (C++ forbids
 * a goto that jumps over an initialisation). */
#define CU_TRY(call)                   \
  do {                                 \
    const cudaError_t cu_e_ = (call);  \
    if (cu_e_ != cudaSuccess) {        \
      st = cu_fail(cu_e_, #call, err); \
      goto cleanup;                    \
    }                                  \
  } while (0)

#define CU_INTERRUPTED(op, done, total)                                               \
  do {                                                                                \
    st = fai_error_set(err, FAI_EINTR, "%s interrupted after %lld of %lld items", op, \
                       (long long)(done), (long long)(total));                        \
    goto cleanup;                                                                     \
  } while (0)

static unsigned cu_blocks(int64_t count, int block) {
  return (unsigned)((count + block - 1) / block);
}

/* cudaMalloc + copy of n host elements; *dev = NULL when n == 0 or host is
 * NULL (optional arrays). */
template <typename T>
static cudaError_t cu_upload(T **dev, const T *host, size_t n) {
  cudaError_t e;
  *dev = NULL;
  if (n == 0 || !host) return cudaSuccess;
  e = cudaMalloc((void **)dev, n * sizeof(T));
  if (e != cudaSuccess) return e;
  return cudaMemcpy(*dev, host, n * sizeof(T), cudaMemcpyHostToDevice);
}

template <typename T>
static cudaError_t cu_alloc(T **dev, size_t n) {
  *dev = NULL;
  if (n == 0) return cudaSuccess;
  return cudaMalloc((void **)dev, n * sizeof(T));
}

/* Frees ignore errors: they run in cleanup after the real status is set. */
static void cu_free(const void *p) {
  if (p) (void)cudaFree((void *)p);
}

static int64_t cu_min64(int64_t a, int64_t b) {
  return a < b ? a : b;
}

/* Units of `per_unit` bytes that fit the chunk budget, at least 1. */
static int64_t cu_chunk_units(size_t per_unit, int64_t total) {
  int64_t k = per_unit > 0 ? (int64_t)(CU_BUDGET_BYTES / per_unit) : total;
  if (k < 1) k = 1;
  return cu_min64(k, total);
}

static fai_status cu_probe(const fai_backend *be, char *detail, size_t n) {
  int count = 0;
  cudaDeviceProp prop;
  cudaFuncAttributes fa;
  cudaError_t e = cudaGetDeviceCount(&count);
  char dummy[8];
  if (!detail || n == 0) {
    detail = dummy;
    n = sizeof dummy;
  }
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    snprintf(detail, n, "%s", cudaGetErrorString(e));
    return FAI_ENODEV;
  }
  if (count == 0) {
    snprintf(detail, n, "no CUDA device found");
    return FAI_ENODEV;
  }
  if (be->device < 0 || be->device >= count) {
    snprintf(detail, n, "device %d requested, %d present", be->device, count);
    return FAI_ENODEV;
  }
  e = cudaGetDeviceProperties(&prop, be->device);
  if (e == cudaSuccess) e = cudaSetDevice(be->device);
  /* A device newer or older than the compiled sm_XX images has no kernel to
   * run: find out now rather than at the first launch. */
  if (e == cudaSuccess) e = cudaFuncGetAttributes(&fa, cu_k_propagate);
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    snprintf(detail, n, "device %d: %s", be->device, cudaGetErrorString(e));
    return FAI_ENODEV;
  }
  snprintf(detail, n, "cuda device %d: %s (sm_%d%d, %.1f GiB)", be->device, prop.name, prop.major,
           prop.minor, (double)prop.totalGlobalMem / (1024.0 * 1024.0 * 1024.0));
  return FAI_OK;
}

static fai_status cu_propagate(const fai_backend *be, const fai_prop_tables *tab, double *pos,
                               double *vel, fai_error *err) {
  const int N = tab->n_sats;
  const int T = tab->n_snaps;
  const size_t TS = (size_t)T * (size_t)tab->n_shells;
  const size_t TP = (size_t)T * (size_t)tab->n_planes;
  fai_status st = fai__prop_tables_check(tab, err);
  fai_prop_tables d;
  int64_t chunk_t = 0;
  int t0;
  double *d_pos = NULL, *d_vel = NULL;
  if (st != FAI_OK) return st;
  if (N == 0 || T == 0) return FAI_OK;
  memset(&d, 0, sizeof d);
  d.n_sats = N;
  d.n_snaps = T;
  d.n_shells = tab->n_shells;
  d.n_planes = tab->n_planes;
  CU_TRY(cudaSetDevice(be->device));
  CU_TRY(cu_upload((int **)&d.sat_shell, tab->sat_shell, (size_t)N));
  CU_TRY(cu_upload((int **)&d.sat_plane, tab->sat_plane, (size_t)N));
  CU_TRY(cu_upload((double **)&d.sat_cos_u0, tab->sat_cos_u0, (size_t)N));
  CU_TRY(cu_upload((double **)&d.sat_sin_u0, tab->sat_sin_u0, (size_t)N));
  CU_TRY(cu_upload((double **)&d.shell_a_m, tab->shell_a_m, (size_t)tab->n_shells));
  CU_TRY(cu_upload((double **)&d.shell_cos_i, tab->shell_cos_i, (size_t)tab->n_shells));
  CU_TRY(cu_upload((double **)&d.shell_sin_i, tab->shell_sin_i, (size_t)tab->n_shells));
  CU_TRY(cu_upload((double **)&d.shell_udot, tab->shell_udot, (size_t)tab->n_shells));
  CU_TRY(cu_upload((double **)&d.shell_wdot, tab->shell_wdot, (size_t)tab->n_shells));
  CU_TRY(cu_upload((double **)&d.snap_cos_ut, tab->snap_cos_ut, TS));
  CU_TRY(cu_upload((double **)&d.snap_sin_ut, tab->snap_sin_ut, TS));
  CU_TRY(cu_upload((double **)&d.snap_cos_w, tab->snap_cos_w, TP));
  CU_TRY(cu_upload((double **)&d.snap_sin_w, tab->snap_sin_w, TP));
  chunk_t = cu_chunk_units((size_t)N * 3 * sizeof(double) * (vel ? 2 : 1), T);
  CU_TRY(cu_alloc(&d_pos, (size_t)chunk_t * (size_t)N * 3));
  if (vel) CU_TRY(cu_alloc(&d_vel, (size_t)chunk_t * (size_t)N * 3));
  for (t0 = 0; t0 < T; t0 += (int)chunk_t) {
    const int nt = (int)cu_min64(chunk_t, T - t0);
    const int64_t count = (int64_t)nt * N;
    const size_t off = (size_t)t0 * (size_t)N * 3;
    if (fai_interrupted()) CU_INTERRUPTED("propagate", (int64_t)t0 * N, (int64_t)T * N);
    cu_k_propagate<<<cu_blocks(count, CU_BLOCK), CU_BLOCK>>>(d, t0, count, d_pos, d_vel);
    CU_TRY(cudaGetLastError());
    CU_TRY(
        cudaMemcpy(pos + off, d_pos, (size_t)count * 3 * sizeof(double), cudaMemcpyDeviceToHost));
    if (vel)
      CU_TRY(
          cudaMemcpy(vel + off, d_vel, (size_t)count * 3 * sizeof(double), cudaMemcpyDeviceToHost));
  }
cleanup:
  cu_free(d.sat_shell);
  cu_free(d.sat_plane);
  cu_free(d.sat_cos_u0);
  cu_free(d.sat_sin_u0);
  cu_free(d.shell_a_m);
  cu_free(d.shell_cos_i);
  cu_free(d.shell_sin_i);
  cu_free(d.shell_udot);
  cu_free(d.shell_wdot);
  cu_free(d.snap_cos_ut);
  cu_free(d.snap_sin_ut);
  cu_free(d.snap_cos_w);
  cu_free(d.snap_sin_w);
  cu_free(d_pos);
  cu_free(d_vel);
  return st;
}

static fai_status cu_propagate_sgp4(const fai_backend *be, const fai_sgp4_batch *b, int n_snaps,
                                    const double *dt_min, const double *gmst_cs, double *pos,
                                    double *vel, double *pos_teme, int8_t *code, fai_error *err) {
  const int T = n_snaps;
  fai_status st = fai__sgp4_batch_check(b, n_snaps, dt_min, gmst_cs, pos, err);
  fai_sgp4_batch d;
  int64_t chunk_t = 0;
  size_t row_bytes;
  int t0, partial;
  double *d_dt = NULL, *d_cs = NULL, *d_pos = NULL, *d_vel = NULL, *d_teme = NULL;
  int8_t *d_code = NULL;
  if (st != FAI_OK) return st;
  if (b->n == 0 || T == 0) return FAI_OK;
  d = *b;
  d.out_index = NULL;
  d.mem_ = NULL;
#define CU_SGP4_NULL(name) d.name = NULL;
  FAI_SGP4_NE_FIELDS(CU_SGP4_NULL)
#undef CU_SGP4_NULL
  /* Rows outside the batch must keep the caller's values: when there are
   * any, each chunk's outputs are uploaded before the kernel writes. */
  partial = b->n < b->n_out;
  CU_TRY(cudaSetDevice(be->device));
#define CU_SGP4_UPLOAD(name) CU_TRY(cu_upload((double **)&d.name, b->name, (size_t)b->n));
  FAI_SGP4_NE_FIELDS(CU_SGP4_UPLOAD)
#undef CU_SGP4_UPLOAD
  CU_TRY(cu_upload((int **)&d.out_index, b->out_index, (size_t)b->n));
  CU_TRY(cu_upload(&d_dt, dt_min, (size_t)T));
  CU_TRY(cu_upload(&d_cs, gmst_cs, (size_t)T * 2));
  row_bytes = (size_t)b->n_out * (3 * sizeof(double) * (1 + (vel ? 1 : 0) + (pos_teme ? 1 : 0)) +
                                  (code ? 1 : 0));
  chunk_t = cu_chunk_units(row_bytes, T);
  CU_TRY(cu_alloc(&d_pos, (size_t)chunk_t * (size_t)b->n_out * 3));
  if (vel) CU_TRY(cu_alloc(&d_vel, (size_t)chunk_t * (size_t)b->n_out * 3));
  if (pos_teme) CU_TRY(cu_alloc(&d_teme, (size_t)chunk_t * (size_t)b->n_out * 3));
  if (code) CU_TRY(cu_alloc(&d_code, (size_t)chunk_t * (size_t)b->n_out));
  for (t0 = 0; t0 < T; t0 += (int)chunk_t) {
    const int nt = (int)cu_min64(chunk_t, T - t0);
    const int64_t count = (int64_t)nt * b->n;
    const size_t rows = (size_t)nt * (size_t)b->n_out;
    const size_t off = (size_t)t0 * (size_t)b->n_out;
    const size_t bytes3 = rows * 3 * sizeof(double);
    if (fai_interrupted())
      CU_INTERRUPTED("propagate_sgp4", (int64_t)t0 * b->n, (int64_t)T * b->n);
    if (partial) {
      CU_TRY(cudaMemcpy(d_pos, pos + 3 * off, bytes3, cudaMemcpyHostToDevice));
      if (vel) CU_TRY(cudaMemcpy(d_vel, vel + 3 * off, bytes3, cudaMemcpyHostToDevice));
      if (pos_teme) CU_TRY(cudaMemcpy(d_teme, pos_teme + 3 * off, bytes3, cudaMemcpyHostToDevice));
      if (code) CU_TRY(cudaMemcpy(d_code, code + off, rows, cudaMemcpyHostToDevice));
    }
    cu_k_sgp4<<<cu_blocks(count, CU_BLOCK), CU_BLOCK>>>(d, t0, count, d_dt, d_cs, d_pos, d_vel,
                                                         d_teme, d_code);
    CU_TRY(cudaGetLastError());
    CU_TRY(cudaMemcpy(pos + 3 * off, d_pos, bytes3, cudaMemcpyDeviceToHost));
    if (vel) CU_TRY(cudaMemcpy(vel + 3 * off, d_vel, bytes3, cudaMemcpyDeviceToHost));
    if (pos_teme) CU_TRY(cudaMemcpy(pos_teme + 3 * off, d_teme, bytes3, cudaMemcpyDeviceToHost));
    if (code) CU_TRY(cudaMemcpy(code + off, d_code, rows, cudaMemcpyDeviceToHost));
  }
cleanup:
#define CU_SGP4_FREE(name) cu_free(d.name);
  FAI_SGP4_NE_FIELDS(CU_SGP4_FREE)
#undef CU_SGP4_FREE
  cu_free(d.out_index);
  cu_free(d_dt);
  cu_free(d_cs);
  cu_free(d_pos);
  cu_free(d_vel);
  cu_free(d_teme);
  cu_free(d_code);
  return st;
}

static fai_status cu_visibility(const fai_backend *be, int n_snaps, int n_sats, const double *pos,
                                const fai_ground_points *gp, uint32_t *words, fai_error *err) {
  const int G = gp->n;
  const int W = (n_sats + 31) / 32;
  fai_status st = fai__vis_check(n_snaps, n_sats, gp, err);
  double *d_gpos = NULL, *d_up = NULL, *d_sin = NULL, *d_pos = NULL;
  uint32_t *d_words = NULL;
  int64_t chunk_t = 0;
  int t0;
  if (st != FAI_OK) return st;
  if (n_snaps == 0 || G == 0 || W == 0) return FAI_OK;
  CU_TRY(cudaSetDevice(be->device));
  CU_TRY(cu_upload(&d_gpos, gp->pos_m, (size_t)G * 3));
  CU_TRY(cu_upload(&d_up, gp->up, (size_t)G * 3));
  CU_TRY(cu_upload(&d_sin, gp->sin_min_elev, (size_t)G));
  chunk_t = cu_chunk_units((size_t)n_sats * 3 * sizeof(double) + (size_t)G * W * sizeof(uint32_t),
                           n_snaps);
  CU_TRY(cu_alloc(&d_pos, (size_t)chunk_t * (size_t)n_sats * 3));
  CU_TRY(cu_alloc(&d_words, (size_t)chunk_t * (size_t)G * (size_t)W));
  for (t0 = 0; t0 < n_snaps; t0 += (int)chunk_t) {
    const int nt = (int)cu_min64(chunk_t, n_snaps - t0);
    const int64_t count = (int64_t)nt * G * W;
    if (fai_interrupted())
      CU_INTERRUPTED("visibility", (int64_t)t0 * G * W, (int64_t)n_snaps * G * W);
    CU_TRY(cudaMemcpy(d_pos, pos + (size_t)t0 * (size_t)n_sats * 3,
                      (size_t)nt * (size_t)n_sats * 3 * sizeof(double), cudaMemcpyHostToDevice));
    cu_k_visibility<<<cu_blocks(count, CU_BLOCK), CU_BLOCK>>>(n_sats, G, W, count, d_pos, d_gpos,
                                                              d_up, d_sin, d_words);
    CU_TRY(cudaGetLastError());
    CU_TRY(cudaMemcpy(words + (size_t)t0 * (size_t)G * (size_t)W, d_words,
                      (size_t)count * sizeof(uint32_t), cudaMemcpyDeviceToHost));
  }
cleanup:
  cu_free(d_gpos);
  cu_free(d_up);
  cu_free(d_sin);
  cu_free(d_pos);
  cu_free(d_words);
  return st;
}

static fai_status cu_links(const fai_backend *be, int n_snaps, int n_sats, const double *pos,
                           const double *vel, int n_links, const int *a, const int *b,
                           const uint8_t *inter, const fai_link_rules *rules, uint8_t *alive,
                           double *dist_m, fai_error *err) {
  const int L = n_links;
  fai_status st = fai__links_check(n_snaps, n_sats, n_links, a, b, vel, rules, err);
  int *d_a = NULL, *d_b = NULL;
  uint8_t *d_inter = NULL, *d_alive = NULL;
  double *d_pos = NULL, *d_vel = NULL, *d_dist = NULL;
  int64_t chunk_t = 0;
  size_t snap_state = 0;
  int t0;
  if (st != FAI_OK) return st;
  if (n_snaps == 0 || L == 0) return FAI_OK;
  snap_state = (size_t)n_sats * 3;
  CU_TRY(cudaSetDevice(be->device));
  CU_TRY(cu_upload(&d_a, a, (size_t)L));
  CU_TRY(cu_upload(&d_b, b, (size_t)L));
  CU_TRY(cu_upload(&d_inter, inter, (size_t)L));
  chunk_t = cu_chunk_units(
      snap_state * sizeof(double) * (vel ? 2 : 1) + (size_t)L * (sizeof(uint8_t) + sizeof(double)),
      n_snaps);
  CU_TRY(cu_alloc(&d_pos, (size_t)chunk_t * snap_state));
  if (vel) CU_TRY(cu_alloc(&d_vel, (size_t)chunk_t * snap_state));
  CU_TRY(cu_alloc(&d_alive, (size_t)chunk_t * (size_t)L));
  CU_TRY(cu_alloc(&d_dist, (size_t)chunk_t * (size_t)L));
  for (t0 = 0; t0 < n_snaps; t0 += (int)chunk_t) {
    const int nt = (int)cu_min64(chunk_t, n_snaps - t0);
    const int64_t count = (int64_t)nt * L;
    const size_t off = (size_t)t0 * snap_state;
    if (fai_interrupted()) CU_INTERRUPTED("links", (int64_t)t0 * L, (int64_t)n_snaps * L);
    CU_TRY(cudaMemcpy(d_pos, pos + off, (size_t)nt * snap_state * sizeof(double),
                      cudaMemcpyHostToDevice));
    if (vel)
      CU_TRY(cudaMemcpy(d_vel, vel + off, (size_t)nt * snap_state * sizeof(double),
                        cudaMemcpyHostToDevice));
    cu_k_links<<<cu_blocks(count, CU_BLOCK), CU_BLOCK>>>(
        n_snaps, t0, n_sats, L, count, d_pos, d_vel, d_a, d_b, d_inter, *rules, d_alive, d_dist);
    CU_TRY(cudaGetLastError());
    CU_TRY(
        cudaMemcpy(alive + (size_t)t0 * (size_t)L, d_alive, (size_t)count, cudaMemcpyDeviceToHost));
    CU_TRY(cudaMemcpy(dist_m + (size_t)t0 * (size_t)L, d_dist, (size_t)count * sizeof(double),
                      cudaMemcpyDeviceToHost));
  }
cleanup:
  cu_free(d_a);
  cu_free(d_b);
  cu_free(d_inter);
  cu_free(d_alive);
  cu_free(d_pos);
  cu_free(d_vel);
  cu_free(d_dist);
  return st;
}

/* Copy a graph batch's arrays to the device: edges from edge_off[0] to
 * edge_off[n_graphs] only (kernels subtract edge_off[0]). */
static cudaError_t cu_upload_graphs(const fai_graph_batch *gb, int64_t **d_off, int **d_rp,
                                    int **d_col, double **d_w) {
  const int64_t e0 = gb->edge_off[0];
  const size_t ne = (size_t)(gb->edge_off[gb->n_graphs] - e0);
  cudaError_t e = cu_upload(d_off, gb->edge_off, (size_t)gb->n_graphs + 1);
  if (e == cudaSuccess)
    e = cu_upload(d_rp, gb->row_ptr, (size_t)gb->n_graphs * (size_t)(gb->n_nodes + 1));
  if (e == cudaSuccess) e = cu_upload(d_col, gb->col + e0, ne);
  if (e == cudaSuccess) e = cu_upload(d_w, gb->w + e0, ne);
  return e;
}

static fai_status cu_sssp(const fai_backend *be, const fai_graph_batch *gb, int n_src,
                          const int *src, double *dist, int *pred, int *hops, fai_error *err) {
  const int n = gb->n_nodes;
  fai_status st = fai__graph_batch_check("sssp", gb, n_src, src, err);
  int64_t *d_off = NULL;
  int *d_rp = NULL, *d_col = NULL, *d_src = NULL, *d_pred = NULL, *d_hops = NULL;
  int *d_scratch = NULL;
  double *d_w = NULL, *d_dist = NULL;
  int64_t total = 0, chunk = 0, i0;
  size_t per_item = 0;
  if (st != FAI_OK) return st;
  total = (int64_t)gb->n_graphs * n_src;
  if (total == 0 || n == 0) return FAI_OK;
  /* Per search: dist, optional pred and hops, and heap + pos scratch. */
  per_item = (size_t)n * (sizeof(double) + (pred ? sizeof(int) : 0) + (hops ? sizeof(int) : 0) +
                          2 * sizeof(int));
  chunk = cu_chunk_units(per_item, total);
  CU_TRY(cudaSetDevice(be->device));
  CU_TRY(cu_upload_graphs(gb, &d_off, &d_rp, &d_col, &d_w));
  CU_TRY(cu_upload(&d_src, src, (size_t)n_src));
  CU_TRY(cu_alloc(&d_dist, (size_t)chunk * (size_t)n));
  if (pred) CU_TRY(cu_alloc(&d_pred, (size_t)chunk * (size_t)n));
  if (hops) CU_TRY(cu_alloc(&d_hops, (size_t)chunk * (size_t)n));
  CU_TRY(cu_alloc(&d_scratch, (size_t)chunk * 2 * (size_t)n));
  for (i0 = 0; i0 < total; i0 += chunk) {
    const int64_t count = cu_min64(chunk, total - i0);
    const size_t off = (size_t)i0 * (size_t)n;
    const size_t cnt = (size_t)count * (size_t)n;
    if (fai_interrupted()) CU_INTERRUPTED("sssp", i0, total);
    cu_k_sssp<<<cu_blocks(count, CU_SSSP_BLOCK), CU_SSSP_BLOCK>>>(
        n, gb->n_transit, n_src, i0, count, d_off, gb->edge_off[0], d_rp, d_col, d_w, d_src, d_dist,
        d_pred, d_hops, d_scratch);
    CU_TRY(cudaGetLastError());
    CU_TRY(cudaMemcpy(dist + off, d_dist, cnt * sizeof(double), cudaMemcpyDeviceToHost));
    if (pred) CU_TRY(cudaMemcpy(pred + off, d_pred, cnt * sizeof(int), cudaMemcpyDeviceToHost));
    if (hops) CU_TRY(cudaMemcpy(hops + off, d_hops, cnt * sizeof(int), cudaMemcpyDeviceToHost));
  }
cleanup:
  cu_free(d_off);
  cu_free(d_rp);
  cu_free(d_col);
  cu_free(d_w);
  cu_free(d_src);
  cu_free(d_dist);
  cu_free(d_pred);
  cu_free(d_hops);
  cu_free(d_scratch);
  return st;
}

static fai_status cu_apsp(const fai_backend *be, const fai_graph_batch *gb, double *dist,
                          fai_error *err) {
  const int n = gb->n_nodes;
  const int G = gb->n_graphs;
  const int kmax = gb->n_transit < n ? gb->n_transit : n;
  fai_status st = fai__graph_batch_check("apsp", gb, 0, NULL, err);
  int64_t *d_off = NULL;
  int *d_rp = NULL, *d_col = NULL;
  double *d_w = NULL, *d_d = NULL;
  size_t nn = 0;
  int chunk = 0, g0, k;
  if (st != FAI_OK) return st;
  if (G == 0 || n == 0) return FAI_OK;
  nn = (size_t)n * (size_t)n;
  chunk = (int)cu_min64(cu_chunk_units(nn * sizeof(double), G), CU_MAX_GRID_Z);
  CU_TRY(cudaSetDevice(be->device));
  CU_TRY(cu_upload_graphs(gb, &d_off, &d_rp, &d_col, &d_w));
  CU_TRY(cu_alloc(&d_d, (size_t)chunk * nn));
  for (g0 = 0; g0 < G; g0 += chunk) {
    const int cnt = (int)cu_min64(chunk, G - g0);
    const int64_t rows = (int64_t)cnt * n;
    const dim3 block(CU_FW_BX, CU_FW_BY, 1);
    const dim3 grid((unsigned)((n + CU_FW_BX - 1) / CU_FW_BX),
                    (unsigned)((n + CU_FW_BY - 1) / CU_FW_BY), (unsigned)cnt);
    if (fai_interrupted()) CU_INTERRUPTED("apsp", g0, G);
    cu_k_fw_init<<<cu_blocks(rows, CU_BLOCK), CU_BLOCK>>>(n, g0, rows, d_off, gb->edge_off[0], d_rp,
                                                          d_col, d_w, d_d);
    CU_TRY(cudaGetLastError());
    /* One launch per k: the launch boundary is the grid-wide barrier that
     * Floyd–Warshall needs between steps. */
    for (k = 0; k < kmax; ++k) {
      if (fai_interrupted()) CU_INTERRUPTED("apsp", g0, G);
      cu_k_fw_relax<<<grid, block>>>(n, k, d_d);
      CU_TRY(cudaGetLastError());
    }
    CU_TRY(cudaMemcpy(dist + (size_t)g0 * nn, d_d, (size_t)cnt * nn * sizeof(double),
                      cudaMemcpyDeviceToHost));
  }
cleanup:
  cu_free(d_off);
  cu_free(d_rp);
  cu_free(d_col);
  cu_free(d_w);
  cu_free(d_d);
  return st;
}

static fai_status cu_cascade_eval(const fai_backend *be, const fai_cascade_batch *b,
                                  double *time_s, uint8_t *via, fai_error *err) {
  const int K = b->n_sub;
  fai_status st = fai__cascade_batch_check(b, err);
  fai_cascade_batch d = *b;
  int8_t *d_place = NULL;
  uint8_t *d_mig = NULL, *d_via = NULL;
  double *d_comp = NULL, *d_in = NULL, *d_links = NULL, *d_time = NULL;
  int64_t total = 0, chunk = 0, i0;
  if (st != FAI_OK) return st;
  total = (int64_t)b->n_place * b->n_points;
  if (total == 0) return FAI_OK;
  chunk = cu_chunk_units((size_t)K * (sizeof(double) + (via ? 1 : 0)), total);
  CU_TRY(cudaSetDevice(be->device));
  CU_TRY(cu_upload(&d_place, b->place, (size_t)b->n_place * (size_t)K));
  CU_TRY(cu_upload(&d_mig, b->migrate, (size_t)b->n_place));
  CU_TRY(cu_upload(&d_comp, b->compute_s, (size_t)K * FAI_CASCADE_NODES));
  CU_TRY(cu_upload(&d_in, b->in_bits, (size_t)K));
  CU_TRY(cu_upload(&d_links, b->links,
                   (size_t)b->n_points * FAI_CASCADE_LINKS * FAI_CASCADE_LINK_FIELDS));
  CU_TRY(cu_alloc(&d_time, (size_t)chunk * (size_t)K));
  if (via) CU_TRY(cu_alloc(&d_via, (size_t)chunk * (size_t)K));
  d.place = d_place;
  d.migrate = d_mig;
  d.compute_s = d_comp;
  d.in_bits = d_in;
  d.links = d_links;
  for (i0 = 0; i0 < total; i0 += chunk) {
    const int64_t count = cu_min64(chunk, total - i0);
    const size_t cnt = (size_t)count * (size_t)K;
    if (fai_interrupted()) CU_INTERRUPTED("cascade_eval", i0, total);
    cu_k_cascade<<<cu_blocks(count, CU_BLOCK), CU_BLOCK>>>(d, i0, count, d_time, d_via);
    CU_TRY(cudaGetLastError());
    CU_TRY(cudaMemcpy(time_s + (size_t)i0 * (size_t)K, d_time, cnt * sizeof(double),
                      cudaMemcpyDeviceToHost));
    if (via)
      CU_TRY(cudaMemcpy(via + (size_t)i0 * (size_t)K, d_via, cnt, cudaMemcpyDeviceToHost));
  }
cleanup:
  cu_free(d_place);
  cu_free(d_mig);
  cu_free(d_via);
  cu_free(d_comp);
  cu_free(d_in);
  cu_free(d_links);
  cu_free(d_time);
  return st;
}

/* Device copy of a cache view's arrays (d's pointers); free with
 * cu_cache_view_free.  The instance is uploaded per call: callers batch many
 * items into one call. */
static cudaError_t cu_cache_view_upload(const fai_cache_view *v, fai_cache_view *d) {
  const size_t TM = (size_t)v->T * (size_t)v->M, TK = (size_t)v->T * (size_t)v->K;
  const size_t KI = (size_t)v->K * (size_t)v->I;
  const size_t E = TM > 0 && v->tm_off ? (size_t)v->tm_off[TM] : 0;
  int64_t *tm = NULL, *tko = NULL, *tkl = NULL;
  int *lu = NULL, *ls = NULL;
  double *lr = NULL, *rr = NULL, *p = NULL;
  uint32_t *lm = NULL;
  cudaError_t e;
  *d = *v;
  d->tm_off = NULL;
  d->link_user = d->link_server = NULL;
  d->link_rate_bps = d->req_rate_bps = d->p = NULL;
  d->link_mask = NULL;
  d->tk_off = d->tk_link = NULL;
  e = cu_upload(&tm, v->tm_off, TM + 1);
  d->tm_off = tm;
  if (e != cudaSuccess) return e;
  e = cu_upload(&lu, v->link_user, E);
  d->link_user = lu;
  if (e != cudaSuccess) return e;
  e = cu_upload(&ls, v->link_server, E);
  d->link_server = ls;
  if (e != cudaSuccess) return e;
  if (v->link_rate_bps) {
    e = cu_upload(&lr, v->link_rate_bps, E > 0 ? E : 1);
    d->link_rate_bps = lr;
    if (e != cudaSuccess) return e;
    e = cu_upload(&rr, v->req_rate_bps, KI);
    d->req_rate_bps = rr;
    if (e != cudaSuccess) return e;
  } else if (v->link_mask) {
    e = cu_upload(&lm, v->link_mask, E * (size_t)v->mask_words);
    d->link_mask = lm;
    if (e != cudaSuccess) return e;
  }
  e = cu_upload(&tko, v->tk_off, TK + 1);
  d->tk_off = tko;
  if (e != cudaSuccess) return e;
  e = cu_upload(&tkl, v->tk_link, E);
  d->tk_link = tkl;
  if (e != cudaSuccess) return e;
  e = cu_upload(&p, v->p, KI);
  d->p = p;
  if (e != cudaSuccess) return e;
  return cudaSuccess;
}

static void cu_cache_view_free(fai_cache_view *d) {
  cu_free(d->tm_off);
  cu_free(d->link_user);
  cu_free(d->link_server);
  cu_free(d->link_rate_bps);
  cu_free(d->req_rate_bps);
  cu_free(d->link_mask);
  cu_free(d->tk_off);
  cu_free(d->tk_link);
  cu_free(d->p);
  memset(d, 0, sizeof *d);
}

static fai_status cu_cache_gains(const fai_backend *be, const fai_cache_view *v,
                                 const uint32_t *covered, int64_t n, const int *ms, const int *is,
                                 double *gain, fai_error *err) {
  fai_status st = fai__cache_view_check("cache_gains", v, n, err);
  fai_cache_view d;
  uint32_t *d_cov = NULL;
  int *d_ms = NULL, *d_is = NULL;
  double *d_gain = NULL;
  int64_t chunk = 0, i0;
  size_t cov_words = 0;
  memset(&d, 0, sizeof d);
  if (st != FAI_OK) return st;
  if (n == 0) return FAI_OK;
  cov_words = (size_t)((int64_t)v->T * v->K * v->I / 32 + 1);
  chunk = cu_chunk_units(sizeof(double), n);
  CU_TRY(cudaSetDevice(be->device));
  CU_TRY(cu_cache_view_upload(v, &d));
  CU_TRY(cu_upload(&d_cov, covered, covered ? cov_words : 0));
  CU_TRY(cu_upload(&d_ms, ms, (size_t)n));
  CU_TRY(cu_upload(&d_is, is, (size_t)n));
  CU_TRY(cu_alloc(&d_gain, (size_t)chunk));
  for (i0 = 0; i0 < n; i0 += chunk) {
    const int64_t count = cu_min64(chunk, n - i0);
    if (fai_interrupted()) CU_INTERRUPTED("cache_gains", i0, n);
    cu_k_cache_gains<<<cu_blocks(count, CU_BLOCK), CU_BLOCK>>>(d, d_cov, i0, count, d_ms, d_is,
                                                                d_gain);
    CU_TRY(cudaGetLastError());
    CU_TRY(cudaMemcpy(gain + i0, d_gain, (size_t)count * sizeof(double), cudaMemcpyDeviceToHost));
  }
cleanup:
  cu_cache_view_free(&d);
  cu_free(d_cov);
  cu_free(d_ms);
  cu_free(d_is);
  cu_free(d_gain);
  return st;
}

static fai_status cu_cache_eval(const fai_backend *be, const fai_cache_view *v, int n_place,
                                const uint8_t *x, double *hit_snap, fai_error *err) {
  fai_status st = fai__cache_view_check("cache_eval", v, n_place, err);
  fai_cache_view d;
  uint8_t *d_x = NULL;
  double *d_val = NULL, *d_hit = NULL;
  int64_t per = 0, chunk = 0, c0;
  size_t mi = 0;
  memset(&d, 0, sizeof d);
  if (st != FAI_OK) return st;
  if (n_place == 0 || v->T == 0) return FAI_OK;
  per = (int64_t)v->T * v->K;
  mi = (size_t)v->M * (size_t)v->I;
  /* Placements per chunk: their x, values and per-snapshot ratios. */
  chunk = cu_chunk_units(mi + (size_t)per * sizeof(double) + (size_t)v->T * sizeof(double),
                         n_place);
  CU_TRY(cudaSetDevice(be->device));
  CU_TRY(cu_cache_view_upload(v, &d));
  CU_TRY(cu_alloc(&d_x, (size_t)chunk * mi + 1));
  CU_TRY(cu_alloc(&d_val, (size_t)chunk * (size_t)per + 1));
  CU_TRY(cu_alloc(&d_hit, (size_t)chunk * (size_t)v->T));
  for (c0 = 0; c0 < n_place; c0 += chunk) {
    const int64_t cnt = cu_min64(chunk, n_place - c0);
    const int64_t items = cnt * per, rows = cnt * v->T;
    if (fai_interrupted()) CU_INTERRUPTED("cache_eval", c0, n_place);
    if (mi > 0)
      CU_TRY(cudaMemcpy(d_x, x + (size_t)c0 * mi, (size_t)cnt * mi, cudaMemcpyHostToDevice));
    if (items > 0) {
      cu_k_cache_user_hit<<<cu_blocks(items, CU_BLOCK), CU_BLOCK>>>(d, d_x, items, d_val);
      CU_TRY(cudaGetLastError());
    }
    cu_k_cache_reduce<<<cu_blocks(rows, CU_BLOCK), CU_BLOCK>>>(v->K, rows, d_val, d_hit);
    CU_TRY(cudaGetLastError());
    CU_TRY(cudaMemcpy(hit_snap + (size_t)c0 * (size_t)v->T, d_hit, (size_t)rows * sizeof(double),
                      cudaMemcpyDeviceToHost));
  }
cleanup:
  cu_cache_view_free(&d);
  cu_free(d_x);
  cu_free(d_val);
  cu_free(d_hit);
  return st;
}

/* C++17 has no designated initialisers: fields in declaration order. */
static const fai_backend cu_instance = {
    "cuda", cu_probe, cu_propagate, cu_propagate_sgp4, cu_visibility, cu_links, cu_sssp, cu_apsp,
    cu_cascade_eval, cu_cache_gains, cu_cache_eval,
    /* issue 4 ops */
    fai_cu_moe_latency, fai_cu_moe_gains,
    /* issue 6 ops: lsm */
    fai__cuda_lsm_ratio,
    /* issue 6 ops: leoedge */
    fai__cu_leoedge_reps,
    /* issue 7 ops */
    fai_cuda_fl_local_sgd, fai_cuda_fl_logits,
    0, 0, 0};

extern "C" {

int fai_backend_cuda_compiled(void) {
  return 1;
}

const fai_backend *fai_backend_cuda(void) {
  return &cu_instance;
}

void fai_backend_cuda_describe(char *buf, size_t n) {
  int count = 0, d;
  size_t used = 0;
  cudaError_t e;
  if (!buf || n == 0) return;
  buf[0] = '\0';
  e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    snprintf(buf, n, "no CUDA device: %s", cudaGetErrorString(e));
    return;
  }
  if (count == 0) {
    snprintf(buf, n, "no CUDA device: none found");
    return;
  }
  for (d = 0; d < count && used + 1 < n; ++d) {
    cudaDeviceProp p;
    int w;
    e = cudaGetDeviceProperties(&p, d);
    if (e != cudaSuccess) {
      (void)cudaGetLastError();
      w = snprintf(buf + used, n - used, "%scuda device %d: %s", d ? "\n" : "", d,
                   cudaGetErrorString(e));
    } else {
      w = snprintf(buf + used, n - used, "%scuda device %d: %s, compute capability %d.%d, %.1f GiB",
                   d ? "\n" : "", d, p.name, p.major, p.minor,
                   (double)p.totalGlobalMem / (1024.0 * 1024.0 * 1024.0));
    }
    if (w < 0) break;
    used += (size_t)w;
  }
}

} /* extern "C" */
