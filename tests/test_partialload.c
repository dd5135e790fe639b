/* PartialLoading: the backbone-sharing DP against enumeration, brute force
 * against its own re-implementation, every algorithm's schedule re-simulated
 * independently, the bandwidth inverse against its Lambert-W closed form,
 * water-filling, the backbone test, the generator and bad input.
 *
 * Which problem each oracle solves (all in the scheduling stage, uploads
 * treated as available, u = 0):
 *   * subset enumeration in deadline order: max |A| over subsets A whose
 *     members all finish on time when A is served in (deadline, index)
 *     order — the problem the DP solves exactly;
 *   * enumeration of every ordered subset: the scheduling-stage optimum in any
 *     order (what `--algo brute` and `--algo exact` return).  The DP can fall
 *     below it (serving a same-model request out of deadline order saves a
 *     load); the test asserts dp <= it and counts the gap instances. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/json.h"
#include "fluidai/partialload.h"
#include "fluidai/rng.h"

#define N_RANDOM 240

typedef struct rnd {
  uint64_t seed, n;
} rnd;
static double ru(rnd *r) { return fai_rng_uniform(r->seed, FAI_STREAM_TEST, r->n++); }
static int ri(rnd *r, int lo, int hi) { return lo + (int)(ru(r) * (hi - lo + 1)); }

/* --- random instances (built as JSON, read by the strict reader) ------------------------------ */

typedef struct rcfg {
  int kmin, kmax;
  int backbone;          /* 1: backbone-sharing library; 0: nested sharing */
  double bw_min, bw_max; /* uplink bandwidth range (Hz) */
} rcfg;

static json_t *random_library(rnd *r, int backbone, int *n_models) {
  json_t *blocks = json_array(), *models = json_array();
  const int C = ri(r, 1, 3);
  int I = 0;
  for (int c = 0; c < C; c++) {
    const int M = ri(r, 1, 3);
    char id[32];
    if (backbone) {
      snprintf(id, sizeof id, "bb%d", c);
      json_array_append_new(blocks, json_pack("{s:s, s:I}", "id", id, "size_bytes",
                                              (json_int_t)(ri(r, 5, 30) * 100000000LL)));
    } else {
      for (int l = 0; l < 3; l++) {
        snprintf(id, sizeof id, "bb%d.L%d", c, l);
        json_array_append_new(blocks, json_pack("{s:s, s:I}", "id", id, "size_bytes",
                                                (json_int_t)(ri(r, 2, 10) * 100000000LL)));
      }
    }
    for (int m = 0; m < M; m++) {
      json_t *bl = json_array();
      char hid[32], mid[32];
      snprintf(mid, sizeof mid, "c%d.m%d", c, m);
      if (backbone) {
        snprintf(id, sizeof id, "bb%d", c);
        /* a lone model still has the block to itself: not shared, fine */
        json_array_append_new(bl, json_string(id));
      } else {
        const int depth = ri(r, 1, 3);
        for (int l = 0; l < depth; l++) {
          snprintf(id, sizeof id, "bb%d.L%d", c, l);
          json_array_append_new(bl, json_string(id));
        }
      }
      if (ru(r) < 0.8) {
        snprintf(hid, sizeof hid, "c%d.m%d.head", c, m);
        json_array_append_new(blocks, json_pack("{s:s, s:I}", "id", hid, "size_bytes",
                                                (json_int_t)(ri(r, 0, 8) * 50000000LL)));
        json_array_append_new(bl, json_string(hid));
      }
      json_array_append_new(models, json_pack("{s:s, s:o}", "id", mid, "blocks", bl));
      I++;
    }
  }
  *n_models = I;
  return json_pack("{s:s, s:i, s:s, s:o, s:o}", "format", "fluidai-library", "version", 1, "name",
                   "rand", "blocks", blocks, "models", models);
}

