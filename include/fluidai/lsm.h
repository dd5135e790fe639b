/* Large–small model collaboration over LEO ISLs: offloading ratio and
 * routing per snapshot (public).  PAPERS.md §7.
 *
 * Remote-sensing (RS) satellites r hold D_r bits per period and a small
 * model (κ_S ops/bit on f_r ops/s); computing satellites c run a large model
 * (κ_L ops/bit on f_c ops/s).  RS satellite r sends the share λ_r of its
 * data to a computing satellite c_r over an ISL route P_r and processes the
 * rest locally, both in parallel:
 *   T_loc = (1 − λ) D κ_S / f_r
 *   T_off = Σ_{(a,b)∈P} [λ D / (R_ab / n_ab) + d_ab / c] + λ D κ_L / (f_c / n_c)
 *           (+ with result ratio ρ > 0: Σ_{(a,b)∈P} [ρ λ D n_ab / R_ab + d_ab / c])
 *   T     = max(T_loc, T_off),  objective mean_r T_r (or max_r).
 * n_ab counts the active flows (RS satellites with λ > 0) whose route uses
 * the ISL (either direction: one shared laser link); n_c the active flows
 * that target c.  Whether a flow is active does not depend on the loads:
 * λ* > 0 exactly when D κ_S / f_r exceeds the route's propagation (and
 * return) delay (kernels/offload_core.h), so for fixed routes the ratios
 * decouple and bisection is exact.
 *
 * Routers (the joint scheme):
 *   shortest    propagation-delay shortest path to the nearest computing
 *               satellite (Dijkstra, ties to the lowest index) + bisection;
 *   congestion  from the shortest solution, Gauss–Seidel sweeps over the RS
 *               satellites: Dijkstra from r with link cost d_ab/c +
 *               λ_r D_r (1+ρ)(n_ab + 1)/R_ab (loads of the others), the target
 *               with the smallest own delay after bisection; the move is kept
 *               only if the objective (every ratio re-bisected) decreases, so
 *               the objective never increases move over move and the result
 *               is never worse than `shortest`.  Stops when a sweep improves
 *               by less than rel_change or after max_sweeps;
 *   policy      routes read from a policy file (a learned router plugs in
 *               here), RS satellites/snapshots it omits fall back to
 *               shortest; ratios by bisection.
 * Baselines on the shortest routes: λ ≡ 0 (local small model), λ ≡ 1 (all
 * offloaded to the large model), λ ≡ ½ (even split), plus `shortest`.
 *
 * Quasi-static: every snapshot of the timeline is solved independently
 * (snapshots in parallel with OpenMP; the ratio evaluation of all snapshots
 * goes through the backend op lsm_ratio), so plans are byte-identical for
 * any thread count and for cpu vs cuda.
 *
 * Instance file "fluidai-lsm-instance" (optional; else the satellites are
 * drawn with Philox by seed):
 *   { "format": "fluidai-lsm-instance", "version": 1,
 *     "rs": [ 12, {"sat": 40, "data_mb": 800, "ops_per_s": 1e10}, ... ],
 *     "compute": [ 7, {"sat": 99, "ops_per_s": 2e14}, ... ],
 *     "isl_rate_gbps": 10 }                                    (optional)
 * Policy file "fluidai-lsm-policy":
 *   { "format": "fluidai-lsm-policy", "version": 1,
 *     "routes": [ {"snapshot": 0, "rs": 12, "target": 7, "path": [12, 13, 7]},
 *                 {"rs": 40, "target": 99, "next_hops": {"40": 41, "41": 99}} ] }
 *   "snapshot" omitted: every snapshot; a path must follow ISLs that are up
 *   in each snapshot it applies to. */
#ifndef FLUIDAI_LSM_H
#define FLUIDAI_LSM_H

#include <stdint.h>

#include "fluidai/backend.h"
#include "fluidai/log.h"
#include "fluidai/orbitgen.h"
#include "fluidai/plan.h"
#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FAI_LSM_LIGHT_M_S 299792458.0 /* propagation speed on ISLs (vacuum) */

typedef enum fai_lsm_router {
  FAI_LSM_ROUTER_CONGESTION = 0, /* congestion-aware Dijkstra alternating with bisection */
  FAI_LSM_ROUTER_SHORTEST = 1,   /* propagation shortest path to the nearest computing sat */
  FAI_LSM_ROUTER_POLICY = 2      /* routes from a policy file */
} fai_lsm_router;

