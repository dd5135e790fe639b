/* cuda backend ops of issue 7: local SGD of many clients and batched logits.
 *
 * Two ways to do the dense layers (be->fl_cublas):
 *   0  plain kernels, one thread per output element, calling the functions of
 *      kernels/fl_core.h that define each element's summation order; the cpu
 *      (kernels/cpu_fl.c) blocks its loops differently but sums every element
 *      in the same order, so both give the same bits (nvcc --fmad=false).
 *   1  cuBLAS strided-batched SGEMMs (one per layer and pass, all clients in
 *      one call); bias, ReLU, softmax and the bias update stay the kernels
 *      above.  cuBLAS reorders the sums, so the results equal the cpu's only
 *      to float rounding (parity/fl_cublas_* checks a tolerance); they are the
 *      same bits run to run on one GPU model.  libcublas is opened at run time
 *      (dlopen), so the binary needs it only when this mode is asked for. */
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "cuda_fl.h"
#include "fl_core.h"
#include "fluidai/log.h"

#define FL_BLOCK 256
#define FL_LOGIT_CHUNK 4096 /* samples per logits launch */

static fai_status fl_fail(cudaError_t e, const char *what, fai_error *err) {
  (void)cudaGetLastError();
  return fai_error_set(err, e == cudaErrorMemoryAllocation ? FAI_ENOMEM : FAI_EINTERNAL,
                       "cuda: %s: %s", what, cudaGetErrorString(e));
}

#define FL_TRY(call)                   \
  do {                                 \
    const cudaError_t fl_e_ = (call);  \
    if (fl_e_ != cudaSuccess) {        \
      st = fl_fail(fl_e_, #call, err); \
      goto cleanup;                    \
    }                                  \
  } while (0)

static unsigned fl_blocks(int64_t n) {
  return (unsigned)((n + FL_BLOCK - 1) / FL_BLOCK);
}

/* act0[c][b][i] = pixel of row (c·rows_per_client + row0 + b) of x. */
__global__ void fl_k_pixels(int C, int B, int n_in, int64_t rows_per_client, int64_t row0,
                            const uint8_t *x, float *act0) {
  const int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= (int64_t)C * B * n_in) return;
  const int64_t c = k / ((int64_t)B * n_in), r = k % ((int64_t)B * n_in);
  act0[k] = fai_fl_pixel(x[(c * rows_per_client + row0) * n_in + r]);
}

/* out[c][b][j] = forward element of client c's layer (a_stride 0: shared input). */
__global__ void fl_k_forward(int C, int B, int n_in, int n_out, const float *a, int64_t a_stride,
                             const float *params, int64_t P, int64_t w_off, int64_t b_off,
                             float *out, int relu) {
  const int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= (int64_t)C * B * n_out) return;
  const int64_t c = k / ((int64_t)B * n_out);
  const int b = (int)((k / n_out) % B), j = (int)(k % n_out);
  const float *p = params + c * P;
  out[k] = fai_fl_forward_elem(a + c * a_stride + (int64_t)b * n_in, n_in, p + w_off, p + b_off,
                               n_out, j, relu);
}

__global__ void fl_k_softmax(int C, int B, int n_out, const float *z, const uint8_t *y, int tau,
                             int t, float *dz) {
  const int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= (int64_t)C * B) return;
  const int64_t c = k / B, b = k % B;
  (void)fai_fl_softmax_grad(z + k * n_out, n_out, y[(c * tau + t) * B + b], dz + k * n_out);
}

__global__ void fl_k_delta(int C, int B, int n_in, int n_out, const float *a, const float *e,
                           const float *params, int64_t P, int64_t w_off, float *d) {
  const int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= (int64_t)C * B * n_in) return;
  const int64_t c = k / ((int64_t)B * n_in);
  const int64_t cb = k / n_in;
  const int i = (int)(k % n_in);
  d[k] = fai_fl_delta_elem(a[k], e + cb * n_out, params + c * P + w_off + (int64_t)i * n_out,
                           n_out);
}

