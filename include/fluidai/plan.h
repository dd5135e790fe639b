/* Plan documents and exact-solver glue shared by every solver (public).
 *
 * A plan is the JSON a solver writes with -o: format "fluidai-plan", the
 * solver, the resolved inputs (seed, parameters, input-file hashes), the
 * decisions, objective, bound/gap when known, metric summaries and the
 * outcome.  It is deterministic (same inputs and seed → same bytes, for any
 * thread count and backend); facts that differ between equivalent runs
 * (backend, threads, timings) go to a sibling file NAME.run.json.
 *
 * GLPK glue: terminal output routed through fai_log, validation before any
 * GLPK call (GLPK aborts the process on misuse), time limit and Ctrl-C,
 * bound and gap reporting, and CPLEX LP / MPS export. */
#ifndef FLUIDAI_PLAN_H
#define FLUIDAI_PLAN_H

#include <glpk.h>
#include <jansson.h>
#include <stdint.h>

#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fai_plan {
  json_t *doc;  /* deterministic document */
  json_t *run;  /* backend, threads, timings */
} fai_plan;

/* New plan for `solver` (e.g. "place.spacexnet"). */
fai_status fai_plan_init(fai_plan *p, const char *solver, uint64_t seed, fai_error *err);
void fai_plan_free(fai_plan *p);
/* Set a top-level member (value reference is stolen), e.g. "inputs",
 * "decisions", "metrics", "baselines". */
void fai_plan_set(fai_plan *p, const char *key, json_t *value);
/* Record an input file's role, path and SHA-256 under inputs.files. */
fai_status fai_plan_add_input_file(fai_plan *p, const char *role, const char *path,
                                   fai_error *err);
void fai_plan_set_outcome(fai_plan *p, fai_outcome o);
/* Objective with its sense; bound = NaN when unknown (gap then omitted). */
void fai_plan_set_objective(fai_plan *p, const char *name, const char *sense, double value,
                            double bound);
void fai_plan_run_info(fai_plan *p, const char *backend, int threads);
void fai_plan_timing(fai_plan *p, const char *stage, double seconds);
/* Write path (atomically) and path's ".run.json" sibling. */
fai_status fai_plan_write(const fai_plan *p, const char *path, fai_error *err);

/* --- GLPK ------------------------------------------------------------------ */

typedef struct fai_milp_result {
  fai_outcome outcome;   /* OPTIMAL, FEASIBLE (time limit hit with an incumbent),
                            TIME_LIMIT (none), INFEASIBLE, INTERRUPTED */
  double objective;      /* incumbent objective (NaN when none) */
  double bound;          /* best bound (NaN when unknown) */
  double gap;            /* |bound − objective| / max(1e-9, |objective|); 0 when optimal */
  double seconds;
} fai_milp_result;

/* Route GLPK's terminal output to fai_log (debug level); idempotent. */
void fai_glpk_route_output(void);
/* Solve a MILP (LP relaxation by simplex, then branch-and-cut) with an
 * optional time limit (s, <= 0 none) and Ctrl-C handling.  Checks the
 * problem's bounds for consistency first. */
fai_status fai_milp_solve(glp_prob *lp, double time_limit_s, fai_milp_result *res,
                          fai_error *err);
/* Write the model: ".lp" → CPLEX LP, ".mps" → free MPS; other extensions
 * are a usage error.  Atomic. */
fai_status fai_milp_export(glp_prob *lp, const char *path, fai_error *err);

#ifdef __cplusplus
}
#endif
#endif
