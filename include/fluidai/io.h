/* Atomic output directories (public).
 *
 * A command that writes several files into DIR first writes them into a
 * private temporary directory, then moves them into DIR only when all of them
 * were written.  A failure (or Ctrl-C before commit) removes the temporary
 * directory, so DIR never holds a half-written set. */
#ifndef FLUIDAI_IO_H
#define FLUIDAI_IO_H

#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FAI_OUTDIR_MAX_FILES 64

typedef struct fai_outdir {
  char dir[FAI_ERROR_FILE_MAX];     /* final directory */
  char tmp[FAI_ERROR_FILE_MAX];     /* temporary directory */
  int created_dir;                  /* dir did not exist: rename tmp → dir on commit */
  int n_files;
  char files[FAI_OUTDIR_MAX_FILES][128];
} fai_outdir;

/* Parents of dir are created as needed. */
fai_status fai_outdir_begin(fai_outdir *od, const char *dir, fai_error *err);
/* Can an output directory be written at dir?  (Creates missing parents, then
 * creates and removes a temporary directory.)  Call before long work so a bad
 * -o fails at once. */
fai_status fai_outdir_check(const char *dir, fai_error *err);
/* Path of `name` inside the temporary directory (records the name). */
fai_status fai_outdir_path(fai_outdir *od, const char *name, char *out, size_t n, fai_error *err);
fai_status fai_outdir_commit(fai_outdir *od, fai_error *err);
void fai_outdir_abort(fai_outdir *od);

#ifdef __cplusplus
}
#endif
#endif
