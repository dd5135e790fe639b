/* cpu backend op of LEOEdge (issue 6, leoedge): one OpenMP iteration per
 * replication, each with its own scratch; a replication writes only its
 * own outputs, so the bytes do not depend on the thread count. */
#include <omp.h>
#include <stdlib.h>

#include "fluidai/log.h"
#include "cpu_leoedge.h"
#include "leoedge_core.h"

fai_status fai__cpu_leoedge_reps(const fai_backend *be, const double *cfg, uint64_t seed,
                                 int scheme, int r0, int n_reps, double *rep_out, double *util,
                                 fai_error *err) {
  const int n = (int)cfg[FAI_LEO_CFG_N_SATS];
  const double dur = cfg[FAI_LEO_CFG_DURATION_S];
  const int T = (int)dur + ((double)(int)dur < dur ? 1 : 0);
  const int64_t per = fai_leo_scratch_len(cfg) + 2 * (int64_t)n + T;
  const int nt = be->threads > 0 ? be->threads : omp_get_max_threads();
  int failed = 0, stopped = 0, q;
#pragma omp parallel num_threads(nt) if (n_reps > 1)
  {
    double *scr = malloc(sizeof(double) * (size_t)per);
    if (!scr) {
#pragma omp atomic write
      failed = 1;
    }
#pragma omp for schedule(dynamic, 1)
    for (q = 0; q < n_reps; ++q) {
      if (!scr || fai_interrupted()) {
        if (scr) {
#pragma omp atomic write
          stopped = 1;
        }
        continue;
      }
      double *next_t = scr + fai_leo_scratch_len(cfg), *next_j = next_t + n, *acc = next_j + n;
      fai_leo_rep_rule(cfg, seed, r0 + q, scheme, scr, next_t, next_j, acc,
                       util ? util + (size_t)q * T : NULL, rep_out + (size_t)q * FAI_LEO_REP_FIELDS);
    }
    free(scr);
  }
  if (failed) return fai_error_set(err, FAI_ENOMEM, "out of memory for leoedge_reps scratch");
  if (stopped) return fai_error_set(err, FAI_EINTR, "leoedge_reps interrupted");
  return FAI_OK;
}
