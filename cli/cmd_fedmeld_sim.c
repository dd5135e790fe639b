/* `fluidai fedmeld sim`: federated training of FedMeld and its baselines on
 * the planner's wall-clock axis (PAPERS.md §4.3, §13); `--pilot` estimates
 * the bound's constants for `fedmeld plan --constants`. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "fluidai/fedmeld.h"
#include "fluidai/fl.h"
#include "fluidai/io.h"
#include "fluidai/json.h"
#include "fluidai/plan.h"

static const char *const HELP =
    "usage: fluidai fedmeld sim [--plan PLAN.json] [OPTIONS] -o OUTDIR|RESULT.json\n"
    "       fluidai fedmeld sim --pilot [OPTIONS] -o CONSTANTS.json\n\n"
    "Trains every scheme of the timing (FedMeld with the planned tau*, alpha*; FedMeld\n"
    "with alpha = 1/2; FedMeld with a fixed tau; ground-station FL; ISL FL) on 8 areas x 5\n"
    "clients with 3 labels per area (non-IID), and reports test accuracy against hours of\n"
    "constellation time and the bits each scheme sends over access, feeder and ISL links.\n"
    "A scheme aggregates at first_round_at_s + r*round_s while within the horizon, so one\n"
    "with longer rounds gets fewer rounds.  FedMeld's accuracy is that of the mean of the\n"
    "area models (area_accuracy: the mean accuracy of the area models).\n\n"
    "Output: -o DIR writes DIR/result.json (+ .run.json) and DIR/curve.csv; -o FILE.json\n"
    "writes the result (curve included).  A summary table goes to stdout.\n\n"
    "Options:\n"
    "  --plan PLAN.json        timing from `fluidai fedmeld plan` (decisions.timing);\n"
    "                          default: the planner's default timing\n"
    "  --horizon-hours H       time budget without --plan (24)\n"
    "  --model mlp|logreg      784-H-H-10 ReLU MLP (default) or softmax regression\n"
    "  --hidden H              MLP width (200)\n"
    "  --batch B / --lr X      mini-batch (32) and SGD step size (0.05)\n"
    "  --data D                fashion-mnist (Debian package dataset-fashion-mnist, files in\n"
    "                          " FAI_FL_DEFAULT_DATA_DIR "), synthetic, or a directory\n"
    "                          with the four IDX files; default fashion-mnist when installed,\n"
    "                          else synthetic\n"
    "  --synthetic-dim N       pixels of synthetic samples (784)\n"
    "  --samples-per-client N  training samples per client (500)\n"
    "  --labels-per-area N     labels an area's clients draw from (3)\n"
    "  --test-samples N        test samples evaluated (2000; 0 = all)\n"
    "  --eval-points N         evaluations per scheme (40)\n"
    "  --no-area-eval          skip the per-area-model accuracy (faster)\n"
    "  --max-rounds N          cap the rounds of every scheme (tests)\n"
    "  --schemes A,B,...       only these schemes of the timing\n"
    "  --pilot                 estimate L, sigma2, zeta2, G2, F_gap (F0 - F*) from the initial\n"
    "                          model and write them (-o CONSTANTS.json) for fedmeld plan\n"
    "  --pilot-steps N         local steps of the pilot's smoothness secant (5)\n"
    "  --calibrate-steps S     local steps of the pilot's calibration runs of c2, c3\n"
    "                          (global FedAvg with tau = 1, S/8, S; a multiple of 8;\n"
    "                          256; 0: no calibration, c2 = c3 = 1)\n"
    "  --calibrate-warmup W    tau = 1 FedAvg steps before the calibration runs (1024)\n"
    "  --calibrate-staleness D carried-model age (rounds of S/8 steps) of the pilot's\n"
    "                          stale dispersal run that calibrates c3 (4)\n"
    "  --drift-exponent X|fit  exponent gamma of the bound's tau^gamma (2: PAPERS' tau^2),\n"
    "                          or fit: fitted by the calibration runs\n"
    "  --cublas                dense layers by cuBLAS GEMMs (cuda backend only): faster on\n"
    "                          wide layers, equal to the cpu only to float rounding (the\n"
    "                          default kernels give the cpu's bits)\n\n"
    "Exit status: 0 done; 2 usage; 3 bad input (plan, IDX file, missing data set);\n"
    "4 backend unavailable; 130 interrupted (the curve so far is written).\n" CLI_COMMON_HELP;

enum {
  OPT_PLAN = 2000,
  OPT_HORIZON,
  OPT_MODEL,
  OPT_HIDDEN,
  OPT_BATCH,
  OPT_LR,
  OPT_DATA,
  OPT_SDIM,
  OPT_SPC,
  OPT_LPA,
  OPT_TEST,
  OPT_EVALS,
  OPT_NO_AREA,
  OPT_MAXR,
  OPT_SCHEMES,
  OPT_PILOT,
  OPT_PILOT_STEPS,
  OPT_CAL_STEPS,
  OPT_CAL_WARMUP,
  OPT_DRIFT_EXP,
  OPT_CAL_STALE,
  OPT_CUBLAS
};

static int ends_with(const char *s, const char *suf) {
  const size_t a = strlen(s), b = strlen(suf);
  return a >= b && !strcmp(s + a - b, suf);
}

static const char *kind_name(fai_fl_scheme_kind k) {
  return k == FAI_FL_DISPERSAL ? "dispersal" : k == FAI_FL_GS ? "gs" : "isl";
}

static json_t *timing_json(const fai_fedmeld_timing *tm) {
  json_t *o = json_object(), *arr = json_array();
  json_object_set_new(o, "n_areas", json_integer(tm->n_areas));
  json_object_set_new(o, "clients_per_area", json_integer(tm->clients_per_area));
  json_object_set_new(o, "horizon_s", json_real(tm->horizon_s));
  json_object_set_new(o, "t_cmp_s", json_real(tm->t_cmp_s));
  json_object_set_new(o, "t_com_s", json_real(tm->t_com_s));
  json_object_set_new(o, "t_travel_s", json_real(tm->t_travel_s));
  json_object_set_new(o, "model_bits", json_real(tm->model_bits));
  json_object_set_new(o, "n_schemes", json_integer(tm->n_schemes));
  for (int i = 0; i < tm->n_schemes; ++i) {
    const fai_fedmeld_scheme *s = &tm->schemes[i];
    json_array_append_new(
        arr, json_pack("{s:s, s:s, s:i, s:f, s:i, s:f, s:f, s:f, s:f, s:f}", "name", s->name,
                       "kind", kind_name(s->kind), "tau", s->tau, "alpha", s->alpha, "delta",
                       s->delta, "round_s", s->round_s, "first_round_at_s", s->first_round_at_s,
                       "access_bits_round", s->access_bits_round, "feeder_bits_round",
                       s->feeder_bits_round, "isl_bits_round", s->isl_bits_round));
  }
  json_object_set_new(o, "schemes", arr);
  return o;
}

/* Keep only the named schemes (comma list); 0 ok, -1 an unknown name. */
static int select_schemes(fai_fedmeld_timing *tm, const char *list) {
  fai_fedmeld_timing keep = *tm;
  char buf[512];
  keep.n_schemes = 0;
  snprintf(buf, sizeof buf, "%s", list);
  for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
    int found = -1;
    for (int i = 0; i < tm->n_schemes; ++i)
      if (!strcmp(tm->schemes[i].name, tok)) found = i;
    if (found < 0) {
      fprintf(stderr, "fluidai fedmeld sim: error: --schemes: \"%s\" is not in the timing (",
              tok);
      for (int i = 0; i < tm->n_schemes; ++i)
        fprintf(stderr, "%s%s", i ? ", " : "", tm->schemes[i].name);
      fputs(")\n", stderr);
      return -1;
    }
    if (keep.n_schemes < FAI_FEDMELD_MAX_SCHEMES) keep.schemes[keep.n_schemes++] = tm->schemes[found];
  }
  *tm = keep;
  return 0;
}

