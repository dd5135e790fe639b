/* Backend choice: parse --backend and pick an instance (see backend.h). */
#include "fluidai/backend.h"

#include <stdio.h>
#include <string.h>

#include "fluidai/log.h"

int fai_backend_kind_parse(const char *s, fai_backend_kind *out) {
  static const struct {
    const char *name;
    fai_backend_kind kind;
  } kinds[] = {{"auto", FAI_BACKEND_AUTO}, {"cpu", FAI_BACKEND_CPU}, {"cuda", FAI_BACKEND_CUDA}};
  size_t i;
  if (!s) return -1;
  for (i = 0; i < sizeof kinds / sizeof kinds[0]; ++i) {
    if (strcmp(s, kinds[i].name) == 0) {
      if (out) *out = kinds[i].kind;
      return 0;
    }
  }
  return -1;
}

/* Copy `inst` into *out with the caller's settings.  Device 0 always: the
 * CUDA runtime already honours CUDA_VISIBLE_DEVICES for choosing among GPUs. */
static void backend_copy(const fai_backend *inst, int threads, fai_backend *out) {
  *out = *inst;
  out->threads = threads;
  out->device = 0;
}

fai_status fai_backend_select(fai_backend_kind kind, int threads, fai_backend *out,
                              fai_error *err) {
  char detail[512];
  fai_backend probe_be;
  fai_status st;
  if (!out) return fai_error_set(err, FAI_EINVAL, "fai_backend_select: out is NULL");
  if (threads < 0)
    return fai_error_set(err, FAI_EINVAL, "threads = %d (must be >= 0; 0 = default)", threads);
  switch (kind) {
    case FAI_BACKEND_CPU:
      backend_copy(fai_backend_cpu(), threads, out);
      return FAI_OK;
    case FAI_BACKEND_CUDA:
    case FAI_BACKEND_AUTO:
      backend_copy(fai_backend_cuda(), threads, &probe_be);
      detail[0] = '\0';
      st = probe_be.probe(&probe_be, detail, sizeof detail);
      if (st == FAI_OK) {
        *out = probe_be;
        if (kind == FAI_BACKEND_AUTO) fai_info("backend: cuda (%s)", detail);
        return FAI_OK;
      }
      if (kind == FAI_BACKEND_CUDA)
        return fai_error_set(err, FAI_ENODEV, "backend cuda unavailable: %s", detail);
      backend_copy(fai_backend_cpu(), threads, out);
      fai_info("backend: cpu (cuda unavailable: %s)", detail);
      return FAI_OK;
  }
  return fai_error_set(err, FAI_EINVAL, "unknown backend kind %d", (int)kind);
}
