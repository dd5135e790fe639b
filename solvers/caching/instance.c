/* Caching instances: strict JSON reading, the three deliverability models
 * (matrix, edge radio, satellite timeline), the generator, placement
 * evaluation and storage accounting. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "caching_internal.h"
#include "fluidai/rng.h"

const char *fai_cache_kind_name(fai_cache_kind k) {
  switch (k) {
    case FAI_CACHE_MATRIX: return "matrix";
    case FAI_CACHE_EDGE: return "edge";
    case FAI_CACHE_SATELLITE: return "satellite";
  }
  return "?";
}

void fai_cache_instance_init(fai_cache_instance *inst) {
  memset(inst, 0, sizeof *inst);
  fai_library_init(&inst->lib);
  snprintf(inst->source, sizeof inst->source, "<memory>");
}

void fai_cache_instance_free(fai_cache_instance *inst) {
  if (!inst) return;
  fai_library_free(&inst->lib);
  free(inst->capacity_bytes);
  free(inst->p);
  free(inst->tbar_s);
  free(inst->req_rate_bps);
  free(inst->snap_t_s);
  free(inst->server_xy_m);
  free(inst->user_xy_m);
  free(inst->tm_off);
  free(inst->link_user);
  free(inst->link_server);
  free(inst->link_rate_bps);
  free(inst->link_mask);
  free(inst->tk_off);
  free(inst->tk_link);
  fai_error_list_free(&inst->warnings);
  memset(inst, 0, sizeof *inst);
}

static void warn_at(fai_cache_instance *inst, const fai_jv *v, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void warn_at(fai_cache_instance *inst, const fai_jv *v, const char *fmt, ...) {
  fai_error w;
  fai_error_clear(&w);
  char msg[FAI_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (v && v->doc)
    fai_jv_error(v, FAI_OK, &w, "%s", msg);
  else
    fai_error_set_at(&w, FAI_OK, inst->source, 0, 0, NULL, "%s", msg);
  fai_error_list_push(&inst->warnings, &w);
  char buf[2 * FAI_ERROR_MSG_MAX];
  fai_error_format(&w, buf, sizeof buf);
  fai_warn("%s", buf);
}

/* --- links ------------------------------------------------------------------------- */

/* The (t, k) index of links already sorted by (t, m, k): a counting sort that
 * keeps m ascending inside each (t, k). */
static fai_status build_user_index(fai_cache_instance *inst, fai_error *err) {
  const int T = inst->T, K = inst->K, M = inst->M;
  const int64_t E = inst->n_links;
  inst->tk_off = calloc((size_t)T * K + 1, sizeof *inst->tk_off);
  inst->tk_link = malloc((size_t)(E ? E : 1) * sizeof *inst->tk_link);
  int64_t *fill = malloc(((size_t)T * K + 1) * sizeof *fill);
  if (!inst->tk_off || !inst->tk_link || !fill) {
    free(fill);
    return fai_error_set(err, FAI_ENOMEM, "out of memory indexing %lld links", (long long)E);
  }
  for (int t = 0; t < T; t++)
    for (int m = 0; m < M; m++)
      for (int64_t e = inst->tm_off[(size_t)t * M + m]; e < inst->tm_off[(size_t)t * M + m + 1]; e++)
        inst->tk_off[(size_t)t * K + inst->link_user[e] + 1]++;
  for (size_t q = 0; q < (size_t)T * K; q++) inst->tk_off[q + 1] += inst->tk_off[q];
  memcpy(fill, inst->tk_off, ((size_t)T * K + 1) * sizeof *fill);
  for (int t = 0; t < T; t++)
    for (int64_t e = inst->tm_off[(size_t)t * M]; e < inst->tm_off[(size_t)(t + 1) * M]; e++)
      inst->tk_link[fill[(size_t)t * K + inst->link_user[e]]++] = e;
  free(fill);
  return FAI_OK;
}

/* Growable link list while building. */
typedef struct link_buf {
  int64_t n, cap;
  int *user, *server;
  double *rate;
} link_buf;

static int link_push(link_buf *b, int m, int k, double rate) {
  if (b->n == b->cap) {
    int64_t nc = b->cap ? 2 * b->cap : 1024;
    int *u = realloc(b->user, (size_t)nc * sizeof *u);
    if (u) b->user = u;
    int *s = realloc(b->server, (size_t)nc * sizeof *s);
    if (s) b->server = s;
    double *r = realloc(b->rate, (size_t)nc * sizeof *r);
    if (r) b->rate = r;
    if (!u || !s || !r) return -1;
    b->cap = nc;
  }
  b->user[b->n] = k;
  b->server[b->n] = m;
  b->rate[b->n] = rate;
  b->n++;
  return 0;
}

static void link_buf_free(link_buf *b) {
  free(b->user);
  free(b->server);
  free(b->rate);
}

/* Required rate for each (k, i): 8·D_i / (Tbar − t_inf), +inf when the budget
 * is already spent by inference. */
static void compute_req_rates(fai_cache_instance *inst) {
  for (int i = 0; i < inst->I; i++) {
    const double bits = 8.0 * (double)fai_library_model_bytes(&inst->lib, i);
    for (int k = 0; k < inst->K; k++) {
      const double slack = inst->tbar_s[(size_t)k * inst->I + i] - inst->inference_s;
      inst->req_rate_bps[(size_t)k * inst->I + i] = slack > 0 ? bits / slack : INFINITY;
    }
  }
}

/* --- requests ------------------------------------------------------------------------ */

static fai_status zipf_requests(fai_cache_instance *inst, double gamma, int permute,
                                fai_error *err) {
  const int I = inst->I, K = inst->K;
  double *z = malloc((size_t)I * sizeof *z);
  int *perm = malloc((size_t)I * sizeof *perm);
  if (!z || !perm) {
    free(z);
    free(perm);
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  }
  double sum = 0;
  for (int r = 0; r < I; r++) sum += (z[r] = pow((double)(r + 1), -gamma));
  for (int r = 0; r < I; r++) z[r] /= sum;
  for (int k = 0; k < K; k++) {
    for (int j = 0; j < I; j++) perm[j] = j;
    if (permute)
      for (int j = I - 1; j > 0; j--) {
        const double u = fai_rng_uniform(inst->seed, FAI_STREAM_WORKLOAD,
                                         FAI_CACHE_NS_PERM | ((uint64_t)k * (uint64_t)I + (uint64_t)j));
        int r = (int)(u * (double)(j + 1));
        if (r > j) r = j;
        const int tmp = perm[j];
        perm[j] = perm[r];
        perm[r] = tmp;
      }
    for (int r = 0; r < I; r++) inst->p[(size_t)k * I + perm[r]] = z[r];
  }
  free(z);
  free(perm);
  return FAI_OK;
}