static void random_instance(uint64_t seed, const rcfg *cfg, fai_pl_instance *inst) {
  rnd r = {seed, 0};
  int I = 0;
  json_t *lib = random_library(&r, cfg->backbone, &I);
  json_t *models = json_object_get(lib, "models");
  const int K = ri(&r, cfg->kmin, cfg->kmax);
  json_t *reqs = json_array();
  for (int k = 0; k < K; k++) {
    const int i = ri(&r, 0, I - 1);
    const char *mid = json_string_value(json_object_get(json_array_get(models, (size_t)i), "id"));
    char id[16];
    snprintf(id, sizeof id, "u%d", k);
    json_array_append_new(
        reqs, json_pack("{s:s, s:s, s:f, s:f, s:f, s:f, s:f}", "id", id, "model", mid,
                        "input_bits", ru(&r) < 0.15 ? 0.0 : floor(2e6 * ru(&r)), "deadline_s",
                        0.3 + 7.7 * ru(&r), "compute_s", 0.05 + 0.95 * ru(&r), "power_dbm", 23.0,
                        "gain_db", -120 + 30 * ru(&r)));
  }
  json_t *server = json_pack("{s:f, s:f}", "r_load_bytes_s", 1e9, "bandwidth_hz",
                             cfg->bw_min + (cfg->bw_max - cfg->bw_min) * ru(&r));
  if (ru(&r) < 0.4) {
    const int i = ri(&r, 0, I - 1);
    json_object_set(server, "initial_model",
                    json_object_get(json_array_get(models, (size_t)i), "id"));
  }
  json_t *doc = json_pack("{s:s, s:o, s:o, s:o}", "format", "fluidai-partialload-instance",
                          "library", lib, "server", server, "requests", reqs);
  char *txt = json_dumps(doc, 0);
  json_decref(doc);
  fai_error err;
  fai_error_clear(&err);
  const fai_status st = fai_pl_instance_load_string(txt, "random.json", inst, &err);
  free(txt);
  cr_assert_eq(st, FAI_OK, "seed %llu: %s", (unsigned long long)seed, err.msg);
}

/* --- the test's own timing --------------------------------------------------------------------- */

static int has_block(const fai_library *lib, int model, int j) {
  if (model < 0) return 0;
  for (int q = lib->model_off[model]; q < lib->model_off[model + 1]; q++)
    if (lib->model_blocks[q] == j) return 1;
  return 0;
}

static int64_t own_bytes(const fai_library *lib, int from, int to, int sharing) {
  if (from == to) return 0;
  int64_t s = 0;
  for (int q = lib->model_off[to]; q < lib->model_off[to + 1]; q++) {
    const int j = lib->model_blocks[q];
    if (!sharing || !has_block(lib, from, j)) s += lib->block_bytes[j];
  }
  return s;
}

/* Number of requests of seq finishing on time, or -1 if any is late (u may be NULL). */
static int own_simulate(const fai_pl_instance *inst, const int *seq, int n, int sharing,
                        const double *u, double *finish) {
  int cur = inst->initial_model;
  double F = 0;
  for (int q = 0; q < n; q++) {
    const int k = seq[q];
    const double ready = F + (double)own_bytes(&inst->lib, cur, inst->model[k], sharing) / inst->r_load;
    const double arrive = u ? u[q] : 0;
    F = (ready > arrive ? ready : arrive) + inst->compute_s[k];
    if (finish) finish[q] = F;
    if (!(F <= inst->deadline_s[k])) return -1;
    cur = inst->model[k];
  }
  return n;
}

static int by_deadline_inst_cmp(const fai_pl_instance *inst, int a, int b) {
  if (inst->deadline_s[a] != inst->deadline_s[b]) return inst->deadline_s[a] < inst->deadline_s[b] ? -1 : 1;
  return a < b ? -1 : a > b;
}

/* Max |A| with A served in deadline order all on time. */
static int oracle_subsets_edd(const fai_pl_instance *inst) {
  const int K = inst->K;
  int edd[16];
  for (int k = 0; k < K; k++) edd[k] = k;
  for (int a = 1; a < K; a++)
    for (int b = a; b > 0 && by_deadline_inst_cmp(inst, edd[b - 1], edd[b]) > 0; b--) {
      const int t = edd[b];
      edd[b] = edd[b - 1];
      edd[b - 1] = t;
    }
  int best = 0;
  for (unsigned mask = 0; mask < (1u << K); mask++) {
    int seq[16], n = 0;
    for (int q = 0; q < K; q++)
      if (mask & (1u << edd[q])) seq[n++] = edd[q];
    if (n > best && own_simulate(inst, seq, n, 1, NULL, NULL) == n) best = n;
  }
  return best;
}

