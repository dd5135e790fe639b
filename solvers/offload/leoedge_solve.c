/* LEOEdge relaxed three-layer problem: the layered distributed iteration,
 * the central references (GLPK simplex, NLopt SLSQP), rounding, the
 * threshold and workload baselines on a static instance, and the plan
 * (PAPERS.md §11.2).
 *
 * Distributed iteration.  §11.2's updates are projected gradient steps on
 * the Lagrangian — primal ascent y ← [y + γ·∂L/∂y]₀¹ at each layer, dual
 * descent on the multipliers λ (satellites ↔ LBS), μ (LBS ↔ servers) and
 * η (servers ↔ containers).  Plain simultaneous steps (Arrow–Hurwicz) need
 * not converge on this problem because it is linear in y: the Lagrangian is
 * bilinear and the iterates circle the saddle point.  We therefore use the
 * same steps in the form of Chambolle and Pock (2011): the multipliers are
 * updated with the extrapolated primal point 2y⁺ − y, which makes the
 * iteration converge for any linear program, with diagonal step sizes
 * τ_j = θ/Σ_i|A_ij|, σ_i = 1/(θ·Σ_j|A_ij|) (Pock and Chambolle 2011, α = 1)
 * so every layer has its own step size and no global norm is needed.  The
 * average since the last restart is kept, and the iteration restarts from
 * it when that halves the optimality gap (as in PDLP), which turns the
 * O(1/t) ergodic rate into a fast linear one on these small LPs.
 *
 * Stopping is certified: U(λ, μ, η) = Σ_o η_o cap_o + Σ_j [reduced cost_j]₊
 * bounds the relaxed optimum from above for any multipliers (η >= 0), and a
 * repair of the current primal — each container scales its column to its
 * cap, then each task's row to <= 1 — is feasible with value V.  The loop
 * stops when U − V <= tol·max(|U|, 1e-12); V is reported, so it is within
 * tol of the optimum.  The repair and the bound are one extra up-and-down
 * pass through the layers and are counted as messages.
 *
 * Upper layers run on slower time scales (LEO_RATE_MID, LEO_RATE_TOP below):
 * between their updates their variables and multipliers are held, which is
 * a deterministic block-coordinate variant of the same iteration.
 *
 * Messages are counted as scalars crossing a layer boundary: per update of
 * a layer, 2·K between satellites and the LBS (y1_k up, λ_k down), 2·K·J
 * between the LBS and the servers (y2_ks, μ_ks), 2·K·O between servers and
 * their containers (μ_ks down, y3_ko up) — so the last pair dominates and
 * the first grows linearly with the number of tasks, as in the paper. */
#include <glpk.h>
#include <math.h>
#include <nlopt.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/json.h"
#include "fluidai/leoedge.h"

/* Time scales: the middle layer (y2, μ) moves every LEO_RATE_MID bottom
 * iterations, the top layer (y1, λ) every LEO_RATE_TOP.  Measured on 50
 * random instances (tol 1e-6): rates (1,1) 9.1k iterations, (2,4) 12.6k,
 * (2,8) 13.6k, all certified; (1,16) and (4,8) stall (no certificate within
 * 200k), so the defaults keep a factor 2 of margin.  The top layer is the
 * satellites' link, so it is the one made slowest. */
#define LEO_RATE_MID 2
#define LEO_RATE_TOP 4

void fai_leo_params_init(fai_leo_params *p) {
  p->algo = FAI_LEO_DISTRIBUTED;
  p->benefit = FAI_LEO_F_LOG;
  p->alpha = NAN;
  p->load_cap = NAN;
  p->tol = 1e-7;
  p->max_iter = 200000;
  p->reference = 1;
  p->threshold_ms = 20.0;
}

void fai_leo_solution_free(fai_leo_solution *s) {
  if (!s) return;
  free(s->benefit);
  free(s->y);
  free(s->cont);
  free(s->load);
  memset(s, 0, sizeof *s);
}

/* --- certificate ----------------------------------------------------------------- */

