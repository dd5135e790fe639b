/* `fluidai offload leoedge`: LEOEdge layered offloading (PAPERS §11.1, §11.2,
 * §11.5; library: include/fluidai/leoedge.h).
 *   offload leoedge INSTANCE.json -o PLAN.json   solve one instance
 *   offload leoedge gen -o INSTANCE.json         write a random instance
 *   offload leoedge --simulate [INSTANCE.json]   discrete-event simulation */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "fluidai/json.h"
#include "fluidai/leoedge.h"

static const char *const HELP =
    "usage: fluidai offload leoedge INSTANCE.json [OPTIONS] [-o PLAN.json]\n"
    "       fluidai offload leoedge gen -o INSTANCE.json [GEN OPTIONS]\n"
    "       fluidai offload leoedge --simulate [INSTANCE.json] [SIM OPTIONS] [-o PLAN.json]\n\n"
    "Decides which satellite tasks go through the ground station's load-balancing\n"
    "scheduler to which server and container, maximising the offloading benefit\n"
    "F(alpha*dc + (1-alpha)*da) under a per-container load cap (LEOEdge, PAPERS.md\n"
    "§11).  The relaxed problem is solved by the layered primal-dual iteration\n"
    "(satellites<->LBS, LBS<->servers, servers<->containers) to a certified\n"
    "tolerance, checked against GLPK's LP optimum, then rounded to 0/1\n"
    "largest-fraction-first under the caps.\n\n"
    "Options:\n"
    "  --algo A               distributed (default), central (GLPK), threshold, workload\n"
    "  --benefit F            log (default: log(1 + x/1ms)), sqrt, linear-capped\n"
    "  --alpha A              weight of latency vs accuracy in [0,1] (instance's, 0.5;\n"
    "                         simulation: 1, latency only)\n"
    "  --load-cap P           container load cap in (0,1] (instance's, 0.5)\n"
    "  --tol T                relative certificate gap of the iteration (1e-7)\n"
    "  --max-iter N           iteration cap (200000)\n"
    "  --threshold-ms MS      threshold baseline: offload when local time > MS (20)\n"
    "  --no-reference         skip the central GLPK reference\n\n"
    "Gen options:\n"
    "  --satellites N (6)  --tasks-per-sat K (3)  --servers J (3)  --containers C (4)\n"
    "  --seed S (1)\n\n"
    "Simulation (§11.5: 10 satellites, 3 servers x 4 containers, 10 Mbps links):\n"
    "  --simulate             run the discrete-event simulation instead of solving\n"
    "  --load L               light (1 task / 7.5 s / satellite), normal (1 / 2 s, default),\n"
    "                         heavy (1 / s)\n"
    "  --duration S           simulated seconds (600)\n"
    "  --scheme S             leoedge, threshold, workload or all (default)\n"
    "  --epoch S              LEOEdge re-decision tick for tasks waiting in local queues\n"
    "                         (0.02); arrivals are decided at once\n"
    "  --price-gain G         gain of LEOEdge's cluster capacity price (3000; 0 = off)\n"
    "  --price-margin D       the price holds the mean load near cap - D (default: one\n"
    "                         mean task's ground work / window)\n"
    "  --window S             load-measurement window (5)\n"
    "  --replications R       independent replications (1); parallel over threads\n"
    "  --csv FILE             per-second utilisation of replication 0, one column per scheme\n"
    "  (--alpha, --benefit, --load-cap, --threshold-ms and --tol (1e-4) apply too)\n\n"
    "Exit status: 0 done; 3 bad input (JSON path named); 130 interrupted (the\n"
    "simulation writes the series so far).\n" CLI_COMMON_HELP;

enum {
  OPT_ALGO = 2000,
  OPT_BENEFIT,
  OPT_ALPHA,
  OPT_CAP,
  OPT_TOL,
  OPT_MAXIT,
  OPT_THR,
  OPT_NOREF,
  OPT_SATS,
  OPT_TPS,
  OPT_SRVS,
  OPT_CONTS,
  OPT_SIM,
  OPT_LOAD,
  OPT_DUR,
  OPT_SCHEME,
  OPT_EPOCH,
  OPT_WINDOW,
  OPT_REPS,
  OPT_CSV,
  OPT_PGAIN,
  OPT_PMARGIN
};

