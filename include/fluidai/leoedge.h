/* LEOEdge: layered satellite → scheduler → server → container offloading
 * (public).  PAPERS.md §11.1, §11.2, §11.5.
 *
 * Problem.  Tasks k of satellites i(k) may run locally or be offloaded through
 * the ground station's load-balancing scheduler (LBS) to server s and one of
 * its containers o.  Offloading task k to container o is worth
 *   B_ko = F(α·Δc_ko + (1 − α)·Δa_k),
 *   Δc_ko = c(m_i) − c_o(m_e) − d_k   (milliseconds),  d_k = t_k·p_i / l_i,
 *   Δa_k  = a_s − a_i                  (percentage points),
 * so one accuracy point weighs like one millisecond; F is log(1 + x/x0),
 * sqrt(x/x0) or min(x/x0, 100), with x0 = 1 ms and F(x) = 0 for x < 0.
 * c_o(m_e) = wait_o + work_k / (speed_o·(1 − b_o)) is the container's time.
 * Container load (utilisation over a window H): L_o = b_o + Σ_k w_ko·y_ko,
 * w_ko = work_k / (speed_o·H), capped by L_o <= P.
 *
 * Relaxed three-layer problem (y ∈ [0,1]):
 *   max Σ_ko B_ko y3_ko
 *   s.t. y1_k = Σ_s y2_ks          (satellite k ↔ LBS, multiplier λ_k)
 *        y2_ks = Σ_{o∈s} y3_ko     (LBS ↔ server s, multiplier μ_ks)
 *        Σ_k w_ko y3_ko <= P − b_o (server s ↔ its container o, η_o >= 0)
 * It is linear in y for every F (F acts on data), so its optimum is an LP
 * optimum: the central reference is GLPK's simplex on it, cross-checked by
 * NLopt SLSQP.  The distributed solver is the projected primal–dual
 * (sub)gradient iteration of §11.2 in its convergent form (Chambolle–Pock:
 * the dual step uses the extrapolated primal 2y⁺ − y; diagonal step sizes
 * per layer), see solvers/offload/leoedge_solve.c.  Its stopping rule is a
 * certificate: the dual bound U(λ, μ, η) and the value of a feasible
 * repair of the iterate differ by at most tol·U, so the relaxed value it
 * reports is within tol of the optimum without knowing it.
 *
 * Instance file "fluidai-leoedge-instance" (README "fluidai offload leoedge"):
 *   { "format": "fluidai-leoedge-instance", "version": 1, "name": "...", "seed": 1,
 *     "alpha": 0.5, "load_cap": 0.5, "window_s": 10,
 *     "ground_model": {"accuracy": 0.8},
 *     "satellites": [ {"id": "sat0", "rate_bps": 10e6, "loss_factor": 1.1,
 *                      "accuracy": 0.72,
 *                      "tasks": [ {"bits": 1e6, "local_s": 0.45, "work_s": 0.15} ] } ],
 *     "servers": [ {"id": "srv0", "containers": [ {"speed": 1, "base_load": 0.3,
 *                                                  "wait_s": 0} ] } ] } */
#ifndef FLUIDAI_LEOEDGE_H
#define FLUIDAI_LEOEDGE_H

#include <jansson.h>
#include <stdint.h>

#include "fluidai/backend.h"
#include "fluidai/log.h"
#include "fluidai/plan.h"
#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fai_leo_benefit {
  FAI_LEO_F_LOG = 0,    /* log(1 + x/x0) */
  FAI_LEO_F_SQRT = 1,   /* sqrt(x/x0) */
  FAI_LEO_F_LINCAP = 2  /* min(x/x0, 100) */
} fai_leo_benefit;

typedef enum fai_leo_algo {
  FAI_LEO_DISTRIBUTED = 0, /* layered primal–dual iteration + rounding (default) */
  FAI_LEO_CENTRAL = 1,     /* GLPK simplex on the relaxation + the same rounding */
  FAI_LEO_THRESHOLD = 2,   /* baseline: offload when local time > threshold, least-loaded container */
  FAI_LEO_WORKLOAD = 3     /* baseline: offload while mean container load < load cap */
} fai_leo_algo;

int fai_leo_benefit_parse(const char *s, fai_leo_benefit *out); /* 0 ok */
const char *fai_leo_benefit_name(fai_leo_benefit b);
int fai_leo_algo_parse(const char *s, fai_leo_algo *out);       /* 0 ok */
const char *fai_leo_algo_name(fai_leo_algo a);
/* F(x) with x in ms-equivalent (x0 = 1); 0 for x <= 0. */
double fai_leo_F(fai_leo_benefit b, double x);

