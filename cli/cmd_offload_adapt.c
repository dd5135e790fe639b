/* `fluidai offload adapt`: LEOEdge adaptive modelling (PAPERS §11.4).
 *   offload adapt KB.json SPACE.json --device NAME [--latency LO,HI] [--algo dp|evolution] */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fluidai/adapt.h"
#include "fluidai/json.h"

static const char *const ADAPT_HELP =
    "usage: fluidai offload adapt KB.json SPACE.json --device NAME [OPTIONS]\n\n"
    "Chooses the most accurate model of a search space whose predicted latency on a\n"
    "device lies in [LO, HI] ms (LEOEdge adaptive modelling, PAPERS.md §11.4).  The\n"
    "device knowledge base KB.json (format fluidai-device-kb) holds measured\n"
    "per-operator latencies; the space SPACE.json (fluidai-model-space) has block\n"
    "slots with `oneof` choices, `repeat` depth ranges and accuracy contributions.\n"
    "Predicted latency = transfer-in + fixed operators + Σ depth × choice operators\n"
    "(+ queueing and host→device copy on a gpu engine).  Writes a plan (-o) and\n"
    "prints the chosen and the unadapted model's latency and accuracy.\n\n"
    "Options:\n"
    "  --device NAME          device of the knowledge base (required)\n"
    "  --latency LO,HI        latency interval in ms (15,20)\n"
    "  --algo dp|evolution    exact multiple-choice knapsack DP (default) or the\n"
    "                         evolutionary search (never better than dp)\n"
    "  --grid MS              DP latency tick in ms (0.001); latencies off the grid are\n"
    "                         rounded up and the lower bound is tightened, so no model\n"
    "                         outside [LO, HI] is ever chosen\n"
    "  --population N / --generations N   evolution sizes (32, 200); --seed N (1)\n\n"
    "Exit status: 0 a model was chosen; 1 no model of the space lies in the interval\n"
    "(plan written with outcome \"infeasible\"); 3 bad input (unknown device or\n"
    "operator, lo > hi, negative latency).\n" CLI_COMMON_HELP;

enum { OPT_DEVICE = 2000, OPT_LATENCY, OPT_ALGO, OPT_GRID, OPT_POP, OPT_GEN };

static int parse_interval(const char *arg, double *lo, double *hi) {
  char buf[128];
  snprintf(buf, sizeof buf, "%s", arg);
  char *comma = strchr(buf, ',');
  if (!comma) {
    fprintf(stderr, "fluidai offload adapt: error: --latency: \"%s\"; expected LO,HI in ms\n", arg);
    return -1;
  }
  *comma = '\0';
  if (cli_parse_double("offload adapt", "--latency", buf, lo) ||
      cli_parse_double("offload adapt", "--latency", comma + 1, hi))
    return -1;
  if (*lo < 0 || *lo > *hi) {
    fprintf(stderr, "fluidai offload adapt: error: --latency: [%g, %g]; expected 0 <= LO <= HI\n",
            *lo, *hi);
    return -1;
  }
  return 0;
}

