/* MBA: multiuser AI model downloading by broadcasting reusable parameter
 * blocks, with parameter selection and power control (public).  PAPERS.md §5.
 *
 * K devices each need a model of their task with accuracy >= A_k; models are
 * block lists of a library (include/fluidai/library.h), so a block needed by
 * several devices is broadcast once.  Parameter selection (PS) picks one
 * model per device; the broadcast set is the union of their blocks and
 * block b goes out at the rate its weakest receiver decodes,
 * γ_b = min_{k ∈ 𝒦_b} g_k.  Power control (PC) sends the blocks one after
 * another over bandwidth W:
 *   t_b = S_b / (W log2(1 + P_b γ_b / (N0 W))),
 *   minimise Σ_b t_b  s.t.  Σ_b P_b t_b <= E_max  (and P_b <= P_max).
 * The optimal PC is closed-form given the multiplier λ of the energy
 * constraint (Lambert W, §5.2); λ is found by bisection on log λ.
 *
 * fai_multicast_solve is the same closed form for one payload and a set of
 * receivers (FedMeld's model broadcast, issue 7).
 *
 * Instance file "fluidai-mba-instance" (README "fluidai cache mba"):
 *   { "format": "fluidai-mba-instance", "version": 1, "name": "...", "seed": 1,
 *     "library": { ...fluidai-library... } | "lib.json",
 *     "radio": { "bandwidth_hz": 20e6, "noise_dbm_hz": -174,
 *                "energy_j": 5, "max_power_w": 10 },   (at least one budget)
 *     "devices": [ {"id": "d0", "task": "task0", "accuracy": 0.8,
 *                   "distance_m": 120 | "gain_db": -95}, ... ] } */
#ifndef FLUIDAI_MBA_H
#define FLUIDAI_MBA_H

#include <jansson.h>
#include <stdint.h>

#include "fluidai/library.h"
#include "fluidai/plan.h"
#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- Lambert W ------------------------------------------------------------------- */

/* Principal branch W₀(x), x >= −1/e (NaN below, +inf at +inf): the w >= −1
 * with w·e^w = x.  Halley iteration from a branch-point series, a small-x
 * series or the asymptotic log form; converges to a few ulp. */
double fai_lambert_w0(double x);

/* --- power control ------------------------------------------------------------------ */

typedef enum fai_mba_pc {
  FAI_MBA_PC_CLOSED = 0,  /* Lambert-W closed form + bisection on log λ (exact to rounding) */
  FAI_MBA_PC_NLOPT = 1    /* NLopt SLSQP on the spectral efficiencies (cross-check) */
} fai_mba_pc;

/* A sequence of n broadcast transmissions sharing one budget. */
typedef struct fai_pc_problem {
  int n;                    /* transmissions */
  const double *bits;       /* [n] payload S_b (bits, > 0) */
  const double *gain;       /* [n] channel power gain γ_b of the weakest receiver (linear, > 0) */
  double bandwidth_hz;      /* W */
  double noise_w_hz;        /* N0 (W/Hz) */
  double energy_j;          /* E_max; +inf: no energy budget */
  double max_power_w;       /* P_max; +inf: no power cap (at least one of the two finite) */
} fai_pc_problem;

typedef struct fai_pc_result {
  int feasible;             /* 0: E_max <= the energy the blocks need at vanishing rate */
  double latency_s;         /* Σ t_b (+inf when infeasible) */
  double energy_j;          /* Σ P_b t_b */
  double lambda;            /* multiplier of the energy constraint (0 when inactive) */
  double min_energy_j;      /* infimum of the energy over finite schedules: Σ N0 S_b ln2 / γ_b */
} fai_pc_result;

/* Optimal powers: p_w[n], t_s[n] (either may be NULL).  O(n · 200) with the
 * closed form; NLopt is slower and accurate to about 1e-9 relative. */
fai_status fai_pc_solve(const fai_pc_problem *pr, fai_mba_pc method, double *p_w, double *t_s,
                        fai_pc_result *res, fai_error *err);

