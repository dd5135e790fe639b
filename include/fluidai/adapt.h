/* LEOEdge adaptive modelling: a device knowledge base of per-operator
 * latencies and the choice of the most accurate model whose predicted
 * latency lies in [lo, hi] on one device (public).  PAPERS.md §11.4.
 *
 * Knowledge base "fluidai-device-kb" (README "fluidai offload adapt"):
 *   { "format": "fluidai-device-kb", "version": 1, "name": "...",
 *     "operators": [ {"id": "b1.k3.dw", "type": "dwconv", "kernel": 3, "stride": 1,
 *                     "in_channels": 24, "out_channels": 24, "resolution": 56,
 *                     "dtype": "fp32"}, ... ],
 *     "devices": [ {"name": "kirin-990", "engine": "cpu" | "gpu", "spec": "...",
 *                   "transfer_in_ms": 0.4,
 *                   "gpu": {"queue_ms": 0.2, "copy_ms_per_mb": 0.05},   (gpu only)
 *                   "latency_ms": {"b1.k3.dw": 0.113, ...} }, ... ] }
 * Search space "fluidai-model-space":
 *   { "format": "fluidai-model-space", "version": 1, "name": "...",
 *     "input": {"resolution": 224, "channels": 3, "dtype": "fp32"},
 *     "base_accuracy": 60.5, "fixed": ["stem", "head"],
 *     "blocks": [ {"name": "stage1",
 *                  "oneof": [ {"name": "k3-c24", "ops": ["b1.k3.pw", ...],
 *                              "accuracy": 0.8, "kernel": 3, "channels": 24,
 *                              "block_type": "mbconv"}, ... ],
 *                  "repeat": {"min": 1, "max": 4, "accuracy": [0, 0.5, 0.8, 1.0]},
 *                  "default": {"choice": "k5-c24", "depth": 2} }, ... ] }
 *
 * Predicted latency of a model on a device (ms) = transfer_in_ms
 *   + Σ latency of the fixed operators + Σ_blocks depth · Σ latency of the chosen
 *   choice's operators, + for a gpu engine queue_ms + copy_ms_per_mb · input MB
 *   (host → device copy of the input tensor).  Accuracy proxy = base_accuracy
 *   + Σ_blocks (choice accuracy + repeat accuracy[depth − min]).
 *
 * The choice is a multiple-choice knapsack: one option (choice, depth) per
 * block, weight = latency, value = accuracy, total weight in [lo, hi].  The
 * DP works on integer ticks of a grid (default 0.001 ms).  Rounding rule:
 * a latency within 1e-9 (relative) of a whole number of ticks is that number
 * (exact); any other latency is rounded UP.  hi is rounded down to the grid
 * and lo up, and the lower bound is raised by one tick per group holding an
 * inexact latency (and one for an inexact fixed part), so a model the DP
 * accepts always has its exact latency in [lo, hi]; on grid-exact data the DP
 * is exact in both bounds.  The evolutionary search uses the same
 * feasibility test, so it can never beat the DP. */
#ifndef FLUIDAI_ADAPT_H
#define FLUIDAI_ADAPT_H

#include <jansson.h>
#include <stdint.h>

#include "fluidai/plan.h"
#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FAI_ADAPT_NAME_MAX 64

/* --- generic multiple-choice knapsack with a latency interval ---------------------- */

typedef struct fai_mckp {
  int n_groups;          /* G: one option is chosen in each */
  const int *off;        /* [G + 1] group g's options are off[g] .. off[g+1]-1 */
  const double *weight;  /* [off[G]] latency (ms, >= 0) */
  const double *value;   /* [off[G]] accuracy contribution */
  double fixed_weight;   /* latency every model pays (ms, >= 0) */
  double fixed_value;    /* base accuracy */
} fai_mckp;

typedef struct fai_mckp_result {
  int feasible;          /* 0: no option set lies in the interval (by the tick rule) */
  double value;          /* fixed_value + Σ chosen values, summed in group order */
  double weight;         /* fixed_weight + Σ chosen weights (exact, in group order) */
  long long ticks;       /* the same in grid ticks (the DP's weight) */
  long long evaluations; /* option sets evaluated (evolution) or DP cells */
} fai_mckp_result;

