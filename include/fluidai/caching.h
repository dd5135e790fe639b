/* Edge and satellite model caching: instances, placement evaluation and the
 * TrimCaching solvers (public).  PAPERS.md §1 (TrimCaching); the instance and
 * evaluation parts are shared with SlimCaching (§2) and MBA (§5).
 *
 * An instance has M caches (edge servers or satellites) with capacities Q_m
 * (bytes), K users with request probabilities p[k][i] over the I models of a
 * library (rows sum to 1), and a deliverability relation a[t][m][k][i] over
 * T snapshots (T = 1 for edge servers): model i placed on cache m is a hit
 * for user k in snapshot t when a = 1.  The hit ratio of a placement x is
 *   H_t(x) = (1/K) Σ_k Σ_i p[k][i] [1 − Π_m (1 − a[t][m][k][i] x[m][i])],
 *   H(x)   = (1/T) Σ_t H_t(x)         (a placement is fixed for the horizon).
 *
 * Compact form of a (never stored densely): a list of *links* (t, m, k) —
 * user k inside cache m's coverage in snapshot t — sorted by (t, m), with
 * either a link rate (edge, satellite: a = rate >= req_rate[k][i], the rate
 * model i needs to arrive within its latency budget) or an explicit bitset of
 * deliverable models (matrix instances).  A second index lists each (t, k)'s
 * links.  Memory O(links·(1 + I/32·[matrix]) + K·I).
 *
 * Instance file "fluidai-cache-instance": README "Caching instance".
 * Three kinds: "matrix" (a given), "edge" (positions, coverage radius, 3GPP
 * path loss, bandwidth split), "satellite" (an orbitgen scenario with users:
 * visibility and link rate per snapshot). */
#ifndef FLUIDAI_CACHING_H
#define FLUIDAI_CACHING_H

#include <glpk.h>
#include <jansson.h>
#include <stdint.h>

#include "fluidai/library.h"
#include "fluidai/log.h"
#include "fluidai/orbitgen.h"
#include "fluidai/plan.h"
#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fai_cache_kind {
  FAI_CACHE_MATRIX = 0,    /* a[t][m][k][i] given in the file */
  FAI_CACHE_EDGE = 1,      /* terrestrial servers: coverage disc + 3GPP radio, T = 1 */
  FAI_CACHE_SATELLITE = 2  /* satellites of an orbitgen timeline, T snapshots */
} fai_cache_kind;
const char *fai_cache_kind_name(fai_cache_kind k); /* "matrix", "edge", "satellite" */

/* Philox index namespaces (top byte of the index) for the instance's draws. */
#define FAI_CACHE_NS_PERM (1ull << 56)    /* FAI_STREAM_WORKLOAD: per-user Zipf permutation */
#define FAI_CACHE_NS_TBAR (2ull << 56)    /* FAI_STREAM_WORKLOAD: latency requirement per (k, i) */
#define FAI_CACHE_NS_POS (3ull << 56)     /* FAI_STREAM_GENERATOR: positions (generator) */
#define FAI_CACHE_NS_RANDOM (4ull << 56)  /* FAI_STREAM_WORKLOAD: random baseline */

typedef struct fai_cache_instance {
  char name[FAI_LIB_ID_MAX];
  char source[FAI_ERROR_FILE_MAX];  /* file name, or "<memory>" */
  fai_cache_kind kind;
  uint64_t seed;
  fai_library lib;                  /* owned */
  int M, K, I, T;                   /* caches, users, models (= lib.n_models), snapshots */
  int64_t *capacity_bytes;          /* [M] */
  double *p;                        /* [K][I] request probabilities, rows sum to 1 */
  double *tbar_s;                   /* [K][I] latency requirement (NULL: matrix) */
  double inference_s;               /* on-device inference time t^inf */
  double *req_rate_bps;             /* [K][I] least link rate delivering i to k in time (inf: never) */
  double *snap_t_s;                 /* [T] snapshot times (0 for edge/matrix) */
  double *server_xy_m;              /* [M][2] edge positions (NULL otherwise) */
  double *user_xy_m;                /* [K][2] edge positions (NULL otherwise) */
  /* Links (t, m, k), sorted by (t, m, k). */
  int64_t n_links;                  /* E */
  int64_t *tm_off;                  /* [T·M + 1] links of (t, m): [tm_off[t·M+m], tm_off[t·M+m+1]) */
  int *link_user;                   /* [E] k */
  int *link_server;                 /* [E] m */
  double *link_rate_bps;            /* [E] (edge, satellite; NULL for matrix) */
  int mask_words;                   /* (I + 31) / 32 */
  uint32_t *link_mask;              /* [E][mask_words] deliverable models (matrix; NULL otherwise) */
  int64_t *tk_off;                  /* [T·K + 1] links of (t, k) in tk_link */
  int64_t *tk_link;                 /* [E] link ids, by (t, k, m) */
  fai_error_list warnings;          /* normalised probabilities, useless caches, ... */
} fai_cache_instance;