/* Rows: negative → error, zero sum → error, |sum − 1| > 1e-9 → normalised
 * with a warning.  rows_jv (may be NULL) locates messages. */
static fai_status check_rows(fai_cache_instance *inst, const fai_jv *rows_jv, fai_error *err) {
  for (int k = 0; k < inst->K; k++) {
    double s = 0;
    double *row = inst->p + (size_t)k * inst->I;
    fai_jv rv;
    if (rows_jv) rv = fai_jv_index(rows_jv, (size_t)k);
    for (int i = 0; i < inst->I; i++) {
      if (!(row[i] >= 0) || !isfinite(row[i])) {
        if (rows_jv) {
          fai_jv ev = fai_jv_index(&rv, (size_t)i);
          return fai_jv_error(&ev, FAI_EINVAL, err,
                              "request probability %g of user %d for model %d; expected >= 0",
                              row[i], k, i);
        }
        return fai_error_set(err, FAI_EINVAL,
                             "request probability p[%d][%d] = %g; expected >= 0", k, i, row[i]);
      }
      s += row[i];
    }
    if (!(s > 0)) {
      if (rows_jv) return fai_jv_error(&rv, FAI_EINVAL, err, "user %d requests nothing (row sums to 0)", k);
      return fai_error_set(err, FAI_EINVAL, "user %d requests nothing (row sums to 0)", k);
    }
    if (fabs(s - 1.0) > 1e-9) {
      warn_at(inst, rows_jv ? &rv : NULL,
              "request probabilities of user %d sum to %.17g, not 1; normalised", k, s);
      for (int i = 0; i < inst->I; i++) row[i] /= s;
    }
  }
  return FAI_OK;
}

/* Capacities below the smallest model: a warning per cache, an error when no
 * cache can hold anything. */
static fai_status check_capacities(fai_cache_instance *inst, const fai_jv *servers_jv,
                                   fai_error *err) {
  int64_t smallest = -1;
  int arg = 0;
  for (int i = 0; i < inst->I; i++) {
    const int64_t d = fai_library_model_bytes(&inst->lib, i);
    if (smallest < 0 || d < smallest) smallest = d, arg = i;
  }
  int useless = 0;
  for (int m = 0; m < inst->M; m++) {
    if (inst->capacity_bytes[m] < 0) {
      if (servers_jv) {
        fai_jv sv = fai_jv_index(servers_jv, (size_t)m);
        return fai_jv_error(&sv, FAI_EINVAL, err, "capacity %lld bytes; expected >= 0",
                            (long long)inst->capacity_bytes[m]);
      }
      return fai_error_set(err, FAI_EINVAL, "cache %d has capacity %lld bytes; expected >= 0", m,
                           (long long)inst->capacity_bytes[m]);
    }
    if (inst->capacity_bytes[m] < smallest) useless++;
  }
  if (useless == inst->M && inst->M > 0) {
    fai_jv sv;
    if (servers_jv) sv = fai_jv_index(servers_jv, 0);
    const char *msg = "capacity %lld bytes of every cache is smaller than every model (the "
                      "smallest, \"%s\", needs %lld bytes): nothing can be cached";
    if (servers_jv)
      return fai_jv_error(&sv, FAI_EINVAL, err, msg, (long long)inst->capacity_bytes[0],
                          fai_library_model_id(&inst->lib, arg), (long long)smallest);
    return fai_error_set(err, FAI_EINVAL, msg, (long long)inst->capacity_bytes[0],
                         fai_library_model_id(&inst->lib, arg), (long long)smallest);
  }
  if (useless) {
    for (int m = 0, shown = 0; m < inst->M && shown < 5; m++)
      if (inst->capacity_bytes[m] < smallest) {
        fai_jv sv;
        if (servers_jv) sv = fai_jv_index(servers_jv, (size_t)m);
        warn_at(inst, servers_jv ? &sv : NULL,
                "cache %d: capacity %lld bytes is smaller than every model (the smallest, "
                "\"%s\", needs %lld bytes); it stays empty",
                m, (long long)inst->capacity_bytes[m], fai_library_model_id(&inst->lib, arg),
                (long long)smallest);
        shown++;
      }
    if (useless > 5) fai_warn("%d caches in all cannot hold any model", useless);
  }
  return FAI_OK;
}

/* --- matrix ------------------------------------------------------------------------- */

static fai_status links_from_dense(fai_cache_instance *inst, const uint8_t *a, fai_error *err) {
  const int T = inst->T, M = inst->M, K = inst->K, I = inst->I, W = (I + 31) / 32;
  inst->mask_words = W;
  int64_t E = 0;
  for (size_t q = 0; q < (size_t)T * M * K; q++)
    for (int i = 0; i < I; i++)
      if (a[q * I + i]) {
        E++;
        break;
      }
  inst->n_links = E;
  inst->tm_off = calloc((size_t)T * M + 1, sizeof *inst->tm_off);
  inst->link_user = malloc((size_t)(E ? E : 1) * sizeof *inst->link_user);
  inst->link_server = malloc((size_t)(E ? E : 1) * sizeof *inst->link_server);
  inst->link_mask = calloc((size_t)(E ? E : 1) * W, sizeof *inst->link_mask);
  if (!inst->tm_off || !inst->link_user || !inst->link_server || !inst->link_mask)
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  int64_t e = 0;
  for (int t = 0; t < T; t++)
    for (int m = 0; m < M; m++) {
      inst->tm_off[(size_t)t * M + m] = e;
      for (int k = 0; k < K; k++) {
        const uint8_t *row = a + (((size_t)t * M + m) * K + k) * I;
        int any = 0;
        for (int i = 0; i < I; i++)
          if (row[i]) {
            inst->link_mask[(size_t)e * W + (i >> 5)] |= 1u << (i & 31);
            any = 1;
          }
        if (any) {
          inst->link_user[e] = k;
          inst->link_server[e] = m;
          e++;
        }
      }
    }
  inst->tm_off[(size_t)T * M] = e;
  return build_user_index(inst, err);
}

