/* Fluid-inference cascade placement (public; PAPERS.md §8.2).
 *
 * A model is a chain of K >= 2 sub-models with an early exit after each but
 * the last.  Each sub-model runs on one of four nodes — the user's device,
 * the serving satellite (best elevation at the request), the next satellite
 * (the one that serves the user after the handover, reached over ISLs) or
 * the ground/cloud (through a station in contact) — and every transfer uses
 * links that are alive in the timeline at the time it happens (the serving
 * satellite's remaining visibility, ISLs of the snapshot, station contact
 * windows).  Routes through the next satellite are the migrations: a result
 * finished after the serving satellite has left is carried over ISLs to the
 * next one (horizontal) or down to the ground and up through the next
 * satellite's station (vertical).
 *
 * The solver enumerates every placement (4^K, less those that break memory
 * caps), each without and with migration, and evaluates each over every (snapshot, user) point with the
 * backend's cascade_eval; the threshold grid enters linearly (exit
 * probabilities weight per-exit sums), so all placement × threshold
 * candidates are scored exactly from per-exit sums without another pass over
 * the points.  Output: the accuracy–latency Pareto front, the best plan for a
 * latency budget or an accuracy floor, and three baselines. */
#ifndef FLUIDAI_CASCADE_H
#define FLUIDAI_CASCADE_H

#include <jansson.h>

#include "fluidai/backend.h"
#include "fluidai/log.h"
#include "fluidai/orbit.h"
#include "fluidai/orbitgen.h"
#include "fluidai/plan.h"
#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FAI_CASCADE_MAX_GRID 32  /* confidence thresholds per profile */

/* --- model profile ----------------------------------------------------------- */

typedef struct fai_cascade_stage {
  char name[32];
  double flops;                                   /* per inference (FLOP) */
  double output_bits;                             /* features handed to the next sub-model */
  double memory_bytes;                            /* resident on its node (weights + buffers) */
  double exit_accuracy[FAI_CASCADE_MAX_GRID];     /* [g] accuracy credited to samples leaving here */
  double exit_probability[FAI_CASCADE_MAX_GRID];  /* [g] P(leave here | reached here), non-increasing */
} fai_cascade_stage;

typedef struct fai_cascade_profile {
  char name[FAI_NAME_MAX];
  char description[256];
  char source[FAI_ERROR_FILE_MAX];           /* file path or "preset:NAME" */
  char sha256[65];                           /* of the profile text */
  int n_sub;                                 /* K, 2..FAI_CASCADE_MAX_SUB */
  int n_thresholds;                          /* G, 1..FAI_CASCADE_MAX_GRID */
  double thresholds[FAI_CASCADE_MAX_GRID];   /* confidence thresholds, strictly increasing in (0, 1] */
  double input_bits;                         /* request input sent to the first sub-model */
  double result_bits;                        /* result returned to the user */
  double final_accuracy;                     /* accuracy of samples that run the whole chain */
  fai_cascade_stage sub[FAI_CASCADE_MAX_SUB];/* exits on sub-models 0..K-2 */
} fai_cascade_profile;

/* Strict JSON ("fluidai-cascade-profile", README): unknown keys, tables of
 * the wrong length, probabilities or accuracies outside [0, 1], exit
 * probabilities that rise with the threshold, thresholds not increasing →
 * FAI_EINVAL with file:line:col and JSON path. */
fai_status fai_cascade_profile_load_file(const char *path, fai_cascade_profile *p,
                                         fai_error *err);
fai_status fai_cascade_profile_load_string(const char *text, const char *name,
                                           fai_cascade_profile *p, fai_error *err);
/* Embedded presets data/profiles/NAME.json: "resnet-like", "mobilenetv3-like". */
fai_status fai_cascade_profile_preset(const char *name, fai_cascade_profile *p, fai_error *err);
int fai_cascade_profile_preset_count(void);
const char *fai_cascade_profile_preset_name(int i);

/* --- parameters --------------------------------------------------------------- */

typedef struct fai_cascade_params {
  double node_flops[FAI_CASCADE_NODES];        /* effective FLOP/s per node kind; <= 0: cannot compute */
  double node_memory_bytes[FAI_CASCADE_NODES]; /* capacity; <= 0: unlimited */
  fai_radio uplink;            /* user terminal -> satellite */
  fai_radio downlink;          /* satellite -> user terminal */
  double ground_delay_s;       /* station <-> cloud backhaul, one way */
  int max_isl_hops;            /* longest serving -> next ISL path (hops) */
  int migration;               /* 1: plans may migrate via the next satellite (each placement is
                                  scored without and with it; default); 0: they may not */
  double max_latency_s;        /* > 0: best plan = max delivered accuracy with latency <= this */
  double min_accuracy;         /* > 0: best plan = min latency with delivered accuracy >= this */
  int8_t fixed_split[FAI_CASCADE_MAX_SUB]; /* fixed-split baseline; fixed_split[0] < 0: head on
                                              the device, the rest on the serving satellite */
  int place_chunk;             /* placements per backend call: progress and Ctrl-C granularity */
  double max_candidates;       /* placements × threshold combinations allowed */
} fai_cascade_params;
void fai_cascade_params_init(fai_cascade_params *p);

/* "user", "sat", "next", "ground" (and "u", "s", "n", "g") → FAI_CASCADE_NODE_*; -1 if none. */
int fai_cascade_node_parse(const char *s);
const char *fai_cascade_node_name(int v);