__global__ void fl_k_update_w(int C, int B, int n_in, int n_out, const float *a, const float *e,
                              float *params, int64_t P, int64_t w_off, float scale) {
  const int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= (int64_t)C * n_in * n_out) return;
  const int64_t c = k / ((int64_t)n_in * n_out);
  const int i = (int)((k / n_out) % n_in), j = (int)(k % n_out);
  float g = 0.0f;
  for (int b = 0; b < B; ++b)
    g = fai_fl_mac(g, a[(c * B + b) * n_in + i], e[(c * B + b) * n_out + j]);
  float *w = params + c * P + w_off + (int64_t)i * n_out + j;
  *w = fai_fl_update(*w, scale, g);
}

__global__ void fl_k_update_b(int C, int B, int n_out, const float *e, float *params, int64_t P,
                              int64_t b_off, float scale) {
  const int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= (int64_t)C * n_out) return;
  const int64_t c = k / n_out;
  const int j = (int)(k % n_out);
  float g = 0.0f;
  for (int b = 0; b < B; ++b) g = g + e[(c * B + b) * n_out + j];
  float *w = params + c * P + b_off + j;
  *w = fai_fl_update(*w, scale, g);
}

/* ---- cuBLAS (opened on first use) ---------------------------------------- */

#define FL_STR2(x) #x
#define FL_STR(x) FL_STR2(x)

typedef struct fl_blas {
  void *lib;
  int tried, device;
  cublasHandle_t h;
  decltype(&cublasCreate_v2) create;
  decltype(&cublasSetMathMode) set_math;
  decltype(&cublasSgemmStridedBatched) gemm;
} fl_blas;

static fl_blas g_blas; /* one handle for the process (the ops run on one host thread) */

static fai_status fl_blas_get(int device, fl_blas **out, fai_error *err) {
  fl_blas *b = &g_blas;
  if (b->h && b->device == device) {
    *out = b;
    return FAI_OK;
  }
  if (!b->lib) {
    static const char *const names[] = {"libcublas.so." FL_STR(CUBLAS_VER_MAJOR), "libcublas.so"};
    for (int i = 0; i < 2 && !b->lib; ++i) b->lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!b->lib)
      return fai_error_set(err, FAI_ENODEV,
                           "cuBLAS not found (%s): install the CUDA toolkit's cuBLAS "
                           "(Debian: libcublas%d) or run without --cublas",
                           dlerror(), (int)CUBLAS_VER_MAJOR);
    b->create = (decltype(&cublasCreate_v2))dlsym(b->lib, "cublasCreate_v2");
    b->set_math = (decltype(&cublasSetMathMode))dlsym(b->lib, "cublasSetMathMode");
    b->gemm = (decltype(&cublasSgemmStridedBatched))dlsym(b->lib, "cublasSgemmStridedBatched");
    if (!b->create || !b->set_math || !b->gemm) {
      dlclose(b->lib);
      b->lib = NULL;
      return fai_error_set(err, FAI_ENODEV, "cuBLAS library lacks cublasCreate_v2, "
                                            "cublasSetMathMode or cublasSgemmStridedBatched");
    }
  }
  /* A handle belongs to the device current at its creation; a second device
   * gets a new one (the old one is left to process exit). */
  cublasHandle_t h = NULL;
  cublasStatus_t cs = b->create(&h);
  if (cs != CUBLAS_STATUS_SUCCESS)
    return fai_error_set(err, FAI_ENODEV, "cuBLAS: cublasCreate failed (status %d)", (int)cs);
  /* Full float32 arithmetic: no TF32 (the tolerance against the cpu holds). */
  cs = b->set_math(h, CUBLAS_PEDANTIC_MATH);
  if (cs != CUBLAS_STATUS_SUCCESS)
    return fai_error_set(err, FAI_EINTERNAL, "cuBLAS: cublasSetMathMode failed (status %d)",
                         (int)cs);
  b->h = h;
  b->device = device;
  *out = b;
  return FAI_OK;
}

/* Row-major batched C[c] = op(A[c])·op(B[c]) written as cuBLAS's column-major
 * call (see the three uses below for the shapes). */
static fai_status fl_gemm(fl_blas *b, cublasOperation_t ta, cublasOperation_t tb, int m, int n,
                          int k, float alpha, const float *A, int lda, long long sa,
                          const float *B, int ldb, long long sb, float beta, float *C, int ldc,
                          long long sc, int batch, fai_error *err) {
  const cublasStatus_t cs = b->gemm(b->h, ta, tb, m, n, k, &alpha, A, lda, sa, B, ldb, sb, &beta,
                                    C, ldc, sc, batch);
  if (cs != CUBLAS_STATUS_SUCCESS)
    return fai_error_set(err, FAI_EINTERNAL, "cuBLAS: SGEMM (%d x %d x %d, %d batches) failed "
                                             "(status %d)", m, n, k, batch, (int)cs);
  return FAI_OK;
}