fai_status fai_cache_instance_from_matrix(fai_cache_instance *inst, fai_library *lib, int M, int K,
                                          int T, const int64_t *cap, const double *p,
                                          const uint8_t *a, fai_error *err) {
  fai_status st;
  fai_cache_instance_init(inst);
  inst->lib = *lib;
  fai_library_init(lib);
  inst->kind = FAI_CACHE_MATRIX;
  snprintf(inst->name, sizeof inst->name, "matrix");
  inst->M = M;
  inst->K = K;
  inst->T = T;
  inst->I = inst->lib.n_models;
  if (M < 1 || K < 1 || T < 1 || inst->I < 1) {
    st = fai_error_set(err, FAI_EINVAL, "instance needs M, K, T, I >= 1 (got %d, %d, %d, %d)", M,
                       K, T, inst->I);
    goto cleanup;
  }
  inst->capacity_bytes = malloc((size_t)M * sizeof *inst->capacity_bytes);
  inst->p = malloc((size_t)K * inst->I * sizeof *inst->p);
  inst->snap_t_s = calloc((size_t)T, sizeof *inst->snap_t_s);
  if (!inst->capacity_bytes || !inst->p || !inst->snap_t_s) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  memcpy(inst->capacity_bytes, cap, (size_t)M * sizeof *cap);
  memcpy(inst->p, p, (size_t)K * inst->I * sizeof *p);
  FAI_TRY(fai_library_validate(&inst->lib, err));
  FAI_TRY(check_rows(inst, NULL, err));
  FAI_TRY(check_capacities(inst, NULL, err));
  FAI_TRY(links_from_dense(inst, a, err));
cleanup:
  if (st != FAI_OK) fai_cache_instance_free(inst);
  return st;
}

int fai_cache_deliverable(const fai_cache_instance *inst, int t, int m, int k, int i) {
  int64_t lo = inst->tm_off[(size_t)t * inst->M + m], hi = inst->tm_off[(size_t)t * inst->M + m + 1] - 1;
  while (lo <= hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (inst->link_user[mid] == k) {
      if (inst->link_rate_bps)
        return inst->link_rate_bps[mid] >= inst->req_rate_bps[(size_t)k * inst->I + i];
      return (int)((inst->link_mask[(size_t)mid * inst->mask_words + (i >> 5)] >> (i & 31)) & 1u);
    }
    if (inst->link_user[mid] < k)
      lo = mid + 1;
    else
      hi = mid - 1;
  }
  return 0;
}

/* --- JSON reading ---------------------------------------------------------------------- */

/* Directory part of a file name ("" for none), for relative paths. */
static void dir_of(const char *path, char *out, size_t n) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    out[0] = '\0';
  else
    snprintf(out, n, "%.*s/", (int)(slash - path + 0), path);
}

static fai_status read_capacity(const fai_jv *obj, const char *key, int64_t *out, fai_error *err) {
  double v;
  fai_status st = fai_jv_number(obj, key, 1, 0, -1e300, 1e300, &v, err);
  if (st != FAI_OK) return st;
  fai_jv m;
  fai_jv_member(obj, key, &m);
  if (v < 0) return fai_jv_error(&m, FAI_EINVAL, err, "capacity %g bytes; expected >= 0", v);
  if (v != floor(v) || v > 9.0e15)
    return fai_jv_error(&m, FAI_EINVAL, err, "capacity %g; expected a whole number of bytes", v);
  *out = (int64_t)v;
  return FAI_OK;
}

static fai_status read_servers(fai_cache_instance *inst, const fai_jv *sv, int need_xy,
                               fai_error *err) {
  static const char *const keys[] = {"id", "capacity_bytes", "x_m", "y_m", NULL};
  fai_status st = fai_jv_expect_array(sv, 1, err);
  if (st != FAI_OK) return st;
  inst->M = (int)json_array_size(sv->v);
  inst->capacity_bytes = malloc((size_t)inst->M * sizeof *inst->capacity_bytes);
  if (need_xy) inst->server_xy_m = malloc((size_t)inst->M * 2 * sizeof *inst->server_xy_m);
  if (!inst->capacity_bytes || (need_xy && !inst->server_xy_m))
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  for (int m = 0; m < inst->M; m++) {
    fai_jv s = fai_jv_index(sv, (size_t)m);
    const char *id;
    if ((st = fai_jv_expect_object(&s, keys, err)) != FAI_OK) return st;
    if ((st = fai_jv_string(&s, "id", 0, "", &id, err)) != FAI_OK) return st;
    if ((st = read_capacity(&s, "capacity_bytes", &inst->capacity_bytes[m], err)) != FAI_OK)
      return st;
    if (need_xy) {
      if ((st = fai_jv_number(&s, "x_m", 1, 0, -1e9, 1e9, &inst->server_xy_m[2 * m], err)) != FAI_OK ||
          (st = fai_jv_number(&s, "y_m", 1, 0, -1e9, 1e9, &inst->server_xy_m[2 * m + 1], err)) != FAI_OK)
        return st;
    } else {
      fai_jv x;
      if (fai_jv_member(&s, "x_m", &x) || fai_jv_member(&s, "y_m", &x))
        return fai_jv_error(&x, FAI_EINVAL, err,
                            "positions are used by edge instances only (this one gives \"a\")");
    }
  }
  return FAI_OK;
}

static fai_status read_users(fai_cache_instance *inst, const fai_jv *uv, int need_xy,
                             fai_error *err) {
  static const char *const keys[] = {"id", "x_m", "y_m", NULL};
  fai_status st;
  if (!need_xy && json_is_integer(uv->v)) {
    const json_int_t n = json_integer_value(uv->v);
    if (n < 1 || n > 100000000)
      return fai_jv_error(uv, FAI_EINVAL, err, "%lld users; expected 1..1e8", (long long)n);
    inst->K = (int)n;
    return FAI_OK;
  }
  if ((st = fai_jv_expect_array(uv, 1, err)) != FAI_OK) return st;
  inst->K = (int)json_array_size(uv->v);
  if (!need_xy) return FAI_OK;
  inst->user_xy_m = malloc((size_t)inst->K * 2 * sizeof *inst->user_xy_m);
  if (!inst->user_xy_m) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  for (int k = 0; k < inst->K; k++) {
    fai_jv u = fai_jv_index(uv, (size_t)k);
    const char *id;
    if ((st = fai_jv_expect_object(&u, keys, err)) != FAI_OK) return st;
    if ((st = fai_jv_string(&u, "id", 0, "", &id, err)) != FAI_OK) return st;
    if ((st = fai_jv_number(&u, "x_m", 1, 0, -1e9, 1e9, &inst->user_xy_m[2 * k], err)) != FAI_OK ||
        (st = fai_jv_number(&u, "y_m", 1, 0, -1e9, 1e9, &inst->user_xy_m[2 * k + 1], err)) != FAI_OK)
      return st;
  }
  return FAI_OK;
}