void fai_cache_instance_init(fai_cache_instance *inst);
void fai_cache_instance_free(fai_cache_instance *inst);

/* Load an instance file (library paths relative to it; a satellite
 * instance's timeline is rebuilt on `be`, NULL = cpu).  Warnings go to
 * inst->warnings and the log. */
fai_status fai_cache_instance_load_file(const char *path, const fai_backend *be,
                                        fai_cache_instance *inst, fai_error *err);
fai_status fai_cache_instance_load_string(const char *text, const char *name,
                                          const fai_backend *be, fai_cache_instance *inst,
                                          fai_error *err);

/* In-memory matrix instance (tests, tools): takes ownership of *lib (left
 * empty); copies cap[M], p[K][I] (normalised like a file's) and the dense
 * a[T][M][K][I] (0/1 bytes). */
fai_status fai_cache_instance_from_matrix(fai_cache_instance *inst, fai_library *lib, int M, int K,
                                          int T, const int64_t *cap, const double *p,
                                          const uint8_t *a, fai_error *err);

/* a[t][m][k][i] for one entry (O(log links); for tests and small tools). */
int fai_cache_deliverable(const fai_cache_instance *inst, int t, int m, int k, int i);

/* Instance generator (`fluidai cache gen`): the instance document (new
 * reference) with the library inline or by path. */
typedef struct fai_cache_gen_params {
  fai_cache_kind kind;         /* EDGE or SATELLITE */
  int servers;                 /* edge: M (10) */
  int users;                   /* edge: K (30) */
  double area_m;               /* edge: side of the square area (1000) */
  double radius_m;             /* edge: coverage radius (300) */
  double bandwidth_hz;         /* edge: B_m (100e6) */
  double tx_power_dbm;         /* edge: P_m (43) */
  double noise_dbm_hz;         /* edge: N0 (-174) */
  int bandwidth_split;         /* split B_m equally among covered users (edge 1, satellite 0) */
  double capacity_bytes;       /* Q_m for every cache (1e9) */
  double zipf_gamma;           /* 0.8 */
  int permute;                 /* per-user random ranking of models (1) */
  double tbar_min_s, tbar_max_s; /* latency requirement U[min, max] per (k, i) (0.5, 1.0) */
  double inference_s;          /* t^inf (0) */
  const char *scenario;        /* satellite: scenario file with users (NULL: error) */
  const char *library_path;    /* reference this library file instead of generating one */
  fai_libgen_params lib;       /* otherwise: generated inline */
  uint64_t seed;               /* (1) */
} fai_cache_gen_params;
void fai_cache_gen_params_init(fai_cache_gen_params *p);
fai_status fai_cache_generate(const fai_cache_gen_params *p, json_t **doc, fai_error *err);

/* --- placements ----------------------------------------------------------------- */

/* x[m][i] = 1: model i cached on m (all its blocks stored there once). */
typedef struct fai_cache_placement {
  int M, I, T;
  uint8_t *x;                  /* [M][I] */
  int64_t *used_bytes;         /* [M] bytes of the union of stored blocks */
  double hit_ratio;            /* H(x) */
  double *hit_snap;            /* [T] H_t(x) */
  fai_outcome outcome;         /* COMPLETE (heuristics), or the MILP's outcome */
  double bound;                /* upper bound on the optimum when known (MILP), else NaN */
  double seconds;              /* solve time */
  double gains_s;              /* gen, indep: time in gain evaluations (initial pass, re-evaluations) */
  int64_t gain_evals;          /* gen, indep: (cache, model) gains evaluated */
} fai_cache_placement;

fai_status fai_cache_placement_alloc(fai_cache_placement *pl, const fai_cache_instance *inst,
                                     fai_error *err);
void fai_cache_placement_free(fai_cache_placement *pl);

/* Used bytes of each cache (a shared block counted once) into used[M];
 * returns the first cache over its capacity, or -1 when all fit. */
int fai_cache_storage(const fai_cache_instance *inst, const uint8_t *x, int64_t *used);
/* H_t for every snapshot and their mean; threads: 0 = OpenMP default.  The
 * sums run in index order, so the bits do not depend on threads. */
