/* `fluidai place cascade`: fluid-inference cascade placement over a
 * timeline (library: include/fluidai/cascade.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "fluidai/cascade.h"
#include "fluidai/json.h"
#include "fluidai/orbitgen.h"
#include "fluidai/plan.h"

static const char *const HELP =
    "usage: fluidai place cascade [SCENARIO.json] [OPTIONS]\n\n"
    "Places a cascaded model with early exits (head, middle, tail, ...) on the\n"
    "user's device, the serving satellite, the next satellite (over ISLs) and the\n"
    "ground/cloud (through a station in contact), every hop only while its link\n"
    "is alive; evaluates every placement x threshold choice over every snapshot\n"
    "and user; prints the accuracy-latency Pareto front, the best plan and three\n"
    "baselines.  Without SCENARIO: the embedded default scenario over 600 s at\n"
    "10 s steps.  Users: the scenario's, else a default grid.\n\n"
    "Options:\n"
    "  --profile NAME|FILE     model profile: preset resnet-like (default),\n"
    "                          mobilenetv3-like, or a profile JSON file\n"
    "  --list-profiles         list the profile presets and exit\n"
    "  --max-latency S         best plan: max delivered accuracy with mean latency <= S\n"
    "  --min-accuracy A        best plan: min latency with delivered accuracy >= A\n"
    "                          (neither: the most accurate plan of the front)\n"
    "  --duration S, --step S  horizon and snapshot spacing (override the scenario)\n"
    "  --stations FILE|NAME    ground stations (CSV file or preset)\n"
    "  --users-grid LAT0:LAT1:DLAT:LON0:LON1:DLON  user grid in degrees\n"
    "                          (default -60:60:20:-180:150:30 when the scenario has none)\n"
    "  --user-min-elevation DEG  users' elevation mask for the grid (25)\n"
    "  --device-flops F, --sat-flops F, --ground-flops F  effective FLOP/s\n"
    "                          (1e10, 1e11, 1e14); 0: the node cannot compute\n"
    "  --device-memory B, --sat-memory B  memory caps in bytes (4e9, 8e9; 0: none)\n"
    "  --uplink-bandwidth HZ, --downlink-bandwidth HZ  user link shares (10e6, 50e6)\n"
    "  --ground-delay S        station <-> cloud backhaul, one way (0.01)\n"
    "  --max-isl-hops N        longest serving -> next satellite ISL path (4)\n"
    "  --no-migration          plans may not use the next satellite\n"
    "  --fixed-split LIST      fixed-split baseline placement, e.g. user,sat,sat (default)\n"
    "  --points-csv FILE       per (snapshot, user): serving and next satellite, the\n"
    "                          serving window, and the share of the request completed by\n"
    "                          the chosen plan and each baseline\n"
    "Output: -o PLAN.json (and PLAN.run.json); --format table|json|csv on stdout\n"
    "(csv: the front, the chosen plan and the baselines; lists inside a field use ;).  Exit 1 when no plan\n"
    "meets --max-latency/--min-accuracy (the closest plan is written).\n\n" CLI_COMMON_HELP;

enum {
  OPT_PROFILE = 2000,
  OPT_LIST,
  OPT_MAXLAT,
  OPT_MINACC,
  OPT_DURATION,
  OPT_STEP,
  OPT_STATIONS,
  OPT_USERS_GRID,
  OPT_USER_MINEL,
  OPT_DEV_FLOPS,
  OPT_SAT_FLOPS,
  OPT_GND_FLOPS,
  OPT_DEV_MEM,
  OPT_SAT_MEM,
  OPT_UP_BW,
  OPT_DOWN_BW,
  OPT_GND_DELAY,
  OPT_ISL_HOPS,
  OPT_NO_MIG,
  OPT_FIXED,
  OPT_POINTS
};

static int file_exists(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* A number option in [lo, hi]; prints the error. */
static int num_opt(const char *opt, const char *arg, double lo, double hi, double *out) {
  if (cli_parse_double("place cascade", opt, arg, out)) return -1;
  if (!(*out >= lo && *out <= hi)) {
    fprintf(stderr, "fluidai place cascade: error: %s: %s is out of range; expected [%g, %g]\n",
            opt, arg, lo, hi);
    return -1;
  }
  return 0;
}

