/* Federated training of the FedMeld simulator (suite `fl`): the exp of the
 * core against libm, finite-difference gradient checks of softmax regression
 * and the MLP, FedAvg and mixing on known vectors, training progress on
 * synthetic data, thread-count determinism of whole simulations, the strict
 * IDX reader, the pilot, and cpu-vs-cuda parity of the backend ops (suite
 * `parity`, skipped without a device). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fl_core.h"
#include "fluidai/backend.h"
#include "fluidai/fl.h"
#include "fluidai/json.h"
#include "fluidai/rng.h"

static void cpu_be(fai_backend *be, int threads) {
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, threads, be, &err), FAI_OK, "%s", err.msg);
}

/* A small dataset of random bytes with labels cycling 0..C-1. */
static void tiny_data(fai_fl_dataset *d, int n, int dim, int C, uint64_t seed) {
  d->n = n;
  d->dim = dim;
  d->n_classes = C;
  d->x = malloc((size_t)n * dim);
  d->y = malloc((size_t)n);
  for (int i = 0; i < n * dim; ++i)
    d->x[i] = (uint8_t)(fai_rng_uniform(seed, FAI_STREAM_TEST, (uint64_t)i) * 256.0);
  for (int i = 0; i < n; ++i) d->y[i] = (uint8_t)(i % C);
}

Test(fl, exp_matches_libm) {
  double worst = 0.0;
  for (int i = 0; i <= 200000; ++i) {
    const double x = -699.0 * i / 200000.0 - 1e-3 * (i % 7);
    const double a = fai_fl_exp(x), b = exp(x);
    const double rel = fabs(a - b) / b;
    if (rel > worst) worst = rel;
  }
  cr_assert_lt(worst, 4e-16, "worst relative error %g", worst);
  cr_assert_eq(fai_fl_exp(0.0), 1.0);
  cr_assert_eq(fai_fl_exp(-800.0), 0.0);
}

static void grad_check(fai_fl_model_kind kind, int dim, int hidden, int C) {
  fai_fl_model m;
  fai_error err;
  fai_fl_dataset d;
  cr_assert_eq(fai_fl_model_init(&m, kind, dim, hidden, C, &err), FAI_OK);
  tiny_data(&d, 9, dim, C, 17);
  int32_t idx[9];
  for (int i = 0; i < 9; ++i) idx[i] = i;
  float *w = malloc((size_t)m.n_params * sizeof(float));
  float *g = malloc((size_t)m.n_params * sizeof(float));
  float *g2 = malloc((size_t)m.n_params * sizeof(float));
  fai_fl_model_init_params(&m, 5, w);
  /* Move off zero (softmax regression starts there) with a random offset. */
  for (int64_t p = 0; p < m.n_params; ++p)
    w[p] += (float)(0.3 * (fai_rng_uniform(9, FAI_STREAM_TEST, (uint64_t)p) - 0.5));
  fai_fl_gradient(&m, w, &d, idx, 9, g);
  double num = 0.0, den = 0.0;
  const float h = 1e-3f;
  for (int64_t p = 0; p < m.n_params; ++p) {
    const float keep = w[p];
    w[p] = keep + h;
    const double fp = fai_fl_gradient(&m, w, &d, idx, 9, g2);
    w[p] = keep - h;
    const double fm = fai_fl_gradient(&m, w, &d, idx, 9, g2);
    w[p] = keep;
    const double fd = (fp - fm) / ((double)(keep + h) - (double)(keep - h));
    num += (fd - g[p]) * (fd - g[p]);
    den += (double)g[p] * g[p];
  }
  cr_assert_gt(den, 1e-6);
  cr_assert_lt(sqrt(num / den), 2e-3, "relative gradient error %g over %lld params",
               sqrt(num / den), (long long)m.n_params);
  free(w);
  free(g);
  free(g2);
  fai_fl_dataset_free(&d);
}

Test(fl, gradient_check_logreg) {
  grad_check(FAI_FL_LOGREG, 7, 0, 4);
}

Test(fl, gradient_check_mlp) {
  grad_check(FAI_FL_MLP, 6, 5, 3);
}