static fai_status read_requests(fai_cache_instance *inst, const fai_jv *root, fai_error *err) {
  static const char *const keys[] = {"zipf_gamma", "permute", "p", NULL};
  fai_jv rq, pv;
  fai_status st;
  inst->p = calloc((size_t)inst->K * inst->I, sizeof *inst->p);
  if (!inst->p) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  if (!fai_jv_member(root, "requests", &rq))
    return fai_jv_error(root, FAI_EINVAL, err, "missing \"requests\" ({\"zipf_gamma\": G} or {\"p\": [[...]]})");
  if ((st = fai_jv_expect_object(&rq, keys, err)) != FAI_OK) return st;
  if (fai_jv_member(&rq, "p", &pv)) {
    fai_jv g;
    if (fai_jv_member(&rq, "zipf_gamma", &g))
      return fai_jv_error(&g, FAI_EINVAL, err, "give either \"p\" or \"zipf_gamma\", not both");
    if ((st = fai_jv_expect_array(&pv, 0, err)) != FAI_OK) return st;
    if ((int)json_array_size(pv.v) != inst->K)
      return fai_jv_error(&pv, FAI_EINVAL, err, "%zu rows; expected one per user (%d)",
                          json_array_size(pv.v), inst->K);
    for (int k = 0; k < inst->K; k++) {
      fai_jv row = fai_jv_index(&pv, (size_t)k);
      if (!json_is_array(row.v) || (int)json_array_size(row.v) != inst->I)
        return fai_jv_error(&row, FAI_EINVAL, err, "expected an array of %d probabilities (one per model)",
                            inst->I);
      for (int i = 0; i < inst->I; i++) {
        fai_jv e = fai_jv_index(&row, (size_t)i);
        if (!json_is_number(e.v)) return fai_jv_error(&e, FAI_EINVAL, err, "expected a number");
        inst->p[(size_t)k * inst->I + i] = json_number_value(e.v);
      }
    }
    return check_rows(inst, &pv, err);
  }
  double gamma;
  int permute;
  if ((st = fai_jv_number(&rq, "zipf_gamma", 1, 0.8, 0, 100, &gamma, err)) != FAI_OK) return st;
  if ((st = fai_jv_bool(&rq, "permute", 0, 1, &permute, err)) != FAI_OK) return st;
  return zipf_requests(inst, gamma, permute, err);
}

static fai_status read_latency(fai_cache_instance *inst, const fai_jv *root, fai_error *err) {
  static const char *const keys[] = {"tbar_s", "inference_s", NULL};
  fai_jv lv, tv;
  fai_status st;
  double lo = 0.5, hi = 1.0;
  inst->inference_s = 0;
  if (fai_jv_member(root, "latency", &lv)) {
    if ((st = fai_jv_expect_object(&lv, keys, err)) != FAI_OK) return st;
    if ((st = fai_jv_number(&lv, "inference_s", 0, 0, 0, 1e9, &inst->inference_s, err)) != FAI_OK)
      return st;
    if (fai_jv_member(&lv, "tbar_s", &tv)) {
      if (json_is_number(tv.v)) {
        if ((st = fai_jv_number(&lv, "tbar_s", 1, 0, 0, 1e9, &lo, err)) != FAI_OK) return st;
        hi = lo;
      } else {
        fai_jv a = fai_jv_index(&tv, 0), b = fai_jv_index(&tv, 1);
        if (!json_is_array(tv.v) || json_array_size(tv.v) != 2 || !json_is_number(a.v) ||
            !json_is_number(b.v))
          return fai_jv_error(&tv, FAI_EINVAL, err, "expected seconds or [min, max]");
        lo = json_number_value(a.v);
        hi = json_number_value(b.v);
        if (!(lo >= 0 && hi >= lo && hi < 1e9))
          return fai_jv_error(&tv, FAI_EINVAL, err, "[%g, %g]; expected 0 <= min <= max", lo, hi);
      }
    }
  }
  const size_t n = (size_t)inst->K * inst->I;
  inst->tbar_s = malloc(n * sizeof *inst->tbar_s);
  inst->req_rate_bps = malloc(n * sizeof *inst->req_rate_bps);
  if (!inst->tbar_s || !inst->req_rate_bps) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  for (size_t q = 0; q < n; q++)
    inst->tbar_s[q] = lo == hi ? lo
                               : lo + (hi - lo) * fai_rng_uniform(inst->seed, FAI_STREAM_WORKLOAD,
                                                                  FAI_CACHE_NS_TBAR | (uint64_t)q);
  compute_req_rates(inst);
  return FAI_OK;
}

/* Edge radio (PAPERS §0.4, §1.2): coverage disc, 3GPP macro path loss,
 * C = B_k log2(1 + P G / (B_k N0)), B_k = B / |users covered| when split. */
static fai_status edge_links(fai_cache_instance *inst, const fai_jv *root, fai_error *err) {
  static const char *const keys[] = {"coverage_radius_m", "bandwidth_hz", "tx_power_dbm",
                                     "noise_dbm_hz", "bandwidth_split", NULL};
  fai_jv rv = {0};
  double radius = 300, bw = 100e6, ptx = 43, n0 = -174;
  int split = 1;
  fai_status st;
  if (fai_jv_member(root, "radio", &rv)) {
    if ((st = fai_jv_expect_object(&rv, keys, err)) != FAI_OK) return st;
    if ((st = fai_jv_number(&rv, "coverage_radius_m", 0, radius, 0, 1e8, &radius, err)) != FAI_OK ||
        (st = fai_jv_number(&rv, "bandwidth_hz", 0, bw, 1, 1e12, &bw, err)) != FAI_OK ||
        (st = fai_jv_number(&rv, "tx_power_dbm", 0, ptx, -100, 100, &ptx, err)) != FAI_OK ||
        (st = fai_jv_number(&rv, "noise_dbm_hz", 0, n0, -300, 0, &n0, err)) != FAI_OK ||
        (st = fai_jv_bool(&rv, "bandwidth_split", 0, split, &split, err)) != FAI_OK)
      return st;
  }
  const int M = inst->M, K = inst->K;
  const double p_w = pow(10.0, (ptx - 30.0) / 10.0), n0_w = pow(10.0, (n0 - 30.0) / 10.0);
  link_buf lb = {0};
  inst->T = 1;
  inst->tm_off = calloc((size_t)M + 1, sizeof *inst->tm_off);
  if (!inst->tm_off) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  for (int m = 0; m < M; m++) {
    inst->tm_off[m] = lb.n;
    int covered = 0;
    for (int k = 0; k < K; k++) {
      const double dx = inst->user_xy_m[2 * k] - inst->server_xy_m[2 * m];
      const double dy = inst->user_xy_m[2 * k + 1] - inst->server_xy_m[2 * m + 1];
      covered += sqrt(dx * dx + dy * dy) <= radius;
    }
    const double bk = split && covered ? bw / covered : bw;
    for (int k = 0; k < K; k++) {
      const double dx = inst->user_xy_m[2 * k] - inst->server_xy_m[2 * m];
      const double dy = inst->user_xy_m[2 * k + 1] - inst->server_xy_m[2 * m + 1];
      const double d = sqrt(dx * dx + dy * dy);
      if (d > radius) continue;
      const double g = pow(10.0, -fai_pathloss_3gpp_db(fmax(d, 1.0)) / 10.0);
      const double rate = bk * log2(1.0 + p_w * g / (bk * n0_w));
      if (link_push(&lb, m, k, rate)) {
        link_buf_free(&lb);
        return fai_error_set(err, FAI_ENOMEM, "out of memory");
      }
    }
  }
  inst->tm_off[M] = lb.n;
  inst->n_links = lb.n;
  inst->link_user = lb.user;
  inst->link_server = lb.server;
  inst->link_rate_bps = lb.rate;
  if (!lb.n) {
    inst->link_user = malloc(sizeof(int));
    inst->link_server = malloc(sizeof(int));
    inst->link_rate_bps = malloc(sizeof(double));
  }
  return build_user_index(inst, err);
}

