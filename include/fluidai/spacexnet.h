/* Space-XNet: MoE layer and expert placement on a satellite ring (public).
 *
 * PAPERS.md §3.  The constellation (a Walker shell) is cut along the orbit
 * direction into L subnets, one MoE layer each, the last feeding the first
 * (ring); each subnet has a gateway; the experts of a layer go onto the
 * subnet's satellites by the sorted matching rule on expected path latency
 * d̄ (averaged over the timeline's snapshots and R link-failure draws).
 * Baselines RandPlace, RandIntra, RandIntra-CG and the ablation without the
 * central gateway are placed and evaluated by the same Monte Carlo token
 * latency model.  Every [P] choice of PAPERS.md is a field of
 * fai_sxn_params, initialised to the proposal by fai_sxn_params_init.
 *
 * Also here: the assignment helpers the solver and its tests share (sorted
 * matching, a Hungarian algorithm, the assignment MILP for GLPK). */
#ifndef FLUIDAI_SPACEXNET_H
#define FLUIDAI_SPACEXNET_H

#include <glpk.h>

#include "fluidai/backend.h"
#include "fluidai/log.h"
#include "fluidai/plan.h"
#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The methods, in the order they are reported. */
typedef enum fai_sxn_method {
  FAI_SXN_RANDPLACE = 0,   /* experts and gateways anywhere, at random */
  FAI_SXN_RANDINTRA = 1,   /* ring; random gateway and experts inside the subnet */
  FAI_SXN_RANDINTRA_CG = 2,/* ring + central gateway; random experts */
  FAI_SXN_NOCG = 3,        /* ablation: ring + sorted matching + random gateway */
  FAI_SXN_SPACEXNET = 4,   /* ring + central gateway + sorted matching */
  FAI_SXN_METHODS = 5
} fai_sxn_method;

const char *fai_sxn_method_name(int m); /* "RandPlace", ..., "Space-XNet" */

typedef enum fai_sxn_gateway_rule {
  FAI_SXN_GW_CENTER = 0, /* middle plane of the subnet (p = floor(P/2)), middle slot of the arc */
  FAI_SXN_GW_MEDOID = 1  /* least expected distance to the subnet's other satellites */
} fai_sxn_gateway_rule;

typedef enum fai_sxn_paths {
  FAI_SXN_PATHS_DIJKSTRA = 0, /* be->sssp from the gateways only */
  FAI_SXN_PATHS_FLOYD = 1     /* be->apsp per graph (all pairs; for comparison) */
} fai_sxn_paths;

/* Activation statistics: p[l][e] = P(expert e of layer l is in the top-K),
 * Σ_e p[l][e] = K.  Synthetic sets also carry the Plackett–Luce weights
 * used to draw top-K sets; file sets are drawn by systematic sampling,
 * which reproduces the marginals exactly. */
typedef struct fai_sxn_activation {
  int layers, experts, top_k;
  double *prob;    /* [L][E] */
  double *weight;  /* [L][E] Plackett–Luce weights (sum 1 per layer), NULL for files */
} fai_sxn_activation;

/* Dirichlet(alpha) weights per layer (alpha = INFINITY: uniform), keyed by
 * (seed, dataset), and their exact top-K inclusion probabilities. */
fai_status fai_sxn_activation_synthetic(int layers, int experts, int top_k, double alpha,
                                        uint64_t seed, int dataset, fai_sxn_activation *out,
                                        fai_error *err);
/* Text `layer expert prob` per line (0-based indices, '#' comments);
 * layers/experts are inferred.  Negative or > 1 probabilities, sums that
 * are not K (±1e-6), missing or repeated pairs: FAI_EINVAL at file:line. */
fai_status fai_sxn_activation_parse(const char *text, const char *file, int top_k,
                                    fai_sxn_activation *out, fai_error *err);
fai_status fai_sxn_activation_load(const char *path, int top_k, fai_sxn_activation *out,
                                   fai_error *err);
void fai_sxn_activation_free(fai_sxn_activation *a);
/* The K distinct experts of layer l for draw `index` (counter-based:
 * depends on (seed, index, l) only). */
void fai_sxn_draw_topk(const fai_sxn_activation *a, int l, uint64_t seed, uint64_t index,
                       int *out);

/* --- assignment ------------------------------------------------------------ */

/* Sorted matching: items with weights w[i] (activation probabilities) onto
 * slots with costs c[j] (expected latency), each slot taking at most
 * `capacity` items: heaviest item to cheapest slot.  Ties: lower index
 * first.  assign[i] = slot; returns Σ w[i]·c[assign[i]].  Needs
 * n_items <= capacity·n_slots.  O((n + m) log(n + m)). */
double fai_sxn_sorted_matching(int n_items, const double *w, int n_slots, const double *c,
                               int capacity, int *assign);
/* Minimum-cost assignment of n_rows rows to distinct columns of an
 * n_rows × n_cols cost matrix (n_rows <= n_cols), Hungarian algorithm with
 * potentials, O(n_rows²·n_cols).  row_to_col may be NULL; returns the cost
 * (NAN on bad sizes or no memory). */