/* Dual bound U for multipliers (λ, μ, η); η must be >= 0. */
static double dual_bound(const fai_leo_relaxed *r, const double *lam, const double *mu,
                         const double *eta) {
  double u = 0.0;
  for (int o = 0; o < r->O; o++) u += eta[o] * r->cap[o];
  for (int k = 0; k < r->K; k++) {
    u += fmax(0.0, -lam[k]);
    for (int s = 0; s < r->J; s++) u += fmax(0.0, lam[k] - mu[(size_t)k * r->J + s]);
    for (int o = 0; o < r->O; o++) {
      const size_t q = (size_t)k * r->O + o;
      u += fmax(0.0, r->B[q] + mu[(size_t)k * r->J + r->cont_srv[o]] - eta[o] * r->w[q]);
    }
  }
  return u;
}

/* Feasible repair of y3 (in place into out[K·O]); returns its value. */
static double repair(const fai_leo_relaxed *r, const double *y3, double *out) {
  const int K = r->K, O = r->O;
  for (size_t q = 0; q < (size_t)K * O; q++) {
    const double v = y3[q] < 0 ? 0 : y3[q] > 1 ? 1 : y3[q];
    out[q] = r->B[q] > 0 ? v : 0.0;
  }
  for (int o = 0; o < O; o++) {
    double l = 0.0;
    for (int k = 0; k < K; k++) l += r->w[(size_t)k * O + o] * out[(size_t)k * O + o];
    if (l > r->cap[o]) {
      const double f = l > 0 ? r->cap[o] / l : 0.0;
      for (int k = 0; k < K; k++) out[(size_t)k * O + o] *= f;
    }
  }
  double v = 0.0;
  for (int k = 0; k < K; k++) {
    double s = 0.0;
    for (int o = 0; o < O; o++) s += out[(size_t)k * O + o];
    if (s > 1.0)
      for (int o = 0; o < O; o++) out[(size_t)k * O + o] /= s;
    for (int o = 0; o < O; o++) v += r->B[(size_t)k * O + o] * out[(size_t)k * O + o];
  }
  return v;
}

/* --- distributed ------------------------------------------------------------------ */

fai_status fai_leo_relaxed_distributed(const fai_leo_relaxed *r, double tol, int max_iter,
                                       double *y_out, double *value, double *bound,
                                       fai_leo_layer_stats *st, int *converged, fai_error *err) {
  return fai_leo_relaxed_distributed_warm(r, tol, max_iter, NULL, y_out, value, bound, st,
                                          converged, err);
}

