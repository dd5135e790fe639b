/* MBA: Lambert W against its definition, the closed-form power control
 * against NLopt, the tree search against exhaustive search on random small
 * instances (fixed seeds), the multicast routine, determinism and bad input. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fluidai/json.h"
#include "fluidai/mba.h"
#include "fluidai/rng.h"

#define N_RANDOM 200

typedef struct rnd {
  uint64_t seed, n;
} rnd;
static double ru(rnd *r) { return fai_rng_uniform(r->seed, FAI_STREAM_TEST, r->n++); }
static int ri(rnd *r, int lo, int hi) { return lo + (int)(ru(r) * (hi - lo + 1)); }

/* --- Lambert W ------------------------------------------------------------------------- */

static void check_w0(double x) {
  const double w = fai_lambert_w0(x);
  cr_assert(w >= -1, "W0(%.17g) = %.17g < -1", x, w);
  if (x <= 1e12) {
    const double res = fabs(w * exp(w) - x);
    cr_assert(res <= 1e-14 * fabs(x), "W0(%.17g) = %.17g: w e^w - x = %.3g", x, w, res);
  } else {
    /* w e^w would carry ulp(w)·e^w rounding; the log of the definition does not. */
    const double res = fabs(w + log(w) - log(x));
    cr_assert(res <= 1e-14 * log(x), "W0(%.17g) = %.17g: w + ln w - ln x = %.3g", x, w, res);
  }
}

Test(mba, lambert_w0_satisfies_its_definition_over_a_wide_range) {
  for (double e = -300; e <= 300; e += 0.37) check_w0(pow(10, e));
  const double em1 = exp(-1);
  for (int k = 1; k <= 16; k++) check_w0(-em1 * (1 - pow(10, -k)));
  rnd r = {7, 0};
  for (int i = 0; i < 20000; i++) check_w0(-em1 * ru(&r));
  for (int i = 0; i < 20000; i++) check_w0(ru(&r) * 20);
  cr_assert_eq(fai_lambert_w0(0), 0);
  cr_assert(fabs(fai_lambert_w0(-em1) + 1) < 1e-7);
  cr_assert(fabs(fai_lambert_w0(M_E) - 1) < 1e-15);
  cr_assert(isnan(fai_lambert_w0(-0.5)));
  cr_assert(isinf(fai_lambert_w0(INFINITY)));
}

/* --- power control ------------------------------------------------------------------------ */

static double noise_w_hz(void) { return pow(10, (-174.0 - 30) / 10); }

Test(mba, closed_form_power_control_matches_nlopt_on_random_instances, .timeout = 60) {
  int capped = 0;
  for (int s = 0; s < N_RANDOM; s++) {
    rnd r = {1000 + (uint64_t)s, 0};
    const int n = ri(&r, 1, 12);
    double bits[12], gain[12], p1[12], t1[12], p2[12], t2[12];
    for (int b = 0; b < n; b++) {
      bits[b] = 8e6 * pow(10, 2 * ru(&r));
      gain[b] = pow(10, -13 + 4 * ru(&r));
    }
    fai_pc_problem pr = {n, bits, gain, pow(10, 6 + 2 * ru(&r)), noise_w_hz(), 1, INFINITY};
    double emin = 0;
    for (int b = 0; b < n; b++) emin += noise_w_hz() * bits[b] * log(2) / gain[b];
    pr.energy_j = emin * (1.05 + 50 * ru(&r) * ru(&r));
    if (ri(&r, 0, 3) == 0) {
      pr.max_power_w = pow(10, -2 + 3 * ru(&r));
      capped++;
    }
    fai_pc_result a, b;
    fai_error err;
    cr_assert_eq(fai_pc_solve(&pr, FAI_MBA_PC_CLOSED, p1, t1, &a, &err), FAI_OK, "%s", err.msg);
    cr_assert_eq(fai_pc_solve(&pr, FAI_MBA_PC_NLOPT, p2, t2, &b, &err), FAI_OK, "%s", err.msg);
    cr_assert(a.feasible && b.feasible);
    cr_assert(a.energy_j <= pr.energy_j * (1 + 1e-12), "instance %d: energy %.17g > %.17g", s,
              a.energy_j, pr.energy_j);
    for (int q = 0; q < n; q++) cr_assert(p1[q] <= pr.max_power_w * (1 + 1e-12));
    cr_assert(fabs(a.latency_s - b.latency_s) <= 1e-6 * b.latency_s,
              "instance %d (n %d): closed %.12g s, NLopt %.12g s", s, n, a.latency_s, b.latency_s);
  }
  cr_assert(capped > 20);
}

