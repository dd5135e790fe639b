/* `fluidai fedmeld`: model-dispersal federated learning (PAPERS.md §4, §13).
 *   fedmeld plan   SC-MR design (τ*, α*), dispersal schedule, baselines' timing
 *   fedmeld sim    federated training that checks the plan */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *const HELP =
    "usage: fluidai fedmeld SUBCOMMAND [OPTIONS]\n\n"
    "Model-dispersal federated learning over a constellation (PAPERS.md §4, §13).\n\n"
    "Subcommands:\n"
    "  plan    round interval and mixing ratio (SC-MR), the dispersal schedule from the\n"
    "          orbits, and the timing of the ground-station and ISL baselines\n"
    "  sim     federated training (logistic regression, MLP) of FedMeld and the\n"
    "          baselines on Fashion-MNIST or synthetic non-IID data\n\n"
    "`fluidai fedmeld SUBCOMMAND --help` describes each.\n";

int cmd_fedmeld(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
    fputs(HELP, argc < 2 ? stderr : stdout);
    return argc < 2 ? FAI_EXIT_USAGE : FAI_EXIT_OK;
  }
  if (!strcmp(argv[1], "plan")) return cmd_fedmeld_plan(argc - 1, argv + 1);
  if (!strcmp(argv[1], "sim")) return cmd_fedmeld_sim(argc - 1, argv + 1);
  fprintf(stderr, "fluidai fedmeld: unknown subcommand \"%s\"\n\n%s", argv[1], HELP);
  return FAI_EXIT_USAGE;
}
