/* Internal to solvers/caching/: helpers the TrimCaching files share (and
 * SlimCaching/MBA will).  Not installed. */
#ifndef FLUIDAI_CACHING_INTERNAL_H
#define FLUIDAI_CACHING_INTERNAL_H

#include "cache_core.h"
#include "fluidai/caching.h"

/* The flat arrays of inst as the evaluation cores see them. */
void fai__cache_view(const fai_cache_instance *inst, fai_cc_view *v);

/* Served-request bitset: bit (i·T + t)·K + k (model-major).  NULL on no memory. */
uint32_t *fai__cover_alloc(const fai_cache_instance *inst);
/* Mark the requests that model i on cache m serves. */
void fai__cover_add(const fai_cc_view *v, uint32_t *covered, int m, int i);
/* out[q] = fai_cc_gain(m[q], i[q]) for q < n, in parallel (each item
 * independent, so the values do not depend on threads). */
void fai__gains(const fai_cc_view *v, const uint32_t *covered, int64_t n, const int *ms,
                const int *is, double *out, int threads);

/* The same on a backend (NULL: cpu with `threads` of p); errors (a device
 * failure, FAI_EINTR) are returned with err set. */
fai_status fai__gains_be(const fai_backend *be, const fai_cc_view *v, const uint32_t *covered,
                         int64_t n, const int *ms, const int *is, double *out, fai_error *err);
/* The backend a TrimCaching run uses: p->be, else a copy of cpu with
 * p->threads in *tmp. */
const fai_backend *fai__trim_backend(const fai_trim_params *p, fai_backend *tmp);

/* The algorithms: fill x[M][I] (zeroed by the caller). */
fai_status fai__trim_spec(const fai_cache_instance *inst, const fai_trim_params *p, uint8_t *x,
                          fai_error *err);
/* Greedy: rule GAIN or RATIO; charge_full: each model costs its full size
 * (independent caching).  Gains run on the backend of p; stats (may be NULL)
 * gets the time spent in them (gains_s) and their count (gain_evals), added. */
fai_status fai__trim_greedy(const fai_cache_instance *inst, const fai_trim_params *p,
                            fai_trim_rule rule, int charge_full, uint8_t *x,
                            fai_cache_placement *stats, fai_error *err);
fai_status fai__trim_milp(const fai_cache_instance *inst, const fai_trim_params *p,
                          fai_cache_placement *pl, fai_error *err);

#endif
