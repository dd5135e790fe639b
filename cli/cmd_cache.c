/* `fluidai cache`: model caching on edge servers and satellites.
 *   cache trim     TrimCaching placement (spec, gen, indep, popular, random, milp)
 *   cache gen      write a caching instance (edge or satellite)
 *   cache library  write a generated model library */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fluidai/caching.h"
#include "fluidai/json.h"

static const char *const HELP =
    "usage: fluidai cache SUBCOMMAND [OPTIONS]\n\n"
    "Model caching and downloading (PAPERS.md §1, §2, §5).\n\n"
    "Subcommands:\n"
    "  trim INSTANCE.json   TrimCaching placement: --algo spec|gen|indep|popular|random|milp\n"
    "  slim INSTANCE.json   SlimCaching: MoE experts on edge servers (--algo g1|sgd|sgd-fast|...)\n"
    "  mba INSTANCE.json    MBA: multicast download of shared blocks with power control\n"
    "  gen edge|satellite   write a caching instance (-o FILE)\n"
    "  library              write a generated model library (-o FILE)\n\n"
    "`fluidai cache SUBCOMMAND --help` describes each.\n";

static const char *const TRIM_HELP =
    "usage: fluidai cache trim INSTANCE.json [OPTIONS]\n\n"
    "Places models on caches to maximise the cache hit ratio, storing a parameter\n"
    "block shared by several models once per cache (TrimCaching).  Writes a plan\n"
    "(-o PLAN.json, and PLAN.run.json with the timings) and prints a summary.\n\n"
    "Options:\n"
    "  --algo A               spec (default), gen, indep, popular, random, milp\n"
    "  --eps E                spec: FPTAS accuracy, 0 < E <= 1 (0.1)\n"
    "  --dp value|weight      spec: knapsack by scaled value (FPTAS, default) or by\n"
    "                         capacity in units (exact when sizes are multiples)\n"
    "  --unit-bytes N         spec --dp weight: capacity unit (default: gcd of sizes)\n"
    "  --order index|demand   spec: cache order (default index)\n"
    "  --max-shared N         spec: refuse libraries with more shared blocks (20)\n"
    "  --rule gain|ratio|best gen: greedy rule (default gain)\n"
    "  --no-lazy              gen --rule gain: re-scan every pair each step\n"
    "  --popular-no-share     popular: charge every model its full size\n"
    "  --export-milp FILE     also write the exact MILP (.lp CPLEX LP, .mps MPS)\n"
    "  --time-limit S         milp: GLPK time limit; the bound and gap are reported\n"
    "  --seed N               random baseline's seed (default: the instance's)\n" CLI_COMMON_HELP;

static const char *const GEN_HELP =
    "usage: fluidai cache gen edge|satellite -o INSTANCE.json [OPTIONS]\n\n"
    "Writes a caching instance with the library inline (PAPERS.md §1.6 defaults).\n\n"
    "Options:\n"
    "  --servers M            edge servers (10)\n"
    "  --users K              edge users (30)\n"
    "  --area M               side of the square area in metres (1000)\n"
    "  --radius M             coverage radius in metres (300)\n"
    "  --bandwidth HZ         per-server bandwidth (100e6)\n"
    "  --tx-power DBM         server transmit power (43)\n"
    "  --split / --no-split   share bandwidth among covered users (edge: on, satellite: off)\n"
    "  --scenario FILE        satellite: orbitgen scenario with users (required)\n"
    "  --capacity-bytes Q     capacity of every cache (1e9)\n"
    "  --zipf G               Zipf exponent of requests (0.8)\n"
    "  --no-permute           same model ranking for every user\n"
    "  --tbar MIN[,MAX]       latency requirement in seconds, U[MIN, MAX] (0.5,1.0)\n"
    "  --inference S          on-device inference time in seconds (0)\n"
    "  --library FILE         use this library instead of generating one\n"
    "  library options as for `fluidai cache library`\n"
    "  --seed N               seed of positions, requests and the library (1)\n" CLI_COMMON_HELP;

