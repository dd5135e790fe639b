/* `fluidai offload`: where inference tasks run (PAPERS.md §6, §7, §11).
 *   offload leoedge      LEOEdge layered satellite → ground-cluster scheduling (+ --simulate)
 *   offload adapt        LEOEdge adaptive modelling: model choice under a latency interval
 *   offload relay        LEOEdge seamless transmission: direct / relay / local per task
 *   offload lsm          large–small model collaboration: offloading ratio + routing
 *   offload partialload  PartialLoading: scheduling with shared-parameter loading */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *const HELP =
    "usage: fluidai offload SUBCOMMAND [OPTIONS]\n\n"
    "Where inference tasks run (PAPERS.md §6, §7, §11).\n\n"
    "Subcommands:\n"
    "  leoedge INSTANCE.json  LEOEdge: satellite → scheduler → server → container offloading\n"
    "                         by layered dual decomposition (--simulate: discrete-event run)\n"
    "  adapt KB.json SPACE.json  LEOEdge adaptive modelling: best model whose predicted\n"
    "                         latency lies in [lo, hi] on a device (knapsack DP, evolutionary)\n"
    "  relay INSTANCE.json    LEOEdge seamless transmission: direct, same-orbit relay,\n"
    "                         other-orbit relay or local execution per task\n"
    "  lsm                    large–small model collaboration: offloading ratio by bisection,\n"
    "                         congestion-aware routing, on a Walker timeline\n"
    "  partialload INSTANCE.json  PartialLoading: request scheduling with shared-block GPU\n"
    "                         loading and uplink bandwidth allocation\n\n"
    "`fluidai offload SUBCOMMAND --help` describes each.\n";

int cmd_offload(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
    fputs(HELP, argc < 2 ? stderr : stdout);
    return argc < 2 ? FAI_EXIT_USAGE : FAI_EXIT_OK;
  }
  if (!strcmp(argv[1], "leoedge")) return cmd_offload_leoedge(argc - 1, argv + 1);
  if (!strcmp(argv[1], "adapt")) return cmd_offload_adapt(argc - 1, argv + 1);
  if (!strcmp(argv[1], "relay")) return cmd_offload_relay(argc - 1, argv + 1);
  if (!strcmp(argv[1], "lsm")) return cmd_offload_lsm(argc - 1, argv + 1);
  if (!strcmp(argv[1], "partialload")) return cmd_offload_partialload(argc - 1, argv + 1);
  fprintf(stderr, "fluidai offload: unknown subcommand \"%s\"\n\n%s", argv[1], HELP);
  return FAI_EXIT_USAGE;
}
