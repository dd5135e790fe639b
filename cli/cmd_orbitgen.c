/* `fluidai orbitgen`: scenario → timeline files and a human summary. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "fluidai/elements.h"
#include "fluidai/io.h"
#include "fluidai/json.h"
#include "fluidai/planes.h"
#include "fluidai/orbitgen.h"

static const char *const HELP =
    "usage: fluidai orbitgen [SCENARIO.json] [OPTIONS]\n\n"
    "Builds the time-varying topology of a constellation: satellite positions,\n"
    "+Grid inter-satellite links, ground-station visibility, contact windows and\n"
    "station-to-station path delays per snapshot.  Without SCENARIO the embedded\n"
    "default is used (Starlink shell 1, 23 ground stations, one day at 60 s).\n"
    "Without -o only the summary is printed.\n\n"
    "Options:\n"
    "  --preset NAME          constellation preset: Walker or real-data (see --list-presets)\n"
    "  --tle FILE             satellites from a TLE catalogue (2- or 3-line form)\n"
    "  --omm FILE             satellites from CCSDS OMM records in JSON\n"
    "  --select SPEC          keep element sets matching SPEC: comma-separated terms\n"
    "                         name:GLOB, norad:LIST (44714,44700-44800), age:DAYS;\n"
    "                         a bare term is a name glob (e.g. 'STARLINK-*')\n"
    "  --skip-deep-space      drop element sets with periods >= 225 min\n"
    "  --frame ecef|teme      frame of positions.csv (default ecef)\n"
    "  --compare-with PRESET  compare the element sets' inferred shells with a Walker\n"
    "                         preset (counts, altitude, inclination) and exit\n"
    "  --list-presets         list the constellation presets and exit\n"
    "  --start ISO            epoch, e.g. 2026-01-01T00:00:00Z\n"
    "  --duration S           horizon length in seconds\n"
    "  --step S               snapshot spacing in seconds (> 0)\n"
    "  --min-elevation DEG    elevation mask for every station and user\n"
    "  --stations FILE|NAME   ground stations: a CSV file or a station preset\n"
    "                         (default, starlink-pops, starlink-gateways)\n"
    "  --no-paths             skip station-to-station shortest paths\n"
    "  --no-contacts          skip contact windows\n"
    "  --no-positions         do not write positions.csv\n"
    "  --no-isls              do not write isls.csv\n"
    "  --gsls                 also write gsls.csv (visible ground links with rates)\n"
    "  --geodetic             add lat_deg,lon_deg,alt_m (WGS-84) to positions.csv\n"
    "  --binary               write timeline.bin (positions, velocities, ISL states,\n"
    "                         station visibility) instead of positions.csv and isls.csv;\n"
    "                         `fluidai export csv DIR` converts it back\n"
    "Output files (-o DIR): satellites.csv stations.csv positions.csv isls.csv\n"
    "contacts.csv timeline.json run.json (see README).\n\n" CLI_COMMON_HELP;

enum {
  OPT_PRESET = 2000,
  OPT_LIST,
  OPT_START,
  OPT_DURATION,
  OPT_STEP,
  OPT_MINEL,
  OPT_STATIONS,
  OPT_NOPATHS,
  OPT_NOCONTACTS,
  OPT_NOPOS,
  OPT_NOISLS,
  OPT_GSLS,
  OPT_GEODETIC,
  OPT_TLE,
  OPT_OMM,
  OPT_SELECT,
  OPT_SKIPDEEP,
  OPT_FRAME,
  OPT_COMPARE,
  OPT_BINARY
};

static void list_presets(void) {
  printf("%-22s %-7s %-6s  %s\n", "preset", "sats", "shells", "description");
  for (int i = 0; i < fai_preset_count(); i++) {
    const fai_constellation *c = fai_preset_at(i);
    printf("%-22s %-7d %-6d  %s\n", c->name, fai_constellation_sat_count(c), c->n_shells,
           fai_preset_description(i));
    for (int s = 0; s < c->n_shells; s++) {
      const fai_shell *sh = &c->shells[s];
      printf("    %-18s %s %.1f:%d/%d/%d at %.0f km\n", sh->name,
             sh->pattern == FAI_WALKER_STAR ? "star " : "delta", sh->inclination_rad / FAI_DEG,
             sh->planes * sh->sats_per_plane, sh->planes, sh->phasing, sh->altitude_m / 1e3);
    }
  }
}

static void list_element_presets(void) {
  for (int i = 0; i < fai_element_preset_count(); i++)
    printf("%-22s %-7s %-6s  %s\n", fai_element_preset_name(i), "TLE", "-",
           fai_element_preset_description(i));
}

/* Inferred shells of the element sets beside the shells of a Walker preset,
 * each inferred shell matched to the nearest preset shell in (inclination,
 * altitude). */
