/* FedMeld: model-dispersal federated learning over a constellation (public).
 * PAPERS.md §4 (formulation, SC-MR design) and §13 (the Fluid AI experiment).
 *
 * Two halves share this header:
 *   - the planner (solvers/fedmeld/plan*.c): areas + timeline → carry times,
 *     staleness, contact windows, the dispersal schedule, the SC-MR design
 *     (τ*, α*, T_I*), the convergence bound, and the timing/bit counts of the
 *     ground-station and ISL baselines;
 *   - the simulator (solvers/fedmeld/sim*.c, include/fluidai/fl.h): real
 *     federated training whose wall-clock axis is taken from a
 *     fai_fedmeld_timing filled by the planner.
 * The struct fai_fedmeld_timing is the contract between them. */
#ifndef FLUIDAI_FEDMELD_H
#define FLUIDAI_FEDMELD_H

#include <stdint.h>

#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How a scheme aggregates (the simulator's model of each scheme). */
typedef enum fai_fl_scheme_kind {
  FAI_FL_DISPERSAL = 0,  /* FedMeld: per-area FedAvg, then mix with the carried model of
                            the previous area (ring), δ rounds stale */
  FAI_FL_GS = 1,         /* ground-station-assisted hierarchical FL: global FedAvg of all
                            areas each round, round time includes waiting for GS contact */
  FAI_FL_ISL = 2         /* ISL-assisted decentralised FL: global average over multi-hop ISLs */
} fai_fl_scheme_kind;

/* One scheme's timing, as the planner derives it from the timeline. */
typedef struct fai_fedmeld_scheme {
  char name[32];             /* "fedmeld", "fedmeld-half-alpha", "fedmeld-fixed-tau", "gs", "isl" */
  fai_fl_scheme_kind kind;
  int tau;                   /* local SGD steps per round (>= 1) */
  double alpha;              /* mixing ratio (dispersal only; 0 otherwise) */
  int delta;                 /* staleness in rounds of the carried model (dispersal only) */
  double round_s;            /* wall-clock length of one round (s) */
  double first_round_at_s;   /* time of the first aggregation (waiting for a first contact) */
  double access_bits_round;  /* bits over user–satellite access links per round */
  double feeder_bits_round;  /* bits over satellite–ground feeder links per round */
  double isl_bits_round;     /* bits over ISLs per round */
} fai_fedmeld_scheme;

#define FAI_FEDMELD_MAX_SCHEMES 8

/* Everything the simulator needs from the planner. */
typedef struct fai_fedmeld_timing {
  int n_areas;               /* N (ring order along the ground track) */
  int clients_per_area;
  double horizon_s;          /* time budget T_total (s) */
  double t_cmp_s;            /* one local SGD step on a client (s) */
  double t_com_s;            /* in-area upload + multicast download per round (s) */
  double t_travel_s;         /* carry time between consecutive areas (s) */
  double model_bits;         /* size of one model on the air (bits) */
  int n_schemes;
  fai_fedmeld_scheme schemes[FAI_FEDMELD_MAX_SCHEMES];  /* [0] is FedMeld with (τ*, α*) */
} fai_fedmeld_timing;

/* Planner API: declared by the planner's owner below this line
 * (fai_fedmeld_plan_* functions and their parameter/result structs). */

#ifdef __cplusplus
}
#endif
#endif