Test(fl, fedavg_of_identical_models_is_identity) {
  enum { P = 1000 };
  float *a = malloc(P * sizeof(float)), *out = malloc(P * sizeof(float));
  for (int p = 0; p < P; ++p) a[p] = (float)(fai_rng_normal(3, FAI_STREAM_TEST, (uint64_t)p) * 1e3);
  const float *ms[5] = {a, a, a, a, a};
  fai_fl_average(P, 5, ms, out);
  cr_assert_eq(memcmp(a, out, P * sizeof(float)), 0);
  const float x[3] = {1.0f, 2.0f, -4.0f}, y[3] = {3.0f, 4.0f, 4.0f}, z[3] = {5.0f, 0.0f, 3.0f};
  const float *xyz[3] = {x, y, z};
  float o[3];
  fai_fl_average(3, 3, xyz, o);
  cr_assert_eq(o[0], 3.0f);
  cr_assert_eq(o[1], 2.0f);
  cr_assert_eq(o[2], 1.0f);
  free(a);
  free(out);
}

Test(fl, mixing_formula_on_known_vectors) {
  const float own[4] = {1.0f, 2.0f, 0.0f, -8.0f}, carried[4] = {3.0f, 6.0f, 4.0f, 8.0f};
  float out[4];
  fai_fl_mix(4, 0.25, own, carried, out);
  cr_assert_eq(out[0], 1.5f);
  cr_assert_eq(out[1], 3.0f);
  cr_assert_eq(out[2], 1.0f);
  cr_assert_eq(out[3], -4.0f);
  fai_fl_mix(4, 0.0, own, carried, out);
  cr_assert_eq(memcmp(out, own, sizeof out), 0);
  float same[4] = {1.0f, 2.0f, 0.0f, -8.0f};
  fai_fl_mix(4, 0.5, same, carried, same); /* aliasing allowed */
  cr_assert_eq(same[0], 2.0f);
  cr_assert_eq(same[3], 0.0f);
}

/* Two areas x two clients; schemes as given. */
static void small_timing(fai_fedmeld_timing *tm) {
  memset(tm, 0, sizeof *tm);
  tm->n_areas = 4;
  tm->clients_per_area = 2;
  tm->horizon_s = 1000.0;
  tm->model_bits = 1000;
  fai_fedmeld_scheme *s = &tm->schemes[tm->n_schemes++];
  snprintf(s->name, sizeof s->name, "fedmeld");
  s->kind = FAI_FL_DISPERSAL;
  s->tau = 4;
  s->alpha = 0.3;
  s->delta = 1;
  s->round_s = 100.0;
  s->first_round_at_s = 100.0;
  s->access_bits_round = 10;
  s = &tm->schemes[tm->n_schemes++];
  snprintf(s->name, sizeof s->name, "gs");
  s->kind = FAI_FL_GS;
  s->tau = 4;
  s->round_s = 250.0;
  s->first_round_at_s = 300.0;
  s->feeder_bits_round = 7;
}

static void small_sim(int threads, fai_fl_model_kind kind, int dim, int hidden, int batch,
                      fai_fl_sim_result *res, char **json) {
  fai_fl_synth_params sp;
  fai_fl_synth_params_init(&sp);
  sp.dim = dim;
  sp.n_train = 800;
  sp.n_test = 300;
  sp.spread = 70;
  sp.noise = 40;
  fai_fl_dataset tr, te;
  fai_error err;
  cr_assert_eq(fai_fl_synthetic(&sp, &tr, &te, &err), FAI_OK, "%s", err.msg);
  fai_fedmeld_timing tm;
  small_timing(&tm);
  fai_fl_sim_params p;
  fai_fl_sim_params_init(&p);
  p.model = kind;
  p.hidden = hidden;
  p.batch = batch;
  p.lr = 0.2;
  p.samples_per_client = 40;
  p.test_samples = 300;
  p.eval_points = 5;
  fai_backend be;
  cpu_be(&be, threads);
  cr_assert_eq(fai_fl_simulate(&be, &tm, &tr, &te, &p, res, &err), FAI_OK, "%s", err.msg);
  if (json) {
    json_t *j = fai_fl_result_json(&tm, res);
    *json = fai_json_dumps(j);
    json_decref(j);
  }
  fai_fl_dataset_free(&tr);
  fai_fl_dataset_free(&te);
}

