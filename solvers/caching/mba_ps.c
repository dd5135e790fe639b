/* MBA parameter selection (PAPERS §5.3): the reuse-first greedy, the exact
 * depth-first branch-and-bound, the unicast and no-PS baselines, exhaustive
 * search (tests), the MILP of the bits cost, the schedule and the plan.
 *
 * A partial broadcast set is an array gam[J]: 0 for a block not sent, else
 * the smallest gain among its receivers.  The PS cost of a set is the optimal
 * PC latency (closed form) or its bits; both are monotone in the set and in
 * the receivers, which makes the tree search's bound valid. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/mba.h"

static const char *const PS_NAMES[] = {"greedy", "tree", "unicast", "no-ps", "exhaustive", "milp"};

const char *fai_mba_ps_name(fai_mba_ps p) {
  return (unsigned)p < sizeof PS_NAMES / sizeof *PS_NAMES ? PS_NAMES[p] : "?";
}

int fai_mba_ps_parse(const char *s, fai_mba_ps *out) {
  for (int i = 0; i < (int)(sizeof PS_NAMES / sizeof *PS_NAMES); i++)
    if (!strcmp(s, PS_NAMES[i])) {
      *out = (fai_mba_ps)i;
      return 0;
    }
  return -1;
}

void fai_mba_params_init(fai_mba_params *p) {
  memset(p, 0, sizeof *p);
  p->ps = FAI_MBA_PS_TREE;
  p->pc = FAI_MBA_PC_CLOSED;
  p->cost = FAI_MBA_COST_LATENCY;
}

void fai_mba_solution_free(fai_mba_solution *s) {
  free(s->model);
  free(s->tx);
  free(s->rx_off);
  free(s->rx);
  memset(s, 0, sizeof *s);
}

/* --- cost of a broadcast set ------------------------------------------------------------ */

typedef struct ctx {
  const fai_mba_instance *inst;
  fai_mba_cost cost;
  int J;
  double *bits;  /* [J] bits per block */
  double *sb, *sg; /* [J] scratch: packed bits and gains */
  int64_t evals;
} ctx;

static double set_cost(ctx *c, const double *gam) {
  int n = 0;
  double total = 0;
  for (int j = 0; j < c->J; j++)
    if (gam[j] > 0 && c->bits[j] > 0) {
      c->sb[n] = c->bits[j];
      c->sg[n] = gam[j];
      total += c->bits[j];
      n++;
    }
  c->evals++;
  if (c->cost == FAI_MBA_COST_BITS) return total;
  const fai_mba_instance *in = c->inst;
  fai_pc_problem pr = {n, c->sb, c->sg, in->bandwidth_hz, in->noise_w_hz, in->energy_j, in->max_power_w};
  fai_pc_result res;
  if (fai_pc_solve(&pr, FAI_MBA_PC_CLOSED, NULL, NULL, &res, NULL) != FAI_OK) return INFINITY;
  return res.feasible ? res.latency_s : INFINITY;
}

/* gam ∪= model i received by device k. */
static void add_model(const fai_library *lib, double *gam, int i, double g) {
  for (int q = lib->model_off[i]; q < lib->model_off[i + 1]; q++) {
    const int j = lib->model_blocks[q];
    if (gam[j] == 0 || g < gam[j]) gam[j] = g;
  }
}

static int model_has(const fai_library *lib, int i, int j) {
  for (int q = lib->model_off[i]; q < lib->model_off[i + 1]; q++)
    if (lib->model_blocks[q] == j) return 1;
  return 0;
}

static int subset(const fai_library *lib, int a, int b) { /* blocks(a) ⊆ blocks(b) */
  for (int q = lib->model_off[a]; q < lib->model_off[a + 1]; q++)
    if (!model_has(lib, b, lib->model_blocks[q])) return 0;
  return 1;
}

