/* PartialLoading: request scheduling and uplink bandwidth allocation on one
 * edge server whose GPU loads only the parameter blocks a model does not
 * share with the model already resident (PAPERS.md §6) (public).
 *
 * Model.  Requests k = 1..K each want model i_k of a fai_library (blocks with
 * sizes, models as block lists; the library of TrimCaching/MBA), carry d_k
 * input bits, have a deadline T_k and a GPU compute time c_k, and upload over
 * an FDMA uplink with bandwidth b_k (Σ b_k ≤ B):
 *   u_k = d_k / (b_k log2(1 + P_k g_k / (N0 b_k))).
 * Switching the GPU from model i to i' reads only the blocks of i' that i
 * lacks: load(i→i') = Σ_{j ∈ J_i' \ J_i} D_j / r_load (from the empty GPU:
 * the whole model).  A schedule is an ordered subset k_1..k_n:
 *   S_q = max(F_{q−1} + load(m_{q−1} → i_{k_q}), u_{k_q}),  F_q = S_q + c_{k_q}
 * and request k_q counts iff F_q ≤ T_{k_q}.  Throughput = counted requests.
 * Requests not in the schedule are rejected (never served).
 *
 * Solution = two sequential stages (§6.2): (1) scheduling with uploads
 * treated as available (u = 0), by one of the algorithms below; (2) the
 * bandwidth step: every scheduled request gets its latest allowed arrival
 * ā_q (the latest compute start that still lets it and every later request
 * meet their deadlines, computed backwards), b_min(ā_q) by bisection; while
 * Σ b_min > B drop the request with the largest b_min / (deadline slack +
 * 1 ms) and recompute; the left-over bandwidth is spread by water-filling on a
 * common upload time t (every request uploads by min(t, ā_q); bisection on
 * t).  Dropping a request never delays the others (the load satisfies the
 * triangle inequality), so every reported schedule meets all its deadlines.
 *
 * Algorithms (scheduling stage):
 *   dp          backbone-sharing DP: requests in EDD order (deadline, then
 *               index), state (q, n, last model) → least finish time,
 *               O(K²·I).  It is EXACT for "choose the subset, serve it in
 *               deadline order" (tested against enumerating all subsets).
 *               Serving in another order can do better when loading costs
 *               differ between orders (e.g. a request of the model already
 *               loaded, with a later deadline, slotted in before a cluster
 *               switch); `brute` measures that gap.  Refused (FAI_EINVAL)
 *               unless the library is backbone-sharing.
 *   greedy      §6.3: repeatedly append the request that can still finish on
 *               time with the least load + compute (ties: deadline, index).
 *   no-sharing  the DP with every switch loading the full model (0 when the
 *               same model stays); evaluated with full loads too.
 *   fcfs / edd  serve in request (arrival) / deadline order, skipping any
 *               request that would finish late; partial loading.
 *   brute       all ordered subsets (K ≤ 10): the optimum of the scheduling
 *               stage in any order (then the same bandwidth step).
 *   exact       the same optimum by a DP over per-model deadline-order
 *               pointers: in some optimal schedule the requests of one model
 *               are served in deadline order (moving a request right behind a
 *               same-model request with an earlier deadline delays nobody,
 *               because loads obey the triangle inequality), so a state is
 *               (how far each model's EDD list is decided, last model, n) →
 *               least finish.  Any library; states Π(n_i + 1)·(U + 1)·(K + 1)
 *               for U distinct requested models with n_i requests each,
 *               refused above FAI_PL_EXACT_MAX_STATES. */
#ifndef FLUIDAI_PARTIALLOAD_H
#define FLUIDAI_PARTIALLOAD_H

#include <jansson.h>
#include <stdint.h>

#include "fluidai/library.h"
#include "fluidai/plan.h"
#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FAI_PL_BRUTE_MAX 10
#define FAI_PL_EXACT_MAX_STATES (1L << 24)
/* dp / no-sharing keep a K x (K+1) x (U+1) choice table (2 bytes an entry);
 * refused above this many entries (K about 5600 with 30 requested models). */
#define FAI_PL_DP_MAX_ENTRIES 1e9