Test(fl, training_reduces_loss_and_learns) {
  fai_fl_sim_result r;
  small_sim(2, FAI_FL_MLP, 24, 16, 8, &r, NULL);
  cr_assert_eq(r.outcome, FAI_OUTCOME_COMPLETE);
  /* fedmeld: rounds at 100, 200, ..., 1000 → 10; gs: 300, 550, 800 → 3. */
  cr_assert_eq(r.rounds_planned[0], 10);
  cr_assert_eq(r.rounds_planned[1], 3);
  const fai_fl_point *first = NULL, *last = NULL;
  for (int i = 0; i < r.n_points; ++i)
    if (r.points[i].scheme == 0) {
      if (!first) first = &r.points[i];
      last = &r.points[i];
    }
  cr_assert(first && last && first->round == 0 && last->round == 10);
  cr_assert_lt(last->loss, first->loss - 0.3, "loss %g -> %g", first->loss, last->loss);
  cr_assert_gt(last->accuracy, 0.4, "accuracy %g (chance 0.1)", last->accuracy);
  cr_assert_eq(last->access_bits, 100.0);
  cr_assert_float_eq(last->time_s, 1000.0, 1e-9);
  /* GS's last point: round 3 at 300 + 2·250 s, feeder bits 3·7. */
  const fai_fl_point *g = &r.points[r.n_points - 1];
  cr_assert_eq(g->scheme, 1);
  cr_assert_eq(g->round, 3);
  cr_assert_float_eq(g->time_s, 800.0, 1e-9);
  cr_assert_eq(g->feeder_bits, 21.0);
  fai_fl_sim_result_free(&r);
}

Test(fl, simulation_identical_for_1_and_2_threads) {
  fai_fl_sim_result a, b;
  char *ja = NULL, *jb = NULL;
  /* Big enough that local SGD and evaluation run in parallel regions. */
  small_sim(1, FAI_FL_MLP, 200, 64, 16, &a, &ja);
  small_sim(2, FAI_FL_MLP, 200, 64, 16, &b, &jb);
  cr_assert(ja && jb);
  cr_assert_str_eq(ja, jb);
  free(ja);
  free(jb);
  fai_fl_sim_result_free(&a);
  fai_fl_sim_result_free(&b);
}

static void write_bytes(const char *path, const unsigned char *b, size_t n) {
  FILE *f = fopen(path, "wb");
  cr_assert(f);
  cr_assert_eq(fwrite(b, 1, n, f), n);
  fclose(f);
}