double fai_mba_assignment_cost(const fai_mba_instance *inst, fai_mba_cost cost, const int *model) {
  const int J = inst->lib.n_blocks;
  double *buf = calloc((size_t)4 * J + 4, sizeof *buf);
  if (!buf) return NAN;
  ctx c = {inst, cost, J, buf, buf + J, buf + 2 * J, 0};
  double *gam = buf + 3 * J;
  for (int j = 0; j < J; j++) c.bits[j] = 8.0 * (double)inst->lib.block_bytes[j];
  for (int k = 0; k < inst->K; k++) add_model(&inst->lib, gam, model[k], inst->gain[k]);
  const double v = set_cost(&c, gam);
  free(buf);
  return v;
}

/* --- candidate sets ------------------------------------------------------------------------ */

/* Drop dominated candidates: m' ⊇ m is never better (cost is monotone in the
 * block set); identical block sets keep the lowest index. */
static int pruned_candidates(const fai_mba_instance *inst, int k, int *out) {
  const fai_library *lib = &inst->lib;
  const int *cd = inst->cand + inst->cand_off[k];
  const int nc = inst->cand_off[k + 1] - inst->cand_off[k];
  int n = 0;
  for (int a = 0; a < nc; a++) {
    int dominated = 0;
    for (int b = 0; b < nc && !dominated; b++) {
      if (a == b || !subset(lib, cd[b], cd[a])) continue;
      dominated = !subset(lib, cd[a], cd[b]) || b < a; /* strict subset, or equal with lower index */
    }
    if (!dominated) out[n++] = cd[a];
  }
  return n;
}

/* --- greedy ------------------------------------------------------------------------------ */

static void greedy(ctx *c, int *const *cand, const int *nc, int *model, double *gam) {
  const fai_mba_instance *inst = c->inst;
  const fai_library *lib = &inst->lib;
  const int K = inst->K, J = c->J;
  double *trial = malloc((size_t)J * sizeof *trial);
  uint8_t *done = calloc((size_t)K, 1);
  memset(gam, 0, (size_t)J * sizeof *gam);
  for (int step = 0; step < K; step++) {
    int bk = -1, bm = -1, breuse = -1;
    double bc = INFINITY;
    for (int k = 0; k < K; k++) {
      if (done[k]) continue;
      for (int a = 0; a < nc[k]; a++) {
        const int m = cand[k][a];
        memcpy(trial, gam, (size_t)J * sizeof *trial);
        add_model(lib, trial, m, inst->gain[k]);
        const double cost = set_cost(c, trial);
        /* Selection metric: unassigned devices that could reuse m's new blocks. */
        int reuse = 0;
        for (int k2 = 0; k2 < K; k2++) {
          if (k2 == k || done[k2]) continue;
          int hit = 0;
          for (int a2 = 0; a2 < nc[k2] && !hit; a2++)
            for (int q = lib->model_off[m]; q < lib->model_off[m + 1] && !hit; q++) {
              const int j = lib->model_blocks[q];
              hit = gam[j] == 0 && model_has(lib, cand[k2][a2], j);
            }
          reuse += hit;
        }
        const int better = bk < 0 || cost < bc * (1 - 1e-12) ||
                           (!(cost > bc * (1 + 1e-12)) && reuse > breuse);
        if (better) bk = k, bm = m, bc = cost, breuse = reuse;
      }
    }
    done[bk] = 1;
    model[bk] = bm;
    add_model(lib, gam, bm, inst->gain[bk]);
  }
  /* Local improvement: switch one device's model while that lowers the cost
   * (first improvement, devices and candidates in index order). */
  double cur = set_cost(c, gam);
  for (int pass = 0, changed = 1; changed && pass < 50; pass++) {
    changed = 0;
    for (int k = 0; k < K; k++)
      for (int a = 0; a < nc[k]; a++) {
        const int keep = model[k];
        if (cand[k][a] == keep) continue;
        model[k] = cand[k][a];
        memset(trial, 0, (size_t)J * sizeof *trial);
        for (int k2 = 0; k2 < K; k2++) add_model(lib, trial, model[k2], inst->gain[k2]);
        const double v = set_cost(c, trial);
        if (v < cur * (1 - 1e-12)) {
          cur = v;
          memcpy(gam, trial, (size_t)J * sizeof *gam);
          changed = 1;
        } else {
          model[k] = keep;
        }
      }
  }
  free(trial);
  free(done);
}