static void print_summary(const fai_fedmeld_timing *tm, const fai_fl_sim_result *r,
                          const char *data_name, const char *out) {
  printf("fluidai fedmeld sim: %d areas x %d clients, data %s, horizon %.4g h\n", tm->n_areas,
         tm->clients_per_area, data_name, tm->horizon_s / 3600.0);
  printf("  %-20s %-9s %5s %5s %5s %8s %7s %8s %8s %7s %10s %10s %10s\n", "scheme", "kind", "tau",
         "alpha", "delta", "round_s", "rounds", "accuracy", "area_acc", "loss", "access_Gb",
         "feeder_Gb", "isl_Gb");
  for (int si = 0; si < r->n_schemes; ++si) {
    const fai_fedmeld_scheme *s = &tm->schemes[si];
    const fai_fl_point *last = NULL;
    for (int i = 0; i < r->n_points; ++i)
      if (r->points[i].scheme == si) last = &r->points[i];
    printf("  %-20s %-9s %5d %5.3g %5d %8.4g %3d/%-3d ", s->name, kind_name(s->kind), s->tau,
           s->alpha, s->delta, s->round_s, r->rounds_done[si], r->rounds_planned[si]);
    if (last)
      printf("%8.4f %8.4f %7.4f %10.4g %10.4g %10.4g\n", last->accuracy, last->area_accuracy,
             last->loss, last->access_bits / 1e9, last->feeder_bits / 1e9, last->isl_bits / 1e9);
    else
      printf("%8s\n", "-");
  }
  printf("  outcome %s%s%s\n", fai_outcome_name(r->outcome), out ? "; written to " : "",
         out ? out : "");
}