static int compare_with(const fai_scenario *sc, const char *preset, const char *format,
                        fai_error *err, fai_status *st) {
  fai_constellation c;
  *st = FAI_OK;
  if (!sc->elements.enabled) {
    *st = fai_error_set_at(err, FAI_EUSAGE, NULL, 0, 0, "--compare-with",
                           "compares element sets (--tle, --omm or a *-tle preset) with a Walker "
                           "preset");
    return FAI_EXIT_USAGE;
  }
  if ((*st = fai_preset_find(preset, &c, err)) != FAI_OK) return FAI_EXIT_INPUT;
  fai_plane_map m;
  if ((*st = fai_planes_infer(sc->elements.set, sc->epoch_unix, NULL, &m, err)) != FAI_OK)
    return FAI_EXIT_RUNTIME;
  json_t *root = json_object(), *rows = json_array();
  for (int k = 0; k < m.n_shells; k++) {
    const fai_inferred_shell *is = &m.shells[k];
    int best = -1;
    double bd = INFINITY;
    for (int w = 0; w < c.n_shells; w++) {
      /* Inclinations separate real shells far better than altitudes, which
       * filings round and operators adjust. */
      const double di = (c.shells[w].inclination_rad / FAI_DEG - is->incl_mean_deg) / 0.1;
      const double da = (c.shells[w].altitude_m / 1e3 - is->alt_mean_km) / 25.0;
      if (fabs(di) > 10 || fabs(da) > 2) continue; /* > 1° or > 50 km: no counterpart */
      if (di * di + da * da < bd) {
        bd = di * di + da * da;
        best = w;
      }
    }
    json_t *o = json_pack(
        "{s:i, s:i, s:i, s:{s:f, s:f, s:f, s:f}, s:{s:f, s:f, s:f, s:f}}", "inferred_shell", k,
        "satellites", is->n_sats, "planes", is->n_planes, "altitude_km", "mean", is->alt_mean_km,
        "std", is->alt_std_km, "min", is->alt_min_km, "max", is->alt_max_km, "inclination_deg",
        "mean", is->incl_mean_deg, "std", is->incl_std_deg, "min", is->incl_min_deg, "max",
        is->incl_max_deg);
    if (best >= 0) {
      const fai_shell *w = &c.shells[best];
      json_object_set_new(
          o, "walker",
          json_pack("{s:s, s:i, s:i, s:f, s:f}", "shell", w->name, "satellites",
                    w->planes * w->sats_per_plane, "planes", w->planes, "altitude_km",
                    w->altitude_m / 1e3, "inclination_deg", w->inclination_rad / FAI_DEG));
    }
    json_array_append_new(rows, o);
  }
  json_object_set_new(root, "shells", rows);
  json_object_set_new(root, "element_sets", json_integer(m.n_sats));
  json_object_set_new(root, "unplaced", json_integer(m.unplaced));
  json_object_set_new(root, "walker_preset", json_string(c.name));
  json_object_set_new(root, "walker_satellites", json_integer(fai_constellation_sat_count(&c)));
  if (!strcmp(format, "json")) {
    char *txt = fai_json_dumps(root);
    if (txt) fputs(txt, stdout);
    free(txt);
  } else {
    printf("%s (%d element sets, %d unplaced) vs %s (%d satellites)\n", sc->constellation.name,
           m.n_sats, m.unplaced, c.name, fai_constellation_sat_count(&c));
    printf("  %-5s %6s %6s %9s %7s %9s %7s  | %-8s %6s %6s %8s %7s\n", "shell", "sats", "planes",
           "alt km", "+-", "incl deg", "+-", "walker", "sats", "planes", "alt km", "incl");
    for (size_t k = 0; k < json_array_size(rows); k++) {
      const fai_inferred_shell *is = &m.shells[k];
      json_t *w = json_object_get(json_array_get(rows, k), "walker");
      printf("  %-5zu %6d %6d %9.1f %7.1f %9.3f %7.3f  |", k, is->n_sats, is->n_planes,
             is->alt_mean_km, is->alt_std_km, is->incl_mean_deg, is->incl_std_deg);
      if (w)
        printf(" %-8s %6lld %6lld %8.1f %7.2f\n", json_string_value(json_object_get(w, "shell")),
               (long long)json_integer_value(json_object_get(w, "satellites")),
               (long long)json_integer_value(json_object_get(w, "planes")),
               json_real_value(json_object_get(w, "altitude_km")),
               json_real_value(json_object_get(w, "inclination_deg")));
      else
        printf(" %-8s\n", "-");
    }
    /* Per Walker shell: how much of it the real constellation fills. */
    for (int w = 0; w < c.n_shells; w++) {
      int sats = 0, planes = 0;
      for (size_t k = 0; k < json_array_size(rows); k++) {
        json_t *ws = json_object_get(json_array_get(rows, k), "walker");
        if (ws && !strcmp(json_string_value(json_object_get(ws, "shell")), c.shells[w].name)) {
          sats += m.shells[k].n_sats;
          planes += m.shells[k].n_planes;
        }
      }
      printf("  walker %-8s %5d satellites in %3d planes; element sets matched: %5d in %3d "
             "planes\n",
             c.shells[w].name, c.shells[w].planes * c.shells[w].sats_per_plane, c.shells[w].planes,
             sats, planes);
    }
  }
  json_decref(root);
  fai_plane_map_free(&m);
  return FAI_EXIT_OK;
}