typedef enum fai_lsm_objective {
  FAI_LSM_OBJ_MEAN = 0, /* mean_r T_r */
  FAI_LSM_OBJ_MAX = 1   /* max_r T_r */
} fai_lsm_objective;

/* Schemes evaluated on every snapshot (index of the per-scheme arrays). */
typedef enum fai_lsm_scheme {
  FAI_LSM_JOINT = 0,    /* the chosen router + bisection */
  FAI_LSM_SHORTEST = 1, /* shortest path + bisection */
  FAI_LSM_LOCAL = 2,    /* λ ≡ 0: small model only */
  FAI_LSM_OFFLOAD = 3,  /* λ ≡ 1: large model only */
  FAI_LSM_EVEN = 4,     /* λ ≡ ½ */
  FAI_LSM_SCHEMES = 5
} fai_lsm_scheme;
const char *fai_lsm_scheme_name(int s); /* "joint", "shortest", "local", "offload", "even" */

typedef struct fai_lsm_model {
  double kappa_s;          /* small-model workload (ops per bit) */
  double kappa_l;          /* large-model workload (ops per bit) */
  double result_ratio;     /* ρ: result bits returned per offloaded bit (0: no return leg) */
  fai_lsm_objective objective;
  double tol;              /* bisection tolerance on λ (1e-9) */
  int max_steps;           /* bisection halvings at most (60) */
  int max_sweeps;          /* Gauss–Seidel sweeps at most (50) */
  double rel_change;       /* stop when a sweep improves the objective by less (1e-3) */
} fai_lsm_model;
void fai_lsm_model_init(fai_lsm_model *m);

/* One snapshot's network: the ISLs that are up, undirected. */
typedef struct fai_lsm_net {
  int n_nodes;             /* satellites */
  int n_links;
  const int *link_a;       /* [L] end points */
  const int *link_b;       /* [L] */
  const double *prop_s;    /* [L] d_ab / c (s) */
  const double *rate_bps;  /* [L] R_ab (> 0) */
} fai_lsm_net;

/* Who computes what. */
typedef struct fai_lsm_sats {
  int n_rs, n_cs;
  const int *rs;           /* [R] RS satellite (node) */
  const double *rs_bits;   /* [R] D_r (bits, > 0) */
  const double *rs_ops;    /* [R] f_r (ops/s, > 0) */
  const int *cs;           /* [C] computing satellite (node) */
  const double *cs_ops;    /* [C] f_c (ops/s, > 0) */
} fai_lsm_sats;

/* Per-snapshot solver state and scratch (routes, loads, Dijkstra arrays);
 * one per thread.  Routes are link lists from the RS satellite to its
 * target. */
typedef struct fai_lsm_work fai_lsm_work;
fai_lsm_work *fai_lsm_work_create(int max_nodes, int max_links, int n_rs, int n_cs);
void fai_lsm_work_free(fai_lsm_work *w);

/* Attach a network and satellites (rebuilds the adjacency; clears routes).
 * The pointers are borrowed until the next call. */
fai_status fai_lsm_work_reset(fai_lsm_work *w, const fai_lsm_net *net, const fai_lsm_sats *sats,
                              const fai_lsm_model *m, fai_error *err);
/* Routes to the nearest computing satellite by propagation delay.  pred:
 * [R][n_nodes] Dijkstra predecessors from each RS satellite (the sssp op's
 * output on the propagation graph), or NULL to run Dijkstra here.  Ties go
 * to the lowest computing-satellite index. */
void fai_lsm_route_shortest(fai_lsm_work *w, const int *pred, const double *dist);
/* Route of RS r along `nodes` (nodes[0] = rs[r], nodes[k-1] = cs[target]);
 * FAI_EINVAL naming the pair when two consecutive nodes share no ISL. */
fai_status fai_lsm_route_set(fai_lsm_work *w, int r, int target, int k, const int *nodes,
                             fai_error *err);
void fai_lsm_route_clear(fai_lsm_work *w, int r);
/* Loads for a scheme: lam_fix < 0 → active iff bisection would offload;
 * lam_fix == 0 → none; lam_fix > 0 → every routed RS satellite. */
