/* Shortest paths: Dijkstra (sssp) against Floyd–Warshall (apsp) against brute
 * force over all simple paths, predecessor and hop consistency, tie-breaking,
 * thread-count determinism, and cpu-vs-cuda parity (suite `parity`). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/backend.h"
#include "fluidai/status.h"

/* ------------------------------------------------------ test generator */

/* splitmix64: fixed-seed stream private to this file, so the instances do
 * not change when the library's RNG module does. */
static uint64_t tp_next(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
static double tp_unit(uint64_t *s) {
  return (double)(tp_next(s) >> 11) * (1.0 / 9007199254740992.0);
}
static int tp_below(uint64_t *s, int n) {
  return (int)(tp_next(s) % (uint64_t)n);
}

/* A batch of graphs with a shared node count, owning its arrays. */
typedef struct tp_batch {
  fai_graph_batch gb;
  int64_t *edge_off;
  int *row_ptr;
  int *col;
  double *w;
} tp_batch;

static void tp_batch_free(tp_batch *b) {
  free(b->edge_off);
  free(b->row_ptr);
  free(b->col);
  free(b->w);
  memset(b, 0, sizeof *b);
}

/* Random directed multigraphs: edge density p_edge per ordered pair, some
 * parallel edges and self-loops; weights either small integers (ties, zeros)
 * or uniform reals with a few exact zeros.  avg_deg > 0 switches to sparse
 * graphs of about avg_deg out-edges per node (large n). */
static void tp_batch_random(tp_batch *b, uint64_t *rng, int n_graphs, int n, int n_transit,
                            double avg_deg) {
  size_t cap = 64, ne = 0;
  int g, u, v;
  memset(b, 0, sizeof *b);
  b->edge_off = malloc(sizeof(int64_t) * (size_t)(n_graphs + 1));
  b->row_ptr = malloc(sizeof(int) * (size_t)n_graphs * (size_t)(n + 1));
  b->col = malloc(sizeof(int) * cap);
  b->w = malloc(sizeof(double) * cap);
  cr_assert(b->edge_off && b->row_ptr && b->col && b->w);
  for (g = 0; g < n_graphs; ++g) {
    static const double dense_choices[4] = {0.15, 0.3, 0.5, 0.8};
    const double dens = avg_deg > 0 ? avg_deg / n : dense_choices[tp_below(rng, 4)];
    const int integer = tp_below(rng, 2);
    int *rp = b->row_ptr + (size_t)g * (size_t)(n + 1);
    b->edge_off[g] = (int64_t)ne;
    for (u = 0; u < n; ++u) {
      rp[u] = (int)(ne - (size_t)b->edge_off[g]);
      for (v = 0; v < n; ++v) {
        int copies = 0, c;
        if (u == v) {
          copies = tp_unit(rng) < 0.05 ? 1 : 0; /* self-loop: must never matter */
        } else if (tp_unit(rng) < dens) {
          copies = 1 + (tp_unit(rng) < 0.2 ? 1 + tp_below(rng, 2) : 0); /* parallel edges */
        }
        for (c = 0; c < copies; ++c) {
          double wt;
          if (ne == cap) {
            cap *= 2;
            b->col = realloc(b->col, sizeof(int) * cap);
            b->w = realloc(b->w, sizeof(double) * cap);
            cr_assert(b->col && b->w);
          }
          if (integer)
            wt = (double)tp_below(rng, 4);
          else
            wt = tp_unit(rng) < 0.1 ? 0.0 : 10.0 * tp_unit(rng);
          b->col[ne] = v;
          b->w[ne] = wt;
          ne++;
        }
      }
    }
    rp[n] = (int)(ne - (size_t)b->edge_off[g]);
  }
  b->edge_off[n_graphs] = (int64_t)ne;
  b->gb.n_graphs = n_graphs;
  b->gb.n_nodes = n;
  b->gb.n_transit = n_transit;
  b->gb.edge_off = b->edge_off;
  b->gb.row_ptr = b->row_ptr;
  b->gb.col = b->col;
  b->gb.w = b->w;
}

/* ---------------------------------------------------------- brute force */

/* Minimum over simple paths from the current node, summing left to right as
 * Dijkstra does; only transit nodes are entered as intermediates. */
static void tp_brute_dfs(const fai_graph_batch *gb, int g, int u, double sum, unsigned visited,
                         double *best) {
  const int n = gb->n_nodes;
  const int *rp = gb->row_ptr + (size_t)g * (size_t)(n + 1);
  const int64_t e0 = gb->edge_off[g];
  int e;
  for (e = rp[u]; e < rp[u + 1]; ++e) {
    const int x = gb->col[e0 + e];
    const double nd = sum + gb->w[e0 + e];
    if (visited & (1u << x)) continue;
    if (nd < best[x]) best[x] = nd;
    if (x < gb->n_transit) tp_brute_dfs(gb, g, x, nd, visited | (1u << x), best);
  }
}

static void tp_brute(const fai_graph_batch *gb, int g, int s, double *best) {
  int v;
  for (v = 0; v < gb->n_nodes; ++v) best[v] = INFINITY;
  best[s] = 0.0;
  tp_brute_dfs(gb, g, s, 0.0, 1u << s, best);
}

/* Is there an edge u→v whose weight takes dist[u] exactly to dist[v]? */
static int tp_has_tight_edge(const fai_graph_batch *gb, int g, int u, int v, const double *dist) {
  const int n = gb->n_nodes;
  const int *rp = gb->row_ptr + (size_t)g * (size_t)(n + 1);
  const int64_t e0 = gb->edge_off[g];
  int e;
  for (e = rp[u]; e < rp[u + 1]; ++e) {
    if (gb->col[e0 + e] == v && dist[u] + gb->w[e0 + e] == dist[v]) return 1;
  }
  return 0;
}

/* pred/hops of one search describe shortest paths: each reachable v ≠ s has
 * a relaying (or source) predecessor joined by a tight edge, one hop fewer,
 * and the pred walk reaches s with weights summing to dist[v]. */
static void tp_check_tree(const fai_graph_batch *gb, int g, int s, const double *dist,
                          const int *pred, const int *hops) {
  const int n = gb->n_nodes;
  int v;
  cr_assert_eq(dist[s], 0.0);
  cr_assert_eq(pred[s], -1);
  cr_assert_eq(hops[s], 0);
  for (v = 0; v < n; ++v) {
    int path[64], len = 0, x = v, i;
    double sum = 0.0;
    if (v == s) continue;
    if (isinf(dist[v])) {
      cr_assert_eq(pred[v], -1, "graph %d src %d node %d unreachable but pred %d", g, s, v,
                   pred[v]);
      cr_assert_eq(hops[v], -1);
      continue;
    }
    {
      const int u = pred[v];
      cr_assert(u >= 0 && u < n, "graph %d src %d node %d pred %d", g, s, v, u);
      cr_assert(u < gb->n_transit || u == s, "pred %d of %d is a non-transit relay", u, v);
      cr_assert(tp_has_tight_edge(gb, g, u, v, dist), "graph %d src %d: no tight edge %d->%d", g, s,
                u, v);
      cr_assert_eq(hops[v], hops[u] + 1);
    }
    while (x != s && len < n) {
      path[len++] = x;
      x = pred[x];
      cr_assert(x >= 0);
    }
    cr_assert_eq(x, s, "pred walk from %d does not reach source %d", v, s);
    cr_assert_eq(len, hops[v]);
    /* Re-add the path forward with each hop's lightest tight edge. */
    x = s;
    for (i = len - 1; i >= 0; --i) {
      const int y = path[i];
      const int *rp = gb->row_ptr + (size_t)g * (size_t)(n + 1);
      const int64_t e0 = gb->edge_off[g];
      double best = INFINITY;
      int e;
      for (e = rp[x]; e < rp[x + 1]; ++e) {
        if (gb->col[e0 + e] == y && gb->w[e0 + e] < best) best = gb->w[e0 + e];
      }
      sum += best;
      x = y;
    }
    cr_assert_eq(sum, dist[v], "graph %d src %d node %d: path sums to %.17g, dist %.17g", g, s, v,
                 sum, dist[v]);
  }
}

static void tp_select_cpu(fai_backend *be, int threads) {
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, threads, be, &err), FAI_OK, "%s", err.msg);
}

