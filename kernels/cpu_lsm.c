/* cpu backend: offloading ratio by bisection for a batch of (snapshot,
 * remote-sensing satellite) items (kernels/offload_core.h), an OpenMP loop in
 * chunks that poll fai_interrupted().  Each item writes only its own
 * outputs, so the bytes do not depend on the thread count. */
#include <omp.h>

#include "cpu_lsm.h"
#include "fluidai/log.h"
#include "offload_core.h"

#define CPU_CHUNK_LSM (1 << 16) /* items per interrupt poll */

fai_status fai__cpu_lsm_ratio(const fai_backend *be, int64_t n, const double *terms, double tol,
                              int max_steps, double *lam, double *delay_s, fai_error *err) {
  const int nt = be->threads > 0 ? be->threads : omp_get_max_threads();
  fai_status st = fai__lsm_check(n, terms, tol, max_steps, lam, delay_s, err);
  int64_t c0;
  if (st != FAI_OK) return st;
  for (c0 = 0; c0 < n; c0 += CPU_CHUNK_LSM) {
    const int64_t c1 = c0 + CPU_CHUNK_LSM < n ? c0 + CPU_CHUNK_LSM : n;
    int64_t i;
    if (fai_interrupted())
      return fai_error_set(err, FAI_EINTR, "lsm_ratio interrupted after %lld of %lld items",
                           (long long)c0, (long long)n);
#pragma omp parallel for num_threads(nt) schedule(static)
    for (i = c0; i < c1; ++i)
      fai_lsm_item(terms + (size_t)i * FAI_LSM_TERMS, tol, max_steps, lam + i, delay_s + i);
  }
  return FAI_OK;
}
