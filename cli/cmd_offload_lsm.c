/* `fluidai offload lsm`: large–small model collaboration on a Walker
 * timeline — offloading ratio by bisection and congestion-aware routing,
 * against the baselines of PAPERS.md §7 (library: include/fluidai/lsm.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fluidai/json.h"
#include "fluidai/lsm.h"
#include "fluidai/plan.h"

static const char *const HELP =
    "usage: fluidai offload lsm [OPTIONS]\n\n"
    "Large–small model collaboration (PAPERS.md §7): remote-sensing (RS) satellites\n"
    "process the share 1-λ of their data with a small model and send λ over ISLs to a\n"
    "computing satellite's large model; T = max(T_loc, T_off) with ISLs shared by the\n"
    "active flows and processors shared by their offloaders.  Per snapshot (quasi-\n"
    "static): the ratio by bisection, routes by the chosen router; baselines λ≡0\n"
    "(local), λ≡1 (offload), λ≡½ (even) and shortest-path routing + bisection.\n"
    "Prints the mean delay per scheme and the joint scheme's reduction (best and mean\n"
    "over snapshots; the paper reports up to 31.85 %).  -o FILE writes the plan.\n\n"
    "Constellation and time (default: Walker-delta 24 x 22, 550 km, 53°, 12 h, 60 s):\n"
    "  --scenario FILE        a fluidai scenario (its constellation, ISL rules, time grid)\n"
    "  --preset NAME          a constellation preset (`fluidai orbitgen --list-presets`)\n"
    "  --planes P / --sats-per-plane S / --phasing F   shell (24 / 22 / 1)\n"
    "  --altitude-km H / --inclination-deg I           (550 / 53)\n"
    "  --star                 Walker star instead of delta\n"
    "  --hours H / --step S   horizon (12 h) and snapshot spacing (60 s); override a scenario\n"
    "Satellites and workload:\n"
    "  --instance FILE        RS and computing satellites (fluidai-lsm-instance JSON)\n"
    "  --rs-share X / --compute-share X   drawn by --seed otherwise (0.10 / 0.05)\n"
    "  --data-mb D            data per RS satellite and period, Mbit (500)\n"
    "  --rs-ops F / --compute-ops F       processing rates, ops/s (1e10 / 2e14)\n"
    "  --kappa-s K / --kappa-l K          small / large model workload, ops/bit (10 / 200)\n"
    "  --isl-rate-gbps R      ISL capacity (10; a scenario's own rate when --scenario)\n"
    "  --link-efficiency E    usable share of the ISL rate, loss factor in (0, 1] (1)\n"
    "  --result-ratio X       result bits returned per offloaded bit (0: no return leg)\n"
    "Solver:\n"
    "  --router congestion|shortest|policy   (congestion)\n"
    "  --policy FILE          routing policy (fluidai-lsm-policy JSON); implies --router policy\n"
    "  --objective mean|max   per-snapshot objective over RS satellites (mean)\n"
    "  --tol X / --max-steps N   bisection tolerance on λ and halvings (1e-9 / 60)\n"
    "  --sweeps N / --rel-change X   Gauss–Seidel sweeps at most, stop below (50 / 0.001)\n"
    "  --decisions all|summary|auto  per-(snapshot, RS) decisions in the plan (auto:\n"
    "                         all when snapshots x RS <= 2000)\n"
    "  --chunk N              snapshots per backend batch (32)\n\n" CLI_COMMON_HELP
    "\nExit codes: 0 ok, 2 usage, 3 invalid input, 4 no backend, 5 runtime,\n"
    "130 interrupted (plan of the snapshots done written).\n";

enum {
  OPT_SCEN = 2000, OPT_PRESET, OPT_PLANES, OPT_SPP, OPT_PHASING, OPT_ALT, OPT_INC, OPT_STAR,
  OPT_HOURS, OPT_STEP, OPT_INSTANCE, OPT_RSSHARE, OPT_CSSHARE, OPT_DATA, OPT_RSOPS, OPT_CSOPS,
  OPT_KS, OPT_KL, OPT_ISLRATE, OPT_EFF, OPT_RESULT, OPT_ROUTER, OPT_POLICY, OPT_OBJ, OPT_TOL,
  OPT_STEPS, OPT_SWEEPS, OPT_REL, OPT_DECISIONS, OPT_CHUNK
};

static const char *const CMD = "offload lsm";

/* Any finite number; range checks that are input errors happen in the
 * library (exit 3 with the option named). */