Test(fl, idx_reader_strict_header) {
  char dir[] = "/tmp/fl-idx-XXXXXX";
  cr_assert(mkdtemp(dir));
  char p[128];
  snprintf(p, sizeof p, "%s/x", dir);
  int dims[3];
  uint8_t *data = NULL;
  fai_error err;
  /* Good: 2 images of 1x2. */
  const unsigned char good[] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 9, 8, 7, 6};
  write_bytes(p, good, sizeof good);
  cr_assert_eq(fai_fl_idx_read(p, 3, dims, &data, &err), FAI_OK, "%s", err.msg);
  cr_assert(dims[0] == 2 && dims[1] == 1 && dims[2] == 2 && data[3] == 6);
  free(data);
  /* Wrong type byte. */
  unsigned char bad[sizeof good];
  memcpy(bad, good, sizeof good);
  bad[2] = 0x0d;
  write_bytes(p, bad, sizeof bad);
  cr_assert_eq(fai_fl_idx_read(p, 3, dims, &data, &err), FAI_EPARSE);
  cr_assert(strstr(err.msg, "data type 0x0d") && strstr(err.file, "/x"), "%s", err.msg);
  /* Labels file where images are expected. */
  bad[2] = 8;
  bad[3] = 1;
  write_bytes(p, bad, sizeof bad);
  cr_assert_eq(fai_fl_idx_read(p, 3, dims, &data, &err), FAI_EPARSE);
  cr_assert(strstr(err.msg, "1 dimensions, expected 3"), "%s", err.msg);
  /* Truncated payload. */
  write_bytes(p, good, sizeof good - 1);
  cr_assert_eq(fai_fl_idx_read(p, 3, dims, &data, &err), FAI_EPARSE);
  cr_assert(strstr(err.msg, "size: payload has 3 bytes, the dimensions need 4"), "%s", err.msg);
  /* Not IDX at all. */
  write_bytes(p, (const unsigned char *)"hello world", 11);
  cr_assert_eq(fai_fl_idx_read(p, 1, dims, &data, &err), FAI_EPARSE);
  cr_assert(strstr(err.msg, "magic"), "%s", err.msg);
  /* gzip of the good file reads the same (when gzip and zlib are here). */
  write_bytes(p, good, sizeof good);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "gzip -c %s > %s.gz 2>/dev/null", p, p);
  if (fai_fl_gzip_available() && system(cmd) == 0) {
    snprintf(cmd, sizeof cmd, "%s.gz", p);
    cr_assert_eq(fai_fl_idx_read(cmd, 3, dims, &data, &err), FAI_OK, "%s", err.msg);
    cr_assert(dims[0] == 2 && data[0] == 9 && data[3] == 6);
    free(data);
    unlink(cmd);
  }
  unlink(p);
  rmdir(dir);
}

Test(fl, missing_dataset_names_the_package) {
  fai_fl_dataset tr, te;
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_fl_load_fashion_mnist("/nonexistent/fmnist", &tr, &te, &err), FAI_ENOENT);
  cr_assert(strstr(err.msg, "dataset-fashion-mnist") && strstr(err.msg, "--data synthetic"), "%s",
            err.msg);
}

Test(fl, partition_is_non_iid_and_disjoint) {
  fai_fl_dataset tr, te;
  fai_fl_synth_params sp;
  fai_error err;
  fai_fl_synth_params_init(&sp);
  sp.dim = 4;
  sp.n_train = 2000;
  sp.n_test = 10;
  cr_assert_eq(fai_fl_synthetic(&sp, &tr, &te, &err), FAI_OK);
  fai_fl_partition part;
  cr_assert_eq(fai_fl_partition_noniid(&tr, 8, 5, 3, 30, 1, &part, &err), FAI_OK, "%s", err.msg);
  char *used = calloc((size_t)tr.n, 1);
  for (int k = 0; k < 40; ++k) {
    const int a = k / 5;
    for (int s = 0; s < 30; ++s) {
      const int32_t i = part.idx[k * 30 + s];
      cr_assert(!used[i], "sample %d used twice", i);
      used[i] = 1;
      const int lab = tr.y[i];
      cr_assert(lab == (3 * a) % 10 || lab == (3 * a + 1) % 10 || lab == (3 * a + 2) % 10,
                "area %d got label %d", a, lab);
    }
  }
  cr_assert_eq(fai_fl_partition_noniid(&tr, 8, 5, 3, 500, 1, &part, &err), FAI_EINVAL);
  free(used);
  fai_fl_partition_free(&part);
  fai_fl_dataset_free(&tr);
  fai_fl_dataset_free(&te);
}

