/* SlimCaching instances: activation traces (synthetic and text), the latency
 * model on an edge caching instance, evaluation and the plan (PAPERS §2). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/rng.h"
#include "fluidai/slimcache.h"
#include "cache_core.h"

void fai_slim_trace_free(fai_slim_trace *t) {
  if (!t) return;
  free(t->user);
  free(t->layer);
  free(t->experts);
  memset(t, 0, sizeof *t);
}

static fai_status trace_alloc(fai_slim_trace *t, int K, int64_t n, fai_error *err) {
  memset(t, 0, sizeof *t);
  t->K = K;
  t->n = n;
  t->user = malloc((size_t)(n > 0 ? n : 1) * sizeof *t->user);
  t->layer = malloc((size_t)(n > 0 ? n : 1) * sizeof *t->layer);
  t->experts = malloc((size_t)(n > 0 ? n : 1) * (size_t)K * sizeof *t->experts);
  if (!t->user || !t->layer || !t->experts) {
    fai_slim_trace_free(t);
    return fai_error_set(err, FAI_ENOMEM, "trace of %lld tokens: out of memory", (long long)n);
  }
  return FAI_OK;
}

static fai_status check_shape(int users, int layers, int experts, int top_k, fai_error *err) {
  if (users < 1 || layers < 1 || experts < 1 || experts > FAI_SLIM_MAX_EXPERTS || top_k < 1 ||
      top_k > experts)
    return fai_error_set(err, FAI_EINVAL,
                         "MoE shape %d users, %d layers, %d experts, top-%d; expected >= 1 each, "
                         "experts <= %d and 1 <= top_k <= experts",
                         users, layers, experts, top_k, FAI_SLIM_MAX_EXPERTS);
  return FAI_OK;
}

fai_status fai_slim_trace_synth(int users, int layers, int experts, int top_k, int tokens,
                                double gamma, int topics, uint64_t seed, fai_slim_trace *out,
                                fai_error *err) {
  fai_status st = check_shape(users, layers, experts, top_k, err);
  if (st != FAI_OK) return st;
  if (tokens < 1 || topics < 1 || !(gamma >= 0))
    return fai_error_set(err, FAI_EINVAL, "tokens %d, topics %d, zipf %g; expected >= 1, >= 1, >= 0",
                         tokens, topics, gamma);
  const int64_t n = (int64_t)users * layers * tokens;
  if ((st = trace_alloc(out, top_k, n, err)) != FAI_OK) return st;
  const int E = experts;
  double *wt = malloc((size_t)topics * E * sizeof *wt);
  if (!wt) {
    fai_slim_trace_free(out);
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  }
  /* Index layout: bits 56.. namespace (1: permutations, 2: tokens). */
  int64_t r = 0;
  for (int u = 0; u < users; u++)
    for (int l = 0; l < layers; l++) {
      for (int z = 0; z < topics; z++) {
        int perm[FAI_SLIM_MAX_EXPERTS];
        for (int e = 0; e < E; e++) perm[e] = e;
        const uint64_t key = (((uint64_t)u * (uint64_t)layers + (uint64_t)l) * (uint64_t)topics + (uint64_t)z) * 64u;
        for (int e = E - 1; e > 0; e--) {
          const int j = (int)(fai_rng_uniform(seed, FAI_STREAM_ACTIVATION, (1ull << 56) | (key + (uint64_t)e)) * (e + 1));
          const int tmp = perm[e];
          perm[e] = perm[j < e ? j : e];
          perm[j < e ? j : e] = tmp;
        }
        for (int e = 0; e < E; e++) wt[(size_t)z * E + perm[e]] = pow((double)(e + 1), -gamma);
      }
      for (int t = 0; t < tokens; t++, r++) {
        const uint64_t base = (2ull << 56) | ((uint64_t)r * (uint64_t)(top_k + 1));
        const int z = topics > 1 ? (int)(fai_rng_uniform(seed, FAI_STREAM_ACTIVATION, base) * topics) % topics : 0;
        double w[FAI_SLIM_MAX_EXPERTS], tot = 0.0;
        for (int e = 0; e < E; e++) tot += (w[e] = wt[(size_t)z * E + e]);
        out->user[r] = u;
        out->layer[r] = l;
        for (int k = 0; k < top_k; k++) {
          /* Plackett–Luce: pick ∝ remaining weight, then remove it. */
          double x = fai_rng_uniform(seed, FAI_STREAM_ACTIVATION, base + 1 + (uint64_t)k) * tot;
          int pick = -1;
          for (int e = 0; e < E; e++) {
            if (w[e] <= 0) continue;
            pick = e;
            if (x < w[e]) break;
            x -= w[e];
          }
          out->experts[(size_t)r * top_k + k] = pick;
          tot -= w[pick];
          w[pick] = 0.0;
        }
      }
    }
  free(wt);
  return FAI_OK;
}