fai_status fai_leo_relaxed_distributed_warm(const fai_leo_relaxed *r, double tol, int max_iter,
                                            fai_leo_warm *warm, double *y_out, double *value,
                                            double *bound, fai_leo_layer_stats *st, int *converged,
                                            fai_error *err) {
  const int K = r->K, O = r->O, J = r->J;
  const size_t n1 = (size_t)K, n2 = (size_t)K * J, n3 = (size_t)K * O;
  const size_t nx = n1 + n2 + n3, nd = n1 + n2 + (size_t)O;
  memset(st, 0, sizeof *st);
  *converged = 0;
  memset(y_out, 0, (size_t)K * O * sizeof(double));
  if (K == 0 || O == 0) {
    *value = *bound = 0.0;
    *converged = 1;
    return FAI_OK;
  }
  /* x = (y1, y2, y3), d = (λ, μ, η); tau/sig the diagonal steps; *a the averages. */
  double *buf = calloc(4 * nx + 4 * nd + n3 + 1, sizeof(double));
  int *n_in_srv = calloc((size_t)J, sizeof(int));
  if (!buf || !n_in_srv) {
    free(buf);
    free(n_in_srv);
    return fai_error_set(err, FAI_ENOMEM, "out of memory for the LEOEdge iteration");
  }
  double *x = buf, *xa = x + nx, *tau = xa + nx, *xn = tau + nx;
  double *d = xn + nx, *da = d + nd, *sig = da + nd, *dn = sig + nd;
  double *rep = dn + nd;
  for (int o = 0; o < O; o++) n_in_srv[r->cont_srv[o]]++;
  double bmax = 0.0;
  for (size_t q = 0; q < n3; q++) bmax = fmax(bmax, r->B[q]);
  if (!(bmax > 0)) {
    /* Nothing is worth offloading: y = 0 is optimal, U = 0 with zero prices
     * (a warm start keeps its container prices η for the next problem). */
    memset(y_out, 0, n3 * sizeof(double));
    if (warm) {
      memset(warm->x, 0, nx * sizeof(double));
      memset(warm->d, 0, (n1 + n2) * sizeof(double));
    }
    *value = *bound = 0.0;
    *converged = 1;
    free(buf);
    free(n_in_srv);
    return FAI_OK;
  }
  /* Primal weight: prices live on the scale of B, decisions on [0,1]. */
  const double theta = 1.0 / bmax;
  for (size_t k = 0; k < n1; k++) tau[k] = theta / 1.0;
  for (size_t q = 0; q < n2; q++) tau[n1 + q] = theta / 2.0;
  for (size_t q = 0; q < n3; q++) tau[n1 + n2 + q] = theta / (1.0 + r->w[q]);
  for (int k = 0; k < K; k++) sig[k] = 1.0 / (theta * (1.0 + J));
  for (int k = 0; k < K; k++)
    for (int s = 0; s < J; s++) sig[n1 + (size_t)k * J + s] = 1.0 / (theta * (1.0 + n_in_srv[s]));
  for (int o = 0; o < O; o++) {
    double cs = 0.0;
    for (int k = 0; k < K; k++) cs += r->w[(size_t)k * O + o];
    sig[n1 + n2 + o] = 1.0 / (theta * fmax(cs, 1e-12));
  }
  const double *B = r->B, *w = r->w;
  if (warm) {
    for (size_t q = 0; q < nx; q++) x[q] = fmin(1.0, fmax(0.0, warm->x[q]));
    for (size_t q = 0; q < nd; q++) d[q] = q < n1 + n2 ? warm->d[q] : fmax(0.0, warm->d[q]);
  }
  double best_gap = INFINITY, best_v = 0.0, best_u = INFINITY, restart_gap = INFINITY;
  long long since = 0, it = 0;
  const int check = 64;
  fai_status stt = FAI_OK;
  for (it = 0; it < max_iter; it++) {
    const double *y1 = x, *y2 = x + n1, *y3 = x + n1 + n2;
    const double *lam = d, *mu = d + n1, *eta = d + n1 + n2;
    double *z1 = xn, *z2 = xn + n1, *z3 = xn + n1 + n2;
    /* Primal steps: top (satellites), middle (LBS), bottom (containers). */
    const int do_top = (it % LEO_RATE_TOP) == 0;
    for (int k = 0; k < K; k++) z1[k] = do_top ? fmin(1.0, fmax(0.0, y1[k] - tau[k] * lam[k])) : y1[k];
    const int do_mid = (it % LEO_RATE_MID) == 0;
    for (size_t q = 0; q < n2; q++) {
      const size_t k = q / (size_t)J;
      z2[q] = do_mid ? fmin(1.0, fmax(0.0, y2[q] + tau[n1 + q] * (lam[k] - mu[q]))) : y2[q];
    }
    for (int k = 0; k < K; k++)
      for (int o = 0; o < O; o++) {
        const size_t q = (size_t)k * O + o;
        const double g = B[q] + mu[(size_t)k * J + r->cont_srv[o]] - eta[o] * w[q];
        z3[q] = fmin(1.0, fmax(0.0, y3[q] + tau[n1 + n2 + q] * g));
      }
    /* Dual steps on the extrapolated point ȳ = 2y⁺ − y. */
    for (int k = 0; k < K; k++) {
      double rt = 2 * z1[k] - y1[k];
      for (int s = 0; s < J; s++) rt -= 2 * z2[(size_t)k * J + s] - y2[(size_t)k * J + s];
      dn[k] = do_top ? lam[k] + sig[k] * rt : lam[k];
      for (int s = 0; s < J; s++) {
        const size_t q = (size_t)k * J + s;
        double rm = 2 * z2[q] - y2[q];
        for (int o = 0; o < O; o++)
          if (r->cont_srv[o] == s) rm -= 2 * z3[(size_t)k * O + o] - y3[(size_t)k * O + o];
        dn[n1 + q] = do_mid ? mu[q] + sig[n1 + q] * rm : mu[q];
      }
    }
    for (int o = 0; o < O; o++) {
      double rb = -r->cap[o];
      for (int k = 0; k < K; k++) {
        const size_t q = (size_t)k * O + o;
        rb += w[q] * (2 * z3[q] - y3[q]);
      }
      dn[n1 + n2 + o] = fmax(0.0, eta[o] + sig[n1 + n2 + o] * rb);
    }
    memcpy(x, xn, nx * sizeof(double));
    memcpy(d, dn, nd * sizeof(double));
    since++;
    for (size_t q = 0; q < nx; q++) xa[q] += (x[q] - xa[q]) / (double)since;
    for (size_t q = 0; q < nd; q++) da[q] += (d[q] - da[q]) / (double)since;
    if (do_top) st->msg_sat_lbs += 2LL * K, st->iter_top++;
    if (do_mid) st->msg_lbs_srv += 2LL * K * J, st->iter_mid++;
    st->msg_srv_cont += 2LL * K * O;
    /* Certificate at iterations 1, 2, 4, …, check, then every check: a
     * warm-started problem is often certified within a few iterations. */
    const long long c1 = it + 1;
    if (c1 % check && (c1 > check || (c1 & (c1 - 1)))) continue;
    /* Certificate pass for the current and the averaged point. */
    st->msg_sat_lbs += 2LL * K;
    st->msg_lbs_srv += 2LL * K * J;
    st->msg_srv_cont += 2LL * K * O;
    const double uc = dual_bound(r, d, d + n1, d + n1 + n2);
    const double vc = repair(r, x + n1 + n2, rep);
    const double ua = dual_bound(r, da, da + n1, da + n1 + n2);
    const double va = repair(r, xa + n1 + n2, rep);
    const double u = fmin(uc, ua), v = fmax(vc, va);
    if (u < best_u) best_u = u;
    if (v > best_v) {
      best_v = v;
      repair(r, vc >= va ? x + n1 + n2 : xa + n1 + n2, y_out);
    }
    best_gap = best_u - best_v;
    if (best_gap <= tol * fmax(fabs(best_u), 1e-12)) {
      *converged = 1;
      it++;
      break;
    }
    /* Restart from the average when it halved the gap since the last restart. */
    const double ga = ua - va, gc = uc - vc;
    if (restart_gap == INFINITY) restart_gap = fmin(ga, gc);
    else if (fmin(ga, gc) <= 0.5 * restart_gap) {
      if (ga < gc) {
        memcpy(x, xa, nx * sizeof(double));
        memcpy(d, da, nd * sizeof(double));
      }
      memcpy(xa, x, nx * sizeof(double));
      memcpy(da, d, nd * sizeof(double));
      since = 0;
      restart_gap = fmin(ga, gc);
    }
    if (fai_interrupted()) {
      stt = fai_error_set(err, FAI_EINTR, "interrupted after %lld iterations", it + 1);
      it++;
      break;
    }
  }
  st->iter_bot = it;
  if (warm) {
    memcpy(warm->x, x, nx * sizeof(double));
    memcpy(warm->d, d, nd * sizeof(double));
  }
  *value = best_v;
  *bound = best_u;
  free(buf);
  free(n_in_srv);
  return stt;
}

