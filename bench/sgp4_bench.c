/* SGP4 throughput driver for bench/sgp4.sh (not part of the library).
 *
 *   sgp4_bench TLE_FILE [T] [STEP_S] [REPS] [THREADS...] [--teme OUT.bin --lines OUT.txt]
 *
 * Loads TLE_FILE, initialises every set (WGS-72, improved mode), builds the
 * near-Earth batch (fai_sgp4_batch_build) with the reference epoch at the
 * newest element epoch floored to a whole second, and times the cpu
 * backend's propagate_sgp4 (ECEF position and velocity, TEME position and
 * codes: the work of fai_elements_propagate) over T snapshots STEP_S apart,
 * best of REPS runs, for each thread count.  Prints one JSON object on
 * stdout.  With --teme it also writes the TEME positions (km, float64,
 * [T][n][3] for the batch's n satellites) and, with --lines, the source line
 * of each batch satellite's TLE line 1, for the comparison with the peer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fluidai/backend.h"
#include "fluidai/orbit.h"
#include "fluidai/sgp4.h"
#include "fluidai/tle.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int die(const char *what, const fai_error *err) {
  fprintf(stderr, "sgp4_bench: %s: %s\n", what, err ? err->msg : "");
  return 1;
}

int main(int argc, char **argv) {
  const char *teme_path = NULL, *lines_path = NULL;
  int pos_args[8], n_pos = 0, threads[8], n_threads = 0;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--teme") && i + 1 < argc) {
      teme_path = argv[++i];
    } else if (!strcmp(argv[i], "--lines") && i + 1 < argc) {
      lines_path = argv[++i];
    } else if (n_pos < 3) {
      pos_args[n_pos++] = atoi(argv[i]);
    } else if (n_threads < 8) {
      threads[n_threads++] = atoi(argv[i]);
    }
  }
  if (argc < 2) {
    fprintf(stderr, "usage: sgp4_bench TLE_FILE [T] [STEP_S] [REPS] [THREADS...] "
                    "[--teme OUT.bin --lines OUT.txt]\n");
    return 2;
  }
  const int T = n_pos > 0 ? pos_args[0] : 1440;
  const double step_s = n_pos > 1 ? pos_args[1] : 60;
  const int reps = n_pos > 2 ? pos_args[2] : 3;
  if (n_threads == 0) threads[n_threads++] = 1;

  fai_error err;
  fai_error_clear(&err);
  fai_tle_set set;
  memset(&set, 0, sizeof set);
  if (fai_tle_load(argv[1], &set, NULL, &err) != FAI_OK) return die("load", &err);
  const int N = set.n;
  fai_sgp4 *sat = calloc((size_t)N, sizeof *sat);
  double ref = -INFINITY;
  for (int i = 0; i < N; i++) {
    fai_error e;
    fai_error_clear(&e);
    (void)fai_sgp4_init(&set.v[i], FAI_GRAV_WGS72, 'i', &sat[i], &e); /* failures: not in batch */
    if (set.v[i].epoch_unix > ref) ref = set.v[i].epoch_unix;
  }
  ref = floor(ref);
  fai_sgp4_batch b;
  if (fai_sgp4_batch_build(sat, N, FAI_GRAV_WGS72, ref, &b, NULL, &err) != FAI_OK)
    return die("batch", &err);
  /* Outputs compact over the batch: rows j of [T][n][3]. */
  const int n = b.n;
  const int *idx = b.out_index;
  b.out_index = NULL;
  b.n_out = n;

  double *dt = malloc((size_t)T * sizeof *dt), *cs = malloc((size_t)T * 2 * sizeof *cs);
  const size_t states = (size_t)T * (size_t)n;
  double *pos = malloc(states * 3 * sizeof *pos), *vel = malloc(states * 3 * sizeof *vel);
  double *teme = malloc(states * 3 * sizeof *teme);
  int8_t *code = malloc(states);
  if (!dt || !cs || !pos || !vel || !teme || !code) return die("out of memory", NULL);
  for (int t = 0; t < T; t++) {
    const double t_s = t * step_s, th = fai_gmst_rad(ref + t_s);
    dt[t] = t_s / 60.0;
    cs[2 * t] = cos(th);
    cs[2 * t + 1] = sin(th);
  }

  printf("{\"n_elements\": %d, \"n_batch\": %d, \"n_snaps\": %d, \"step_s\": %g, \"reps\": %d, "
         "\"ref_unix\": %.0f, \"runs\": [",
         N, n, T, step_s, reps, ref);
  for (int k = 0; k < n_threads; k++) {
    fai_backend be;
    if (fai_backend_select(FAI_BACKEND_CPU, threads[k], &be, &err) != FAI_OK)
      return die("backend", &err);
    double best = INFINITY;
    for (int r = 0; r < reps; r++) {
      const double t0 = now_s();
      if (be.propagate_sgp4(&be, &b, T, dt, cs, pos, vel, teme, code, &err) != FAI_OK)
        return die("propagate_sgp4", &err);
      const double s = now_s() - t0;
      if (s < best) best = s;
    }
    printf("%s{\"threads\": %d, \"seconds\": %.6f, \"sat_epochs_per_s\": %.1f}", k ? ", " : "",
           threads[k], best, (double)states / best);
    fflush(stdout);
  }
  size_t n_err = 0;
  for (size_t i = 0; i < states; i++) n_err += code[i] != 0;
  printf("], \"error_states\": %zu}\n", n_err);

  if (teme_path) {
    FILE *f = fopen(teme_path, "wb");
    if (!f) return die("cannot write --teme file", NULL);
    for (size_t i = 0; i < states * 3; i++) teme[i] /= 1e3; /* m -> km */
    if (fwrite(teme, sizeof *teme, states * 3, f) != states * 3) return die("short write", NULL);
    fclose(f);
  }
  if (lines_path) {
    FILE *f = fopen(lines_path, "w");
    if (!f) return die("cannot write --lines file", NULL);
    fprintf(f, "%.17g\n", ref);
    for (int j = 0; j < n; j++) fprintf(f, "%d\n", set.v[idx[j]].line);
    fclose(f);
  }
  b.out_index = idx;
  fai_sgp4_batch_free(&b);
  free(dt);
  free(cs);
  free(pos);
  free(vel);
  free(teme);
  free(code);
  free(sat);
  fai_tle_set_free(&set);
  return 0;
}
