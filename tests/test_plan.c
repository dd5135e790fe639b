/* Plan documents and the GLPK glue: MILP optimum against brute force,
 * infeasibility, export round trips, validation before GLPK sees a model. */
#include <criterion/criterion.h>
#include <glpk.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fluidai/json.h"
#include "fluidai/plan.h"

/* A 0/1 knapsack: max v·x s.t. w·x <= cap. */
static glp_prob *knapsack(int n, const double *v, const double *w, double cap) {
  glp_prob *lp = glp_create_prob();
  glp_set_obj_dir(lp, GLP_MAX);
  glp_add_rows(lp, 1);
  glp_set_row_bnds(lp, 1, GLP_UP, 0, cap);
  glp_add_cols(lp, n);
  int ind[64];
  double val[64];
  for (int j = 1; j <= n; j++) {
    glp_set_col_kind(lp, j, GLP_BV);
    glp_set_obj_coef(lp, j, v[j - 1]);
    ind[j] = j;
    val[j] = w[j - 1];
  }
  glp_set_mat_row(lp, 1, n, ind, val);
  return lp;
}

static unsigned lcg(unsigned *s) {
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}

Test(milp, knapsack_optimum_equals_brute_force) {
  unsigned seed = 12345;
  for (int trial = 0; trial < 200; trial++) {
    const int n = 2 + (int)(lcg(&seed) % 11);
    double v[16], w[16], total = 0;
    for (int j = 0; j < n; j++) {
      v[j] = 1 + (int)(lcg(&seed) % 100);
      w[j] = 1 + (int)(lcg(&seed) % 50);
      total += w[j];
    }
    const double cap = floor(total * (0.2 + 0.6 * (lcg(&seed) % 1000) / 1000.0));
    double best = 0;
    for (unsigned mask = 0; mask < (1u << n); mask++) {
      double vv = 0, ww = 0;
      for (int j = 0; j < n; j++)
        if (mask >> j & 1) {
          vv += v[j];
          ww += w[j];
        }
      if (ww <= cap && vv > best) best = vv;
    }
    glp_prob *lp = knapsack(n, v, w, cap);
    fai_milp_result r;
    fai_error err;
    cr_assert_eq(fai_milp_solve(lp, 0, &r, &err), FAI_OK, "%s", err.msg);
    cr_assert_eq(r.outcome, FAI_OUTCOME_OPTIMAL);
    cr_assert(fabs(r.objective - best) < 1e-9, "trial %d: MILP %g, brute force %g", trial,
              r.objective, best);
    cr_assert_eq(r.gap, 0);
    glp_delete_prob(lp);
  }
}

Test(milp, infeasible_model_is_reported_not_failed) {
  double v[2] = {1, 1}, w[2] = {1, 1};
  glp_prob *lp = knapsack(2, v, w, 1);
  glp_set_row_bnds(lp, 1, GLP_FX, 3, 3); /* w·x = 3 is impossible with two unit items */
  fai_milp_result r;
  fai_error err;
  cr_assert_eq(fai_milp_solve(lp, 0, &r, &err), FAI_OK, "%s", err.msg);
  cr_expect_eq(r.outcome, FAI_OUTCOME_INFEASIBLE);
  glp_delete_prob(lp);
}

Test(milp, inconsistent_bounds_are_rejected_before_glpk) {
  double v[1] = {1}, w[1] = {1};
  glp_prob *lp = knapsack(1, v, w, 1);
  glp_set_col_kind(lp, 1, GLP_CV);
  glp_set_col_bnds(lp, 1, GLP_DB, 0, 1);
  glp_set_col_bnds(lp, 1, GLP_FR, 0, 0);
  glp_set_obj_coef(lp, 1, NAN);
  fai_milp_result r;
  fai_error err;
  cr_expect_eq(fai_milp_solve(lp, 0, &r, &err), FAI_EINVAL);
  cr_expect(strstr(err.msg, "non-finite") != NULL, "%s", err.msg);
  glp_delete_prob(lp);
}

Test(milp, lp_and_mps_exports_read_back_to_the_same_optimum) {
  double v[5] = {10, 13, 7, 8, 9}, w[5] = {5, 7, 3, 4, 6};
  glp_prob *lp = knapsack(5, v, w, 12);
  fai_milp_result r0, r1;
  fai_error err;
  cr_assert_eq(fai_milp_solve(lp, 0, &r0, &err), FAI_OK);
  const char *names[2] = {"/tmp/fai-test-model.lp", "/tmp/fai-test-model.mps"};
  for (int k = 0; k < 2; k++) {
    cr_assert_eq(fai_milp_export(lp, names[k], &err), FAI_OK, "%s", err.msg);
    glp_prob *back = glp_create_prob();
    const int rc = k == 0 ? glp_read_lp(back, NULL, names[k])
                          : glp_read_mps(back, GLP_MPS_FILE, NULL, names[k]);
    cr_assert_eq(rc, 0);
    /* MPS has no objective sense: the model was a maximisation. */
    if (k == 1) glp_set_obj_dir(back, GLP_MAX);
    cr_assert_eq(fai_milp_solve(back, 0, &r1, &err), FAI_OK);
    cr_expect(fabs(r1.objective - r0.objective) < 1e-9, "%s: %g vs %g", names[k], r1.objective,
              r0.objective);
    glp_delete_prob(back);
    unlink(names[k]);
  }
  cr_expect_eq(fai_milp_export(lp, "/tmp/fai-test-model.txt", &err), FAI_EUSAGE);
  glp_delete_prob(lp);
}

Test(plan, written_plan_is_deterministic_and_run_facts_are_apart) {
  fai_plan p;
  fai_error err;
  cr_assert_eq(fai_plan_init(&p, "test.solver", 42, &err), FAI_OK);
  fai_plan_set(&p, "decisions", json_pack("{s:[i,i,i]}", "x", 1, 0, 1));
  fai_plan_set_objective(&p, "value", "max", 9.5, 10.0);
  fai_plan_set_outcome(&p, FAI_OUTCOME_FEASIBLE);
  fai_plan_run_info(&p, "cpu", 2);
  fai_plan_timing(&p, "solve", 0.125);
  cr_assert_eq(fai_plan_write(&p, "/tmp/fai-test-plan.json", &err), FAI_OK, "%s", err.msg);
  fai_json_doc *doc = NULL;
  cr_assert_eq(fai_json_load_file("/tmp/fai-test-plan.json", &doc, &err), FAI_OK);
  json_t *root = fai_json_doc_root(doc);
  cr_expect_str_eq(json_string_value(json_object_get(root, "format")), "fluidai-plan");
  cr_expect_str_eq(json_string_value(json_object_get(root, "outcome")), "feasible");
  json_t *obj = json_object_get(root, "objective");
  cr_expect(fabs(json_number_value(json_object_get(obj, "gap")) - 0.5 / 9.5) < 1e-15);
  cr_expect_null(json_object_get(root, "timings_s"), "timings must not be in the plan");
  fai_json_doc_free(doc);
  cr_assert_eq(fai_json_load_file("/tmp/fai-test-plan.run.json", &doc, &err), FAI_OK);
  cr_expect_str_eq(json_string_value(json_object_get(fai_json_doc_root(doc), "backend")), "cpu");
  fai_json_doc_free(doc);
  fai_plan_free(&p);
  unlink("/tmp/fai-test-plan.json");
  unlink("/tmp/fai-test-plan.run.json");
}