/* Satellites: caches are the scenario's satellites, users its users; link
 * (t, m, k) when k sees m above its mask; rate from the scenario's GSL radio
 * at the slant range (bandwidth split among the satellite's visible users
 * when asked). */
static fai_status satellite_links(fai_cache_instance *inst, const fai_jv *sv, const char *base_dir,
                                  const fai_backend *be, fai_error *err) {
  static const char *const keys[] = {"scenario", "capacity_bytes", "bandwidth_split", NULL};
  fai_status st;
  fai_scenario sc;
  fai_timeline tl;
  memset(&tl, 0, sizeof tl);
  fai_scenario_init(&sc);
  link_buf lb = {0};
  int *nvis = NULL;
  double *upos = NULL;
  int64_t cap;
  int split;
  fai_jv scv;
  FAI_TRY(fai_jv_expect_object(sv, keys, err));
  FAI_TRY(read_capacity(sv, "capacity_bytes", &cap, err));
  FAI_TRY(fai_jv_bool(sv, "bandwidth_split", 0, 0, &split, err));
  if (!fai_jv_member(sv, "scenario", &scv)) {
    st = fai_jv_error(sv, FAI_EINVAL, err, "missing \"scenario\" (a file name or an inline scenario)");
    goto cleanup;
  }
  if (json_is_string(scv.v)) {
    char path[2 * FAI_ERROR_FILE_MAX];
    const char *s = json_string_value(scv.v);
    if (s[0] == '/')
      snprintf(path, sizeof path, "%s", s);
    else
      snprintf(path, sizeof path, "%s%s", base_dir, s);
    FAI_TRY(fai_scenario_load_file(path, &sc, NULL, err));
  } else if (json_is_object(scv.v)) {
    char *text = fai_json_dumps(scv.v);
    char name[FAI_ERROR_FILE_MAX + FAI_JSON_PATH_MAX + 2];
    snprintf(name, sizeof name, "%s:%s", inst->source, scv.path);
    if (!text) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory");
      goto cleanup;
    }
    st = fai_scenario_load_string(text, name, &sc, NULL, err);
    free(text);
    if (st != FAI_OK) goto cleanup;
  } else {
    st = fai_jv_error(&scv, FAI_EINVAL, err, "expected a scenario file name or object");
    goto cleanup;
  }
  FAI_TRY(fai_scenario_check(&sc, err));
  if (sc.users.n < 1) {
    st = fai_jv_error(&scv, FAI_EINVAL, err, "the scenario has no users (add \"users\")");
    goto cleanup;
  }
  fai_timeline_opts topts;
  fai_timeline_opts_init(&topts);
  topts.paths = 0;
  topts.contacts = 0;
  fai_progress prog = {NULL, NULL};
  FAI_TRY(fai_timeline_build(&sc, be ? be : fai_backend_cpu(), &topts, &prog, &tl, err));
  const int T = tl.n_snaps, M = tl.n_sats, K = tl.n_users, W = tl.vis_words;
  inst->T = T;
  inst->M = M;
  inst->K = K;
  inst->capacity_bytes = malloc((size_t)M * sizeof *inst->capacity_bytes);
  inst->snap_t_s = malloc((size_t)T * sizeof *inst->snap_t_s);
  inst->tm_off = calloc((size_t)T * M + 1, sizeof *inst->tm_off);
  nvis = calloc((size_t)M, sizeof *nvis);
  upos = malloc((size_t)K * 3 * sizeof *upos);
  if (!inst->capacity_bytes || !inst->snap_t_s || !inst->tm_off || !nvis || !upos) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  for (int m = 0; m < M; m++) inst->capacity_bytes[m] = cap;
  for (int k = 0; k < K; k++)
    fai_geodetic_to_ecef(sc.users.v[k].lat_rad, sc.users.v[k].lon_rad, sc.users.v[k].alt_m,
                         upos + 3 * k);
  for (int t = 0; t < T; t++) {
    inst->snap_t_s[t] = tl.t_s[t];
    const uint32_t *vis = tl.user_vis + (size_t)t * K * W;
    for (int m = 0; m < M; m++) nvis[m] = 0;
    for (int k = 0; k < K; k++)
      for (int m = 0; m < M; m++)
        if ((vis[(size_t)k * W + (m >> 5)] >> (m & 31)) & 1u) nvis[m]++;
    for (int m = 0; m < M; m++) {
      inst->tm_off[(size_t)t * M + m] = lb.n;
      if (!nvis[m]) continue;
      fai_radio r = sc.gsl_radio;
      if (split) r.bandwidth_hz /= nvis[m];
      const double *ps = tl.pos + ((size_t)t * M + m) * 3;
      for (int k = 0; k < K; k++) {
        if (!((vis[(size_t)k * W + (m >> 5)] >> (m & 31)) & 1u)) continue;
        const double dx = ps[0] - upos[3 * k], dy = ps[1] - upos[3 * k + 1], dz = ps[2] - upos[3 * k + 2];
        if (link_push(&lb, m, k, fai_radio_rate_bps(&r, sqrt(dx * dx + dy * dy + dz * dz)))) {
          st = fai_error_set(err, FAI_ENOMEM, "out of memory");
          goto cleanup;
        }
      }
    }
  }
  inst->tm_off[(size_t)T * M] = lb.n;
  inst->n_links = lb.n;
  inst->link_user = lb.n ? lb.user : malloc(sizeof(int));
  inst->link_server = lb.n ? lb.server : malloc(sizeof(int));
  inst->link_rate_bps = lb.n ? lb.rate : malloc(sizeof(double));
  if (!lb.n) link_buf_free(&lb);
  memset(&lb, 0, sizeof lb);
  if (!inst->link_user || !inst->link_server || !inst->link_rate_bps) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  st = FAI_OK;
