/* `fluidai validate FILE`: every error of a scenario, with its location. */
#include <string.h>

#include "cli.h"
#include "fluidai/orbitgen.h"

static const char *const HELP =
    "usage: fluidai validate SCENARIO.json\n\n"
    "Checks a scenario file and prints every problem found as\n"
    "FILE:LINE:COL: JSON-PATH: message (one per line, on stderr).\n"
    "Exit 0 when valid, 3 when not.\n";

int cmd_validate(int argc, char **argv) {
  static const struct option longopts[] = {CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  int opt;
  optind = 1;
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    if (opt == 'h') {
      fputs(HELP, stdout);
      return FAI_EXIT_OK;
    }
    if (opt == '?') return FAI_EXIT_USAGE;
    int r = cli_common_option(&cc, opt, optarg);
    if (r < 0) return FAI_EXIT_INPUT;
    if (r > 0) return FAI_EXIT_USAGE;
  }
  if (argc - optind != 1) {
    fputs("usage: fluidai validate SCENARIO.json\n", stderr);
    return FAI_EXIT_USAGE;
  }
  const char *path = argv[optind];
  fai_scenario sc;
  fai_error err;
  fai_error_clear(&err);
  fai_error_list all = {0, 0, NULL};
  fai_status st = fai_scenario_load_file(path, &sc, &all, &err);
  if (st == FAI_OK) {
    printf("%s: valid: %s, %d satellites in %d shell(s), %d ground stations, %d snapshots\n",
           path, sc.constellation.name, fai_constellation_sat_count(&sc.constellation),
           sc.constellation.n_shells, sc.stations.n, fai_scenario_snapshots(&sc));
    fai_scenario_free(&sc);
    fai_error_list_free(&all);
    return FAI_EXIT_OK;
  }
  if (all.n == 0) fai_error_list_push(&all, &err);
  for (int i = 0; i < all.n; i++) {
    char buf[2 * FAI_ERROR_MSG_MAX];
    fai_error_format(&all.v[i], buf, sizeof buf);
    fprintf(stderr, "%s\n", buf);
  }
  fprintf(stderr, "%s: %d error(s)\n", path, all.n);
  fai_scenario_free(&sc);
  fai_error_list_free(&all);
  return cli_exit_code(st) == FAI_EXIT_RUNTIME ? FAI_EXIT_RUNTIME : FAI_EXIT_INPUT;
}
