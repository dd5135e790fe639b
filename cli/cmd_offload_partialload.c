/* `fluidai offload partialload`: PartialLoading scheduling (PAPERS §6).
 *   offload partialload INSTANCE.json   schedule + bandwidth → plan
 *   offload partialload gen -o FILE     write a synthetic instance */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fluidai/json.h"
#include "fluidai/partialload.h"

static const char *const PL_HELP =
    "usage: fluidai offload partialload INSTANCE.json [--algo A] [-o PLAN.json]\n"
    "       fluidai offload partialload gen -o INSTANCE.json [GEN OPTIONS]\n\n"
    "Schedules inference requests on one edge server whose GPU loads only the\n"
    "parameter blocks the next model does not share with the resident one, then\n"
    "splits the uplink bandwidth so every scheduled input arrives in time\n"
    "(PartialLoading, PAPERS.md §6).  Maximises the requests finished by their\n"
    "deadlines; writes a plan (-o) with the schedule (order, start, finish, load\n"
    "time and bytes, bandwidth, upload time) and prints a summary.\n\n"
    "Options:\n"
    "  --algo A     dp (default): backbone-sharing DP, exact for serving the chosen\n"
    "               requests in deadline order; needs a backbone-sharing library\n"
    "               (one shared block per model)\n"
    "               greedy: least load+compute next (any library)\n"
    "               no-sharing: the DP with full-model loads (baseline)\n"
    "               fcfs / edd: request / deadline order, skipping late ones\n"
    "               brute: every order of every subset (at most 10 requests)\n"
    "               exact: the same optimum by a DP over each model's requests in\n"
    "               deadline order (any library; refused beyond 2^24 states)\n\n"
    "Gen options (PAPERS §6.4 defaults):\n"
    "  --requests K            requests (20)\n"
    "  --clusters C            backbones 1..3: ResNet-50 94 MB, ViT-B 330 MB,\n"
    "                          BERT-base 418 MB (3)\n"
    "  --models-per-cluster M  fine-tuned models per backbone (10)\n"
    "  --r-load BYTES_S        host-to-GPU loading rate (12e9)\n"
    "  --bandwidth HZ          uplink bandwidth B (100e6)\n"
    "  --deadline MIN,MAX      deadlines in seconds, uniform (0.5,2)\n"
    "  --compute-ms A,B,C      compute time per cluster in ms (15,40,30)\n"
    "  --bits MIN,MAX          input bits, uniform (2e5,2e6)\n"
    "  --distance MIN,MAX      user distances in metres, uniform (50,300)\n"
    "  --seed N                (1)\n\n"
    "Exit status: 0 solved (also when few requests fit); 3 bad input (unknown model,\n"
    "negative sizes or rates, B <= 0, dp on a library that is not backbone-sharing,\n"
    "brute with more than 10 requests, exact beyond its state limit, dp or\n"
    "no-sharing beyond 1e9 table entries: K·(K+1)·(models+1), about K = 5600).\n" CLI_COMMON_HELP;

enum {
  OPT_ALGO = 2000,
  OPT_REQUESTS,
  OPT_CLUSTERS,
  OPT_MPC,
  OPT_RLOAD,
  OPT_BW,
  OPT_DEADLINE,
  OPT_COMPUTE,
  OPT_BITS,
  OPT_DIST
};

static int common_or_usage(int opt, cli_common *cc) {
  const int r = cli_common_option(cc, opt, optarg);
  if (r < 0) return FAI_EXIT_INPUT;
  if (r > 0) {
    fputs("Try 'fluidai offload partialload --help'.\n", stderr);
    return FAI_EXIT_USAGE;
  }
  return -1;
}

/* "A[,B[,C...]]" → up to n non-negative numbers (missing ones repeat the last). */
static int number_list(const char *opt, const char *arg, double *out, int n, int positive) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", arg);
  char *p = buf;
  int got = 0;
  while (got < n) {
    char *comma = strchr(p, ',');
    if (comma) *comma = '\0';
    if (cli_parse_double("offload partialload", opt, p, &out[got])) return -1;
    if (!isfinite(out[got]) || out[got] < 0 || (positive && !(out[got] > 0))) {
      fprintf(stderr, "fluidai offload partialload: error: %s: %s; expected %s numbers\n", opt, arg,
              positive ? "positive" : "non-negative");
      return -1;
    }
    got++;
    if (!comma) break;
    p = comma + 1;
    if (got == n) {
      fprintf(stderr, "fluidai offload partialload: error: %s: %s; expected at most %d numbers\n",
              opt, arg, n);
      return -1;
    }
  }
  for (int i = got; i < n; i++) out[i] = out[got - 1];
  return 0;
}

