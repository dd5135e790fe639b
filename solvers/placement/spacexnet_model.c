/* Space-XNet building blocks: activation statistics (synthetic Dirichlet +
 * Plackett–Luce, or a file), top-K draws, and the intra-layer assignment
 * (sorted matching, Hungarian oracle, GLPK model). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/rng.h"
#include "fluidai/spacexnet.h"
#include "rng_core.h"

const char *fai_sxn_method_name(int m) {
  static const char *const names[FAI_SXN_METHODS] = {"RandPlace", "RandIntra", "RandIntra-CG",
                                                     "Space-XNet-noCG", "Space-XNet"};
  return (m >= 0 && m < FAI_SXN_METHODS) ? names[m] : "?";
}

void fai_sxn_activation_free(fai_sxn_activation *a) {
  if (!a) return;
  free(a->prob);
  free(a->weight);
  memset(a, 0, sizeof *a);
}

/* --- synthetic statistics ----------------------------------------------------- */

/* Gamma(shape, 1) by Marsaglia–Tsang, draws keyed by `base` (1024 counter
 * values reserved per variate); shape < 1 uses G(shape+1)·U^(1/shape). */
static double gamma_draw(double shape, uint64_t seed, uint64_t base) {
  const double a = shape < 1 ? shape + 1 : shape;
  const double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
  double g = d;
  for (uint64_t k = 0; k < 500; k++) {
    const double x = fai_rng_normal_hd(seed, FAI_STREAM_GENERATOR, base + 2 * k);
    const double v1 = 1.0 + c * x;
    if (v1 <= 0) continue;
    const double v = v1 * v1 * v1;
    const double u = fai_rng_u01_hd(seed, FAI_STREAM_GENERATOR, base + 2 * k + 1);
    if (log(u) < 0.5 * x * x + d - d * v + d * log(v)) {
      g = d * v;
      break;
    }
  }
  if (shape < 1) g *= pow(fai_rng_u01_hd(seed, FAI_STREAM_GENERATOR, base + 1023), 1.0 / shape);
  return g;
}

/* Exact P(j in the first K picks) under Plackett–Luce with weights w:
 * enumerates the ordered prefixes, E!/(E−K)! of them. */
static void pl_inclusion(const double *w, int E, int K, int depth, uint64_t used, double p,
                         double rest, double *incl) {
  for (int j = 0; j < E; j++) {
    if (used >> j & 1u) continue;
    const double q = rest > 0 ? p * w[j] / rest : 0;
    incl[j] += q;
    if (depth + 1 < K) pl_inclusion(w, E, K, depth + 1, used | (1ull << j), q, rest - w[j], incl);
  }
}

fai_status fai_sxn_activation_synthetic(int layers, int experts, int top_k, double alpha,
                                        uint64_t seed, int dataset, fai_sxn_activation *out,
                                        fai_error *err) {
  memset(out, 0, sizeof *out);
  if (layers < 1 || experts < 1 || top_k < 1 || top_k > experts || experts > 62)
    return fai_error_set(err, FAI_EINVAL,
                         "synthetic activations need 1 <= K <= E <= 62 and L >= 1 (got L = %d, "
                         "E = %d, K = %d)",
                         layers, experts, top_k);
  double prefixes = 1;
  for (int k = 0; k < top_k; k++) prefixes *= experts - k;
  if (prefixes > 2e7)
    return fai_error_set(err, FAI_EINVAL,
                         "E = %d, K = %d: %.3g ordered top-K prefixes is too many to tabulate "
                         "(use an activation file)",
                         experts, top_k, prefixes);
  if (!(alpha > 0))
    return fai_error_set(err, FAI_EINVAL, "--dirichlet-alpha %g; expected a positive number or inf",
                         alpha);
  out->layers = layers;
  out->experts = experts;
  out->top_k = top_k;
  out->prob = calloc((size_t)layers * experts, sizeof *out->prob);
  out->weight = calloc((size_t)layers * experts, sizeof *out->weight);
  if (!out->prob || !out->weight) {
    fai_sxn_activation_free(out);
    return fai_error_set(err, FAI_ENOMEM, "out of memory for activation statistics");
  }
  for (int l = 0; l < layers; l++) {
    double *w = out->weight + (size_t)l * experts, sum = 0;
    for (int e = 0; e < experts; e++) {
      const uint64_t base = (((uint64_t)dataset * layers + l) * experts + e) * 1024u;
      w[e] = isinf(alpha) ? 1.0 : gamma_draw(alpha, seed, base);
      if (!(w[e] > 1e-300)) w[e] = 1e-300; /* keeps every expert drawable */
      sum += w[e];
    }
    for (int e = 0; e < experts; e++) w[e] /= sum;
    pl_inclusion(w, experts, top_k, 0, 0, 1.0, 1.0, out->prob + (size_t)l * experts);
  }
  return FAI_OK;
}

