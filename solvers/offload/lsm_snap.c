/* Large–small model collaboration, one snapshot: routes, loads, ratios and
 * the congestion-aware Gauss–Seidel router (include/fluidai/lsm.h).
 *
 * Everything here is sequential and deterministic (index order, ties to the
 * lowest index); the whole-timeline driver (lsm.c) runs one work area per
 * thread over independent snapshots.  The per-item arithmetic is the shared
 * core kernels/offload_core.h (the backend op uses the same functions), and
 * Dijkstra is kernels/sp_core.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/lsm.h"
#include "offload_core.h"
#include "sp_core.h"

struct fai_lsm_work {
  int max_nodes, max_links, R, C;
  const fai_lsm_net *net;
  const fai_lsm_sats *sats;
  fai_lsm_model m;
  /* adjacency of the attached network (CSR over nodes, both directions) */
  int *row_ptr;   /* [max_nodes + 1] */
  int *adj_node;  /* [2 max_links] */
  int *adj_link;  /* [2 max_links] */
  double *adj_w;  /* [2 max_links] weights of the current search */
  int *cs_of;     /* [max_nodes] computing-satellite index or -1 */
  /* routes */
  int *target;    /* [R] computing-satellite index, -1: none */
  int *plen;      /* [R] links on the route */
  int *plink;     /* [R][max_nodes] */
  int *pnode;     /* [R][max_nodes + 1] */
  uint8_t *active;/* [R] counted in the loads */
  double *local;  /* [R] D κ_S / f_r */
  /* loads */
  int *nl;        /* [max_links] n_ab */
  int *nc;        /* [C] n_c */
  /* ratios under the current loads (congestion router) */
  double *lam, *delay, *lam2, *delay2; /* [R] */
  /* scratch */
  double *dist;   /* [max_nodes] */
  int *pred, *heap, *pos; /* [max_nodes] */
  int *tlink, *tnode;     /* [max_nodes + 1] a candidate route */
  int *slink, *snode;     /* [max_nodes + 1] the route being replaced */
  long long moves;        /* congestion: accepted route changes since the reset */
  long long *seen;        /* [R] moves count when r's best response was last computed */
};

void fai_lsm_model_init(fai_lsm_model *m) {
  memset(m, 0, sizeof *m);
  m->kappa_s = 10.0;
  m->kappa_l = 200.0;
  m->result_ratio = 0.0;
  m->objective = FAI_LSM_OBJ_MEAN;
  m->tol = 1e-9;
  m->max_steps = 60;
  m->max_sweeps = 50;
  m->rel_change = 1e-3;
}

const char *fai_lsm_scheme_name(int s) {
  static const char *const names[FAI_LSM_SCHEMES] = {"joint", "shortest", "local", "offload",
                                                     "even"};
  return s >= 0 && s < FAI_LSM_SCHEMES ? names[s] : "?";
}

fai_lsm_work *fai_lsm_work_create(int max_nodes, int max_links, int n_rs, int n_cs) {
  fai_lsm_work *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  const size_t N = (size_t)(max_nodes > 0 ? max_nodes : 1);
  const size_t L = (size_t)(max_links > 0 ? max_links : 1);
  const size_t R = (size_t)(n_rs > 0 ? n_rs : 1), C = (size_t)(n_cs > 0 ? n_cs : 1);
  w->max_nodes = max_nodes;
  w->max_links = max_links;
  w->R = n_rs;
  w->C = n_cs;
  w->row_ptr = malloc((N + 1) * sizeof(int));
  w->adj_node = malloc(2 * L * sizeof(int));
  w->adj_link = malloc(2 * L * sizeof(int));
  w->adj_w = malloc(2 * L * sizeof(double));
  w->cs_of = malloc(N * sizeof(int));
  w->target = malloc(R * sizeof(int));
  w->plen = calloc(R, sizeof(int));
  w->plink = malloc(R * N * sizeof(int));
  w->pnode = malloc(R * (N + 1) * sizeof(int));
  w->active = calloc(R, 1);
  w->local = malloc(R * sizeof(double));
  w->nl = calloc(L, sizeof(int));
  w->nc = calloc(C, sizeof(int));
  w->lam = malloc(R * sizeof(double));
  w->delay = malloc(R * sizeof(double));
  w->lam2 = malloc(R * sizeof(double));
  w->delay2 = malloc(R * sizeof(double));
  w->dist = malloc(N * sizeof(double));
  w->pred = malloc(N * sizeof(int));
  w->heap = malloc(N * sizeof(int));
  w->pos = malloc(N * sizeof(int));
  w->tlink = malloc((N + 1) * sizeof(int));
  w->tnode = malloc((N + 1) * sizeof(int));
  w->slink = malloc((N + 1) * sizeof(int));
  w->snode = malloc((N + 1) * sizeof(int));
  w->seen = malloc(R * sizeof(long long));
  if (!w->row_ptr || !w->adj_node || !w->adj_link || !w->adj_w || !w->cs_of || !w->target ||
      !w->plen || !w->plink || !w->pnode || !w->active || !w->local || !w->nl || !w->nc ||
      !w->lam || !w->delay || !w->lam2 || !w->delay2 || !w->dist || !w->pred || !w->heap ||
      !w->pos || !w->tlink || !w->tnode || !w->slink || !w->snode || !w->seen) {
    fai_lsm_work_free(w);
    return NULL;
  }
  for (size_t r = 0; r < R; r++) w->target[r] = -1;
  return w;
}

