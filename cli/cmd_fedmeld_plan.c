/* `fluidai fedmeld plan`: FedMeld's SC-MR design, dispersal schedule and the
 * baselines' timing from a timeline (PAPERS §4, §13). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fluidai/elements.h"
#include "fluidai/fedmeld.h"
#include "fluidai/json.h"
#include "fluidai/orbitgen.h"
#include "fluidai/plan.h"

static const char *const HELP =
    "usage: fluidai fedmeld plan [--scenario FILE | --preset NAME] [--areas AREAS.json]\n"
    "                            [OPTIONS] [-o PLAN.json]\n\n"
    "Plans model-dispersal federated learning (FedMeld, PAPERS.md §4): builds the\n"
    "timeline (default: Starlink shell-1-like 72x22, 550 km, 53°, one day at 60 s, 23\n"
    "ground stations), finds when satellites cover each area (every client of the area\n"
    "sees the satellite above the mask) and which satellites carry models from one\n"
    "area to the next (carry times t_travel, staleness δ), prices the in-area upload\n"
    "and multicast download from link budgets (t_com), designs the local steps τ* and\n"
    "mixing ratio α* (SC-MR: α* by bisection, cross-checked with NLopt; τ* closed form,\n"
    "outer loop over δ) and times the ground-station and ISL baselines on the same\n"
    "timeline.  The plan's decisions.timing is what `fluidai fedmeld sim --plan` reads.\n\n"
    "Set-up:\n"
    "  --scenario FILE        scenario JSON (default: the embedded default)\n"
    "  --preset NAME          Walker constellation preset instead of the scenario's\n"
    "  --duration S / --step S  timeline length and spacing (s)\n"
    "  --stations FILE|NAME   ground stations for the GS baseline (CSV or preset)\n"
    "  --areas FILE           areas (fluidai-fedmeld-areas); default: 8 longitude\n"
    "                         sectors of the ±53° band, sites on a ground track\n"
    "  --n-areas N            default areas: how many sectors (8)\n"
    "  --clients K            default areas: clients per area (5)\n"
    "  --min-elevation DEG    coverage mask of the areas' clients (25)\n"
    "  --uplink fdma|tdma     how an area's clients share the uplink (fdma)\n"
    "  --coverage clients|site  an area is covered while every client (default) or its\n"
    "                         site sees the satellite above the mask (site: faster)\n\n"
    "Design:\n"
    "  --horizon S            time budget T_total (default: the timeline's length)\n"
    "  --constants FILE       fluidai-fedmeld-constants JSON (e.g. pilot-run estimates)\n"
    "  --L X --sigma2 X --zeta2 X --G2 X --F-gap X --eta X --batch X --c1 X --c2 X\n"
    "  --c3 X --t-cmp S       bound constants (1, 1, 4, 10, 2.3, 0.05, 32, 1, 1, 1,\n"
    "                         0.05 s); each must be positive\n"
    "  --model-bits B         model size on the air (6374720: MLP 784-200-200-10)\n"
    "                         --t-cmp and --model-bits are the DEPLOYED model's clock (§13's\n"
    "                         ResNet-18 on a low-power client: --t-cmp 5 --model-bits\n"
    "                         374064384); calibrated c2, c3 come from `fedmeld sim --pilot`\n"
    "  --drift-exponent G     γ of the drift terms' τ^γ (2, PAPERS' τ²; the pilot fits it)\n"
    "  --fixed-tau N          τ of the fixed-τ ablation (5)\n"
    "  --baseline-tau N       τ of the GS and ISL baselines (default τ*)\n"
    "  --delta-cap N          largest staleness considered (none)\n"
    "  --max-carries N        carries listed in the plan's schedule (all)\n\n"
    "Exit status: 0 planned; 2 usage; 3 invalid input: a bad file or value, an area no\n"
    "satellite covers, a ring pair no satellite carries between, a budget shorter than\n"
    "one round; 4 backend unavailable; 5 runtime error.\n" CLI_COMMON_HELP;

enum {
  OPT_SCENARIO = 2000,
  OPT_PRESET,
  OPT_DURATION,
  OPT_STEP,
  OPT_STATIONS,
  OPT_AREAS,
  OPT_NAREAS,
  OPT_CLIENTS,
  OPT_MINEL,
  OPT_UPLINK,
  OPT_COVERAGE,
  OPT_HORIZON,
  OPT_CONSTANTS,
  OPT_L,
  OPT_SIGMA2,
  OPT_ZETA2,
  OPT_G2,
  OPT_FGAP,
  OPT_ETA,
  OPT_BATCH,
  OPT_C1,
  OPT_C2,
  OPT_C3,
  OPT_TCMP,
  OPT_DRIFT_EXP,
  OPT_MODEL_BITS,
  OPT_FIXED_TAU,
  OPT_BASELINE_TAU,
  OPT_DELTA_CAP,
  OPT_MAX_CARRIES
};

static int bad(const char *opt, const char *arg, const char *want) {
  fprintf(stderr, "fluidai fedmeld plan: error: %s: \"%s\"; expected %s\n", opt, arg, want);
  return FAI_EXIT_INPUT;
}

/* Positive finite number (constants: non-positive is invalid input, exit 3). */
static int parse_pos(const char *opt, const char *arg, double *out) {
  if (cli_parse_double("fedmeld plan", opt, arg, out)) return FAI_EXIT_INPUT;
  if (!(*out > 0) || !isfinite(*out)) return bad(opt, arg, "a positive number");
  return 0;
}