double fai_assignment_hungarian(int n_rows, int n_cols, const double *cost, int *row_to_col);
/* The intra-layer assignment MILP: binary x_{i,j}, min Σ w_i c_j x_ij,
 * Σ_j x_ij = 1, Σ_i x_ij <= capacity.  Appended to *lp (rows and columns
 * named with `prefix`), so several layers can share one problem. */
fai_status fai_sxn_assignment_milp(glp_prob *lp, const char *prefix, int n_items, const double *w,
                                   int n_slots, const double *c, int capacity, fai_error *err);

/* --- the solver ------------------------------------------------------------- */

typedef struct fai_sxn_params {
  /* Constellation (one Walker-star shell by default) and links. */
  int planes;                     /* P (33) */
  int sats_per_plane;             /* S (32) */
  int phasing;                    /* F (0) */
  int delta;                      /* 1: Walker delta instead of star */
  double altitude_m;              /* 550 km */
  double inclination_rad;         /* 87° */
  int snapshots;                  /* 200 */
  double step_s;                  /* <= 0: orbital period / snapshots */
  double max_pointing_rate_rad_s; /* ISL PAT angular-rate limit (0.12); <= 0: none */
  double survival_p;              /* per-(draw, snapshot, link) survival (0.95) */
  double isl_rate_bps;            /* 100 Gbps */
  int failure_draws;              /* R (10) */
  uint64_t seed;                  /* failures, activations and random baselines */
  /* Model and placement. */
  int layers;                     /* L (32) */
  int experts;                    /* E per layer (8) */
  int top_k;                      /* K (2) */
  int plane_cut;                  /* 0: subnets are bands of slots across the planes (PAPERS);
                                     1: subnets are whole planes ([P] alternative) */
  int arc;                        /* slots (planes with plane_cut) per subnet (0: S / L, P / L) */
  fai_sxn_gateway_rule gateway;   /* center */
  int return_to_own_gateway;      /* 0: g_l → expert → g_{l+1}; 1: g_l → e → g_l, then g_{l+1} */
  int experts_per_satellite;      /* capacity (1 = one expert per satellite) */
  double unreachable_penalty_s;   /* latency charged for an unreachable leg (1 s) */
  /* Compute (FLOPs per token; PAPERS §3.2). */
  double flops_per_s;             /* effective satellite compute (7.28e9, SBC-2A72 at 70 %) */
  double d_model;                 /* 4096 */
  double d_ff;                    /* FFN width of the dense model, split over E experts (11008) */
  double vocab;                   /* LM head width (32000) */
  double n_ctx;                   /* context for the attention term 4·n_ctx·d_model (512) */
  double token_bytes;             /* hidden state sent per hop (d_model · 2 bytes; 0: that) */
  double hop_delay_s;             /* per-hop processing delay (0) */
  /* Activation statistics. */
  double dirichlet_alpha;         /* 0.5; INFINITY: uniform */
  int datasets;                   /* synthetic sets (seed per "dataset"), 1 */
  const char *activation_file;    /* NULL: synthetic */
  /* Evaluation. */
  long tokens;                    /* Monte Carlo tokens per dataset (20000), spread over graphs */
  fai_sxn_paths paths;            /* dijkstra */
  int expected_only;              /* 1: stop after d̄ and the placement (benchmarks) */
  int snap_chunk;                 /* graphs per backend batch (32) */
  double time_limit_s;            /* > 0: stop the Monte Carlo after this long */
  const char *export_milp;        /* write the assignment MILP (.lp/.mps); NULL none */
  int export_layer;               /* -1: all layers in one problem */
} fai_sxn_params;

void fai_sxn_params_init(fai_sxn_params *p);

/* Summary of a solve, for printing and tests (the plan holds everything). */
typedef struct fai_sxn_result {
  int n_sats, n_graphs, layers, experts, datasets;
  double mean_s[FAI_SXN_METHODS];          /* mean token latency over datasets */
  double p95_s[FAI_SXN_METHODS];           /* 95th percentile over all tokens */
  double ds_min_s[FAI_SXN_METHODS];        /* range of per-dataset means */
  double ds_max_s[FAI_SXN_METHODS];
  double objective[FAI_SXN_METHODS];       /* Σ_l Σ_e p·d̄ of the placement (dataset 0) */
  long long unreachable_expected;          /* legs charged the penalty while averaging d̄ */
  long long unreachable_tokens;            /* token legs charged the penalty */
  long tokens_done;                        /* per dataset */
  double compute_s;                        /* compute part of one token (s) */
  fai_outcome outcome;
} fai_sxn_result;

/* Build the constellation timeline and failure draws, place, evaluate, and
 * fill *plan (fai_plan_init done by the caller).  FAI_EINTR with
 * res->outcome INTERRUPTED keeps the plan of the tokens done. */
fai_status fai_sxn_solve(const fai_sxn_params *p, const fai_backend *be, const fai_progress *prog,
                         fai_plan *plan, fai_sxn_result *res, fai_error *err);

#ifdef __cplusplus
}
#endif
#endif