/* --- tree search ---------------------------------------------------------------------------- */

typedef struct tree {
  ctx *c;
  int K, J;
  int *order;          /* devices by ascending candidate count */
  int *const *cand;
  const int *nc;
  double *gam;         /* [(K + 1)][J] set after each depth */
  double *lbg;         /* [J] scratch for the bound */
  int **core;          /* [K] blocks common to all of device k's candidates */
  int *ncore;
  int *cur, *best;     /* [K] models */
  double best_cost;
  int64_t nodes;
} tree;

static double lower_bound(tree *t, int depth) {
  const fai_mba_instance *inst = t->c->inst;
  memcpy(t->lbg, t->gam + (size_t)depth * t->J, (size_t)t->J * sizeof *t->lbg);
  for (int d = depth; d < t->K; d++) {
    const int k = t->order[d];
    for (int q = 0; q < t->ncore[k]; q++) {
      const int j = t->core[k][q];
      if (t->lbg[j] == 0 || inst->gain[k] < t->lbg[j]) t->lbg[j] = inst->gain[k];
    }
  }
  return set_cost(t->c, t->lbg);
}

static void dfs(tree *t, int depth) {
  t->nodes++;
  const double *g = t->gam + (size_t)depth * t->J;
  if (depth == t->K) {
    const double v = set_cost(t->c, g);
    if (v < t->best_cost) {
      t->best_cost = v;
      memcpy(t->best, t->cur, (size_t)t->K * sizeof *t->best);
    }
    return;
  }
  if (depth > 0 && !(lower_bound(t, depth) < t->best_cost)) return;
  const int k = t->order[depth];
  double *next = t->gam + (size_t)(depth + 1) * t->J;
  for (int a = 0; a < t->nc[k]; a++) {
    memcpy(next, g, (size_t)t->J * sizeof *next);
    add_model(&t->c->inst->lib, next, t->cand[k][a], t->c->inst->gain[k]);
    t->cur[k] = t->cand[k][a];
    dfs(t, depth + 1);
  }
}

static fai_status tree_search(ctx *c, int *const *cand, const int *nc, int *model, double inc,
                              int64_t *nodes, fai_error *err) {
  const fai_mba_instance *inst = c->inst;
  const fai_library *lib = &inst->lib;
  const int K = inst->K, J = c->J;
  tree t = {c, K, J, NULL, cand, nc, NULL, NULL, NULL, NULL, NULL, NULL, inc, 0};
  t.order = malloc((size_t)K * sizeof *t.order);
  t.gam = calloc((size_t)(K + 1) * J + 1, sizeof *t.gam);
  t.lbg = malloc(((size_t)J + 1) * sizeof *t.lbg);
  t.core = calloc((size_t)K, sizeof *t.core);
  t.ncore = calloc((size_t)K, sizeof *t.ncore);
  t.cur = malloc((size_t)K * sizeof *t.cur);
  t.best = malloc((size_t)K * sizeof *t.best);
  fai_status st = FAI_OK;
  if (!t.order || !t.gam || !t.lbg || !t.core || !t.ncore || !t.cur || !t.best) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  for (int k = 0; k < K; k++) {
    t.order[k] = k;
    const int m0 = cand[k][0];
    t.core[k] = malloc(((size_t)(lib->model_off[m0 + 1] - lib->model_off[m0]) + 1) * sizeof(int));
    if (!t.core[k]) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory");
      goto cleanup;
    }
    for (int q = lib->model_off[m0]; q < lib->model_off[m0 + 1]; q++) {
      const int j = lib->model_blocks[q];
      int all = 1;
      for (int a = 1; a < nc[k] && all; a++) all = model_has(lib, cand[k][a], j);
      if (all) t.core[k][t.ncore[k]++] = j;
    }
  }
  for (int a = 1; a < K; a++) { /* stable insertion sort by candidate count */
    const int v = t.order[a];
    int b = a - 1;
    while (b >= 0 && nc[t.order[b]] > nc[v]) {
      t.order[b + 1] = t.order[b];
      b--;
    }
    t.order[b + 1] = v;
  }
  memcpy(t.best, model, (size_t)K * sizeof *t.best);
  dfs(&t, 0);
  memcpy(model, t.best, (size_t)K * sizeof *model);
  *nodes = t.nodes;