/* --- activation files ------------------------------------------------------------- */

fai_status fai_sxn_activation_parse(const char *text, const char *file, int top_k,
                                    fai_sxn_activation *out, fai_error *err) {
  fai_status st = FAI_OK;
  memset(out, 0, sizeof *out);
  int cap = 0, n = 0, L = 0, E = 0;
  int *rl = NULL, *re = NULL, *line_of = NULL, *first_line = NULL;
  double *rp = NULL;
  int line = 0;
  for (const char *s = text; *s;) {
    const char *eol = strchr(s, '\n');
    const size_t len = eol ? (size_t)(eol - s) : strlen(s);
    char buf[512];
    line++;
    if (len >= sizeof buf) {
      st = fai_error_set_at(err, FAI_EINVAL, file, line, 0, NULL, "line longer than %zu bytes",
                            sizeof buf - 1);
      goto cleanup;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    s = eol ? eol + 1 : s + len;
    char *hash = strchr(buf, '#');
    if (hash) *hash = '\0';
    char *p = buf;
    while (isspace((unsigned char)*p)) p++;
    if (!*p) continue;
    long lv, ev;
    double pv;
    char *end;
    errno = 0;
    lv = strtol(p, &end, 10);
    if (end == p || errno || lv < 0 || lv > 100000) goto bad;
    p = end;
    ev = strtol(p, &end, 10);
    if (end == p || errno || ev < 0 || ev > 100000) goto bad;
    p = end;
    pv = strtod(p, &end);
    if (end == p || errno || !isfinite(pv)) goto bad;
    p = end;
    while (isspace((unsigned char)*p)) p++;
    if (*p) goto bad;
    if (pv < 0) {
      st = fai_error_set_at(err, FAI_EINVAL, file, line, 0, NULL,
                            "layer %ld expert %ld: probability %g is negative", lv, ev, pv);
      goto cleanup;
    }
    if (pv > 1 + 1e-9) {
      st = fai_error_set_at(err, FAI_EINVAL, file, line, 0, NULL,
                            "layer %ld expert %ld: probability %g exceeds 1 (it is P(expert in "
                            "the top-%d))",
                            lv, ev, pv, top_k);
      goto cleanup;
    }
    if (n == cap) {
      cap = cap ? 2 * cap : 256;
      int *a = realloc(rl, (size_t)cap * sizeof *a);
      if (a) rl = a;
      int *b = realloc(re, (size_t)cap * sizeof *b);
      if (b) re = b;
      int *c = realloc(line_of, (size_t)cap * sizeof *c);
      if (c) line_of = c;
      double *d = realloc(rp, (size_t)cap * sizeof *d);
      if (d) rp = d;
      if (!a || !b || !c || !d) {
        st = fai_error_set(err, FAI_ENOMEM, "out of memory reading %s", file);
        goto cleanup;
      }
    }
    rl[n] = (int)lv;
    re[n] = (int)ev;
    rp[n] = pv;
    line_of[n] = line;
    n++;
    if (lv + 1 > L) L = (int)lv + 1;
    if (ev + 1 > E) E = (int)ev + 1;
    continue;
  bad:
    st = fai_error_set_at(err, FAI_EINVAL, file, line, 0, NULL,
                          "\"%s\": expected `layer expert probability` (non-negative integers "
                          "and a number)",
                          buf);
    goto cleanup;
  }
  if (n == 0) {
    st = fai_error_set_at(err, FAI_EINVAL, file, 0, 0, NULL, "no `layer expert prob` lines");
    goto cleanup;
  }
  if (top_k > E) {
    st = fai_error_set_at(err, FAI_EINVAL, file, 0, 0, NULL,
                          "top-K = %d but the file has only %d experts per layer", top_k, E);
    goto cleanup;
  }
  out->layers = L;
  out->experts = E;
  out->top_k = top_k;
  out->prob = malloc((size_t)L * E * sizeof *out->prob);
  first_line = calloc((size_t)L * E, sizeof *first_line);
  if (!out->prob || !first_line) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory reading %s", file);
    goto cleanup;
  }
  for (int k = 0; k < n; k++) {
    const size_t i = (size_t)rl[k] * E + re[k];
    if (first_line[i]) {
      st = fai_error_set_at(err, FAI_EINVAL, file, line_of[k], 0, NULL,
                            "layer %d expert %d given twice (first on line %d)", rl[k], re[k],
                            first_line[i]);
      goto cleanup;
    }
    first_line[i] = line_of[k];
    out->prob[i] = rp[k];
  }
  for (int l = 0; l < L; l++) {
    double sum = 0;
    int first = 0;
    for (int e = 0; e < E; e++) {
      const size_t i = (size_t)l * E + e;
      if (!first_line[i]) {
        st = fai_error_set_at(err, FAI_EINVAL, file, 0, 0, NULL,
                              "layer %d expert %d is missing (every layer needs experts 0..%d)", l,
                              e, E - 1);
        goto cleanup;
      }
      if (!first || first_line[i] < first) first = first_line[i];
      sum += out->prob[i];
    }
    if (fabs(sum - top_k) > 1e-6) {
      st = fai_error_set_at(err, FAI_EINVAL, file, first, 0, NULL,
                            "layer %d: probabilities sum to %.9g; expected top-K = %d (each "
                            "token activates K experts)",
                            l, sum, top_k);
      goto cleanup;
    }
    for (int e = 0; e < E; e++) out->prob[(size_t)l * E + e] *= top_k / sum;
  }
cleanup:
  free(rl);
  free(re);
  free(rp);
  free(line_of);
  free(first_line);
  if (st != FAI_OK) fai_sxn_activation_free(out);
  return st;
}