/* --- central references ------------------------------------------------------------ */

fai_status fai_leo_relaxed_glpk(const fai_leo_relaxed *r, double *y, double *value, fai_error *err) {
  const int K = r->K, O = r->O;
  *value = 0.0;
  if (K == 0 || O == 0) return FAI_OK;
  fai_glpk_route_output();
  glp_prob *lp = glp_create_prob();
  glp_set_obj_dir(lp, GLP_MAX);
  glp_add_rows(lp, K + O);
  for (int k = 0; k < K; k++) glp_set_row_bnds(lp, k + 1, GLP_UP, 0.0, 1.0);
  for (int o = 0; o < O; o++) glp_set_row_bnds(lp, K + o + 1, GLP_UP, 0.0, r->cap[o]);
  glp_add_cols(lp, K * O);
  int *ia = malloc(sizeof(int) * (2 * (size_t)K * O + 1));
  int *ja = malloc(sizeof(int) * (2 * (size_t)K * O + 1));
  double *ar = malloc(sizeof(double) * (2 * (size_t)K * O + 1));
  if (!ia || !ja || !ar) {
    free(ia), free(ja), free(ar);
    glp_delete_prob(lp);
    return fai_error_set(err, FAI_ENOMEM, "out of memory for the LEOEdge LP");
  }
  int nz = 0;
  for (int k = 0; k < K; k++)
    for (int o = 0; o < O; o++) {
      const int c = k * O + o + 1;
      glp_set_col_bnds(lp, c, GLP_DB, 0.0, 1.0);
      glp_set_obj_coef(lp, c, r->B[(size_t)k * O + o]);
      ++nz, ia[nz] = k + 1, ja[nz] = c, ar[nz] = 1.0;
      ++nz, ia[nz] = K + o + 1, ja[nz] = c, ar[nz] = r->w[(size_t)k * O + o];
    }
  glp_load_matrix(lp, nz, ia, ja, ar);
  free(ia), free(ja), free(ar);
  glp_smcp parm;
  glp_init_smcp(&parm);
  parm.msg_lev = GLP_MSG_OFF;
  parm.presolve = GLP_OFF;
  fai_status st = FAI_OK;
  const int rc = glp_simplex(lp, &parm);
  if (rc != 0 || glp_get_status(lp) != GLP_OPT)
    st = fai_error_set(err, FAI_EINTERNAL, "GLPK simplex failed on the LEOEdge LP (rc %d, status %d)",
                       rc, glp_get_status(lp));
  else {
    *value = glp_get_obj_val(lp);
    if (y)
      for (int q = 0; q < K * O; q++) y[q] = glp_get_col_prim(lp, q + 1);
  }
  glp_delete_prob(lp);
  return st;
}