static int cmd_pl_gen(int argc, char **argv) {
  static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                            {"requests", required_argument, 0, OPT_REQUESTS},
                                            {"clusters", required_argument, 0, OPT_CLUSTERS},
                                            {"models-per-cluster", required_argument, 0, OPT_MPC},
                                            {"r-load", required_argument, 0, OPT_RLOAD},
                                            {"bandwidth", required_argument, 0, OPT_BW},
                                            {"deadline", required_argument, 0, OPT_DEADLINE},
                                            {"compute-ms", required_argument, 0, OPT_COMPUTE},
                                            {"bits", required_argument, 0, OPT_BITS},
                                            {"distance", required_argument, 0, OPT_DIST},
                                            {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  fai_pl_gen_params gp;
  fai_pl_gen_params_init(&gp);
  optind = 1;
  int opt;
  double v[3];
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    switch (opt) {
      case 'h': fputs(PL_HELP, stdout); return FAI_EXIT_OK;
      case '?': fputs("Try 'fluidai offload partialload --help'.\n", stderr); return FAI_EXIT_USAGE;
      case OPT_REQUESTS:
        if (cli_parse_int("offload partialload", "--requests", optarg, 1, 1000000, &gp.requests))
          return FAI_EXIT_INPUT;
        break;
      case OPT_CLUSTERS:
        if (cli_parse_int("offload partialload", "--clusters", optarg, 1, 3, &gp.clusters))
          return FAI_EXIT_INPUT;
        break;
      case OPT_MPC:
        if (cli_parse_int("offload partialload", "--models-per-cluster", optarg, 1, 10000,
                          &gp.models_per_cluster))
          return FAI_EXIT_INPUT;
        break;
      case OPT_RLOAD:
        if (number_list("--r-load", optarg, &gp.r_load, 1, 1)) return FAI_EXIT_INPUT;
        break;
      case OPT_BW:
        if (number_list("--bandwidth", optarg, &gp.bandwidth_hz, 1, 1)) return FAI_EXIT_INPUT;
        break;
      case OPT_DEADLINE:
        if (number_list("--deadline", optarg, v, 2, 0)) return FAI_EXIT_INPUT;
        gp.deadline_min_s = v[0], gp.deadline_max_s = v[1];
        break;
      case OPT_COMPUTE:
        if (number_list("--compute-ms", optarg, v, 3, 0)) return FAI_EXIT_INPUT;
        for (int c = 0; c < 3; c++) gp.compute_s[c] = v[c] / 1000;
        break;
      case OPT_BITS:
        if (number_list("--bits", optarg, v, 2, 0)) return FAI_EXIT_INPUT;
        gp.bits_min = v[0], gp.bits_max = v[1];
        break;
      case OPT_DIST:
        if (number_list("--distance", optarg, v, 2, 1)) return FAI_EXIT_INPUT;
        gp.dmin_m = v[0], gp.dmax_m = v[1];
        break;
      default: {
        const int code = common_or_usage(opt, &cc);
        if (code >= 0) return code;
      }
    }
  }
  if (cli_gen_args("offload partialload gen", argc, argv, optind, &cc)) return FAI_EXIT_USAGE;
  if (cc.has_seed) gp.seed = cc.seed;
  fai_error err;
  fai_error_clear(&err);
  json_t *doc = NULL;
  fai_status st = fai_pl_generate(&gp, &doc, &err);
  if (st == FAI_OK) st = fai_json_write_file(doc, cc.out, &err);
  json_decref(doc);
  if (st != FAI_OK) {
    cli_report("offload partialload gen", &err);
    return cli_exit_code(st);
  }
  if (!cc.quiet)
    printf("%s: PartialLoading instance with %d requests, %d models in %d clusters (seed %llu)\n",
           cc.out, gp.requests, gp.clusters * gp.models_per_cluster, gp.clusters,
           (unsigned long long)gp.seed);
  return FAI_EXIT_OK;
}