cleanup:
  if (t.core)
    for (int k = 0; k < K; k++) free(t.core[k]);
  free(t.core);
  free(t.ncore);
  free(t.order);
  free(t.gam);
  free(t.lbg);
  free(t.cur);
  free(t.best);
  return st;
}

/* Every combination of the (unpruned) candidate lists, in lexicographic order. */
static fai_status exhaustive(ctx *c, int *model, int64_t *nodes, fai_error *err) {
  const fai_mba_instance *inst = c->inst;
  const int K = inst->K, J = c->J;
  double combos = 1;
  for (int k = 0; k < K; k++) combos *= inst->cand_off[k + 1] - inst->cand_off[k];
  if (combos > 1e7)
    return fai_error_set(err, FAI_EINVAL, "exhaustive search: %.3g combinations (limit 1e7)", combos);
  int *idx = calloc((size_t)K, sizeof *idx);
  double *gam = malloc(((size_t)J + 1) * sizeof *gam);
  if (!idx || !gam) {
    free(idx);
    free(gam);
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  }
  double best = INFINITY;
  int64_t n = 0;
  for (;;) {
    memset(gam, 0, (size_t)J * sizeof *gam);
    for (int k = 0; k < K; k++)
      add_model(&inst->lib, gam, inst->cand[inst->cand_off[k] + idx[k]], inst->gain[k]);
    const double v = set_cost(c, gam);
    if (n == 0 || v < best) {
      best = v;
      for (int k = 0; k < K; k++) model[k] = inst->cand[inst->cand_off[k] + idx[k]];
    }
    n++;
    int k = K - 1;
    while (k >= 0 && ++idx[k] == inst->cand_off[k + 1] - inst->cand_off[k]) idx[k--] = 0;
    if (k < 0) break;
  }
  *nodes = n;
  free(idx);
  free(gam);
  return FAI_OK;
}

/* --- MILP (bits cost) ------------------------------------------------------------------------ */