cleanup:
  link_buf_free(&lb);
  free(nvis);
  free(upos);
  fai_timeline_free(&tl);
  fai_scenario_free(&sc);
  return st;
}

static fai_status read_matrix(fai_cache_instance *inst, const fai_jv *av, int snapshots,
                              fai_error *err) {
  const int M = inst->M, K = inst->K, I = inst->I;
  fai_status st;
  if ((st = fai_jv_expect_array(av, 1, err)) != FAI_OK) return st;
  inst->T = snapshots ? (int)json_array_size(av->v) : 1;
  const int T = inst->T;
  uint8_t *a = calloc((size_t)T * M * K * I, 1);
  inst->snap_t_s = calloc((size_t)T, sizeof *inst->snap_t_s);
  if (!a || !inst->snap_t_s) {
    free(a);
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  }
  for (int t = 0; t < T; t++) {
    fai_jv at = snapshots ? fai_jv_index(av, (size_t)t) : *av;
    if (!json_is_array(at.v) || (int)json_array_size(at.v) != M) {
      st = fai_jv_error(&at, FAI_EINVAL, err, "expected an array of %d caches", M);
      goto done;
    }
    for (int m = 0; m < M; m++) {
      fai_jv am = fai_jv_index(&at, (size_t)m);
      if (!json_is_array(am.v) || (int)json_array_size(am.v) != K) {
        st = fai_jv_error(&am, FAI_EINVAL, err, "expected an array of %d users", K);
        goto done;
      }
      for (int k = 0; k < K; k++) {
        fai_jv ak = fai_jv_index(&am, (size_t)k);
        if (!json_is_array(ak.v) || (int)json_array_size(ak.v) != I) {
          st = fai_jv_error(&ak, FAI_EINVAL, err, "expected an array of %d models (0 or 1)", I);
          goto done;
        }
        for (int i = 0; i < I; i++) {
          fai_jv ai = fai_jv_index(&ak, (size_t)i);
          int v = -1;
          if (json_is_integer(ai.v) && (json_integer_value(ai.v) == 0 || json_integer_value(ai.v) == 1))
            v = (int)json_integer_value(ai.v);
          else if (json_is_boolean(ai.v))
            v = json_is_true(ai.v);
          if (v < 0) {
            st = fai_jv_error(&ai, FAI_EINVAL, err, "expected 0 or 1");
            goto done;
          }
          a[(((size_t)t * M + m) * K + k) * I + i] = (uint8_t)v;
        }
      }
    }
  }
  st = links_from_dense(inst, a, err);
done:
  free(a);
  return st;
}

static fai_status load_doc(const fai_json_doc *doc, const char *base_dir, const fai_backend *be,
                           fai_cache_instance *inst, fai_error *err) {
  static const char *const keys[] = {"format", "version", "name", "seed", "library",
                                     "servers", "users", "requests", "latency", "radio",
                                     "a", "a_snapshots", "satellites", NULL};
  fai_status st;
  fai_jv root = fai_jv_root(doc), lv, sv, uv, av, satv, x;
  const char *s;
  long long ver, seed;
  FAI_TRY(fai_jv_expect_object(&root, keys, err));
  FAI_TRY(fai_jv_string(&root, "format", 0, "fluidai-cache-instance", &s, err));
  if (strcmp(s, "fluidai-cache-instance")) {
    fai_jv_member(&root, "format", &x);
    st = fai_jv_error(&x, FAI_EINVAL, err, "format \"%s\"; expected \"fluidai-cache-instance\"", s);
    goto cleanup;
  }
  FAI_TRY(fai_jv_int(&root, "version", 0, 1, 1, 1, &ver, err));
  FAI_TRY(fai_jv_string(&root, "name", 0, "instance", &s, err));
  snprintf(inst->name, sizeof inst->name, "%s", s);
  FAI_TRY(fai_jv_int(&root, "seed", 0, 1, 0, INT64_MAX, &seed, err));
  inst->seed = (uint64_t)seed;

  /* Library: inline or a file relative to this one. */
  FAI_TRY(fai_library_from_member(&root, base_dir, &inst->lib, err));
  inst->I = inst->lib.n_models;
  if (inst->I < 1) {
    st = fai_jv_error(&lv, FAI_EINVAL, err, "the library has no models to cache");
    goto cleanup;
  }

  const int has_a = fai_jv_member(&root, "a", &av);
  fai_jv av2;
  const int has_as = fai_jv_member(&root, "a_snapshots", &av2);
  const int has_sat = fai_jv_member(&root, "satellites", &satv);
  if (has_a + has_as + has_sat > 1) {
    st = fai_jv_error(&root, FAI_EINVAL, err, "give at most one of \"a\", \"a_snapshots\" and \"satellites\"");
    goto cleanup;
  }
  inst->kind = has_sat ? FAI_CACHE_SATELLITE : (has_a || has_as ? FAI_CACHE_MATRIX : FAI_CACHE_EDGE);
  if (inst->kind == FAI_CACHE_SATELLITE) {
    if (fai_jv_member(&root, "servers", &x) || fai_jv_member(&root, "users", &x) ||
        fai_jv_member(&root, "radio", &x)) {
      st = fai_jv_error(&x, FAI_EINVAL, err,
                        "a satellite instance takes its caches, users and radio from the scenario");
      goto cleanup;
    }
    FAI_TRY(satellite_links(inst, &satv, base_dir, be, err));
  } else {
    if (!fai_jv_member(&root, "servers", &sv) || !fai_jv_member(&root, "users", &uv)) {
      st = fai_jv_error(&root, FAI_EINVAL, err, "missing \"servers\" or \"users\"");
      goto cleanup;
    }
    FAI_TRY(read_servers(inst, &sv, inst->kind == FAI_CACHE_EDGE, err));
    FAI_TRY(read_users(inst, &uv, inst->kind == FAI_CACHE_EDGE, err));
    if (inst->kind == FAI_CACHE_MATRIX && fai_jv_member(&root, "radio", &x)) {
      st = fai_jv_error(&x, FAI_EINVAL, err, "\"radio\" is used by edge instances only");
      goto cleanup;
    }
  }
  FAI_TRY(read_requests(inst, &root, err));
  if (inst->kind == FAI_CACHE_MATRIX) {
    if (fai_jv_member(&root, "latency", &x)) {
      st = fai_jv_error(&x, FAI_EINVAL, err, "\"latency\" does not apply when \"a\" is given");
      goto cleanup;
    }
    FAI_TRY(read_matrix(inst, has_a ? &av : &av2, has_as, err));
  } else {
    FAI_TRY(read_latency(inst, &root, err));
    if (inst->kind == FAI_CACHE_EDGE) {
      inst->snap_t_s = calloc(1, sizeof *inst->snap_t_s);
      if (!inst->snap_t_s) {
        st = fai_error_set(err, FAI_ENOMEM, "out of memory");
        goto cleanup;
      }
      FAI_TRY(edge_links(inst, &root, err));
    } else {
      FAI_TRY(build_user_index(inst, err));
    }
  }
  {
    fai_jv servers_jv;
    const int has_servers = fai_jv_member(&root, "servers", &servers_jv);
    FAI_TRY(check_capacities(inst, has_servers ? &servers_jv : NULL, err));
  }
cleanup:
  return st;
}