void fai_lsm_loads(fai_lsm_work *w, double lam_fix);
int fai_lsm_link_load(const fai_lsm_work *w, int link); /* n_ab */
int fai_lsm_cs_load(const fai_lsm_work *w, int c);      /* n_c */
/* The offload_core.h terms of RS r under the current loads. */
void fai_lsm_terms(const fai_lsm_work *w, int r, double lam_fix, double out[4]);
/* Every RS: lam and delay under the current loads (bisection or lam_fix);
 * returns the objective. */
double fai_lsm_evaluate(fai_lsm_work *w, double lam_fix, double *lam, double *delay_s);
/* Congestion-aware routing from the current routes (see the header);
 * objective after each sweep in trace[0 .. sweeps] (trace[0]: the start;
 * may be NULL, else max_sweeps + 1 long).  Returns the sweeps done. */
int fai_lsm_congestion(fai_lsm_work *w, double *trace);
long long fai_lsm_work_moves(const fai_lsm_work *w); /* accepted route changes */
/* Route of r: returns its link count k (-1: no route); *target = computing
 * index (-1 none), links[0..k), nodes[0..k] (each may be NULL). */
int fai_lsm_route(const fai_lsm_work *w, int r, int *target, const int **links,
                  const int **nodes);

/* --- whole-timeline solve ------------------------------------------------------- */

typedef struct fai_lsm_params {
  fai_lsm_model model;
  fai_lsm_router router;
  const char *policy_file;   /* router policy */
  const char *instance_file; /* RS and computing satellites; NULL: drawn by seed */
  double rs_share;           /* share of RS satellites (0.10) */
  double cs_share;           /* share of computing satellites (0.05) */
  double data_bits;          /* D_r (5e8) */
  double rs_ops;             /* f_r (1e10 ops/s) */
  double cs_ops;             /* f_c (2e14 ops/s) */
  double isl_rate_bps;       /* <= 0: the scenario's isl.rate_bps */
  double link_efficiency;    /* usable share of the ISL rate, (0, 1] (1) */
  uint64_t seed;
  int threads;               /* OpenMP threads over snapshots (0: default) */
  int decisions;             /* 1: every (snapshot, RS) decision in the plan; 0: summary;
                                -1: all when snapshots × RS <= 2000 */
  int snap_chunk;            /* snapshots per backend batch (32) */
  double time_limit_s;       /* > 0: stop after this long, keeping the snapshots done */
} fai_lsm_params;
void fai_lsm_params_init(fai_lsm_params *p);

typedef struct fai_lsm_result {
  int n_sats, n_snaps, snaps_done, n_rs, n_cs;
  double mean_s[FAI_LSM_SCHEMES];       /* mean over snapshots of the objective */
  double best_reduction[FAI_LSM_SCHEMES]; /* max over snapshots of 1 − J_joint / J_s */
  double mean_reduction[FAI_LSM_SCHEMES]; /* mean over snapshots of 1 − J_joint / J_s */
  double mean_lambda;                   /* joint: mean λ over (snapshot, RS) */
  double mean_sweeps;                   /* congestion: sweeps per snapshot */
  int max_sweeps_used;
  long long moves;                      /* congestion: accepted route changes */
  long long unrouted;                   /* (snapshot, RS) with no computing sat reachable */
  long long policy_routes, policy_fallbacks;
  fai_outcome outcome;                  /* COMPLETE, INTERRUPTED or TIME_LIMIT */
  double timing_s[4];                   /* timeline, routing, evaluation, total */
} fai_lsm_result;

/* A scenario for Walker shells (the default of §7.2 is one 24 x 22 delta
 * shell): duration_s of step_s snapshots, +Grid ISLs, 10 Gbps, no ground
 * stations in use. */
fai_status fai_lsm_walker_scenario(fai_scenario *sc, const fai_constellation *cons,
                                   double duration_s, double step_s, uint64_t seed,
                                   fai_error *err);

/* Solve every snapshot of sc's timeline and fill the plan (inputs,
 * decisions, metrics, baselines, series).  On SIGINT/time limit: FAI_EINTR
 * or FAI_OK with res->outcome INTERRUPTED / TIME_LIMIT and the plan holding
 * the snapshots done. */
fai_status fai_lsm_solve(const fai_scenario *sc, const fai_lsm_params *p, const fai_backend *be,
                         const fai_progress *prog, fai_plan *plan, fai_lsm_result *res,
                         fai_error *err);

#ifdef __cplusplus
}
#endif
#endif
