/* LEOEdge seamless data transmission: per task, send directly to the ground
 * station, relay through an idle same-orbit or other-orbit neighbour, or run
 * locally (public).  PAPERS.md §11.3.
 *
 * Task of satellite i arriving at T0 with t input bits and s result bits;
 * remaining contact T_a(i) = set time of i's current contact window with the
 * ground station − T0 (0 when i is not in contact).  With ground rate l,
 * ground loss factor p, ground execution time c(m_e):
 *   case I (result returns):  d = (t + s)·p / l + c(m_e)
 *   case II (no result):      d = t·p / l
 * (the paper writes the loss factor multiplicatively; kept as given).
 * Direct when d <= T_a(i).  Else, over an ISL (i, j) that is up at T0 with
 * round-trip time rtt_ij = 2·|r_ij| / c and rate k_ij = C_ij / rtt_ij
 * (C_ij: the ISL window in bits, bits in flight), ISL loss factor p_ij:
 *   d'_j = (t [+ s])·(p_ij + p) / min(k_ij, l) [+ c(m_e)]
 * first the idle same-orbit (intra-plane ISL) neighbours, then the idle
 * other-orbit (inter-plane ISL) ones, each time the smallest d'_j with
 * d'_j <= T_a(j) (j's own remaining contact; ties: lower satellite index);
 * else local execution (delay c(m_i)).
 * Idle: a satellite is busy from the arrival of a task it sends to the ground
 * (its own, direct, or one it relays) until that task's delay has passed;
 * tasks are decided in arrival order (ties: input order).
 *
 * Instance "fluidai-relay-instance" (README "fluidai offload relay"):
 *   { "format": "fluidai-relay-instance", "version": 1, "name": "...",
 *     "scenario": "scenario.json" | { ...inline fluidai scenario... },
 *     "station": "Hong Kong",
 *     "ground": {"rate_bps": 10e6, "loss_factor": 1.0},
 *     "isl": {"window_bits": 1e6, "loss_factor": 1.0},
 *     "ground_exec_s": 0.05, "local_exec_s": 0.5,
 *     "tasks": [ {"sat": 3, "t0_s": 12.5, "input_bits": 8e6, "result_bits": 1e4,
 *                 "case": "I" | "II"}, ... ]
 *            | {"generate": {"seed": 1, "rate_per_s": 0.5, "horizon_s": 600,
 *                            "input_bits": [1e6, 8e6], "result_bits": [1e3, 1e4],
 *                            "case_i_fraction": 0.5}} } */
#ifndef FLUIDAI_RELAY_H
#define FLUIDAI_RELAY_H

#include <jansson.h>
#include <stdint.h>

#include "fluidai/orbitgen.h"
#include "fluidai/plan.h"
#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FAI_RELAY_NAME_MAX 128

/* What the relay decision needs from a timeline: one station's contact
 * windows and the ISL graph per snapshot.  Flat arrays, owned. */
typedef struct fai_relay_net {
  int n_sats;
  int *win_off;            /* [N + 1] satellite i's windows: win_off[i] .. win_off[i+1]-1 */
  double *win_rise_s;      /* [n_win] sorted by rise per satellite */
  double *win_set_s;       /* [n_win] */
  int n_links;
  int *link_a, *link_b;    /* [L] */
  uint8_t *link_inter;     /* [L] 1: inter-plane (other orbit), 0: intra-plane (same orbit) */
  int n_snaps;
  double *t_s;             /* [T] snapshot times (s after epoch), ascending */
  double *rtt_s;           /* [T][L] round-trip time; <= 0: link down in that snapshot */
} fai_relay_net;

void fai_relay_net_free(fai_relay_net *net);
/* Allocate a net of n sats, n_win windows, L links, T snapshots (zeroed). */
fai_status fai_relay_net_alloc(fai_relay_net *net, int n_sats, int n_win, int n_links, int n_snaps,
                               fai_error *err);
/* From a built timeline (contacts on) and a station index. */
fai_status fai_relay_net_from_timeline(const fai_timeline *tl, int station, fai_relay_net *net,
                                       fai_error *err);