static void tp_select_cuda_or_skip(fai_backend *be) {
  fai_error err;
  fai_error_clear(&err);
  if (fai_backend_select(FAI_BACKEND_CUDA, 0, be, &err) != FAI_OK)
    cr_skip_test("no CUDA device: %s", err.msg);
}

/* -------------------------------------------------------------- tests */

Test(paths, dijkstra_floyd_warshall_and_brute_force_agree_on_random_small_graphs) {
  uint64_t rng = 20240601u;
  fai_backend be;
  int n, total_graphs = 0, disconnected = 0;
  tp_select_cpu(&be, 2);
  for (n = 2; n <= 8; ++n) {
    const int G = 36;
    int n_transit_choice;
    for (n_transit_choice = 0; n_transit_choice < 2; ++n_transit_choice) {
      /* Half the batches have the last one or two nodes as end points only. */
      const int nt = n_transit_choice ? n - 1 - (n > 3 ? tp_below(&rng, 2) : 0) : n;
      tp_batch b;
      int src[8], s, g, v;
      double *dist, *apsp, best[8];
      int *pred, *hops;
      fai_error err;
      tp_batch_random(&b, &rng, G / 2, n, nt, 0.0);
      for (s = 0; s < n; ++s) src[s] = s;
      dist = malloc(sizeof(double) * (size_t)(G / 2) * n * n);
      apsp = malloc(sizeof(double) * (size_t)(G / 2) * n * n);
      pred = malloc(sizeof(int) * (size_t)(G / 2) * n * n);
      hops = malloc(sizeof(int) * (size_t)(G / 2) * n * n);
      cr_assert(dist && apsp && pred && hops);
      fai_error_clear(&err);
      cr_assert_eq(be.sssp(&be, &b.gb, n, src, dist, pred, hops, &err), FAI_OK, "%s", err.msg);
      cr_assert_eq(be.apsp(&be, &b.gb, apsp, &err), FAI_OK, "%s", err.msg);
      for (g = 0; g < G / 2; ++g) {
        int any_unreachable = 0;
        for (s = 0; s < n; ++s) {
          const size_t o = ((size_t)g * n + s) * n;
          tp_brute(&b.gb, g, s, best);
          for (v = 0; v < n; ++v) {
            const double d = dist[o + v], f = apsp[o + v];
            cr_assert_eq(d, best[v], "n %d graph %d src %d node %d: dijkstra %.17g brute %.17g", n,
                         g, s, v, d, best[v]);
            if (isinf(d)) {
              any_unreachable = 1;
              cr_assert(isinf(f) && f > 0, "apsp finite %.17g where dijkstra is unreachable", f);
            } else {
              cr_assert(fabs(f - d) <= 1e-12 * fabs(d),
                        "n %d graph %d (%d->%d): fw %.17g dij %.17g", n, g, s, v, f, d);
            }
          }
          tp_check_tree(&b.gb, g, s, dist + o, pred + o, hops + o);
        }
        disconnected += any_unreachable;
        total_graphs++;
      }
      free(dist);
      free(apsp);
      free(pred);
      free(hops);
      tp_batch_free(&b);
    }
  }
  cr_assert_geq(total_graphs, 200);
  cr_assert_gt(disconnected, 10, "only %d graphs had unreachable pairs", disconnected);
}