static const char *const LIB_HELP =
    "usage: fluidai cache library -o LIBRARY.json [OPTIONS]\n\n"
    "Writes a synthetic model library: backbones fine-tuned by freezing their\n"
    "bottom layers (PAPERS.md §1.6).\n\n"
    "Options:\n"
    "  --shape backbone|nested  one shared frozen block per backbone (J_s = B), or one\n"
    "                           block per layer with nested sharing (default backbone)\n"
    "  --backbones B          backbones (3; ResNet-18/34/50 sizes, cycled)\n"
    "  --finetuned F          fine-tuned models per backbone (10)\n"
    "  --layers L             layers per backbone, nested shape (8)\n"
    "  --frozen MIN,MAX       frozen fraction of a backbone (0.5,0.9)\n"
    "  --round-bytes N        sizes are multiples of N bytes (100000)\n"
    "  --moe L,E,K,BYTES      attach a uniform MoE profile (layers, experts, top-K,\n"
    "                         bytes per expert)\n"
    "  --seed N               (1)\n" CLI_COMMON_HELP;

enum {
  OPT_ALGO = 2000,
  OPT_EPS,
  OPT_DP,
  OPT_UNIT,
  OPT_ORDER,
  OPT_MAXSHARED,
  OPT_RULE,
  OPT_NOLAZY,
  OPT_POPNOSHARE,
  OPT_EXPORT,
  OPT_SERVERS,
  OPT_USERS,
  OPT_AREA,
  OPT_RADIUS,
  OPT_BANDWIDTH,
  OPT_TXPOWER,
  OPT_SPLIT,
  OPT_NOSPLIT,
  OPT_SCENARIO,
  OPT_CAPACITY,
  OPT_ZIPF,
  OPT_NOPERMUTE,
  OPT_TBAR,
  OPT_INFERENCE,
  OPT_LIBRARY,
  OPT_SHAPE,
  OPT_BACKBONES,
  OPT_FINETUNED,
  OPT_LAYERS,
  OPT_FROZEN,
  OPT_ROUND,
  OPT_MOE
};

static int parse_int(const char *cmd, const char *opt, const char *arg, long long lo, long long hi,
                     long long *out) {
  char *end = NULL;
  const long long v = strtoll(arg, &end, 10);
  if (!arg[0] || *end || v < lo || v > hi) {
    fprintf(stderr, "fluidai cache %s: error: %s: \"%s\"; expected an integer in [%lld, %lld]\n",
            cmd, opt, arg, lo, hi);
    return -1;
  }
  *out = v;
  return 0;
}

/* "A" or "A,B" → lo, hi. */
static int parse_pair(const char *cmd, const char *opt, const char *arg, double *lo, double *hi) {
  char buf[128];
  snprintf(buf, sizeof buf, "%s", arg);
  char *comma = strchr(buf, ',');
  if (comma) *comma = '\0';
  char name[64];
  snprintf(name, sizeof name, "fluidai cache %s", cmd);
  if (cli_parse_double(name, opt, buf, lo)) return -1;
  *hi = *lo;
  if (comma && cli_parse_double(name, opt, comma + 1, hi)) return -1;
  return 0;
}