/* out[c][b][j] = act(out[c][b][j] + bias_c[j]) after a GEMM. */
__global__ void fl_k_bias_act(int C, int B, int n_out, const float *params, int64_t P,
                              int64_t b_off, float *out, int relu) {
  const int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= (int64_t)C * B * n_out) return;
  const int64_t c = k / ((int64_t)B * n_out);
  const float v = out[k] + params[c * P + b_off + k % n_out];
  out[k] = relu ? fai_fl_relu(v) : v;
}

/* d[k] = [a[k] > 0]·d[k]: the ReLU derivative after the delta GEMM. */
__global__ void fl_k_relu_mask(int64_t n, const float *a, float *d) {
  const int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (k < n && !(a[k] > 0.0f)) d[k] = 0.0f;
}

/* Forward of layer l for C models on B rows each: a row-major [B][n_in]
 * (a_stride floats apart per model, 0 = shared), W row-major [n_in][n_out]
 * = column-major n_out x n_in, so out^T = W^T a^T is one N,N GEMM. */
static fai_status fl_blas_forward(fl_blas *b, const fai_fl_shape *s, int l, int C, int B,
                                  const float *a, int64_t a_stride, const float *d_p, float *out,
                                  int relu, fai_error *err) {
  const int n_in = s->dims[l], n_out = s->dims[l + 1];
  fai_status st = fl_gemm(b, CUBLAS_OP_N, CUBLAS_OP_N, n_out, B, n_in, 1.0f, d_p + s->w_off[l],
                          n_out, s->n_params, a, n_in, a_stride, 0.0f, out, n_out,
                          (long long)B * n_out, C, err);
  if (st != FAI_OK) return st;
  fl_k_bias_act<<<fl_blocks((int64_t)C * B * n_out), FL_BLOCK>>>(C, B, n_out, d_p, s->n_params,
                                                                  s->b_off[l], out, relu);
  return FAI_OK;
}