typedef enum fai_pl_algo {
  FAI_PL_DP = 0,
  FAI_PL_GREEDY,
  FAI_PL_NOSHARE,
  FAI_PL_FCFS,
  FAI_PL_EDD,
  FAI_PL_BRUTE,
  FAI_PL_EXACT,
  FAI_PL_ALGO_COUNT_
} fai_pl_algo;

const char *fai_pl_algo_name(fai_pl_algo a);      /* "dp", "no-sharing", ... */
int fai_pl_algo_parse(const char *s, fai_pl_algo *out); /* 0 ok, -1 unknown */

/* File format "fluidai-partialload-instance" (strict JSON):
 *   { "format": "fluidai-partialload-instance", "version": 1, "name": "...", "seed": 1,
 *     "library": { fluidai-library } | "lib.json",
 *     "server": { "r_load_bytes_s": 12e9, "initial_model": "bb0.ft0" (optional),
 *                 "bandwidth_hz": 100e6, "noise_dbm_hz": -174 },
 *     "requests": [ { "id": "u0", "model": "bb0.ft3", "input_bits": 1.2e6,
 *                     "deadline_s": 1.1, "compute_s": 0.015, "power_dbm": 23,
 *                     "distance_m": 120 | "gain_db": -110 }, ... ] }
 * distance_m gives the gain by 3GPP path loss 128.1 + 37.6 log10(d_km). */
typedef struct fai_pl_instance {
  char name[FAI_LIB_ID_MAX];
  uint64_t seed;
  fai_library lib;
  double r_load;          /* host→GPU bytes/s, > 0 */
  int initial_model;      /* resident at time 0; -1: GPU empty */
  double bandwidth_hz;    /* B > 0 */
  double noise_w_hz;      /* N0 */
  int K;
  char *req_id;           /* [K][FAI_LIB_ID_MAX] */
  int *model;             /* [K] library model index */
  double *input_bits;     /* [K] d_k >= 0 */
  double *deadline_s;     /* [K] T_k >= 0 */
  double *compute_s;      /* [K] c_k >= 0 */
  double *power_w;        /* [K] P_k > 0 */
  double *gain;           /* [K] g_k > 0 (linear) */
  double *distance_m;     /* [K] NaN when the gain was given */
} fai_pl_instance;

void fai_pl_instance_init(fai_pl_instance *inst);
void fai_pl_instance_free(fai_pl_instance *inst);
/* Allocate K requests (zeroed) in an initialised instance. */
fai_status fai_pl_instance_alloc(fai_pl_instance *inst, int K, fai_error *err);
fai_status fai_pl_instance_load_file(const char *path, fai_pl_instance *inst, fai_error *err);
fai_status fai_pl_instance_load_string(const char *text, const char *name, fai_pl_instance *inst,
                                       fai_error *err);
/* Checks of an instance built in memory (library, ranges, model indices). */
fai_status fai_pl_instance_validate(const fai_pl_instance *inst, fai_error *err);
const char *fai_pl_request_id(const fai_pl_instance *inst, int k);

/* --- loading ------------------------------------------------------------------ */

/* Bytes read when the GPU switches from model `from` (-1: empty) to `to`:
 * sharing != 0: blocks of `to` not in `from`; sharing == 0: the whole of
 * `to` unless from == to (then 0). */
int64_t fai_pl_load_bytes(const fai_library *lib, int from, int to, int sharing);
/* Seconds for `bytes` at r_load (the one formula every stage uses). */
double fai_pl_load_time(int64_t bytes, double r_load);

/* Backbone-sharing structure: every model has at most one shared block
 * (a block used by >= 2 models); the models sharing a block form a cluster,
 * a model with no shared block is a cluster of its own.  Fills cluster[I],
 * backbone_bytes[I] (bytes of model i's shared block, 0 if none) and
 * head_bytes[I] (its private blocks) when non-NULL.  Returns the number of
 * clusters, or -1 with a reason in why[] (a model with two shared blocks). */
int fai_pl_backbone(const fai_library *lib, int *cluster, int64_t *backbone_bytes,
                    int64_t *head_bytes, char *why, size_t why_n);

/* --- uplink ----------------------------------------------------------------- */

