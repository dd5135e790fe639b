/* `fluidai place spacexnet`: MoE layers on a satellite ring, experts by
 * expected path latency, against the baselines of PAPERS.md §3.3. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fluidai/json.h"
#include "fluidai/plan.h"
#include "fluidai/spacexnet.h"

static const char *const HELP =
    "usage: fluidai place spacexnet [OPTIONS]\n\n"
    "Space-XNet (PAPERS.md §3): cuts a Walker-star shell along the orbit into one\n"
    "subnet per MoE layer (a ring: the last layer feeds the first), puts a gateway\n"
    "in each, and maps each layer's experts onto its subnet by sorted matching on\n"
    "the expected path latency (averaged over the snapshots and the link-failure\n"
    "draws).  RandPlace, RandIntra, RandIntra-CG and Space-XNet without central\n"
    "gateway are placed alongside, and every method's token latency is estimated by\n"
    "Monte Carlo over the same graphs and top-K draws.  Prints the latency table;\n"
    "-o FILE writes the plan (FILE and FILE.run.json).\n\n"
    "Constellation and links:\n"
    "  --planes P / --sats-per-plane S   shell size (33 x 32)\n"
    "  --phasing F            Walker phasing (0)      --delta   Walker delta, not star\n"
    "  --altitude-km H        550                     --inclination-deg I   87\n"
    "  --snapshots T          200                     --step S   (orbital period / T)\n"
    "  --max-pointing-rate W  ISL PAT angular-rate limit, rad/s (0.12; 0: none)\n"
    "  --survival P           per-link survival probability per snapshot and draw (0.95)\n"
    "  --isl-rate-gbps R      laser ISL rate (100)\n"
    "  --failure-draws R      link-failure realisations (10)\n"
    "Model and placement:\n"
    "  --layers L / --experts E / --top-k K   MoE shape (32 / 8 / 2)\n"
    "  --cut band|plane       subnet l = slots [l*arc, (l+1)*arc) of every plane (band,\n"
    "                         PAPERS §3.2) or planes [l*arc, (l+1)*arc) (plane)\n"
    "  --arc N                slots (band) or planes (plane) per subnet (S / L, P / L)\n"
    "  --gateway center|medoid   gateway of each subnet (center)\n"
    "  --return-to-own-gateway   expert answers go back to the layer's gateway, which\n"
    "                         forwards to the next (default: expert -> next gateway)\n"
    "  --one-expert-per-satellite   (default) / --experts-per-satellite N\n"
    "  --unreachable-penalty-s X   latency charged per unreachable leg (1)\n"
    "  --activations FILE     `layer expert prob` lines (0-based; sums = K per layer)\n"
    "  --dirichlet-alpha A    synthetic Dirichlet skew (0.5; inf: uniform)\n"
    "  --datasets N           synthetic activation sets, reported as a range (1)\n"
    "Compute and transmission:\n"
    "  --compute rad5545|sbc-2a72|ix10   3.7 GFLOPS, 7.28 GFLOPS (70 % of 10.4; default),\n"
    "                         18.2 TFLOPS (70 % of 26 TOPS)\n"
    "  --flops X              effective FLOP/s per satellite\n"
    "  --d-model 4096 --d-ff 11008 --vocab 32000 --n-ctx 512\n"
    "  --token-bytes B        hidden state sent per hop (2 * d_model)\n"
    "  --hop-delay-s X        per-hop processing delay (0)\n"
    "Evaluation:\n"
    "  --tokens N             Monte Carlo tokens per dataset (20000)\n"
    "  --paths dijkstra|floyd-warshall   shortest paths for the expected latency\n"
    "  --expected-only        stop after the expected latencies and placement\n"
    "  --export-milp FILE     write the intra-layer assignment MILP (.lp or .mps)\n"
    "  --layer N              ... of layer N only (default: all layers)\n"
    "  --chunk N              graphs per backend batch (32)\n\n" CLI_COMMON_HELP;

enum {
  OPT_PLANES = 2000, OPT_SPP, OPT_PHASING, OPT_DELTA, OPT_ALT, OPT_INC, OPT_SNAPS, OPT_STEP,
  OPT_RATE, OPT_SURV, OPT_ISLRATE, OPT_DRAWS, OPT_LAYERS, OPT_EXPERTS, OPT_TOPK, OPT_ARC,
  OPT_GATEWAY, OPT_RETURN, OPT_ONE, OPT_EPS, OPT_PENALTY, OPT_ACT, OPT_ALPHA, OPT_DATASETS,
  OPT_COMPUTE, OPT_FLOPS, OPT_DMODEL, OPT_DFF, OPT_VOCAB, OPT_NCTX, OPT_TOKBYTES, OPT_HOPDELAY,
  OPT_TOKENS, OPT_PATHS, OPT_EXPONLY, OPT_EXPORT, OPT_LAYER, OPT_CHUNK, OPT_CUT
};

static int num(const char *opt, const char *arg, double lo, double hi, double *out) {
  if (!strcmp(arg, "inf") && isinf(hi)) {
    *out = INFINITY;
    return 0;
  }
  if (cli_parse_double("place spacexnet", opt, arg, out)) return -1;
  if (*out < lo || *out > hi) {
    fprintf(stderr, "fluidai place spacexnet: error: %s: %s; expected a value in [%g, %g]\n", opt,
            arg, lo, hi);
    return -1;
  }
  return 0;
}

static int integer(const char *opt, const char *arg, long lo, long hi, long *out) {
  double v;
  if (num(opt, arg, (double)lo, (double)hi, &v)) return -1;
  if (v != floor(v)) {
    fprintf(stderr, "fluidai place spacexnet: error: %s: %s; expected an integer\n", opt, arg);
    return -1;
  }
  *out = (long)v;
  return 0;
}

int cmd_place_spacexnet(int argc, char **argv) {
  static const struct option longopts[] = {
      CLI_COMMON_LONGOPTS,
      {"planes", required_argument, 0, OPT_PLANES},
      {"sats-per-plane", required_argument, 0, OPT_SPP},
      {"phasing", required_argument, 0, OPT_PHASING},
      {"delta", no_argument, 0, OPT_DELTA},
      {"altitude-km", required_argument, 0, OPT_ALT},
      {"inclination-deg", required_argument, 0, OPT_INC},
      {"snapshots", required_argument, 0, OPT_SNAPS},
      {"step", required_argument, 0, OPT_STEP},
      {"max-pointing-rate", required_argument, 0, OPT_RATE},
      {"survival", required_argument, 0, OPT_SURV},
      {"isl-rate-gbps", required_argument, 0, OPT_ISLRATE},
      {"failure-draws", required_argument, 0, OPT_DRAWS},
      {"layers", required_argument, 0, OPT_LAYERS},
      {"experts", required_argument, 0, OPT_EXPERTS},
      {"top-k", required_argument, 0, OPT_TOPK},
      {"arc", required_argument, 0, OPT_ARC},
      {"gateway", required_argument, 0, OPT_GATEWAY},
      {"return-to-own-gateway", no_argument, 0, OPT_RETURN},
      {"one-expert-per-satellite", no_argument, 0, OPT_ONE},
      {"experts-per-satellite", required_argument, 0, OPT_EPS},
      {"unreachable-penalty-s", required_argument, 0, OPT_PENALTY},
      {"activations", required_argument, 0, OPT_ACT},
      {"dirichlet-alpha", required_argument, 0, OPT_ALPHA},
      {"datasets", required_argument, 0, OPT_DATASETS},
      {"compute", required_argument, 0, OPT_COMPUTE},
      {"flops", required_argument, 0, OPT_FLOPS},
      {"d-model", required_argument, 0, OPT_DMODEL},
      {"d-ff", required_argument, 0, OPT_DFF},
      {"vocab", required_argument, 0, OPT_VOCAB},
      {"n-ctx", required_argument, 0, OPT_NCTX},
      {"token-bytes", required_argument, 0, OPT_TOKBYTES},
      {"hop-delay-s", required_argument, 0, OPT_HOPDELAY},
      {"tokens", required_argument, 0, OPT_TOKENS},
      {"paths", required_argument, 0, OPT_PATHS},
      {"expected-only", no_argument, 0, OPT_EXPONLY},
      {"export-milp", required_argument, 0, OPT_EXPORT},
      {"layer", required_argument, 0, OPT_LAYER},
      {"chunk", required_argument, 0, OPT_CHUNK},
      {"cut", required_argument, 0, OPT_CUT},
      {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  fai_sxn_params p;
  fai_sxn_params_init(&p);
  const char *cmd = "place spacexnet";
  double v;
  long n;
  optind = 1;
  int opt;
#define NUM(name, lo, hi, dst, scale)                          \
  do {                                                         \
    if (num(name, optarg, lo, hi, &v)) return FAI_EXIT_INPUT; \
    dst = v * (scale);                                         \
  } while (0)
#define INT(name, lo, hi, dst)                                     \
  do {                                                             \
    if (integer(name, optarg, lo, hi, &n)) return FAI_EXIT_INPUT; \
    dst = n;                                                       \
  } while (0)
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    switch (opt) {
      case 'h': fputs(HELP, stdout); return FAI_EXIT_OK;
      case OPT_PLANES: INT("--planes", 1, 1000, p.planes); break;
      case OPT_SPP: INT("--sats-per-plane", 1, 1000, p.sats_per_plane); break;
      case OPT_PHASING: INT("--phasing", 0, 999, p.phasing); break;
      case OPT_DELTA: p.delta = 1; break;
      case OPT_ALT: NUM("--altitude-km", 100, 50000, p.altitude_m, 1e3); break;
      case OPT_INC: NUM("--inclination-deg", 0, 180, p.inclination_rad, FAI_DEG); break;
      case OPT_SNAPS: INT("--snapshots", 1, 100000, p.snapshots); break;
      case OPT_STEP: NUM("--step", 1e-3, 1e7, p.step_s, 1); break;
      case OPT_RATE: NUM("--max-pointing-rate", 0, 100, p.max_pointing_rate_rad_s, 1); break;
      case OPT_SURV: NUM("--survival", 0, 1, p.survival_p, 1); break;
      case OPT_ISLRATE: NUM("--isl-rate-gbps", 1e-6, 1e6, p.isl_rate_bps, 1e9); break;
      case OPT_DRAWS: INT("--failure-draws", 1, 10000, p.failure_draws); break;
      case OPT_LAYERS: INT("--layers", 1, 4096, p.layers); break;
      case OPT_EXPERTS: INT("--experts", 1, 62, p.experts); break;
      case OPT_TOPK: INT("--top-k", 1, 62, p.top_k); break;
      case OPT_ARC: INT("--arc", 1, 1000, p.arc); break;
      case OPT_GATEWAY:
        if (!strcmp(optarg, "center"))
          p.gateway = FAI_SXN_GW_CENTER;
        else if (!strcmp(optarg, "medoid"))
          p.gateway = FAI_SXN_GW_MEDOID;
        else {
          fprintf(stderr, "fluidai %s: error: --gateway: \"%s\"; expected center or medoid\n", cmd,
                  optarg);
          return FAI_EXIT_USAGE;
        }
        break;
      case OPT_CUT:
        if (!strcmp(optarg, "band"))
          p.plane_cut = 0;
        else if (!strcmp(optarg, "plane"))
          p.plane_cut = 1;
        else {
          fprintf(stderr, "fluidai %s: error: --cut: \"%s\"; expected band or plane\n", cmd,
                  optarg);
          return FAI_EXIT_USAGE;
        }
        break;
      case OPT_RETURN: p.return_to_own_gateway = 1; break;
      case OPT_ONE: p.experts_per_satellite = 1; break;
      case OPT_EPS: INT("--experts-per-satellite", 1, 64, p.experts_per_satellite); break;
      case OPT_PENALTY: NUM("--unreachable-penalty-s", 0, 1e6, p.unreachable_penalty_s, 1); break;
      case OPT_ACT: p.activation_file = optarg; break;
      case OPT_ALPHA: NUM("--dirichlet-alpha", 1e-6, INFINITY, p.dirichlet_alpha, 1); break;
      case OPT_DATASETS: INT("--datasets", 1, 64, p.datasets); break;
      case OPT_COMPUTE:
        if (!strcmp(optarg, "rad5545"))
          p.flops_per_s = 3.7e9;
        else if (!strcmp(optarg, "sbc-2a72"))
          p.flops_per_s = 7.28e9;
        else if (!strcmp(optarg, "ix10"))
          p.flops_per_s = 0.7 * 26e12;
        else {
          fprintf(stderr,
                  "fluidai %s: error: --compute: \"%s\"; expected rad5545, sbc-2a72 or ix10\n",
                  cmd, optarg);
          return FAI_EXIT_USAGE;
        }
        break;
      case OPT_FLOPS: NUM("--flops", 1, 1e18, p.flops_per_s, 1); break;
      case OPT_DMODEL: NUM("--d-model", 1, 1e6, p.d_model, 1); break;
      case OPT_DFF: NUM("--d-ff", 1, 1e7, p.d_ff, 1); break;
      case OPT_VOCAB: NUM("--vocab", 0, 1e8, p.vocab, 1); break;
      case OPT_NCTX: NUM("--n-ctx", 0, 1e8, p.n_ctx, 1); break;
      case OPT_TOKBYTES: NUM("--token-bytes", 0, 1e12, p.token_bytes, 1); break;
      case OPT_HOPDELAY: NUM("--hop-delay-s", 0, 10, p.hop_delay_s, 1); break;
      case OPT_TOKENS: INT("--tokens", 1, 100000000L, p.tokens); break;
      case OPT_PATHS:
        if (!strcmp(optarg, "dijkstra"))
          p.paths = FAI_SXN_PATHS_DIJKSTRA;
        else if (!strcmp(optarg, "floyd-warshall"))
          p.paths = FAI_SXN_PATHS_FLOYD;
        else {
          fprintf(stderr,
                  "fluidai %s: error: --paths: \"%s\"; expected dijkstra or floyd-warshall\n", cmd,
                  optarg);
          return FAI_EXIT_USAGE;
        }
        break;
      case OPT_EXPONLY: p.expected_only = 1; break;
      case OPT_EXPORT: p.export_milp = optarg; break;
      case OPT_LAYER: INT("--layer", 0, 4095, p.export_layer); break;
      case OPT_CHUNK: INT("--chunk", 1, 4096, p.snap_chunk); break;
      case '?': fputs("Try 'fluidai place spacexnet --help'.\n", stderr); return FAI_EXIT_USAGE;
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
    fprintf(stderr, "fluidai %s: error: unexpected argument \"%s\"\n", cmd, argv[optind]);
    return FAI_EXIT_USAGE;
  }
  if (cli_check_milp_path(cmd, p.export_milp)) return FAI_EXIT_USAGE;
  if (cc.has_seed) p.seed = cc.seed;
  p.time_limit_s = cc.time_limit_s;

  fai_error err;
  fai_error_clear(&err);
  fai_backend be;
  fai_plan plan = {NULL, NULL};
  fai_sxn_result res;
  cli_progress cp;
  fai_progress prog = {NULL, NULL};
  int code = FAI_EXIT_OK;
  fai_status st = fai_backend_select(cc.backend, cc.threads, &be, &err);
  if (st != FAI_OK) goto fail;
  if (cc.out) { /* a bad -o fails now, not after the solve */
    fai_outfile of;
    if ((st = fai_outfile_open(&of, cc.out, &err)) != FAI_OK) goto fail;
    fai_outfile_abort(&of);
  }
  if ((st = fai_plan_init(&plan, "place.spacexnet", p.seed, &err)) != FAI_OK) goto fail;
  fai_interrupt_install();
  cli_progress_init(&cp, cc.quiet ? PROGRESS_NONE : cc.progress, &prog);
  st = fai_sxn_solve(&p, &be, &prog, &plan, &res, &err);
  cli_progress_finish(&cp);
  if (st == FAI_EINTR && res.outcome == FAI_OUTCOME_INTERRUPTED) {
    fai_warn("%s; writing what was evaluated", err.msg);
    fai_interrupt_reset();
    code = FAI_EXIT_INTERRUPTED;
    st = FAI_OK;
  }
  if (st != FAI_OK) goto fail;
  fai_plan_run_info(&plan, be.name, cc.threads);
  if (cc.out && (st = fai_plan_write(&plan, cc.out, &err)) != FAI_OK) goto fail;

  if (!strcmp(cc.format, "json")) {
    char *txt = fai_json_dumps(json_object_get(plan.doc, "metrics"));
    if (txt) fputs(txt, stdout);
    free(txt);
  } else if (!strcmp(cc.format, "csv")) {
    printf("method,mean_s,p95_s,dataset_min_s,dataset_max_s,expected_objective_s\n");
    for (int m = 0; m < FAI_SXN_METHODS; m++)
      printf("%s,%.6f,%.6f,%.6f,%.6f,%.6f\n", fai_sxn_method_name(m), res.mean_s[m], res.p95_s[m],
             res.ds_min_s[m], res.ds_max_s[m], res.objective[m]);
  } else {
    printf("Space-XNet placement: %d satellites, %d layers x %d experts, %d graphs "
           "(snapshots x failure draws), %ld tokens%s\n",
           res.n_sats, res.layers, res.experts, res.n_graphs, res.tokens_done,
           res.datasets > 1 ? " per dataset" : "");
    if (!p.expected_only) {
      printf("  %-16s %10s %10s %10s  %s\n", "method", "mean s/tok", "p95 s/tok", "vs S-XNet",
             res.datasets > 1 ? "dataset range" : "");
      for (int m = 0; m < FAI_SXN_METHODS; m++) {
        printf("  %-16s %10.4f %10.4f %9.2fx", fai_sxn_method_name(m), res.mean_s[m], res.p95_s[m],
               res.mean_s[m] / res.mean_s[FAI_SXN_SPACEXNET]);
        if (res.datasets > 1) printf("  %.4f-%.4f", res.ds_min_s[m], res.ds_max_s[m]);
        printf("\n");
      }
      printf("  compute per token %.4f s (one expert per satellite); unreachable legs: %lld in "
             "expected latencies, %lld in tokens\n",
             res.compute_s, res.unreachable_expected, res.unreachable_tokens);
    } else {
      printf("  expected latencies and placement only; unreachable legs: %lld\n",
             res.unreachable_expected);
    }
    printf("  outcome %s%s%s\n", fai_outcome_name(res.outcome), cc.out ? ", plan " : "",
           cc.out ? cc.out : "");
  }
  fai_plan_free(&plan);
  return code;

fail:
  cli_report(cmd, &err);
  fai_plan_free(&plan);
  return cli_exit_code(st);
}
