/* The exact TrimCaching MILP (PAPERS §1.2) for GLPK:
 *   max (1/(T·K)) Σ_{t,k,i} p[k][i] z_tki
 *   z_tki − Σ_m a[t][m][k][i] x_mi <= 0   (only (t,k,i) with p > 0 and some a = 1)
 *   x_mi − y_mj <= 0                       (j a block of model i)
 *   Σ_j (D_j / Q_m) y_mj <= 1           (capacity row in units of Q_m)
 *   x, y ∈ {0,1}, 0 <= z <= 1.
 * Solved through fai_milp_solve (time limit, Ctrl-C, bound and gap).  The
 * placement read back is checked against the capacities in exact integer
 * arithmetic; GLPK's feasibility tolerance (~1e-7 relative) could otherwise
 * let a cache overflow by a few bytes, and such a cache would be repaired
 * (lowest-gain models dropped) with a warning. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caching_internal.h"

typedef struct triplets {
  int n, cap;
  int *ia, *ja;
  double *ar;
} triplets;

static int trip_add(triplets *t, int row, int col, double v) {
  if (t->n + 1 >= t->cap) {
    const int nc = t->cap ? 2 * t->cap : 4096;
    int *a = realloc(t->ia, (size_t)nc * sizeof *a);
    if (a) t->ia = a;
    int *b = realloc(t->ja, (size_t)nc * sizeof *b);
    if (b) t->ja = b;
    double *c = realloc(t->ar, (size_t)nc * sizeof *c);
    if (c) t->ar = c;
    if (!a || !b || !c) return -1;
    t->cap = nc;
  }
  t->n++; /* GLPK arrays are 1-based: entry 0 unused */
  t->ia[t->n] = row;
  t->ja[t->n] = col;
  t->ar[t->n] = v;
  return 0;
}

fai_status fai_trim_milp_build(const fai_cache_instance *inst, glp_prob *lp, fai_error *err) {
  const fai_library *lib = &inst->lib;
  const int M = inst->M, I = inst->I, K = inst->K, T = inst->T, J = lib->n_blocks;
  if ((int64_t)M * I > 50000000 || (int64_t)M * J > 50000000)
    return fai_error_set(err, FAI_EINVAL, "MILP too large: %d caches × %d models", M, I);
  fai_cc_view v;
  fai__cache_view(inst, &v);
  triplets tr = {0, 0, NULL, NULL, NULL};
  int *users = malloc((size_t)J * sizeof *users + 1);
  int *ycol = malloc(((size_t)M * J + 1) * sizeof *ycol);
  char name[128];
  fai_status st = FAI_OK;
  if (!users || !ycol) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  glp_set_prob_name(lp, "trimcaching");
  glp_set_obj_name(lp, "hit_ratio");
  glp_set_obj_dir(lp, GLP_MAX);
  fai_library_block_users(lib, users);
  /* x_m_i: columns 1 .. M·I. */
  glp_add_cols(lp, M * I);
  for (int m = 0; m < M; m++)
    for (int i = 0; i < I; i++) {
      const int c = m * I + i + 1;
      snprintf(name, sizeof name, "x_%d_%d", m, i);
      glp_set_col_name(lp, c, name);
      glp_set_col_kind(lp, c, GLP_BV);
    }
  /* y_m_j for blocks some model uses. */
  int ncol = M * I;
  for (int m = 0; m < M; m++)
    for (int j = 0; j < J; j++) {
      ycol[(size_t)m * J + j] = 0;
      if (!users[j]) continue;
      ycol[(size_t)m * J + j] = ++ncol;
      glp_add_cols(lp, 1);
      snprintf(name, sizeof name, "y_%d_%d", m, j);
      glp_set_col_name(lp, ncol, name);
      glp_set_col_kind(lp, ncol, GLP_BV);
    }
  int nrow = 0;
  /* Capacity rows. */
  for (int m = 0; m < M; m++) {
    glp_add_rows(lp, 1);
    nrow++;
    snprintf(name, sizeof name, "cap_%d", m);
    glp_set_row_name(lp, nrow, name);
    /* In units of the capacity (coefficients <= 1 for blocks that fit):
     * GLPK does not scale by itself, and byte counts next to 0/1 rows
     * slow its simplex down badly. */
    const double unit = inst->capacity_bytes[m] > 0 ? (double)inst->capacity_bytes[m] : 1.0;
    glp_set_row_bnds(lp, nrow, GLP_UP, 0.0, (double)inst->capacity_bytes[m] / unit);
    for (int j = 0; j < J; j++)
      if (ycol[(size_t)m * J + j] &&
          trip_add(&tr, nrow, ycol[(size_t)m * J + j], (double)lib->block_bytes[j] / unit))
        goto nomem;
  }
  /* Block rows x − y <= 0. */
  for (int m = 0; m < M; m++)
    for (int i = 0; i < I; i++)
      for (int q = lib->model_off[i]; q < lib->model_off[i + 1]; q++) {
        const int j = lib->model_blocks[q];
        glp_add_rows(lp, 1);
        nrow++;
        snprintf(name, sizeof name, "block_%d_%d_%d", m, i, j);
        glp_set_row_name(lp, nrow, name);
        glp_set_row_bnds(lp, nrow, GLP_UP, 0.0, 0.0);
        if (trip_add(&tr, nrow, m * I + i + 1, 1.0) || trip_add(&tr, nrow, ycol[(size_t)m * J + j], -1.0))
          goto nomem;
      }
  /* z and serve rows. */
  const double scale = 1.0 / ((double)T * (double)K);
  for (int t = 0; t < T; t++)
    for (int k = 0; k < K; k++) {
      const int64_t b = inst->tk_off[(size_t)t * K + k], e = inst->tk_off[(size_t)t * K + k + 1];
      if (b == e) continue;
      for (int i = 0; i < I; i++) {
        const double pk = inst->p[(size_t)k * I + i];
        if (pk == 0.0) continue;
        int any = 0;
        for (int64_t q = b; q < e && !any; q++) any = fai_cc_deliver(&v, inst->tk_link[q], k, i);
        if (!any) continue;
        glp_add_cols(lp, 1);
        ncol++;
        snprintf(name, sizeof name, "z_%d_%d_%d", t, k, i);
        glp_set_col_name(lp, ncol, name);
        glp_set_col_bnds(lp, ncol, GLP_DB, 0.0, 1.0);
        glp_set_obj_coef(lp, ncol, pk * scale);
        glp_add_rows(lp, 1);
        nrow++;
        snprintf(name, sizeof name, "serve_%d_%d_%d", t, k, i);
        glp_set_row_name(lp, nrow, name);
        glp_set_row_bnds(lp, nrow, GLP_UP, 0.0, 0.0);
        if (trip_add(&tr, nrow, ncol, 1.0)) goto nomem;
        for (int64_t q = b; q < e; q++) {
          const int64_t l = inst->tk_link[q];
          if (fai_cc_deliver(&v, l, k, i) && trip_add(&tr, nrow, inst->link_server[l] * I + i + 1, -1.0))
            goto nomem;
        }
      }
    }
  glp_load_matrix(lp, tr.n, tr.ia, tr.ja, tr.ar);
  goto cleanup;
nomem:
  st = fai_error_set(err, FAI_ENOMEM, "out of memory building the MILP");
cleanup:
  free(tr.ia);
  free(tr.ja);
  free(tr.ar);
  free(users);
  free(ycol);
  return st;
}

