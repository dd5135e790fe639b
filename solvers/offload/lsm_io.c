/* Large–small model collaboration: the instance file (who senses, who
 * computes) and the routing-policy file, both strict JSON checked against
 * the timeline with JSON paths in every error (include/fluidai/lsm.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/json.h"
#include "lsm_internal.h"

/* A positive finite number member; absent → def. */
static fai_status pos_number(const fai_jv *obj, const char *key, int required, double def,
                             double *out, fai_error *err) {
  fai_jv m;
  fai_status st = fai_jv_number(obj, key, required, def, -INFINITY, INFINITY, out, err);
  if (st != FAI_OK) return st;
  if (*out > 0 && isfinite(*out)) return FAI_OK;
  fai_jv_member(obj, key, &m);
  return fai_jv_error(&m, FAI_EINVAL, err, "value %g is not positive; expected a number > 0",
                      *out);
}

/* A satellite id element: a number, or an object with "sat". */
static fai_status sat_id(const fai_jv *e, int n_sats, int *out, fai_error *err) {
  long long v;
  fai_status st;
  if (json_is_object(e->v)) {
    fai_jv m;
    st = fai_jv_int(e, "sat", 1, 0, -(1LL << 40), 1LL << 40, &v, err);
    if (st != FAI_OK) return st;
    fai_jv_member(e, "sat", &m);
    if (v < 0 || v >= n_sats)
      return fai_jv_error(&m, FAI_EINVAL, err,
                          "satellite %lld does not exist; expected an id in [0, %d]", v,
                          n_sats - 1);
    *out = (int)v;
    return FAI_OK;
  }
  if (!json_is_integer(e->v))
    return fai_jv_error(e, FAI_EINVAL, err, "expected a satellite id or {\"sat\": ...}");
  v = json_integer_value(e->v);
  if (v < 0 || v >= n_sats)
    return fai_jv_error(e, FAI_EINVAL, err,
                        "satellite %lld does not exist; expected an id in [0, %d]", v,
                        n_sats - 1);
  *out = (int)v;
  return FAI_OK;
}