fai_status fai_sxn_activation_load(const char *path, int top_k, fai_sxn_activation *out,
                                   fai_error *err) {
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return fai_error_set_at(err, FAI_ENOENT, path, 0, 0, NULL, "cannot open: %s", strerror(errno));
  fseek(fp, 0, SEEK_END);
  const long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  char *buf = malloc(n > 0 ? (size_t)n + 1 : 1);
  if (!buf) {
    fclose(fp);
    return fai_error_set(err, FAI_ENOMEM, "out of memory reading %s", path);
  }
  const size_t got = n > 0 ? fread(buf, 1, (size_t)n, fp) : 0;
  fclose(fp);
  buf[got] = '\0';
  fai_status st = fai_sxn_activation_parse(buf, path, top_k, out, err);
  free(buf);
  return st;
}

void fai_sxn_draw_topk(const fai_sxn_activation *a, int l, uint64_t seed, uint64_t index,
                       int *out) {
  const int E = a->experts, K = a->top_k;
  const uint64_t base = (index * (uint64_t)a->layers + (uint64_t)l) * (uint64_t)((K + 1) / 2);
  if (a->weight) {
    /* Plackett–Luce: K sequential picks without replacement. */
    const double *w = a->weight + (size_t)l * E;
    uint64_t used = 0;
    double rest = 1.0;
    for (int k = 0; k < K; k++) {
      double u2, u = fai_rng_u01_pair_hd(seed, FAI_STREAM_ACTIVATION, base + (uint64_t)k / 2, &u2);
      if (k & 1) u = u2;
      double x = u * rest, acc = 0;
      int pick = -1, last = -1;
      for (int j = 0; j < E; j++) {
        if (used >> j & 1u) continue;
        last = j;
        acc += w[j];
        if (x < acc) {
          pick = j;
          break;
        }
      }
      if (pick < 0) pick = last; /* rounding at the top end */
      used |= 1ull << pick;
      rest -= w[pick];
      out[k] = pick;
    }
    return;
  }
  /* Systematic sampling: points u, u+1, ..., u+K−1 on the cumulative
   * marginals; expert e is picked with probability exactly p[e] <= 1. */
  const double *p = a->prob + (size_t)l * E;
  double u2;
  const double u = fai_rng_u01_pair_hd(seed, FAI_STREAM_ACTIVATION, base, &u2);
  double acc = 0;
  int k = 0;
  for (int e = 0; e < E && k < K; e++) {
    const double lo = acc;
    acc += p[e];
    if (lo <= u + k && u + k < acc) out[k++] = e;
  }
  for (int e = 0; k < K && e < E; e++) { /* rounding: fill with unpicked experts */
    int seen = 0;
    for (int j = 0; j < k; j++) seen |= out[j] == e;
    if (!seen) out[k++] = e;
  }
}

/* --- assignment ------------------------------------------------------------------- */

typedef struct keyed {
  double key;
  int idx;
} keyed;

static int by_key_asc(const void *a, const void *b) {
  const keyed *x = a, *y = b;
  if (x->key < y->key) return -1;
  if (x->key > y->key) return 1;
  return (x->idx > y->idx) - (x->idx < y->idx);
}