Test(paths, ties_resolve_to_the_lowest_settled_node) {
  /* Diamond 0→{2,1}→3, all weight 1, with 0→2 listed first: 1 settles
   * before 2 (equal dist, lower index), so pred[3] = 1. */
  const int64_t off[2] = {0, 4};
  const int rp[5] = {0, 2, 3, 4, 4};
  const int col[4] = {2, 1, 3, 3};
  const double w[4] = {1, 1, 1, 1};
  const fai_graph_batch gb = {1, 4, 4, off, rp, col, w};
  const int src = 0;
  double dist[4];
  int pred[4], hops[4];
  fai_backend be;
  fai_error err;
  tp_select_cpu(&be, 1);
  cr_assert_eq(be.sssp(&be, &gb, 1, &src, dist, pred, hops, &err), FAI_OK);
  cr_assert_eq(pred[3], 1);
  cr_assert_eq(pred[2], 0);
  cr_assert_eq(dist[3], 2.0);
  cr_assert_eq(hops[3], 2);
}

Test(paths, end_points_relay_only_as_the_source) {
  /* 0→1 (1), 1→2 (1), 0→2 (5); node 1 and 2 are end points (n_transit 1). */
  const int64_t off[2] = {0, 3};
  const int rp[4] = {0, 2, 3, 3};
  const int col[3] = {1, 2, 2};
  const double w[3] = {1, 5, 1};
  const fai_graph_batch gb = {1, 3, 1, off, rp, col, w};
  const int src[2] = {0, 1};
  double dist[6], fw[9];
  int pred[6];
  fai_backend be;
  fai_error err;
  tp_select_cpu(&be, 1);
  cr_assert_eq(be.sssp(&be, &gb, 2, src, dist, pred, NULL, &err), FAI_OK);
  cr_assert_eq(dist[2], 5.0, "node 1 must not relay");
  cr_assert_eq(pred[2], 0);
  cr_assert_eq(dist[3 + 2], 1.0, "a non-transit source is expanded");
  cr_assert(isinf(dist[3 + 0]));
  cr_assert_eq(be.apsp(&be, &gb, fw, &err), FAI_OK);
  cr_assert_eq(fw[0 * 3 + 2], 5.0);
  cr_assert_eq(fw[1 * 3 + 2], 1.0);
  cr_assert_eq(fw[1 * 3 + 1], 0.0);
}

