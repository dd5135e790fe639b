/* `fluidai info`: what this build is and what it can use here. */
#include <glpk.h>
#include <jansson.h>
#include <nlopt.h>
#include <omp.h>
#include <string.h>

#include "cli.h"
#include "fluidai/json.h"

static const char *const HELP =
    "usage: fluidai info [--format table|json] [--devices-only]\n\n"
    "Prints the version, build flags, whether CUDA was compiled in, the CUDA\n"
    "devices found, OpenMP threads and library versions.  --devices-only exits\n"
    "0 when a CUDA device is usable and 4 otherwise (used by `make gpu-check`).\n";

int cmd_info(int argc, char **argv) {
  enum { OPT_DEVONLY = 3000 };
  static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                            {"devices-only", no_argument, 0, OPT_DEVONLY},
                                            {0, 0, 0, 0}};
  cli_common cc;
  cli_common_init(&cc);
  int devices_only = 0, opt;
  optind = 1;
  while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
    if (opt == 'h') {
      fputs(HELP, stdout);
      return FAI_EXIT_OK;
    }
    if (opt == OPT_DEVONLY) {
      devices_only = 1;
      continue;
    }
    if (opt == '?') return FAI_EXIT_USAGE;
    int r = cli_common_option(&cc, opt, optarg);
    if (r < 0) return FAI_EXIT_INPUT;
    if (r > 0) return FAI_EXIT_USAGE;
  }
  char probe[512] = "";
  const fai_backend *cu = fai_backend_cuda();
  fai_status pst = cu->probe(cu, probe, sizeof probe);
  if (devices_only) {
    printf("%s\n", probe);
    return pst == FAI_OK ? FAI_EXIT_OK : FAI_EXIT_NODEV;
  }
  char devices[1024];
  fai_backend_cuda_describe(devices, sizeof devices);
  int nlo_major, nlo_minor, nlo_bugfix;
  nlopt_version(&nlo_major, &nlo_minor, &nlo_bugfix);
  char nlo[32];
  snprintf(nlo, sizeof nlo, "%d.%d.%d", nlo_major, nlo_minor, nlo_bugfix);
  const int threads = cc.threads > 0 ? cc.threads : omp_get_max_threads();
  if (!strcmp(cc.format, "json")) {
    json_t *o = json_pack(
        "{s:s, s:{s:s, s:s, s:b, s:b, s:s}, s:{s:b, s:s}, s:i, s:{s:s, s:s, s:s}}", "version",
        FAI_VERSION_STRING, "build", "variant", FAI_BUILD_VARIANT, "opt", FAI_BUILD_OPT,
        "sanitizers", FAI_BUILD_SAN, "cuda_compiled", fai_backend_cuda_compiled(), "compiler",
        __VERSION__, "cuda", "usable", pst == FAI_OK, "devices", devices, "openmp_threads",
        threads, "libraries", "jansson", JANSSON_VERSION, "glpk", glp_version(), "nlopt", nlo);
    char *txt = fai_json_dumps(o);
    if (txt) fputs(txt, stdout);
    free(txt);
    json_decref(o);
    return FAI_EXIT_OK;
  }
  printf("fluidai %s\n", FAI_VERSION_STRING);
  printf("  build          %s, %s%s, gcc %s\n", FAI_BUILD_VARIANT, FAI_BUILD_OPT,
         FAI_BUILD_SAN ? ", ASan+UBSan" : "", __VERSION__);
  printf("  cuda compiled  %s\n", fai_backend_cuda_compiled() ? "yes" : "no (stub backend)");
  printf("  cuda devices   %s\n", devices);
  printf("  openmp threads %d\n", threads);
  printf("  libraries      jansson %s, glpk %s, nlopt %s\n", JANSSON_VERSION, glp_version(), nlo);
  printf("  backends       cpu%s\n", pst == FAI_OK ? ", cuda" : "");
  return FAI_EXIT_OK;
}