/* Max length of an on-time sequence, all orders. */
static int oracle_all_orders(const fai_pl_instance *inst, int *seq, int depth, unsigned used) {
  int best = depth;
  for (int k = 0; k < inst->K; k++) {
    if (used & (1u << k)) continue;
    seq[depth] = k;
    if (own_simulate(inst, seq, depth + 1, 1, NULL, NULL) < 0) continue;
    const int v = oracle_all_orders(inst, seq, depth + 1, used | (1u << k));
    if (v > best) best = v;
    if (best == inst->K) break;
  }
  return best;
}

/* --- scheduling stage ------------------------------------------------------------------------- */

Test(partialload, dp_equals_subset_enumeration_in_deadline_order_and_never_beats_brute_force,
     .timeout = 60) {
  const rcfg cfg = {1, 8, 1, 1e8, 1e8};
  int gap = 0, greedy_above_dp = 0, nontrivial = 0;
  for (int s = 0; s < N_RANDOM; s++) {
    fai_pl_instance inst;
    random_instance(500 + (uint64_t)s, &cfg, &inst);
    fai_error err;
    int order[16], n_dp = -1, n_br = -1, n_gr = -1, n_ns = -1, n_fc = -1, n_ed = -1;
    cr_assert_eq(fai_pl_schedule(&inst, FAI_PL_DP, order, &n_dp, &err), FAI_OK, "%s", err.msg);
    /* The DP's order is on time, in deadline order. */
    cr_assert_eq(own_simulate(&inst, order, n_dp, 1, NULL, NULL), n_dp, "seed %d: dp order late", s);
    for (int q = 1; q < n_dp; q++)
      cr_assert(by_deadline_inst_cmp(&inst, order[q - 1], order[q]) < 0, "seed %d: not EDD", s);
    const int o_edd = oracle_subsets_edd(&inst);
    cr_assert_eq(n_dp, o_edd, "seed %d (K=%d): dp %d, subset enumeration in deadline order %d", s,
                 inst.K, n_dp, o_edd);
    cr_assert_eq(fai_pl_schedule(&inst, FAI_PL_BRUTE, order, &n_br, &err), FAI_OK, "%s", err.msg);
    cr_assert_eq(own_simulate(&inst, order, n_br, 1, NULL, NULL), n_br);
    int seq[16];
    const int o_all = oracle_all_orders(&inst, seq, 0, 0);
    cr_assert_eq(n_br, o_all, "seed %d: brute %d, own enumeration of all orders %d", s, n_br, o_all);
    cr_assert_leq(n_dp, n_br);
    gap += n_dp < n_br;
    int n_ex = -1;
    cr_assert_eq(fai_pl_schedule(&inst, FAI_PL_EXACT, order, &n_ex, &err), FAI_OK, "%s", err.msg);
    cr_assert_eq(own_simulate(&inst, order, n_ex, 1, NULL, NULL), n_ex, "seed %d: exact order late", s);
    cr_assert_eq(n_ex, o_all, "seed %d: exact DP %d, all orders %d", s, n_ex, o_all);
    cr_assert_eq(fai_pl_schedule(&inst, FAI_PL_GREEDY, order, &n_gr, &err), FAI_OK);
    cr_assert_eq(own_simulate(&inst, order, n_gr, 1, NULL, NULL), n_gr);
    cr_assert_leq(n_gr, n_br);
    greedy_above_dp += n_gr > n_dp;
    cr_assert_eq(fai_pl_schedule(&inst, FAI_PL_NOSHARE, order, &n_ns, &err), FAI_OK);
    cr_assert_eq(own_simulate(&inst, order, n_ns, 0, NULL, NULL), n_ns, "no-sharing late");
    cr_assert_leq(n_ns, n_dp, "seed %d: no-sharing %d beats the sharing-aware DP %d", s, n_ns, n_dp);
    cr_assert_eq(fai_pl_schedule(&inst, FAI_PL_FCFS, order, &n_fc, &err), FAI_OK);
    cr_assert_eq(own_simulate(&inst, order, n_fc, 1, NULL, NULL), n_fc);
    cr_assert_eq(fai_pl_schedule(&inst, FAI_PL_EDD, order, &n_ed, &err), FAI_OK);
    cr_assert_eq(own_simulate(&inst, order, n_ed, 1, NULL, NULL), n_ed);
    cr_assert_leq(n_ed, n_dp);
    cr_assert_leq(n_fc, n_br);
    nontrivial += n_br > 0 && n_br < inst.K;
    fai_pl_instance_free(&inst);
  }
  cr_log_info("partialload: %d/%d instances where some order beats deadline order (dp < brute), "
              "%d where greedy > dp, %d non-trivial", gap, N_RANDOM, greedy_above_dp, nontrivial);
  cr_assert_geq(nontrivial, N_RANDOM / 4, "too few instances where deadlines bind");
}

