/* `fluidai cache slim`: SlimCaching, MoE experts on edge servers and user
 * devices (PAPERS.md §2).  The instance is an edge caching instance
 * (servers, users, link rates); the MoE profile comes from its library's
 * "moe" section or a --preset; activations from --trace or a synthetic
 * Zipf/Plackett–Luce generator. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fluidai/json.h"
#include "fluidai/slimcache.h"

static const char *const SLIM_HELP =
    "usage: fluidai cache slim INSTANCE.json [OPTIONS]\n\n"
    "Places the experts of a Mixture-of-Experts model on edge servers and user\n"
    "devices to minimise the mean per-token latency (SlimCaching).  INSTANCE is an\n"
    "edge caching instance whose library has a \"moe\" section (or use --preset).\n"
    "Writes a plan (-o PLAN.json, and PLAN.run.json with the timings).\n\n"
    "Options:\n"
    "  --algo A               sgd (default), sgd-fast, g1, g1-marginal, popular, random, milp\n"
    "  --eps E                sgd-fast: value rounding, 0 < E <= 1 (0.1)\n"
    "  --enum D               g1: partial enumeration depth 0..2 (1)\n"
    "  --exact-max-experts N  sgd: per-layer tables by subset enumeration up to N experts (12)\n"
    "  --preset NAME          MoE profile: switch-8, mixtral-8x7b, qwen1.5-moe-a2.7b,\n"
    "                         deepseek-moe-16b, moe-llava-4e (fp16 sizes)\n"
    "  --trace FILE           activations, one token per line: user layer e1 ... eK\n"
    "  --tokens N             synthetic trace: tokens per user and layer (200)\n"
    "  --zipf G               synthetic trace: Zipf exponent of expert weights (1.0)\n"
    "  --topics Z             synthetic trace: latent topics for co-activation (1)\n"
    "  --server-bytes Q       storage of every server (default: the instance's capacities)\n"
    "  --device-bytes Q       storage of every user device for experts (0)\n"
    "  --device-flops F       (2e12)   --edge-flops F (50e12)   --cloud-flops F (100e12)\n"
    "  --cloud-rate BPS       user-cloud rate (100e6)   --backhaul S  cloud backhaul (0.05)\n"
    "  --export-milp FILE     also write the exact MILP (.lp CPLEX LP, .mps MPS)\n"
    "  --time-limit S         milp: GLPK time limit; the bound and gap are reported\n"
    "  --seed N               seed of the synthetic trace and the random baseline\n" CLI_COMMON_HELP;

enum {
  OPT_ALGO = 3000, OPT_EPS, OPT_ENUM, OPT_EXACT, OPT_PRESET, OPT_TRACE, OPT_TOKENS, OPT_ZIPF,
  OPT_TOPICS, OPT_SERVER, OPT_DEVICE, OPT_DFLOPS, OPT_EFLOPS, OPT_CFLOPS, OPT_CRATE, OPT_BACKHAUL,
  OPT_EXPORT
};

typedef struct preset {
  const char *name;
  int layers, experts, top_k;
  double expert_params;   /* parameters of one expert (2 bytes each, 2 FLOPs each per token) */
  int d_model;            /* hidden state: d_model fp16 values */
} preset;

static const preset PRESETS[] = {
    {"switch-8", 12, 8, 1, 2.0 * 768 * 3072, 768},
    {"mixtral-8x7b", 32, 8, 2, 176e6, 4096},
    {"qwen1.5-moe-a2.7b", 24, 60, 4, 3.0 * 2048 * 1408, 2048},
    {"deepseek-moe-16b", 28, 64, 6, 3.0 * 2048 * 1408, 2048},
    {"moe-llava-4e", 32, 4, 2, 2.0 * 2560 * 10240, 2560},
};