static void print_summary(const fai_pl_instance *inst, const fai_pl_solution *s, const char *path,
                          const char *out) {
  const int nc = fai_pl_backbone(&inst->lib, NULL, NULL, NULL, NULL, 0);
  char shape[64];
  if (nc >= 0) snprintf(shape, sizeof shape, "backbone-sharing, %d clusters", nc);
  else snprintf(shape, sizeof shape, "general sharing");
  printf("%s: %d requests, %d models (%s); algo %s\n", path, inst->K, inst->lib.n_models, shape,
         fai_pl_algo_name(s->algo));
  printf("throughput %d/%d on time (scheduled %d, %d dropped by bandwidth); %s\n", s->n, inst->K,
         s->n_stage, s->dropped, fai_outcome_name(s->outcome));
  printf("loaded %.6g MB (no sharing: %.6g MB, saved %.6g MB); bandwidth %.6g of %.6g MHz, "
         "common upload time %.6g s\n",
         (double)s->loaded_bytes / 1e6, (double)s->no_sharing_bytes / 1e6,
         (double)(s->no_sharing_bytes - s->loaded_bytes) / 1e6, s->bandwidth_used_hz / 1e6,
         inst->bandwidth_hz / 1e6, s->common_upload_s);
  if (out) printf("plan written to %s\n", out);
}

static void print_csv(const fai_pl_instance *inst, const fai_pl_solution *s) {
  printf("position,request,model,load_bytes,load_s,start_s,finish_s,deadline_s,bandwidth_hz,"
         "upload_s\n");
  for (int q = 0; q < s->n; q++) {
    const fai_pl_entry *e = &s->sched[q];
    printf("%d,%s,%s,%lld,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g\n", q, fai_pl_request_id(inst, e->request),
           fai_library_model_id(&inst->lib, inst->model[e->request]), (long long)e->load_bytes,
           e->load_s, e->start_s, e->finish_s, inst->deadline_s[e->request], e->bandwidth_hz,
           e->upload_s);
  }
}

int cmd_offload_partialload(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "gen")) return cmd_pl_gen(argc - 1, argv + 1);
  static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                            {"algo", required_argument, 0, OPT_ALGO},
                                            {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  fai_pl_algo algo = FAI_PL_DP;
  optind = 1;
  int opt;
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    switch (opt) {
      case 'h': fputs(PL_HELP, stdout); return FAI_EXIT_OK;
      case '?': fputs("Try 'fluidai offload partialload --help'.\n", stderr); return FAI_EXIT_USAGE;
      case OPT_ALGO:
        if (fai_pl_algo_parse(optarg, &algo)) {
          fprintf(stderr, "fluidai offload partialload: error: --algo: \"%s\"; expected dp, greedy, "
                          "no-sharing, fcfs, edd, brute or exact\n", optarg);
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
    fprintf(stderr, "fluidai offload partialload: error: expected one instance file, got %d\n"
                    "Try 'fluidai offload partialload --help'.\n", argc - optind);
    return FAI_EXIT_USAGE;
  }
  const char *path = argv[optind];
  fai_error err;
  fai_error_clear(&err);
  fai_pl_instance inst;
  fai_pl_instance_init(&inst);
  fai_pl_solution sol;
  memset(&sol, 0, sizeof sol);
  fai_plan plan = {NULL, NULL};
  fai_status st = fai_pl_instance_load_file(path, &inst, &err);
  if (st != FAI_OK) goto fail;
  if ((st = fai_pl_solve(&inst, algo, &sol, &err)) != FAI_OK) goto fail;
  if ((st = fai_pl_plan(&inst, &sol, &plan, &err)) != FAI_OK) goto fail;
  if ((st = fai_plan_add_input_file(&plan, "instance", path, &err)) != FAI_OK) goto fail;
  fai_plan_run_info(&plan, "cpu", 1);
  if (cc.out && (st = fai_plan_write(&plan, cc.out, &err)) != FAI_OK) goto fail;
  if (!strcmp(cc.format, "json")) {
    char *txt = fai_json_dumps(plan.doc);
    if (txt) fputs(txt, stdout);
    free(txt);
  } else if (!strcmp(cc.format, "csv")) {
    print_csv(&inst, &sol);
  } else if (!cc.quiet) {
    print_summary(&inst, &sol, path, cc.out);
  }
  fai_plan_free(&plan);
  fai_pl_solution_free(&sol);
  fai_pl_instance_free(&inst);
  return FAI_EXIT_OK;
fail:
  if (!err.file[0] && st != FAI_EIO && st != FAI_ENOMEM) snprintf(err.file, sizeof err.file, "%s", path);
  cli_report("offload partialload", &err);
  fai_plan_free(&plan);
  fai_pl_solution_free(&sol);
  fai_pl_instance_free(&inst);
  return cli_exit_code(st);
}