Test(mba, budget_below_the_vanishing_rate_minimum_is_infeasible) {
  double bits = 1e8, gain = 1e-10;
  fai_pc_problem pr = {1, &bits, &gain, 20e6, noise_w_hz(), 0, INFINITY};
  pr.energy_j = noise_w_hz() * bits * log(2) / gain * 0.999;
  fai_pc_result res;
  cr_assert_eq(fai_pc_solve(&pr, FAI_MBA_PC_CLOSED, NULL, NULL, &res, NULL), FAI_OK);
  cr_assert_eq(res.feasible, 0);
  cr_assert(isinf(res.latency_s));
}

Test(mba, multicast_is_the_one_block_closed_form_at_the_weakest_receiver) {
  const double gains[3] = {3e-10, 1e-11, 5e-10}, N0 = noise_w_hz(), W = 10e6, S = 4e8;
  fai_multicast m;
  fai_error err;
  /* Power cap only: Shannon rate at P_max and the weakest gain. */
  cr_assert_eq(fai_multicast_solve(S, gains, 3, W, N0, INFINITY, 2.0, &m, &err), FAI_OK);
  cr_assert_eq(m.gain, 1e-11);
  const double t = S / (W * log2(1 + 2.0 * 1e-11 / (N0 * W)));
  cr_assert(fabs(m.duration_s - t) <= 1e-14 * t);
  cr_assert(fabs(m.energy_j - 2.0 * t) <= 1e-12 * m.energy_j);
  /* Energy only: the whole budget is spent, and E = P t. */
  cr_assert_eq(fai_multicast_solve(S, gains, 3, W, N0, 0.5, INFINITY, &m, &err), FAI_OK);
  cr_assert(m.feasible);
  cr_assert(fabs(m.energy_j - 0.5) <= 1e-12, "energy %.17g", m.energy_j);
  cr_assert(fabs(m.rate_bps - W * log2(1 + m.power_w * 1e-11 / (N0 * W))) <= 1e-9 * m.rate_bps);
  cr_assert_eq(fai_multicast_solve(S, gains, 0, W, N0, 0.5, INFINITY, &m, &err), FAI_EINVAL);
}

/* --- parameter selection -------------------------------------------------------------------- */

/* Random library: B backbones of L layer blocks; per task and backbone a
 * candidate freezing a random prefix of layers (shared), plus one private
 * block; K devices with requirements below their task's best accuracy. */