static int num(const char *opt, const char *arg, double lo, double *out) {
  if (cli_parse_double("cache slim", opt, arg, out)) return -1;
  if (!(*out >= lo) || !isfinite(*out)) {
    fprintf(stderr, "fluidai cache slim: error: %s: %s; expected a finite number >= %g\n", opt, arg, lo);
    return -1;
  }
  return 0;
}

int cmd_cache_slim(int argc, char **argv) {
  static const struct option longopts[] = {
      CLI_COMMON_LONGOPTS,
      {"algo", required_argument, 0, OPT_ALGO}, {"eps", required_argument, 0, OPT_EPS},
      {"enum", required_argument, 0, OPT_ENUM}, {"exact-max-experts", required_argument, 0, OPT_EXACT},
      {"preset", required_argument, 0, OPT_PRESET}, {"trace", required_argument, 0, OPT_TRACE},
      {"tokens", required_argument, 0, OPT_TOKENS}, {"zipf", required_argument, 0, OPT_ZIPF},
      {"topics", required_argument, 0, OPT_TOPICS}, {"server-bytes", required_argument, 0, OPT_SERVER},
      {"device-bytes", required_argument, 0, OPT_DEVICE}, {"device-flops", required_argument, 0, OPT_DFLOPS},
      {"edge-flops", required_argument, 0, OPT_EFLOPS}, {"cloud-flops", required_argument, 0, OPT_CFLOPS},
      {"cloud-rate", required_argument, 0, OPT_CRATE}, {"backhaul", required_argument, 0, OPT_BACKHAUL},
      {"export-milp", required_argument, 0, OPT_EXPORT}, {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  fai_slim_params sp;
  fai_slim_params_init(&sp);
  fai_slim_model mm;
  fai_slim_model_init(&mm);
  const char *export_path = NULL, *trace_path = NULL;
  const preset *pre = NULL;
  double d, tokens = 200, zipf = 1.0, topics = 1;
  optind = 1;
  int opt;
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    switch (opt) {
      case 'h': fputs(SLIM_HELP, stdout); return FAI_EXIT_OK;
      case '?': fputs("Try 'fluidai cache slim --help'.\n", stderr); return FAI_EXIT_USAGE;
      case OPT_ALGO:
        if (fai_slim_algo_parse(optarg, &sp.algo)) {
          fprintf(stderr, "fluidai cache slim: error: --algo: \"%s\"; expected sgd, sgd-fast, g1, "
                          "g1-marginal, popular, random or milp\n", optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      case OPT_EPS:
        if (cli_parse_double("cache slim", "--eps", optarg, &sp.eps)) return FAI_EXIT_INPUT;
        if (!(sp.eps > 0 && sp.eps <= 1)) {
          fprintf(stderr, "fluidai cache slim: error: --eps: %s; expected 0 < eps <= 1\n", optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      case OPT_ENUM:
        if (num("--enum", optarg, 0, &d) || d > 2 || d != floor(d)) {
          fprintf(stderr, "fluidai cache slim: error: --enum: expected 0, 1 or 2\n");
          return FAI_EXIT_INPUT;
        }
        sp.enum_depth = (int)d;
        break;
      case OPT_EXACT:
        if (num("--exact-max-experts", optarg, 0, &d) || d > 20) {
          fprintf(stderr, "fluidai cache slim: error: --exact-max-experts: expected 0..20\n");
          return FAI_EXIT_INPUT;
        }
        sp.exact_max_experts = (int)d;
        break;
      case OPT_PRESET:
        for (size_t i = 0; i < sizeof PRESETS / sizeof PRESETS[0]; i++)
          if (!strcmp(optarg, PRESETS[i].name)) pre = &PRESETS[i];
        if (!pre) {
          fprintf(stderr, "fluidai cache slim: error: --preset: \"%s\"; expected switch-8, mixtral-8x7b, "
                          "qwen1.5-moe-a2.7b, deepseek-moe-16b or moe-llava-4e\n", optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      case OPT_TRACE: trace_path = optarg; break;
      case OPT_TOKENS: if (num("--tokens", optarg, 1, &tokens)) return FAI_EXIT_INPUT; break;
      case OPT_ZIPF: if (num("--zipf", optarg, 0, &zipf)) return FAI_EXIT_INPUT; break;
      case OPT_TOPICS: if (num("--topics", optarg, 1, &topics)) return FAI_EXIT_INPUT; break;
      case OPT_SERVER: if (num("--server-bytes", optarg, 0, &d)) return FAI_EXIT_INPUT; mm.server_bytes = (int64_t)d; break;
      case OPT_DEVICE: if (num("--device-bytes", optarg, 0, &d)) return FAI_EXIT_INPUT; mm.device_bytes = (int64_t)d; break;
      case OPT_DFLOPS: if (num("--device-flops", optarg, 1, &mm.device_flops)) return FAI_EXIT_INPUT; break;
      case OPT_EFLOPS: if (num("--edge-flops", optarg, 1, &mm.edge_flops)) return FAI_EXIT_INPUT; break;
      case OPT_CFLOPS: if (num("--cloud-flops", optarg, 1, &mm.cloud_flops)) return FAI_EXIT_INPUT; break;
      case OPT_CRATE: if (num("--cloud-rate", optarg, 1, &mm.cloud_rate_bps)) return FAI_EXIT_INPUT; break;
      case OPT_BACKHAUL: if (num("--backhaul", optarg, 0, &mm.backhaul_s)) return FAI_EXIT_INPUT; break;
      case OPT_EXPORT: export_path = optarg; break;
      default: {
        const int r = cli_common_option(&cc, opt, optarg);
        if (r < 0) return FAI_EXIT_INPUT;
        if (r > 0) {
          fputs("Try 'fluidai cache slim --help'.\n", stderr);
          return FAI_EXIT_USAGE;
        }
      }
    }
  }
  if (argc - optind != 1) {
    fprintf(stderr, "fluidai cache slim: error: expected one instance file, got %d\n"
                    "Try 'fluidai cache slim --help'.\n", argc - optind);
    return FAI_EXIT_USAGE;
  }
  const char *path = argv[optind];
  if (cli_check_milp_path("cache slim", export_path)) return FAI_EXIT_USAGE;
  sp.threads = cc.threads;
  sp.time_limit_s = cc.time_limit_s;

  fai_error err;
  fai_error_clear(&err);
  fai_cache_instance inst;
  fai_cache_instance_init(&inst);
  fai_slim_instance si;
  memset(&si, 0, sizeof si);
  fai_slim_trace tr;
  memset(&tr, 0, sizeof tr);
  fai_slim_result res;
  memset(&res, 0, sizeof res);
  fai_plan plan = {NULL, NULL};
  fai_backend be;
  int64_t pre_bytes[1];
  double pre_flops[1];
  int code = FAI_EXIT_OK;
  /* Placements are evaluated on the backend (moe_latency); plans are the
   * same bytes on either, so auto means cpu and cuda runs only when asked. */
  fai_status st = fai_backend_select(cc.backend == FAI_BACKEND_CUDA ? FAI_BACKEND_CUDA : FAI_BACKEND_CPU,
                                     cc.threads, &be, &err);
  if (st != FAI_OK) goto fail;
  sp.be = &be;
  if ((st = fai_cache_instance_load_file(path, &be, &inst, &err)) != FAI_OK) goto fail;
  fai_moe_profile moe = inst.lib.moe;
  if (pre) {
    moe.layers = pre->layers;
    moe.experts = pre->experts;
    moe.top_k = pre->top_k;
    pre_bytes[0] = (int64_t)(2.0 * pre->expert_params);
    pre_flops[0] = 2.0 * pre->expert_params;
    moe.hidden_bytes = 2 * pre->d_model;
    moe.expert_bytes = malloc((size_t)moe.layers * sizeof *moe.expert_bytes);
    moe.expert_flops = malloc((size_t)moe.layers * sizeof *moe.expert_flops);
    if (!moe.expert_bytes || !moe.expert_flops) {
      free(moe.expert_bytes), free(moe.expert_flops);
      st = fai_error_set(&err, FAI_ENOMEM, "out of memory");
      goto fail;
    }
    for (int l = 0; l < moe.layers; l++) moe.expert_bytes[l] = pre_bytes[0], moe.expert_flops[l] = pre_flops[0];
  }
  sp.seed = cc.has_seed ? cc.seed : inst.seed;
  if (moe.layers < 1) {
    st = fai_error_set_at(&err, FAI_EINVAL, path, 0, 0, "$.library.moe",
                          "the library has no MoE profile (add \"moe\" or use --preset)");
  } else if (trace_path) {
    st = fai_slim_trace_load(trace_path, inst.K, moe.layers, moe.experts, moe.top_k, &tr, &err);
  } else {
    st = fai_slim_trace_synth(inst.K, moe.layers, moe.experts, moe.top_k, (int)tokens, zipf, (int)topics,
                              sp.seed, &tr, &err);
  }
  if (st == FAI_OK) st = fai_slim_instance_from_edge(&inst, &moe, &mm, &tr, &si, &err);
  if (pre) free(moe.expert_bytes), free(moe.expert_flops);
  if (st != FAI_OK) goto fail;
  if (export_path) {
    glp_prob *lp = glp_create_prob();
    st = fai_slim_milp_build(&si, lp, &err);
    if (st == FAI_OK) st = fai_milp_export(lp, export_path, &err);
    glp_delete_prob(lp);
    if (st != FAI_OK) goto fail;
  }
  fai_glpk_route_output();
  if ((st = fai_slim_solve(&si, &sp, &res, &err)) != FAI_OK) goto fail;
  if ((st = fai_slim_plan(&si, &sp, &res, &plan, &err)) != FAI_OK) goto fail;
  if ((st = fai_plan_add_input_file(&plan, "instance", path, &err)) != FAI_OK) goto fail;
  if (trace_path && (st = fai_plan_add_input_file(&plan, "trace", trace_path, &err)) != FAI_OK) goto fail;
  fai_plan_run_info(&plan, be.name, cc.threads);
  if (cc.out && (st = fai_plan_write(&plan, cc.out, &err)) != FAI_OK) goto fail;
  if (!strcmp(cc.format, "json")) {
    char *txt = fai_json_dumps(plan.doc);
    if (txt) fputs(txt, stdout);
    free(txt);
  } else if (!cc.quiet) {
    int copies = 0;
    for (size_t i = 0; i < (size_t)si.V * si.L * si.E; i++) copies += res.x[i];
    printf("fluidai cache slim: %s on %s\n", fai_slim_algo_name(sp.algo), path);
    printf("  instance         %d servers, %d users, %d layers x %d experts, top-%d\n", si.N, si.U, si.L, si.E, si.K);
    printf("  token latency    %.6f ms (no caching %.6f ms)\n", res.latency_s * 1e3, res.base_latency_s * 1e3);
    if (isfinite(res.bound_s))
      printf("  bound / gap      %.6f ms / %.3g\n", res.bound_s * 1e3,
             fabs(res.latency_s - res.bound_s) / fmax(1e-12, fabs(res.latency_s)));
    printf("  placed           %d expert copies\n", copies);
    printf("  outcome          %s\n", fai_outcome_name(res.outcome));
    printf("  runtime          %.3f s\n", res.seconds);
    if (cc.out) printf("  plan             %s\n", cc.out);
  }
  fai_plan_free(&plan);
  fai_slim_result_free(&res);
  fai_slim_instance_free(&si);
  fai_slim_trace_free(&tr);
  fai_cache_instance_free(&inst);
  return code;
fail:
  cli_report("cache slim", &err);
  fai_plan_free(&plan);
  fai_slim_result_free(&res);
  fai_slim_instance_free(&si);
  fai_slim_trace_free(&tr);
  fai_cache_instance_free(&inst);
  return cli_exit_code(st);
}