Test(partialload, brute_beats_deadline_order_on_the_textbook_case) {
  /* A and C use model m1, B model m2 of another cluster.  Deadline order
   * A, B, C reloads m1's backbone for C; A, C, B does not. */
  const char *txt =
      "{\"format\": \"fluidai-partialload-instance\", \"library\": {\"format\": \"fluidai-library\","
      " \"blocks\": [{\"id\": \"b1\", \"size_bytes\": 1000000000}, {\"id\": \"b2\", \"size_bytes\": "
      "1000000000}], \"models\": [{\"id\": \"m1\", \"blocks\": [\"b1\"]}, {\"id\": \"m2\", \"blocks\": "
      "[\"b2\"]}]}, \"server\": {\"r_load_bytes_s\": 1e9, \"bandwidth_hz\": 1e8},"
      " \"requests\": ["
      " {\"id\": \"A\", \"model\": \"m1\", \"input_bits\": 0, \"deadline_s\": 2, \"compute_s\": 1, \"gain_db\": -100},"
      " {\"id\": \"B\", \"model\": \"m2\", \"input_bits\": 0, \"deadline_s\": 5, \"compute_s\": 1, \"gain_db\": -100},"
      " {\"id\": \"C\", \"model\": \"m1\", \"input_bits\": 0, \"deadline_s\": 5.5, \"compute_s\": 1, \"gain_db\": -100}]}";
  fai_pl_instance inst;
  fai_error err;
  cr_assert_eq(fai_pl_instance_load_string(txt, "t.json", &inst, &err), FAI_OK, "%s", err.msg);
  fai_pl_solution s = {0};
  cr_assert_eq(fai_pl_solve(&inst, FAI_PL_BRUTE, &s, &err), FAI_OK);
  cr_assert_eq(s.n, 3);
  cr_assert_eq(s.outcome, FAI_OUTCOME_OPTIMAL);
  cr_assert_eq(s.sched[1].request, 2, "C second");
  cr_assert_eq(fai_pl_solve(&inst, FAI_PL_DP, &s, &err), FAI_OK);
  cr_assert_eq(s.n, 2, "dp serves in deadline order: A, B then C is late (6 > 5.5)");
  cr_assert_eq(fai_pl_solve(&inst, FAI_PL_GREEDY, &s, &err), FAI_OK);
  cr_assert_eq(s.n, 3);
  cr_assert_eq(s.loaded_bytes, 2000000000);
  cr_assert_eq(s.no_sharing_bytes, 2000000000);
  fai_pl_solution_free(&s);
  fai_pl_instance_free(&inst);
}

/* --- both stages: independent re-simulation --------------------------------------------------- */

static double own_upload(double bits, double b, double a) {
  if (bits == 0) return 0;
  return bits / (b * log2(1 + a / b));
}