fai_status fai_slim_trace_load(const char *path, int users, int layers, int experts, int top_k,
                               fai_slim_trace *out, fai_error *err) {
  fai_status st = check_shape(users, layers, experts, top_k, err);
  if (st != FAI_OK) return st;
  FILE *f = fopen(path, "r");
  if (!f) return fai_error_set_at(err, FAI_EIO, path, 0, 0, NULL, "cannot open: %s", strerror(errno));
  int64_t cap = 1024;
  if ((st = trace_alloc(out, top_k, cap, err)) != FAI_OK) {
    fclose(f);
    return st;
  }
  out->n = 0;
  char line[4096];
  int ln = 0;
  while (fgets(line, sizeof line, f)) {
    ln++;
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    long v[2 + FAI_SLIM_MAX_EXPERTS + 1];
    int cnt = 0;
    char *s = line;
    for (;;) {
      while (isspace((unsigned char)*s)) s++;
      if (!*s) break;
      char *end;
      errno = 0;
      const long x = strtol(s, &end, 10);
      if (end == s || errno || (*end && !isspace((unsigned char)*end))) {
        st = fai_error_set_at(err, FAI_EINVAL, path, ln, (int)(s - line) + 1, NULL,
                              "expected an integer, got \"%.20s\"", s);
        goto fail;
      }
      if (cnt < (int)(sizeof v / sizeof v[0])) v[cnt] = x;
      cnt++;
      s = end;
    }
    if (cnt == 0) continue;
    if (cnt != 2 + top_k) {
      st = fai_error_set_at(err, FAI_EINVAL, path, ln, 0, NULL,
                            "%d experts; expected `user layer e1 ... eK` with K = %d", cnt - 2, top_k);
      goto fail;
    }
    if (v[0] < 0 || v[0] >= users) {
      st = fai_error_set_at(err, FAI_EINVAL, path, ln, 0, NULL, "user %ld out of range [0, %d)", v[0], users);
      goto fail;
    }
    if (v[1] < 0 || v[1] >= layers) {
      st = fai_error_set_at(err, FAI_EINVAL, path, ln, 0, NULL, "layer %ld out of range [0, %d)", v[1], layers);
      goto fail;
    }
    uint64_t seen = 0;
    for (int k = 0; k < top_k; k++) {
      const long e = v[2 + k];
      if (e < 0 || e >= experts) {
        st = fai_error_set_at(err, FAI_EINVAL, path, ln, 0, NULL,
                              "expert index %ld out of range [0, %d)", e, experts);
        goto fail;
      }
      if (seen >> e & 1u) {
        st = fai_error_set_at(err, FAI_EINVAL, path, ln, 0, NULL, "expert %ld listed twice", e);
        goto fail;
      }
      seen |= 1ull << e;
    }
    if (out->n == cap) {
      cap *= 2;
      int *nu = realloc(out->user, (size_t)cap * sizeof *nu);
      if (nu) out->user = nu;
      int *nl = realloc(out->layer, (size_t)cap * sizeof *nl);
      if (nl) out->layer = nl;
      int *ne = realloc(out->experts, (size_t)cap * top_k * sizeof *ne);
      if (ne) out->experts = ne;
      if (!nu || !nl || !ne) {
        st = fai_error_set(err, FAI_ENOMEM, "out of memory");
        goto fail;
      }
    }
    out->user[out->n] = (int)v[0];
    out->layer[out->n] = (int)v[1];
    for (int k = 0; k < top_k; k++) out->experts[(size_t)out->n * top_k + k] = (int)v[2 + k];
    out->n++;
  }
  fclose(f);
  if (out->n == 0) {
    fai_slim_trace_free(out);
    return fai_error_set_at(err, FAI_EINVAL, path, 0, 0, NULL, "the trace has no tokens");
  }
  return FAI_OK;
fail:
  fclose(f);
  fai_slim_trace_free(out);
  return st;
}