typedef struct nl_data {
  const fai_leo_relaxed *r;
} nl_data;

static double nl_obj(unsigned n, const double *x, double *grad, void *data) {
  const fai_leo_relaxed *r = ((nl_data *)data)->r;
  double v = 0.0;
  for (unsigned q = 0; q < n; q++) {
    v -= r->B[q] * x[q];
    if (grad) grad[q] = -r->B[q];
  }
  return v;
}

/* m = K + O constraints: Σ_o y_ko − 1 <= 0 and Σ_k w_ko y_ko − cap_o <= 0. */
static void nl_cons(unsigned m, double *res, unsigned n, const double *x, double *grad, void *data) {
  const fai_leo_relaxed *r = ((nl_data *)data)->r;
  const int K = r->K, O = r->O;
  if (grad) memset(grad, 0, sizeof(double) * m * n);
  for (int k = 0; k < K; k++) {
    double s = -1.0;
    for (int o = 0; o < O; o++) {
      s += x[k * O + o];
      if (grad) grad[(size_t)k * n + (size_t)k * O + o] = 1.0;
    }
    res[k] = s;
  }
  for (int o = 0; o < O; o++) {
    double s = -r->cap[o];
    for (int k = 0; k < K; k++) {
      s += r->w[(size_t)k * O + o] * x[k * O + o];
      if (grad) grad[(size_t)(K + o) * n + (size_t)k * O + o] = r->w[(size_t)k * O + o];
    }
    res[K + o] = s;
  }
}

fai_status fai_leo_relaxed_nlopt(const fai_leo_relaxed *r, double *y, double *value,
                                 fai_error *err) {
  const unsigned n = (unsigned)(r->K * r->O), m = (unsigned)(r->K + r->O);
  *value = 0.0;
  if (n == 0) return FAI_OK;
  double *x = calloc(n, sizeof(double)), *lb = calloc(n, sizeof(double)),
         *ub = malloc(n * sizeof(double)), *tol = malloc(m * sizeof(double));
  if (!x || !lb || !ub || !tol) {
    free(x), free(lb), free(ub), free(tol);
    return fai_error_set(err, FAI_ENOMEM, "out of memory for NLopt");
  }
  for (unsigned q = 0; q < n; q++) ub[q] = 1.0;
  for (unsigned q = 0; q < m; q++) tol[q] = 1e-12;
  nl_data dd = {r};
  nlopt_opt opt = nlopt_create(NLOPT_LD_SLSQP, n);
  nlopt_set_lower_bounds(opt, lb);
  nlopt_set_upper_bounds(opt, ub);
  nlopt_set_min_objective(opt, nl_obj, &dd);
  nlopt_add_inequality_mconstraint(opt, m, nl_cons, &dd, tol);
  nlopt_set_xtol_rel(opt, 1e-12);
  nlopt_set_ftol_rel(opt, 1e-14);
  nlopt_set_maxeval(opt, 5000);
  double f = 0.0;
  const nlopt_result nr = nlopt_optimize(opt, x, &f);
  nlopt_destroy(opt);
  fai_status st = FAI_OK;
  /* ROUNDOFF_LIMITED is common on these degenerate LPs and still leaves the
   * best point found in x: keep it (the value is of its feasible repair). */
  if (nr < 0 && nr != NLOPT_ROUNDOFF_LIMITED)
    st = fai_error_set(err, FAI_EINTERNAL, "NLopt SLSQP failed on the LEOEdge relaxation (%d)",
                       (int)nr);
  else {
    /* Report the value of the feasible repair, so it is comparable. */
    double *fx = malloc(n * sizeof(double));
    if (fx) {
      *value = repair(r, x, fx);
      if (y) memcpy(y, fx, n * sizeof(double));
      free(fx);
    } else {
      *value = -f;
    }
  }
  free(x), free(lb), free(ub), free(tol);
  return st;
}

