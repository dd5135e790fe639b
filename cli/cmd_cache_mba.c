/* `fluidai cache mba`: MBA multicast model downloading (PAPERS §5).
 *   cache mba INSTANCE.json   parameter selection + power control → plan
 *   cache mba gen -o FILE     write a synthetic MBA instance */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fluidai/json.h"
#include "fluidai/mba.h"

static const char *const MBA_HELP =
    "usage: fluidai cache mba INSTANCE.json [OPTIONS]\n"
    "       fluidai cache mba gen -o INSTANCE.json [GEN OPTIONS]\n\n"
    "Chooses a model for every device (accuracy >= its requirement) so that shared\n"
    "parameter blocks are broadcast once, then the transmit power of each block to\n"
    "minimise the total download latency within the energy budget and power cap\n"
    "(MBA, PAPERS.md §5).  Writes a plan (-o PLAN.json) with the schedule (block,\n"
    "receivers, power, duration) and prints a summary.\n\n"
    "Options:\n"
    "  --ps P                 tree (exact branch-and-bound, default), greedy,\n"
    "                         unicast (baseline: each device its smallest model, sent\n"
    "                         to it alone), no-ps (baseline: broadcast, each device\n"
    "                         its most accurate model), exhaustive (small instances)\n"
    "  --pc closed|nlopt      power control: Lambert-W closed form (default) or NLopt\n"
    "  --cost latency|bits    parameter-selection cost: optimal latency (default) or\n"
    "                         the bits broadcast (pure reuse)\n"
    "  --export-milp FILE     also write the MILP of parameter selection for the bits\n"
    "                         cost (.lp CPLEX LP, .mps MPS): one candidate per device,\n"
    "                         y_j >= x_{k,i} for the blocks j of model i, min sum D_j y_j\n"
    "                         (the latency with power control is nonlinear)\n\n"
    "Gen options:\n"
    "  --devices K            devices (10)\n"
    "  --distance MIN,MAX     device distances in metres, uniform (50,300)\n"
    "  --energy J             energy budget in joules (10)\n"
    "  --max-power W          power cap in watts (none)\n"
    "  --bandwidth HZ         (20e6)\n"
    "  --backbones B / --finetuned F / --layers L   nested library shape (3, 5, 8)\n"
    "  --seed N               (1)\n\n"
    "Exit status: 0 solved; 1 the energy budget is below what the broadcast set needs\n"
    "even at vanishing rate (the plan is written with outcome \"infeasible\"); 3 bad\n"
    "input, including a device no model of its task satisfies.\n" CLI_COMMON_HELP;

enum {
  OPT_PS = 2000,
  OPT_PC,
  OPT_COST,
  OPT_DEVICES,
  OPT_DIST,
  OPT_ENERGY,
  OPT_MAXP,
  OPT_BW,
  OPT_BACKBONES,
  OPT_FINETUNED,
  OPT_LAYERS,
  OPT_EXPORT
};

static int common_or_usage(int opt, cli_common *cc) {
  const int r = cli_common_option(cc, opt, optarg);
  if (r < 0) return FAI_EXIT_INPUT;
  if (r > 0) {
    fputs("Try 'fluidai cache mba --help'.\n", stderr);
    return FAI_EXIT_USAGE;
  }
  return -1;
}

static int positive(const char *opt, const char *arg, double *out) {
  if (cli_parse_double("cache mba", opt, arg, out)) return -1;
  if (!(*out > 0) || !isfinite(*out)) {
    fprintf(stderr, "fluidai cache mba: error: %s: %s; expected a positive number\n", opt, arg);
    return -1;
  }
  return 0;
}

