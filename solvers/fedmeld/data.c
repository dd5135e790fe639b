/* Data for the FedMeld simulator: Fashion-MNIST (Debian package
 * dataset-fashion-mnist), a synthetic non-IID stand-in, and the non-IID split
 * of a training set into areas and clients. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fluidai/fl.h"
#include "fluidai/rng.h"

void fai_fl_dataset_free(fai_fl_dataset *d) {
  if (!d) return;
  free(d->x);
  free(d->y);
  memset(d, 0, sizeof *d);
}

static const char *const FM_FILES[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

/* dir/name, or dir/name.gz when only that exists; 0 when neither. */
static int fm_path(const char *dir, const char *name, char *out, size_t n) {
  struct stat sb;
  snprintf(out, n, "%s/%s", dir, name);
  if (stat(out, &sb) == 0) return 1;
  snprintf(out, n, "%s/%s.gz", dir, name);
  return stat(out, &sb) == 0;
}

int fai_fl_fashion_mnist_present(const char *dir) {
  char p[1024];
  if (!dir) dir = FAI_FL_DEFAULT_DATA_DIR;
  for (int i = 0; i < 4; ++i)
    if (!fm_path(dir, FM_FILES[i], p, sizeof p)) return 0;
  return 1;
}

static fai_status fm_load_pair(const char *dir, int which, fai_fl_dataset *d, fai_error *err) {
  char pi[1024], pl[1024];
  int di[3] = {0, 0, 0}, dl[3] = {0, 0, 0};
  uint8_t *x = NULL, *y = NULL;
  fai_status st;
  fm_path(dir, FM_FILES[2 * which], pi, sizeof pi);
  fm_path(dir, FM_FILES[2 * which + 1], pl, sizeof pl);
  if ((st = fai_fl_idx_read(pi, 3, di, &x, err)) != FAI_OK) return st;
  if ((st = fai_fl_idx_read(pl, 1, dl, &y, err)) != FAI_OK) {
    free(x);
    return st;
  }
  if (dl[0] != di[0]) {
    free(x);
    free(y);
    return fai_error_set_at(err, FAI_EPARSE, pl, 0, 0, NULL,
                            "dimension 0: %d labels, but %s has %d images", dl[0], pi, di[0]);
  }
  for (int i = 0; i < dl[0]; ++i)
    if (y[i] > 9) {
      const int v = y[i];
      free(x);
      free(y);
      return fai_error_set_at(err, FAI_EPARSE, pl, 0, 0, NULL,
                              "label %d: value %d, expected 0..9", i, v);
    }
  d->n = di[0];
  d->dim = di[1] * di[2];
  d->n_classes = 10;
  d->x = x;
  d->y = y;
  return FAI_OK;
}

fai_status fai_fl_load_fashion_mnist(const char *dir, fai_fl_dataset *train, fai_fl_dataset *test,
                                     fai_error *err) {
  char p[1024];
  fai_status st;
  if (!dir) dir = FAI_FL_DEFAULT_DATA_DIR;
  memset(train, 0, sizeof *train);
  memset(test, 0, sizeof *test);
  for (int i = 0; i < 4; ++i)
    if (!fm_path(dir, FM_FILES[i], p, sizeof p))
      return fai_error_set_at(err, FAI_ENOENT, dir, 0, 0, NULL,
                              "Fashion-MNIST not found: no %s or %s.gz here; install the Debian "
                              "package %s (apt-get install %s), pass --data DIR with the four "
                              "IDX files, or use --data synthetic",
                              FM_FILES[i], FM_FILES[i], FAI_FL_DATA_PACKAGE, FAI_FL_DATA_PACKAGE);
  if ((st = fm_load_pair(dir, 0, train, err)) != FAI_OK) return st;
  if ((st = fm_load_pair(dir, 1, test, err)) != FAI_OK) {
    fai_fl_dataset_free(train);
    return st;
  }
  if (train->dim != test->dim) {
    fm_path(dir, FM_FILES[2], p, sizeof p);
    fai_fl_dataset_free(train);
    fai_fl_dataset_free(test);
    return fai_error_set_at(err, FAI_EPARSE, p, 0, 0, NULL,
                            "dimensions: test images differ in size from the training images");
  }
  return FAI_OK;
}

void fai_fl_synth_params_init(fai_fl_synth_params *p) {
  p->dim = 784;
  p->n_classes = 10;
  p->n_train = 20000;
  p->n_test = 2000;
  p->spread = 40.0;
  p->noise = 48.0;
  p->seed = 1;
}