/* Library options shared by `gen` and `library`; 0 handled, 1 not ours, -1 bad. */
static int libgen_option(const char *cmd, int opt, const char *arg, fai_libgen_params *lp) {
  long long v;
  double a, b;
  switch (opt) {
    case OPT_SHAPE:
      if (!strcmp(arg, "backbone")) lp->shape = FAI_LIBGEN_BACKBONE;
      else if (!strcmp(arg, "nested")) lp->shape = FAI_LIBGEN_NESTED;
      else {
        fprintf(stderr, "fluidai cache %s: error: --shape: \"%s\"; expected backbone or nested\n",
                cmd, arg);
        return -1;
      }
      return 0;
    case OPT_BACKBONES:
      if (parse_int(cmd, "--backbones", arg, 1, FAI_LIBGEN_MAX_BACKBONES, &v)) return -1;
      lp->backbones = (int)v;
      return 0;
    case OPT_FINETUNED:
      if (parse_int(cmd, "--finetuned", arg, 1, 100000, &v)) return -1;
      lp->finetuned = (int)v;
      return 0;
    case OPT_LAYERS:
      if (parse_int(cmd, "--layers", arg, 2, 1000, &v)) return -1;
      lp->layers = (int)v;
      return 0;
    case OPT_FROZEN:
      if (parse_pair(cmd, "--frozen", arg, &a, &b)) return -1;
      lp->frozen_min = a;
      lp->frozen_max = b;
      return 0;
    case OPT_ROUND:
      if (parse_int(cmd, "--round-bytes", arg, 1, (long long)1 << 40, &v)) return -1;
      lp->round_bytes = v;
      return 0;
    default: return 1;
  }
}

#define LIBGEN_LONGOPTS                                                                  \
  {"shape", required_argument, 0, OPT_SHAPE}, {"backbones", required_argument, 0, OPT_BACKBONES}, \
      {"finetuned", required_argument, 0, OPT_FINETUNED},                                \
      {"layers", required_argument, 0, OPT_LAYERS}, {"frozen", required_argument, 0, OPT_FROZEN}, \
      {"round-bytes", required_argument, 0, OPT_ROUND}

static int finish_common(const char *cmd, int opt, cli_common *cc) {
  const int r = cli_common_option(cc, opt, optarg);
  if (r < 0) return FAI_EXIT_INPUT;
  if (r > 0) {
    fprintf(stderr, "Try 'fluidai cache %s --help'.\n", cmd);
    return FAI_EXIT_USAGE;
  }
  return -1;
}

/* --- cache library ----------------------------------------------------------------- */

