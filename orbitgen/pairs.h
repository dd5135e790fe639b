/* Growable list of undirected satellite pairs (candidate ISLs), internal to
 * orbitgen: Walker +Grid (timeline.c) and inferred planes (planes.c). */
#ifndef FLUIDAI_ORBITGEN_PAIRS_H
#define FLUIDAI_ORBITGEN_PAIRS_H

#include <stdint.h>
#include <stdlib.h>

typedef struct fai__pairs {
  int n, cap;
  int *a, *b;        /* a < b */
  uint8_t *inter;    /* 1 = inter-plane */
} fai__pairs;

/* Append (min, max) of (a, b); self pairs are ignored.  With dedupe_recent,
 * a pair equal to one of the last four is skipped (tiny planes add the same
 * pair twice, always close together).  0 ok, -1 out of memory. */
static inline int fai__pairs_push(fai__pairs *l, int a, int b, int inter, int dedupe_recent) {
  if (a == b) return 0;
  if (a > b) {
    const int t = a;
    a = b;
    b = t;
  }
  if (dedupe_recent)
    for (int k = l->n - 1; k >= 0 && k >= l->n - 4; k--)
      if (l->a[k] == a && l->b[k] == b) return 0;
  if (l->n == l->cap) {
    const int cap = l->cap ? 2 * l->cap : 1024;
    int *na = (int *)realloc(l->a, (size_t)cap * sizeof *na);
    if (!na) return -1;
    l->a = na;
    int *nb = (int *)realloc(l->b, (size_t)cap * sizeof *nb);
    if (!nb) return -1;
    l->b = nb;
    uint8_t *ni = (uint8_t *)realloc(l->inter, (size_t)cap);
    if (!ni) return -1;
    l->inter = ni;
    l->cap = cap;
  }
  l->a[l->n] = a;
  l->b[l->n] = b;
  l->inter[l->n] = (uint8_t)inter;
  l->n++;
  return 0;
}

static inline void fai__pairs_free(fai__pairs *l) {
  free(l->a);
  free(l->b);
  free(l->inter);
  l->a = l->b = NULL;
  l->inter = NULL;
  l->n = l->cap = 0;
}

#endif