Test(partialload, every_schedule_is_feasible_when_resimulated, .timeout = 60) {
  const rcfg cfg = {1, 8, 1, 2e4, 2e6};
  int drops = 0, served = 0;
  for (int s = 0; s < N_RANDOM; s++) {
    fai_pl_instance inst;
    random_instance(9000 + (uint64_t)s, &cfg, &inst);
    for (int a = 0; a < FAI_PL_ALGO_COUNT_; a++) {
      fai_pl_solution sol = {0};
      fai_error err;
      cr_assert_eq(fai_pl_solve(&inst, (fai_pl_algo)a, &sol, &err), FAI_OK, "%s", err.msg);
      const int sharing = a != FAI_PL_NOSHARE;
      int seq[16];
      double u[16], fin[16], bsum = 0;
      int64_t loaded = 0, full = 0;
      int cur = inst.initial_model;
      for (int q = 0; q < sol.n; q++) {
        const fai_pl_entry *e = &sol.sched[q];
        const int k = e->request;
        seq[q] = k;
        const double ak = inst.power_w[k] * inst.gain[k] / inst.noise_w_hz;
        cr_assert(e->bandwidth_hz >= 0);
        u[q] = own_upload(inst.input_bits[k], e->bandwidth_hz, ak);
        cr_assert(fabs(u[q] - e->upload_s) <= 1e-12 * (1 + u[q]), "upload %.17g vs %.17g", u[q],
                  e->upload_s);
        bsum += e->bandwidth_hz;
        cr_assert_eq(e->load_bytes, own_bytes(&inst.lib, cur, inst.model[k], sharing));
        cr_assert_eq(e->full_bytes, own_bytes(&inst.lib, cur, inst.model[k], 0));
        loaded += e->load_bytes;
        full += e->full_bytes;
        cur = inst.model[k];
        for (int p = 0; p < q; p++) cr_assert_neq(seq[p], k, "request twice");
      }
      cr_assert_eq(own_simulate(&inst, seq, sol.n, sharing, u, fin), sol.n,
                   "seed %d algo %s: a reported request is late", s, fai_pl_algo_name((fai_pl_algo)a));
      for (int q = 0; q < sol.n; q++)
        cr_assert(fabs(fin[q] - sol.sched[q].finish_s) <= 1e-12 * (1 + fin[q]));
      cr_assert(bsum <= inst.bandwidth_hz * (1 + 1e-12), "seed %d: sum b %.17g > B %.17g", s, bsum,
                inst.bandwidth_hz);
      cr_assert_eq(loaded, sol.loaded_bytes);
      cr_assert_eq(full, sol.no_sharing_bytes);
      cr_assert_eq(sol.n + sol.dropped, sol.n_stage);
      drops += sol.dropped > 0;
      served += sol.n;
      fai_pl_solution_free(&sol);
    }
    fai_pl_instance_free(&inst);
  }
  cr_log_info("partialload: %d solves dropped requests for bandwidth, %d served", drops, served);
  cr_assert_geq(drops, 20, "the bandwidth step was hardly exercised (%d)", drops);
}

/* --- uplink ------------------------------------------------------------------------------------ */

/* W_{-1}(z), z in [-1/e, 0), by Halley's iteration. */
static double lambert_wm1(double z) {
  double w = z < -0.25 ? -1 - sqrt(2 * (1 + M_E * z)) : log(-z) - log(-log(-z));
  for (int it = 0; it < 100; it++) {
    const double ew = exp(w), f = w * ew - z;
    const double d = ew * (w + 1) - (w + 2) * f / (2 * w + 2);
    const double nw = w - f / d;
    if (fabs(nw - w) <= 1e-16 * fabs(nw)) return nw;
    w = nw;
  }
  return w;
}

Test(partialload, bandwidth_bisection_matches_the_lambert_w_inverse) {
  rnd r = {77, 0};
  int checked = 0;
  for (int i = 0; i < 2000; i++) {
    const double a = pow(10, 3 + 9 * ru(&r));        /* P g / N0 in Hz */
    const double bits = pow(10, 3 + 4 * ru(&r));
    const double secs = pow(10, -3 + 3 * ru(&r));
    const double R = bits / secs, cap = a / M_LN2;
    const double b = fai_pl_bandwidth_for(bits, secs, a);
    if (R >= cap) {
      cr_assert(isinf(b), "above the infinite-bandwidth rate must be impossible");
      continue;
    }
    /* b log2(1 + a/b) = R  ⇔  y = 1 + a/b solves ln y = ρ (y − 1), ρ = R ln2 / a:
     * y = −W_{−1}(−ρ e^{−ρ}) / ρ. */
    const double rho = R * M_LN2 / a;
    if (rho > 0.999 || rho < 1e-6) continue; /* W_{-1} loses digits at the ends */
    const double y = -lambert_wm1(-rho * exp(-rho)) / rho;
    const double bc = a / (y - 1);
    cr_assert(fabs(b - bc) <= 1e-8 * bc, "a %.6g bits %.6g s %.6g: bisection %.17g, closed %.17g",
              a, bits, secs, b, bc);
    cr_assert(fai_pl_upload_time(bits, b, a) <= secs);
    cr_assert(fai_pl_upload_time(bits, b * (1 - 1e-9), a) > secs, "not the least bandwidth");
    checked++;
  }
  cr_assert_geq(checked, 500);
  cr_assert_eq(fai_pl_bandwidth_for(0, 1, 1e6), 0);
  cr_assert(isinf(fai_pl_bandwidth_for(1, 0, 1e6)));
  cr_assert(isinf(fai_pl_bandwidth_for(1, -1, 1e6)));
}