void fai_lsm_work_free(fai_lsm_work *w) {
  if (!w) return;
  free(w->row_ptr);
  free(w->adj_node);
  free(w->adj_link);
  free(w->adj_w);
  free(w->cs_of);
  free(w->target);
  free(w->plen);
  free(w->plink);
  free(w->pnode);
  free(w->active);
  free(w->local);
  free(w->nl);
  free(w->nc);
  free(w->lam);
  free(w->delay);
  free(w->lam2);
  free(w->delay2);
  free(w->dist);
  free(w->pred);
  free(w->heap);
  free(w->pos);
  free(w->tlink);
  free(w->tnode);
  free(w->slink);
  free(w->snode);
  free(w->seen);
  free(w);
}

fai_status fai_lsm_work_reset(fai_lsm_work *w, const fai_lsm_net *net, const fai_lsm_sats *sats,
                              const fai_lsm_model *m, fai_error *err) {
  const int N = net->n_nodes, L = net->n_links;
  if (N > w->max_nodes || L > w->max_links || sats->n_rs != w->R || sats->n_cs != w->C)
    return fai_error_set(err, FAI_EINTERNAL,
                         "lsm: work area for %d nodes, %d links, %d/%d satellites used with "
                         "%d, %d, %d/%d",
                         w->max_nodes, w->max_links, w->R, w->C, N, L, sats->n_rs, sats->n_cs);
  w->net = net;
  w->sats = sats;
  w->moves = 0;
  w->m = *m;
  memset(w->row_ptr, 0, ((size_t)N + 1) * sizeof(int));
  for (int l = 0; l < L; l++) {
    w->row_ptr[net->link_a[l] + 1]++;
    w->row_ptr[net->link_b[l] + 1]++;
  }
  for (int v = 0; v < N; v++) w->row_ptr[v + 1] += w->row_ptr[v];
  /* Fill in link order, so each node's neighbours are in link order. */
  for (int v = 0; v < N; v++) w->pos[v] = w->row_ptr[v];
  for (int l = 0; l < L; l++) {
    const int a = net->link_a[l], b = net->link_b[l];
    w->adj_node[w->pos[a]] = b;
    w->adj_link[w->pos[a]++] = l;
    w->adj_node[w->pos[b]] = a;
    w->adj_link[w->pos[b]++] = l;
  }
  for (int v = 0; v < N; v++) w->cs_of[v] = -1;
  for (int c = 0; c < w->C; c++) w->cs_of[sats->cs[c]] = c;
  for (int r = 0; r < w->R; r++) {
    w->target[r] = -1;
    w->plen[r] = 0;
    w->active[r] = 0;
    w->local[r] = sats->rs_bits[r] * m->kappa_s / sats->rs_ops[r];
  }
  memset(w->nl, 0, (size_t)(L > 0 ? L : 1) * sizeof(int));
  memset(w->nc, 0, (size_t)(w->C > 0 ? w->C : 1) * sizeof(int));
  return FAI_OK;
}

/* Propagation (and return) delay of a link list. */
static double route_fixed(const fai_lsm_work *w, int k, const int *links) {
  double s = 0.0;
  for (int i = 0; i < k; i++) s += w->net->prop_s[links[i]];
  return w->m.result_ratio > 0.0 ? 2.0 * s : s;
}