static fai_status load_common(fai_json_doc *doc, const char *name, const fai_backend *be,
                              fai_cache_instance *inst, fai_error *err) {
  char base[FAI_ERROR_FILE_MAX];
  dir_of(name, base, sizeof base);
  snprintf(inst->source, sizeof inst->source, "%s", name);
  fai_status st = load_doc(doc, base, be, inst, err);
  fai_json_doc_free(doc);
  if (st != FAI_OK) fai_cache_instance_free(inst);
  return st;
}

fai_status fai_cache_instance_load_file(const char *path, const fai_backend *be,
                                        fai_cache_instance *inst, fai_error *err) {
  fai_json_doc *doc = NULL;
  fai_cache_instance_init(inst);
  fai_status st = fai_json_load_file(path, &doc, err);
  if (st != FAI_OK) return st;
  return load_common(doc, path, be, inst, err);
}

fai_status fai_cache_instance_load_string(const char *text, const char *name,
                                          const fai_backend *be, fai_cache_instance *inst,
                                          fai_error *err) {
  fai_json_doc *doc = NULL;
  fai_cache_instance_init(inst);
  fai_status st = fai_json_load_string(text, name ? name : "<string>", &doc, err);
  if (st != FAI_OK) return st;
  return load_common(doc, name ? name : "<string>", be, inst, err);
}

/* --- generator ------------------------------------------------------------------------ */

void fai_cache_gen_params_init(fai_cache_gen_params *p) {
  memset(p, 0, sizeof *p);
  p->kind = FAI_CACHE_EDGE;
  p->servers = 10;
  p->users = 30;
  p->area_m = 1000;
  p->radius_m = 300;
  p->bandwidth_hz = 100e6;
  p->tx_power_dbm = 43;
  p->noise_dbm_hz = -174;
  p->bandwidth_split = -1;
  p->capacity_bytes = 1e9;
  p->zipf_gamma = 0.8;
  p->permute = 1;
  p->tbar_min_s = 0.5;
  p->tbar_max_s = 1.0;
  p->inference_s = 0;
  fai_libgen_params_init(&p->lib);
  p->seed = 1;
}

fai_status fai_cache_generate(const fai_cache_gen_params *p, json_t **out, fai_error *err) {
  fai_status st = FAI_OK;
  fai_library lib;
  fai_library_init(&lib);
  json_t *doc = NULL;
  *out = NULL;
  if (p->kind != FAI_CACHE_EDGE && p->kind != FAI_CACHE_SATELLITE)
    return fai_error_set(err, FAI_EINVAL, "the generator writes edge or satellite instances");
  if (!(p->capacity_bytes >= 0) || p->capacity_bytes != floor(p->capacity_bytes) ||
      !(p->tbar_min_s >= 0 && p->tbar_max_s >= p->tbar_min_s) || !(p->zipf_gamma >= 0) ||
      !(p->inference_s >= 0))
    return fai_error_set(err, FAI_EINVAL,
                         "generator: capacity %g bytes (whole, >= 0), latency [%g, %g] s, zipf %g, "
                         "inference %g s: out of range",
                         p->capacity_bytes, p->tbar_min_s, p->tbar_max_s, p->zipf_gamma,
                         p->inference_s);
  if (p->library_path)
    FAI_TRY(fai_library_load_file(p->library_path, &lib, err));
  else {
    fai_libgen_params lp = p->lib;
    lp.seed = p->seed;
    FAI_TRY(fai_library_generate(&lp, &lib, err));
  }
  doc = json_pack("{s:s, s:i, s:s, s:I, s:o}", "format", "fluidai-cache-instance", "version", 1,
                  "name", p->kind == FAI_CACHE_EDGE ? "edge" : "satellite", "seed",
                  (json_int_t)p->seed, "library", fai_library_to_json(&lib));
  json_object_set_new(doc, "requests", json_pack("{s:f, s:b}", "zipf_gamma", p->zipf_gamma,
                                                 "permute", p->permute));
  json_object_set_new(doc, "latency",
                      json_pack("{s:[f, f], s:f}", "tbar_s", p->tbar_min_s, p->tbar_max_s,
                                "inference_s", p->inference_s));
  const int split = p->bandwidth_split >= 0 ? p->bandwidth_split : p->kind == FAI_CACHE_EDGE;
  if (p->kind == FAI_CACHE_EDGE) {
    if (p->servers < 1 || p->users < 1 || !(p->area_m > 0) || !(p->radius_m >= 0)) {
      st = fai_error_set(err, FAI_EINVAL, "generator: %d servers, %d users, area %g m, radius %g m",
                         p->servers, p->users, p->area_m, p->radius_m);
      goto cleanup;
    }
    json_t *servers = json_array(), *users = json_array();
    for (int m = 0; m < p->servers; m++) {
      const double x = p->area_m * fai_rng_uniform(p->seed, FAI_STREAM_GENERATOR,
                                                   FAI_CACHE_NS_POS | (uint64_t)(2 * m));
      const double y = p->area_m * fai_rng_uniform(p->seed, FAI_STREAM_GENERATOR,
                                                   FAI_CACHE_NS_POS | (uint64_t)(2 * m + 1));
      json_array_append_new(servers, json_pack("{s:f, s:f, s:f}", "capacity_bytes",
                                               p->capacity_bytes, "x_m", x, "y_m", y));
    }
    for (int k = 0; k < p->users; k++) {
      const uint64_t base = FAI_CACHE_NS_POS | (1ull << 40) | (uint64_t)(2 * k);
      const double x = p->area_m * fai_rng_uniform(p->seed, FAI_STREAM_GENERATOR, base);
      const double y = p->area_m * fai_rng_uniform(p->seed, FAI_STREAM_GENERATOR, base + 1);
      json_array_append_new(users, json_pack("{s:f, s:f}", "x_m", x, "y_m", y));
    }
    json_object_set_new(doc, "servers", servers);
    json_object_set_new(doc, "users", users);
    json_object_set_new(doc, "radio",
                        json_pack("{s:f, s:f, s:f, s:f, s:b}", "coverage_radius_m", p->radius_m,
                                  "bandwidth_hz", p->bandwidth_hz, "tx_power_dbm", p->tx_power_dbm,
                                  "noise_dbm_hz", p->noise_dbm_hz, "bandwidth_split", split));
  } else {
    if (!p->scenario) {
      st = fai_error_set(err, FAI_EUSAGE, "a satellite instance needs a scenario with users");
      goto cleanup;
    }
    fai_scenario sc;
    FAI_TRY(fai_scenario_load_file(p->scenario, &sc, NULL, err));
    if (sc.users.n < 1) {
      fai_scenario_free(&sc);
      st = fai_error_set_at(err, FAI_EINVAL, p->scenario, 0, 0, "$.users",
                            "the scenario has no users");
      goto cleanup;
    }
    json_t *scj = fai_scenario_to_json(&sc);
    fai_scenario_free(&sc);
    json_object_set_new(doc, "satellites",
                        json_pack("{s:o, s:f, s:b}", "scenario", scj, "capacity_bytes",
                                  p->capacity_bytes, "bandwidth_split", split));
  }
  *out = doc;
  doc = NULL;
cleanup:
  json_decref(doc);
  fai_library_free(&lib);
  return st;
}