fai_status fai_mba_milp_build(const fai_mba_instance *inst, glp_prob *lp, fai_error *err) {
  const fai_library *lib = &inst->lib;
  const int K = inst->K, J = lib->n_blocks;
  const int nx = inst->cand_off[K];
  int *ycol = calloc((size_t)J + 1, sizeof *ycol); /* block → column of y_j, 0: none */
  if (!ycol) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  char name[96];
  glp_set_prob_name(lp, "mba_bits");
  glp_set_obj_name(lp, "bits");
  glp_set_obj_dir(lp, GLP_MIN);
  if (nx > 0) glp_add_cols(lp, nx);
  for (int k = 0; k < K; k++)
    for (int q = inst->cand_off[k]; q < inst->cand_off[k + 1]; q++) {
      snprintf(name, sizeof name, "x_%d_%d", k, q - inst->cand_off[k]);
      glp_set_col_name(lp, q + 1, name);
      glp_set_col_kind(lp, q + 1, GLP_BV);
    }
  for (int q = 0; q < nx; q++) {
    const int i = inst->cand[q];
    for (int b = lib->model_off[i]; b < lib->model_off[i + 1]; b++) {
      const int j = lib->model_blocks[b];
      if (lib->block_bytes[j] <= 0 || ycol[j]) continue;
      ycol[j] = -1;
    }
  }
  for (int j = 0; j < J; j++) { /* y columns in block order, so the model does not depend on candidate order */
    if (!ycol[j]) continue;
    ycol[j] = glp_add_cols(lp, 1);
    snprintf(name, sizeof name, "y_%d", j);
    glp_set_col_name(lp, ycol[j], name);
    glp_set_col_kind(lp, ycol[j], GLP_BV);
    glp_set_obj_coef(lp, ycol[j], 8.0 * (double)lib->block_bytes[j]);
  }
  int ind[3];
  double val[3];
  for (int k = 0; k < K; k++) {
    const int n = inst->cand_off[k + 1] - inst->cand_off[k];
    if (n < 1) {
      free(ycol);
      return fai_error_set(err, FAI_EINVAL, "$.devices[%d]: no candidate model", k);
    }
    const int r = glp_add_rows(lp, 1);
    snprintf(name, sizeof name, "one_%d", k);
    glp_set_row_name(lp, r, name);
    glp_set_row_bnds(lp, r, GLP_FX, 1.0, 1.0);
    int *ia = malloc(((size_t)n + 1) * sizeof *ia);
    double *va = malloc(((size_t)n + 1) * sizeof *va);
    if (!ia || !va) {
      free(ia), free(va), free(ycol);
      return fai_error_set(err, FAI_ENOMEM, "out of memory");
    }
    for (int a = 0; a < n; a++) ia[a + 1] = inst->cand_off[k] + a + 1, va[a + 1] = 1.0;
    glp_set_mat_row(lp, r, n, ia, va);
    free(ia), free(va);
    for (int q = inst->cand_off[k]; q < inst->cand_off[k + 1]; q++) {
      const int i = inst->cand[q];
      for (int b = lib->model_off[i]; b < lib->model_off[i + 1]; b++) {
        const int j = lib->model_blocks[b];
        if (!ycol[j]) continue;
        const int rr = glp_add_rows(lp, 1);
        snprintf(name, sizeof name, "use_%d_%d_%d", k, q - inst->cand_off[k], j);
        glp_set_row_name(lp, rr, name);
        glp_set_row_bnds(lp, rr, GLP_UP, 0.0, 0.0);
        ind[1] = q + 1, val[1] = 1.0;
        ind[2] = ycol[j], val[2] = -1.0;
        glp_set_mat_row(lp, rr, 2, ind, val);
      }
    }
  }
  free(ycol);
  return FAI_OK;
}

/* Parameter selection by the MILP; the assignment is what GLPK's incumbent picks. */
static fai_status milp_select(const fai_mba_instance *inst, double time_limit_s, int *model,
                              fai_outcome *outcome, fai_error *err) {
  glp_prob *lp = glp_create_prob();
  fai_milp_result res;
  fai_status st = fai_mba_milp_build(inst, lp, err);
  if (st == FAI_OK) st = fai_milp_solve(lp, time_limit_s, &res, err);
  if (st != FAI_OK) goto cleanup;
  if (res.outcome == FAI_OUTCOME_INTERRUPTED) {
    st = fai_error_set(err, FAI_EINTR, "MILP interrupted");
    goto cleanup;
  }
  if (!isfinite(res.objective)) {
    st = fai_error_set(err, FAI_EINVAL, "MILP: no assignment found (%s)", fai_outcome_name(res.outcome));
    goto cleanup;
  }
  for (int k = 0; k < inst->K; k++) {
    model[k] = -1;
    for (int q = inst->cand_off[k]; q < inst->cand_off[k + 1] && model[k] < 0; q++)
      if (glp_mip_col_val(lp, q + 1) > 0.5) model[k] = inst->cand[q];
    if (model[k] < 0) {
      st = fai_error_set(err, FAI_EINVAL, "MILP: device %d has no model in the incumbent", k);
      goto cleanup;
    }
  }
  *outcome = res.outcome == FAI_OUTCOME_OPTIMAL ? FAI_OUTCOME_OPTIMAL : FAI_OUTCOME_FEASIBLE;
cleanup:
  glp_delete_prob(lp);
  return st;
}

