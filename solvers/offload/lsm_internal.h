/* Internal to solvers/offload/lsm*.c: satellite selection and the loaded
 * routing policy. */
#ifndef FLUIDAI_LSM_INTERNAL_H
#define FLUIDAI_LSM_INTERNAL_H

#include <stddef.h>

#include "fluidai/lsm.h"

/* RS and computing satellites with their per-satellite values. */
typedef struct fai_lsm_sel {
  int R, C;
  int *rs;            /* [R] satellite ids */
  double *rs_bits;    /* [R] D_r */
  double *rs_ops;     /* [R] f_r */
  int *cs;            /* [C] */
  double *cs_ops;     /* [C] f_c */
  double isl_rate_bps;/* from the instance file (0: not given) */
} fai_lsm_sel;
void fai__lsm_sel_free(fai_lsm_sel *sel);
/* Read an instance file for a constellation of n_sats satellites; values a
 * satellite does not give come from p (data_bits, rs_ops, cs_ops). */
fai_status fai__lsm_instance_load(const char *path, int n_sats, const fai_lsm_params *p,
                                  fai_lsm_sel *sel, fai_error *err);

typedef struct fai_lsm_policy_entry {
  int snapshot;  /* -1: every snapshot */
  int r, c;      /* RS index, computing index */
  int k;         /* nodes on the route */
  size_t off;    /* first node in fai_lsm_policy.nodes */
} fai_lsm_policy_entry;

typedef struct fai_lsm_policy {
  int n;
  fai_lsm_policy_entry *entry;
  int *nodes;
  size_t n_nodes;
  int *index;    /* [T][R] entry for (snapshot, RS), -1: none (shortest) */
} fai_lsm_policy;
/* Read and check a policy against the timeline (every hop an ISL that is up
 * in each snapshot the entry covers). */
fai_status fai__lsm_policy_load(const char *path, const fai_timeline *tl, const fai_lsm_sel *sel,
                                fai_lsm_policy *pol, fai_error *err);
void fai__lsm_policy_free(fai_lsm_policy *pol);

#endif