Test(fl, pilot_constants) {
  fai_fl_dataset tr, te;
  fai_fl_synth_params sp;
  fai_error err;
  fai_fl_synth_params_init(&sp);
  sp.dim = 16;
  sp.n_train = 1000;
  sp.n_test = 10;
  cr_assert_eq(fai_fl_synthetic(&sp, &tr, &te, &err), FAI_OK);
  fai_fl_model m;
  cr_assert_eq(fai_fl_model_init(&m, FAI_FL_MLP, 16, 8, 10, &err), FAI_OK);
  fai_fl_partition part;
  cr_assert_eq(fai_fl_partition_noniid(&tr, 4, 2, 3, 40, 1, &part, &err), FAI_OK);
  fai_fl_constants k;
  cr_assert_eq(fai_fl_pilot(&m, &tr, &part, 8, 0.1, 3, 1, 2, &k, &err), FAI_OK, "%s", err.msg);
  cr_assert(k.L > 0 && isfinite(k.L) && k.sigma2 > 0 && k.zeta2 > 0 && k.G2 > 0);
  /* At initialisation every class is about equally likely: F0 ≈ ln 10. */
  cr_assert_float_eq(k.F0_minus_Fstar, log(10.0), 0.3);
  /* Non-IID areas: clients' gradients differ more than one client's
   * gradient differs from the global mean by chance... at least ζ² > 0 and
   * G² >= σ² (a batch gradient's square norm includes its variance). */
  cr_assert_geq(k.G2, k.sigma2 * 0.5);
  fai_fl_partition_free(&part);
  fai_fl_dataset_free(&tr);
  fai_fl_dataset_free(&te);
}

/* The CUDA kernels' element order, on the host: one SGD step of one client
 * computed element by element with the core functions (as cuda_fl.cu does). */
static void reference_step(const fai_fl_shape *s, int B, const uint8_t *x, const uint8_t *y,
                           float *p, float lr) {
  const int L = s->nd - 1;
  float *act[4], *del[4];
  for (int l = 0; l <= L; ++l) {
    act[l] = calloc((size_t)B * s->dims[l], sizeof(float));
    del[l] = calloc((size_t)B * s->dims[l], sizeof(float));
  }
  for (int k = 0; k < B * s->dims[0]; ++k) act[0][k] = fai_fl_pixel(x[k]);
  for (int l = 0; l < L; ++l)
    for (int b = 0; b < B; ++b)
      for (int j = 0; j < s->dims[l + 1]; ++j)
        act[l + 1][b * s->dims[l + 1] + j] =
            fai_fl_forward_elem(act[l] + b * s->dims[l], s->dims[l], p + s->w_off[l],
                                p + s->b_off[l], s->dims[l + 1], j, l < L - 1);
  for (int b = 0; b < B; ++b)
    fai_fl_softmax_grad(act[L] + b * s->dims[L], s->dims[L], y[b], del[L] + b * s->dims[L]);
  const float scale = fai_fl_step_scale(lr, B);
  for (int l = L - 1; l >= 0; --l) {
    const int ni = s->dims[l], no = s->dims[l + 1];
    float *W = p + s->w_off[l], *bias = p + s->b_off[l];
    if (l > 0)
      for (int b = 0; b < B; ++b)
        for (int i = 0; i < ni; ++i)
          del[l][b * ni + i] = fai_fl_delta_elem(act[l][b * ni + i], del[l + 1] + b * no,
                                                 W + (size_t)i * no, no);
    for (int i = 0; i < ni; ++i)
      for (int j = 0; j < no; ++j) {
        float g = 0.0f;
        for (int b = 0; b < B; ++b) g = fai_fl_mac(g, act[l][b * ni + i], del[l + 1][b * no + j]);
        W[(size_t)i * no + j] = fai_fl_update(W[(size_t)i * no + j], scale, g);
      }
    for (int j = 0; j < no; ++j) {
      float g = 0.0f;
      for (int b = 0; b < B; ++b) g = g + del[l + 1][b * no + j];
      bias[j] = fai_fl_update(bias[j], scale, g);
    }
  }
  for (int l = 0; l <= L; ++l) {
    free(act[l]);
    free(del[l]);
  }
}