static int parse_grid(const char *arg, double v[6]) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", arg);
  char *save = NULL, *tok = strtok_r(buf, ":", &save);
  int n = 0;
  while (tok && n < 6) {
    char *end = NULL;
    errno = 0;
    v[n] = strtod(tok, &end);
    if (!tok[0] || *end || errno || !isfinite(v[n])) return -1;
    n++;
    tok = strtok_r(NULL, ":", &save);
  }
  return n == 6 && !tok ? 0 : -1;
}

static int parse_split(const char *arg, int8_t *out, int *n) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", arg);
  char *save = NULL, *tok = strtok_r(buf, ",", &save);
  *n = 0;
  while (tok) {
    const int v = fai_cascade_node_parse(tok);
    if (v < 0 || *n >= FAI_CASCADE_MAX_SUB) return -1;
    out[(*n)++] = (int8_t)v;
    tok = strtok_r(NULL, ",", &save);
  }
  return *n > 0 ? 0 : -1;
}

static void thr_text(const fai_cascade_profile *prof, const fai_cascade_eval *ev, char sep,
                     char *buf, size_t n) {
  size_t used = 0;
  buf[0] = '\0';
  for (int k = 0; k < prof->n_sub - 1 && used + 1 < n; k++) {
    int w;
    if (ev->thr[k] < prof->n_thresholds)
      w = snprintf(buf + used, n - used, "%s%g", k ? (sep == ';' ? ";" : ",") : "",
                   prof->thresholds[ev->thr[k]]);
    else
      w = snprintf(buf + used, n - used, "%soff", k ? (sep == ';' ? ";" : ",") : "");
    if (w < 0) break;
    used += (size_t)w;
  }
}

static void print_row(const fai_cascade_profile *prof, const char *kind, const int8_t *place,
                      int migrate, const fai_cascade_eval *ev, int csv) {
  char pl[128], th[128];
  fai_cascade_place_format(place, prof->n_sub, pl, sizeof pl);
  if (csv)
    for (char *c = pl; *c; c++)
      if (*c == ',') *c = ';'; /* one CSV field */
  thr_text(prof, ev, csv ? ';' : ',', th, sizeof th);
  if (csv)
    printf("%s,%s,%d,%s,%.9g,%.9g,%.9g,%.9g,%.9g\n", kind, pl, migrate, th, ev->latency_s,
           ev->accuracy, ev->delivered_accuracy, ev->served, ev->migrated);
  else
    printf("    %-14s %-22s %-4s %-12s %10.4f %9.4f %9.4f %8.4f %8.4f\n", kind, pl,
           migrate ? "yes" : "no", th, ev->latency_s, ev->accuracy, ev->delivered_accuracy,
           ev->served, ev->migrated);
}

static const char *const BASE_NAMES[FAI_CASCADE_BASELINES] = {"all-satellite", "all-ground",
                                                              "fixed-split"};

static fai_status write_points_csv(const char *path, const fai_cascade_points *pts,
                                   const fai_cascade_result *res, fai_error *err) {
  fai_outfile of;
  fai_status st = fai_outfile_open(&of, path, err);
  if (st != FAI_OK) return st;
  fprintf(of.fp, "t_s,user,serving,next,window_s,chosen,all_satellite,all_ground,fixed_split\n");
  for (int64_t p = 0; p < pts->n_points; p++) {
    const double w = pts->window_s[p];
    fprintf(of.fp, "%.9g,%d,%d,%d,", pts->t_s[p / pts->n_users], (int)(p % pts->n_users),
            pts->serving[p], pts->next[p]);
    if (pts->serving[p] < 0) fprintf(of.fp, ",");
    else if (w >= FAI_CASCADE_NEVER) fprintf(of.fp, "inf,");
    else fprintf(of.fp, "%.6f,", w);
    for (int j = 0; j <= FAI_CASCADE_BASELINES; j++)
      fprintf(of.fp, "%.6g%s", res->point_served[(size_t)j * (size_t)pts->n_points + (size_t)p],
              j < FAI_CASCADE_BASELINES ? "," : "\n");
  }
  return fai_outfile_commit(&of, err);
}