/* Link between u and v on the route (lightest, then lowest id), -1: none. */
static int link_between(const fai_lsm_work *w, int u, int v) {
  int best = -1;
  for (int e = w->row_ptr[u]; e < w->row_ptr[u + 1]; e++) {
    if (w->adj_node[e] != v) continue;
    const int l = w->adj_link[e];
    if (best < 0 || w->adj_w[e] < w->adj_w[best] ||
        (w->adj_w[e] == w->adj_w[best] && l < w->adj_link[best]))
      best = e;
  }
  return best < 0 ? -1 : w->adj_link[best];
}

/* Route from src to dst by predecessors into links/nodes; returns the link
 * count, or -1 when dst was not reached. */
static int route_from_pred(const fai_lsm_work *w, const int *pred, int src, int dst, int *links,
                           int *nodes) {
  int k = 0, v = dst;
  while (v != src) {
    const int u = pred[v];
    if (u < 0 || k >= w->net->n_nodes) return -1;
    links[k] = link_between(w, u, v);
    if (links[k] < 0) return -1;
    nodes[k] = v;
    k++;
    v = u;
  }
  nodes[k] = src;
  /* reverse into source → destination order */
  for (int i = 0, j = k - 1; i < j; i++, j--) {
    const int t = links[i];
    links[i] = links[j];
    links[j] = t;
  }
  for (int i = 0, j = k; i < j; i++, j--) {
    const int t = nodes[i];
    nodes[i] = nodes[j];
    nodes[j] = t;
  }
  return k;
}

static void route_store(fai_lsm_work *w, int r, int target, int k, const int *links,
                        const int *nodes) {
  const size_t N = (size_t)w->max_nodes;
  w->target[r] = target;
  w->plen[r] = k;
  memcpy(w->plink + (size_t)r * N, links, (size_t)k * sizeof(int));
  memcpy(w->pnode + (size_t)r * (N + 1), nodes, ((size_t)k + 1) * sizeof(int));
}

void fai_lsm_route_clear(fai_lsm_work *w, int r) {
  w->target[r] = -1;
  w->plen[r] = 0;
}

static void set_prop_weights(fai_lsm_work *w) {
  const int E = w->row_ptr[w->net->n_nodes];
  for (int e = 0; e < E; e++) w->adj_w[e] = w->net->prop_s[w->adj_link[e]];
}

void fai_lsm_route_shortest(fai_lsm_work *w, const int *pred, const double *dist) {
  const int N = w->net->n_nodes;
  set_prop_weights(w);
  for (int r = 0; r < w->R; r++) {
    const int src = w->sats->rs[r];
    const int *pr;
    const double *di;
    if (pred && dist) {
      pr = pred + (size_t)r * N;
      di = dist + (size_t)r * N;
    } else {
      fai_sp_dijkstra(N, N, w->row_ptr, w->adj_node, w->adj_w, src, w->dist, w->pred, NULL,
                      w->heap, w->pos);
      pr = w->pred;
      di = w->dist;
    }
    int best = -1;
    for (int c = 0; c < w->C; c++) {
      const double d = di[w->sats->cs[c]];
      if (d < FAI_SP_INF && (best < 0 || d < di[w->sats->cs[best]])) best = c;
    }
    fai_lsm_route_clear(w, r);
    if (best < 0) continue;
    const int k = route_from_pred(w, pr, src, w->sats->cs[best], w->tlink, w->tnode);
    if (k >= 0) route_store(w, r, best, k, w->tlink, w->tnode);
  }
}

fai_status fai_lsm_route_set(fai_lsm_work *w, int r, int target, int k, const int *nodes,
                             fai_error *err) {
  if (r < 0 || r >= w->R || target < 0 || target >= w->C || k < 2)
    return fai_error_set(err, FAI_EINVAL, "route of RS %d to computing satellite %d: %d nodes", r,
                         target, k);
  if (nodes[0] != w->sats->rs[r] || nodes[k - 1] != w->sats->cs[target])
    return fai_error_set(err, FAI_EINVAL, "route runs %d -> %d; expected %d -> %d", nodes[0],
                         nodes[k - 1], w->sats->rs[r], w->sats->cs[target]);
  if (k - 1 > w->max_nodes)
    return fai_error_set(err, FAI_EINVAL, "route of %d hops is longer than the %d satellites",
                         k - 1, w->max_nodes);
  set_prop_weights(w);
  for (int i = 0; i + 1 < k; i++) {
    const int u = nodes[i], v = nodes[i + 1];
    const int l = (u >= 0 && u < w->net->n_nodes && v >= 0 && v < w->net->n_nodes)
                      ? link_between(w, u, v)
                      : -1;
    if (l < 0)
      return fai_error_set(err, FAI_EINVAL, "hop %d: no ISL between satellites %d and %d", i, u,
                           v);
    w->tlink[i] = l;
  }
  route_store(w, r, target, k - 1, w->tlink, nodes);
  return FAI_OK;
}

