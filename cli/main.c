/* fluidai: one binary, git-style subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct command {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
    {"orbitgen", cmd_orbitgen, "constellation timeline: positions, ISLs, contacts, path delays"},
    {"place", cmd_place, "placement: Space-XNet MoE experts, fluid-inference cascades"},
    {"cache", cmd_cache, "caching and downloading: TrimCaching, SlimCaching, MBA multicast"},
    {"offload", cmd_offload, "offloading: LEOEdge, large-small collaboration, PartialLoading"},
    {"fedmeld", cmd_fedmeld, "fluid learning: FedMeld round interval, mixing ratio, simulation"},
    {"export", cmd_export, "export a timeline for other tools: hypatia, tle, csv"},
    {"validate", cmd_validate, "check a scenario file and list every error with its location"},
    {"info", cmd_info, "version, build, backends, devices, threads, library versions"},
};

static void usage(FILE *fp) {
  fprintf(fp,
          "usage: fluidai COMMAND [OPTIONS] [ARGS]\n\n"
          "Plans AI services over LEO satellite constellations.\n\nCommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(fp,
          "\n`fluidai COMMAND --help` describes a command.\n"
          "Exit codes: 0 ok, 1 solved but infeasible, 2 usage, 3 invalid input,\n"
          "4 backend unavailable, 5 runtime error, 130 interrupted (best so far written).\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return FAI_EXIT_USAGE;
  }
  const char *name = argv[1];
  if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
    usage(stdout);
    return FAI_EXIT_OK;
  }
  if (!strcmp(name, "--version") || !strcmp(name, "version")) {
    printf("fluidai %s\n", FAI_VERSION_STRING);
    return FAI_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(name, commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "fluidai: unknown command \"%s\"\n\n", name);
  usage(stderr);
  return FAI_EXIT_USAGE;
}
