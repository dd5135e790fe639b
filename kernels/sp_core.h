/* Shortest paths on one CSR graph (internal, shared by gcc and nvcc); PAPERS.md
 * §0.4 "Shortest paths".
 *
 * Dijkstra with an indexed binary heap ordered by (dist, node index), and
 * Floyd–Warshall in per-item pieces (one row to initialise, one (i, j) cell to
 * relax through k) so the CPU loops and the CUDA kernels share the
 * arithmetic.  Weights are >= 0 (the backends validate them).  Nodes
 * >= n_transit are path end points: Dijkstra never expands them unless they
 * are the source, and Floyd–Warshall never relays through them.
 *
 * Both algorithms only add and compare, so results are bit-identical across
 * backends; they sum in different orders, so Dijkstra and Floyd–Warshall
 * agree to rounding (~1e-15 relative), not bit for bit. */
#ifndef FLUIDAI_SP_CORE_H
#define FLUIDAI_SP_CORE_H

#include <math.h>

#include "fluidai/backend.h"
#include "fluidai/common.h"
#include "fluidai/status.h"

/* +infinity as a double constant expression: glibc's HUGE_VAL is
 * __builtin_huge_val(), which gcc and nvcc (host and device) both accept. */
#define FAI_SP_INF HUGE_VAL

/* Heap position markers in pos[]. */
#define FAI_SP_UNSEEN (-1) /* never reached */
#define FAI_SP_DONE (-2)   /* settled: dist final */

/* Strict (dist, index) order: ties go to the lowest node index. */
FAI_HD int fai__sp_before(const double *dist, int a, int b) {
  return dist[a] < dist[b] || (dist[a] == dist[b] && a < b);
}

FAI_HD void fai__sp_sift_up(int *heap, int *pos, const double *dist, int i) {
  const int v = heap[i];
  while (i > 0) {
    const int parent = (i - 1) >> 1;
    const int u = heap[parent];
    if (!fai__sp_before(dist, v, u)) break;
    heap[i] = u;
    pos[u] = i;
    i = parent;
  }
  heap[i] = v;
  pos[v] = i;
}

FAI_HD void fai__sp_sift_down(int *heap, int *pos, const double *dist, int size, int i) {
  const int v = heap[i];
  for (;;) {
    int c = 2 * i + 1;
    if (c >= size) break;
    if (c + 1 < size && fai__sp_before(dist, heap[c + 1], heap[c])) c++;
    if (!fai__sp_before(dist, heap[c], v)) break;
    heap[i] = heap[c];
    pos[heap[i]] = i;
    i = c;
  }
  heap[i] = v;
  pos[v] = i;
}

/* Dijkstra from src on an n-node graph in CSR form (row_ptr[n + 1] indexes
 * col/w directly).
 *
 * Outputs (length n): dist (FAI_SP_INF when unreachable), pred (-1 for the
 * source and unreachable nodes; may be NULL), hops (edges on the chosen
 * path, 0 for the source, -1 when unreachable; may be NULL).  Scratch:
 * heap[n], pos[n], contents ignored on entry.
 *
 * Determinism: nodes are settled in (dist, index) order and an edge only
 * updates a node when it gives a strictly shorter distance, so a node's
 * predecessor is the first settled node (lowest (dist, index)) that attains
 * its final distance; among parallel edges the lightest one counts.  The
 * result depends only on the graph, never on thread or backend.
 *
 * Cost: O((n + E) log n) time, no allocation. */
FAI_HD void fai_sp_dijkstra(int n, int n_transit, const int *row_ptr, const int *col,
                            const double *w, int src, double *dist, int *pred, int *hops, int *heap,
                            int *pos) {
  int size = 0;
  int v;
  for (v = 0; v < n; ++v) {
    dist[v] = FAI_SP_INF;
    pos[v] = FAI_SP_UNSEEN;
    if (pred) pred[v] = -1;
    if (hops) hops[v] = -1;
  }
  if (src < 0 || src >= n) return;
  dist[src] = 0.0;
  if (hops) hops[src] = 0;
  heap[0] = src;
  pos[src] = 0;
  size = 1;
  while (size > 0) {
    const int u = heap[0];
    int e;
    pos[u] = FAI_SP_DONE;
    size--;
    if (size > 0) {
      heap[0] = heap[size];
      pos[heap[0]] = 0;
      fai__sp_sift_down(heap, pos, dist, size, 0);
    }
    if (u >= n_transit && u != src) continue; /* end point: no relaying */
    for (e = row_ptr[u]; e < row_ptr[u + 1]; ++e) {
      const int x = col[e];
      const double nd = dist[u] + w[e];
      if (pos[x] == FAI_SP_DONE || !(nd < dist[x])) continue;
      dist[x] = nd;
      if (pred) pred[x] = u;
      if (hops) hops[x] = hops[u] + 1;
      if (pos[x] == FAI_SP_UNSEEN) {
        heap[size] = x;
        pos[x] = size;
        size++;
      }
      fai__sp_sift_up(heap, pos, dist, pos[x]);
    }
  }
}