/* --- placements ------------------------------------------------------------------------- */

fai_status fai_cache_placement_alloc(fai_cache_placement *pl, const fai_cache_instance *inst,
                                     fai_error *err) {
  memset(pl, 0, sizeof *pl);
  pl->M = inst->M;
  pl->I = inst->I;
  pl->T = inst->T;
  pl->x = calloc((size_t)inst->M * inst->I, 1);
  pl->used_bytes = calloc((size_t)inst->M, sizeof *pl->used_bytes);
  pl->hit_snap = calloc((size_t)inst->T, sizeof *pl->hit_snap);
  pl->outcome = FAI_OUTCOME_NOT_RUN;
  pl->bound = NAN;
  if (!pl->x || !pl->used_bytes || !pl->hit_snap) {
    fai_cache_placement_free(pl);
    return fai_error_set(err, FAI_ENOMEM, "out of memory for a placement");
  }
  return FAI_OK;
}

void fai_cache_placement_free(fai_cache_placement *pl) {
  if (!pl) return;
  free(pl->x);
  free(pl->used_bytes);
  free(pl->hit_snap);
  memset(pl, 0, sizeof *pl);
}

int fai_cache_storage(const fai_cache_instance *inst, const uint8_t *x, int64_t *used) {
  const fai_library *lib = &inst->lib;
  uint8_t *mark = calloc((size_t)lib->n_blocks + 1, 1);
  int over = -1;
  for (int m = 0; m < inst->M; m++) {
    int64_t u = 0;
    if (mark) memset(mark, 0, (size_t)lib->n_blocks + 1);
    for (int i = 0; i < inst->I; i++) {
      if (!x[(size_t)m * inst->I + i]) continue;
      for (int q = lib->model_off[i]; q < lib->model_off[i + 1]; q++) {
        const int j = lib->model_blocks[q];
        if (mark && !mark[j]) {
          mark[j] = 1;
          u += lib->block_bytes[j];
        }
      }
    }
    if (!mark) u = INT64_MAX; /* no memory: report every cache as over */
    if (used) used[m] = u;
    if (u > inst->capacity_bytes[m] && over < 0) over = m;
  }
  free(mark);
  return over;
}

void fai__cache_view(const fai_cache_instance *inst, fai_cc_view *v) {
  v->T = inst->T;
  v->M = inst->M;
  v->K = inst->K;
  v->I = inst->I;
  v->mask_words = inst->mask_words;
  v->tm_off = inst->tm_off;
  v->link_user = inst->link_user;
  v->link_server = inst->link_server;
  v->link_rate_bps = inst->link_rate_bps;
  v->link_mask = inst->link_mask;
  v->req_rate_bps = inst->req_rate_bps;
  v->tk_off = inst->tk_off;
  v->tk_link = inst->tk_link;
  v->p = inst->p;
}

fai_status fai_cache_evaluate_batch(const fai_cache_instance *inst, const fai_backend *be, int n,
                                    const uint8_t *x, double *hit_snap, double *hit_ratio,
                                    fai_error *err) {
  const int T = inst->T;
  fai_backend cpu;
  if (!be) {
    cpu = *fai_backend_cpu();
    be = &cpu;
  }
  if (n <= 0) return FAI_OK;
  double *hs = hit_snap ? hit_snap : malloc((size_t)n * (size_t)(T > 0 ? T : 1) * sizeof *hs);
  if (!hs) return fai_error_set(err, FAI_ENOMEM, "out of memory evaluating %d placement(s)", n);
  fai_cc_view v;
  fai__cache_view(inst, &v);
  fai_status st = be->cache_eval(be, &v, n, x, hs, err);
  if (st == FAI_OK && hit_ratio) {
    /* Snapshots summed in index order. */
    for (int c = 0; c < n; c++) {
      double total = 0;
      for (int t = 0; t < T; t++) total += hs[(size_t)c * T + t];
      hit_ratio[c] = total / T;
    }
  }
  if (!hit_snap) free(hs);
  return st;
}

fai_status fai_cache_evaluate(const fai_cache_instance *inst, const uint8_t *x, int threads,
                              double *hit_snap, double *hit_ratio, fai_error *err) {
  fai_backend cpu = *fai_backend_cpu();
  cpu.threads = threads;
  return fai_cache_evaluate_batch(inst, &cpu, 1, x, hit_snap, hit_ratio, err);
}