/* --- schedule -------------------------------------------------------------------------------- */

/* Transmissions of an assignment: per block (ascending) one broadcast, or for
 * unicast one per (device, block). */
static fai_status build_schedule(const fai_mba_instance *inst, int unicast, fai_mba_solution *s,
                                 fai_error *err) {
  const fai_library *lib = &inst->lib;
  const int K = inst->K, J = lib->n_blocks;
  int cap = 0;
  for (int k = 0; k < K; k++) cap += lib->model_off[s->model[k] + 1] - lib->model_off[s->model[k]];
  s->tx = calloc((size_t)cap + 1, sizeof *s->tx);
  s->rx_off = calloc((size_t)cap + 2, sizeof *s->rx_off);
  s->rx = calloc((size_t)cap + 1, sizeof *s->rx);
  if (!s->tx || !s->rx_off || !s->rx) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  int n = 0, r = 0;
  if (unicast) {
    for (int k = 0; k < K; k++) {
      const int m = s->model[k];
      for (int q = lib->model_off[m]; q < lib->model_off[m + 1]; q++) {
        const int j = lib->model_blocks[q];
        if (lib->block_bytes[j] <= 0) continue;
        s->tx[n] = (fai_mba_tx){j, k, 8.0 * (double)lib->block_bytes[j], inst->gain[k], 0, 0};
        s->rx_off[n] = r;
        s->rx[r++] = k;
        n++;
      }
    }
  } else {
    for (int j = 0; j < J; j++) {
      if (lib->block_bytes[j] <= 0) continue;
      const int r0 = r;
      double g = INFINITY;
      for (int k = 0; k < K; k++)
        if (model_has(lib, s->model[k], j)) {
          s->rx[r++] = k;
          if (inst->gain[k] < g) g = inst->gain[k];
        }
      if (r == r0) continue;
      s->tx[n] = (fai_mba_tx){j, -1, 8.0 * (double)lib->block_bytes[j], g, 0, 0};
      s->rx_off[n] = r0;
      n++;
    }
  }
  s->rx_off[n] = r;
  s->n_tx = n;
  return FAI_OK;
}

