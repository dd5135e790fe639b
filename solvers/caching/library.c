/* Model libraries: strict JSON reading and writing, validation, generators. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/library.h"
#include "fluidai/log.h"
#include "fluidai/rng.h"

/* Index namespaces of the generator's draws (top byte of the Philox index). */
#define LIBGEN_NS_FROZEN (1ull << 56)   /* per backbone / per model frozen fraction */
#define LIBGEN_NS_HEAD (2ull << 56)     /* per model head size */
#define LIBGEN_NS_ACC (3ull << 56)      /* per model accuracy */

void fai_library_init(fai_library *lib) { memset(lib, 0, sizeof *lib); }

void fai_library_free(fai_library *lib) {
  if (!lib) return;
  free(lib->block_id);
  free(lib->block_bytes);
  free(lib->model_id);
  free(lib->model_off);
  free(lib->model_blocks);
  free(lib->accuracy);
  free(lib->model_task);
  free(lib->task_id);
  free(lib->moe.expert_bytes);
  free(lib->moe.expert_flops);
  memset(lib, 0, sizeof *lib);
}

const char *fai_library_block_id(const fai_library *lib, int j) {
  return lib->block_id + (size_t)j * FAI_LIB_ID_MAX;
}
const char *fai_library_model_id(const fai_library *lib, int i) {
  return lib->model_id + (size_t)i * FAI_LIB_ID_MAX;
}
const char *fai_library_task_id(const fai_library *lib, int t) {
  return lib->task_id + (size_t)t * FAI_LIB_ID_MAX;
}

int64_t fai_library_model_bytes(const fai_library *lib, int i) {
  int64_t s = 0;
  for (int q = lib->model_off[i]; q < lib->model_off[i + 1]; q++)
    s += lib->block_bytes[lib->model_blocks[q]];
  return s;
}

void fai_library_block_users(const fai_library *lib, int *users) {
  for (int j = 0; j < lib->n_blocks; j++) users[j] = 0;
  for (int q = 0; q < (lib->n_models ? lib->model_off[lib->n_models] : 0); q++)
    users[lib->model_blocks[q]]++;
}

/* --- id lookup ---------------------------------------------------------------- */

typedef struct id_index {
  const char *rows; /* [n][FAI_LIB_ID_MAX] */
  int n;
  int *order;       /* indices sorted by id */
} id_index;

static const char *g_rows; /* qsort has no context argument; single-threaded use */
static int cmp_rows(const void *a, const void *b) {
  const int x = *(const int *)a, y = *(const int *)b;
  const int c = strcmp(g_rows + (size_t)x * FAI_LIB_ID_MAX, g_rows + (size_t)y * FAI_LIB_ID_MAX);
  return c ? c : (x > y) - (x < y);
}

/* Sorted index; *dup = first index whose id repeats an earlier one (-1: none),
 * *dup_of = that earlier index. */
static int id_index_build(id_index *ix, const char *rows, int n, int *dup, int *dup_of) {
  ix->rows = rows;
  ix->n = n;
  ix->order = malloc((size_t)(n > 0 ? n : 1) * sizeof *ix->order);
  if (!ix->order) return -1;
  for (int i = 0; i < n; i++) ix->order[i] = i;
  g_rows = rows;
  qsort(ix->order, (size_t)n, sizeof *ix->order, cmp_rows);
  *dup = *dup_of = -1;
  for (int q = 1; q < n; q++) {
    const int a = ix->order[q - 1], b = ix->order[q];
    if (!strcmp(rows + (size_t)a * FAI_LIB_ID_MAX, rows + (size_t)b * FAI_LIB_ID_MAX)) {
      /* Report the later occurrence (b > a by the tie rule). */
      if (*dup < 0 || b < *dup) {
        *dup = b;
        *dup_of = a;
      }
    }
  }
  return 0;
}

static int id_index_find(const id_index *ix, const char *id) {
  int lo = 0, hi = ix->n - 1;
  while (lo <= hi) {
    const int mid = (lo + hi) / 2;
    const int c = strcmp(ix->rows + (size_t)ix->order[mid] * FAI_LIB_ID_MAX, id);
    if (c == 0) return ix->order[mid]; /* ids are unique by now */
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid - 1;
  }
  return -1;
}

/* --- validation ---------------------------------------------------------------- */