fai_status fai__trim_milp(const fai_cache_instance *inst, const fai_trim_params *p,
                          fai_cache_placement *pl, fai_error *err) {
  const int M = inst->M, I = inst->I;
  glp_prob *lp = glp_create_prob();
  fai_milp_result res;
  fai_status st = fai_trim_milp_build(inst, lp, err);
  if (st != FAI_OK) goto cleanup;
  st = fai_milp_solve(lp, p->time_limit_s, &res, err);
  if (st != FAI_OK) goto cleanup;
  pl->outcome = res.outcome;
  pl->bound = res.bound;
  if (isfinite(res.objective))
    for (int m = 0; m < M; m++)
      for (int i = 0; i < I; i++) pl->x[(size_t)m * I + i] = glp_mip_col_val(lp, m * I + i + 1) > 0.5;
  /* Exact capacity check; repair a tolerance overflow. */
  int over;
  while ((over = fai_cache_storage(inst, pl->x, pl->used_bytes)) >= 0) {
    fai_cc_view v;
    fai__cache_view(inst, &v);
    int worst = -1;
    double wg = 0;
    for (int i = 0; i < I; i++) {
      if (!pl->x[(size_t)over * I + i]) continue;
      const double g = fai_cc_gain(&v, over, i, NULL);
      if (worst < 0 || g < wg) worst = i, wg = g;
    }
    fai_warn("MILP: cache %d exceeds its capacity by %lld bytes within GLPK's tolerance; "
             "dropping model %d",
             over, (long long)(pl->used_bytes[over] - inst->capacity_bytes[over]), worst);
    pl->x[(size_t)over * I + worst] = 0;
    if (pl->outcome == FAI_OUTCOME_OPTIMAL) pl->outcome = FAI_OUTCOME_FEASIBLE;
  }
  if (res.outcome == FAI_OUTCOME_INTERRUPTED) st = fai_error_set(err, FAI_EINTR, "MILP interrupted");
cleanup:
  glp_delete_prob(lp);
  return st;
}
