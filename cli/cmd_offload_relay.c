/* Placeholder until this subcommand lands (its owner replaces this file). */
#include <stdio.h>

#include "cli.h"

int cmd_offload_relay(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "fluidai: not built yet\n");
  return FAI_EXIT_RUNTIME;
}
