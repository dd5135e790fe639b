/* `fluidai export`: timelines and constellations for other tools.
 *   export hypatia TIMELINE_DIR -o OUTDIR   Hypatia's satellite-network-state directory
 *   export tle (SCENARIO.json | --preset NAME) [-o FILE]   3-line TLEs
 *   export csv TIMELINE_DIR -o OUTDIR      CSV tables from the binary timeline */
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fluidai/elements.h"
#include "fluidai/export.h"
#include "fluidai/io.h"
#include "fluidai/json.h"
#include "fluidai/orbitgen.h"
#include "fluidai/tle.h"

static const char *const HELP =
    "usage: fluidai export SUBCOMMAND [OPTIONS] [ARGS]\n\n"
    "Exports timelines and constellations for other tools.\n\n"
    "Subcommands:\n"
    "  hypatia TIMELINE_DIR -o OUTDIR   Hypatia's satellite network state (tles.txt,\n"
    "                                   isls.txt, ground stations, forwarding state)\n"
    "  tle (SCENARIO.json | --preset NAME) [-o FILE]   the satellites as 3-line TLEs\n"
    "  csv TIMELINE_DIR -o OUTDIR       positions.csv and isls.csv from timeline.bin\n\n"
    "`fluidai export SUBCOMMAND --help` describes each.\n";

static const char *const HELP_HYPATIA =
    "usage: fluidai export hypatia TIMELINE_DIR -o OUTDIR [OPTIONS]\n\n"
    "Writes the satellite network state that Hypatia (ns-3) simulates, for the\n"
    "timeline in TIMELINE_DIR (a directory written by `fluidai orbitgen -o`; its\n"
    "scenario.json is loaded and the timeline rebuilt):\n"
    "  tles.txt isls.txt ground_stations.txt ground_stations_extended.txt\n"
    "  gsl_interfaces_info.txt description.txt\n"
    "  dynamic_state_<step>ms_for_<duration>s/{fstate,gsl_if_bandwidth}_<t_ns>.txt\n"
    "Forwarding state follows Hypatia's shortest path without ground-station\n"
    "relaying over the timeline's positions and live ISLs (see README).\n\n"
    "Options:\n"
    "  --max-gsl-length-km X  ground links up to X km (default: per station, the slant\n"
    "                         range at its elevation mask to the lowest shell)\n"
    "  --max-isl-length-km X  max_isl_length_m written to description.txt (default:\n"
    "                         line of sight over R_E + atmosphere margin)\n"
    "  --gsl-bandwidth-bps B  gsl_if_bandwidth value per interface (default 1)\n"
    "  --gsl-interfaces-per-sat K  1 (default) or the number of stations\n"
    "  --full-fstate          write every forwarding entry in every snapshot, not only\n"
    "                         the changes after the first\n\n" CLI_COMMON_HELP;

static const char *const HELP_TLE =
    "usage: fluidai export tle (SCENARIO.json | --preset NAME) [--start ISO] [-o FILE]\n\n"
    "Writes the constellation's satellites as 3-line TLEs (name line, line 1, line 2)\n"
    "so that other tools load the same constellation.  Walker satellites get mean\n"
    "circular elements at the epoch and NORAD catalogue numbers 1..N in fluidai's\n"
    "satellite order; element-set scenarios are written as loaded.  Without -o the\n"
    "TLEs go to stdout; with -o the file is written atomically.\n\n"
    "Options:\n"
    "  --preset NAME  constellation preset (overrides the scenario's constellation)\n"
    "  --start ISO    epoch of the elements, e.g. 2026-01-01T00:00:00Z (default: the\n"
    "                 scenario's, or the embedded default scenario's with "
    "--preset)\n\n" CLI_COMMON_HELP;

enum { OPT_MAX_GSL = 2000, OPT_MAX_ISL, OPT_GSL_BW, OPT_GSL_IFS, OPT_FULL, OPT_PRESET, OPT_START };