static fai_status check_ids(const char *rows, int n, const char *what, fai_error *err) {
  for (int i = 0; i < n; i++)
    if (!rows[(size_t)i * FAI_LIB_ID_MAX])
      return fai_error_set(err, FAI_EINVAL, "%s %d has an empty id", what, i);
  id_index ix;
  int dup, dup_of;
  if (id_index_build(&ix, rows, n, &dup, &dup_of)) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  free(ix.order);
  if (dup >= 0)
    return fai_error_set(err, FAI_EINVAL, "%s %d repeats the id \"%s\" of %s %d", what, dup,
                         rows + (size_t)dup * FAI_LIB_ID_MAX, what, dup_of);
  return FAI_OK;
}

fai_status fai_library_validate(const fai_library *lib, fai_error *err) {
  fai_status st;
  if (lib->n_blocks < 0 || lib->n_models < 0 || lib->n_tasks < 0)
    return fai_error_set(err, FAI_EINVAL, "negative library dimensions");
  if ((st = check_ids(lib->block_id, lib->n_blocks, "block", err)) != FAI_OK) return st;
  if ((st = check_ids(lib->model_id, lib->n_models, "model", err)) != FAI_OK) return st;
  if ((st = check_ids(lib->task_id, lib->n_tasks, "task", err)) != FAI_OK) return st;
  for (int j = 0; j < lib->n_blocks; j++)
    if (lib->block_bytes[j] < 0)
      return fai_error_set(err, FAI_EINVAL, "block \"%s\" has size %lld bytes; expected >= 0",
                           fai_library_block_id(lib, j), (long long)lib->block_bytes[j]);
  for (int i = 0; i < lib->n_models; i++) {
    if (lib->model_off[i + 1] <= lib->model_off[i])
      return fai_error_set(err, FAI_EINVAL, "model \"%s\" has no blocks",
                           fai_library_model_id(lib, i));
    for (int q = lib->model_off[i]; q < lib->model_off[i + 1]; q++) {
      const int j = lib->model_blocks[q];
      if (j < 0 || j >= lib->n_blocks)
        return fai_error_set(err, FAI_EINVAL, "model \"%s\" refers to block index %d of %d",
                             fai_library_model_id(lib, i), j, lib->n_blocks);
      if (q > lib->model_off[i] && lib->model_blocks[q - 1] >= j)
        return fai_error_set(err, FAI_EINVAL,
                             "model \"%s\": block indices must be ascending and distinct",
                             fai_library_model_id(lib, i));
    }
    if (!(lib->accuracy[i] >= 0 && lib->accuracy[i] <= 1))
      return fai_error_set(err, FAI_EINVAL, "model \"%s\" has accuracy %g; expected [0, 1]",
                           fai_library_model_id(lib, i), lib->accuracy[i]);
    if (lib->model_task[i] < -1 || lib->model_task[i] >= lib->n_tasks)
      return fai_error_set(err, FAI_EINVAL, "model \"%s\" has task index %d of %d",
                           fai_library_model_id(lib, i), lib->model_task[i], lib->n_tasks);
  }
  const fai_moe_profile *m = &lib->moe;
  if (m->layers < 0) return fai_error_set(err, FAI_EINVAL, "MoE profile with %d layers", m->layers);
  if (m->layers > 0) {
    if (m->experts < 1 || m->top_k < 1 || m->top_k > m->experts)
      return fai_error_set(err, FAI_EINVAL, "MoE profile: experts %d, top_k %d; expected 1 <= top_k <= experts",
                           m->experts, m->top_k);
    for (int l = 0; l < m->layers; l++)
      if (m->expert_bytes[l] <= 0 || !(m->expert_flops[l] >= 0))
        return fai_error_set(err, FAI_EINVAL, "MoE layer %d: expert size %lld bytes, %g FLOPs",
                             l, (long long)m->expert_bytes[l], m->expert_flops[l]);
    if (m->hidden_bytes < 0)
      return fai_error_set(err, FAI_EINVAL, "MoE hidden_bytes %lld < 0", (long long)m->hidden_bytes);
  }
  return FAI_OK;
}

/* --- JSON reading ------------------------------------------------------------------ */

static fai_status read_id(const fai_jv *obj, char *dst, fai_error *err) {
  const char *s;
  fai_status st = fai_jv_string(obj, "id", 1, NULL, &s, err);
  if (st != FAI_OK) return st;
  fai_jv m;
  fai_jv_member(obj, "id", &m);
  if (!s[0]) return fai_jv_error(&m, FAI_EINVAL, err, "empty id");
  if (strlen(s) >= FAI_LIB_ID_MAX)
    return fai_jv_error(&m, FAI_EINVAL, err, "id \"%.40s...\" is longer than %d bytes", s,
                        FAI_LIB_ID_MAX - 1);
  memcpy(dst, s, strlen(s) + 1);
  return FAI_OK;
}