fai_status fai_mba_solve(const fai_mba_instance *inst, const fai_mba_params *p,
                         fai_mba_solution *out, fai_error *err) {
  memset(out, 0, sizeof *out);
  const double t0 = omp_get_wtime();
  const fai_library *lib = &inst->lib;
  const int K = inst->K, J = lib->n_blocks;
  fai_status st = FAI_OK;
  double *buf = calloc((size_t)4 * J + 4, sizeof *buf);
  int **cand = calloc((size_t)K + 1, sizeof *cand);
  int *nc = calloc((size_t)K + 1, sizeof *nc);
  double *pb = NULL, *pg = NULL, *pw = NULL, *ts = NULL;
  out->K = K;
  out->model = calloc((size_t)K + 1, sizeof *out->model);
  if (!buf || !cand || !nc || !out->model) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  ctx c = {inst, p->cost, J, buf, buf + J, buf + 2 * J, 0};
  double *gam = buf + 3 * J;
  for (int j = 0; j < J; j++) c.bits[j] = 8.0 * (double)lib->block_bytes[j];
  for (int k = 0; k < K; k++) {
    const int n = inst->cand_off[k + 1] - inst->cand_off[k];
    if (n < 1) {
      st = fai_error_set(err, FAI_EINVAL, "$.devices[%d]: no candidate model", k);
      goto cleanup;
    }
    cand[k] = malloc((size_t)n * sizeof **cand);
    if (!cand[k]) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory");
      goto cleanup;
    }
    nc[k] = pruned_candidates(inst, k, cand[k]);
  }
  out->outcome = FAI_OUTCOME_COMPLETE;
  switch (p->ps) {
    case FAI_MBA_PS_UNICAST:
    case FAI_MBA_PS_NOPS:
      for (int k = 0; k < K; k++) {
        const int *cd = inst->cand + inst->cand_off[k];
        int best = cd[0];
        for (int a = 1; a < inst->cand_off[k + 1] - inst->cand_off[k]; a++) {
          const int i = cd[a];
          if (p->ps == FAI_MBA_PS_NOPS ? lib->accuracy[i] > lib->accuracy[best]
                                       : fai_library_model_bytes(lib, i) < fai_library_model_bytes(lib, best))
            best = i;
        }
        out->model[k] = best;
      }
      break;
    case FAI_MBA_PS_GREEDY:
    case FAI_MBA_PS_TREE:
      greedy(&c, cand, nc, out->model, gam);
      if (p->ps == FAI_MBA_PS_TREE) {
        st = tree_search(&c, cand, nc, out->model, set_cost(&c, gam), &out->nodes, err);
        if (st != FAI_OK) goto cleanup;
        out->outcome = FAI_OUTCOME_OPTIMAL;
      }
      break;
    case FAI_MBA_PS_EXHAUSTIVE:
      st = exhaustive(&c, out->model, &out->nodes, err);
      if (st != FAI_OK) goto cleanup;
      out->outcome = FAI_OUTCOME_OPTIMAL;
      break;
    case FAI_MBA_PS_MILP: /* optimal for the bits of the broadcast set, whatever p->cost says */
      st = milp_select(inst, p->time_limit_s, out->model, &out->outcome, err);
      if (st != FAI_OK) goto cleanup;
      break;
  }
  st = build_schedule(inst, p->ps == FAI_MBA_PS_UNICAST, out, err);
  if (st != FAI_OK) goto cleanup;
  const int n = out->n_tx;
  pb = malloc(((size_t)n + 1) * sizeof *pb);
  pg = malloc(((size_t)n + 1) * sizeof *pg);
  pw = malloc(((size_t)n + 1) * sizeof *pw);
  ts = malloc(((size_t)n + 1) * sizeof *ts);
  if (!pb || !pg || !pw || !ts) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  double bits = 0;
  for (int i = 0; i < n; i++) {
    pb[i] = out->tx[i].bits;
    pg[i] = out->tx[i].gain;
    bits += pb[i];
  }
  fai_pc_problem pr = {n, pb, pg, inst->bandwidth_hz, inst->noise_w_hz, inst->energy_j, inst->max_power_w};
  st = fai_pc_solve(&pr, p->pc, pw, ts, &out->pc, err);
  if (st != FAI_OK) goto cleanup;
  for (int i = 0; i < n; i++) {
    out->tx[i].power_w = pw[i];
    out->tx[i].duration_s = ts[i];
  }
  out->ps_cost = p->cost == FAI_MBA_COST_BITS || p->ps == FAI_MBA_PS_MILP ? bits : out->pc.latency_s;
  if (!out->pc.feasible) out->outcome = FAI_OUTCOME_INFEASIBLE;
cleanup:
  if (cand)
    for (int k = 0; k < K; k++) free(cand[k]);
  free(cand);
  free(nc);
  free(buf);
  free(pb);
  free(pg);
  free(pw);
  free(ts);
  out->seconds = omp_get_wtime() - t0;
  if (st != FAI_OK) fai_mba_solution_free(out);
  return st;
}

/* --- plan ------------------------------------------------------------------------------------ */

static double db(double g) { return 10 * log10(g); }
/* A real, or null when not finite (jansson refuses inf and NaN). */
static json_t *jr(double v) { return isfinite(v) ? json_real(v) : json_null(); }