/* Remaining contact of sat at t (s): set − t of the window with rise <= t < set, else 0. */
double fai_relay_remaining(const fai_relay_net *net, int sat, double t_s);
/* Snapshot in force at t: the last with t_s <= t (0 before the first). */
int fai_relay_snapshot(const fai_relay_net *net, double t_s);

typedef struct fai_relay_params {
  double ground_rate_bps;  /* l (> 0) */
  double ground_loss;      /* p (> 0, multiplicative) */
  double isl_window_bits;  /* C_ij (> 0) */
  double isl_loss;         /* p_ij (> 0) */
  double ground_exec_s;    /* c(m_e) (>= 0) */
  double local_exec_s;     /* c(m_i) (>= 0) */
} fai_relay_params;
void fai_relay_params_init(fai_relay_params *p); /* 10 Mbps, 1, 1e6 bits, 1, 0.05 s, 0.5 s */
fai_status fai_relay_params_check(const fai_relay_params *p, fai_error *err);

typedef struct fai_relay_task {
  int sat;
  double t0_s;
  double input_bits, result_bits;
  int result_returns;      /* 1: case I, 0: case II */
} fai_relay_task;

typedef enum fai_relay_choice {
  FAI_RELAY_DIRECT = 0,       /* sent to the ground station by its own satellite */
  FAI_RELAY_SAME_ORBIT = 1,   /* relayed by an intra-plane neighbour */
  FAI_RELAY_OTHER_ORBIT = 2,  /* relayed by an inter-plane neighbour */
  FAI_RELAY_LOCAL = 3         /* executed on board */
} fai_relay_choice;
const char *fai_relay_choice_name(fai_relay_choice c); /* direct, same-orbit, other-orbit, local */

typedef struct fai_relay_decision {
  fai_relay_choice choice;
  int relay;               /* relay satellite, -1 when none */
  double delay_s;          /* d, d' or c(m_i) */
  double direct_s;         /* d (the direct delay, for reference) */
  double remaining_s;      /* T_a(i) */
  double relay_remaining_s;/* T_a(j) of the relay (NaN when none) */
} fai_relay_decision;

/* The direct delay d and a relay delay d' (rtt in s) of a task. */
double fai_relay_direct_delay(const fai_relay_params *p, const fai_relay_task *t);
double fai_relay_relay_delay(const fai_relay_params *p, const fai_relay_task *t, double rtt_s);

/* Decide every task (out[n], in the tasks' order).  Tasks with a satellite
 * index outside the net or a negative/non-finite field are EINVAL. */
fai_status fai_relay_decide(const fai_relay_net *net, const fai_relay_params *p,
                            const fai_relay_task *tasks, int n, fai_relay_decision *out,
                            fai_error *err);

/* --- instances ------------------------------------------------------------------ */

typedef struct fai_relay_instance {
  char name[FAI_RELAY_NAME_MAX];
  char source[FAI_ERROR_FILE_MAX];
  char station[FAI_RELAY_NAME_MAX];
  char scenario_desc[FAI_ERROR_FILE_MAX]; /* the scenario's file or "inline" */
  fai_relay_params params;
  fai_relay_net net;
  int n_tasks;
  fai_relay_task *tasks;
  int generated;            /* tasks came from the generator */
  uint64_t seed;            /* generator seed (0 when listed) */
} fai_relay_instance;

void fai_relay_instance_free(fai_relay_instance *inst);
/* Load, build the scenario's timeline (contacts, no paths) with `be` (NULL:
 * cpu) and extract the station's net.  scenario_path != NULL overrides the
 * instance's "scenario" (which is then optional). */
fai_status fai_relay_instance_load_file(const char *path, const char *scenario_path,
                                        const fai_backend *be, fai_relay_instance *inst,
                                        fai_error *err);
/* The same; seed != NULL replaces the generator's "seed" (--seed) when the
 * tasks are generated (listed tasks are not affected). */
fai_status fai_relay_instance_load_file_seed(const char *path, const char *scenario_path,
                                             const uint64_t *seed, const fai_backend *be,
                                             fai_relay_instance *inst, fai_error *err);

/* Plan "offload.relay": one decision per task plus counts and mean delays. */
fai_status fai_relay_plan(const fai_relay_instance *inst, const fai_relay_decision *d,
                          fai_plan *plan, fai_error *err);

#ifdef __cplusplus
}
#endif
#endif