/* After reading n ids into rows: a repeated id is an error at the later entry. */
static fai_status check_dup_at(const fai_jv *arr, const char *rows, int n, const char *what,
                               id_index *keep, fai_error *err) {
  id_index ix;
  int dup, dup_of;
  if (id_index_build(&ix, rows, n, &dup, &dup_of))
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  if (dup >= 0) {
    fai_jv e = fai_jv_index(arr, (size_t)dup), idv;
    fai_jv_member(&e, "id", &idv);
    free(ix.order);
    return fai_jv_error(&idv, FAI_EINVAL, err, "duplicate %s id \"%s\" (first used by %s %d)",
                        what, rows + (size_t)dup * FAI_LIB_ID_MAX, what, dup_of);
  }
  if (keep)
    *keep = ix;
  else
    free(ix.order);
  return FAI_OK;
}

static int cmp_int(const void *a, const void *b) {
  const int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* A number or an array of `n` numbers (MoE per-layer values). */
static fai_status read_per_layer(const fai_jv *obj, const char *key, int n, int integer,
                                 double lo, double *out, fai_error *err) {
  fai_jv m;
  if (!fai_jv_member(obj, key, &m))
    return fai_jv_error(obj, FAI_EINVAL, err, "missing \"%s\"", key);
  if (json_is_number(m.v)) {
    double v;
    fai_status st = fai_jv_number(obj, key, 1, 0, lo, 1e300, &v, err);
    if (st != FAI_OK) return st;
    if (integer && v != floor(v)) return fai_jv_error(&m, FAI_EINVAL, err, "%g is not a whole number", v);
    for (int l = 0; l < n; l++) out[l] = v;
    return FAI_OK;
  }
  if (!json_is_array(m.v) || (int)json_array_size(m.v) != n)
    return fai_jv_error(&m, FAI_EINVAL, err, "expected a number or an array of %d numbers", n);
  for (int l = 0; l < n; l++) {
    fai_jv e = fai_jv_index(&m, (size_t)l);
    if (!json_is_number(e.v)) return fai_jv_error(&e, FAI_EINVAL, err, "expected a number");
    const double v = json_number_value(e.v);
    if (!(v >= lo) || (integer && v != floor(v)))
      return fai_jv_error(&e, FAI_EINVAL, err, "value %g; expected a%s number >= %g", v,
                          integer ? " whole" : "", lo);
    out[l] = v;
  }
  return FAI_OK;
}

static fai_status read_moe(const fai_jv *mv, fai_moe_profile *moe, fai_error *err) {
  static const char *const keys[] = {"layers", "experts", "top_k", "expert_bytes",
                                     "expert_flops", "hidden_bytes", NULL};
  fai_status st;
  long long L, E, K, hb;
  double *tmp = NULL;
  if ((st = fai_jv_expect_object(mv, keys, err)) != FAI_OK) return st;
  if ((st = fai_jv_int(mv, "layers", 1, 0, 1, 100000, &L, err)) != FAI_OK) return st;
  if ((st = fai_jv_int(mv, "experts", 1, 0, 1, 1000000, &E, err)) != FAI_OK) return st;
  if ((st = fai_jv_int(mv, "top_k", 1, 0, 1, E, &K, err)) != FAI_OK) return st;
  if ((st = fai_jv_int(mv, "hidden_bytes", 0, 0, 0, (long long)1 << 50, &hb, err)) != FAI_OK) return st;
  moe->layers = (int)L;
  moe->experts = (int)E;
  moe->top_k = (int)K;
  moe->hidden_bytes = hb;
  moe->expert_bytes = malloc((size_t)L * sizeof *moe->expert_bytes);
  moe->expert_flops = calloc((size_t)L, sizeof *moe->expert_flops);
  tmp = malloc((size_t)L * sizeof *tmp);
  if (!moe->expert_bytes || !moe->expert_flops || !tmp) {
    free(tmp);
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  }
  st = read_per_layer(mv, "expert_bytes", (int)L, 1, 1, tmp, err);
  if (st == FAI_OK)
    for (int l = 0; l < L; l++) moe->expert_bytes[l] = (int64_t)tmp[l];
  fai_jv f;
  if (st == FAI_OK && fai_jv_member(mv, "expert_flops", &f))
    st = read_per_layer(mv, "expert_flops", (int)L, 0, 0, moe->expert_flops, err);
  free(tmp);
  return st;
}

fai_status fai_library_from_jv(const fai_jv *root, fai_library *lib, fai_error *err) {
  static const char *const keys[] = {"format", "version", "name", "blocks", "tasks",
                                     "models", "moe", NULL};
  static const char *const bkeys[] = {"id", "size_bytes", NULL};
  static const char *const tkeys[] = {"id", "description", NULL};
  static const char *const mkeys[] = {"id", "blocks", "accuracy", "task", NULL};
  fai_status st = FAI_OK;
  id_index bix = {0}, tix = {0};
  fai_library_init(lib);
  fai_jv blocks, tasks, models, moe;
  const char *s;
  long long ver;
  FAI_TRY(fai_jv_expect_object(root, keys, err));
  FAI_TRY(fai_jv_string(root, "format", 0, "fluidai-library", &s, err));
  if (strcmp(s, "fluidai-library")) {
    fai_jv f;
    fai_jv_member(root, "format", &f);
    st = fai_jv_error(&f, FAI_EINVAL, err, "format \"%s\"; expected \"fluidai-library\"", s);
    goto cleanup;
  }
  FAI_TRY(fai_jv_int(root, "version", 0, 1, 1, 1, &ver, err));
  FAI_TRY(fai_jv_string(root, "name", 0, "library", &s, err));
  snprintf(lib->name, sizeof lib->name, "%s", s);

  /* Blocks. */
  if (!fai_jv_member(root, "blocks", &blocks)) {
    st = fai_jv_error(root, FAI_EINVAL, err, "missing \"blocks\"");
    goto cleanup;
  }
  FAI_TRY(fai_jv_expect_array(&blocks, 0, err));
  const int J = (int)json_array_size(blocks.v);
  lib->n_blocks = J;
  lib->block_id = calloc((size_t)(J ? J : 1), FAI_LIB_ID_MAX);
  lib->block_bytes = calloc((size_t)(J ? J : 1), sizeof *lib->block_bytes);
  if (!lib->block_id || !lib->block_bytes) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  for (int j = 0; j < J; j++) {
    fai_jv b = fai_jv_index(&blocks, (size_t)j);
    long long sz;
    FAI_TRY(fai_jv_expect_object(&b, bkeys, err));
    FAI_TRY(read_id(&b, lib->block_id + (size_t)j * FAI_LIB_ID_MAX, err));
    FAI_TRY(fai_jv_int(&b, "size_bytes", 1, 0, 0, (long long)1 << 53, &sz, err));
    lib->block_bytes[j] = sz;
  }
  FAI_TRY(check_dup_at(&blocks, lib->block_id, J, "block", &bix, err));

  /* Tasks. */
  if (fai_jv_member(root, "tasks", &tasks)) {
    FAI_TRY(fai_jv_expect_array(&tasks, 0, err));
    lib->n_tasks = (int)json_array_size(tasks.v);
  }
  lib->task_id = calloc((size_t)(lib->n_tasks ? lib->n_tasks : 1), FAI_LIB_ID_MAX);
  if (!lib->task_id) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  for (int t = 0; t < lib->n_tasks; t++) {
    fai_jv tv = fai_jv_index(&tasks, (size_t)t);
    FAI_TRY(fai_jv_expect_object(&tv, tkeys, err));
    FAI_TRY(read_id(&tv, lib->task_id + (size_t)t * FAI_LIB_ID_MAX, err));
    FAI_TRY(fai_jv_string(&tv, "description", 0, "", &s, err));
  }
  FAI_TRY(check_dup_at(&tasks, lib->task_id, lib->n_tasks, "task", &tix, err));

  /* Models. */
  int I = 0, nnz = 0;
  if (fai_jv_member(root, "models", &models)) {
    FAI_TRY(fai_jv_expect_array(&models, 0, err));
    I = (int)json_array_size(models.v);
    for (int i = 0; i < I; i++) {
      fai_jv mv = fai_jv_index(&models, (size_t)i), bl;
      if (fai_jv_member(&mv, "blocks", &bl) && json_is_array(bl.v)) nnz += (int)json_array_size(bl.v);
    }
  }
  lib->n_models = I;
  lib->model_id = calloc((size_t)(I ? I : 1), FAI_LIB_ID_MAX);
  lib->model_off = calloc((size_t)I + 1, sizeof *lib->model_off);
  lib->model_blocks = malloc((size_t)(nnz ? nnz : 1) * sizeof *lib->model_blocks);
  lib->accuracy = malloc((size_t)(I ? I : 1) * sizeof *lib->accuracy);
  lib->model_task = malloc((size_t)(I ? I : 1) * sizeof *lib->model_task);
  if (!lib->model_id || !lib->model_off || !lib->model_blocks || !lib->accuracy || !lib->model_task) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  int q = 0;
  for (int i = 0; i < I; i++) {
    fai_jv mv = fai_jv_index(&models, (size_t)i), bl, tv;
    FAI_TRY(fai_jv_expect_object(&mv, mkeys, err));
    FAI_TRY(read_id(&mv, lib->model_id + (size_t)i * FAI_LIB_ID_MAX, err));
    if (!fai_jv_member(&mv, "blocks", &bl)) {
      st = fai_jv_error(&mv, FAI_EINVAL, err, "missing \"blocks\"");
      goto cleanup;
    }
    FAI_TRY(fai_jv_expect_array(&bl, 1, err));
    const int nb = (int)json_array_size(bl.v);
    lib->model_off[i] = q;
    for (int r = 0; r < nb; r++) {
      fai_jv e = fai_jv_index(&bl, (size_t)r);
      if (!json_is_string(e.v)) {
        st = fai_jv_error(&e, FAI_EINVAL, err, "expected a block id (string)");
        goto cleanup;
      }
      const int j = id_index_find(&bix, json_string_value(e.v));
      if (j < 0) {
        st = fai_jv_error(&e, FAI_EINVAL, err, "unknown block \"%s\" (not among the library's blocks)",
                          json_string_value(e.v));
        goto cleanup;
      }
      for (int w = lib->model_off[i]; w < q; w++)
        if (lib->model_blocks[w] == j) {
          st = fai_jv_error(&e, FAI_EINVAL, err, "block \"%s\" listed twice in one model",
                            json_string_value(e.v));
          goto cleanup;
        }
      lib->model_blocks[q++] = j;
    }
    qsort(lib->model_blocks + lib->model_off[i], (size_t)nb, sizeof(int), cmp_int);
    FAI_TRY(fai_jv_number(&mv, "accuracy", 0, 1.0, 0.0, 1.0, &lib->accuracy[i], err));
    lib->model_task[i] = -1;
    if (fai_jv_member(&mv, "task", &tv)) {
      FAI_TRY(fai_jv_string(&mv, "task", 1, NULL, &s, err));
      const int t = id_index_find(&tix, s);
      if (t < 0) {
        st = fai_jv_error(&tv, FAI_EINVAL, err, "unknown task \"%s\" (not among the library's tasks)", s);
        goto cleanup;
      }
      lib->model_task[i] = t;
    }
  }
  lib->model_off[I] = q;
  FAI_TRY(check_dup_at(&models, lib->model_id, I, "model", NULL, err));

  if (fai_jv_member(root, "moe", &moe)) FAI_TRY(read_moe(&moe, &lib->moe, err));
  if (I == 0 && lib->moe.layers == 0) {
    st = fai_jv_error(root, FAI_EINVAL, err, "a library needs \"models\" or a \"moe\" profile");
    goto cleanup;
  }
  FAI_TRY(fai_library_validate(lib, err));

cleanup:
  free(bix.order);
  free(tix.order);
  if (st != FAI_OK) fai_library_free(lib);
  return st;
}

fai_status fai_library_load_file(const char *path, fai_library *out, fai_error *err) {
  fai_json_doc *doc = NULL;
  fai_library_init(out);
  fai_status st = fai_json_load_file(path, &doc, err);
  if (st != FAI_OK) return st;
  fai_jv root = fai_jv_root(doc);
  st = fai_library_from_jv(&root, out, err);
  fai_json_doc_free(doc);
  return st;
}

fai_status fai_library_load_string(const char *text, const char *name, fai_library *out,
                                   fai_error *err) {
  fai_json_doc *doc = NULL;
  fai_library_init(out);
  fai_status st = fai_json_load_string(text, name, &doc, err);
  if (st != FAI_OK) return st;
  fai_jv root = fai_jv_root(doc);
  st = fai_library_from_jv(&root, out, err);
  fai_json_doc_free(doc);
  return st;
}

/* --- writing ------------------------------------------------------------------ */

json_t *fai_library_to_json(const fai_library *lib) {
  json_t *root = json_pack("{s:s, s:i, s:s}", "format", "fluidai-library", "version", 1, "name",
                           lib->name[0] ? lib->name : "library");
  json_t *blocks = json_array(), *models = json_array();
  for (int j = 0; j < lib->n_blocks; j++)
    json_array_append_new(blocks, json_pack("{s:s, s:I}", "id", fai_library_block_id(lib, j),
                                            "size_bytes", (json_int_t)lib->block_bytes[j]));
  json_object_set_new(root, "blocks", blocks);
  if (lib->n_tasks) {
    json_t *tasks = json_array();
    for (int t = 0; t < lib->n_tasks; t++)
      json_array_append_new(tasks, json_pack("{s:s}", "id", fai_library_task_id(lib, t)));
    json_object_set_new(root, "tasks", tasks);
  }
  for (int i = 0; i < lib->n_models; i++) {
    json_t *bl = json_array();
    for (int q = lib->model_off[i]; q < lib->model_off[i + 1]; q++)
      json_array_append_new(bl, json_string(fai_library_block_id(lib, lib->model_blocks[q])));
    json_t *m = json_pack("{s:s, s:o, s:f}", "id", fai_library_model_id(lib, i), "blocks", bl,
                          "accuracy", lib->accuracy[i]);
    if (lib->model_task[i] >= 0)
      json_object_set_new(m, "task", json_string(fai_library_task_id(lib, lib->model_task[i])));
    json_array_append_new(models, m);
  }
  if (lib->n_models) json_object_set_new(root, "models", models);
  else json_decref(models);
  if (lib->moe.layers > 0) {
    const fai_moe_profile *mp = &lib->moe;
    json_t *eb = json_array(), *ef = json_array();
    for (int l = 0; l < mp->layers; l++) {
      json_array_append_new(eb, json_integer((json_int_t)mp->expert_bytes[l]));
      json_array_append_new(ef, json_real(mp->expert_flops[l]));
    }
    json_object_set_new(root, "moe",
                        json_pack("{s:i, s:i, s:i, s:o, s:o, s:I}", "layers", mp->layers,
                                  "experts", mp->experts, "top_k", mp->top_k, "expert_bytes", eb,
                                  "expert_flops", ef, "hidden_bytes",
                                  (json_int_t)mp->hidden_bytes));
  }
  return root;
}

fai_status fai_library_save(const fai_library *lib, const char *path, fai_error *err) {
  json_t *doc = fai_library_to_json(lib);
  if (!doc) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  fai_status st = fai_json_write_file(doc, path, err);
  json_decref(doc);
  return st;
}

/* --- generators --------------------------------------------------------------- */

void fai_libgen_params_init(fai_libgen_params *p) {
  memset(p, 0, sizeof *p);
  p->shape = FAI_LIBGEN_BACKBONE;
  p->backbones = 3;
  p->finetuned = 10;
  p->layers = 8;
  p->frozen_min = 0.5;
  p->frozen_max = 0.9;
  p->head_bytes_min = 100000;
  p->head_bytes_max = 1000000;
  p->round_bytes = 100000;
  p->accuracy_min = 0.7;
  p->accuracy_max = 0.95;
  p->seed = 1;
}

/* ResNet-18/34/50 fp32 sizes (PAPERS §1.6), cycled. */
static const int64_t RESNET_BYTES[3] = {44700000, 83300000, 97800000};

static int64_t round_to(double bytes, int64_t unit) {
  int64_t v = (int64_t)llround(bytes / (double)unit) * unit;
  return v < unit ? unit : v;
}

static double u01(uint64_t seed, uint64_t index) {
  return fai_rng_uniform(seed, FAI_STREAM_GENERATOR, index);
}

static fai_status lib_alloc(fai_library *lib, int J, int I, int nnz, int tasks) {
  lib->n_blocks = J;
  lib->n_models = I;
  lib->n_tasks = tasks;
  lib->block_id = calloc((size_t)J + 1, FAI_LIB_ID_MAX);
  lib->block_bytes = calloc((size_t)J + 1, sizeof *lib->block_bytes);
  lib->model_id = calloc((size_t)I + 1, FAI_LIB_ID_MAX);
  lib->model_off = calloc((size_t)I + 1, sizeof *lib->model_off);
  lib->model_blocks = calloc((size_t)nnz + 1, sizeof *lib->model_blocks);
  lib->accuracy = calloc((size_t)I + 1, sizeof *lib->accuracy);
  lib->model_task = calloc((size_t)I + 1, sizeof *lib->model_task);
  lib->task_id = calloc((size_t)tasks + 1, FAI_LIB_ID_MAX);
  return lib->block_id && lib->block_bytes && lib->model_id && lib->model_off &&
                 lib->model_blocks && lib->accuracy && lib->model_task && lib->task_id
             ? FAI_OK
             : FAI_ENOMEM;
}

fai_status fai_library_generate(const fai_libgen_params *p, fai_library *lib, fai_error *err) {
  fai_library_init(lib);
  const int B = p->backbones, F = p->finetuned, L = p->layers;
  if (B < 1 || B > FAI_LIBGEN_MAX_BACKBONES || F < 1 || F > 100000 ||
      (p->shape == FAI_LIBGEN_NESTED && (L < 2 || L > 1000)))
    return fai_error_set(err, FAI_EINVAL,
                         "library generator: backbones %d (1..%d), fine-tuned %d (>= 1), layers %d "
                         "(2..1000 for the nested shape)",
                         B, FAI_LIBGEN_MAX_BACKBONES, F, L);
  if (!(p->frozen_min >= 0 && p->frozen_min <= p->frozen_max && p->frozen_max <= 1) ||
      p->head_bytes_min < 0 || p->head_bytes_max < p->head_bytes_min || p->round_bytes < 1 ||
      !(p->accuracy_min >= 0 && p->accuracy_min <= p->accuracy_max && p->accuracy_max <= 1))
    return fai_error_set(err, FAI_EINVAL,
                         "library generator: frozen fraction [%g, %g], head [%lld, %lld] bytes, "
                         "rounding %lld bytes, accuracy [%g, %g]: need 0 <= min <= max <= 1, "
                         "0 <= head min <= max, rounding >= 1",
                         p->frozen_min, p->frozen_max, (long long)p->head_bytes_min,
                         (long long)p->head_bytes_max, (long long)p->round_bytes,
                         p->accuracy_min, p->accuracy_max);
  const int I = B * F;
  const int J = p->shape == FAI_LIBGEN_BACKBONE ? B + I : B * L + I;
  const int nnz = p->shape == FAI_LIBGEN_BACKBONE ? 2 * I : I * (L + 1);
  if (lib_alloc(lib, J, I, nnz, F) != FAI_OK) {
    fai_library_free(lib);
    return fai_error_set(err, FAI_ENOMEM, "out of memory generating a library");
  }
  snprintf(lib->name, sizeof lib->name, "%s-b%d-f%d",
           p->shape == FAI_LIBGEN_BACKBONE ? "backbone" : "nested", B, F);
  for (int f = 0; f < F; f++)
    snprintf(lib->task_id + (size_t)f * FAI_LIB_ID_MAX, FAI_LIB_ID_MAX, "task%d", f);
  int q = 0;
  for (int b = 0; b < B; b++) {
    const int64_t total = p->backbone_bytes[b] > 0 ? p->backbone_bytes[b] : RESNET_BYTES[b % 3];
    if (p->shape == FAI_LIBGEN_BACKBONE) {
      /* One frozen part per backbone, shared by its F models. */
      const double fr = p->frozen_min + (p->frozen_max - p->frozen_min) *
                                            u01(p->seed, LIBGEN_NS_FROZEN | (uint64_t)b);
      const int64_t frozen = round_to(fr * (double)total, p->round_bytes);
      const int64_t top = total - frozen > 0 ? total - frozen : 0;
      snprintf(lib->block_id + (size_t)b * FAI_LIB_ID_MAX, FAI_LIB_ID_MAX, "bb%d.frozen", b);
      lib->block_bytes[b] = frozen;
      for (int f = 0; f < F; f++) {
        const int i = b * F + f, jp = B + i;
        const double hu = u01(p->seed, LIBGEN_NS_HEAD | (uint64_t)i);
        const double head = (double)p->head_bytes_min +
                            (double)(p->head_bytes_max - p->head_bytes_min) * hu;
        snprintf(lib->block_id + (size_t)jp * FAI_LIB_ID_MAX, FAI_LIB_ID_MAX, "bb%d.ft%d.top", b, f);
        lib->block_bytes[jp] = round_to((double)top + head, p->round_bytes);
        lib->model_off[i] = q;
        lib->model_blocks[q++] = b;
        lib->model_blocks[q++] = jp;
      }
    } else {
      /* Layer sizes grow geometrically with depth (×16 from first to last, as
       * in CNN backbones), normalised to the backbone's total. */
      double wsum = 0, w[1000];
      for (int l = 0; l < L; l++) wsum += (w[l] = pow(16.0, (double)l / (double)(L - 1)));
      int64_t layer[1000];
      for (int l = 0; l < L; l++) {
        const int j = b * L + l;
        layer[l] = round_to((double)total * w[l] / wsum, p->round_bytes);
        snprintf(lib->block_id + (size_t)j * FAI_LIB_ID_MAX, FAI_LIB_ID_MAX, "bb%d.L%d", b, l);
        lib->block_bytes[j] = layer[l];
      }
      for (int f = 0; f < F; f++) {
        const int i = b * F + f, jp = B * L + i;
        /* Frozen depth: the smallest n whose layers reach the drawn fraction,
         * at least 1 and at most L − 1 (something is fine-tuned). */
        const double fr = p->frozen_min + (p->frozen_max - p->frozen_min) *
                                              u01(p->seed, LIBGEN_NS_FROZEN | (uint64_t)i);
        int n = 0;
        double acc = 0;
        while (n < L - 1 && (n == 0 || acc < fr * wsum)) acc += w[n++];
        int64_t top = 0;
        for (int l = n; l < L; l++) top += layer[l];
        const double hu = u01(p->seed, LIBGEN_NS_HEAD | (uint64_t)i);
        const double head = (double)p->head_bytes_min +
                            (double)(p->head_bytes_max - p->head_bytes_min) * hu;
        snprintf(lib->block_id + (size_t)jp * FAI_LIB_ID_MAX, FAI_LIB_ID_MAX, "bb%d.ft%d.top", b, f);
        lib->block_bytes[jp] = round_to((double)top + head, p->round_bytes);
        lib->model_off[i] = q;
        for (int l = 0; l < n; l++) lib->model_blocks[q++] = b * L + l;
        lib->model_blocks[q++] = jp;
      }
    }
    for (int f = 0; f < F; f++) {
      const int i = b * F + f;
      snprintf(lib->model_id + (size_t)i * FAI_LIB_ID_MAX, FAI_LIB_ID_MAX, "bb%d.ft%d", b, f);
      lib->accuracy[i] = p->accuracy_min + (p->accuracy_max - p->accuracy_min) *
                                               u01(p->seed, LIBGEN_NS_ACC | (uint64_t)i);
      lib->model_task[i] = f;
    }
  }
  lib->model_off[I] = q;
  fai_status st = fai_library_validate(lib, err);
  if (st != FAI_OK) fai_library_free(lib);
  return st;
}

fai_status fai_library_set_moe(fai_library *lib, int layers, int experts, int top_k,
                               int64_t expert_bytes, double expert_flops, int64_t hidden_bytes,
                               fai_error *err) {
  if (layers < 1 || experts < 1 || top_k < 1 || top_k > experts || expert_bytes < 1 ||
      !(expert_flops >= 0) || hidden_bytes < 0)
    return fai_error_set(err, FAI_EINVAL,
                         "MoE profile: layers %d, experts %d, top_k %d, expert %lld bytes: need "
                         "positive sizes and 1 <= top_k <= experts",
                         layers, experts, top_k, (long long)expert_bytes);
  free(lib->moe.expert_bytes);
  free(lib->moe.expert_flops);
  lib->moe.expert_bytes = malloc((size_t)layers * sizeof *lib->moe.expert_bytes);
  lib->moe.expert_flops = malloc((size_t)layers * sizeof *lib->moe.expert_flops);
  if (!lib->moe.expert_bytes || !lib->moe.expert_flops) {
    lib->moe.layers = 0;
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  }
  for (int l = 0; l < layers; l++) {
    lib->moe.expert_bytes[l] = expert_bytes;
    lib->moe.expert_flops[l] = expert_flops;
  }
  lib->moe.layers = layers;
  lib->moe.experts = experts;
  lib->moe.top_k = top_k;
  lib->moe.hidden_bytes = hidden_bytes;
  return FAI_OK;
}

fai_status fai_library_from_member(const fai_jv *obj, const char *base_dir, fai_library *out,
                                   fai_error *err) {
  fai_jv lv;
  if (!fai_jv_member(obj, "library", &lv))
    return fai_jv_error(obj, FAI_EINVAL, err,
                        "missing \"library\" (a file name or an inline library)");
  if (!json_is_string(lv.v)) return fai_library_from_jv(&lv, out, err);
  char path[2 * FAI_ERROR_FILE_MAX];
  const char *f = json_string_value(lv.v);
  snprintf(path, sizeof path, "%s%s", f[0] == '/' ? "" : base_dir, f);
  return fai_library_load_file(path, out, err);
}
