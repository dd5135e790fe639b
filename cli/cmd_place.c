/* `fluidai place`: placement solvers (subcommands in cmd_place_*.c). */
#include <string.h>

#include "cli.h"

static const char *const HELP =
    "usage: fluidai place SUBCOMMAND [OPTIONS]\n\n"
    "Placement over a moving constellation.\n\n"
    "Subcommands:\n"
    "  spacexnet   Space-XNet: MoE layers on a satellite ring, experts by expected latency\n"
    "  cascade     fluid inference: cascaded sub-models with early exits over user,\n"
    "              satellites and ground (accuracy-latency Pareto front)\n\n"
    "`fluidai place SUBCOMMAND --help` describes each.\n";

int cmd_place(int argc, char **argv) {
  if (argc < 2) {
    fputs(HELP, stderr);
    return FAI_EXIT_USAGE;
  }
  const char *sub = argv[1];
  if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
    fputs(HELP, stdout);
    return FAI_EXIT_OK;
  }
  if (!strcmp(sub, "spacexnet")) return cmd_place_spacexnet(argc - 1, argv + 1);
  if (!strcmp(sub, "cascade")) return cmd_place_cascade(argc - 1, argv + 1);
  fprintf(stderr, "fluidai place: unknown subcommand \"%s\"\n\n", sub);
  fputs(HELP, stderr);
  return FAI_EXIT_USAGE;
}