typedef struct fai_leo_instance {
  char name[64];
  uint64_t seed;
  double alpha;          /* weight of latency vs accuracy, [0,1] */
  double load_cap;       /* P, (0, 1] */
  double window_s;       /* H: load window (s) */
  double ground_acc;     /* a_s in [0,1] */
  int n_sats;
  char (*sat_id)[32];    /* [N] */
  double *rate_bps;      /* [N] l_i */
  double *loss;          /* [N] p_i (> 0, multiplies the transfer time) */
  double *sat_acc;       /* [N] a_i */
  int n_tasks;           /* K */
  int *task_sat;         /* [K] i(k) */
  double *bits;          /* [K] t_k */
  double *local_s;       /* [K] c(m_i) of the task, queueing included */
  double *work_s;        /* [K] ground CPU work on a speed-1 container (s) */
  int n_servers;         /* J */
  char (*srv_id)[32];    /* [J] */
  int n_cont;            /* O (over all servers) */
  int *cont_srv;         /* [O] server of container o (containers grouped by server) */
  int *srv_first;        /* [J + 1] containers of server s: srv_first[s] .. srv_first[s+1]-1 */
  double *speed;         /* [O] relative speed (1 = 4 cores at 4 GHz) */
  double *base_load;     /* [O] b_o */
  double *wait_s;        /* [O] current backlog (s) */
} fai_leo_instance;

void fai_leo_instance_init(fai_leo_instance *in);
void fai_leo_instance_free(fai_leo_instance *in);
/* Allocate arrays for N satellites, K tasks, J servers, O containers. */
fai_status fai_leo_instance_alloc(fai_leo_instance *in, int n_sats, int n_tasks, int n_servers,
                                  int n_cont, fai_error *err);
/* Strict reader (unknown keys, wrong types, ranges → FAI_EINVAL with path). */
fai_status fai_leo_instance_load_file(const char *path, fai_leo_instance *in, fai_error *err);
fai_status fai_leo_instance_load_string(const char *text, const char *name, fai_leo_instance *in,
                                        fai_error *err);
json_t *fai_leo_instance_to_json(const fai_leo_instance *in);

typedef struct fai_leo_gen_params {
  int satellites, tasks_per_sat, servers, containers; /* containers per server */
  uint64_t seed;
} fai_leo_gen_params;
void fai_leo_gen_params_init(fai_leo_gen_params *g); /* 6 × 3 tasks, 3 servers × 4 containers */
fai_status fai_leo_generate(const fai_leo_gen_params *g, fai_leo_instance *in, fai_error *err);

typedef struct fai_leo_params {
  fai_leo_algo algo;
  fai_leo_benefit benefit;
  double alpha;          /* NaN: the instance's */
  double load_cap;       /* NaN: the instance's */
  double tol;            /* relative certificate gap of the distributed solver (1e-7) */
  int max_iter;          /* iteration cap of the distributed solver (200000) */
  int reference;         /* also solve centrally and report the gap (1) */
  double threshold_ms;   /* threshold baseline (20) */
} fai_leo_params;
void fai_leo_params_init(fai_leo_params *p);

/* Per-layer accounting of the distributed solver. */
typedef struct fai_leo_layer_stats {
  long long iter_top, iter_mid, iter_bot;       /* updates of (y1,λ), (y2,μ), (y3,η) */
  long long msg_sat_lbs, msg_lbs_srv, msg_srv_cont; /* scalar messages per layer pair */
} fai_leo_layer_stats;

typedef struct fai_leo_solution {
  int K, O;
  double *benefit;       /* [K·O] B_ko */
  double *y;             /* [K·O] relaxed y3 (feasible) */
  int *cont;             /* [K] container after rounding, −1 = local */
  double relaxed;        /* Σ B y of the relaxed solution */
  double bound;          /* dual bound U (distributed) or the LP optimum (central) */
  double rounded;        /* Σ B of the 0/1 decisions */
  double reference;      /* central LP optimum (NaN when not computed) */
  double ref_gap;        /* (reference − relaxed) / max(1e-12, reference) */
  double *load;          /* [O] L_o after rounding */
  int converged;         /* distributed: certificate reached */
  fai_leo_layer_stats st;
  fai_outcome outcome;
} fai_leo_solution;

void fai_leo_solution_free(fai_leo_solution *s);

/* B_ko for the instance (benefit [K·O]). */
void fai_leo_benefits(const fai_leo_instance *in, fai_leo_benefit F, double alpha, double *benefit);

/* Solve per params->algo. */
fai_status fai_leo_solve(const fai_leo_instance *in, const fai_leo_params *p,
                         fai_leo_solution *sol, fai_error *err);

/* Relaxed problem: the layered distributed iteration (y [K·O] out). */
typedef struct fai_leo_relaxed {
  int K, O, J;
  const int *cont_srv;   /* [O] */
  const double *B;       /* [K·O] */
  const double *w;       /* [K·O] load per unit y */
  const double *cap;     /* [O] P − b_o (>= 0) */
} fai_leo_relaxed;
fai_status fai_leo_relaxed_distributed(const fai_leo_relaxed *r, double tol, int max_iter,
                                       double *y, double *value, double *bound,
                                       fai_leo_layer_stats *st, int *converged, fai_error *err);