int fai_lsm_route(const fai_lsm_work *w, int r, int *target, const int **links,
                  const int **nodes) {
  const size_t N = (size_t)w->max_nodes;
  if (target) *target = w->target[r];
  if (links) *links = w->plink + (size_t)r * N;
  if (nodes) *nodes = w->pnode + (size_t)r * (N + 1);
  return w->target[r] < 0 ? -1 : w->plen[r];
}

/* Would r offload anything on its current route?  (Independent of loads.) */
static int wants_offload(const fai_lsm_work *w, int r) {
  if (w->target[r] < 0) return 0;
  return w->local[r] > route_fixed(w, w->plen[r], w->plink + (size_t)r * w->max_nodes);
}

static void add_flow(fai_lsm_work *w, int r, int sign) {
  const int *links = w->plink + (size_t)r * w->max_nodes;
  for (int i = 0; i < w->plen[r]; i++) w->nl[links[i]] += sign;
  w->nc[w->target[r]] += sign;
}

void fai_lsm_loads(fai_lsm_work *w, double lam_fix) {
  memset(w->nl, 0, (size_t)(w->net->n_links > 0 ? w->net->n_links : 1) * sizeof(int));
  memset(w->nc, 0, (size_t)(w->C > 0 ? w->C : 1) * sizeof(int));
  for (int r = 0; r < w->R; r++) {
    const int act = w->target[r] >= 0 && (lam_fix < 0 ? wants_offload(w, r) : lam_fix > 0);
    w->active[r] = (uint8_t)act;
    if (act) add_flow(w, r, +1);
  }
}

int fai_lsm_link_load(const fai_lsm_work *w, int link) {
  return w->nl[link];
}

int fai_lsm_cs_load(const fai_lsm_work *w, int c) {
  return w->nc[c];
}

/* Terms of r on links[0..k) to target c, with `extra` added to every load
 * (1 when r is not counted in the loads yet). */
static void terms_of(const fai_lsm_work *w, int r, int c, int k, const int *links, int extra,
                     double lam_fix, double *out) {
  const fai_lsm_net *net = w->net;
  double tx = 0.0;
  for (int i = 0; i < k; i++) tx += (double)(w->nl[links[i]] + extra) / net->rate_bps[links[i]];
  const double D = w->sats->rs_bits[r];
  out[FAI_LSM_T_LOCAL] = w->local[r];
  out[FAI_LSM_T_FIXED] = route_fixed(w, k, links);
  out[FAI_LSM_T_SLOPE] = D * ((1.0 + w->m.result_ratio) * tx +
                              w->m.kappa_l * (double)(w->nc[c] + extra) / w->sats->cs_ops[c]);
  out[FAI_LSM_T_FIX] = lam_fix;
}

void fai_lsm_terms(const fai_lsm_work *w, int r, double lam_fix, double out[4]) {
  if (w->target[r] < 0) { /* nowhere to offload: local only */
    out[FAI_LSM_T_LOCAL] = w->local[r];
    out[FAI_LSM_T_FIXED] = FAI_SP_INF;
    out[FAI_LSM_T_SLOPE] = 0.0;
    out[FAI_LSM_T_FIX] = lam_fix < 0 ? lam_fix : 0.0;
    return;
  }
  terms_of(w, r, w->target[r], w->plen[r], w->plink + (size_t)r * w->max_nodes,
           w->active[r] ? 0 : 1, lam_fix, out);
}

static double objective_of(const fai_lsm_work *w, const double *delay) {
  double acc = 0.0;
  if (w->R == 0) return 0.0;
  if (w->m.objective == FAI_LSM_OBJ_MAX) {
    for (int r = 0; r < w->R; r++) acc = delay[r] > acc ? delay[r] : acc;
    return acc;
  }
  for (int r = 0; r < w->R; r++) acc += delay[r];
  return acc / (double)w->R;
}

double fai_lsm_evaluate(fai_lsm_work *w, double lam_fix, double *lam, double *delay) {
  double t[FAI_LSM_TERMS];
  for (int r = 0; r < w->R; r++) {
    fai_lsm_terms(w, r, lam_fix, t);
    fai_lsm_item(t, w->m.tol, w->m.max_steps, lam + r, delay + r);
  }
  return objective_of(w, delay);
}