/* Tick interval [lo_ticks, hi_ticks] and per-option ticks under the rounding
 * rule above.  ticks[off[G]] filled; *fixed_ticks the fixed part.  Fails
 * (EINVAL) when grid_ms <= 0, lo > hi, a weight is negative or not finite,
 * or hi / grid exceeds 5e7 ticks. */
fai_status fai_mckp_ticks(const fai_mckp *p, double lo_ms, double hi_ms, double grid_ms,
                          long long *ticks, long long *fixed_ticks, long long *lo_ticks,
                          long long *hi_ticks, fai_error *err);

/* Exact DP over tick sums: O(G · options · hi_ticks) time, O(G · hi_ticks)
 * choice table.  Maximises value; ties go to the smaller tick sum, then to the
 * lower option index in the later group.  pick[G] gets option indices within
 * each group (local), untouched when infeasible. */
fai_status fai_mckp_dp(const fai_mckp *p, double lo_ms, double hi_ms, double grid_ms, int *pick,
                       fai_mckp_result *res, fai_error *err);

typedef struct fai_evo_params {
  int population;        /* individuals per generation (32) */
  int generations;       /* (200) */
  double mutation;       /* per-gene mutation probability; <= 0: 1/G (default 0) */
  int tournament;        /* tournament size for parent selection (2) */
  uint64_t seed;         /* Philox key (1); stream FAI_STREAM_GENERATOR */
} fai_evo_params;
void fai_evo_params_init(fai_evo_params *p);

/* Evolutionary search (uniform crossover, per-gene mutation, tournament
 * selection, the best individual kept): feasible beats infeasible, then
 * value, then fewer ticks; infeasible ones rank by their distance to the
 * interval in ticks.  Deterministic for a seed. */
fai_status fai_mckp_evolve(const fai_mckp *p, double lo_ms, double hi_ms, double grid_ms,
                           const fai_evo_params *ep, int *pick, fai_mckp_result *res,
                           fai_error *err);

/* Every option set (refuses more than 1e7): the oracle of the tests. */
fai_status fai_mckp_brute(const fai_mckp *p, double lo_ms, double hi_ms, double grid_ms, int *pick,
                          fai_mckp_result *res, fai_error *err);

/* --- knowledge base ---------------------------------------------------------------- */

typedef enum fai_engine { FAI_ENGINE_CPU = 0, FAI_ENGINE_GPU = 1 } fai_engine;

typedef struct fai_kb_op {
  char id[FAI_ADAPT_NAME_MAX];
  char type[32];          /* conv, dwconv, pwconv, pool, fc, shuffle, ... */
  int kernel, stride;     /* 0 when not given */
  int in_channels, out_channels, resolution;
  char dtype[8];          /* fp32 | fp16 | int8 */
} fai_kb_op;

typedef struct fai_kb_device {
  char name[FAI_ADAPT_NAME_MAX];
  fai_engine engine;
  char spec[128];
  double transfer_in_ms;  /* input transfer into the device (ms) */
  double queue_ms;        /* gpu: kernel queueing (ms) */
  double copy_ms_per_mb;  /* gpu: host → device copy (ms per MB of input) */
  double *op_ms;          /* [n_ops] measured latency (ms); NaN when not measured */
} fai_kb_device;

typedef struct fai_device_kb {
  char name[FAI_ADAPT_NAME_MAX];
  char source[512];       /* file name, for messages */
  int n_ops;
  fai_kb_op *ops;
  int n_devices;
  fai_kb_device *dev;
} fai_device_kb;

void fai_device_kb_init(fai_device_kb *kb);
void fai_device_kb_free(fai_device_kb *kb);
/* Strict: unknown keys, duplicate operator or device names, a latency for an
 * operator not in "operators", a negative or non-finite latency are EINVAL at
 * their JSON path with the value. */
fai_status fai_device_kb_load_file(const char *path, fai_device_kb *kb, fai_error *err);
fai_status fai_device_kb_load_string(const char *text, const char *name, fai_device_kb *kb,
                                     fai_error *err);