int cmd_place_cascade(int argc, char **argv) {
  static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                            {"profile", required_argument, 0, OPT_PROFILE},
                                            {"list-profiles", no_argument, 0, OPT_LIST},
                                            {"max-latency", required_argument, 0, OPT_MAXLAT},
                                            {"min-accuracy", required_argument, 0, OPT_MINACC},
                                            {"duration", required_argument, 0, OPT_DURATION},
                                            {"step", required_argument, 0, OPT_STEP},
                                            {"stations", required_argument, 0, OPT_STATIONS},
                                            {"users-grid", required_argument, 0, OPT_USERS_GRID},
                                            {"user-min-elevation", required_argument, 0,
                                             OPT_USER_MINEL},
                                            {"device-flops", required_argument, 0, OPT_DEV_FLOPS},
                                            {"sat-flops", required_argument, 0, OPT_SAT_FLOPS},
                                            {"ground-flops", required_argument, 0, OPT_GND_FLOPS},
                                            {"device-memory", required_argument, 0, OPT_DEV_MEM},
                                            {"sat-memory", required_argument, 0, OPT_SAT_MEM},
                                            {"uplink-bandwidth", required_argument, 0, OPT_UP_BW},
                                            {"downlink-bandwidth", required_argument, 0,
                                             OPT_DOWN_BW},
                                            {"ground-delay", required_argument, 0, OPT_GND_DELAY},
                                            {"max-isl-hops", required_argument, 0, OPT_ISL_HOPS},
                                            {"no-migration", no_argument, 0, OPT_NO_MIG},
                                            {"fixed-split", required_argument, 0, OPT_FIXED},
                                            {"points-csv", required_argument, 0, OPT_POINTS},
                                            {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  fai_cascade_params prm;
  fai_cascade_params_init(&prm);
  const char *profile = "resnet-like", *stations = NULL, *grid_arg = NULL, *fixed = NULL;
  const char *points_csv = NULL;
  double duration = NAN, step = NAN, user_minel = 25, v = 0;
  optind = 1;
  int opt;
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    switch (opt) {
      case 'h': fputs(HELP, stdout); return FAI_EXIT_OK;
      case OPT_PROFILE: profile = optarg; break;
      case OPT_LIST:
        for (int i = 0; i < fai_cascade_profile_preset_count(); i++) {
          fai_cascade_profile p;
          fai_error e;
          fai_error_clear(&e);
          if (fai_cascade_profile_preset(fai_cascade_profile_preset_name(i), &p, &e) == FAI_OK)
            printf("%-18s %d sub-models, %d thresholds  %s\n", p.name, p.n_sub, p.n_thresholds,
                   p.description);
        }
        return FAI_EXIT_OK;
      case OPT_MAXLAT:
        if (num_opt("--max-latency", optarg, 1e-9, 1e9, &prm.max_latency_s)) return FAI_EXIT_INPUT;
        break;
      case OPT_MINACC:
        if (num_opt("--min-accuracy", optarg, 1e-9, 1, &prm.min_accuracy)) return FAI_EXIT_INPUT;
        break;
      case OPT_DURATION:
        if (num_opt("--duration", optarg, 0, 1e9, &duration)) return FAI_EXIT_INPUT;
        break;
      case OPT_STEP:
        if (num_opt("--step", optarg, 1e-3, 1e7, &step)) return FAI_EXIT_INPUT;
        break;
      case OPT_STATIONS: stations = optarg; break;
      case OPT_USERS_GRID: grid_arg = optarg; break;
      case OPT_USER_MINEL:
        if (num_opt("--user-min-elevation", optarg, -90, 90, &user_minel)) return FAI_EXIT_INPUT;
        break;
      case OPT_DEV_FLOPS:
        if (num_opt("--device-flops", optarg, 0, 1e20, &prm.node_flops[FAI_CASCADE_NODE_USER]))
          return FAI_EXIT_INPUT;
        break;
      case OPT_SAT_FLOPS:
        if (num_opt("--sat-flops", optarg, 0, 1e20, &v)) return FAI_EXIT_INPUT;
        prm.node_flops[FAI_CASCADE_NODE_SAT] = prm.node_flops[FAI_CASCADE_NODE_NEXT] = v;
        break;
      case OPT_GND_FLOPS:
        if (num_opt("--ground-flops", optarg, 0, 1e20, &prm.node_flops[FAI_CASCADE_NODE_GROUND]))
          return FAI_EXIT_INPUT;
        break;
      case OPT_DEV_MEM:
        if (num_opt("--device-memory", optarg, 0, 1e18,
                    &prm.node_memory_bytes[FAI_CASCADE_NODE_USER]))
          return FAI_EXIT_INPUT;
        break;
      case OPT_SAT_MEM:
        if (num_opt("--sat-memory", optarg, 0, 1e18, &v)) return FAI_EXIT_INPUT;
        prm.node_memory_bytes[FAI_CASCADE_NODE_SAT] = prm.node_memory_bytes[FAI_CASCADE_NODE_NEXT] =
            v;
        break;
      case OPT_UP_BW:
        if (num_opt("--uplink-bandwidth", optarg, 1, 1e12, &prm.uplink.bandwidth_hz))
          return FAI_EXIT_INPUT;
        break;
      case OPT_DOWN_BW:
        if (num_opt("--downlink-bandwidth", optarg, 1, 1e12, &prm.downlink.bandwidth_hz))
          return FAI_EXIT_INPUT;
        break;
      case OPT_GND_DELAY:
        if (num_opt("--ground-delay", optarg, 0, 1e3, &prm.ground_delay_s)) return FAI_EXIT_INPUT;
        break;
      case OPT_ISL_HOPS:
        if (num_opt("--max-isl-hops", optarg, 0, 8, &v) || v != floor(v)) {
          if (v != floor(v))
            fprintf(stderr, "fluidai place cascade: error: --max-isl-hops: %s is not an integer\n",
                    optarg);
          return FAI_EXIT_INPUT;
        }
        prm.max_isl_hops = (int)v;
        break;
      case OPT_NO_MIG: prm.migration = 0; break;
      case OPT_FIXED: fixed = optarg; break;
      case OPT_POINTS: points_csv = optarg; break;
      case '?': fputs("Try 'fluidai place cascade --help'.\n", stderr); return FAI_EXIT_USAGE;
      default: {
        const int r = cli_common_option(&cc, opt, optarg);
        if (r < 0) return FAI_EXIT_INPUT;
        if (r > 0) return FAI_EXIT_USAGE;
      }
    }
  }
  if (argc - optind > 1) {
    fprintf(stderr, "fluidai place cascade: error: expected at most one scenario file, got %d\n",
            argc - optind);
    return FAI_EXIT_USAGE;
  }
  if (prm.max_latency_s > 0 && prm.min_accuracy > 0) {
    fprintf(stderr,
            "fluidai place cascade: error: give --max-latency or --min-accuracy, not both\n");
    return FAI_EXIT_USAGE;
  }
  const char *scen_path = optind < argc ? argv[optind] : NULL;

  fai_error err;
  fai_error_clear(&err);
  fai_scenario sc;
  fai_timeline tl;
  fai_cascade_profile prof;
  fai_cascade_points pts;
  fai_cascade_result res;
  fai_plan plan = {NULL, NULL};
  fai_backend be;
  cli_progress cp;
  fai_progress prog = {NULL, NULL};
  fai_status st;
  int code = FAI_EXIT_OK, n_fixed = 0;
  memset(&tl, 0, sizeof tl);
  memset(&pts, 0, sizeof pts);
  memset(&res, 0, sizeof res);
  fai_scenario_init(&sc);

  /* Inputs, all checked before any work. */
  if (file_exists(profile)) st = fai_cascade_profile_load_file(profile, &prof, &err);
  else {
    st = fai_cascade_profile_preset(profile, &prof, &err);
    if (st == FAI_ENOENT) {
      char msg[FAI_ERROR_MSG_MAX];
      snprintf(msg, sizeof msg, "%s", err.msg);
      fai_error_set_at(&err, st, NULL, 0, 0, "--profile",
                       "\"%s\" is neither a readable file nor a preset (%s)", profile, msg);
    }
  }
  if (st != FAI_OK) goto fail;
  if (fixed) {
    if (parse_split(fixed, prm.fixed_split, &n_fixed) || n_fixed != prof.n_sub) {
      st = fai_error_set_at(&err, FAI_EINVAL, NULL, 0, 0, "--fixed-split",
                            "\"%s\": expected %d comma-separated nodes among user, sat, next, "
                            "ground",
                            fixed, prof.n_sub);
      goto fail;
    }
  }
  st = scen_path ? fai_scenario_load_file(scen_path, &sc, NULL, &err)
                 : fai_scenario_load_default(&sc, &err);
  if (st != FAI_OK) goto fail;
  if (!scen_path) {
    sc.duration_s = 600;
    sc.step_s = 10;
  }
  if (!isnan(duration)) sc.duration_s = duration;
  if (!isnan(step)) sc.step_s = step;
  if (cc.has_seed) sc.seed = cc.seed;
  if (stations) {
    fai_station_set ns = {0, NULL};
    const double mask = sc.stations.n ? sc.stations.v[0].min_elev_rad : 25 * FAI_DEG;
    if (file_exists(stations)) {
      st = fai_stations_load_csv(stations, mask, &ns, &err);
      snprintf(sc.stations_source, sizeof sc.stations_source, "%s", stations);
    } else {
      st = fai_station_preset_load(stations, mask, &ns, &err);
      snprintf(sc.stations_source, sizeof sc.stations_source, "preset:%s", stations);
    }
    if (st != FAI_OK) goto fail;
    fai_station_set_free(&sc.stations);
    sc.stations = ns;
  }
  if (grid_arg || sc.users.n == 0) {
    double g[6] = {-60, 60, 20, -180, 150, 30};
    fai_station_set us = {0, NULL};
    if (grid_arg && parse_grid(grid_arg, g)) {
      st = fai_error_set_at(&err, FAI_EINVAL, NULL, 0, 0, "--users-grid",
                            "\"%s\": expected LAT0:LAT1:DLAT:LON0:LON1:DLON in degrees", grid_arg);
      goto fail;
    }
    st = fai_stations_grid(g[0], g[1], g[2], g[3], g[4], g[5], user_minel * FAI_DEG, &us, &err);
    if (st != FAI_OK) {
      char msg[FAI_ERROR_MSG_MAX];
      snprintf(msg, sizeof msg, "%s", err.msg);
      fai_error_set_at(&err, st, NULL, 0, 0, "--users-grid", "%s", msg);
      goto fail;
    }
    fai_station_set_free(&sc.users);
    sc.users = us;
    memcpy(sc.users_grid, g, sizeof g);
    sc.users_min_elev_deg = user_minel;
    snprintf(sc.users_source, sizeof sc.users_source, "grid");
  }
  if ((st = fai_scenario_check(&sc, &err)) != FAI_OK) goto fail;
  if ((st = fai_backend_select(cc.backend, cc.threads, &be, &err)) != FAI_OK) goto fail;

  /* Timeline → points → solve. */
  fai_interrupt_install();
  cli_progress_init(&cp, cc.quiet ? PROGRESS_NONE : cc.progress, &prog);
  {
    fai_timeline_opts topts;
    fai_timeline_opts_init(&topts);
    topts.paths = 0;
    st = fai_timeline_build(&sc, &be, &topts, &prog, &tl, &err);
    if (st != FAI_OK) {
      cli_progress_finish(&cp);
      goto fail;
    }
  }
  st = fai_cascade_points_build(&tl, &prm, &pts, &err);
  if (st != FAI_OK) {
    cli_progress_finish(&cp);
    goto fail;
  }
  st = fai_cascade_solve(&prof, &pts, &prm, &be, cc.time_limit_s, &prog, &res, &err);
  cli_progress_finish(&cp);
  if (st != FAI_OK) goto fail;

  /* Plan. */
  if ((st = fai_plan_init(&plan, "place.cascade", sc.seed, &err)) != FAI_OK) goto fail;
  fai_plan_set(&plan, "inputs",
               json_pack("{s:{s:s, s:s, s:s, s:f, s:f, s:i, s:s, s:i, s:s}}", "scenario", "name",
                         sc.name, "source", sc.source, "sha256", sc.source_sha256, "duration_s",
                         sc.duration_s, "step_s", sc.step_s, "stations", sc.stations.n,
                         "stations_source", sc.stations_source, "users", sc.users.n,
                         "users_source", sc.users_source[0] ? sc.users_source : "grid"));
  if (file_exists(profile) && (st = fai_plan_add_input_file(&plan, "profile", profile, &err)) != FAI_OK)
    goto fail;
  if ((st = fai_cascade_plan_fill(&prof, &pts, &prm, &res, &plan, &err)) != FAI_OK) goto fail;
  fai_plan_run_info(&plan, be.name, cc.threads);
  fai_plan_timing(&plan, "evaluate", res.eval_s);
  if (fai_interrupted()) fai_interrupt_reset(); /* let the writers finish */
  if (cc.out && (st = fai_plan_write(&plan, cc.out, &err)) != FAI_OK) goto fail;
  if (points_csv && (st = write_points_csv(points_csv, &pts, &res, &err)) != FAI_OK) goto fail;

  if (!strcmp(cc.format, "json")) {
    char *txt = fai_json_dumps(plan.doc);
    if (txt) fputs(txt, stdout);
    free(txt);
  } else if (!strcmp(cc.format, "csv")) {
    printf("kind,placement,migration,thresholds,latency_s,accuracy,delivered_accuracy,served,"
           "migrated\n");
    for (int i = 0; i < res.n_front; i++)
      print_row(&prof, "front", res.place + (size_t)res.front[i].place * prof.n_sub,
                res.migrate[res.front[i].place], &res.front[i], 1);
    if (res.has_chosen)
      print_row(&prof, "chosen", res.chosen_place, res.migrate[res.chosen.place], &res.chosen, 1);
    for (int j = 0; j < FAI_CASCADE_BASELINES; j++)
      print_row(&prof, BASE_NAMES[j], res.baseline_place[j], 0, &res.baseline[j], 1);
  } else {
    printf("fluidai place cascade: %s on %s\n", prof.name, sc.name);
    printf("  points           %d snapshots x %d users = %lld; served by a satellite %.1f%%, "
           "with a station contact %.1f%%, next satellite by ISL %.1f%%\n",
           pts.n_snaps, pts.n_users, (long long)pts.n_points,
           100.0 * (double)pts.covered / (double)pts.n_points,
           100.0 * (double)pts.with_station / (double)pts.n_points,
           100.0 * (double)pts.with_isl / (double)pts.n_points);
    printf("  plans            %d evaluated of %d placement x migration choices (%d placements "
           "excluded by memory/compute), %.0f candidates with thresholds\n",
           res.n_place_done, res.n_place, res.n_place_excluded, res.n_candidates);
    printf("  backend          %s, %.2f s\n", be.name, res.eval_s);
    printf("    %-14s %-22s %-4s %-12s %10s %9s %9s %8s %8s\n", "", "placement", "mig",
           "thresholds", "latency_s", "accuracy", "delivered", "served", "migrated");
    const int show = res.n_front <= 24 ? res.n_front : 24;
    for (int i = 0; i < show; i++) {
      const int idx = res.n_front <= 24 ? i : (int)((double)i * (res.n_front - 1) / (show - 1));
      print_row(&prof, i == 0 ? "front" : "", res.place + (size_t)res.front[idx].place * prof.n_sub,
                res.migrate[res.front[idx].place], &res.front[idx], 0);
    }
    if (show < res.n_front) printf("    ... %d front points in all (-o or --format csv)\n", res.n_front);
    if (res.has_chosen)
      print_row(&prof, "chosen", res.chosen_place, res.migrate[res.chosen.place], &res.chosen, 0);
    for (int j = 0; j < FAI_CASCADE_BASELINES; j++)
      print_row(&prof, BASE_NAMES[j], res.baseline_place[j], 0, &res.baseline[j], 0);
    printf("  outcome          %s\n", fai_outcome_name(res.outcome));
    if (cc.out) printf("  plan             %s\n", cc.out);
  }

  if (res.outcome == FAI_OUTCOME_INTERRUPTED) {
    fai_warn("interrupted: the front covers %d of %d placements", res.n_place_done, res.n_place);
    code = FAI_EXIT_INTERRUPTED;
  } else if (res.has_chosen && !res.chosen_meets) {
    char pl[128];
    fai_cascade_place_format(res.chosen_place, prof.n_sub, pl, sizeof pl);
    if (prm.max_latency_s > 0)
      fprintf(stderr,
              "fluidai place cascade: no placement meets --max-latency %g s: the fastest plan "
              "(%s) takes %.6g s on average%s\n",
              prm.max_latency_s, pl, res.chosen.latency_s,
              cc.out ? "; it is written as the closest plan" : "");
    else
      fprintf(stderr,
              "fluidai place cascade: no placement meets --min-accuracy %g: the most accurate "
              "plan (%s) delivers %.6g%s\n",
              prm.min_accuracy, pl, res.chosen.delivered_accuracy,
              cc.out ? "; it is written as the closest plan" : "");
    code = FAI_EXIT_INFEASIBLE;
  } else if (!res.has_chosen) {
    fprintf(stderr, "fluidai place cascade: no placement completes any request\n");
    code = FAI_EXIT_INFEASIBLE;
  }
  fai_plan_free(&plan);
  fai_cascade_result_free(&res);
  fai_cascade_points_free(&pts);
  fai_timeline_free(&tl);
  fai_scenario_free(&sc);
  return code;

fail:
  cli_report("place cascade", &err);
  fai_plan_free(&plan);
  fai_cascade_result_free(&res);
  fai_cascade_points_free(&pts);
  fai_timeline_free(&tl);
  fai_scenario_free(&sc);
  return cli_exit_code(st);
}