static int num(const char *opt, const char *arg, double *out) {
  return cli_parse_double(CMD, opt, arg, out);
}

static int integer(const char *opt, const char *arg, long lo, long hi, long *out) {
  double v;
  if (num(opt, arg, &v)) return -1;
  if (v != floor(v) || v < lo || v > hi) {
    fprintf(stderr, "fluidai %s: error: %s: %s; expected an integer in [%ld, %ld]\n", CMD, opt,
            arg, lo, hi);
    return -1;
  }
  *out = (long)v;
  return 0;
}

int cmd_offload_lsm(int argc, char **argv) {
  static const struct option longopts[] = {
      CLI_COMMON_LONGOPTS,
      {"scenario", required_argument, 0, OPT_SCEN},
      {"preset", required_argument, 0, OPT_PRESET},
      {"planes", required_argument, 0, OPT_PLANES},
      {"sats-per-plane", required_argument, 0, OPT_SPP},
      {"phasing", required_argument, 0, OPT_PHASING},
      {"altitude-km", required_argument, 0, OPT_ALT},
      {"inclination-deg", required_argument, 0, OPT_INC},
      {"star", no_argument, 0, OPT_STAR},
      {"hours", required_argument, 0, OPT_HOURS},
      {"step", required_argument, 0, OPT_STEP},
      {"instance", required_argument, 0, OPT_INSTANCE},
      {"rs-share", required_argument, 0, OPT_RSSHARE},
      {"compute-share", required_argument, 0, OPT_CSSHARE},
      {"data-mb", required_argument, 0, OPT_DATA},
      {"rs-ops", required_argument, 0, OPT_RSOPS},
      {"compute-ops", required_argument, 0, OPT_CSOPS},
      {"kappa-s", required_argument, 0, OPT_KS},
      {"kappa-l", required_argument, 0, OPT_KL},
      {"isl-rate-gbps", required_argument, 0, OPT_ISLRATE},
      {"link-efficiency", required_argument, 0, OPT_EFF},
      {"result-ratio", required_argument, 0, OPT_RESULT},
      {"router", required_argument, 0, OPT_ROUTER},
      {"policy", required_argument, 0, OPT_POLICY},
      {"objective", required_argument, 0, OPT_OBJ},
      {"tol", required_argument, 0, OPT_TOL},
      {"max-steps", required_argument, 0, OPT_STEPS},
      {"sweeps", required_argument, 0, OPT_SWEEPS},
      {"rel-change", required_argument, 0, OPT_REL},
      {"decisions", required_argument, 0, OPT_DECISIONS},
      {"chunk", required_argument, 0, OPT_CHUNK},
      {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  fai_lsm_params p;
  fai_lsm_params_init(&p);
  const char *scen_path = NULL, *preset = NULL;
  fai_shell sh;
  memset(&sh, 0, sizeof sh);
  snprintf(sh.name, sizeof sh.name, "shell1");
  sh.planes = 24;
  sh.sats_per_plane = 22;
  sh.phasing = 1;
  sh.altitude_m = 550e3;
  sh.inclination_rad = 53 * FAI_DEG;
  sh.pattern = FAI_WALKER_DELTA;
  double hours = -1, step = -1, v;
  int hours_set = 0, step_set = 0; /* -1 is a value a user can type, not "unset" */
  long n;
  int shell_opts = 0, router_set = 0;
  optind = 1;
  int opt;
#define NUM(name, dst, scale)                                                          \
  do {                                                                                 \
    if (num(name, optarg, &v)) return FAI_EXIT_INPUT;                                  \
    if (!isfinite(v * (scale))) {                                                      \
      fprintf(stderr, "fluidai %s: error: %s: %s is too large\n", CMD, name, optarg); \
      return FAI_EXIT_INPUT;                                                           \
    }                                                                                  \
    dst = v * (scale);                                                                 \
  } while (0)
#define INT(name, lo, hi, dst)                                     \
  do {                                                             \
    if (integer(name, optarg, lo, hi, &n)) return FAI_EXIT_INPUT; \
    dst = (int)n;                                                  \
  } while (0)
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    switch (opt) {
      case 'h': fputs(HELP, stdout); return FAI_EXIT_OK;
      case OPT_SCEN: scen_path = optarg; break;
      case OPT_PRESET: preset = optarg; break;
      case OPT_PLANES: INT("--planes", 1, 1000, sh.planes); shell_opts = 1; break;
      case OPT_SPP: INT("--sats-per-plane", 1, 1000, sh.sats_per_plane); shell_opts = 1; break;
      case OPT_PHASING: INT("--phasing", 0, 999, sh.phasing); shell_opts = 1; break;
      case OPT_ALT: NUM("--altitude-km", sh.altitude_m, 1e3); shell_opts = 1; break;
      case OPT_INC: NUM("--inclination-deg", sh.inclination_rad, FAI_DEG); shell_opts = 1; break;
      case OPT_STAR: sh.pattern = FAI_WALKER_STAR; shell_opts = 1; break;
      case OPT_HOURS: NUM("--hours", hours, 1); hours_set = 1; break;
      case OPT_STEP: NUM("--step", step, 1); step_set = 1; break;
      case OPT_INSTANCE: p.instance_file = optarg; break;
      case OPT_RSSHARE: NUM("--rs-share", p.rs_share, 1); break;
      case OPT_CSSHARE: NUM("--compute-share", p.cs_share, 1); break;
      case OPT_DATA: NUM("--data-mb", p.data_bits, 1e6); break;
      case OPT_RSOPS: NUM("--rs-ops", p.rs_ops, 1); break;
      case OPT_CSOPS: NUM("--compute-ops", p.cs_ops, 1); break;
      case OPT_KS: NUM("--kappa-s", p.model.kappa_s, 1); break;
      case OPT_KL: NUM("--kappa-l", p.model.kappa_l, 1); break;
      case OPT_ISLRATE:
        NUM("--isl-rate-gbps", p.isl_rate_bps, 1e9);
        if (!(p.isl_rate_bps > 0)) {
          fprintf(stderr, "fluidai %s: error: --isl-rate-gbps: %s; expected a positive rate\n",
                  CMD, optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      case OPT_EFF: NUM("--link-efficiency", p.link_efficiency, 1); break;
      case OPT_RESULT: NUM("--result-ratio", p.model.result_ratio, 1); break;
      case OPT_ROUTER:
        router_set = 1;
        if (!strcmp(optarg, "congestion"))
          p.router = FAI_LSM_ROUTER_CONGESTION;
        else if (!strcmp(optarg, "shortest"))
          p.router = FAI_LSM_ROUTER_SHORTEST;
        else if (!strcmp(optarg, "policy"))
          p.router = FAI_LSM_ROUTER_POLICY;
        else {
          fprintf(stderr,
                  "fluidai %s: error: --router: \"%s\"; expected congestion, shortest or policy\n",
                  CMD, optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      case OPT_POLICY:
        p.policy_file = optarg;
        if (!router_set) p.router = FAI_LSM_ROUTER_POLICY;
        break;
      case OPT_OBJ:
        if (!strcmp(optarg, "mean"))
          p.model.objective = FAI_LSM_OBJ_MEAN;
        else if (!strcmp(optarg, "max"))
          p.model.objective = FAI_LSM_OBJ_MAX;
        else {
          fprintf(stderr, "fluidai %s: error: --objective: \"%s\"; expected mean or max\n", CMD,
                  optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      case OPT_TOL: NUM("--tol", p.model.tol, 1); break;
      case OPT_STEPS: INT("--max-steps", 1, 1000, p.model.max_steps); break;
      case OPT_SWEEPS: INT("--sweeps", 0, 100000, p.model.max_sweeps); break;
      case OPT_REL: NUM("--rel-change", p.model.rel_change, 1); break;
      case OPT_DECISIONS:
        if (!strcmp(optarg, "all"))
          p.decisions = 1;
        else if (!strcmp(optarg, "summary"))
          p.decisions = 0;
        else if (!strcmp(optarg, "auto"))
          p.decisions = -1;
        else {
          fprintf(stderr, "fluidai %s: error: --decisions: \"%s\"; expected all, summary or auto\n",
                  CMD, optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      case OPT_CHUNK: INT("--chunk", 1, 100000, p.snap_chunk); break;
      case '?': fputs("Try 'fluidai offload lsm --help'.\n", stderr); return FAI_EXIT_USAGE;
      default: {
        int r = cli_common_option(&cc, opt, optarg);
        if (r < 0) return FAI_EXIT_INPUT;
        if (r > 0) return FAI_EXIT_USAGE;
      }
    }
  }
#undef NUM
#undef INT
  if (optind < argc) {
    fprintf(stderr, "fluidai %s: error: unexpected argument \"%s\"\n", CMD, argv[optind]);
    return FAI_EXIT_USAGE;
  }
  if ((scen_path != NULL) + (preset != NULL) + shell_opts > 1) {
    fprintf(stderr, "fluidai %s: error: give at most one of --scenario, --preset and the shell "
                    "options\n", CMD);
    return FAI_EXIT_USAGE;
  }
  if (p.router == FAI_LSM_ROUTER_POLICY && !p.policy_file) {
    fprintf(stderr, "fluidai %s: error: --router policy needs --policy FILE\n", CMD);
    return FAI_EXIT_USAGE;
  }
  if (hours_set && !(hours > 0 && hours <= 24 * 366)) {
    fprintf(stderr, "fluidai %s: error: --hours: %g; expected a positive number of hours (at "
                    "most 8784)\n", CMD, hours);
    return FAI_EXIT_INPUT;
  }
  if (step_set && !(step > 0)) {
    fprintf(stderr, "fluidai %s: error: --step: %g; expected a positive number of seconds\n", CMD,
            step);
    return FAI_EXIT_INPUT;
  }
  if (step_set && (hours_set || !scen_path) && (hours_set ? hours : 12) * 3600 / step > 1e7) {
    fprintf(stderr, "fluidai %s: error: --step: %g s over %g h gives %.3g snapshots; at most 1e7\n",
            CMD, step, hours_set ? hours : 12, (hours_set ? hours : 12) * 3600 / step);
    return FAI_EXIT_INPUT;
  }
  p.threads = cc.threads;
  p.time_limit_s = cc.time_limit_s;

  fai_error err;
  fai_error_clear(&err);
  fai_backend be;
  fai_plan plan = {NULL, NULL};
  fai_lsm_result res;
  cli_progress cp;
  fai_progress prog = {NULL, NULL};
  fai_scenario sc;
  fai_scenario_init(&sc);
  fai_constellation cons;
  int code = FAI_EXIT_OK;
  fai_status st = fai_backend_select(cc.backend, cc.threads, &be, &err);
  if (st != FAI_OK) goto fail;
  if (scen_path) {
    if ((st = fai_scenario_load_file(scen_path, &sc, NULL, &err)) != FAI_OK) goto fail;
    if (hours > 0) sc.duration_s = hours * 3600;
    if (step > 0) sc.step_s = step;
    if (cc.has_seed) sc.seed = cc.seed;
    p.seed = sc.seed;
  } else {
    if (preset) {
      if ((st = fai_preset_find(preset, &cons, &err)) != FAI_OK) goto fail;
    } else {
      memset(&cons, 0, sizeof cons);
      snprintf(cons.name, sizeof cons.name, "custom");
      cons.n_shells = 1;
      cons.shells[0] = sh;
    }
    if (cc.has_seed) p.seed = cc.seed;
    if ((st = fai_lsm_walker_scenario(&sc, &cons, (hours > 0 ? hours : 12) * 3600,
                                      step > 0 ? step : 60, p.seed, &err)) != FAI_OK)
      goto fail;
  }
  if ((st = fai_scenario_check(&sc, &err)) != FAI_OK) goto fail;
  if (cc.out) { /* a bad -o fails now, not after the solve */
    fai_outfile of;
    if ((st = fai_outfile_open(&of, cc.out, &err)) != FAI_OK) goto fail;
    fai_outfile_abort(&of);
  }
  if ((st = fai_plan_init(&plan, "offload.lsm", p.seed, &err)) != FAI_OK) goto fail;
  fai_interrupt_install();
  cli_progress_init(&cp, cc.quiet ? PROGRESS_NONE : cc.progress, &prog);
  st = fai_lsm_solve(&sc, &p, &be, &prog, &plan, &res, &err);
  cli_progress_finish(&cp);
  if (st == FAI_EINTR && res.outcome == FAI_OUTCOME_INTERRUPTED) {
    fai_warn("%s; writing the snapshots done", err.msg);
    fai_interrupt_reset();
    code = FAI_EXIT_INTERRUPTED;
    st = FAI_OK;
  }
  if (st != FAI_OK) goto fail;
  if (scen_path && (st = fai_plan_add_input_file(&plan, "scenario", scen_path, &err)) != FAI_OK)
    goto fail;
  fai_plan_run_info(&plan, be.name, cc.threads);
  if (cc.out && (st = fai_plan_write(&plan, cc.out, &err)) != FAI_OK) goto fail;

  if (!strcmp(cc.format, "json")) {
    char *txt = fai_json_dumps(json_object_get(plan.doc, "metrics"));
    if (txt) fputs(txt, stdout);
    free(txt);
    txt = fai_json_dumps(json_object_get(plan.doc, "baselines"));
    if (txt) fputs(txt, stdout);
    free(txt);
  } else if (!strcmp(cc.format, "csv")) {
    printf("scheme,mean_delay_s,best_reduction,mean_reduction\n");
    for (int s = 0; s < FAI_LSM_SCHEMES; s++)
      printf("%s,%.9g,%.6f,%.6f\n", fai_lsm_scheme_name(s), res.mean_s[s],
             s ? res.best_reduction[s] : 0.0, s ? res.mean_reduction[s] : 0.0);
  } else {
    static const char *const routers[] = {"congestion", "shortest", "policy"};
    printf("Large-small model collaboration: %d satellites, %d RS, %d computing, %d of %d "
           "snapshots, router %s, objective %s\n",
           res.n_sats, res.n_rs, res.n_cs, res.snaps_done, res.n_snaps, routers[p.router],
           p.model.objective == FAI_LSM_OBJ_MAX ? "max" : "mean");
    printf("  %-10s %12s %14s %14s\n", "scheme", "delay s", "best reduction", "mean reduction");
    for (int s = 0; s < FAI_LSM_SCHEMES; s++) {
      if (s == 0)
        printf("  %-10s %12.6f\n", fai_lsm_scheme_name(s), res.mean_s[s]);
      else
        printf("  %-10s %12.6f %13.2f%% %13.2f%%\n", fai_lsm_scheme_name(s), res.mean_s[s],
               100 * res.best_reduction[s], 100 * res.mean_reduction[s]);
    }
    printf("  mean ratio %.4f; ", res.mean_lambda);
    if (p.router == FAI_LSM_ROUTER_CONGESTION)
      printf("sweeps %.2f per snapshot (max %d), %lld route changes; ", res.mean_sweeps,
             res.max_sweeps_used, res.moves);
    if (p.router == FAI_LSM_ROUTER_POLICY)
      printf("policy routes %lld, shortest fallbacks %lld; ", res.policy_routes,
             res.policy_fallbacks);
    printf("unrouted %lld; paper: up to 31.85%%\n", res.unrouted);
    printf("  outcome %s%s%s\n", fai_outcome_name(res.outcome), cc.out ? ", plan " : "",
           cc.out ? cc.out : "");
  }
  fai_plan_free(&plan);
  fai_scenario_free(&sc);
  return code;

fail:
  cli_report(CMD, &err);
  fai_plan_free(&plan);
  fai_scenario_free(&sc);
  return cli_exit_code(st);
}