static int usage_hint(void) {
  fputs("Try 'fluidai offload leoedge --help'.\n", stderr);
  return FAI_EXIT_USAGE;
}

static int bad(const char *opt, const char *arg, const char *want) {
  fprintf(stderr, "fluidai offload leoedge: error: %s: \"%s\"; expected %s\n", opt, arg, want);
  return FAI_EXIT_INPUT;
}

static int parse_num(const char *opt, const char *arg, double lo, double hi, int lo_open,
                     double *out) {
  char *end = NULL;
  const double v = strtod(arg, &end);
  if (!arg[0] || *end || !isfinite(v) || (lo_open ? !(v > lo) : !(v >= lo)) || !(v <= hi)) {
    char want[96];
    snprintf(want, sizeof want, "a number in %c%g, %g]", lo_open ? '(' : '[', lo, hi);
    return bad(opt, arg, want);
  }
  *out = v;
  return 0;
}

static int cmd_gen(int argc, char **argv) {
  static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                            {"satellites", required_argument, 0, OPT_SATS},
                                            {"tasks-per-sat", required_argument, 0, OPT_TPS},
                                            {"servers", required_argument, 0, OPT_SRVS},
                                            {"containers", required_argument, 0, OPT_CONTS},
                                            {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  fai_leo_gen_params g;
  fai_leo_gen_params_init(&g);
  optind = 1;
  int opt;
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    switch (opt) {
      case 'h': fputs(HELP, stdout); return FAI_EXIT_OK;
      case '?': return usage_hint();
      case OPT_SATS:
        if (cli_parse_int("offload leoedge", "--satellites", optarg, 1, 10000, &g.satellites))
          return FAI_EXIT_INPUT;
        break;
      case OPT_TPS:
        if (cli_parse_int("offload leoedge", "--tasks-per-sat", optarg, 0, 10000, &g.tasks_per_sat))
          return FAI_EXIT_INPUT;
        break;
      case OPT_SRVS:
        if (cli_parse_int("offload leoedge", "--servers", optarg, 1, 1000, &g.servers))
          return FAI_EXIT_INPUT;
        break;
      case OPT_CONTS:
        if (cli_parse_int("offload leoedge", "--containers", optarg, 1, 1000, &g.containers))
          return FAI_EXIT_INPUT;
        break;
      default: {
        const int r = cli_common_option(&cc, opt, optarg);
        if (r < 0) return FAI_EXIT_INPUT;
        if (r > 0) return usage_hint();
      }
    }
  }
  if (cli_gen_args("offload leoedge gen", argc, argv, optind, &cc)) return FAI_EXIT_USAGE;
  if (cc.has_seed) g.seed = cc.seed;
  fai_error err;
  fai_error_clear(&err);
  fai_leo_instance in;
  fai_status st = fai_leo_generate(&g, &in, &err);
  if (st == FAI_OK) {
    json_t *doc = fai_leo_instance_to_json(&in);
    st = doc ? fai_json_write_file(doc, cc.out, &err)
             : fai_error_set(&err, FAI_ENOMEM, "out of memory");
    json_decref(doc);
  }
  fai_leo_instance_free(&in);
  if (st != FAI_OK) {
    cli_report("offload leoedge gen", &err);
    return cli_exit_code(st);
  }
  if (!cc.quiet)
    printf("%s: LEOEdge instance, %d satellites x %d tasks, %d servers x %d containers (seed %llu)\n",
           cc.out, g.satellites, g.tasks_per_sat, g.servers, g.containers,
           (unsigned long long)g.seed);
  return FAI_EXIT_OK;
}

/* Six decimals: the series are for plotting, and the plan stays readable. */
static json_t *r6(double v) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.6f", v);
  return json_real(strtod(buf, NULL));
}

static const char *const SCHEME_NAMES[FAI_LEO_S_COUNT] = {"leoedge", "threshold", "workload"};

static fai_status write_csv(const char *path, const fai_leo_sim_params *sp,
                            const fai_leo_sim_result *r, fai_error *err) {
  fai_outfile of;
  fai_status st = fai_outfile_open(&of, path, err);
  if (st != FAI_OK) return st;
  fprintf(of.fp, "second");
  for (int s = 0; s < FAI_LEO_S_COUNT; s++)
    if (sp->schemes & (1 << s)) fprintf(of.fp, ",util_%s", SCHEME_NAMES[s]);
  fputc('\n', of.fp);
  for (int t = 0; t < r->secs_done; t++) {
    fprintf(of.fp, "%d", t);
    for (int s = 0; s < FAI_LEO_S_COUNT; s++)
      if (sp->schemes & (1 << s)) fprintf(of.fp, ",%.6f", r->util_series[s][t]);
    fputc('\n', of.fp);
  }
  return fai_outfile_commit(&of, err);
}