fai_status fai__lsm_instance_load(const char *path, int n_sats, const fai_lsm_params *p,
                                  fai_lsm_sel *sel, fai_error *err) {
  static const char *const keys[] = {"format", "version", "name", "rs", "compute",
                                     "isl_rate_gbps", NULL};
  static const char *const rs_keys[] = {"sat", "data_mb", "ops_per_s", NULL};
  static const char *const cs_keys[] = {"sat", "ops_per_s", NULL};
  fai_json_doc *doc = NULL;
  fai_status st = FAI_OK;
  const char *fmt = NULL;
  long long ver;
  uint8_t *used = NULL;
  memset(sel, 0, sizeof *sel);
  FAI_TRY(fai_json_load_file(path, &doc, err));
  fai_jv root = fai_jv_root(doc), rs, cs;
  FAI_TRY(fai_jv_expect_object(&root, keys, err));
  FAI_TRY(fai_jv_string(&root, "format", 1, NULL, &fmt, err));
  if (strcmp(fmt, "fluidai-lsm-instance")) {
    fai_jv m;
    fai_jv_member(&root, "format", &m);
    st = fai_jv_error(&m, FAI_EINVAL, err, "format \"%s\"; expected \"fluidai-lsm-instance\"",
                      fmt);
    goto cleanup;
  }
  FAI_TRY(fai_jv_int(&root, "version", 0, 1, 1, 1, &ver, err));
  double gbps = 0;
  if (json_object_get(root.v, "isl_rate_gbps")) {
    FAI_TRY(pos_number(&root, "isl_rate_gbps", 1, 0, &gbps, err));
    sel->isl_rate_bps = gbps * 1e9;
  }
  fai_jv_member(&root, "rs", &rs);
  fai_jv_member(&root, "compute", &cs);
  if (!rs.v) {
    st = fai_jv_error(&root, FAI_EINVAL, err, "missing member \"rs\" (remote-sensing satellites)");
    goto cleanup;
  }
  if (!cs.v) {
    st = fai_jv_error(&root, FAI_EINVAL, err, "missing member \"compute\" (computing satellites)");
    goto cleanup;
  }
  FAI_TRY(fai_jv_expect_array(&rs, 1, err));
  FAI_TRY(fai_jv_expect_array(&cs, 1, err));
  sel->R = (int)json_array_size(rs.v);
  sel->C = (int)json_array_size(cs.v);
  sel->rs = malloc((size_t)sel->R * sizeof(int));
  sel->rs_bits = malloc((size_t)sel->R * sizeof(double));
  sel->rs_ops = malloc((size_t)sel->R * sizeof(double));
  sel->cs = malloc((size_t)sel->C * sizeof(int));
  sel->cs_ops = malloc((size_t)sel->C * sizeof(double));
  used = calloc((size_t)n_sats, 1);
  if (!sel->rs || !sel->rs_bits || !sel->rs_ops || !sel->cs || !sel->cs_ops || !used) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory reading %s", path);
    goto cleanup;
  }
  for (int i = 0; i < sel->R + sel->C; i++) {
    const int is_rs = i < sel->R;
    const int j = is_rs ? i : i - sel->R;
    fai_jv e = fai_jv_index(is_rs ? &rs : &cs, (size_t)j);
    int id;
    FAI_TRY(sat_id(&e, n_sats, &id, err));
    if (used[id]) {
      st = fai_jv_error(&e, FAI_EINVAL, err,
                        "satellite %d is listed twice (a satellite is remote-sensing or "
                        "computing, once)",
                        id);
      goto cleanup;
    }
    used[id] = 1;
    double ops = is_rs ? p->rs_ops : p->cs_ops, mb = p->data_bits / 1e6;
    if (json_is_object(e.v)) {
      FAI_TRY(fai_jv_expect_object(&e, is_rs ? rs_keys : cs_keys, err));
      FAI_TRY(pos_number(&e, "ops_per_s", 0, ops, &ops, err));
      if (is_rs) FAI_TRY(pos_number(&e, "data_mb", 0, mb, &mb, err));
      if (is_rs && !isfinite(mb * 1e6)) {
        fai_jv m;
        fai_jv_member(&e, "data_mb", &m);
        st = fai_jv_error(&m, FAI_EINVAL, err, "value %g Mbit overflows; expected a finite size",
                          mb);
        goto cleanup;
      }
    }
    if (is_rs) {
      sel->rs[j] = id;
      sel->rs_ops[j] = ops;
      sel->rs_bits[j] = mb * 1e6;
    } else {
      sel->cs[j] = id;
      sel->cs_ops[j] = ops;
    }
  }
cleanup:
  free(used);
  fai_json_doc_free(doc);
  if (st != FAI_OK) fai__lsm_sel_free(sel);
  return st;
}

void fai__lsm_sel_free(fai_lsm_sel *sel) {
  free(sel->rs);
  free(sel->rs_bits);
  free(sel->rs_ops);
  free(sel->cs);
  free(sel->cs_ops);
  memset(sel, 0, sizeof *sel);
}

void fai__lsm_policy_free(fai_lsm_policy *pol) {
  free(pol->entry);
  free(pol->nodes);
  free(pol->index);
  memset(pol, 0, sizeof *pol);
}

/* Candidate ISL between u and v alive at snapshot t? */
static int isl_up(const fai_timeline *tl, const int *nb_off, const int *nb_node,
                  const int *nb_link, int t, int u, int v) {
  for (int e = nb_off[u]; e < nb_off[u + 1]; e++)
    if (nb_node[e] == v && tl->link_alive[(size_t)t * tl->n_links + nb_link[e]]) return 1;
  return 0;
}