/* --- rounding ------------------------------------------------------------------------ */

/* Tasks in order of their offloaded fraction y1_k = Σ_o y_ko (largest first;
 * ties: larger best benefit, lower index); each takes, among the containers
 * where it still fits under the cap, the one with the largest fraction (ties:
 * larger B, lower index).  Tasks with y1_k = 0 come last, so spare capacity
 * is still used; pairs with B <= 0 are never chosen. */
typedef struct task_key {
  double y, b;
  int k;
} task_key;

static int cmp_tasks(const void *a, const void *b) {
  const task_key *p = a, *q = b;
  if (p->y != q->y) return p->y > q->y ? -1 : 1;
  if (p->b != q->b) return p->b > q->b ? -1 : 1;
  return p->k < q->k ? -1 : p->k > q->k;
}

double fai_leo_round(const fai_leo_relaxed *r, const double *y, int *cont) {
  const int K = r->K, O = r->O;
  task_key *tk = malloc(sizeof *tk * ((size_t)K + 1));
  double *used = calloc((size_t)O + 1, sizeof(double));
  double v = 0.0;
  for (int k = 0; k < K; k++) cont[k] = -1;
  if (!tk || !used) {
    free(tk), free(used);
    return 0.0;
  }
  for (int k = 0; k < K; k++) {
    double s = 0.0, bm = 0.0;
    for (int o = 0; o < O; o++) {
      s += y[(size_t)k * O + o];
      bm = fmax(bm, r->B[(size_t)k * O + o]);
    }
    tk[k] = (task_key){s > 1e-9 ? s : 0.0, bm, k};
  }
  qsort(tk, (size_t)K, sizeof *tk, cmp_tasks);
  for (int i = 0; i < K; i++) {
    const int k = tk[i].k;
    int best = -1;
    for (int o = 0; o < O; o++) {
      const size_t q = (size_t)k * O + o;
      if (!(r->B[q] > 0) || used[o] + r->w[q] > r->cap[o]) continue;
      if (best < 0) {
        best = o;
        continue;
      }
      const size_t qb = (size_t)k * O + best;
      if (y[q] > y[qb] || (y[q] == y[qb] && r->B[q] > r->B[qb])) best = o;
    }
    if (best < 0) continue;
    cont[k] = best;
    used[best] += r->w[(size_t)k * O + best];
    v += r->B[(size_t)k * O + best];
  }
  free(tk);
  free(used);
  return v;
}

/* --- whole instance ------------------------------------------------------------------- */

static void baseline(const fai_leo_instance *in, const fai_leo_params *p, double P,
                     const double *wq, int *cont) {
  const int K = in->n_tasks, O = in->n_cont;
  double *load = malloc(sizeof(double) * ((size_t)O + 1));
  if (!load) return;
  for (int o = 0; o < O; o++) load[o] = in->base_load[o];
  for (int k = 0; k < K; k++) {
    int best = 0;
    double mean = 0.0;
    for (int o = 0; o < O; o++) {
      mean += load[o] / O;
      if (load[o] < load[best]) best = o;
    }
    const int go = p->algo == FAI_LEO_THRESHOLD ? in->local_s[k] * 1e3 > p->threshold_ms : mean < P;
    cont[k] = go ? best : -1;
    if (go) load[best] += wq[(size_t)k * O + best];
  }
  free(load);
}