static double wall_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int cmd_fedmeld_sim(int argc, char **argv) {
  static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                            {"plan", required_argument, 0, OPT_PLAN},
                                            {"horizon-hours", required_argument, 0, OPT_HORIZON},
                                            {"model", required_argument, 0, OPT_MODEL},
                                            {"hidden", required_argument, 0, OPT_HIDDEN},
                                            {"batch", required_argument, 0, OPT_BATCH},
                                            {"lr", required_argument, 0, OPT_LR},
                                            {"data", required_argument, 0, OPT_DATA},
                                            {"synthetic-dim", required_argument, 0, OPT_SDIM},
                                            {"samples-per-client", required_argument, 0, OPT_SPC},
                                            {"labels-per-area", required_argument, 0, OPT_LPA},
                                            {"test-samples", required_argument, 0, OPT_TEST},
                                            {"eval-points", required_argument, 0, OPT_EVALS},
                                            {"no-area-eval", no_argument, 0, OPT_NO_AREA},
                                            {"max-rounds", required_argument, 0, OPT_MAXR},
                                            {"schemes", required_argument, 0, OPT_SCHEMES},
                                            {"pilot", no_argument, 0, OPT_PILOT},
                                            {"pilot-steps", required_argument, 0, OPT_PILOT_STEPS},
                                            {"calibrate-steps", required_argument, 0, OPT_CAL_STEPS},
                                            {"calibrate-warmup", required_argument, 0, OPT_CAL_WARMUP},
                                            {"drift-exponent", required_argument, 0, OPT_DRIFT_EXP},
                                            {"calibrate-staleness", required_argument, 0, OPT_CAL_STALE},
                                            {"cublas", no_argument, 0, OPT_CUBLAS},
                                            {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  fai_fl_sim_params sp;
  fai_fl_sim_params_init(&sp);
  fai_fl_synth_params syn;
  fai_fl_synth_params_init(&syn);
  const char *plan_path = NULL, *data = NULL, *schemes = NULL;
  double horizon_h = 24.0;
  int pilot = 0, pilot_steps = 5, iv = 0, cublas = 0;
  fai_fl_calibration cal;
  fai_fl_calibration_init(&cal);
  optind = 1;
  int opt;
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    switch (opt) {
      case 'h': fputs(HELP, stdout); return FAI_EXIT_OK;
      case '?': fputs("Try 'fluidai fedmeld sim --help'.\n", stderr); return FAI_EXIT_USAGE;
      case OPT_PLAN: plan_path = optarg; break;
      case OPT_HORIZON:
        if (cli_parse_double("fedmeld sim", "--horizon-hours", optarg, &horizon_h))
          return FAI_EXIT_INPUT;
        if (!(horizon_h > 0) || !isfinite(horizon_h)) {
          fprintf(stderr, "fluidai fedmeld sim: error: --horizon-hours: %s; expected > 0\n", optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      case OPT_MODEL:
        if (!strcmp(optarg, "mlp")) sp.model = FAI_FL_MLP;
        else if (!strcmp(optarg, "logreg")) sp.model = FAI_FL_LOGREG;
        else {
          fprintf(stderr, "fluidai fedmeld sim: error: --model: \"%s\"; expected mlp or logreg\n",
                  optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      case OPT_HIDDEN:
        if (cli_parse_int("fedmeld sim", "--hidden", optarg, 1, 4096, &sp.hidden))
          return FAI_EXIT_INPUT;
        break;
      case OPT_BATCH:
        if (cli_parse_int("fedmeld sim", "--batch", optarg, 1, 4096, &sp.batch))
          return FAI_EXIT_INPUT;
        break;
      case OPT_LR:
        if (cli_parse_double("fedmeld sim", "--lr", optarg, &sp.lr)) return FAI_EXIT_INPUT;
        if (!(sp.lr > 0) || !isfinite(sp.lr)) {
          fprintf(stderr, "fluidai fedmeld sim: error: --lr: %s; expected > 0\n", optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      case OPT_DATA: data = optarg; break;
      case OPT_SDIM:
        if (cli_parse_int("fedmeld sim", "--synthetic-dim", optarg, 1, 1 << 16, &syn.dim))
          return FAI_EXIT_INPUT;
        break;
      case OPT_SPC:
        if (cli_parse_int("fedmeld sim", "--samples-per-client", optarg, 1, 1 << 20,
                          &sp.samples_per_client))
          return FAI_EXIT_INPUT;
        break;
      case OPT_LPA:
        if (cli_parse_int("fedmeld sim", "--labels-per-area", optarg, 1, 10, &sp.labels_per_area))
          return FAI_EXIT_INPUT;
        break;
      case OPT_TEST:
        if (cli_parse_int("fedmeld sim", "--test-samples", optarg, 0, 1 << 24, &iv))
          return FAI_EXIT_INPUT;
        sp.test_samples = iv;
        break;
      case OPT_EVALS:
        if (cli_parse_int("fedmeld sim", "--eval-points", optarg, 1, 100000, &sp.eval_points))
          return FAI_EXIT_INPUT;
        break;
      case OPT_NO_AREA: sp.area_eval = 0; break;
      case OPT_MAXR:
        if (cli_parse_int("fedmeld sim", "--max-rounds", optarg, 1, 10000000, &sp.max_rounds))
          return FAI_EXIT_INPUT;
        break;
      case OPT_SCHEMES: schemes = optarg; break;
      case OPT_PILOT: pilot = 1; break;
      case OPT_CUBLAS: cublas = 1; break;
      case OPT_CAL_WARMUP:
        if (cli_parse_int("fedmeld sim", "--calibrate-warmup", optarg, 0, 1000000, &cal.warmup))
          return FAI_EXIT_INPUT;
        break;
      case OPT_CAL_STALE:
        if (cli_parse_int("fedmeld sim", "--calibrate-staleness", optarg, 1, 64, &cal.stale_rounds))
          return FAI_EXIT_INPUT;
        break;
      case OPT_DRIFT_EXP:
        if (!strcmp(optarg, "fit")) cal.drift_exponent = 0;
        else if (cli_parse_double("fedmeld sim", "--drift-exponent", optarg, &cal.drift_exponent))
          return FAI_EXIT_INPUT;
        else if (!(cal.drift_exponent > 0)) {
          fprintf(stderr, "fluidai fedmeld sim: error: --drift-exponent: \"%s\"; expected fit or "
                          "a positive number\n", optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      case OPT_PILOT_STEPS:
        if (cli_parse_int("fedmeld sim", "--pilot-steps", optarg, 1, 1000, &pilot_steps))
          return FAI_EXIT_INPUT;
        break;
      case OPT_CAL_STEPS:
        if (cli_parse_int("fedmeld sim", "--calibrate-steps", optarg, 0, 100000, &cal.steps))
          return FAI_EXIT_INPUT;
        if (cal.steps % 8) {
          fprintf(stderr, "fluidai fedmeld sim: error: --calibrate-steps: \"%s\"; expected 0 or "
                          "a multiple of 8\n", optarg);
          return FAI_EXIT_INPUT;
        }
        break;
      default: {
        const int r = cli_common_option(&cc, opt, optarg);
        if (r < 0) return FAI_EXIT_INPUT;
        if (r > 0) {
          fputs("Try 'fluidai fedmeld sim --help'.\n", stderr);
          return FAI_EXIT_USAGE;
        }
      }
    }
  }
  if (optind != argc) {
    fprintf(stderr, "fluidai fedmeld sim: error: unexpected argument \"%s\"\n"
                    "Try 'fluidai fedmeld sim --help'.\n", argv[optind]);
    return FAI_EXIT_USAGE;
  }
  if (pilot && (!cc.out || !ends_with(cc.out, ".json"))) {
    fputs("fluidai fedmeld sim: error: --pilot needs -o CONSTANTS.json\n", stderr);
    return FAI_EXIT_USAGE;
  }
  if (cc.has_seed) sp.seed = syn.seed = cc.seed;
  sp.time_limit_s = cc.time_limit_s;

  fai_error err;
  fai_error_clear(&err);
  fai_status st = FAI_OK;
  fai_fedmeld_timing tm;
  fai_fl_dataset train, test;
  fai_fl_sim_result res;
  fai_plan plan = {NULL, NULL};
  fai_json_doc *pdoc = NULL;
  fai_outdir od;
  int od_open = 0, code = FAI_EXIT_OK;
  char data_name[600];
  memset(&train, 0, sizeof train);
  memset(&test, 0, sizeof test);
  memset(&res, 0, sizeof res);

  fai_interrupt_install(); /* before the data load: Ctrl-C then stops at the first round */

  /* Timing. */
  if (plan_path) {
    if ((st = fai_json_load_file(plan_path, &pdoc, &err)) != FAI_OK) goto fail;
    /* Located errors: line:col and $.decisions.timing... paths of the plan file. */
    fai_jv root = fai_jv_root(pdoc), dec, tj;
    if (!json_is_object(root.v)) {
      st = fai_jv_error(&root, FAI_EINVAL, &err, "expected a plan object of `fluidai fedmeld plan`");
      goto fail;
    }
    if (!fai_jv_member(&root, "decisions", &dec) || !json_is_object(dec.v) ||
        !fai_jv_member(&dec, "timing", &tj)) {
      st = fai_error_set_at(&err, FAI_EINVAL, plan_path, 0, 0, "$.decisions.timing",
                            "missing; expected the timing object of `fluidai fedmeld plan`");
      goto fail;
    }
    if ((st = fai_fedmeld_timing_from_jv(&tj, &tm, &err)) != FAI_OK) goto fail;
  } else if ((st = fai_fedmeld_plan_default_timing(sp.seed, horizon_h * 3600.0, &tm, &err)) !=
             FAI_OK) {
    goto fail;
  }
  if (schemes && select_schemes(&tm, schemes)) {
    code = FAI_EXIT_INPUT;
    goto done;
  }

  /* Output place checked before long work. */
  if (cc.out && !ends_with(cc.out, ".json") && (st = fai_outdir_check(cc.out, &err)) != FAI_OK)
    goto fail;

  /* Data. */
  if (!data) data = fai_fl_fashion_mnist_present(NULL) ? "fashion-mnist" : "synthetic";
  if (!strcmp(data, "synthetic")) {
    syn.n_train = (int64_t)sp.samples_per_client * tm.n_areas * tm.clients_per_area * 2;
    if (syn.n_train < 10 * syn.n_classes) syn.n_train = 10 * syn.n_classes;
    syn.n_test = sp.test_samples > 0 ? sp.test_samples : 2000;
    if ((st = fai_fl_synthetic(&syn, &train, &test, &err)) != FAI_OK) goto fail;
    snprintf(data_name, sizeof data_name, "synthetic (%d pixels, seed %llu)", syn.dim,
             (unsigned long long)syn.seed);
  } else {
    const char *dir = !strcmp(data, "fashion-mnist") ? NULL : data;
    if ((st = fai_fl_load_fashion_mnist(dir, &train, &test, &err)) != FAI_OK) goto fail;
    snprintf(data_name, sizeof data_name, "fashion-mnist (%s)", dir ? dir : FAI_FL_DEFAULT_DATA_DIR);
  }

  if (pilot) {
    fai_fl_model m;
    fai_fl_partition part;
    fai_fl_constants k;
    if ((st = fai_fl_model_init(&m, sp.model, train.dim, sp.hidden, train.n_classes, &err)) != FAI_OK)
      goto fail;
    if ((st = fai_fl_partition_noniid(&train, tm.n_areas, tm.clients_per_area, sp.labels_per_area,
                                      sp.samples_per_client, sp.seed, &part, &err)) != FAI_OK)
      goto fail;
    st = fai_fl_pilot_calibrated(&m, &train, &part, sp.batch, sp.lr, pilot_steps, &cal, sp.seed,
                                 cc.threads, &k, &err);
    fai_fl_partition_free(&part);
    if (st != FAI_OK) goto fail;
    json_t *o = fai_fl_constants_json(&k);
    st = fai_json_write_file(o, cc.out, &err);
    json_decref(o);
    if (st != FAI_OK) goto fail;
    if (!cc.quiet) {
      printf("pilot on %s: L %.6g, sigma2 %.6g, zeta2 %.6g, G2 %.6g, F_gap %.6g, eta %g, "
             "batch %g\n", data_name, k.L, k.sigma2, k.zeta2, k.G2, k.F0_minus_Fstar, k.eta,
             k.batch);
      if (k.calibrated)
        printf("calibration (%d warm-up + %d steps, tau 1/%d/%d: loss %.4g -> %.4g/%.4g/%.4g): "
               "c2 %.6g, c3 %.6g, drift exponent %.4g%s\n",
               k.cal_warmup, k.cal_steps, k.cal_taus[1], k.cal_taus[2], k.cal_loss_start,
               k.cal_loss[0], k.cal_loss[1], k.cal_loss[2], k.c2, k.c3, k.drift_exponent,
               k.drift_exponent_fitted ? " (fitted)" : "");
      printf("written to %s\n", cc.out);
    }
    goto done;
  }

  fai_backend be;
  if ((st = fai_backend_select(cc.backend, cc.threads, &be, &err)) != FAI_OK) goto fail;
  if (cublas) {
    if (strcmp(be.name, "cuda")) {
      st = fai_error_set(&err, FAI_ENODEV, "--cublas needs the cuda backend; %s ran (no usable "
                                           "CUDA device, or --backend cpu)", be.name);
      goto fail;
    }
    be.fl_cublas = 1;
  }
  cli_progress cp;
  cli_progress_init(&cp, cc.quiet ? PROGRESS_NONE : cc.progress, &sp.progress);
  const double t0 = wall_s();
  st = fai_fl_simulate(&be, &tm, &train, &test, &sp, &res, &err);
  const double secs = wall_s() - t0;
  cli_progress_finish(&cp);
  if (st != FAI_OK) goto fail;

  if ((st = fai_plan_init(&plan, "fedmeld.sim", sp.seed, &err)) != FAI_OK) goto fail;
  fai_plan_set(&plan, "inputs",
               json_pack("{s:s, s:s, s:i, s:i, s:f, s:s, s:i, s:i, s:I, s:i, s:b, s:i}", "model",
                         sp.model == FAI_FL_MLP ? "mlp" : "logreg", "data", data_name, "hidden",
                         sp.model == FAI_FL_MLP ? sp.hidden : 0, "batch", sp.batch, "lr", sp.lr,
                         "timing_source", plan_path ? "plan" : "default", "samples_per_client",
                         sp.samples_per_client, "labels_per_area", sp.labels_per_area,
                         "test_samples", (json_int_t)(sp.test_samples > 0 && sp.test_samples < test.n ? sp.test_samples : test.n),
                         "eval_points", sp.eval_points, "area_eval", sp.area_eval, "max_rounds",
                         sp.max_rounds));
  if (plan_path && (st = fai_plan_add_input_file(&plan, "plan", plan_path, &err)) != FAI_OK) goto fail;
  fai_plan_set(&plan, "decisions", json_pack("{s:o}", "timing", timing_json(&tm)));
  fai_plan_set(&plan, "metrics", fai_fl_result_json(&tm, &res));
  {
    const fai_fl_point *last = NULL;
    for (int i = 0; i < res.n_points; ++i)
      if (res.points[i].scheme == 0) last = &res.points[i];
    fai_plan_set_objective(&plan, "final_accuracy", "max", last ? last->accuracy : NAN, NAN);
  }
  fai_plan_set_outcome(&plan, res.outcome);
  fai_plan_run_info(&plan, be.name, cc.threads);
  json_object_set_new(plan.run, "dense_layers", json_string(be.fl_cublas ? "cublas" : "kernels"));
  fai_plan_timing(&plan, "simulate", secs);
  json_object_set_new(plan.run, "local_sgd_samples_per_s", json_real(res.samples_per_s));
  if (fai_interrupted()) fai_interrupt_reset(); /* let the writers finish */
  if (cc.out) {
    if (ends_with(cc.out, ".json")) {
      if ((st = fai_plan_write(&plan, cc.out, &err)) != FAI_OK) goto fail;
    } else {
      char p1[FAI_ERROR_FILE_MAX + 64], p2[FAI_ERROR_FILE_MAX + 64], p3[FAI_ERROR_FILE_MAX + 64];
      if ((st = fai_outdir_begin(&od, cc.out, &err)) != FAI_OK) goto fail;
      od_open = 1;
      if ((st = fai_outdir_path(&od, "result.json", p1, sizeof p1, &err)) != FAI_OK) goto fail;
      if ((st = fai_outdir_path(&od, "result.run.json", p2, sizeof p2, &err)) != FAI_OK) goto fail;
      if ((st = fai_outdir_path(&od, "curve.csv", p3, sizeof p3, &err)) != FAI_OK) goto fail;
      if ((st = fai_plan_write(&plan, p1, &err)) != FAI_OK) goto fail;
      char *csv = fai_fl_result_csv(&tm, &res);
      FILE *f = csv ? fopen(p3, "w") : NULL;
      if (!f || fputs(csv, f) < 0 || fclose(f) != 0) {
        free(csv);
        st = fai_error_set_at(&err, FAI_EIO, p3, 0, 0, NULL, "cannot write the curve");
        goto fail;
      }
      free(csv);
      if ((st = fai_outdir_commit(&od, &err)) != FAI_OK) goto fail;
      od_open = 0;
    }
  }
  if (!strcmp(cc.format, "json")) {
    char *txt = fai_json_dumps(plan.doc);
    if (txt) fputs(txt, stdout);
    free(txt);
  } else if (!strcmp(cc.format, "csv")) {
    char *csv = fai_fl_result_csv(&tm, &res);
    if (csv) fputs(csv, stdout);
    free(csv);
  } else if (!cc.quiet) {
    print_summary(&tm, &res, data_name, cc.out);
  }
  if (res.outcome == FAI_OUTCOME_INTERRUPTED) {
    fputs("fluidai fedmeld sim: interrupted; the curve so far was written\n", stderr);
    code = FAI_EXIT_INTERRUPTED;
  }
  goto done;
fail:
  cli_report("fedmeld sim", &err);
  code = cli_exit_code(st);
done:
  if (od_open) fai_outdir_abort(&od);
  fai_plan_free(&plan);
  fai_fl_sim_result_free(&res);
  fai_fl_dataset_free(&train);
  fai_fl_dataset_free(&test);
  if (pdoc) fai_json_doc_free(pdoc);
  return code;
}