static void make_instance(uint64_t seed, int max_combos, fai_mba_instance *inst) {
  rnd r = {seed, 0};
  fai_mba_instance_init(inst);
  fai_library *lib = &inst->lib;
  const int B = ri(&r, 1, 3), L = ri(&r, 1, 3), T = ri(&r, 1, 3);
  const int I = B * T, J = B * L + I;
  lib->n_blocks = J;
  lib->n_models = I;
  lib->n_tasks = T;
  lib->block_id = calloc((size_t)J, FAI_LIB_ID_MAX);
  lib->block_bytes = calloc((size_t)J, sizeof(int64_t));
  lib->model_id = calloc((size_t)I, FAI_LIB_ID_MAX);
  lib->model_off = calloc((size_t)I + 1, sizeof(int));
  lib->model_blocks = calloc((size_t)I * (L + 1), sizeof(int));
  lib->accuracy = calloc((size_t)I, sizeof(double));
  lib->model_task = calloc((size_t)I, sizeof(int));
  lib->task_id = calloc((size_t)T, FAI_LIB_ID_MAX);
  for (int t = 0; t < T; t++) snprintf(lib->task_id + (size_t)t * FAI_LIB_ID_MAX, FAI_LIB_ID_MAX, "t%d", t);
  for (int j = 0; j < J; j++) {
    snprintf(lib->block_id + (size_t)j * FAI_LIB_ID_MAX, FAI_LIB_ID_MAX, "b%d", j);
    lib->block_bytes[j] = (int64_t)ri(&r, 1, 20) * 1000000;
  }
  int q = 0;
  for (int i = 0; i < I; i++) {
    const int b = i / T, t = i % T;
    snprintf(lib->model_id + (size_t)i * FAI_LIB_ID_MAX, FAI_LIB_ID_MAX, "m%d", i);
    lib->model_off[i] = q;
    const int depth = ri(&r, 0, L);
    for (int l = 0; l < depth; l++) lib->model_blocks[q++] = b * L + l;
    lib->model_blocks[q++] = B * L + i;
    lib->accuracy[i] = 0.5 + 0.5 * ru(&r);
    lib->model_task[i] = t;
  }
  lib->model_off[I] = q;
  int K = ri(&r, 1, 10);
  inst->K = K;
  inst->device_id = calloc((size_t)K, FAI_LIB_ID_MAX);
  inst->task = calloc((size_t)K, sizeof(int));
  inst->accuracy = calloc((size_t)K, sizeof(double));
  inst->gain = calloc((size_t)K, sizeof(double));
  inst->distance_m = calloc((size_t)K, sizeof(double));
  double combos = 1;
  for (int k = 0; k < K; k++) {
    snprintf(inst->device_id + (size_t)k * FAI_LIB_ID_MAX, FAI_LIB_ID_MAX, "d%d", k);
    inst->task[k] = ri(&r, 0, T - 1);
    double acc[3];
    int n = 0;
    for (int i = 0; i < I; i++)
      if (lib->model_task[i] == inst->task[k]) acc[n++] = lib->accuracy[i];
    /* Requirement: admit a random number of candidates. */
    double lo = 2;
    for (int a = 0; a < n; a++) lo = fmin(lo, acc[a]);
    const int want = ri(&r, 1, n);
    int nc = n;
    inst->accuracy[k] = 0;
    for (double th = 0; nc > want;) { /* raise the bar to the next accuracy */
      double next = 2;
      for (int a = 0; a < n; a++)
        if (acc[a] > th && acc[a] < next) next = acc[a];
      th = next;
      nc = 0;
      for (int a = 0; a < n; a++) nc += acc[a] >= th;
      inst->accuracy[k] = th;
    }
    if (combos * nc > max_combos) {
      inst->K = K = k; /* keep the instance small enough for exhaustive search */
      break;
    }
    combos *= nc;
    inst->distance_m[k] = 50 + 450 * ru(&r);
    inst->gain[k] = pow(10, -(128.1 + 37.6 * log10(inst->distance_m[k] / 1000)) / 10);
  }
  if (K == 0) { /* first device alone exceeded the limit: cannot happen (<= 3 candidates) */
    cr_assert_fail("empty instance");
  }
  inst->bandwidth_hz = 20e6;
  inst->noise_w_hz = noise_w_hz();
  double emin = 0;
  for (int j = 0; j < J; j++) emin += noise_w_hz() * 8.0 * (double)lib->block_bytes[j] * log(2) / 1e-11;
  inst->energy_j = emin * (0.5 + 5 * ru(&r));
  inst->max_power_w = ri(&r, 0, 2) == 0 ? pow(10, -1 + 2 * ru(&r)) : INFINITY;
  fai_error err;
  cr_assert_eq(fai_mba_instance_prepare(inst, &err), FAI_OK, "%s", err.msg);
}

static double rel(double a, double b) { return fabs(a - b) / fmax(fabs(b), 1e-300); }