static int cmd_simulate(cli_common *cc, fai_leo_sim_params *sp, const char *inst_path,
                        const char *csv) {
  fai_error err;
  fai_error_clear(&err);
  fai_leo_sim_result res;
  memset(&res, 0, sizeof res);
  fai_plan plan = {NULL, NULL};
  fai_backend be;
  cli_progress cp;
  int code = FAI_EXIT_OK;
  fai_status st;
  if (inst_path) {
    /* An instance supplies α and the load cap unless given on the command line. */
    fai_leo_instance in;
    fai_leo_instance_init(&in);
    st = fai_leo_instance_load_file(inst_path, &in, &err);
    if (st == FAI_OK) {
      if (isnan(sp->alpha)) sp->alpha = in.alpha;
      if (isnan(sp->load_cap)) sp->load_cap = in.load_cap;
    }
    fai_leo_instance_free(&in);
    if (st != FAI_OK) goto fail;
  }
  if (isnan(sp->alpha)) sp->alpha = 1.0; /* latency only: §11.5 compares execution times */
  if (isnan(sp->load_cap)) sp->load_cap = 0.5;
  if (cc->has_seed) sp->seed = cc->seed;
  sp->threads = cc->threads;
  if ((st = fai_backend_select(cc->backend, cc->threads, &be, &err)) != FAI_OK) goto fail;
  sp->backend = &be;
  fai_interrupt_install();
  cli_progress_init(&cp, cc->quiet ? PROGRESS_NONE : cc->progress, &sp->progress);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  st = fai_leo_simulate(sp, &res, &err);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  cli_progress_finish(&cp);
  if (st != FAI_OK) goto fail;
  if (fai_interrupted()) fai_interrupt_reset(); /* let the writers finish */
  if ((st = fai_plan_init(&plan, "offload.leoedge.simulate", sp->seed, &err)) != FAI_OK) goto fail;
  {
    json_t *schemes = json_array();
    for (int s = 0; s < FAI_LEO_S_COUNT; s++)
      if (sp->schemes & (1 << s)) json_array_append_new(schemes, json_string(SCHEME_NAMES[s]));
    fai_plan_set(&plan, "inputs",
                 json_pack("{s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:s, s:f, s:i, s:o}", "load",
                           fai_leo_load_name(sp->load), "duration_s", sp->duration_s, "epoch_s",
                           sp->epoch_s, "window_s", sp->window_s, "alpha", sp->alpha, "load_cap",
                           sp->load_cap, "threshold_ms", sp->threshold_ms, "benefit",
                           fai_leo_benefit_name(sp->benefit), "tol", sp->tol, "replications",
                           sp->replications, "schemes", schemes));
    json_t *inp = json_object_get(plan.doc, "inputs");
    if (inp) {
      json_object_set_new(inp, "price_gain", json_real(sp->price_gain));
      json_object_set_new(inp, "price_margin",
                          isnan(sp->price_margin) ? json_null() : json_real(sp->price_margin));
    }
    if (inst_path && (st = fai_plan_add_input_file(&plan, "instance", inst_path, &err)) != FAI_OK)
      goto fail;
    json_t *m = json_object(), *series = json_object();
    for (int s = 0; s < FAI_LEO_S_COUNT; s++) {
      if (!(sp->schemes & (1 << s))) continue;
      json_t *e = json_pack("{s:o, s:o, s:o, s:f, s:f}", "mean_exec_s", r6(res.mean_exec_s[s]),
                            "mean_utilisation", r6(res.mean_util[s]), "mean_accuracy",
                            r6(res.mean_acc[s]), "tasks", res.tasks[s], "offloaded",
                            res.offloaded[s]);
      if (s == FAI_LEO_S_LEOEDGE) {
        json_object_set_new(e, "epochs", json_integer(res.epochs));
        json_object_set_new(e, "iterations",
                            json_pack("{s:I, s:I, s:I}", "top", (json_int_t)res.st.iter_top,
                                      "middle", (json_int_t)res.st.iter_mid, "bottom",
                                      (json_int_t)res.st.iter_bot));
        json_object_set_new(e, "messages",
                            json_pack("{s:I, s:I, s:I}", "satellites_lbs",
                                      (json_int_t)res.st.msg_sat_lbs, "lbs_servers",
                                      (json_int_t)res.st.msg_lbs_srv, "servers_containers",
                                      (json_int_t)res.st.msg_srv_cont));
      }
      json_object_set_new(m, SCHEME_NAMES[s], e);
      json_t *ser = json_array();
      for (int t = 0; t < res.secs_done; t++) json_array_append_new(ser, r6(res.util_series[s][t]));
      json_object_set_new(series, SCHEME_NAMES[s], ser);
    }
    json_object_set_new(m, "seconds", json_integer(res.secs_done));
    fai_plan_set(&plan, "metrics", m);
    fai_plan_set(&plan, "utilisation_per_second", series);
    fai_plan_set_outcome(&plan, res.interrupted ? FAI_OUTCOME_INTERRUPTED : FAI_OUTCOME_COMPLETE);
    fai_plan_run_info(&plan, be.name, cc->threads);
    fai_plan_timing(&plan, "simulate", (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
  }
  if (cc->out && (st = fai_plan_write(&plan, cc->out, &err)) != FAI_OK) goto fail;
  if (csv && (st = write_csv(csv, sp, &res, &err)) != FAI_OK) goto fail;
  if (!strcmp(cc->format, "json")) {
    char *txt = fai_json_dumps(plan.doc);
    if (txt) fputs(txt, stdout);
    free(txt);
  } else if (!cc->quiet) {
    printf("LEOEdge simulation: %s load, %d of %d s, %d replication%s, seed %llu\n",
           fai_leo_load_name(sp->load), res.secs_done, res.n_secs, res.reps,
           res.reps == 1 ? "" : "s", (unsigned long long)sp->seed);
    printf("  %-10s %12s %12s %10s %8s %10s\n", "scheme", "mean_exec_s", "utilisation", "accuracy",
           "tasks", "offloaded");
    for (int s = 0; s < FAI_LEO_S_COUNT; s++)
      if (sp->schemes & (1 << s))
        printf("  %-10s %12.4f %12.4f %10.4f %8.0f %10.0f\n", SCHEME_NAMES[s], res.mean_exec_s[s],
               res.mean_util[s], res.mean_acc[s], res.tasks[s], res.offloaded[s]);
    if (sp->schemes & 1)
      printf("  leoedge: %lld epochs solved; messages satellites<->LBS %lld, LBS<->servers %lld, "
             "servers<->containers %lld\n",
             res.epochs, res.st.msg_sat_lbs, res.st.msg_lbs_srv, res.st.msg_srv_cont);
    if (cc->out) printf("  plan written to %s\n", cc->out);
  }
  if (res.interrupted) {
    fai_warn("interrupted after %d simulated seconds; the series so far is written", res.secs_done);
    code = FAI_EXIT_INTERRUPTED;
  }
  fai_plan_free(&plan);
  fai_leo_sim_result_free(&res);
  return code;
fail:
  cli_report("offload leoedge", &err);
  fai_plan_free(&plan);
  fai_leo_sim_result_free(&res);
  return cli_exit_code(st);
}

int cmd_offload_leoedge(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "gen")) return cmd_gen(argc - 1, argv + 1);
  static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                            {"algo", required_argument, 0, OPT_ALGO},
                                            {"benefit", required_argument, 0, OPT_BENEFIT},
                                            {"alpha", required_argument, 0, OPT_ALPHA},
                                            {"load-cap", required_argument, 0, OPT_CAP},
                                            {"tol", required_argument, 0, OPT_TOL},
                                            {"max-iter", required_argument, 0, OPT_MAXIT},
                                            {"threshold-ms", required_argument, 0, OPT_THR},
                                            {"no-reference", no_argument, 0, OPT_NOREF},
                                            {"simulate", no_argument, 0, OPT_SIM},
                                            {"load", required_argument, 0, OPT_LOAD},
                                            {"duration", required_argument, 0, OPT_DUR},
                                            {"scheme", required_argument, 0, OPT_SCHEME},
                                            {"epoch", required_argument, 0, OPT_EPOCH},
                                            {"window", required_argument, 0, OPT_WINDOW},
                                            {"replications", required_argument, 0, OPT_REPS},
                                            {"csv", required_argument, 0, OPT_CSV},
                                            {"price-gain", required_argument, 0, OPT_PGAIN},
                                            {"price-margin", required_argument, 0, OPT_PMARGIN},
                                            {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  fai_leo_params lp;
  fai_leo_params_init(&lp);
  fai_leo_sim_params sp;
  fai_leo_sim_params_init(&sp);
  sp.alpha = NAN;
  sp.load_cap = NAN;
  int simulate = 0, tol_set = 0, sim_only = 0;
  const char *csv = NULL;
  double v;
  optind = 1;
  int opt;
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    switch (opt) {
      case 'h': fputs(HELP, stdout); return FAI_EXIT_OK;
      case '?': return usage_hint();
      case OPT_ALGO:
        if (fai_leo_algo_parse(optarg, &lp.algo))
          return bad("--algo", optarg, "distributed, central, threshold or workload");
        break;
      case OPT_BENEFIT:
        if (fai_leo_benefit_parse(optarg, &lp.benefit))
          return bad("--benefit", optarg, "log, sqrt or linear-capped");
        sp.benefit = lp.benefit;
        break;
      case OPT_ALPHA:
        if (parse_num("--alpha", optarg, 0, 1, 0, &v)) return FAI_EXIT_INPUT;
        lp.alpha = sp.alpha = v;
        break;
      case OPT_CAP:
        if (parse_num("--load-cap", optarg, 0, 1, 1, &v)) return FAI_EXIT_INPUT;
        lp.load_cap = sp.load_cap = v;
        break;
      case OPT_TOL:
        if (parse_num("--tol", optarg, 0, 0.5, 1, &v)) return FAI_EXIT_INPUT;
        lp.tol = sp.tol = v;
        tol_set = 1;
        break;
      case OPT_MAXIT:
        if (cli_parse_int("offload leoedge", "--max-iter", optarg, 1, 2000000000, &lp.max_iter))
          return FAI_EXIT_INPUT;
        break;
      case OPT_THR:
        if (parse_num("--threshold-ms", optarg, 0, 1e9, 0, &v)) return FAI_EXIT_INPUT;
        lp.threshold_ms = sp.threshold_ms = v;
        break;
      case OPT_NOREF: lp.reference = 0; break;
      case OPT_SIM: simulate = 1; break;
      case OPT_LOAD:
        if (fai_leo_load_parse(optarg, &sp.load)) return bad("--load", optarg, "light, normal or heavy");
        sim_only = 1;
        break;
      case OPT_DUR:
        if (parse_num("--duration", optarg, 0, 1e7, 1, &sp.duration_s)) return FAI_EXIT_INPUT;
        sim_only = 1;
        break;
      case OPT_SCHEME:
        if (!strcmp(optarg, "all")) sp.schemes = 7;
        else if (!strcmp(optarg, "leoedge")) sp.schemes = 1 << FAI_LEO_S_LEOEDGE;
        else if (!strcmp(optarg, "threshold")) sp.schemes = 1 << FAI_LEO_S_THRESHOLD;
        else if (!strcmp(optarg, "workload")) sp.schemes = 1 << FAI_LEO_S_WORKLOAD;
        else return bad("--scheme", optarg, "leoedge, threshold, workload or all");
        sim_only = 1;
        break;
      case OPT_EPOCH:
        if (parse_num("--epoch", optarg, 0, 3600, 1, &sp.epoch_s)) return FAI_EXIT_INPUT;
        sim_only = 1;
        break;
      case OPT_WINDOW:
        if (parse_num("--window", optarg, 0, 3600, 1, &sp.window_s)) return FAI_EXIT_INPUT;
        sim_only = 1;
        break;
      case OPT_REPS:
        if (cli_parse_int("offload leoedge", "--replications", optarg, 1, 100000, &sp.replications))
          return FAI_EXIT_INPUT;
        sim_only = 1;
        break;
      case OPT_CSV: csv = optarg; sim_only = 1; break;
      case OPT_PGAIN:
        if (parse_num("--price-gain", optarg, 0, 1e9, 0, &sp.price_gain)) return FAI_EXIT_INPUT;
        sim_only = 1;
        break;
      case OPT_PMARGIN:
        if (parse_num("--price-margin", optarg, 0, 1, 0, &sp.price_margin)) return FAI_EXIT_INPUT;
        sim_only = 1;
        break;
      default: {
        const int r = cli_common_option(&cc, opt, optarg);
        if (r < 0) return FAI_EXIT_INPUT;
        if (r > 0) return usage_hint();
      }
    }
  }
  if (sim_only && !simulate) {
    fputs("fluidai offload leoedge: error: --load, --duration, --scheme, --epoch, --window, "
          "--replications, --price-gain, --price-margin and --csv need --simulate\n", stderr);
    return usage_hint();
  }
  if (simulate) {
    if (argc - optind > 1) {
      fprintf(stderr, "fluidai offload leoedge: error: --simulate takes at most one instance, got %d\n",
              argc - optind);
      return usage_hint();
    }
    if (!tol_set) sp.tol = 1e-4;
    return cmd_simulate(&cc, &sp, argc - optind == 1 ? argv[optind] : NULL, csv);
  }
  if (argc - optind != 1) {
    fprintf(stderr, "fluidai offload leoedge: error: expected one instance file, got %d\n",
            argc - optind);
    return usage_hint();
  }
  const char *path = argv[optind];
  fai_error err;
  fai_error_clear(&err);
  fai_leo_instance in;
  fai_leo_instance_init(&in);
  fai_leo_solution sol;
  memset(&sol, 0, sizeof sol);
  fai_plan plan = {NULL, NULL};
  int code = FAI_EXIT_OK;
  fai_status st = fai_leo_instance_load_file(path, &in, &err);
  if (st != FAI_OK) goto fail;
  fai_interrupt_install();
  if ((st = fai_leo_solve(&in, &lp, &sol, &err)) != FAI_OK) goto fail;
  if (fai_interrupted()) fai_interrupt_reset();
  if ((st = fai_leo_plan(&in, &lp, &sol, &plan, &err)) != FAI_OK) goto fail;
  if ((st = fai_plan_add_input_file(&plan, "instance", path, &err)) != FAI_OK) goto fail;
  fai_plan_run_info(&plan, "cpu", cc.threads);
  if (cc.out && (st = fai_plan_write(&plan, cc.out, &err)) != FAI_OK) goto fail;
  if (!strcmp(cc.format, "json")) {
    char *txt = fai_json_dumps(plan.doc);
    if (txt) fputs(txt, stdout);
    free(txt);
  } else if (!cc.quiet) {
    int off = 0, viol = 0;
    const double P = isnan(lp.load_cap) ? in.load_cap : lp.load_cap;
    for (int k = 0; k < in.n_tasks; k++) off += sol.cont[k] >= 0;
    for (int o = 0; o < in.n_cont; o++) viol += sol.load[o] > fmax(P, in.base_load[o]) + 1e-12;
    printf("%s: %s, %d tasks -> %d offloaded; benefit %.6g", path, fai_leo_algo_name(lp.algo),
           in.n_tasks, off, sol.rounded);
    if (lp.algo == FAI_LEO_DISTRIBUTED)
      printf(" (relaxed %.6g, reference %.6g, gap %.2e); iterations top/middle/bottom "
             "%lld/%lld/%lld; messages sat-lbs %lld, lbs-srv %lld, srv-cont %lld\n",
             sol.relaxed, sol.reference, sol.ref_gap, sol.st.iter_top, sol.st.iter_mid,
             sol.st.iter_bot, sol.st.msg_sat_lbs, sol.st.msg_lbs_srv, sol.st.msg_srv_cont);
    else if (lp.algo == FAI_LEO_CENTRAL)
      printf(" (relaxed LP optimum %.6g)\n", sol.relaxed);
    else
      printf(" (relaxed optimum %.6g); %d container%s over the load cap\n", sol.reference, viol,
             viol == 1 ? "" : "s");
  }
  if (sol.outcome == FAI_OUTCOME_INTERRUPTED) code = FAI_EXIT_INTERRUPTED;
  fai_plan_free(&plan);
  fai_leo_solution_free(&sol);
  fai_leo_instance_free(&in);
  return code;
fail:
  cli_report("offload leoedge", &err);
  fai_plan_free(&plan);
  fai_leo_solution_free(&sol);
  fai_leo_instance_free(&in);
  return cli_exit_code(st);
}