Test(partialload, water_filling_equalises_upload_times) {
  const rcfg cfg = {3, 8, 1, 1e6, 3e7};
  int checked = 0;
  for (int s = 0; s < 120; s++) {
    fai_pl_instance inst;
    random_instance(4000 + (uint64_t)s, &cfg, &inst);
    fai_pl_solution sol = {0};
    fai_error err;
    cr_assert_eq(fai_pl_solve(&inst, FAI_PL_GREEDY, &sol, &err), FAI_OK);
    const double t = sol.common_upload_s;
    int with_bits = 0, at_level = 0;
    for (int q = 0; q < sol.n; q++) {
      const fai_pl_entry *e = &sol.sched[q];
      const int k = e->request;
      if (inst.input_bits[k] == 0) {
        cr_assert_eq(e->bandwidth_hz, 0);
        continue;
      }
      with_bits++;
      const double ak = inst.power_w[k] * inst.gain[k] / inst.noise_w_hz;
      const double limit = e->arrival_limit_s - 1e-9;
      cr_assert(e->upload_s <= e->arrival_limit_s);
      if (limit >= t) {
        /* on the common level: uploads finish at t (to the bisection's precision) */
        cr_assert(fabs(e->upload_s - t) <= 1e-8 * t, "seed %d: upload %.17g vs level %.17g", s,
                  e->upload_s, t);
        at_level++;
      } else {
        /* capped by its arrival limit: exactly its b_min */
        cr_assert(fabs(e->bandwidth_hz - fai_pl_bandwidth_for(inst.input_bits[k], limit, ak)) <=
                  1e-12 * e->bandwidth_hz);
      }
    }
    if (with_bits > 0) {
      cr_assert_geq(at_level, 1, "seed %d: nobody on the water level", s);
      /* the whole band is used (up to the bisection's resolution) */
      cr_assert(sol.bandwidth_used_hz >= inst.bandwidth_hz * (1 - 1e-6), "seed %d: used %.9g of %.9g",
                s, sol.bandwidth_used_hz, inst.bandwidth_hz);
      checked++;
    }
    fai_pl_solution_free(&sol);
    fai_pl_instance_free(&inst);
  }
  cr_assert_geq(checked, 60);
}

/* --- library structure, generator, determinism ------------------------------------------------ */

Test(partialload, backbone_test_accepts_backbone_libraries_and_dp_refuses_nested_ones) {
  const rcfg nested = {2, 8, 0, 1e8, 1e8};
  int refused = 0;
  for (int s = 0; s < 120; s++) {
    fai_pl_instance inst;
    random_instance(7000 + (uint64_t)s, &nested, &inst);
    char why[512];
    const int nc = fai_pl_backbone(&inst.lib, NULL, NULL, NULL, why, sizeof why);
    fai_pl_solution sol = {0};
    fai_error err;
    fai_error_clear(&err);
    const fai_status st = fai_pl_solve(&inst, FAI_PL_DP, &sol, &err);
    if (nc < 0) {
      cr_assert_eq(st, FAI_EINVAL);
      cr_assert(strstr(err.msg, "backbone-sharing") && strstr(err.msg, "two shared blocks"), "%s",
                err.msg);
      refused++;
    } else {
      cr_assert_eq(st, FAI_OK);
    }
    /* greedy and brute work on any library */
    cr_assert_eq(fai_pl_solve(&inst, FAI_PL_GREEDY, &sol, &err), FAI_OK);
    const int g = sol.n_stage;
    cr_assert_eq(fai_pl_solve(&inst, FAI_PL_BRUTE, &sol, &err), FAI_OK);
    cr_assert_leq(g, sol.n_stage);
    const int nb = sol.n_stage;
    int seq[16];
    cr_assert_eq(nb, oracle_all_orders(&inst, seq, 0, 0));
    /* the exact DP is exact on any library (the triangle inequality holds for block loads) */
    cr_assert_eq(fai_pl_solve(&inst, FAI_PL_EXACT, &sol, &err), FAI_OK, "%s", err.msg);
    cr_assert_eq(sol.n_stage, nb, "seed %d: exact %d, brute %d on a nested library", s, sol.n_stage, nb);
    fai_pl_solution_free(&sol);
    fai_pl_instance_free(&inst);
  }
  cr_assert_geq(refused, 10);
}