/* Floyd–Warshall, step 0: row i of the n×n matrix d from the CSR graph:
 * d[i][j] = lightest edge i→j (parallel edges: the minimum), FAI_SP_INF when
 * none, d[i][i] = 0 whatever self-loops exist. */
FAI_HD void fai_fw_init_row(int n, const int *row_ptr, const int *col, const double *w, int i,
                            double *d) {
  double *row = d + (size_t)i * (size_t)n;
  int j, e;
  for (j = 0; j < n; ++j) row[j] = FAI_SP_INF;
  for (e = row_ptr[i]; e < row_ptr[i + 1]; ++e) {
    if (w[e] < row[col[e]]) row[col[e]] = w[e];
  }
  row[i] = 0.0;
}

/* Floyd–Warshall, step k (only for k < n_transit): relax cell (i, j) through
 * k.  Within one step d[i][k] and d[k][j] never change (d[k][k] = 0 and
 * weights are >= 0, and only strictly smaller values are written), so all
 * cells of a step may run in any order or in parallel with the same bits. */
FAI_HD void fai_fw_relax(int n, double *d, int k, int i, int j) {
  const size_t in = (size_t)i * (size_t)n;
  const double c = d[in + (size_t)k] + d[(size_t)k * (size_t)n + (size_t)j];
  if (c < d[in + (size_t)j]) d[in + (size_t)j] = c;
}

/* Host-side validation shared by both backends (O(E + n_graphs·n)): offsets
 * monotone and consistent with edge_off, neighbours in [0, n), weights >= 0
 * (NaN rejected; +inf allowed and means "no edge"), sources in [0, n) when
 * src is given.  Any n_transit is accepted: <= 0 relays through nothing,
 * >= n through everything.  Returns FAI_EINVAL naming the first bad value. */
static inline fai_status fai__graph_batch_check(const char *op, const fai_graph_batch *gb,
                                                int n_src, const int *src, fai_error *err) {
  const int n = gb->n_nodes;
  int g, s, v;
  if (gb->n_graphs < 0 || n < 0)
    return fai_error_set(err, FAI_EINVAL, "%s: n_graphs = %d, n_nodes = %d (must be >= 0)", op,
                         gb->n_graphs, n);
  if (n_src < 0) return fai_error_set(err, FAI_EINVAL, "%s: n_src = %d (must be >= 0)", op, n_src);
  if (n_src > 0 && !src)
    return fai_error_set(err, FAI_EINVAL, "%s: n_src = %d but src is NULL", op, n_src);
  if (gb->n_graphs == 0 || n == 0) return FAI_OK;
  if (gb->edge_off[0] < 0)
    return fai_error_set(err, FAI_EINVAL, "%s: edge_off[0] = %lld (must be >= 0)", op,
                         (long long)gb->edge_off[0]);
  for (s = 0; src && s < n_src; ++s) {
    if (src[s] < 0 || src[s] >= n)
      return fai_error_set(err, FAI_EINVAL, "%s: src[%d] = %d out of range [0, %d)", op, s, src[s],
                           n);
  }
  for (g = 0; g < gb->n_graphs; ++g) {
    const int64_t e0 = gb->edge_off[g];
    const int64_t ne = gb->edge_off[g + 1] - e0;
    const int *rp = gb->row_ptr + (size_t)g * (size_t)(n + 1);
    int64_t e;
    if (ne < 0 || ne > INT32_MAX)
      return fai_error_set(err, FAI_EINVAL, "%s: graph %d: edge_off gives %lld edges", op, g,
                           (long long)ne);
    if (rp[0] != 0 || rp[n] != ne)
      return fai_error_set(err, FAI_EINVAL,
                           "%s: graph %d: row_ptr[0] = %d, row_ptr[%d] = %d (expected 0 and %lld)",
                           op, g, rp[0], n, rp[n], (long long)ne);
    for (v = 0; v < n; ++v) {
      if (rp[v + 1] < rp[v])
        return fai_error_set(err, FAI_EINVAL,
                             "%s: graph %d: row_ptr decreases at node %d (%d > %d)", op, g, v,
                             rp[v], rp[v + 1]);
    }
    for (e = 0; e < ne; ++e) {
      const int c = gb->col[e0 + e];
      const double wt = gb->w[e0 + e];
      if (c < 0 || c >= n)
        return fai_error_set(err, FAI_EINVAL, "%s: graph %d: col[%lld] = %d out of range [0, %d)",
                             op, g, (long long)(e0 + e), c, n);
      if (!(wt >= 0.0))
        return fai_error_set(err, FAI_EINVAL, "%s: graph %d: w[%lld] = %g (must be >= 0)", op, g,
                             (long long)(e0 + e), wt);
    }
  }
  return FAI_OK;
}

#endif