static int same_route(const fai_lsm_work *w, int r, int c, int k, const int *links) {
  if (w->target[r] != c || w->plen[r] != k) return 0;
  return memcmp(w->plink + (size_t)r * w->max_nodes, links, (size_t)k * sizeof(int)) == 0;
}

int fai_lsm_congestion(fai_lsm_work *w, double *trace) {
  const fai_lsm_net *net = w->net;
  const int N = net->n_nodes, E = w->row_ptr[N];
  const double rho1 = 1.0 + w->m.result_ratio;
  double t[FAI_LSM_TERMS];
  fai_lsm_loads(w, -1.0);
  double J = fai_lsm_evaluate(w, -1.0, w->lam, w->delay);
  if (trace) trace[0] = J;
  int sweep = 0;
  for (int r = 0; r < w->R; r++) w->seen[r] = -1;
  while (sweep < w->m.max_sweeps) {
    const double J0 = J;
    sweep++;
    for (int r = 0; r < w->R; r++) {
      /* A satellite that does not offload on its shortest route never gains
       * from a longer one (the propagation alone exceeds its local time). */
      if (w->target[r] < 0 || !w->active[r]) continue;
      /* No move accepted since r last looked: loads, λ_r and J are the
       * same, so the search would find the same answer again. */
      if (w->seen[r] == w->moves) continue;
      w->seen[r] = w->moves;
      const double D = w->sats->rs_bits[r];
      const double lr = w->lam[r];
      add_flow(w, r, -1);
      for (int e = 0; e < E; e++) {
        const int l = w->adj_link[e];
        w->adj_w[e] = net->prop_s[l] + lr * D * rho1 * (double)(w->nl[l] + 1) / net->rate_bps[l];
      }
      fai_sp_dijkstra(N, N, w->row_ptr, w->adj_node, w->adj_w, w->sats->rs[r], w->dist, w->pred,
                      NULL, w->heap, w->pos);
      int best = -1, bk = 0;
      double bestT = 0.0;
      for (int c = 0; c < w->C; c++) {
        if (!(w->dist[w->sats->cs[c]] < FAI_SP_INF)) continue;
        const int k = route_from_pred(w, w->pred, w->sats->rs[r], w->sats->cs[c], w->tlink,
                                      w->tnode);
        if (k < 0) continue;
        double lam, T;
        terms_of(w, r, c, k, w->tlink, 1, -1.0, t);
        (void)fai_lsm_bisect(t, w->m.tol, w->m.max_steps, &lam, &T);
        if (best < 0 || T < bestT) {
          best = c;
          bestT = T;
          bk = k;
          memcpy(w->slink, w->tlink, (size_t)k * sizeof(int));
          memcpy(w->snode, w->tnode, ((size_t)k + 1) * sizeof(int));
        }
      }
      if (best < 0 || same_route(w, r, best, bk, w->slink)) {
        add_flow(w, r, +1);
        continue;
      }
      /* Try the move: keep the old route in tlink/tnode to restore it. */
      const int oc = w->target[r], ok = w->plen[r];
      memcpy(w->tlink, w->plink + (size_t)r * w->max_nodes, (size_t)ok * sizeof(int));
      memcpy(w->tnode, w->pnode + (size_t)r * (w->max_nodes + 1), ((size_t)ok + 1) * sizeof(int));
      route_store(w, r, best, bk, w->slink, w->snode);
      w->active[r] = (uint8_t)wants_offload(w, r);
      if (w->active[r]) add_flow(w, r, +1);
      const double Jn = fai_lsm_evaluate(w, -1.0, w->lam2, w->delay2);
      if (Jn < J) {
        J = Jn;
        w->moves++;
        w->seen[r] = w->moves;
        memcpy(w->lam, w->lam2, (size_t)w->R * sizeof(double));
        memcpy(w->delay, w->delay2, (size_t)w->R * sizeof(double));
      } else {
        if (w->active[r]) add_flow(w, r, -1);
        route_store(w, r, oc, ok, w->tlink, w->tnode);
        w->active[r] = 1;
        add_flow(w, r, +1);
      }
    }
    if (trace) trace[sweep] = J;
    if (!(J0 > 0.0) || !(J0 - J >= w->m.rel_change * J0)) break;
  }
  return sweep;
}

long long fai_lsm_work_moves(const fai_lsm_work *w) {
  return w->moves;
}
