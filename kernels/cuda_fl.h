/* cuda backend ops of issue 7 (federated learning; kernels/cuda_fl.cu). */
#ifndef FLUIDAI_CUDA_FL_H
#define FLUIDAI_CUDA_FL_H

#include "fluidai/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

fai_status fai_cuda_fl_local_sgd(const fai_backend *be, int n_dims, const int *dims,
                                 int n_clients, int tau, int batch, float lr, const uint8_t *x,
                                 const uint8_t *y, float *params, fai_error *err);
fai_status fai_cuda_fl_logits(const fai_backend *be, int n_dims, const int *dims, int n_models,
                              const float *params, int64_t n, const uint8_t *x, float *logits,
                              fai_error *err);

#ifdef __cplusplus
}
#endif
#endif