fai_status fai_leo_solve(const fai_leo_instance *in, const fai_leo_params *p,
                         fai_leo_solution *sol, fai_error *err) {
  const int K = in->n_tasks, O = in->n_cont;
  const double alpha = isnan(p->alpha) ? in->alpha : p->alpha;
  const double P = isnan(p->load_cap) ? in->load_cap : p->load_cap;
  fai_status st = FAI_OK;
  memset(sol, 0, sizeof *sol);
  if (!(alpha >= 0 && alpha <= 1))
    return fai_error_set(err, FAI_EINVAL, "alpha %g; expected a number in [0, 1]", alpha);
  if (!(P > 0 && P <= 1))
    return fai_error_set(err, FAI_EINVAL, "load cap %g; expected a number in (0, 1]", P);
  sol->K = K;
  sol->O = O;
  sol->benefit = calloc((size_t)K * O + 1, sizeof(double));
  sol->y = calloc((size_t)K * O + 1, sizeof(double));
  sol->cont = calloc((size_t)K + 1, sizeof(int));
  sol->load = calloc((size_t)O + 1, sizeof(double));
  double *w = calloc((size_t)K * O + 1, sizeof(double)), *cap = calloc((size_t)O + 1, sizeof(double));
  if (!sol->benefit || !sol->y || !sol->cont || !sol->load || !w || !cap) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory for a LEOEdge solution");
    goto cleanup;
  }
  fai_leo_benefits(in, p->benefit, alpha, sol->benefit);
  for (int k = 0; k < K; k++)
    for (int o = 0; o < O; o++) w[(size_t)k * O + o] = in->work_s[k] / (in->speed[o] * in->window_s);
  for (int o = 0; o < O; o++) cap[o] = fmax(0.0, P - in->base_load[o]);
  fai_leo_relaxed r = {K, O, in->n_servers, in->cont_srv, sol->benefit, w, cap};
  sol->reference = NAN;
  sol->ref_gap = NAN;
  sol->bound = NAN;
  sol->relaxed = NAN;
  if (p->reference || p->algo == FAI_LEO_CENTRAL) {
    double *yc = p->algo == FAI_LEO_CENTRAL ? sol->y : NULL;
    FAI_TRY(fai_leo_relaxed_glpk(&r, yc, &sol->reference, err));
  }
  switch (p->algo) {
    case FAI_LEO_DISTRIBUTED:
      st = fai_leo_relaxed_distributed(&r, p->tol, p->max_iter, sol->y, &sol->relaxed, &sol->bound,
                                       &sol->st, &sol->converged, err);
      if (st == FAI_EINTR) {
        fai_error_clear(err);
        sol->outcome = FAI_OUTCOME_INTERRUPTED;
        st = FAI_OK;
      } else if (st != FAI_OK) {
        goto cleanup;
      } else {
        sol->outcome = sol->converged ? FAI_OUTCOME_OPTIMAL : FAI_OUTCOME_FEASIBLE;
      }
      sol->rounded = fai_leo_round(&r, sol->y, sol->cont);
      break;
    case FAI_LEO_CENTRAL:
      sol->relaxed = sol->bound = sol->reference;
      sol->converged = 1;
      sol->outcome = FAI_OUTCOME_OPTIMAL;
      sol->rounded = fai_leo_round(&r, sol->y, sol->cont);
      break;
    default:
      baseline(in, p, P, w, sol->cont);
      sol->rounded = 0.0;
      for (int k = 0; k < K; k++)
        if (sol->cont[k] >= 0) sol->rounded += sol->benefit[(size_t)k * O + sol->cont[k]];
      sol->outcome = FAI_OUTCOME_COMPLETE;
      break;
  }
  if (isfinite(sol->reference) && isfinite(sol->relaxed))
    sol->ref_gap = (sol->reference - sol->relaxed) / fmax(1e-12, fabs(sol->reference));
  for (int o = 0; o < O; o++) sol->load[o] = in->base_load[o];
  for (int k = 0; k < K; k++)
    if (sol->cont[k] >= 0) sol->load[sol->cont[k]] += w[(size_t)k * O + sol->cont[k]];