static void print_summary(const fai_fedmeld_plan_result *r, const fai_fedmeld_areas *a,
                          const char *out) {
  const fai_fedmeld_design *d = &r->design;
  printf("fedmeld plan: %d areas (%d clients), %d satellites, horizon %g s\n", r->n_areas,
         a->n_clients, r->n_sats, r->horizon_s);
  printf("t_travel %.6g s, t_com %.6g s (up %.6g s + down %.6g s), %zu windows, %zu carries\n",
         r->t_travel_s, r->t_com_s, r->t_up_s, r->t_down_s, r->n_win, r->n_carry);
  printf("design: tau* %d, alpha* %.6g (nlopt %.6g), delta %d, T_I* %.6g s, rounds %lld, "
         "bound %.6g\n", d->tau, d->alpha, d->alpha_nlopt, d->delta, d->round_s, d->rounds,
         d->bound);
  if (r->dispersal.rounds != d->rounds)
    printf("coverage gaps: %lld rounds completed in the horizon (mean round %.6g s)\n",
           r->dispersal.rounds, r->dispersal.mean_round_s);
  printf("ablations: bound %.6g with alpha 1/2, %.6g with tau %d\n", r->half_alpha_bound,
         r->fixed_tau_bound, r->fixed.tau);
  for (int i = 0; i < r->timing.n_schemes; i++) {
    const fai_fedmeld_scheme *s = &r->timing.schemes[i];
    printf("  %-20s round %10.6g s  first %10.6g s  access %.4g  feeder %.4g  isl %.4g bit/round\n",
           s->name, s->round_s, s->first_round_at_s, s->access_bits_round, s->feeder_bits_round,
           s->isl_bits_round);
  }
  if (out) printf("plan written to %s\n", out);
}