/* One multicast (FedMeld's broadcast of a model to an area's clients). */
typedef struct fai_multicast {
  int feasible;             /* 0: the energy budget is below the vanishing-rate minimum */
  double gain;              /* min of the receivers' gains (the decoding bottleneck) */
  double duration_s;
  double power_w;
  double energy_j;
  double rate_bps;
} fai_multicast;

/* Send `bits` to n receivers with channel gains gains[n] (linear) over
 * bandwidth_hz with noise density noise_w_hz, within energy_j (+inf: none)
 * and max_power_w (+inf: none; at least one finite).  The closed form of
 * fai_pc_solve with one block; with only a power cap the duration is
 * bits / (W log2(1 + P_max γ / (N0 W))). */
fai_status fai_multicast_solve(double bits, const double *gains, int n, double bandwidth_hz,
                               double noise_w_hz, double energy_j, double max_power_w,
                               fai_multicast *out, fai_error *err);

/* --- instances ------------------------------------------------------------------------ */

typedef struct fai_mba_instance {
  char name[FAI_LIB_ID_MAX];
  uint64_t seed;
  fai_library lib;          /* owned */
  int K;                    /* devices */
  char *device_id;          /* [K][FAI_LIB_ID_MAX] */
  int *task;                /* [K] task index in lib */
  double *accuracy;         /* [K] requirement A_k */
  double *gain;             /* [K] channel power gain g_k (linear) */
  double *distance_m;       /* [K] distance (NaN when the gain was given) */
  double bandwidth_hz;      /* W */
  double noise_w_hz;        /* N0 */
  double energy_j;          /* E_max (+inf: none) */
  double max_power_w;       /* P_max (+inf: none) */
  int *cand_off;            /* [K + 1] device k's candidates: cand[cand_off[k] .. cand_off[k+1]) */
  int *cand;                /* models of task t_k with accuracy >= A_k, ascending */
} fai_mba_instance;

void fai_mba_instance_init(fai_mba_instance *inst);
void fai_mba_instance_free(fai_mba_instance *inst);
/* A device without a candidate model is FAI_EINVAL at its JSON path. */
fai_status fai_mba_instance_load_file(const char *path, fai_mba_instance *inst, fai_error *err);
fai_status fai_mba_instance_load_string(const char *text, const char *name, fai_mba_instance *inst,
                                        fai_error *err);
/* Candidate lists from lib, task, accuracy (after filling those in memory). */
fai_status fai_mba_instance_prepare(fai_mba_instance *inst, fai_error *err);

/* Generator: a nested-shape library (fai_library_generate), devices at
 * distances U[dmin, dmax] with a random task and a requirement drawn below
 * the best candidate's accuracy, so every device is feasible. */
typedef struct fai_mba_gen_params {
  int devices;              /* K (10) */
  fai_libgen_params lib;    /* nested shape, 3 backbones × 5 fine-tuned, 8 layers */
  double dmin_m, dmax_m;    /* (50, 300) */
  double bandwidth_hz;      /* (20e6) */
  double noise_dbm_hz;      /* (-174) */
  double energy_j;          /* (10) */
  double max_power_w;       /* (+inf) */
  double req_slack;         /* A_k = best − U[0, req_slack] (0.1) */
  uint64_t seed;            /* (1) */
} fai_mba_gen_params;
void fai_mba_gen_params_init(fai_mba_gen_params *p);
fai_status fai_mba_generate(const fai_mba_gen_params *p, json_t **doc, fai_error *err);

/* --- solving ------------------------------------------------------------------------- */