Test(fl, cpu_op_matches_elementwise_reference_bits) {
  const int dims[4] = {30, 17, 13, 10};
  fai_fl_shape s;
  fai_error err;
  cr_assert_eq(fai_fl_shape_init(&s, 4, dims), 0);
  const int C = 3, tau = 4, B = 6, rows = C * tau * B;
  uint8_t *x = malloc((size_t)rows * 30), *y = malloc((size_t)rows);
  for (int i = 0; i < rows * 30; ++i)
    x[i] = (i % 4 == 1) ? 0 : (uint8_t)(fai_rng_uniform(4, FAI_STREAM_TEST, (uint64_t)i) * 256.0);
  for (int i = 0; i < rows; ++i) y[i] = (uint8_t)((i * 7) % 10);
  float *a = malloc((size_t)C * s.n_params * sizeof(float));
  float *b = malloc((size_t)C * s.n_params * sizeof(float));
  for (int64_t k = 0; k < C * s.n_params; ++k)
    a[k] = (float)(0.4 * (fai_rng_uniform(8, FAI_STREAM_TEST, (uint64_t)k) - 0.5));
  memcpy(b, a, (size_t)C * s.n_params * sizeof(float));
  fai_backend be;
  cpu_be(&be, 2);
  cr_assert_eq(be.fl_local_sgd(&be, 4, dims, C, tau, B, 0.3f, x, y, a, &err), FAI_OK);
  for (int c = 0; c < C; ++c)
    for (int t = 0; t < tau; ++t) {
      const int row = (c * tau + t) * B;
      reference_step(&s, B, x + row * 30, y + row, b + (int64_t)c * s.n_params, 0.3f);
    }
  cr_assert_eq(memcmp(a, b, (size_t)C * s.n_params * sizeof(float)), 0,
               "blocked cpu loops differ from the element order");
  free(x), free(y), free(a), free(b);
}

/* ------------------------------------------------------------------ parity */

