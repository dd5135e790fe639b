/* `fluidai offload relay`: LEOEdge seamless data transmission (PAPERS §11.3).
 *   offload relay INSTANCE.json [--scenario SCENARIO.json] -o PLAN.json */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fluidai/json.h"
#include "fluidai/relay.h"

static const char *const RELAY_HELP =
    "usage: fluidai offload relay INSTANCE.json [--scenario SCENARIO.json] [OPTIONS]\n\n"
    "Decides for every task of a satellite whether its data go to the ground station\n"
    "directly, through an idle same-orbit or other-orbit ISL neighbour, or the task\n"
    "runs on board (LEOEdge seamless transmission, PAPERS.md §11.3).  The remaining\n"
    "contact time of each satellite comes from the contact windows of the scenario's\n"
    "timeline, built in process.  Case I tasks return a result (d = (t+s)p/l + c(m_e)),\n"
    "case II tasks do not (d = tp/l); a relay j costs d' = (t[+s])(p_ij+p)/min(k_ij,l)\n"
    "[+ c(m_e)] with k_ij = C_ij/rtt_ij and must fit j's own remaining contact.\n"
    "Writes a plan (-o) with one decision per task and prints counts per choice.\n\n"
    "Options:\n"
    "  --scenario FILE        scenario to build the timeline from (overrides the\n"
    "                         instance's \"scenario\")\n"
    "  --seed N               replaces the task generator's seed (generated tasks)\n\n"
    "Exit status: 0 decided; 3 bad input (unknown station, negative rate or loss\n"
    "factor, satellite index out of range).\n" CLI_COMMON_HELP;

enum { OPT_SCENARIO = 2000 };

int cmd_offload_relay(int argc, char **argv) {
  static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                            {"scenario", required_argument, 0, OPT_SCENARIO},
                                            {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  const char *scenario = NULL;
  optind = 1;
  int opt;
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    switch (opt) {
      case 'h': fputs(RELAY_HELP, stdout); return FAI_EXIT_OK;
      case '?': fputs("Try 'fluidai offload relay --help'.\n", stderr); return FAI_EXIT_USAGE;
      case OPT_SCENARIO: scenario = optarg; break;
      default: {
        const int r = cli_common_option(&cc, opt, optarg);
        if (r < 0) return FAI_EXIT_INPUT;
        if (r > 0) {
          fputs("Try 'fluidai offload relay --help'.\n", stderr);
          return FAI_EXIT_USAGE;
        }
      }
    }
  }
  if (!strcmp(cc.format, "csv")) {
    fputs("fluidai offload relay: error: --format: \"csv\"; expected table or json (this command "
          "has no CSV output)\n", stderr);
    return FAI_EXIT_INPUT;
  }
  if (argc - optind != 1) {
    fprintf(stderr, "fluidai offload relay: error: expected one instance file, got %d\n"
                    "Try 'fluidai offload relay --help'.\n", argc - optind);
    return FAI_EXIT_USAGE;
  }
  const char *path = argv[optind];
  fai_error err;
  fai_error_clear(&err);
  fai_relay_instance inst;
  memset(&inst, 0, sizeof inst);
  fai_relay_decision *dec = NULL;
  fai_plan plan = {NULL, NULL};
  fai_backend be;
  fai_status st = fai_backend_select(cc.backend, cc.threads, &be, &err);
  if (st != FAI_OK) goto fail;
  const uint64_t seed = (uint64_t)cc.seed;
  if ((st = fai_relay_instance_load_file_seed(path, scenario, cc.has_seed ? &seed : NULL, &be,
                                              &inst, &err)) != FAI_OK)
    goto fail;
  if (cc.has_seed && !inst.generated)
    fai_warn("--seed has no effect: the tasks of %s are listed, not generated", path);
  dec = calloc((size_t)inst.n_tasks + 1, sizeof *dec);
  if (!dec) {
    st = fai_error_set(&err, FAI_ENOMEM, "out of memory");
    goto fail;
  }
  if ((st = fai_relay_decide(&inst.net, &inst.params, inst.tasks, inst.n_tasks, dec, &err)) != FAI_OK)
    goto fail;
  if ((st = fai_relay_plan(&inst, dec, &plan, &err)) != FAI_OK) goto fail;
  if ((st = fai_plan_add_input_file(&plan, "instance", path, &err)) != FAI_OK) goto fail;
  if (scenario && (st = fai_plan_add_input_file(&plan, "scenario", scenario, &err)) != FAI_OK)
    goto fail;
  fai_plan_run_info(&plan, be.name, cc.threads);
  if (cc.out && (st = fai_plan_write(&plan, cc.out, &err)) != FAI_OK) goto fail;
  if (!strcmp(cc.format, "json")) {
    char *txt = fai_json_dumps(plan.doc);
    if (txt) fputs(txt, stdout);
    free(txt);
  } else if (!cc.quiet) {
    int count[4] = {0, 0, 0, 0};
    double sum = 0;
    for (int k = 0; k < inst.n_tasks; k++) {
      count[dec[k].choice]++;
      sum += dec[k].delay_s;
    }
    printf("%s: %d satellites, %d tasks%s, station \"%s\" (%d contact windows)\n", path,
           inst.net.n_sats, inst.n_tasks, inst.generated ? " (generated)" : "", inst.station,
           inst.net.win_off[inst.net.n_sats]);
    printf("direct %d, same-orbit %d, other-orbit %d, local %d; mean delay %.6g s\n", count[0],
           count[1], count[2], count[3], inst.n_tasks ? sum / inst.n_tasks : 0.0);
    if (cc.out) printf("plan written to %s\n", cc.out);
  }
  fai_plan_free(&plan);
  free(dec);
  fai_relay_instance_free(&inst);
  return FAI_EXIT_OK;
fail:
  cli_report("offload relay", &err);
  fai_plan_free(&plan);
  free(dec);
  fai_relay_instance_free(&inst);
  return cli_exit_code(st);
}
