/* Internal to the fluidai binary: shared option handling, progress rendering
 * and the status → exit code map (the only place it exists). */
#ifndef FLUIDAI_CLI_H
#define FLUIDAI_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "fluidai/backend.h"
#include "fluidai/log.h"
#include "fluidai/status.h"

/* Documented exit codes (README "Exit codes"). */
enum {
  FAI_EXIT_OK = 0,          /* success */
  FAI_EXIT_INFEASIBLE = 1,  /* solved, and the instance is infeasible / budget unmet */
  FAI_EXIT_USAGE = 2,       /* bad command line */
  FAI_EXIT_INPUT = 3,       /* invalid input file or option value */
  FAI_EXIT_NODEV = 4,       /* requested backend unavailable */
  FAI_EXIT_RUNTIME = 5,     /* runtime failure (I/O, memory, internal) */
  FAI_EXIT_INTERRUPTED = 130 /* SIGINT; best result so far written */
};

int cli_exit_code(fai_status st);
/* Print "fluidai: error: FILE:LINE:COL: PATH: message" to stderr. */
void cli_report(const char *cmd, const fai_error *err);

typedef enum { PROGRESS_AUTO, PROGRESS_BAR, PROGRESS_LINES, PROGRESS_JSON, PROGRESS_NONE } progress_mode;

/* Options every command accepts. */
typedef struct cli_common {
  fai_backend_kind backend;
  int threads;            /* 0 = default */
  int has_seed;
  unsigned long long seed;
  double time_limit_s;    /* <= 0: none */
  const char *out;        /* -o */
  const char *format;     /* table | json | csv */
  progress_mode progress;
  int quiet, verbose;
} cli_common;

#define CLI_OPT_BACKEND 1000
#define CLI_OPT_THREADS 1001
#define CLI_OPT_SEED 1002
#define CLI_OPT_TIME_LIMIT 1003
#define CLI_OPT_FORMAT 1004
#define CLI_OPT_PROGRESS 1005
#define CLI_OPT_LOG_LEVEL 1006

#define CLI_COMMON_LONGOPTS                                            \
  {"backend", required_argument, 0, CLI_OPT_BACKEND},                  \
      {"threads", required_argument, 0, CLI_OPT_THREADS},              \
      {"seed", required_argument, 0, CLI_OPT_SEED},                    \
      {"time-limit", required_argument, 0, CLI_OPT_TIME_LIMIT},        \
      {"output", required_argument, 0, 'o'},                           \
      {"format", required_argument, 0, CLI_OPT_FORMAT},                \
      {"progress", optional_argument, 0, CLI_OPT_PROGRESS},            \
      {"log-level", required_argument, 0, CLI_OPT_LOG_LEVEL},          \
      {"quiet", no_argument, 0, 'q'}, {"verbose", no_argument, 0, 'v'}, \
      {"help", no_argument, 0, 'h'}
#define CLI_COMMON_SHORTOPTS "o:qvh"

#define CLI_COMMON_HELP                                                                    \
  "Common options:\n"                                                                      \
  "  --backend auto|cpu|cuda  evaluation backend (auto: cuda if usable, else cpu)\n"      \
  "  --threads N              CPU threads (default: all cores)\n"                          \
  "  --seed N                 random seed (overrides the scenario's)\n"                    \
  "  --time-limit S           stop long work after S seconds, keeping the best so far\n"   \
  "  -o, --output PATH        output file or directory\n"                                  \
  "  --format table|json|csv  what is printed on stdout\n"                                 \
  "  --progress[=auto|bar|lines|json|none]  progress on stderr (default auto)\n"           \
  "  -q, --quiet / -v, --verbose / --log-level LEVEL  logging on stderr\n"

void cli_common_init(cli_common *c);
/* Handle a common option; returns 0 if handled, -1 on a bad value (message
 * printed), 1 if `opt` is not a common option. */
int cli_common_option(cli_common *c, int opt, const char *arg);
/* --export-milp must name a .lp (CPLEX LP) or .mps file; checked before any
 * work so a long solve is not wasted.  NULL is fine.  0 ok, -1 (message
 * printed) otherwise. */
int cli_check_milp_path(const char *cmd, const char *path);
/* Parse a number option strictly; on failure prints "OPTION: ..." and returns -1. */
int cli_parse_double(const char *cmd, const char *opt, const char *arg, double *out);
/* Parse an integer option in [lo, hi] (lo, hi within int) strictly; on failure prints
 * "fluidai CMD: error: OPTION: \"ARG\"; expected an integer in [lo, hi]" and returns -1. */
int cli_parse_int(const char *cmd, const char *opt, const char *arg, long lo, long hi, int *out);
/* The operands of an instance generator (`... gen -o FILE`): none besides options, and -o
 * given.  0 ok, -1 (message printed: a usage error) otherwise. */
int cli_gen_args(const char *cmd, int argc, char **argv, int first_operand, const cli_common *cc);

/* Progress renderer installed into a fai_progress. */
typedef struct cli_progress {
  progress_mode mode;
  double start, last;
  char stage[32];
  int drawn;   /* a bar is on screen */
} cli_progress;
void cli_progress_init(cli_progress *p, progress_mode mode, fai_progress *out);
void cli_progress_finish(cli_progress *p);

int cmd_orbitgen(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_place(int argc, char **argv);
int cmd_cache(int argc, char **argv);   /* cli/cmd_cache.c */
int cmd_cache_slim(int argc, char **argv); /* cli/cmd_cache_slim.c */
int cmd_cache_mba(int argc, char **argv);  /* cli/cmd_cache_mba.c */
int cmd_place_spacexnet(int argc, char **argv); /* cli/cmd_place_spacexnet.c */
int cmd_place_cascade(int argc, char **argv);   /* cli/cmd_place_cascade.c */
int cmd_offload(int argc, char **argv);             /* cli/cmd_offload.c */
int cmd_offload_leoedge(int argc, char **argv);     /* cli/cmd_offload_leoedge.c */
int cmd_offload_adapt(int argc, char **argv);       /* cli/cmd_offload_adapt.c */
int cmd_offload_relay(int argc, char **argv);       /* cli/cmd_offload_relay.c */
int cmd_offload_lsm(int argc, char **argv);         /* cli/cmd_offload_lsm.c */
int cmd_offload_partialload(int argc, char **argv); /* cli/cmd_offload_partialload.c */
int cmd_fedmeld(int argc, char **argv);             /* cli/cmd_fedmeld.c */
int cmd_fedmeld_plan(int argc, char **argv);        /* cli/cmd_fedmeld_plan.c */
int cmd_fedmeld_sim(int argc, char **argv);         /* cli/cmd_fedmeld_sim.c */

#endif