extern "C" fai_status fai_cuda_fl_local_sgd(const fai_backend *be, int n_dims, const int *dims,
                                            int n_clients, int tau, int batch, float lr,
                                            const uint8_t *x, const uint8_t *y, float *params,
                                            fai_error *err) {
  fai_status st = FAI_OK;
  fai_fl_shape s;
  float *d_p = NULL, *d_act = NULL, *d_del = NULL;
  uint8_t *d_x = NULL, *d_y = NULL;
  float *act[FAI_FL_MAX_DIMS] = {0}, *del[FAI_FL_MAX_DIMS] = {0};
  int64_t rows = 0, off = 0;
  int L = 0;
  float scale = 0.0f;
  fl_blas *blas = NULL;
  if (fai_fl_shape_init(&s, n_dims, dims))
    return fai_error_set(err, FAI_EINVAL, "fl_local_sgd: bad layer widths");
  if (n_clients < 0 || tau < 1 || batch < 1)
    return fai_error_set(err, FAI_EINVAL, "fl_local_sgd: clients %d, tau %d, batch %d", n_clients,
                         tau, batch);
  if (n_clients == 0) return FAI_OK;
  L = s.nd - 1;
  rows = (int64_t)n_clients * tau * batch;
  scale = fai_fl_step_scale(lr, batch);
  FL_TRY(cudaSetDevice(be->device));
  if (be->fl_cublas && (st = fl_blas_get(be->device, &blas, err)) != FAI_OK) goto cleanup;
  FL_TRY(cudaMalloc((void **)&d_p, (size_t)n_clients * s.n_params * sizeof(float)));
  FL_TRY(cudaMalloc((void **)&d_act, (size_t)n_clients * batch * s.act_floats * sizeof(float)));
  FL_TRY(cudaMalloc((void **)&d_del, (size_t)n_clients * batch * s.act_floats * sizeof(float)));
  FL_TRY(cudaMalloc((void **)&d_x, (size_t)rows * s.dims[0]));
  FL_TRY(cudaMalloc((void **)&d_y, (size_t)rows));
  FL_TRY(cudaMemcpy(d_p, params, (size_t)n_clients * s.n_params * sizeof(float),
                    cudaMemcpyHostToDevice));
  FL_TRY(cudaMemcpy(d_x, x, (size_t)rows * s.dims[0], cudaMemcpyHostToDevice));
  FL_TRY(cudaMemcpy(d_y, y, (size_t)rows, cudaMemcpyHostToDevice));
  for (int l = 0; l <= L; ++l) {
    act[l] = d_act + off;
    del[l] = d_del + off;
    off += (int64_t)n_clients * batch * s.dims[l];
  }
  for (int t = 0; t < tau; ++t) {
    const int C = n_clients, B = batch;
    if (fai_interrupted()) {
      st = fai_error_set(err, FAI_EINTR, "fl_local_sgd interrupted at step %d of %d", t, tau);
      goto cleanup;
    }
    fl_k_pixels<<<fl_blocks((int64_t)C * B * s.dims[0]), FL_BLOCK>>>(
        C, B, s.dims[0], (int64_t)tau * B, (int64_t)t * B, d_x, act[0]);
    for (int l = 0; l < L; ++l) {
      if (blas) {
        if ((st = fl_blas_forward(blas, &s, l, C, B, act[l], (int64_t)B * s.dims[l], d_p,
                                  act[l + 1], l < L - 1, err)) != FAI_OK)
          goto cleanup;
      } else {
        fl_k_forward<<<fl_blocks((int64_t)C * B * s.dims[l + 1]), FL_BLOCK>>>(
            C, B, s.dims[l], s.dims[l + 1], act[l], (int64_t)B * s.dims[l], d_p, s.n_params,
            s.w_off[l], s.b_off[l], act[l + 1], l < L - 1);
      }
    }
    fl_k_softmax<<<fl_blocks((int64_t)C * B), FL_BLOCK>>>(C, B, s.dims[L], act[L], d_y, tau, t,
                                                          del[L]);
    for (int l = L - 1; l >= 0; --l) {
      const int n_in = s.dims[l], n_out = s.dims[l + 1];
      if (blas) {
        /* delta: d^T (n_in x B) = W (n_in x n_out, the transpose of the
         * column-major view) · e^T, then the ReLU mask; it reads W_l before
         * the update below, as the kernels do. */
        if (l > 0) {
          if ((st = fl_gemm(blas, CUBLAS_OP_T, CUBLAS_OP_N, n_in, B, n_out, 1.0f,
                            d_p + s.w_off[l], n_out, s.n_params, del[l + 1], n_out,
                            (long long)B * n_out, 0.0f, del[l], n_in, (long long)B * n_in, C,
                            err)) != FAI_OK)
            goto cleanup;
          fl_k_relu_mask<<<fl_blocks((int64_t)C * B * n_in), FL_BLOCK>>>((int64_t)C * B * n_in,
                                                                          act[l], del[l]);
        }
        /* W^T (n_out x n_in) -= scale · e^T a: one N,T GEMM with beta = 1. */
        if ((st = fl_gemm(blas, CUBLAS_OP_N, CUBLAS_OP_T, n_out, n_in, B, -scale, del[l + 1],
                          n_out, (long long)B * n_out, act[l], n_in, (long long)B * n_in, 1.0f,
                          d_p + s.w_off[l], n_out, s.n_params, C, err)) != FAI_OK)
          goto cleanup;
      } else {
        if (l > 0)
          fl_k_delta<<<fl_blocks((int64_t)C * B * n_in), FL_BLOCK>>>(
              C, B, n_in, n_out, act[l], del[l + 1], d_p, s.n_params, s.w_off[l], del[l]);
        fl_k_update_w<<<fl_blocks((int64_t)C * n_in * n_out), FL_BLOCK>>>(
            C, B, n_in, n_out, act[l], del[l + 1], d_p, s.n_params, s.w_off[l], scale);
      }
      fl_k_update_b<<<fl_blocks((int64_t)C * s.dims[l + 1]), FL_BLOCK>>>(
          C, B, s.dims[l + 1], del[l + 1], d_p, s.n_params, s.b_off[l], scale);
    }
    FL_TRY(cudaGetLastError());
  }
  FL_TRY(cudaMemcpy(params, d_p, (size_t)n_clients * s.n_params * sizeof(float),
                    cudaMemcpyDeviceToHost));
cleanup:
  cudaFree(d_p);
  cudaFree(d_act);
  cudaFree(d_del);
  cudaFree(d_x);
  cudaFree(d_y);
  return st;
}