static int cmd_mba_gen(int argc, char **argv) {
  static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                            {"devices", required_argument, 0, OPT_DEVICES},
                                            {"distance", required_argument, 0, OPT_DIST},
                                            {"energy", required_argument, 0, OPT_ENERGY},
                                            {"max-power", required_argument, 0, OPT_MAXP},
                                            {"bandwidth", required_argument, 0, OPT_BW},
                                            {"backbones", required_argument, 0, OPT_BACKBONES},
                                            {"finetuned", required_argument, 0, OPT_FINETUNED},
                                            {"layers", required_argument, 0, OPT_LAYERS},
                                            {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  fai_mba_gen_params gp;
  fai_mba_gen_params_init(&gp);
  optind = 1;
  int opt;
  double v;
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    switch (opt) {
      case 'h': fputs(MBA_HELP, stdout); return FAI_EXIT_OK;
      case '?': fputs("Try 'fluidai cache mba --help'.\n", stderr); return FAI_EXIT_USAGE;
      case OPT_DEVICES:
      case OPT_BACKBONES:
      case OPT_FINETUNED:
      case OPT_LAYERS: {
        char *end = NULL;
        const long n = strtol(optarg, &end, 10);
        const long hi = opt == OPT_DEVICES ? 100000 : opt == OPT_BACKBONES ? FAI_LIBGEN_MAX_BACKBONES : 1000;
        if (!optarg[0] || *end || n < 1 || n > hi) {
          fprintf(stderr, "fluidai cache mba: error: %s: \"%s\"; expected an integer in [1, %ld]\n",
                  opt == OPT_DEVICES ? "--devices" : opt == OPT_BACKBONES ? "--backbones"
                  : opt == OPT_FINETUNED ? "--finetuned" : "--layers", optarg, hi);
          return FAI_EXIT_INPUT;
        }
        if (opt == OPT_DEVICES) gp.devices = (int)n;
        else if (opt == OPT_BACKBONES) gp.lib.backbones = (int)n;
        else if (opt == OPT_FINETUNED) gp.lib.finetuned = (int)n;
        else gp.lib.layers = (int)n;
        break;
      }
      case OPT_DIST: {
        char buf[128];
        snprintf(buf, sizeof buf, "%s", optarg);
        char *comma = strchr(buf, ',');
        if (comma) *comma = '\0';
        if (positive("--distance", buf, &gp.dmin_m)) return FAI_EXIT_INPUT;
        gp.dmax_m = gp.dmin_m;
        if (comma && positive("--distance", comma + 1, &gp.dmax_m)) return FAI_EXIT_INPUT;
        break;
      }
      case OPT_ENERGY:
        if (positive("--energy", optarg, &gp.energy_j)) return FAI_EXIT_INPUT;
        break;
      case OPT_MAXP:
        if (positive("--max-power", optarg, &gp.max_power_w)) return FAI_EXIT_INPUT;
        break;
      case OPT_BW:
        if (positive("--bandwidth", optarg, &v)) return FAI_EXIT_INPUT;
        gp.bandwidth_hz = v;
        break;
      default: {
        const int code = common_or_usage(opt, &cc);
        if (code >= 0) return code;
      }
    }
  }
  if (cli_gen_args("cache mba gen", argc, argv, optind, &cc)) return FAI_EXIT_USAGE;
  if (cc.has_seed) gp.seed = cc.seed;
  fai_error err;
  fai_error_clear(&err);
  json_t *doc = NULL;
  fai_status st = fai_mba_generate(&gp, &doc, &err);
  if (st == FAI_OK) st = fai_json_write_file(doc, cc.out, &err);
  json_decref(doc);
  if (st != FAI_OK) {
    cli_report("cache mba gen", &err);
    return cli_exit_code(st);
  }
  if (!cc.quiet) printf("%s: MBA instance with %d devices (seed %llu)\n", cc.out, gp.devices,
                        (unsigned long long)gp.seed);
  return FAI_EXIT_OK;
}

static void print_summary(const fai_mba_instance *inst, const fai_mba_params *p,
                          const fai_mba_solution *s, const char *path, const char *out) {
  printf("%s: %d devices, %d blocks, %d models; ps %s, pc %s\n", path, inst->K, inst->lib.n_blocks,
         inst->lib.n_models, fai_mba_ps_name(p->ps), p->pc == FAI_MBA_PC_CLOSED ? "closed" : "nlopt");
  double bits = 0;
  for (int i = 0; i < s->n_tx; i++) bits += s->tx[i].bits;
  if (s->pc.feasible)
    printf("latency %.6g s, energy %.6g J, %d transmissions, %.6g Mbit sent (%s)\n",
           s->pc.latency_s, s->pc.energy_j, s->n_tx, bits / 1e6, fai_outcome_name(s->outcome));
  else
    printf("infeasible: the energy budget %.6g J is below the %.6g J the %d transmissions need "
           "at vanishing rate\n", inst->energy_j, s->pc.min_energy_j, s->n_tx);
  if (out) printf("plan written to %s\n", out);
}