/* b log2(1 + a / b) (bits/s) with a = P g / N0 (Hz); 0 at b = 0. */
double fai_pl_rate(double b, double a);
/* Least bandwidth (Hz) uploading `bits` within `seconds` (bisection, the
 * returned b always suffices); 0 when bits == 0, INFINITY when impossible
 * (seconds <= 0 or bits / seconds >= a / ln 2, the infinite-bandwidth rate). */
double fai_pl_bandwidth_for(double bits, double seconds, double a);
/* bits / fai_pl_rate(b, a); 0 when bits == 0, INFINITY when b == 0 < bits. */
double fai_pl_upload_time(double bits, double b, double a);

/* --- solving ------------------------------------------------------------------ */

typedef struct fai_pl_entry {
  int request;            /* index into the instance's requests */
  int64_t load_bytes;     /* bytes read before its compute (the algorithm's loading) */
  int64_t full_bytes;     /* what the same switch costs without sharing */
  double load_s;
  double start_s, finish_s;
  double arrival_limit_s; /* ā: latest arrival keeping this and later deadlines */
  double bandwidth_hz;
  double upload_s;
} fai_pl_entry;

typedef struct fai_pl_solution {
  fai_pl_algo algo;
  int n;                  /* throughput: requests served by their deadlines */
  int n_stage;            /* scheduled by the scheduling stage (u = 0) */
  int dropped;            /* removed by the bandwidth step */
  fai_pl_entry *sched;    /* [K] capacity; sched[0..n) in service order */
  double bandwidth_used_hz;
  double common_upload_s; /* the water-filling level t (0 when nothing scheduled) */
  int64_t loaded_bytes;   /* Σ load_bytes */
  int64_t no_sharing_bytes; /* Σ full_bytes: the same schedule without sharing */
  fai_outcome outcome;    /* OPTIMAL for brute (scheduling stage), else FEASIBLE */
  double seconds;
} fai_pl_solution;

void fai_pl_solution_free(fai_pl_solution *s);

/* Scheduling stage only (u = 0): order[0..*n) in service order (caller's
 * array of K ints). */
fai_status fai_pl_schedule(const fai_pl_instance *inst, fai_pl_algo algo, int *order, int *n,
                           fai_error *err);
/* Bandwidth step + final timing for a u = 0-feasible order (which it may
 * shorten); sharing selects the loading used for timing. */
fai_status fai_pl_allocate(const fai_pl_instance *inst, const int *order, int n, int sharing,
                           fai_pl_solution *out, fai_error *err);
/* Both stages. */
fai_status fai_pl_solve(const fai_pl_instance *inst, fai_pl_algo algo, fai_pl_solution *out,
                        fai_error *err);
/* Plan document "offload.partialload". */
fai_status fai_pl_plan(const fai_pl_instance *inst, const fai_pl_solution *s, fai_plan *plan,
                       fai_error *err);

/* --- generator (PAPERS §6.4 defaults) ------------------------------------------ */

typedef struct fai_pl_gen_params {
  int requests;              /* K (20) */
  int clusters;              /* 1..3 (3): ResNet-50, ViT-B/16, BERT-base backbones */
  int models_per_cluster;    /* (10) → I = 30 */
  double r_load;             /* 12e9 bytes/s */
  double bandwidth_hz;       /* 100e6 */
  double noise_dbm_hz;       /* -174 */
  double deadline_min_s, deadline_max_s;   /* U[0.5, 2] */
  double compute_s[3];       /* per cluster: 0.015, 0.040, 0.030 */
  double bits_min, bits_max; /* input bits U[0.2e6, 2e6] */
  double dmin_m, dmax_m;     /* distance U[50, 300] */
  double power_dbm;          /* 23 */
  int64_t head_min, head_max; /* private head bytes U[0.2 MB, 4 MB] */
  uint64_t seed;             /* 1 */
} fai_pl_gen_params;

void fai_pl_gen_params_init(fai_pl_gen_params *p);
/* The instance document (new reference), library inline. */
fai_status fai_pl_generate(const fai_pl_gen_params *p, json_t **doc, fai_error *err);

#ifdef __cplusplus
}
#endif
#endif