/* The same iteration from a given starting point: x = (y1[K], y2[K·J],
 * y3[K·O]) and d = (λ[K], μ[K·J], η[O]) are read as the start (η clipped
 * at 0, y to [0,1]) and overwritten with the final iterate, so a sequence
 * of related problems can reuse the last prices (warm start).  Same
 * certificate and outputs as fai_leo_relaxed_distributed, which is this
 * with zeros. */
typedef struct fai_leo_warm {
  double *x; /* [K·(1 + J + O)] */
  double *d; /* [K·(1 + J) + O] */
} fai_leo_warm;
fai_status fai_leo_relaxed_distributed_warm(const fai_leo_relaxed *r, double tol, int max_iter,
                                            fai_leo_warm *warm, double *y, double *value,
                                            double *bound, fai_leo_layer_stats *st, int *converged,
                                            fai_error *err);
/* Central LP optimum by GLPK (y may be NULL). */
fai_status fai_leo_relaxed_glpk(const fai_leo_relaxed *r, double *y, double *value,
                                fai_error *err);
/* The same by NLopt SLSQP on (y3) with the task and load constraints. */
fai_status fai_leo_relaxed_nlopt(const fai_leo_relaxed *r, double *y, double *value,
                                 fai_error *err);
/* Largest-fraction-first rounding under the load caps: cont[K] (−1 local);
 * pairs with B_ko <= 0 are never chosen.  Returns Σ B. */
double fai_leo_round(const fai_leo_relaxed *r, const double *y, int *cont);

fai_status fai_leo_plan(const fai_leo_instance *in, const fai_leo_params *p,
                        const fai_leo_solution *s, fai_plan *plan, fai_error *err);

/* --- discrete-event simulation (§11.5) ------------------------------------------ */

typedef enum fai_leo_load_level { FAI_LEO_LIGHT = 0, FAI_LEO_NORMAL = 1, FAI_LEO_HEAVY = 2 } fai_leo_load_level;
typedef enum fai_leo_scheme {
  FAI_LEO_S_LEOEDGE = 0, FAI_LEO_S_THRESHOLD = 1, FAI_LEO_S_WORKLOAD = 2, FAI_LEO_S_COUNT = 3
} fai_leo_scheme;

typedef struct fai_leo_sim_params {
  fai_leo_load_level load;
  double duration_s;     /* 600 */
  double epoch_s;        /* LEOEdge re-decision tick for waiting tasks (0.02); arrivals decide at once */
  double window_s;       /* load window (5) */
  double alpha;          /* 1: the §11.5 comparison is on execution time */
  double load_cap;       /* P (0.5) */
  double threshold_ms;   /* per image (20) */
  fai_leo_benefit benefit;
  double tol;            /* distributed solver tolerance per decision (1e-4) */
  double price_gain;     /* γ of the cluster price λ ← [λ + γ·Δt·(L̄ − (P − δ))]₊ (3000; 0: off) */
  double price_margin;   /* δ (NaN: one mean task's ground work / window_s) */
  int schemes;           /* bit mask of fai_leo_scheme */
  int replications;      /* R (1) */
  int threads;           /* OpenMP threads over replications (0 default) */
  uint64_t seed;
  const fai_backend *backend; /* for the fixed-rule schemes; NULL: cpu */
  fai_progress progress;
} fai_leo_sim_params;
void fai_leo_sim_params_init(fai_leo_sim_params *p);
int fai_leo_load_parse(const char *s, fai_leo_load_level *out);
const char *fai_leo_load_name(fai_leo_load_level l);

typedef struct fai_leo_sim_result {
  int n_secs;                       /* T */
  int secs_done;                    /* seconds completed (T unless interrupted) */
  int reps;
  double *util_series[FAI_LEO_S_COUNT]; /* [T] replication 0's per-second utilisation */
  double mean_exec_s[FAI_LEO_S_COUNT];  /* over all replications' tasks */
  double mean_util[FAI_LEO_S_COUNT];    /* over replications and seconds */
  double mean_acc[FAI_LEO_S_COUNT];     /* mean accuracy of the model that ran each task */
  double tasks[FAI_LEO_S_COUNT];        /* Σ over replications */
  double offloaded[FAI_LEO_S_COUNT];
  fai_leo_layer_stats st;               /* LEOEdge, Σ over epochs and replications */
  long long epochs;                     /* LEOEdge solves */
  int interrupted;
} fai_leo_sim_result;
void fai_leo_sim_result_free(fai_leo_sim_result *r);
/* Flat backend configuration of the simulation (length fai_leo_cfg_len). */
double *fai_leo_sim_cfg(const fai_leo_sim_params *p, int *len);
fai_status fai_leo_simulate(const fai_leo_sim_params *p, fai_leo_sim_result *res, fai_error *err);

#ifdef __cplusplus
}
#endif
#endif
