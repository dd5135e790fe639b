/* SlimCaching: placing the experts of a Mixture-of-Experts model on edge
 * servers and user devices to minimise the mean per-token latency (public).
 * PAPERS.md §2.
 *
 * Nodes v = 0..N−1 are edge servers, v = N+u is user u's own device (only u
 * reads it).  Expert (l, e) costs expert_bytes[l] of storage; user u reaches
 * it on node v in tau[u][v][l] seconds (INFINITY: v out of u's reach), or
 * falls back to the cloud in tau_far[u][l].  Under a placement x[v][l][e]
 *   τ_{u,l,e}(x) = min(tau_far[u][l], min_{v : x[v][l][e]} tau[u][v][l]),
 *   latency(x)   = Σ_u w_u Σ_l Σ_S π_{u,l}(S) · max_{e∈S} τ_{u,l,e}(x)
 * where π_{u,l} is the empirical distribution of the top-K sets S of a trace
 * (PAPERS §2.2; constant per-token costs are left out).  The gain of x is
 * latency(∅) − latency(x) ≥ 0.  K = 1 makes the gain a facility-location
 * function (monotone submodular); K ≥ 2 does not (co-activation). */
#ifndef FLUIDAI_SLIMCACHE_H
#define FLUIDAI_SLIMCACHE_H

#include <glpk.h>
#include <stdint.h>

#include "fluidai/backend.h"
#include "fluidai/caching.h"
#include "fluidai/library.h"
#include "fluidai/plan.h"
#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FAI_SLIM_MAX_EXPERTS 64  /* E per layer (expert sets are 64-bit masks) */

/* A token-level activation trace: row r is (user[r], layer[r], experts[r·K .. r·K+K)). */
typedef struct fai_slim_trace {
  int K;             /* experts per row */
  int64_t n;         /* rows */
  int *user;         /* [n] */
  int *layer;        /* [n] */
  int *experts;      /* [n][K] distinct, in [0, E) */
} fai_slim_trace;
void fai_slim_trace_free(fai_slim_trace *t);

/* Synthetic trace (PAPERS §2.5): per (user, layer, topic) Zipf(gamma) weights
 * over a random permutation of the experts; each token draws a topic
 * uniformly from `topics` (1: none) and its top-K set by Plackett–Luce
 * sampling without replacement.  Draws keyed (seed, FAI_STREAM_ACTIVATION). */
fai_status fai_slim_trace_synth(int users, int layers, int experts, int top_k, int tokens,
                                double gamma, int topics, uint64_t seed, fai_slim_trace *out,
                                fai_error *err);
/* Text trace, one token per line: `user layer e1 … eK` (0-based; '#' starts a
 * comment).  A wrong count, an index out of range or a repeated expert is
 * an error with file:line. */
fai_status fai_slim_trace_load(const char *path, int users, int layers, int experts, int top_k,
                               fai_slim_trace *out, fai_error *err);

/* The solver's view of an instance. */
typedef struct fai_slim_instance {
  int N, U, L, E, K;       /* servers, users, layers, experts per layer, top-K */
  int V;                   /* nodes: N + U */
  int64_t *node_bytes;     /* [V] storage for experts */
  int64_t *expert_bytes;   /* [L] > 0 */
  double *w;               /* [U] user weights, sum 1 */
  double *tau;             /* [U][V][L] access latency (s), INFINITY when unreachable */
  double *tau_far;         /* [U][L] cloud fallback (s) */
  int64_t *set_off;        /* [U·L + 1] activation sets of (u, l) */
  uint64_t *set_mask;      /* [sets] expert set S as a bit mask */
  double *set_prob;        /* [sets] π_{u,l}(S) */
} fai_slim_instance;
void fai_slim_instance_free(fai_slim_instance *si);

/* Latency model (PAPERS §2.2, §2.6). */
typedef struct fai_slim_model {
  double device_flops;     /* f_u (2e12) */
  double edge_flops;       /* f_n (50e12) */
  double cloud_flops;      /* f_cloud (100e12) */
  double cloud_rate_bps;   /* R_{u,cloud} (100e6) */
  double backhaul_s;       /* T_bh (0.05) */
  int64_t device_bytes;    /* Q_u for every device (0: no local caching) */
  int64_t server_bytes;    /* Q_n for every server (< 0: the instance's capacities) */
} fai_slim_model;
void fai_slim_model_init(fai_slim_model *m);