static int is_dir(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Copy err.msg under a new location (an option name). */
static void relabel(fai_error *err, fai_status st, const char *what) {
  char msg[FAI_ERROR_MSG_MAX];
  snprintf(msg, sizeof msg, "%s", err->msg);
  fai_error_clear(err);
  fai_error_set_at(err, st, NULL, 0, 0, what, "%s", msg);
}

/* A positive length option in km → metres; -1 (message printed) when bad. */
static int parse_positive(const char *opt, const char *arg, double scale, double *out) {
  double v;
  if (cli_parse_double("export", opt, arg, &v)) return -1;
  if (!(v > 0)) {
    fprintf(stderr, "fluidai export: error: %s: %s; expected a positive number\n", opt, arg);
    return -1;
  }
  *out = v * scale;
  return 0;
}

/* As the directory name has it: near-integers as integers (see hypatia.c). */
static void format_number(double v, char buf[32]) {
  const double r = nearbyint(v);
  if (fabs(v - r) <= 1e-9 * fabs(v) && fabs(r) < 1e15)
    snprintf(buf, 32, "%lld", (long long)r);
  else
    fai_json_format_double(v, buf);
}

static void print_hypatia_summary(const fai_timeline *tl, const char *out) {
  const fai_scenario *sc = tl->sc;
  char step[32], dur[32];
  format_number(sc->step_s * 1e3, step);
  format_number(sc->duration_s, dur);
  printf("fluidai export hypatia: %s\n", sc->name);
  printf("  satellites       %d\n", tl->n_sats);
  printf("  ground stations  %d\n", tl->n_stations);
  printf(
      "  ISLs             %d candidate (static in isls.txt; links down in a snapshot are "
      "routed around)\n",
      tl->n_links);
  printf("  output           %s/\n", out);
  printf("  dynamic state    %s/dynamic_state_%sms_for_%ss/ (t < %s s)\n", out, step, dur, dur);
}

static int export_hypatia(int argc, char **argv) {
  static const struct option longopts[] = {
      CLI_COMMON_LONGOPTS,
      {"max-gsl-length-km", required_argument, 0, OPT_MAX_GSL},
      {"max-isl-length-km", required_argument, 0, OPT_MAX_ISL},
      {"gsl-bandwidth-bps", required_argument, 0, OPT_GSL_BW},
      {"gsl-interfaces-per-sat", required_argument, 0, OPT_GSL_IFS},
      {"full-fstate", no_argument, 0, OPT_FULL},
      {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  fai_hypatia_opts ho;
  fai_hypatia_opts_init(&ho);
  optind = 1;
  int opt;
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    switch (opt) {
      case 'h':
        fputs(HELP_HYPATIA, stdout);
        return FAI_EXIT_OK;
      case OPT_MAX_GSL:
        if (parse_positive("--max-gsl-length-km", optarg, 1e3, &ho.max_gsl_length_m))
          return FAI_EXIT_INPUT;
        break;
      case OPT_MAX_ISL:
        if (parse_positive("--max-isl-length-km", optarg, 1e3, &ho.max_isl_length_m))
          return FAI_EXIT_INPUT;
        break;
      case OPT_GSL_BW:
        if (parse_positive("--gsl-bandwidth-bps", optarg, 1.0, &ho.gsl_bandwidth_bps))
          return FAI_EXIT_INPUT;
        break;
      case OPT_GSL_IFS: {
        char *end = NULL;
        errno = 0;
        const long v = strtol(optarg, &end, 10);
        if (!optarg[0] || *end || errno || v < 1 || v > 1000000) {
          fprintf(stderr,
                  "fluidai export: error: --gsl-interfaces-per-sat: \"%s\"; expected a positive "
                  "integer\n",
                  optarg);
          return FAI_EXIT_INPUT;
        }
        ho.gsl_interfaces_per_sat = (int)v;
        break;
      }
      case OPT_FULL:
        ho.full_fstate = 1;
        break;
      case '?':
        fputs("Try 'fluidai export hypatia --help'.\n", stderr);
        return FAI_EXIT_USAGE;
      default: {
        const int r = cli_common_option(&cc, opt, optarg);
        if (r < 0) return FAI_EXIT_INPUT;
        if (r > 0) return FAI_EXIT_USAGE;
      }
    }
  }
  if (argc - optind != 1) {
    fprintf(stderr,
            "fluidai export hypatia: error: expected one TIMELINE_DIR (a directory written by "
            "`fluidai orbitgen -o`), got %d\nTry 'fluidai export hypatia --help'.\n",
            argc - optind);
    return FAI_EXIT_USAGE;
  }
  if (!cc.out) {
    fprintf(stderr,
            "fluidai export hypatia: error: -o OUTDIR is required\n"
            "Try 'fluidai export hypatia --help'.\n");
    return FAI_EXIT_USAGE;
  }
  const char *tl_dir = argv[optind];

  fai_error err;
  fai_error_clear(&err);
  fai_scenario sc;
  fai_scenario_init(&sc);
  fai_timeline tl;
  memset(&tl, 0, sizeof tl);
  fai_backend be;
  cli_progress cp;
  fai_progress prog = {NULL, NULL};
  fai_status st;
  char path[FAI_ERROR_FILE_MAX];

  if (!is_dir(tl_dir)) {
    st = fai_error_set_at(&err, FAI_ENOENT, tl_dir, 0, 0, NULL,
                          "no such directory; TIMELINE_DIR is a directory written by "
                          "`fluidai orbitgen -o`");
    goto fail;
  }
  snprintf(path, sizeof path, "%s/scenario.json", tl_dir);
  if (access(path, R_OK) != 0) {
    st = fai_error_set_at(&err, FAI_ENOENT, path, 0, 0, NULL,
                          "cannot read it (%s); TIMELINE_DIR must be a directory written by "
                          "`fluidai orbitgen -o`",
                          strerror(errno));
    goto fail;
  }
  st = fai_scenario_load_file(path, &sc, NULL, &err);
  if (st != FAI_OK) goto fail;
  if (cc.has_seed) sc.seed = cc.seed;
  st = fai_scenario_check(&sc, &err);
  if (st != FAI_OK) goto fail;
  if ((st = fai_outdir_check(cc.out, &err)) != FAI_OK) goto fail; /* before the long work */

  st = fai_backend_select(cc.backend, cc.threads, &be, &err);
  if (st != FAI_OK) goto fail;
  /* The export's own searches run on the cpu backend with OpenMP's default. */
  if (cc.threads > 0) omp_set_num_threads(cc.threads);
  fai_interrupt_install();
  cli_progress_init(&cp, cc.quiet ? PROGRESS_NONE : cc.progress, &prog);
  fai_timeline_opts topts;
  fai_timeline_opts_init(&topts);
  topts.contacts = 0;
  topts.paths = 0;
  st = fai_timeline_build(&sc, &be, &topts, &prog, &tl, &err);
  if (st == FAI_OK) st = fai_export_hypatia(&tl, &ho, cc.out, &prog, &err);
  cli_progress_finish(&cp);
  if (st != FAI_OK) goto fail;
  print_hypatia_summary(&tl, cc.out);
  fai_timeline_free(&tl);
  fai_scenario_free(&sc);
  return FAI_EXIT_OK;

fail:
  cli_report("export hypatia", &err);
  fai_timeline_free(&tl);
  fai_scenario_free(&sc);
  return cli_exit_code(st);
}

/* The TLEs of every satellite into fp. */
static void write_tles(FILE *fp, const fai_scenario *sc, const fai_elements *el) {
  const int N = el && el->enabled ? el->set->n : fai_constellation_sat_count(&sc->constellation);
  for (int j = 0; j < N; j++) {
    fai_tle t;
    char l1[70], l2[70];
    if (el && el->enabled)
      t = el->set->v[j];
    else
      fai_tle_from_walker(&sc->constellation, j, sc->epoch_unix, j + 1, &t);
    fai_tle_format(&t, l1, l2);
    fprintf(fp, "%s\n%s\n%s\n", t.name, l1, l2);
  }
}

static int export_tle(int argc, char **argv) {
  static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                           {"preset", required_argument, 0, OPT_PRESET},
                                           {"start", required_argument, 0, OPT_START},
                                           {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  const char *preset = NULL, *start = NULL;
  optind = 1;
  int opt;
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    switch (opt) {
      case 'h':
        fputs(HELP_TLE, stdout);
        return FAI_EXIT_OK;
      case OPT_PRESET:
        preset = optarg;
        break;
      case OPT_START:
        start = optarg;
        break;
      case '?':
        fputs("Try 'fluidai export tle --help'.\n", stderr);
        return FAI_EXIT_USAGE;
      default: {
        const int r = cli_common_option(&cc, opt, optarg);
        if (r < 0) return FAI_EXIT_INPUT;
        if (r > 0) return FAI_EXIT_USAGE;
      }
    }
  }
  if (argc - optind > 1 || (argc - optind == 0 && !preset)) {
    fprintf(stderr,
            "fluidai export tle: error: expected a SCENARIO.json or --preset NAME\n"
            "Try 'fluidai export tle --help'.\n");
    return FAI_EXIT_USAGE;
  }
  const char *scen_path = optind < argc ? argv[optind] : NULL;

  fai_error err;
  fai_error_clear(&err);
  fai_scenario sc;
  fai_scenario_init(&sc);
  fai_elements pel;
  memset(&pel, 0, sizeof pel);
  const fai_elements *el = NULL;
  fai_outfile of;
  memset(&of, 0, sizeof of);
  fai_status st = scen_path ? fai_scenario_load_file(scen_path, &sc, NULL, &err)
                            : fai_scenario_load_default(&sc, &err);
  if (st != FAI_OK) goto fail;
  if (start) {
    st = fai_time_parse_iso8601(start, &sc.epoch_unix, &err);
    if (st != FAI_OK) {
      relabel(&err, st, "--start");
      goto fail;
    }
  }
  if (sc.elements.enabled) el = &sc.elements;
  if (preset) {
    if (fai_element_preset_find(preset) >= 0) {
      st = fai_elements_load(&pel, "preset", preset, "", 0, sc.epoch_unix, NULL, &err);
      if (st != FAI_OK) {
        relabel(&err, st, "--preset");
        goto fail;
      }
      el = &pel;
    } else {
      st = fai_preset_find(preset, &sc.constellation, &err);
      if (st != FAI_OK) {
        relabel(&err, st, "--preset");
        goto fail;
      }
      el = NULL;
    }
  }
  const int N = el ? el->set->n : fai_constellation_sat_count(&sc.constellation);
  if (!el && N > 339999) {
    st = fai_error_set(&err, FAI_EINVAL,
                       "%d satellites; TLE catalogue numbers (Alpha-5) stop at 339999", N);
    goto fail;
  }
  if (cc.out) {
    st = fai_outfile_open(&of, cc.out, &err);
    if (st != FAI_OK) goto fail;
    write_tles(of.fp, &sc, el);
    st = fai_outfile_commit(&of, &err);
    if (st != FAI_OK) goto fail;
    printf("fluidai export tle: %d satellites (%s) -> %s\n", N,
           el ? el->source : sc.constellation.name, cc.out);
  } else {
    write_tles(stdout, &sc, el);
  }
  fai_elements_free(&pel);
  fai_scenario_free(&sc);
  return FAI_EXIT_OK;

fail:
  cli_report("export tle", &err);
  fai_elements_free(&pel);
  fai_scenario_free(&sc);
  return cli_exit_code(st);
}

static const char *const HELP_CSV =
    "usage: fluidai export csv TIMELINE_DIR -o OUTDIR [--geodetic]\n\n"
    "Converts the binary timeline (TIMELINE_DIR/timeline.bin, written by\n"
    "`fluidai orbitgen --binary`) into positions.csv and isls.csv in the same\n"
    "formats orbitgen writes (positions in ECEF).  Every array's SHA-256 is checked.\n\n"
    "Options:\n"
    "  --geodetic   add lat_deg,lon_deg,alt_m (WGS-84) to positions.csv\n\n" CLI_COMMON_HELP;

static int export_csv(int argc, char **argv) {
  enum { OPT_GEO = 3000 };
  static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                            {"geodetic", no_argument, 0, OPT_GEO},
                                            {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  fai_write_opts wo;
  fai_write_opts_init(&wo);
  wo.only_tables = 1;
  int opt;
  optind = 1;
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    if (opt == 'h') {
      fputs(HELP_CSV, stdout);
      return FAI_EXIT_OK;
    }
    if (opt == OPT_GEO) {
      wo.geodetic = 1;
      continue;
    }
    if (opt == '?') return FAI_EXIT_USAGE;
    int r = cli_common_option(&cc, opt, optarg);
    if (r < 0) return FAI_EXIT_INPUT;
    if (r > 0) return FAI_EXIT_USAGE;
  }
  if (argc - optind != 1 || !cc.out) {
    fputs("usage: fluidai export csv TIMELINE_DIR -o OUTDIR\n", stderr);
    return FAI_EXIT_USAGE;
  }
  const char *dir = argv[optind];
  char path[4096];
  fai_error err;
  fai_error_clear(&err);
  fai_scenario sc;
  fai_scenario_init(&sc);
  fai_timeline tl;
  memset(&tl, 0, sizeof tl);
  fai_status st;
  snprintf(path, sizeof path, "%s/scenario.json", dir);
  if ((st = fai_scenario_load_file(path, &sc, NULL, &err)) != FAI_OK) goto fail;
  snprintf(path, sizeof path, "%s/timeline.bin", dir);
  if (access(path, R_OK) != 0) {
    st = fai_error_set_at(&err, FAI_ENOENT, path, 0, 0, NULL,
                          "no binary timeline here (write one with `fluidai orbitgen --binary`)");
    goto fail;
  }
  if ((st = fai_timeline_load_binary(path, &tl, &err)) != FAI_OK) goto fail;
  if (tl.n_sats != fai_scenario_sat_count(&sc) || tl.n_stations != sc.stations.n) {
    st = fai_error_set_at(&err, FAI_EINVAL, path, 0, 0, NULL,
                          "holds %d satellites and %d stations but scenario.json describes %d "
                          "and %d",
                          tl.n_sats, tl.n_stations, fai_scenario_sat_count(&sc), sc.stations.n);
    goto fail;
  }
  tl.sc = &sc;
  if ((st = fai_timeline_write(&tl, cc.out, &wo, &err)) != FAI_OK) goto fail;
  fai_timeline_free(&tl);
  fai_scenario_free(&sc);
  return FAI_EXIT_OK;
fail:
  cli_report("export csv", &err);
  fai_timeline_free(&tl);
  fai_scenario_free(&sc);
  return cli_exit_code(st);
}

int cmd_export(int argc, char **argv) {
  if (argc < 2) {
    fputs(HELP, stderr);
    return FAI_EXIT_USAGE;
  }
  const char *sub = argv[1];
  if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
    fputs(HELP, stdout);
    return FAI_EXIT_OK;
  }
  if (!strcmp(sub, "hypatia")) return export_hypatia(argc - 1, argv + 1);
  if (!strcmp(sub, "tle")) return export_tle(argc - 1, argv + 1);
  if (!strcmp(sub, "csv")) return export_csv(argc - 1, argv + 1);
  fprintf(stderr, "fluidai export: unknown subcommand \"%s\"\n\n", sub);
  fputs(HELP, stderr);
  return FAI_EXIT_USAGE;
}