fai_status fai_mba_plan(const fai_mba_instance *inst, const fai_mba_params *p,
                        const fai_mba_solution *s, fai_plan *plan, fai_error *err) {
  fai_status st = fai_plan_init(plan, "cache.mba", inst->seed, err);
  if (st != FAI_OK) return st;
  const fai_library *lib = &inst->lib;
  static const char *const PC[] = {"closed", "nlopt"};
  static const char *const COST[] = {"latency", "bits"};
  json_t *params = json_pack("{s:s, s:s, s:s}", "ps", fai_mba_ps_name(p->ps), "pc", PC[p->pc],
                             "cost", p->ps == FAI_MBA_PS_MILP ? "bits" : COST[p->cost]);
  json_t *radio = json_pack("{s:f, s:f}", "bandwidth_hz", inst->bandwidth_hz, "noise_dbm_hz",
                            10 * log10(inst->noise_w_hz) + 30);
  if (isfinite(inst->energy_j)) json_object_set_new(radio, "energy_j", json_real(inst->energy_j));
  if (isfinite(inst->max_power_w))
    json_object_set_new(radio, "max_power_w", json_real(inst->max_power_w));
  fai_plan_set(plan, "inputs",
               json_pack("{s:{s:s, s:i, s:i, s:i, s:i}, s:o, s:o}", "instance", "name", inst->name,
                         "devices", inst->K, "blocks", lib->n_blocks, "models", lib->n_models,
                         "tasks", lib->n_tasks, "radio", radio, "params", params));
  json_t *devs = json_array();
  for (int k = 0; k < inst->K; k++) {
    const int m = s->model[k];
    json_array_append_new(
        devs, json_pack("{s:s, s:s, s:s, s:f, s:f, s:f}", "device",
                        inst->device_id + (size_t)k * FAI_LIB_ID_MAX, "task",
                        fai_library_task_id(lib, inst->task[k]), "model", fai_library_model_id(lib, m),
                        "accuracy", lib->accuracy[m], "required", inst->accuracy[k], "gain_db",
                        db(inst->gain[k])));
  }
  json_t *sched = json_array();
  double bits = 0;
  for (int i = 0; i < s->n_tx; i++) {
    const fai_mba_tx *t = &s->tx[i];
    json_t *rx = json_array();
    for (int r = s->rx_off[i]; r < s->rx_off[i + 1]; r++)
      json_array_append_new(rx, json_string(inst->device_id + (size_t)s->rx[r] * FAI_LIB_ID_MAX));
    bits += t->bits;
    json_array_append_new(sched, json_pack("{s:s, s:f, s:o, s:f, s:f, s:o, s:o}", "block",
                                           fai_library_block_id(lib, t->block), "bits", t->bits,
                                           "receivers", rx, "gain_db", db(t->gain), "power_w",
                                           t->power_w, "duration_s", jr(t->duration_s), "energy_j",
                                           jr(t->power_w * t->duration_s)));
  }
  fai_plan_set(plan, "decisions", json_pack("{s:o, s:o}", "devices", devs, "schedule", sched));
  if (isfinite(s->pc.latency_s))
    fai_plan_set_objective(plan, "latency_s", "minimize", s->pc.latency_s, NAN);
  else
    fai_plan_set(plan, "objective", json_pack("{s:s, s:s, s:n}", "name", "latency_s", "sense",
                                              "minimize", "value"));
  json_t *metrics = json_pack("{s:o, s:f, s:i, s:f, s:o}", "energy_j", jr(s->pc.energy_j),
                              "min_energy_j", s->pc.min_energy_j, "transmissions", s->n_tx,
                              "bits_sent", bits, "ps_cost", jr(s->ps_cost));
  if (p->pc == FAI_MBA_PC_CLOSED) json_object_set_new(metrics, "lambda", jr(s->pc.lambda));
  if (p->ps == FAI_MBA_PS_TREE || p->ps == FAI_MBA_PS_EXHAUSTIVE)
    json_object_set_new(metrics, "nodes", json_integer((json_int_t)s->nodes));
  fai_plan_set(plan, "metrics", metrics);
  fai_plan_set_outcome(plan, s->outcome);
  fai_plan_timing(plan, "solve", s->seconds);
  return FAI_OK;
}
