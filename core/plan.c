/* Plan documents (deterministic JSON + .run.json) and GLPK glue. */
#include <glpk.h>
#include <math.h>
#include <nlopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fluidai/common.h"
#include "fluidai/json.h"
#include "fluidai/log.h"
#include "fluidai/plan.h"

fai_status fai_plan_init(fai_plan *p, const char *solver, uint64_t seed, fai_error *err) {
  int a, b, c;
  nlopt_version(&a, &b, &c);
  char nlo[32];
  snprintf(nlo, sizeof nlo, "%d.%d.%d", a, b, c);
  p->doc = json_pack("{s:s, s:i, s:s, s:s, s:I, s:{s:s, s:s, s:s}, s:s}", "format",
                     "fluidai-plan", "version", 1, "solver", solver, "fluidai_version",
                     FAI_VERSION_STRING, "seed", (json_int_t)seed, "libraries", "jansson",
                     JANSSON_VERSION, "glpk", glp_version(), "nlopt", nlo, "outcome",
                     fai_outcome_name(FAI_OUTCOME_NOT_RUN));
  p->run = json_pack("{s:s, s:s, s:{}}", "format", "fluidai-run", "solver", solver, "timings_s");
  if (!p->doc || !p->run) {
    fai_plan_free(p);
    return fai_error_set(err, FAI_ENOMEM, "out of memory creating a plan");
  }
  return FAI_OK;
}

void fai_plan_free(fai_plan *p) {
  if (!p) return;
  json_decref(p->doc);
  json_decref(p->run);
  p->doc = p->run = NULL;
}

void fai_plan_set(fai_plan *p, const char *key, json_t *value) {
  json_object_set_new(p->doc, key, value ? value : json_null());
}

fai_status fai_plan_add_input_file(fai_plan *p, const char *role, const char *path,
                                   fai_error *err) {
  char sha[65];
  fai_status st = fai_sha256_file_hex(path, sha, err);
  if (st != FAI_OK) return st;
  json_t *inputs = json_object_get(p->doc, "inputs");
  if (!inputs) {
    inputs = json_object();
    json_object_set_new(p->doc, "inputs", inputs);
  }
  json_t *files = json_object_get(inputs, "files");
  if (!files) {
    files = json_object();
    json_object_set_new(inputs, "files", files);
  }
  json_object_set_new(files, role, json_pack("{s:s, s:s}", "path", path, "sha256", sha));
  return FAI_OK;
}

void fai_plan_set_outcome(fai_plan *p, fai_outcome o) {
  json_object_set_new(p->doc, "outcome", json_string(fai_outcome_name(o)));
}

void fai_plan_set_objective(fai_plan *p, const char *name, const char *sense, double value,
                            double bound) {
  json_t *o = json_pack("{s:s, s:s, s:f}", "name", name, "sense", sense, "value", value);
  if (!isfinite(value)) json_object_set_new(o, "value", json_null());
  if (isfinite(bound)) {
    json_object_set_new(o, "bound", json_real(bound));
    const double gap = fabs(bound - value) / fmax(1e-9, fabs(value));
    json_object_set_new(o, "gap", json_real(gap));
  }
  json_object_set_new(p->doc, "objective", o);
}

void fai_plan_run_info(fai_plan *p, const char *backend, int threads) {
  json_object_set_new(p->run, "backend", json_string(backend));
  json_object_set_new(p->run, "threads", json_integer(threads));
}

void fai_plan_timing(fai_plan *p, const char *stage, double seconds) {
  json_object_set_new(json_object_get(p->run, "timings_s"), stage, json_real(seconds));
}

fai_status fai_plan_write(const fai_plan *p, const char *path, fai_error *err) {
  fai_status st = fai_json_write_file(p->doc, path, err);
  if (st != FAI_OK) return st;
  char run[FAI_ERROR_FILE_MAX + 16];
  size_t n = strlen(path);
  if (n > 5 && !strcmp(path + n - 5, ".json"))
    snprintf(run, sizeof run, "%.*s.run.json", (int)(n - 5), path);
  else
    snprintf(run, sizeof run, "%s.run.json", path);
  return fai_json_write_file(p->run, run, err);
}

/* --- GLPK ------------------------------------------------------------------ */

static int glpk_hook(void *info, const char *s) {
  (void)info;
  char line[512];
  snprintf(line, sizeof line, "%s", s);
  size_t n = strlen(line);
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
  if (n) fai_log(FAI_LOG_DEBUG, "glpk: %s", line);
  return 1; /* suppress GLPK's own printing */
}

void fai_glpk_route_output(void) { glp_term_hook(glpk_hook, NULL); }

typedef struct cb_state {
  double best_bound;   /* bound of the best active node, NaN until known */
  int interrupted;
} cb_state;

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void ios_callback(glp_tree *tree, void *info) {
  cb_state *cb = info;
  const int node = glp_ios_best_node(tree);
  if (node) cb->best_bound = glp_ios_node_bound(tree, node);
  if (fai_interrupted()) {
    cb->interrupted = 1;
    glp_ios_terminate(tree);
  }
}

