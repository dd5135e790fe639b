/* Atomic output directories: write into DIR.tmp-XXXXXX (or DIR/.tmp-XXXXXX
 * when DIR exists), then rename. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fluidai/io.h"

/* mkdir -p of every parent of `path` (not path itself). */
static fai_status make_parents(const char *path, fai_error *err) {
  char buf[FAI_ERROR_FILE_MAX];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      return fai_error_set_at(err, FAI_EIO, buf, 0, 0, NULL, "cannot create directory: %s",
                              strerror(errno));
    *p = '/';
  }
  return FAI_OK;
}

fai_status fai_outdir_check(const char *dir, fai_error *err) {
  fai_outdir od;
  fai_status st = fai_outdir_begin(&od, dir, err);
  if (st == FAI_OK) fai_outdir_abort(&od);
  return st;
}

fai_status fai_outdir_begin(fai_outdir *od, const char *dir, fai_error *err) {
  memset(od, 0, sizeof *od);
  if (!dir || !dir[0]) return fai_error_set(err, FAI_EUSAGE, "empty output directory name");
  if (strlen(dir) + 32 >= sizeof od->tmp)
    return fai_error_set(err, FAI_EUSAGE, "output directory name too long: %s", dir);
  snprintf(od->dir, sizeof od->dir, "%s", dir);
  size_t len = strlen(od->dir);
  while (len > 1 && od->dir[len - 1] == '/') od->dir[--len] = '\0';
  fai_status st = make_parents(od->dir, err);
  if (st != FAI_OK) return st;
  struct stat sb;
  if (stat(od->dir, &sb) == 0) {
    if (!S_ISDIR(sb.st_mode))
      return fai_error_set_at(err, FAI_EIO, od->dir, 0, 0, NULL,
                              "exists and is not a directory");
    snprintf(od->tmp, sizeof od->tmp, "%s/.fluidai-tmp-XXXXXX", od->dir);
    od->created_dir = 0;
  } else {
    snprintf(od->tmp, sizeof od->tmp, "%s.fluidai-tmp-XXXXXX", od->dir);
    od->created_dir = 1;
  }
  if (!mkdtemp(od->tmp))
    return fai_error_set_at(err, FAI_EIO, od->dir, 0, 0, NULL,
                            "cannot create a temporary output directory: %s", strerror(errno));
  return FAI_OK;
}

fai_status fai_outdir_path(fai_outdir *od, const char *name, char *out, size_t n,
                           fai_error *err) {
  if (od->n_files >= FAI_OUTDIR_MAX_FILES)
    return fai_error_set(err, FAI_EINTERNAL, "too many output files");
  snprintf(od->files[od->n_files++], sizeof od->files[0], "%s", name);
  snprintf(out, n, "%s/%s", od->tmp, name);
  return FAI_OK;
}

fai_status fai_outdir_commit(fai_outdir *od, fai_error *err) {
  if (od->created_dir) {
    if (rename(od->tmp, od->dir) != 0) {
      fai_status st = fai_error_set_at(err, FAI_EIO, od->dir, 0, 0, NULL,
                                       "cannot move the output into place: %s", strerror(errno));
      fai_outdir_abort(od);
      return st;
    }
    od->tmp[0] = '\0';
    return FAI_OK;
  }
  char from[FAI_ERROR_FILE_MAX + 160], to[FAI_ERROR_FILE_MAX + 160];
  for (int i = 0; i < od->n_files; i++) {
    snprintf(from, sizeof from, "%s/%s", od->tmp, od->files[i]);
    snprintf(to, sizeof to, "%s/%s", od->dir, od->files[i]);
    if (access(from, F_OK) != 0) continue;
    if (rename(from, to) != 0) {
      fai_status st = fai_error_set_at(err, FAI_EIO, to, 0, 0, NULL, "cannot move into place: %s",
                                       strerror(errno));
      fai_outdir_abort(od);
      return st;
    }
  }
  rmdir(od->tmp);
  od->tmp[0] = '\0';
  return FAI_OK;
}

void fai_outdir_abort(fai_outdir *od) {
  if (!od->tmp[0]) return;
  char p[FAI_ERROR_FILE_MAX + 160];
  for (int i = 0; i < od->n_files; i++) {
    snprintf(p, sizeof p, "%s/%s", od->tmp, od->files[i]);
    unlink(p);
  }
  rmdir(od->tmp);
  od->tmp[0] = '\0';
}