Test(mba, tree_search_equals_exhaustive_search_and_greedy_never_beats_it, .timeout = 60) {
  int infeasible = 0, greedy_gap = 0;
  for (int s = 0; s < N_RANDOM; s++) {
    fai_mba_instance inst;
    make_instance(5000 + (uint64_t)s, 200, &inst);
    for (int cost = 0; cost < 2; cost++) {
      fai_mba_params p;
      fai_mba_params_init(&p);
      p.cost = (fai_mba_cost)cost;
      fai_mba_solution tr, ex, gr;
      fai_error err;
      p.ps = FAI_MBA_PS_TREE;
      cr_assert_eq(fai_mba_solve(&inst, &p, &tr, &err), FAI_OK, "%s", err.msg);
      p.ps = FAI_MBA_PS_EXHAUSTIVE;
      cr_assert_eq(fai_mba_solve(&inst, &p, &ex, &err), FAI_OK, "%s", err.msg);
      p.ps = FAI_MBA_PS_GREEDY;
      cr_assert_eq(fai_mba_solve(&inst, &p, &gr, &err), FAI_OK, "%s", err.msg);
      const double ct = fai_mba_assignment_cost(&inst, p.cost, tr.model);
      const double ce = fai_mba_assignment_cost(&inst, p.cost, ex.model);
      const double cg = fai_mba_assignment_cost(&inst, p.cost, gr.model);
      if (isinf(ce)) {
        infeasible++;
        cr_assert(isinf(ct));
      } else {
        cr_assert(rel(ct, ce) <= 1e-9, "instance %d cost %d: tree %.15g, exhaustive %.15g", s, cost,
                  ct, ce);
        cr_assert(cg >= ce * (1 - 1e-9), "instance %d: greedy %.15g beats the optimum %.15g", s, cg, ce);
        greedy_gap += cg > ce * (1 + 1e-9);
      }
      for (int k = 0; k < inst.K; k++) /* every choice meets its device's accuracy */
        cr_assert(inst.lib.accuracy[tr.model[k]] >= inst.accuracy[k] &&
                  inst.lib.model_task[tr.model[k]] == inst.task[k]);
      fai_mba_solution_free(&tr);
      fai_mba_solution_free(&ex);
      fai_mba_solution_free(&gr);
    }
    fai_mba_instance_free(&inst);
  }
  cr_assert(infeasible < N_RANDOM / 2, "%d infeasible instances", infeasible);
  cr_log_info("greedy suboptimal on %d of %d runs", greedy_gap, 2 * N_RANDOM);
}

Test(mba, schedule_respects_budget_and_sends_each_block_at_its_weakest_receiver) {
  for (int s = 0; s < 30; s++) {
    fai_mba_instance inst;
    make_instance(9000 + (uint64_t)s, 200, &inst);
    fai_mba_params p;
    fai_mba_params_init(&p);
    for (int ps = 0; ps < 4; ps++) {
      p.ps = (fai_mba_ps)ps;
      fai_mba_solution sol;
      fai_error err;
      cr_assert_eq(fai_mba_solve(&inst, &p, &sol, &err), FAI_OK, "%s", err.msg);
      if (!sol.pc.feasible) {
        cr_assert_eq(sol.outcome, FAI_OUTCOME_INFEASIBLE);
        fai_mba_solution_free(&sol);
        continue;
      }
      double T = 0, E = 0;
      for (int i = 0; i < sol.n_tx; i++) {
        const fai_mba_tx *t = &sol.tx[i];
        double g = INFINITY;
        for (int q = sol.rx_off[i]; q < sol.rx_off[i + 1]; q++) g = fmin(g, inst.gain[sol.rx[q]]);
        cr_assert_eq(t->gain, g);
        const double rate = inst.bandwidth_hz * log2(1 + t->power_w * g / (inst.noise_w_hz * inst.bandwidth_hz));
        cr_assert(rel(t->duration_s, t->bits / rate) <= 1e-9);
        T += t->duration_s;
        E += t->power_w * t->duration_s;
      }
      cr_assert(rel(T, sol.pc.latency_s) <= 1e-12);
      cr_assert(E <= inst.energy_j * (1 + 1e-9));
      fai_mba_solution_free(&sol);
    }
    fai_mba_instance_free(&inst);
  }
}

/* --- files, determinism, bad input --------------------------------------------------------- */