void fai_slim_instance_free(fai_slim_instance *si) {
  if (!si) return;
  free(si->node_bytes);
  free(si->expert_bytes);
  free(si->w);
  free(si->tau);
  free(si->tau_far);
  free(si->set_off);
  free(si->set_mask);
  free(si->set_prob);
  memset(si, 0, sizeof *si);
}

void fai_slim_model_init(fai_slim_model *m) {
  m->device_flops = 2e12;
  m->edge_flops = 50e12;
  m->cloud_flops = 100e12;
  m->cloud_rate_bps = 100e6;
  m->backhaul_s = 0.05;
  m->device_bytes = 0;
  m->server_bytes = -1;
}

typedef struct { int64_t ul; uint64_t mask; } tok_key;

static int cmp_tok(const void *a, const void *b) {
  const tok_key *x = a, *y = b;
  if (x->ul != y->ul) return x->ul < y->ul ? -1 : 1;
  return x->mask < y->mask ? -1 : x->mask > y->mask;
}

fai_status fai__slim_set_trace(fai_slim_instance *si, const fai_slim_trace *tr, fai_error *err) {
  if (tr->K != si->K) return fai_error_set(err, FAI_EINVAL, "trace rows have %d experts; the profile is top-%d", tr->K, si->K);
  tok_key *keys = malloc((size_t)(tr->n > 0 ? tr->n : 1) * sizeof *keys);
  int64_t *cnt = calloc((size_t)si->U * si->L, sizeof *cnt);
  free(si->set_off);
  free(si->set_mask);
  free(si->set_prob);
  si->set_off = calloc((size_t)si->U * si->L + 1, sizeof *si->set_off);
  si->set_mask = malloc((size_t)(tr->n > 0 ? tr->n : 1) * sizeof *si->set_mask);
  si->set_prob = malloc((size_t)(tr->n > 0 ? tr->n : 1) * sizeof *si->set_prob);
  if (!keys || !cnt || !si->set_off || !si->set_mask || !si->set_prob) {
    free(keys);
    free(cnt);
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  }
  for (int64_t r = 0; r < tr->n; r++) {
    uint64_t m = 0;
    for (int k = 0; k < tr->K; k++) m |= 1ull << tr->experts[(size_t)r * tr->K + k];
    keys[r].ul = (int64_t)tr->user[r] * si->L + tr->layer[r];
    keys[r].mask = m;
    cnt[keys[r].ul]++;
  }
  qsort(keys, (size_t)tr->n, sizeof *keys, cmp_tok);
  int64_t ns = 0;
  for (int64_t r = 0; r < tr->n;) {
    int64_t q = r;
    while (q < tr->n && keys[q].ul == keys[r].ul && keys[q].mask == keys[r].mask) q++;
    si->set_mask[ns] = keys[r].mask;
    si->set_prob[ns] = (double)(q - r) / (double)cnt[keys[r].ul];
    si->set_off[keys[r].ul + 1]++;
    ns++;
    r = q;
  }
  for (int64_t i = 0; i < (int64_t)si->U * si->L; i++) si->set_off[i + 1] += si->set_off[i];
  free(keys);
  free(cnt);
  return FAI_OK;
}