static uint8_t clamp_pixel(double v) {
  v = floor(v + 0.5);
  return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

static fai_status synth_fill(const fai_fl_synth_params *p, const double *centre, int64_t n,
                             uint64_t base, fai_fl_dataset *d, fai_error *err) {
  d->n = n;
  d->dim = p->dim;
  d->n_classes = p->n_classes;
  d->x = malloc((size_t)n * (size_t)p->dim + 1);
  d->y = malloc((size_t)n + 1);
  if (!d->x || !d->y) return fai_error_set(err, FAI_ENOMEM, "synthetic data: out of memory");
#pragma omp parallel for schedule(static)
  for (int64_t s = 0; s < n; ++s) {
    const int c = (int)(s % p->n_classes);
    d->y[s] = (uint8_t)c;
    for (int i = 0; i < p->dim; ++i) {
      const double z = fai_rng_normal(p->seed, FAI_FL_STREAM_DATA,
                                      base + (uint64_t)s * (uint64_t)p->dim + (uint64_t)i);
      d->x[s * p->dim + i] = clamp_pixel(centre[(size_t)c * p->dim + i] + p->noise * z);
    }
  }
  return FAI_OK;
}

fai_status fai_fl_synthetic(const fai_fl_synth_params *p, fai_fl_dataset *train,
                            fai_fl_dataset *test, fai_error *err) {
  memset(train, 0, sizeof *train);
  memset(test, 0, sizeof *test);
  if (p->dim < 1 || p->n_classes < 2 || p->n_classes > 10 || p->n_train < p->n_classes ||
      p->n_test < 1)
    return fai_error_set(err, FAI_EINVAL, "synthetic data: dim %d, classes %d, train %lld, "
                                          "test %lld; expected dim >= 1, 2..10 classes",
                         p->dim, p->n_classes, (long long)p->n_train, (long long)p->n_test);
  double *centre = malloc((size_t)p->n_classes * p->dim * sizeof(double));
  if (!centre) return fai_error_set(err, FAI_ENOMEM, "synthetic data: out of memory");
  for (int64_t k = 0; k < (int64_t)p->n_classes * p->dim; ++k)
    centre[k] = 128.0 + p->spread * fai_rng_normal(p->seed, FAI_FL_STREAM_DATA, (uint64_t)k);
  const uint64_t b1 = (uint64_t)1 << 40, b2 = (uint64_t)1 << 41;
  fai_status st = synth_fill(p, centre, p->n_train, b1, train, err);
  if (st == FAI_OK) st = synth_fill(p, centre, p->n_test, b2, test, err);
  free(centre);
  if (st != FAI_OK) {
    fai_fl_dataset_free(train);
    fai_fl_dataset_free(test);
  }
  return st;
}

void fai_fl_partition_free(fai_fl_partition *p) {
  if (!p) return;
  free(p->idx);
  memset(p, 0, sizeof *p);
}

typedef struct {
  uint64_t key;
  int32_t idx;
} keyed;

static int keyed_cmp(const void *a, const void *b) {
  const keyed *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->idx < y->idx ? -1 : x->idx > y->idx;
}

fai_status fai_fl_partition_noniid(const fai_fl_dataset *train, int n_areas,
                                   int clients_per_area, int labels_per_area,
                                   int samples_per_client, uint64_t seed, fai_fl_partition *out,
                                   fai_error *err) {
  const int C = train->n_classes;
  memset(out, 0, sizeof *out);
  if (n_areas < 1 || clients_per_area < 1 || samples_per_client < 1 || labels_per_area < 1 ||
      labels_per_area > C)
    return fai_error_set(err, FAI_EINVAL,
                         "partition: %d areas x %d clients, %d labels per area (of %d), %d "
                         "samples per client",
                         n_areas, clients_per_area, labels_per_area, C, samples_per_client);
  /* Shuffle each label's samples (Philox key per sample, ties by index). */
  keyed *order = malloc((size_t)train->n * sizeof(keyed));
  int64_t start[11] = {0}, used[10] = {0};
  int need[10] = {0};
  if (!order) return fai_error_set(err, FAI_ENOMEM, "partition: out of memory");
  for (int64_t s = 0; s < train->n; ++s) start[train->y[s] + 1]++;
  for (int c = 0; c < C; ++c) start[c + 1] += start[c];
  {
    int64_t fill[10];
    for (int c = 0; c < C; ++c) fill[c] = start[c];
    for (int64_t s = 0; s < train->n; ++s) {
      uint32_t w[4];
      fai_rng_block(seed, FAI_FL_STREAM_DATA, ((uint64_t)1 << 50) + (uint64_t)s, w);
      keyed *k = &order[fill[train->y[s]]++];
      k->key = ((uint64_t)w[0] << 32) | w[1];
      k->idx = (int32_t)s;
    }
  }
  for (int c = 0; c < C; ++c)
    qsort(order + start[c], (size_t)(start[c + 1] - start[c]), sizeof(keyed), keyed_cmp);
  /* How many samples each label must supply. */
  for (int a = 0; a < n_areas; ++a)
    for (int j = 0; j < labels_per_area; ++j) {
      const int lab = (a * labels_per_area + j) % C;
      const int share = samples_per_client / labels_per_area +
                        (j < samples_per_client % labels_per_area);
      need[lab] += share * clients_per_area;
    }
  for (int c = 0; c < C; ++c)
    if (need[c] > start[c + 1] - start[c]) {
      free(order);
      return fai_error_set(err, FAI_EINVAL,
                           "partition: label %d has %lld samples, the split needs %d; lower "
                           "--samples-per-client (now %d)",
                           c, (long long)(start[c + 1] - start[c]), need[c], samples_per_client);
    }
  const int K = n_areas * clients_per_area;
  out->idx = malloc((size_t)K * samples_per_client * sizeof(int32_t));
  if (!out->idx) {
    free(order);
    return fai_error_set(err, FAI_ENOMEM, "partition: out of memory");
  }
  for (int a = 0; a < n_areas; ++a)
    for (int i = 0; i < clients_per_area; ++i) {
      int32_t *dst = out->idx + (size_t)(a * clients_per_area + i) * samples_per_client;
      int s = 0;
      for (int j = 0; j < labels_per_area; ++j) {
        const int lab = (a * labels_per_area + j) % C;
        const int share = samples_per_client / labels_per_area +
                          (j < samples_per_client % labels_per_area);
        for (int q = 0; q < share; ++q) dst[s++] = order[start[lab] + used[lab]++].idx;
      }
    }
  free(order);
  out->n_areas = n_areas;
  out->clients_per_area = clients_per_area;
  out->labels_per_area = labels_per_area;
  out->samples_per_client = samples_per_client;
  return FAI_OK;
}