double fai_sxn_sorted_matching(int n_items, const double *w, int n_slots, const double *c,
                               int capacity, int *assign) {
  if (n_items <= 0) return 0;
  if (capacity < 1 || n_items > (long long)capacity * n_slots) return NAN;
  keyed *it = malloc((size_t)n_items * sizeof *it), *sl = malloc((size_t)n_slots * sizeof *sl);
  if (!it || !sl) {
    free(it);
    free(sl);
    return NAN;
  }
  for (int i = 0; i < n_items; i++) it[i] = (keyed){-w[i], i};
  for (int j = 0; j < n_slots; j++) sl[j] = (keyed){c[j], j};
  qsort(it, (size_t)n_items, sizeof *it, by_key_asc);
  qsort(sl, (size_t)n_slots, sizeof *sl, by_key_asc);
  double obj = 0;
  for (int r = 0; r < n_items; r++) {
    const int i = it[r].idx, j = sl[r / capacity].idx;
    if (assign) assign[i] = j;
    obj += w[i] * c[j];
  }
  free(it);
  free(sl);
  return obj;
}

double fai_assignment_hungarian(int n, int m, const double *a, int *row_to_col) {
  if (n < 0 || m < n) return NAN;
  if (n == 0) return 0;
  /* 1-based potentials u (rows), v (columns); p[j] = row matched to column j. */
  double *u = calloc((size_t)n + 1, sizeof *u), *v = calloc((size_t)m + 1, sizeof *v);
  double *minv = malloc(((size_t)m + 1) * sizeof *minv);
  int *p = calloc((size_t)m + 1, sizeof *p), *way = calloc((size_t)m + 1, sizeof *way);
  char *used = malloc((size_t)m + 1);
  double total = NAN;
  if (!u || !v || !minv || !p || !way || !used) goto cleanup;
  for (int i = 1; i <= n; i++) {
    p[0] = i;
    int j0 = 0;
    for (int j = 0; j <= m; j++) {
      minv[j] = INFINITY;
      used[j] = 0;
    }
    do {
      used[j0] = 1;
      const int i0 = p[j0];
      double delta = INFINITY;
      int j1 = 0;
      for (int j = 1; j <= m; j++) {
        if (used[j]) continue;
        const double cur = a[(size_t)(i0 - 1) * m + (j - 1)] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (int j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      const int j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  total = 0;
  for (int j = 1; j <= m; j++) {
    if (!p[j]) continue;
    total += a[(size_t)(p[j] - 1) * m + (j - 1)];
    if (row_to_col) row_to_col[p[j] - 1] = j - 1;
  }
cleanup:
  free(u);
  free(v);
  free(minv);
  free(p);
  free(way);
  free(used);
  return total;
}

fai_status fai_sxn_assignment_milp(glp_prob *lp, const char *prefix, int n_items, const double *w,
                                   int n_slots, const double *c, int capacity, fai_error *err) {
  if (n_items < 1 || n_slots < 1 || capacity < 1 || n_items > (long long)capacity * n_slots)
    return fai_error_set(err, FAI_EINVAL,
                         "assignment MILP: %d items do not fit %d slots of capacity %d", n_items,
                         n_slots, capacity);
  for (int i = 0; i < n_items; i++)
    if (!isfinite(w[i]))
      return fai_error_set(err, FAI_EINVAL, "assignment MILP: weight %d is %g", i, w[i]);
  for (int j = 0; j < n_slots; j++)
    if (!isfinite(c[j]))
      return fai_error_set(err, FAI_EINVAL, "assignment MILP: cost %d is %g", j, c[j]);
  char name[128];
  const int r0 = glp_add_rows(lp, n_items + n_slots);
  const int c0 = glp_add_cols(lp, n_items * n_slots);
  glp_set_obj_dir(lp, GLP_MIN);
  for (int i = 0; i < n_items; i++) {
    snprintf(name, sizeof name, "%sitem_%d", prefix, i);
    glp_set_row_name(lp, r0 + i, name);
    glp_set_row_bnds(lp, r0 + i, GLP_FX, 1, 1);
  }
  for (int j = 0; j < n_slots; j++) {
    snprintf(name, sizeof name, "%sslot_%d", prefix, j);
    glp_set_row_name(lp, r0 + n_items + j, name);
    glp_set_row_bnds(lp, r0 + n_items + j, GLP_UP, 0, capacity);
  }
  int ind[3];
  double val[3] = {0, 1, 1};
  for (int i = 0; i < n_items; i++)
    for (int j = 0; j < n_slots; j++) {
      const int col = c0 + i * n_slots + j;
      snprintf(name, sizeof name, "%sx_%d_%d", prefix, i, j);
      glp_set_col_name(lp, col, name);
      glp_set_col_kind(lp, col, GLP_BV);
      glp_set_obj_coef(lp, col, w[i] * c[j]);
      ind[1] = r0 + i;
      ind[2] = r0 + n_items + j;
      glp_set_mat_col(lp, col, 2, ind, val);
    }
  return FAI_OK;
}
