/* Data files compiled into the library (internal).  Names are relative to
 * data/, e.g. "scenarios/default.json", "ground-stations/starlink-pops.csv". */
#ifndef FLUIDAI_CORE_EMBEDDED_H
#define FLUIDAI_CORE_EMBEDDED_H

#include <stddef.h>

typedef struct fai__embedded {
  const char *name;
  const char *data;   /* NUL-terminated */
  size_t len;         /* bytes, without the NUL */
} fai__embedded;

extern const fai__embedded fai__embedded_files[]; /* ends with a NULL name */

/* The embedded file `name`, or NULL. */
const fai__embedded *fai__embedded_find(const char *name);

#endif