/* Build from an edge caching instance (servers, users, link rates) and an
 * MoE profile, with the trace's empirical set frequencies (users weighted
 * equally).  τ_{u,n,l} = 2·8·hidden_bytes/R_{u,n} + flops_l/f_n. */
fai_status fai_slim_instance_from_edge(const fai_cache_instance *ci, const fai_moe_profile *moe,
                                       const fai_slim_model *mm, const fai_slim_trace *tr,
                                       fai_slim_instance *out, fai_error *err);
/* Only the sets from a trace (tau, capacities already filled by the caller):
 * for tests and tools building instances in memory. */
fai_status fai__slim_set_trace(fai_slim_instance *si, const fai_slim_trace *tr, fai_error *err);

/* Mean per-token latency (s) of x[V][L][E] (0/1 bytes), serially on the
 * host with the cores of kernels/cache_core.h (the backend op moe_latency
 * gives the same bits for batches of placements). */
double fai_slim_latency(const fai_slim_instance *si, const uint8_t *x);
/* The backend's view of the instance (pointers into si). */
fai_moe_view fai_slim_view(const fai_slim_instance *si);
/* First node over its storage, or −1. */
int fai_slim_storage_check(const fai_slim_instance *si, const uint8_t *x);

typedef enum fai_slim_algo {
  FAI_SLIM_G1 = 0,          /* greedy (density and gain rules) with partial enumeration */
  FAI_SLIM_SGD = 1,         /* node-by-node; per-layer tables + (max,+) convolution over capacity */
  FAI_SLIM_SGD_FAST = 2,    /* same, (min,+) convolution in the rounded value domain, (1−ε) per node */
  FAI_SLIM_POPULAR = 3,     /* per node, experts by reachable activation mass until full */
  FAI_SLIM_RANDOM = 4,      /* per node, experts in random order when they fit */
  FAI_SLIM_G1_MARGINAL = 5, /* G1 on the K = 1 surrogate with marginals q (ignores co-activation) */
  FAI_SLIM_MILP = 6         /* exact MILP (GLPK), small instances */
} fai_slim_algo;
const char *fai_slim_algo_name(fai_slim_algo a);
int fai_slim_algo_parse(const char *s, fai_slim_algo *out); /* 0 ok */

typedef struct fai_slim_params {
  fai_slim_algo algo;
  int enum_depth;          /* g1: seeds of up to d elements (1); 0 = plain greedy */
  double eps;              /* sgd-fast: ε in (0, 1] (0.1) */
  int exact_max_experts;   /* sgd: per-layer tables by subset enumeration when E <= this (12),
                              greedy within the layer otherwise */
  double time_limit_s;     /* milp (<= 0 none) */
  uint64_t seed;           /* random baseline */
  int threads;             /* OpenMP threads (0 default); results do not depend on it */
  const fai_backend *be;   /* evaluates placements (moe_latency); NULL: the cpu backend
                              with `threads`.  Plans do not depend on it. */
} fai_slim_params;
void fai_slim_params_init(fai_slim_params *p);

typedef struct fai_slim_result {
  uint8_t *x;              /* [V][L][E], owned */
  double latency_s;        /* mean per-token latency */
  double base_latency_s;   /* with nothing cached */
  double bound_s;          /* milp: lower bound on the latency (NaN otherwise) */
  fai_outcome outcome;
  double seconds;
} fai_slim_result;
void fai_slim_result_free(fai_slim_result *r);

fai_status fai_slim_solve(const fai_slim_instance *si, const fai_slim_params *p,
                          fai_slim_result *out, fai_error *err);
/* The exact MILP of PAPERS §2.2 into an empty problem (latencies in ms). */
fai_status fai_slim_milp_build(const fai_slim_instance *si, glp_prob *lp, fai_error *err);
/* Plan: inputs, decisions (experts per node), objective (latency, min), gain. */
fai_status fai_slim_plan(const fai_slim_instance *si, const fai_slim_params *p,
                         const fai_slim_result *r, fai_plan *plan, fai_error *err);

#ifdef __cplusplus
}
#endif
#endif