fai_status fai_cache_evaluate(const fai_cache_instance *inst, const uint8_t *x, int threads,
                              double *hit_snap, double *hit_ratio, fai_error *err);
/* The same for n placements x[c][M][I] on a backend (NULL: cpu with its
 * default threads): hit_snap[c·T + t] (may be NULL), hit_ratio[c] (may be
 * NULL).  Identical bits on every backend and thread count. */
fai_status fai_cache_evaluate_batch(const fai_cache_instance *inst, const fai_backend *be, int n,
                                    const uint8_t *x, double *hit_snap, double *hit_ratio,
                                    fai_error *err);

/* --- TrimCaching -------------------------------------------------------------------- */

typedef enum fai_trim_algo {
  FAI_TRIM_SPEC = 0,     /* successive per-server DP over shared-block combinations, (1−ε)/2 */
  FAI_TRIM_GEN = 1,      /* greedy over (server, model), rule gain|ratio|best */
  FAI_TRIM_INDEP = 2,    /* greedy by gain, each model charged its full size (no sharing) */
  FAI_TRIM_POPULAR = 3,  /* per server, most requested covered models first, until full */
  FAI_TRIM_RANDOM = 4,   /* per server, models in random order, added when they fit */
  FAI_TRIM_MILP = 5      /* exact MILP of PAPERS §1.2 with GLPK */
} fai_trim_algo;
const char *fai_trim_algo_name(fai_trim_algo a);
int fai_trim_algo_parse(const char *s, fai_trim_algo *out); /* 0 ok */

typedef enum fai_trim_dp {
  FAI_TRIM_DP_VALUE = 0,  /* value-scaling FPTAS: (1−ε)-optimal knapsack per server */
  FAI_TRIM_DP_WEIGHT = 1  /* exact DP over capacity in units of unit_bytes (sizes rounded up) */
} fai_trim_dp;

typedef enum fai_trim_rule {
  FAI_TRIM_RULE_GAIN = 0,  /* largest hit-ratio gain (lazy priority queue) */
  FAI_TRIM_RULE_RATIO = 1, /* largest gain per added byte */
  FAI_TRIM_RULE_BEST = 2   /* both; keep the better placement (gain on ties) */
} fai_trim_rule;

typedef struct fai_trim_params {
  fai_trim_algo algo;
  double eps;              /* spec, value DP: ε in (0, 1] (0.1) */
  fai_trim_dp dp;          /* spec: knapsack (VALUE) */
  int64_t unit_bytes;      /* spec, weight DP: capacity unit; 0 = gcd of block sizes, doubled until
                              capacity/unit <= 2^22 (then sizes round up: feasible, inexact) */
  int order_demand;        /* spec: servers by descending reachable demand (0: index order) */
  int max_shared;          /* spec: refuse more shared blocks than this (20) */
  fai_trim_rule rule;      /* gen (GAIN) */
  int lazy;                /* gen, rule gain: lazy priority queue (1); 0 = full re-scan */
  int popular_share;       /* popular: count shared blocks once (1); 0 = full model sizes */
  double time_limit_s;     /* milp: GLPK time limit (<= 0 none) */
  uint64_t seed;           /* random baseline */
  int threads;             /* OpenMP threads for gains and evaluation (0 = default) */
  const fai_backend *be;   /* backend for gains and evaluation (NULL: cpu with `threads`) */
} fai_trim_params;
void fai_trim_params_init(fai_trim_params *p);

/* Solve; the placement always satisfies every storage constraint. */
fai_status fai_trim_solve(const fai_cache_instance *inst, const fai_trim_params *p,
                          fai_cache_placement *out, fai_error *err);
/* The exact MILP (PAPERS §1.2) into an empty problem: columns x_m_i, y_m_j
 * (binary), z_t_k_i (continuous [0,1]); maximise (1/(T·K)) Σ p z. */
fai_status fai_trim_milp_build(const fai_cache_instance *inst, glp_prob *lp, fai_error *err);
/* Fill a plan: inputs (instance summary, parameters), decisions (per cache:
 * models, stored blocks, used bytes), objective, metrics (per-snapshot hit
 * ratio when T > 1), outcome; timing in the .run.json part. */
fai_status fai_trim_plan(const fai_cache_instance *inst, const fai_trim_params *p,
                         const fai_cache_placement *pl, fai_plan *plan, fai_error *err);

#ifdef __cplusplus
}
#endif
#endif