int cmd_offload_adapt(int argc, char **argv) {
  static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                            {"device", required_argument, 0, OPT_DEVICE},
                                            {"latency", required_argument, 0, OPT_LATENCY},
                                            {"algo", required_argument, 0, OPT_ALGO},
                                            {"grid", required_argument, 0, OPT_GRID},
                                            {"population", required_argument, 0, OPT_POP},
                                            {"generations", required_argument, 0, OPT_GEN},
                                            {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  fai_adapt_params ap;
  fai_adapt_params_init(&ap);
  const char *device = NULL;
  optind = 1;
  int opt;
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    switch (opt) {
      case 'h': fputs(ADAPT_HELP, stdout); return FAI_EXIT_OK;
      case '?': fputs("Try 'fluidai offload adapt --help'.\n", stderr); return FAI_EXIT_USAGE;
      case OPT_DEVICE: device = optarg; break;
      case OPT_LATENCY:
        if (parse_interval(optarg, &ap.lo_ms, &ap.hi_ms)) return FAI_EXIT_INPUT;
        break;
      case OPT_ALGO:
        if (!strcmp(optarg, "dp")) ap.algo = FAI_ADAPT_DP;
        else if (!strcmp(optarg, "evolution")) ap.algo = FAI_ADAPT_EVOLUTION;
        else {
          fprintf(stderr, "fluidai offload adapt: error: --algo: \"%s\"; expected dp or evolution\n",
                  optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      case OPT_GRID:
        if (cli_parse_double("offload adapt", "--grid", optarg, &ap.grid_ms)) return FAI_EXIT_INPUT;
        if (!(ap.grid_ms > 0)) {
          fprintf(stderr, "fluidai offload adapt: error: --grid: %s; expected a positive number of "
                          "ms\n", optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      case OPT_POP:
        if (cli_parse_int("offload adapt", "--population", optarg, 2, 100000, &ap.evo.population))
          return FAI_EXIT_INPUT;
        break;
      case OPT_GEN:
        if (cli_parse_int("offload adapt", "--generations", optarg, 0, 10000000,
                          &ap.evo.generations))
          return FAI_EXIT_INPUT;
        break;
      default: {
        const int r = cli_common_option(&cc, opt, optarg);
        if (r < 0) return FAI_EXIT_INPUT;
        if (r > 0) {
          fputs("Try 'fluidai offload adapt --help'.\n", stderr);
          return FAI_EXIT_USAGE;
        }
      }
    }
  }
  if (!strcmp(cc.format, "csv")) {
    fputs("fluidai offload adapt: error: --format: \"csv\"; expected table or json (this command "
          "has no CSV output)\n", stderr);
    return FAI_EXIT_INPUT;
  }
  if (argc - optind != 2) {
    fprintf(stderr, "fluidai offload adapt: error: expected KB.json and SPACE.json, got %d "
                    "argument(s)\nTry 'fluidai offload adapt --help'.\n", argc - optind);
    return FAI_EXIT_USAGE;
  }
  if (!device) {
    fputs("fluidai offload adapt: error: --device NAME is required\n"
          "Try 'fluidai offload adapt --help'.\n", stderr);
    return FAI_EXIT_USAGE;
  }
  if (cc.has_seed) ap.evo.seed = cc.seed;
  const char *kb_path = argv[optind], *space_path = argv[optind + 1];
  fai_error err;
  fai_error_clear(&err);
  fai_device_kb kb;
  fai_device_kb_init(&kb);
  fai_model_space sp;
  fai_model_space_init(&sp);
  fai_adapt_problem pb;
  memset(&pb, 0, sizeof pb);
  fai_plan plan = {NULL, NULL};
  int *pick = NULL;
  int code = FAI_EXIT_OK;
  fai_mckp_result res;
  fai_status st = fai_device_kb_load_file(kb_path, &kb, &err);
  if (st != FAI_OK) goto fail;
  if ((st = fai_model_space_load_file(space_path, &kb, &sp, &err)) != FAI_OK) goto fail;
  const int d = fai_device_kb_find(&kb, device, &err);
  if (d < 0) {
    st = err.code;
    goto fail;
  }
  if ((st = fai_adapt_problem_build(&kb, &sp, d, &pb, &err)) != FAI_OK) goto fail;
  pick = calloc((size_t)pb.n_groups + 1, sizeof *pick);
  if (!pick) {
    st = fai_error_set(&err, FAI_ENOMEM, "out of memory");
    goto fail;
  }
  if ((st = fai_adapt_solve(&pb, &ap, pick, &res, &err)) != FAI_OK) goto fail;
  if ((st = fai_adapt_plan(&kb, &sp, &pb, &ap, pick, &res, &plan, &err)) != FAI_OK) goto fail;
  if ((st = fai_plan_add_input_file(&plan, "kb", kb_path, &err)) != FAI_OK) goto fail;
  if ((st = fai_plan_add_input_file(&plan, "space", space_path, &err)) != FAI_OK) goto fail;
  fai_plan_run_info(&plan, "cpu", 1);
  if (cc.out && (st = fai_plan_write(&plan, cc.out, &err)) != FAI_OK) goto fail;
  double lat0, acc0;
  fai_adapt_eval(&pb, pb.def_pick, &lat0, &acc0);
  if (!strcmp(cc.format, "json")) {
    char *txt = fai_json_dumps(plan.doc);
    if (txt) fputs(txt, stdout);
    free(txt);
  } else if (!cc.quiet) {
    double nm = 1, lg = 0;
    for (int g = 0; g < pb.n_groups; g++) {
      nm *= pb.off[g + 1] - pb.off[g];
      lg += log10((double)(pb.off[g + 1] - pb.off[g]));
    }
    char nms[64];
    if (isfinite(nm)) snprintf(nms, sizeof nms, "%.6g", nm);
    else snprintf(nms, sizeof nms, "10^%.1f", lg);
    printf("%s on %s (%s): %d blocks, %s models; interval [%g, %g] ms; %s\n", sp.name,
           kb.dev[d].name, kb.dev[d].engine == FAI_ENGINE_GPU ? "gpu" : "cpu", pb.n_groups, nms,
           ap.lo_ms, ap.hi_ms, ap.algo == FAI_ADAPT_DP ? "dp" : "evolution");
    printf("original: latency %.4f ms, accuracy %.4f\n", lat0, acc0);
    if (res.feasible) {
      printf("adapted:  latency %.4f ms, accuracy %.4f (%s)\n", res.weight, res.value,
             ap.algo == FAI_ADAPT_DP ? "optimal" : "feasible");
      for (int g = 0; g < pb.n_groups; g++) {
        const int o = pb.off[g] + pick[g];
        printf("  %-12s %-16s x%d  %.4f ms\n", sp.block[g].name,
               sp.block[g].choice[pb.opt_choice[o]].name, pb.opt_depth[o], pb.weight[o]);
      }
    }
    if (cc.out) printf("plan written to %s\n", cc.out);
  }
  if (!res.feasible) {
    fprintf(stderr, "fluidai offload adapt: infeasible: no model of \"%s\" has a predicted latency "
                    "in [%g, %g] ms on \"%s\"%s\n", sp.name, ap.lo_ms, ap.hi_ms, kb.dev[d].name,
            ap.algo == FAI_ADAPT_DP ? "" : " (the evolutionary search found none)");
    code = FAI_EXIT_INFEASIBLE;
  }
  free(pick);
  fai_plan_free(&plan);
  fai_adapt_problem_free(&pb);
  fai_model_space_free(&sp);
  fai_device_kb_free(&kb);
  return code;
fail:
  cli_report("offload adapt", &err);
  free(pick);
  fai_plan_free(&plan);
  fai_adapt_problem_free(&pb);
  fai_model_space_free(&sp);
  fai_device_kb_free(&kb);
  return cli_exit_code(st);
}