Test(parity, fl_local_sgd_and_logits_cuda_match_cpu_bytes) {
  fai_backend cpu, cuda;
  fai_error err;
  fai_error_clear(&err);
  if (fai_backend_select(FAI_BACKEND_CUDA, 0, &cuda, &err) != FAI_OK)
    cr_skip_test("no CUDA device: %s", err.msg);
  cpu_be(&cpu, 2);
  const int dims[4] = {40, 24, 24, 10};
  fai_fl_shape s;
  cr_assert_eq(fai_fl_shape_init(&s, 4, dims), 0);
  const int C = 5, tau = 3, B = 7;
  fai_fl_model m;
  cr_assert_eq(fai_fl_model_init(&m, FAI_FL_MLP, 40, 24, 10, &err), FAI_OK);
  float *p1 = malloc((size_t)C * s.n_params * sizeof(float));
  float *p2 = malloc((size_t)C * s.n_params * sizeof(float));
  for (int c = 0; c < C; ++c) fai_fl_model_init_params(&m, 11 + c, p1 + (int64_t)c * s.n_params);
  memcpy(p2, p1, (size_t)C * s.n_params * sizeof(float));
  const int rows = C * tau * B;
  uint8_t *x = malloc((size_t)rows * 40), *y = malloc((size_t)rows);
  for (int i = 0; i < rows * 40; ++i)
    x[i] = (i % 3) ? (uint8_t)(fai_rng_uniform(2, FAI_STREAM_TEST, (uint64_t)i) * 256.0) : 0;
  for (int i = 0; i < rows; ++i) y[i] = (uint8_t)(i % 10);
  cr_assert_eq(cpu.fl_local_sgd(&cpu, 4, dims, C, tau, B, 0.1f, x, y, p1, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(cuda.fl_local_sgd(&cuda, 4, dims, C, tau, B, 0.1f, x, y, p2, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(memcmp(p1, p2, (size_t)C * s.n_params * sizeof(float)), 0, "local SGD differs");
  float *l1 = malloc((size_t)C * rows * 10 * sizeof(float));
  float *l2 = malloc((size_t)C * rows * 10 * sizeof(float));
  cr_assert_eq(cpu.fl_logits(&cpu, 4, dims, C, p1, rows, x, l1, &err), FAI_OK);
  cr_assert_eq(cuda.fl_logits(&cuda, 4, dims, C, p1, rows, x, l2, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(memcmp(l1, l2, (size_t)C * rows * 10 * sizeof(float)), 0, "logits differ");
  free(p1), free(p2), free(x), free(y), free(l1), free(l2);
}

/* cuBLAS mode: the same steps and logits as the cpu up to float rounding
 * (GEMMs sum in their own order), and the same bits on a second run. */
Test(parity, fl_cublas_matches_cpu_to_rounding_and_repeats_bits) {
  fai_backend cpu, cuda;
  fai_error err;
  fai_error_clear(&err);
  if (fai_backend_select(FAI_BACKEND_CUDA, 0, &cuda, &err) != FAI_OK)
    cr_skip_test("no CUDA device: %s", err.msg);
  cuda.fl_cublas = 1;
  cpu_be(&cpu, 2);
  const int dims[4] = {784, 64, 64, 10};
  fai_fl_shape s;
  cr_assert_eq(fai_fl_shape_init(&s, 4, dims), 0);
  const int C = 6, tau = 4, B = 16;
  const size_t np = (size_t)C * s.n_params;
  fai_fl_model m;
  cr_assert_eq(fai_fl_model_init(&m, FAI_FL_MLP, 784, 64, 10, &err), FAI_OK);
  float *p0 = malloc(np * sizeof(float)), *p1 = malloc(np * sizeof(float));
  float *p2 = malloc(np * sizeof(float)), *p3 = malloc(np * sizeof(float));
  for (int c = 0; c < C; ++c) fai_fl_model_init_params(&m, 21 + c, p0 + (int64_t)c * s.n_params);
  memcpy(p1, p0, np * sizeof(float));
  memcpy(p2, p0, np * sizeof(float));
  memcpy(p3, p0, np * sizeof(float));
  const int rows = C * tau * B;
  uint8_t *x = malloc((size_t)rows * 784), *y = malloc((size_t)rows);
  for (int i = 0; i < rows * 784; ++i)
    x[i] = (i % 3) ? (uint8_t)(fai_rng_uniform(5, FAI_STREAM_TEST, (uint64_t)i) * 256.0) : 0;
  for (int i = 0; i < rows; ++i) y[i] = (uint8_t)((i * 3) % 10);
  cr_assert_eq(cpu.fl_local_sgd(&cpu, 4, dims, C, tau, B, 0.05f, x, y, p1, &err), FAI_OK);
  cr_assert_eq(cuda.fl_local_sgd(&cuda, 4, dims, C, tau, B, 0.05f, x, y, p2, &err), FAI_OK, "%s",
               err.msg);
  cr_assert_eq(cuda.fl_local_sgd(&cuda, 4, dims, C, tau, B, 0.05f, x, y, p3, &err), FAI_OK, "%s",
               err.msg);
  cr_assert_eq(memcmp(p2, p3, np * sizeof(float)), 0, "cuBLAS run differs from itself");
  /* Compare the parameter change of each step: |Δcpu − Δcublas| within 1e-3 of
   * the largest change (the GEMMs round differently, nothing else). */
  double dmax = 0, emax = 0;
  for (size_t i = 0; i < np; ++i) {
    const double d1 = (double)p1[i] - p0[i], d2 = (double)p2[i] - p0[i];
    if (fabs(d1) > dmax) dmax = fabs(d1);
    if (fabs(d1 - d2) > emax) emax = fabs(d1 - d2);
  }
  cr_assert(dmax > 0, "no step moved the parameters");
  cr_assert(emax <= 1e-3 * dmax, "cuBLAS steps differ: %g of the largest change %g", emax, dmax);
  float *l1 = malloc((size_t)C * rows * 10 * sizeof(float));
  float *l2 = malloc((size_t)C * rows * 10 * sizeof(float));
  cr_assert_eq(cpu.fl_logits(&cpu, 4, dims, C, p1, rows, x, l1, &err), FAI_OK);
  cr_assert_eq(cuda.fl_logits(&cuda, 4, dims, C, p1, rows, x, l2, &err), FAI_OK, "%s", err.msg);
  for (int64_t i = 0; i < (int64_t)C * rows * 10; ++i)
    cr_assert(fabsf(l1[i] - l2[i]) <= 1e-4f * (1.0f + fabsf(l1[i])), "logit %lld: %g vs %g",
              (long long)i, (double)l1[i], (double)l2[i]);
  free(p0), free(p1), free(p2), free(p3), free(x), free(y), free(l1), free(l2);
}