cleanup:
  free(w);
  free(cap);
  return st;
}

/* Numbers rounded to 12 significant digits in the plan: the iteration's last
 * bits are not meaningful, and this keeps plans readable. */
static json_t *num(double v) {
  if (!isfinite(v)) return json_null();
  char buf[64];
  snprintf(buf, sizeof buf, "%.12g", v);
  return json_real(strtod(buf, NULL));
}

fai_status fai_leo_plan(const fai_leo_instance *in, const fai_leo_params *p,
                        const fai_leo_solution *s, fai_plan *plan, fai_error *err) {
  const double alpha = isnan(p->alpha) ? in->alpha : p->alpha;
  const double P = isnan(p->load_cap) ? in->load_cap : p->load_cap;
  fai_status st = fai_plan_init(plan, "offload.leoedge", in->seed, err);
  if (st != FAI_OK) return st;
  fai_plan_set(plan, "inputs",
               json_pack("{s:s, s:s, s:o, s:o, s:o, s:i, s:o, s:i, s:i, s:i}", "algo",
                         fai_leo_algo_name(p->algo), "benefit", fai_leo_benefit_name(p->benefit),
                         "alpha", num(alpha), "load_cap", num(P), "tol", num(p->tol), "max_iter",
                         p->max_iter, "threshold_ms", num(p->threshold_ms), "tasks", in->n_tasks,
                         "servers", in->n_servers, "containers", in->n_cont));
  json_t *dec = json_array();
  int off = 0;
  for (int k = 0; k < in->n_tasks; k++) {
    const int o = s->cont[k];
    double yk = 0.0;
    for (int c = 0; c < in->n_cont; c++) yk += s->y[(size_t)k * in->n_cont + c];
    json_t *e = json_pack("{s:i, s:s, s:b, s:o}", "task", k, "satellite", in->sat_id[in->task_sat[k]],
                          "offloaded", o >= 0, "relaxed_y", num(yk));
    if (o >= 0) {
      off++;
      json_object_set_new(e, "server", json_string(in->srv_id[in->cont_srv[o]]));
      json_object_set_new(e, "container", json_integer(o - in->srv_first[in->cont_srv[o]]));
      json_object_set_new(e, "benefit", num(s->benefit[(size_t)k * in->n_cont + o]));
    } else {
      json_object_set_new(e, "server", json_null());
      json_object_set_new(e, "container", json_null());
    }
    json_array_append_new(dec, e);
  }
  fai_plan_set(plan, "decisions", dec);
  json_t *loads = json_array();
  int viol = 0;
  for (int o = 0; o < in->n_cont; o++) {
    json_array_append_new(loads, num(s->load[o]));
    if (s->load[o] > fmax(P, in->base_load[o]) + 1e-12) viol++;
  }
  json_t *m = json_pack("{s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:b}", "offloaded", off,
                        "rounded_objective", num(s->rounded), "relaxed_objective", num(s->relaxed),
                        "dual_bound", num(s->bound), "reference_objective", num(s->reference),
                        "reference_gap", num(s->ref_gap), "container_loads", loads,
                        "load_cap_violations", viol, "converged", s->converged);
  if (p->algo == FAI_LEO_DISTRIBUTED) {
    json_object_set_new(m, "iterations",
                        json_pack("{s:I, s:I, s:I}", "top", (json_int_t)s->st.iter_top, "middle",
                                  (json_int_t)s->st.iter_mid, "bottom", (json_int_t)s->st.iter_bot));
    json_object_set_new(m, "messages",
                        json_pack("{s:I, s:I, s:I}", "satellites_lbs", (json_int_t)s->st.msg_sat_lbs,
                                  "lbs_servers", (json_int_t)s->st.msg_lbs_srv, "servers_containers",
                                  (json_int_t)s->st.msg_srv_cont));
  }
  fai_plan_set(plan, "metrics", m);
  fai_plan_set_objective(plan, "offloading_benefit", "max", s->rounded,
                         isfinite(s->relaxed) ? s->bound : NAN);
  fai_plan_set_outcome(plan, s->outcome);
  return FAI_OK;
}