extern "C" fai_status fai_cuda_fl_logits(const fai_backend *be, int n_dims, const int *dims,
                                         int n_models, const float *params, int64_t n,
                                         const uint8_t *x, float *logits, fai_error *err) {
  fai_status st = FAI_OK;
  fai_fl_shape s;
  float *d_p = NULL, *d_a = NULL, *d_h = NULL, *d_in = NULL;
  uint8_t *d_x = NULL;
  int L = 0, K = 0;
  fl_blas *blas = NULL;
  if (fai_fl_shape_init(&s, n_dims, dims))
    return fai_error_set(err, FAI_EINVAL, "fl_logits: bad layer widths");
  if (n_models < 0 || n < 0)
    return fai_error_set(err, FAI_EINVAL, "fl_logits: models %d, samples %lld", n_models,
                         (long long)n);
  if (n_models == 0 || n == 0) return FAI_OK;
  L = s.nd - 1;
  K = s.dims[L];
  FL_TRY(cudaSetDevice(be->device));
  if (be->fl_cublas && (st = fl_blas_get(be->device, &blas, err)) != FAI_OK) goto cleanup;
  FL_TRY(cudaMalloc((void **)&d_p, (size_t)n_models * s.n_params * sizeof(float)));
  FL_TRY(cudaMalloc((void **)&d_x, (size_t)FL_LOGIT_CHUNK * s.dims[0]));
  FL_TRY(cudaMalloc((void **)&d_in, (size_t)FL_LOGIT_CHUNK * s.dims[0] * sizeof(float)));
  FL_TRY(cudaMalloc((void **)&d_a, (size_t)n_models * FL_LOGIT_CHUNK * s.max_width * sizeof(float)));
  FL_TRY(cudaMalloc((void **)&d_h, (size_t)n_models * FL_LOGIT_CHUNK * s.max_width * sizeof(float)));
  FL_TRY(cudaMemcpy(d_p, params, (size_t)n_models * s.n_params * sizeof(float),
                    cudaMemcpyHostToDevice));
  for (int64_t i0 = 0; i0 < n; i0 += FL_LOGIT_CHUNK) {
    const int cnt = (int)(n - i0 < FL_LOGIT_CHUNK ? n - i0 : FL_LOGIT_CHUNK);
    FL_TRY(cudaMemcpy(d_x, x + i0 * s.dims[0], (size_t)cnt * s.dims[0], cudaMemcpyHostToDevice));
    fl_k_pixels<<<fl_blocks((int64_t)cnt * s.dims[0]), FL_BLOCK>>>(1, cnt, s.dims[0], 0, 0, d_x,
                                                                    d_in);
    const float *a = d_in;
    int64_t a_stride = 0;
    float *out = d_h, *spare = d_a;
    for (int l = 0; l < L; ++l) {
      if (blas) {
        if ((st = fl_blas_forward(blas, &s, l, n_models, cnt, a, a_stride, d_p, out, l < L - 1,
                                  err)) != FAI_OK)
          goto cleanup;
      } else {
        fl_k_forward<<<fl_blocks((int64_t)n_models * cnt * s.dims[l + 1]), FL_BLOCK>>>(
            n_models, cnt, s.dims[l], s.dims[l + 1], a, a_stride, d_p, s.n_params, s.w_off[l],
            s.b_off[l], out, l < L - 1);
      }
      a = out;
      a_stride = (int64_t)cnt * s.dims[l + 1];
      float *tmp = out;
      out = spare;
      spare = tmp;
    }
    FL_TRY(cudaGetLastError());
    for (int m = 0; m < n_models; ++m)
      FL_TRY(cudaMemcpy(logits + ((int64_t)m * n + i0) * K, a + (int64_t)m * cnt * K,
                        (size_t)cnt * K * sizeof(float), cudaMemcpyDeviceToHost));
  }
cleanup:
  cudaFree(d_p);
  cudaFree(d_x);
  cudaFree(d_in);
  cudaFree(d_a);
  cudaFree(d_h);
  return st;
}
