/* Model libraries: parameter blocks, models built from them, tasks, and
 * Mixture-of-Experts profiles (public).
 *
 * One library serves every caching solver (PAPERS.md §1, §2, §5):
 *   * TrimCaching reads blocks and models (a model is a set of blocks; a block
 *     used by two or more models is *shared* and stored once per cache);
 *   * MBA reads the same plus tasks and accuracies (a device needs a model of
 *     its task with accuracy >= its threshold);
 *   * SlimCaching reads the optional MoE profile (layers × experts of a given
 *     size, top-K routing).
 * Everything is flat: ids in fixed-width rows, model → blocks in CSR form, so
 * a backend can mirror a library with a fixed list of copies.  Sizes are whole
 * bytes (int64) so that storage constraints are checked exactly.
 *
 * File format "fluidai-library" (strict JSON, README "Model library"):
 *   { "format": "fluidai-library", "version": 1, "name": "...",
 *     "blocks": [ {"id": "r18.frozen", "size_bytes": 31290000}, ... ],
 *     "tasks":  [ {"id": "task0"}, ... ],                         (optional)
 *     "models": [ {"id": "r18.ft0", "blocks": ["r18.frozen", "r18.ft0.top"],
 *                  "accuracy": 0.91, "task": "task0"}, ... ],
 *     "moe": { "layers": 32, "experts": 64, "top_k": 6,
 *              "expert_bytes": N | [N per layer], "expert_flops": F | [...],
 *              "hidden_bytes": B } }                                (optional)
 * Errors (unknown block or task, duplicate ids, negative sizes, a block listed
 * twice in one model) carry file:line:col and the JSON path. */
#ifndef FLUIDAI_LIBRARY_H
#define FLUIDAI_LIBRARY_H

#include <jansson.h>
#include <stdint.h>

#include "fluidai/json.h"
#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FAI_LIB_ID_MAX 64   /* bytes per id row, NUL included */

/* MoE profile for expert caching (SlimCaching, PAPERS §2.2).  layers == 0:
 * the library has none.  Expert (l, e) has expert_bytes[l] bytes and costs
 * expert_flops[l] FLOPs per token; a token activates top_k experts per
 * layer; hidden_bytes is one hidden-state vector (sent to and from a remote
 * expert).  Activation statistics are not part of the library: they come
 * from a trace or a synthetic generator (per user). */
typedef struct fai_moe_profile {
  int layers;              /* L (0: no profile) */
  int experts;             /* E routed experts per layer */
  int top_k;               /* K experts activated per token and layer, 1 <= K <= E */
  int64_t *expert_bytes;   /* [L] size of one expert of layer l */
  double *expert_flops;    /* [L] FLOPs per token of one expert of layer l */
  int64_t hidden_bytes;    /* one hidden-state vector */
} fai_moe_profile;

typedef struct fai_library {
  char name[FAI_LIB_ID_MAX];
  int n_blocks;            /* J */
  int n_models;            /* I */
  int n_tasks;
  char *block_id;          /* [J][FAI_LIB_ID_MAX] */
  int64_t *block_bytes;    /* [J] >= 0 */
  char *model_id;          /* [I][FAI_LIB_ID_MAX] */
  int *model_off;          /* [I + 1] model i's blocks are model_blocks[off[i] .. off[i+1]) */
  int *model_blocks;       /* ascending, distinct block indices */
  double *accuracy;        /* [I] in [0, 1] (1 when not given) */
  int *model_task;         /* [I] task index, -1 when none */
  char *task_id;           /* [n_tasks][FAI_LIB_ID_MAX] */
  fai_moe_profile moe;
} fai_library;

void fai_library_init(fai_library *lib);   /* empty; owns nothing */
void fai_library_free(fai_library *lib);
const char *fai_library_block_id(const fai_library *lib, int j);
const char *fai_library_model_id(const fai_library *lib, int i);
const char *fai_library_task_id(const fai_library *lib, int t);
/* Size of model i: Σ of its blocks (bytes). */
int64_t fai_library_model_bytes(const fai_library *lib, int i);
/* Models using each block: users[j] = |𝓘_j| (caller's array of J ints). */
void fai_library_block_users(const fai_library *lib, int *users);

/* Parse from a JSON value (the whole file, or the "library" member of an
 * instance): paths and locations in errors are those of `v`. */
fai_status fai_library_from_jv(const fai_jv *v, fai_library *out, fai_error *err);
fai_status fai_library_load_file(const char *path, fai_library *out, fai_error *err);
/* The "library" member of an instance document: an inline library or a file
 * name (relative names are taken from base_dir, which ends in '/' or is "").
 * A missing member is FAI_EINVAL at the object's location. */
fai_status fai_library_from_member(const fai_jv *obj, const char *base_dir, fai_library *out,
                                   fai_error *err);
fai_status fai_library_load_string(const char *text, const char *name, fai_library *out,
                                   fai_error *err);
/* Cross-checks on a library built in memory (generators, callers): ids
 * unique and non-empty, sizes >= 0, block indices in range, sorted and
 * distinct per model, tasks in range, MoE sizes positive. */
fai_status fai_library_validate(const fai_library *lib, fai_error *err);
/* The loadable document (new reference); deterministic. */
json_t *fai_library_to_json(const fai_library *lib);
fai_status fai_library_save(const fai_library *lib, const char *path, fai_error *err);

/* --- generators (PAPERS §1.6) ----------------------------------------------- */

typedef enum fai_libgen_shape {
  FAI_LIBGEN_BACKBONE = 0, /* each backbone: one frozen (shared) block + per model one private block;
                              J_s = number of backbones (TrimCaching's special case) */
  FAI_LIBGEN_NESTED = 1    /* each backbone: one block per layer; a fine-tuned model shares the
                              layers it freezes (a random depth), so sharing is nested, J_s large */
} fai_libgen_shape;

#define FAI_LIBGEN_MAX_BACKBONES 64

typedef struct fai_libgen_params {
  fai_libgen_shape shape;
  int backbones;              /* B (3) */
  int finetuned;              /* F fine-tuned models per backbone (10) */
  int layers;                 /* layers per backbone (nested shape) (8) */
  int64_t backbone_bytes[FAI_LIBGEN_MAX_BACKBONES]; /* sizes; 0 = cycle the ResNet-18/34/50
                                 sizes 44.7/83.3/97.8 MB (fp32) */
  double frozen_min, frozen_max; /* frozen fraction of a backbone's bytes, U[min, max]:
                                 per backbone (backbone shape), per model (nested) (0.5, 0.9) */
  int64_t head_bytes_min, head_bytes_max; /* task head per model, U[min, max] (0.1–1 MB) */
  int64_t round_bytes;        /* every size a multiple of this, >= 1 (100000: 0.1 MB) */
  double accuracy_min, accuracy_max; /* model accuracy U[min, max] (0.7, 0.95) */
  uint64_t seed;              /* draws keyed (seed, FAI_STREAM_GENERATOR, index) */
} fai_libgen_params;

void fai_libgen_params_init(fai_libgen_params *p);
/* Model (b, f) is models[b·F + f], id "bb<b>.ft<f>", task "task<f>"
 * (task f has one candidate per backbone, as MBA wants). */
fai_status fai_library_generate(const fai_libgen_params *p, fai_library *out, fai_error *err);

/* A uniform MoE profile (every layer the same) attached to lib. */
fai_status fai_library_set_moe(fai_library *lib, int layers, int experts, int top_k,
                               int64_t expert_bytes, double expert_flops, int64_t hidden_bytes,
                               fai_error *err);

#ifdef __cplusplus
}
#endif
#endif