Test(paths, invalid_graphs_are_rejected_with_the_offending_value) {
  const int64_t off[2] = {0, 2};
  const int rp[3] = {0, 1, 2};
  const int col[2] = {1, 0};
  const double w[2] = {1.0, -0.5};
  const fai_graph_batch gb = {1, 2, 2, off, rp, col, w};
  const int src = 0, bad_src = 2;
  double dist[4];
  fai_backend be;
  fai_error err;
  tp_select_cpu(&be, 1);
  fai_error_clear(&err);
  cr_assert_eq(be.sssp(&be, &gb, 1, &src, dist, NULL, NULL, &err), FAI_EINVAL);
  cr_assert(strstr(err.msg, "-0.5") != NULL, "%s", err.msg);
  cr_assert_eq(be.apsp(&be, &gb, dist, &err), FAI_EINVAL);
  {
    const double w_ok[2] = {1.0, 2.0};
    const fai_graph_batch ok = {1, 2, 2, off, rp, col, w_ok};
    cr_assert_eq(be.sssp(&be, &ok, 1, &bad_src, dist, NULL, NULL, &err), FAI_EINVAL);
    cr_assert(strstr(err.msg, "src[0] = 2") != NULL, "%s", err.msg);
  }
}

Test(paths, sssp_and_apsp_bytes_do_not_depend_on_thread_count) {
  const int G = 64, n = 300, S = 8;
  const size_t cells = (size_t)G * S * n;
  uint64_t rng = 77;
  tp_batch b;
  int src[8], s, threads[3] = {1, 2, 4}, k;
  double *dist[3], *fw[3];
  int *pred[3], *hops[3];
  fai_backend be;
  fai_error err;
  tp_batch_random(&b, &rng, G, n, 280, 4.0);
  for (s = 0; s < S; ++s) src[s] = (s * 37 + 5) % n;
  src[S - 1] = 295; /* a non-transit source */
  for (k = 0; k < 3; ++k) {
    fai_graph_batch few = b.gb;
    dist[k] = malloc(cells * sizeof(double));
    pred[k] = malloc(cells * sizeof(int));
    hops[k] = malloc(cells * sizeof(int));
    fw[k] = malloc((size_t)3 * n * n * sizeof(double));
    cr_assert(dist[k] && pred[k] && hops[k] && fw[k]);
    tp_select_cpu(&be, threads[k]);
    fai_error_clear(&err);
    cr_assert_eq(be.sssp(&be, &b.gb, S, src, dist[k], pred[k], hops[k], &err), FAI_OK, "%s",
                 err.msg);
    /* 3 graphs: one graph per thread for 1 and 2 threads, rows shared for 4. */
    few.n_graphs = 3;
    cr_assert_eq(be.apsp(&be, &few, fw[k], &err), FAI_OK, "%s", err.msg);
  }
  for (k = 1; k < 3; ++k) {
    cr_assert_eq(memcmp(dist[0], dist[k], cells * sizeof(double)), 0);
    cr_assert_eq(memcmp(pred[0], pred[k], cells * sizeof(int)), 0);
    cr_assert_eq(memcmp(hops[0], hops[k], cells * sizeof(int)), 0);
    cr_assert_eq(memcmp(fw[0], fw[k], (size_t)3 * n * n * sizeof(double)), 0);
  }
  /* Sanity: the big graphs are mostly connected and agree with FW. */
  {
    int g, v, finite = 0;
    for (g = 0; g < 3; ++g) {
      for (s = 0; s < S; ++s) {
        for (v = 0; v < n; ++v) {
          const double d = dist[0][((size_t)g * S + s) * n + v];
          const double f = fw[0][((size_t)g * n + src[s]) * n + v];
          if (isinf(d)) {
            cr_assert(isinf(f));
          } else {
            finite++;
            cr_assert(fabs(f - d) <= 1e-12 * d);
          }
        }
      }
    }
    cr_assert_gt(finite, 3 * S * n / 2);
  }
  for (k = 0; k < 3; ++k) {
    free(dist[k]);
    free(pred[k]);
    free(hops[k]);
    free(fw[k]);
  }
  tp_batch_free(&b);
}