static fai_status parse_key_node(const char *key, int n_sats, int *out) {
  char *end = NULL;
  errno = 0;
  long v = strtol(key, &end, 10);
  if (!key[0] || *end || errno || v < 0 || v >= n_sats) return FAI_EINVAL;
  *out = (int)v;
  return FAI_OK;
}

fai_status fai__lsm_policy_load(const char *path, const fai_timeline *tl, const fai_lsm_sel *sel,
                                fai_lsm_policy *pol, fai_error *err) {
  static const char *const keys[] = {"format", "version", "name", "routes", NULL};
  static const char *const rkeys[] = {"snapshot", "rs", "target", "path", "next_hops", NULL};
  const int N = tl->n_sats, T = tl->n_snaps, L = tl->n_links;
  fai_json_doc *doc = NULL;
  fai_status st = FAI_OK;
  const char *fmt = NULL;
  long long ver;
  int *rs_of = NULL, *cs_of = NULL, *nb_off = NULL, *nb_node = NULL, *nb_link = NULL;
  int *hop = NULL;
  size_t cap = 0;
  memset(pol, 0, sizeof *pol);
  FAI_TRY(fai_json_load_file(path, &doc, err));
  fai_jv root = fai_jv_root(doc), routes;
  FAI_TRY(fai_jv_expect_object(&root, keys, err));
  FAI_TRY(fai_jv_string(&root, "format", 1, NULL, &fmt, err));
  if (strcmp(fmt, "fluidai-lsm-policy")) {
    fai_jv m;
    fai_jv_member(&root, "format", &m);
    st = fai_jv_error(&m, FAI_EINVAL, err, "format \"%s\"; expected \"fluidai-lsm-policy\"", fmt);
    goto cleanup;
  }
  FAI_TRY(fai_jv_int(&root, "version", 0, 1, 1, 1, &ver, err));
  if (!fai_jv_member(&root, "routes", &routes)) {
    st = fai_jv_error(&root, FAI_EINVAL, err, "missing member \"routes\"");
    goto cleanup;
  }
  FAI_TRY(fai_jv_expect_array(&routes, 0, err));
  const int n = (int)json_array_size(routes.v);
  rs_of = malloc((size_t)N * sizeof(int));
  cs_of = malloc((size_t)N * sizeof(int));
  nb_off = calloc((size_t)N + 1, sizeof(int));
  nb_node = malloc(2 * (size_t)(L > 0 ? L : 1) * sizeof(int));
  nb_link = malloc(2 * (size_t)(L > 0 ? L : 1) * sizeof(int));
  hop = malloc((size_t)N * sizeof(int));
  pol->entry = calloc((size_t)(n > 0 ? n : 1), sizeof *pol->entry);
  pol->index = malloc((size_t)T * (size_t)sel->R * sizeof(int));
  if (!rs_of || !cs_of || !nb_off || !nb_node || !nb_link || !hop || !pol->entry || !pol->index) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory reading %s", path);
    goto cleanup;
  }
  for (int v = 0; v < N; v++) rs_of[v] = cs_of[v] = -1;
  for (int r = 0; r < sel->R; r++) rs_of[sel->rs[r]] = r;
  for (int c = 0; c < sel->C; c++) cs_of[sel->cs[c]] = c;
  for (size_t i = 0; i < (size_t)T * sel->R; i++) pol->index[i] = -1;
  for (int l = 0; l < L; l++) {
    nb_off[tl->link_a[l] + 1]++;
    nb_off[tl->link_b[l] + 1]++;
  }
  for (int v = 0; v < N; v++) nb_off[v + 1] += nb_off[v];
  for (int v = 0; v < N; v++) hop[v] = nb_off[v];
  for (int l = 0; l < L; l++) {
    nb_node[hop[tl->link_a[l]]] = tl->link_b[l];
    nb_link[hop[tl->link_a[l]]++] = l;
    nb_node[hop[tl->link_b[l]]] = tl->link_a[l];
    nb_link[hop[tl->link_b[l]]++] = l;
  }
  /* Pass 1: parse each entry into nodes; pass 2 (below): explicit
   * snapshots win over wildcard entries. */
  for (int i = 0; i < n; i++) {
    fai_jv e = fai_jv_index(&routes, (size_t)i), m, pa, nh;
    long long snap, rsid, cid;
    FAI_TRY(fai_jv_expect_object(&e, rkeys, err));
    FAI_TRY(fai_jv_int(&e, "snapshot", 0, -1, 0, T - 1, &snap, err));
    FAI_TRY(fai_jv_int(&e, "rs", 1, 0, -(1LL << 40), 1LL << 40, &rsid, err));
    fai_jv_member(&e, "rs", &m);
    if (rsid < 0 || rsid >= N || rs_of[rsid] < 0) {
      st = fai_jv_error(&m, FAI_EINVAL, err,
                        "satellite %lld is not a remote-sensing satellite of this run", rsid);
      goto cleanup;
    }
    FAI_TRY(fai_jv_int(&e, "target", 1, 0, -(1LL << 40), 1LL << 40, &cid, err));
    fai_jv_member(&e, "target", &m);
    if (cid < 0 || cid >= N || cs_of[cid] < 0) {
      st = fai_jv_error(&m, FAI_EINVAL, err,
                        "satellite %lld is not a computing satellite of this run", cid);
      goto cleanup;
    }
    const int has_path = fai_jv_member(&e, "path", &pa);
    const int has_nh = fai_jv_member(&e, "next_hops", &nh);
    if (has_path == has_nh) {
      st = fai_jv_error(&e, FAI_EINVAL, err, "expected exactly one of \"path\" and \"next_hops\"");
      goto cleanup;
    }
    /* nodes into hop[0..k) */
    int k = 0;
    if (has_path) {
      FAI_TRY(fai_jv_expect_array(&pa, 2, err));
      k = (int)json_array_size(pa.v);
      if (k > N) {
        st = fai_jv_error(&pa, FAI_EINVAL, err, "path of %d satellites; at most %d", k, N);
        goto cleanup;
      }
      for (int j = 0; j < k; j++) {
        fai_jv x = fai_jv_index(&pa, (size_t)j);
        FAI_TRY(sat_id(&x, N, &hop[j], err));
        for (int q = 0; q < j; q++) /* a walk would count its repeated ISLs twice in n_ab */
          if (hop[q] == hop[j]) {
            st = fai_jv_error(&x, FAI_EINVAL, err,
                              "satellite %d appears twice in the path (also at [%d]); expected a "
                              "path without repeated satellites", hop[j], q);
            goto cleanup;
          }
      }
      if (hop[0] != rsid) {
        fai_jv x = fai_jv_index(&pa, 0);
        st = fai_jv_error(&x, FAI_EINVAL, err, "path starts at %d; expected the RS satellite %lld",
                          hop[0], rsid);
        goto cleanup;
      }
      if (hop[k - 1] != cid) {
        fai_jv x = fai_jv_index(&pa, (size_t)k - 1);
        st = fai_jv_error(&x, FAI_EINVAL, err, "path ends at %d; expected the target %lld",
                          hop[k - 1], cid);
        goto cleanup;
      }
    } else {
      if (!json_is_object(nh.v)) {
        st = fai_jv_error(&nh, FAI_EINVAL, err, "expected an object {\"node\": next node, ...}");
        goto cleanup;
      }
      const char *key;
      json_t *val;
      json_object_foreach(nh.v, key, val) {
        int u;
        fai_jv x;
        fai_jv_member(&nh, key, &x);
        if (parse_key_node(key, N, &u) != FAI_OK || !json_is_integer(val) ||
            json_integer_value(val) < 0 || json_integer_value(val) >= N) {
          st = fai_jv_error(&x, FAI_EINVAL, err,
                            "next hop \"%s\" -> ...: expected satellite ids in [0, %d]", key,
                            N - 1);
          goto cleanup;
        }
      }
      int v = (int)rsid;
      hop[k++] = v;
      while (v != cid) {
        char kb[24];
        snprintf(kb, sizeof kb, "%d", v);
        json_t *nx = json_object_get(nh.v, kb);
        if (!nx) {
          st = fai_jv_error(&nh, FAI_EINVAL, err,
                            "no next hop for satellite %d on the way from %lld to %lld", v, rsid,
                            cid);
          goto cleanup;
        }
        v = (int)json_integer_value(nx);
        if (k >= N) {
          st = fai_jv_error(&nh, FAI_EINVAL, err,
                            "next hops from %lld loop without reaching %lld", rsid, cid);
          goto cleanup;
        }
        hop[k++] = v;
      }
    }
    /* ISLs must exist (and be up in every snapshot the entry covers). */
    const int ta = snap < 0 ? 0 : (int)snap, tb = snap < 0 ? T - 1 : (int)snap;
    for (int j = 0; j + 1 < k; j++) {
      for (int t = ta; t <= tb; t++) {
        if (isl_up(tl, nb_off, nb_node, nb_link, t, hop[j], hop[j + 1])) continue;
        int cand = 0;
        for (int e2 = nb_off[hop[j]]; e2 < nb_off[hop[j] + 1]; e2++)
          cand |= nb_node[e2] == hop[j + 1];
        fai_jv x = has_path ? fai_jv_index(&pa, (size_t)j + 1) : nh;
        st = fai_jv_error(&x, FAI_EINVAL, err,
                          cand ? "hop %d -> %d: the ISL is down at snapshot %d (t = %g s)"
                               : "hop %d -> %d: no ISL between these satellites (snapshot %d, "
                                 "t = %g s)",
                          hop[j], hop[j + 1], t, tl->t_s[t]);
        goto cleanup;
      }
    }
    if (pol->n_nodes + (size_t)k > cap) {
      size_t nc = cap ? 2 * cap : 1024;
      while (nc < pol->n_nodes + (size_t)k) nc *= 2;
      int *nn = realloc(pol->nodes, nc * sizeof(int));
      if (!nn) {
        st = fai_error_set(err, FAI_ENOMEM, "out of memory reading %s", path);
        goto cleanup;
      }
      pol->nodes = nn;
      cap = nc;
    }
    memcpy(pol->nodes + pol->n_nodes, hop, (size_t)k * sizeof(int));
    fai_lsm_policy_entry *pe = &pol->entry[i];
    pe->snapshot = (int)snap;
    pe->r = rs_of[rsid];
    pe->c = cs_of[cid];
    pe->k = k;
    pe->off = pol->n_nodes;
    pol->n_nodes += (size_t)k;
  }
  pol->n = n;
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < n; i++) {
      const fai_lsm_policy_entry *pe = &pol->entry[i];
      if ((pass == 0) != (pe->snapshot >= 0)) continue;
      const int ta = pe->snapshot < 0 ? 0 : pe->snapshot;
      const int tb = pe->snapshot < 0 ? T - 1 : pe->snapshot;
      for (int t = ta; t <= tb; t++) {
        int *slot = &pol->index[(size_t)t * sel->R + pe->r];
        if (*slot >= 0 && (pass == 0 || pol->entry[*slot].snapshot < 0)) {
          fai_jv e = fai_jv_index(&routes, (size_t)i);
          st = fai_jv_error(&e, FAI_EINVAL, err,
                            "a second route for RS satellite %d at snapshot %d (first: "
                            "$.routes[%d])",
                            sel->rs[pe->r], t, *slot);
          goto cleanup;
        }
        if (*slot < 0) *slot = i;
      }
    }
  }
cleanup:
  free(rs_of);
  free(cs_of);
  free(nb_off);
  free(nb_node);
  free(nb_link);
  free(hop);
  fai_json_doc_free(doc);
  if (st != FAI_OK) fai__lsm_policy_free(pol);
  return st;
}