static int cmd_cache_library(int argc, char **argv) {
  static const struct option longopts[] = {CLI_COMMON_LONGOPTS, LIBGEN_LONGOPTS,
                                            {"moe", required_argument, 0, OPT_MOE},
                                            {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  fai_libgen_params lp;
  fai_libgen_params_init(&lp);
  const char *moe = NULL;
  optind = 1;
  int opt;
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    if (opt == 'h') {
      fputs(LIB_HELP, stdout);
      return FAI_EXIT_OK;
    }
    if (opt == '?') {
      fputs("Try 'fluidai cache library --help'.\n", stderr);
      return FAI_EXIT_USAGE;
    }
    if (opt == OPT_MOE) {
      moe = optarg;
      continue;
    }
    const int r = libgen_option("library", opt, optarg, &lp);
    if (r < 0) return FAI_EXIT_INPUT;
    if (r == 0) continue;
    const int code = finish_common("library", opt, &cc);
    if (code >= 0) return code;
  }
  if (optind < argc || !cc.out) {
    fprintf(stderr, "fluidai cache library: error: %s\n",
            optind < argc ? "unexpected argument" : "-o LIBRARY.json is required");
    return FAI_EXIT_USAGE;
  }
  if (cc.has_seed) lp.seed = cc.seed;
  fai_error err;
  fai_error_clear(&err);
  fai_library lib;
  fai_status st = fai_library_generate(&lp, &lib, &err);
  if (st == FAI_OK && moe) {
    long long L, E, K, B;
    if (sscanf(moe, "%lld,%lld,%lld,%lld", &L, &E, &K, &B) != 4 || L < 1 || L > 100000 ||
        E < 1 || E > 1000000 || K < 1 || K > E || B < 1) {
      fai_library_free(&lib);
      fprintf(stderr, "fluidai cache library: error: --moe: \"%s\"; expected LAYERS,EXPERTS,TOP_K,BYTES "
              "with 1 <= TOP_K <= EXPERTS\n", moe);
      return FAI_EXIT_INPUT;
    }
    st = fai_library_set_moe(&lib, (int)L, (int)E, (int)K, B, 0.0, 0, &err);
  }
  if (st == FAI_OK) st = fai_library_save(&lib, cc.out, &err);
  if (st != FAI_OK) {
    cli_report("cache library", &err);
    fai_library_free(&lib);
    return cli_exit_code(st);
  }
  int *users = calloc((size_t)lib.n_blocks + 1, sizeof *users);
  int js = 0;
  if (users) {
    fai_library_block_users(&lib, users);
    for (int j = 0; j < lib.n_blocks; j++) js += users[j] >= 2;
  }
  free(users);
  if (!cc.quiet)
    printf("fluidai cache library: %s: %d blocks (%d shared), %d models, %d tasks -> %s\n",
           lib.name, lib.n_blocks, js, lib.n_models, lib.n_tasks, cc.out);
  fai_library_free(&lib);
  return FAI_EXIT_OK;
}

/* --- cache gen ----------------------------------------------------------------------- */

static int cmd_cache_gen(int argc, char **argv) {
  static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                            LIBGEN_LONGOPTS,
                                            {"servers", required_argument, 0, OPT_SERVERS},
                                            {"users", required_argument, 0, OPT_USERS},
                                            {"area", required_argument, 0, OPT_AREA},
                                            {"radius", required_argument, 0, OPT_RADIUS},
                                            {"bandwidth", required_argument, 0, OPT_BANDWIDTH},
                                            {"tx-power", required_argument, 0, OPT_TXPOWER},
                                            {"split", no_argument, 0, OPT_SPLIT},
                                            {"no-split", no_argument, 0, OPT_NOSPLIT},
                                            {"scenario", required_argument, 0, OPT_SCENARIO},
                                            {"capacity-bytes", required_argument, 0, OPT_CAPACITY},
                                            {"zipf", required_argument, 0, OPT_ZIPF},
                                            {"no-permute", no_argument, 0, OPT_NOPERMUTE},
                                            {"tbar", required_argument, 0, OPT_TBAR},
                                            {"inference", required_argument, 0, OPT_INFERENCE},
                                            {"library", required_argument, 0, OPT_LIBRARY},
                                            {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  fai_cache_gen_params gp;
  fai_cache_gen_params_init(&gp);
  optind = 1;
  int opt;
  long long v;
  const char *c = "gen";
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    switch (opt) {
      case 'h': fputs(GEN_HELP, stdout); return FAI_EXIT_OK;
      case '?': fputs("Try 'fluidai cache gen --help'.\n", stderr); return FAI_EXIT_USAGE;
      case OPT_SERVERS:
        if (parse_int(c, "--servers", optarg, 1, 1000000, &v)) return FAI_EXIT_INPUT;
        gp.servers = (int)v;
        break;
      case OPT_USERS:
        if (parse_int(c, "--users", optarg, 1, 100000000, &v)) return FAI_EXIT_INPUT;
        gp.users = (int)v;
        break;
      case OPT_AREA:
        if (cli_parse_double("cache gen", "--area", optarg, &gp.area_m)) return FAI_EXIT_INPUT;
        break;
      case OPT_RADIUS:
        if (cli_parse_double("cache gen", "--radius", optarg, &gp.radius_m)) return FAI_EXIT_INPUT;
        break;
      case OPT_BANDWIDTH:
        if (cli_parse_double("cache gen", "--bandwidth", optarg, &gp.bandwidth_hz)) return FAI_EXIT_INPUT;
        break;
      case OPT_TXPOWER:
        if (cli_parse_double("cache gen", "--tx-power", optarg, &gp.tx_power_dbm)) return FAI_EXIT_INPUT;
        break;
      case OPT_SPLIT: gp.bandwidth_split = 1; break;
      case OPT_NOSPLIT: gp.bandwidth_split = 0; break;
      case OPT_SCENARIO: gp.scenario = optarg; break;
      case OPT_CAPACITY:
        if (cli_parse_double("cache gen", "--capacity-bytes", optarg, &gp.capacity_bytes))
          return FAI_EXIT_INPUT;
        break;
      case OPT_ZIPF:
        if (cli_parse_double("cache gen", "--zipf", optarg, &gp.zipf_gamma)) return FAI_EXIT_INPUT;
        break;
      case OPT_NOPERMUTE: gp.permute = 0; break;
      case OPT_TBAR:
        if (parse_pair(c, "--tbar", optarg, &gp.tbar_min_s, &gp.tbar_max_s)) return FAI_EXIT_INPUT;
        break;
      case OPT_INFERENCE:
        if (cli_parse_double("cache gen", "--inference", optarg, &gp.inference_s)) return FAI_EXIT_INPUT;
        break;
      case OPT_LIBRARY: gp.library_path = optarg; break;
      default: {
        const int r = libgen_option(c, opt, optarg, &gp.lib);
        if (r < 0) return FAI_EXIT_INPUT;
        if (r == 0) break;
        const int code = finish_common(c, opt, &cc);
        if (code >= 0) return code;
      }
    }
  }
  if (argc - optind != 1 || (strcmp(argv[optind], "edge") && strcmp(argv[optind], "satellite"))) {
    fprintf(stderr, "fluidai cache gen: error: expected the kind, edge or satellite\n"
                    "Try 'fluidai cache gen --help'.\n");
    return FAI_EXIT_USAGE;
  }
  if (!cc.out) {
    fprintf(stderr, "fluidai cache gen: error: -o INSTANCE.json is required\n");
    return FAI_EXIT_USAGE;
  }
  gp.kind = strcmp(argv[optind], "edge") ? FAI_CACHE_SATELLITE : FAI_CACHE_EDGE;
  if (cc.has_seed) gp.seed = cc.seed;
  fai_error err;
  fai_error_clear(&err);
  json_t *doc = NULL;
  fai_status st = fai_cache_generate(&gp, &doc, &err);
  if (st == FAI_OK) st = fai_json_write_file(doc, cc.out, &err);
  json_decref(doc);
  if (st != FAI_OK) {
    cli_report("cache gen", &err);
    return cli_exit_code(st);
  }
  if (!cc.quiet) printf("fluidai cache gen: %s instance -> %s\n", argv[optind], cc.out);
  return FAI_EXIT_OK;
}

/* --- cache trim -------------------------------------------------------------------------- */

static void print_summary(const fai_cache_instance *inst, const fai_trim_params *p,
                          const fai_cache_placement *pl, const char *path, const char *out) {
  int placed = 0, caches = 0;
  int64_t bytes = 0;
  for (int m = 0; m < inst->M; m++) {
    int nm = 0;
    for (int i = 0; i < inst->I; i++) nm += pl->x[(size_t)m * inst->I + i];
    placed += nm;
    caches += nm > 0;
    bytes += pl->used_bytes[m];
  }
  int *users = calloc((size_t)inst->lib.n_blocks + 1, sizeof *users);
  int js = 0;
  if (users) {
    fai_library_block_users(&inst->lib, users);
    for (int j = 0; j < inst->lib.n_blocks; j++) js += users[j] >= 2;
  }
  free(users);
  printf("fluidai cache trim: %s on %s\n", fai_trim_algo_name(p->algo), path);
  printf("  instance         %s: %d caches, %d users, %d models, %d blocks (%d shared), %d "
         "snapshot(s)\n",
         fai_cache_kind_name(inst->kind), inst->M, inst->K, inst->I, inst->lib.n_blocks, js,
         inst->T);
  printf("  hit ratio        %.6f\n", pl->hit_ratio);
  if (isfinite(pl->bound))
    printf("  bound / gap      %.6f / %.3g\n", pl->bound,
           fabs(pl->bound - pl->hit_ratio) / fmax(1e-9, fabs(pl->hit_ratio)));
  printf("  placed           %d model copies on %d of %d caches, %.3f GB stored\n", placed, caches,
         inst->M, (double)bytes / 1e9);
  if (inst->T > 1) {
    double lo = INFINITY, hi = -INFINITY;
    for (int t = 0; t < inst->T; t++) {
      lo = fmin(lo, pl->hit_snap[t]);
      hi = fmax(hi, pl->hit_snap[t]);
    }
    printf("  per snapshot     min %.6f, max %.6f over %d snapshots\n", lo, hi, inst->T);
  }
  printf("  outcome          %s\n", fai_outcome_name(pl->outcome));
  printf("  runtime          %.3f s\n", pl->seconds);
  if (out) printf("  plan             %s\n", out);
}

static int cmd_cache_trim(int argc, char **argv) {
  static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                            {"algo", required_argument, 0, OPT_ALGO},
                                            {"eps", required_argument, 0, OPT_EPS},
                                            {"dp", required_argument, 0, OPT_DP},
                                            {"unit-bytes", required_argument, 0, OPT_UNIT},
                                            {"order", required_argument, 0, OPT_ORDER},
                                            {"max-shared", required_argument, 0, OPT_MAXSHARED},
                                            {"rule", required_argument, 0, OPT_RULE},
                                            {"no-lazy", no_argument, 0, OPT_NOLAZY},
                                            {"popular-no-share", no_argument, 0, OPT_POPNOSHARE},
                                            {"export-milp", required_argument, 0, OPT_EXPORT},
                                            {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  fai_trim_params tp;
  fai_trim_params_init(&tp);
  const char *export_path = NULL;
  const char *c = "trim";
  long long v;
  optind = 1;
  int opt;
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    switch (opt) {
      case 'h': fputs(TRIM_HELP, stdout); return FAI_EXIT_OK;
      case '?': fputs("Try 'fluidai cache trim --help'.\n", stderr); return FAI_EXIT_USAGE;
      case OPT_ALGO:
        if (fai_trim_algo_parse(optarg, &tp.algo)) {
          fprintf(stderr, "fluidai cache trim: error: --algo: \"%s\"; expected spec, gen, indep, "
                          "popular, random or milp\n", optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      case OPT_EPS:
        if (cli_parse_double("cache trim", "--eps", optarg, &tp.eps)) return FAI_EXIT_INPUT;
        if (!(tp.eps > 0 && tp.eps <= 1)) {
          fprintf(stderr, "fluidai cache trim: error: --eps: %s; expected 0 < eps <= 1\n", optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      case OPT_DP:
        if (!strcmp(optarg, "value")) tp.dp = FAI_TRIM_DP_VALUE;
        else if (!strcmp(optarg, "weight")) tp.dp = FAI_TRIM_DP_WEIGHT;
        else {
          fprintf(stderr, "fluidai cache trim: error: --dp: \"%s\"; expected value or weight\n", optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      case OPT_UNIT:
        if (parse_int(c, "--unit-bytes", optarg, 1, (long long)1 << 50, &v)) return FAI_EXIT_INPUT;
        tp.unit_bytes = v;
        break;
      case OPT_ORDER:
        if (!strcmp(optarg, "index")) tp.order_demand = 0;
        else if (!strcmp(optarg, "demand")) tp.order_demand = 1;
        else {
          fprintf(stderr, "fluidai cache trim: error: --order: \"%s\"; expected index or demand\n", optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      case OPT_MAXSHARED:
        if (parse_int(c, "--max-shared", optarg, 0, 26, &v)) return FAI_EXIT_INPUT;
        tp.max_shared = (int)v;
        break;
      case OPT_RULE:
        if (!strcmp(optarg, "gain")) tp.rule = FAI_TRIM_RULE_GAIN;
        else if (!strcmp(optarg, "ratio")) tp.rule = FAI_TRIM_RULE_RATIO;
        else if (!strcmp(optarg, "best")) tp.rule = FAI_TRIM_RULE_BEST;
        else {
          fprintf(stderr, "fluidai cache trim: error: --rule: \"%s\"; expected gain, ratio or best\n", optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      case OPT_NOLAZY: tp.lazy = 0; break;
      case OPT_POPNOSHARE: tp.popular_share = 0; break;
      case OPT_EXPORT: export_path = optarg; break;
      default: {
        const int code = finish_common(c, opt, &cc);
        if (code >= 0) return code;
      }
    }
  }
  if (argc - optind != 1) {
    fprintf(stderr, "fluidai cache trim: error: expected one instance file, got %d\n"
                    "Try 'fluidai cache trim --help'.\n", argc - optind);
    return FAI_EXIT_USAGE;
  }
  const char *path = argv[optind];
  if (cli_check_milp_path("cache trim", export_path)) return FAI_EXIT_USAGE;
  tp.threads = cc.threads;
  tp.time_limit_s = cc.time_limit_s;

  fai_error err;
  fai_error_clear(&err);
  fai_cache_instance inst;
  fai_cache_instance_init(&inst);
  fai_cache_placement pl;
  memset(&pl, 0, sizeof pl);
  fai_plan plan = {NULL, NULL};
  fai_backend be;
  int code = FAI_EXIT_OK;
  fai_status st = fai_backend_select(cc.backend == FAI_BACKEND_CUDA ? FAI_BACKEND_CUDA : FAI_BACKEND_CPU,
                                     cc.threads, &be, &err);
  if (st != FAI_OK) goto fail;
  st = fai_cache_instance_load_file(path, &be, &inst, &err);
  if (st != FAI_OK) goto fail;
  tp.be = &be;
  tp.seed = cc.has_seed ? cc.seed : inst.seed;
  if (export_path) {
    glp_prob *lp = glp_create_prob();
    st = fai_trim_milp_build(&inst, lp, &err);
    if (st == FAI_OK) st = fai_milp_export(lp, export_path, &err);
    glp_delete_prob(lp);
    if (st != FAI_OK) goto fail;
  }
  fai_interrupt_install();
  st = fai_trim_solve(&inst, &tp, &pl, &err);
  if (st == FAI_EINTR) {
    fai_warn("interrupted: writing the placement found so far");
    fai_interrupt_reset();
    code = FAI_EXIT_INTERRUPTED;
  } else if (st != FAI_OK) {
    goto fail;
  }
  st = fai_trim_plan(&inst, &tp, &pl, &plan, &err);
  if (st != FAI_OK) goto fail;
  if ((st = fai_plan_add_input_file(&plan, "instance", path, &err)) != FAI_OK) goto fail;
  fai_plan_run_info(&plan, be.name, cc.threads);
  if (cc.out && (st = fai_plan_write(&plan, cc.out, &err)) != FAI_OK) goto fail;
  if (!strcmp(cc.format, "json")) {
    char *txt = fai_json_dumps(plan.doc);
    if (txt) fputs(txt, stdout);
    free(txt);
  } else {
    print_summary(&inst, &tp, &pl, path, cc.out);
  }
  fai_plan_free(&plan);
  fai_cache_placement_free(&pl);
  fai_cache_instance_free(&inst);
  return code;
fail:
  cli_report("cache trim", &err);
  fai_plan_free(&plan);
  fai_cache_placement_free(&pl);
  fai_cache_instance_free(&inst);
  return cli_exit_code(st);
}

int cmd_cache(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
    fputs(HELP, argc < 2 ? stderr : stdout);
    return argc < 2 ? FAI_EXIT_USAGE : FAI_EXIT_OK;
  }
  if (!strcmp(argv[1], "trim")) return cmd_cache_trim(argc - 1, argv + 1);
  if (!strcmp(argv[1], "gen")) return cmd_cache_gen(argc - 1, argv + 1);
  if (!strcmp(argv[1], "library")) return cmd_cache_library(argc - 1, argv + 1);
  if (!strcmp(argv[1], "slim")) return cmd_cache_slim(argc - 1, argv + 1);
  if (!strcmp(argv[1], "mba")) return cmd_cache_mba(argc - 1, argv + 1);
  fprintf(stderr, "fluidai cache: unknown subcommand \"%s\"\n\n%s", argv[1], HELP);
  return FAI_EXIT_USAGE;
}
