/* cpu backend ops of issue 7 (federated learning) and the host helpers the
 * simulator shares with them (internal).  The arithmetic is kernels/fl_core.h. */
#ifndef FLUIDAI_CPU_FL_H
#define FLUIDAI_CPU_FL_H

#include "fluidai/backend.h"
#include "fl_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Backend op fl_local_sgd (see fluidai/backend.h). */
fai_status fai_cpu_fl_local_sgd(const fai_backend *be, int n_dims, const int *dims,
                                int n_clients, int tau, int batch, float lr, const uint8_t *x,
                                const uint8_t *y, float *params, fai_error *err);
/* Backend op fl_logits (see fluidai/backend.h). */
fai_status fai_cpu_fl_logits(const fai_backend *be, int n_dims, const int *dims, int n_models,
                             const float *params, int64_t n, const uint8_t *x, float *logits,
                             fai_error *err);

/* Floats of scratch one fai_fl_cpu_pass over `batch` samples needs. */
int64_t fai_fl_cpu_work_floats(const fai_fl_shape *s, int batch);
/* One forward + backward pass over `batch` samples (pixels x[batch][dims[0]],
 * labels y) on one thread.  update != 0: SGD step in place on params with
 * scale fai_fl_step_scale(lr, batch) (grad unused, may be NULL); update == 0:
 * grad[P] = the summed (not averaged) gradient, params untouched.
 * Returns Σ_b p_label (the softmax probability of the true class). */
double fai_fl_cpu_pass(const fai_fl_shape *s, int batch, const uint8_t *x, const uint8_t *y,
                       float *params, float lr, int update, float *grad, float *work);
/* Logits of one model on n samples (one thread): logits[n][n_out]. */
void fai_fl_cpu_forward(const fai_fl_shape *s, int n, const uint8_t *x, const float *params,
                        float *logits, float *work);

#ifdef __cplusplus
}
#endif
#endif
