/* Growable error list for commands that report every problem at once. */
#include <stdlib.h>
#include <string.h>

#include "fluidai/orbitgen.h"

void fai_error_list_push(fai_error_list *l, const fai_error *e) {
  if (!l || !e) return;
  if (l->n == l->cap) {
    int cap = l->cap ? 2 * l->cap : 8;
    fai_error *v = realloc(l->v, (size_t)cap * sizeof *v);
    if (!v) return; /* keep the errors we have; the first is also in *err */
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = *e;
}

void fai_error_list_free(fai_error_list *l) {
  if (!l) return;
  free(l->v);
  memset(l, 0, sizeof *l);
}