/* ------------------------------------------------------------- parity */

Test(parity, sssp_cuda_matches_cpu_bytes) {
  const int G = 64, n = 300, S = 8;
  const size_t cells = (size_t)G * S * n;
  uint64_t rng = 99;
  tp_batch b;
  int src[8], s, k;
  double *dist[2];
  int *pred[2], *hops[2];
  fai_backend be[2];
  fai_error err;
  tp_select_cuda_or_skip(&be[1]);
  tp_select_cpu(&be[0], 0);
  tp_batch_random(&b, &rng, G, n, 290, 4.0);
  for (s = 0; s < S; ++s) src[s] = (s * 41 + 3) % n;
  for (k = 0; k < 2; ++k) {
    dist[k] = malloc(cells * sizeof(double));
    pred[k] = malloc(cells * sizeof(int));
    hops[k] = malloc(cells * sizeof(int));
    cr_assert(dist[k] && pred[k] && hops[k]);
    fai_error_clear(&err);
    cr_assert_eq(be[k].sssp(&be[k], &b.gb, S, src, dist[k], pred[k], hops[k], &err), FAI_OK,
                 "%s: %s", be[k].name, err.msg);
  }
  cr_assert_eq(memcmp(dist[0], dist[1], cells * sizeof(double)), 0);
  cr_assert_eq(memcmp(pred[0], pred[1], cells * sizeof(int)), 0);
  cr_assert_eq(memcmp(hops[0], hops[1], cells * sizeof(int)), 0);
  /* Optional outputs omitted: dist alone is still the same. */
  cr_assert_eq(be[1].sssp(&be[1], &b.gb, S, src, dist[1], NULL, NULL, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(memcmp(dist[0], dist[1], cells * sizeof(double)), 0);
  for (k = 0; k < 2; ++k) {
    free(dist[k]);
    free(pred[k]);
    free(hops[k]);
  }
  tp_batch_free(&b);
}

Test(parity, apsp_cuda_matches_cpu_bytes) {
  const int G = 40, n = 120;
  const size_t cells = (size_t)G * n * n;
  uint64_t rng = 1234;
  tp_batch b;
  double *fw[2];
  fai_backend be[2];
  fai_error err;
  int k;
  tp_select_cuda_or_skip(&be[1]);
  tp_select_cpu(&be[0], 0);
  tp_batch_random(&b, &rng, G, n, 100, 3.0);
  for (k = 0; k < 2; ++k) {
    fw[k] = malloc(cells * sizeof(double));
    cr_assert(fw[k]);
    fai_error_clear(&err);
    cr_assert_eq(be[k].apsp(&be[k], &b.gb, fw[k], &err), FAI_OK, "%s: %s", be[k].name, err.msg);
  }
  cr_assert_eq(memcmp(fw[0], fw[1], cells * sizeof(double)), 0);
  free(fw[0]);
  free(fw[1]);
  tp_batch_free(&b);
}