int cmd_cache_mba(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "gen")) return cmd_mba_gen(argc - 1, argv + 1);
  static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                            {"ps", required_argument, 0, OPT_PS},
                                            {"pc", required_argument, 0, OPT_PC},
                                            {"cost", required_argument, 0, OPT_COST},
                                            {"export-milp", required_argument, 0, OPT_EXPORT},
                                            {0, 0, 0, 0}};
  const char *export_path = NULL;
  cli_common cc;
  cli_common_init(&cc);
  fai_mba_params mp;
  fai_mba_params_init(&mp);
  optind = 1;
  int opt;
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    switch (opt) {
      case 'h': fputs(MBA_HELP, stdout); return FAI_EXIT_OK;
      case '?': fputs("Try 'fluidai cache mba --help'.\n", stderr); return FAI_EXIT_USAGE;
      case OPT_PS:
        if (fai_mba_ps_parse(optarg, &mp.ps)) {
          fprintf(stderr, "fluidai cache mba: error: --ps: \"%s\"; expected tree, greedy, unicast, "
                          "no-ps, exhaustive or milp\n", optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      case OPT_PC:
        if (!strcmp(optarg, "closed")) mp.pc = FAI_MBA_PC_CLOSED;
        else if (!strcmp(optarg, "nlopt")) mp.pc = FAI_MBA_PC_NLOPT;
        else {
          fprintf(stderr, "fluidai cache mba: error: --pc: \"%s\"; expected closed or nlopt\n", optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      case OPT_EXPORT: export_path = optarg; break;
      case OPT_COST:
        if (!strcmp(optarg, "latency")) mp.cost = FAI_MBA_COST_LATENCY;
        else if (!strcmp(optarg, "bits")) mp.cost = FAI_MBA_COST_BITS;
        else {
          fprintf(stderr, "fluidai cache mba: error: --cost: \"%s\"; expected latency or bits\n", optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      default: {
        const int code = common_or_usage(opt, &cc);
        if (code >= 0) return code;
      }
    }
  }
  if (argc - optind != 1) {
    fprintf(stderr, "fluidai cache mba: error: expected one instance file, got %d\n"
                    "Try 'fluidai cache mba --help'.\n", argc - optind);
    return FAI_EXIT_USAGE;
  }
  const char *path = argv[optind];
  if (cli_check_milp_path("cache mba", export_path)) return FAI_EXIT_USAGE;
  mp.threads = cc.threads;
  mp.time_limit_s = cc.time_limit_s;
  fai_error err;
  fai_error_clear(&err);
  fai_mba_instance inst;
  fai_mba_instance_init(&inst);
  fai_mba_solution sol;
  memset(&sol, 0, sizeof sol);
  fai_plan plan = {NULL, NULL};
  int code = FAI_EXIT_OK;
  fai_status st = fai_mba_instance_load_file(path, &inst, &err);
  if (st != FAI_OK) goto fail;
  if (export_path) {
    glp_prob *lp = glp_create_prob();
    st = fai_mba_milp_build(&inst, lp, &err);
    if (st == FAI_OK) st = fai_milp_export(lp, export_path, &err);
    glp_delete_prob(lp);
    if (st != FAI_OK) goto fail;
  }
  fai_glpk_route_output();
  if ((st = fai_mba_solve(&inst, &mp, &sol, &err)) != FAI_OK) goto fail;
  if ((st = fai_mba_plan(&inst, &mp, &sol, &plan, &err)) != FAI_OK) goto fail;
  if ((st = fai_plan_add_input_file(&plan, "instance", path, &err)) != FAI_OK) goto fail;
  fai_plan_run_info(&plan, "cpu", cc.threads);
  if (cc.out && (st = fai_plan_write(&plan, cc.out, &err)) != FAI_OK) goto fail;
  if (!strcmp(cc.format, "json")) {
    char *txt = fai_json_dumps(plan.doc);
    if (txt) fputs(txt, stdout);
    free(txt);
  } else if (!cc.quiet) {
    print_summary(&inst, &mp, &sol, path, cc.out);
  }
  if (!sol.pc.feasible) {
    fprintf(stderr, "fluidai cache mba: infeasible: energy budget %.6g J <= %.6g J, the least "
                    "energy the broadcast set needs\n", inst.energy_j, sol.pc.min_energy_j);
    code = FAI_EXIT_INFEASIBLE;
  }
  fai_plan_free(&plan);
  fai_mba_solution_free(&sol);
  fai_mba_instance_free(&inst);
  return code;
fail:
  cli_report("cache mba", &err);
  fai_plan_free(&plan);
  fai_mba_solution_free(&sol);
  fai_mba_instance_free(&inst);
  return cli_exit_code(st);
}