fai_status fai_slim_instance_from_edge(const fai_cache_instance *ci, const fai_moe_profile *moe,
                                       const fai_slim_model *mm, const fai_slim_trace *tr,
                                       fai_slim_instance *out, fai_error *err) {
  memset(out, 0, sizeof *out);
  if (ci->kind != FAI_CACHE_EDGE || !ci->link_rate_bps)
    return fai_error_set_at(err, FAI_EINVAL, ci->source, 0, 0, NULL,
                            "a %s instance; SlimCaching needs an edge instance (servers, users, link rates)",
                            fai_cache_kind_name(ci->kind));
  if (moe->layers < 1)
    return fai_error_set_at(err, FAI_EINVAL, ci->source, 0, 0, "$.library.moe",
                            "the library has no MoE profile (add \"moe\" or use --preset)");
  fai_status st = check_shape(ci->K, moe->layers, moe->experts, moe->top_k, err);
  if (st != FAI_OK) return st;
  fai_slim_instance *s = out;
  s->N = ci->M;
  s->U = ci->K;
  s->L = moe->layers;
  s->E = moe->experts;
  s->K = moe->top_k;
  s->V = s->N + s->U;
  s->node_bytes = malloc((size_t)s->V * sizeof *s->node_bytes);
  s->expert_bytes = malloc((size_t)s->L * sizeof *s->expert_bytes);
  s->w = malloc((size_t)s->U * sizeof *s->w);
  s->tau = malloc((size_t)s->U * s->V * s->L * sizeof *s->tau);
  s->tau_far = malloc((size_t)s->U * s->L * sizeof *s->tau_far);
  if (!s->node_bytes || !s->expert_bytes || !s->w || !s->tau || !s->tau_far) {
    fai_slim_instance_free(s);
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  }
  for (int n = 0; n < s->N; n++) s->node_bytes[n] = mm->server_bytes >= 0 ? mm->server_bytes : ci->capacity_bytes[n];
  for (int u = 0; u < s->U; u++) s->node_bytes[s->N + u] = mm->device_bytes;
  for (int l = 0; l < s->L; l++) s->expert_bytes[l] = moe->expert_bytes[l];
  const double hb = 2.0 * 8.0 * (double)moe->hidden_bytes;
  for (int u = 0; u < s->U; u++) {
    s->w[u] = 1.0 / s->U;
    for (int v = 0; v < s->V; v++)
      for (int l = 0; l < s->L; l++) {
        double t = INFINITY;
        if (v == s->N + u) t = moe->expert_flops[l] / mm->device_flops;
        s->tau[((size_t)u * s->V + v) * s->L + l] = t;
      }
    for (int l = 0; l < s->L; l++)
      s->tau_far[(size_t)u * s->L + l] = hb / mm->cloud_rate_bps + moe->expert_flops[l] / mm->cloud_flops + mm->backhaul_s;
  }
  for (int64_t e = 0; e < ci->n_links; e++) {
    const int n = ci->link_server[e], u = ci->link_user[e];
    const double R = ci->link_rate_bps[e];
    if (!(R > 0)) continue;
    for (int l = 0; l < s->L; l++) {
      double *t = &s->tau[((size_t)u * s->V + n) * s->L + l];
      *t = fmin(*t, hb / R + moe->expert_flops[l] / mm->edge_flops);
    }
  }
  if ((st = fai__slim_set_trace(s, tr, err)) != FAI_OK) fai_slim_instance_free(s);
  return st;
}

fai_moe_view fai_slim_view(const fai_slim_instance *si) {
  fai_moe_view v;
  v.U = si->U, v.V = si->V, v.L = si->L, v.E = si->E;
  v.w = si->w, v.tau = si->tau, v.tau_far = si->tau_far;
  v.set_off = si->set_off, v.set_mask = si->set_mask, v.set_prob = si->set_prob;
  return v;
}

