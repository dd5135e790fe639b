/* Exports of timelines for other tools (public).
 *
 * Hypatia (ns-3 satellite network simulator): its satellite-network-state
 * directory — tles.txt, isls.txt, ground_stations.txt,
 * ground_stations_extended.txt, gsl_interfaces_info.txt, description.txt and
 * dynamic_state_<step>ms_for_<T>s/{fstate,gsl_if_bandwidth}_<t_ns>.txt —
 * following Hypatia's documented formats and its "shortest path without
 * ground-station relaying" forwarding rule. */
#ifndef FLUIDAI_EXPORT_H
#define FLUIDAI_EXPORT_H

#include "fluidai/orbitgen.h"
#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fai_hypatia_opts {
  double max_gsl_length_m;   /* <= 0: derived from each station's elevation mask and the lowest shell */
  double max_isl_length_m;   /* <= 0: line-of-sight limit over R_E + atmosphere margin */
  double gsl_bandwidth_bps;  /* gsl_if_bandwidth value per GSL interface; ns-3 multiplies its
                                gsl_data_rate_megabit_per_s by it (Hypatia writes 1, the default) */
  int gsl_interfaces_per_sat;/* default 1 */
  int full_fstate;           /* 1: write every fstate entry in every snapshot (default 0:
                                only changes after the first, as Hypatia does) */
} fai_hypatia_opts;
void fai_hypatia_opts_init(fai_hypatia_opts *o);

/* Write the Hypatia directory for timeline `tl` into `dir` (atomically). */
fai_status fai_export_hypatia(const fai_timeline *tl, const fai_hypatia_opts *o, const char *dir,
                              const fai_progress *prog, fai_error *err);

#ifdef __cplusplus
}
#endif
#endif