/* Index of device `name`; -1 and EINVAL listing the known names when absent. */
int fai_device_kb_find(const fai_device_kb *kb, const char *name, fai_error *err);

/* --- search space ---------------------------------------------------------------- */

typedef struct fai_space_choice {
  char name[FAI_ADAPT_NAME_MAX];
  double accuracy;        /* contribution */
  int kernel, channels;   /* descriptive, 0 when not given */
  char block_type[32];    /* descriptive, "" when not given */
  int n_ops;
  int *ops;               /* [n_ops] operator indices in the knowledge base */
} fai_space_choice;

typedef struct fai_space_block {
  char name[FAI_ADAPT_NAME_MAX];
  int n_choices;
  fai_space_choice *choice;
  int depth_min, depth_max;
  double *depth_acc;      /* [depth_max − depth_min + 1] */
  int def_choice, def_depth; /* the unadapted model */
} fai_space_block;

typedef struct fai_model_space {
  char name[FAI_ADAPT_NAME_MAX];
  char source[512];
  int resolution, channels;
  char dtype[8];
  double input_mb;        /* resolution² · channels · bytes(dtype) / 1e6 */
  double base_accuracy;
  int n_fixed;
  int *fixed;             /* [n_fixed] operator indices */
  int n_blocks;
  fai_space_block *block;
} fai_model_space;

void fai_model_space_init(fai_model_space *s);
void fai_model_space_free(fai_model_space *s);
/* Operator names resolve against kb; an unknown one is EINVAL at its path. */
fai_status fai_model_space_load_file(const char *path, const fai_device_kb *kb,
                                     fai_model_space *s, fai_error *err);
fai_status fai_model_space_load_string(const char *text, const char *name, const fai_device_kb *kb,
                                       fai_model_space *s, fai_error *err);

/* --- the problem on one device ----------------------------------------------------- */

typedef struct fai_adapt_problem {
  int device;             /* index in the kb */
  int n_groups;           /* = blocks */
  int *off;               /* [G + 1] */
  int *opt_choice;        /* [off[G]] choice index of each option */
  int *opt_depth;         /* [off[G]] depth of each option */
  double *weight, *value; /* [off[G]] */
  double fixed_ms;        /* transfer-in + fixed operators + gpu terms */
  double gpu_ms;          /* the gpu part of fixed_ms (0 on cpu) */
  double transfer_ms;     /* the transfer-in part */
  int *def_pick;          /* [G] the unadapted model's options (local indices) */
  fai_mckp mckp;          /* view of the above */
} fai_adapt_problem;

/* Options in (choice, depth) order.  A device without a measurement of an
 * operator the space uses is EINVAL naming both. */
fai_status fai_adapt_problem_build(const fai_device_kb *kb, const fai_model_space *s, int device,
                                   fai_adapt_problem *pb, fai_error *err);
void fai_adapt_problem_free(fai_adapt_problem *pb);
/* Exact latency (ms) and accuracy of a pick (sums in group order). */
void fai_adapt_eval(const fai_adapt_problem *pb, const int *pick, double *latency_ms,
                    double *accuracy);

typedef enum fai_adapt_algo { FAI_ADAPT_DP = 0, FAI_ADAPT_EVOLUTION = 1 } fai_adapt_algo;

typedef struct fai_adapt_params {
  double lo_ms, hi_ms;    /* latency interval (15, 20) */
  double grid_ms;         /* DP tick (0.001) */
  fai_adapt_algo algo;
  fai_evo_params evo;
} fai_adapt_params;
void fai_adapt_params_init(fai_adapt_params *p);

/* Solve on the problem; pick[G] as in fai_mckp_dp. */
fai_status fai_adapt_solve(const fai_adapt_problem *pb, const fai_adapt_params *p, int *pick,
                           fai_mckp_result *res, fai_error *err);

/* Plan document "offload.adapt": the chosen model per block, its predicted
 * latency and accuracy, and the unadapted model's. */
fai_status fai_adapt_plan(const fai_device_kb *kb, const fai_model_space *s,
                          const fai_adapt_problem *pb, const fai_adapt_params *p, const int *pick,
                          const fai_mckp_result *res, fai_plan *plan, fai_error *err);

#ifdef __cplusplus
}
#endif
#endif