static char *plan_text(const char *path, int ps, int threads) {
  fai_mba_instance inst;
  fai_error err;
  cr_assert_eq(fai_mba_instance_load_file(path, &inst, &err), FAI_OK, "%s", err.msg);
  fai_mba_params p;
  fai_mba_params_init(&p);
  p.ps = (fai_mba_ps)ps;
  p.threads = threads;
  fai_mba_solution sol;
  cr_assert_eq(fai_mba_solve(&inst, &p, &sol, &err), FAI_OK, "%s", err.msg);
  fai_plan plan;
  cr_assert_eq(fai_mba_plan(&inst, &p, &sol, &plan, &err), FAI_OK);
  char *txt = fai_json_dumps(plan.doc);
  fai_plan_free(&plan);
  fai_mba_solution_free(&sol);
  fai_mba_instance_free(&inst);
  return txt;
}

Test(mba, same_plan_bytes_for_one_and_two_threads) {
  for (int ps = 0; ps < 4; ps++) {
    char *a = plan_text("tests/data/mba-small.json", ps, 1);
    char *b = plan_text("tests/data/mba-small.json", ps, 2);
    cr_assert_str_eq(a, b);
    free(a);
    free(b);
  }
}

static void expect_error(const char *text, const char *path_part) {
  fai_mba_instance inst;
  fai_error err;
  fai_error_clear(&err);
  const fai_status st = fai_mba_instance_load_string(text, "bad.json", &inst, &err);
  cr_assert_eq(st, FAI_EINVAL, "expected EINVAL for %s, got %d", path_part, st);
  cr_assert(strstr(err.path, path_part) || strstr(err.msg, path_part), "path %s, msg %s; wanted %s",
            err.path, err.msg, path_part);
}

#define LIB                                                                                         \
  "\"library\": {\"format\": \"fluidai-library\", \"blocks\": [{\"id\": \"a\", \"size_bytes\": %s}," \
  " {\"id\": \"b\", \"size_bytes\": 100}], \"tasks\": [{\"id\": \"t\"}], \"models\": [{\"id\": "     \
  "\"m\", \"blocks\": [\"a\", \"b\"], \"accuracy\": 0.9, \"task\": \"t\"}]}"

Test(mba, bad_input_names_the_json_path) {
  char buf[2048];
  snprintf(buf, sizeof buf, "{\"format\": \"fluidai-mba-instance\", " LIB ", \"radio\": {\"energy_j\": 1}, "
           "\"devices\": [{\"task\": \"t\", \"accuracy\": 0.5, \"distance_m\": 100}]}", "-4");
  expect_error(buf, "$.library.blocks[0].size_bytes");
  snprintf(buf, sizeof buf, "{\"format\": \"fluidai-mba-instance\", " LIB ", \"radio\": {\"energy_j\": 1}, "
           "\"devices\": [{\"task\": \"t\", \"accuracy\": 0.5, \"distance_m\": 100}, "
           "{\"task\": \"t\", \"accuracy\": 0.95, \"distance_m\": 100}]}", "10");
  expect_error(buf, "$.devices[1].accuracy");
  snprintf(buf, sizeof buf, "{\"format\": \"fluidai-mba-instance\", " LIB ", \"radio\": {\"energy_j\": 1}, "
           "\"devices\": [{\"task\": \"u\", \"accuracy\": 0.5, \"distance_m\": 100}]}", "10");
  expect_error(buf, "$.devices[0].task");
  snprintf(buf, sizeof buf, "{\"format\": \"fluidai-mba-instance\", " LIB ", \"radio\": {}, "
           "\"devices\": [{\"task\": \"t\", \"accuracy\": 0.5, \"distance_m\": 100}]}", "10");
  expect_error(buf, "$.radio");
  snprintf(buf, sizeof buf, "{\"format\": \"fluidai-mba-instance\", " LIB ", \"radio\": {\"energy_j\": 1}, "
           "\"devices\": [{\"task\": \"t\", \"accuracy\": 0.5, \"distance_m\": 100, \"gain_db\": -90}]}", "10");
  expect_error(buf, "$.devices[0]");
  snprintf(buf, sizeof buf, "{\"format\": \"fluidai-mba-instance\", " LIB ", \"radio\": {\"energy_j\": -1}, "
           "\"devices\": [{\"task\": \"t\", \"accuracy\": 0.5, \"distance_m\": 100}]}", "10");
  expect_error(buf, "$.radio.energy_j");
}