static char *gen_text(const fai_pl_gen_params *p) {
  json_t *doc = NULL;
  fai_error err;
  cr_assert_eq(fai_pl_generate(p, &doc, &err), FAI_OK, "%s", err.msg);
  char *t = fai_json_dumps(doc);
  json_decref(doc);
  return t;
}

Test(partialload, generator_defaults_and_determinism) {
  fai_pl_gen_params p;
  fai_pl_gen_params_init(&p);
  char *a = gen_text(&p), *b = gen_text(&p);
  cr_assert_str_eq(a, b);
  p.seed = 2;
  char *c = gen_text(&p);
  cr_assert_str_neq(a, c);
  fai_pl_instance inst;
  fai_error err;
  cr_assert_eq(fai_pl_instance_load_string(a, "gen.json", &inst, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(inst.K, 20);
  cr_assert_eq(inst.lib.n_models, 30);
  cr_assert_eq(inst.r_load, 12e9);
  cr_assert_eq(inst.bandwidth_hz, 100e6);
  int cl[30];
  int64_t bb[30], head[30];
  cr_assert_eq(fai_pl_backbone(&inst.lib, cl, bb, head, NULL, 0), 3);
  cr_assert_eq(bb[0], 94000000);
  cr_assert_eq(bb[10], 330000000);
  cr_assert_eq(bb[29], 418000000);
  for (int i = 0; i < 30; i++) cr_assert(head[i] >= 200000 && head[i] <= 4000000);
  for (int k = 0; k < inst.K; k++) cr_assert(inst.deadline_s[k] >= 0.5 && inst.deadline_s[k] <= 2);
  /* Solving twice gives the same plan bytes (nothing is parallel). */
  char *txt[2];
  for (int rep = 0; rep < 2; rep++) {
    fai_pl_solution sol = {0};
    fai_plan plan = {0};
    cr_assert_eq(fai_pl_solve(&inst, FAI_PL_DP, &sol, &err), FAI_OK);
    cr_assert_eq(fai_pl_plan(&inst, &sol, &plan, &err), FAI_OK);
    txt[rep] = fai_json_dumps(plan.doc);
    fai_plan_free(&plan);
    fai_pl_solution_free(&sol);
  }
  cr_assert_str_eq(txt[0], txt[1]);
  free(txt[0]);
  free(txt[1]);
  fai_pl_instance_free(&inst);
  free(a);
  free(b);
  free(c);
}

Test(partialload, sharing_saves_bytes_and_throughput_on_generated_instances) {
  int dp_sum = 0, ns_sum = 0;
  for (int s = 1; s <= 6; s++) {
    fai_pl_gen_params p;
    fai_pl_gen_params_init(&p);
    p.requests = 60;
    p.r_load = 3e9;
    p.seed = (uint64_t)s;
    char *t = gen_text(&p);
    fai_pl_instance inst;
    fai_error err;
    cr_assert_eq(fai_pl_instance_load_string(t, "gen.json", &inst, &err), FAI_OK);
    fai_pl_solution a = {0}, b = {0};
    cr_assert_eq(fai_pl_solve(&inst, FAI_PL_DP, &a, &err), FAI_OK);
    cr_assert_eq(fai_pl_solve(&inst, FAI_PL_NOSHARE, &b, &err), FAI_OK);
    cr_assert_leq(b.n_stage, a.n_stage);
    cr_assert_lt(a.loaded_bytes, a.no_sharing_bytes);
    dp_sum += a.n;
    ns_sum += b.n;
    fai_pl_solution_free(&a);
    fai_pl_solution_free(&b);
    fai_pl_instance_free(&inst);
    free(t);
  }
  cr_assert_gt(dp_sum, ns_sum, "dp %d vs no-sharing %d", dp_sum, ns_sum);
}

/* --- bad input --------------------------------------------------------------------------------- */

static const char *LIB =
    "\"library\": {\"format\": \"fluidai-library\", \"blocks\": [{\"id\": \"b\", \"size_bytes\": 10},"
    " {\"id\": \"h1\", \"size_bytes\": 1}, {\"id\": \"h2\", \"size_bytes\": 2}], \"models\": ["
    "{\"id\": \"m1\", \"blocks\": [\"b\", \"h1\"]}, {\"id\": \"m2\", \"blocks\": [\"b\", \"h2\"]}]}";

static void expect_bad(const char *server, const char *req, const char *path, const char *needle) {
  char txt[2048];
  snprintf(txt, sizeof txt,
           "{\"format\": \"fluidai-partialload-instance\", %s, \"server\": %s, \"requests\": [%s]}",
           LIB, server, req);
  fai_pl_instance inst;
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_pl_instance_load_string(txt, "bad.json", &inst, &err), FAI_EINVAL, "%s: %s",
               needle, err.msg);
  cr_assert_str_eq(err.path, path, "path %s (%s)", err.path, err.msg);
  cr_assert(strstr(err.msg, needle), "message \"%s\" lacks \"%s\"", err.msg, needle);
  cr_assert_gt(err.line, 0);
}

Test(partialload, bad_input_names_the_json_path) {
  const char *srv = "{\"r_load_bytes_s\": 1e9, \"bandwidth_hz\": 1e6}";
  const char *ok = "{\"model\": \"m1\", \"input_bits\": 1, \"deadline_s\": 1, \"compute_s\": 0.1, "
                   "\"gain_db\": -100}";
  expect_bad(srv,
             "{\"model\": \"resnet\", \"input_bits\": 1, \"deadline_s\": 1, \"compute_s\": 0.1, "
             "\"gain_db\": -100}",
             "$.requests[0].model", "unknown model \"resnet\" (known models: \"m1\", \"m2\")");
  expect_bad(srv,
             "{\"model\": \"m1\", \"input_bits\": -1, \"deadline_s\": 1, \"compute_s\": 0.1, "
             "\"gain_db\": -100}",
             "$.requests[0].input_bits", "-1");
  expect_bad(srv,
             "{\"model\": \"m1\", \"input_bits\": 1, \"deadline_s\": -0.5, \"compute_s\": 0.1, "
             "\"gain_db\": -100}",
             "$.requests[0].deadline_s", "-0.5");
  expect_bad(srv,
             "{\"model\": \"m1\", \"input_bits\": 1, \"deadline_s\": 1, \"compute_s\": -2, "
             "\"gain_db\": -100}",
             "$.requests[0].compute_s", "-2");
  expect_bad("{\"r_load_bytes_s\": -1e9, \"bandwidth_hz\": 1e6}", ok, "$.server.r_load_bytes_s",
             "expected a positive number");
  expect_bad("{\"r_load_bytes_s\": 1e9, \"bandwidth_hz\": 0}", ok, "$.server.bandwidth_hz",
             "bandwidth_hz 0; expected a positive number");
  expect_bad("{\"r_load_bytes_s\": 1e9, \"bandwidth_hz\": -5}", ok, "$.server.bandwidth_hz",
             "expected a positive number");
  expect_bad("{\"r_load_bytes_s\": 1e9, \"bandwidth_hz\": 1e6, \"initial_model\": \"zz\"}", ok,
             "$.server.initial_model", "unknown model \"zz\"");
  expect_bad(srv, "{\"model\": \"m1\", \"input_bits\": 1, \"deadline_s\": 1, \"compute_s\": 0.1}",
             "$.requests[0]", "exactly one of");
  /* a negative block size is the library reader's error */
  char txt[1024];
  snprintf(txt, sizeof txt,
           "{\"format\": \"fluidai-partialload-instance\", \"library\": {\"format\": "
           "\"fluidai-library\", \"blocks\": [{\"id\": \"b\", \"size_bytes\": -10}], \"models\": "
           "[{\"id\": \"m1\", \"blocks\": [\"b\"]}]}, \"server\": %s, \"requests\": [%s]}",
           srv, ok);
  fai_pl_instance inst;
  fai_error err;
  cr_assert_eq(fai_pl_instance_load_string(txt, "bad.json", &inst, &err), FAI_EINVAL);
  cr_assert(strstr(err.path, "size_bytes"), "%s", err.path);
  /* brute refuses big instances */
  fai_pl_gen_params p;
  fai_pl_gen_params_init(&p);
  char *g = gen_text(&p);
  cr_assert_eq(fai_pl_instance_load_string(g, "gen.json", &inst, &err), FAI_OK);
  fai_pl_solution sol = {0};
  cr_assert_eq(fai_pl_solve(&inst, FAI_PL_BRUTE, &sol, &err), FAI_EINVAL);
  cr_assert(strstr(err.msg, "at most 10"), "%s", err.msg);
  fai_pl_solution_free(&sol);
  fai_pl_instance_free(&inst);
  free(g);
}