int cmd_fedmeld_plan(int argc, char **argv) {
  static const struct option longopts[] = {
      CLI_COMMON_LONGOPTS,
      {"scenario", required_argument, 0, OPT_SCENARIO},
      {"preset", required_argument, 0, OPT_PRESET},
      {"duration", required_argument, 0, OPT_DURATION},
      {"step", required_argument, 0, OPT_STEP},
      {"stations", required_argument, 0, OPT_STATIONS},
      {"areas", required_argument, 0, OPT_AREAS},
      {"n-areas", required_argument, 0, OPT_NAREAS},
      {"clients", required_argument, 0, OPT_CLIENTS},
      {"min-elevation", required_argument, 0, OPT_MINEL},
      {"uplink", required_argument, 0, OPT_UPLINK},
      {"coverage", required_argument, 0, OPT_COVERAGE},
      {"horizon", required_argument, 0, OPT_HORIZON},
      {"constants", required_argument, 0, OPT_CONSTANTS},
      {"L", required_argument, 0, OPT_L},
      {"sigma2", required_argument, 0, OPT_SIGMA2},
      {"zeta2", required_argument, 0, OPT_ZETA2},
      {"G2", required_argument, 0, OPT_G2},
      {"F-gap", required_argument, 0, OPT_FGAP},
      {"eta", required_argument, 0, OPT_ETA},
      {"batch", required_argument, 0, OPT_BATCH},
      {"c1", required_argument, 0, OPT_C1},
      {"c2", required_argument, 0, OPT_C2},
      {"c3", required_argument, 0, OPT_C3},
      {"t-cmp", required_argument, 0, OPT_TCMP},
      {"drift-exponent", required_argument, 0, OPT_DRIFT_EXP},
      {"model-bits", required_argument, 0, OPT_MODEL_BITS},
      {"fixed-tau", required_argument, 0, OPT_FIXED_TAU},
      {"baseline-tau", required_argument, 0, OPT_BASELINE_TAU},
      {"delta-cap", required_argument, 0, OPT_DELTA_CAP},
      {"max-carries", required_argument, 0, OPT_MAX_CARRIES},
      {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  fai_fedmeld_plan_params pp;
  fai_fedmeld_plan_params_init(&pp);
  const char *scen_path = NULL, *preset = NULL, *stations = NULL, *areas_path = NULL,
             *const_path = NULL;
  double duration = NAN, step = NAN, minel = NAN;
  int n_areas = 8, clients = 5, uplink = -1, coverage = -1;
  /* constants given on the command line, applied after --constants */
  double kv[12];
  int kset[12] = {0};
  optind = 1;
  int opt, rc;
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    switch (opt) {
      case 'h': fputs(HELP, stdout); return FAI_EXIT_OK;
      case '?': fputs("Try 'fluidai fedmeld plan --help'.\n", stderr); return FAI_EXIT_USAGE;
      case OPT_SCENARIO: scen_path = optarg; break;
      case OPT_PRESET: preset = optarg; break;
      case OPT_STATIONS: stations = optarg; break;
      case OPT_AREAS: areas_path = optarg; break;
      case OPT_CONSTANTS: const_path = optarg; break;
      case OPT_DURATION:
        if ((rc = parse_pos("--duration", optarg, &duration))) return rc;
        break;
      case OPT_STEP:
        if ((rc = parse_pos("--step", optarg, &step))) return rc;
        break;
      case OPT_HORIZON:
        if ((rc = parse_pos("--horizon", optarg, &pp.horizon_s))) return rc;
        break;
      case OPT_MINEL:
        if (cli_parse_double("fedmeld plan", "--min-elevation", optarg, &minel))
          return FAI_EXIT_INPUT;
        if (!(minel >= 0 && minel < 90)) return bad("--min-elevation", optarg, "degrees in [0, 90)");
        break;
      case OPT_NAREAS:
        if (cli_parse_int("fedmeld plan", "--n-areas", optarg, 2, FAI_FEDMELD_MAX_AREAS, &n_areas))
          return FAI_EXIT_INPUT;
        break;
      case OPT_CLIENTS:
        if (cli_parse_int("fedmeld plan", "--clients", optarg, 1, FAI_FEDMELD_MAX_CLIENTS,
                          &clients))
          return FAI_EXIT_INPUT;
        break;
      case OPT_UPLINK:
        if (!strcmp(optarg, "fdma")) uplink = 0;
        else if (!strcmp(optarg, "tdma")) uplink = 1;
        else return bad("--uplink", optarg, "fdma or tdma");
        break;
      case OPT_COVERAGE:
        if (!strcmp(optarg, "clients")) coverage = 0;
        else if (!strcmp(optarg, "site")) coverage = 1;
        else return bad("--coverage", optarg, "clients or site");
        break;
      case OPT_L: case OPT_SIGMA2: case OPT_ZETA2: case OPT_G2: case OPT_FGAP: case OPT_ETA:
      case OPT_BATCH: case OPT_C1: case OPT_C2: case OPT_C3: case OPT_TCMP: case OPT_DRIFT_EXP: {
        static const char *const names[] = {"--L", "--sigma2", "--zeta2", "--G2", "--F-gap",
                                            "--eta", "--batch", "--c1", "--c2", "--c3", "--t-cmp",
                                            "--drift-exponent"};
        const int i = opt - OPT_L;
        if ((rc = parse_pos(names[i], optarg, &kv[i]))) return rc;
        kset[i] = 1;
        break;
      }
      case OPT_MODEL_BITS:
        if ((rc = parse_pos("--model-bits", optarg, &pp.model_bits))) return rc;
        break;
      case OPT_FIXED_TAU:
        if (cli_parse_int("fedmeld plan", "--fixed-tau", optarg, 1, 1000000000L, &pp.fixed_tau))
          return FAI_EXIT_INPUT;
        break;
      case OPT_BASELINE_TAU:
        if (cli_parse_int("fedmeld plan", "--baseline-tau", optarg, 1, 1000000000L,
                          &pp.baseline_tau))
          return FAI_EXIT_INPUT;
        break;
      case OPT_DELTA_CAP:
        if (cli_parse_int("fedmeld plan", "--delta-cap", optarg, 1, 1000000000L, &pp.delta_cap))
          return FAI_EXIT_INPUT;
        break;
      case OPT_MAX_CARRIES:
        if (cli_parse_int("fedmeld plan", "--max-carries", optarg, 0, 1000000000L, &pp.max_carries))
          return FAI_EXIT_INPUT;
        break;
      default: {
        const int r = cli_common_option(&cc, opt, optarg);
        if (r < 0) return FAI_EXIT_INPUT;
        if (r > 0) {
          fputs("Try 'fluidai fedmeld plan --help'.\n", stderr);
          return FAI_EXIT_USAGE;
        }
      }
    }
  }
  if (optind != argc) {
    fprintf(stderr, "fluidai fedmeld plan: error: unexpected argument \"%s\"\n"
                    "Try 'fluidai fedmeld plan --help'.\n", argv[optind]);
    return FAI_EXIT_USAGE;
  }
  pp.threads = cc.threads;
  fai_error err;
  fai_error_clear(&err);
  fai_scenario sc;
  fai_scenario_init(&sc);
  fai_fedmeld_areas areas;
  fai_fedmeld_areas_init(&areas);
  fai_fedmeld_plan_result res;
  memset(&res, 0, sizeof res);
  fai_plan plan = {NULL, NULL};
  fai_backend be;
  const char *cmd = "fedmeld plan";
  fai_status st = scen_path ? fai_scenario_load_file(scen_path, &sc, NULL, &err)
                            : fai_scenario_load_default(&sc, &err);
  if (st != FAI_OK) goto fail;
  if (preset) {
    fai_elements_free(&sc.elements);
    sc.elements.enabled = 0;
    if ((st = fai_preset_find(preset, &sc.constellation, &err)) != FAI_OK) {
      char msg[FAI_ERROR_MSG_MAX];
      snprintf(msg, sizeof msg, "%s", err.msg);
      fai_error_set_at(&err, st, NULL, 0, 0, "--preset", "%s (Walker presets only)", msg);
      goto fail;
    }
  }
  if (!isnan(duration)) sc.duration_s = duration;
  if (!isnan(step)) sc.step_s = step;
  if (cc.has_seed) sc.seed = cc.seed;
  if (stations) {
    fai_station_set ns = {0, NULL};
    const double mask = sc.stations.n ? sc.stations.v[0].min_elev_rad : 25 * FAI_DEG;
    if (access(stations, R_OK) == 0) st = fai_stations_load_csv(stations, mask, &ns, &err);
    else st = fai_station_preset_load(stations, mask, &ns, &err);
    if (st != FAI_OK) goto fail;
    fai_station_set_free(&sc.stations);
    sc.stations = ns;
  }
  if ((st = fai_scenario_check(&sc, &err)) != FAI_OK) goto fail;
  if (const_path && (st = fai_fedmeld_constants_load_file(const_path, &pp.k, &err)) != FAI_OK)
    goto fail;
  {
    double *kp[12] = {&pp.k.L, &pp.k.sigma2, &pp.k.zeta2, &pp.k.G2, &pp.k.F_gap, &pp.k.eta,
                      &pp.k.batch, &pp.k.c1, &pp.k.c2, &pp.k.c3, &pp.k.t_cmp_s,
                      &pp.k.drift_exponent};
    for (int i = 0; i < 12; i++)
      if (kset[i]) *kp[i] = kv[i];
  }
  if (areas_path) {
    st = fai_fedmeld_areas_load_file(areas_path, sc.seed, &areas, &err);
  } else {
    if (sc.elements.enabled) {
      st = fai_error_set_at(&err, FAI_EINVAL, NULL, 0, 0, "--areas",
                            "the default areas follow a Walker shell's ground track; give "
                            "--areas with element-set constellations");
      goto fail;
    }
    const fai_shell *sh = &sc.constellation.shells[0];
    st = fai_fedmeld_areas_default(n_areas, clients, 53, sh->inclination_rad / FAI_DEG,
                                   sh->altitude_m, sc.seed, &areas, &err);
  }
  if (st != FAI_OK) goto fail;
  if (!isnan(minel)) areas.min_elev_deg = minel;
  if (uplink >= 0) areas.radio.uplink_tdma = uplink;
  if (coverage >= 0) areas.coverage_site = coverage;
  if ((st = fai_backend_select(cc.backend, cc.threads, &be, &err)) != FAI_OK) goto fail;
  fai_interrupt_install();
  {
    cli_progress cp;
    fai_progress prog;
    cli_progress_init(&cp, cc.quiet ? PROGRESS_NONE : cc.progress, &prog);
    pp.progress = &prog;
    st = fai_fedmeld_plan_run(&sc, &areas, &pp, &be, &res, &err);
    cli_progress_finish(&cp);
    pp.progress = NULL;
    if (st != FAI_OK) goto fail;
  }
  if ((st = fai_plan_init(&plan, "fedmeld.plan", sc.seed, &err)) != FAI_OK) goto fail;
  if ((st = fai_fedmeld_plan_fill(&res, &areas, &pp, &plan, &err)) != FAI_OK) goto fail;
  json_object_set_new(json_object_get(plan.doc, "inputs"), "scenario", fai_scenario_to_json(&sc));
  if (scen_path && (st = fai_plan_add_input_file(&plan, "scenario", scen_path, &err))) goto fail;
  if (areas_path && (st = fai_plan_add_input_file(&plan, "areas", areas_path, &err))) goto fail;
  if (const_path && (st = fai_plan_add_input_file(&plan, "constants", const_path, &err)))
    goto fail;
  fai_plan_run_info(&plan, be.name, cc.threads);
  if (cc.out && (st = fai_plan_write(&plan, cc.out, &err)) != FAI_OK) goto fail;
  if (!strcmp(cc.format, "json")) {
    char *txt = fai_json_dumps(plan.doc);
    if (txt) fputs(txt, stdout);
    free(txt);
  } else if (!cc.quiet) {
    print_summary(&res, &areas, cc.out);
  }
  fai_plan_free(&plan);
  fai_fedmeld_plan_result_free(&res);
  fai_fedmeld_areas_free(&areas);
  fai_scenario_free(&sc);
  return FAI_EXIT_OK;
fail:
  cli_report(cmd, &err);
  fai_plan_free(&plan);
  fai_fedmeld_plan_result_free(&res);
  fai_fedmeld_areas_free(&areas);
  fai_scenario_free(&sc);
  return cli_exit_code(st);
}