/* --- MILP of the bits cost --------------------------------------------------------------------- */

/* The bits MILP's optimum is exhaustive search's minimum bits; --ps milp's
 * assignment attains it; the model written as CPLEX LP or free MPS reads
 * back (alternately) to the same optimum. */
Test(mba, bits_milp_equals_exhaustive_minimum_and_its_export_reads_back, .timeout = 120) {
  fai_glpk_route_output();
  char path[2][64];
  snprintf(path[0], sizeof path[0], "/tmp/fai-test-mba-%ld.lp", (long)getpid());
  snprintf(path[1], sizeof path[1], "/tmp/fai-test-mba-%ld.mps", (long)getpid());
  for (int s = 0; s < N_RANDOM; s++) {
    fai_mba_instance inst;
    make_instance(7000 + (uint64_t)s, 200, &inst);
    fai_mba_params p;
    fai_mba_params_init(&p);
    p.cost = FAI_MBA_COST_BITS;
    p.ps = FAI_MBA_PS_EXHAUSTIVE;
    fai_mba_solution ex, mi;
    fai_error err;
    cr_assert_eq(fai_mba_solve(&inst, &p, &ex, &err), FAI_OK, "%s", err.msg);
    p.ps = FAI_MBA_PS_MILP;
    p.cost = FAI_MBA_COST_LATENCY; /* ignored by the MILP: it always minimises the bits */
    cr_assert_eq(fai_mba_solve(&inst, &p, &mi, &err), FAI_OK, "%s", err.msg);
    const double ce = fai_mba_assignment_cost(&inst, FAI_MBA_COST_BITS, ex.model);
    const double cm = fai_mba_assignment_cost(&inst, FAI_MBA_COST_BITS, mi.model);
    cr_assert(ce == cm, "instance %d: MILP %.17g bits, exhaustive %.17g", s, cm, ce);
    cr_assert_eq(mi.ps_cost, ce, "instance %d: ps_cost %.17g", s, mi.ps_cost);
    cr_assert_eq(mi.outcome == FAI_OUTCOME_OPTIMAL || mi.outcome == FAI_OUTCOME_INFEASIBLE, 1);
    for (int k = 0; k < inst.K; k++)
      cr_assert(inst.lib.accuracy[mi.model[k]] >= inst.accuracy[k] &&
                inst.lib.model_task[mi.model[k]] == inst.task[k]);

    glp_prob *lp = glp_create_prob();
    cr_assert_eq(fai_mba_milp_build(&inst, lp, &err), FAI_OK, "%s", err.msg);
    const char *f = path[s % 2];
    cr_assert_eq(fai_milp_export(lp, f, &err), FAI_OK, "%s", err.msg);
    glp_delete_prob(lp);
    glp_prob *back = glp_create_prob();
    const int rc = s % 2 == 0 ? glp_read_lp(back, NULL, f) : glp_read_mps(back, GLP_MPS_FILE, NULL, f);
    cr_assert_eq(rc, 0, "instance %d: %s does not read back", s, f);
    fai_milp_result r;
    cr_assert_eq(fai_milp_solve(back, 0, &r, &err), FAI_OK, "%s", err.msg);
    cr_assert_eq(r.outcome, FAI_OUTCOME_OPTIMAL);
    cr_assert(fabs(r.objective - ce) <= 1e-9 * ce, "instance %d: %s optimum %.17g, exhaustive %.17g", s,
              f, r.objective, ce);
    glp_delete_prob(back);
    fai_mba_solution_free(&ex);
    fai_mba_solution_free(&mi);
    fai_mba_instance_free(&inst);
  }
  unlink(path[0]);
  unlink(path[1]);
}