/* --- points: (snapshot, user) link tables ---------------------------------------- */

typedef struct fai_cascade_points {
  int n_snaps, n_users;
  int64_t n_points;    /* T·U; point p = t·U + u */
  double *t_s;         /* [T] snapshot times (s after the epoch) */
  double *links;       /* [P][FAI_CASCADE_LINKS][FAI_CASCADE_LINK_FIELDS] (backend.h) */
  int *serving;        /* [P] serving satellite, -1 when none is visible */
  int *next;           /* [P] next satellite, -1 when none */
  double *window_s;    /* [P] serving satellite's remaining visibility (NEVER: past the horizon) */
  int64_t covered;     /* points with a serving satellite */
  int64_t with_station;/* ... whose serving satellite has a station contact */
  int64_t with_isl;    /* ... with the next satellite within max_isl_hops ISLs */
} fai_cascade_points;

/* Tabulate the links of every (snapshot, user) point of a timeline built
 * with users (tl->user_vis) and contacts: rates from the radios at the
 * snapshot's ranges (fai_radio_rate_bps, host side), windows from the
 * visibility bitsets (rise/set interpolated linearly in sin(elevation)
 * between snapshots) and the contact list, ISL paths by a bounded search
 * over the snapshot's live links (least propagation delay). */
fai_status fai_cascade_points_build(const fai_timeline *tl, const fai_cascade_params *prm,
                                    fai_cascade_points *pts, fai_error *err);
/* Allocate n_snaps × n_users points with every link absent (tests fill them). */
fai_status fai_cascade_points_alloc(int n_snaps, int n_users, fai_cascade_points *pts,
                                    fai_error *err);
void fai_cascade_points_free(fai_cascade_points *pts);

/* --- solving ------------------------------------------------------------------ */

/* One placement with one threshold choice, scored over the points. */
typedef struct fai_cascade_eval {
  int place;                              /* index into fai_cascade_result.place */
  int thr[FAI_CASCADE_MAX_SUB];           /* threshold index per exit k < K-1; G = exit off */
  double latency_s;                       /* mean over completed requests (NaN when none) */
  double accuracy;                        /* the model's surrogate accuracy at these thresholds */
  double delivered_accuracy;              /* correct results per request (a dropped one is wrong) */
  double served;                          /* fraction of requests completed */
  double migrated;                        /* fraction of completed requests routed via the next satellite */
} fai_cascade_eval;

#define FAI_CASCADE_BASELINES 3  /* all-satellite (no exit), all-ground (bent pipe), fixed split */

typedef struct fai_cascade_result {
  int n_sub, n_thresholds;
  int n_place;                  /* plans enumerated: placements allowed by memory caps and
                                   compute, each without and with migration */
  int8_t *place;                /* [n_place][K] */
  uint8_t *migrate;             /* [n_place] 1: the plan migrates (routes via the next satellite) */
  int n_place_excluded;         /* placements breaking a memory cap or using a node without compute */
  int n_place_done;             /* placements evaluated (fewer when interrupted) */
  double n_candidates;          /* placement × threshold combinations scored */
  fai_cascade_eval *front;      /* Pareto front, latency ascending (delivered accuracy ascending) */
  int n_front;
  int has_chosen;               /* a best plan exists (the front is not empty) */
  int chosen_meets;             /* it meets --max-latency / --min-accuracy (1 when none given) */
  fai_cascade_eval chosen;      /* the best plan, or the closest one when none meets the target */
  int8_t chosen_place[FAI_CASCADE_MAX_SUB];
  fai_cascade_eval baseline[FAI_CASCADE_BASELINES];
  int8_t baseline_place[FAI_CASCADE_BASELINES][FAI_CASCADE_MAX_SUB];
  int baseline_over_memory[FAI_CASCADE_BASELINES]; /* 1: breaks a memory cap (scored anyway) */
  int n_snaps;
  double *snap;                 /* [1 + BASELINES][T][4]: served, latency_s, delivered, migrated */
  double *point_served;         /* [1 + BASELINES][P]: share of each request completed */
  fai_outcome outcome;          /* OPTIMAL (exhaustive), INTERRUPTED, TIME_LIMIT */
  double eval_s;                /* seconds in the backend */
} fai_cascade_result;

/* Enumerate, evaluate and filter.  On Ctrl-C (or time_limit_s > 0 passed)
 * the placements finished so far give the front (outcome INTERRUPTED /
 * TIME_LIMIT, status FAI_OK).  Progress stage "cascade" in placements. */
fai_status fai_cascade_solve(const fai_cascade_profile *prof, const fai_cascade_points *pts,
                             const fai_cascade_params *prm, const fai_backend *be,
                             double time_limit_s, const fai_progress *prog,
                             fai_cascade_result *res, fai_error *err);
void fai_cascade_result_free(fai_cascade_result *r);

/* "user,sat,ground" style text of a placement (buf >= 64 bytes). */
void fai_cascade_place_format(const int8_t *place, int K, char *buf, size_t n);

/* Plan members: inputs.profile/parameters, decisions (chosen plan), front,
 * baselines, per_snapshot, metrics, objective and outcome. */
fai_status fai_cascade_plan_fill(const fai_cascade_profile *prof, const fai_cascade_points *pts,
                                 const fai_cascade_params *prm, const fai_cascade_result *res,
                                 fai_plan *plan, fai_error *err);

#ifdef __cplusplus
}
#endif
#endif