static fai_status check_bounds(glp_prob *lp, fai_error *err) {
  for (int j = 1; j <= glp_get_num_cols(lp); j++) {
    const int t = glp_get_col_type(lp, j);
    const double lb = glp_get_col_lb(lp, j), ub = glp_get_col_ub(lp, j);
    if ((t == GLP_DB && !(lb <= ub)) || !isfinite(lb) || !isfinite(ub))
      return fai_error_set(err, FAI_EINVAL, "MILP column %d (%s) has bounds [%g, %g]", j,
                           glp_get_col_name(lp, j) ? glp_get_col_name(lp, j) : "?", lb, ub);
    if (!isfinite(glp_get_obj_coef(lp, j)))
      return fai_error_set(err, FAI_EINVAL, "MILP column %d has a non-finite objective", j);
  }
  for (int i = 1; i <= glp_get_num_rows(lp); i++) {
    const int t = glp_get_row_type(lp, i);
    if (t == GLP_DB && !(glp_get_row_lb(lp, i) <= glp_get_row_ub(lp, i)))
      return fai_error_set(err, FAI_EINVAL, "MILP row %d has bounds [%g, %g]", i,
                           glp_get_row_lb(lp, i), glp_get_row_ub(lp, i));
  }
  return FAI_OK;
}

fai_status fai_milp_solve(glp_prob *lp, double time_limit_s, fai_milp_result *res,
                          fai_error *err) {
  fai_glpk_route_output();
  memset(res, 0, sizeof *res);
  res->objective = res->bound = NAN;
  res->outcome = FAI_OUTCOME_NOT_RUN;
  fai_status st = check_bounds(lp, err);
  if (st != FAI_OK) return st;
  const double t0 = mono_s();
  /* Relaxation first (its value is a valid bound if branching stops early). */
  glp_smcp sp;
  glp_init_smcp(&sp);
  sp.msg_lev = GLP_MSG_ERR;
  if (time_limit_s > 0) sp.tm_lim = (int)fmin(time_limit_s * 1000.0, 2e9);
  const int src = glp_simplex(lp, &sp);
  if (src == GLP_ETMLIM) {
    res->seconds = mono_s() - t0;
    res->outcome = FAI_OUTCOME_TIME_LIMIT;
    return FAI_OK;
  }
  if (src != 0 && src != GLP_ENOPFS && src != GLP_ENODFS)
    return fai_error_set(err, FAI_EINTERNAL, "GLPK glp_simplex failed with code %d", src);
  if (src != 0 || glp_get_status(lp) == GLP_NOFEAS) {
    res->seconds = mono_s() - t0;
    res->outcome = FAI_OUTCOME_INFEASIBLE;
    return FAI_OK;
  }
  const double relax = glp_get_obj_val(lp);
  glp_iocp parm;
  glp_init_iocp(&parm);
  parm.presolve = GLP_OFF;
  parm.msg_lev = GLP_MSG_ERR;
  if (time_limit_s > 0)
    parm.tm_lim = (int)fmax(1.0, fmin((time_limit_s - (mono_s() - t0)) * 1000.0, 2e9));
  cb_state cb = {NAN, 0};
  parm.cb_func = ios_callback;
  parm.cb_info = &cb;
  const int rc = glp_intopt(lp, &parm);
  res->seconds = mono_s() - t0;
  const int status = glp_mip_status(lp);
  const int have = status == GLP_OPT || status == GLP_FEAS;
  if (have) res->objective = glp_mip_obj_val(lp);
  if (rc == GLP_ENOPFS || rc == GLP_ENODFS || status == GLP_NOFEAS) {
    res->outcome = FAI_OUTCOME_INFEASIBLE;
    return FAI_OK;
  }
  if (status == GLP_OPT && rc == 0) {
    res->outcome = FAI_OUTCOME_OPTIMAL;
    res->bound = res->objective;
    res->gap = 0;
    return FAI_OK;
  }
  if (rc == GLP_ETMLIM || rc == GLP_ESTOP) {
    /* Best open node's bound, else the root relaxation's. */
    res->bound = isfinite(cb.best_bound) ? cb.best_bound : relax;
    res->outcome = cb.interrupted ? FAI_OUTCOME_INTERRUPTED
                                  : (have ? FAI_OUTCOME_FEASIBLE : FAI_OUTCOME_TIME_LIMIT);
    if (have) res->gap = fabs(res->bound - res->objective) / fmax(1e-9, fabs(res->objective));
    return FAI_OK;
  }
  if (rc != 0)
    return fai_error_set(err, FAI_EINTERNAL, "GLPK glp_intopt failed with code %d", rc);
  res->outcome = have ? FAI_OUTCOME_FEASIBLE : FAI_OUTCOME_NOT_RUN;
  return FAI_OK;
}

fai_status fai_milp_export(glp_prob *lp, const char *path, fai_error *err) {
  fai_glpk_route_output();
  size_t n = strlen(path);
  int lpfmt;
  if (n > 3 && !strcmp(path + n - 3, ".lp"))
    lpfmt = 1;
  else if (n > 4 && !strcmp(path + n - 4, ".mps"))
    lpfmt = 0;
  else
    return fai_error_set_at(err, FAI_EUSAGE, path, 0, 0, NULL,
                            "MILP export needs a .lp (CPLEX LP) or .mps (MPS) file name");
  fai_status st = check_bounds(lp, err);
  if (st != FAI_OK) return st;
  char tmp[FAI_ERROR_FILE_MAX + 16];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  const int rc = lpfmt ? glp_write_lp(lp, NULL, tmp) : glp_write_mps(lp, GLP_MPS_FILE, NULL, tmp);
  if (rc != 0 || rename(tmp, path) != 0) {
    remove(tmp);
    return fai_error_set_at(err, FAI_EIO, path, 0, 0, NULL, "cannot write the MILP");
  }
  return FAI_OK;
}