typedef enum fai_mba_ps {
  FAI_MBA_PS_GREEDY = 0,    /* reuse-first greedy (PAPERS §5.3), then one-device switches while they help */
  FAI_MBA_PS_TREE = 1,      /* depth-first branch-and-bound, exact */
  FAI_MBA_PS_UNICAST = 2,   /* baseline: smallest candidate each, sent to each device separately */
  FAI_MBA_PS_NOPS = 3,      /* baseline: broadcast, each device its most accurate candidate */
  FAI_MBA_PS_EXHAUSTIVE = 4, /* every combination (tests; refuses > 1e7 combinations) */
  FAI_MBA_PS_MILP = 5       /* GLPK on fai_mba_milp_build: exact for the bits cost only */
} fai_mba_ps;
const char *fai_mba_ps_name(fai_mba_ps p);
int fai_mba_ps_parse(const char *s, fai_mba_ps *out); /* 0 ok */

typedef enum fai_mba_cost {
  FAI_MBA_COST_LATENCY = 0, /* PS cost = optimal PC latency (default) */
  FAI_MBA_COST_BITS = 1     /* proxy: Σ bits of the broadcast set (pure reuse) */
} fai_mba_cost;

typedef struct fai_mba_params {
  fai_mba_ps ps;            /* (TREE) */
  fai_mba_pc pc;            /* (CLOSED) */
  fai_mba_cost cost;        /* (LATENCY) */
  int threads;              /* recorded only: the solvers are sequential, hence deterministic */
  double time_limit_s;      /* milp: GLPK time limit (s, <= 0 none) */
} fai_mba_params;
void fai_mba_params_init(fai_mba_params *p);

/* One transmission of the schedule. */
typedef struct fai_mba_tx {
  int block;                /* library block index */
  int unicast_to;           /* device (unicast baseline), -1 for a broadcast */
  double bits, gain, power_w, duration_s;
} fai_mba_tx;

typedef struct fai_mba_solution {
  int K;
  int *model;               /* [K] chosen model per device */
  int n_tx;
  fai_mba_tx *tx;           /* [n_tx] in sending order (ascending block, then device) */
  int *rx_off, *rx;         /* receivers of tx i: rx[rx_off[i] .. rx_off[i+1]) */
  fai_pc_result pc;         /* latency, energy, λ */
  double ps_cost;           /* the PS objective (latency or bits) */
  int64_t nodes;            /* tree / exhaustive: nodes visited */
  fai_outcome outcome;      /* OPTIMAL (tree, exhaustive), COMPLETE (greedy, baselines),
                               INFEASIBLE (energy below the minimum) */
  double seconds;
} fai_mba_solution;

void fai_mba_solution_free(fai_mba_solution *s);
fai_status fai_mba_solve(const fai_mba_instance *inst, const fai_mba_params *p,
                         fai_mba_solution *out, fai_error *err);
/* The MILP of parameter selection under the bits cost (the part of MBA that
 * is linear; the latency with power control is not, so this model is the
 * bits-cost proxy, not the latency objective):
 *   binaries x_{k,a} (device k takes its a-th candidate, inst->cand order,
 *   columns "x_k_a") and y_j (block j is broadcast, columns "y_j", only
 *   blocks of positive size some candidate holds);
 *   min Σ_j 8·bytes_j·y_j  s.t.  Σ_a x_{k,a} = 1 (row "one_k"),
 *   x_{k,a} − y_j <= 0 for every block j of candidate a (row "use_k_a_j").
 * Its optimum equals the minimum of fai_mba_assignment_cost(…, BITS, ·).
 * Columns: x first (device-major), then y; fills an empty lp. */
fai_status fai_mba_milp_build(const fai_mba_instance *inst, glp_prob *lp, fai_error *err);
/* PS cost of an assignment model[K] (latency by the closed form, or bits). */
double fai_mba_assignment_cost(const fai_mba_instance *inst, fai_mba_cost cost, const int *model);
/* Plan: inputs, decisions (per device its model; the schedule with block,
 * receivers, power, duration, energy), objective latency_s, metrics. */
fai_status fai_mba_plan(const fai_mba_instance *inst, const fai_mba_params *p,
                        const fai_mba_solution *s, fai_plan *plan, fai_error *err);

#ifdef __cplusplus
}
#endif
#endif