static int file_exists(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static void print_summary(const fai_timeline *tl, const fai_backend *be, const char *out_dir,
                          double delay_mean, double reach) {
  const fai_scenario *sc = tl->sc;
  const fai_constellation *c = &sc->constellation;
  char epoch[40];
  fai_time_format_iso8601(sc->epoch_unix, epoch);
  printf("fluidai orbitgen: %s (%s)\n", sc->name, c->name);
  if (sc->elements.enabled) {
    printf("  satellites       %d element sets from %s (SGP4)\n", tl->n_sats, sc->elements.source);
    if (tl->planes)
      printf("  inferred planes  %d shell(s), %d planes; %d satellite(s) unplaced (no ISLs)\n",
             tl->planes->n_shells, tl->planes->n_planes, tl->planes->unplaced);
    if (tl->warnings.n) printf("  warnings         %d (listed in timeline.json)\n", tl->warnings.n);
  } else {
    printf("  satellites       %d in %d shell(s)", tl->n_sats, c->n_shells);
    for (int s = 0; s < c->n_shells && s < 3; s++)
      printf("%s %dx%d at %.0f km %.1f deg", s ? ";" : ":", c->shells[s].planes,
             c->shells[s].sats_per_plane, c->shells[s].altitude_m / 1e3,
             c->shells[s].inclination_rad / FAI_DEG);
    printf("%s\n", c->n_shells > 3 ? "; ..." : "");
  }
  printf("  horizon          %s + %g s, step %g s, %d snapshots\n", epoch, sc->duration_s,
         sc->step_s, tl->n_snaps);
  double up = 0, comp = 0;
  for (int t = 0; t < tl->n_snaps; t++) {
    up += tl->snap[t].isl_up;
    comp += tl->snap[t].components;
  }
  printf("  ISLs             %d candidate (+Grid), %.1f up on average, %.2f component(s)\n",
         tl->n_links, up / tl->n_snaps, comp / tl->n_snaps);
  printf("  ground stations  %d (%s)\n", tl->n_stations, sc->stations_source);
  printf("  contact windows  %zu in total\n", tl->n_contacts);
  printf("    %-28s %8s %10s %9s\n", "station", "windows", "mean (s)", "max el");
  const int show = tl->n_stations <= 30 ? tl->n_stations : 25;
  int *cnt = calloc((size_t)tl->n_stations, sizeof *cnt);
  double *dur = calloc((size_t)tl->n_stations, sizeof *dur);
  double *mx = calloc((size_t)tl->n_stations, sizeof *mx);
  if (cnt && dur && mx) {
    for (size_t k = 0; k < tl->n_contacts; k++) {
      const fai_contact *ct = &tl->contacts[k];
      cnt[ct->station]++;
      dur[ct->station] += ct->set_s - ct->rise_s;
      if (ct->max_elev_rad > mx[ct->station]) mx[ct->station] = ct->max_elev_rad;
    }
    for (int g = 0; g < show; g++)
      printf("    %-28.28s %8d %10.1f %9.1f\n", sc->stations.v[g].name, cnt[g],
             cnt[g] ? dur[g] / cnt[g] : 0.0, mx[g] / FAI_DEG);
    if (show < tl->n_stations) printf("    ... %d more in timeline.json\n", tl->n_stations - show);
  }
  free(cnt);
  free(dur);
  free(mx);
  if (isfinite(delay_mean))
    printf("  path delay       %.2f ms mean one-way between stations (%.1f%% of pair-snapshots "
           "reachable)\n",
           delay_mean * 1e3, 100 * reach);
  else
    printf("  path delay       not computed\n");
  printf("  backend          %s, %.2f s (propagate %.2f, links %.2f, visibility %.2f, contacts "
         "%.2f, paths %.2f)\n",
         be->name, tl->timing_s[5], tl->timing_s[0], tl->timing_s[1], tl->timing_s[2],
         tl->timing_s[3], tl->timing_s[4]);
  if (out_dir) printf("  output           %s/\n", out_dir);
  if (tl->outcome == FAI_OUTCOME_INTERRUPTED || tl->outcome == FAI_OUTCOME_TIME_LIMIT)
    printf("  outcome          %s: path summaries cover %d of %d snapshots\n",
           fai_outcome_name(tl->outcome), tl->snaps_done, tl->n_snaps);
}

int cmd_orbitgen(int argc, char **argv) {
  static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                            {"preset", required_argument, 0, OPT_PRESET},
                                            {"list-presets", no_argument, 0, OPT_LIST},
                                            {"start", required_argument, 0, OPT_START},
                                            {"duration", required_argument, 0, OPT_DURATION},
                                            {"step", required_argument, 0, OPT_STEP},
                                            {"min-elevation", required_argument, 0, OPT_MINEL},
                                            {"stations", required_argument, 0, OPT_STATIONS},
                                            {"no-paths", no_argument, 0, OPT_NOPATHS},
                                            {"no-contacts", no_argument, 0, OPT_NOCONTACTS},
                                            {"no-positions", no_argument, 0, OPT_NOPOS},
                                            {"no-isls", no_argument, 0, OPT_NOISLS},
                                            {"gsls", no_argument, 0, OPT_GSLS},
                                            {"geodetic", no_argument, 0, OPT_GEODETIC},
                                            {"tle", required_argument, 0, OPT_TLE},
                                            {"omm", required_argument, 0, OPT_OMM},
                                            {"select", required_argument, 0, OPT_SELECT},
                                            {"skip-deep-space", no_argument, 0, OPT_SKIPDEEP},
                                            {"frame", required_argument, 0, OPT_FRAME},
                                            {"compare-with", required_argument, 0, OPT_COMPARE},
                                            {"binary", no_argument, 0, OPT_BINARY},
                                            {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  const char *preset = NULL, *start = NULL, *stations = NULL;
  const char *tle = NULL, *omm = NULL, *select = NULL, *frame = NULL, *compare = NULL;
  int skip_deep = 0;
  double duration = NAN, step = NAN, minel = NAN;
  fai_timeline_opts topts;
  fai_timeline_opts_init(&topts);
  fai_write_opts wopts;
  fai_write_opts_init(&wopts);
  optind = 1;
  int opt;
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    switch (opt) {
      case 'h': fputs(HELP, stdout); return FAI_EXIT_OK;
      case OPT_PRESET: preset = optarg; break;
      case OPT_LIST:
        list_presets();
        list_element_presets();
        return FAI_EXIT_OK;
      case OPT_START: start = optarg; break;
      case OPT_DURATION:
        if (cli_parse_double("orbitgen", "--duration", optarg, &duration)) return FAI_EXIT_INPUT;
        break;
      case OPT_STEP:
        if (cli_parse_double("orbitgen", "--step", optarg, &step)) return FAI_EXIT_INPUT;
        break;
      case OPT_MINEL:
        if (cli_parse_double("orbitgen", "--min-elevation", optarg, &minel)) return FAI_EXIT_INPUT;
        break;
      case OPT_STATIONS: stations = optarg; break;
      case OPT_NOPATHS: topts.paths = 0; break;
      case OPT_NOCONTACTS: topts.contacts = 0; break;
      case OPT_NOPOS: wopts.positions = 0; break;
      case OPT_NOISLS: wopts.isls = 0; break;
      case OPT_GSLS: wopts.gsls = 1; break;
      case OPT_GEODETIC: wopts.geodetic = 1; break;
      case OPT_TLE: tle = optarg; break;
      case OPT_OMM: omm = optarg; break;
      case OPT_SELECT: select = optarg; break;
      case OPT_SKIPDEEP: skip_deep = 1; break;
      case OPT_FRAME: frame = optarg; break;
      case OPT_COMPARE: compare = optarg; break;
      case OPT_BINARY:
        wopts.binary = 1;
        wopts.positions = wopts.isls = 0;
        break;
      case '?': fputs("Try 'fluidai orbitgen --help'.\n", stderr); return FAI_EXIT_USAGE;
      default: {
        int r = cli_common_option(&cc, opt, optarg);
        if (r < 0) return FAI_EXIT_INPUT;
        if (r > 0) return FAI_EXIT_USAGE;
      }
    }
  }
  if (argc - optind > 1) {
    fprintf(stderr, "fluidai orbitgen: error: expected at most one scenario file, got %d\n",
            argc - optind);
    return FAI_EXIT_USAGE;
  }
  const char *scen_path = optind < argc ? argv[optind] : NULL;

  fai_error err;
  fai_error_clear(&err);
  fai_scenario sc;
  fai_timeline tl;
  memset(&tl, 0, sizeof tl);
  fai_backend be;
  cli_progress cp;
  fai_progress prog = {NULL, NULL};
  fai_status st;
  int code = FAI_EXIT_OK;

  fai_scenario_init(&sc);
  st = scen_path ? fai_scenario_load_file(scen_path, &sc, NULL, &err)
                 : fai_scenario_load_default(&sc, &err);
  if (st != FAI_OK) goto fail;

  /* Command-line overrides, each checked with the option's name. */
  if ((preset != NULL) + (tle != NULL) + (omm != NULL) > 1) {
    st = fai_error_set_at(&err, FAI_EUSAGE, NULL, 0, 0, NULL,
                          "give at most one of --preset, --tle and --omm");
    goto fail;
  }
  const int start_given = start != NULL;
  if (start) {
    /* The epoch first: element selection by age counts back from it. */
    st = fai_time_parse_iso8601(start, &sc.epoch_unix, &err);
    if (st != FAI_OK) {
      char msg[FAI_ERROR_MSG_MAX];
      snprintf(msg, sizeof msg, "%s", err.msg);
      fai_error_set_at(&err, st, NULL, 0, 0, "--start", "%s", msg);
      goto fail;
    }
    start = NULL;
  }
  if (tle || omm || (preset && fai_element_preset_find(preset) >= 0)) {
    const char *kind = tle ? "tle" : (omm ? "omm" : "preset");
    const char *src = tle ? tle : (omm ? omm : preset);
    fai_error_list_free(&sc.warnings);
    st = fai_elements_load(&sc.elements, kind, src, select, skip_deep, sc.epoch_unix,
                           &sc.warnings, &err);
    if (st != FAI_OK) goto fail;
    snprintf(sc.constellation.name, sizeof sc.constellation.name, "%s", src);
    if (!scen_path) snprintf(sc.name, sizeof sc.name, "%s", src);
    select = NULL;
    preset = NULL;
    if (!start_given) {
      /* SGP4 degrades days from the element epoch: start at the newest one. */
      sc.epoch_unix = fai_elements_newest_epoch(&sc.elements);
      char ep[40];
      fai_time_format_iso8601(sc.epoch_unix, ep);
      fai_info("epoch set to the newest element epoch, %s (use --start to choose)", ep);
    }
  }
  if (select || skip_deep) {
    if (!sc.elements.enabled) {
      st = fai_error_set_at(&err, FAI_EUSAGE, NULL, 0, 0, select ? "--select" : "--skip-deep-space",
                            "applies to element sets (--tle, --omm or a *-tle preset)");
      goto fail;
    }
    if (select) {
      st = fai_tle_select(sc.elements.set, select, sc.epoch_unix, &err);
      if (st != FAI_OK) goto fail;
    }
  }
  if (frame) snprintf(sc.frame, sizeof sc.frame, "%s", frame);
  if (preset) {
    fai_elements_free(&sc.elements);
    sc.elements.enabled = 0;
    st = fai_preset_find(preset, &sc.constellation, &err);
    if (st == FAI_OK && !scen_path) snprintf(sc.name, sizeof sc.name, "%s", preset);
    if (st != FAI_OK) {
      char msg[FAI_ERROR_MSG_MAX];
      snprintf(msg, sizeof msg, "%s", err.msg);
      fai_error_set_at(&err, st, NULL, 0, 0, "--preset", "%s", msg);
      goto fail;
    }
  }
  if (!isnan(duration)) {
    if (duration < 0) {
      st = fai_error_set_at(&err, FAI_EINVAL, NULL, 0, 0, "--duration",
                            "%g; expected a number of seconds >= 0", duration);
      goto fail;
    }
    sc.duration_s = duration;
  }
  if (!isnan(step)) {
    if (step <= 0) {
      st = fai_error_set_at(&err, FAI_EINVAL, NULL, 0, 0, "--step",
                            "%g; expected a positive number of seconds", step);
      goto fail;
    }
    sc.step_s = step;
  }
  if (stations) {
    fai_station_set ns = {0, NULL};
    const double mask = sc.stations.n ? sc.stations.v[0].min_elev_rad : 25 * FAI_DEG;
    if (file_exists(stations)) {
      st = fai_stations_load_csv(stations, mask, &ns, &err);
      snprintf(sc.stations_source, sizeof sc.stations_source, "%s", stations);
    } else {
      st = fai_station_preset_load(stations, mask, &ns, &err);
      if (st == FAI_ENOENT) {
        char msg[FAI_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err.msg);
        fai_error_set_at(&err, st, NULL, 0, 0, "--stations",
                         "\"%s\" is neither a readable CSV file nor a preset (%s)", stations,
                         msg);
      }
      snprintf(sc.stations_source, sizeof sc.stations_source, "preset:%s", stations);
    }
    if (st != FAI_OK) goto fail;
    fai_station_set_free(&sc.stations);
    sc.stations = ns;
  }
  if (!isnan(minel)) {
    if (minel < -90 || minel > 90) {
      st = fai_error_set_at(&err, FAI_EINVAL, NULL, 0, 0, "--min-elevation",
                            "%g; expected degrees in [-90, 90]", minel);
      goto fail;
    }
    for (int g = 0; g < sc.stations.n; g++) sc.stations.v[g].min_elev_rad = minel * FAI_DEG;
    for (int u = 0; u < sc.users.n; u++) sc.users.v[u].min_elev_rad = minel * FAI_DEG;
  }
  if (cc.has_seed) sc.seed = cc.seed;
  if (compare) {
    code = compare_with(&sc, compare, cc.format, &err, &st);
    if (st != FAI_OK) goto fail;
    fai_scenario_free(&sc);
    return code;
  }
  st = fai_scenario_check(&sc, &err);
  if (st != FAI_OK) goto fail;
  for (int k = 0; k < sc.warnings.n; k++) {
    char buf[2 * FAI_ERROR_MSG_MAX];
    fai_error_format(&sc.warnings.v[k], buf, sizeof buf);
    fai_warn("%s", buf);
  }

  if (cc.out && (st = fai_outdir_check(cc.out, &err)) != FAI_OK) goto fail;
  topts.time_limit_s = cc.time_limit_s;
  st = fai_backend_select(cc.backend, cc.threads, &be, &err);
  if (st != FAI_OK) goto fail;
  fai_interrupt_install();
  cli_progress_init(&cp, cc.quiet ? PROGRESS_NONE : cc.progress, &prog);
  st = fai_timeline_build(&sc, &be, &topts, &prog, &tl, &err);
  cli_progress_finish(&cp);
  if (st != FAI_OK && !(st == FAI_EINTR && tl.outcome == FAI_OUTCOME_INTERRUPTED)) goto fail;
  if (st == FAI_EINTR) {
    fai_warn("interrupted: writing the %s finished so far", "snapshot summaries");
    fai_interrupt_reset(); /* let the writer finish the partial result */
    code = FAI_EXIT_INTERRUPTED;
  }

  json_t *doc = fai_timeline_to_json(&tl);
  json_t *sum = doc ? json_object_get(doc, "summary") : NULL;
  const double delay = sum ? json_real_value(json_object_get(sum, "mean_gs_delay_s")) : NAN;
  const double reach = sum ? json_real_value(json_object_get(sum, "gs_pair_reachability")) : NAN;
  if (cc.out) {
    wopts.backend_name = be.name;
    wopts.threads = cc.threads;
    st = fai_timeline_write(&tl, cc.out, &wopts, &err);
    if (st != FAI_OK) {
      json_decref(doc);
      goto fail;
    }
  }
  if (!strcmp(cc.format, "json")) {
    json_t *brief = json_object();
    json_object_set(brief, "counts", json_object_get(doc, "counts"));
    json_object_set(brief, "summary", json_object_get(doc, "summary"));
    json_object_set(brief, "stations", json_object_get(doc, "stations"));
    json_object_set(brief, "outcome", json_object_get(doc, "outcome"));
    /* Timings make this printout differ between runs; files stay deterministic. */
    json_object_set_new(brief, "run",
                        json_pack("{s:s, s:i, s:{s:f, s:f, s:f, s:f, s:f, s:f}}", "backend",
                                  be.name, "threads", cc.threads, "timings_s", "propagate",
                                  tl.timing_s[0], "links", tl.timing_s[1], "visibility",
                                  tl.timing_s[2], "contacts", tl.timing_s[3], "paths",
                                  tl.timing_s[4], "total", tl.timing_s[5]));
    char *txt = fai_json_dumps(brief);
    if (txt) fputs(txt, stdout);
    free(txt);
    json_decref(brief);
  } else {
    print_summary(&tl, &be, cc.out, json_is_null(json_object_get(sum, "mean_gs_delay_s")) ? NAN : delay,
                  reach);
  }
  json_decref(doc);
  fai_timeline_free(&tl);
  fai_scenario_free(&sc);
  return code;

fail:
  cli_report("orbitgen", &err);
  fai_timeline_free(&tl);
  fai_scenario_free(&sc);
  return cli_exit_code(st);
}