double fai_slim_latency(const fai_slim_instance *si, const uint8_t *x) {
  const fai_moe_view v = fai_slim_view(si);
  double total = 0.0;
  for (int u = 0; u < si->U; u++) total += si->w[u] * fai_mc_user(&v, u, x, NULL);
  return total;
}

int fai_slim_storage_check(const fai_slim_instance *si, const uint8_t *x) {
  for (int v = 0; v < si->V; v++) {
    int64_t used = 0;
    for (int l = 0; l < si->L; l++)
      for (int e = 0; e < si->E; e++) used += x[((size_t)v * si->L + l) * si->E + e] ? si->expert_bytes[l] : 0;
    if (used > si->node_bytes[v]) return v;
  }
  return -1;
}

void fai_slim_result_free(fai_slim_result *r) {
  if (!r) return;
  free(r->x);
  memset(r, 0, sizeof *r);
}

fai_status fai_slim_plan(const fai_slim_instance *si, const fai_slim_params *p,
                         const fai_slim_result *r, fai_plan *plan, fai_error *err) {
  fai_status st = fai_plan_init(plan, "cache.slim", p->seed, err);
  if (st != FAI_OK) return st;
  json_t *params = json_pack("{s:s}", "algo", fai_slim_algo_name(p->algo));
  if (p->algo == FAI_SLIM_G1 || p->algo == FAI_SLIM_G1_MARGINAL) json_object_set_new(params, "enum_depth", json_integer(p->enum_depth));
  if (p->algo == FAI_SLIM_SGD_FAST) json_object_set_new(params, "eps", json_real(p->eps));
  if (p->algo == FAI_SLIM_SGD || p->algo == FAI_SLIM_SGD_FAST)
    json_object_set_new(params, "exact_max_experts", json_integer(p->exact_max_experts));
  if (p->algo == FAI_SLIM_MILP) json_object_set_new(params, "time_limit_s", json_real(p->time_limit_s));
  int64_t sets = si->set_off[(size_t)si->U * si->L];
  fai_plan_set(plan, "inputs", json_pack("{s:i, s:i, s:i, s:i, s:i, s:I, s:o}", "servers", si->N, "users", si->U,
                                         "layers", si->L, "experts", si->E, "top_k", si->K,
                                         "activation_sets", (json_int_t)sets, "params", params));
  json_t *nodes = json_array();
  int copies = 0;
  for (int v = 0; v < si->V; v++) {
    json_t *ex = json_array();
    int64_t used = 0;
    for (int l = 0; l < si->L; l++)
      for (int e = 0; e < si->E; e++)
        if (r->x[((size_t)v * si->L + l) * si->E + e]) {
          json_array_append_new(ex, json_pack("[i,i]", l, e));
          used += si->expert_bytes[l];
          copies++;
        }
    if (json_array_size(ex) == 0) {
      json_decref(ex);
      continue;
    }
    json_array_append_new(nodes, json_pack("{s:s, s:i, s:o, s:I, s:I}", "kind", v < si->N ? "server" : "device",
                                           "index", v < si->N ? v : v - si->N, "experts", ex,
                                           "used_bytes", (json_int_t)used, "capacity_bytes",
                                           (json_int_t)si->node_bytes[v]));
  }
  fai_plan_set(plan, "decisions", json_pack("{s:o}", "nodes", nodes));
  fai_plan_set_objective(plan, "mean_token_latency_s", "min", r->latency_s, r->bound_s);
  fai_plan_set(plan, "metrics", json_pack("{s:f, s:f, s:f, s:i}", "mean_token_latency_s", r->latency_s,
                                          "no_cache_latency_s", r->base_latency_s, "latency_reduction_s",
                                          r->base_latency_s - r->latency_s, "expert_copies", copies));
  fai_plan_set_outcome(plan, r->outcome);
  fai_plan_timing(plan, "solve", r->seconds);
  return FAI_OK;
}
